--- The OpenResty host: Lua inside nginx with its Lua module, where blocking would stall the
-- whole nginx worker. The C core is polled without waiting and the coroutine yields with
-- `ngx.sleep` in between: briefly while data flows, longer the longer the transfers have
-- waited, and never past libcurl's next timer. In an nginx phase that cannot yield, a call is
-- refused rather than left to block the worker (unless the client says it may block).
-- @module realtimekit.host.openresty
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"

local ngx = rawget(_G, "ngx")

local M = { name = "openresty" }

-- Phases in which ngx.sleep may yield (lua-nginx-module's list for ngx.sleep).
local YIELDABLE = { rewrite = true, server_rewrite = true, access = true, content = true,
                    timer = true, ssl_cert = true, ssl_session_fetch = true,
                    ssl_client_hello = true }

-- Sleeps between polls: from NGX_MIN_STEP right after data flowed, then a fraction
-- NGX_BACKOFF of the time the transfers have waited since, up to NGX_MAX_STEP. A response that
-- arrives after t seconds of waiting is so seen about t * NGX_BACKOFF / 2 late on average (at
-- most NGX_MAX_STEP), and a long wait costs 1 / NGX_MAX_STEP wake-ups a second.
M.NGX_MIN_STEP, M.NGX_MAX_STEP, M.NGX_BACKOFF = 0.001, 0.05, 0.05

--- Whether this Lua runs inside nginx with its Lua module.
function M.here()
  return ngx ~= nil and type(ngx.get_phase) == "function"
end

--- The nginx phase, or nil outside nginx.
function M.phase()
  if M.here() then return ngx.get_phase() end
end

--- Whether waiting here may yield: in a phase that allows `ngx.sleep`.
function M.can_yield()
  return M.here() and YIELDABLE[ngx.get_phase()] == true
end

--- Why a call may not wait here, as an `invalid_argument` error with the `phase`; nil when it
-- may: in a phase that can yield, or when `may_block` (the client's `block_in_nginx`, or a
-- transport that does its own waiting, such as the ngx transport, which says by itself where
-- nginx allows it no subrequest).
-- @tparam boolean may_block
function M.refusal(may_block)
  if may_block or not M.here() then return nil end
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

--- The next sleep between polls, at most `left` seconds (but a millisecond at least: nginx's
-- timers count whole milliseconds), for a core client whose transfers have been idle for
-- `transport:idle()` seconds and whose next timer is due in `transport:timeout()`.
function M.step(transport, left)
  local s = transport:idle() * M.NGX_BACKOFF
  if s < M.NGX_MIN_STEP then
    s = M.NGX_MIN_STEP
  elseif s > M.NGX_MAX_STEP then
    s = M.NGX_MAX_STEP
  end
  local timer = transport:timeout()
  if timer and timer < s then s = timer < M.NGX_MIN_STEP and M.NGX_MIN_STEP or timer end
  if s > left then s = left < M.NGX_MIN_STEP and M.NGX_MIN_STEP or left end
  return s
end
local step = M.step

--- Drives a core client's transfers for up to `timeout` seconds: returns the ids of those that
-- finished (maybe none, when the time ran out first). In a yieldable phase the core is polled
-- without waiting, with `ngx.sleep` in between, and the wait also ends as soon as `stop()` is
-- true (another coroutine driving the same client has settled what this one waits for); in a
-- phase that cannot yield (with `block_in_nginx`) the core blocks in its poll.
-- @param transport a core client
-- @number timeout seconds, >= 0
-- @tparam[opt] function stop
function M.wait(transport, timeout, stop)
  if not M.can_yield() then return transport:poll(timeout) end
  local ids = transport:poll(0)
  if #ids > 0 or timeout <= 0 then return ids end
  local now = core.monotonic()
  local deadline = now + timeout
  while true do
    if stop and stop() then return ids end
    local left = deadline - now
    if left <= 0 then return ids end
    ngx.sleep(step(transport, left))
    ids = transport:poll(0)
    if #ids > 0 then return ids end
    now = core.monotonic()
  end
end

--- The time, in seconds on the core's monotonic clock.
M.now = core.monotonic

return M
