--- Endpoint descriptions of recordings (client.recordings).
-- @module realtimekit.resources.recordings
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local RECORDINGS = "/accounts/{account_id}/realtime/kit/{app_id}/recordings"
local RECORDING = { { "recording_id", S.id() } }
local str, req, opt = S.string, shapes.req, shapes.opt

local STATES = { "INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED" }

local rows = {
  start = {
    http = "POST",
    path = RECORDINGS,
    body = S.object {
      req("meeting_id", str()),
      opt("allow_multiple_recordings", S.boolean()),
      opt("audio_config", shapes.audio_config),
      opt("video_config", shapes.video_config),
      opt("file_name_prefix", str()),
      opt("max_seconds", S.number { min = 60, max = 86400 }),
      opt("realtimekit_bucket_config", S.object { req("enabled", S.boolean()) }),
      opt("storage_config", shapes.storage_config),
      opt("rtmp_out_config", S.object { opt("rtmp_url", str()) }),
      opt("interactive_config", S.object { opt("type", str { enum = { "ID3" } }) }),
      opt("url", str()),
    },
    sdk = { ts = "recordings.startRecordings", go = "Recordings.StartRecordings" },
    data_optional = true,
  },
  list = {
    http = "GET",
    path = RECORDINGS,
    query = {
      { "page_no", S.count() }, { "per_page", S.count() },
      { "start_time", S.datetime() }, { "end_time", S.datetime() },
      { "search", S.text() }, { "meeting_id", S.text() }, { "expired", S.boolean() },
      { "sort_by", S.enum { "invokedTime" } }, { "sort_order", S.enum { "ASC", "DESC" } },
      { "status", S.enum_list(STATES) },
    },
    items = { "data" },
    each = "each", pages = "pages",
    sdk = { ts = "recordings.getRecordings", go = "Recordings.GetRecordings" },
  },
  get = {
    http = "GET",
    path = RECORDINGS .. "/{recording_id}",
    args = RECORDING,
    sdk = { ts = "recordings.getOneRecording", go = "Recordings.GetOneRecording" },
    data_optional = true,
  },
  control = {
    http = "PUT",
    path = RECORDINGS .. "/{recording_id}",
    args = RECORDING,
    body = S.object { req("action", str { enum = { "stop", "pause", "resume" } }) },
    sdk = { ts = "recordings.pauseResumeStopRecording",
            go = "Recordings.PauseResumeStopRecording" },
    data_optional = true,
  },
  active = {
    http = "GET",
    path = RECORDINGS .. "/active-recording/{meeting_id}",
    args = { { "meeting_id", S.id() } },
    sdk = { ts = "recordings.getActiveRecordings", go = "Recordings.GetActiveRecordings" },
  },
  start_track = {
    http = "POST",
    path = RECORDINGS .. "/track",
    body = S.object {
      req("meeting_id", str()),
      opt("layers", S.map(S.object {
        opt("file_name_prefix", str()),
        opt("media_kind", str { enum = { "audio" } }),
      })),
      opt("user_ids", S.array(str())),
    },
    sdk = { ts = "recordings.startTrackRecording", go = "Recordings.StartTrackRecording" },
    data_optional = true,
  },
}

-- Every recording route counts against RealtimeKit's budget for its recording APIs as well as
-- the token's (docs/rate-limits.md).
for _, row in pairs(rows) do row.budgets = { "token", "recordings" } end

return rows
