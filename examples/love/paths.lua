-- Where realtimekit is, for LÖVE: its Lua modules (lua/; fake/lua for the fake server), the C
-- core built for LuaJIT (the Lua LÖVE embeds: build/luajit/realtimekit/core.so, from `make
-- build LUAS=luajit`) and lua-cjson for LuaJIT. conf.lua requires this first, so package.path
-- and package.cpath are set before main.lua loads anything.
--   REALTIMEKIT_ROOT      the repository (default: two folders up from this game's folder,
--                         examples/love)
--   REALTIMEKIT_CORE_DIR  the folder holding realtimekit/core.so (default: ROOT/build/luajit)
-- A game that ships realtimekit sets the same two paths to wherever it put the files.
local M = {}

local function env(name)
  local v = os.getenv(name)
  if v ~= nil and v ~= "" then return v end
end

-- The game's folder as LÖVE was given it (absolute in LÖVE 11), without a trailing slash.
local source = love.filesystem.getSource():gsub("/+$", "")
M.root = env("REALTIMEKIT_ROOT") or (source:match("^(.*)/examples/love$")
  or source .. "/../..")
M.core_dir = env("REALTIMEKIT_CORE_DIR") or M.root .. "/build/luajit"

-- lua-cjson (and luasocket, which LÖVE also bundles) for LuaJIT, where Debian and LuaRocks
-- put Lua 5.1 modules.
local LUA51_CPATH = {
  "/usr/local/lib/lua/5.1/?.so",
  "/usr/lib/x86_64-linux-gnu/lua/5.1/?.so",
  "/usr/lib/aarch64-linux-gnu/lua/5.1/?.so",
  "/usr/lib/lua/5.1/?.so",
}

package.path = table.concat({ M.root .. "/lua/?.lua", M.root .. "/lua/?/init.lua",
  M.root .. "/fake/lua/?.lua", package.path }, ";")
package.cpath = table.concat({ M.core_dir .. "/?.so", table.concat(LUA51_CPATH, ";"),
  package.cpath }, ";")

return M
