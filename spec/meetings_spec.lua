local helper = require "helper"
local realtimekit = require "realtimekit"

local UNKNOWN = "00000000-0000-4000-8000-000000000000"

describe("client.meetings", function()
  local data, meetings
  setup(function()
    data = helper.data()
    meetings = data.build().apps[data.APP_ID].meetings
  end)

  local function count(pred)
    local n = 0
    for i = 1, #meetings do if pred(meetings[i], i) then n = n + 1 end end
    return n
  end

  describe(":list()", function()
    it("returns a page: data, paging and the raw body", function()
      local c, s = helper.client()
      local page = assert(c.meetings:list { per_page = 25, page_no = 2 })
      assert.equal(25, #page.data)
      assert.equal(meetings[26].id, page.data[1].id)
      assert.same({ start_offset = 26, end_offset = 50, total_count = 300 }, page.paging)
      assert.is_true(page.raw.success)
      assert.equal(page.data, page.raw.data)
      assert.equal("page_no=2&per_page=25", s:requests()[1].query)
    end)

    it("prints counters as integers", function()
      local c = helper.client()
      local page = assert(c.meetings:list { per_page = 30.0 })
      assert.equal("300", tostring(page.paging.total_count))
      assert.equal("30", tostring(page.paging.end_offset))
      assert.equal("60", tostring(page.data[1].session_keep_alive_time_in_secs))
    end)

    it("drops null titles and keeps non-ASCII ones intact", function()
      local c, s = helper.client()
      s:config { absent_as_null = true } -- a title that is not there comes as null
      local page = assert(c.meetings:list { per_page = 14 })
      local m10, m7 = page.data[10], page.data[7]
      assert.is_nil(m10.title)
      assert.is_nil(next({}, nil))
      for _, m in ipairs(page.data) do
        for _, v in pairs(m) do assert.not_equal("userdata", type(v)) end
      end
      assert.equal(meetings[7].title, m7.title)
      assert.matches("会議", m7.title)
    end)

    it("filters by status, search and time", function()
      local c = helper.client()
      local page = assert(c.meetings:list { status = "INACTIVE", per_page = 100 })
      assert.equal(count(function(m) return m.status == "INACTIVE" end), page.paging.total_count)
      for _, m in ipairs(page.data) do assert.equal("INACTIVE", m.status) end

      page = assert(c.meetings:list { search = "Réunion" })
      assert.equal(count(function(m)
        return type(m.title) == "string" and m.title:find("Réunion", 1, true)
      end), page.paging.total_count)

      page = assert(c.meetings:list { search = meetings[42].id })
      assert.equal(1, page.paging.total_count)
      assert.equal(meetings[42].id, page.data[1].id)

      page = assert(c.meetings:list {
        start_time = meetings[10].created_at, end_time = meetings[19].created_at,
      })
      assert.equal(10, page.paging.total_count)
      assert.equal(meetings[10].id, page.data[1].id)
    end)

    it("takes Unix seconds for times", function()
      local c, s = helper.client()
      -- 2026-02-01T10:00:00Z is meeting 10's created_at (the specs' server dates its data
      -- back from data.SPEC_NOW, 2026-03-01)
      local page = assert(c.meetings:list {
        start_time = 1769940000, end_time = 1769940000 + 3600 * 9,
      })
      assert.equal(10, page.paging.total_count)
      assert.equal("start_time=2026-02-01T10%3A00%3A00Z&end_time=2026-02-01T19%3A00%3A00Z",
        s:requests()[1].query)
    end)

    it("lets a call pick another app", function()
      local c = helper.client()
      local page = assert(c.meetings:list { app_id = data.SMALL_APP_ID })
      assert.equal(3, page.paging.total_count)
    end)

    it("refuses bad arguments before sending anything", function()
      local c, s = helper.client()
      for param, params in pairs {
        page_no = { page_no = 0 / 0 }, per_page = { per_page = "1" },
        status = { status = "active" }, start_time = { start_time = {} },
        end_time = { end_time = "a\0" }, search = { search = "\255" }, colour = { colour = "red" },
        app_id = { app_id = "a/b" }, account_id = { account_id = "x/y" },
      } do
        local page, err = c.meetings:list(params)
        assert.is_nil(page)
        assert.equal("invalid_argument", err.kind)
        assert.equal(param, err.param)
      end
      assert.equal(0, s:stats().requests)
    end)

    it("refuses what only the docs rule out when strict, before sending anything", function()
      local c, s = helper.client { strict = true }
      for param, params in pairs {
        page_no = { page_no = -1 }, start_time = { start_time = "2026-13-01T00:00:00Z" },
        end_time = { end_time = "tomorrow" },
      } do
        local page, err = c.meetings:list(params)
        assert.is_nil(page)
        assert.equal("invalid_argument", err.kind)
        assert.equal(param, err.param)
      end
      assert.equal(0, s:stats().requests)
    end)

    it("returns an api error for a wrong token, in the Cloudflare v4 shape", function()
      local c = helper.client { api_token = "wrong-token" }
      local page, err = c.meetings:list()
      assert.is_nil(page)
      assert.equal("api", err.kind)
      assert.equal(401, err.status)
      assert.equal(10000, err.code)
      assert.equal("Authentication error", err.message)
      assert.is_string(err.cf_ray)
      assert.matches("^realtimekit api error %(HTTP 401, code 10000%): Authentication error",
        tostring(err))
    end)

    it("returns an api error for a 2xx with success false", function()
      local c, s = helper.client()
      s:fault { status = 200,
                body = '{"success":false,"errors":[{"code":7003,"message":"quota"}]}' }
      local page, err = c.meetings:list()
      assert.is_nil(page)
      assert.equal("api", err.kind)
      assert.equal(200, err.status)
      assert.equal(7003, err.code)
    end)

    it("returns a decode error for a 2xx that is not JSON, or not a list", function()
      local c, s = helper.client()
      for _, body in ipairs { "<html>hello</html>", '"just a string"', '{"success":true}',
                              '{"success":true,"data":{"a":1}}', '{"success":true,"data":[1,2]}',
                              '{"success":true,"data":[],"paging":{"total_count":"3"}}',
                              '{"success":true,"data":[{},null,{}]}' } do
        s:fault { status = 200, body = body }
        local page, err = c.meetings:list()
        assert.is_nil(page, body)
        assert.equal("decode", err.kind, body)
        assert.equal(200, err.status)
      end
    end)
  end)

  describe(":get()", function()
    it("returns the meeting", function()
      local c, s = helper.client()
      local m = assert(c.meetings:get(meetings[25].id))
      assert.equal(meetings[25].id, m.id)
      assert.equal(meetings[25].title, m.title)
      assert.is_table(m.recording_config)
      assert(c.meetings:get(meetings[25].id:upper(), { name = "x y" }))
      assert.equal("name=x%20y", s:requests()[2].query)
    end)

    it("returns an api error in RealtimeKit's shape for an unknown meeting", function()
      local c = helper.client()
      local m, err = c.meetings:get(UNKNOWN)
      assert.is_nil(m)
      assert.equal("api", err.kind)
      assert.equal(404, err.status)
      assert.equal(404, err.code)
      assert.is_false(err.retryable)
      assert.is_string(err.message)
    end)

    it("refuses an id that is not a UUID before sending anything, when strict", function()
      local c, s = helper.client { strict = true }
      for _, id in ipairs { "../meetings", "x", meetings[1].id .. "/participants", 12, "" } do
        local m, err = c.meetings:get(id)
        assert.is_nil(m)
        assert.equal("meeting_id", err.param)
      end
      c = helper.client()
      for _, id in ipairs { "../meetings", meetings[1].id .. "/participants", 12, "" } do
        local m, err = c.meetings:get(id)
        assert.is_nil(m)
        assert.equal("meeting_id", err.param)
      end
      local m, err = c.meetings:get()
      assert.is_nil(m)
      assert.equal("meeting_id: required", err.message)
      assert.equal(0, s:stats().requests)
    end)
  end)

  describe(":participants()", function()
    it("returns a page of a meeting's participants", function()
      local c = helper.client()
      local page = assert(c.meetings:participants(meetings[1].id, { per_page = 10 }))
      assert.equal(10, #page.data)
      assert.equal(250, page.paging.total_count)
      assert.is_string(page.data[1].custom_participant_id)
    end)
  end)

  describe(":each()", function()
    it("walks every meeting in order, one request per page", function()
      local c, s = helper.client()
      local ids = {}
      for m in c.meetings:each() do ids[#ids + 1] = m.id end
      assert.equal(300, #ids)
      for i = 1, 300 do assert.equal(meetings[i].id, ids[i]) end
      assert.equal(3, s:stats().requests)
      local r = s:requests()
      assert.equal("page_no=1&per_page=100", r[1].query)
      local rest = { r[2].query, r[3].query }
      table.sort(rest)
      assert.same({ "page_no=2&per_page=100", "page_no=3&per_page=100" }, rest)
    end)

    it("walks one page at a time on one connection with concurrency 1", function()
      local c, s = helper.client()
      assert.equal(300, #helper.collect(c.meetings:each { concurrency = 1 }))
      assert.same({ requests = 3, connections = 1 }, s:stats())
      assert.equal("page_no=3&per_page=100", s:requests()[3].query)
    end)

    it("takes filters and per_page", function()
      local c, s = helper.client()
      local got = helper.collect(c.meetings:each { status = "ACTIVE", per_page = 40 })
      assert.equal(count(function(m) return m.status == "ACTIVE" end), #got)
      assert.equal(math.ceil(#got / 40), s:stats().requests)
    end)

    it("stops at limit without fetching a page beyond", function()
      local c, s = helper.client()
      assert.equal(5, #helper.collect(c.meetings:each { limit = 5 }))
      assert.equal("page_no=1&per_page=5", s:requests()[1].query)
      assert.equal(1, s:stats().requests)
      s:reset()
      assert.equal(150, #helper.collect(c.meetings:each { limit = 150 }))
      assert.equal(2, s:stats().requests)
      s:reset()
      assert.equal(0, #helper.collect(c.meetings:each { limit = 0 }))
      assert.equal(0, s:stats().requests)
    end)

    it("carries on when the server caps per_page", function()
      local c, s = helper.client()
      s:config { max_per_page = 50 }
      local ids, seen = {}, {}
      for m in c.meetings:each { per_page = 100 } do
        assert.is_nil(seen[m.id])
        seen[m.id] = true
        ids[#ids + 1] = m.id
      end
      assert.equal(300, #ids)
      assert.equal(meetings[300].id, ids[300])
      assert.equal(6, s:stats().requests)
    end)

    it("raises the error object itself", function()
      local c = helper.client { api_token = "wrong" }
      local err = helper.raised(function() for _ in c.meetings:each() do end end)
      assert.is_true(realtimekit.is_error(err))
      assert.equal(401, err.status)
    end)

    it("raises invalid arguments before any request", function()
      local c, s = helper.client()
      for param, params in pairs { per_page = { per_page = 0 }, limit = { limit = -1 },
                                   status = { status = "x" }, colour = { colour = 1 } } do
        local err = helper.raised(function() c.meetings:each(params) end)
        assert.equal("invalid_argument", err.kind)
        assert.equal(param, err.param)
      end
      assert.equal(0, s:stats().requests)
    end)
  end)

  describe(":each_participant()", function()
    it("walks all 250 participants of a meeting", function()
      local c, s = helper.client()
      local n = 0
      for p in c.meetings:each_participant(meetings[1].id, { per_page = 100 }) do
        n = n + 1
        assert.is_string(p.id)
      end
      assert.equal(250, n)
      assert.equal(3, s:stats().requests)
    end)

    it("walks a meeting with no participants", function()
      local c = helper.client()
      assert.equal(0, #helper.collect(c.meetings:each_participant(meetings[5].id)))
    end)
  end)

  describe(":pages()", function()
    it("yields pages, the last one cut at limit", function()
      local c = helper.client()
      local sizes = {}
      for page in c.meetings:pages { per_page = 100, limit = 250 } do
        sizes[#sizes + 1] = #page.data
      end
      assert.same({ 100, 100, 50 }, sizes)
    end)
  end)
end)
