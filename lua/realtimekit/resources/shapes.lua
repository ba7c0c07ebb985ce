--- Body schemas shared by several endpoints: meetings' recording and AI settings, storage
-- targets, presets. Ranges and enums are the API reference's.
-- @module realtimekit.resources.shapes
local S = require "realtimekit.schema"

local M = {}

local str, bool, int = S.string, S.boolean, S.integer
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

M.video_config = S.object {
  opt("codec", str { enum = { "H264", "VP8", "VP9" } }),
  opt("export_file", bool()),
  opt("height", int { min = 1, max = 1920 }),
  opt("width", int { min = 1, max = 1920 }),
  opt("watermark", S.object {
    opt("url", str { format = "url" }),
    opt("position", str { enum = { "left top", "right top", "left bottom", "right bottom" } }),
    opt("size", S.object {
      opt("height", int { min = 1 }),
      opt("width", int { min = 1 }),
    }),
  }),
}

-- Where recordings go. The access keys, passwords and private keys are write-only secrets: they
-- are never shown in an error.
M.storage_config = S.object({
  req("type", str { enum = { "aws", "azure", "digitalocean", "gcs", "sftp" } }),
  opt("bucket", str { max = 255 }),
  opt("region", str { max = 64 }),
  opt("path", str { max = 1024 }),
  opt("host", str { max = 255 }),
  opt("port", int { min = 1, max = 65535 }),
  opt("username", str { max = 255 }),
  opt("auth_method", str { enum = { "KEY", "PASSWORD" } }),
  opt("access_key", str { max = 1024, secret = true }),
  opt("secret", str { max = 4096, secret = true }),
  opt("password", str { max = 1024, secret = true }),
  opt("private_key", str { max = 16384, secret = true }),
}, {
  nullable = true,
  -- The variants' own rules.
  one_of = function(v, path)
    local at = path == "" and "" or path .. "."
    if v.type == "aws" or v.type == "azure" or v.type == "digitalocean" then
      if v.access_key == nil then return at .. "access_key", "required for type " .. v.type end
      if v.region == nil then return at .. "region", "required for type " .. v.type end
    end
    if v.auth_method == "KEY" and v.private_key == nil then
      return at .. "private_key", "required when auth_method is KEY"
    end
    if v.auth_method == "PASSWORD" and v.password == nil then
      return at .. "password", "required when auth_method is PASSWORD"
    end
    return nil
  end,
})

M.recording_config = S.object {
  opt("audio_config", M.audio_config),
  opt("video_config", M.video_config),
  opt("file_name_prefix", str { max = 255 }),
  opt("max_seconds", int { min = 60, max = 86400 }),
  opt("live_streaming_config", S.object { opt("rtmp_url", str { format = "rtmp" }) }),
  opt("realtimekit_bucket_config", S.object { req("enabled", bool()) }),
  opt("storage_config", M.storage_config),
}

M.ai_config = S.object {
  opt("summarization", S.object {
    opt("summary_type", str { enum = { "general", "team_meeting", "sales_call",
      "client_check_in", "interview", "daily_standup", "one_on_one_meeting", "lecture",
      "code_review" } }),
    opt("text_format", str { enum = { "plain_text", "markdown" } }),
    opt("word_limit", int { min = 1, max = 10000 }),
  }),
  opt("transcription", S.object {
    opt("keywords", S.array(str { max = 256 })),
    opt("language", str { enum = { "en-US", "en-IN", "de", "hi", "sv", "ru", "pl", "el", "fr",
      "nl" } }),
    opt("profanity_filter", bool()),
  }),
}

-- A meeting's settings, as create and replace take them.
M.meeting_fields = {
  opt("title", str { max = 1024, nullable = true }),
  opt("record_on_start", bool { nullable = true }),
  opt("live_stream_on_start", bool { nullable = true }),
  opt("persist_chat", bool()),
  opt("summarize_on_end", bool()),
  opt("transcribe_on_end", bool()),
  opt("session_keep_alive_time_in_secs", int { min = 60, max = 600 }),
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
  req("max_screenshare_count", int { min = 0, max = 100 }),
  req("max_video_streams", S.object {
    req("desktop", int { min = 0, max = 100 }), req("mobile", int { min = 0, max = 100 }),
  }),
  req("media", S.object {
    req("video", S.object {
      req("quality", str { enum = QUALITY }), req("frame_rate", int { min = 1, max = 60 }),
      opt("simulcast", bool()),
    }),
    req("screenshare", S.object {
      req("quality", str { enum = QUALITY }), req("frame_rate", int { min = 1, max = 60 }),
    }),
    opt("audio", S.object {
      opt("enable_high_bitrate", bool()), opt("enable_stereo", bool()),
    }),
  }),
  opt("livestream_viewer_qualities", S.array(int { min = 1 }, { nullable = true })),
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
    req("config", S.map(S.object {
      req("access_control", str { enum = { "FULL_ACCESS", "VIEW_ONLY" } }),
      req("handles_view_only", bool()),
    })),
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

local COLOR = str { max = 32 }
local function shades(names)
  local fields = {}
  for i = 1, #names do fields[i] = req(names[i], COLOR) end
  return S.object(fields)
end
M.preset_ui = S.object {
  req("design_tokens", S.object {
    req("border_radius", str { enum = { "sharp", "rounded", "extra-rounded", "circular" } }),
    req("border_width", str { enum = { "none", "thin", "fat" } }),
    req("spacing_base", S.number { min = 0, max = 100 }),
    req("theme", str { enum = { "darkest", "dark", "light" } }),
    req("colors", S.object {
      req("brand", shades { "300", "400", "500", "600", "700" }),
      req("background", shades { "600", "700", "800", "900", "1000" }),
      req("danger", COLOR), req("success", COLOR), req("warning", COLOR), req("text", COLOR),
      req("text_on_brand", COLOR), req("video_bg", COLOR),
    }),
    opt("font_family", str { max = 128 }),
    opt("google_font", str { max = 128 }),
    opt("logo", str { format = "url" }),
  }),
}

M.preset = S.object {
  req("name", str { min = 1, max = 255 }),
  req("config", M.preset_config),
  req("permissions", M.preset_permissions),
  req("ui", M.preset_ui),
}

-- A participant as add takes it: the caller's own id for them, and their preset.
M.participant = S.object {
  req("custom_participant_id", str { min = 1, max = 256 }),
  req("preset_name", str { min = 1, max = 255 }),
  opt("name", str { max = 256, nullable = true }),
  opt("picture", str { format = "url", nullable = true }),
}

M.req, M.opt = req, opt

return M
