-- Meetings and their participants (reference §3.2, §3.3).
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local shapes = require "realtimekit.fake.server.shapes"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"
local events = require "realtimekit.fake.server.events"

local M = {}

local null = json.null
local rtk_error, ok, ok_json = common.rtk_error, common.ok, common.ok_json

-- Lookups -------------------------------------------------------------------------------------

-- The docs give a meeting id in a path the uuid format, except in the active session's and the
-- active recording's paths, where no source gives it one (a v1 meeting's id is a room name such
-- as abcdef-ghijkl): there an id of another form is just one no meeting has.
local function uuid_checked(route)
  return not route:find("active%-session") and not route:find("^recordings/active%-recording/")
end

M.params = {
  meeting_id = function(ctx, raw)
    local id = raw:lower()
    if not id:match(S.UUID) and uuid_checked(ctx.route) then
      return nil, rtk_error(400, "meeting_id must be a UUID")
    end
    local meeting = ctx.app.meeting_by_id[id]
    if not meeting then return nil, rtk_error(404, "Meeting not found") end
    return meeting
  end,
  participant_id = function(ctx, raw)
    local by_id = ctx.app.participant_by_id[ctx.meeting.id]
    local p = by_id and by_id[raw:lower()]
    if not p then return nil, rtk_error(404, "Participant not found") end
    return p
  end,
}

-- Meetings ------------------------------------------------------------------------------------

local function envelope(items, paging, where)
  if where == "top" then
    return '{"success":true,"data":' .. items .. ',"paging":' .. paging .. '}'
  elseif where == "data" then
    return '{"success":true,"data":{"items":' .. items .. ',"paging":' .. paging .. '}}'
  end
  return '{"success":true,"data":' .. items .. '}'
end

local function list(ctx)
  local args = ctx.args
  local items = ctx.app.meetings
  if args.status then
    items = common.filter(items, function(e) return e.item.status == args.status end)
  end
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    items = common.filter(items, function(e)
      return e.id == needle or (e.title and e.title:find(needle, 1, true) ~= nil)
    end)
  end
  items = common.time_filter(items, args)
  local page, paging = common.page(items, args)
  local where = state.config.meetings_paging
  if where == "data" then
    -- RealtimeKit nests paging this way on some lists: data is an object holding both.
    return 200, '{"success":true,"data":{"meetings":' .. page .. ',"paging":' .. paging .. '}}'
  end
  return 200, envelope(page, paging, where)
end

local function get(ctx)
  local m = ctx.meeting
  return ok_json(m.full_json or m.json)
end

local FIELDS = {
  title = S.nullable(S.string()),
  record_on_start = S.nullable(S.boolean()),
  live_stream_on_start = S.nullable(S.boolean()),
  persist_chat = S.boolean(),
  summarize_on_end = S.boolean(),
  transcribe_on_end = S.boolean(),
  session_keep_alive_time_in_secs = S.number { min = 60, max = 600 },
  ai_config = shapes.ai_config,
  recording_config = shapes.recording_config,
}
local CREATE = S.object(FIELDS)
local PATCH_FIELDS = {}
for k, v in pairs(FIELDS) do
  PATCH_FIELDS[k] = common.copy(v)
  PATCH_FIELDS[k].nullable = nil
end
PATCH_FIELDS.status = S.enum { "ACTIVE", "INACTIVE" }
local PATCH = S.object(PATCH_FIELDS)

local DEFAULTS = { title = null, record_on_start = false, live_stream_on_start = false,
                   persist_chat = false, summarize_on_end = false, transcribe_on_end = false,
                   session_keep_alive_time_in_secs = 60 }

-- Stores item as the entry's meeting: the list form (no ai_config) and the full form, both with
-- storage secrets left out.
local function publish(e, item)
  e.item = item
  local view = common.copy(item)
  if view.title == null then view.title = state.absent() end -- the SDK types it not nullable
  view.recording_config = shapes.recording_config_read(view.recording_config)
  local ai = view.ai_config
  view.ai_config = nil
  e.json = json.encode(view)
  view.ai_config = ai
  e.full_json = ai ~= nil and json.encode(view) or nil
  e.title = type(item.title) == "string" and item.title:lower() or nil
end

-- A meeting from a create or replace body: defaults for what the body leaves out.
local function from_body(body, base)
  local item = {}
  for k, v in pairs(DEFAULTS) do item[k] = v end
  for k, v in pairs(body) do item[k] = v end
  if item.record_on_start == null then item.record_on_start = false end
  if item.live_stream_on_start == null then item.live_stream_on_start = false end
  for _, k in ipairs { "id", "status", "created_at" } do item[k] = base[k] end
  return item
end

-- The stored meeting as a fresh table (entries grown for benchmarks share their item).
local function current(e)
  return json.decode(e.full_json or e.json)
end

local function create(ctx)
  local app = ctx.app
  local t = state.tick()
  local id = state.uuid()
  local item = from_body(ctx.body, { id = id, status = "ACTIVE", created_at = common.time(t) })
  item.updated_at = item.created_at
  local e = { id = id, created = t, index = #app.meetings + 1 }
  publish(e, item)
  app.meetings[e.index] = e
  app.meeting_by_id[id] = e
  app.participants[id] = {}
  app.participant_by_id[id] = {}
  events.emit(app, "meeting.started", item)
  return 201, '{"success":true,"data":' .. (e.full_json or e.json) .. '}'
end

local function replace(ctx)
  local e = ctx.meeting
  local item = from_body(ctx.body, current(e))
  item.updated_at = common.time(state.tick())
  publish(e, item)
  return ok_json(e.full_json or e.json)
end

local function update(ctx)
  local e = ctx.meeting
  local item = current(e)
  for k, v in pairs(ctx.body) do item[k] = v end
  item.updated_at = common.time(state.tick())
  events.meeting_changed(ctx.app, e.item, item)
  publish(e, item)
  return ok_json(e.full_json or e.json)
end

-- Participants --------------------------------------------------------------------------------

local function list_participants(ctx)
  local page, paging = common.page(ctx.app.participants[ctx.meeting.id] or {}, ctx.args)
  local where = state.config.participants_paging
  if where == "data" then
    return 200,
      '{"success":true,"data":{"participants":' .. page .. ',"paging":' .. paging .. '}}'
  end
  return 200, envelope(page, paging, where)
end

--- The app's preset named name, or nil.
function M.preset_named(app, name)
  for _, p in ipairs(app.presets) do
    if p.name == name then return p end
  end
  return nil
end

local function no_preset(name)
  return rtk_error(400, "preset_name: no preset named '" .. name .. "' in this app")
end

local ADD = S.object({
  custom_participant_id = S.string(),
  preset_name = S.string(),
  name = S.nullable(S.string()),
  picture = S.nullable(S.uri()),
}, { required = { "custom_participant_id", "preset_name" } })

local EDIT = S.object {
  name = S.nullable(S.string()),
  picture = S.nullable(S.uri()),
  preset_name = S.nullable(S.string()),
}

local function with_token(ctx, e)
  local out = common.copy(e.item)
  out.token = common.token(ctx.app_id, ctx.meeting.id, e.id)
  return out
end

local function add_participant(ctx)
  local body, app, m = ctx.body, ctx.app, ctx.meeting
  if not M.preset_named(app, body.preset_name) then return no_preset(body.preset_name) end
  local t = state.tick()
  local id = state.uuid()
  local item = { id = id, custom_participant_id = body.custom_participant_id,
                 preset_name = body.preset_name, name = body.name or null,
                 picture = body.picture or null, created_at = common.time(t),
                 updated_at = common.time(t) }
  local people = app.participants[m.id]
  if not people then
    people = {}
    app.participants[m.id], app.participant_by_id[m.id] = people, {}
  end
  local e = { item = item, json = json.encode(item), id = id, created = t, index = #people + 1 }
  people[#people + 1] = e
  app.participant_by_id[m.id][id] = e
  events.emit(app, "meeting.participantJoined", item, m.item)
  return common.created(with_token(ctx, e))
end

local function get_participant(ctx)
  return ok_json(ctx.participant.json)
end

local function edit_participant(ctx)
  local body, e = ctx.body, ctx.participant
  if body.preset_name ~= nil and body.preset_name ~= null
     and not M.preset_named(ctx.app, body.preset_name) then
    return no_preset(body.preset_name)
  end
  local item = common.copy(e.item)
  if body.name ~= nil then item.name = body.name end
  if body.picture ~= nil then item.picture = body.picture end
  if body.preset_name ~= nil and body.preset_name ~= null then
    item.preset_name = body.preset_name
  end
  item.updated_at = common.time(state.tick())
  e.item, e.json = item, json.encode(item)
  return ok(with_token(ctx, e))
end

local function delete_participant(ctx)
  local app, m, e = ctx.app, ctx.meeting, ctx.participant
  common.remove(app.participants[m.id], app.participant_by_id[m.id], e)
  state.tick()
  events.emit(app, "meeting.participantLeft", e.item, m.item)
  local preset = M.preset_named(app, e.item.preset_name)
  return ok { created_at = e.item.created_at, updated_at = e.item.updated_at,
              custom_participant_id = e.item.custom_participant_id,
              preset_id = preset and preset.id or null }
end

local function refresh_token(ctx)
  state.tick()
  return ok { token = common.token(ctx.app_id, ctx.meeting.id, ctx.participant.id) }
end

local PAGE = { page_no = "count", per_page = "count" }

M.routes = {
  { "GET", "meetings", list, query = {
      page_no = "count", per_page = "count", start_time = "time", end_time = "time",
      status = common.enum { "ACTIVE", "INACTIVE" }, search = "string" } },
  { "POST", "meetings", create, body = CREATE },
  { "GET", "meetings/:meeting_id", get, query = { name = "string" } },
  { "PUT", "meetings/:meeting_id", replace, body = CREATE },
  { "PATCH", "meetings/:meeting_id", update, body = PATCH },
  { "GET", "meetings/:meeting_id/participants", list_participants, query = PAGE },
  { "POST", "meetings/:meeting_id/participants", add_participant, body = ADD },
  { "GET", "meetings/:meeting_id/participants/:participant_id", get_participant },
  { "PATCH", "meetings/:meeting_id/participants/:participant_id", edit_participant,
    body = EDIT },
  { "DELETE", "meetings/:meeting_id/participants/:participant_id", delete_participant },
  { "POST", "meetings/:meeting_id/participants/:participant_id/token", refresh_token,
    body = "none" },
}

return M
