-- Rate limits: the client paces itself by the API's Ratelimit headers, by a static budget where
-- the server sends none, and by a 429's Retry-After for the whole client; inside OpenResty the
-- budget can be shared by every worker. The fake server's rate-limit mode counts fixed windows
-- and answers 429 beyond its quota.
local helper = require "helper"
local pacer = require "realtimekit.pacer"
local realtimekit = require "realtimekit"
local server = require "realtimekit.fake"
local socket = require "socket"
local cjson = require "cjson"
local monotonic = require("realtimekit.core").monotonic

-- The walks' windows: the numbers of the issue under Lua 5.4, a shorter run of the same shape
-- under the other Luas (the pacer is the same Lua code under each).
local Q, W, N = 40, 4, 137
if helper.lua_tag ~= "5.4" then Q, W, N = 10, 1, 35 end
-- How long the windows allow: the last requests can start when the last window opens.
local FLOOR = (math.ceil(N / Q) - 1) * W

-- How many requests the fake server took in each of its rate-limit windows (counted from the
-- switch, as its requests' `at` are), the first window first.
local function per_window(s, window)
  local counts = {}
  for _, r in ipairs(s:requests()) do
    local k = math.floor(r.at / window) + 1
    for i = #counts + 1, k do counts[i] = 0 end
    counts[k] = counts[k] + 1
  end
  return counts
end

local function walk(c, n, concurrency)
  local got, seen = 0, {}
  for m in c.meetings:each { per_page = 1, limit = n, concurrency = concurrency } do
    assert.is_nil(seen[m.id], "twice: " .. m.id)
    seen[m.id] = true
    got = got + 1
  end
  return got
end

describe("the pacer's header parser", function()
  it("reads Ratelimit and Ratelimit-Policy as structured lists", function()
    assert.same({ remaining = 50, reset = 30, limit = 100, window = 60 }, pacer.read {
      ratelimit = '"default";r=50;t=30', ["ratelimit-policy"] = '"burst";q=100;w=60' })
    -- Several items: the least remaining wins, with its policy when the names match.
    assert.same({ remaining = 2, reset = 9, limit = 10, window = 20 }, pacer.read {
      ratelimit = '"a";r=40;t=5, "b";r=2;t=9;x="y"',
      ["ratelimit-policy"] = '"a";q=1000;w=60, "b";q=10;w=20;comment="z"' })
    -- Tokens for names, unknown parameters and whitespace are fine.
    assert.same({ remaining = 7, reset = 1 }, pacer.read { ratelimit = 'default ; r=7 ;t=1 ;q' })
  end)

  it("ignores what is malformed, negative or absurd", function()
    for _, v in ipairs { "", "garbage;;", '"x";r=-5;t=1', '"x";r=5;t=1e99', '"x";r=abc;t=1',
                         '"x";r=5', '"x";t=5', '"unterminated;r=1;t=1', "r=1;t=1", ";;;",
                         '"x";r=99999999999;t=1', '"x";r=5;t=100000' } do
      assert.is_nil(pacer.read { ratelimit = v }, v)
    end
    -- A broken item does not take the good ones after it down.
    assert.same({ remaining = 3, reset = 4 }, pacer.read { ratelimit = '%%%, "ok";r=3;t=4' })
    assert.is_nil(pacer.read {})
    assert.is_nil(pacer.read(nil))
  end)

  it("reads no header longer than 1024 bytes", function()
    local pad = (" "):rep(1024 - #'"x";r=5;t=1')
    assert.same({ remaining = 5, reset = 1 }, pacer.read { ratelimit = pad .. '"x";r=5;t=1' })
    assert.is_nil(pacer.read { ratelimit = " " .. pad .. '"x";r=5;t=1' })
    assert.is_nil(pacer.read { ["ratelimit-policy"] = ('"p";q=1;w=1, '):rep(100000) })
    assert.same({}, pacer.parse_list(('"p";q=1;w=1, '):rep(100)))
  end)
end)

describe("rate limits", function()
  local s
  before_each(function()
    s = helper.server()
  end)

  -- 137 requests at 40 per 4 s: the last can start at 12 s at the earliest. A walk that waited
  -- longer than it must would leave a window short: every window but the last took its quota
  -- but for the 8 requests the walk keeps under way, which a pacer may hold in hand. (The other
  -- Luas' windows last 1 s, most of which the whole seconds of the Ratelimit header's `t` can
  -- cost: there only the 429s, the count and the floor are checked.)
  local function within_the_windows(took)
    assert.equal(0, s:throttled())
    assert.equal(N, s:stats().requests)
    assert.is_true(took >= FLOOR - 0.5, "took " .. took)
    if W >= 4 then
      local counts = per_window(s, W)
      for k = 1, #counts - 1 do
        assert.is_true(counts[k] >= Q - 8, table.concat(counts, " "))
      end
    end
  end

  it("paced by the headers, a concurrency-8 walk meets no 429 and leaves no window short",
    function()
    local c = helper.client()
    s:config { rate_quota = Q, rate_window = W }
    local t0 = socket.gettime()
    assert.equal(N, walk(c, N, 8))
    within_the_windows(socket.gettime() - t0)
  end)

  it("with no headers, a matching static budget does the same", function()
    local c = helper.client { rate_limit = { limit = Q, window = W } }
    s:config { rate_quota = Q, rate_window = W, rate_headers = false }
    local t0 = socket.gettime()
    assert.equal(N, walk(c, N, 8))
    within_the_windows(socket.gettime() - t0)
  end)

  it("pauses the whole client after a 429: one of four concurrent calls meets it, no more",
    function()
    local c = helper.client()
    s:config { rate_quota = 3, rate_window = 2, rate_headers = false }
    local ops = {}
    for i = 1, 4 do ops[i] = assert(c.async.meetings:list { per_page = 1, page_no = i }) end
    while c:poll(0.05) > 0 do end
    for i = 1, 4 do
      local state, page = ops[i]:poll()
      assert.equal("done", state, tostring(page))
      assert.equal(i, page.paging.start_offset)
    end
    assert.equal(1, s:throttled())
    assert.equal(5, s:stats().requests)
  end)

  it("is not changed by malformed headers", function()
    local waits = {}
    local c = helper.client { on_request = function(info) waits[#waits + 1] = info.waited end }
    for _, v in ipairs { "garbage;;", '"x";r=0;t=abc', '"x";r=-1;t=5', '"x";r=0;t=1e99' } do
      s:fault { status = 200, times = 1, body = '{"success":true,"data":[],'
        .. '"paging":{"start_offset":0,"end_offset":0,"total_count":0}}',
        headers = { Ratelimit = v, ["Ratelimit-Policy"] = v } }
      assert(c.meetings:list())
    end
    for _ = 1, 5 do assert(c.meetings:list { per_page = 1 }) end
    -- None was held back: each went out as soon as it was made.
    assert.equal(9, #waits)
    for _, w in ipairs(waits) do assert.equal(0, w) end
  end)

  it("tells on_request what it knows of the budget and how long a request waited", function()
    local infos = {}
    local c = helper.client { on_request = function(info) infos[#infos + 1] = info end }
    s:config { rate_quota = 3, rate_window = 2 }
    for _ = 1, 4 do assert(c.meetings:list { per_page = 1 }) end
    assert.same({ remaining = 2, limit = 3, window = 2 }, {
      remaining = infos[1].ratelimit.remaining, limit = infos[1].ratelimit.limit,
      window = infos[1].ratelimit.window })
    assert.is_true(infos[1].ratelimit.reset > 0 and infos[1].ratelimit.reset <= 2)
    assert.equal(0, infos[1].waited)
    -- The fourth waited for the next window rather than meeting a 429.
    assert.is_true(infos[4].waited > 0, tostring(infos[4].waited))
    assert.same({ 3, 1 }, per_window(s, 2))
    assert.equal(0, s:throttled())
  end)

  -- A client with the default budgets (helper.client turns them off) whose waits are
  -- recorded instead of slept.
  local function default_client(opts)
    local slept = {}
    local o = { api_token = s.token, account_id = s.account_id, app_id = s.app_id,
                base_url = s.url, sleep = function(t) slept[#slept + 1] = t end }
    for k, v in pairs(opts or {}) do o[k] = v end
    return assert(realtimekit.new(o)), slept
  end

  -- The 429-shaped error of a request the budget held back beyond max_retry_wait.
  local function held_back(err, what)
    assert.equal("api", err.kind)
    assert.equal(429, err.status)
    assert.is_true(err.retryable)
    assert.is_nil(err.outcome)
    assert.equal(0, err.attempts)
    assert.matches(what, err.message, 1, true)
  end

  describe("by default", function()
    it("holds the token's 1,200 requests per 5 minutes: the 1,201st fails at once, with the "
      .. "wait of minutes, after exactly 1,200 were sent", function()
      local c, slept = default_client { max_retry_wait = 5 }
      local started = monotonic()
      for i = 1, 1200 do assert(c.meetings:list { per_page = 1 }, i) end
      local v, err = c.meetings:list { per_page = 1 }
      assert.is_nil(v)
      held_back(err, "the token budget of 1200 requests per 300 s")
      -- The first request left after `started`: its window ends 300 s after that at the
      -- earliest, however long the 1,200 took on this machine.
      local elapsed = monotonic() - started
      assert.is_true(err.retry_after >= 300 - elapsed and err.retry_after <= 300 * 1.01 + 0.05,
        tostring(err.retry_after))
      assert.matches("retry after", tostring(err))
      assert.equal(1200, s:stats().requests)
      assert.same({}, slept)
    end)

    it("holds the recording routes' 1,000 requests per 50 s: the 1,001st fails at once, with "
      .. "the wait of tens of seconds, after exactly 1,000 were sent", function()
      local c, slept = default_client { max_retry_wait = 5 }
      local started = monotonic()
      for i = 1, 1000 do assert(c.recordings:list { per_page = 1 }, i) end
      local v, err = c.recordings:list { per_page = 1 }
      assert.is_nil(v)
      held_back(err, "the recordings budget of 1000 requests per 50 s")
      local elapsed = monotonic() - started
      assert.is_true(err.retry_after >= 50 - elapsed and err.retry_after <= 50 * 1.01 + 0.05,
        tostring(err.retry_after))
      assert.equal(1000, s:stats().requests)
      -- Other routes are not held back by it: they count against the token's budget only.
      assert(c.meetings:list { per_page = 1 })
      assert.equal(1001, s:stats().requests)
      assert.same({}, slept)
    end)

    it("sends as many as asked with rate_limit = false, or recordings = false", function()
      local c, slept = default_client { max_retry_wait = 5, rate_limit = false }
      for i = 1, 1201 do assert(c.meetings:list { per_page = 1 }, i) end
      assert.same({}, slept)
      s:reset()
      c, slept = default_client { max_retry_wait = 5, rate_limit = { recordings = false } }
      for i = 1, 1001 do assert(c.recordings:list { per_page = 1 }, i) end
      assert.equal(1001, s:stats().requests)
      assert.same({}, slept)
    end)
  end)

  describe("budgets by scope", function()
    it("counts a recording call against the token's budget too", function()
      local c = default_client { max_retry_wait = 5,
                                 rate_limit = { limit = 3, window = 300 } }
      assert(c.recordings:list { per_page = 1 })
      assert(c.recordings:get(helper.data().build().apps[s.app_id].recordings[1].id))
      assert(c.meetings:list { per_page = 1 })
      local _, err = c.meetings:list { per_page = 1 }
      held_back(err, "the token budget of 3 requests per 300 s")
      _, err = c.recordings:list { per_page = 1 }
      held_back(err, "the token budget of 3 requests per 300 s")
      assert.equal(3, s:stats().requests)
    end)

    it("holds a recording route back by its own budget, and lets the others go", function()
      local c = default_client { max_retry_wait = 5,
                                 rate_limit = { recordings = { limit = 2, window = 50 } } }
      local started = monotonic()
      assert(c.recordings:list { per_page = 1 })
      assert(c.recordings:list { per_page = 1 })
      local _, err = c.recordings:list { per_page = 1 }
      held_back(err, "the recordings budget of 2 requests per 50 s")
      assert.is_true(err.retry_after >= 50 - (monotonic() - started)
        and err.retry_after <= 50 * 1.01 + 0.05)
      for _ = 1, 5 do assert(c.meetings:list { per_page = 1 }) end
      assert.equal(7, s:stats().requests)
    end)

    it("counts client:request under an app's /recordings as a recording route", function()
      local c = default_client { max_retry_wait = 5,
                                 rate_limit = { recordings = { limit = 2, window = 50 } } }
      local recordings = "/accounts/{account_id}/realtime/kit/{app_id}/recordings"
      assert(c:request("GET", recordings, { query = { per_page = 1 } }))
      assert(c.recordings:list { per_page = 1 })
      local _, err = c:request("GET", recordings, { query = { per_page = 1 } })
      held_back(err, "the recordings budget")
      local id = helper.data().build().apps[s.app_id].recordings[1].id
      _, err = c:request("GET", recordings .. "/" .. id)
      held_back(err, "the recordings budget")
      -- A path that only starts alike is not one.
      local _, other = c:request("GET", recordings .. "-archive")
      assert.equal(404, other.status)
      assert(c:request("GET", "/accounts/{account_id}/realtime/kit/{app_id}/meetings"))
      assert.equal(4, s:stats().requests)
    end)

    it("lets an async call of another route pass one the recordings budget holds back",
      function()
      local c, slept = default_client { rate_limit = { recordings = { limit = 1, window = 2 } } }
      assert(c.recordings:list { per_page = 1 })
      local rec = assert(c.async.recordings:list { per_page = 1 })
      local meetings = assert(c.async.meetings:list { per_page = 1 })
      while meetings:pending() do c:poll(0.05) end
      assert.equal("done", (meetings:poll()))
      assert.is_true(rec:pending())
      assert.equal(2, s:stats().requests)
      assert(rec:wait())
      assert.equal(3, s:stats().requests)
      assert.equal(1, #slept)
    end)

    it("pauses recording routes only after a recording route's 429, and every route after "
      .. "another's", function()
      local c = default_client { max_retry_wait = 5 }
      s:fault { status = 429, match = "/recordings", headers = { ["Retry-After"] = "30" } }
      local _, err = c.recordings:list { per_page = 1 }
      assert.equal(429, err.status)
      assert.equal(1, err.attempts)
      assert(c.meetings:list { per_page = 1 })
      _, err = c.recordings:list { per_page = 1 }
      held_back(err, "a 429's Retry-After")
      assert.equal(2, s:stats().requests)

      c = default_client { max_retry_wait = 5 }
      s:reset()
      s:fault { status = 429, match = "/meetings", headers = { ["Retry-After"] = "30" } }
      _, err = c.meetings:list { per_page = 1 }
      assert.equal(429, err.status)
      _, err = c.recordings:list { per_page = 1 }
      held_back(err, "a 429's Retry-After")
      assert.equal(1, s:stats().requests)
    end)

    it("paces recording routes by their own answers' Ratelimit header", function()
      local c = default_client { max_retry_wait = 5 }
      local empty = '{"success":true,"data":[],'
        .. '"paging":{"start_offset":0,"end_offset":0,"total_count":0}}'
      s:fault { status = 200, match = "/recordings", body = empty,
                headers = { Ratelimit = '"recordings";r=0;t=40' } }
      assert(c.recordings:list())
      assert(c.meetings:list { per_page = 1 })
      local _, err = c.recordings:list()
      held_back(err, "the API's Ratelimit header")
      assert.equal(2, s:stats().requests)
    end)
  end)

  it("fails at once, with the wait, when the budget is held back beyond max_retry_wait",
    function()
    local slept = {}
    local c = helper.client { max_retry_wait = 5,
                              sleep = function(t) slept[#slept + 1] = t end }
    s:fault { status = 200, body = '{"success":true,"data":[],'
      .. '"paging":{"start_offset":0,"end_offset":0,"total_count":0}}',
      headers = { Ratelimit = '"default";r=0;t=120' } }
    local asked = monotonic() -- the answer, which came after this, said 120 s from then
    assert(c.meetings:list())
    local v, err = c.meetings:list()
    assert.is_nil(v)
    assert.equal("api", err.kind)
    assert.equal(429, err.status)
    assert.is_true(err.retry_after >= 120 - (monotonic() - asked))
    assert.same({}, slept) -- at once: no wait at all
    assert.equal(1, s:stats().requests)
  end)

  it("checks the option", function()
    for _, v in ipairs { 5, { limit = 0, window = 1 }, { limit = 10 }, { limit = 1.5, window = 1 },
                         { limit = 10, window = -1 }, { limit = 10, window = 1, colour = 1 },
                         { limit = 10, window = 1, shared = "rtk" }, { recordings = 5 },
                         { recordings = true }, { recordings = { limit = 10 } },
                         { recordings = { limit = 0, window = 50 } },
                         { recordings = { window = 1e6, limit = 5 } } } do
      local c, _, err = realtimekit.new { api_token = "t", rate_limit = v }
      assert.is_nil(c)
      assert.equal("rate_limit", err.param)
    end
    local _, _, err = realtimekit.new { api_token = "t", rate_limit = { colour = 1 } }
    assert.equal("rate_limit: unknown key colour (it takes limit, window, recordings, shared, "
      .. "store, local_share, on_error)", err.message)
    for _, case in ipairs {
      { { store = {} }, "store: expected a store (realtimekit.store.redis(conn), say)" },
      { { store = "redis" }, "store: expected a store (realtimekit.store.redis(conn), say)" },
      { { local_share = 0.5 }, "local_share: only with store" },
      { { on_error = "fail" }, "on_error: only with store" },
    } do
      _, _, err = realtimekit.new { api_token = "t", rate_limit = case[1] }
      assert.equal("rate_limit: " .. case[2], err.message)
    end
    local st = require("realtimekit.store").memory()
    for _, v in ipairs { 0, 1.5, -1, "half", 0 / 0 } do
      _, _, err = realtimekit.new { api_token = "t", rate_limit = { store = st, local_share = v } }
      assert.equal("rate_limit: local_share: expected a fraction above 0, at most 1", err.message)
    end
    _, _, err = realtimekit.new { api_token = "t", rate_limit = { store = st, on_error = "raise" } }
    assert.equal('rate_limit: on_error: expected "local" or "fail"', err.message)
    assert(realtimekit.new { api_token = "t", rate_limit = { store = st, local_share = 1,
                                                             on_error = "fail" } })
    _, _, err = realtimekit.new { api_token = "t", rate_limit = { recordings = { colour = 1 } } }
    assert.equal("rate_limit: recordings: unknown key colour (it takes limit, window)",
      err.message)
    _, _, err = realtimekit.new { api_token = "t", rate_limit = { recordings = { limit = 10 } } }
    assert.equal("rate_limit: recordings: window: expected seconds greater than 0, at most 86400",
      err.message)
    for _, v in ipairs { {}, { limit = 10, window = 1 }, { recordings = false },
                         { recordings = { limit = 10, window = 1 } } } do
      assert(realtimekit.new { api_token = "t", rate_limit = v })
    end
  end)
end)

local ROOT = helper.root

-- Two workers, each making 60 requests from a timer at start, with the budgets in a shared dict
-- or not: a walk of 30 meetings (the token's budget binds) or 30 recording lists (the
-- recordings budget binds).
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
  lua_package_path "@ROOT@/lua/?.lua;@ROOT@/lua/?/init.lua;;";
  lua_package_cpath "@ROOT@/build/luajit/?.so;@LUAJIT_CPATH@;;";
  lua_shared_dict realtimekit_rate 1m;
  lua_shared_dict results 1m;
  init_worker_by_lua_block {
    ngx.timer.at(0, function()
      local realtimekit = require "realtimekit"
      local budget = { limit = 20, window = 2 }
      if "@WHAT@" == "recordings" then
        budget = { limit = 1000, window = 300, recordings = { limit = 20, window = 2 } }
      end
      if "@SHARED@" == "yes" then budget.shared = "realtimekit_rate" end
      local c = assert(realtimekit.new { api_token = "@TOKEN@", account_id = "@ACCOUNT@",
        app_id = "@APP@", base_url = "@URL@", rate_limit = budget })
      local n = 0
      local ok, err = pcall(function()
        if "@WHAT@" == "recordings" then
          for _ = 1, 30 do
            assert(c.recordings:list { per_page = 1 })
            n = n + 1
          end
        else
          for _ in c.meetings:each { per_page = 1, limit = 30, concurrency = 4 } do n = n + 1 end
        end
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

local describe_nginx = helper.luajit_core_built and describe or pending

describe_nginx("rate limits in OpenResty #once", function()
  local function run(shared, what)
    local s = helper.server()
    s:config { rate_quota = 20, rate_window = 2, rate_headers = false }
    local port = server.free_ports(1)
    local ngx_server = assert(server.nginx(NGINX, {
      ROOT = ROOT, SHARED = shared and "yes" or "no", WHAT = what or "meetings",
      TOKEN = s.token, ACCOUNT = s.account_id,
      APP = s.app_id, URL = s.url, PORT = port,
    }))
    local result
    local deadline = socket.gettime() + 30
    repeat
      socket.sleep(0.2)
      local p = io.popen("curl -s --max-time 5 http://127.0.0.1:" .. port .. "/results")
      local out = p:read("*a")
      p:close()
      local ok, v = pcall(cjson.decode, out)
      if ok and type(v) == "table" then result = v end
    until (result and result.done == 2) or socket.gettime() > deadline
    ngx_server:stop()
    return result, s:throttled()
  end

  it("two workers sharing a dict stay within one limit together", function()
    local result, throttled = run(true)
    assert.equal(2, result.done)
    assert.equal(60, result.items, tostring(result.error))
    assert.equal(0, throttled)
  end)

  it("two workers with a budget each do not (the shared dict is what holds them)", function()
    local result, throttled = run(false)
    assert.equal(2, result.done)
    assert.is_true(throttled > 0)
  end)

  it("two workers sharing a dict stay within one recordings budget together, and with a "
    .. "recordings budget each do not", function()
    local result, throttled = run(true, "recordings")
    assert.equal(2, result.done)
    assert.equal(60, result.items, tostring(result.error))
    assert.equal(0, throttled)
    result, throttled = run(false, "recordings")
    assert.equal(2, result.done)
    assert.is_true(throttled > 0)
  end)
end)
