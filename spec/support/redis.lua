-- A redis-server for the specs (Debian's redis-server): on a free port of 127.0.0.1, in a
-- temporary folder, with no persistence (no RDB snapshots, no AOF). `stop()` ends it; so does
-- the exit of the process that started it, which a watcher checks every second, so that no
-- Redis outlives its specs. Plain Lua talks to it with lua-redis (Debian's lua-redis, over
-- luasocket), which Debian installs for Lua 5.1 to 5.3: under 5.4 its 5.3 folder is added to
-- package.path (it is plain Lua that runs there too).
local server = require "realtimekit.fake"

local M = {}

if _VERSION == "Lua 5.4" and not package.path:find("/usr/share/lua/5.3/", 1, true) then
  package.path = package.path .. ";/usr/share/lua/5.3/?.lua;/usr/share/lua/5.3/?/init.lua"
end

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function own_pid()
  return (read("/proc/self/stat") or ""):match("^(%d+)") or "0"
end

local function sleep(s)
  require("socket").sleep(s)
end

--- Whether redis-server and lua-redis are here (scripts/ensure-deps test installs both).
function M.available()
  if sh("command -v redis-server") == "" then return false, "redis-server is not installed" end
  local ok = pcall(require, "redis")
  if not ok then return false, "lua-redis is not installed" end
  return true
end

local Redis = {}
Redis.__index = Redis

-- Starts redis-server on self.port in self.dir (again, after a kill), and waits until it
-- answers PING.
function Redis:_launch()
  local dir, port = self.dir, self.port
  os.remove(dir .. "/redis.pid")
  local cmd = "redis-server --bind 127.0.0.1 --port " .. port .. " --save '' --appendonly no"
    .. " --dir " .. q(dir) .. " --daemonize yes --pidfile " .. q(dir .. "/redis.pid")
    .. " --logfile " .. q(dir .. "/redis.log")
  local out = sh(cmd)
  for _ = 1, 500 do
    if sh("redis-cli -p " .. port .. " ping"):find("PONG", 1, true) then
      self.pid = (read(dir .. "/redis.pid") or ""):match("%d+")
      return true
    end
    sleep(0.02)
  end
  return nil, "redis-server did not start: " .. out .. (read(dir .. "/redis.log") or "")
end

--- Starts a server; returns its handle (`port`, `dir`, `pid`), or nil and why not.
function M.start()
  local ok, why = M.available()
  if not ok then return nil, why end
  local dir = sh("mktemp -d"):match("^%s*(.-)%s*$")
  local self = setmetatable({ dir = dir, port = server.free_ports(1) }, Redis)
  local started, err = self:_launch()
  if not started then
    os.execute("rm -rf " .. q(dir))
    return nil, err
  end
  -- The watcher: when the owner exits, or the folder goes (stop), the server goes too.
  os.execute("(while kill -0 " .. own_pid() .. " 2>/dev/null && [ -d " .. q(dir) .. " ]; do "
    .. "sleep 1; done; redis-cli -p " .. self.port .. " shutdown nosave; rm -rf " .. q(dir)
    .. ") >/dev/null 2>&1 </dev/null &")
  return self
end

--- A lua-redis client of the server, whose every read and write waits at most `timeout`
-- seconds (default 5).
function Redis:connect(timeout)
  local redis = require "redis"
  local conn = redis.connect("127.0.0.1", self.port)
  conn.network.socket:settimeout(timeout or 5)
  return conn
end

--- A function that connects a client each time it is called (what a store is given to
-- reconnect after a failure), with the timeout.
function Redis:connector(timeout)
  return function() return self:connect(timeout) end
end

--- Runs redis-cli against the server; returns what it printed.
function Redis:cli(args)
  return sh("redis-cli -p " .. self.port .. " " .. args)
end

--- Every key of the server (SCAN), and its TTL in seconds (-1 for none).
function Redis:keys()
  local conn = self:connect()
  local out, cursor = {}, "0"
  repeat
    local reply = conn:scan(cursor, { count = 1000 })
    cursor = reply[1]
    for _, k in ipairs(reply[2]) do out[k] = conn:ttl(k) end
  until cursor == "0"
  conn:quit()
  return out
end

--- How many times Redis ran each command since it started (INFO commandstats), by lower-case
-- name: `{ evalsha = n, eval = n, … }`.
function Redis:commands()
  local out = {}
  for name, n in self:cli("info commandstats"):gmatch("cmdstat_([%w|_]+):calls=(%d+)") do
    out[name:lower()] = tonumber(n)
  end
  return out
end

--- Ends the server at once (SIGKILL), as a crash would; `start_again()` brings it back on the
-- same port, empty.
function Redis:kill()
  if self.pid then os.execute("kill -9 " .. self.pid .. " >/dev/null 2>&1") end
  for _ = 1, 500 do
    if not sh("redis-cli -p " .. self.port .. " ping"):find("PONG", 1, true) then break end
    sleep(0.02)
  end
  self.pid = nil
end

function Redis:start_again()
  return self:_launch()
end

--- Stops the server and removes its folder.
function Redis:stop()
  if self.pid then self:cli("shutdown nosave") end
  self.pid = nil
  os.execute("rm -rf " .. q(self.dir))
end

return M
