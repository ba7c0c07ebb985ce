-- Analytics (reference §3.9), computed from the app's state: livestream totals over its
-- livestream sessions (by start time, Unix seconds), and day-wise session and recording stats
-- (by creation day, YYYY-MM-DD; the 30 days up to the server clock's day by default).
local json = require "realtimekit.jsonpure"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local array = json.array
local rtk_error, ok = common.rtk_error, common.ok
local ceil = math.ceil

local function day_of(t) return common.time(t):sub(1, 10) end

-- The livestream sessions started within the query's start_time and end_time.
local function stream_sessions(ctx)
  local args = ctx.args
  local from, to = tonumber(args.start_time), tonumber(args.end_time)
  local out = {}
  for _, ls in ipairs(ctx.app.livestream_sessions) do
    local t = common.parse_time(ls.started_time)
    if (not from or t >= from) and (not to or t <= to) then out[#out + 1] = { ls = ls, t = t } end
  end
  return out
end

local function bad_range(ctx)
  local from, to = tonumber(ctx.args.start_time), tonumber(ctx.args.end_time)
  if from and to and from > to then
    return rtk_error(400, "'end_time' must not be before 'start_time'")
  end
  return nil
end

local function overall(ctx)
  local status, body = bad_range(ctx)
  if status then return status, body end
  local count, ingest, viewer = 0, 0, 0
  for _, x in ipairs(stream_sessions(ctx)) do
    count = count + 1
    ingest = ingest + x.ls.ingest_seconds
    viewer = viewer + x.ls.viewer_seconds
  end
  return ok { count = count, total_ingest_seconds = ingest, total_viewer_seconds = viewer }
end

local function livestream_daywise(ctx)
  local status, body = bad_range(ctx)
  if status then return status, body end
  local days, by_day = array(), {}
  for _, x in ipairs(stream_sessions(ctx)) do
    local d = day_of(x.t)
    local row = by_day[d]
    if not row then
      row = { date = d, count = 0, total_ingest_seconds = 0, total_viewer_seconds = 0 }
      by_day[d] = row
      days[#days + 1] = row
    end
    row.count = row.count + 1
    row.total_ingest_seconds = row.total_ingest_seconds + x.ls.ingest_seconds
    row.total_viewer_seconds = row.total_viewer_seconds + x.ls.viewer_seconds
  end
  table.sort(days, function(a, b) return a.date < b.date end)
  return ok(days)
end

local function org_daywise(ctx)
  local args = ctx.args
  local to = args.end_date or day_of(state.clock)
  local from = args.start_date
    or day_of(common.parse_time(to .. "T00:00:00Z") - 30 * 86400)
  if from > to then return rtk_error(400, "'end_date' must not be before 'start_date'") end
  local function within(d) return d >= from and d <= to end

  local sessions = { sessions_count = 0, sessions_minutes_consumed = 0, day_stats = array() }
  local by_day = {}
  for _, e in ipairs(ctx.app.sessions) do
    local d = day_of(e.created)
    if within(d) then
      local row = by_day[d]
      if not row then
        row = { day = d, total_sessions = 0, total_session_minutes = 0 }
        by_day[d] = row
        sessions.day_stats[#sessions.day_stats + 1] = row
      end
      row.total_sessions = row.total_sessions + 1
      row.total_session_minutes = row.total_session_minutes + e.item.minutes_consumed
      sessions.sessions_count = sessions.sessions_count + 1
      sessions.sessions_minutes_consumed = sessions.sessions_minutes_consumed
        + e.item.minutes_consumed
    end
  end

  local recordings = { recording_count = 0, recording_minutes_consumed = 0, day_stats = array() }
  by_day = {}
  for _, r in ipairs(ctx.app.recordings) do
    local d = r.invoked_time:sub(1, 10)
    if within(d) then
      local minutes = ceil((r.recording_duration or 0) / 60)
      local row = by_day[d]
      if not row then
        row = { day = d, total_recordings = 0, total_recording_minutes = 0 }
        by_day[d] = row
        recordings.day_stats[#recordings.day_stats + 1] = row
      end
      row.total_recordings = row.total_recordings + 1
      row.total_recording_minutes = row.total_recording_minutes + minutes
      recordings.recording_count = recordings.recording_count + 1
      recordings.recording_minutes_consumed = recordings.recording_minutes_consumed + minutes
    end
  end
  for _, stats in ipairs { sessions.day_stats, recordings.day_stats } do
    table.sort(stats, function(a, b) return a.day < b.day end)
  end
  return ok { session_stats = sessions, recording_stats = recordings }
end

local UNIX = { start_time = "unix", end_time = "unix", filters = "string" }

M.routes = {
  { "GET", "analytics/livestreams/overall", overall, query = UNIX },
  { "GET", "analytics/livestreams/daywise", livestream_daywise, query = UNIX },
  { "GET", "analytics/daywise", org_daywise, query = { start_date = "date", end_date = "date" } },
}

return M
