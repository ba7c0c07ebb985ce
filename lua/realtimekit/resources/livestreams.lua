--- Endpoint descriptions of livestreams (client.livestreams).
-- @module realtimekit.resources.livestreams
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local APP = "/accounts/{account_id}/realtime/kit/{app_id}"
-- The docs' uuid format of the meeting id is checked only in strict mode.
local MEETING = { { "meeting_id", S.uuid() } }
local LIVESTREAM = { { "livestream_id", S.id() } }
local num = S.number

return {
  start = {
    http = "POST",
    path = APP .. "/meetings/{meeting_id}/livestreams",
    args = MEETING,
    body = S.object {
      shapes.opt("name", S.string { nullable = true }),
      shapes.opt("video_config", S.object {
        shapes.opt("height", num()),
        shapes.opt("width", num()),
      }),
    },
    sdk = { ts = "livestreams.startLivestreamingAMeeting",
            go = "Livestreams.StartLivestreamingAMeeting" },
    data_optional = true,
  },
  stop = {
    http = "POST",
    path = APP .. "/meetings/{meeting_id}/active-livestream/stop",
    args = MEETING,
    sdk = { ts = "livestreams.stopLivestreamingAMeeting",
            go = "Livestreams.StopLivestreamingAMeeting" },
    data_optional = true,
  },
  of_meeting = {
    http = "GET",
    path = APP .. "/meetings/{meeting_id}/active-livestream",
    args = MEETING,
    sdk = { ts = "livestreams.getMeetingActiveLivestreams",
            go = "Livestreams.GetMeetingActiveLivestreams" },
    data_optional = true,
  },
  list = {
    http = "GET",
    path = APP .. "/livestreams",
    query = {
      { "page_no", S.count() }, { "per_page", S.count() },
      { "start_time", S.datetime() }, { "end_time", S.datetime() },
      { "exclude_meetings", S.boolean() },
      { "sort_order", S.enum { "ASC", "DSC" } },
      { "status", S.enum { "LIVE", "IDLE", "ERRORED", "INVOKED" } },
    },
    items = { "data", "livestreams" },
    item_keys = { "id", "name", "meeting_id", "status", "ingest_server", "stream_key",
                  "playback_url", "disabled", "created_at", "updated_at" },
    each = "each", pages = "pages",
    sdk = { ts = "livestreams.getAllLivestreams", go = "Livestreams.GetAllLivestreams" },
    data_optional = true,
  },
  get = {
    http = "GET",
    path = APP .. "/livestreams/{livestream_id}",
    args = LIVESTREAM,
    query = { { "page_no", S.count() }, { "per_page", S.count() } },
    sdk = { ts = "livestreams.getLivestreamSessionForLivestreamID",
            go = "Livestreams.GetLivestreamSessionForLivestreamID" },
    data_optional = true,
  },
  active_session = {
    http = "GET",
    path = APP .. "/livestreams/{livestream_id}/active-livestream-session",
    args = LIVESTREAM,
    sdk = { ts = "livestreams.getActiveLivestreamsForLivestreamID",
            go = "Livestreams.GetActiveLivestreamsForLivestreamID" },
    data_optional = true,
  },
  session = {
    http = "GET",
    path = APP .. "/livestreams/sessions/{livestream_session_id}",
    args = { { "livestream_session_id", S.id() } },
    sdk = { ts = "livestreams.getLivestreamSessionDetailsForSessionID",
            go = "Livestreams.GetLivestreamSessionDetailsForSessionID" },
    data_optional = true,
  },
  org_analytics = {
    http = "GET",
    path = APP .. "/analytics/daywise",
    query = { { "start_date", S.date() }, { "end_date", S.date() } },
    sdk = { ts = "livestreams.getOrgAnalytics", go = "Livestreams.GetOrgAnalytics" },
    data_optional = true,
  },
}
