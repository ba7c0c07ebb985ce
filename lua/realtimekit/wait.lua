--- How a blocking call waits for the C core's transfers: the one thing that differs between
-- hosts. In plain Lua the core's own poll blocks in the kernel until a transfer has something
-- to do. Inside OpenResty, where blocking would stall the whole nginx worker, the core is polled
-- without waiting and the coroutine yields with `ngx.sleep` in between: briefly while data
-- flows, longer the longer the transfers have waited, and never past libcurl's next timer. In
-- an nginx phase that cannot yield, a call is refused rather than left to block the worker.
-- @module realtimekit.wait
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"

local ngx = rawget(_G, "ngx")

local M = {}

-- Phases in which ngx.sleep may yield (lua-nginx-module's list for ngx.sleep).
local YIELDABLE = { rewrite = true, server_rewrite = true, access = true, content = true,
                    timer = true, ssl_cert = true, ssl_session_fetch = true,
                    ssl_client_hello = true }

-- Sleeps between polls inside nginx: from NGX_MIN_STEP right after data flowed, then a
-- fraction NGX_BACKOFF of the time the transfers have waited since, up to NGX_MAX_STEP. A
-- response that arrives after t seconds of waiting is so seen about t * NGX_BACKOFF / 2 late
-- on average (at most NGX_MAX_STEP), and a long wait costs 1 / NGX_MAX_STEP wake-ups a second.
M.NGX_MIN_STEP, M.NGX_MAX_STEP, M.NGX_BACKOFF = 0.001, 0.05, 0.05

--- Whether this Lua runs inside nginx with its Lua module.
function M.in_ngx()
  return ngx ~= nil and type(ngx.get_phase) == "function"
end

--- The nginx phase, or nil outside nginx.
function M.phase()
  if M.in_ngx() then return ngx.get_phase() end
end

--- Whether waiting here may yield (nginx, in a phase that allows `ngx.sleep`); nil outside
-- nginx, where waiting blocks as any Lua program's does.
function M.can_yield()
  if not M.in_ngx() then return nil end
  return YIELDABLE[ngx.get_phase()] == true
end

--- Why a call of this client may not wait here, as an `invalid_argument` error; nil when it
-- may: outside nginx, in a phase that can yield, or with the client's `block_in_nginx`. (The
-- ngx transport says by itself where nginx allows it no subrequest.)
-- @param client a client (its `block_in_nginx` and `transport` fields are read)
function M.refusal(client)
  if not M.in_ngx() or client.block_in_nginx or client.transport == "ngx"
    or client.transport == "custom" then return nil end
  local phase = ngx.get_phase()
  if YIELDABLE[phase] then return nil end
  return errors.new("invalid_argument", "realtimekit: a call waits for the network, which "
    .. "nginx's " .. phase .. " phase cannot do without blocking the worker: make it in a "
    .. "timer (ngx.timer.at(0, function() ... end)) or in a rewrite, access or content "
    .. "handler, or for tooling that may block (init_by_lua) pass block_in_nginx = true to "
    .. "realtimekit.new", { phase = phase })
end

--- Sleeps `seconds`: `ngx.sleep` where it can yield, else the core's blocking sleep.
function M.sleep(seconds)
  if seconds <= 0 then return end
  -- nginx's timers count whole milliseconds; a shorter sleep would be one of none.
  if M.can_yield() then return ngx.sleep(seconds < 0.001 and 0.001 or seconds) end
  core.sleep(seconds)
end

-- The next sleep between polls inside nginx, at most `left` seconds (but a millisecond at
-- least: nginx's timers count whole milliseconds).
local function step(http, left)
  local s = http:idle() * M.NGX_BACKOFF
  if s < M.NGX_MIN_STEP then
    s = M.NGX_MIN_STEP
  elseif s > M.NGX_MAX_STEP then
    s = M.NGX_MAX_STEP
  end
  local timer = http:timeout()
  if timer and timer < s then s = timer < M.NGX_MIN_STEP and M.NGX_MIN_STEP or timer end
  if s > left then s = left < M.NGX_MIN_STEP and M.NGX_MIN_STEP or left end
  return s
end
M.step = step

--- Drives a core client's transfers for up to `timeout` seconds: returns the ids of those that
-- finished (maybe none, when the time ran out first). In plain Lua, or in an nginx phase that
-- cannot yield, the core blocks in its poll; in a yieldable nginx phase it is polled without
-- waiting, with `ngx.sleep` in between, and the wait also ends as soon as `stop()` is true
-- (another coroutine driving the same client has settled what this one waits for).
-- @param http a core client
-- @tparam number timeout seconds, >= 0
-- @tparam[opt] function stop
function M.poll(http, timeout, stop)
  if not M.can_yield() then return http:poll(timeout) end
  local ids = http:poll(0)
  if #ids > 0 or timeout <= 0 then return ids end
  local now = core.monotonic()
  local deadline = now + timeout
  while true do
    if stop and stop() then return ids end
    local left = deadline - now
    if left <= 0 then return ids end
    ngx.sleep(step(http, left))
    ids = http:poll(0)
    if #ids > 0 then return ids end
    now = core.monotonic()
  end
end

return M
