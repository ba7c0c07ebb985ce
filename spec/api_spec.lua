-- Every endpoint, against the fake server's state: what each call sends and what it returns.
-- (Each endpoint's validation failure is in validation_spec.lua.)
local helper = require "helper"
local cjson = require "cjson"

local UUID = "^%x+%-%x+%-%x+%-%x+%-%x+$"

describe("the whole API", function()
  local data, app
  setup(function()
    data = helper.data()
    app = data.build().apps[data.APP_ID]
  end)

  local function find(list, pred)
    for _, v in ipairs(list) do if pred(v) then return v end end
  end

  -- The last request the server received, its body decoded.
  local function last(s)
    local r = s:requests()
    local req = r[#r]
    req.json = req.body and req.body ~= "" and cjson.decode(req.body) or nil
    return req
  end

  describe("apps", function()
    it("lists and creates", function()
      local c, s = helper.client()
      local page = assert(c.apps:list())
      assert.equal(data.APP_ID, find(page.data, function(a) return a.id == data.APP_ID end).id)
      local created = assert(c.apps:create { name = "second" })
      assert.equal("second", created.app.name)
      assert.equal("/client/v4/accounts/" .. data.ACCOUNT_ID .. "/realtime/kit/apps", last(s).path)
      local n = 0
      for _ in c.apps:each() do n = n + 1 end
      assert.equal(#page.data + 1, n)
    end)
  end)

  describe("meetings", function()
    it("creates, lists, gets, updates and replaces", function()
      local c, s = helper.client()
      local m = assert(c.meetings:create {
        title = "Design review", session_keep_alive_time_in_secs = 120,
        ai_config = { transcription = { keywords = {} } },
      })
      assert.matches(UUID, m.id)
      assert.equal("Design review", m.title)
      local sent = last(s)
      assert.equal("POST", sent.method)
      assert.equal('{"title":"Design review","session_keep_alive_time_in_secs":120,'
        .. '"ai_config":{"transcription":{"keywords":[]}}}', sent.body)

      local page = assert(c.meetings:list { search = m.id })
      assert.equal(1, page.paging.total_count)
      assert.equal(301, assert(c.meetings:list()).paging.total_count)
      assert.equal("Design review", assert(c.meetings:get(m.id)).title)

      local updated = assert(c.meetings:update(m.id, { status = "INACTIVE" }))
      assert.equal("INACTIVE", updated.status)
      assert.equal("PATCH", last(s).method)
      local replaced = assert(c.meetings:replace(m.id, { title = "Renamed" }))
      assert.equal("Renamed", replaced.title)
      assert.equal("PUT", last(s).method)
    end)

    it("sends null for realtimekit.null", function()
      local c, s = helper.client()
      local realtimekit = require "realtimekit"
      local m = assert(c.meetings:create { title = realtimekit.null })
      assert.is_nil(m.title)
      assert.equal('{"title":null}', last(s).body)
    end)
  end)

  describe("participants", function()
    it("add returns a token, refresh replaces it, delete removes", function()
      local c, s = helper.client()
      local mid = app.meetings[5].id
      local p = assert(c.participants:add(mid, { custom_participant_id = "ann@example.com",
                                                 preset_name = "group_call_host", name = "Ann" }))
      assert.is_string(p.token)
      assert.matches(UUID, p.id)
      local got = assert(c.participants:get(mid, p.id))
      assert.equal("Ann", got.name)
      assert.is_nil(got.token)

      local fresh = assert(c.participants:refresh_token(mid, p.id))
      assert.is_string(fresh.token)
      assert.not_equal(p.token, fresh.token)
      local sent = last(s)
      assert.equal("POST", sent.method)
      assert.equal("", sent.body or "")
      assert.is_nil(sent.headers["content-type"])

      local edited = assert(c.participants:update(mid, p.id, { name = "Ann B." }))
      assert.equal("Ann B.", edited.name)
      assert.equal(1, assert(c.participants:list(mid)).paging.total_count)
      assert.equal(1, #helper.collect(c.participants:each(mid)))
      local gone = assert(c.participants:delete(mid, p.id))
      assert.equal("ann@example.com", gone.custom_participant_id)
      local _, err = c.participants:get(mid, p.id)
      assert.equal(404, err.status)
    end)

    it("is reachable from meetings too", function()
      local c = helper.client()
      local mid = app.meetings[5].id
      local p = assert(c.meetings:add_participant(mid, { custom_participant_id = "bo",
                                                         preset_name = "group_call_participant" }))
      assert.equal(p.id, assert(c.meetings:participants(mid)).data[1].id)
    end)

    it("reports the API's refusal of an unknown preset", function()
      local c = helper.client()
      local _, err = c.participants:add(app.meetings[5].id, { custom_participant_id = "x",
                                                               preset_name = "no-such-preset" })
      assert.equal("api", err.kind)
      assert.equal(400, err.status)
    end)
  end)

  describe("presets", function()
    it("creates, lists, gets, updates, replaces and deletes", function()
      local c, s = helper.client()
      local base = assert(c.presets:get(app.presets[1].id))
      assert.equal(app.presets[1].name, base.name)
      local body = { name = "copy", config = base.config, permissions = base.permissions,
                     ui = base.ui }
      local p = assert(c.presets:create(body))
      assert.equal("copy", p.name)
      assert.equal(#app.presets + 1, #helper.collect(c.presets:each()))
      assert.equal(1, assert(c.presets:list { search = "copy" }).paging.total_count)
      local u = assert(c.presets:update(p.id, { config = { media = { video = {
        quality = "fhd" } } } }))
      assert.equal("fhd", u.config.media.video.quality)
      assert.equal('{"config":{"media":{"video":{"quality":"fhd"}}}}', last(s).body)
      body.name = "copy2"
      assert.equal("copy2", assert(c.presets:replace(p.id, body)).name)
      assert(c.presets:delete(p.id))
      local _, err = c.presets:get(p.id)
      assert.equal(404, err.status)
    end)
  end)

  describe("sessions", function()
    local sid, count
    setup(function()
      for id, list in pairs(app.session_participants) do
        if not count or #list > count then sid, count = id, #list end
      end
    end)

    it("gets one, with breakout rooms", function()
      local c, s = helper.client()
      local sess = assert(c.sessions:get(sid, { include_breakout_rooms = true }))
      assert.equal(sid, sess.id)
      assert.equal("include_breakout_rooms=true", last(s).query)
    end)

    it("lists and walks its participants, with paging inside data", function()
      local c = helper.client()
      local page = assert(c.sessions:participants(sid, { per_page = 10 }))
      assert.equal(10, #page.data)
      assert.equal(count, page.paging.total_count)
      assert.equal(count, #helper.collect(c.sessions:each_participant(sid, { per_page = 7 })))
      assert.equal(count, #helper.collect(c.sessions:each_participant(sid,
        { per_page = 5, concurrency = 4 })))
    end)

    it("gives a participant, a peer report, the chat, transcript and summary", function()
      local c, s = helper.client()
      local peer = app.session_participants[sid][1]
      local one = assert(c.sessions:participant(sid, peer.id, { include_peer_events = true }))
      assert.equal(peer.id, one.participant.id)
      local report = assert(c.sessions:peer_report(peer.id, { filters = "device_info" }))
      assert.is_table(report.participant)
      assert.is_string(assert(c.sessions:chat(sid)).chat_download_url)
      local t = assert(c.sessions:transcript(sid, { format = "VTT" }))
      assert.is_string(t.transcript_download_url)
      assert.equal("format=VTT", last(s).query)
      assert.is_table(assert(c.sessions:summary(sid)))
      local g = assert(c.sessions:generate_summary(sid))
      assert.is_string(g.status)
      assert.equal("POST", last(s).method)
    end)
  end)

  describe("recordings", function()
    it("starts, pauses, resumes and stops one", function()
      local c, s = helper.client()
      local mid = app.meetings[5].id
      local r = assert(c.recordings:start { meeting_id = mid, max_seconds = 600,
        storage_config = { type = "aws", access_key = "AKIAEXAMPLE", secret = "s", region = "r",
                           bucket = "b" } })
      assert.equal("RECORDING", r.status)
      assert.matches('"access_key":"AKIAEXAMPLE"', last(s).body, 1, true)
      assert.equal("PAUSED", assert(c.recordings:control(r.id, { action = "pause" })).status)
      assert.equal("RECORDING", assert(c.recordings:control(r.id, { action = "resume" })).status)
      assert.equal(r.id, assert(c.recordings:active(mid)).id)
      local stopped = assert(c.recordings:control(r.id, { action = "stop" }))
      assert.equal("UPLOADED", stopped.status)
      assert.equal(r.id, assert(c.recordings:get(r.id)).id)
    end)

    it("returns a stopped recording's status as the server gives it, STOPPED too", function()
      local c, s = helper.client()
      s:config { recording_stop_status = "STOPPED" }
      local r = assert(c.recordings:start { meeting_id = app.meetings[5].id })
      assert.equal("STOPPED", assert(c.recordings:control(r.id, { action = "stop" })).status)
      assert.equal("STOPPED", assert(c.recordings:get(r.id)).status)
    end)

    it("lists with repeated status keys, and walks", function()
      local c, s = helper.client()
      local page = assert(c.recordings:list { status = { "UPLOADED", "ERRORED" } })
      assert.equal("status=UPLOADED&status=ERRORED", last(s).query)
      for _, r in ipairs(page.data) do
        assert.is_true(r.status == "UPLOADED" or r.status == "ERRORED")
      end
      assert.equal(#app.recordings, #helper.collect(c.recordings:each { per_page = 3 }))
    end)

    it("starts a track recording", function()
      local c, s = helper.client()
      local out = assert(c.recordings:start_track { meeting_id = app.meetings[5].id,
        layers = { voice = { media_kind = "audio" } } })
      assert.is_table(out.recording)
      assert.matches('"layers":{"voice":{"media_kind":"audio"}}', last(s).body, 1, true)
    end)
  end)

  describe("webhooks", function()
    it("creates, lists, gets, updates, replaces and deletes", function()
      local c, s = helper.client()
      local w = assert(c.webhooks:create { name = "ops", url = "https://example.com/hook",
                                           events = { "meeting.started" } })
      assert.equal("ops", w.name)
      local page = assert(c.webhooks:list())
      assert.equal(#app.webhooks + 1, #page.data)
      assert.is_nil(page.paging)
      assert.equal("ops", assert(c.webhooks:get(w.id)).name)
      assert.is_false(assert(c.webhooks:update(w.id, { enabled = false })).enabled)
      assert.equal('{"enabled":false}', last(s).body)
      local r = assert(c.webhooks:replace(w.id, { name = "ops2", url = "https://example.com/h2",
                                                  events = { "meeting.ended" } }))
      assert.equal("ops2", r.name)
      assert(c.webhooks:delete(w.id))
      assert.equal(404, select(2, c.webhooks:get(w.id)).status)
    end)
  end)

  describe("active session", function()
    it("gets the live session, kicks, polls", function()
      local c, s = helper.client()
      local live = find(app.sessions, function(x) return x.status == "LIVE" end)
      local mid = live.associated_id
      assert.equal(live.id, assert(c.active_session:get(mid)).id)
      local p = assert(c.participants:add(mid, { custom_participant_id = "kick-me",
                                                 preset_name = "group_call_participant" }))
      local kicked = assert(c.active_session:kick(mid, { custom_participant_ids = { "kick-me" } }))
      assert.is_table(kicked.participants)
      assert.equal('{"custom_participant_ids":["kick-me"]}', last(s).body)
      local _ = p
      local poll = assert(c.active_session:create_poll(mid, { question = "Ship it?",
                                                              options = { "yes", "no" } }))
      assert.equal("Ship it?", poll.poll.question)
      assert.is_number(assert(c.active_session:kick_all(mid)).kicked_participants_count)
      assert.equal("", last(s).body or "")
    end)
  end)

  describe("livestreams", function()
    it("starts and stops one for a meeting", function()
      local c, s = helper.client()
      local mid = app.meetings[5].id
      local started = assert(c.livestreams:start(mid, { name = "launch",
                                                        video_config = { width = 1280 } }))
      assert.is_string(started.stream_key)
      assert.equal(started.id, assert(c.livestreams:of_meeting(mid)).id)
      assert.is_string(assert(c.livestreams:stop(mid)).message)
      assert.equal("", last(s).body or "")
    end)

    it("lists one a page with paging inside data, walks, and reads one and a session",
      function()
      local c = helper.client()
      local page = assert(c.livestreams:list())
      assert.equal(#app.livestreams, page.paging.total_count)
      assert.equal(app.livestreams[1].id, page.data[1].id)
      assert.equal(#app.livestreams, #helper.collect(c.livestreams:each { per_page = 1 }))
      local idle = find(app.livestreams, function(l) return l.status == "IDLE" end)
      local one = assert(c.livestreams:get(idle.id))
      assert.equal(idle.id, one.livestream.id)
      assert.equal(idle.id, one.session.livestream_id)
      local live = find(app.livestreams, function(l) return l.status == "LIVE" end)
      local active = assert(c.livestreams:active_session(live.id))
      assert.equal(live.id, active.livestream.id)
      local ls = find(app.livestream_sessions, function() return true end)
      assert.equal(ls.id, assert(c.livestreams:session(ls.id)).id)
    end)
  end)

  describe("analytics", function()
    it("answers overall, daywise and org figures", function()
      local c, s = helper.client()
      local overall = assert(c.analytics:livestreams_overall { start_time = 1767225600,
                                                               end_time = 1780000000 })
      assert.is_number(overall.count)
      assert.equal("start_time=1767225600&end_time=1780000000", last(s).query)
      assert.is_table(assert(c.analytics:livestreams_daywise { start_time = 1767225600 }))
      local org = assert(c.analytics:daywise { start_date = "2026-01-01", end_date = "2026-03-01" })
      assert.is_table(org.session_stats)
      assert.is_table(assert(c.livestreams:org_analytics {}).session_stats)
    end)
  end)
end)
