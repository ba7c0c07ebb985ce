-- Pages fetched several at once, and calls and walks driven by polling from a loop that must
-- not block.
local helper = require "helper"
local cjson = require "cjson"

-- The id the fake server gives meeting i of a grown data set (i > 300).
local function grown_id(i) return string.format("%08x-0000-4000-8000-%012x", i, i) end

local function queries(s)
  local out = {}
  for _, r in ipairs(s:requests()) do out[#out + 1] = r.query end
  table.sort(out)
  return out
end

describe("concurrency", function()
  local data, meetings
  setup(function()
    data = helper.data()
    meetings = data.build().apps[data.APP_ID].meetings
  end)

  it("walks every page once, yielding items in order, over several connections", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000, latency = 0.02 }
    local n = 0
    for m in c.meetings:each { concurrency = 4 } do
      n = n + 1
      if n <= 300 then assert.equal(meetings[n].id, m.id) else assert.equal(grown_id(n), m.id) end
    end
    assert.equal(1000, n)
    local st = s:stats()
    assert.equal(10, st.requests)
    assert.is_true(st.connections > 1 and st.connections <= 4, "connections " .. st.connections)
    local expect = {}
    for i = 1, 10 do expect[i] = "page_no=" .. i .. "&per_page=100" end
    table.sort(expect)
    assert.same(expect, queries(s))
  end)

  it("shares one HTTP/2 connection over TLS", function()
    local s = helper.server()
    local c = helper.client { base_url = s.tls_url, ca_file = s.ca_file }
    s:config { meetings_total = 2000, latency = 0.02 }
    assert.equal(2000, #helper.collect(c.meetings:each { concurrency = 8 }))
    assert.same({ requests = 20, connections = 1 }, s:stats())
  end)

  it("holds at most `concurrency` pages at once", function()
    local c, s = helper.client()
    s:config { meetings_total = 3000 }
    local it, st, ctl, pager = c.meetings:each { concurrency = 3, per_page = 50 }
    local most, n = 0, 0
    for _ in it, st, ctl, pager do
      n = n + 1
      local held = #pager.window + #pager.ready
      if held > most then most = held end
    end
    assert.equal(3000, n)
    assert.is_true(most <= 3, "held " .. most)
  end)

  it("stops at limit without asking for pages beyond it", function()
    local c, s = helper.client()
    assert.equal(250, #helper.collect(c.meetings:each { concurrency = 8, limit = 250 }))
    assert.equal(3, s:stats().requests)
  end)

  it("retries a failing page in the middle without losing or repeating items", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000 }
    s:fault { status = 503, match = "page_no=3&" }
    s:fault { drop = true, match = "page_no=6&" }
    local seen, n = {}, 0
    for m in c.meetings:each { concurrency = 4 } do
      assert.is_nil(seen[m.id])
      seen[m.id] = true
      n = n + 1
    end
    assert.equal(1000, n)
  end)

  it("raises a page's last error after yielding every item before it", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000 }
    s:fault { status = 500, match = "page_no=3&", times = 3 }
    local n = 0
    local err = helper.raised(function()
      for _ in c.meetings:each { concurrency = 4 } do n = n + 1 end
    end)
    assert.equal(200, n)
    assert.equal(500, err.status)
    assert.equal(3, err.attempts)
  end)

  it("has pages under way four at a time unless told otherwise", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000, latency = 0.02 }
    local it, st, ctl, pager = c.meetings:each()
    assert.equal(4, pager.concurrency)
    local most, n = 0, 0
    for _ in it, st, ctl, pager do
      n = n + 1
      local held = #pager.window + #pager.ready
      if held > most then most = held end
    end
    assert.equal(1000, n)
    assert.is_true(most > 1 and most <= 4, "held " .. most)
    local stats = s:stats()
    assert.equal(10, stats.requests)
    assert.is_true(stats.connections > 1 and stats.connections <= 4,
      "connections " .. stats.connections)
  end)

  it("asks for the pages of a list without paging ahead, and ends at the first short one",
    function()
    local c, s = helper.client()
    s:config { latency = 0.02 }
    local sessions = data.build().apps[data.APP_ID].sessions
    local it, st, ctl, pager = c.sessions:each { per_page = 10, concurrency = 6 }
    local got, most = {}, 0
    for sess in it, st, ctl, pager do
      got[#got + 1] = sess.id
      local held = #pager.window + #pager.ready
      if held > most then most = held end
    end
    assert.equal(120, #got)
    for i = 1, 120 do assert.equal(sessions[i].id, got[i]) end
    assert.is_true(most > 1 and most <= 6, "held " .. most)
    -- 12 full pages and the empty 13th; those asked for beyond it are cancelled or dropped.
    local stats = s:stats()
    assert.is_true(stats.requests >= 13 and stats.requests <= 13 + 5,
      "requests " .. stats.requests)
    assert.is_true(stats.connections > 1, "connections " .. stats.connections)
    assert.equal(0, c:poll())
  end)

  it("ends a list without paging at a short page, whatever the pages after it hold", function()
    local c, s = helper.client()
    s:config { latency = 0.02 }
    -- Page 2 is short; the pages after it, asked for ahead, are full.
    local short = cjson.encode { success = true, data = { sessions = { { id = "x" } } } }
    s:fault { status = 200, body = short, match = "page_no=2&", delay = 0.1 }
    local got = helper.collect(c.sessions:each { per_page = 10, concurrency = 4 })
    assert.equal(11, #got)
    assert.equal("x", got[11].id)
  end)

  it("still ends a walk whose pages do not advance", function()
    local c, s = helper.client()
    local function body(first, start, stop)
      local items = {}
      for i = first, first + 1 do items[#items + 1] = { id = grown_id(i) } end
      return cjson.encode { success = true, data = items,
        paging = { start_offset = start, end_offset = stop, total_count = 10 } }
    end
    s:fault { status = 200, body = body(1, 1, 2), match = "page_no=1&" }
    s:fault { status = 200, body = body(3, 1, 2), match = "page_no=2&" }
    local err = helper.raised(function()
      for _ in c.meetings:each { per_page = 2, concurrency = 4 } do end
    end)
    assert.matches("does not advance", err.message)
  end)

  it("refuses a concurrency that is not a whole number from 1 to 32", function()
    local c, s = helper.client()
    for _, v in ipairs { 0, -1, 1.5, 33, "4", true } do
      local err = helper.raised(function() c.meetings:each { concurrency = v } end)
      assert.equal("concurrency", err.param)
    end
    -- Named by its type, as every argument is: never the text of a string or a table's address.
    for v, said in pairs { ["4"] = "a string", [{}] = "a table", [33] = "33" } do
      local err = helper.raised(function() c.meetings:each { concurrency = v } end)
      assert.equal("concurrency: expected a whole number from 1 to 32, got " .. said, err.message)
    end
    assert.equal(0, s:stats().requests)
  end)
end)

describe("polling", function()
  it("runs a call without blocking, then gives its result", function()
    local c, s = helper.client()
    -- The server holds the request until released: every poll meanwhile must come back.
    s:fault { hold = true }
    local op = assert(c.async.meetings:list({ per_page = 3 }))
    local state, page = op:poll()
    assert.equal("pending", state)
    assert.is_truthy(helper.wait_for(function()
      c:poll(0.001)
      assert.equal("pending", (op:poll()))
      return s:held() == 1
    end, 10))
    for _ = 1, 3 do
      c:poll(0.001)
      assert.equal("pending", (op:poll()))
    end
    s:release()
    local frames = 0
    while state == "pending" do
      frames = frames + 1
      c:poll(0.001)
      state, page = op:poll()
    end
    assert.equal("done", state)
    assert.equal(3, #page.data)
    assert.is_true(frames >= 1)
  end)

  it("runs calls side by side", function()
    local c = helper.client()
    local data = helper.data()
    local m = data.build().apps[data.APP_ID].meetings
    local a = assert(c.async.meetings:get(m[1].id))
    local b = assert(c.async.meetings:get(m[2].id))
    local p = assert(c.async.meetings:participants(m[1].id, { per_page = 5 }))
    while c:poll(0.01) > 0 do end
    assert.equal(m[1].id, select(2, a:poll()).id)
    assert.equal(m[2].id, select(2, b:poll()).id)
    assert.equal(250, select(2, p:poll()).paging.total_count)
  end)

  it("walks in frames, items in order, while the pages are in flight", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000 }
    -- Page 5 is held until released: the frames go on, handing out pages 1 to 4 meanwhile.
    s:fault { hold = true, match = "page_no=5&" }
    local walk = assert(c.async.meetings:each({ per_page = 100, concurrency = 4 }))
    local got, frames, state, released = {}, 0, "pending", nil
    while state == "pending" do
      frames = frames + 1
      local items
      state, items = walk:poll()
      for _, m in ipairs(items) do got[#got + 1] = m.id end
      c:poll(0.002) -- the rest of the frame: here, a short wait
      if not released and #got == 400 and s:held() == 1 then
        released = frames
        s:release()
      end
    end
    assert.equal("done", state)
    assert.equal(1000, #got)
    assert.equal(grown_id(1000), got[1000])
    assert.is_truthy(released, "the walk never handed out pages 1 to 4 while page 5 was held")
    assert.is_true(frames > released)
  end)

  it("walks pages when asked for pages", function()
    local c = helper.client()
    local walk = assert(c.async.meetings:pages({ per_page = 100 }))
    local sizes, state = {}
    repeat
      local pages
      state, pages = walk:poll()
      for _, page in ipairs(pages or {}) do sizes[#sizes + 1] = #page.data end
      c:poll(0.01)
    until state ~= "pending"
    assert.same({ 100, 100, 100 }, sizes)
  end)

  it("waits for retries by timers, not by sleeping", function()
    local slept = {}
    local c, s = helper.client { sleep = function(t) slept[#slept + 1] = t end }
    s:fault { status = 503, headers = { ["retry-after-ms"] = "100" } }
    local op = assert(c.async.meetings:list())
    local state, page = op:poll()
    while state == "pending" do
      state, page = op:poll()
    end
    assert.equal("done", state)
    assert.equal(20, #page.data)
    assert.equal(2, s:stats().requests)
    assert.same({}, slept)
  end)

  it("reports a failure, and asks for a failed page again when polled again", function()
    local c, s = helper.client { max_retries = 0 }
    s:fault { status = 500, match = "page_no=2&" }
    local walk = assert(c.async.meetings:each())
    local got, failures, state = 0, 0
    repeat
      local v
      state, v = walk:poll()
      if state == "failed" then
        failures = failures + 1
        assert.equal(500, v.status)
        state = "pending"
      else
        got = got + #v
      end
      c:poll(0.01)
    until state == "done"
    assert.equal(1, failures)
    assert.equal(300, got)
  end)

  it("cancels a walk and its transfers", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000, latency = 0.5 }
    local walk = assert(c.async.meetings:each({ concurrency = 4 }))
    walk:poll()
    local op = assert(c.async.meetings:list())
    assert.is_true(c:poll() >= 2)
    walk:cancel()
    op:cancel()
    assert.equal("cancelled", op:poll())
    assert.equal(0, c:poll())
    assert.equal(0, c.engine.transport:running())
  end)

  it("refuses bad arguments before any request", function()
    local c, s = helper.client()
    local op, err = c.async.meetings:list({ status = "nope" })
    assert.is_nil(op)
    assert.equal("status", err.param)
    op, err = c.async.meetings:each({ concurrency = 0 })
    assert.is_nil(op)
    assert.equal("concurrency", err.param)
    assert.has_error(function() c.async.meetings:explode() end)
    assert.equal(0, s:stats().requests)
  end)
end)
