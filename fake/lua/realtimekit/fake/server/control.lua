-- /__control/*: how tests drive the fake server. Never logged or counted as API traffic.
--   POST /__control/reset            back to defaults (data, faults, config, log)
--   POST /__control/fault   {fault}  queue a fault
--   POST /__control/config  {config} merge behaviour switches
--   GET  /__control/requests         the request log, oldest first
--   GET  /__control/stats            { requests, connections, throttled, held }
--   POST /__control/release          lets the requests a `hold` fault holds go on
local cjson = require "cjson"
local state = require "realtimekit.fake.server.state"

local M = {}

local function reply(status, value)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(cjson.encode(value))
  return ngx.exit(status)
end

local function body()
  ngx.req.read_body()
  local raw = ngx.req.get_body_data()
  if not raw then return {} end
  local ok, v = pcall(cjson.decode, raw)
  if not ok or type(v) ~= "table" then return nil end
  return v
end

local FAULT_KEYS = { match = "string", status = "number", body = "string", headers = "table",
                     delay = "number", drop = "boolean", truncate = "boolean", close = "boolean",
                     times = "number", size = "number", chunked = "boolean" }
-- Held until POST /__control/release (or a reset), HOLD_LIMIT seconds at most.
FAULT_KEYS.hold = "boolean"

function M.handle()
  local what = ngx.var.uri:match("^/__control/(%w+)$")
  local method = ngx.req.get_method()
  if what == "reset" and method == "POST" then
    state.reset()
    require("realtimekit.fake.server.events").reset()
    return reply(200, { ok = true })
  elseif what == "fault" and method == "POST" then
    local f = body()
    if not f then return reply(400, { error = "fault must be a JSON object" }) end
    for k, v in pairs(f) do
      if FAULT_KEYS[k] ~= type(v) then
        return reply(400,
          { error = "fault field " .. tostring(k) .. " is unknown or of the wrong type" })
      end
    end
    state.faults[#state.faults + 1] = f
    return reply(200, { ok = true, queued = #state.faults })
  elseif what == "config" and method == "POST" then
    local c = body()
    if not c then return reply(400, { error = "config must be a JSON object" }) end
    local ok, err = state.configure(c)
    if not ok then return reply(400, { error = err }) end
    return reply(200, state.config)
  elseif what == "requests" and method == "GET" then
    if #state.log == 0 then
      ngx.header["Content-Type"] = "application/json"
      ngx.print("[]")
      return ngx.exit(200)
    end
    return reply(200, state.log)
  elseif what == "stats" and method == "GET" then
    return reply(200, { requests = #state.log, connections = state.connection_count,
                        throttled = state.rate.throttled, held = state.held })
  elseif what == "release" and method == "POST" then
    return reply(200, { released = state.release() })
  end
  return reply(404, { error = "no such control endpoint" })
end

return M
