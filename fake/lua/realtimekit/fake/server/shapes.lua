-- Body schemas more than one resource uses (reference §3.10): RecordingConfig and its parts,
-- StorageConfig, AIConfig; and the read form of a storage config (no secrets).
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"

local M = {}

local null = json.null

M.audio_config = S.object {
  channel = S.enum { "mono", "stereo" },
  codec = S.enum { "MP3", "AAC" },
  export_file = S.boolean(),
}

local size_px = S.number { min = 1, max = 1920 }

M.video_config = S.object {
  codec = S.enum { "H264", "VP8", "VP9" },
  export_file = S.boolean(),
  height = size_px,
  width = size_px,
  watermark = S.object {
    url = S.uri(),
    position = S.enum { "left top", "right top", "left bottom", "right bottom" },
    size = S.object { height = S.number { min = 1 }, width = S.number { min = 1 } },
  },
}

M.max_seconds = S.number { min = 60, max = 86400 }

M.realtimekit_bucket_config = S.object({ enabled = S.boolean() }, { required = { "enabled" } })

local KEYED = { aws = true, azure = true, digitalocean = true }

-- The SDK's union of four forms, valid when any one fits: type gcs (or none); type aws, azure or
-- digitalocean (or none) with access_key and region, which that form types as any value; a
-- private_key with auth_method KEY (or none); a password with auth_method PASSWORD (or none).
local function text_or_absent(x) return x == nil or type(x) == "string" end

M.storage_config = S.nullable(S.object({
  type = S.enum { "aws", "azure", "digitalocean", "gcs", "sftp" },
  bucket = S.string(), region = S.any(), path = S.string(), host = S.string(),
  port = S.number(),
  username = S.string(),
  auth_method = S.enum { "KEY", "PASSWORD" },
  access_key = S.any(), secret = S.string(), password = S.string(),
  private_key = S.string(),
}, {
  check = function(v, path)
    local plain = text_or_absent(v.access_key) and text_or_absent(v.region)
    if v.access_key ~= nil and v.region ~= nil and (v.type == nil or KEYED[v.type]) then
      return nil
    end
    if plain and (v.type == nil or v.type == "gcs") then return nil end
    if plain and v.private_key ~= nil and v.auth_method ~= "PASSWORD" then return nil end
    if plain and v.password ~= nil and v.auth_method ~= "KEY" then return nil end
    -- None fits: what the closest form needs.
    if v.auth_method == "KEY" then
      return S.join(path, "private_key") .. ": is required when auth_method is KEY"
    elseif v.auth_method == "PASSWORD" then
      return S.join(path, "password") .. ": is required when auth_method is PASSWORD"
    elseif KEYED[v.type] or v.type == nil then
      local k = v.access_key == nil and "access_key" or "region"
      return S.join(path, k) .. ": is required when type is " .. (v.type or "not given")
        .. " (or a private_key or a password)"
    elseif not plain then
      local k = text_or_absent(v.access_key) and "region" or "access_key"
      return S.join(path, k) .. ": must be a string when type is " .. v.type
    end
    return S.join(path, "private_key") .. ": is required when type is " .. v.type
      .. " (or a password)"
  end,
}))

M.recording_config = S.object {
  audio_config = M.audio_config,
  video_config = M.video_config,
  file_name_prefix = S.string(),
  max_seconds = M.max_seconds,
  live_streaming_config = S.object { rtmp_url = S.uri() },
  realtimekit_bucket_config = M.realtimekit_bucket_config,
  storage_config = M.storage_config,
}

M.ai_config = S.object {
  summarization = S.object {
    summary_type = S.enum { "general", "team_meeting", "sales_call", "client_check_in",
                            "interview", "daily_standup", "one_on_one_meeting", "lecture",
                            "code_review" },
    text_format = S.enum { "plain_text", "markdown" },
    word_limit = S.number(),
  },
  transcription = S.object {
    keywords = S.array(S.string()),
    language = S.enum { "en-US", "en-IN", "de", "hi", "sv", "ru", "pl", "el", "fr", "nl" },
    profanity_filter = S.boolean(),
  },
}

--- The read form of a storage config: without secret, password and private_key, and with
-- access_key only for aws, azure and digitalocean. nil and null stay as they are.
function M.storage_read(sc)
  if type(sc) ~= "table" or sc == null then return sc end
  local out = {}
  for k, v in pairs(sc) do out[k] = v end
  out.secret, out.password, out.private_key = nil, nil, nil
  if not KEYED[out.type] then out.access_key = nil end
  return out
end

--- A recording config with its storage config in read form (a copy when it had one).
function M.recording_config_read(rc)
  if type(rc) ~= "table" or rc == null or rc.storage_config == nil then return rc end
  local out = {}
  for k, v in pairs(rc) do out[k] = v end
  out.storage_config = M.storage_read(rc.storage_config)
  return out
end

return M
