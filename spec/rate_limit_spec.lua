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

-- The walks' windows: the numbers of the issue under Lua 5.4, a shorter run of the same shape
-- under the other Luas (the pacer is the same Lua code under each).
local Q, W, N = 40, 4, 137
if helper.lua_tag ~= "5.4" then Q, W, N = 10, 1, 35 end
-- How long the windows allow: the last requests can start when the last window opens.
local FLOOR = (math.ceil(N / Q) - 1) * W

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

  it("paced by the headers, a concurrency-8 walk meets no 429 and takes about what the "
    .. "windows allow", function()
    local c = helper.client()
    s:config { rate_quota = Q, rate_window = W }
    local t0 = socket.gettime()
    assert.equal(N, walk(c, N, 8))
    local took = socket.gettime() - t0
    assert.equal(0, s:throttled())
    assert.equal(N, s:stats().requests)
    -- 137 requests at 40 per 4 s: the last 17 can start at 12 s at the earliest.
    assert.is_true(took >= FLOOR - 0.5 and took <= FLOOR * 1.35, "took " .. took)
  end)

  it("with no headers, a matching static budget does the same", function()
    local c = helper.client { rate_limit = { limit = Q, window = W } }
    s:config { rate_quota = Q, rate_window = W, rate_headers = false }
    local t0 = socket.gettime()
    assert.equal(N, walk(c, N, 8))
    local took = socket.gettime() - t0
    assert.equal(0, s:throttled())
    assert.is_true(took >= FLOOR - 0.5 and took <= FLOOR * 1.35, "took " .. took)
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
    local t0 = socket.gettime()
    for _ = 1, 5 do assert(c.meetings:list { per_page = 1 }) end
    assert.is_true(socket.gettime() - t0 < 1)
    for _, w in ipairs(waits) do assert.is_true(w < 0.05, tostring(w)) end
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
    assert.is_true(infos[1].waited < 0.05)
    -- The fourth waited for the next window rather than meeting a 429.
    assert.is_true(infos[4].waited > 0.3, tostring(infos[4].waited))
    assert.equal(0, s:throttled())
  end)

  it("holds 250 requests per 10 s by default, and none with rate_limit = false", function()
    local slept = {}
    -- helper.client turns the static budget off: this client has the default.
    local c = assert(realtimekit.new { api_token = s.token, account_id = s.account_id,
      app_id = s.app_id, base_url = s.url, sleep = function(t) slept[#slept + 1] = t end })
    for _ = 1, 251 do assert(c.meetings:list { per_page = 1 }) end
    assert.equal(1, #slept)
    assert.is_true(slept[1] > 9 and slept[1] <= 10.2, tostring(slept[1]))
    slept = {}
    c = helper.client { sleep = function(t) slept[#slept + 1] = t end }
    for _ = 1, 251 do assert(c.meetings:list { per_page = 1 }) end
    assert.same({}, slept)
  end)

  it("fails at once, with the wait, when the budget is held back beyond max_retry_wait",
    function()
    local c = helper.client { max_retry_wait = 5 }
    s:fault { status = 200, body = '{"success":true,"data":[],'
      .. '"paging":{"start_offset":0,"end_offset":0,"total_count":0}}',
      headers = { Ratelimit = '"default";r=0;t=120' } }
    assert(c.meetings:list())
    local t0 = socket.gettime()
    local v, err = c.meetings:list()
    assert.is_nil(v)
    assert.equal("api", err.kind)
    assert.equal(429, err.status)
    assert.is_true(err.retry_after > 100)
    assert.is_true(socket.gettime() - t0 < 1)
    assert.equal(1, s:stats().requests)
  end)

  it("checks the option", function()
    for _, v in ipairs { 5, { limit = 0, window = 1 }, { limit = 10 }, { limit = 1.5, window = 1 },
                         { limit = 10, window = -1 }, { limit = 10, window = 1, colour = 1 },
                         { limit = 10, window = 1, shared = "rtk" } } do
      local c, err = realtimekit.new { api_token = "t", rate_limit = v }
      assert.is_nil(c)
      assert.equal("rate_limit", err.param)
    end
  end)
end)

local ROOT = helper.root

-- Two workers, each walking from a timer at start, with the budget in a shared dict or not.
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
      if "@SHARED@" == "yes" then budget.shared = "realtimekit_rate" end
      local c = assert(realtimekit.new { api_token = "@TOKEN@", account_id = "@ACCOUNT@",
        app_id = "@APP@", base_url = "@URL@", rate_limit = budget })
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

local describe_nginx = helper.luajit_core_built and describe or pending

describe_nginx("rate limits in OpenResty #once", function()
  local function run(shared)
    local s = helper.server()
    s:config { rate_quota = 20, rate_window = 2, rate_headers = false }
    local port = server.free_ports(1)
    local ngx_server = assert(server.nginx(NGINX, {
      ROOT = ROOT, SHARED = shared and "yes" or "no", TOKEN = s.token, ACCOUNT = s.account_id,
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
end)
