-- realtimekit.store.redis against a real redis-server (spec/support/redis.lua starts one on
-- loopback): it keeps the store contract (spec/support/store_contract.lua) with lua-redis in
-- plain Lua, and inside nginx with a stand-in for lua-resty-redis (spec/support/standin); every
-- key it writes has the prefix and a TTL; a failure of Redis is a value, never an error raised;
-- given a function, it connects again once Redis answers again.
local helper = require "helper"
local core = require "realtimekit.core"
local store = require "realtimekit.store"
local contract = require "support.store_contract"
local redis_server = require "support.redis"

local available, why = redis_server.available()
local describe_redis = available and describe or function(name)
  pending(name .. ": " .. tostring(why))
end

describe_redis("realtimekit.store.redis()", function()
  local r
  setup(function()
    r = assert(redis_server.start())
  end)
  teardown(function()
    if r then r:stop() end
  end)

  it("keeps the contract, with a connection or a function that makes one", function()
    local st = assert(store.redis(r:connect()))
    assert.is_true(st.is_shared)
    assert.is_true(st.reads_clock)
    assert.same({}, contract.run(st, core.sleep))
    assert.same({}, contract.run(assert(store.redis(r:connector())), core.sleep))
  end)

  it("runs each method as one script: EVALSHA once Redis holds it, EVAL when it does not",
    function()
    local before = r:commands()
    local st = assert(store.redis(r:connect()))
    for i = 1, 20 do assert.is_true(st:set("k" .. i, i, 60)) end
    local after = r:commands()
    -- One EVAL that asks Redis the scripts' SHA1s; the script set uses is known by then.
    assert.equal(1, (after.eval or 0) - (before.eval or 0))
    assert.equal(20, (after.evalsha or 0) - (before.evalsha or 0))
    -- Redis forgets its scripts: a step's EVALSHA fails with NOSCRIPT, and EVAL runs it (once
    -- for each script: then Redis holds it again).
    r:cli("script flush")
    assert.is_true(st:set("k", 1, 60))
    assert.equal(1, st:get("k"))
    assert.is_true(st:set("k", 2, 60))
    local flushed = r:commands()
    assert.equal(after.eval + 2, flushed.eval)
    -- A connection without evalsha: EVAL each time.
    local conn = r:connect()
    local only_eval = { eval = function(_, ...) return conn:eval(...) end }
    st = assert(store.redis(only_eval))
    assert.is_true(st:set("k", "v", 60))
    assert.equal("v", st:get("k"))
    assert.equal(flushed.eval + 2, r:commands().eval)
  end)

  it("writes only keys with its prefix, every one with a TTL", function()
    r:cli("flushall")
    assert.same({}, contract.run(assert(store.redis(r:connect(), { prefix = "rtk-test:" })),
      core.sleep))
    local keys = r:keys()
    local n = 0
    for k, ttl in pairs(keys) do
      n = n + 1
      assert.matches("^rtk%-test:contract:", k)
      assert.is_true(ttl > 0, k .. " has TTL " .. ttl)
    end
    assert.is_true(n > 10)
    -- A key set without a ttl lives the store's own.
    local st = assert(store.redis(r:connect(), { ttl = 30 }))
    st:set("plain", "v")
    local ttl = r:connect():ttl("realtimekit:plain")
    assert.is_true(ttl > 0 and ttl <= 30, tostring(ttl))
  end)

  it("returns a failure of Redis, a script's error or a dead server's, and never raises",
    function()
    local st = assert(store.redis(r:connect()))
    r:cli("set realtimekit:wrong:log notalist")
    local v, err = st:take({ { scope = "wrong", log = "wrong:log", limit = 1, window = 10,
                               inflight = 0 } })
    assert.is_nil(v)
    assert.matches("^Redis: .*WRONGTYPE", err)
    -- The connection still works after an error reply.
    assert.is_true(st:set("k", 1, 60))

    local other = assert(redis_server.start())
    local gone = assert(store.redis(other:connect(1)))
    assert.is_true(gone:set("k", 1, 60))
    other:kill()
    local checks = {
      { gone:get("k") }, { gone:set("k", 2, 60) }, { gone:add("a", 1, 60) },
      { gone:incr("n", 1, 0, 60) }, { gone:delete("k") },
      { gone:take({ { scope = "s", inflight = 0 } }) }, { gone:learn("s", { remaining = 1,
        reset = 1 }, 0) }, { gone:pause("s", 10, 10) }, { gone:claim({ "c" }, "o", 10) },
      { gone:confirm({ "c" }, "o", 10) }, { gone:release({ "c" }, "o") },
    }
    for i, got in ipairs(checks) do
      assert.is_nil(got[1], "step " .. i)
      assert.matches("^Redis: ", got[2], 1, false, "step " .. i)
    end
    assert.is_number(gone:now())
    other:stop()
  end)

  it("given a function, connects again once Redis answers again", function()
    local other = assert(redis_server.start())
    local connects = 0
    local st = assert(store.redis(function()
      connects = connects + 1
      return other:connect(1)
    end))
    assert.is_true(st:set("k", "v", 60))
    assert.is_true(st:set("k", "w", 60))
    assert.equal(1, connects)
    other:kill()
    local v, err = st:get("k")
    assert.is_nil(v)
    assert.matches("^Redis: ", err)
    -- Nothing answers: connect raises (lua-redis does), which is a failure too.
    v, err = st:set("k", "x", 60)
    assert.is_nil(v)
    assert.matches("^Redis: .*could not connect", err)
    assert(other:start_again())
    assert.is_true(st:set("k", "y", 60))
    assert.equal("y", st:get("k"))
    other:stop()
  end)

  it("tells what is wrong with its arguments", function()
    for _, bad in ipairs { nil, 5, "redis://127.0.0.1", {}, { eval = 1 } } do
      local st, problem = store.redis(bad)
      assert.is_nil(st)
      assert.equal("expected a connected Redis client (with eval) or a function that returns "
        .. "one", problem)
    end
    local conn = r:connect()
    local _, problem = store.redis(conn, { colour = 1 })
    assert.equal("opts: unknown key colour (it takes prefix, ttl, keepalive_timeout, pool_size)",
      problem)
    _, problem = store.redis(conn, { prefix = 5 })
    assert.equal("prefix: expected a string", problem)
    _, problem = store.redis(conn, { ttl = 0 })
    assert.equal("ttl: expected seconds above 0", problem)
  end)
end)

local NGINX = [[
worker_processes 1;
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
  lua_package_path "@ROOT@/lua/?.lua;@ROOT@/lua/?/init.lua;@ROOT@/spec/?.lua;@STANDIN@;;";
  lua_package_cpath "@ROOT@/build/luajit/?.so;@LUAJIT_CPATH@;;";
  init_by_lua_block {
    -- One store for the worker, made at start: it connects in each request (a cosocket lives
    -- in one), from nginx's pool.
    local redis = require "resty.redis"
    STORE = assert(require("realtimekit.store").redis(function()
      local red = redis.new()
      red:set_timeout(1000)
      local ok, err = red:connect("127.0.0.1", @REDIS_PORT@)
      if not ok then return nil, err end
      return red
    end))
  }
  server {
    listen 127.0.0.1:@PORT@;
    location = /contract {
      content_by_lua_block {
        local failures = require("support.store_contract").run(STORE, ngx.sleep)
        ngx.say(require("cjson").encode { failures = failures })
      }
    }
    location = /down {
      content_by_lua_block {
        local v, err = STORE:get("k")
        local t, terr = STORE:take({ { scope = "s", inflight = 0 } })
        ngx.say(require("cjson").encode { v = v == nil, err = err, t = t == nil, terr = terr })
      }
    }
  }
}
]]

local describe_nginx = (available and helper.luajit_core_built) and describe or pending

describe_nginx("realtimekit.store.redis() inside nginx, with a stand-in for lua-resty-redis #once",
  function()
  it("keeps the contract, and a Redis gone is a value, never an error raised", function()
    local server = require "realtimekit.fake"
    local cjson = require "cjson"
    local r = assert(redis_server.start())
    local port = server.free_ports(1)
    local nginx = assert(server.nginx(NGINX, { ROOT = helper.root, PORT = port,
      REDIS_PORT = r.port, STANDIN = helper.root .. "/spec/support/standin/?.lua" }))
    local function get(path)
      local out
      helper.wait_for(function()
        local p = io.popen("curl -s --max-time 60 http://127.0.0.1:" .. port .. path)
        out = p:read("*a")
        p:close()
        return out:find("^{") ~= nil
      end, 30)
      return out
    end
    local ok, result = pcall(cjson.decode, get("/contract"))
    r:kill()
    local down_ok, down = pcall(cjson.decode, get("/down"))
    nginx:stop()
    r:stop()
    assert.is_true(ok, tostring(result))
    -- cjson encodes an empty list as {}.
    assert.same({}, result.failures)
    assert.is_true(down_ok, tostring(down))
    assert.is_true(down.v)
    assert.matches("^Redis: ", down.err)
    assert.is_true(down.t)
    assert.matches("^Redis: ", down.terr)
  end)
end)
