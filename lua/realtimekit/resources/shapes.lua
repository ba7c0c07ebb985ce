--- Body schemas shared by several endpoints: meetings' recording and AI settings, storage
-- targets, presets. Types, enums, nullability and required fields are the SDK's, always
-- checked; the few ranges and formats (`min`, `max`, `format`) are the API docs' prose, checked
-- only in strict mode (docs/arguments.md names each one's source). Where no source gives a
-- limit, there is none.
-- @module realtimekit.resources.shapes
local S = require "realtimekit.schema"

local M = {}

local str, bool, num = S.string, S.boolean, S.number
local function req(name, schema) return { name, schema, required = true } end
local function opt(name, schema) return { name, schema } end

M.WEBHOOK_EVENTS = { "meeting.started", "meeting.ended", "meeting.participantJoined",
  "meeting.participantLeft", "meeting.chatSynced", "recording.statusUpdate",
  "livestreaming.statusUpdate", "meeting.transcript", "meeting.summary" }

M.audio_config = S.object {
  opt("channel", str { enum = { "mono", "stereo" } }),
  opt("codec", str { enum = { "MP3", "AAC" } }),
  opt("export_file", bool()),
}

-- The docs give height and width 1 to 1920, a watermark's size at least 1 and its url the uri
-- format.
M.video_config = S.object {
  opt("codec", str { enum = { "H264", "VP8", "VP9" } }),
  opt("export_file", bool()),
  opt("height", num { min = 1, max = 1920 }),
  opt("width", num { min = 1, max = 1920 }),
  opt("watermark", S.object {
    opt("url", str { format = "uri" }),
    opt("position", str { enum = { "left top", "right top", "left bottom", "right bottom" } }),
    opt("size", S.object {
      opt("height", num { min = 1 }),
      opt("width", num { min = 1 }),
    }),
  }),
}

-- Where recordings go: the SDK's union of four forms, which share their fields and differ in
-- what they require. A storage config is valid when any one form takes it. The access keys,
-- passwords and private keys are write-only secrets: they are never shown in an error.
-- The second form (UnionMember1) types its required `access_key` and `region` `unknown`: the
-- generator's rendering of a list of required names whose types the schema gives elsewhere.
-- Every form that types them, the other three, says `string`, as the API docs do; so they are
-- strings here in every form.
local STORAGE_TYPES = { "aws", "azure", "digitalocean", "gcs", "sftp" }

local function storage_form(label, over)
  local fields = {}
  for i, f in ipairs {
    opt("type", str { enum = STORAGE_TYPES }),
    opt("bucket", str()), opt("region", str()), opt("path", str()), opt("host", str()),
    opt("port", num()), opt("username", str()),
    opt("auth_method", str { enum = { "KEY", "PASSWORD" } }),
    opt("access_key", str { secret = true }), opt("secret", str { secret = true }),
    opt("password", str { secret = true }), opt("private_key", str { secret = true }),
  } do
    fields[i] = over[f[1]] or f
  end
  return S.object(fields, { label = label })
end

M.storage_config = S.any_of({
  storage_form("type gcs or none", { type = opt("type", str { enum = { "gcs" } }) }),
  storage_form("type aws, azure, digitalocean or none, with access_key and region", {
    type = opt("type", str { enum = { "aws", "azure", "digitalocean" } }),
    access_key = req("access_key", str { secret = true }),
    region = req("region", str()),
  }),
  storage_form("auth_method KEY or none, with private_key", {
    auth_method = opt("auth_method", str { enum = { "KEY" } }),
    private_key = req("private_key", str { secret = true }),
  }),
  storage_form("auth_method PASSWORD or none, with password", {
    auth_method = opt("auth_method", str { enum = { "PASSWORD" } }),
    password = req("password", str { secret = true }),
  }),
}, { nullable = true })

M.recording_config = S.object {
  opt("audio_config", M.audio_config),
  opt("video_config", M.video_config),
  opt("file_name_prefix", str()),
  opt("max_seconds", num { min = 60, max = 86400 }),
  opt("live_streaming_config", S.object { opt("rtmp_url", str { format = "uri" }) }),
  opt("realtimekit_bucket_config", S.object { req("enabled", bool()) }),
  opt("storage_config", M.storage_config),
}

M.ai_config = S.object {
  opt("summarization", S.object {
    opt("summary_type", str { enum = { "general", "team_meeting", "sales_call",
      "client_check_in", "interview", "daily_standup", "one_on_one_meeting", "lecture",
      "code_review" } }),
    opt("text_format", str { enum = { "plain_text", "markdown" } }),
    opt("word_limit", num()),
  }),
  opt("transcription", S.object {
    opt("keywords", S.array(str())),
    opt("language", str { enum = { "en-US", "en-IN", "de", "hi", "sv", "ru", "pl", "el", "fr",
      "nl" } }),
    opt("profanity_filter", bool()),
  }),
}

-- A meeting's settings, as create and replace take them.
M.meeting_fields = {
  opt("title", str { nullable = true }),
  opt("record_on_start", bool { nullable = true }),
  opt("live_stream_on_start", bool { nullable = true }),
  opt("persist_chat", bool()),
  opt("summarize_on_end", bool()),
  opt("transcribe_on_end", bool()),
  opt("session_keep_alive_time_in_secs", num { min = 60, max = 600 }),
  opt("ai_config", M.ai_config),
  opt("recording_config", M.recording_config),
}

-- Presets.
local QUALITY = { "hd", "vga", "qvga", "fhd", "uhd" }
local PRODUCE = { "ALLOWED", "NOT_ALLOWED", "CAN_REQUEST" }
local function flags(names)
  local fields = {}
  for i = 1, #names do fields[i] = req(names[i], bool()) end
  return fields
end

M.preset_config = S.object {
  req("view_type", str { enum = { "GROUP_CALL", "WEBINAR", "AUDIO_ROOM", "LIVESTREAM" } }),
  req("max_screenshare_count", num()),
  req("max_video_streams", S.object { req("desktop", num()), req("mobile", num()) }),
  req("media", S.object {
    req("video", S.object {
      req("quality", str { enum = QUALITY }), req("frame_rate", num()),
      opt("simulcast", bool()),
    }),
    req("screenshare", S.object {
      req("quality", str { enum = QUALITY }), req("frame_rate", num()),
    }),
    opt("audio", S.object {
      opt("enable_high_bitrate", bool()), opt("enable_stereo", bool()),
    }),
  }),
  opt("livestream_viewer_qualities", S.array(num(), { nullable = true })),
}

local permission_fields = flags { "accept_waiting_requests", "can_accept_production_requests",
  "can_change_participant_permissions", "can_edit_display_name", "can_livestream", "can_record",
  "can_spotlight", "disable_participant_audio", "disable_participant_screensharing",
  "disable_participant_video", "hidden_participant", "kick_participant", "pin_participant",
  "show_participant_list" }
local more_permissions = {
  req("chat", S.object {
    req("public", S.object(flags { "can_send", "text", "files" })),
    req("private", S.object(flags { "can_send", "can_receive", "text", "files" })),
  }),
  req("connected_meetings", S.object(flags { "can_alter_connected_meetings",
    "can_switch_connected_meetings", "can_switch_to_parent_meeting" })),
  req("media", S.object {
    req("audio", S.object { req("can_produce", str { enum = PRODUCE }) }),
    req("video", S.object { req("can_produce", str { enum = PRODUCE }) }),
    req("screenshare", S.object { req("can_produce", str { enum = PRODUCE }) }),
  }),
  req("plugins", S.object {
    req("can_start", bool()), req("can_close", bool()), req("can_edit_config", bool()),
    -- Keyed by plugin id; each entry may hold other keys too.
    req("config", S.map(S.object({
      opt("access_control", str { enum = { "FULL_ACCESS", "VIEW_ONLY" } }),
      opt("handles_view_only", bool()),
    }, { open = true }))),
  }),
  req("polls", S.object(flags { "can_create", "can_view", "can_vote" })),
  req("recorder_type", str { enum = { "RECORDER", "LIVESTREAMER", "NONE" } }),
  req("waiting_room_type", str { enum = { "SKIP", "ON_PRIVILEGED_USER_ENTRY",
    "SKIP_ON_ACCEPT" } }),
  opt("accept_stage_requests", bool()),
  opt("is_recorder", bool()),
  opt("stage_access", str { enum = PRODUCE }),
  opt("stage_enabled", bool()),
  opt("transcription_enabled", bool()),
}
for i = 1, #more_permissions do permission_fields[#permission_fields + 1] = more_permissions[i] end
M.preset_permissions = S.object(permission_fields)

local COLOR = str()
local function shades(names)
  local fields = {}
  for i = 1, #names do fields[i] = req(names[i], COLOR) end
  return S.object(fields)
end
M.preset_ui = S.object {
  req("design_tokens", S.object {
    req("border_radius", str { enum = { "sharp", "rounded", "extra-rounded", "circular" } }),
    req("border_width", str { enum = { "none", "thin", "fat" } }),
    req("spacing_base", num()),
    req("theme", str { enum = { "darkest", "dark", "light" } }),
    req("colors", S.object {
      req("brand", shades { "300", "400", "500", "600", "700" }),
      req("background", shades { "600", "700", "800", "900", "1000" }),
      req("danger", COLOR), req("success", COLOR), req("warning", COLOR), req("text", COLOR),
      req("text_on_brand", COLOR), req("video_bg", COLOR),
    }),
    opt("font_family", str()),
    opt("google_font", str()),
    opt("logo", str()),
  }),
}

M.preset = S.object {
  req("name", str()),
  req("config", M.preset_config),
  req("permissions", M.preset_permissions),
  req("ui", M.preset_ui),
}

-- A participant as add takes it: the caller's own id for them, and their preset.
-- The docs give a participant's picture the uri format.
M.participant = S.object {
  req("custom_participant_id", str()),
  req("preset_name", str()),
  opt("name", str { nullable = true }),
  opt("picture", str { format = "uri", nullable = true }),
}

M.req, M.opt = req, opt

return M
