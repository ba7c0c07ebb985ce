-- The handlers of bench/openresty.lua, inside nginx: timed calls with either transport, and
-- calls that only wait, for the worker's CPU.
local cjson = require "cjson"
local core = require "realtimekit.core"
local realtimekit = require "realtimekit"

local M = {}

local PATH = "/accounts/{account_id}/realtime/kit/{app_id}/meetings"

-- One client per transport for the worker, as an application keeps one: its connections stay
-- open between requests.
local clients = {}
local function client(transport)
  local t = transport == "ngx" and "ngx" or "curl"
  if not clients[t] then
    clients[t] = assert(realtimekit.new {
      transport = t, app_id = os.getenv("REALTIMEKIT_APP_ID"), max_retries = 0,
      ca_file = t == "curl" and os.getenv("REALTIMEKIT_CA_FILE") or nil,
    })
  end
  return clients[t]
end

--- GET /bench/latency?transport=curl|ngx&n=N: N calls one after the other (a page of one
-- meeting), each timed; answers with the seconds each took.
function M.latency()
  local c = client(ngx.var.arg_transport)
  local times = {}
  for i = 1, tonumber(ngx.var.arg_n) do
    local t0 = core.monotonic()
    assert(c:request("GET", PATH, { query = { per_page = 1 } }))
    times[i] = core.monotonic() - t0
  end
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(times))
end

--- GET /bench/wait?transport=curl|ngx&n=N: N calls at once in light threads, each of which the
-- fake server holds (a queued delay); answers when all have ended.
function M.wait()
  local c = client(ngx.var.arg_transport)
  local threads = {}
  for i = 1, tonumber(ngx.var.arg_n) do
    threads[i] = ngx.thread.spawn(function()
      return assert(c:request("GET", PATH, { query = { per_page = 1 } }))
    end)
  end
  for i = 1, #threads do assert(ngx.thread.wait(threads[i])) end
  ngx.say("ok")
end

--- GET /bench/worker: this worker's pid.
function M.worker()
  ngx.say(ngx.worker.pid())
end

return M
