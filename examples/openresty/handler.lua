-- handler.lua -- an OpenResty content handler that walks an app's meetings through
-- realtimekit's "ngx" transport and answers with a summary as JSON. The walk yields to nginx
-- while it waits, so the worker keeps serving other requests.
local cjson = require "cjson"
local realtimekit = require "realtimekit"

local M = {}

function M.meetings()
  local client, err = realtimekit.new {
    transport = "ngx",                              -- requests go to location /_realtimekit
    app_id = os.getenv("REALTIMEKIT_APP_ID"),       -- token and account from the environment
  }
  if not client then
    ngx.status = 500
    ngx.say(cjson.encode { error = tostring(err) })
    return
  end
  local concurrency = tonumber(ngx.var.arg_concurrency) or 4
  local count, active, first = 0, 0, nil
  local ok, werr = pcall(function()
    for m in client.meetings:each { per_page = 100, concurrency = concurrency } do
      count = count + 1
      first = first or m.id
      if m.status == "ACTIVE" then active = active + 1 end
    end
  end)
  if not ok then
    ngx.status = 502
    ngx.say(cjson.encode { error = tostring(werr), kind = type(werr) == "table" and werr.kind })
    return
  end
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode { meetings = count, active = active, first = first,
                         user_agent = client:user_agent() })
end

return M
