-- How calls wait (realtimekit.host) and what the C core tells a host that polls without
-- blocking: how long its transfers have waited, when libcurl's next timer is due, and that a
-- slow name lookup never holds up a poll. Inside nginx: spec/openresty_spec.lua.
local helper = require "helper"
local core = require "realtimekit.core"
local host = require "realtimekit.host"
local openresty = require "realtimekit.host.openresty"
local plain = require "realtimekit.host.plain"

-- Polls until a transfer ends; the core's poll may return sooner, after any I/O.
local function finish(http)
  for _ = 1, 100 do
    local ids = http:poll(0.1)
    if #ids > 0 then return ids end
  end
  error("no transfer ended within 10 s")
end

-- Drives a core client until the server holds its request (a hold fault).
local function until_held(s, http)
  assert(helper.wait_for(function()
    assert.same({}, http:poll(0))
    return s:held() == 1
  end, 10), "the request never reached the server")
end

local function shim_dir()
  local p = io.popen("mktemp -d /tmp/realtimekit-dns.XXXXXX")
  local dir = p:read("*l")
  p:close()
  return dir
end

-- A preloadable getaddrinfo that does not answer for slow.invalid, as a DNS server that does not
-- answer would, until the file $SLOW_GATE exists (or `seconds` pass); it then fails, leaving
-- $SLOW_GATE.ended. It defers to the real one for every other name.
local SHIM = [[
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
  gai_fn real;
  if (node != NULL && strcmp(node, "slow.invalid") == 0) {
    const char *gate = getenv("SLOW_GATE");
    char ended[4096];
    int i;
    for (i = 0; i < %d * 100 && gate != NULL && access(gate, F_OK) != 0; i++)
      usleep(10000);
    if (gate != NULL && strlen(gate) < sizeof ended - 8) {
      strcpy(ended, gate);
      strcat(ended, ".ended");
      close(creat(ended, 0600));
    }
    return EAI_NONAME;
  }
  *(void **)(&real) = dlsym(RTLD_NEXT, "getaddrinfo");
  return real(node, service, hints, res);
}
]]

describe("realtimekit.host", function()
  describe("outside nginx", function()
    it("is the plain host, which knows no phase and refuses no call", function()
      assert.equal(plain, host.current())
      assert.is_false(openresty.here())
      assert.is_nil(openresty.phase())
      assert.is_false(openresty.can_yield())
      assert.is_nil(openresty.refusal(false))
      assert.is_nil(plain.refusal(false))
      assert.equal("plain", host.new().name)
    end)

    it("gives each engine a host of its own, with the program's sleep when it has one",
      function()
      local a, b = host.new(), host.new()
      assert.is_false(rawequal(a, b))
      assert.equal(plain.wait, a.wait)
      assert.equal(plain.sleep, a.sleep)
      local mine = function() end
      assert.equal(mine, host.new(mine).sleep)
      local one, other = helper.client(), helper.client()
      assert.is_false(rawequal(one.engine.host, other.engine.host))
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

    -- The step, checked against the transfers' idle time read just before and just after it:
    -- that time times NGX_BACKOFF, within NGX_MIN_STEP and NGX_MAX_STEP.
    local function step_now()
      local function clamp(idle)
        return math.min(math.max(idle * openresty.NGX_BACKOFF, openresty.NGX_MIN_STEP),
          openresty.NGX_MAX_STEP)
      end
      local before = http:idle()
      local step = openresty.step(http, 10)
      local after = http:idle()
      assert.is_true(step >= clamp(before) and step <= clamp(after), step)
      return step
    end

    -- The server holds the request until released: the transfer waits as long as a spec says.
    it("is short once a transfer starts, and grows the longer it waits, up to a cap", function()
      s:fault { hold = true }
      local started = core.monotonic()
      assert(http:start("GET", url))
      -- The wait counts from the start.
      assert.is_true(core.monotonic() - http:idle() >= started)
      step_now()
      until_held(s, http)
      core.sleep(0.4)
      assert.same({}, http:poll(0))
      assert.is_true(step_now() >= 0.4 * openresty.NGX_BACKOFF)
      assert.equal(0.005, openresty.step(http, 0.005)) -- never past the time left
      local released = core.monotonic()
      s:release()
      assert.equal(1, #finish(http))
      -- The answer came: the wait counts again from then.
      assert.is_true(core.monotonic() - http:idle() >= released)
      step_now()
    end)

    it("is never longer than the step cap", function()
      s:fault { hold = true }
      assert(http:start("GET", url))
      until_held(s, http)
      core.sleep(1.2)
      assert.same({}, http:poll(0))
      assert.equal(openresty.NGX_MAX_STEP, openresty.step(http, 10))
      s:release()
      assert.equal(1, #finish(http))
    end)
  end)
end)

describe("realtimekit.core's hints for a host that polls", function()
  it("idle(): seconds since a transfer started, received bytes or ended", function()
    local s = helper.server()
    s:fault { hold = true } -- no answer until released
    local http = core.new { token = s.token }
    assert.equal(0, http:idle())
    local started = core.monotonic()
    assert(http:start("GET", s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/"
      .. s.app_id .. "/meetings?per_page=1"))
    assert.is_true(core.monotonic() - http:idle() >= started)
    until_held(s, http)
    core.sleep(0.2)
    assert.same({}, http:poll(0))
    assert.is_true(http:idle() >= 0.2, http:idle())
    local released = core.monotonic()
    s:release()
    assert.equal(1, #finish(http))
    assert.is_true(core.monotonic() - http:idle() >= released)
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
    f:write(SHIM:format(30))
    f:close()
    local out, ok = helper.run("cc -shared -fPIC -o " .. dir .. "/shim.so " .. dir
      .. "/shim.c -ldl")
    assert.is_true(ok, out)
    out, ok = helper.run_lua([[
      local core = require "realtimekit.core"
      local gate = os.getenv("SLOW_GATE")
      local http = core.new { connect_timeout = 0.5 }
      local id = http:start("GET", "http://slow.invalid/")
      while #http:poll(0.1) == 0 do end
      local _, kind, _, name = http:result(id)
      -- The lookup goes on until told to end, which only happens now.
      local lookup_ended = io.open(gate .. ".ended") ~= nil
      io.open(gate, "w"):close()
      io.write(kind, " ", name, " ", tostring(lookup_ended), "\n")
    ]], {
      SLOW_GATE = dir .. "/gate",
      LD_PRELOAD = dir .. "/shim.so",
      -- Under make test-asan the child's ASan runtime comes first through ld.so's --preload,
      -- which ASan's own check of LD_PRELOAD's order does not see.
      ASAN_OPTIONS = os.getenv("ASAN_OPTIONS")
        and os.getenv("ASAN_OPTIONS") .. ":verify_asan_link_order=0" or nil,
    })
    os.execute("rm -rf '" .. dir .. "'")
    assert.is_true(ok, out)
    local kind, name, lookup_ended = out:match("(%S+) (%S+) (%S+)\n")
    -- The transfer ended at its timeout while the lookup was still under way.
    assert.equal("timeout", kind)
    assert.equal("OPERATION_TIMEDOUT", name)
    assert.equal("false", lookup_ended, out)
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
