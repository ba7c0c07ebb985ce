-- The poll budget of realtimekit.new (for frame loops): a poll settles at most so many finished
-- calls, or stops settling after so many milliseconds; the rest wait, in the order the core
-- reported them, for the next poll. Nothing is lost, reordered or capped in a blocking wait.
local helper = require "helper"
local core = require "realtimekit.core"
local realtimekit = require "realtimekit"

-- Records every list of finished transfers the client's core hands back (through the engine's
-- host, whose wait it wraps). The first time n transfers are under way, it holds them back
-- until all n have finished (or 10 s passed), so that n calls end in one poll, as when several
-- pages arrive between two frames.
local function record(c, n)
  local host = c.engine.host
  local wait = host.wait
  local log = { batches = {} }
  host.wait = function(transport, timeout, stop)
    local ids
    if n and transport:running() >= n then
      ids = {}
      local deadline = core.monotonic() + 10
      repeat
        local more = wait(transport, 0.05, stop)
        for i = 1, #more do ids[#ids + 1] = more[i] end
      until #ids >= n or core.monotonic() > deadline
      n = nil
    else
      ids = wait(transport, timeout, stop)
    end
    if #ids > 0 then log.batches[#log.batches + 1] = ids end
    return ids
  end
  return log
end

-- A client whose on_request hook counts the calls settled; `settled.n` is the running count,
-- `settled.order` the per_page of each settled list call, in the order they settled.
local function counting_client(opts)
  local settled = { n = 0, order = {} }
  opts = opts or {}
  opts.on_request = function(info)
    settled.n = settled.n + 1
    settled.order[#settled.order + 1] = tonumber(info.url:match("per_page=(%d+)"))
  end
  local c, s = helper.client(opts)
  return c, s, settled
end

-- Starts list calls of per_page 1..n (page i then holds i meetings).
local function start_lists(c, n)
  local ops = {}
  for i = 1, n do ops[i] = assert(c.async.meetings:list { per_page = i }) end
  return ops
end

local function pending_count(ops)
  local n = 0
  for i = 1, #ops do
    if ops[i]:pending() then n = n + 1 end
  end
  return n
end

-- Polls until nothing is under way (at most 10 s); returns the most calls one poll settled and
-- how many polls it took.
local function drain(settled, poll)
  local most, polls = 0, 0
  local deadline = core.monotonic() + 10
  repeat
    local before = settled.n
    local left = poll()
    polls = polls + 1
    if settled.n - before > most then most = settled.n - before end
    assert(core.monotonic() < deadline, "still under way after 10 s")
    if left > 0 then core.sleep(0.002) end
  until left == 0
  return most, polls
end

describe("poll_budget", function()
  describe("realtimekit.new", function()
    local s
    setup(function() s = helper.server() end)

    local function new(budget)
      return realtimekit.new { api_token = s.token, account_id = s.account_id,
        app_id = s.app_id, base_url = s.url, poll_budget = budget }
    end

    it("takes max_results, ms, both, or false", function()
      assert.is_truthy(new { max_results = 1 })
      assert.is_truthy(new { ms = 0.5 })
      assert.is_truthy(new { max_results = 4, ms = 2 })
      assert.is_truthy(new(false))
    end)

    it("refuses what is not a budget, naming the option", function()
      for _, bad in ipairs {
        {}, { max_results = 0 }, { max_results = 1.5 }, { max_results = "2" },
        { max_results = 0 / 0 }, { ms = 0 }, { ms = -1 }, { ms = 0 / 0 }, { ms = "5" },
        { max_result = 1 }, { [1] = 1 }, 3, "fast", true,
      } do
        local c, _, err = new(bad)
        assert.is_nil(c)
        assert.equal("invalid_argument", err.kind)
        assert.equal("poll_budget", err.param)
      end
    end)
  end)

  it("settles at most max_results calls per poll, in the order the core reported them",
    function()
      local c, _, settled = counting_client { poll_budget = { max_results = 1 } }
      local log = record(c, 8)
      local ops = start_lists(c, 8)
      -- The first poll gets all 8 from the core, and settles one.
      assert.equal(7, c:poll(0))
      assert.equal(1, #log.batches)
      assert.equal(8, #log.batches[1])
      assert.equal(1, settled.n)
      assert.equal(7, pending_count(ops))
      local most, polls = drain(settled, function() return c:poll(0) end)
      assert.equal(1, most)
      assert.equal(7, polls)
      -- Nothing lost: each call has its own page.
      for i = 1, 8 do
        local state, page = ops[i]:poll()
        assert.equal("done", state, tostring(page))
        assert.equal(i, #page.data)
      end
      -- Nothing reordered: the calls settled in the order their transfers were reported.
      local by_id = {}
      for i = 1, 8 do by_id[ops[i].id] = i end
      local reported = {}
      for _, id in ipairs(log.batches[1]) do reported[#reported + 1] = by_id[id] end
      assert.same(reported, settled.order)
      assert.equal(0, c.engine.transport:running())
    end)

  it("settles every finished call in one poll without a budget", function()
    local c, _, settled = counting_client()
    record(c, 8)
    local ops = start_lists(c, 8)
    assert.equal(0, c:poll(0))
    assert.equal(8, settled.n)
    assert.equal(0, pending_count(ops))
  end)

  it("settles in max_results steps through op:poll", function()
    local c, _, settled = counting_client { poll_budget = { max_results = 3 } }
    record(c, 8)
    local ops = start_lists(c, 8)
    -- Each step polls one call still pending (a settled call's poll has nothing to drive);
    -- which calls settle first is the core's order, not the order they were started in.
    local most = drain(settled, function()
      for i = 1, #ops do
        if ops[i]:pending() then
          ops[i]:poll()
          break
        end
      end
      return pending_count(ops)
    end)
    assert.equal(3, most)
    for i = 1, 8 do
      local state, page = ops[i]:poll()
      assert.equal("done", state)
      assert.equal(i, #page.data)
    end
  end)

  it("stops settling once ms have gone into it, after one call at least", function()
    local c, _, settled = counting_client { poll_budget = { ms = 0.001 } }
    record(c, 8)
    local ops = start_lists(c, 8)
    local most, polls = drain(settled, function() return c:poll(0) end)
    assert.equal(1, most)
    assert.is_true(polls >= 8)
    assert.equal(0, pending_count(ops))
  end)

  it("hands a walk every item once and in order, a page per poll at most", function()
    local c, s, settled = counting_client { poll_budget = { max_results = 1 } }
    local log = record(c, 8)
    local data = helper.data().build().apps[helper.data().APP_ID].meetings
    s:config { latency = 0.05 }
    local walk = assert(c.async.meetings:each { per_page = 20, concurrency = 8 })
    local ids = {}
    local most = 0
    local deadline = core.monotonic() + 20
    while true do
      local before = settled.n
      local state, items = walk:poll()
      assert.are_not.equal("failed", state, tostring(items))
      if settled.n - before > most then most = settled.n - before end
      for _, m in ipairs(items) do ids[#ids + 1] = m.id end
      if state == "done" then break end
      assert(core.monotonic() < deadline, "the walk is still going after 20 s")
      core.sleep(0.005)
    end
    assert.equal(1, most)
    local biggest = 0
    for _, b in ipairs(log.batches) do
      if #b > biggest then biggest = #b end
    end
    assert.is_true(biggest >= 8) -- pages did arrive together: the budget had work to hold back
    assert.equal(#data, #ids)
    for i = 1, #data do assert.equal(data[i].id, ids[i]) end
    assert.equal(0, c:poll(0))
  end)

  it("does not cap a blocking wait", function()
    local c, _, settled = counting_client { poll_budget = { max_results = 1 } }
    record(c, 8)
    local ops = start_lists(c, 8)
    local page = assert(ops[1]:wait())
    assert.equal(1, #page.data)
    assert.equal(8, settled.n)
    assert.equal(0, pending_count(ops))
    -- A blocking call settles what a budgeted poll left too.
    record(c, 4)
    ops = start_lists(c, 4)
    assert.equal(3, c:poll(0)) -- one settled, three left
    page = assert(c.meetings:list { per_page = 9 })
    assert.equal(9, #page.data)
    assert.equal(0, pending_count(ops))
    assert.equal(0, c:poll(0))
  end)

  it("lets a call be cancelled while its finished transfer waits to be settled", function()
    local c, _, settled = counting_client { poll_budget = { max_results = 1 } }
    local log = record(c, 4)
    local ops = start_lists(c, 4)
    assert.equal(3, c:poll(0))
    assert.equal(4, #log.batches[1])
    local by_id = {}
    for i = 1, 4 do by_id[ops[i].id] = i end
    local waiting = by_id[log.batches[1][3]] -- the third reported: still waiting
    ops[waiting]:cancel()
    assert.equal("cancelled", (ops[waiting]:poll()))
    drain(settled, function() return c:poll(0) end)
    assert.equal(3, settled.n)
    for i = 1, 4 do
      if i ~= waiting then assert.equal("done", (ops[i]:poll())) end
    end
    assert.equal(0, c.engine.transport:running())
  end)
end)
