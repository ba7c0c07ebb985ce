-- The fake RealtimeKit server's data set: deterministic, built the same way on every run.
-- Pure Lua (no ngx): the server builds it under nginx, and the specs build it under Lua 5.1–5.4
-- and LuaJIT to compute what a call should return.
local M = {}

M.ACCOUNT_ID = "023e105f4ecef8ad9ca31a8372d0c353"
M.TOKEN = "rtk-test-token-Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQ"
-- Real app ids are 36-character UUIDs; the second app uses the 32-hex form one doc shows.
M.APP_ID = "6f1a0d3c-5d7e-4b8a-9c2d-1e3f4a5b6c7d"
M.SMALL_APP_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

M.MEETINGS = 300
M.SESSIONS = 120

-- Stands for JSON null: the server encodes it as null, specs see a value that is not a string.
M.NULL = setmetatable({}, { __tostring = function() return "null" end })

-- Stands for a value that is not there, in a field the SDK declares optional but not nullable
-- (a meeting's title, a LIVE session's ended_at, ...): the server leaves the field out, or
-- sends null with config absent_as_null.
M.UNSET = setmetatable({}, { __tostring = function() return "unset" end })

-- Marks a table as a JSON array (so that an empty one is served as [], not {}).
M.ARRAY = { __tostring = function() return "array" end }
function M.array(t) return setmetatable(t or {}, M.ARRAY) end

-- The data set is dated back from a moment, `now`: the server's clock at a reset, which every
-- write (create, update, delete, start, stop...) is stamped with and moves on by CLOCK_STEP
-- seconds, and which reads use for expiry times. A server started without one takes the time
-- it starts at, so that "the last 30 days" hold its meetings and sessions; realtimekit's own
-- specs start it with SPEC_NOW, so that the dates they expect never move.
M.SPEC_NOW = 1772323200 -- 2026-03-01T00:00:00Z
M.CLOCK_STEP = 60

local floor = math.floor

-- Days since 1970-01-01 of a civil date (H. Hinnant's algorithm); exact in doubles and integers.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local MDAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

--- Parses an ISO 8601 date-time ("2026-01-01T10:00:00Z", fractions and offsets allowed) into
-- Unix seconds; nil when it is not one (month 13, 30 February, no zone...).
function M.parse_time(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, rest = s:match(
    "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil end
  y, mo, d, h, mi, sec = tonumber(y), tonumber(mo), tonumber(d),
    tonumber(h), tonumber(mi), tonumber(sec)
  local frac = rest:match("^%.(%d+)")
  if frac then rest = rest:sub(#frac + 2) end
  local offset
  if rest == "Z" or rest == "z" then
    offset = 0
  else
    local sign, oh, om = rest:match("^([+-])(%d%d):?(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == "-" then offset = -offset end
  end
  if mo < 1 or mo > 12 or d < 1 then return nil end
  local max = MDAYS[mo] + ((mo == 2 and leap(y)) and 1 or 0)
  if d > max or h > 23 or mi > 59 or sec > 60 then return nil end
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
end

--- Unix seconds to "YYYY-MM-DDTHH:MM:SS.000Z".
function M.format_time(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", t) .. ".000Z"
end

-- A deterministic UUID (version 4 layout) from a generator state; MINSTD keeps every product
-- below 2^53, so it is exact under every Lua.
local function generator(seed)
  local x = seed % 2147483646 + 1
  return function()
    x = (x * 48271) % 2147483647
    return x
  end
end

local function uuid(rand)
  local a, b, c, d, e = rand(), rand(), rand(), rand(), rand()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x",
    a % 4294967296, b % 65536, c % 4096, 32768 + d % 16384, e % 16777216, rand() % 16777216)
end
M.generator, M.uuid = generator, uuid

--- Where the data set's dates start, for the moment `now` (Unix seconds): `app` (the apps, their
-- presets and webhooks: 90 days before), `meetings` (the first is an hour later, one an hour
-- up to 12.5 days later: from 28 days before) and `sessions` (one every 90 minutes up to 7.5
-- days later: from 14 days before), with `now` itself.
-- @int[opt=SPEC_NOW] now
function M.times(now)
  now = now or M.SPEC_NOW
  return { now = now, app = now - 90 * 86400, meetings = now - 28 * 86400,
           sessions = now - 14 * 86400 }
end

local function meeting(i, rand, times)
  local title
  if i % 10 == 0 then
    title = M.UNSET
  elseif i % 7 == 0 then
    title = "Réunion " .. i .. " — 会議 🎥"
  else
    title = "Meeting " .. i
  end
  local created = times.meetings + i * 3600
  local m = {
    id = uuid(rand),
    title = title,
    status = (i % 4 == 0) and "INACTIVE" or "ACTIVE",
    created_at = M.format_time(created),
    updated_at = M.format_time(created + 60),
    record_on_start = i % 3 == 0,
    live_stream_on_start = false,
    persist_chat = i % 2 == 0,
    summarize_on_end = false,
    transcribe_on_end = i % 11 == 0,
    session_keep_alive_time_in_secs = 60,
  }
  if i % 25 == 0 then
    m.recording_config = {
      max_seconds = 3600,
      file_name_prefix = "meeting-" .. i,
      video_config = { codec = "H264", width = 1280, height = 720, export_file = true },
      audio_config = { codec = "AAC", channel = "stereo", export_file = true },
      realtimekit_bucket_config = { enabled = true },
      storage_config = M.NULL,
    }
  end
  return m
end

local function participant(i, j, rand, created)
  local t = created + j * 30
  return {
    id = uuid(rand),
    custom_participant_id = "user-" .. i .. "-" .. j,
    preset_name = (j == 1) and "group_call_host" or "group_call_participant",
    name = (j % 6 == 0) and M.NULL or ("Participant " .. j),
    picture = M.NULL,
    created_at = M.format_time(t),
    updated_at = M.format_time(t),
  }
end

local function session(j, rand, meetings, app_id, times)
  local m = meetings[((j * 7 - 1) % #meetings) + 1]
  local created = times.sessions + j * 90 * 60
  local live = j % 10 == 0
  local minutes = (j * 37) % 500
  return {
    id = uuid(rand),
    associated_id = m.id,
    meeting_display_name = m.title,
    organization_id = app_id,
    type = "meeting",
    status = live and "LIVE" or "ENDED",
    live_participants = live and (j % 7) + 1 or 0,
    max_concurrent_participants = (j % 9) + 1,
    minutes_consumed = minutes,
    created_at = M.format_time(created),
    started_at = M.format_time(created + 5),
    updated_at = M.format_time(created + 60 * minutes),
    ended_at = live and M.UNSET or M.format_time(created + 60 * minutes),
  }
end

-- The rest of the data set (apps' names, presets, session participants, recordings, webhooks,
-- livestreams) is in seed.lua, next to this file; loaded by path, as this file may be loaded by
-- dofile as well as by require "realtimekit.fake.server.data".
local seed = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "seed.lua")

--- Builds the whole data set, dated back from `now` (see `times`; the ids, names and numbers
-- are the same whatever `now`): { apps = { [app_id] = { app, meetings, participants, sessions,
-- session_participants, presets, recordings, webhooks, livestreams, livestream_sessions } } }.
-- meetings and sessions are arrays in list order; participants maps a meeting id to an array,
-- session_participants a session id to an array. See seed.lua for the rest.
-- @int[opt=SPEC_NOW] now the server's `now` (a handle's `now` field)
function M.build(now)
  local times = M.times(now)
  local rand = generator(20261122)
  local big = { meetings = {}, participants = {}, sessions = {} }
  for i = 1, M.MEETINGS do big.meetings[i] = meeting(i, rand, times) end
  for i = 1, M.MEETINGS do
    local n = (i == 1) and 250 or (i % 5)
    local list = {}
    local created = times.meetings + i * 3600
    for j = 1, n do list[j] = participant(i, j, rand, created) end
    big.participants[big.meetings[i].id] = list
  end
  for j = 1, M.SESSIONS do big.sessions[j] = session(j, rand, big.meetings, M.APP_ID, times) end

  local small = { meetings = {}, participants = {}, sessions = {} }
  for i = 1, 3 do
    local m = meeting(i, rand, times)
    m.title = "Small " .. i
    small.meetings[i] = m
    small.participants[m.id] = {}
  end
  local built = { apps = { [M.APP_ID] = big, [M.SMALL_APP_ID] = small } }
  seed(M, built, times)
  return built
end

return M
