-- A raw-socket HTTP server for the specs, for answers the fake server (nginx) cannot give: bytes
-- written exactly as a spec gives them (a chunked body with odd trailers, a flood of header
-- lines). It runs in a child Lua process with luasocket, on 127.0.0.1 and an ephemeral port,
-- answers one connection per response (with keep_alive, one request per response), in order,
-- then exits; it also exits when nothing connects for `idle` seconds, so it never outlives a
-- spec run by much.
--
--   local raw = require "support.rawserver"
--   local srv = raw.start { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" }
--   -- srv.url is "http://127.0.0.1:<port>"
--   srv:requests()   -- the raw requests received so far (head and body), oldest first
--   srv:stop()
local M = {}

-- The child: serves the responses of the file named by arg[1], writes its port to arg[2] and
-- each request it reads to arg[3].
local CHILD = [=[
local socket = require "socket"
local responses = dofile(arg[1])
local idle = responses.idle or 20
local server = assert(socket.bind("127.0.0.1", 0, 64))
local _, port = server:getsockname()
local log = assert(io.open(arg[3], "wb"))
local f = assert(io.open(arg[2] .. ".tmp", "wb"))
f:write(port)
f:close()
os.rename(arg[2] .. ".tmp", arg[2])
server:settimeout(idle)
-- One request read, head and body; nil when the connection ends first.
local function read_request(conn)
  local head, length = {}, 0
  while true do
    local line = conn:receive("*l")
    if not line then return nil end
    if line == "" then break end
    head[#head + 1] = line
    local n = line:lower():match("^content%-length:%s*(%d+)")
    if n then length = tonumber(n) end
  end
  local body = length > 0 and conn:receive(length) or ""
  return table.concat(head, "\r\n") .. "\r\n\r\n" .. (body or "")
end
local i = 1
while i <= #responses do
  local conn = server:accept()
  if not conn then break end
  conn:settimeout(5)
  -- Without keep_alive, one response per connection; with it, one per request until the client
  -- closes the connection (the next response then goes on the next one).
  repeat
    local request = read_request(conn)
    if not request then break end
    log:write(string.format("%q", request), ",\n")
    log:flush()
    conn:send(responses[i])
    i = i + 1
  until not responses.keep_alive or i > #responses
  conn:close()
end
log:close()
]=]

local function tmpname()
  local p = io.popen("mktemp -d")
  local dir = p:read("*l")
  p:close()
  return dir
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local Server = {}
Server.__index = Server

--- Starts a server that answers with `responses` (raw bytes, one string per connection).
-- opts.idle: seconds without a connection after which it exits (default 20).
-- opts.keep_alive: one string per request instead, the next on the same connection for as long
-- as the client keeps it open.
function M.start(responses, opts)
  local helper = require "helper"
  local dir = tmpname()
  local list = { "return {" }
  for i = 1, #responses do list[#list + 1] = string.format("%q,", responses[i]) end
  list[#list + 1] = string.format("idle = %d, keep_alive = %s }", opts and opts.idle or 20,
    tostring(opts and opts.keep_alive or false))
  write(dir .. "/responses.lua", table.concat(list, "\n"))
  write(dir .. "/child.lua", CHILD)
  local cmd = string.format("sh -c 'echo $$ > %s/pid; exec %s %s/child.lua %s/responses.lua "
    .. "%s/port %s/requests' >%s/out 2>&1 &", dir, helper.lua_bin, dir, dir, dir, dir, dir)
  os.execute(cmd)
  local core = require "realtimekit.core"
  local deadline = core.monotonic() + 10
  local port
  repeat
    local f = io.open(dir .. "/port", "rb")
    if f then
      port = tonumber(f:read("*a"))
      f:close()
    else
      core.sleep(0.01)
    end
  until port or core.monotonic() > deadline
  if not port then
    local f = io.open(dir .. "/out", "rb")
    error("the raw server did not start: " .. (f and f:read("*a") or "?"))
  end
  return setmetatable({ dir = dir, port = port, url = "http://127.0.0.1:" .. port }, Server)
end

--- The raw requests the server has read so far, oldest first.
function Server:requests()
  local f = io.open(self.dir .. "/requests", "rb")
  if not f then return {} end
  local text = f:read("*a")
  f:close()
  local loader = rawget(_G, "loadstring") or load
  return assert(loader("return {" .. text .. "}"))()
end

--- Stops the server (its own process, by the id it wrote) and removes its folder.
function Server:stop()
  local f = io.open(self.dir .. "/pid", "rb")
  if f then
    local pid = tonumber(f:read("*a"))
    f:close()
    if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
  end
  os.execute("rm -rf " .. quote(self.dir))
end

return M
