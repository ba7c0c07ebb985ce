--- Hosts: how the Lua that runs realtimekit waits. A host module says it, and no other module
-- knows about hosts:
--
-- - `realtimekit.host.plain`: a Lua program of its own (a script, a command, a game's Lua);
--   waits block in the kernel;
-- - `realtimekit.host.openresty`: Lua inside nginx; waits yield (`ngx.sleep`), and where nginx
--   cannot yield a call is refused.
--
-- A host is a table of functions: `wait(transport, timeout, stop)` drives a core client's
-- transfers for up to `timeout` seconds and returns the ids of those that finished (maybe
-- none; a wait that yields also ends once `stop()` is true); `sleep(seconds)`;
-- `refusal(may_block)`, why a call may not wait here (an `invalid_argument` error), or nil;
-- `now()`, the time on the monotonic clock. Each engine has a host of its own (`new`), whose
-- functions a program may wrap (to watch how its client waits, say).
-- @module realtimekit.host
local M = {}

--- The host module of the Lua running now: `realtimekit.host.openresty` inside nginx with its
-- Lua module, else `realtimekit.host.plain`.
function M.current()
  local openresty = require "realtimekit.host.openresty"
  if openresty.here() then return openresty end
  return require "realtimekit.host.plain"
end

--- A host of its own for one engine: the current host's functions, and as its `sleep` the
-- program's own when it gives one (the client option `sleep`).
-- @tparam[opt] function sleep `function(seconds)`
-- @treturn table `{name, wait, sleep, refusal, now}`
function M.new(sleep)
  local base = M.current()
  return { name = base.name, wait = base.wait, sleep = sleep or base.sleep,
           refusal = base.refusal, now = base.now }
end

return M
