-- Many machines on one token, sharing a real redis-server (spec/support/redis.lua): OS processes
-- that walk at the same time under the fake server's rate limit stay within it together, and
-- go on with their share of it when Redis dies; a client says when it leaves Redis and when it
-- comes back, or fails its calls when told to; two receivers given the same delivery at the
-- same moment take it once. Nothing here bounds a time: the walks' pace is read from the fake
-- server's rate-limit windows, which count requests, not seconds.
local helper = require "helper"
local core = require "realtimekit.core"
local store = require "realtimekit.store"
local webhook = require "realtimekit.webhook"
local redis_server = require "support.redis"
local socket = require "socket"

local available, why = redis_server.available()
local describe_redis = available and describe or function(name)
  pending(name .. ": " .. tostring(why))
end

-- The walks' windows: 20 requests per 2 s under Lua 5.4, per 1 s under the others (the pacer is
-- the same Lua code under each).
local Q, W = 20, 2
if helper.lua_tag ~= "5.4" then W = 1 end

-- What each process runs: a client whose budgets are in Redis (a lua-redis connection made
-- again after a failure), ready once made, walking N meetings once told to go; it prints what
-- it saw and what the on_request hook was told of the store.
local WALKER = [[
require "support.redis" -- lua-redis on the path under 5.4 too
local redis = require "redis"
local realtimekit = require "realtimekit"
local store = require "realtimekit.store"
local socket = require "socket"
local port = tonumber(os.getenv("REDIS_PORT"))
local st = assert(store.redis(function()
  local conn = redis.connect("127.0.0.1", port)
  conn.network.socket:settimeout(2)
  return conn
end))
local events = {}
local rate_limit = { limit = tonumber(os.getenv("Q")), window = tonumber(os.getenv("W")),
                     recordings = false, store = st,
                     local_share = tonumber(os.getenv("SHARE") or "") }
local c = assert(realtimekit.new { api_token = os.getenv("TOKEN"),
  account_id = os.getenv("ACCOUNT"), app_id = os.getenv("APP"), base_url = os.getenv("URL"),
  rate_limit = rate_limit, on_request = function(info)
    if info.store then events[#events + 1] = info.store.state end
  end })
assert(io.open(os.getenv("READY"), "w")):close()
while true do
  local go = io.open(os.getenv("GO"), "r")
  if go then go:close() break end
  socket.sleep(0.01)
end
local seen, items, twice = {}, 0, 0
for m in c.meetings:each { per_page = 1, limit = tonumber(os.getenv("N")), concurrency = 4 } do
  if seen[m.id] then twice = twice + 1 end
  seen[m.id] = true
  items = items + 1
end
print(("items=%d twice=%d events=%s"):format(items, twice, table.concat(events, ",")))
]]

-- Starts n walker processes at once (they wait at a barrier until all are ready); `during`,
-- if given, runs once they go. Returns each one's output.
local function walk_together(n, env, during)
  local dir = helper.run("mktemp -d"):match("^%s*(.-)%s*$")
  local cpath = helper.core_dir .. "/?.so;" .. package.cpath
  local setup = "package.path = 'lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;' .. "
    .. "package.path; package.cpath = " .. string.format("%q", cpath) .. "; "
  local parts = {}
  for i = 1, n do
    local vars = { "READY=" .. dir .. "/ready" .. i, "GO=" .. dir .. "/go" }
    for k, v in pairs(env) do vars[#vars + 1] = k .. "=" .. helper.shell_quote(v) end
    parts[#parts + 1] = "env " .. table.concat(vars, " ") .. " " .. helper.lua_cmd .. " -e "
      .. helper.shell_quote(setup .. WALKER) .. " >" .. dir .. "/out" .. i .. " 2>&1 &"
  end
  local p = io.popen("sh -c " .. helper.shell_quote(table.concat(parts, " ") .. " wait"))
  assert.is_truthy(helper.wait_for(function()
    for i = 1, n do
      local f = io.open(dir .. "/ready" .. i)
      if not f then return false end
      f:close()
    end
    return true
  end, 60), "the walkers did not start")
  helper.write(dir .. "/go", "")
  if during then during() end
  p:read("*a")
  p:close()
  local outs = {}
  for i = 1, n do outs[i] = helper.read(dir .. "/out" .. i) end
  os.execute("rm -rf " .. helper.shell_quote(dir))
  return outs
end

-- The fake server's requests in each of its rate-limit windows (counted from the switch, as
-- the requests' `at` are), and how many windows from the first that took one to the last.
local function windows_used(s)
  local first, last
  for _, r in ipairs(s:requests()) do
    local k = math.floor(r.at / W)
    if not first or k < first then first = k end
    if not last or k > last then last = k end
  end
  return last - first + 1
end

describe_redis("many machines on one token, through Redis", function()
  local r, s
  setup(function()
    r = assert(redis_server.start())
  end)
  teardown(function()
    if r then r:stop() end
  end)
  before_each(function()
    s = helper.server()
  end)

  local function env(n)
    return { REDIS_PORT = r.port, Q = Q, W = W, N = n, TOKEN = s.token, ACCOUNT = s.account_id,
             APP = s.app_id, URL = s.url }
  end

  it("four processes walking at once meet no 429 and use the windows their requests need",
    function()
    local N = 30
    s:config { rate_quota = Q, rate_window = W, rate_headers = false }
    local outs = walk_together(4, env(N))
    for i = 1, 4 do
      assert.equal(("items=%d twice=0 events="):format(N), outs[i]:match("items=[^\n]*"),
        outs[i])
    end
    assert.equal(0, s:throttled())
    assert.equal(4 * N, s:stats().requests)
    -- The budget of one window is the fleet's: 120 requests need 6 windows of 20.
    local needed = math.ceil(4 * N / Q)
    local used = windows_used(s)
    assert.is_true(used <= math.ceil(1.35 * needed), ("%d windows for %d"):format(used, needed))

    -- Nothing in Redis names the token, and everything in it expires.
    local id = core.token_id(s.token)
    local conn = r:connect()
    local keys, named = r:keys(), 0
    for k, ttl in pairs(keys) do
      assert.is_nil(k:find(s.token, 1, true), k)
      assert.is_true(ttl > 0, k .. " has TTL " .. ttl)
      if k:find(id, 1, true) then named = named + 1 end
      local kind = conn:type(k)
      local values = kind == "list" and conn:lrange(k, 0, -1) or { conn:get(k) }
      for _, v in ipairs(values) do assert.is_nil(tostring(v):find(s.token, 1, true), k) end
    end
    assert.is_true(named > 0)
    conn:quit()
  end)

  it("when Redis dies in the middle, every walk finishes with every item once, and each "
    .. "process said it went on alone", function()
    local N = 20
    s:config { rate_quota = Q, rate_window = W, rate_headers = false }
    local e = env(N)
    e.SHARE = 0.25
    local outs = walk_together(4, e, function()
      assert.is_truthy(helper.wait_for(function() return s:stats().requests >= 8 end, 60))
      r:kill()
    end)
    assert(r:start_again())
    for i = 1, 4 do
      assert.equal(("items=%d twice=0 events=local"):format(N), outs[i]:match("items=[^\n]*"),
        outs[i])
    end
    assert.equal(4 * N + s:throttled(), s:stats().requests)
  end)

  it("says once that it paces alone, and once that it is back, as soon as Redis answers",
    function()
    local events = {}
    local st = assert(store.redis(r:connector(1)))
    local c = helper.client { rate_limit = { store = st, local_share = 0.5 },
      on_request = function(info) events[#events + 1] = info.store or false end }
    assert(c.meetings:list { per_page = 1 })
    r:kill()
    for _ = 1, 3 do assert(c.meetings:list { per_page = 1 }) end
    assert(r:start_again())
    -- Back at the first try after Redis answers again (a try a second at most).
    assert.is_truthy(helper.wait_for(function()
      assert(c.meetings:list { per_page = 1 })
      return events[#events] and events[#events].state == "shared"
    end, 30))
    for _ = 1, 2 do assert(c.meetings:list { per_page = 1 }) end
    local told = {}
    for _, ev in ipairs(events) do
      if ev then told[#told + 1] = ev.state end
    end
    assert.same({ "local", "shared" }, told)
    assert.is_false(events[1])
    local failure = events[2]
    assert.equal("local", failure.state)
    assert.equal(0.5, failure.share)
    assert.matches("^Redis: ", failure.message)
    -- Its budgets are back in Redis.
    local n = 0
    for k in pairs(r:keys()) do
      if k:find(core.token_id(s.token), 1, true) then n = n + 1 end
    end
    assert.is_true(n > 0)
  end)

  it("counts what the node sent before Redis failed, and keeps to its share for a window "
    .. "after Redis is back", function()
    local st = assert(store.redis(r:connector(1)))
    local c = helper.client { max_retry_wait = 5, rate_limit = { limit = 4, window = 300,
      recordings = false, store = st, local_share = 0.5 } }
    assert(c.meetings:list { per_page = 1 })
    assert(c.meetings:list { per_page = 1 })
    r:kill()
    -- Its share is 2 requests per 300 s, and it sent 2 while Redis was there.
    local share = "this node's share of the token budget, 2 requests per 300 s, while the "
      .. "shared store fails"
    local v, err = c.meetings:list { per_page = 1 }
    assert.is_nil(v)
    assert.equal(429, err.status)
    assert.matches(share, err.message, 1, true)
    -- Redis is back, empty (it keeps nothing on disk): it would allow 4, but the node's share
    -- still holds, for the window of what it sent without Redis knowing.
    assert(r:start_again())
    socket.sleep(require("realtimekit.pacer").STORE_RETRY + 0.1)
    v, err = c.meetings:list { per_page = 1 }
    assert.is_nil(v)
    assert.matches(share, err.message, 1, true)
    assert.equal(2, s:stats().requests)
  end)

  it("with on_error = \"fail\", fails each call while Redis is down, sending nothing", function()
    local st = assert(store.redis(r:connector(1)))
    local c = helper.client { rate_limit = { store = st, on_error = "fail" } }
    assert(c.meetings:list { per_page = 1 })
    r:kill()
    local v, err = c.meetings:list { per_page = 1 }
    assert.is_nil(v)
    assert.equal("network", err.kind)
    assert.equal(0, err.attempts)
    assert.matches("^the rate limit's shared store failed: Redis: .*%(rate_limit.on_error = "
      .. "\"fail\"%)$", err.message)
    assert.equal(1, s:stats().requests)
    assert(r:start_again())
    assert(c.meetings:list { per_page = 1 })
    assert.equal(2, s:stats().requests)
  end)
end)

-- A key pair and a signed delivery, made with the openssl command.
local function signed_delivery()
  local dir = helper.run("mktemp -d"):match("^%s*(.-)%s*$")
  local body = '{"event":"meeting.started","meeting":{"id":"m-1"}}'
  helper.write(dir .. "/body", body)
  local _, ok = helper.run("sh -c " .. helper.shell_quote("cd " .. dir .. " && openssl genpkey "
    .. "-algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.key && openssl pkey -in k.key "
    .. "-pubout -out k.pub && openssl dgst -sha256 -sign k.key body | openssl base64 -A >sig"))
  assert(ok, "openssl")
  local key, sig = helper.read(dir .. "/k.pub"), helper.read(dir .. "/sig")
  os.execute("rm -rf " .. helper.shell_quote(dir))
  return body, sig, key
end

-- Each receiver process: ready once made, verifies the delivery once told to go.
local RECEIVER = [[
require "support.redis"
local redis = require "redis"
local socket = require "socket"
local webhook = require "realtimekit.webhook"
local st = assert(require("realtimekit.store").redis(redis.connect("127.0.0.1",
  tonumber(os.getenv("REDIS_PORT")))))
local rcv = assert(webhook.receiver { public_key = os.getenv("KEY"), dedupe = st })
assert(io.open(os.getenv("READY"), "w")):close()
while true do
  local go = io.open(os.getenv("GO"), "r")
  if go then go:close() break end
  socket.sleep(0.001)
end
local event, err = rcv:verify(os.getenv("BODY"), { ["rtk-signature"] = os.getenv("SIG"),
                                                   ["rtk-uuid"] = os.getenv("UUID") })
print(event and "accepted" or err.kind)
]]

describe_redis("webhook de-duplication through Redis", function()
  local r, body, sig, key
  setup(function()
    r = assert(redis_server.start())
    body, sig, key = signed_delivery()
  end)
  teardown(function()
    if r then r:stop() end
  end)

  it("two receivers given the same delivery at the same moment: one takes it", function()
    local dir = helper.run("mktemp -d"):match("^%s*(.-)%s*$")
    local cpath = helper.core_dir .. "/?.so;" .. package.cpath
    local setup_code = "package.path = 'lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;' .. "
      .. "package.path; package.cpath = " .. string.format("%q", cpath) .. "; "
    local parts = {}
    for i = 1, 2 do
      parts[i] = "env REDIS_PORT=" .. r.port .. " KEY=" .. helper.shell_quote(key) .. " BODY="
        .. helper.shell_quote(body) .. " SIG=" .. helper.shell_quote(sig) .. " UUID=u-" .. i
        .. " READY=" .. dir .. "/ready" .. i .. " GO=" .. dir .. "/go " .. helper.lua_cmd
        .. " -e " .. helper.shell_quote(setup_code .. RECEIVER) .. " >" .. dir .. "/out" .. i
        .. " 2>&1 &"
    end
    local p = io.popen("sh -c " .. helper.shell_quote(table.concat(parts, " ") .. " wait"))
    assert.is_truthy(helper.wait_for(function()
      local a, b = io.open(dir .. "/ready1"), io.open(dir .. "/ready2")
      if a then a:close() end
      if b then b:close() end
      return a and b
    end, 60))
    helper.write(dir .. "/go", "")
    p:read("*a")
    p:close()
    local got = { helper.read(dir .. "/out1"), helper.read(dir .. "/out2") }
    os.execute("rm -rf " .. helper.shell_quote(dir))
    table.sort(got)
    -- One took it; the other was told it is being handled (neither has confirmed yet).
    assert.same({ "accepted\n", "in_progress\n" }, got)
  end)

  it("a handler that fails releases its claim, and the retry is taken", function()
    r:cli("flushall")
    local a = assert(webhook.receiver { public_key = key, dedupe = store.redis(r:connect()) })
    local b = assert(webhook.receiver { public_key = key, dedupe = store.redis(r:connect()) })
    local headers = { ["rtk-signature"] = sig, ["rtk-uuid"] = "u-1" }
    local event = assert(a:verify(body, headers))
    assert.equal("in_progress", select(2, b:verify(body, headers)).kind)
    assert.is_true(a:forget(event))
    headers["rtk-uuid"] = "u-2"
    event = assert(b:verify(body, headers))
    assert.is_true(b:confirm(event))
    local _, err = a:verify(body, headers)
    assert.equal("duplicate", err.kind)
    headers["rtk-uuid"] = "u-3"
    _, err = a:verify(body, headers)
    assert.equal("duplicate", err.kind)
    -- Everything it keeps expires.
    for k, ttl in pairs(r:keys()) do assert.is_true(ttl > 0, k) end
  end)

  it("refuses a delivery with a network error while Redis is down, for RealtimeKit to retry",
    function()
    local other = assert(redis_server.start())
    local rcv = assert(webhook.receiver { public_key = key,
                                          dedupe = store.redis(other:connector(1)) })
    other:kill()
    local event, err = rcv:verify(body, { ["rtk-signature"] = sig })
    assert.is_nil(event)
    assert.equal("network", err.kind)
    assert.matches("^the de%-duplication store failed: Redis: ", err.message)
    assert(other:start_again())
    assert.truthy(rcv:verify(body, { ["rtk-signature"] = sig }))
    other:stop()
  end)
end)


-- Two nginx workers (two Lua VMs, as two machines would be), no lua_shared_dict: each walks 30
-- meetings from a timer at start, its budgets in Redis through the stand-in for lua-resty-redis
-- (spec/support/standin), connected in each step from nginx's pool as docs/many-machines.md
-- shows.
local NGINX = [[
worker_processes 2;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
@USER@
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path @DIR@/tmp/body;
  proxy_temp_path @DIR@/tmp/proxy;
  fastcgi_temp_path @DIR@/tmp/fastcgi;
  uwsgi_temp_path @DIR@/tmp/uwsgi;
  scgi_temp_path @DIR@/tmp/scgi;
  lua_package_path "@ROOT@/lua/?.lua;@ROOT@/lua/?/init.lua;@STANDIN@;;";
  lua_package_cpath "@ROOT@/build/luajit/?.so;@LUAJIT_CPATH@;;";
  lua_shared_dict results 1m;
  init_worker_by_lua_block {
    ngx.timer.at(0, function()
      local realtimekit = require "realtimekit"
      local redis = require "resty.redis"
      local shared = assert(realtimekit.store.redis(function()
        local red = redis:new()
        red:set_timeout(1000)
        local ok, err = red:connect("127.0.0.1", @REDIS_PORT@)
        if not ok then return nil, err end
        return red
      end))
      local c = assert(realtimekit.new { api_token = "@TOKEN@", account_id = "@ACCOUNT@",
        app_id = "@APP@", base_url = "@URL@",
        rate_limit = { limit = 20, window = 2, recordings = false, store = shared } })
      local n = 0
      local ok, err = pcall(function()
        for _ in c.meetings:each { per_page = 1, limit = 30, concurrency = 4 } do n = n + 1 end
      end)
      ngx.shared.results:incr("done", 1, 0)
      ngx.shared.results:incr("items", n, 0)
      if not ok then ngx.shared.results:set("error", tostring(err)) end
    end)
  }
  server {
    listen 127.0.0.1:@PORT@;
    location = /results {
      content_by_lua_block {
        local r = ngx.shared.results
        ngx.say(require("cjson").encode { done = r:get("done") or 0, items = r:get("items") or 0,
                                          error = r:get("error") })
      }
    }
  }
}
]]

local describe_nginx = (available and helper.luajit_core_built) and describe or pending

describe_nginx("many nginx workers on one token, through Redis #once", function()
  it("two workers with their budgets in Redis stay within one limit together", function()
    local server = require "realtimekit.fake"
    local cjson = require "cjson"
    local r = assert(redis_server.start())
    local s = helper.server()
    s:config { rate_quota = 20, rate_window = 2, rate_headers = false }
    local port = server.free_ports(1)
    local nginx = assert(server.nginx(NGINX, {
      ROOT = helper.root, STANDIN = helper.root .. "/spec/support/standin/?.lua",
      REDIS_PORT = r.port, TOKEN = s.token, ACCOUNT = s.account_id, APP = s.app_id,
      URL = s.url, PORT = port,
    }))
    local result
    helper.wait_for(function()
      local p = io.popen("curl -s --max-time 5 http://127.0.0.1:" .. port .. "/results")
      local ok, v = pcall(cjson.decode, p:read("*a"))
      p:close()
      if ok and type(v) == "table" then result = v end
      return result and result.done == 2
    end, 60)
    nginx:stop()
    local named = 0
    for k in pairs(r:keys()) do
      if k:find(core.token_id(s.token), 1, true) then named = named + 1 end
    end
    r:stop()
    assert.equal(2, result.done)
    assert.equal(60, result.items, tostring(result.error))
    assert.equal(0, s:throttled())
    assert.is_true(named > 0)
  end)
end)
