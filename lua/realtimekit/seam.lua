--- A transport of the program's own, for unit tests without any server.
-- `realtimekit.new { transport = function(request) … return status, body, headers end }`:
-- everything above the transport is the library's own code (checks, URLs, bodies, retries,
-- pacing, decoding, errors), so a test sees what a real answer would give.
--
-- The function gets one table per attempt: `method`, `url` (the whole URL, query included),
-- `path` (below the host), `query` (the text after `?`, or ""), `headers` (`name = value`: the
-- client's, the call's, `Accept`, `Content-Type` when there is a body, `User-Agent`; never the
-- token), `body` (the JSON text, or nil) and `timeout` (this attempt's: the call's, cut to what
-- is left of its `deadline`; or nil). It returns the status, the body (a string) and the
-- headers (`name = value`, any case), or nil and a message for a failure without a response:
-- an error of kind `network`, retried as such, that may have come after the request was sent
-- (a POST or PATCH is then not retried, and its outcome is unknown). A third value names the
-- failure as the C core does: `"COULDNT_CONNECT"` or `"COULDNT_RESOLVE_HOST"` (nothing was
-- sent: a write is retried too), `"OPERATION_TIMEDOUT"` (a `timeout` error), or any other name
-- of capitals, digits and underscores (a `network` error). An error it raises is a failure
-- too. It is called from `client:poll` (so an async operation is still pending until then),
-- once per attempt.
--
-- A table with the C core client's methods (`start`, `poll`, `result`, `cancel`, and
-- optionally `running`, `user_agent`, `close`) is taken as the transport itself.
-- @module realtimekit.seam
local type, pairs, pcall, tostring, setmetatable = type, pairs, pcall, tostring, setmetatable
local lower = string.lower

local M = {}

local T = {}
T.__index = T

--- Wraps `fn` as a transport; `user_agent` is what it reports and sends.
-- @local
function M.new(fn, user_agent)
  return setmetatable({ fn = fn, ua = user_agent, queue = {}, pending = {}, results = {},
                        next_id = 0, closed = false }, T)
end

--- Whether v has what a transport object needs.
-- @local
function M.is_transport(v)
  return type(v) == "table" and type(v.start) == "function" and type(v.poll) == "function"
    and type(v.result) == "function" and type(v.cancel) == "function"
end

function T:start(method, url, body, opts)
  if self.closed then error("attempt to use a closed client", 2) end
  local id = self.next_id + 1
  self.next_id = id
  self.pending[id] = { method = method, url = url, body = body, opts = opts }
  self.queue[#self.queue + 1] = id
  return id
end

-- The request table the function sees.
local function request_of(self, r)
  local headers = { Accept = "application/json", ["User-Agent"] = self.ua }
  if r.body ~= nil then headers["Content-Type"] = "application/json" end
  local opts = r.opts or {}
  for _, line in pairs(opts.headers or {}) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
      for k in pairs(headers) do
        if lower(k) == lower(name) then headers[k] = nil end
      end
      headers[name] = value
    end
  end
  local path = r.url:match("^%a+://[^/]*(/[^?]*)") or r.url
  local query = r.url:match("%?(.*)$") or ""
  return { method = r.method, url = r.url, path = path, query = query, headers = headers,
           body = r.body, timeout = opts.timeout }
end

local function failure(message, name)
  if type(name) ~= "string" or #name > 40 or not name:find("^[A-Z][A-Z0-9_]*$") then
    name = "TRANSPORT_FUNCTION"
  end
  return { nil, name == "OPERATION_TIMEDOUT" and "timeout" or "network", message, name }
end

-- Checks what the function returned; the outcome the engine reads, as the core gives it.
local function outcome(ok, status, body, headers)
  if not ok then
    return failure("the transport function raised: " .. (type(status) == "string" and status
      or "a " .. type(status)))
  end
  if status == nil then
    return failure(type(body) == "string" and body or "the transport function gave no response",
      headers)
  end
  if type(status) ~= "number" or status % 1 ~= 0 or status < 100 or status > 599 then
    return failure("the transport function returned a status that is not one: a "
      .. type(status))
  end
  if body == nil then body = "" end
  if type(body) ~= "string" then
    return failure("the transport function returned a body that is not a string: a "
      .. type(body))
  end
  local out = {}
  if headers ~= nil then
    if type(headers) ~= "table" then
      return failure("the transport function returned headers that are not a table: a "
        .. type(headers))
    end
    for k, v in pairs(headers) do
      if type(k) == "string" and (type(v) == "string" or type(v) == "number") then
        out[lower(k)] = type(v) == "number" and tostring(v) or v
      end
    end
  end
  return { body, status, out }
end

--- Calls the function for every request started and not yet answered; returns their ids.
function T:poll()
  local done = {}
  local queue = self.queue
  self.queue = {}
  for i = 1, #queue do
    local id = queue[i]
    local r = self.pending[id]
    if r then
      self.pending[id] = nil
      self.results[id] = outcome(pcall(self.fn, request_of(self, r)))
      done[#done + 1] = id
    end
  end
  return done
end

function T:result(id)
  local r = self.results[id]
  if not r then error("no finished transfer " .. tostring(id), 2) end
  self.results[id] = nil
  return r[1], r[2], r[3], r[4]
end

function T:cancel(id)
  self.pending[id] = nil
  self.results[id] = nil
end

function T:running()
  local n = 0
  for _ in pairs(self.pending) do n = n + 1 end
  return n
end

function T:user_agent() return self.ua end
function T:close() self.closed = true end
function T:is_closed() return self.closed end


return M
