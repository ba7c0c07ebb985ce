--- Endpoint descriptions of a meeting's participants (client.participants). Adding one gives
-- the token its front end joins with; refresh_token gives a new one when it expires.
-- @module realtimekit.resources.participants
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local ONE = "/accounts/{account_id}/realtime/kit/{app_id}/meetings/{meeting_id}/participants"
-- The docs' uuid format of the meeting id is checked only in strict mode.
local MEETING = { "meeting_id", S.uuid() }
local PARTICIPANT = { "participant_id", S.id() }
local str, opt = S.string, shapes.opt

return {
  list = {
    http = "GET",
    path = ONE,
    args = { MEETING },
    query = { { "page_no", S.count() }, { "per_page", S.count() } },
    items = { "data" },
    each = "each", pages = "pages",
    sdk = { ts = "meetings.getMeetingParticipants", go = "Meetings.GetMeetingParticipants" },
  },
  add = {
    http = "POST",
    path = ONE,
    args = { MEETING },
    body = shapes.participant,
    sdk = { ts = "meetings.addParticipant", go = "Meetings.AddParticipant" },
    data_optional = true,
  },
  get = {
    http = "GET",
    path = ONE .. "/{participant_id}",
    args = { MEETING, PARTICIPANT },
    sdk = { ts = "meetings.getMeetingParticipant", go = "Meetings.GetMeetingParticipant" },
  },
  update = {
    http = "PATCH",
    path = ONE .. "/{participant_id}",
    args = { MEETING, PARTICIPANT },
    body = S.object {
      opt("name", str { nullable = true }),
      opt("picture", str { format = "uri", nullable = true }),
      opt("preset_name", str { nullable = true }),
    },
    sdk = { ts = "meetings.editParticipant", go = "Meetings.EditParticipant" },
    data_optional = true,
  },
  delete = {
    http = "DELETE",
    path = ONE .. "/{participant_id}",
    args = { MEETING, PARTICIPANT },
    sdk = { ts = "meetings.deleteMeetingParticipant", go = "Meetings.DeleteMeetingParticipant" },
    data_optional = true,
  },
  refresh_token = {
    http = "POST",
    path = ONE .. "/{participant_id}/token",
    args = { MEETING, PARTICIPANT },
    sdk = { ts = "meetings.refreshParticipantToken", go = "Meetings.RefreshParticipantToken" },
  },
}
