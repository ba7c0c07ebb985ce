-- What the API accepts is sent: each rule of argument checking is only as strict as a source
-- (the official SDK's types, the API docs) says, and each `it` here is a call such a rule used
-- to refuse, seen arriving at the fake server as it was meant.
local helper = require "helper"
local cjson = require "cjson"

describe("arguments the API accepts", function()
  local data, app
  setup(function()
    data = helper.data()
    app = data.build().apps[data.APP_ID]
  end)

  -- The last request the server received, its body decoded.
  local function last(s)
    local r = s:requests()
    local req = assert(r[#r], "no request reached the server")
    req.json = req.body and req.body ~= "" and cjson.decode(req.body) or nil
    return req
  end

  local function app_path(rest)
    return "/client/v4/accounts/" .. data.ACCOUNT_ID .. "/realtime/kit/" .. data.APP_ID .. rest
  end

  it("sends a participant id of any form, percent-encoded", function()
    local c, s = helper.client()
    local mid = app.meetings[1].id
    local _, err = c.participants:get(mid, "ann@example.com")
    assert.equal(404, err.status)
    assert.equal(app_path("/meetings/" .. mid .. "/participants/ann%40example.com"),
      last(s).path)
    _, err = c.participants:refresh_token(mid, "p 1 é")
    assert.equal(404, err.status)
    assert.equal(app_path("/meetings/" .. mid .. "/participants/p%201%20%C3%A9/token"),
      last(s).path)
    local sid = app.sessions[1].id
    _, err = c.sessions:participant(sid, "peer-7")
    assert.equal(404, err.status)
    assert.equal(app_path("/sessions/" .. sid .. "/participants/peer-7"), last(s).path)
  end)

  it("sends a v1 meeting's room name as the active session's meeting id", function()
    local c, s = helper.client()
    local _, err = c.active_session:get("abcdef-ghijkl")
    assert.equal(404, err.status)
    assert.equal("Meeting not found", err.message)
    assert.equal(app_path("/meetings/abcdef-ghijkl/active-session"), last(s).path)
    _, err = c.active_session:kick_all("abcdef-ghijkl")
    assert.equal(404, err.status)
    assert.equal(app_path("/meetings/abcdef-ghijkl/active-session/kick-all"), last(s).path)
  end)

  it("sends any meeting id to the active recording and the recordings list", function()
    local c, s = helper.client()
    local _, err = c.recordings:active("abcdef-ghijkl")
    assert.equal(404, err.status)
    assert.equal(app_path("/recordings/active-recording/abcdef-ghijkl"), last(s).path)
    local page = assert(c.recordings:list { meeting_id = "abcdef-ghijkl" })
    assert.equal("meeting_id=abcdef-ghijkl", last(s).query)
    assert.same({}, page.data)
  end)

  it("sends peer ids with spaces, @ and UTF-8 percent-encoded", function()
    local c, s = helper.client()
    local _, err = c.sessions:peer_report("peer 1@röm")
    assert.equal(404, err.status)
    assert.equal(app_path("/sessions/peer-report/peer%201%40r%C3%B6m"), last(s).path)
  end)

  it("sends session, recording, preset, webhook and livestream ids with no stated format",
    function()
      local c, s = helper.client()
      for _, case in ipairs {
        { c.sessions, "get", "/sessions/s~1" },
        { c.recordings, "get", "/recordings/s~1" },
        { c.presets, "get", "/presets/s~1" },
        { c.webhooks, "get", "/webhooks/s~1" },
        { c.livestreams, "get", "/livestreams/s~1" },
        { c.livestreams, "session", "/livestreams/sessions/s~1" },
      } do
        local _, err = case[1][case[2]](case[1], "s~1")
        assert.equal(404, err.status, case[3])
        assert.equal(app_path(case[3]), last(s).path)
      end
    end)

  it("sends app and account ids of any form that stays one path segment", function()
    local c, s = helper.client()
    local _, err = c.meetings:list { app_id = "my app" }
    assert.equal(404, err.status)
    assert.equal("/client/v4/accounts/" .. data.ACCOUNT_ID .. "/realtime/kit/my%20app/meetings",
      last(s).path)
    _, err = c.meetings:list { account_id = "acct-1" }
    assert.equal(403, err.status)
    assert.equal("/client/v4/accounts/acct-1/realtime/kit/" .. data.APP_ID .. "/meetings",
      last(s).path)
  end)

  it("sends a peer report's filters as a comma-separated list, from a string or an array",
    function()
      local c, s = helper.client()
      local peer = app.session_participants[app.sessions[1].id][1].id
      local r = assert(c.sessions:peer_report(peer, { filters = "device_info,events" }))
      assert.same({ filters = "device_info,events" }, last(s).args)
      assert.is_table(r.participant.peer_report.metadata)
      assert.is_nil(r.participant.peer_report.quality)
      assert(c.sessions:peer_report(peer, { filters = { "quality_stats", "ip_information" } }))
      assert.same({ filters = "quality_stats,ip_information" }, last(s).args)
      assert(c.sessions:participant(app.sessions[1].id, peer, { filters = { "events" } }))
      assert.same({ filters = "events" }, last(s).args)
    end)

  it("sends page numbers as the numbers they are", function()
    local c, s = helper.client()
    local page = assert(c.meetings:list { page_no = 2.5, per_page = 10 })
    assert.equal("page_no=2.5&per_page=10", last(s).query)
    assert.equal(11, page.paging.start_offset)
  end)

  it("turns Unix seconds into the UTC date where the API takes a date", function()
    local c, s = helper.client()
    assert(c.analytics:daywise { start_date = 1767225599, end_date = 1767225600.75 })
    assert.same({ start_date = "2025-12-31", end_date = "2026-01-01" }, last(s).args)
    assert(c.livestreams:org_analytics { start_date = -86400, end_date = "2026-02-01" })
    assert.same({ start_date = "1969-12-31", end_date = "2026-02-01" }, last(s).args)
  end)

  it("takes fractions and ISO 8601 date-times where the API takes Unix seconds", function()
    local c, s = helper.client()
    local feb = data.FEB_2026
    local a = assert(c.analytics:livestreams_daywise { start_time = feb + 0.5,
                                                       end_time = "2026-02-05T00:00:00Z" })
    assert.same({ start_time = tostring(feb) .. ".5", end_time = tostring(feb + 4 * 86400) },
      last(s).args)
    assert.equal(3, #a)
    assert(c.analytics:livestreams_overall { start_time = "2026-02-01T01:00:00+01:00" })
    assert.same({ start_time = tostring(feb) }, last(s).args)
  end)

  it("sends times before 1970 as ISO 8601", function()
    local c, s = helper.client()
    assert(c.meetings:list { start_time = -1, end_time = 1.5 })
    assert.same({ start_time = "1969-12-31T23:59:59Z", end_time = "1970-01-01T00:00:01.500Z" },
      last(s).args)
  end)
end)
