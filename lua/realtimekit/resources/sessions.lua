--- Endpoint descriptions of the sessions resource (client.sessions): what happened in a
-- meeting, its participants, chat, transcript and summary. See realtimekit.resources.meetings
-- for the row format.
-- @module realtimekit.resources.sessions
local S = require "realtimekit.schema"

local SESSIONS = "/accounts/{account_id}/realtime/kit/{app_id}/sessions"
local SESSION = { "session_id", S.id() }
-- Which parts of a peer report to send: a comma-separated list (cloudflare-go's words).
local FILTERS = S.enum_csv { "device_info", "ip_information", "precall_network_information",
                             "events", "quality_stats" }
local ORDER = S.enum { "ASC", "DESC" }

return {
  list = {
    http = "GET",
    path = SESSIONS,
    query = {
      { "page_no", S.count() }, { "per_page", S.count() },
      { "start_time", S.datetime() }, { "end_time", S.datetime() },
      { "status", S.enum { "LIVE", "ENDED" } },
      { "associated_id", S.text() },
      { "participants", S.text() },
      { "sort_by", S.enum { "minutesConsumed", "createdAt" } },
      { "sort_order", ORDER },
      { "search", S.text() },
    },
    items = { "data", "sessions" },
    each = "each", pages = "pages",
    sdk = { ts = "sessions.getSessions", go = "Sessions.GetSessions" },
    data_optional = true,
  },
  get = {
    http = "GET",
    path = SESSIONS .. "/{session_id}",
    args = { SESSION },
    query = { { "include_breakout_rooms", S.boolean() } },
    sdk = { ts = "sessions.getSessionDetails", go = "Sessions.GetSessionDetails" },
    data_optional = true,
  },
  participants = {
    http = "GET",
    path = SESSIONS .. "/{session_id}/participants",
    args = { SESSION },
    query = {
      { "page_no", S.count() }, { "per_page", S.count() }, { "search", S.text() },
      { "sort_by", S.enum { "joinedAt", "duration" } }, { "sort_order", ORDER },
      { "include_peer_events", S.boolean() }, { "view", S.enum { "raw", "consolidated" } },
    },
    items = { "data", "participants" },
    each = "each_participant", pages = "participant_pages",
    sdk = { ts = "sessions.getSessionParticipants", go = "Sessions.GetSessionParticipants" },
    data_optional = true,
  },
  participant = {
    http = "GET",
    path = SESSIONS .. "/{session_id}/participants/{participant_id}",
    args = { SESSION, { "participant_id", S.id() } },
    query = { { "include_peer_events", S.boolean() }, { "filters", FILTERS } },
    sdk = { ts = "sessions.getSessionParticipantDetails",
            go = "Sessions.GetSessionParticipantDetails" },
    data_optional = true,
  },
  peer_report = {
    http = "GET",
    path = SESSIONS .. "/peer-report/{peer_id}",
    args = { { "peer_id", S.id() } },
    query = {
      { "filters", FILTERS },
      { "include_peer_events", S.boolean() },
    },
    sdk = { ts = "sessions.getParticipantDataFromPeerID",
            go = "Sessions.GetParticipantDataFromPeerID" },
    data_optional = true,
  },
  chat = {
    http = "GET",
    path = SESSIONS .. "/{session_id}/chat",
    args = { SESSION },
    sdk = { ts = "sessions.getSessionChat", go = "Sessions.GetSessionChat" },
    data_optional = true,
  },
  transcript = {
    http = "GET",
    path = SESSIONS .. "/{session_id}/transcript",
    args = { SESSION },
    query = { { "format", S.enum { "SRT", "VTT", "JSON", "CSV" } } },
    sdk = { ts = "sessions.getSessionTranscripts", go = "Sessions.GetSessionTranscripts" },
    data_optional = true,
  },
  summary = {
    http = "GET",
    path = SESSIONS .. "/{session_id}/summary",
    args = { SESSION },
    sdk = { ts = "sessions.getSessionSummary", go = "Sessions.GetSessionSummary" },
    data_optional = true,
  },
  generate_summary = {
    http = "POST",
    path = SESSIONS .. "/{session_id}/summary",
    args = { SESSION },
    sdk = { ts = "sessions.generateSummaryOfTranscripts",
            go = "Sessions.GenerateSummaryOfTranscripts" },
    data_optional = true,
  },
}
