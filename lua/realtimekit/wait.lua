--- How a blocking call waits for the C core's transfers: the one thing that differs between
-- hosts. In plain Lua the core's own poll blocks in the kernel until a transfer has something
-- to do; inside OpenResty, where blocking would stall the whole nginx worker, the core is polled
-- without waiting and the coroutine yields with `ngx.sleep` in between.
-- @module realtimekit.wait
local core = require "realtimekit.core"

local ngx = rawget(_G, "ngx")

local M = {}

-- Phases in which ngx.sleep may yield (lua-nginx-module's list for ngx.sleep).
local YIELDABLE = { rewrite = true, server_rewrite = true, access = true, content = true,
                    timer = true, ssl_cert = true, ssl_session_fetch = true,
                    ssl_client_hello = true }

-- Sleeps between polls inside nginx: short while transfers finish, growing while nothing does.
M.NGX_MIN_STEP, M.NGX_MAX_STEP = 0.001, 0.05

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

--- Sleeps `seconds`: `ngx.sleep` where it can yield, else the core's blocking sleep.
function M.sleep(seconds)
  if seconds <= 0 then return end
  if M.can_yield() then return ngx.sleep(seconds) end
  core.sleep(seconds)
end

--- Drives a core client's transfers for up to `timeout` seconds: returns the ids of those that
-- finished (maybe none, when the time ran out first). In plain Lua the core blocks in its poll;
-- in a yieldable nginx phase it is polled without waiting, with `ngx.sleep` in between.
-- @param http a core client (or a transport with the same `poll`)
-- @tparam number timeout seconds, >= 0
function M.poll(http, timeout)
  if not M.can_yield() then return http:poll(timeout) end
  local ids = http:poll(0)
  if #ids > 0 or timeout <= 0 then return ids end
  local deadline = ngx.now() + timeout
  local step = M.NGX_MIN_STEP
  while true do
    ngx.update_time()
    local left = deadline - ngx.now()
    if left <= 0 then return ids end
    ngx.sleep(step < left and step or left)
    ids = http:poll(0)
    if #ids > 0 then return ids end
    step = step * 2
    if step > M.NGX_MAX_STEP then step = M.NGX_MAX_STEP end
  end
end

return M
