-- The RealtimeKit API as the fake server serves it: bearer-token check, Cloudflare's and
-- RealtimeKit's error shapes, real paging and filters, and the faults a test queued.
local cjson = require "cjson"
local data = require "fake.data"
local state = require "fake.state"

local M = {}

local concat = table.concat

local REASONS = {
  [400] = "Bad Request", [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [405] = "Method Not Allowed", [408] = "Request Timeout", [409] = "Conflict",
  [422] = "Unprocessable Entity", [429] = "Too Many Requests", [500] = "Internal Server Error",
  [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
}

local function send(status, body, headers)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  for k, v in pairs(headers or {}) do ngx.header[k] = v end
  ngx.header["Content-Length"] = #body
  ngx.print(body)
  return ngx.exit(status)
end

-- Cloudflare's platform-wide v4 error shape (what the gateway answers for auth failures).
local function v4_error(status, code, message)
  return status, cjson.encode { success = false, errors = { { code = code, message = message } },
                                messages = {}, result = cjson.null }
end

-- RealtimeKit's own error shape.
local function rtk_error(status, message)
  return status, cjson.encode { success = false, error = { code = status, message = message } }
end

local function default_error_body(status)
  return cjson.encode { success = false,
                        error = { code = status,
                                  message = REASONS[status] or ("HTTP " .. status) } }
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Decoded query arguments; a repeated key is an error of the request, as a bare key is.
local function parse_query(q)
  local args = {}
  if q == "" then return args end
  for pair in q:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if not k then return nil, pair end
    k, v = unescape((k:gsub("+", " "))), unescape((v:gsub("+", " ")))
    if args[k] ~= nil then return nil, k end
    args[k] = v
  end
  return args
end

-- Checks query args against a list of allowed names and rules; returns an error message or nil.
local RULES = {
  page_no = "count", per_page = "count", start_time = "time", end_time = "time", name = "string",
  search = "string", associated_id = "string", participants = "string",
}
local ENUMS = {
  meetings = { status = { ACTIVE = true, INACTIVE = true } },
  sessions = { status = { LIVE = true, ENDED = true },
               sort_by = { createdAt = true, minutesConsumed = true },
               sort_order = { ASC = true, DESC = true } },
}
local ALLOWED = {
  meetings = { page_no = 1, per_page = 1, start_time = 1, end_time = 1, status = 1, search = 1 },
  meeting = { name = 1 },
  participants = { page_no = 1, per_page = 1 },
  sessions = { page_no = 1, per_page = 1, start_time = 1, end_time = 1, status = 1,
               associated_id = 1, participants = 1, sort_by = 1, sort_order = 1, search = 1 },
}

local function check_args(kind, args)
  for k, v in pairs(args) do
    if not ALLOWED[kind][k] then return "unknown query parameter '" .. k .. "'" end
    local enum = ENUMS[kind] and ENUMS[kind][k]
    if enum then
      if not enum[v] then return "invalid value for '" .. k .. "'" end
    elseif RULES[k] == "count" then
      if not v:match("^%d+$") then return "'" .. k .. "' must be a non-negative integer" end
    elseif RULES[k] == "time" then
      if not data.parse_time(v) then return "'" .. k .. "' must be an ISO 8601 date-time" end
    end
  end
  return nil
end

-- Filters, pages and serialises a prepared list. Returns the JSON of the items and the paging.
local function page_of(list, args)
  local cfg = state.config
  local page_no = tonumber(args.page_no or "1")
  if page_no < 1 then page_no = 1 end
  local per_page = tonumber(args.per_page or "20")
  if per_page < 1 then per_page = 20 end
  if per_page > cfg.max_per_page then per_page = cfg.max_per_page end
  local offset = (page_no - 1) * per_page
  local parts = {}
  for i = offset + 1, math.min(offset + per_page, #list) do parts[#parts + 1] = list[i].json end
  local paging = string.format('{"start_offset":%d,"end_offset":%d,"total_count":%d}',
    offset + 1, offset + #parts, #list)
  return "[" .. concat(parts, ",") .. "]", paging
end

local function time_filter(list, args)
  local from = args.start_time and data.parse_time(args.start_time)
  local to = args.end_time and data.parse_time(args.end_time)
  if not from and not to then return list end
  local out = {}
  for _, e in ipairs(list) do
    if (not from or e.created >= from) and (not to or e.created <= to) then out[#out + 1] = e end
  end
  return out
end

local function filter(list, pred)
  local out = {}
  for _, e in ipairs(list) do if pred(e) then out[#out + 1] = e end end
  return out
end

local function envelope(items, paging, where)
  if where == "top" then
    return '{"success":true,"data":' .. items .. ',"paging":' .. paging .. '}'
  elseif where == "data" then
    return '{"success":true,"data":{"items":' .. items .. ',"paging":' .. paging .. '}}'
  end
  return '{"success":true,"data":' .. items .. '}'
end

local function list_meetings(app, args)
  local list = app.meetings
  if args.status then list = filter(list, function(e) return e.item.status == args.status end) end
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    list = filter(list, function(e)
      return e.id == needle or (e.title and e.title:find(needle, 1, true) ~= nil)
    end)
  end
  list = time_filter(list, args)
  local items, paging = page_of(list, args)
  local where = state.config.meetings_paging
  if where == "data" then
    -- RealtimeKit nests paging this way on some lists: data is an object holding both.
    return '{"success":true,"data":{"meetings":' .. items .. ',"paging":' .. paging .. '}}'
  end
  return envelope(items, paging, where)
end

local function list_participants(app, meeting, args)
  local items, paging = page_of(app.participants[meeting.id] or {}, args)
  local where = state.config.participants_paging
  if where == "data" then
    return '{"success":true,"data":{"participants":' .. items .. ',"paging":' .. paging .. '}}'
  end
  return envelope(items, paging, where)
end

local function list_sessions(app, args)
  local list = app.sessions
  if args.status then list = filter(list, function(e) return e.item.status == args.status end) end
  if args.associated_id then
    local id = args.associated_id:lower()
    list = filter(list, function(e) return e.item.associated_id == id end)
  end
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    list = filter(list, function(e)
      local title = e.item.meeting_display_name
      return e.id == needle or e.item.associated_id == needle
        or (type(title) == "string" and title:lower():find(needle, 1, true) ~= nil)
    end)
  end
  list = time_filter(list, args)
  if args.sort_by or args.sort_order then
    local key = (args.sort_by == "minutesConsumed") and "minutes_consumed" or nil
    local desc = args.sort_order == "DESC"
    local sorted = {}
    for i, e in ipairs(list) do sorted[i] = e end
    table.sort(sorted, function(a, b)
      local x, y
      if key then x, y = a.item[key], b.item[key] else x, y = a.created, b.created end
      if x ~= y then
        if desc then return x > y end
        return x < y
      end
      return a.index < b.index
    end)
    list = sorted
  end
  local items, paging = page_of(list, args)
  local where = state.config.sessions_paging
  local body = '{"success":true,"data":{"sessions":' .. items
  if where == "data" then body = body .. ',"paging":' .. paging end
  body = body .. '}'
  if where == "top" then body = body .. ',"paging":' .. paging end
  return body .. '}'
end

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

-- Routes a request; returns status, body.
local function route(method, segs, args)
  -- segs: client, v4, accounts, <account>, realtime, kit, <app>, ...
  if segs[1] ~= "client" or segs[2] ~= "v4" or segs[3] ~= "accounts" or not segs[4]
    or segs[5] ~= "realtime" or segs[6] ~= "kit" or not segs[7] then
    return v4_error(404, 7000, "No route for that URI")
  end
  if segs[4] ~= data.ACCOUNT_ID then
    return v4_error(403, 9109, "Unauthorized to access requested resource")
  end
  local app = state.apps[segs[7]]
  if not app then return rtk_error(404, "App not found") end
  local kind
  local meeting
  if segs[8] == "meetings" and not segs[9] then
    kind = "meetings"
  elseif segs[8] == "meetings" and segs[9] and not segs[11] then
    local id = segs[9]:lower()
    if not id:match(UUID) then return rtk_error(400, "meeting_id must be a UUID") end
    meeting = app.meeting_by_id[id]
    if not meeting then return rtk_error(404, "Meeting not found") end
    if segs[10] == nil then
      kind = "meeting"
    elseif segs[10] == "participants" then
      kind = "participants"
    end
  elseif segs[8] == "sessions" and not segs[9] then
    kind = "sessions"
  end
  if not kind then return v4_error(404, 7000, "No route for that URI") end
  if method ~= "GET" then return rtk_error(405, "Method not allowed") end
  local problem = check_args(kind, args)
  if problem then return rtk_error(400, problem) end
  if kind == "meetings" then return 200, list_meetings(app, args) end
  if kind == "meeting" then return 200, '{"success":true,"data":' .. meeting.json .. '}' end
  if kind == "participants" then return 200, list_participants(app, meeting, args) end
  return 200, list_sessions(app, args)
end

-- Sends a response over the raw connection and closes it: with `half`, status, headers (with
-- the full Content-Length) and half the body; without, the whole response, but a close the client
-- was not told about (no "Connection: close"), as a server that drops idle connections does.
local function raw_then_close(status, body, headers, half)
  local sock = assert(ngx.req.socket(true))
  local lines = { "HTTP/1.1 " .. status .. " " .. (REASONS[status] or "OK"),
                  "Content-Type: application/json", "Content-Length: " .. #body,
                  "cf-ray: " .. ngx.header["cf-ray"] }
  for k, v in pairs(headers or {}) do lines[#lines + 1] = k .. ": " .. v end
  local sent = half and body:sub(1, math.floor(#body / 2)) or body
  sock:send(concat(lines, "\r\n") .. "\r\n\r\n" .. sent)
  return ngx.exit(ngx.HTTP_CLOSE)
end

local function respond(headers, path, args, bad)
  if headers.authorization ~= "Bearer " .. data.TOKEN then
    return v4_error(401, 10000, "Authentication error")
  end
  if not args then return rtk_error(400, "malformed query parameter '" .. tostring(bad) .. "'") end
  local segs = {}
  for seg in path:gmatch("[^/]+") do segs[#segs + 1] = unescape(seg) end
  return route(ngx.req.get_method(), segs, args)
end

function M.handle()
  local raw = ngx.var.request_uri
  local path, query = raw:match("^([^?]*)%??(.*)$")
  -- An absolute-form target (a request through a proxy) still carries scheme and host here.
  path = path:gsub("^%a[%w+.-]*://[^/]*", "")
  ngx.req.read_body()
  local headers = {}
  for k, v in pairs(ngx.req.get_headers(200)) do headers[k] = v end
  local args, bad = parse_query(query)
  state.record {
    method = ngx.req.get_method(), path = path, query = query, args = args or {},
    headers = headers, body = ngx.req.get_body_data(), connection = tonumber(ngx.var.connection),
  }
  ngx.header["cf-ray"] = state.next_ray()
  ngx.header["Cache-Control"] = "no-store"

  local cfg = state.config
  if cfg.latency > 0 then ngx.sleep(cfg.latency) end

  local fault = state.take_fault(path .. "?" .. query)
  if fault then
    if fault.delay then ngx.sleep(fault.delay) end
    if fault.drop then return ngx.exit(ngx.HTTP_CLOSE) end
    if fault.status then
      local body = fault.body or default_error_body(fault.status)
      if fault.truncate or fault.close then
        return raw_then_close(fault.status, body, fault.headers, fault.truncate)
      end
      return send(fault.status, body, fault.headers)
    end
  end

  local status, body = respond(headers, path, args, bad)
  if fault and (fault.truncate or fault.close) then
    return raw_then_close(status, body, nil, fault.truncate)
  end
  return send(status, body)
end

return M
