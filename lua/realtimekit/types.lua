--- Parameter types of the endpoint descriptions: each checks a Lua value and returns the text
-- that goes into the URL, or nil and what is wrong with it.
-- @module realtimekit.types
local compat = require "realtimekit.compat"

local type, tostring, tonumber = type, tostring, tonumber
local byte, find, format, rep = string.byte, string.find, string.format, string.rep
local math_floor = math.floor
local is_whole, intstr = compat.is_whole, compat.intstr

local M = {}

local MAX_TEXT = 2048
local MAX_WHOLE = 2147483647

local function got(v)
  if type(v) == "string" then return "a string" end
  return type(v) == "number" and format("%s", tostring(v)) or ("a " .. type(v))
end

--- Whether s is valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
function M.is_utf8(s)
  local i, n = 1, #s
  while i <= n do
    local c = byte(s, i)
    if c < 0x80 then
      i = i + 1
    else
      local len, min
      if c >= 0xC2 and c <= 0xDF then len, min = 2, 0x80
      elseif c >= 0xE0 and c <= 0xEF then len, min = 3, 0x800
      elseif c >= 0xF0 and c <= 0xF4 then len, min = 4, 0x10000
      else return false end
      if i + len - 1 > n then return false end
      local cp = c % (2 ^ (7 - len))
      for j = i + 1, i + len - 1 do
        local cc = byte(s, j)
        if cc < 0x80 or cc > 0xBF then return false end
        cp = cp * 64 + (cc - 0x80)
      end
      if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return false end
      i = i + len
    end
  end
  return true
end

--- Free text: UTF-8 without NUL, at most 2048 bytes.
function M.text(v)
  if type(v) ~= "string" then return nil, "expected a string, got " .. got(v) end
  if #v > MAX_TEXT then return nil, "longer than " .. MAX_TEXT .. " bytes" end
  if find(v, "\0", 1, true) then return nil, "contains a NUL byte" end
  if not M.is_utf8(v) then return nil, "is not valid UTF-8" end
  return v
end

--- A whole number >= 0 (page_no, per_page), written as an integer.
function M.count(v)
  if not is_whole(v) or v < 0 or v > MAX_WHOLE then
    return nil, "expected a whole number from 0 to " .. MAX_WHOLE .. ", got " .. got(v)
  end
  return intstr(v)
end

--- The Cloudflare account id: 1 to 32 characters of [0-9A-Za-z].
function M.account_id(v)
  if type(v) ~= "string" or not find(v, "^[0-9A-Za-z]+$") or #v > 32 then
    return nil, "expected 1 to 32 characters of [0-9A-Za-z], got " ..
      (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
  return v
end

-- 1 to max URL-unreserved characters, never a dot segment: only ever one path segment.
local function segment(v, max)
  if type(v) ~= "string" or not find(v, "^[A-Za-z0-9%-%._~]+$") or #v > max then
    return nil, "expected 1 to " .. max .. " characters of [A-Za-z0-9-._~], got " ..
      (type(v) == "string" and format("%q", v:sub(1, max + 6)) or got(v))
  end
  if v == "." or v == ".." then return nil, "cannot be a dot segment" end
  return v
end

--- A RealtimeKit app id: 1 to 64 URL-unreserved characters (the real ones are UUIDs).
function M.app_id(v)
  return segment(v, 64)
end

local H4 = rep("%x", 4)
local UUID = "^" .. rep("%x", 8) .. "%-" .. H4 .. "%-" .. H4 .. "%-" .. H4
  .. "%-" .. rep(H4, 3) .. "$"

--- A UUID such as 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e.
function M.uuid(v)
  if type(v) ~= "string" or not find(v, UUID) then
    return nil, "expected a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e, got " ..
      (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
  return v
end

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- Seconds from 1970 to 9999-12-31T23:59:59Z.
local MAX_UNIX = 253402300799

--- An ISO 8601 date-time with an offset (2026-05-01T09:30:00Z, …+02:00, fractions allowed),
-- or a number of Unix seconds, sent as UTC ISO 8601.
function M.datetime(v)
  if type(v) == "number" then
    if v ~= v or v < 0 or v > MAX_UNIX then
      return nil, "expected Unix seconds from 0 to " .. MAX_UNIX .. ", got " .. got(v)
    end
    local whole = math_floor(v)
    local ms = math_floor((v - whole) * 1000 + 0.5)
    if ms == 1000 then whole, ms = whole + 1, 0 end
    local s = os.date("!%Y-%m-%dT%H:%M:%S", whole)
    return ms > 0 and format("%s.%03dZ", s, ms) or s .. "Z"
  end
  local problem = "expected an ISO 8601 date-time with offset like 2026-05-01T09:30:00Z" ..
    " or Unix seconds, got "
  if type(v) ~= "string" then return nil, problem .. got(v) end
  local y, mo, d, h, mi, s, rest =
    v:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(.*)$")
  local frac, zone = (rest or ""):match("^(%.?%d*)(.*)$")
  if not y or (frac ~= "" and not frac:find("^%.%d+$")) then
    return nil, problem .. format("%q", v:sub(1, 40))
  end
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d),
    tonumber(h), tonumber(mi), tonumber(s)
  local mdays = (mo == 2 and leap(y)) and 29 or DAYS[mo]
  if not mdays then return nil, "month " .. mo .. " does not exist in " .. format("%q", v) end
  if d < 1 or d > mdays then return nil, "day " .. d .. " does not exist in " .. format("%q", v) end
  if h > 23 or mi > 59 or s > 59 then
    return nil, "time of day out of range in " .. format("%q", v)
  end
  if zone ~= "Z" and zone ~= "z" then
    local zh, zm = zone:match("^[+-](%d%d):(%d%d)$")
    if not zh then return nil, problem .. format("%q", v:sub(1, 40)) end
    if tonumber(zh) > 23 or tonumber(zm) > 59 then
      return nil, "UTC offset out of range in " .. format("%q", v)
    end
  end
  return v
end

--- One of the given strings, exactly.
function M.enum(values)
  local set, list = {}, {}
  for i = 1, #values do
    set[values[i]] = true
    list[i] = values[i]
  end
  local expected = "expected one of " .. table.concat(list, ", ") .. ", got "
  return function(v)
    if set[v] then return v end
    return nil, expected .. (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
end

--- true or false, sent as "true"/"false".
function M.boolean(v)
  if type(v) ~= "boolean" then return nil, "expected true or false, got " .. got(v) end
  return v and "true" or "false"
end

--- A whole number at least `min` (iterator options such as limit and per_page).
function M.whole_at_least(min)
  return function(v)
    if not is_whole(v) or v < min or v > MAX_WHOLE then
      return nil, "expected a whole number from " .. min .. " to " .. MAX_WHOLE
        .. ", got " .. got(v)
    end
    return v
  end
end

--- Unix seconds as a whole number (the analytics endpoints take them so), sent as an integer.
function M.unix_seconds(v)
  if not is_whole(v) or v < 0 or v > MAX_UNIX then
    return nil, "expected whole Unix seconds from 0 to " .. MAX_UNIX .. ", got " .. got(v)
  end
  return intstr(v)
end

--- A calendar date, YYYY-MM-DD.
function M.date(v)
  if type(v) ~= "string" or not find(v, "^%d%d%d%d%-%d%d%-%d%d$") then
    return nil, "expected a date like 2026-05-01, got " ..
      (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
  local ok, problem = M.datetime(v .. "T00:00:00Z")
  if not ok then return nil, (problem:gsub("T00:00:00Z", "")) end
  return v
end

--- An id the API gives out in a form it does not document (livestream and peer ids): 1 to 128
-- URL-unreserved characters, never a dot segment, so it can only ever be one path segment.
function M.id(v)
  return segment(v, 128)
end

--- A list of values of one of the given strings, sent as the key repeated (status=A&status=B);
-- a single string is a list of one.
function M.enum_list(values)
  local one = M.enum(values)
  return function(v)
    if type(v) ~= "table" then v = { v } end
    local out = {}
    for i = 1, #v do
      local s, problem = one(v[i])
      if not s then return nil, problem end
      out[i] = s
    end
    if #out == 0 then return nil, "expected at least one value" end
    return out
  end
end

return M
