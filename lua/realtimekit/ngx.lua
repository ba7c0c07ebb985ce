--- The OpenResty transport (`transport = "ngx"`): requests go through nginx's own proxy, as
-- subrequests to an internal location (`ngx.location.capture`), so a call never blocks the
-- nginx worker. It offers the same methods as the C core's client, so the retry policy, paging,
-- decoding and errors above it are the same code. See README's OpenResty guide for the location.
--
-- A program does not require this module: it passes `transport = "ngx"` (and optionally
-- `ngx_location`) to `realtimekit.new`, inside a rewrite, access or content handler. Calls
-- there yield instead of blocking; `start` and the iterators' `concurrency` run subrequests in
-- light threads. Elsewhere (`init_by_lua*`, an `ngx.timer` callback, …) nginx allows no
-- subrequest, and a call raises an error that says so.
-- @module realtimekit.ngx
-- @usage
-- -- content_by_lua_block:
-- local realtimekit = require "realtimekit"
-- local client = assert(realtimekit.new { transport = "ngx", app_id = "…" })
-- for m in client.meetings:each { concurrency = 4 } do ngx.say(m.id) end
local errors = require "realtimekit.errors"

local ngx = rawget(_G, "ngx")

local setmetatable, pairs, type, tostring, error = setmetatable, pairs, type, tostring, error
local concat, lower, find = table.concat, string.lower, string.find
local co_status = coroutine.status
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local M = {}

--- The location requests are sent to unless the client says otherwise.
M.DEFAULT_LOCATION = "/_realtimekit"

-- Phases in which nginx allows subrequests.
local CAPTURE_PHASES = { rewrite = true, access = true, content = true }

local METHODS

local T = {}
T.__index = T
T.__metatable = "none"

--- "1.22.1" from nginx's 1022001 (ngx.config.nginx_version and ngx_lua_version use this form).
-- @local
function M.version(v)
  v = tonumber(v) or 0
  return string.format("%d.%d.%d", math.floor(v / 1000000), math.floor(v / 1000) % 1000, v % 1000)
end

--- Whether this Lua runs inside nginx with its Lua module.
-- @local
function M.available()
  return ngx ~= nil and type(ngx.location) == "table" and ngx.location.capture ~= nil
end

--- A transport for `location`. The token stays in a closure; nothing returns it.
-- @local
function M.new(token, location, user_agent, max_body)
  METHODS = METHODS or { GET = ngx.HTTP_GET, POST = ngx.HTTP_POST, PUT = ngx.HTTP_PUT,
                         PATCH = ngx.HTTP_PATCH, DELETE = ngx.HTTP_DELETE }
  local auth = "Bearer " .. token
  local self = setmetatable({
    location = location, ua = user_agent, max_body = max_body,
    threads = {}, results = {}, cancelled = {}, next_id = 0, closed = false,
  }, T)

  -- One subrequest: body, status, headers | nil, kind, message, name.
  self.capture = function(method, url, body)
    local path = url:match("^https?://[^/]+(/.*)$") or url
    local res = ngx.location.capture(location, {
      method = METHODS[method], body = body, ctx = {},
      vars = { realtimekit_path = path, realtimekit_auth = auth, realtimekit_ua = user_agent,
               realtimekit_type = body and "application/json" or "" },
    })
    local status, rbody = res.status, res.body or ""
    if res.truncated then
      -- nginx's own answer for an upstream it could not reach or that stopped: no body, or a
      -- cut one.
      if rbody == "" and status == 504 then
        return nil, "timeout", "nginx timed out waiting for the API", "NGX_UPSTREAM_TIMEOUT"
      end
      if rbody == "" then
        return nil, "network", "nginx could not reach the API (connection, TLS or DNS failure; "
          .. "nginx's error log says which)", "NGX_UPSTREAM_FAILED"
      end
      return nil, "network", "the API's answer was cut short", "PARTIAL_FILE"
    end
    if status == 404 and rbody ~= "" and not res.header["cf-ray"] and
      find(rbody, "<html", 1, true) and not find(rbody, "success", 1, true) then
      return nil, "network", "no location " .. location .. " in nginx.conf: add the one in "
        .. "README's OpenResty guide", "NGX_NO_LOCATION"
    end
    if #rbody > max_body then
      return nil, "too_large", "response larger than the limit of " .. max_body .. " bytes",
        "RESPONSE_TOO_LARGE"
    end
    local headers = {}
    for k, v in pairs(res.header) do
      if type(v) == "table" then v = concat(v, ", ") end
      headers[lower(k)] = tostring(v)
    end
    return rbody, status, headers
  end

  self.redact = function(_, s) return errors.scrub(s, token) end
  return self
end

local function check(self, method, url)
  if self.closed then error("attempt to use a closed client", 3) end
  local phase = ngx.get_phase()
  if not CAPTURE_PHASES[phase] then
    -- A mistake in where the call is made, not a failure of the call: raised, like misuse.
    error("realtimekit: the ngx transport makes subrequests, which nginx allows only in "
      .. "rewrite, access and content handlers, not in " .. phase .. " (use a content "
      .. "handler, or transport = \"curl\" where blocking is acceptable)", 0)
  end
  if not METHODS[method] then error("method must be GET, POST, PUT, PATCH or DELETE", 3) end
  if type(url) ~= "string" or not url:find("^https?://") or url:find("[%s%c]") then
    error("url must be an http:// or https:// URL without spaces or control characters", 3)
  end
end

--- One request, yielding (not blocking) until it ends.
-- @local
function T:request(method, url, body)
  check(self, method, url)
  return self.capture(method, url, body)
end

--- Starts a request in a light thread; returns its id.
-- @local
function T:start(method, url, body)
  check(self, method, url)
  local id = self.next_id + 1
  self.next_id = id
  local capture = self.capture
  self.threads[id] = ngx.thread.spawn(function()
    return id, capture(method, url, body)
  end)
  return id
end

-- What a finished thread's wait gave, from index i on: the request's outcome, or a network
-- failure if the thread itself died with an error.
local function outcome(r, i)
  if not r[1] then
    return { nil, "network", "the request's light thread failed: " .. tostring(r[2]),
             "NGX_THREAD_ERROR" }
  end
  return { r[i], r[i + 1], r[i + 2], r[i + 3] }
end

-- Collects the results of threads that have finished.
local function collect(self, done)
  for id, th in pairs(self.threads) do
    if co_status(th) == "dead" then
      self.threads[id] = nil
      local r = { ngx.thread.wait(th) }
      if self.cancelled[id] then
        self.cancelled[id] = nil
      else
        self.results[id] = outcome(r, 3)
        done[#done + 1] = id
      end
    end
  end
end

--- The ids that finished since the last poll; with a timeout, yields up to that long for one.
-- @local
function T:poll(timeout)
  local done = {}
  collect(self, done)
  if #done == 0 and timeout and timeout > 0 and next(self.threads) ~= nil then
    local list = {}
    for _, th in pairs(self.threads) do list[#list + 1] = th end
    local sleeper = ngx.thread.spawn(function() ngx.sleep(timeout) end)
    list[#list + 1] = sleeper
    -- The first thread to end hands its results to wait: the id first, then the outcome.
    local r = { ngx.thread.wait(unpack(list)) }
    ngx.thread.kill(sleeper)
    local id = r[2]
    if r[1] and type(id) == "number" and self.threads[id] then
      self.threads[id] = nil
      if self.cancelled[id] then
        self.cancelled[id] = nil
      else
        self.results[id] = outcome(r, 3)
        done[#done + 1] = id
      end
    end
    collect(self, done)
  end
  return done
end

--- The outcome of a finished request, as request() gives it.
-- @local
function T:result(id)
  local r = self.results[id]
  if not r then error("no finished transfer " .. tostring(id), 2) end
  self.results[id] = nil
  return unpack(r, 1, 4)
end

--- Forgets a request; a subrequest under way cannot be stopped, so its answer is dropped.
-- @local
function T:cancel(id)
  if self.threads[id] then self.cancelled[id] = true end
  self.results[id] = nil
end

function T:running()
  local n = 0
  for id in pairs(self.threads) do
    if not self.cancelled[id] then n = n + 1 end
  end
  return n
end

function T:user_agent() return self.ua end
function T:close() self.closed = true end
function T:is_closed() return self.closed end
function T:__tostring() return "realtimekit.ngx transport (" .. self.location .. ")" end

return M
