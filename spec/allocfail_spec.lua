-- Running out of memory: a realistic script (spec/support/allocfail.lua: a client, a page, a
-- write, a webhook's signature) run by a Lua 5.4 host (spec/support/allocfail.c, built by make
-- into build/allocfail, or build/asan/allocfail with the ASan core) with the Nth allocation of
-- the Lua allocator, of libcurl or of OpenSSL failing, N = 1, 2, ... until the script runs
-- through. Each failure must be an error value or a Lua error (a crash, an ASan report or a
-- leak fails the run), the requests that reach the server must be the script's own, and the
-- next attempt in the same state must work. N runs through every value up to 300, then in steps
-- of 1/40; ALLOCFAIL_FULL=1 takes every N (minutes).
local helper = require "helper"

local asan = helper.core_dir:match("^build/asan") ~= nil
local bin = asan and "build/asan/allocfail" or "build/allocfail"
-- The host is Lua 5.4's, whichever Lua runs the specs.
local core_dir = asan and helper.core_dir or "build/5.4"

local CANARY = "STDIN-CANARY-do-not-send"

describe("running out of memory #once", function()
  local s, dir
  setup(function()
    local out, ok = helper.run("make -s --no-print-directory " .. bin .. " " .. core_dir
      .. "/realtimekit/core.so")
    assert(ok, out)
    dir = os.tmpname()
    os.remove(dir)
    out, ok = helper.run("sh -c " .. helper.shell_quote("mkdir -p " .. dir .. " && cd " .. dir
      .. " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.key"
      .. " && openssl pkey -in k.key -pubout -out key.pub"
      .. " && printf '{\"event\":\"meeting.started\",\"meeting\":{\"id\":\"m-1\"}}' >body"
      .. " && openssl dgst -sha256 -sign k.key body | openssl base64 -A >sig"))
    assert(ok, out)
  end)
  teardown(function()
    if dir then os.execute("rm -rf " .. dir) end
  end)
  before_each(function() s = helper.server() end)

  -- Runs the host; returns its lines, the number of failed attempts, and the whole output.
  local function run(phase, n)
    local env = {
      ALLOCFAIL_URL = s.url, ALLOCFAIL_TOKEN = s.token, ALLOCFAIL_ACCOUNT = s.account_id,
      ALLOCFAIL_APP = s.app_id, ALLOCFAIL_DIR = dir, ALLOCFAIL_FULL = os.getenv("ALLOCFAIL_FULL"),
      LUA_PATH = "lua/?.lua;lua/?/init.lua;;", LUA_CPATH = core_dir .. "/?.so;;",
    }
    local out, ok = helper.run("sh -c " .. helper.shell_quote("echo " .. CANARY .. " | " .. bin
      .. " " .. phase .. " spec/support/allocfail.lua" .. (n and " " .. n or "")), env)
    assert(ok, out)
    assert.is_nil(out:find(s.token, 1, true), "the token is in the output")
    local lines, failed = {}, 0
    for line in out:gmatch("[^\n]+") do
      lines[#lines + 1] = line
      assert.is_nil(line:match("^POISONED"), line)
      if line:match("^%d+: error: ") then failed = failed + 1 end
    end
    assert.matches("^done: %d+ runs, up to %d+", lines[#lines])
    return lines, failed, out
  end

  -- Every request the server got is one of the script's, as the script made it.
  local function check_requests()
    local want_path = "/client/v4/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
      .. "/meetings"
    local got = s:requests()
    for _, r in ipairs(got) do
      local what = r.method .. " " .. r.path .. "?" .. r.query
      assert.equal(want_path, r.path, what)
      assert.equal("Bearer " .. s.token, r.headers.authorization, what)
      if r.method == "GET" then
        assert.equal("page_no=2&per_page=3", r.query, what)
      else
        assert.equal("POST", r.method, what)
        assert.equal("", r.query, what)
        assert.equal("application/json", r.headers["content-type"], what)
        assert.matches('^{"title":"allocfail %d+"}$', r.body, what)
      end
    end
    return got
  end

  it("leaves nothing half-made when require runs out of Lua memory", function()
    local lines, failed = run("load")
    assert.is_true(failed > 100, lines[#lines])
    check_requests()
  end)

  it("fails an attempt for want of Lua memory, and the next one works", function()
    local lines, failed = run("lua")
    assert.is_true(failed > 100, lines[#lines])
    check_requests()
  end)

  it("fails an attempt for any allocation of libcurl's, and sends no wrong request", function()
    local lines, failed = run("curl")
    assert.is_true(failed > 50, lines[#lines])
    assert.is_true(#check_requests() > 200)
  end)

  it("fails a signature check for any allocation of OpenSSL's as out of memory", function()
    local lines, failed = run("ssl")
    assert.is_true(failed > 0, lines[#lines])
    for _, line in ipairs(lines) do
      if line:match("^%d+: error: ") then
        assert.matches("^%d+: error: realtimekit invalid_signature error: out of memory$", line)
      end
    end
    check_requests()
  end)

  it("loads a whole module, or refuses to, when OpenSSL runs out of memory initialising",
    function()
      -- One process each; the first ones fail inside OpenSSL's initialisation.
      local failed = 0
      for _, n in ipairs { 1, 2, 3, 10, 100, 1000, 3000, 6000 } do
        local _, f = run("ssl-load", n)
        failed = failed + f
      end
      assert.is_true(failed > 0)
      check_requests()
    end)
end)
