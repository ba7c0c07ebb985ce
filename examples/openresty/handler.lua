-- handler.lua -- realtimekit in OpenResty handlers: a content handler that walks an app's
-- meetings and answers with a summary as JSON, and a background job that does the same in a
-- timer. Neither blocks the worker: while a call waits for the API, the request (or the timer)
-- yields to nginx, which goes on serving everything else.
local cjson = require "cjson"
local realtimekit = require "realtimekit"

local M = {}

-- A client for this worker. Token, account, app and the API's URL come from the environment
-- (nginx.conf's `env` lines); REALTIMEKIT_CA_FILE names a CA bundle to trust, for a test server.
-- Returns the client, or nil, the error's message and the error object.
local function new_client(transport)
  local ca_file = os.getenv("REALTIMEKIT_CA_FILE")
  return realtimekit.new {
    transport = transport,                  -- nil: the default, the C core over libcurl
    ca_file = transport ~= "ngx" and ca_file ~= "" and ca_file or nil,
  }
end

-- Walks every meeting; returns a summary, or nil and the error (the object: the pcall catches
-- what the iterator raises).
local function summary(client, concurrency)
  local count, active, first = 0, 0, nil
  local ok, err = pcall(function()
    for m in client.meetings:each { per_page = 100, concurrency = concurrency } do
      count = count + 1
      first = first or m.id
      if m.status == "ACTIVE" then active = active + 1 end
    end
  end)
  if not ok then return nil, err end
  return { meetings = count, active = active, first = first, user_agent = client:user_agent() }
end

local function reply(status, t)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(t))
end

local function failure(err)
  return { error = tostring(err), kind = type(err) == "table" and err.kind or nil }
end

--- GET /meetings[?concurrency=N][&transport=ngx]
function M.meetings()
  local transport = ngx.var.arg_transport == "ngx" and "ngx" or nil
  local client, _, err = new_client(transport)
  if not client then return reply(500, failure(err)) end
  local result, werr = summary(client, tonumber(ngx.var.arg_concurrency) or 4)
  if not result then return reply(502, failure(werr)) end
  reply(200, result)
end

--- For init_worker_by_lua: starts the background job, a timer that walks the meetings once and
-- keeps what it found in the realtimekit_job shared dict. (nginx allows no network wait in
-- init_worker_by_lua itself; a timer may wait as long as it needs.)
function M.start_job()
  local ok, err = ngx.timer.at(0, function(premature)
    if premature then return end
    local client, _, cerr = new_client()
    local result, werr
    if client then result, werr = summary(client, 1) end
    ngx.shared.realtimekit_job:set("result", cjson.encode(result or failure(cerr or werr)))
  end)
  if not ok then ngx.log(ngx.ERR, "realtimekit example: no timer: ", err) end
end

--- GET /job: what the background job found, or {"pending": true} while it runs.
function M.job()
  local result = ngx.shared.realtimekit_job:get("result")
  ngx.header["Content-Type"] = "application/json"
  ngx.say(result or '{"pending":true}')
end

return M
