-- Starts, drives and stops the fake RealtimeKit server (nginx with its Lua module on loopback,
-- plain HTTP and HTTPS with a CA made at start). Runs under Lua 5.1-5.4 and LuaJIT with
-- luasocket and lua-cjson. See spec/support/README.md.
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local M = {}

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function exec(cmd)
  local p = assert(io.popen("{ " .. cmd .. "; } 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc == 0, (out:gsub("rc=%d+%s*$", ""))
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- The folder holding this file, absolute.
local function here()
  local src = debug.getinfo(1, "S").source:sub(2)
  local dir = src:match("^(.*)/[^/]*$") or "."
  if dir:sub(1, 1) ~= "/" then
    local p = io.popen("pwd")
    local cwd = p:read("*l")
    p:close()
    dir = cwd .. "/" .. dir
  end
  return dir
end

-- n distinct free ports: all held open until all are picked, so none is picked twice.
local function free_ports(n)
  local socks, ports = {}, {}
  for i = 1, n do
    socks[i] = assert(socket.bind("127.0.0.1", 0))
    local _, port = socks[i]:getsockname()
    ports[i] = tonumber(port)
  end
  for i = 1, n do socks[i]:close() end
  return (rawget(table, "unpack") or rawget(_G, "unpack"))(ports)
end

local function own_pid()
  local stat = read_file("/proc/self/stat")
  return stat and stat:match("^(%d+)") or "0"
end

-- Where lua-cjson for LuaJIT (the Lua of nginx's module) lives on this machine.
local function luajit_cpath()
  local ok, out = exec("ls -d /usr/lib/*/lua/5.1 /usr/local/lib/lua/5.1 2>/dev/null")
  local parts = {}
  if ok or out then
    for dir in out:gmatch("[^\n]+") do parts[#parts + 1] = dir .. "/?.so" end
  end
  return table.concat(parts, ";")
end

local CERT_EXT = [[
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = %s
]]

-- A test CA, a certificate it signed for localhost, 127.0.0.1 and ::1, and one for another
-- host name only.
local function make_certs(dir)
  write_file(dir .. "/server.ext",
    CERT_EXT:format("DNS:localhost, IP:127.0.0.1, IP:0:0:0:0:0:0:0:1"))
  write_file(dir .. "/wrong.ext", CERT_EXT:format("DNS:wrong.invalid"))
  local d = shell_quote(dir)
  local ok, out = exec("cd " .. d .. " && " ..
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 " ..
    "-subj '/CN=realtimekit test CA' -addext 'basicConstraints=critical,CA:TRUE' " ..
    "-addext 'keyUsage=critical,keyCertSign,cRLSign' -keyout ca.key -out ca.pem && " ..
    "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes " ..
    "-subj '/CN=localhost' -keyout server.key -out server.csr && " ..
    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 " ..
    "-extfile server.ext -out server.pem && " ..
    "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes " ..
    "-subj '/CN=wrong.invalid' -keyout wrong.key -out wrong.csr && " ..
    "openssl x509 -req -in wrong.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 " ..
    "-extfile wrong.ext -out wrong.pem")
  if not ok then error("fake server: making the test certificates failed:\n" .. out, 0) end
end

-- An RSA key pair for signing webhooks, name.key (private) and name.pub (public, SPKI), in dir.
local function make_webhook_key(dir, name)
  local d = shell_quote(dir)
  local ok, out = exec("cd " .. d .. " && " ..
    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " .. name .. ".key && " ..
    "openssl pkey -in " .. name .. ".key -pubout -out " .. name .. ".pub")
  if not ok then error("fake server: making a webhook key failed:\n" .. out, 0) end
  return read_file(dir .. "/" .. name .. ".key"), read_file(dir .. "/" .. name .. ".pub")
end

local Server = {}
Server.__index = Server

-- Removes the temporary folders of servers that are gone (a run killed before it could stop its
-- server; the server then stops itself, but cannot remove its folder). Only folders this module
-- made, with no live nginx, and untouched for a minute.
local function sweep()
  local ok, out = exec("find /tmp -maxdepth 1 -name 'realtimekit-fake.*' -type d -mmin +1")
  if not ok then return end
  for dir in out:gmatch("[^\n]+") do
    local pid = (read_file(dir .. "/nginx.pid") or ""):match("%d+")
    local stat = pid and read_file("/proc/" .. pid .. "/stat")
    local alive = stat and stat:match("^%d+ %(nginx%)") and not stat:match("^%d+ %b() Z")
    if not alive and dir:match("^/tmp/realtimekit%-fake%.%w+$") then
      exec("rm -rf " .. shell_quote(dir))
    end
  end
end

--- Starts a fake server. opts: dir (a folder to use; a temporary one by default), latency,
-- owner (process id whose exit stops the server; this process by default, 0 for none).
function M.start(opts)
  opts = opts or {}
  local fake = here() .. "/fakeserver"
  local dir = opts.dir
  local made_dir = false
  sweep()
  if not dir then
    local ok, out = exec("mktemp -d /tmp/realtimekit-fake.XXXXXX")
    if not ok then error("fake server: mktemp failed: " .. out, 0) end
    dir = out:match("[^\n]+")
    made_dir = true
  end
  assert(exec("mkdir -p " .. shell_quote(dir .. "/tmp")))
  make_certs(dir)
  make_webhook_key(dir, "webhook")

  local template = assert(read_file(fake .. "/nginx.conf.in"))
  local data = dofile(fake .. "/fake/data.lua")
  local owner = opts.owner or own_pid()
  local started, last
  for _ = 1, 5 do
    local port, tls_port, wrong_tls_port = free_ports(3)
    local conf = template:gsub("@([%u_]+)@", {
      -- Workers of a root master run as nobody, who cannot read the private temp folder.
      USER = exec("test \"$(id -u)\" = 0") and "user root root;" or "",
      DIR = dir, FAKE = fake, CPATH = luajit_cpath(),
      PORT = tostring(port), TLS_PORT = tostring(tls_port),
      WRONG_TLS_PORT = tostring(wrong_tls_port),
    })
    write_file(dir .. "/nginx.conf", conf)
    local ok, out = exec("REALTIMEKIT_FAKE_OWNER=" .. tostring(owner) .. " nginx -p " ..
      shell_quote(dir) .. " -c " .. shell_quote(dir .. "/nginx.conf") ..
      " -e " .. shell_quote(dir .. "/error.log"))
    if ok then
      started = { port = port, tls_port = tls_port, wrong_tls_port = wrong_tls_port }
      break
    end
    last = out .. (read_file(dir .. "/error.log") or "")
  end
  if not started then error("fake server: nginx did not start:\n" .. tostring(last), 0) end

  local s = setmetatable({
    dir = dir, made_dir = made_dir, port = started.port, tls_port = started.tls_port,
    url = "http://127.0.0.1:" .. started.port .. "/client/v4",
    tls_url = "https://localhost:" .. started.tls_port .. "/client/v4",
    -- Trusted CA, but a certificate for wrong.invalid only.
    wrong_host_tls_url = "https://localhost:" .. started.wrong_tls_port .. "/client/v4",
    control_url = "http://127.0.0.1:" .. started.port .. "/__control",
    ca_file = dir .. "/ca.pem",
    -- Where the webhook public key is served, as RealtimeKit serves it (over TLS: the CA above).
    webhook_key_url = "https://localhost:" .. started.tls_port .. "/.well-known/webhooks.json",
    token = data.TOKEN, account_id = data.ACCOUNT_ID,
    app_id = data.APP_ID, small_app_id = data.SMALL_APP_ID,
  }, Server)
  -- Wait until the worker answers.
  local deadline = socket.gettime() + 10
  while true do
    local ok = pcall(s.stats, s)
    if ok then break end
    if socket.gettime() > deadline then
      local log = read_file(dir .. "/error.log") or ""
      s:stop()
      error("fake server: no answer from nginx within 10 s\n" .. log, 0)
    end
    socket.sleep(0.02)
  end
  if opts.latency then s:config { latency = opts.latency } end
  return s
end

--- A handle on a server already running in dir (started by `fake-realtimekit start`).
function M.attach(dir)
  local env = read_file(dir .. "/env.lua")
  if not env then return nil, "no fake server in " .. dir end
  local t = assert((rawget(_G, "loadstring") or load)("return " .. env))()
  t.dir = dir
  return setmetatable(t, Server)
end

function Server:control(method, what, value)
  local chunks = {}
  local body = value and cjson.encode(value) or nil
  local ok, code = http.request {
    url = self.control_url .. "/" .. what,
    method = method,
    headers = body and { ["content-type"] = "application/json",
                         ["content-length"] = tostring(#body) } or nil,
    source = body and ltn12.source.string(body) or nil,
    sink = ltn12.sink.table(chunks),
  }
  if not ok then error("fake server: control " .. what .. " failed: " .. tostring(code), 2) end
  local text = table.concat(chunks)
  if code ~= 200 then
    error("fake server: control " .. what .. " answered " .. code .. ": " .. text, 2)
  end
  return cjson.decode(text)
end

local function plain(v)
  if v == cjson.null then return nil end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = plain(x) end
  return out
end

--- Back to defaults: data, faults, config, request log, counters.
function Server:reset() self:control("POST", "reset") end

--- Queues one fault for the next API request whose "path?query" contains fault.match.
function Server:fault(f) self:control("POST", "fault", f) end

--- Merges behaviour switches (latency, max_per_page, *_paging).
function Server:config(c) return plain(self:control("POST", "config", c)) end

--- The API requests received since the last reset, oldest first.
function Server:requests()
  local list = plain(self:control("GET", "requests"))
  for _, r in ipairs(list) do
    if r.query == nil then r.query = "" end
    r.connection = r.connection and math.floor(r.connection)
  end
  return list
end

--- The webhook deliveries made since the last reset, oldest first: { webhook_id, url, event,
-- body, signature, state ("pending", "delivered" or "failed"), attempts = { {uuid, status,
-- error, at}, ... } }.
function Server:webhook_deliveries()
  return plain(self:control("GET", "webhooks/deliveries"))
end

--- The public key (PEM) the server signs webhooks with now.
function Server:webhook_public_key()
  return self:control("GET", "webhooks/key").public_key
end

--- Rotates the webhook signing key: a new RSA pair, whose public key the well-known endpoint
-- serves from now on (until the next reset, which goes back to the first). Returns it (PEM).
function Server:rotate_webhook_key()
  self.rotations = (self.rotations or 0) + 1
  local private, public = make_webhook_key(self.dir, "webhook-" .. self.rotations)
  self:control("POST", "webhooks/key", { private_key = private, public_key = public })
  return public
end

--- { requests = n, connections = n } since the last reset.
function Server:stats()
  local t = self:control("GET", "stats")
  return { requests = math.floor(t.requests), connections = math.floor(t.connections) }
end

--- How many requests the rate-limit mode refused with 429 since the last reset.
function Server:throttled()
  return math.floor(self:control("GET", "stats").throttled or 0)
end

-- Whether a process has ended: gone, or a zombie that its parent (init, for a daemon) has not
-- reaped yet; some init processes reap only every second or so.
local function ended(pid)
  local stat = read_file("/proc/" .. pid .. "/stat")
  return not stat or stat:match("^%d+ %b() (%a)") == "Z"
end

--- Stops nginx and removes the folder the server made.
function Server:stop()
  local pid = read_file(self.dir .. "/nginx.pid")
  pid = pid and pid:match("%d+")
  if pid then
    exec("kill -TERM " .. pid)
    for _ = 1, 500 do
      if ended(pid) then break end
      socket.sleep(0.01)
    end
  end
  if self.made_dir then exec("rm -rf " .. shell_quote(self.dir)) end
end

--- Starts another nginx (a user's OpenResty configuration, say) from a configuration template:
-- @NAMES@ in it are replaced from vars, plus @DIR@ (a temporary folder), @USER@ and
-- @LUAJIT_CPATH@ (where lua-cjson for nginx's LuaJIT is). Stopped, with its folder, by
-- handle:stop(), or by itself when this process exits. env: variables for nginx's environment.
-- @return a handle { dir, stop = function }, or raises with nginx's error log
function M.nginx(template, vars, env)
  sweep()
  local ok, out = exec("mktemp -d /tmp/realtimekit-fake.XXXXXX")
  if not ok then error("nginx: mktemp failed: " .. out, 0) end
  local dir = out:match("[^\n]+")
  assert(exec("mkdir -p " .. shell_quote(dir .. "/tmp")))
  local all = { DIR = dir, LUAJIT_CPATH = luajit_cpath(),
                USER = exec("test \"$(id -u)\" = 0") and "user root root;" or "" }
  for k, v in pairs(vars or {}) do all[k] = tostring(v) end
  local conf = template:gsub("@([%u_]+)@", all)
  write_file(dir .. "/nginx.conf", conf)
  local prefix = {}
  for k, v in pairs(env or {}) do prefix[#prefix + 1] = k .. "=" .. shell_quote(v) end
  ok, out = exec(table.concat(prefix, " ") .. " nginx -p " .. shell_quote(dir) ..
    " -c " .. shell_quote(dir .. "/nginx.conf") .. " -e " .. shell_quote(dir .. "/error.log"))
  local handle = setmetatable({ dir = dir, made_dir = true }, Server)
  if not ok then
    local log = read_file(dir .. "/error.log") or ""
    handle:stop()
    error("nginx did not start:\n" .. out .. log, 0)
  end
  return handle
end

--- n free ports on 127.0.0.1.
M.free_ports = free_ports

--- The fields a user's tests need, as a Lua table literal (written by fake-realtimekit).
function Server:describe()
  local keys = { "port", "tls_port", "url", "tls_url", "control_url", "ca_file", "token",
                 "account_id", "app_id", "small_app_id", "webhook_key_url" }
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = string.format("%s = %q", k, self[k]) end
  parts[#parts + 1] = "made_dir = " .. tostring(self.made_dir == true)
  return "{ " .. table.concat(parts, ", ") .. " }"
end

return M
