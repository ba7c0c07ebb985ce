local helper = require "helper"

describe("client.sessions", function()
  local data, sessions
  setup(function()
    data = helper.data()
    sessions = data.build().apps[data.APP_ID].sessions
  end)

  describe(":list()", function()
    it("returns data.sessions as the page's data; paging absent as in the seed", function()
      local c = helper.client()
      local page = assert(c.sessions:list { per_page = 10 })
      assert.equal(10, #page.data)
      assert.equal(sessions[1].id, page.data[1].id)
      assert.is_nil(page.paging)
      assert.equal(page.data, page.raw.data.sessions)
      assert.equal("number", type(page.data[1].minutes_consumed))
      assert.equal(tostring(sessions[1].minutes_consumed), tostring(page.data[1].minutes_consumed))
    end)

    it("drops a LIVE session's null ended_at", function()
      local c, s = helper.client()
      s:config { absent_as_null = true } -- an ended_at that is not there comes as null
      local page = assert(c.sessions:list { status = "LIVE" })
      assert.is_true(#page.data > 0)
      for _, sess in ipairs(page.data) do
        assert.equal("LIVE", sess.status)
        assert.is_nil(sess.ended_at)
      end
    end)

    it("filters and sorts", function()
      local c, s = helper.client()
      local page = assert(c.sessions:list {
        sort_by = "minutesConsumed", sort_order = "DESC", per_page = 100,
      })
      for i = 2, #page.data do
        assert.is_true(page.data[i - 1].minutes_consumed >= page.data[i].minutes_consumed)
      end
      page = assert(c.sessions:list { associated_id = sessions[3].associated_id })
      for _, sess in ipairs(page.data) do
        assert.equal(sessions[3].associated_id, sess.associated_id)
      end
      assert.equal("per_page=100&sort_by=minutesConsumed&sort_order=DESC", s:requests()[1].query)
    end)

    it("returns an empty page for an app without sessions", function()
      local c = helper.client()
      local page = assert(c.sessions:list { app_id = data.SMALL_APP_ID })
      assert.same({}, page.data)
    end)

    it("refuses bad filters before sending anything", function()
      local c, s = helper.client()
      for param, params in pairs { status = { status = "ENDED " },
                                   sort_by = { sort_by = "createdat" },
                                   sort_order = { sort_order = "desc" },
                                   associated_id = { associated_id = 5 },
                                   start_time = { start_time = true } } do
        local page, err = c.sessions:list(params)
        assert.is_nil(page)
        assert.equal(param, err.param)
      end
      local page, err = c.sessions:list { start_time = "2026-02-30T00:00:00Z", strict = true }
      assert.is_nil(page)
      assert.equal("start_time", err.param)
      assert.equal(0, s:stats().requests)
    end)
  end)

  describe(":each()", function()
    it("without paging, stops at the first page shorter than per_page", function()
      local c, s = helper.client()
      local got = helper.collect(c.sessions:each { per_page = 50, concurrency = 1 })
      assert.equal(120, #got)
      assert.equal(sessions[120].id, got[120].id)
      assert.equal(3, s:stats().requests)
    end)

    it("without paging, needs one empty page when the count is a multiple of per_page", function()
      local c, s = helper.client()
      assert.equal(120, #helper.collect(c.sessions:each { per_page = 40, concurrency = 1 }))
      assert.equal(4, s:stats().requests)
    end)

    it("without paging, asks for pages ahead and hands out each session once, in order",
      function()
      local c, s = helper.client()
      local got = helper.collect(c.sessions:each { per_page = 40 })
      assert.equal(120, #got)
      for i = 1, 120 do assert.equal(sessions[i].id, got[i].id) end
      assert.is_true(s:stats().requests <= 4 + 3, "requests " .. s:stats().requests)
    end)

    for _, where in ipairs { "top", "data" } do
      it("with paging at the " .. where
        .. " level, stops when the offsets reach the total", function()
        local c, s = helper.client()
        s:config { sessions_paging = where }
        local page = assert(c.sessions:list { per_page = 40 })
        assert.same({ start_offset = 1, end_offset = 40, total_count = 120 }, page.paging)
        s:reset()
        s:config { sessions_paging = where }
        assert.equal(120, #helper.collect(c.sessions:each { per_page = 40 }))
        assert.equal(3, s:stats().requests)
      end)
    end

    it("walks filtered sessions", function()
      local c = helper.client()
      local live = 0
      for i = 1, #sessions do if sessions[i].status == "LIVE" then live = live + 1 end end
      assert.equal(live, #helper.collect(c.sessions:each { status = "LIVE", per_page = 5 }))
    end)
  end)
end)
