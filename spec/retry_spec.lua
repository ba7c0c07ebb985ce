-- The retry policy, fault by fault through the fake server: what is retried, how long it waits,
-- and how many requests reach the server.
local helper = require "helper"
local realtimekit = require "realtimekit"
local socket = require "socket"

-- A client whose waits are recorded instead of slept.
local function client(opts)
  local waits = {}
  local o = { sleep = function(s) waits[#waits + 1] = s end }
  for k, v in pairs(opts or {}) do o[k] = v end
  local c, s = helper.client(o)
  return c, s, waits
end

-- A request of `method` on the meetings path, whatever the API's rows say of it (client:request
-- takes the same retry policy as every call), to check the policy per method: the whole body.
local function request(c, method)
  return c:request(method, "/accounts/{account_id}/realtime/kit/{app_id}/meetings")
end

-- Whether a recorded wait is the asked one: the time left when the wait starts, which is the
-- asked time less the moments since the answer arrived.
local function near(asked, waited)
  return waited <= asked and waited > asked - 0.05
end

local OK_OBJECT = '{"success":true,"data":{"id":"00000000-0000-4000-8000-000000000001"}}'

describe("retries", function()
  describe("of a GET", function()
    for _, status in ipairs { 408, 409, 429, 500, 502, 503, 504 } do
      it("retries a " .. status .. " and returns the next attempt's result", function()
        local c, s, waits = client()
        s:fault { status = status }
        local page = assert(c.meetings:list { per_page = 2 })
        assert.equal(2, #page.data)
        assert.equal(2, s:stats().requests)
        assert.equal(1, #waits)
      end)
    end

    for _, status in ipairs { 400, 401, 403, 404, 422 } do
      it("does not retry a " .. status, function()
        local c, s, waits = client()
        s:fault { status = status }
        local _, err = c.meetings:list()
        assert.equal(status, err.status)
        assert.equal(1, err.attempts)
        assert.equal(1, s:stats().requests)
        assert.same({}, waits)
      end)
    end

    it("backs off from 0.5 s, doubling, with up to a quarter less at random", function()
      local c, s, waits = client { max_retries = 5 }
      s:fault { status = 503, times = 5 }
      assert(c.meetings:list())
      assert.equal(6, s:stats().requests)
      for i, nominal in ipairs { 0.5, 1, 2, 4, 8 } do
        assert.is_true(waits[i] <= nominal and waits[i] >= nominal * 0.75,
          "wait " .. i .. " was " .. waits[i])
      end
    end)

    it("caps the backoff at 8 s", function()
      local c, s, waits = client { max_retries = 7 }
      s:fault { status = 500, times = 7 }
      assert(c.meetings:list())
      assert.is_true(waits[6] <= 8 and waits[6] >= 6)
      assert.is_true(waits[7] <= 8 and waits[7] >= 6)
    end)

    it("gives up after max_retries with the last attempt's error and the count", function()
      local c, s, waits = client()
      s:fault { status = 503, times = 2 }
      s:fault { status = 502, body = "<html>bad gateway</html>" }
      local page, err = c.meetings:list()
      assert.is_nil(page)
      assert.equal("api", err.kind)
      assert.equal(502, err.status)
      assert.equal(3, err.attempts)
      assert.equal(2, #waits)
      assert.equal(3, s:stats().requests)
      assert.matches("after 3 attempts", tostring(err))
    end)

    it("takes max_retries from the client and from the call", function()
      local c, s = client { max_retries = 0 }
      s:fault { status = 500, times = 10 }
      local _, err = c.meetings:list()
      assert.equal(1, err.attempts)
      _, err = c.meetings:list { max_retries = 3 }
      assert.equal(4, err.attempts)
      assert.equal(5, s:stats().requests)
      for _, bad in ipairs { -1, 1.5, 11, "2" } do
        local _, e = c.meetings:list { max_retries = bad }
        assert.equal("max_retries", e.param)
        assert.is_nil(realtimekit.new { api_token = "t", max_retries = bad })
      end
      assert.equal(5, s:stats().requests)
    end)

    it("obeys x-should-retry either way", function()
      local c, s = client()
      s:fault { status = 400, headers = { ["x-should-retry"] = "true" } }
      assert(c.meetings:list())
      assert.equal(2, s:stats().requests)
      s:reset()
      s:fault { status = 503, headers = { ["x-should-retry"] = "false" } }
      local _, err = c.meetings:list()
      assert.equal(503, err.status)
      assert.equal(1, s:stats().requests)
    end)

    it("does not retry a response it cannot decode", function()
      local c, s = client()
      s:fault { status = 200, body = "<html>captive portal</html>" }
      local _, err = c.meetings:list()
      assert.equal("decode", err.kind)
      assert.equal(1, s:stats().requests)
    end)
  end)

  describe("waits", function()
    it("as long as Retry-After says, in seconds", function()
      local c, s, waits = client()
      s:fault { status = 429, headers = { ["Retry-After"] = "3" } }
      assert(c.meetings:list())
      assert.equal(1, #waits)
      assert.is_true(near(3, waits[1]), tostring(waits[1]))
    end)

    it("as retry-after-ms says, before Retry-After", function()
      local c, s, waits = client()
      s:fault { status = 429, headers = { ["retry-after-ms"] = "250", ["Retry-After"] = "9" } }
      assert(c.meetings:list())
      assert.equal(1, #waits)
      assert.is_true(near(0.25, waits[1]), tostring(waits[1]))
    end)

    it("until the HTTP date Retry-After gives", function()
      local c, s, waits = client()
      local target = os.time() + 5
      local date = os.date("!%a, %d %b %Y %H:%M:%S GMT", target)
      s:fault { status = 503, headers = { ["Retry-After"] = date } }
      local before = socket.gettime()
      assert(c.meetings:list())
      local after = socket.gettime()
      -- Until that second, as the clock read during the call saw it (a date counts whole
      -- seconds, from os.time()'s whole second, which may be up to one before `before`: one
      -- either way).
      assert.is_true(waits[1] >= target - after - 1
        and waits[1] <= target - math.floor(before) + 1, tostring(waits[1]))
    end)

    it("not at all beyond max_retry_wait: the error carries the wait", function()
      local c, s, waits = client()
      s:fault { status = 429, headers = { ["Retry-After"] = "120" } }
      local _, err = c.meetings:list()
      assert.equal(429, err.status)
      assert.equal(120, err.retry_after)
      assert.matches("retry after 120s", tostring(err))
      assert.same({}, waits)
      assert.equal(1, s:stats().requests)

      c, s, waits = client { max_retry_wait = 300 }
      s:fault { status = 429, headers = { ["Retry-After"] = "120" } }
      assert(c.meetings:list())
      assert.equal(1, #waits)
      assert.is_true(near(120, waits[1]), tostring(waits[1]))
    end)

    it("with a real sleep by default", function()
      local c, s = helper.client()
      s:fault { status = 503, headers = { ["retry-after-ms"] = "200" } }
      local t0 = socket.gettime()
      assert(c.meetings:list())
      assert.is_true(socket.gettime() - t0 >= 0.2)
    end)
  end)

  describe("of transport failures", function()
    it("retries a dropped connection", function()
      local c, s, waits = client { max_retries = 1 }
      s:fault { drop = true }
      assert(c.meetings:list())
      assert.equal(1, #waits)
    end)

    it("retries a truncated body", function()
      local c, s, waits = client()
      s:fault { truncate = true }
      local page = assert(c.meetings:list { per_page = 3 })
      assert.equal(3, #page.data)
      assert.equal(2, s:stats().requests)
      assert.equal(1, #waits)
    end)

    it("retries a refused connection, then says network", function()
      local probe = assert(socket.bind("127.0.0.1", 0))
      local _, port = probe:getsockname()
      probe:close()
      local c, _, waits = client { base_url = "http://127.0.0.1:" .. port .. "/client/v4" }
      local _, err = c.meetings:list()
      assert.equal("network", err.kind)
      assert.equal("COULDNT_CONNECT", err.transport_code)
      assert.equal(3, err.attempts)
      assert.equal(2, #waits)
    end)

    it("times out each attempt, never hangs, and retries a timeout", function()
      local c, s = client { timeout = 0.3 }
      -- The server holds the three attempts until released: each can only end at its timeout.
      s:fault { hold = true, times = 3 }
      local _, err = c.meetings:list()
      assert.equal("timeout", err.kind)
      assert.equal(3, err.attempts)
      s:release()
      s:fault { hold = true }
      assert(c.meetings:list())
      s:release()
    end)

    it("does not retry TLS failures", function()
      local s = helper.server()
      local waits = {}
      local c = helper.client { base_url = s.tls_url,
                                sleep = function(w) waits[#waits + 1] = w end }
      local _, err = c.meetings:list()
      assert.equal("tls", err.kind)
      assert.equal(1, err.attempts)
      assert.same({}, waits)
    end)
  end)

  describe("of POST and PATCH", function()
    for _, method in ipairs { "POST", "PATCH" } do
      it(method .. ": not after a 500, a plain 503, a drop or a timeout", function()
        local c, s, waits = client { timeout = 0.5 }
        for _, f in ipairs { { status = 500 }, { status = 503 }, { drop = true }, { delay = 3 },
                             { status = 500, headers = { ["x-should-retry"] = "true" } } } do
          s:reset()
          s:fault(f)
          s:fault { status = 200, body = OK_OBJECT }
          local v, err = request(c, method)
          assert.is_nil(v)
          assert.equal(1, err.attempts)
          assert.equal(1, s:stats().requests)
          assert.equal(method, s:requests()[1].method)
        end
        assert.same({}, waits)
      end)

      it(method .. ": after a 429, with or without Retry-After", function()
        local c, s, waits = client()
        for _, f in ipairs { { status = 429 },
                             { status = 429, headers = { ["Retry-After"] = "1" } } } do
          s:reset()
          s:fault(f)
          s:fault { status = 200, body = OK_OBJECT }
          local v = assert(request(c, method))
          assert.equal("00000000-0000-4000-8000-000000000001", v.data.id)
          assert.equal(2, s:stats().requests)
        end
        assert.equal(2, #waits)
      end)

      it(method .. ": not after a 503 with Retry-After, whose outcome is unknown", function()
        local c, s, waits = client()
        s:fault { status = 503, headers = { ["Retry-After"] = "1" } }
        s:fault { status = 200, body = OK_OBJECT }
        local v, err = request(c, method)
        assert.is_nil(v)
        assert.equal(503, err.status)
        assert.equal("unknown", err.outcome)
        assert.is_false(err.retryable)
        assert.equal(1, s:stats().requests)
        assert.same({}, waits)
      end)

      it(method .. ": after a refused connection", function()
        local probe = assert(socket.bind("127.0.0.1", 0))
        local _, port = probe:getsockname()
        probe:close()
        local c, _, waits = client { base_url = "http://127.0.0.1:" .. port .. "/client/v4" }
        local _, err = request(c, method)
        assert.equal(3, err.attempts)
        assert.equal(2, #waits)
      end)

      it(method .. ": never sent twice by libcurl on a kept-alive connection", function()
        local c, s = client()
        assert(c.meetings:list { per_page = 1 })
        s:fault { drop = true }
        local _, err = request(c, method)
        assert.equal("network", err.kind)
        assert.equal(2, s:stats().requests)
      end)
    end

    for _, method in ipairs { "PUT", "DELETE" } do
      it(method .. " is retried like GET", function()
        local c, s = client()
        s:fault { status = 500 }
        s:fault { status = 200, body = OK_OBJECT }
        assert(request(c, method))
        assert.equal(2, s:stats().requests)
      end)
    end
  end)

  describe("writes whose outcome is unknown", function()
    local MEETING = "00000000-0000-4000-8000-000000000001"
    local function write(c, method)
      if method == "POST" then return c.meetings:create { title = "Standup" } end
      return c.meetings:update(helper.data().build().apps[c.app_id].meetings[1].id,
        { title = "Standup" })
    end

    local function refused_port()
      local probe = assert(socket.bind("127.0.0.1", 0))
      local _, port = probe:getsockname()
      probe:close()
      return port
    end

    for _, method in ipairs { "POST", "PATCH" } do
      local after_sending = {
        { "a timeout after the request arrived", { delay = 3 }, "timeout" },
        { "a connection dropped after the request", { drop = true }, "network" },
        { "a cut answer", { truncate = true }, "network" },
        { "a 500", { status = 500 }, "api" },
        { "a 502", { status = 502, body = "<html>bad gateway</html>" }, "api" },
        { "a 503", { status = 503 }, "api" },
        { "a 503 with Retry-After", { status = 503, headers = { ["Retry-After"] = "1" } }, "api" },
        { "a 500 whose x-should-retry says true",
          { status = 500, headers = { ["x-should-retry"] = "true" } }, "api" },
      }
      for _, case in ipairs(after_sending) do
        it(method .. " after " .. case[1] .. ": not retryable, outcome unknown, sent once",
          function()
          local c, s, waits = client { timeout = 0.5 }
          s:fault(case[2])
          s:fault { status = 200, body = '{"success":true,"data":{"id":"' .. MEETING .. '"}}' }
          local v, err = write(c, method)
          assert.is_nil(v)
          assert.equal(case[3], err.kind)
          assert.equal("unknown", err.outcome)
          assert.is_false(err.retryable)
          assert.equal(1, err.attempts)
          assert.matches("(outcome unknown: the write may have taken effect)", tostring(err), 1,
            true)
          assert.equal(1, s:stats().requests)
          assert.equal(method, s:requests()[1].method)
          assert.same({}, waits)
        end)
      end

      it(method .. " refused a connection: nothing was sent, retryable, retried, no outcome",
        function()
        local c, _, waits = client { base_url = "http://127.0.0.1:" .. refused_port()
          .. "/client/v4" }
        local v, err = write(c, method)
        assert.is_nil(v)
        assert.equal("network", err.kind)
        assert.equal("COULDNT_CONNECT", err.transport_code)
        assert.is_true(err.retryable)
        assert.is_nil(err.outcome)
        assert.equal(3, err.attempts)
        assert.equal(2, #waits)
        assert.is_nil(tostring(err):find("outcome", 1, true))
      end)

      it(method .. " met a 429: refused, retryable, no outcome", function()
        local c, s = client { max_retries = 0 }
        s:fault { status = 429, headers = { ["Retry-After"] = "1" } }
        local v, err = write(c, method)
        assert.is_nil(v)
        assert.equal(429, err.status)
        assert.is_true(err.retryable)
        assert.is_nil(err.outcome)
        assert.equal(1, s:stats().requests)
      end)

      it(method .. " met a 4xx: refused, no outcome", function()
        local c, s = client()
        s:fault { status = 422 }
        local _, err = write(c, method)
        assert.equal(422, err.status)
        assert.is_nil(err.outcome)
        assert.equal(1, s:stats().requests)
      end)
    end

    it("does not say so of a GET, PUT or DELETE: they are retried, and their errors retryable",
      function()
      local c, s = client { timeout = 0.5, max_retries = 0 }
      local id = helper.data().build().apps[s.app_id].meetings[1].id
      local calls = {
        function() return c.meetings:list() end,
        function() return c.meetings:replace(id, { title = "Standup" }) end,
        function() return c.webhooks:delete(MEETING) end,
      }
      for _, call in ipairs(calls) do
        for _, f in ipairs { { delay = 3 }, { drop = true }, { status = 503 } } do
          s:reset()
          s:fault(f)
          local _, err = call()
          assert.is_true(err.retryable)
          assert.is_nil(err.outcome)
        end
      end
    end)
  end)

  describe("in a walk", function()
    it("retries the failing page and loses or repeats nothing", function()
      local c, s = client()
      s:fault { status = 503, match = "page_no=2" }
      s:fault { drop = true, match = "page_no=3" }
      local seen, n = {}, 0
      for m in c.meetings:each() do
        assert.is_nil(seen[m.id])
        seen[m.id] = true
        n = n + 1
      end
      assert.equal(300, n)
      local asked = {}
      for _, r in ipairs(s:requests()) do asked[r.query] = (asked[r.query] or 0) + 1 end
      assert.same({ ["page_no=1&per_page=100"] = 1, ["page_no=2&per_page=100"] = 2,
                    ["page_no=3&per_page=100"] = 2 }, asked)
    end)

    it("raises the last error with its attempts when a page keeps failing", function()
      local c, s = client()
      s:fault { status = 500, match = "page_no=2", times = 3 }
      local n = 0
      local err = helper.raised(function() for _ in c.meetings:each() do n = n + 1 end end)
      assert.equal(100, n)
      assert.equal(500, err.status)
      assert.equal(3, err.attempts)
      local asked = 0
      for _, r in ipairs(s:requests()) do
        if r.query == "page_no=2&per_page=100" then asked = asked + 1 end
      end
      assert.equal(3, asked)
    end)
  end)

  describe("on_request", function()
    it("hears of every attempt, with its outcome and the wait before the next", function()
      local seen = {}
      local c, s = client { on_request = function(info) seen[#seen + 1] = info end }
      s:fault { status = 503, headers = { ["retry-after-ms"] = "10" } }
      assert(c.meetings:list { per_page = 2 })
      assert.equal(2, #seen)
      assert.equal("GET", seen[1].method)
      assert.equal(1, seen[1].attempt)
      assert.equal(503, seen[1].status)
      assert.equal("api", seen[1].error)
      assert.equal(0.01, seen[1].retry_in)
      assert.is_string(seen[1].cf_ray)
      assert.equal(2, seen[2].attempt)
      assert.equal(200, seen[2].status)
      assert.is_nil(seen[2].error)
      assert.is_true(seen[2].seconds >= 0)
      assert.matches("/meetings%?per_page=2$", seen[2].url)
      for _, info in ipairs(seen) do
        for _, v in pairs(info) do
          if type(v) == "string" then assert.is_nil(v:find(s.token, 1, true)) end
        end
      end
    end)

    it("hears of the attempts of operations and parallel pages too", function()
      local seen = {}
      local c, s = client { on_request = function(info) seen[#seen + 1] = info end }
      s:config { meetings_total = 1000 }
      assert.equal(1000, #helper.collect(c.meetings:each { concurrency = 4 }))
      assert.equal(10, #seen)
      seen = {}
      s:fault { status = 500 }
      local first = helper.data().build().apps[s.app_id].meetings[1]
      local op = assert(c.async.meetings:get(first.id))
      while op:poll() == "pending" do c:poll(0.01) end
      assert.equal(2, #seen)
      assert.equal(500, seen[1].status)
    end)

    it("must be a function", function()
      assert.is_nil(realtimekit.new { api_token = "t", on_request = true })
    end)
  end)

  describe("connections", function()
    it("replaces a kept-alive connection the server closed", function()
      local c, s = client { max_retries = 0 }
      s:fault { close = true }
      assert(c.meetings:list { per_page = 1 })
      assert(c.meetings:list { per_page = 1 })
      assert(c.meetings:list { per_page = 1 })
      assert.same({ requests = 3, connections = 2 }, s:stats())
    end)
  end)

  describe("large responses", function()
    it("refuses a body above max_body without retrying", function()
      local c, s = client { max_body = 100000 }
      s:fault { status = 200,
                body = '{"success":true,"data":[],"pad":"' .. string.rep("x", 200000) .. '"}' }
      local _, err = c.meetings:list()
      assert.equal("decode", err.kind)
      assert.matches("larger than the limit of 100000 bytes", err.message)
      assert.equal(1, s:stats().requests)
      assert(c.meetings:list())
      assert.is_nil(realtimekit.new { api_token = "t", max_body = 0 })
    end)
  end)
end)
