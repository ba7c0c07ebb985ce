-- How calls wait (realtimekit.wait) and what the C core tells a host that polls without
-- blocking: how long its transfers have waited, when libcurl's next timer is due, and that a
-- slow name lookup never holds up a poll. Inside nginx: spec/openresty_spec.lua.
local helper = require "helper"
local core = require "realtimekit.core"
local wait = require "realtimekit.wait"

-- Polls until a transfer ends; the core's poll may return sooner, after any I/O.
local function finish(http)
  for _ = 1, 100 do
    local ids = http:poll(0.1)
    if #ids > 0 then return ids end
  end
  error("no transfer ended within 10 s")
end

local function shim_dir()
  local p = io.popen("mktemp -d /tmp/realtimekit-dns.XXXXXX")
  local dir = p:read("*l")
  p:close()
  return dir
end

-- A preloadable getaddrinfo that takes `seconds` to fail for slow.invalid, as a DNS server
-- that does not answer would, and defers to the real one for every other name.
local SHIM = [[
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
  gai_fn real;
  if (node != NULL && strcmp(node, "slow.invalid") == 0) {
    sleep(%d);
    return EAI_NONAME;
  }
  *(void **)(&real) = dlsym(RTLD_NEXT, "getaddrinfo");
  return real(node, service, hints, res);
}
]]

describe("realtimekit.wait", function()
  describe("outside nginx", function()
    it("knows no phase and refuses no call", function()
      assert.is_false(wait.in_ngx())
      assert.is_nil(wait.phase())
      assert.is_nil(wait.can_yield())
      assert.is_nil(wait.refusal({}))
    end)
  end)

  describe("the sleep between polls inside nginx (step)", function()
    local s, http, url
    before_each(function()
      s = helper.server()
      http = core.new { token = s.token, timeout = 30 }
      url = s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
        .. "/meetings?per_page=1"
    end)
    after_each(function() http:close() end)

    it("is short once a transfer starts, and grows the longer it waits, up to a cap", function()
      s:config { latency = 1 }
      assert(http:start("GET", url))
      assert.equal(wait.NGX_MIN_STEP, wait.step(http, 10))
      core.sleep(0.4)
      assert.same({}, http:poll(0))
      local step = wait.step(http, 10)
      assert.is_true(step > 0.4 * wait.NGX_BACKOFF * 0.9 and step < 0.5 * wait.NGX_BACKOFF, step)
      assert.equal(0.005, wait.step(http, 0.005)) -- never past the time left
      core.sleep(0.7)
      assert.equal(1, #finish(http))
      -- The answer came: the wait starts again from the shortest sleep.
      assert.equal(wait.NGX_MIN_STEP, wait.step(http, 10))
    end)

    it("is never longer than the step cap", function()
      s:config { latency = 1.5 }
      assert(http:start("GET", url))
      core.sleep(1.2)
      assert.same({}, http:poll(0))
      assert.equal(wait.NGX_MAX_STEP, wait.step(http, 10))
      assert.equal(1, #finish(http))
    end)
  end)
end)

describe("realtimekit.core's hints for a host that polls", function()
  it("idle(): seconds since a transfer started, received bytes or ended", function()
    local s = helper.server()
    s:config { latency = 0.3 }
    local http = core.new { token = s.token }
    assert.equal(0, http:idle())
    assert(http:start("GET", s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/"
      .. s.app_id .. "/meetings?per_page=1"))
    assert.is_true(http:idle() < 0.05)
    core.sleep(0.2)
    assert.same({}, http:poll(0))
    assert.is_true(http:idle() >= 0.2, http:idle())
    assert.equal(1, #finish(http))
    assert.is_true(http:idle() < 0.05)
    http:close()
  end)

  it("timeout(): when libcurl's next timer is due, or nil with none", function()
    local s = helper.server()
    s:config { latency = 0.5 }
    local http = core.new { token = s.token, timeout = 3 }
    assert.is_nil(http:timeout())
    assert(http:start("GET", s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/"
      .. s.app_id .. "/meetings?per_page=1"))
    http:poll(0)
    local t = http:timeout()
    assert.is_number(t)
    assert.is_true(t >= 0 and t <= 3, t)
    assert.equal(1, #finish(http))
    assert.is_nil(http:timeout())
    http:close()
  end)

  it("says how libcurl resolves names: in a thread of its own here", function()
    assert.equal("threaded", core.curl_resolver)
  end)

  it("gives up on a slow name lookup at connect_timeout, without waiting for it", function()
    local dir = shim_dir()
    local f = assert(io.open(dir .. "/shim.c", "w"))
    f:write(SHIM:format(3))
    f:close()
    local out, ok = helper.run("cc -shared -fPIC -o " .. dir .. "/shim.so " .. dir
      .. "/shim.c -ldl")
    assert.is_true(ok, out)
    out, ok = helper.run_lua([[
      local core = require "realtimekit.core"
      local http = core.new { connect_timeout = 0.5 }
      local t0 = core.monotonic()
      local id = http:start("GET", "http://slow.invalid/")
      while #http:poll(0.1) == 0 do end
      local _, kind, _, name = http:result(id)
      io.write(string.format("%s %s %.2f\n", kind, name, core.monotonic() - t0))
    ]], {
      LD_PRELOAD = dir .. "/shim.so",
      -- Under make test-asan the child's ASan runtime comes first through ld.so's --preload,
      -- which ASan's own check of LD_PRELOAD's order does not see.
      ASAN_OPTIONS = os.getenv("ASAN_OPTIONS")
        and os.getenv("ASAN_OPTIONS") .. ":verify_asan_link_order=0" or nil,
    })
    os.execute("rm -rf '" .. dir .. "'")
    assert.is_true(ok, out)
    local kind, name, seconds = out:match("(%S+) (%S+) ([%d.]+)")
    assert.equal("timeout", kind)
    assert.equal("OPERATION_TIMEDOUT", name)
    -- The lookup takes 3 s; the transfer ends at its 0.5 s timeout all the same.
    assert.is_true(tonumber(seconds) < 1.5, out)
  end)
end)

describe("realtimekit.new's block_in_nginx", function()
  it("is a boolean", function()
    local c, _, err = require("realtimekit").new { api_token = "t", block_in_nginx = "yes" }
    assert.is_nil(c)
    assert.equal("block_in_nginx", err.param)
    assert.equal("block_in_nginx: expected a boolean, got a string", err.message)
    c = assert(require("realtimekit").new { api_token = "t", block_in_nginx = true })
    assert.is_true(c.block_in_nginx)
  end)
end)
