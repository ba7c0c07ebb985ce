-- The fake RealtimeKit server, for running the dashboard without credentials: realtimekit.fake,
-- which the realtimekit-fake rock installs and the repository's fake/lua holds.
local paths = require "paths" -- luacheck: ignore (puts lua/ and fake/lua/ on package.path)

local M = {}

-- The module that starts fake servers.
function M.module()
  return require "realtimekit.fake"
end

--- Starts a fake server (stopped when this process exits, or by s:stop()); opts as the
-- module's start takes them (latency, ...). Returns it, or nil and a message saying what is
-- missing (nginx with its Lua module, openssl, …).
function M.start(opts)
  return M.module().start(opts or {})
end

return M
