--- Endpoint descriptions of the meetings resource (client.meetings).
-- Each row: `http` method, `path` template below the base URL, positional `args` and `query`
-- parameters as {name, type} in the order they are sent, where the `items` of a list sit, the
-- Lua names of its iterators, and the official SDKs' names for the same call.
-- @module realtimekit.resources.meetings
local t = require "realtimekit.types"

local APP = "/accounts/{account_id}/realtime/kit/{app_id}"

local PAGE = { { "page_no", t.count }, { "per_page", t.count } }

return {
  list = {
    http = "GET",
    path = APP .. "/meetings",
    query = {
      PAGE[1], PAGE[2],
      { "start_time", t.datetime }, { "end_time", t.datetime },
      { "status", t.enum { "ACTIVE", "INACTIVE" } },
      { "search", t.text },
    },
    items = { "data" },
    each = "each", pages = "pages",
    sdk = { ts = "realtimeKit.meetings.get", go = "RealtimeKit.Meetings.Get" },
  },
  get = {
    http = "GET",
    path = APP .. "/meetings/{meeting_id}",
    args = { { "meeting_id", t.uuid } },
    query = { { "name", t.text } },
    sdk = { ts = "realtimeKit.meetings.getMeetingByID",
            go = "RealtimeKit.Meetings.GetMeetingByID" },
  },
  participants = {
    http = "GET",
    path = APP .. "/meetings/{meeting_id}/participants",
    args = { { "meeting_id", t.uuid } },
    query = PAGE,
    items = { "data" },
    each = "each_participant", pages = "participant_pages",
    sdk = { ts = "realtimeKit.meetings.getMeetingParticipants",
            go = "RealtimeKit.Meetings.GetMeetingParticipants" },
  },
}
