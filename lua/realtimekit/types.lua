--- Parameter types of the endpoint descriptions: each checks a Lua value and returns the text
-- that goes into the URL, or nil and what is wrong with it.
--
-- Every check is called as `check(v, strict)`. What it always refuses is what the official
-- SDK's types refuse (a value of the wrong Lua type, one outside an enum) and what would break
-- the request (a path id that would leave its segment, NUL, text that is not UTF-8). The API
-- docs' prose asks for more, which no SDK checks: formats (UUIDs, date-times, dates) and ranges
-- (minimums, maximums, lengths, non-empty lists). Those are checked only when `strict` is true
-- (the client's `strict` option, or a call's); otherwise the value is sent for the API to judge.
-- @module realtimekit.types
local compat = require "realtimekit.compat"

local type, tonumber, pairs = type, tonumber, pairs
local byte, find, format, rep = string.byte, string.find, string.format, string.rep
local math_floor = math.floor
local is_whole = compat.is_whole

local M = {}

local MAX_WHOLE = 2147483647

-- A value as a problem names it: never its text (it may be a secret passed by mistake), and
-- nothing of its own (compat.describe).
local got = compat.describe

local function finite(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

--- A finite number as JSON and a query string write it (`compat.number_text`): a whole number
-- as an integer, any other with the fewest digits that read back as the same number, and a "."
-- whatever the host's locale.
M.number_text = compat.number_text
local number_text = M.number_text

--- Whether s is valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
function M.is_utf8(s)
  if not find(s, "[\128-\255]") then return true end -- ASCII: most ids and text
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

--- Free text: UTF-8 without NUL. No source gives the API's limit on its length, so there is none.
function M.text(v)
  if type(v) ~= "string" then return nil, "expected a string, got " .. got(v) end
  if find(v, "\0", 1, true) then return nil, "contains a NUL byte" end
  if not M.is_utf8(v) then return nil, "is not valid UTF-8" end
  return v
end

--- Text, as `text`, where Unix seconds are taken too (a date or a date-time outside strict).
-- @local
function M.text_or_seconds(v)
  if type(v) ~= "string" then return nil, "expected a string or Unix seconds, got " .. got(v) end
  return M.text(v)
end

--- A number (page_no, per_page: the SDK types them as numbers), written as number_text; with
-- strict, >= 0 (the docs' minimum).
function M.count(v, strict)
  if strict then
    if not finite(v) or v < 0 then return nil, "expected a number >= 0, got " .. got(v) end
  elseif not finite(v) then
    return nil, "expected a number, got " .. got(v)
  end
  return number_text(v)
end

local function unhex(h) return string.char(tonumber(h, 16)) end

-- One path segment: any non-empty UTF-8 string, sent percent-encoded. Refused only where it
-- could leave its segment or break the request line: a "/", a dot segment ("." or ".."), a
-- control character (CR, LF, NUL, ...), each also when written percent-encoded (%2F, %2E%2E,
-- %0A), since a server decodes them before it routes.
local function segment(v)
  if type(v) ~= "string" or v == "" then
    return nil, "expected a non-empty string (one path segment), got "
      .. (v == "" and "an empty string" or got(v))
  end
  if not M.is_utf8(v) then return nil, "is not valid UTF-8" end
  local plain = v:gsub("%%(%x%x)", unhex)
  if find(plain, "/", 1, true) then
    return nil, "cannot contain / (not even as %2F): it would change the request's path"
  end
  if plain == "." or plain == ".." then return nil, "cannot be a dot segment (. or ..)" end
  if find(plain, "\0", 1, true) or find(plain, "[\1-\31\127]") then
    return nil, "cannot contain a control character (such as CR, LF or NUL)"
  end
  return v
end

-- The number of UTF-8 characters of a valid UTF-8 string.
local function chars(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

--- The Cloudflare account id: one path segment; with strict, of at most 32 characters (the
-- docs' maxLength).
function M.account_id(v, strict)
  local s, problem = segment(v)
  if not s then return nil, problem end
  if strict and chars(s) > 32 then
    return nil, "expected at most 32 characters, got " .. chars(s) .. ": " .. format("%q",
      s:sub(1, 40))
  end
  return s
end

--- A RealtimeKit app id: one path segment (the real ones are UUIDs; the docs' maxLength of 32
-- is not applied, since the 36-character UUIDs of every example would break it).
function M.app_id(v)
  return segment(v)
end

local H4 = rep("%x", 4)
local UUID = "^" .. rep("%x", 8) .. "%-" .. H4 .. "%-" .. H4 .. "%-" .. H4
  .. "%-" .. rep(H4, 3) .. "$"

--- Whether v is a UUID such as 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e (either case).
function M.is_uuid(v)
  return type(v) == "string" and find(v, UUID) ~= nil
end

--- An id the docs give the uuid format (a meeting's in `/meetings/{meeting_id}`): one path
-- segment, as `id`; with strict, a UUID such as 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e.
function M.uuid(v, strict)
  if not strict then return segment(v) end
  if not M.is_uuid(v) then
    return nil, "expected a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e, got " ..
      (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
  return v
end

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- Days from 1970-01-01 to a date of the proleptic Gregorian calendar (compat), and back (H.
-- Hinnant's civil_from_days): plain arithmetic, so neither the host's time zone nor its C
-- library's range of time_t plays a part.
local days_from_civil = compat.days_from_civil

local function civil_from_days(days)
  local z = days + 719468
  local era = math_floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math_floor((doe - math_floor(doe / 1460) + math_floor(doe / 36524)
    - math_floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math_floor(yoe / 4) - math_floor(yoe / 100))
  local mp = math_floor((5 * doy + 2) / 153)
  local d = doy - math_floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end

-- The Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times a four-digit
-- year can write.
local MIN_UNIX, MAX_UNIX = -62167219200, 253402300799
local UNIX_RANGE = "Unix seconds from " .. MIN_UNIX .. " to " .. MAX_UNIX

local function in_range(v)
  return type(v) == "number" and v == v and v >= MIN_UNIX and v <= MAX_UNIX
end

-- Unix seconds (a number in range) as UTC: the date's text, and the time of day's.
local function utc(v)
  local whole = math_floor(v)
  local ms = math_floor((v - whole) * 1000 + 0.5)
  if ms == 1000 then whole, ms = whole + 1, 0 end
  local days = math_floor(whole / 86400)
  local s = whole - days * 86400
  local y, m, d = civil_from_days(days)
  local time = format("%02d:%02d:%02d", math_floor(s / 3600), math_floor(s / 60) % 60, s % 60)
  return format("%04d-%02d-%02d", y, m, d), ms > 0 and format("%s.%03d", time, ms) or time
end

local DATETIME = "an ISO 8601 date-time with offset like 2026-05-01T09:30:00Z"

-- Checks an ISO 8601 date-time with an offset against the calendar; returns its Unix seconds,
-- or nil and what is wrong. As RFC 3339 and ISO 8601 allow: "T", "t" or a space between date
-- and time, a leap second (:60), an offset with or without its colon.
local function parse_datetime(v)
  local problem = "expected " .. DATETIME .. " or Unix seconds, got "
  if type(v) ~= "string" then return nil, problem .. got(v) end
  local y, mo, d, h, mi, s, rest =
    v:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  local frac, zone = (rest or ""):match("^(%.?%d*)(.*)$")
  if not y or (frac ~= "" and not frac:find("^%.%d+$")) then
    return nil, problem .. format("%q", v:sub(1, 40))
  end
  y, mo, d, h, mi, s = tonumber(y), tonumber(mo), tonumber(d),
    tonumber(h), tonumber(mi), tonumber(s)
  local mdays = (mo == 2 and leap(y)) and 29 or DAYS[mo]
  if not mdays then return nil, "month " .. mo .. " does not exist in " .. format("%q", v) end
  if d < 1 or d > mdays then return nil, "day " .. d .. " does not exist in " .. format("%q", v) end
  if h > 23 or mi > 59 or s > 60 then
    return nil, "time of day out of range in " .. format("%q", v)
  end
  local offset = 0
  if zone ~= "Z" and zone ~= "z" then
    local sign, zh, zm = zone:match("^([+-])(%d%d):?(%d%d)$")
    if not zh then return nil, problem .. format("%q", v:sub(1, 40)) end
    zh, zm = tonumber(zh), tonumber(zm)
    if zh > 23 or zm > 59 then
      return nil, "UTC offset out of range in " .. format("%q", v)
    end
    offset = (sign == "-" and -1 or 1) * (zh * 3600 + zm * 60)
  end
  -- The fraction's digits as a whole number over a power of ten: tonumber("0.5") depends on the
  -- host's decimal point on Lua 5.1.
  local fraction = 0
  if frac ~= "" then
    local digits = frac:sub(2, 16)
    fraction = tonumber(digits) / 10 ^ #digits
  end
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset + fraction
end

--- A date-time (the SDK types it as a string): text, sent as it is; with strict, an ISO 8601
-- date-time with an offset (2026-05-01T09:30:00Z, …+02:00, fractions allowed), the docs'
-- format. Or a number of Unix seconds, sent as UTC ISO 8601.
function M.datetime(v, strict)
  if type(v) == "number" then
    if not in_range(v) then return nil, "expected " .. UNIX_RANGE .. ", got " .. got(v) end
    local date, time = utc(v)
    return date .. "T" .. time .. "Z"
  end
  if not strict then return M.text_or_seconds(v) end
  local ok, problem = parse_datetime(v)
  if not ok then return nil, problem end
  return v
end

--- What the checks that `enum`, `enum_list` and `enum_csv` make accept, for the scripts that
-- describe parameters (scripts/luals-types): `M.about[check]` is `{kind = "enum" | "enum_list"
-- | "enum_csv", values = {…}}`. Its keys are weak.
-- @local
M.about = setmetatable({}, { __mode = "k" })

--- One of the given strings, exactly.
function M.enum(values)
  local set, list = {}, {}
  for i = 1, #values do
    set[values[i]] = true
    list[i] = values[i]
  end
  local expected = "expected one of " .. table.concat(list, ", ") .. ", got "
  local check = function(v)
    if set[v] then return v end
    return nil, expected .. (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
  M.about[check] = { kind = "enum", values = list }
  return check
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

--- Unix seconds, where the API takes them (the SDK types them as numbers): any finite number,
-- or an ISO 8601 date-time with an offset, turned into its Unix seconds.
function M.unix_seconds(v)
  if type(v) == "number" then
    if not finite(v) then return nil, "expected Unix seconds (a finite number), got " .. got(v) end
    return number_text(v)
  end
  local t, problem = parse_datetime(v)
  if not t then return nil, problem end
  return number_text(t)
end

--- A date (the SDK types it as a string): text, sent as it is; with strict, a calendar date,
-- YYYY-MM-DD (the SDK's doc comment). Or a number of Unix seconds, sent as its UTC date.
function M.date(v, strict)
  if type(v) == "number" then
    if not in_range(v) then return nil, "expected " .. UNIX_RANGE .. ", got " .. got(v) end
    return (utc(v))
  end
  if not strict then return M.text_or_seconds(v) end
  if type(v) ~= "string" or not find(v, "^%d%d%d%d%-%d%d%-%d%d$") then
    return nil, "expected a date like 2026-05-01 or Unix seconds, got " ..
      (type(v) == "string" and format("%q", v:sub(1, 40)) or got(v))
  end
  local ok, problem = parse_datetime(v .. "T00:00:00Z")
  if not ok then return nil, (problem:gsub("T00:00:00Z", "")) end
  return v
end

--- An id the API gives out with no stated format (participant, peer, session, recording, …
-- ids): one path segment, as `app_id`.
function M.id(v)
  return segment(v)
end

-- The checks made by enum_list and enum_csv, which take a list of values.
local LISTS = setmetatable({}, { __mode = "k" })

--- Whether a check takes a list of values (one made by `enum_list` or `enum_csv`): the
-- `realtimekit` command takes those repeated or comma-separated.
function M.takes_list(check)
  return LISTS[check] == true
end

--- A list of values of one of the given strings, sent as the key repeated (status=A&status=B);
-- a single string is a list of one. An empty list sends nothing, as the SDK's query string
-- does; with strict, it is refused.
function M.enum_list(values)
  local one = M.enum(values)
  local function check(v, strict)
    if type(v) ~= "table" then v = { v } end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n ~= #v then
      return nil, "expected a value or an array of values, got a table with other keys"
    end
    local out = {}
    for i = 1, #v do
      local s, problem = one(v[i])
      if not s then return nil, problem end
      out[i] = s
    end
    if strict and #out == 0 then return nil, "expected at least one value" end
    return out
  end
  M.about[check] = { kind = "enum_list", values = M.about[one].values }
  LISTS[check] = true
  return check
end

--- A list of values of one of the given strings, sent as one comma-separated value
-- (filters=device_info,events): a string already written so, or an array of the values.
function M.enum_csv(values)
  local set, names = {}, {}
  for i = 1, #values do
    set[values[i]] = true
    names[i] = values[i]
  end
  local expected = "expected one or more of " .. table.concat(values, ", ")
    .. " (a comma-separated string or an array), got "
  local function check(v)
    local list = v
    if type(v) == "string" then
      list = {}
      for part in (v .. ","):gmatch("([^,]*),") do list[#list + 1] = part end
    elseif type(v) ~= "table" then
      return nil, expected .. got(v)
    end
    local n = 0
    for _ in pairs(list) do n = n + 1 end
    if n == 0 or n ~= #list then return nil, expected .. "a table that is not a non-empty array" end
    for i = 1, n do
      if not set[list[i]] then
        return nil, expected .. (type(list[i]) == "string" and format("%q", list[i]:sub(1, 40))
          or got(list[i]))
      end
    end
    return table.concat(list, ",")
  end
  M.about[check] = { kind = "enum_csv", values = names }
  LISTS[check] = true
  return check
end

--- A `ca_file` option: the path of a readable file that holds a PEM certificate (what libcurl
-- and nginx take as a CA bundle). A directory, an empty file or one without a certificate is
-- refused here, before any request, rather than as a TLS error at the first one.
function M.ca_file(v)
  if type(v) ~= "string" then return nil, "expected a path, got " .. got(v) end
  if find(v, "\0", 1, true) then return nil, "contains a NUL byte" end
  local f, ferr = io.open(v, "rb")
  if not f then return nil, "cannot be read: " .. (type(ferr) == "string" and ferr or "?") end
  -- A bundle larger than this holds more than any CA store does.
  local text, rerr = f:read(16 * 1024 * 1024)
  f:close()
  if not text then
    return nil, "cannot be read: " .. (type(rerr) == "string" and rerr or "it is empty")
  end
  if not find(text, "-----BEGIN [%u ]*CERTIFICATE-----") then
    return nil, "is not a PEM certificate bundle (no -----BEGIN CERTIFICATE-----)"
  end
  return v
end

return M
