-- The fake RealtimeKit server, for running the dashboard without credentials: the installed
-- module realtimekit.fake where there is one, else the repository's spec/support/server.lua
-- (the same server; the first is made from the second).
local paths = require "paths"

local M = {}

-- The module that starts fake servers.
function M.module()
  local ok, fake = pcall(require, "realtimekit.fake")
  if ok then return fake end
  if not tostring(fake):find("module 'realtimekit.fake' not found", 1, true) then
    error(fake, 0) -- there is one, and it failed to load: say why
  end
  package.path = paths.root .. "/spec/?.lua;" .. package.path
  return require "support.server"
end

--- Starts a fake server (stopped when this process exits, or by s:stop()); opts as the
-- module's start takes them (latency, ...).
function M.start(opts)
  return M.module().start(opts or {})
end

return M
