-- The engine under load and under a hostile hook: more operations than transfers, and an
-- on_request hook that cancels operations or raises, in the middle of client:poll.
local helper = require "helper"
local core = require "realtimekit.core"

-- Makes the client's polls hand back finished transfers in batches of at least n (or all that
-- end before the deadline), so that several operations settle in the same client:poll: the
-- engine's host waits for them so (a host's functions are the engine's own to wrap).
local function batch(c, n)
  local host = c.engine.host
  local wait = host.wait
  host.wait = function(transport, timeout, stop)
    local all, deadline = {}, core.monotonic() + 5
    repeat
      local ids = wait(transport, 0.05, stop)
      for i = 1, #ids do all[#all + 1] = ids[i] end
    until #all >= n or core.monotonic() > deadline or timeout == 0 and #all > 0
    return all
  end
end

-- Polls the client until nothing is under way, for at most 10 seconds.
local function drain(c)
  local deadline = core.monotonic() + 10
  while c:poll(0.2) > 0 do
    assert(core.monotonic() < deadline, "still under way after 10 s")
  end
end

-- Polls op until it settles, for at most 10 seconds; returns its state and value.
local function settled(op)
  local deadline = core.monotonic() + 10
  while true do
    local state, v = op:poll()
    if state ~= "pending" then return state, v end
    assert(core.monotonic() < deadline, "still pending after 10 s")
    core.sleep(0.01)
  end
end

describe("realtimekit.engine", function()
  it("runs a blocking call made while 64 async operations are in flight", function()
    local c, s = helper.client()
    s:fault { delay = 1, match = "per_page=7", times = 64 }
    local ops = {}
    for i = 1, 64 do ops[i] = assert(c.async.meetings:list { per_page = 7 }) end
    -- It takes the first transfer the 64 free (a call stuck behind them would end in a
    -- timeout error after 60 s).
    local page, err = c.meetings:list { per_page = 3 }
    assert.is_nil(err)
    assert.equal(3, #page.data)
    for i = 1, 64 do
      local v, e = ops[i]:wait()
      assert.is_nil(e, tostring(e))
      assert.equal(7, #v.data)
    end
    assert.equal(65, s:stats().requests)
    assert.equal(0, c:poll(0))
  end)

  it("queues beyond 64 without the core ever running out of transfers", function()
    local c, s = helper.client()
    s:fault { delay = 0.5, match = "per_page=2", times = 100 }
    local ops = {}
    for i = 1, 100 do ops[i] = assert(c.async.meetings:list { per_page = 2 }) end
    assert.equal(64, c.engine.transport:running())
    drain(c)
    for i = 1, 100 do
      local state, v = ops[i]:poll()
      assert.equal("done", state, tostring(v))
    end
  end)

  describe("with an on_request hook", function()
    it("lets the hook cancel another operation that ended in the same poll", function()
      local victim
      local c = helper.client { on_request = function(info)
        if info.url:find("per_page=1", 1, true) and victim then victim:cancel() end
      end }
      batch(c, 2)
      local first = assert(c.async.meetings:list { per_page = 1 })
      victim = assert(c.async.meetings:list { per_page = 2 })
      drain(c)
      assert.equal("done", (first:poll()))
      assert.is_true(victim:poll() == "cancelled" or victim:poll() == "done")
      assert.equal(0, c:poll(0))
      assert.equal(0, c.engine.transport:running())
      local page = assert(c.meetings:list { per_page = 4 }) -- the engine still works
      assert.equal(4, #page.data)
    end)

    it("lets the hook cancel the very operation it is told about", function()
      local op
      local c, s = helper.client { on_request = function(info)
        if info.url:find("per_page=1", 1, true) then op:cancel() end
      end }
      op = assert(c.async.meetings:list { per_page = 1 })
      assert.equal("cancelled", (settled(op)))
      -- The count stays right: one slow operation is one under way, not none.
      s:fault { delay = 0.5, match = "per_page=3" }
      local slow = assert(c.async.meetings:list { per_page = 3 })
      assert.equal(1, c:poll(0))
      local state, page = settled(slow)
      assert.equal("done", state)
      assert.equal(3, #page.data)
      assert.equal(0, c:poll(0))
    end)

    it("raises the hook's error out of poll, with every finished operation settled", function()
      local calls = 0
      local c = helper.client { on_request = function()
        calls = calls + 1
        error({ mine = true })
      end }
      batch(c, 2)
      local a = assert(c.async.meetings:list { per_page = 1 })
      local b = assert(c.async.meetings:list { per_page = 2 })
      local ok, err
      local deadline = core.monotonic() + 10
      repeat
        ok, err = pcall(c.poll, c, 1)
      until not ok or core.monotonic() > deadline
      assert.is_false(ok)
      assert.same({ mine = true }, err)
      assert.equal(2, calls) -- both told, though the first raised
      local state, page = settled(a)
      assert.equal("done", state)
      assert.equal(1, #page.data)
      state, page = settled(b)
      assert.equal("done", state)
      assert.equal(2, #page.data)
      assert.equal(0, c:poll(0))
    end)

    it("raises the hook's error out of a blocking call, and the next call works", function()
      local fail = true
      local c = helper.client { on_request = function()
        if fail then error("hook failed", 0) end
      end }
      local ok, err = pcall(c.meetings.list, c.meetings, { per_page = 1 })
      assert.is_false(ok)
      assert.equal("hook failed", err)
      fail = false
      local page = assert(c.meetings:list { per_page = 2 })
      assert.equal(2, #page.data)
      assert.equal(0, c:poll(0))
    end)

    it("reports a failed attempt's retry, and keeps retrying, when the hook raises", function()
      local c, s = helper.client { max_retries = 1, on_request = function(info)
        if info.error then error("seen " .. info.error, 0) end
      end }
      s:fault { status = 503, headers = { ["retry-after-ms"] = "10" } }
      local op = assert(c.async.meetings:list { per_page = 2 })
      local ok, err
      local deadline = core.monotonic() + 10
      repeat
        ok, err = pcall(c.poll, c, 0.2)
      until not ok or core.monotonic() > deadline
      assert.is_false(ok)
      assert.equal("seen api", err)
      local state, page = settled(op) -- the retry it was waiting for is made
      assert.equal("done", state)
      assert.equal(2, #page.data)
      assert.equal(2, s:stats().requests)
    end)
  end)
end)
