-- The fake server's mutable state, held by its single nginx worker: the data set, the queued
-- faults, the behaviour switches, the request log and the connections seen.
local cjson = require "cjson"
local data = require "realtimekit.fake.server.data"
local json = require "realtimekit.jsonpure"

local M = {}

local DEFAULTS = {
  latency = 0,
  meetings_total = data.MEETINGS,
  max_per_page = 100,
  sessions_paging = "none",
  meetings_paging = "top",
  participants_paging = "top",
  -- Shapes no source documents, kept for specs that need them (docs/fake-server.md,
  -- "Inferences"): the default of each is what the official SDK declares.
  livestream_list = "sdk",
  livestream_session = "object",
  recording_stop_status = "UPLOADED",
  session_participant_lookup = "id",
  absent_as_null = false,
  -- Rate limiting (off while rate_quota is 0): fixed windows of rate_quota requests per
  -- rate_window seconds, counted from when the switch is set; the Ratelimit and
  -- Ratelimit-Policy headers on every response unless rate_headers is false; 429 with
  -- Retry-After beyond the quota.
  rate_quota = 0,
  rate_window = 10,
  rate_headers = true,
}

-- The values a string switch takes.
local CHOICES = {
  sessions_paging = { "top", "data", "none" },
  meetings_paging = { "top", "data", "none" },
  participants_paging = { "top", "data", "none" },
  livestream_list = { "sdk", "livestreams" },
  livestream_session = { "object", "list" },
  recording_stop_status = { "UPLOADED", "UPLOADING", "STOPPED" },
  session_participant_lookup = { "id", "id_or_user_id" },
}

--- A value that is not there (data.UNSET) as the server shows it: left out (nil), or null with
-- config absent_as_null.
function M.absent()
  if M.config.absent_as_null then return cjson.null end
  return nil
end

--- Whether v is a value that is not there: absent or null.
function M.unset(v)
  return v == nil or v == cjson.null
end

-- Replaces data.NULL by cjson.null, data.UNSET by M.absent() and data's array marker by
-- fake.json's, in a copy.
local function to_json_values(v)
  if v == data.NULL then return cjson.null end
  if v == data.UNSET then return M.absent() end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = to_json_values(x) end
  if getmetatable(v) == data.ARRAY then json.array(out) end
  return out
end
M.to_json_values = to_json_values

-- Precomputes each item's JSON and lookup keys.
local function prepare(list)
  local out = {}
  for i, item in ipairs(list) do
    local j = to_json_values(item)
    out[i] = {
      item = j,
      json = cjson.encode(j),
      id = item.id:lower(),
      title = type(item.title) == "string" and item.title:lower() or nil,
      created = data.parse_time(item.created_at),
      index = i,
    }
  end
  return out
end

-- Session participants, with what lists sort by; their JSON is made when first asked for
-- (M.session_participant_json), as most are never served.
local function prepare_session_participants(list)
  local out = {}
  for i, sp in ipairs(list) do
    out[i] = { item = to_json_values(sp), id = sp.id, joined = data.parse_time(sp.joined_at),
               duration = sp.duration, index = i }
  end
  return out
end

--- A session participant's JSON, with its peer events or without.
function M.session_participant_json(e, with_events)
  if not e.json then
    local item = e.item
    local events = item.peer_events
    item.peer_events = nil
    e.json = json.encode(item)
    item.peer_events = events
    e.json_events = json.encode(item)
  end
  return with_events and e.json_events or e.json
end

local function by_id(list)
  local map = {}
  for _, x in ipairs(list) do map[x.id] = x end
  return map
end

local function plain_list(list)
  local out = {}
  for i, x in ipairs(list or {}) do out[i] = to_json_values(x) end
  return out
end

-- Session participants never change: they are prepared once per app and shared by every reset.
local shared_session_participants = {}

local function session_participants_of(app, sessions)
  local id = app.session_participants and app.app.id .. tostring(M.config.absent_as_null)
  local cached = id and shared_session_participants[id]
  if cached then return cached.lists, cached.peers end
  local lists, peers = {}, {}
  for _, s in ipairs(sessions) do
    local list = prepare_session_participants((app.session_participants or {})[s.item.id] or {})
    lists[s.id] = list
    for _, e in ipairs(list) do peers[e.id] = { entry = e, session_id = s.id } end
  end
  if id then shared_session_participants[id] = { lists = lists, peers = peers } end
  return lists, peers
end

--- An app's state from its part of data.build() (or an empty one, for an app made by POST /apps).
function M.load_app(app)
  local meetings = prepare(app.meetings or {})
  local meeting_by_id, participants, participant_by_id = {}, {}, {}
  for _, m in ipairs(meetings) do
    meeting_by_id[m.id] = m
    participants[m.id] = prepare((app.participants or {})[m.item.id] or {})
    participant_by_id[m.id] = by_id(participants[m.id])
  end
  local sessions = prepare(app.sessions or {})
  local session_participants, peer_by_id = session_participants_of(app, sessions)
  local a = {
    info = to_json_values(app.app),
    meetings = meetings, meeting_by_id = meeting_by_id,
    participants = participants, participant_by_id = participant_by_id,
    sessions = sessions, session_by_id = by_id(sessions),
    session_participants = session_participants, peer_by_id = peer_by_id,
    presets = plain_list(app.presets), recordings = plain_list(app.recordings),
    webhooks = plain_list(app.webhooks), livestreams = plain_list(app.livestreams),
    livestream_sessions = plain_list(app.livestream_sessions),
  }
  for _, k in ipairs { "presets", "recordings", "webhooks", "livestreams",
                       "livestream_sessions" } do
    a[k:gsub("s$", "") .. "_by_id"] = by_id(a[k])
  end
  return a
end

--- The moment the data set is dated back from, and the clock starts at on every reset
-- (data.build's `now`): set by start.
M.now = data.SPEC_NOW

-- data.build(now) is deterministic and nothing here changes what it returns (the state is made
-- of copies), so it is built once per process.
local built

-- The apps as data.build(M.now) has them.
local function load_apps()
  built = built or data.build(M.now)
  M.apps = {}
  M.app_order = {}
  for app_id, app in pairs(built.apps) do
    M.apps[app_id] = M.load_app(app)
    M.app_order[#M.app_order + 1] = M.apps[app_id].info
  end
  table.sort(M.app_order, function(a, b) return a.created_at < b.created_at end)
end

--- How many resets there have been: a request that began before one (held, delayed, or slowed
-- by latency) is dropped rather than answered from the new data, which it must not change.
M.generation = 0

function M.reset()
  M.generation = M.generation + 1
  if M.held > 0 then M.release() end
  M.config = {}
  for k, v in pairs(DEFAULTS) do M.config[k] = v end
  load_apps()
  M.clock = M.now
  M.rand = data.generator(20260301)
  M.issued = 0
  M.faults = {}
  M.log = {}
  M.connections = {}
  M.connection_count = 0
  M.ray = 0
  M.rate = { start = 0, index = -1, count = 0, throttled = 0 }
end

--- The time of a write: the clock's reading, which then moves on.
function M.tick()
  local t = M.clock
  M.clock = t + data.CLOCK_STEP
  return t
end

--- A new id, deterministic from the reset on.
function M.uuid()
  return data.uuid(M.rand)
end

--- The next number from the state's generator.
function M.random()
  return M.rand()
end

--- Merges behaviour switches; returns nil, message for an unknown or wrong one.
function M.configure(t)
  for k, v in pairs(t) do
    local default = DEFAULTS[k]
    if default == nil then return nil, "unknown config key " .. tostring(k) end
    if type(v) ~= type(default) then
      return nil, "config " .. k .. " must be a " .. type(default)
    end
    local choices = CHOICES[k]
    if choices then
      local known = false
      for _, c in ipairs(choices) do known = known or c == v end
      if not known then
        return nil, "config " .. k .. " must be " .. table.concat(choices, ", ")
      end
    end
  end
  if t.meetings_total and (t.meetings_total < data.MEETINGS or t.meetings_total > 1000000
                           or t.meetings_total % 1 ~= 0) then
    return nil, "config meetings_total must be a whole number from " .. data.MEETINGS
      .. " to 1000000"
  end
  if (t.rate_quota and (t.rate_quota < 0 or t.rate_quota % 1 ~= 0))
    or (t.rate_window and t.rate_window <= 0) then
    return nil, "config rate_quota must be a whole number >= 0 and rate_window > 0"
  end
  if t.rate_quota or t.rate_window then
    ngx.update_time()
    M.rate = { start = ngx.now(), index = -1, count = 0, throttled = 0 }
  end
  local reload = t.absent_as_null ~= nil and t.absent_as_null ~= M.config.absent_as_null
  for k, v in pairs(t) do M.config[k] = v end
  -- The data's JSON is made when it is loaded: it is loaded again (as it was at the reset).
  if reload then load_apps() end
  if reload or t.meetings_total then M.scale_meetings(M.config.meetings_total) end
  return true
end

--- Counts a request against the rate limit, when it is on. Returns whether it is over the
-- quota, and the headers to send: Ratelimit and Ratelimit-Policy (unless switched off), and
-- Retry-After when over.
function M.rate_check()
  local quota, window = M.config.rate_quota, M.config.rate_window
  if quota == 0 then return false, nil end
  local r = M.rate
  ngx.update_time()
  local now = ngx.now()
  local index = math.floor((now - r.start) / window)
  if index ~= r.index then r.index, r.count = index, 0 end
  local reset = math.ceil(r.start + (index + 1) * window - now)
  if reset < 1 then reset = 1 end
  local over = r.count >= quota
  if over then r.throttled = r.throttled + 1 else r.count = r.count + 1 end
  local headers = {}
  if M.config.rate_headers then
    headers["Ratelimit"] = string.format('"default";r=%d;t=%d', quota - r.count, reset)
    headers["Ratelimit-Policy"] = string.format('"default";q=%d;w=%s', quota,
      window % 1 == 0 and string.format("%d", window) or tostring(window))
  end
  if over then headers["Retry-After"] = tostring(reset) end
  return over, headers
end

--- Grows (or shrinks back) the main app's meetings to n: meeting i > 300 is meeting
-- ((i - 1) % 300) + 1 under an id and a creation time of its own. For benchmarks that walk
-- thousands of pages; the JSON of each is made once, here.
function M.scale_meetings(n)
  local app = M.apps[data.APP_ID]
  local list = app.meetings
  for i = #list, n + 1, -1 do
    app.meeting_by_id[list[i].id] = nil
    list[i] = nil
  end
  local base_time = data.parse_time(list[1].item.created_at) - 3600
  for i = #list + 1, n do
    local base = list[(i - 1) % data.MEETINGS + 1]
    local copy = {}
    for k, v in pairs(base.item) do copy[k] = v end
    copy.id = string.format("%08x-0000-4000-8000-%012x", i, i)
    local created = base_time + i * 3600
    copy.created_at = data.format_time(created)
    copy.updated_at = data.format_time(created + 60)
    local e = { item = base.item, json = cjson.encode(copy), id = copy.id, title = base.title,
                created = created, index = i }
    list[i] = e
    app.meeting_by_id[e.id] = e
  end
end

-- Requests held by a `hold` fault: how many now, and the release they wait for (a release or a
-- reset moves it on, and every request held then goes on).
M.held, M.release_count = 0, 0
--- The longest a request is held (seconds), released or not.
M.HOLD_LIMIT = 60

--- Holds the request (a `hold` fault) until the next release, or HOLD_LIMIT seconds.
function M.hold()
  local release = M.release_count
  M.held = M.held + 1
  local deadline = ngx.now() + M.HOLD_LIMIT
  while M.release_count == release and ngx.now() < deadline do ngx.sleep(0.005) end
  M.held = M.held - 1
end

--- Lets every request held go on.
function M.release()
  local n = M.held
  M.release_count = M.release_count + 1
  return n
end

--- Takes the first queued fault that matches "path?query", using up one of its times.
function M.take_fault(target)
  for i, f in ipairs(M.faults) do
    if not f.match or target:find(f.match, 1, true) then
      f.times = (f.times or 1) - 1
      if f.times <= 0 then table.remove(M.faults, i) end
      return f
    end
  end
  return nil
end

function M.record(entry)
  ngx.update_time()
  entry.at = ngx.now() - (M.rate.start or 0)
  M.log[#M.log + 1] = entry
  if not M.connections[entry.connection] then
    M.connections[entry.connection] = true
    M.connection_count = M.connection_count + 1
  end
end

function M.next_ray()
  M.ray = M.ray + 1
  return string.format("%016x-LHR", 0x7f3a000000000 + M.ray)
end

--- Starts the server's state (nginx's init_by_lua, once): its data set dated back from `now`,
-- Unix seconds (default data.SPEC_NOW).
function M.start(now)
  M.now = now or data.SPEC_NOW
  built = nil
  M.reset()
end

return M
