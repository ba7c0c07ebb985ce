-- realtimekit inside a real nginx with its Lua module: the example of examples/openresty as a
-- user copies it (the default transport, with no location to add, and the "ngx" transport),
-- and the proof that no call blocks the worker: in handlers, in light threads, in timers,
-- during retries, with few wake-ups while it waits; where nginx cannot yield, a clear error.
-- None of it is timed: the fake server holds requests until the spec releases them, so that
-- what runs at once and what is answered meanwhile show whatever the machine's load.
local helper = require "helper"
local server = require "realtimekit.fake"
local conf = require "support.openresty.conf"
local socket = require "socket"
local cjson = require "cjson"

local ROOT = helper.root

local describe_or_pending = helper.luajit_core_built and describe or pending

local BIG = 128 * 1024 * 1024

-- What the spec adds to the example's configuration.
local HTTP_EXTRA = [[
  lua_shared_dict realtimekit_spec 1m;
  init_by_lua_block { require("checks").init() }
]]

local function server_extra(opts)
  local slow = conf.location(opts, "/_realtimekit_slow",
    { { "proxy_read_timeout 60s;", "proxy_read_timeout 1s;" } })
  local dead = conf.location(opts, "/_realtimekit_dead", {
    { "proxy_pass https://realtimekit_api$realtimekit_path;",
      "proxy_pass https://127.0.0.1:1$realtimekit_path;" } })
  -- The location without the two filter lines that hold max_body.
  local unfiltered = conf.location(opts, "/_realtimekit_unfiltered", {
    { 'header_filter_by_lua_block { require("realtimekit.ngx").header_filter() }', "" },
    { 'body_filter_by_lua_block { require("realtimekit.ngx").body_filter() }', "" } })
  return slow .. dead .. unfiltered .. ([[
    location = /t/list { content_by_lua_block { require("checks").list() } }
    location = /t/write { content_by_lua_block { require("checks").write() } }
    location = /t/poll { content_by_lua_block { require("checks").poll() } }
    location = /t/threads { content_by_lua_block { require("checks").threads() } }
    location = /t/phase { content_by_lua_block { require("checks").phase() } }
    location = /t/timer-walk { content_by_lua_block { require("checks").timer_walk() } }
    location = /t/worker { content_by_lua_block { require("checks").worker() } }
    location = /t/shared { content_by_lua_block { require("checks").shared() } }
    location = /t/echo { content_by_lua_block { require("checks").echo() } }
    location = /t/wrong-phase {
      set_by_lua_block $answer { return require("checks").wrong_phase() }
      return 200 $answer;
    }
    location = /t/in-set {
      set_by_lua_block $answer { return require("checks").phase_call() }
      return 200 $answer;
    }
    location = /t/in-set-async {
      set_by_lua_block $answer { return require("checks").phase_async() }
      return 200 $answer;
    }
    location = /t/in-header-filter {
      return 200 "ok\n";
      header_filter_by_lua_block { ngx.header["X-Answer"] = require("checks").phase_call() }
    }
    location = /t/in-body-filter {
      return 200 "ok\n";
      header_filter_by_lua_block { ngx.header.content_length = nil }
      body_filter_by_lua_block {
        if ngx.arg[1] ~= "" then ngx.arg[1] = require("checks").phase_call() .. "\n" end
      }
    }
    location = /t/in-log {
      return 200 "ok\n";
      log_by_lua_block { require("checks").in_log() }
    }
]])
end

local function get(port, path, max_time)
  local p = io.popen(("curl -s -S -i --max-time %d 'http://127.0.0.1:%d%s' 2>&1")
    :format(max_time or 20, port, path))
  local out = p:read("*a")
  p:close()
  local head, body = out:match("^(.-)\r\n\r\n(.*)$")
  return body or out, head or ""
end

local function json(port, path, max_time)
  local body = get(port, path, max_time)
  local ok, v = pcall(cjson.decode, body)
  assert(ok, "not JSON: " .. body)
  return v
end

-- Requests run in the background while the spec does other things: start(path) returns a
-- handle whose wait() gives the body and curl's total time in seconds.
local started = 0
local function background(dir, port, path)
  started = started + 1
  local n = started
  local out = ("%s/bg%d"):format(dir, n)
  os.execute(("(curl -s -S --max-time 30 -o %s.body -w '%%{time_total}' "
    .. "'http://127.0.0.1:%d%s' > %s.time 2>&1; touch %s.done) &"):format(out, port, path, out,
    out))
  return {
    done = function()
      local f = io.open(out .. ".done")
      if f then f:close() end
      return f ~= nil
    end,
    wait = function(self)
      local deadline = socket.gettime() + 40
      while not self.done() and socket.gettime() < deadline do socket.sleep(0.01) end
      local body = assert(io.open(out .. ".body")):read("*a")
      local t = tonumber(assert(io.open(out .. ".time")):read("*a"))
      return body, t
    end,
  }
end

-- Waits until the fake server holds n requests (hold faults): that many were under way at once.
local function held(fake, n)
  assert(helper.wait_for(function() return fake:held() == n end, 20),
    "the server never held " .. n .. " requests at once (it holds " .. fake:held() .. ")")
end

-- The worker answers a request: what it does while a call of it waits on a held request.
local function answers(port)
  assert.equal("pong\n", (get(port, "/ping")))
end

-- Clients the worker keeps across requests, one per transport: requests one after the other,
-- taking turns between the transports, then three of each at once, each making ten calls and
-- a walk; all right, and the worker the same process throughout.
local function shared_clients(port, dir)
  local pid = json(port, "/t/worker").pid
  local want = { items = 5, walked = 300, pid = pid }
  for _ = 1, 3 do
    assert.same(want, json(port, "/t/shared"))
    assert.same(want, json(port, "/t/shared?transport=ngx"))
  end
  local calls = {}
  for _ = 1, 3 do
    calls[#calls + 1] = background(dir, port, "/t/shared")
    calls[#calls + 1] = background(dir, port, "/t/shared?transport=ngx")
  end
  for i = 1, #calls do assert.same(want, cjson.decode((calls[i]:wait()))) end
end

describe_or_pending("OpenResty #once", function()
  local fake, ngx_server, port, data

  -- Two calls and a walk in light threads of one request (/t/threads, with the transport its
  -- query names): they run at once, as the server holds the two calls and the walk's first
  -- page together until released.
  local function parallel_threads(path)
    fake:fault { hold = true, match = "per_page=10", times = 2 }
    fake:fault { hold = true, match = "page_no=1&per_page=50" }
    local call = background(ngx_server.dir, port, path)
    held(fake, 3)
    fake:release()
    local body = cjson.decode((call:wait()))
    local meetings = data.build().apps[data.APP_ID].meetings
    assert.equal(meetings[1].id, body.a.first)
    assert.equal(meetings[11].id, body.b.first)
    assert.equal(300, body.walk.items)
  end

  setup(function()
    fake = helper.server()
    data = helper.data()
    port = server.free_ports(1)
    local opts = { root = ROOT, core_dir = ROOT .. "/build/luajit", port = port, fake = fake,
                   http_extra = HTTP_EXTRA, init_worker = 'require("checks").init_worker()' }
    opts.server_extra = server_extra(opts)
    ngx_server = assert(server.nginx(conf.example(opts), nil, conf.env(fake)))
    -- The example's background job walks the meetings once the worker starts: let it end
    -- before the specs count requests.
    helper.wait_for(function() return not json(port, "/job").pending end, 20)
  end)
  teardown(function()
    if ngx_server then ngx_server:stop() end
  end)
  before_each(function() fake:reset() end)

  describe("the default transport", function()
    it("walks meetings with no location in nginx.conf, the token and libcurl's User-Agent",
      function()
        local body = json(port, "/meetings?concurrency=1")
        assert.equal(300, body.meetings)
        assert.matches("^realtimekit%-lua/0%.2%.0 %(LuaJIT [^;]+; libcurl/%d", body.user_agent)
        local r = fake:requests()
        assert.equal(3, #r)
        assert.equal("Bearer " .. fake.token, r[1].headers.authorization)
        assert.equal(body.user_agent, r[1].headers["user-agent"])
        assert.equal("page_no=2&per_page=100", r[2].query)
      end)

    it("ran the example's background job in a timer", function()
      local job = json(port, "/job")
      assert.equal(300, job.meetings)
      assert.matches("libcurl/", job.user_agent)
    end)

    it("walks from a timer started in init_worker_by_lua while the worker answers others",
      function()
        -- Page 3 is held until released: the worker answers meanwhile, the walk waiting.
        fake:fault { hold = true, match = "page_no=3&" }
        assert.is_true(json(port, "/t/timer-walk?start=25").started)
        held(fake, 1)
        answers(port)
        assert.is_true(json(port, "/t/timer-walk").pending)
        fake:release()
        local result = assert(helper.wait_for(function()
          local r = json(port, "/t/timer-walk")
          return not r.pending and r
        end, 20), "the walk did not end")
        assert.is_nil(result.error)
        assert.equal("timer", result.phase)
        local want = {}
        for i, m in ipairs(data.build().apps[data.APP_ID].meetings) do want[i] = m.id end
        assert.same(want, result.ids)
      end)

    it("runs two walks of two requests at once, and answers a third request meanwhile",
      function()
        -- Both walks' first pages are held together: one walk waiting for the other could not
        -- have its page there while the other's is.
        fake:fault { hold = true, match = "page_no=1&", times = 2 }
        local dir = ngx_server.dir
        local a = background(dir, port, "/meetings?concurrency=1")
        local b = background(dir, port, "/meetings?concurrency=1")
        held(fake, 2)
        answers(port)
        assert.is_false(a.done() or b.done())
        fake:release()
        assert.equal(300, cjson.decode((a:wait())).meetings)
        assert.equal(300, cjson.decode((b:wait())).meetings)
      end)

    it("lets light threads of one request block on calls of one client, in parallel",
      function()
        parallel_threads("/t/threads")
      end)

    it("drives calls and walks by polling", function()
      local body = json(port, "/t/poll")
      assert.equal(300, body.items)
      assert.is_true(body.polls > 1)
    end)

    it("waits for a Retry-After with ngx.sleep: the worker answers meanwhile", function()
      fake:fault { status = 503, headers = { ["retry-after"] = "1" } }
      fake:fault { hold = true } -- the retry, until released
      local call = background(ngx_server.dir, port, "/t/list?retries=1")
      held(fake, 1)
      answers(port)
      fake:release()
      local body = cjson.decode((call:wait()))
      assert.equal(5, body.items)
      assert.is_true(body.ms >= 1000, "the retry came after " .. body.ms .. " ms")
      assert.equal(2, fake:stats().requests)
      -- The wait before the retry was one ngx.sleep, which yields to nginx: longer than any of
      -- the sleeps between polls (NGX_MAX_STEP, 50 ms at most).
      assert.is_true(body.longest_sleep > 0.05, cjson.encode(body))
    end)

    it("wakes the worker a few times a second while a call waits 2 s on the API", function()
      fake:fault { delay = 2 }
      local body = json(port, "/t/list?retries=0")
      assert.equal(5, body.items)
      assert.is_true(body.ms >= 2000)
      -- Its sleeps (host/openresty.lua) grow with the wait to NGX_MAX_STEP (50 ms), from 1 ms
      -- each time data flows: about 100 for the first second, 20 a second after (fewer on a
      -- busy machine, whose sleeps overrun). A busy poll would make thousands.
      local seconds = body.ms / 1000
      assert.is_true(body.sleeps >= 10 and body.sleeps <= 300 + 20 * seconds,
        cjson.encode(body))
    end)

    describe("where nginx cannot yield, returns an error instead of blocking", function()
      local function refused(text, phase)
        assert.matches("^nil invalid_argument realtimekit: a call waits for the network, "
          .. "which nginx's " .. phase .. " phase cannot do without blocking the worker: make "
          .. "it in a timer %(ngx%.timer%.at%(0, function%(%) %.%.%. end%)%)", text)
        assert.matches("block_in_nginx = true", text)
      end

      it("in init_by_lua, where block_in_nginx = true makes the call", function()
        local body = json(port, "/t/phase?name=init")
        refused(body.refused, "init")
        assert.equal("page of 5", body.blocking)
      end)

      it("in init_worker_by_lua outside a timer", function()
        refused(json(port, "/t/phase?name=init_worker").refused, "init_worker")
      end)

      it("in set_by_lua", function()
        refused(get(port, "/t/in-set"), "set")
      end)

      it("and leaves an operation of client.async there to be polled", function()
        assert.equal("invalid_argument pending", get(port, "/t/in-set-async"))
      end)

      it("in header_filter_by_lua", function()
        local _, head = get(port, "/t/in-header-filter")
        refused(head:match("\nX%-Answer: ([^\r\n]*)") or head, "header_filter")
      end)

      it("in body_filter_by_lua", function()
        refused(get(port, "/t/in-body-filter"), "body_filter")
      end)

      it("in log_by_lua", function()
        assert.equal("ok\n", (get(port, "/t/in-log")))
        refused(json(port, "/t/phase?name=log").refused, "log")
        assert.equal(0, fake:stats().requests)
      end)
    end)
  end)

  describe("the ngx transport", function()
    it("walks meetings through nginx's proxy with the token and an ngx_lua User-Agent",
      function()
        local body = json(port, "/meetings?concurrency=1&transport=ngx")
        assert.equal(300, body.meetings)
        assert.matches("^realtimekit%-lua/0%.2%.0 %(LuaJIT [^;]+; ngx_lua/%d+%.%d+%.%d+; "
          .. "nginx/%d", body.user_agent)
        local r = fake:requests()
        assert.equal(3, #r)
        assert.equal("Bearer " .. fake.token, r[1].headers.authorization)
        assert.equal(body.user_agent, r[1].headers["user-agent"])
        assert.equal("application/json", r[1].headers.accept)
        assert.is_nil(r[1].headers.cookie)
        assert.equal("page_no=2&per_page=100", r[2].query)
      end)

    it("fetches pages in parallel through subrequests", function()
      fake:config { meetings_total = 1000 }
      -- Pages 2 to 5, asked for together once page 1 is there, are held until released.
      for page = 2, 5 do fake:fault { hold = true, match = "page_no=" .. page .. "&" } end
      local walk = background(ngx_server.dir, port, "/meetings?concurrency=4&transport=ngx")
      held(fake, 4)
      fake:release()
      assert.equal(1000, cjson.decode((walk:wait())).meetings)
      assert.equal(10, fake:stats().requests)
      assert.is_true(fake:stats().connections > 1)
    end)

    it("does not block the worker: a second request is served while a walk waits", function()
      fake:fault { hold = true }
      local walk = background(ngx_server.dir, port, "/meetings?concurrency=1&transport=ngx")
      held(fake, 1)
      answers(port)
      assert.is_false(walk.done())
      fake:release()
      assert.equal(300, cjson.decode((walk:wait())).meetings)
    end)

    it("lets light threads of one request block on calls of one client, in parallel",
      function()
        parallel_threads("/t/threads?transport=ngx")
      end)

    it("serves clients kept by the worker to requests one after the other and at once",
      function()
        shared_clients(port, ngx_server.dir)
      end)

    it("retries by the same policy, waiting with ngx.sleep", function()
      fake:fault { status = 503, headers = { ["retry-after-ms"] = "50" } }
      local body = json(port, "/t/list?transport=ngx")
      assert.equal(5, body.items)
      assert.equal(2, fake:stats().requests)
    end)

    it("reports API errors like the C transport", function()
      local body = json(port, "/t/list?transport=ngx&token=wrong&retries=0")
      assert.equal("api", body.error.kind)
      assert.equal(401, body.error.status)
      assert.matches("Authentication error", body.error.message)
    end)

    for _, transport in ipairs { "ngx", "curl" } do
      it("keeps the token out of every field of an error and of the hook's report ("
        .. transport .. ")", function()
        local t = fake.token
        local prefix = '{"success":false,"errors":[{"code":"' .. t .. '","message":"' .. t
          .. '"}],"error":{"code":"' .. t .. '"},"pad":"'
        for off = 512 - #t - 2, 514, 7 do
          fake:fault { status = 400, headers = { ["cf-ray"] = "8f" .. t .. "-SJC" },
                       body = prefix .. ("x"):rep(off - #prefix) .. t .. ("y"):rep(600) .. '"}' }
          local out = get(port, "/t/echo?transport=" .. transport)
          local body = cjson.decode(out)
          assert.equal("api", body.kind)
          assert.equal("8f[REDACTED]-SJC", body.cf_ray)
          assert.equal("8f[REDACTED]-SJC", body.report.cf_ray)
          assert.equal("[REDACTED]", body.code)
          assert.equal("[REDACTED]", body.errors[1].code)
          assert.is_true(#body.body <= 512)
          for i = 1, #t - 7 do
            assert.is_nil(out:find(t:sub(i, i + 7), 1, true), out)
          end
        end
      end)
    end

    it("turns an unreachable API into a network error, after retries", function()
      local body = json(port, "/t/list?transport=ngx&location=/_realtimekit_dead&retries=1")
      assert.equal("network", body.error.kind)
      assert.equal("NGX_COULDNT_CONNECT", body.error.transport_code)
      assert.equal(2, body.error.attempts)
    end)

    describe("tells a write nginx never sent from one whose outcome is unknown", function()
      for _, method in ipairs { "POST", "PATCH" } do
        local function write(query)
          local id = data.build().apps[data.APP_ID].meetings[1].id
          return json(port, "/t/write?transport=ngx&method=" .. method .. "&id=" .. id
            .. "&" .. query).error
        end

        it(method .. ": an unreachable API, retried, no outcome", function()
          local err = write("location=/_realtimekit_dead&retries=1")
          assert.equal("network", err.kind)
          assert.equal("NGX_COULDNT_CONNECT", err.transport_code)
          assert.is_true(err.retryable)
          assert.is_nil(err.outcome)
          assert.equal(2, err.attempts)
        end)

        for _, case in ipairs {
          { "a 503", { status = 503, headers = { ["Retry-After"] = "1" } }, "api", "" },
          { "a 500", { status = 500 }, "api", "" },
          { "a dropped connection", { drop = true }, "network", "" },
          { "nginx's upstream timeout", { delay = 3 }, "timeout",
            "&location=/_realtimekit_slow" },
          { "the call's deadline", { delay = 5 }, "timeout", "&deadline=1" },
        } do
          it(method .. ": after " .. case[1] .. ", sent once, outcome unknown", function()
            fake:fault(case[2])
            local err = write("retries=2" .. case[4])
            assert.equal(case[3], err.kind)
            assert.equal("unknown", err.outcome)
            assert.is_false(err.retryable)
            assert.equal(1, err.attempts)
            assert.matches("outcome unknown", err.text, 1, true)
            if case[4]:find("deadline", 1, true) then assert.equal(1, err.deadline) end
            assert.equal(1, fake:stats().requests)
          end)
        end

        it(method .. ": after a 429, retried", function()
          fake:fault { status = 429, headers = { ["retry-after-ms"] = "50" } }
          local body = json(port, "/t/write?transport=ngx&method=" .. method .. "&id="
            .. data.build().apps[data.APP_ID].meetings[1].id)
          assert.is_string(body.id, tostring(body.error and body.error.text))
          assert.equal(2, fake:stats().requests)
        end)
      end
    end)

    it("says which location is missing, at once, without retries", function()
      local body = json(port, "/t/list?transport=ngx&location=/_realtimekit_typo&retries=2")
      assert.equal("invalid_argument", body.error.kind)
      assert.equal("NGX_NO_LOCATION", body.error.transport_code)
      assert.equal(1, body.error.attempts)
      assert.matches("nginx has no location /_realtimekit_typo", body.error.message, 1, true)
      assert.equal(0, fake:stats().requests)
    end)

    it("turns nginx's upstream timeout into a timeout error", function()
      fake:fault { hold = true } -- no answer until released: only the timeout ends the call
      local body = json(port, "/t/list?transport=ngx&location=/_realtimekit_slow&retries=0")
      assert.equal("timeout", body.error.kind)
      fake:release()
    end)

    it("turns a cut answer into a network error", function()
      fake:fault { truncate = true }
      local body = json(port, "/t/list?transport=ngx&retries=0")
      assert.equal("network", body.error.kind)
    end)

    describe("holds max_body while the API's answer arrives, through the example's location",
      function()
        for _, chunked in ipairs { false, true } do
          it(chunked and "with no Content-Length" or "with a Content-Length", function()
            local before = json(port, "/t/worker").hwm_kb
            -- The fake server answers 128 MiB, each 64 KiB sent once the one before has gone.
            fake:fault { size = BIG, chunked = chunked }
            local body = json(port, "/t/list?transport=ngx&retries=0&max_body=1048576", 60)
            local after = json(port, "/t/worker").hwm_kb
            assert.equal("decode", body.error.kind)
            assert.equal("RESPONSE_TOO_LARGE", body.error.transport_code)
            assert.matches("larger than the limit of 1048576 bytes", body.error.message)
            -- The worker's peak memory grows by far less than the answer (without the
            -- location's filters, by about three times it), and stays far below it, so the
            -- other case cannot hide behind a peak this one made.
            assert.is_true(after - before < 64 * 1024 and after < 96 * 1024,
              ("the worker's peak grew from %d KiB to %d KiB"):format(before, after))
          end)
        end
      end)

    it("says once in nginx's error log that a location lacks the filters, and works", function()
      local log = ngx_server.dir .. "/error.log"
      local function warnings()
        local n = 0
        for line in helper.read(log):gmatch("[^\n]+") do
          if line:find("[warn]", 1, true) and line:find("realtimekit: nginx location "
            .. "/_realtimekit_unfiltered lacks the ngx transport's filters", 1, true) then
            n = n + 1
          end
        end
        return n
      end
      assert.equal(0, warnings())
      for _ = 1, 2 do
        local body = json(port, "/t/list?transport=ngx&location=/_realtimekit_unfiltered")
        assert.equal(5, body.items)
      end
      assert.equal(1, warnings())
      -- The example's own location has them: nothing said of it.
      assert.equal(5, json(port, "/t/list?transport=ngx").items)
      assert.is_nil(helper.read(log):find("location /_realtimekit lacks", 1, true))
    end)

    it("says clearly where subrequests are not allowed", function()
      local out = get(port, "/t/wrong-phase")
      assert.matches("^nil invalid_argument realtimekit: the ngx transport makes subrequests",
        out)
      assert.matches("not in set", out)
      assert.equal(0, fake:stats().requests)
    end)

    it("drives calls and walks by polling", function()
      local body = json(port, "/t/poll?transport=ngx")
      assert.equal(300, body.items)
      assert.is_true(body.polls > 1)
    end)

    it("is refused outside nginx", function()
      local c, _, err = require("realtimekit").new { api_token = "t", transport = "ngx" }
      assert.is_nil(c)
      assert.equal("transport", err.param)
      c, _, err = require("realtimekit").new { api_token = "t", transport = "carrier pigeon" }
      assert.is_nil(c)
      assert.equal("transport", err.param)
    end)
  end)

  it("left nothing amiss in nginx's error log", function()
    local log = assert(io.open(ngx_server.dir .. "/error.log")):read("*a")
    for line in log:gmatch("[^\n]+") do
      assert.is_nil(line:find("%[alert%]") or line:find("%[crit%]") or line:find("%[emerg%]")
        or line:find("runtime error", 1, true) or line:find("ngx.sleep(0)", 1, true)
        or line:find("thread aborted", 1, true), line)
    end
  end)

  it("runs the nginx.conf of docs/openresty.md as it is shown, against the fake server",
    function()
    local guide = assert(io.open(ROOT .. "/docs/openresty.md")):read("*a")
    local text = assert(guide:match("^# OpenResty\n.-```nginx\n(.-)```"))
    local own = server.free_ports(1)
    local n
    text, n = text:gsub("/path/to/realtimekit", ROOT)
    assert.equal(3, n)
    text, n = text:gsub("listen 8080;", "listen 127.0.0.1:" .. own .. ";")
    assert.equal(1, n)
    -- Paths under the test's folder, not the system's.
    text = "pid @DIR@/nginx.pid;\n@USER@\n" .. text:gsub("\nhttp {\n", [[

http {
  client_body_temp_path @DIR@/tmp/body;
  proxy_temp_path @DIR@/tmp/proxy;
  fastcgi_temp_path @DIR@/tmp/fastcgi;
  uwsgi_temp_path @DIR@/tmp/uwsgi;
  scgi_temp_path @DIR@/tmp/scgi;
]])
    local readme_nginx = assert(server.nginx(text, nil, {
      CLOUDFLARE_API_TOKEN = fake.token, CLOUDFLARE_ACCOUNT_ID = fake.account_id,
      REALTIMEKIT_APP_ID = fake.app_id, CLOUDFLARE_BASE_URL = fake.url,
    }))
    local out = get(own, "/meetings")
    readme_nginx:stop()
    local ids = {}
    for id in out:gmatch("[^\n]+") do ids[#ids + 1] = id end
    assert.equal(300, #ids, out)
    assert.equal(data.build().apps[data.APP_ID].meetings[1].id, ids[1])
  end)

  it("runs the example with one command", function()
    local out, ok = helper.run("examples/openresty/run")
    assert.is_true(ok, out)
    assert.matches('/meetings: {[^\n]*"meetings":300', out)
    assert.matches('/meetings%?transport=ngx: {[^\n]*"meetings":300', out)
  end)
end)
