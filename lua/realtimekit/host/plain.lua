--- The plain host: a Lua program of its own (a script, a command, a game's Lua that polls with
-- a timeout of 0). A wait for the C core's transfers blocks in the core's poll, in the kernel,
-- until a transfer has something to do; a sleep blocks in the core. Nothing is refused.
-- @module realtimekit.host.plain
local core = require "realtimekit.core"

local M = { name = "plain" }

--- Drives a core client's transfers for up to `timeout` seconds, blocking in its poll: returns
-- the ids of those that finished (maybe none, when the time ran out first).
-- @param transport a core client
-- @number timeout seconds, >= 0
function M.wait(transport, timeout)
  return transport:poll(timeout)
end

--- Sleeps `seconds`, blocking.
function M.sleep(seconds)
  if seconds <= 0 then return end
  core.sleep(seconds)
end

--- Why a call may not wait here: never (nil).
function M.refusal()
  return nil
end

--- The time, in seconds on the core's monotonic clock.
M.now = core.monotonic

return M
