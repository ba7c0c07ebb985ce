--- Endpoint descriptions of the sessions resource (client.sessions); see
-- realtimekit.resources.meetings for the row format.
-- @module realtimekit.resources.sessions
local t = require "realtimekit.types"

local APP = "/accounts/{account_id}/realtime/kit/{app_id}"

return {
  list = {
    http = "GET",
    path = APP .. "/sessions",
    query = {
      { "page_no", t.count }, { "per_page", t.count },
      { "start_time", t.datetime }, { "end_time", t.datetime },
      { "status", t.enum { "LIVE", "ENDED" } },
      { "associated_id", t.text },
      { "participants", t.text },
      { "sort_by", t.enum { "minutesConsumed", "createdAt" } },
      { "sort_order", t.enum { "ASC", "DESC" } },
      { "search", t.text },
    },
    items = { "data", "sessions" },
    each = "each", pages = "pages",
    sdk = { ts = "realtimeKit.sessions.getSessions", go = "RealtimeKit.Sessions.GetSessions" },
  },
}
