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
      for m in c.meetings:each { per_page = 2 } do seen[#seen + 1] = m.id end
    end)
    assert.equal("api", err.kind)
    assert.matches("does not advance", err.message)
    assert.equal(2, #seen)
    assert.equal(2, s:stats().requests)
  end)

  it("ends with an error when a page starts with the first item of the page before", function()
    local c, s = helper.client()
    s:fault { status = 200, body = body(ids(1, 2), 1, 2, 10) }
    s:fault { status = 200, body = body(ids(1, 2), 3, 4, 10) }
    local err = helper.raised(function() for _ in c.meetings:each { per_page = 2 } do end end)
    assert.matches("first item", err.message)
    assert.equal(2, s:stats().requests)
  end)

  it("ends with an error when a paging-less list repeats its first page", function()
    local c, s = helper.client()
    local page = cjson.encode {
      success = true, data = { sessions = { { id = "a" }, { id = "b" } } },
    }
    s:fault { status = 200, body = page, times = 5 }
    local err = helper.raised(function() for _ in c.sessions:each { per_page = 2 } do end end)
    assert.matches("does not advance", err.message)
    assert.equal(2, s:stats().requests)
  end)

  it("stops at an empty page even if the total claims more", function()
    local c, s = helper.client()
    s:fault { status = 200, body = body(ids(1, 2), 1, 2, 10) }
    s:fault { status = 200, body = body({}, 3, 2, 10) }
    assert.equal(2, #helper.collect(c.meetings:each { per_page = 2 }))
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

  it("counts what it walked", function()
    local c = helper.client()
    local _, _, _, pager = c.meetings:each { per_page = 100, limit = 120 }
    for _ in function() local p = pager:next_page() return p end do end
    assert.equal(120, pager.fetched)
    assert.equal(2, pager.pages)
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
