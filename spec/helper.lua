-- Shared by the specs: finds the C core built for the running Lua, starts one fake RealtimeKit
-- server per busted run (stopped when busted exits), and makes clients for it.
package.path = "lua/?.lua;lua/?/init.lua;spec/?.lua;" .. package.path

local M = {}

M.lua_tag = rawget(_G, "jit") and "luajit" or _VERSION:match("%d+%.%d+")
local build = "build/" .. M.lua_tag
local f = io.open(build .. "/realtimekit/core.so", "rb")
if f then
  f:close()
  package.cpath = build .. "/?.so;" .. package.cpath
end

local running

--- The fake server's data set (deterministic; see spec/support/fakeserver/fake/data.lua).
function M.data()
  return require "support.fakeserver.fake.data"
end

--- The fake server of this run, started on first use and reset to defaults on every call.
function M.server()
  if not running then
    running = require("support.server").start {}
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

--- A client for the fake server; opts are merged over the server's defaults.
function M.client(opts)
  local s = M.server()
  local o = { api_token = s.token, account_id = s.account_id, app_id = s.app_id, base_url = s.url }
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

--- Runs a command with the given environment (an `env -i` world plus PATH and these variables);
-- returns its combined output and whether it exited 0.
function M.run(cmd, env)
  local parts = { "env -i PATH=" .. shell_quote(os.getenv("PATH") or "/usr/bin:/bin") }
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. shell_quote(v) end
  local p = io.popen(table.concat(parts, " ") .. " " .. cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("*a")
  p:close()
  local code = out:match("exit=(%d+)%s*$")
  return out:gsub("exit=%d+%s*$", ""), code == "0"
end

--- Runs a Lua chunk in a fresh interpreter of the same kind, with the project on its paths.
function M.run_lua(code, env)
  local cpath = "build/" .. M.lua_tag .. "/?.so;" .. package.cpath
  local setup = "package.path = 'lua/?.lua;lua/?/init.lua;spec/?.lua;' .. package.path; " ..
    "package.cpath = " .. string.format("%q", cpath) .. "; "
  return M.run(M.lua_bin .. " -e " .. shell_quote(setup .. code), env)
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
