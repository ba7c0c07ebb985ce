local helper = require "helper"
local cjson = require "cjson"

-- A page of the meetings list as the API would send it.
local function body(ids, start, stop, total)
  local items = {}
  for i, id in ipairs(ids) do items[i] = { id = id } end
  return cjson.encode { success = true, data = items,
    paging = { start_offset = start, end_offset = stop, total_count = total } }
end

local function ids(from, to)
  local out = {}
  for i = from, to do out[#out + 1] = string.format("00000000-0000-4000-8000-%012d", i) end
  return out
end

describe("realtimekit.pager", function()
  it("ends with an error, not a loop, when a page repeats the offsets of the one before", function()
    local c, s = helper.client()
    s:fault { status = 200, body = body(ids(1, 2), 1, 2, 10) }
    s:fault { status = 200, body = body(ids(3, 4), 1, 2, 10) }
    local seen = {}
    local err = helper.raised(function()
      for m in c.meetings:each { per_page = 2, concurrency = 1 } do seen[#seen + 1] = m.id end
    end)
    assert.equal("api", err.kind)
    assert.matches("does not advance", err.message)
    assert.equal(2, err.page_no)
    assert.same({ page_no = 2, per_page = 2 }, err.params)
    assert.equal(2, #seen)
    assert.equal(2, s:stats().requests)
  end)

  it("ends with an error when a page starts with the first item of the page before", function()
    local c, s = helper.client()
    s:fault { status = 200, body = body(ids(1, 2), 1, 2, 10) }
    s:fault { status = 200, body = body(ids(1, 2), 3, 4, 10) }
    local err = helper.raised(function()
      for _ in c.meetings:each { per_page = 2, concurrency = 1 } do end
    end)
    assert.matches("first item", err.message)
    assert.equal(2, s:stats().requests)
  end)

  it("ends with an error when a paging-less list repeats its first page", function()
    local c, s = helper.client()
    local page = cjson.encode {
      success = true, data = { sessions = { { id = "a" }, { id = "b" } } },
    }
    s:fault { status = 200, body = page, times = 5 }
    local err = helper.raised(function()
      for _ in c.sessions:each { per_page = 2, concurrency = 1 } do end
    end)
    assert.matches("does not advance", err.message)
    assert.equal(2, s:stats().requests)
  end)

  it("ends at an empty page whose total counts no more items than were handed out", function()
    local c, s = helper.client()
    s:fault { status = 200, body = body(ids(1, 2), 1, 2, 10) }
    s:fault { status = 200, body = body({}, 3, 2, 2) }
    assert.equal(2, #helper.collect(c.meetings:each { per_page = 2, concurrency = 1 }))
    assert.equal(2, s:stats().requests)
  end)

  it("reads paging nested inside data", function()
    local c, s = helper.client()
    s:config { sessions_paging = "data" }
    local p = assert(c.sessions:list { per_page = 7 })
    assert.same({ start_offset = 1, end_offset = 7, total_count = 120 }, p.paging)
  end)

  it("can ask again for a page that failed, losing and repeating nothing", function()
    local c, s = helper.client { max_retries = 0 }
    local it, _, _, pager = c.meetings:pages { per_page = 100 }
    assert.is_function(it)
    local p1 = assert(pager:next_page())
    s:fault { status = 503, match = "page_no=2" }
    local p2, err = pager:next_page()
    assert.is_nil(p2)
    assert.equal(503, err.status)
    p2 = assert(pager:next_page())
    local p3 = assert(pager:next_page())
    assert.is_nil(pager:next_page())
    assert.equal(1, p1.paging.start_offset)
    assert.equal(101, p2.paging.start_offset)
    assert.equal(201, p3.paging.start_offset)
    assert.equal(4, s:stats().requests)
  end)

  describe("a page that fails after its retries", function()
    -- Page 3 of the active meetings in pages of 50 fails both its attempts.
    local PARAMS = { status = "ACTIVE", per_page = 50, page_no = 3 }
    local active = {}
    setup(function()
      for _, m in ipairs(helper.data().build().apps[helper.data().APP_ID].meetings) do
        if m.status == "ACTIVE" then active[#active + 1] = m.id end
      end
    end)

    local function failing()
      local c, s = helper.client { max_retries = 1 }
      s:fault { status = 503, match = "page_no=3&", times = 2 }
      return c, s
    end

    local function check(err)
      assert.equal("api", err.kind)
      assert.equal(503, err.status)
      assert.equal(2, err.attempts)
      assert.equal(3, err.page_no)
      assert.same(PARAMS, err.params)
      assert.matches("/meetings, page 3] after 2 attempts", tostring(err), 1, true)
    end

    it("says which page, with the list's parameters, out of each; a walk resumes there",
      function()
        local c = failing()
        local seen = {}
        local err = helper.raised(function()
          for m in c.meetings:each { status = "ACTIVE", per_page = 50, timeout = 10 } do
            seen[#seen + 1] = m.id
          end
        end)
        check(err)
        assert.equal(100, #seen)
        for m in c.meetings:each(err.params) do seen[#seen + 1] = m.id end
        assert.same(active, seen)
      end)

    it("says so out of pages, next_page and an async walk", function()
      local c = failing()
      check(helper.raised(function()
        for _ in c.meetings:pages { status = "ACTIVE", per_page = 50 } do end
      end))
      c = failing()
      local _, _, _, pager = c.meetings:pages { status = "ACTIVE", per_page = 50 }
      assert(pager:next_page())
      assert(pager:next_page())
      local page, err = pager:next_page()
      assert.is_nil(page)
      check(err)
      pager:close()
      c = failing()
      local walk = assert(c.async.meetings:each { status = "ACTIVE", per_page = 50 })
      local items, state, v = 0, "pending"
      while state == "pending" do
        state, v = walk:poll()
        if state ~= "failed" then items = items + #v end
        c:poll(0.01)
      end
      assert.equal("failed", state)
      check(v)
      assert.equal(100, items)
      walk:cancel()
    end)

    it("names the page in the server's page size when the walk took it", function()
      local c, s = helper.client { max_retries = 0 }
      s:config { max_per_page = 40 }
      s:fault { status = 503, match = "page_no=3&per_page=40" }
      local seen = {}
      local err = helper.raised(function()
        for m in c.meetings:each { per_page = 100, concurrency = 1 } do seen[#seen + 1] = m.id end
      end)
      assert.equal(3, err.page_no)
      assert.same({ page_no = 3, per_page = 40 }, err.params)
      assert.equal(80, #seen)
      for m in c.meetings:each(err.params) do seen[#seen + 1] = m.id end
      assert.equal(300, #seen)
      assert.equal(helper.data().build().apps[helper.data().APP_ID].meetings[81].id, seen[81])
    end)
  end)

  describe("progress", function()
    local meetings
    setup(function() meetings = helper.data().build().apps[helper.data().APP_ID].meetings end)

    -- A progress function that keeps a copy of every report.
    local function recorder()
      local calls = {}
      return calls, function(p)
        calls[#calls + 1] = { pages = p.pages, items = p.items, total = p.total,
                              page_no = p.page_no }
      end
    end

    it("is told of every page each hands out: pages, items, the total and the page", function()
      local c = helper.client()
      local calls, progress = recorder()
      local n = 0
      for _ in c.meetings:each { per_page = 100, progress = progress } do
        n = n + 1
        -- Told before the page's items are handed out.
        assert.equal(math.ceil(n / 100), #calls)
      end
      assert.equal(#meetings, n)
      assert.same({ { pages = 1, items = 100, total = 300, page_no = 1 },
                    { pages = 2, items = 200, total = 300, page_no = 2 },
                    { pages = 3, items = 300, total = 300, page_no = 3 } }, calls)
    end)

    it("counts the items handed out, up to the limit, from the page started at", function()
      local c = helper.client()
      local calls, progress = recorder()
      for _ in c.meetings:pages { per_page = 40, page_no = 4, limit = 50, progress = progress } do
      end
      assert.same({ { pages = 1, items = 40, total = 300, page_no = 4 },
                    { pages = 2, items = 50, total = 300, page_no = 5 } }, calls)
    end)

    it("has no total for a list without paging", function()
      local c, s = helper.client()
      s:config { sessions_paging = "none" }
      local calls, progress = recorder()
      for _ in c.sessions:each { per_page = 50, progress = progress } do end
      assert.same({ { pages = 1, items = 50, page_no = 1 }, { pages = 2, items = 100, page_no = 2 },
                    { pages = 3, items = 120, page_no = 3 } }, calls)
    end)

    it("is told of the pages an async walk hands out", function()
      local c = helper.client()
      local calls, progress = recorder()
      local walk = assert(c.async.meetings:each { per_page = 100, progress = progress })
      local items, state, v = 0, "pending"
      while state == "pending" do
        state, v = walk:poll()
        items = items + #v
        assert.equal(items, calls[#calls] and calls[#calls].items or 0)
        c:poll(0.01)
      end
      assert.equal("done", state)
      assert.equal(3, #calls)
      assert.same({ pages = 3, items = 300, total = 300, page_no = 3 }, calls[3])
    end)

    it("raises out of the walk, which hands the same page out next, told of it again",
      function()
        local c = helper.client()
        local calls, record = recorder()
        local fail = true
        local function progress(p)
          record(p)
          if p.pages == 2 and fail then
            fail = false
            error({ stop = true })
          end
        end
        local _, _, _, pager = c.meetings:pages { per_page = 100, progress = progress }
        assert.equal(1, pager:next_page().paging.start_offset)
        local ok, err = pcall(pager.next_page, pager)
        assert.is_false(ok)
        assert.same({ stop = true }, err)
        assert.equal(101, pager:next_page().paging.start_offset)
        assert.equal(201, pager:next_page().paging.start_offset)
        assert.is_nil(pager:next_page())
        assert.same({ 1, 2, 2, 3 }, { calls[1].pages, calls[2].pages, calls[3].pages,
                                      calls[4].pages })
        assert.same(calls[2], calls[3])
        assert.equal(300, calls[4].items)
      end)

    it("must be a function", function()
      local c, s = helper.client()
      local err = helper.raised(function() c.meetings:each { progress = true } end)
      assert.equal("invalid_argument", err.kind)
      assert.equal("progress", err.param)
      local walk, aerr = c.async.meetings:each { progress = "yes" }
      assert.is_nil(walk)
      assert.equal("progress", aerr.param)
      assert.equal(0, s:stats().requests)
    end)
  end)

  it("counts what it walked", function()
    local c = helper.client()
    local _, _, _, pager = c.meetings:each { per_page = 100, limit = 120 }
    for _ in function() local p = pager:next_page() return p end do end
    assert.equal(120, pager.fetched)
    assert.equal(2, pager.pages)
  end)

  it("refuses a page_no that is not a whole number from 1", function()
    local c, s = helper.client()
    for _, v in ipairs { 1.5, 0, -1, "2" } do
      local err = helper.raised(function() c.meetings:each { page_no = v } end)
      assert.equal("invalid_argument", err.kind)
      assert.equal("page_no", err.param)
      local walk_, aerr = c.async.meetings:pages { page_no = v }
      assert.is_nil(walk_)
      assert.equal("page_no", aerr.param)
    end
    assert.equal(0, s:stats().requests)
    assert.equal(20, #assert(c.meetings:list { page_no = 1.5 }).data)
  end)

  it("cancels the requests of a walk that is dropped unfinished, once it is collected",
    function()
    local c, s = helper.client()
    s:config { meetings_total = 1000, latency = 0.3 }
    local it = c.meetings:each { concurrency = 4 }
    assert.is_string(it().id) -- the first page has come, and the pages after it are under way
    assert.is_true(c.engine.transport:running() > 0)
    it = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    assert.equal(0, c:poll())
    assert.equal(0, c.engine.transport:running())
  end)

  if _VERSION == "Lua 5.4" then
    it("closes its pager when a generic for is left by break", function()
      local c = helper.client()
      local it, st, ctl, pager = c.meetings:each()
      local chunk = assert(load(
        "local it, st, ctl, pager = ... for _ in it, st, ctl, pager do break end"))
      chunk(it, st, ctl, pager)
      assert.is_true(pager.done)
      assert.is_nil(pager:next_page())
    end)
  end
end)

-- What follows drives walks against pages a server crafts: each case for a walk one request at
-- a time and for one with pages under way side by side.
describe("realtimekit.pager against a misbehaving server", function()
  local meetings
  setup(function()
    local data = helper.data()
    meetings = data.build().apps[data.APP_ID].meetings
  end)

  -- A meetings page holding meetings from..to of the data set (none when from > to) with the
  -- paging given; offsets are written as given, so a number a double cannot hold exactly can be
  -- sent.
  local function page(from, to, first, last, total)
    local items = {}
    for i = from, to do items[#items + 1] = '{"id":"' .. meetings[i].id .. '"}' end
    return '{"success":true,"data":[' .. table.concat(items, ",") .. '],"paging":'
      .. '{"start_offset":' .. first .. ',"end_offset":' .. last .. ',"total_count":' .. total
      .. '}}'
  end

  -- The ids of meetings from..to, leaving out those in skip.
  local function expected(from, to, skip)
    local out = {}
    for i = from, to do
      if not (skip and skip[i]) then out[#out + 1] = meetings[i].id end
    end
    return out
  end

  -- Walks the meetings: the ids handed out, in order, and the error raised, if any.
  local function walk(c, params)
    local got = {}
    local err = helper.raised(function()
      for m in c.meetings:each(params) do
        got[#got + 1] = m.id
        if #got > 2000 then error("runaway walk", 0) end
      end
    end)
    return got, err
  end

  for _, n in ipairs { 1, 4 } do
    describe("with concurrency " .. n, function()
      it("drops what a page holding more than asked shares with the next one", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=1&", body = page(1, 15, 1, 15, 300) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.is_nil(err)
        assert.same(expected(1, 300), got)
      end)

      it("carries on after one short page in the middle, repeating and skipping nothing",
        function()
        local c, s = helper.client()
        -- Late, so that with pages side by side those after it have arrived first.
        s:fault { status = 200, match = "page_no=2&", delay = n > 1 and 0.2 or nil,
                  body = page(11, 19, 11, 19, 300) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.is_nil(err)
        assert.same(expected(1, 300), got)
      end)

      it("follows a server that ignores per_page after one page holding more than asked",
        function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&per_page=10", body = page(11, 23, 11, 23, 300) }
        -- Asked for pages of 13, the server still answers in pages of 10.
        for k = 1, 4 do
          s:fault { status = 200, match = "page_no=" .. k .. "&per_page=13",
                    body = page(k * 10 - 9, k * 10, k * 10 - 9, k * 10, 300) }
        end
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.is_nil(err)
        assert.same(expected(1, 300), got)
      end)

      it("takes a short page whose offsets span a whole page as that whole page", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&", delay = n > 1 and 0.2 or nil,
                  body = page(11, 19, 11, 20, 300) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.is_nil(err)
        assert.same(expected(1, 300, { [20] = true }), got)
      end)

      it("stops at limit after a short page, handing out exactly limit items", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&", delay = n > 1 and 0.2 or nil,
                  body = page(11, 19, 11, 19, 300) }
        local got, err = walk(c, { per_page = 10, limit = 25, concurrency = n })
        assert.is_nil(err)
        assert.same(expected(1, 25), got)
      end)

      it("ends with an error object at offsets beyond 2^63, after the items before", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&", body = page(11, 20,
          "9223372036854775808", "9223372036854775817", "18446744073709551616") }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.same(expected(1, 10), got)
        assert.equal("api", err.kind)
        assert.matches("start_offset", err.message)
      end)

      it("hands out a short page's items before the error its huge end_offset makes",
        function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&", body = page(11, 18, 11, 7e12, 300) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.same(expected(1, 18), got)
        assert.equal("api", err.kind)
        assert.matches("end_offset", err.message)
      end)

      it("ends with an error when a page has no paging and the pages before had", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&",
          body = page(11, 20, 11, 20, 300):gsub(',"paging":{[^}]*}', "") }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.same(expected(1, 10), got)
        assert.equal("api", err.kind)
        assert.matches("paging", err.message)
      end)

      it("ends with an error at an empty page while the total counts more", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&", body = page(1, 0, 11, 10, 300) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.same(expected(1, 10), got)
        assert.equal("api", err.kind)
      end)

      it("ends with an error at a gap between offsets", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=2&", body = page(13, 22, 13, 22, 300) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.same(expected(1, 10), got)
        assert.equal("api", err.kind)
        assert.matches("gap", err.message)
      end)

      it("walks a server whose offsets count from 0 through a short page", function()
        local c, s = helper.client()
        s:fault { status = 200, match = "page_no=1&per_page=10", body = page(1, 10, 0, 9, 25) }
        s:fault { status = 200, match = "page_no=2&per_page=10", body = page(11, 19, 10, 18, 25),
                  delay = n > 1 and 0.2 or nil }
        s:fault { status = 200, match = "page_no=3&per_page=10", body = page(21, 25, 20, 24, 25) }
        s:fault { status = 200, match = "page_no=3&per_page=9", body = page(19, 25, 18, 24, 25) }
        local got, err = walk(c, { per_page = 10, concurrency = n })
        assert.is_nil(err)
        assert.same(expected(1, 25), got)
      end)

      it("ends a paging-less list whose full pages repeat, without ids, with an error",
        function()
        local c, s = helper.client()
        local same = cjson.encode { success = true,
          data = { sessions = { { title = "a" }, { title = "b" } } } }
        s:fault { status = 200, body = same, times = 20 }
        local got = {}
        local err = helper.raised(function()
          for sess in c.sessions:each { per_page = 2, concurrency = n } do
            got[#got + 1] = sess.title
            if #got > 50 then error("runaway walk", 0) end
          end
        end)
        assert.same({ "a", "b" }, got)
        assert.equal("api", err.kind)
        if n == 1 then assert.equal(2, s:stats().requests) end
      end)
    end)
  end

  -- How many items the pages a pager has left hold; it must end without an error.
  local function items_left(pager)
    local n = 0
    while true do
      local p, err = pager:next_page()
      assert.is_nil(err)
      if not p then return n end
      n = n + #p.data
    end
  end

  it("ends with an error when a page has paging and the first page had none", function()
    local c, s = helper.client()
    local paged = cjson.encode { success = true, data = { sessions = { { id = "y" } } },
      paging = { start_offset = 3, end_offset = 3, total_count = 3 } }
    s:fault { status = 200, match = "page_no=2&", body = paged }
    local got = {}
    local err = helper.raised(function()
      for sess in c.sessions:each { per_page = 2 } do got[#got + 1] = sess.id end
    end)
    assert.equal(2, #got)
    assert.equal("api", err.kind)
    assert.matches("paging", err.message)
  end)

  it("follows a total that grows during the walk", function()
    local c, s = helper.client()
    local _, _, _, pager = c.meetings:each { per_page = 100 }
    assert.equal(300, assert(pager:next_page()).paging.total_count)
    s:config { meetings_total = 400 }
    local n = 100 + items_left(pager)
    assert.equal(400, n)
  end)

  it("ends at a total that shrinks during the walk, with the pages asked for beyond it", function()
    local c, s = helper.client()
    s:config { meetings_total = 1000, latency = 0.2 }
    local _, _, _, pager = c.meetings:each { per_page = 100, concurrency = 4 }
    assert.equal(1000, assert(pager:next_page()).paging.total_count)
    assert.equal(3, #pager.window) -- pages 2 to 4, under way
    s:config { meetings_total = 300 }
    local n = 100 + items_left(pager)
    assert.equal(300, n)
    assert.equal(0, c:poll())
  end)
end)
