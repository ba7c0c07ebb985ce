-- Recordings (reference §3.6). Start makes a RECORDING recording; PUT action pause makes it
-- PAUSED, resume RECORDING again, stop UPLOADED (config recording_stop_status; with its stop
-- time, duration, size and, unless realtimekit_bucket_config.enabled was false, a download
-- link).
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local shapes = require "realtimekit.fake.server.shapes"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"
local events = require "realtimekit.fake.server.events"

local M = {}

local null = json.null
local rtk_error, ok, enum = common.rtk_error, common.ok, common.enum

M.params = {
  recording_id = common.lookup("recording_by_id", "Recording"),
}

-- What a recording keeps to itself: whether its files go to RealtimeKit's bucket.
local private = setmetatable({}, { __mode = "k" })

local ACTIVE = { INVOKED = true, RECORDING = true, PAUSED = true }
local DETAIL_ONLY = { start_reason = true, stop_reason = true, storage_config = true }

-- What the answers show of a recording. Its meeting_id is the fake's own bookkeeping: no
-- response type of the SDK has it. The detailed form (start, get, control) has every other
-- field (no stop_reason until it stopped: the SDK types it optional, not nullable).
local function detailed(r)
  local out = {}
  for k, v in pairs(r) do
    if k ~= "meeting_id" then out[k] = v end
  end
  return out
end

-- The basic form (active recording, track recording) has neither reasons nor storage config.
local function basic(r)
  local out = {}
  for k, v in pairs(r) do
    if not DETAIL_ONLY[k] and k ~= "meeting_id" then out[k] = v end
  end
  return out
end

local function active_of(app, meeting_id)
  for _, r in ipairs(app.recordings) do
    if r.meeting_id == meeting_id and ACTIVE[r.status] then return r end
  end
  return nil
end

local function live_session_of(app, meeting_id)
  for _, s in ipairs(app.sessions) do
    if s.item.associated_id == meeting_id and s.item.status == "LIVE" then return s.item.id end
  end
  return null
end

local function caller(ctx)
  return { name = "RealtimeKit API", type = "ORGANIZATION", user_Id = ctx.app_id }
end

-- A new RECORDING recording of a meeting named in the body; nil and the error when there is no
-- such meeting, or it is being recorded and the body does not allow another.
local function start_recording(ctx, allow_multiple, prefix, storage)
  local app, body = ctx.app, ctx.body
  local meeting = app.meeting_by_id[body.meeting_id:lower()]
  if not meeting then return nil, rtk_error(404, "Meeting not found") end
  if not allow_multiple and active_of(app, meeting.id) then
    return nil, rtk_error(400, "meeting_id: the meeting is already being recorded"
      .. " (allow_multiple_recordings is not set)")
  end
  local t = common.time(state.tick())
  local id = state.uuid()
  local r = {
    id = id, meeting_id = meeting.id, session_id = live_session_of(app, meeting.id),
    status = "RECORDING", invoked_time = t, started_time = t, stopped_time = null,
    output_file_name = (prefix and prefix ~= "" and prefix .. "_" or "") .. id .. ".mp4",
    download_url = null, audio_download_url = null, download_url_expiry = null,
    file_size = null, start_reason = { reason = "API_CALL", caller = caller(ctx) },
    stop_reason = state.absent(), storage_config = storage or null,
  }
  app.recordings[#app.recordings + 1] = r
  app.recording_by_id[id] = r
  events.emit(app, "recording.statusUpdate", r)
  return r
end

local START = S.object({
  meeting_id = S.string(),
  allow_multiple_recordings = S.boolean(),
  audio_config = shapes.audio_config,
  video_config = shapes.video_config,
  file_name_prefix = S.string(),
  max_seconds = shapes.max_seconds,
  realtimekit_bucket_config = shapes.realtimekit_bucket_config,
  storage_config = shapes.storage_config,
  rtmp_out_config = S.object { rtmp_url = S.string() },
  interactive_config = S.object { type = S.enum { "ID3" } },
  url = S.string(),
}, { required = { "meeting_id" } })

local function start(ctx)
  local body = ctx.body
  local r, status, err = start_recording(ctx, body.allow_multiple_recordings == true,
    body.file_name_prefix, shapes.storage_read(body.storage_config))
  if not r then return status, err end
  local bucket = body.realtimekit_bucket_config
  private[r] = { bucket = not (bucket and bucket.enabled == false) }
  return common.created(detailed(r))
end

-- The list's filter takes the SDK's states.
local STATUSES = { "INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED" }

local function list(ctx)
  local app, args = ctx.app, ctx.args
  local items = app.recordings
  if args.meeting_id then
    local id = args.meeting_id:lower()
    items = common.filter(items, function(r) return r.meeting_id == id end)
  end
  if args.status then
    local want = {}
    for _, s in ipairs(type(args.status) == "table" and args.status or { args.status }) do
      want[s] = true
    end
    items = common.filter(items, function(r) return want[r.status] end)
  end
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    items = common.filter(items, function(r)
      return r.id == needle or r.meeting_id == needle
        or r.output_file_name:lower():find(needle, 1, true) ~= nil
    end)
  end
  if args.expired then
    local now = state.clock
    items = common.filter(items, function(r)
      local expiry = r.download_url_expiry ~= null and common.parse_time(r.download_url_expiry)
      return (expiry and expiry < now or false) == (args.expired == "true")
    end)
  end
  local from = args.start_time and common.parse_time(args.start_time)
  local to = args.end_time and common.parse_time(args.end_time)
  if from or to then
    items = common.filter(items, function(r)
      local t = common.parse_time(r.invoked_time)
      return (not from or t >= from) and (not to or t <= to)
    end)
  end
  if args.sort_by or args.sort_order then
    items = common.sorted(items, function(r) return common.parse_time(r.invoked_time) end,
      args.sort_order == "DESC")
  end
  local page, paging = common.page(items, args, function(r)
    -- A list item: the basic form with its storage config and its meeting.
    local out = basic(r)
    out.storage_config = r.storage_config
    local m = app.meeting_by_id[r.meeting_id]
    out.meeting = m and json.raw(m.json) or null
    return json.encode(out)
  end)
  return 200, '{"success":true,"data":' .. page .. ',"paging":' .. paging .. '}'
end

local function get(ctx)
  return ok(detailed(ctx.recording))
end

local TRANSITIONS = {
  stop = { from = ACTIVE }, -- to the status config recording_stop_status names
  pause = { from = { RECORDING = true }, to = "PAUSED" },
  resume = { from = { PAUSED = true }, to = "RECORDING" },
}

local function act(ctx)
  local r, action = ctx.recording, ctx.body.action
  local tr = TRANSITIONS[action]
  if not tr.from[r.status] then
    return rtk_error(400, "action: cannot " .. action .. " a recording that is " .. r.status)
  end
  local t = state.tick()
  r.status = tr.to or state.config.recording_stop_status
  if action == "stop" then
    local duration = t - common.parse_time(r.started_time)
    r.stopped_time = common.time(t)
    r.recording_duration = duration
    r.stop_reason = { reason = "API_CALL", caller = caller(ctx) }
    r.file_size = duration * 250000
    if not private[r] or private[r].bucket then
      r.download_url = common.STORAGE .. "/recordings/" .. r.id .. ".mp4"
      r.download_url_expiry = common.time(t + 7 * 86400)
    end
  end
  events.emit(ctx.app, "recording.statusUpdate", r)
  return ok(detailed(r))
end

local function active(ctx)
  local r = active_of(ctx.app, ctx.meeting.id)
  if not r then return rtk_error(404, "No active recording for this meeting") end
  return ok(basic(r))
end

local TRACK = S.object({
  meeting_id = S.string(),
  layers = S.map(S.object { file_name_prefix = S.string(), media_kind = S.enum { "audio" } }),
  user_ids = S.array(S.string()),
}, { required = { "meeting_id" } })

local function track(ctx)
  -- The file name takes the prefix of the first layer (by name) that has one.
  local layers, names, prefix = ctx.body.layers or {}, {}, nil
  for name in pairs(layers) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do prefix = prefix or layers[name].file_name_prefix end
  local r, status, err = start_recording(ctx, true, prefix, nil)
  if not r then return status, err end
  return common.created { recording = basic(r) }
end

M.routes = {
  { "POST", "recordings", start, body = START },
  { "GET", "recordings", list, query = {
      page_no = "count", per_page = "count", start_time = "time", end_time = "time",
      search = "string", meeting_id = "string", expired = "bool",
      sort_by = enum { "invokedTime" }, sort_order = enum { "ASC", "DESC" },
      status = enum(STATUSES, true) } },
  { "POST", "recordings/track", track, body = TRACK },
  { "GET", "recordings/active-recording/:meeting_id", active },
  { "GET", "recordings/:recording_id", get },
  { "PUT", "recordings/:recording_id", act,
    body = S.object({ action = S.enum { "stop", "pause", "resume" } },
                    { required = { "action" } }) },
}

return M
