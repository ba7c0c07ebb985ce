-- The fake server's mutable state, held by its single nginx worker: the data set, the queued
-- faults, the behaviour switches, the request log and the connections seen.
local cjson = require "cjson"
local data = require "fake.data"

local M = {}

local DEFAULTS = {
  latency = 0,
  meetings_total = data.MEETINGS,
  max_per_page = 100,
  sessions_paging = "none",
  meetings_paging = "top",
  participants_paging = "top",
}

-- Replaces data.NULL by cjson.null and precomputes each item's JSON and lookup keys.
local function to_json_values(v)
  if v == data.NULL then return cjson.null end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = to_json_values(x) end
  return out
end

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

function M.reset()
  local built = data.build()
  M.apps = {}
  for app_id, app in pairs(built.apps) do
    local meetings = prepare(app.meetings)
    local by_id, participants = {}, {}
    for _, m in ipairs(meetings) do
      by_id[m.id] = m
      participants[m.id] = prepare(app.participants[m.item.id] or {})
    end
    M.apps[app_id] = { meetings = meetings, meeting_by_id = by_id, participants = participants,
                       sessions = prepare(app.sessions) }
  end
  M.faults = {}
  M.log = {}
  M.connections = {}
  M.connection_count = 0
  M.config = {}
  for k, v in pairs(DEFAULTS) do M.config[k] = v end
  M.ray = 0
end

--- Merges behaviour switches; returns nil, message for an unknown or wrong one.
function M.configure(t)
  for k, v in pairs(t) do
    local default = DEFAULTS[k]
    if default == nil then return nil, "unknown config key " .. tostring(k) end
    if type(v) ~= type(default) then
      return nil, "config " .. k .. " must be a " .. type(default)
    end
    if k:find("_paging$") and v ~= "top" and v ~= "data" and v ~= "none" then
      return nil, "config " .. k .. " must be top, data or none"
    end
  end
  if t.meetings_total and (t.meetings_total < data.MEETINGS or t.meetings_total > 1000000
                           or t.meetings_total % 1 ~= 0) then
    return nil, "config meetings_total must be a whole number from " .. data.MEETINGS
      .. " to 1000000"
  end
  for k, v in pairs(t) do M.config[k] = v end
  if t.meetings_total then M.scale_meetings(t.meetings_total) end
  return true
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

M.reset()

return M
