--- Endpoint descriptions of a meeting's live session (client.active_session): who is in it,
-- removing participants, polls.
-- @module realtimekit.resources.active_session
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local ACTIVE = "/accounts/{account_id}/realtime/kit/{app_id}/meetings/{meeting_id}/active-session"
-- No source gives the meeting id here a format: a v1 meeting's is a room name (abcdef-ghijkl).
local MEETING = { { "meeting_id", S.id() } }
local str, req, opt = S.string, shapes.req, shapes.opt

return {
  get = {
    http = "GET",
    path = ACTIVE,
    args = MEETING,
    sdk = { ts = "activeSession.getActiveSession", go = "ActiveSession.GetActiveSession" },
    data_optional = true,
  },
  kick = {
    http = "POST",
    path = ACTIVE .. "/kick",
    args = MEETING,
    body = S.object {
      opt("participant_ids", S.array(str())),
      opt("custom_participant_ids", S.array(str())),
    },
    sdk = { ts = "activeSession.kickParticipants", go = "ActiveSession.KickParticipants" },
    data_optional = true,
  },
  kick_all = {
    http = "POST",
    path = ACTIVE .. "/kick-all",
    args = MEETING,
    sdk = { ts = "activeSession.kickAllParticipants", go = "ActiveSession.KickAllParticipants" },
    data_optional = true,
  },
  create_poll = {
    http = "POST",
    path = ACTIVE .. "/poll",
    args = MEETING,
    body = S.object {
      req("question", str()),
      req("options", S.array(str())),
      opt("anonymous", S.boolean()),
      opt("hide_votes", S.boolean()),
    },
    sdk = { ts = "activeSession.createPoll", go = "ActiveSession.NewPoll" },
    data_optional = true,
  },
}
