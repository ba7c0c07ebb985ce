--- The OpenResty transport (`transport = "ngx"`): requests go through nginx's own proxy, as
-- subrequests to an internal location (`ngx.location.capture`), so they use nginx's upstream
-- keepalive, proxy settings and logging. It offers the same methods as the C core's client, so
-- the retry policy, paging, decoding and errors above it are the same code. See
-- docs/openresty.md for the location. (The default transport, the C core, needs no location and
-- works in every phase that can yield, timers included.)
--
-- A program does not require this module: it passes `transport = "ngx"` (and optionally
-- `ngx_location`) to `realtimekit.new`, inside a rewrite, access or content handler. Calls
-- there yield instead of blocking; `client.async` and the iterators' `concurrency` run
-- subrequests in light threads. Elsewhere (`init_by_lua*`, an `ngx.timer` callback, …) nginx
-- allows no subrequest, and a call returns an `invalid_argument` error that says so.
-- @module realtimekit.ngx
-- @usage
-- -- content_by_lua_block:
-- local realtimekit = require "realtimekit"
-- local client = assert(realtimekit.new { transport = "ngx", app_id = "…" })
-- for m in client.meetings:each { concurrency = 4 } do ngx.say(m.id) end
local redaction = require "realtimekit.redact"

local ngx = rawget(_G, "ngx")

local setmetatable, pairs, type, tostring, error, pcall = setmetatable, pairs, type, tostring,
  error, pcall
local concat, lower, find = table.concat, string.lower, string.find
local co_status, co_running = coroutine.status, coroutine.running
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

--- What sends the requests, for the User-Agent: nginx's Lua module and nginx, with their
-- versions ("ngx_lua/0.10.25; nginx/1.22.1").
-- @local
function M.platform()
  return "ngx_lua/" .. M.version(ngx.config.ngx_lua_version) .. "; nginx/"
    .. M.version(ngx.config.nginx_version)
end

--- Whether this Lua runs inside nginx with its Lua module.
-- @local
function M.available()
  return ngx ~= nil and type(ngx.location) == "table" and ngx.location.capture ~= nil
end

--- For the location's `header_filter_by_lua_block`: marks the subrequest as having reached
-- the location, notes whether nginx sent the request upstream at all, and ends one whose
-- `Content-Length` is above the client's `max_body` before any of its body is read. Does
-- nothing for a request that is not realtimekit's.
function M.header_filter()
  local ctx = ngx.ctx
  local max = ctx.realtimekit_max_body
  if not max then return end
  ctx.realtimekit_seen = true
  -- nginx sets $upstream_connect_time when it starts sending the request (the connection and
  -- its TLS handshake made); "-" means it never did: nothing of the request left.
  ctx.realtimekit_unsent = ngx.var.upstream_connect_time == "-"
  local length = tonumber(ngx.header["Content-Length"])
  if length and length > max then
    ctx.realtimekit_too_large = true
    return ngx.exit(ngx.ERROR)
  end
end

--- For the location's `body_filter_by_lua_block`: counts the answer's bytes and, past the
-- client's `max_body`, drops them instead of letting nginx hold them, so an answer without a
-- `Content-Length` cannot grow the worker either. Does nothing for a request that is not
-- realtimekit's.
function M.body_filter()
  local ctx = ngx.ctx
  local max = ctx.realtimekit_max_body
  if not max then return end
  ctx.realtimekit_counted = true
  local chunk = ngx.arg[1]
  if chunk and chunk ~= "" then
    local n = (ctx.realtimekit_bytes or 0) + #chunk
    ctx.realtimekit_bytes = n
    if n > max then
      ctx.realtimekit_too_large = true
      ngx.arg[1] = ""
    end
  end
end

-- The locations found without the filters, each told of once per worker in nginx's error log.
local unfiltered = {}

-- Tells nginx's error log, once per worker, that `location` lacks the filters: nothing there
-- holds max_body while an answer arrives (lua-nginx-module keeps a subrequest's whole answer in
-- memory, and it is copied twice on its way to Lua: a 128 MiB answer grows the worker by about
-- 384 MiB). The call works all the same; its answer is checked once nginx holds it.
local function warn_unfiltered(location)
  if unfiltered[location] then return end
  unfiltered[location] = true
  ngx.log(ngx.WARN, "realtimekit: nginx location ", location, " lacks the ngx transport's "
    .. "filters (header_filter_by_lua_block { require(\"realtimekit.ngx\").header_filter() } "
    .. "and body_filter_by_lua_block { require(\"realtimekit.ngx\").body_filter() }, docs/"
    .. "openresty.md): without them nginx holds every answer whole, whatever max_body says")
end

local function too_large(max_body)
  return nil, "too_large", "response larger than the limit of " .. max_body .. " bytes",
    "RESPONSE_TOO_LARGE"
end

--- A transport for `location`. The token stays in a closure; nothing returns it.
-- @local
function M.new(token, location, user_agent, max_body)
  METHODS = METHODS or { GET = ngx.HTTP_GET, POST = ngx.HTTP_POST, PUT = ngx.HTTP_PUT,
                         PATCH = ngx.HTTP_PATCH, DELETE = ngx.HTTP_DELETE }
  local auth = "Bearer " .. token
  local self = setmetatable({
    location = location, ua = user_agent, max_body = max_body,
    threads = {}, results = {}, finished = {}, cancelled = {}, next_id = 0,
    -- The light threads to reap, by the request that spawned them (its ngx.ctx, a key that
    -- goes when the request does), then by thread: the coroutine that spawned each.
    spawned = setmetatable({}, { __mode = "k" }),
    closed = false, sema = require("ngx.semaphore").new(),
  }, T)

  -- One subrequest: body, status, headers | nil, kind, message, name.
  self.capture = function(method, url, body)
    local path = url:match("^https?://[^/]+(/.*)$") or url
    -- The subrequest's ngx.ctx: the location's filters read the limit and leave their marks.
    local ctx = { realtimekit_max_body = max_body }
    local res = ngx.location.capture(location, {
      method = METHODS[method], body = body, ctx = ctx,
      vars = { realtimekit_path = path, realtimekit_auth = auth, realtimekit_ua = user_agent,
               realtimekit_type = body and "application/json" or "" },
    })
    local status, rbody = res.status, res.body or ""
    if ctx.realtimekit_too_large then return too_large(max_body) end
    if status == 404 and not ctx.realtimekit_seen and not res.header["cf-ray"] and
      (rbody == "" or (find(rbody, "<html", 1, true) and not find(rbody, "success", 1, true))) then
      -- nginx's own 404: the subrequest matched no location of that name.
      return nil, "invalid", "ngx_location: nginx has no location " .. location .. " (it "
        .. "answered the subrequest with its own 404): add the one in docs/openresty.md "
        .. "to nginx.conf, or fix the name", "NGX_NO_LOCATION"
    end
    if res.truncated then
      -- nginx's own answer for an upstream it could not reach or that stopped: no body, or a
      -- cut one.
      if rbody == "" and status == 504 and ctx.realtimekit_unsent then
        return nil, "timeout", "nginx timed out connecting to the API: nothing was sent",
          "NGX_CONNECT_TIMEOUT"
      end
      if rbody == "" and status == 504 then
        return nil, "timeout", "nginx timed out waiting for the API", "NGX_UPSTREAM_TIMEOUT"
      end
      if rbody == "" and ctx.realtimekit_unsent then
        return nil, "network", "nginx could not connect to the API (refused, TLS handshake or "
          .. "DNS failure; nginx's error log says which): nothing was sent",
          "NGX_COULDNT_CONNECT"
      end
      if rbody == "" then
        return nil, "network", "nginx lost the API's answer (connection, TLS or DNS failure; "
          .. "nginx's error log says which)", "NGX_UPSTREAM_FAILED"
      end
      return nil, "network", "the API's answer was cut short", "PARTIAL_FILE"
    end
    -- A location without the filters of docs/openresty.md: the limit applies once nginx holds it.
    if not ctx.realtimekit_seen or (rbody ~= "" and not ctx.realtimekit_counted) then
      warn_unfiltered(location)
    end
    if #rbody > max_body then return too_large(max_body) end
    local headers = {}
    for k, v in pairs(res.header) do
      if type(v) == "table" then v = concat(v, ", ") end
      headers[lower(k)] = tostring(v)
    end
    return rbody, status, headers
  end

  self.redact = function(_, s) return redaction.scrub(s, token) end
  return self
end

-- Raises for misuse, as the C core does; returns a phase that allows no subrequest, or nil.
local function check(self, method, url)
  if self.closed then error("attempt to use a closed client", 3) end
  if not METHODS[method] then error("method must be GET, POST, PUT, PATCH or DELETE", 3) end
  if type(url) ~= "string" or not url:find("^https?://") or url:find("[%s%c]") then
    error("url must be an http:// or https:// URL without spaces or control characters", 3)
  end
  local phase = ngx.get_phase()
  if not CAPTURE_PHASES[phase] then return phase end
end

local function phase_failure(phase)
  return nil, "invalid", "realtimekit: the ngx transport makes subrequests, which nginx "
    .. "allows only in rewrite, access and content handlers, not in " .. phase .. " (use the "
    .. "default transport, which works in timers too)", "NGX_PHASE"
end

--- One request, yielding (not blocking) until it ends.
-- @local
function T:request(method, url, body)
  local phase = check(self, method, url)
  if phase then return phase_failure(phase) end
  return self.capture(method, url, body)
end

-- Wakes every coroutine waiting in poll, so each can see whether what it waits for is done.
local function wake(self)
  local waiting = -self.sema:count()
  if waiting > 0 then self.sema:post(waiting) end
end

--- Starts a request in a light thread; returns its id, or nil, kind, message, name.
-- @local
function T:start(method, url, body)
  local phase = check(self, method, url)
  if phase then return phase_failure(phase) end
  local id = self.next_id + 1
  self.next_id = id
  local capture = self.capture
  self.threads[id] = true
  local th = ngx.thread.spawn(function()
    local r = { pcall(capture, method, url, body) }
    local outcome
    if r[1] then
      outcome = { r[2], r[3], r[4], r[5] }
    else
      outcome = { nil, "network", "the request's light thread failed: " .. tostring(r[2]),
                  "NGX_THREAD_ERROR" }
    end
    self.threads[id] = nil
    if self.cancelled[id] then
      self.cancelled[id] = nil
    else
      self.results[id] = outcome
      self.finished[#self.finished + 1] = id
      wake(self)
    end
  end)
  -- Only the coroutine that spawned a light thread may reap it (ngx.thread.wait), in the same
  -- request: nginx may give a later request the same coroutine, and a wait there for a thread
  -- of the earlier one can crash the worker.
  local ctx = ngx.ctx
  local mine = self.spawned[ctx]
  if not mine then
    mine = {}
    self.spawned[ctx] = mine
  end
  mine[th] = co_running()
  return id
end

-- Reaps the finished light threads this coroutine spawned in this request, and hands out the
-- ids finished since the last poll. (Those of a request that has ended, nginx has freed.)
local function take(self)
  local mine = self.spawned[ngx.ctx]
  if mine then
    local me = co_running()
    for th, parent in pairs(mine) do
      if parent == me and co_status(th) == "dead" then
        mine[th] = nil
        ngx.thread.wait(th)
      end
    end
  end
  local done = self.finished
  self.finished = {}
  return done
end

--- The ids that finished since the last poll; with a timeout, yields up to that long for one,
-- or until `stop()` is true.
-- @local
function T:poll(timeout, stop)
  local done = take(self)
  if #done > 0 or not timeout or timeout <= 0 or next(self.threads) == nil then return done end
  local deadline = ngx.now() + timeout
  while true do
    if stop and stop() then return done end
    ngx.update_time()
    local left = deadline - ngx.now()
    if left <= 0 then return done end
    self.sema:wait(left)
    done = take(self)
    if #done > 0 then return done end
  end
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
