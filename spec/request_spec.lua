require "helper"
local request = require "realtimekit.request"
local resource = require "realtimekit.resource"

local ACC = "023e105f4ecef8ad9ca31a8372d0c353"
local APP = "6f1a0d3c-5d7e-4b8a-9c2d-1e3f4a5b6c7d"
local MEETING = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
local BASE = "https://api.example.test/client/v4"

local client = { base_url = BASE, base_path = "/client/v4", account_id = ACC, app_id = APP }
local meetings = resource.rows("meetings")
local sessions = resource.rows("sessions")

local function build(row, args, params, c)
  return request.build(c or client, row, args or {}, params)
end

describe("realtimekit.request", function()
  describe("escape()", function()
    it("percent-encodes all but RFC 3986 unreserved characters, as UTF-8 bytes", function()
      assert.equal("aZ09-._~", request.escape("aZ09-._~"))
      assert.equal("R%C3%A9union%20%26%20co%2F%3F%23%25%2B%3D",
        request.escape("Réunion & co/?#%+="))
      assert.equal("%E4%BC%9A%F0%9F%8E%A5", request.escape("会🎥"))
    end)
  end)

  describe("build()", function()
    it("fills the path from the client's account and app", function()
      local req = assert(build(meetings.list))
      assert.equal("GET", req.method)
      assert.equal(BASE .. "/accounts/" .. ACC .. "/realtime/kit/" .. APP .. "/meetings", req.url)
      assert.equal("/client/v4/accounts/" .. ACC .. "/realtime/kit/" .. APP .. "/meetings",
        req.path)
    end)

    it("lets a call override app_id and account_id", function()
      local req = assert(build(meetings.list, nil, { app_id = "other-app", account_id = "abc123" }))
      assert.equal(BASE .. "/accounts/abc123/realtime/kit/other-app/meetings", req.url)
    end)

    it("writes numbers as integers and keeps the declared parameter order", function()
      local req = assert(build(meetings.list, nil,
        { search = "x", status = "ACTIVE", per_page = 100.0, page_no = 2.0 }))
      assert.equal(BASE .. "/accounts/" .. ACC .. "/realtime/kit/" .. APP ..
        "/meetings?page_no=2&per_page=100&status=ACTIVE&search=x", req.url)
    end)

    it("encodes free text and times", function()
      local req = assert(build(meetings.list, nil, {
        search = "Réunion & co", start_time = 1767225600, end_time = "2026-02-01T00:00:00+01:00",
      }))
      assert.matches("start_time=2026%-01%-01T00%%3A00%%3A00Z"
        .. "&end_time=2026%-02%-01T00%%3A00%%3A00%%2B01%%3A00"
        .. "&search=R%%C3%%A9union%%20%%26%%20co$", req.url)
    end)

    it("puts positional ids into the path", function()
      local req = assert(build(meetings.participants, { MEETING }, { per_page = 5 }))
      assert.equal(BASE .. "/accounts/" .. ACC .. "/realtime/kit/" .. APP .. "/meetings/" .. MEETING
        .. "/participants?per_page=5", req.url)
    end)

    it("sends every sessions filter under the API's names", function()
      local req = assert(build(sessions.list, nil, {
        page_no = 1, per_page = 10,
        start_time = "2026-01-01T00:00:00Z", end_time = "2026-01-02T00:00:00Z",
        status = "LIVE", associated_id = MEETING, participants = "p1", sort_by = "minutesConsumed",
        sort_order = "DESC", search = "standup",
      }))
      assert.matches("/sessions%?page_no=1&per_page=10&start_time=2026%-01%-01T00%%3A00%%3A00Z"
        .. "&end_time=2026%-01%-02T00%%3A00%%3A00Z&status=LIVE&associated_id="
        .. MEETING:gsub("%-", "%%-")
        .. "&participants=p1&sort_by=minutesConsumed&sort_order=DESC&search=standup$", req.url)
    end)

    local function invalid(param, ...)
      local req, err = build(...)
      assert.is_nil(req)
      assert.equal("invalid_argument", err.kind)
      assert.equal(param, err.param)
      return err
    end

    it("names an unknown parameter and lists the known ones", function()
      local err = invalid("colour", meetings.list, nil, { colour = "red" })
      assert.equal(
        "colour: unknown parameter for meetings:list (it takes end_time, page_no, per_page, "
        .. "search, start_time, status; and account_id, app_id, max_retries, timeout, "
        .. "deadline, strict, extra_headers, extra_query, extra_body)", err.message)
      invalid("page", meetings.participants, { MEETING }, { page = 1 })
      invalid("limit", meetings.list, nil, { limit = 1 })
    end)

    it("names the parameter that is wrong", function()
      invalid("page_no", meetings.list, nil, { page_no = -1, strict = true })
      invalid("per_page", meetings.list, nil, { per_page = 0 / 0 })
      invalid("per_page", meetings.list, nil, { per_page = "10" })
      invalid("start_time", meetings.list, nil, { start_time = "2026-13-01T00:00:00Z",
                                                  strict = true })
      invalid("start_time", meetings.list, nil, { start_time = 1e300 })
      invalid("status", meetings.list, nil, { status = "LIVE" })
      invalid("status", sessions.list, nil, { status = "ACTIVE" })
      invalid("sort_by", sessions.list, nil, { sort_by = "created_at" })
      invalid("sort_order", sessions.list, nil, { sort_order = "asc" })
      invalid("search", meetings.list, nil, { search = "a\0b" })
      invalid("meeting_id", meetings.get, { "../../x" })
      invalid("meeting_id", meetings.get, { MEETING .. "?x=1" }, { strict = true })
      invalid("meeting_id", meetings.get, {})
      invalid("app_id", meetings.list, nil, { app_id = "a/b" })
      invalid("account_id", meetings.list, nil, { account_id = string.rep("a", 33),
                                                  strict = true })
      invalid("strict", meetings.list, nil, { strict = "yes" })
    end)

    it("asks for the account and app when neither client nor call has them", function()
      local bare = { base_url = BASE, base_path = "/client/v4" }
      local err = invalid("account_id", meetings.list, nil, nil, bare)
      assert.matches("CLOUDFLARE_ACCOUNT_ID", err.message)
      invalid("app_id", meetings.list, nil, { account_id = ACC }, bare)
    end)

    it("refuses params that are not a table or have keys that are not names", function()
      invalid("params", meetings.list, nil, "page_no=2")
      invalid("params", meetings.list, nil, { 1, 2 })
    end)
  end)
end)
