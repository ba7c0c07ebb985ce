-- The RealtimeKit API as the fake server serves it: the entry point of every API request. Here:
-- the request log, the faults a test queued, latency, the bearer-token check; then fake.router
-- hands the request to its resource module (fake/<resource>.lua).
local cjson = require "cjson"
local data = require "realtimekit.fake.server.data"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"
local router = require "realtimekit.fake.server.router"
local events = require "realtimekit.fake.server.events"

local M = {}

local concat = table.concat

local REASONS = {
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [405] = "Method Not Allowed", [408] = "Request Timeout", [409] = "Conflict",
  [422] = "Unprocessable Entity", [429] = "Too Many Requests", [500] = "Internal Server Error",
  [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
}

local function send(status, body, headers)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  for k, v in pairs(headers or {}) do ngx.header[k] = v end
  ngx.header["Content-Length"] = #body
  ngx.print(body)
  return ngx.exit(status)
end

-- Sends the answer padded with spaces (which JSON allows after a value) to `size` bytes, in
-- 64 KiB pieces, each sent before the next is made, so the server never holds the whole of a
-- large answer: with its Content-Length, or, with `chunked`, without one.
local function send_large(status, body, headers, size, chunked)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  for k, v in pairs(headers or {}) do ngx.header[k] = v end
  if size < #body then size = #body end
  if not chunked then ngx.header["Content-Length"] = size end
  local piece = string.rep(" ", 65536)
  if not ngx.print(body) then return ngx.exit(ngx.OK) end
  local left = size - #body
  while left > 0 do
    local k = left < #piece and left or #piece
    -- Stops once the reader has gone: nginx refuses more output then.
    if not ngx.print(k == #piece and piece or piece:sub(1, k)) or not ngx.flush(true) then
      return ngx.exit(ngx.OK)
    end
    left = left - k
  end
  return ngx.exit(ngx.OK)
end

local function default_error_body(status)
  return cjson.encode { success = false,
                        error = { code = status,
                                  message = REASONS[status] or ("HTTP " .. status) } }
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Decoded query arguments: a repeated key holds the list of its values (the router refuses
-- that where the endpoint does not take it); a bare key (no "=") is an error of the request.
local function parse_query(q)
  local args = {}
  if q == "" then return args end
  for pair in q:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if not k then return nil, pair end
    k, v = unescape((k:gsub("+", " "))), unescape((v:gsub("+", " ")))
    local had = args[k]
    if had == nil then
      args[k] = v
    elseif type(had) == "table" then
      had[#had + 1] = v
    else
      args[k] = { had, v }
    end
  end
  return args
end

-- Sends a response over the raw connection and closes it: with `half`, status, headers (with
-- the full Content-Length) and half the body; without, the whole response, but a close the client
-- was not told about (no "Connection: close"), as a server that drops idle connections does.
local function raw_then_close(status, body, headers, half)
  local sock = assert(ngx.req.socket(true))
  local lines = { "HTTP/1.1 " .. status .. " " .. (REASONS[status] or "OK"),
                  "Content-Type: application/json", "Content-Length: " .. #body,
                  "cf-ray: " .. ngx.header["cf-ray"] }
  for k, v in pairs(headers or {}) do lines[#lines + 1] = k .. ": " .. v end
  local sent = half and body:sub(1, math.floor(#body / 2)) or body
  sock:send(concat(lines, "\r\n") .. "\r\n\r\n" .. sent)
  return ngx.exit(ngx.HTTP_CLOSE)
end

local function respond(headers, path, args, bad, body)
  if path == events.KEY_PATH then return events.key_document(ngx.req.get_method()) end
  if headers.authorization ~= "Bearer " .. data.TOKEN then
    return common.v4_error(401, 10000, "Authentication error")
  end
  if not args then
    return common.rtk_error(400, "malformed query parameter '" .. tostring(bad) .. "'")
  end
  local segs = {}
  for seg in path:gmatch("[^/]+") do segs[#segs + 1] = unescape(seg) end
  return router.dispatch(ngx.req.get_method(), segs, args, body)
end

function M.handle()
  local raw = ngx.var.request_uri
  local path, query = raw:match("^([^?]*)%??(.*)$")
  -- An absolute-form target (a request through a proxy) still carries scheme and host here.
  path = path:gsub("^%a[%w+.-]*://[^/]*", "")
  ngx.req.read_body()
  local headers = {}
  for k, v in pairs(ngx.req.get_headers(200)) do headers[k] = v end
  local args, bad = parse_query(query)
  local body = ngx.req.get_body_data()
  state.record {
    method = ngx.req.get_method(), path = path, query = query, args = args or {},
    headers = headers, body = body, connection = tonumber(ngx.var.connection),
  }
  ngx.header["cf-ray"] = state.next_ray()
  ngx.header["Cache-Control"] = "no-store"

  -- A request the server waits on before it answers (latency, a hold, a delay) belongs to the
  -- data it arrived under: after a reset meanwhile it is dropped, so that it never writes into
  -- the next test's data (its client gave up on it, or will see a dropped connection).
  local generation = state.generation
  local function outlived()
    return state.generation ~= generation
  end
  local cfg = state.config
  local throttled, rate_headers = state.rate_check()
  for k, v in pairs(rate_headers or {}) do ngx.header[k] = v end
  if cfg.latency > 0 then ngx.sleep(cfg.latency) end
  if outlived() then return ngx.exit(ngx.HTTP_CLOSE) end
  if throttled then
    return send(common.v4_error(429, 971, "Please wait and consider throttling your request "
      .. "speed"))
  end

  local fault = state.take_fault(path .. "?" .. query)
  if fault then
    if fault.hold then state.hold() end
    if fault.delay then ngx.sleep(fault.delay) end
    if outlived() or fault.drop then return ngx.exit(ngx.HTTP_CLOSE) end
    if fault.status then
      local text = fault.body or default_error_body(fault.status)
      if fault.truncate or fault.close then
        return raw_then_close(fault.status, text, fault.headers, fault.truncate)
      end
      if fault.size then
        return send_large(fault.status, text, fault.headers, fault.size, fault.chunked)
      end
      return send(fault.status, text, fault.headers)
    end
  end

  local status, answer = respond(headers, path, args, bad, body)
  if fault and (fault.truncate or fault.close) then
    return raw_then_close(status, answer, nil, fault.truncate)
  end
  if fault and fault.size then return send_large(status, answer, nil, fault.size, fault.chunked) end
  return send(status, answer)
end

return M
