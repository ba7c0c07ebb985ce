-- Every endpoint refuses a bad call before anything is sent, naming what is wrong: a body
-- field's path, a query parameter, or a positional id. Cases marked strict break a rule of the
-- API docs' prose (a format, a range), which only a strict client refuses.
local helper = require "helper"
local realtimekit = require "realtimekit"

local U = "36d01e74-838a-4de1-a00c-a0c4b03f8368"

local function preset(over, drop)
  local p = {
    name = "host",
    config = {
      view_type = "GROUP_CALL", max_screenshare_count = 1,
      max_video_streams = { desktop = 9, mobile = 4 },
      media = { video = { quality = "hd", frame_rate = 30 },
                screenshare = { quality = "hd", frame_rate = 5 } },
    },
    permissions = {}, ui = {},
  }
  for k, v in pairs(over or {}) do p[k] = v end
  if drop then p[drop] = nil end
  return p
end

-- { call, args..., the param the error names, strict = whether only strict refuses it }
local CASES = {
  { "apps:create", {}, "name" },
  { "apps:create", { { name = 5 } }, "name" },
  { "apps:list", { { sort_order = "up" } }, "sort_order" },
  { "meetings:create", { { session_keep_alive_time_in_secs = 30 } },
    "session_keep_alive_time_in_secs", strict = true },
  { "meetings:create", { { session_keep_alive_time_in_secs = 601 } },
    "session_keep_alive_time_in_secs", strict = true },
  { "meetings:create", { { title = 5 } }, "title" },
  { "meetings:create", { { recording_config = { max_seconds = 59 } } },
    "recording_config.max_seconds", strict = true },
  { "meetings:create", { { recording_config = { max_seconds = 86401 } } },
    "recording_config.max_seconds", strict = true },
  { "meetings:create", { { recording_config = { video_config = { width = 1921 } } } },
    "recording_config.video_config.width", strict = true },
  { "meetings:create", { { recording_config = { video_config = { height = 0 } } } },
    "recording_config.video_config.height", strict = true },
  { "meetings:create", { { recording_config = { video_config = { codec = "AV1" } } } },
    "recording_config.video_config.codec" },
  { "meetings:create", { { recording_config = { video_config = { watermark = { url = "x" } } } } },
    "recording_config.video_config.watermark.url", strict = true },
  { "meetings:create", { { recording_config = { realtimekit_bucket_config = {} } } },
    "recording_config.realtimekit_bucket_config.enabled" },
  { "meetings:create", { { ai_config = { transcription = { language = "xx" } } } },
    "ai_config.transcription.language" },
  { "meetings:create", { { ai_config = { transcription = { keywords = { 1 } } } } },
    "ai_config.transcription.keywords[1]" },
  { "meetings:create", { { titel = "typo" } }, "titel" },
  { "meetings:list", { { status = "LIVE" } }, "status" },
  { "meetings:get", { U, { name = "\0" } }, "name" },
  { "meetings:participants", { "m" }, "meeting_id", strict = true },
  { "meetings:participants", { "m/x" }, "meeting_id" },
  { "sessions:list", { { sort_by = "duration" } }, "sort_by" },
  { "meetings:replace", { "nope", { title = "x" } }, "meeting_id", strict = true },
  { "meetings:replace", { U, { title = 5 } }, "title" },
  { "meetings:update", { U, { status = "ENDED" } }, "status" },
  { "meetings:update", { U, { persist_chat = realtimekit.null } }, "persist_chat" },
  { "meetings:add_participant", { U, { preset_name = "host" } }, "custom_participant_id" },
  { "participants:add", { U, { custom_participant_id = "a" } }, "preset_name" },
  { "participants:add", { U, { custom_participant_id = "a", preset_name = "p",
                               picture = "a.png" } }, "picture", strict = true },
  { "participants:add", { U, { custom_participant_id = "a", preset_name = "p",
                               picture = false } }, "picture" },
  { "participants:get", { U, "x/y" }, "participant_id" },
  { "participants:update", { U, U, { name = {} } }, "name" },
  { "participants:delete", { U }, "participant_id" },
  { "participants:refresh_token", { "../x", U }, "meeting_id" },
  { "participants:list", { U, { per_page = -1 } }, "per_page", strict = true },
  { "participants:list", { U, { per_page = "10" } }, "per_page" },
  { "presets:create", { preset({}, "name") }, "name" },
  { "presets:create", { preset { config = { view_type = "GROUP_CALL" } } },
    "config.max_screenshare_count" },
  { "presets:create", { preset({}, "permissions") }, "permissions" },
  { "presets:update", { U, { config = { media = { video = { quality = "8k" } } } } },
    "config.media.video.quality" },
  { "presets:update", { U, { ui = { design_tokens = { theme = "neon" } } } },
    "ui.design_tokens.theme" },
  { "presets:replace", { U, { name = "x" } }, "config" },
  { "presets:get", { ".." }, "preset_id" },
  { "presets:delete", {}, "preset_id" },
  { "presets:list", { { search = "\255" } }, "search" },
  { "sessions:get", { U, { include_breakout_rooms = "yes" } }, "include_breakout_rooms" },
  { "sessions:participants", { U, { view = "full" } }, "view" },
  { "sessions:participants", { U, { sort_by = "name" } }, "sort_by" },
  { "sessions:participant", { U, U, { include_peer_events = 1 } }, "include_peer_events" },
  { "sessions:peer_report", { "a/b" }, "peer_id" },
  { "sessions:peer_report", { "peer", { filters = "all" } }, "filters" },
  { "sessions:chat", { 1 }, "session_id" },
  { "sessions:transcript", { U, { format = "TXT" } }, "format" },
  { "sessions:summary", { U .. "/.." }, "session_id" },
  { "sessions:generate_summary", {}, "session_id" },
  { "recordings:start", { {} }, "meeting_id" },
  { "recordings:start", { { meeting_id = U, max_seconds = 10 } }, "max_seconds", strict = true },
  { "recordings:start", { { meeting_id = U, max_seconds = "60" } }, "max_seconds" },
  { "recordings:start", { { meeting_id = U, storage_config = { type = "s3" } } },
    "storage_config.type" },
  { "recordings:start", { { meeting_id = U, storage_config = { type = "aws", region = "x" } } },
    "storage_config.access_key" },
  { "recordings:start", { { meeting_id = U, storage_config = { type = "sftp",
                            auth_method = "KEY" } } }, "storage_config.private_key" },
  { "recordings:start", { { meeting_id = U, rtmp_out_config = { rtmp_url = 1935 } } },
    "rtmp_out_config.rtmp_url" },
  { "recordings:start", { { meeting_id = U, interactive_config = { type = "ID4" } } },
    "interactive_config.type" },
  { "recordings:list", { { status = { "RECORDING", "DONE" } } }, "status" },
  { "recordings:list", { { expired = "no" } }, "expired" },
  { "recordings:get", { "r\n" }, "recording_id" },
  { "recordings:control", { U, { action = "rewind" } }, "action" },
  { "recordings:control", { U, {} }, "action" },
  { "recordings:active", { "m%2Fx" }, "meeting_id" },
  { "recordings:start_track", { { meeting_id = U, layers = { main = { media_kind = "video" } } } },
    "layers.main.media_kind" },
  { "recordings:start_track", { { meeting_id = U, user_ids = { 7 } } }, "user_ids[1]" },
  { "webhooks:create", { { name = "w", url = {}, events = { "meeting.started" } } }, "url" },
  { "webhooks:create", { { name = "w", url = "https://x.example", events = "meeting.ended" } },
    "events" },
  { "webhooks:create", { { name = "w", url = "https://x.example",
                           events = { "meeting.exploded" } } }, "events[1]" },
  { "webhooks:update", { U, { enabled = "yes" } }, "enabled" },
  { "webhooks:replace", { U, { name = "w" } }, "url" },
  { "webhooks:get", { "." }, "webhook_id" },
  { "webhooks:delete", { "" }, "webhook_id" },
  { "webhooks:list", { { page_no = 1 } }, "page_no" },
  { "active_session:get", { "x/y" }, "meeting_id" },
  { "active_session:kick", { U, { participant_ids = "bob" } }, "participant_ids" },
  { "active_session:kick", { U, { participant_ids = { true } } }, "participant_ids[1]" },
  { "active_session:kick_all", { 42 }, "meeting_id" },
  { "active_session:create_poll", { U, { question = "?" } }, "options" },
  { "active_session:create_poll", { U, { question = "?", options = { {} } } }, "options[1]" },
  { "livestreams:start", { U, { video_config = { width = 0 / 0 } } }, "video_config.width" },
  { "livestreams:stop", { "x" }, "meeting_id", strict = true },
  { "livestreams:stop", { "x/y" }, "meeting_id" },
  { "livestreams:of_meeting", {}, "meeting_id" },
  { "livestreams:list", { { sort_order = "DESC" } }, "sort_order" },
  { "livestreams:list", { { status = "OFFLINE" } }, "status" },
  { "livestreams:get", { "a/b" }, "livestream_id" },
  { "livestreams:active_session", { ".." }, "livestream_id" },
  { "livestreams:session", { "a\0b" }, "livestream_session_id" },
  { "livestreams:org_analytics", { { start_date = "2026-02-30" } }, "start_date", strict = true },
  { "livestreams:org_analytics", { { start_date = {} } }, "start_date" },
  { "analytics:livestreams_overall", { { start_time = "2026-01-01" } }, "start_time" },
  { "analytics:livestreams_daywise", { { end_time = 1 / 0 } }, "end_time" },
  { "analytics:daywise", { { end_date = "01/02/2026" } }, "end_date", strict = true },
  { "analytics:daywise", { { end_date = true } }, "end_date" },
}

describe("validation of every endpoint", function()
  it("names the parameter at fault and sends nothing", function()
    local c, s = helper.client()
    local strict = helper.client { strict = true }
    local unpack = rawget(table, "unpack") or rawget(_G, "unpack")
    local seen, wrong = {}, {}
    for i, case in ipairs(CASES) do
      local resource, method = case[1]:match("^([%w_]+):([%w_]+)$")
      seen[case[1]] = true
      local obj = (case.strict and strict or c)[resource]
      local ok, v, err = pcall(obj[method], obj, unpack(case[2], 1, 4))
      local label = "case " .. i .. " " .. case[1] .. " (" .. case[3] .. "): "
      if not ok then
        wrong[#wrong + 1] = label .. "raised " .. tostring(v)
      elseif v ~= nil or not realtimekit.is_error(err) or err.kind ~= "invalid_argument"
        or err.param ~= case[3] then
        wrong[#wrong + 1] = label .. tostring(err)
      end
    end
    assert.same({}, wrong)
    assert.equal(0, s:stats().requests)
    -- every endpoint that takes anything has a case
    local client_mod = require "realtimekit.client"
    local resource_mod = require "realtimekit.resource"
    local missing = {}
    for _, name in ipairs(client_mod.RESOURCES) do
      for method in pairs(resource_mod.rows(name)) do
        if not seen[name .. ":" .. method] then missing[#missing + 1] = name .. ":" .. method end
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("says which name an unknown parameter or field was probably meant to be", function()
    local c, s = helper.client()
    for _, case in ipairs {
      { function() return c.meetings:list { pageno = 1 } end, "pageno", "page_no" },
      { function() return c.meetings:create { titel = "x" } end, "titel", "title" },
      { function() return c.recordings:list { strikt = true } end, "strikt", "strict" },
      { function() return c.meetings:each { limt = 1 } end, "limt", "limit" },
      { function() return c.meetings:create { recording_config = { max_second = 60 } } end,
        "recording_config.max_second", "max_seconds" },
      { function() return c.presets:update(U, { config = { media = { vidoe = {} } } }) end,
        "config.media.vidoe", "video" },
    } do
      local ok, v, err = pcall(case[1])
      if not ok then err = v end -- an iterator raises it
      assert.equal(case[2], err.param)
      assert.matches("(did you mean '" .. case[3] .. "'?)", err.message, 1, true)
    end
    local _, err = c.meetings:list { colour = "red" }
    assert.is_nil(err.message:find("did you mean", 1, true))
    assert.equal(0, s:stats().requests)
  end)

  it("checks the type of every nested body field as the SDK types it, at every depth", function()
    local c, s = helper.client()
    local unpack = rawget(table, "unpack") or rawget(_G, "unpack")
    local nested = {
      { "meetings:create", { { recording_config = { storage_config = { type = "aws",
        access_key = 123, region = "eu-west-1" } } } },
        "recording_config.storage_config.access_key" },
      { "meetings:replace", { U, { recording_config = { storage_config = { access_key = "k",
        region = { "eu-west-1" } } } } }, "recording_config.storage_config.region" },
      { "meetings:update", { U, { recording_config = { storage_config = { type = "azure",
        access_key = true, region = "r" } } } }, "recording_config.storage_config.access_key" },
      { "recordings:start", { { meeting_id = U, storage_config = { type = "digitalocean",
        access_key = 12345, region = "nyc3" } } }, "storage_config.access_key" },
      { "recordings:start", { { meeting_id = U, storage_config = { access_key = "k",
        region = 7 } } }, "storage_config.region" },
      { "recordings:start", { { meeting_id = U, storage_config = { type = "sftp",
        password = "pw", port = "22" } } }, "storage_config.port" },
      { "meetings:create", { { recording_config = { video_config = { watermark = {
        size = { height = "64" } } } } } }, "recording_config.video_config.watermark.size.height" },
      { "meetings:create", { { ai_config = { summarization = { word_limit = "250" } } } },
        "ai_config.summarization.word_limit" },
      { "livestreams:start", { U, { video_config = { height = "720" } } }, "video_config.height" },
      { "recordings:start_track", { { meeting_id = U, layers = { main = {
        file_name_prefix = 7 } } } }, "layers.main.file_name_prefix" },
      { "presets:update", { U, { permissions = { media = { audio = { can_produce = true } } } } },
        "permissions.media.audio.can_produce" },
      { "presets:update", { U, { permissions = { plugins = { config = { wb = {
        handles_view_only = "yes" } } } } } }, "permissions.plugins.config.wb.handles_view_only" },
      { "presets:update", { U, { ui = { design_tokens = { colors = { brand = {
        ["500"] = 0x2160FD } } } } } }, "ui.design_tokens.colors.brand.500" },
    }
    for i, case in ipairs(nested) do
      local resource, method = case[1]:match("^([%w_]+):([%w_]+)$")
      local obj = c[resource]
      local v, err = obj[method](obj, unpack(case[2], 1, 4))
      local label = "case " .. i .. " " .. case[1]
      assert.is_nil(v, label)
      assert.equal("invalid_argument", err.kind, label)
      assert.equal(case[3], err.param, label)
    end
    assert.equal(0, s:stats().requests)
  end)

  it("has a type from the SDK for every body field of every endpoint, none taking any value",
    function()
      local client_mod = require "realtimekit.client"
      local resource_mod = require "realtimekit.resource"
      local untyped = {}
      local function walk(sch, path)
        if sch.kind == "any" then untyped[#untyped + 1] = path end
        if sch.kind == "object" then
          for _, f in ipairs(sch.fields) do walk(f[2], path .. "." .. f[1]) end
        elseif sch.kind == "any_of" then
          for i, variant in ipairs(sch.variants) do walk(variant, path .. "<form " .. i .. ">") end
        elseif sch.kind == "array" then
          walk(sch.items, path .. "[i]")
        elseif sch.kind == "map" then
          walk(sch.values, path .. ".<key>")
        end
      end
      for _, name in ipairs(client_mod.RESOURCES) do
        for method, row in pairs(resource_mod.rows(name)) do
          if row.body then walk(row.body, name .. ":" .. method) end
        end
      end
      table.sort(untyped)
      assert.same({}, untyped)
    end)

  it("never shows a secret of a body in an error", function()
    local c = helper.client()
    local secret = "s3cr3t-VALUE-123456"
    for _, sc in ipairs {
      { type = "gcs", access_key = { secret } },
      { type = "sftp", auth_method = "PASSWORD", password = secret .. "\0" },
      { type = "sftp", auth_method = "KEY", private_key = string.rep("k", 20000) .. "\255" },
      { type = "aws", access_key = secret, region = "r", secret = { secret } },
      { type = "aws", access_key = secret, region = "r", port = "22" },
      { type = "s3", access_key = secret, private_key = secret, password = secret },
    } do
      local _, err = c.recordings:start { meeting_id = U, storage_config = sc }
      assert.equal("invalid_argument", err.kind)
      assert.is_nil(tostring(err):find(secret, 1, true))
      assert.is_nil(err.message:find("kkkkkkkk", 1, true))
    end
  end)
end)
