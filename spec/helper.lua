-- Shared by the specs: finds the C core built for the running Lua, starts one fake RealtimeKit
-- server per busted run (stopped when busted exits), and makes clients for it.
package.path = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;" .. package.path

local M = {}

M.lua_tag = rawget(_G, "jit") and "luajit" or _VERSION:match("%d+%.%d+")

-- The folder holding realtimekit/core.so: REALTIMEKIT_CORE_DIR when set (a sanitizer build such
-- as build/asan/5.4, which must then exist), else build/<lua>, used only when it has a core.
local core_dir = os.getenv("REALTIMEKIT_CORE_DIR")
if core_dir == "" then core_dir = nil end
local f = io.open((core_dir or "build/" .. M.lua_tag) .. "/realtimekit/core.so", "rb")
if f then
  f:close()
elseif core_dir then
  error("REALTIMEKIT_CORE_DIR=" .. core_dir .. " has no realtimekit/core.so", 0)
end
M.core_dir = core_dir or "build/" .. M.lua_tag
if f then package.cpath = M.core_dir .. "/?.so;" .. package.cpath end

-- The project's folder, whole (busted runs from it): what nginx configurations and commands
-- run elsewhere are given.
M.root = (function()
  local p = io.popen("pwd")
  local d = p:read("*l")
  p:close()
  return d
end)()

-- Whether the core is built for LuaJIT, which nginx's Lua module runs: the specs that start a
-- real nginx are pending without it.
M.luajit_core_built = (function()
  local core = io.open(M.root .. "/build/luajit/realtimekit/core.so", "rb")
  if core then core:close() end
  return core ~= nil
end)()

local running

--- The fake server's data set (deterministic; see fake/lua/realtimekit/fake/server/data.lua).
function M.data()
  return require "realtimekit.fake.server.data"
end

--- The fake server of this run, started on first use and reset to defaults on every call.
function M.server()
  if not running then
    -- A fixed `now`: the dates the specs expect never move, whatever day they run on.
    running = assert(require("realtimekit.fake").start { now = M.data().SPEC_NOW })
    local ok, busted = pcall(require, "busted")
    if ok and busted.subscribe then
      busted.subscribe({ "exit" }, function()
        if running then running:stop() end
        running = nil
        return nil, true
      end)
    end
  end
  running:reset()
  return running
end

--- A client for the fake server; opts are merged over the server's defaults. The fake server
-- has no rate limit unless a spec turns it on, so the client's static budget is off unless a
-- spec passes one (rate_limit_spec.lua covers the default).
function M.client(opts)
  local s = M.server()
  local o = { api_token = s.token, account_id = s.account_id, app_id = s.app_id, base_url = s.url,
              rate_limit = false }
  for k, v in pairs(opts or {}) do o[k] = v end
  local realtimekit = require "realtimekit"
  return assert(realtimekit.new(o)), s
end

--- The API requests the server received, without the control ones.
function M.requests(s)
  return s:requests()
end

--- The command that runs the Lua interpreter running these specs.
M.lua_bin = rawget(_G, "jit") and "luajit" or ("lua" .. M.lua_tag)

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shell_quote = shell_quote

-- Passed on to M.run's commands when set: make test-asan's sanitizer settings, so that a run_lua
-- child with the ASan core reports by the same rules (and into the same folder) as this process.
local SANITIZER_ENV = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" }

--- Runs a command with the given environment (an `env -i` world plus PATH, the sanitizer
-- settings of this run, and these variables); returns its combined output and whether it
-- exited 0.
function M.run(cmd, env)
  local parts = { "env -i PATH=" .. shell_quote(os.getenv("PATH") or "/usr/bin:/bin") }
  for _, k in ipairs(SANITIZER_ENV) do
    local v = os.getenv(k)
    if v and v ~= "" then parts[#parts + 1] = k .. "=" .. shell_quote(v) end
  end
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. shell_quote(v) end
  local p = io.popen(table.concat(parts, " ") .. " " .. cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("*a")
  p:close()
  local code = out:match("exit=(%d+)%s*$")
  return out:gsub("exit=%d+%s*$", ""), code == "0"
end

-- The command run_lua starts: REALTIMEKIT_LUA when set, else lua_bin. make test-asan sets it to
-- lua5.4 run through ld.so --preload with the ASan runtime, which the ASan core needs loaded
-- first; unlike LD_PRELOAD, that preload is not inherited by the child's own children.
local lua_cmd = os.getenv("REALTIMEKIT_LUA")
if lua_cmd == "" then lua_cmd = nil end
--- The command that starts a Lua interpreter able to load the core of M.core_dir.
M.lua_cmd = lua_cmd or M.lua_bin

--- Runs a Lua chunk in a fresh interpreter of the same kind, with the project on its paths.
function M.run_lua(code, env)
  local cpath = M.core_dir .. "/?.so;" .. package.cpath
  local setup = "package.path = 'lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;' .. "
    .. "package.path; " ..
    "package.cpath = " .. string.format("%q", cpath) .. "; "
  return M.run((lua_cmd or M.lua_bin) .. " -e " .. shell_quote(setup .. code), env)
end

--- The whole file at path; raises when it cannot be read.
function M.read(path)
  local file = assert(io.open(path, "rb"))
  local s = file:read("*a")
  file:close()
  return s
end

--- Writes text to the file at path, in place of what it held; raises when it cannot.
function M.write(path, text)
  local file = assert(io.open(path, "wb"))
  file:write(text)
  file:close()
end

--- Calls pred every 20 ms until it returns a true value, which it returns, or until the
-- seconds have passed: nil then.
function M.wait_for(pred, seconds)
  local socket = require "socket"
  local deadline = socket.gettime() + seconds
  while socket.gettime() < deadline do
    local v = pred()
    if v then return v end
    socket.sleep(0.02)
  end
  return nil
end

--- Runs fn and returns the error it raised (or nil if it did not raise).
function M.raised(fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then return nil end
  return err
end

--- Collects every item of a generic-for iterator into an array.
function M.collect(iter, state, init)
  local out = {}
  for v in iter, state, init do out[#out + 1] = v end
  return out
end

return M
