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

  local function live_meeting()
    for _, x in ipairs(app.sessions) do
      if x.status == "LIVE" then return x.associated_id end
    end
  end

  -- A whole preset of the fake server's data, to create copies of.
  local function preset_body(c, name)
    local base = assert(c.presets:get(app.presets[1].id))
    return { name = name, config = base.config, permissions = base.permissions, ui = base.ui }
  end

  it("takes a plugin's config with access_control alone, or with other keys", function()
    local c, s = helper.client()
    local body = preset_body(c, "plugins")
    body.permissions.plugins.config = {
      ["0a5b2e5e-3f0c-4d47-9e43-5d2f7f1d5a01"] = { access_control = "VIEW_ONLY" },
      whiteboard = { handles_view_only = true, theme = "dark", zoom = { 1, 2 } },
      notes = {},
    }
    local p = assert(c.presets:create(body))
    local sent = last(s).json.permissions.plugins.config
    assert.same({ access_control = "VIEW_ONLY" }, sent["0a5b2e5e-3f0c-4d47-9e43-5d2f7f1d5a01"])
    assert.same({ handles_view_only = true, theme = "dark", zoom = { 1, 2 } }, sent.whiteboard)
    assert.equal("VIEW_ONLY",
      p.permissions.plugins.config["0a5b2e5e-3f0c-4d47-9e43-5d2f7f1d5a01"].access_control)
  end)

  it("takes a PATCH that sets one key of one plugin's config (deep partial into maps)", function()
    local c, s = helper.client()
    local p = assert(c.presets:create(preset_body(c, "patched")))
    local u = assert(c.presets:update(p.id, { permissions = { plugins = { config = {
      whiteboard = { handles_view_only = false } } } } }))
    assert.equal('{"permissions":{"plugins":{"config":{"whiteboard":'
      .. '{"handles_view_only":false}}}}}', last(s).body)
    assert.is_false(u.permissions.plugins.config.whiteboard.handles_view_only)
  end)

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
    _, err = c.recordings:start { meeting_id = "abcdef-ghijkl" }
    assert.equal(404, err.status)
    assert.equal('{"meeting_id":"abcdef-ghijkl"}', last(s).body)
  end)

  it("sends peer ids with spaces, @ and UTF-8 percent-encoded", function()
    local c, s = helper.client()
    local _, err = c.sessions:peer_report("peer 1@röm")
    assert.equal(404, err.status)
    assert.equal(app_path("/sessions/peer-report/peer%201%40r%C3%B6m"), last(s).path)
  end)

  it("sends kick participant_ids of any form, and a kick naming nobody", function()
    local c, s = helper.client()
    local mid = live_meeting()
    local out = assert(c.active_session:kick(mid, { participant_ids = { "bob", "p-2" } }))
    assert.same({}, out.participants)
    assert.equal('{"participant_ids":["bob","p-2"]}', last(s).body)
    assert(c.active_session:kick(mid, {}))
    assert.equal("{}", last(s).body)
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

  it("takes a storage config when any one form of the union fits it", function()
    local c, s = helper.client()
    local mid = app.meetings[5].id
    for _, sc in ipairs {
      { bucket = "b" },                                              -- gcs, type left out
      { type = "aws", access_key = "AKIAEXAMPLE", region = "eu-west-1" },
      { access_key = "AKIAEXAMPLE", region = "eu-west-1" },          -- type left out
      { type = "sftp", host = "h", password = "pw" },                -- auth_method left out
      { type = "aws", private_key = "pk", bucket = "b" },            -- a key form of any type
      { type = "digitalocean", access_key = "DO00EXAMPLE", region = "nyc3", secret = "s" },
      { type = "sftp", host = "h", port = 2222.5, auth_method = "KEY", private_key = "pk" },
    } do
      local r, err = c.recordings:start { meeting_id = mid, storage_config = sc,
                                          allow_multiple_recordings = true }
      assert.is_nil(err, cjson.encode(sc))
      assert.equal("RECORDING", r.status)
      assert.same(sc, last(s).json.storage_config)
    end
  end)

  it("takes fractions where the SDK has a number", function()
    local c, s = helper.client()
    local m = assert(c.meetings:create {
      session_keep_alive_time_in_secs = 90.5,
      ai_config = { summarization = { word_limit = 250.5 } },
      recording_config = { max_seconds = 60.25, video_config = { height = 720.5, width = 1 } },
    })
    assert.equal('{"session_keep_alive_time_in_secs":90.5,"ai_config":{"summarization":'
      .. '{"word_limit":250.5}},"recording_config":{"video_config":{"height":720.5,"width":1},'
      .. '"max_seconds":60.25}}', last(s).body)
    assert.equal(90.5, m.session_keep_alive_time_in_secs)
    assert(c.livestreams:start(app.meetings[7].id, { video_config = { height = 2160.5,
                                                                      width = 4096 } }))
    assert.equal('{"video_config":{"height":2160.5,"width":4096}}', last(s).body)
  end)

  it("sends page numbers as the numbers they are", function()
    local c, s = helper.client()
    local page = assert(c.meetings:list { page_no = 2.5, per_page = 10 })
    assert.equal("page_no=2.5&per_page=10", last(s).query)
    assert.equal(11, page.paging.start_offset)
  end)

  it("takes text of any length where no source gives a limit", function()
    local c, s = helper.client()
    local long = string.rep("é", 3000)
    local m = assert(c.meetings:create { title = long, ai_config = { transcription = {
      keywords = { string.rep("k", 300) } } } })
    assert.equal(long, m.title)
    assert.equal(long, last(s).json.title)
    local page = assert(c.meetings:list { search = string.rep("x", 3000) })
    assert.equal(0, page.paging.total_count)
    assert.equal(3007, #last(s).query)
    local mid = app.meetings[2].id
    local p = assert(c.participants:add(mid, { custom_participant_id = string.rep("c", 300),
      preset_name = "group_call_host", name = string.rep("n", 300) }))
    assert.equal(string.rep("n", 300), p.name)
    local w = assert(c.webhooks:create { name = string.rep("w", 300), url = "https://x.example",
                                         events = {} })
    assert.equal('{"name":"' .. string.rep("w", 300) .. '","url":"https://x.example",'
      .. '"events":[]}', last(s).body)
    assert.same({}, w.events)
    assert(c.apps:create { name = "" })
    assert.equal('{"name":""}', last(s).body)
  end)

  it("takes a preset with any counts, frame rates, colours, fonts and name", function()
    local c, s = helper.client()
    local body = preset_body(c, string.rep("p", 300))
    body.config.max_screenshare_count = 250
    body.config.media.video.frame_rate = 120
    body.config.media.screenshare.frame_rate = 0.5
    body.config.livestream_viewer_qualities = { 0.5, 2160 }
    body.ui.design_tokens.spacing_base = 4.5
    body.ui.design_tokens.colors.danger = "rgb(255 0 0 / 50%) rendered as a long colour name"
    body.ui.design_tokens.font_family = string.rep("f", 200)
    body.ui.design_tokens.logo = "/static/logo.svg"
    local p = assert(c.presets:create(body))
    assert.equal(120, p.config.media.video.frame_rate)
    assert.equal("/static/logo.svg", last(s).json.ui.design_tokens.logo)
  end)

  it("takes URLs of any scheme, and free text where no source asks for a URL", function()
    local c, s = helper.client()
    local mid = app.meetings[5].id
    assert(c.recordings:start { meeting_id = mid, url = "meet.example.com/room",
      rtmp_out_config = { rtmp_url = "srt://ingest.example.com:9000" },
      video_config = { watermark = { url = "data:image/png;base64,iVBORw0KGgo=" } } })
    local sent = last(s).json
    assert.equal("meet.example.com/room", sent.url)
    assert.equal("srt://ingest.example.com:9000", sent.rtmp_out_config.rtmp_url)
    assert(c.meetings:create { recording_config = { live_streaming_config = {
      rtmp_url = "srt://ingest.example.com:9000" } } })
    assert.equal("srt://ingest.example.com:9000",
      last(s).json.recording_config.live_streaming_config.rtmp_url)
    assert(c.webhooks:create { name = "internal", url = "hooks.internal:8080/rtk",
                               events = { "meeting.ended" } })
    assert.equal("hooks.internal:8080/rtk", last(s).json.url)
    local p = assert(c.participants:add(mid, { custom_participant_id = "pic",
      preset_name = "group_call_host", picture = "mailto:pic@example.com" }))
    assert.equal("mailto:pic@example.com", p.picture)
  end)

  it("takes a poll with an empty question and no options", function()
    local c, s = helper.client()
    local mid = live_meeting()
    local poll = assert(c.active_session:create_poll(mid, { question = "", options = {} }))
    assert.equal('{"question":"","options":[]}', last(s).body)
    assert.same({}, poll.poll.options)
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
    local feb = data.times().sessions -- 2026-02-15
    local a = assert(c.analytics:livestreams_daywise { start_time = feb + 0.5,
                                                       end_time = "2026-02-19T00:00:00Z" })
    assert.same({ start_time = tostring(feb) .. ".5", end_time = tostring(feb + 4 * 86400) },
      last(s).args)
    assert.equal(3, #a)
    assert(c.analytics:livestreams_overall { start_time = "2026-02-15T01:00:00+01:00" })
    assert.same({ start_time = tostring(feb) }, last(s).args)
  end)

  it("sends date-times with a space for the T, an offset without its colon or a leap second",
    function()
      local c, s = helper.client()
      assert(c.meetings:list { start_time = "2026-01-01 00:00:00Z",
                               end_time = "2026-01-02T00:00:00+0100" })
      assert.same({ start_time = "2026-01-01 00:00:00Z", end_time = "2026-01-02T00:00:00+0100" },
        last(s).args)
      assert(c.sessions:list { end_time = "2016-12-31T23:59:60Z" })
      assert.same({ end_time = "2016-12-31T23:59:60Z" }, last(s).args)
    end)

  it("sends times before 1970 as ISO 8601", function()
    local c, s = helper.client()
    assert(c.meetings:list { start_time = -1, end_time = 1.5 })
    assert.same({ start_time = "1969-12-31T23:59:59Z", end_time = "1970-01-01T00:00:01.500Z" },
      last(s).args)
  end)
end)
