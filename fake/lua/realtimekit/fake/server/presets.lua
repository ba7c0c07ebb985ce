-- Presets (reference §3.4): what a participant may do, how the meeting looks. Names are unique
-- in an app, since participants name their preset.
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local rtk_error, ok = common.rtk_error, common.ok

M.params = {
  preset_id = common.lookup("preset_by_id", "Preset"),
}

local function obj(fields, required, o)
  o = o or {}
  o.required = required
  return S.object(fields, o)
end

local function all(fields)
  local names = {}
  for k in pairs(fields) do names[#names + 1] = k end
  table.sort(names)
  return names
end

local function req_obj(fields) return obj(fields, all(fields)) end

local QUALITY = S.enum { "hd", "vga", "qvga", "fhd", "uhd" }
local COUNT = S.number()
local BOOL = S.boolean()
local PRODUCE = S.enum { "ALLOWED", "NOT_ALLOWED", "CAN_REQUEST" }
local STAGE = PRODUCE
local COLOR = S.string()

local CONFIG = obj({
  view_type = S.enum { "GROUP_CALL", "WEBINAR", "AUDIO_ROOM", "LIVESTREAM" },
  max_screenshare_count = COUNT,
  max_video_streams = req_obj { desktop = COUNT, mobile = COUNT },
  media = obj({
    video = obj({ quality = QUALITY, frame_rate = COUNT, simulcast = BOOL },
                { "quality", "frame_rate" }),
    screenshare = req_obj { quality = QUALITY, frame_rate = COUNT },
    audio = S.object { enable_high_bitrate = BOOL, enable_stereo = BOOL },
  }, { "video", "screenshare" }),
  livestream_viewer_qualities = S.nullable(S.array(S.number())),
}, { "view_type", "max_screenshare_count", "max_video_streams", "media" })

local PERMISSION_BOOLS = {
  "accept_waiting_requests", "can_accept_production_requests",
  "can_change_participant_permissions", "can_edit_display_name", "can_livestream",
  "can_record", "can_spotlight", "disable_participant_audio",
  "disable_participant_screensharing", "disable_participant_video", "hidden_participant",
  "kick_participant", "pin_participant", "show_participant_list",
}
local permission_fields = {
  chat = req_obj {
    public = req_obj { can_send = BOOL, text = BOOL, files = BOOL },
    private = req_obj { can_send = BOOL, can_receive = BOOL, text = BOOL, files = BOOL },
  },
  connected_meetings = req_obj { can_alter_connected_meetings = BOOL,
                                 can_switch_connected_meetings = BOOL,
                                 can_switch_to_parent_meeting = BOOL },
  media = req_obj {
    audio = req_obj { can_produce = PRODUCE },
    video = req_obj { can_produce = PRODUCE },
    screenshare = req_obj { can_produce = PRODUCE },
  },
  plugins = req_obj {
    can_start = BOOL, can_close = BOOL, can_edit_config = BOOL,
    config = S.map(obj({ access_control = S.enum { "FULL_ACCESS", "VIEW_ONLY" },
                         handles_view_only = BOOL }, {}, { open = true })),
  },
  polls = req_obj { can_create = BOOL, can_view = BOOL, can_vote = BOOL },
  recorder_type = S.enum { "RECORDER", "LIVESTREAMER", "NONE" },
  waiting_room_type = S.enum { "SKIP", "ON_PRIVILEGED_USER_ENTRY", "SKIP_ON_ACCEPT" },
  accept_stage_requests = BOOL, is_recorder = BOOL, stage_access = STAGE,
  stage_enabled = BOOL, transcription_enabled = BOOL,
}
local permission_required = { "chat", "connected_meetings", "media", "plugins", "polls",
                              "recorder_type", "waiting_room_type" }
for _, k in ipairs(PERMISSION_BOOLS) do
  permission_fields[k] = BOOL
  permission_required[#permission_required + 1] = k
end
local PERMISSIONS = obj(permission_fields, permission_required)

local function shades(names)
  local f = {}
  for _, n in ipairs(names) do f[n] = COLOR end
  return req_obj(f)
end

local UI = req_obj {
  design_tokens = obj({
    border_radius = S.enum { "sharp", "rounded", "extra-rounded", "circular" },
    border_width = S.enum { "none", "thin", "fat" },
    spacing_base = S.number(),
    theme = S.enum { "darkest", "dark", "light" },
    colors = req_obj {
      brand = shades { "300", "400", "500", "600", "700" },
      background = shades { "600", "700", "800", "900", "1000" },
      danger = COLOR, success = COLOR, warning = COLOR, text = COLOR, text_on_brand = COLOR,
      video_bg = COLOR,
    },
    font_family = S.string(), google_font = S.string(), logo = S.string(),
  }, { "border_radius", "border_width", "spacing_base", "theme", "colors" }),
}

local PRESET = obj({
  name = S.string { min_len = 1 }, config = CONFIG, permissions = PERMISSIONS, ui = UI,
}, { "name", "config", "permissions", "ui" })

local function name_taken(app, name, except)
  for _, p in ipairs(app.presets) do
    if p.name == name and p ~= except then
      return rtk_error(400, "name: a preset named '" .. name .. "' already exists")
    end
  end
  return nil
end

local function list(ctx)
  local items = ctx.app.presets
  local search = ctx.args.search
  if search and search ~= "" then
    local needle = search:lower()
    items = common.filter(items, function(p)
      return p.name:lower():find(needle, 1, true) ~= nil
    end)
  end
  local page, paging = common.page(items, ctx.args, function(p)
    return json.encode { id = p.id, name = p.name, created_at = p.created_at,
                         updated_at = p.updated_at }
  end)
  return 200, '{"success":true,"data":' .. page .. ',"paging":' .. paging .. '}'
end

local function create(ctx)
  local app, body = ctx.app, ctx.body
  local status, err = name_taken(app, body.name)
  if status then return status, err end
  local t = common.time(state.tick())
  local p = { id = state.uuid(), name = body.name, config = body.config,
              permissions = body.permissions, ui = body.ui, created_at = t, updated_at = t }
  app.presets[#app.presets + 1] = p
  app.preset_by_id[p.id] = p
  return common.created(p)
end

local function get(ctx)
  return ok(ctx.preset)
end

local function update(ctx)
  local p, body = ctx.preset, ctx.body
  if body.name ~= nil then
    local status, err = name_taken(ctx.app, body.name, p)
    if status then return status, err end
  end
  -- Merge into a copy, so that a preset the merge makes invalid is left as it was.
  local merged = json.decode(json.encode { config = p.config, permissions = p.permissions,
                                           ui = p.ui })
  S.deep_merge(merged, { config = body.config, permissions = body.permissions, ui = body.ui })
  local problem = S.validate(merged, S.object {
    config = CONFIG, permissions = PERMISSIONS, ui = UI })
  if problem then return rtk_error(400, problem) end
  p.config, p.permissions, p.ui = merged.config, merged.permissions, merged.ui
  if body.name ~= nil then p.name = body.name end
  p.updated_at = common.time(state.tick())
  return ok(p)
end

local function replace(ctx)
  local p, body = ctx.preset, ctx.body
  local status, err = name_taken(ctx.app, body.name, p)
  if status then return status, err end
  p.name, p.config, p.permissions, p.ui = body.name, body.config, body.permissions, body.ui
  p.updated_at = common.time(state.tick())
  return ok(p)
end

local function delete(ctx)
  local app, p = ctx.app, ctx.preset
  common.remove(app.presets, app.preset_by_id, p)
  state.tick()
  return ok(p)
end

M.routes = {
  { "POST", "presets", create, body = PRESET },
  { "GET", "presets", list, query = { page_no = "count", per_page = "count", search = "string" } },
  { "GET", "presets/:preset_id", get },
  { "PATCH", "presets/:preset_id", update, body = PRESET, partial = true },
  { "PUT", "presets/:preset_id", replace, body = PRESET },
  { "DELETE", "presets/:preset_id", delete },
}

return M
