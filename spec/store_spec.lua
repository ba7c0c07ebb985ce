-- The stores of realtimekit.store: each keeps the contract (spec/support/store_contract.lua),
-- the in-process one here, the lua_shared_dict one inside a real nginx; and the store made of
-- a program's own table, for webhook de-duplication.
local helper = require "helper"
local core = require "realtimekit.core"
local store = require "realtimekit.store"
local contract = require "support.store_contract"

describe("realtimekit.store", function()
  describe("memory()", function()
    it("keeps the contract", function()
      assert.same({}, contract.run(store.memory(), core.sleep))
      assert.same({}, contract.run(store.memory(1000), core.sleep))
    end)

    it("is on the caller's clock, and shared with no other process", function()
      local st = store.memory()
      assert.equal(12.5, st:now(12.5))
      assert.is_number(st:now())
      assert.is_false(st.is_shared)
    end)

    it("holds at most size keys, forgetting the oldest first", function()
      local st = store.memory(3)
      for i = 1, 4 do st:set("k" .. i, i, 60) end
      assert.is_nil(st:get("k1"))
      for i = 2, 4 do assert.equal(i, st:get("k" .. i)) end
      st:delete("k2")
      st:set("k5", 5, 60)
      assert.equal(3, st:get("k3"))
      assert.equal(5, st:get("k5"))
    end)

    it("gives a key set without a ttl the store's own", function()
      local st = store.memory(nil, 0.05)
      st:set("k", true)
      assert.is_true(helper.wait_for(function() return st:get("k") == nil end, 10))
      st = store.memory()
      st:set("k", true)
      core.sleep(0.1)
      assert.is_true(st:get("k"))
    end)

    it("checks its size", function()
      for _, v in ipairs { 0, 1.5, "3", -1 } do
        local st, problem = store.memory(v)
        assert.is_nil(st)
        assert.equal("size: expected a whole number >= 1", problem)
      end
    end)
  end)

  describe("of()", function()
    it("is a store itself for a store", function()
      local st = store.memory()
      assert.equal(st, store.of(st))
    end)

    it("claims, confirms and releases through a table's get and set", function()
      local t = { data = {} }
      function t.get(self, k) return self.data[k] end
      function t.set(self, k, v) self.data[k] = v end
      local st = assert(store.of(t))
      assert.is_false(st.is_shared)
      assert.is_true(st:claim({ "a", "b" }, "o1", 60))
      assert.is_false(st:claim({ "c", "b" }, "o2", 60))
      assert.is_nil(t.data.c)
      assert.is_false(st:confirm({ "a", "b" }, "o2", 60))
      assert.is_true(st:confirm({ "a", "b" }, "o1", 60))
      st:release({ "a", "b" }, "o2")
      assert.equal("o1", t.data.a)
      st:release({ "a", "b" }, "o1")
      assert.same({}, t.data)
    end)

    it("claims through a table's add when it has one, taking back a partial claim", function()
      local t = { data = {}, adds = 0 }
      function t.get(self, k) return self.data[k] end
      function t.set(self, k, v) self.data[k] = v end
      function t.add(self, k, v)
        self.adds = self.adds + 1
        if self.data[k] ~= nil then return false, "exists" end
        self.data[k] = v
        return true
      end
      function t.delete(self, k) self.data[k] = nil end
      local st = assert(store.of(t))
      assert.is_true(st:claim({ "a" }, "o1", 60))
      assert.is_false(st:claim({ "b", "a" }, "o2", 60))
      assert.same({ a = "o1" }, t.data)
      assert.equal(3, t.adds)
    end)

    it("is nil for what is no store", function()
      assert.is_nil(store.of(nil))
      assert.is_nil(store.of("dict"))
      assert.is_nil(store.of({ get = function() end }))
    end)
  end)

  describe("shared()", function()
    it("is refused outside nginx", function()
      local st, problem = store.shared("dict")
      assert.is_nil(st)
      assert.equal("a lua_shared_dict works only inside OpenResty", problem)
    end)
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
  lua_package_path "@ROOT@/lua/?.lua;@ROOT@/lua/?/init.lua;@ROOT@/spec/?.lua;;";
  lua_package_cpath "@ROOT@/build/luajit/?.so;@LUAJIT_CPATH@;;";
  lua_shared_dict store_spec 1m;
  server {
    listen 127.0.0.1:@PORT@;
    location = /contract {
      content_by_lua_block {
        local store = require "realtimekit.store"
        local st = assert(store.shared("store_spec"))
        local failures = require("support.store_contract").run(st, ngx.sleep)
        local missing = { store.shared("nope") }
        ngx.say(require("cjson").encode { failures = failures, shared = st.is_shared,
                                          missing = missing[2] })
      }
    }
  }
}
]]

local describe_nginx = helper.luajit_core_built and describe or pending

describe_nginx("realtimekit.store.shared() inside nginx #once", function()
  it("keeps the contract, and names a dict nginx.conf lacks", function()
    local server = require "realtimekit.fake"
    local cjson = require "cjson"
    local port = server.free_ports(1)
    local nginx = assert(server.nginx(NGINX, { ROOT = helper.root, PORT = port }))
    local out
    local ok = helper.wait_for(function()
      local p = io.popen("curl -s --max-time 30 http://127.0.0.1:" .. port .. "/contract")
      out = p:read("*a")
      p:close()
      return out:find("failures", 1, true) ~= nil
    end, 30)
    nginx:stop()
    assert.is_true(ok, out)
    local result = cjson.decode(out)
    -- cjson encodes an empty list as {}.
    assert.same({}, result.failures)
    assert.is_true(result.shared)
    assert.equal("no lua_shared_dict nope in nginx.conf (add `lua_shared_dict nope 1m;` to "
      .. "the http block)", result.missing)
  end)
end)
