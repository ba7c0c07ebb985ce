-- A deadline per call: `deadline = S` (a client option, a call's parameter, client:request's
-- option, a walk's option) bounds every attempt, backoff, 429 pause and budget wait of a call,
-- or of a whole walk; past it the call fails with a `timeout` error. Against the fake server,
-- checking what was sent and what came back; the only bounds on time are generous ones, far
-- from the waits the server was told to make.
local helper = require "helper"
local realtimekit = require "realtimekit"
local socket = require "socket"

-- A client whose waits between attempts are recorded instead of slept.
local function client(opts)
  local waits = {}
  local o = { sleep = function(t) waits[#waits + 1] = t end }
  for k, v in pairs(opts or {}) do o[k] = v end
  local c, s = helper.client(o)
  return c, s, waits
end

-- Runs fn and returns what it returned and the seconds it took.
local function timed(fn)
  local t0 = socket.gettime()
  local a, b = fn()
  return a, b, socket.gettime() - t0
end

-- The error of a call that met its deadline.
local function past(err, seconds, attempts)
  assert.is_true(realtimekit.is_error(err), tostring(err))
  assert.equal("timeout", err.kind)
  assert.equal(seconds, err.deadline)
  assert.equal(attempts, err.attempts)
  assert.matches("deadline of " .. seconds .. " s", tostring(err), 1, true)
end

-- Far less than the 30 s the server was told to wait, far more than any deadline here.
local LONG_BEFORE = 15

describe("a deadline", function()
  describe("cuts an attempt short", function()
    it("a call's own: a server that takes 30 s gives a timeout after one attempt", function()
      local heard = {}
      local c, s = client { on_request = function(info) heard[#heard + 1] = info end }
      s:fault { delay = 30 }
      local v, err, took = timed(function() return c.meetings:list { deadline = 1 } end)
      assert.is_nil(v)
      past(err, 1, 1)
      assert.is_true(err.retryable)
      assert.is_nil(err.outcome)
      assert.matches("passed while attempt 1 was under way", err.message, 1, true)
      assert.is_true(took < LONG_BEFORE, "took " .. took)
      assert.equal(1, s:stats().requests)
      -- The hook hears of the attempt cut short.
      assert.equal(1, #heard)
      assert.equal("timeout", heard[1].error)
      assert.is_nil(heard[1].retry_in)
    end)

    it("the client's, for every call, and a call's own over it", function()
      local c, s = client { deadline = 1 }
      s:fault { delay = 30 }
      local _, err, took = timed(function() return c.meetings:list() end)
      past(err, 1, 1)
      assert.is_true(took < LONG_BEFORE, "took " .. took)
      s:reset()
      s:fault { delay = 0.5 }
      assert(c.meetings:list { deadline = 20 })
      assert.equal(1, s:stats().requests)
    end)

    it("client:request's, and an async operation's", function()
      local c, s = client()
      s:fault { delay = 30 }
      local _, err, took = timed(function()
        return c:request("GET", "/accounts/{account_id}/realtime/kit/{app_id}/meetings",
          { deadline = 1 })
      end)
      past(err, 1, 1)
      assert.is_true(took < LONG_BEFORE, "took " .. took)

      s:reset()
      s:fault { delay = 30 }
      local op = assert(c.async.meetings:list { deadline = 1 })
      local limit = socket.gettime() + LONG_BEFORE
      while op:pending() and socket.gettime() < limit do c:poll(0.05) end
      local state, e = op:poll()
      assert.equal("failed", state)
      past(e, 1, 1)
      assert.equal(1, s:stats().requests)
    end)

    it("of a write, whose outcome is then unknown", function()
      local c, s = client()
      s:fault { delay = 30 }
      local v, err, took = timed(function()
        return c.meetings:create { title = "Standup", deadline = 1 }
      end)
      assert.is_nil(v)
      past(err, 1, 1)
      assert.equal("unknown", err.outcome)
      assert.is_false(err.retryable)
      assert.matches("outcome unknown", tostring(err), 1, true)
      assert.is_true(took < LONG_BEFORE, "took " .. took)
      assert.equal(1, s:stats().requests)
    end)

    it("by cutting the transport's timeout to what is left", function()
      local seen = {}
      local c = assert(realtimekit.new { account_id = "acc", app_id = "app",
        transport = function(req)
          seen[#seen + 1] = req.timeout
          return 200, '{"success":true,"data":[]}'
        end })
      assert(c.meetings:list { deadline = 5 })
      assert(c.meetings:list { deadline = 5, timeout = 2 })
      assert(c.meetings:list())
      assert.is_true(seen[1] > 0 and seen[1] <= 5, tostring(seen[1]))
      assert.equal(2, seen[2])
      assert.is_nil(seen[3])
    end)
  end)

  describe("is not waited past", function()
    it("for a 429's Retry-After of 20 s with a deadline of 2: no second request", function()
      local c, s, waits = client()
      s:fault { status = 429, headers = { ["Retry-After"] = "20" } }
      local _, err = c.meetings:list { deadline = 2 }
      past(err, 2, 1)
      assert.is_true(err.retryable)
      assert.equal(20, err.retry_after)
      assert.equal(429, err.cause.status)
      assert.matches("would pass before attempt 2", err.message, 1, true)
      assert.equal(1, s:stats().requests)
      assert.same({}, waits)
    end)

    it("for a backoff", function()
      local c, s, waits = client()
      s:fault { status = 503 }
      local _, err = c.meetings:list { deadline = 0.3 }
      past(err, 0.3, 1)
      assert.equal(503, err.cause.status)
      assert.equal(1, s:stats().requests)
      assert.same({}, waits)
    end)

    it("for the rate-limit budget", function()
      local c, s, waits = client { rate_limit = { limit = 1, window = 30 }, max_retry_wait = 60 }
      assert(c.meetings:list { deadline = 2 })
      local _, err = c.meetings:list { deadline = 2 }
      past(err, 2, 0)
      assert.matches("the token budget of 1 requests per 30 s", err.message, 1, true)
      assert.equal(1, s:stats().requests)
      assert.same({}, waits)
    end)

    it("for a request queued behind one the budget holds back", function()
      local c, s = helper.client { rate_limit = { limit = 1, window = 1.5 } }
      assert(c.meetings:list { per_page = 1 })
      local first = assert(c.async.meetings:list { per_page = 2 })
      local second = assert(c.async.meetings:list { per_page = 3, deadline = 0.3 })
      local state, err = second:wait()
      assert.is_nil(state)
      past(err, 0.3, 0)
      assert.matches("passed before the request could be sent", err.message, 1, true)
      assert(first:wait())
      assert.equal(2, s:stats().requests)
    end)
  end)

  it("lets the retries that fit in it be made", function()
    local c, s = helper.client()
    s:fault { status = 503, headers = { ["retry-after-ms"] = "50" } }
    assert(c.meetings:list { deadline = 20 })
    assert.equal(2, s:stats().requests)
  end)

  describe("of a walk", function()
    it("bounds the whole walk: over slow pages it stops with a timeout", function()
      local c, s = helper.client()
      s:config { latency = 1 }
      local n = 0
      local t0 = socket.gettime()
      local err = helper.raised(function()
        for _ in c.meetings:each { per_page = 10, concurrency = 1, deadline = 2.5 } do
          n = n + 1
        end
      end)
      past(err, 2.5, 1)
      assert.matches("the walk's deadline", err.message, 1, true)
      assert.is_true(n < 300)
      assert.is_true(socket.gettime() - t0 < LONG_BEFORE)
      -- At most three pages fit in 2.5 s at 1 s each.
      assert.is_true(s:stats().requests <= 3, tostring(s:stats().requests))
    end)

    it("bounds a walk driven by polling, and fails it again, sending nothing, when asked on",
      function()
      local c, s = helper.client()
      s:config { latency = 1 }
      local walk = assert(c.async.meetings:each { per_page = 10, concurrency = 2, deadline = 1.5 })
      local state, v
      local limit = socket.gettime() + LONG_BEFORE
      repeat
        state, v = walk:poll()
        if state == "pending" then c:poll(0.05) end
      until state ~= "pending" or socket.gettime() > limit
      assert.equal("failed", state)
      past(v, 1.5, 1)
      local asked = s:stats().requests
      state, v = walk:poll()
      assert.equal("failed", state)
      assert.equal("timeout", v.kind)
      assert.equal(asked, s:stats().requests)
    end)

    it("while the client's deadline bounds each page", function()
      local c, s = helper.client { deadline = 3 }
      s:config { latency = 0.4 }
      local n = #helper.collect(c.meetings:each { per_page = 30, concurrency = 1 })
      assert.equal(300, n)
      assert.equal(10, s:stats().requests)
    end)
  end)

  it("is checked", function()
    assert(realtimekit.new { api_token = "t", deadline = 0.5 })
    local _, _, problem = realtimekit.new { api_token = "t", deadline = 0 }
    assert.equal("deadline: expected a number of seconds greater than 0 (at most 2147483), got 0",
      problem.message)
    for _, bad in ipairs { 0, -1, "1", 0 / 0, 1e9, true } do
      local c, _, err = realtimekit.new { api_token = "t", deadline = bad }
      assert.is_nil(c)
      assert.equal("deadline", err.param)
      local cl = helper.client()
      local _, e = cl.meetings:list { deadline = bad }
      assert.equal("deadline", e.param)
      _, e = cl:request("GET", "/x", { deadline = bad })
      assert.equal("deadline", e.param)
      e = helper.raised(function() return cl.meetings:each { deadline = bad } end)
      assert.equal("deadline", e.param)
      _, e = cl.async.meetings:each { deadline = bad }
      assert.equal("deadline", e.param)
    end
  end)
end)
