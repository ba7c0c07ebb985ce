--- Endpoint descriptions of the meetings resource (client.meetings).
-- Each row: `http` method, `path` template below the base URL, positional `args` and `query`
-- parameters as {name, schema} in the order they are sent, a `body` schema (realtimekit.schema)
-- whose fields come from the params table, where the `items` of a list sit, the Lua names of its
-- iterators, and the official SDKs' names for the same call. `data_optional` and `item_keys` say
-- what else a response may hold (see realtimekit.response).
-- @module realtimekit.resources.meetings
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local APP = "/accounts/{account_id}/realtime/kit/{app_id}"
-- The docs give the meeting id here the uuid format, which only strict mode checks (a v1
-- meeting's id is a room name such as abcdef-ghijkl).
local MEETING = { { "meeting_id", S.uuid() } }
local PAGE = { { "page_no", S.count() }, { "per_page", S.count() } }
local str, opt = S.string, shapes.opt

local update_fields = {}
for i, f in ipairs(shapes.meeting_fields) do update_fields[i] = f end
update_fields[#update_fields + 1] = opt("status", str { enum = { "ACTIVE", "INACTIVE" } })

return {
  list = {
    http = "GET",
    path = APP .. "/meetings",
    query = {
      PAGE[1], PAGE[2],
      { "start_time", S.datetime() }, { "end_time", S.datetime() },
      { "status", S.enum { "ACTIVE", "INACTIVE" } },
      { "search", S.text() },
    },
    items = { "data" },
    each = "each", pages = "pages",
    sdk = { ts = "meetings.get", go = "Meetings.Get" },
  },
  get = {
    http = "GET",
    path = APP .. "/meetings/{meeting_id}",
    args = MEETING,
    query = { { "name", S.text() } },
    sdk = { ts = "meetings.getMeetingByID", go = "Meetings.GetMeetingByID" },
    data_optional = true,
  },
  create = {
    http = "POST",
    path = APP .. "/meetings",
    body = S.object(shapes.meeting_fields),
    sdk = { ts = "meetings.create", go = "Meetings.New" },
    data_optional = true,
  },
  replace = {
    http = "PUT",
    path = APP .. "/meetings/{meeting_id}",
    args = MEETING,
    body = S.object(shapes.meeting_fields),
    sdk = { ts = "meetings.replaceMeetingByID", go = "Meetings.ReplaceMeetingByID" },
    data_optional = true,
  },
  update = {
    http = "PATCH",
    path = APP .. "/meetings/{meeting_id}",
    args = MEETING,
    body = S.object(update_fields),
    sdk = { ts = "meetings.updateMeetingByID", go = "Meetings.UpdateMeetingByID" },
    data_optional = true,
  },
  participants = {
    http = "GET",
    path = APP .. "/meetings/{meeting_id}/participants",
    args = MEETING,
    query = PAGE,
    items = { "data" },
    each = "each_participant", pages = "participant_pages",
    sdk = { ts = "meetings.getMeetingParticipants", go = "Meetings.GetMeetingParticipants" },
  },
  add_participant = {
    http = "POST",
    path = APP .. "/meetings/{meeting_id}/participants",
    args = MEETING,
    body = shapes.participant,
    sdk = { ts = "meetings.addParticipant", go = "Meetings.AddParticipant" },
    data_optional = true,
  },
}
