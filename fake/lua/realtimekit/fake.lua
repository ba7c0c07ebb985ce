--- A fake RealtimeKit server for tests: nginx with its Lua module on loopback, speaking the
-- whole API with state, plain HTTP and HTTPS (a CA made at start), fault injection, a
-- rate-limit mode and signed webhook deliveries. `start` runs one and gives a handle that
-- points a client at it and drives it. docs/fake-server.md describes what it serves. It is the
-- realtimekit-fake rock (fake/ of the repository), beside the client's.
--
-- Needs, at run time: nginx with its Lua module and lua-resty-core, lua-cjson for nginx's
-- LuaJIT (Debian: `nginx libnginx-mod-http-lua lua-resty-core lua-cjson`), the `openssl`
-- command, and luasocket in the Lua that runs this module (`lua-socket`, or `luarocks install
-- luasocket`), which its control calls use rather than realtimekit's own client, so that a bug
-- in one cannot hide a bug in the other. `start` returns nil and a message naming what is
-- missing.
-- @module realtimekit.fake
-- @usage
-- local fake = assert(require("realtimekit.fake").start())
-- local client = assert(require("realtimekit").new {
--   base_url = fake.base_url, api_token = fake.api_token,
--   account_id = fake.account_id, app_id = fake.app_id,
-- })
-- fake:fault { status = 503 }   -- the next request answers 503
-- fake:stop()

local M = {}

local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

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
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  f:write(text)
  f:close()
  return true
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- The folder that holds realtimekit/ (the repository's fake/lua, or a tree's share/lua/5.x),
-- where this module and the ones nginx loads (realtimekit/fake/server/*.lua) are: found from
-- this file's own place, so that it works from any tree, whatever package.path says. With a
-- function of another module, the folder that holds that module.
local function lua_root(fn, module)
  local src = debug.getinfo(fn or 1, "S").source
  local searchpath = rawget(package, "searchpath")
  local file = src:sub(1, 1) == "@" and src:sub(2)
    or (searchpath and searchpath(module or "realtimekit.fake", package.path))
  if not file then return nil end
  local dir = ("/" .. file):match("^(.*)/realtimekit/[^/]*$")
  if not dir then return nil end
  dir = dir:sub(2)
  if dir:sub(1, 1) ~= "/" then
    local p = io.popen("pwd")
    local cwd = p:read("*l")
    p:close()
    dir = (cwd .. "/" .. dir):gsub("/%.?$", ""):gsub("/%./", "/")
  end
  return dir
end

local socket_lib

-- luasocket, or nil and why not.
local function socket()
  if socket_lib then return socket_lib end
  local ok, s = pcall(require, "socket")
  local ok_http, http = pcall(require, "socket.http")
  local ok_ltn12, ltn12 = pcall(require, "ltn12")
  if not (ok and ok_http and ok_ltn12) then
    return nil, "realtimekit.fake needs luasocket for its control calls: apt-get install "
      .. "lua-socket, or luarocks install luasocket"
  end
  socket_lib = { socket = s, http = http, ltn12 = ltn12 }
  return socket_lib
end

--- n distinct free ports on 127.0.0.1: all held open until all are picked, so none is picked
-- twice. Needs luasocket.
-- @int n how many
-- @return n port numbers
function M.free_ports(n)
  local lib = assert(socket())
  local socks, ports = {}, {}
  for i = 1, n do
    socks[i] = assert(lib.socket.bind("127.0.0.1", 0))
    local _, port = socks[i]:getsockname()
    ports[i] = tonumber(port)
  end
  for i = 1, n do socks[i]:close() end
  return unpack(ports)
end
local free_ports = M.free_ports

local function own_pid()
  local stat = read_file("/proc/self/stat")
  return stat and stat:match("^(%d+)") or "0"
end

-- Where nginx's LuaJIT finds lua-cjson: the system's Lua 5.1 folders, and the lib/lua/5.1 of
-- a LuaRocks tree this module is installed in for Lua 5.1 or LuaJIT.
local function luajit_cpath(root)
  local _, out = exec("ls -d /usr/lib/*/lua/5.1 /usr/local/lib/lua/5.1 2>/dev/null")
  local dirs = {}
  local tree = root and root:match("^(.*)/share/lua/5%.1$")
  if tree then dirs[1] = tree .. "/lib/lua/5.1" end
  for dir in out:gmatch("[^\n]+") do dirs[#dirs + 1] = dir end
  local parts = {}
  for i = 1, #dirs do parts[i] = dirs[i] .. "/?.so" end
  return table.concat(parts, ";"), dirs
end

-- Where Debian's nginx keeps its dynamic modules (nginx.conf loads the Lua module from there).
local NGINX_MODULES = "/usr/lib/nginx/modules"

local NEEDS_NGINX = "realtimekit.fake needs nginx with its Lua module: apt-get install nginx "
  .. "libnginx-mod-http-lua lua-resty-core"

-- nil when every program and library the server needs is there, else a message saying what is
-- missing and how to install it.
local function missing(root)
  if not exec("command -v nginx >/dev/null") then return NEEDS_NGINX .. " (no nginx on PATH)" end
  for _, f in ipairs { NGINX_MODULES .. "/ndk_http_module.so",
                       NGINX_MODULES .. "/ngx_http_lua_module.so",
                       "/usr/share/lua/5.1/resty/core.lua" } do
    if not exists(f) then return NEEDS_NGINX .. " (no " .. f .. ")" end
  end
  local found = false
  local _, dirs = luajit_cpath(root)
  for i = 1, #dirs do found = found or exists(dirs[i] .. "/cjson.so") end
  if not found then
    return "realtimekit.fake needs lua-cjson for nginx's LuaJIT: apt-get install lua-cjson"
  end
  if not exec("command -v openssl >/dev/null") then
    return "realtimekit.fake needs the openssl command (for its test CA and webhook keys): "
      .. "apt-get install openssl"
  end
  local _, err = socket()
  return err
end

local CERT_EXT = [[
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = %s
]]

-- A test CA, a certificate it signed for localhost, 127.0.0.1 and ::1, and one for another
-- host name only. Returns true, or nil and openssl's output.
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
  if not ok then return nil, "realtimekit.fake: making the test certificates failed:\n" .. out end
  return true
end

-- An RSA key pair for signing webhooks, name.key (private) and name.pub (public, SPKI), in dir:
-- both PEM texts, or nil and openssl's output.
local function make_webhook_key(dir, name)
  local d = shell_quote(dir)
  local ok, out = exec("cd " .. d .. " && " ..
    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " .. name .. ".key && " ..
    "openssl pkey -in " .. name .. ".key -pubout -out " .. name .. ".pub")
  if not ok then return nil, "realtimekit.fake: making a webhook key failed:\n" .. out end
  return read_file(dir .. "/" .. name .. ".key"), read_file(dir .. "/" .. name .. ".pub")
end

--- A running fake server, as `start` returns it. Its fields point a client at it:
-- `base_url` (plain HTTP; also `url`), `api_token` (also `token`), `account_id`, `app_id`; and
-- `tls_url` (HTTPS, with a certificate for localhost signed by the CA in `ca_file`),
-- `wrong_host_tls_url` (the same CA, a certificate for another host name), `small_app_id` (a
-- second app with almost no data), `webhook_key_url` (where the webhook signing key is
-- served, over TLS), `control_url`, `port`, `tls_port`, `dir` (its folder: nginx's
-- configuration, logs and keys) and `now` (the Unix time its data is dated back from, where
-- its clock starts at every reset).
--
-- The methods that drive it raise an error when it does not answer.
-- @type Server
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

-- A new temporary folder for an nginx, with its tmp/ inside; or nil and a message. Others may
-- go through it (0711), though not list it: an nginx started as root runs its workers as
-- nobody, who must read the CA certificate (ca.pem; the private keys are the owner's only) and
-- use the temporary paths under tmp/.
local function temp_dir()
  local ok, out = exec("mktemp -d /tmp/realtimekit-fake.XXXXXX")
  if not ok then return nil, "realtimekit.fake: mktemp failed: " .. out end
  local dir = out:match("[^\n]+")
  ok, out = exec("chmod 711 " .. shell_quote(dir) .. " && mkdir -p " .. shell_quote(dir .. "/tmp"))
  if not ok then return nil, "realtimekit.fake: " .. out end
  return dir
end

-- The user line of an nginx.conf: workers of a root master would run as nobody, who cannot
-- read what the owner keeps private (the fake's webhook keys, files a test writes); run them as
-- root. (An nginx of your own started without it, as docs/openresty.md's example is, runs as
-- nobody.)
local function user_line()
  return exec("test \"$(id -u)\" = 0") and "user root root;" or ""
end

-- The Lua path nginx loads the server's modules by: this module's folder, and the client's
-- (the server answers in JSON with realtimekit.jsonpure), where the client's rock is not in the
-- same tree (the repository keeps the fake server in fake/lua).
local function server_path(root)
  local roots = { root }
  local client = lua_root(require("realtimekit.jsonpure").encode, "realtimekit.jsonpure")
  if client and client ~= root then roots[2] = client end
  return table.concat(roots, "/?.lua;") .. "/?.lua;"
end

local function start(opts)
  local root = lua_root()
  if not root or not exists(root .. "/realtimekit/fake/server/api.lua") then
    return nil, "realtimekit.fake: cannot find its server modules (realtimekit/fake/server/) "
      .. "next to " .. tostring(root) .. "/realtimekit/fake.lua"
  end
  local problem = missing(root)
  if problem then return nil, problem end
  local lib = socket_lib

  local dir = opts.dir
  local made_dir = false
  sweep()
  if dir then
    local ok, out = exec("mkdir -p " .. shell_quote(dir .. "/tmp"))
    if not ok then return nil, "realtimekit.fake: " .. out end
  else
    local err
    dir, err = temp_dir()
    if not dir then return nil, err end
    made_dir = true
  end
  local function fail(message)
    if made_dir then exec("rm -rf " .. shell_quote(dir)) end
    return nil, message
  end
  local ok, err = make_certs(dir)
  if not ok then return fail(err) end
  ok, err = make_webhook_key(dir, "webhook")
  if not ok then return fail(err) end

  local template = dofile(root .. "/realtimekit/fake/conf.lua")
  local data = dofile(root .. "/realtimekit/fake/server/data.lua")
  local owner = opts.owner or own_pid()
  local now = opts.now or (os.time() - os.time() % 60)
  local started, last
  for _ = 1, 5 do
    local port, tls_port, wrong_tls_port = free_ports(3)
    local conf = template:gsub("@([%u_]+)@", {
      USER = user_line(), DIR = dir, LUA_PATH = server_path(root),
      CPATH = (luajit_cpath(root)),
      NOW = string.format("%d", now),
      PORT = tostring(port), TLS_PORT = tostring(tls_port),
      WRONG_TLS_PORT = tostring(wrong_tls_port),
    })
    write_file(dir .. "/nginx.conf", conf)
    local out
    ok, out = exec("REALTIMEKIT_FAKE_OWNER=" .. tostring(owner) .. " nginx -p " ..
      shell_quote(dir) .. " -c " .. shell_quote(dir .. "/nginx.conf") ..
      " -e " .. shell_quote(dir .. "/error.log"))
    if ok then
      started = { port = port, tls_port = tls_port, wrong_tls_port = wrong_tls_port }
      break
    end
    last = out .. (read_file(dir .. "/error.log") or "")
  end
  if not started then return fail("realtimekit.fake: nginx did not start:\n" .. tostring(last)) end

  local url = "http://127.0.0.1:" .. started.port .. "/client/v4"
  local s = setmetatable({
    dir = dir, made_dir = made_dir, port = started.port, tls_port = started.tls_port,
    url = url, base_url = url,
    tls_url = "https://localhost:" .. started.tls_port .. "/client/v4",
    -- Trusted CA, but a certificate for wrong.invalid only.
    wrong_host_tls_url = "https://localhost:" .. started.wrong_tls_port .. "/client/v4",
    control_url = "http://127.0.0.1:" .. started.port .. "/__control",
    ca_file = dir .. "/ca.pem",
    -- Where the webhook public key is served, as RealtimeKit serves it (over TLS: the CA above).
    webhook_key_url = "https://localhost:" .. started.tls_port .. "/.well-known/webhooks.json",
    token = data.TOKEN, api_token = data.TOKEN, account_id = data.ACCOUNT_ID,
    app_id = data.APP_ID, small_app_id = data.SMALL_APP_ID, now = now,
  }, Server)
  -- Wait until the worker answers.
  local deadline = lib.socket.gettime() + 10
  while not pcall(s.stats, s) do
    if lib.socket.gettime() > deadline then
      local log = read_file(dir .. "/error.log") or ""
      s:stop()
      return nil, "realtimekit.fake: no answer from nginx within 10 s\n" .. log
    end
    lib.socket.sleep(0.02)
  end
  if opts.latency then s:config { latency = opts.latency } end
  return s
end

--- Starts a fake server on 127.0.0.1, on free ports. It stops by itself when the process that
-- started it exits (checked every second), unless `owner` says otherwise.
-- @tparam[opt] table opts
-- @tparam[opt] string opts.dir the folder to keep its files in (made if need be, and left in
-- place by `stop`); by default a new temporary one, removed by `stop`
-- @tparam[opt] number opts.latency seconds every API answer waits (as `config { latency }`)
-- @tparam[opt] int opts.owner the process id whose exit stops the server (default: this
-- process); 0 for none, so that it runs until stopped
-- @param[opt] opts.now the moment its data set is dated back from and its clock starts at
-- (the handle's `now`): Unix seconds or an ISO 8601 date-time; by default the time it starts
-- at, to the minute, so that its meetings and sessions are of the last 30 days. A fixed one
-- keeps a test's dates the same on every run (`realtimekit.fake.server.data`'s `build(now)`
-- gives the data with the same dates)
-- @treturn[1] Server the server
-- @return[2] nil
-- @treturn[2] string what went wrong, such as a program it needs that is not installed
function M.start(opts)
  if opts ~= nil and type(opts) ~= "table" then
    return nil, "realtimekit.fake.start: expected a table of options, got a " .. type(opts)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "dir" and k ~= "latency" and k ~= "owner" and k ~= "now" then
      return nil, "realtimekit.fake.start: unknown option " .. tostring(k)
        .. " (it takes dir, latency, owner, now)"
    end
  end
  local now = opts.now
  if now ~= nil then
    if type(now) == "string" then
      local root = lua_root()
      local data = root and dofile(root .. "/realtimekit/fake/server/data.lua")
      now = data and data.parse_time(now)
    end
    if type(now) ~= "number" or now ~= now or now % 1 ~= 0 or now < 0 or now >= 2 ^ 40 then
      return nil, "realtimekit.fake.start: now must be whole Unix seconds or an ISO 8601 "
        .. "date-time, got " .. tostring(opts.now)
    end
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.now = now
    opts = copy
  end
  return start(opts)
end

--- A handle on a server already running in dir, started by `realtimekit-fake start` (which
-- keeps its fields in dir/env.lua).
-- @string dir the server's folder (`REALTIMEKIT_FAKE_DIR`)
-- @treturn[1] Server
-- @return[2] nil
-- @treturn[2] string why not
function M.attach(dir)
  local env = read_file(dir .. "/env.lua")
  if not env then return nil, "no fake server in " .. dir end
  local chunk = (rawget(_G, "loadstring") or load)("return " .. env)
  local ok, t = pcall(chunk or error)
  if not ok or type(t) ~= "table" then return nil, "no fake server in " .. dir end
  t.dir = dir
  t.base_url, t.api_token = t.url, t.token
  return setmetatable(t, Server)
end

--- A control call: method and path below control_url, with `body` (JSON text) as its body;
-- the answer's JSON text. Raises when the server does not answer 200.
-- @local
function Server:control_text(method, what, body)
  local lib = assert(socket())
  local chunks = {}
  local ok, code = lib.http.request {
    url = self.control_url .. "/" .. what,
    method = method,
    headers = body and { ["content-type"] = "application/json",
                         ["content-length"] = tostring(#body) } or nil,
    source = body and lib.ltn12.source.string(body) or nil,
    sink = lib.ltn12.sink.table(chunks),
  }
  if not ok then
    error("realtimekit.fake: control " .. what .. " failed: " .. tostring(code), 2)
  end
  local text = table.concat(chunks)
  if code ~= 200 then
    error("realtimekit.fake: control " .. what .. " answered " .. code .. ": " .. text, 2)
  end
  return text
end

--- A control call: method and path below control_url, with value as its JSON body.
-- @local
function Server:control(method, what, value)
  local cjson = require "cjson"
  return cjson.decode(self:control_text(method, what, value and cjson.encode(value) or nil))
end

-- A decoded control answer as plain Lua: no cjson.null, and whole numbers as integers where
-- Lua has them (lua-cjson decodes every number as a float under Lua 5.3 and 5.4, which would
-- print a status as 204.0).
local tointeger = rawget(math, "tointeger")
local function plain(v)
  local null = require("cjson").null
  if v == null then return nil end
  if type(v) == "number" then return tointeger and tointeger(v) or v end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = plain(x) end
  return out
end

--- Back to the start: data, faults, config, request log, counters, webhook key. A request
-- still waiting when it comes (held, delayed, slowed by latency) is then dropped unanswered, so
-- that it cannot change the data afterwards.
function Server:reset() self:control("POST", "reset") end

--- Queues one fault for the next API request whose "path?query" contains `f.match` (any
-- request when it has none): `{ status = 503 }`, `{ delay = 2 }`, `{ drop = true }`,
-- `{ truncate = true }`, `{ size = n }` (the answer padded to n bytes, `chunked = true` without
-- a Content-Length), `{ hold = true }` (until `release`), with `body`, `headers` and `times`
-- (docs/fake-server.md).
-- @tparam table f the fault
function Server:fault(f) self:control("POST", "fault", f) end

--- How many requests a `hold` fault holds now: a test sees what a client has under way, and
-- that it does not wait for an answer (the server gives none until `release`).
-- @treturn int
function Server:held()
  return math.floor(self:control("GET", "stats").held or 0)
end

--- Lets every request held go on (a `hold` fault; a reset too, which drops them).
-- @treturn int how many were held
function Server:release()
  return math.floor(self:control("POST", "release").released)
end

--- Merges behaviour switches (`latency`, `max_per_page`, `rate_quota`, … in
-- docs/fake-server.md) into its configuration.
-- @tparam table c the switches
-- @treturn table the whole configuration now
function Server:config(c) return plain(self:control("POST", "config", c)) end

--- The API requests received since the last reset, oldest first: `{method, path, query,
-- args, headers, body, connection, at}` each, `body` exactly as it arrived.
-- @treturn table
function Server:requests()
  local list = plain(self:control("GET", "requests"))
  for _, r in ipairs(list) do
    if r.query == nil then r.query = "" end
    r.connection = r.connection and math.floor(r.connection)
  end
  return list
end

--- The webhook deliveries made since the last reset, oldest first: `{webhook_id, url, event,
-- body, signature, state ("pending", "delivered" or "failed"), attempts = { {uuid, status,
-- error, at}, ... }}`.
-- @treturn table
function Server:webhook_deliveries()
  return plain(self:control("GET", "webhooks/deliveries"))
end

--- The public key (PEM) the server signs webhooks with now.
-- @treturn string
function Server:webhook_public_key()
  return self:control("GET", "webhooks/key").public_key
end

--- Rotates the webhook signing key: a new RSA pair, whose public key the well-known endpoint
-- serves from now on (until the next reset, which goes back to the first).
-- @treturn string the new public key (PEM)
function Server:rotate_webhook_key()
  self.rotations = (self.rotations or 0) + 1
  local private, public = make_webhook_key(self.dir, "webhook-" .. self.rotations)
  if not private then error(public, 2) end
  self:control("POST", "webhooks/key", { private_key = private, public_key = public })
  return public
end

--- Requests and connections since the last reset.
-- @treturn table `{ requests = n, connections = n }`
function Server:stats()
  local t = self:control("GET", "stats")
  return { requests = math.floor(t.requests), connections = math.floor(t.connections) }
end

--- How many requests the rate-limit mode refused with 429 since the last reset.
-- @treturn int
function Server:throttled()
  return math.floor(self:control("GET", "stats").throttled or 0)
end

-- Whether a process has ended: gone, or a zombie that its parent (init, for a daemon) has not
-- reaped yet; some init processes reap only every second or so.
local function ended(pid)
  local stat = read_file("/proc/" .. pid .. "/stat")
  return not stat or stat:match("^%d+ %b() (%a)") == "Z"
end

--- Stops nginx, and removes the server's folder when `start` made it.
function Server:stop()
  local pid = read_file(self.dir .. "/nginx.pid")
  pid = pid and pid:match("%d+")
  if pid then
    exec("kill -TERM " .. pid)
    local lib = socket()
    for _ = 1, 500 do
      if ended(pid) then break end
      if lib then lib.socket.sleep(0.01) else exec("sleep 0.01") end
    end
  end
  if self.made_dir then exec("rm -rf " .. shell_quote(self.dir)) end
end

--- The fields another process needs to attach, as a Lua table literal (`realtimekit-fake
-- start` writes it to dir/env.lua).
-- @treturn string
function Server:describe()
  local keys = { "port", "tls_port", "url", "tls_url", "control_url", "ca_file", "token",
                 "account_id", "app_id", "small_app_id", "webhook_key_url" }
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = string.format("%s = %q", k, self[k]) end
  if self.now then parts[#parts + 1] = string.format("now = %d", self.now) end
  parts[#parts + 1] = "made_dir = " .. tostring(self.made_dir == true)
  return "{ " .. table.concat(parts, ", ") .. " }"
end

--- The `export NAME=value` lines for a POSIX shell that point realtimekit (and the
-- `realtimekit` command) at this server: `CLOUDFLARE_BASE_URL`, `CLOUDFLARE_API_TOKEN`,
-- `CLOUDFLARE_ACCOUNT_ID`, `REALTIMEKIT_APP_ID`, `REALTIMEKIT_CA_FILE`,
-- `REALTIMEKIT_TLS_BASE_URL`, `REALTIMEKIT_WEBHOOK_KEY_URL` and `REALTIMEKIT_FAKE_DIR`.
-- @treturn string
function Server:exports()
  local lines = {}
  for _, kv in ipairs {
    { "REALTIMEKIT_FAKE_DIR", self.dir }, { "CLOUDFLARE_BASE_URL", self.url },
    { "CLOUDFLARE_API_TOKEN", self.token }, { "CLOUDFLARE_ACCOUNT_ID", self.account_id },
    { "REALTIMEKIT_APP_ID", self.app_id }, { "REALTIMEKIT_CA_FILE", self.ca_file },
    { "REALTIMEKIT_TLS_BASE_URL", self.tls_url },
    { "REALTIMEKIT_WEBHOOK_KEY_URL", self.webhook_key_url },
  } do
    lines[#lines + 1] = "export " .. kv[1] .. "=" .. shell_quote(kv[2]) .. "\n"
  end
  return table.concat(lines)
end

--- Starts another nginx from a configuration template, such as an OpenResty application's that
-- calls the fake server: `@NAMES@` in it are replaced from vars, plus `@DIR@` (a new temporary
-- folder, its prefix), `@USER@` (a `user` line where nginx runs as root) and `@LUAJIT_CPATH@`
-- (where lua-cjson for nginx's LuaJIT is). It stops by itself when this process exits.
-- @string template the nginx.conf, with `pid @DIR@/nginx.pid;` and its temporary paths
-- under `@DIR@`
-- @tparam[opt] table vars more `NAME = value` to fill in
-- @tparam[opt] table env variables for nginx's environment (`env NAME;` passes them on)
-- @treturn[1] table a handle `{ dir, stop = function }`
-- @return[2] nil
-- @treturn[2] string nginx's error output and log
function M.nginx(template, vars, env)
  sweep()
  local dir, err = temp_dir()
  if not dir then return nil, err end
  local all = { DIR = dir, LUAJIT_CPATH = (luajit_cpath(lua_root())), USER = user_line() }
  for k, v in pairs(vars or {}) do all[k] = tostring(v) end
  local conf = template:gsub("@([%u_]+)@", all)
  write_file(dir .. "/nginx.conf", conf)
  local prefix = {}
  for k, v in pairs(env or {}) do prefix[#prefix + 1] = k .. "=" .. shell_quote(v) end
  local ok, out = exec(table.concat(prefix, " ") .. " nginx -p " .. shell_quote(dir) ..
    " -c " .. shell_quote(dir .. "/nginx.conf") .. " -e " .. shell_quote(dir .. "/error.log"))
  local handle = setmetatable({ dir = dir, made_dir = true }, Server)
  if not ok then
    local log = read_file(dir .. "/error.log") or ""
    handle:stop()
    return nil, "nginx did not start:\n" .. out .. log
  end
  return handle
end

return M
