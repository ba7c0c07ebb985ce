-- What the resource modules share: the error shapes, the success envelope, paging, times,
-- download links and participant tokens.
local cjson = require "cjson"
local data = require "realtimekit.fake.server.data"
local json = require "realtimekit.jsonpure"
local state = require "realtimekit.fake.server.state"

local M = {}

local concat, format, floor, char = table.concat, string.format, math.floor, string.char

--- Cloudflare's platform-wide v4 error shape (what the gateway answers for auth failures).
function M.v4_error(status, code, message)
  return status, cjson.encode { success = false, errors = { { code = code, message = message } },
                                messages = {}, result = cjson.null }
end

--- RealtimeKit's own error shape.
function M.rtk_error(status, message)
  return status, cjson.encode { success = false, error = { code = status, message = message } }
end

--- A path parameter's lookup: the item the app's index `by_id` (such as "preset_by_id") holds
-- under the lower-cased id, or a 404 saying "<what> not found".
function M.lookup(by_id, what)
  local message = what .. " not found"
  return function(ctx, raw)
    local item = ctx.app[by_id][raw:lower()]
    if not item then return nil, M.rtk_error(404, message) end
    return item
  end
end

--- 200 with data given as JSON text.
function M.ok_json(text)
  return 200, '{"success":true,"data":' .. text .. '}'
end

--- 200 with data given as a value (fake.json encodes it).
function M.ok(value)
  return 200, '{"success":true,"data":' .. json.encode(value) .. '}'
end

--- 201 with data given as a value, for what a POST creates.
function M.created(value)
  return 201, '{"success":true,"data":' .. json.encode(value) .. '}'
end

--- The page that args (page_no from 1, per_page 20 by default, capped at max_per_page; a
-- fraction counts as its whole part) asks of list: the JSON of its items, to_json(item) each
-- (item.json by default), and of the paging.
function M.page(list, args, to_json)
  local page_no = floor(tonumber(args.page_no or "1"))
  if page_no < 1 then page_no = 1 end
  local per_page = floor(tonumber(args.per_page or "20"))
  if per_page < 1 then per_page = 20 end
  if per_page > state.config.max_per_page then per_page = state.config.max_per_page end
  local offset = (page_no - 1) * per_page
  local parts = {}
  for i = offset + 1, math.min(offset + per_page, #list) do
    parts[#parts + 1] = to_json and to_json(list[i]) or list[i].json
  end
  local paging = format('{"start_offset":%d,"end_offset":%d,"total_count":%d}',
    offset + 1, offset + #parts, #list)
  return "[" .. concat(parts, ",") .. "]", paging
end

--- The page that args asks of list where a page holds one item (a response that declares one
-- item with paging, as if per_page were capped at 1): page_no n is the list's item n (nil past
-- the end), and the JSON of the paging.
function M.one(list, args)
  local n = tonumber(args.page_no or "1")
  if n < 1 then n = 1 end
  local item = list[n]
  return item, format('{"start_offset":%d,"end_offset":%d,"total_count":%d}', n,
    item and n or n - 1, #list)
end

function M.filter(list, pred)
  local out = {}
  for _, e in ipairs(list) do if pred(e) then out[#out + 1] = e end end
  return out
end

--- Entries whose `created` (Unix seconds) is within args' start_time and end_time.
function M.time_filter(list, args, key)
  key = key or "created"
  local from = args.start_time and data.parse_time(args.start_time)
  local to = args.end_time and data.parse_time(args.end_time)
  if not from and not to then return list end
  return M.filter(list, function(e)
    local t = e[key]
    return (not from or t >= from) and (not to or t <= to)
  end)
end

--- Sorted copy of list; key(e) gives what to compare; ties keep list order.
function M.sorted(list, key, desc)
  local rank, copy = {}, {}
  for i, e in ipairs(list) do
    rank[e] = i
    copy[i] = e
  end
  table.sort(copy, function(a, b)
    local x, y = key(a), key(b)
    if x ~= y then
      if desc then return x > y end
      return x < y
    end
    return rank[a] < rank[b]
  end)
  return copy
end

--- A query rule (see router.lua) for an enum; multi when the key may repeat (a=x&a=y).
function M.enum(values, multi)
  local set = {}
  for _, v in ipairs(values) do set[v] = true end
  return { set = set, multi = multi }
end

M.time = data.format_time
M.parse_time = data.parse_time

--- A time an hour after the clock's reading, for download links.
function M.expiry()
  return data.format_time(state.clock + 3600)
end

M.STORAGE = "https://storage.fake-realtimekit.test"

--- Removes item from a list and from the map of the same items by id.
function M.remove(list, by_id, item)
  for i = #list, 1, -1 do
    if list[i] == item then table.remove(list, i) end
  end
  by_id[item.id] = nil
end

--- A shallow copy of t.
function M.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Base64url without padding.
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function b64url(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chunk = { floor(n / 262144), floor(n / 4096) % 64, floor(n / 64) % 64, n % 64 }
    local k = b == nil and 2 or (c == nil and 3 or 4)
    for j = 1, k do
      local x = chunk[j] + 1
      out[#out + 1] = B64:sub(x, x)
    end
  end
  return concat(out)
end
M.b64url = b64url

local JWT_HEADER = b64url('{"alg":"RS256","typ":"JWT"}')

--- A participant's auth token: JWT-looking, deterministic from the reset on, and different on
-- every issue (it carries the issue's number).
function M.token(app_id, meeting_id, participant_id)
  state.issued = state.issued + 1
  local payload = json.encode { sub = participant_id, meetingId = meeting_id, orgId = app_id,
                                iat = state.clock, jti = state.issued }
  local sig = {}
  for i = 1, 32 do sig[i] = char(state.random() % 256) end
  return JWT_HEADER .. "." .. b64url(payload) .. "." .. b64url(concat(sig))
end

return M
