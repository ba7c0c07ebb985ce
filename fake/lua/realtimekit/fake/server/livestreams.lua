-- Livestreams and their sessions (reference §3.9). Starting a meeting's livestream makes it LIVE
-- (the meeting's livestream if it has one, else a new one) with a new active session; stopping
-- makes it IDLE and ends the session.
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local null = json.null
local rtk_error, ok, enum = common.rtk_error, common.ok, common.enum

M.params = {
  livestream_id = common.lookup("livestream_by_id", "Livestream"),
  livestream_session_id = common.lookup("livestream_session_by_id", "Livestream session"),
}

local function of_meeting(app, meeting_id)
  local found
  for _, l in ipairs(app.livestreams) do
    if l.meeting_id == meeting_id then found = l end
  end
  return found
end

local function sessions_of(app, livestream_id)
  local out = {}
  for _, ls in ipairs(app.livestream_sessions) do
    if ls.livestream_id == livestream_id then out[#out + 1] = ls end
  end
  return out
end

local function active_session_of(app, livestream_id)
  for _, ls in ipairs(app.livestream_sessions) do
    if ls.livestream_id == livestream_id and state.unset(ls.stopped_time) then return ls end
  end
  return nil
end

local START = S.object {
  name = S.nullable(S.string()),
  video_config = S.object { height = S.number(), width = S.number() },
}

local function hex(n)
  local parts = {}
  for i = 1, n do parts[i] = string.format("%x", state.random() % 16) end
  return table.concat(parts)
end

local function start(ctx)
  local app, m, body = ctx.app, ctx.meeting, ctx.body
  local l = of_meeting(app, m.id)
  if l and l.status == "LIVE" then
    return rtk_error(400, "meeting_id: the meeting already has an active livestream")
  end
  local t = state.tick()
  local at = common.time(t)
  if not l then
    local id = state.uuid()
    l = { id = id, name = state.absent(), meeting_id = m.id, status = "IDLE",
          ingest_server = "rtmps://live.fake-realtimekit.test:443/live/",
          stream_key = "live_" .. hex(32),
          playback_url = "https://stream.fake-realtimekit.test/" .. id .. "/manifest.m3u8",
          disabled = "false", created_at = at, updated_at = at }
    app.livestreams[#app.livestreams + 1] = l
    app.livestream_by_id[id] = l
  end
  if body.name == null then
    l.name = state.absent() -- nullable in the request, not in the list's livestreams
  elseif body.name ~= nil then
    l.name = body.name
  end
  l.status, l.updated_at = "LIVE", at
  local ls = { id = state.uuid(), livestream_id = l.id, err_message = state.absent(),
               ingest_seconds = 0, viewer_seconds = 0, invoked_time = at, started_time = at,
               stopped_time = state.absent(), created_at = at, updated_at = at }
  app.livestream_sessions[#app.livestream_sessions + 1] = ls
  app.livestream_session_by_id[ls.id] = ls
  return common.created { id = l.id, status = l.status, ingest_server = l.ingest_server,
                          stream_key = l.stream_key, playback_url = l.playback_url }
end

local function stop(ctx)
  local app = ctx.app
  local l = of_meeting(app, ctx.meeting.id)
  if not l or l.status ~= "LIVE" then
    return rtk_error(404, "No active livestream for this meeting")
  end
  local t = state.tick()
  local at = common.time(t)
  l.status, l.updated_at = "IDLE", at
  local ls = active_session_of(app, l.id)
  if ls then
    local seconds = t - common.parse_time(ls.started_time)
    ls.stopped_time, ls.updated_at = at, at
    ls.ingest_seconds, ls.viewer_seconds = seconds, seconds * 10
  end
  return ok { message = "Livestream stopped" }
end

local function active(ctx)
  local l = of_meeting(ctx.app, ctx.meeting.id)
  if not l or l.status ~= "LIVE" then
    return rtk_error(404, "No active livestream for this meeting")
  end
  return ok(l)
end

local function list(ctx)
  local args = ctx.args
  local items = ctx.app.livestreams
  if args.status then
    items = common.filter(items, function(l) return l.status == args.status end)
  end
  if args.exclude_meetings == "true" then
    items = common.filter(items, function(l) return state.unset(l.meeting_id) end)
  end
  local from = args.start_time and common.parse_time(args.start_time)
  local to = args.end_time and common.parse_time(args.end_time)
  if from or to then
    items = common.filter(items, function(l)
      local t = common.parse_time(l.created_at)
      return (not from or t >= from) and (not to or t <= to)
    end)
  end
  if args.sort_order then
    items = common.sorted(items, function(l) return l.created_at end, args.sort_order == "DSC")
  end
  if state.config.livestream_list == "livestreams" then
    local page, paging = common.page(items, args, json.encode)
    return 200, '{"success":true,"data":{"livestreams":' .. page .. ',"paging":' .. paging
      .. '}}'
  end
  -- The SDK's shape: data is one livestream, with the paging inside it.
  local l, paging = common.one(items, args)
  local out = l and common.copy(l) or {}
  out.paging = json.raw(paging)
  return ok(out)
end

local function get(ctx)
  local l = ctx.livestream
  local sessions = sessions_of(ctx.app, l.id)
  if state.config.livestream_session == "list" then
    local page, paging = common.page(sessions, ctx.args, json.encode)
    return 200, '{"success":true,"data":{"livestream":' .. json.encode(l) .. ',"session":'
      .. page .. ',"paging":' .. paging .. '}}'
  end
  -- The SDK's shape: one session, the page's, with the paging beside it.
  local ls, paging = common.one(sessions, ctx.args)
  return ok { livestream = l, session = ls, paging = json.raw(paging) }
end

local function active_session(ctx)
  local l = ctx.livestream
  local ls = active_session_of(ctx.app, l.id)
  if not ls then return rtk_error(404, "No active livestream session") end
  -- This one variant types the seconds as strings.
  local out = common.copy(ls)
  out.ingest_seconds = string.format("%d", out.ingest_seconds)
  out.viewer_seconds = string.format("%d", out.viewer_seconds)
  return ok { livestream = l, session = out }
end

local function session(ctx)
  -- The SDK's type of this answer has every field of a livestream session but invoked_time.
  local out = common.copy(ctx.livestream_session)
  out.invoked_time = nil
  return ok(out)
end

M.routes = {
  { "POST", "meetings/:meeting_id/livestreams", start, body = START },
  { "POST", "meetings/:meeting_id/active-livestream/stop", stop, body = "none" },
  { "GET", "meetings/:meeting_id/active-livestream", active },
  { "GET", "livestreams", list, query = {
      page_no = "count", per_page = "count", start_time = "time", end_time = "time",
      exclude_meetings = "bool", sort_order = enum { "ASC", "DSC" },
      status = enum { "LIVE", "IDLE", "ERRORED", "INVOKED" } } },
  { "GET", "livestreams/sessions/:livestream_session_id", session },
  { "GET", "livestreams/:livestream_id", get, query = { page_no = "count", per_page = "count" } },
  { "GET", "livestreams/:livestream_id/active-livestream-session", active_session },
}

return M
