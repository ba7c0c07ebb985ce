-- The fake server's data set beyond meetings, their participants and sessions (data.lua): apps'
-- names, presets, who took part in each session, recordings, webhooks and livestreams. Pure Lua,
-- deterministic, drawn from a generator of its own so that data.lua's ids never move. data.lua
-- loads this file and calls it from data.build(); specs get all of it from there.
--
-- Main app: presets group_call_host, group_call_participant, webinar_presenter, webinar_viewer;
-- every session has participants (the session of meeting 1 has 45, for paging); 10 recordings,
-- one per session 11, 22, ... 110 (session 110 is LIVE and its recording RECORDING; 33's
-- ERRORED, 66's UPLOADING, the rest UPLOADED); 2 webhooks; 3 livestreams: one LIVE on meeting
-- 30 (which has a LIVE session), one IDLE on meeting 5, one IDLE of no meeting.
-- Small app: the two group_call presets, nothing else.
return function(data, built, times)
  local NULL, UNSET, fmt, array = data.NULL, data.UNSET, data.format_time, data.array
  local rand = data.generator(20261123)
  local function uuid() return data.uuid(rand) end
  local function hex(n)
    local parts = {}
    for i = 1, n do parts[i] = string.format("%x", rand() % 16) end
    return table.concat(parts)
  end
  local CREATED = times.app

  local big = built.apps[data.APP_ID]
  local small = built.apps[data.SMALL_APP_ID]
  big.app = { id = data.APP_ID, name = "realtimekit-fake", created_at = fmt(CREATED) }
  small.app = { id = data.SMALL_APP_ID, name = "realtimekit-fake-small",
                created_at = fmt(CREATED + 86400) }

  -- Presets -----------------------------------------------------------------------------------
  local function preset(name, view_type, host, created)
    local cfg = {
      view_type = view_type,
      max_screenshare_count = host and 2 or 1,
      max_video_streams = { desktop = host and 9 or 6, mobile = 4 },
      media = {
        video = { quality = host and "hd" or "vga", frame_rate = 30, simulcast = false },
        screenshare = { quality = "hd", frame_rate = 5 },
        audio = { enable_high_bitrate = false, enable_stereo = false },
      },
    }
    if view_type == "LIVESTREAM" or view_type == "WEBINAR" then
      cfg.livestream_viewer_qualities = array { 360, 720 }
    end
    local both = host or view_type == "GROUP_CALL"
    local permissions = {
      accept_waiting_requests = host, can_accept_production_requests = host,
      can_change_participant_permissions = host, can_edit_display_name = true,
      can_livestream = host, can_record = host, can_spotlight = host,
      disable_participant_audio = host, disable_participant_screensharing = host,
      disable_participant_video = host, hidden_participant = false, kick_participant = host,
      pin_participant = host, show_participant_list = true,
      chat = {
        public = { can_send = true, text = true, files = host },
        private = { can_send = both, can_receive = true, text = both, files = host },
      },
      connected_meetings = { can_alter_connected_meetings = host,
                             can_switch_connected_meetings = host,
                             can_switch_to_parent_meeting = host },
      media = {
        audio = { can_produce = both and "ALLOWED" or "CAN_REQUEST" },
        video = { can_produce = both and "ALLOWED" or "NOT_ALLOWED" },
        screenshare = { can_produce = host and "ALLOWED" or "NOT_ALLOWED" },
      },
      plugins = { can_start = host, can_close = host, can_edit_config = host, config = {} },
      polls = { can_create = host, can_view = true, can_vote = true },
      recorder_type = "NONE",
      waiting_room_type = host and "SKIP" or "ON_PRIVILEGED_USER_ENTRY",
      is_recorder = false, stage_enabled = view_type == "WEBINAR",
      transcription_enabled = false,
    }
    if view_type == "WEBINAR" then
      permissions.accept_stage_requests = host
      permissions.stage_access = host and "ALLOWED" or "CAN_REQUEST"
    end
    local ui = { design_tokens = {
      border_radius = "rounded", border_width = "thin", spacing_base = 4,
      theme = host and "darkest" or "dark",
      colors = {
        brand = { ["300"] = "#844d1c", ["400"] = "#9d5b22", ["500"] = "#b56927",
                  ["600"] = "#d37c30", ["700"] = "#d9904f" },
        background = { ["600"] = "#222222", ["700"] = "#1f1f1f", ["800"] = "#1b1b1b",
                       ["900"] = "#181818", ["1000"] = "#141414" },
        danger = "#ff2d2d", success = "#62a504", warning = "#ffcd07", text = "#eeeeee",
        text_on_brand = "#eeeeee", video_bg = "#191919",
      },
    } }
    return { id = uuid(), name = name, created_at = fmt(created), updated_at = fmt(created),
             config = cfg, permissions = permissions, ui = ui }
  end
  big.presets = {
    preset("group_call_host", "GROUP_CALL", true, CREATED + 3600),
    preset("group_call_participant", "GROUP_CALL", false, CREATED + 7200),
    preset("webinar_presenter", "WEBINAR", true, CREATED + 10800),
    preset("webinar_viewer", "WEBINAR", false, CREATED + 14400),
  }
  small.presets = {
    preset("group_call_host", "GROUP_CALL", true, CREATED + 90000),
    preset("group_call_participant", "GROUP_CALL", false, CREATED + 93600),
  }

  -- Who took part in each session ---------------------------------------------------------------
  local meeting_by_id = {}
  for i, m in ipairs(big.meetings) do meeting_by_id[m.id] = { meeting = m, index = i } end
  big.session_participants = {}
  for j, s in ipairs(big.sessions) do
    local m = meeting_by_id[s.associated_id]
    local people = big.participants[s.associated_id]
    local started = data.parse_time(s.started_at)
    local live = s.status == "LIVE"
    local n = (m.index == 1) and 45 or (s.max_concurrent_participants + j % 3)
    local list = {}
    for k = 1, n do
      local p = people[(k - 1) % math.max(#people, 1) + 1]
      local joined = started + (k - 1) * 30
      local present = live and k <= s.live_participants
      local seconds = present and 0 or math.max(60, s.minutes_consumed * 60 - (k - 1) * 60)
      local left = joined + seconds
      local peer_id = uuid()
      local name = p and p.name ~= NULL and p.name or ("Guest " .. k)
      local sp = {
        id = peer_id,
        user_id = p and p.id or uuid(),
        custom_participant_id = p and p.custom_participant_id
          or ("guest-" .. j .. "-" .. k),
        display_name = name,
        preset_name = p and p.preset_name or "group_call_participant",
        duration = seconds / 60,
        joined_at = fmt(joined),
        left_at = present and UNSET or fmt(left),
        created_at = fmt(joined - 2),
        updated_at = fmt(present and joined or left),
      }
      local function event(name_, at)
        return { id = uuid(), event_name = name_, peer_id = peer_id, participant_id = sp.user_id,
                 session_id = s.id, socket_session_id = peer_id, minutes_consumed = 0,
                 preset_view_type = "GROUP_CALL", created_at = fmt(at), updated_at = fmt(at) }
      end
      sp.peer_events = array { event("PEER_CREATED", joined - 2), event("PEER_JOINING", joined) }
      if not present then
        local leaving = event("PEER_LEAVING", left)
        leaving.minutes_consumed = seconds / 60
        sp.peer_events[3] = leaving
      end
      list[k] = sp
    end
    big.session_participants[s.id] = list
  end
  small.session_participants = {}

  -- Recordings --------------------------------------------------------------------------------
  local caller = { name = "RealtimeKit API", type = "ORGANIZATION", user_Id = data.APP_ID }
  big.recordings = {}
  for k = 1, 10 do
    local s = big.sessions[11 * k]
    local m = meeting_by_id[s.associated_id].meeting
    local status = (k == 10 and "RECORDING") or (k == 3 and "ERRORED")
      or (k == 6 and "UPLOADING") or "UPLOADED"
    local invoked = data.parse_time(s.started_at) + 10
    local id = uuid()
    local duration = math.max(60, (s.minutes_consumed - 1) * 60)
    local stopped = invoked + 5 + duration
    local r = {
      id = id, meeting_id = m.id, session_id = s.id, status = status,
      invoked_time = fmt(invoked), started_time = fmt(invoked + 5),
      stopped_time = status == "RECORDING" and NULL or fmt(stopped),
      output_file_name = "meeting-" .. (11 * k) .. "_" .. id .. ".mp4",
      download_url = NULL, audio_download_url = NULL, download_url_expiry = NULL,
      file_size = NULL,
      start_reason = { reason = m.record_on_start and "RECORD_ON_START" or "API_CALL",
                       caller = caller },
      stop_reason = UNSET, storage_config = NULL,
    }
    if status ~= "RECORDING" then
      r.recording_duration = duration
      r.stop_reason = { reason = status == "ERRORED" and "INTERNAL_ERROR" or "ALL_PEERS_LEFT",
                        caller = caller }
    end
    if status == "UPLOADED" then
      r.download_url = "https://storage.fake-realtimekit.test/recordings/" .. id .. ".mp4"
      r.download_url_expiry = fmt(stopped + 7 * 86400)
      r.file_size = duration * 250000
    end
    big.recordings[k] = r
  end
  small.recordings = {}

  -- Webhooks ----------------------------------------------------------------------------------
  big.webhooks = {
    { id = uuid(), name = "All events", url = "https://hooks.example.com/realtimekit",
      events = array { "meeting.started", "meeting.ended", "meeting.participantJoined",
                       "meeting.participantLeft", "meeting.chatSynced", "recording.statusUpdate",
                       "livestreaming.statusUpdate", "meeting.transcript", "meeting.summary" },
      enabled = true, created_at = fmt(CREATED + 86400 * 3),
      updated_at = fmt(CREATED + 86400 * 3) },
    { id = uuid(), name = "Recordings", url = "https://hooks.example.com/recordings",
      events = array { "recording.statusUpdate", "livestreaming.statusUpdate" },
      enabled = false, created_at = fmt(CREATED + 86400 * 4),
      updated_at = fmt(CREATED + 86400 * 5) },
  }
  small.webhooks = {}

  -- Livestreams -------------------------------------------------------------------------------
  big.livestreams, big.livestream_sessions = {}, {}
  local function livestream(name, meeting, status, created)
    local id = uuid()
    local l = {
      id = id, name = name, meeting_id = meeting and meeting.id or UNSET, status = status,
      ingest_server = "rtmps://live.fake-realtimekit.test:443/live/",
      stream_key = "live_" .. hex(32),
      playback_url = "https://stream.fake-realtimekit.test/" .. id .. "/manifest.m3u8",
      disabled = "false", created_at = fmt(created), updated_at = fmt(created),
    }
    big.livestreams[#big.livestreams + 1] = l
    return l
  end
  local function stream_session(l, started, seconds, viewers)
    local active = seconds == nil
    local ls = {
      id = uuid(), livestream_id = l.id, err_message = UNSET,
      ingest_seconds = seconds or 0, viewer_seconds = active and 0 or seconds * viewers,
      invoked_time = fmt(started - 5), started_time = fmt(started),
      stopped_time = active and UNSET or fmt(started + seconds),
      created_at = fmt(started - 5), updated_at = fmt(active and started or started + seconds),
    }
    big.livestream_sessions[#big.livestream_sessions + 1] = ls
    l.updated_at = ls.updated_at
    return ls
  end
  local FROM, SESSIONS = times.meetings, times.sessions
  local live_session = big.sessions[90] -- LIVE, of meeting 30
  local town_hall = livestream("Town hall stream", big.meetings[30], "LIVE", FROM + 86400)
  stream_session(town_hall, FROM + 20 * 86400, 3600, 12)
  stream_session(town_hall, data.parse_time(live_session.started_at) + 120, nil)
  local weekly = livestream("Meeting 5 stream", big.meetings[5], "IDLE", FROM + 2 * 86400)
  for d = 1, 3 do stream_session(weekly, SESSIONS + d * 86400 + 36000, 1800 * d, 5 + d) end
  local independent = livestream("Independent stream", nil, "IDLE", FROM + 3 * 86400)
  stream_session(independent, SESSIONS + 5 * 86400 + 72000, 5400, 40)
  small.livestreams, small.livestream_sessions = {}, {}
end
