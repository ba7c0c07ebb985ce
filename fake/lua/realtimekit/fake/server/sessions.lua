-- Sessions, who took part in them, and what they left behind: chat, transcript, summary
-- (reference §3.5).
local json = require "realtimekit.jsonpure"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local array = json.array
local rtk_error, ok, ok_json, enum = common.rtk_error, common.ok, common.ok_json, common.enum

M.params = {
  session_id = common.lookup("session_by_id", "Session"),
  -- A session participant by its id (the peer id), or also by its user_id when config
  -- session_participant_lookup says so.
  session_participant_id = function(ctx, raw)
    local id = raw:lower()
    local peer = ctx.app.peer_by_id[id]
    if peer and peer.session_id == ctx.session.id then return peer.entry end
    if state.config.session_participant_lookup == "id_or_user_id" then
      for _, e in ipairs(ctx.app.session_participants[ctx.session.id] or {}) do
        if e.item.user_id == id then return e end
      end
    end
    return nil, rtk_error(404, "Participant not found")
  end,
  peer_id = common.lookup("peer_by_id", "Peer"),
}

local function list(ctx)
  local args = ctx.args
  local items = ctx.app.sessions
  if args.status then
    items = common.filter(items, function(e) return e.item.status == args.status end)
  end
  if args.associated_id then
    local id = args.associated_id:lower()
    items = common.filter(items, function(e) return e.item.associated_id == id end)
  end
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    items = common.filter(items, function(e)
      local title = e.item.meeting_display_name
      return e.id == needle or e.item.associated_id == needle
        or (type(title) == "string" and title:lower():find(needle, 1, true) ~= nil)
    end)
  end
  items = common.time_filter(items, args)
  if args.sort_by or args.sort_order then
    local key = (args.sort_by == "minutesConsumed") and "minutes_consumed" or nil
    items = common.sorted(items, function(e)
      if key then return e.item[key] end
      return e.created
    end, args.sort_order == "DESC")
  end
  local page, paging = common.page(items, args)
  local where = state.config.sessions_paging
  local body = '{"success":true,"data":{"sessions":' .. page
  if where == "data" then body = body .. ',"paging":' .. paging end
  body = body .. '}'
  if where == "top" then body = body .. ',"paging":' .. paging end
  return 200, body .. '}'
end

local function get(ctx)
  local text = ctx.session.json
  if ctx.args.include_breakout_rooms == "true" then
    text = text:sub(1, -2) .. ',"breakout_rooms":[]}'
  end
  return ok_json(text)
end

local function participants(ctx)
  local args = ctx.args
  local items = ctx.app.session_participants[ctx.session.id] or {}
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    items = common.filter(items, function(e)
      local it = e.item
      return e.id == needle or it.user_id == needle
        or it.custom_participant_id:lower():find(needle, 1, true) ~= nil
        or it.display_name:lower():find(needle, 1, true) ~= nil
    end)
  end
  if args.sort_by or args.sort_order then
    local key = args.sort_by == "duration" and "duration" or "joined"
    items = common.sorted(items, function(e) return e[key] end, args.sort_order == "DESC")
  end
  local events = args.include_peer_events == "true"
  local page, paging = common.page(items, args, function(e)
    return state.session_participant_json(e, events)
  end)
  return ok_json('{"participants":' .. page .. ',"paging":' .. paging .. '}')
end

local function participant(ctx)
  local e = ctx.session_participant
  local text = state.session_participant_json(e, ctx.args.include_peer_events == "true")
  return ok_json('{"participant":' .. text .. '}')
end

local OSES = { { "Windows", "10" }, { "macOS", "14.5" }, { "Android", "14" } }
local BROWSERS = { { "Chrome", "126.0", "Blink" }, { "Firefox", "127.0", "Gecko" },
                   { "Safari", "17.5", "WebKit" } }
local PLACES = { { "London", "GB", "England", "Europe/London" },
                 { "Bengaluru", "IN", "Karnataka", "Asia/Kolkata" },
                 { "Austin", "US", "Texas", "America/Chicago" } }

-- A peer report made up from the participant's place in its session: the same every time.
local function peer_report(e, filters)
  local i = e.index
  local it = e.item
  local os_, browser, place = OSES[i % 3 + 1], BROWSERS[i % 3 + 1], PLACES[i % 3 + 1]
  local metadata = {
    device_info = { os = os_[1], os_version = os_[2], cpus = 4 + (i % 3) * 2,
                    is_mobile = os_[1] == "Android" },
    browser_metadata = { browser = browser[1], browser_version = browser[2],
                         engine = browser[3], user_agent = "Mozilla/5.0 (fake) " .. browser[1],
                         webgl_support = true },
    ip_information = { ipv4 = "203.0.113." .. (i % 250 + 1), city = place[1],
                       country = place[2], region = place[3], timezone = place[4],
                       asn = { asn = "AS64500" } },
    pc_metadata = array { { effective_network_type = "4g", reflexive_connectivity = true,
                            relay_connectivity = true, turn_connectivity = true,
                            timestamp = it.joined_at } },
    events = array { { name = "joined", timestamp = it.joined_at } },
    room_view_type = "GROUP_CALL", sdk_name = "web-core", sdk_version = "1.35.0",
  }
  if not state.unset(it.left_at) then
    metadata.events[2] = { name = "left", timestamp = it.left_at }
  end
  local quality = {
    audio_producer = array { {
      bytes_sent = 48000 * (i + 10), jitter = i % 7, mid = "0", mos_quality = 4,
      packets_lost = i % 5, packets_sent = 5000 + i * 13, producer_id = "p-" .. e.id:sub(1, 8),
      rtt = 20 + (i % 10) * 2.5, ssrc = 1000000 + i, timestamp = it.joined_at } },
    audio_producer_cumulative = {
      packet_loss = { ["5_or_greater_event_fraction"] = 0, ["10_or_greater_event_fraction"] = 0,
                      ["25_or_greater_event_fraction"] = 0, ["50_or_greater_event_fraction"] = 0,
                      avg = i % 2 },
      quality_mos = { avg = 4, p50 = 4, p75 = 4, p90 = 5 },
      rtt = { ["100ms_or_greater_event_fraction"] = 0, ["250ms_or_greater_event_fraction"] = 0,
              ["500ms_or_greater_event_fraction"] = 0, avg = 20 + (i % 10) * 2.5 },
    },
    video_producer = array(), video_consumer = array(), audio_consumer = array(),
  }
  if not filters then return { metadata = metadata, quality = quality } end
  local report, picked = {}, {}
  for f in filters:gmatch("[^,]+") do picked[f] = true end
  if picked.quality_stats then report.quality = quality end
  local m = {}
  if picked.device_info then
    m.device_info, m.browser_metadata = metadata.device_info, metadata.browser_metadata
  end
  if picked.ip_information then m.ip_information = metadata.ip_information end
  if picked.precall_network_information then m.pc_metadata = metadata.pc_metadata end
  if picked.events then m.events = metadata.events end
  if next(m) then report.metadata = m end
  return report
end

local function peer(ctx)
  local e = ctx.peer.entry
  local out = common.copy(e.item)
  out.role, out.preset_name = out.preset_name, nil
  if ctx.args.include_peer_events ~= "true" then out.peer_events = nil end
  out.session_id = ctx.peer.session_id
  out.peer_report = peer_report(e, ctx.args.filters)
  return ok { participant = out }
end

local function download(kind, ctx, ext)
  return common.STORAGE .. "/" .. ctx.app_id .. "/sessions/" .. ctx.session.id .. "/" .. kind
    .. "." .. ext
end

local function chat(ctx)
  return ok { chat_download_url = download("chat", ctx, "csv"),
              chat_download_url_expiry = common.expiry() }
end

local function transcript(ctx)
  local format = ctx.args.format or "JSON"
  return ok { sessionId = ctx.session.id,
              transcript_download_url = download("transcript", ctx, format:lower()),
              transcript_download_url_expiry = common.expiry() }
end

local function summary(ctx)
  return ok { sessionId = ctx.session.id, summaryDownloadUrl = download("summary", ctx, "txt"),
              summaryDownloadUrlExpiry = common.expiry() }
end

local function generate_summary(ctx)
  state.tick()
  return ok { session_id = ctx.session.id, status = "IN_PROGRESS" }
end

local ORDER = enum { "ASC", "DESC" }
local FILTERS = "filters"

M.routes = {
  { "GET", "sessions", list, query = {
      page_no = "count", per_page = "count", start_time = "time", end_time = "time",
      status = enum { "LIVE", "ENDED" }, associated_id = "string", participants = "string",
      sort_by = enum { "createdAt", "minutesConsumed" }, sort_order = ORDER,
      search = "string" } },
  { "GET", "sessions/:session_id", get, query = { include_breakout_rooms = "bool" } },
  { "GET", "sessions/:session_id/participants", participants, query = {
      page_no = "count", per_page = "count", search = "string",
      sort_by = enum { "joinedAt", "duration" }, sort_order = ORDER,
      include_peer_events = "bool", view = enum { "raw", "consolidated" } } },
  { "GET", "sessions/:session_id/participants/:session_participant_id", participant,
    query = { include_peer_events = "bool", filters = FILTERS } },
  { "GET", "sessions/peer-report/:peer_id", peer,
    query = { filters = FILTERS, include_peer_events = "bool" } },
  { "GET", "sessions/:session_id/chat", chat },
  { "GET", "sessions/:session_id/transcript", transcript,
    query = { format = enum { "SRT", "VTT", "JSON", "CSV" } } },
  { "GET", "sessions/:session_id/summary", summary },
  { "POST", "sessions/:session_id/summary", generate_summary, body = "none" },
}

return M
