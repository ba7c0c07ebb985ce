--- The one type system of what a call sends: every path and query parameter and every body
-- field is a schema object that checks a Lua value, encodes it (the text a URL carries, or
-- JSON in the schema's shape: an empty array as `[]`, an empty object as `{}`, fields in a fixed
-- order) and describes itself (words for the reference and the command's help, its LuaLS type,
-- how a command line gives it), all from its own data.
--
-- What a schema always checks is what the official SDK's types say: a value's type at every
-- depth, enums, required fields, null only where nullable, no unknown field; what JSON can
-- carry (UTF-8 text without NUL, finite numbers); and what would break the request (a path id
-- that would leave its segment). A schema's `min`, `max` and `format` are the API docs' prose,
-- which no SDK checks: they are checked only in strict mode (the client's `strict` option, or a
-- call's).
--
-- Each kind of schema is one entry of `KINDS` below: how it checks a value for a body
-- (`check`) and for a URL (`param`), how it encodes it, its words, its LuaLS type and what a
-- command line gives it.
-- @module realtimekit.schema
-- @local
local compat = require "realtimekit.compat"
local errors = require "realtimekit.errors"

local type, pairs, ipairs, tonumber, setmetatable, getmetatable, error =
  type, pairs, ipairs, tonumber, setmetatable, getmetatable, error
local concat, sort = table.concat, table.sort
local format, gsub, byte, find, rep = string.format, string.gsub, string.byte, string.find,
  string.rep
local floor, huge = math.floor, math.huge
local intstr, number_text, is_whole = compat.intstr, compat.number_text, compat.is_whole

local M = {}

--- Stands for JSON null in a body: `{ title = realtimekit.null }` sends `"title":null`.
M.null = setmetatable({}, { __tostring = function() return "realtimekit.null" end,
                            __newindex = function() error("realtimekit.null is read-only", 2) end })

local ARRAY_MT = { __name = "realtimekit.array" }
M.ARRAY_MT = ARRAY_MT
--- Marks a table as a JSON array for free-form values (`M.any`), where `{}` alone would be an
-- object: `realtimekit.array {}` sends `[]`.
function M.array_of(t)
  return setmetatable(t or {}, ARRAY_MT)
end

-- A value as a problem names it, without calling anything of its own (compat.describe); in a
-- body, realtimekit.null as "null".
local function got(v)
  if v == M.null then return "null" end
  return compat.describe(v)
end
-- A parameter's value as a problem names it (null never reaches a parameter's check).
local said = compat.describe

-- A string's first characters, quoted, for a problem that shows the value.
local function shown(v, n)
  return format("%q", v:sub(1, n or 40))
end

local function finite(v)
  return type(v) == "number" and v == v and v ~= huge and v ~= -huge
end

-- Values --------------------------------------------------------------------------------------

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
local is_utf8 = M.is_utf8

local H4 = rep("%x", 4)
local UUID = "^" .. rep("%x", 8) .. "%-" .. H4 .. "%-" .. H4 .. "%-" .. H4
  .. "%-" .. rep(H4, 3) .. "$"
local UUID_EXAMPLE = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"

--- Whether v is a UUID such as 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e (either case).
function M.is_uuid(v)
  return type(v) == "string" and find(v, UUID) ~= nil
end

-- The number of UTF-8 characters of a valid UTF-8 string.
local function chars(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

-- JSON string literal; valid UTF-8 is checked before.
local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
              ["\r"] = "\\r", ["\t"] = "\\t" }
local function quote(s)
  return '"' .. gsub(s, '[%c"\\]', function(c)
    return ESC[c] or format("\\u%04x", byte(c))
  end) .. '"'
end
M.quote = quote

-- Dates and times ----------------------------------------------------------------------------

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- Days from 1970-01-01 to a date of the proleptic Gregorian calendar (compat), and back (H.
-- Hinnant's civil_from_days): plain arithmetic, so neither the host's time zone nor its C
-- library's range of time_t plays a part.
local days_from_civil = compat.days_from_civil

local function civil_from_days(days)
  local z = days + 719468
  local era = floor(z / 146097)
  local doe = z - era * 146097
  local yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100))
  local mp = floor((5 * doy + 2) / 153)
  local d = doy - floor((153 * mp + 2) / 5) + 1
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
  local whole = floor(v)
  local ms = floor((v - whole) * 1000 + 0.5)
  if ms == 1000 then whole, ms = whole + 1, 0 end
  local days = floor(whole / 86400)
  local s = whole - days * 86400
  local y, m, d = civil_from_days(days)
  local time = format("%02d:%02d:%02d", floor(s / 3600), floor(s / 60) % 60, s % 60)
  return format("%04d-%02d-%02d", y, m, d), ms > 0 and format("%s.%03d", time, ms) or time
end

local DATETIME = "an ISO 8601 date-time with offset like 2026-05-01T09:30:00Z"

-- Checks an ISO 8601 date-time with an offset against the calendar; returns its Unix seconds,
-- or nil and what is wrong. As RFC 3339 and ISO 8601 allow: "T", "t" or a space between date
-- and time, a leap second (:60), an offset with or without its colon.
local function parse_datetime(v)
  local problem = "expected " .. DATETIME .. " or Unix seconds, got "
  if type(v) ~= "string" then return nil, problem .. said(v) end
  local y, mo, d, h, mi, s, rest =
    v:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(.*)$")
  local frac, zone = (rest or ""):match("^(%.?%d*)(.*)$")
  if not y or (frac ~= "" and not frac:find("^%.%d+$")) then
    return nil, problem .. shown(v)
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
    if not zh then return nil, problem .. shown(v) end
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

-- Words ---------------------------------------------------------------------------------------

-- A range in words: "from 60 to 600", "at least 1", "at most 1920".
local function range_words(min, max)
  if min and max then return "from " .. number_text(min) .. " to " .. number_text(max) end
  if min then return "at least " .. number_text(min) end
  return "at most " .. number_text(max)
end

-- A schema's min and max as a note: "1 to 10 bytes", "at least 1 element"; unit is the
-- plural, said for every bound but 1.
local function range_note(s, unit)
  local function n(v)
    if not unit then return number_text(v) end
    return number_text(v) .. " " .. (v == 1 and unit:gsub("s$", "") or unit)
  end
  if s.min and s.max then return number_text(s.min) .. " to " .. n(s.max) end
  if s.min then return "at least " .. n(s.min) end
  if s.max then return "at most " .. n(s.max) end
end

local function same(text) return text end

-- A string literal as a LuaLS type: "ACTIVE".
local function literal(v)
  assert(not v:find('["\\%c]'), "a value a literal type cannot hold: " .. v)
  return '"' .. v .. '"'
end

local function literals(values)
  local out = {}
  for i, v in ipairs(values) do out[i] = literal(v) end
  return concat(out, "|")
end

-- T[] of a LuaLS type that may be a union.
local function array_type(t)
  if find(t, "|", 1, true) then t = "(" .. t .. ")" end
  return t .. "[]"
end

-- Schemas -------------------------------------------------------------------------------------

local Schema = {}
Schema.__index = Schema
M.Schema = Schema

local function schema(kind, opts)
  local s = setmetatable({ kind = kind }, Schema)
  for k, v in pairs(opts or {}) do s[k] = v end
  return s
end

local function problem_with(s, v, text)
  if s.secret then return "invalid (the value is secret and not shown)" end
  return text .. ", got " .. got(v)
end

-- A key as a path shows it: a string as it is (one that is not valid UTF-8 text, or holds a
-- control character, with those bytes escaped), a number as its text, anything else by its
-- type: never anything of the key's own (a __tostring may raise).
local function key_text(key)
  if type(key) == "string" then
    if find(key, "%c") or not is_utf8(key) then
      return (gsub(key, "[%c\128-\255]", function(c) return format("\\x%02X", byte(c)) end))
    end
    return key
  end
  return compat.describe(key)
end

local function join(path, key)
  if path == "" then return key_text(key) end
  if type(key) == "number" then return path .. "[" .. compat.show_number(key) .. "]" end
  return path .. "." .. key_text(key)
end

-- A key of a free-form table (a map's, an open object's): text a JSON string can hold.
local function bad_key(k)
  if type(k) ~= "string" then return "keys must be strings, got a " .. type(k) .. " key" end
  if find(k, "\0", 1, true) or not is_utf8(k) then
    return "keys must be valid UTF-8 text without NUL"
  end
  return nil
end

-- How deep a free-form value may nest: far beyond any JSON the API takes, and a guard against a
-- table that holds itself.
local MAX_DEPTH = 200

--- Checks a free-form value: JSON-representable (text valid UTF-8 without NUL), and not nested
-- more than 200 levels deep (a table that holds itself would never end).
function M.check_any(v, path, depth)
  if depth > MAX_DEPTH then return path, "nested too deeply (or holds itself)" end
  local tv = type(v)
  if v == M.null or tv == "boolean" then return nil end
  if tv == "string" then
    if find(v, "\0", 1, true) or not is_utf8(v) then
      return path, "is not valid UTF-8 text without NUL"
    end
    return nil
  end
  if tv == "number" then
    if not finite(v) then return path, "expected a finite number" end
    return nil
  end
  if tv ~= "table" then return path, "cannot be sent as JSON: " .. got(v) end
  -- A JSON array (keys 1 to n, or marked with realtimekit.array) or a JSON object (string
  -- keys): a table with both, or with other numbers as keys, would lose some when sent.
  local n, strings, numbers = #v, 0, 0
  for k, x in pairs(v) do
    if type(k) == "string" then
      local problem = bad_key(k)
      if problem then return join(path, k), problem end
      strings = strings + 1
    elseif type(k) == "number" and k >= 1 and k <= n and k % 1 == 0 then
      numbers = numbers + 1
    else
      return path, "keys must be strings (an object) or 1 to n (an array), got "
        .. got(k) .. " key"
    end
    local p, problem = M.check_any(x, join(path, k), depth + 1)
    if p then return p, problem end
  end
  if strings > 0 and (numbers > 0 or getmetatable(v) == ARRAY_MT) then
    return path, "holds both array items and object fields"
  end
  if numbers ~= n then return path, "is an array with holes (nil between items)" end
  return nil
end

local function encode_any(v)
  local tv = type(v)
  if v == M.null then return "null" end
  if tv == "string" then return quote(v) end
  if tv == "number" then return number_text(v) end
  if tv == "boolean" then return v and "true" or "false" end
  local n = #v
  if getmetatable(v) == ARRAY_MT or n > 0 then
    local parts = {}
    for i = 1, n do parts[i] = encode_any(v[i]) end
    return "[" .. concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end -- strings only, as check_any made sure
  sort(keys)
  local parts = {}
  for i = 1, #keys do parts[i] = quote(keys[i]) .. ":" .. encode_any(v[keys[i]]) end
  return "{" .. concat(parts, ",") .. "}"
end

-- The kinds ------------------------------------------------------------------------------------
--
-- KINDS[kind] says what a schema of that kind does, each function taking the schema first:
-- - check(s, v, path, strict): nil when a body's value v (not null) fits, else the path of the
--   field at fault and the problem; a kind without it checks as `param` does.
-- - encode(s, v): the JSON text of a value that passed check.
-- - param(s, v, strict): the text a URL carries for v (a list of texts for a key sent
--   repeated), or nil and the problem.
-- - words(s, quote): what it takes in a few words, and a list of notes (what strict adds
--   first); quote is what is done to free text (the reference makes it markdown).
-- - lua(s, name, class): its LuaLS type; class(s, name) names an object's class.
-- - cli: what a command line gives it: "number", "boolean", "string", "time" (text or Unix
--   seconds), "list" (a value repeated or comma-separated), "array" (JSON, or one item each
--   time) or "json".
local KINDS = {}

-- What strict mode adds, as a note.
local function strict_note(notes, text)
  if text then notes[#notes + 1] = "with strict: " .. text end
  return notes
end

KINDS.string = {
  cli = "string",
  check = function(s, v, path, strict)
    if type(v) ~= "string" then return path, problem_with(s, v, "expected a string") end
    if find(v, "\0", 1, true) or not is_utf8(v) then
      return path, "is not valid UTF-8 text without NUL"
    end
    if strict and ((s.min and #v < s.min) or (s.max and #v > s.max)) then
      local want = s.min and s.max and (s.min .. " to " .. s.max)
        or s.min and ("at least " .. s.min) or ("at most " .. s.max)
      return path, "expected " .. want .. " bytes" .. (s.secret and "" or (", got " .. #v))
    end
    if s.enum then
      for i = 1, #s.enum do
        if s.enum[i] == v then return nil end
      end
      return path, problem_with(s, v, "expected one of " .. concat(s.enum, ", ")) ..
        (s.secret and "" or (" " .. shown(v)))
    end
    if strict and s.format then
      local ok, what = M.FORMATS[s.format](v)
      if not ok then
        return path, "expected " .. what .. (s.secret and "" or (", got " .. shown(v, 60)))
      end
    end
    return nil
  end,
  encode = function(_, v) return quote(v) end,
  words = function(s)
    local notes = {}
    strict_note(notes, s.format)
    strict_note(notes, range_note(s, "bytes"))
    if s.enum then return "one of `" .. concat(s.enum, "`, `") .. "`", notes end
    return "string", notes
  end,
  lua = function(s) return s.enum and literals(s.enum) or "string" end,
}

--- The formats a string's `format` names, checked in strict mode: each returns whether v has
-- it, and what it is in words.
M.FORMATS = {
  -- RFC 3986's absolute URI: a scheme, a colon, and no space or control character.
  uri = function(v)
    return find(v, "^[A-Za-z][A-Za-z0-9+.%-]*:") ~= nil and not find(v, "[\1-\32\127]"),
      "a URI such as https://example.com/a.png"
  end,
  uuid = function(v) return M.is_uuid(v), "a UUID" end,
}

-- integer and number: `min` and `max` are checked in strict mode, or always with `always`
-- (`M.whole`), where every problem says the range.
local function check_number(s, v, path, strict)
  local kind = s.kind
  local whole = kind == "integer"
  local fits = finite(v) and (not whole or is_whole(v))
  local what = whole and "a whole number" or "a number"
  if s.always then
    if not fits or (s.min and v < s.min) or (s.max and v > s.max) then
      return path, problem_with(s, v, "expected " .. what .. " " .. range_words(s.min, s.max))
    end
    return nil
  end
  if not fits then
    return path, problem_with(s, v, whole and "expected a whole number"
      or "expected a finite number")
  end
  if strict and ((s.min and v < s.min) or (s.max and v > s.max)) then
    return path, problem_with(s, v, "expected " .. what .. " " .. range_words(s.min, s.max))
  end
  return nil
end

local function number_words(s)
  local what = s.kind == "integer" and "whole number" or "number"
  if s.always then return what, { range_words(s.min, s.max) } end
  return what, strict_note({}, range_note(s))
end

KINDS.integer = {
  cli = "number",
  check = check_number,
  encode = function(_, v) return intstr(v) end,
  param = function(s, v, strict)
    local _, problem = check_number(s, v, "", strict)
    if problem then return nil, problem end
    return intstr(v)
  end,
  words = number_words,
  lua = function() return "integer" end,
}

KINDS.number = {
  cli = "number",
  check = check_number,
  encode = function(_, v) return number_text(v) end,
  words = number_words,
  lua = function() return "number" end,
}

KINDS.boolean = {
  cli = "boolean",
  check = function(s, v, path)
    if type(v) ~= "boolean" then return path, problem_with(s, v, "expected true or false") end
    return nil
  end,
  encode = function(_, v) return v and "true" or "false" end,
  param = function(_, v)
    if type(v) ~= "boolean" then return nil, "expected true or false, got " .. said(v) end
    return v and "true" or "false"
  end,
  words = function() return "true or false", {} end,
  lua = function() return "boolean" end,
}

KINDS.array = {
  cli = "array",
  check = function(s, v, path, strict)
    if type(v) ~= "table" then return path, "expected an array, got " .. got(v) end
    local n, count = #v, 0
    for _ in pairs(v) do count = count + 1 end
    if count ~= n then
      return path, "expected an array (keys 1 to n), got a table with other keys"
    end
    if strict and ((s.min and n < s.min) or (s.max and n > s.max)) then
      return path, "expected " .. (s.min or 0) .. " to " .. (s.max or "any number of")
        .. " elements, got " .. n
    end
    for i = 1, n do
      local p, problem = s.items:check(v[i], join(path, i), strict)
      if p then return p, problem end
    end
    return nil
  end,
  encode = function(s, v)
    local parts = {}
    for i = 1, #v do parts[i] = s.items:encode(v[i]) end
    return "[" .. concat(parts, ",") .. "]"
  end,
  words = function(s, quote_)
    local item, item_notes = s.items:words(quote_)
    local notes = {}
    if #item_notes > 0 then notes[1] = "each " .. concat(item_notes, ", ") end
    strict_note(notes, range_note(s, "elements"))
    return "array of " .. item, notes
  end,
  lua = function(s, name, class) return array_type(s.items:lua_type(name, class)) end,
}

KINDS.object = {
  cli = "json",
  check = function(s, v, path, strict)
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
      return path, "expected a table of fields, got " .. got(v)
    end
    for k, x in pairs(v) do
      if type(k) ~= "string" or not s.by_name[k] then
        if not s.open then
          return join(path, k), "unknown field" .. errors.suggest(k, s.name_list)
            .. " (this takes " .. s.names .. ")"
        end
        local problem = bad_key(k)
        if problem then return join(path, k), problem end
        local p, why = M.check_any(x, join(path, k), 0)
        if p then return p, why end
      end
    end
    for i = 1, #s.fields do
      local f = s.fields[i]
      local x = v[f[1]]
      if x == nil then
        if f.required then return join(path, f[1]), "required" end
      else
        local p, problem = f[2]:check(x, join(path, f[1]), strict)
        if p then return p, problem end
      end
    end
    return nil
  end,
  encode = function(s, v)
    local parts = {}
    for i = 1, #s.fields do
      local f = s.fields[i]
      local x = v[f[1]]
      if x ~= nil then parts[#parts + 1] = quote(f[1]) .. ":" .. f[2]:encode(x) end
    end
    if s.open then -- the other keys, sorted, after the schema's fields
      local keys = {}
      for k in pairs(v) do
        if not s.by_name[k] then keys[#keys + 1] = k end
      end
      sort(keys)
      for i = 1, #keys do
        parts[#parts + 1] = quote(keys[i]) .. ":" .. encode_any(v[keys[i]])
      end
    end
    return "{" .. concat(parts, ",") .. "}"
  end,
  words = function(s)
    return "object", s.open and { "other keys take any JSON value" } or {}
  end,
  lua = function(s, name, class) return class(s, name) end,
}

KINDS.map = {
  cli = "json",
  check = function(s, v, path, strict)
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
      return path, "expected a table, got " .. got(v)
    end
    for k, x in pairs(v) do
      local problem = bad_key(k)
      if problem then return join(path, k), problem end
      local p, why = s.values:check(x, join(path, k), strict)
      if p then return p, why end
    end
    return nil
  end,
  encode = function(s, v)
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    sort(keys)
    local parts = {}
    for i = 1, #keys do parts[i] = quote(keys[i]) .. ":" .. s.values:encode(v[keys[i]]) end
    return "{" .. concat(parts, ",") .. "}"
  end,
  words = function(s, quote_)
    return "table of string keys to " .. (s.values:words(quote_)), {}
  end,
  lua = function(s, name, class)
    return "table<string, " .. s.values:lua_type(name, class) .. ">"
  end,
}

KINDS.any = {
  cli = "json",
  check = function(_, v, path) return M.check_any(v, path, 0) end,
  encode = function(_, v) return encode_any(v) end,
  words = function() return "any JSON value", {} end,
  lua = function() return "any" end,
}

KINDS.any_of = {
  cli = "json",
  check = function(s, v, path, strict)
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
      return path, "expected a table of fields, got " .. got(v)
    end
    -- The variant that came closest: the fewest problems, a value it refuses counting more
    -- than a field it misses.
    local best, best_score, tried = nil, nil, {}
    for i = 1, #s.variants do
      local variant = s.variants[i]
      local p, problem = variant:check(v, path, strict)
      if not p then return nil end
      local score = 0
      for k, x in pairs(v) do
        local f = variant.by_name[k]
        if not f or f[2]:check(x, join(path, k), strict) then score = score + 2 end
      end
      for j = 1, #variant.fields do
        if variant.fields[j].required and v[variant.fields[j][1]] == nil then
          score = score + 1
        end
      end
      if not best_score or score < best_score then best, best_score = { p, problem }, score end
      tried[i] = variant.label or ("form " .. i)
    end
    return best[1], best[2] .. "; it fits none of the " .. #tried .. " forms it may take: "
      .. concat(tried, "; ")
  end,
  encode = function(s, v)
    for i = 1, #s.variants do
      local variant = s.variants[i]
      if not variant:check(v, "") then return variant:encode(v) end
    end
    return encode_any(v)
  end,
  words = function(s, quote_)
    local labels = {}
    for i = 1, #s.variants do labels[i] = quote_(s.variants[i].label or ("form " .. i)) end
    return "object in any one of " .. #s.variants .. " forms: " .. concat(labels, "; "), {}
  end,
  lua = function(s, name, class) return class(s, name) end,
}

-- Parameters: what goes into a URL ----------------------------------------------------------

-- Free text: UTF-8 without NUL.
local function utf8_text(v)
  if type(v) ~= "string" then return nil, "expected a string, got " .. said(v) end
  if find(v, "\0", 1, true) then return nil, "contains a NUL byte" end
  if not is_utf8(v) then return nil, "is not valid UTF-8" end
  return v
end

KINDS.text = {
  cli = "string",
  param = function(_, v) return utf8_text(v) end,
  words = function() return "UTF-8 text without NUL, of any length", {} end,
  lua = function() return "string" end,
}

KINDS.count = {
  cli = "number",
  param = function(_, v, strict)
    if strict then
      if not finite(v) or v < 0 then return nil, "expected a number >= 0, got " .. said(v) end
    elseif not finite(v) then
      return nil, "expected a number, got " .. said(v)
    end
    return number_text(v)
  end,
  words = function() return "a number", strict_note({}, ">= 0") end,
  lua = function() return "integer" end,
}

local function unhex(h) return string.char(tonumber(h, 16)) end

-- One path segment: any non-empty UTF-8 string, sent percent-encoded. Refused only where it
-- could leave its segment or break the request line: a "/", a dot segment ("." or ".."), a
-- control character (CR, LF, NUL, ...), each also when written percent-encoded (%2F, %2E%2E,
-- %0A), since a server decodes them before it routes.
local function segment(v)
  if type(v) ~= "string" or v == "" then
    return nil, "expected a non-empty string (one path segment), got "
      .. (v == "" and "an empty string" or said(v))
  end
  if not is_utf8(v) then return nil, "is not valid UTF-8" end
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

-- An id: one path segment; with strict, of at most `max_chars` characters, or a UUID when
-- `format` is "uuid" (a UUID is one segment too).
KINDS.id = {
  cli = "string",
  param = function(s, v, strict)
    if strict and s.format == "uuid" then
      if not M.is_uuid(v) then
        return nil, "expected a UUID like " .. UUID_EXAMPLE .. ", got " ..
          (type(v) == "string" and shown(v) or said(v))
      end
      return v
    end
    local id, problem = segment(v)
    if not id then return nil, problem end
    if strict and s.max_chars and chars(id) > s.max_chars then
      return nil, "expected at most " .. s.max_chars .. " characters, got " .. chars(id) .. ": "
        .. shown(id)
    end
    return id
  end,
  words = function(s)
    return "any non-empty text, sent percent-encoded, but for `/`, `.`, `..` and control "
      .. "characters (also percent-encoded), which would leave the path segment",
      strict_note({}, s.format == "uuid" and "a UUID like " .. UUID_EXAMPLE
        or s.max_chars and "at most " .. s.max_chars .. " characters")
  end,
  lua = function() return "string" end,
}

-- Text where Unix seconds are taken too (a date or a date-time outside strict).
local function text_or_seconds(v)
  if type(v) ~= "string" then return nil, "expected a string or Unix seconds, got " .. said(v) end
  return utf8_text(v)
end

KINDS.datetime = {
  cli = "time",
  param = function(_, v, strict)
    if type(v) == "number" then
      if not in_range(v) then return nil, "expected " .. UNIX_RANGE .. ", got " .. said(v) end
      local date, time = utc(v)
      return date .. "T" .. time .. "Z"
    end
    if not strict then return text_or_seconds(v) end
    local ok, problem = parse_datetime(v)
    if not ok then return nil, problem end
    return v
  end,
  words = function()
    return "text, sent as it is, or Unix seconds, sent as UTC ISO 8601",
      strict_note({}, "the text " .. DATETIME)
  end,
  lua = function() return "string|number" end,
}

KINDS.date = {
  cli = "time",
  param = function(_, v, strict)
    if type(v) == "number" then
      if not in_range(v) then return nil, "expected " .. UNIX_RANGE .. ", got " .. said(v) end
      return (utc(v))
    end
    if not strict then return text_or_seconds(v) end
    if type(v) ~= "string" or not find(v, "^%d%d%d%d%-%d%d%-%d%d$") then
      return nil, "expected a date like 2026-05-01 or Unix seconds, got " ..
        (type(v) == "string" and shown(v) or said(v))
    end
    local ok, problem = parse_datetime(v .. "T00:00:00Z")
    if not ok then return nil, (problem:gsub("T00:00:00Z", "")) end
    return v
  end,
  words = function()
    return "text, sent as it is, or Unix seconds, sent as their UTC date",
      strict_note({}, "the text a date like 2026-05-01")
  end,
  lua = function() return "string|number" end,
}

KINDS.unix_seconds = {
  cli = "time",
  param = function(_, v)
    if type(v) == "number" then
      if not finite(v) then
        return nil, "expected Unix seconds (a finite number), got " .. said(v)
      end
      return number_text(v)
    end
    local t, problem = parse_datetime(v)
    if not t then return nil, problem end
    return number_text(t)
  end,
  words = function()
    return "Unix seconds (any number), or an ISO 8601 date-time with offset, sent as its Unix "
      .. "seconds", {}
  end,
  lua = function() return "number|string" end,
}

-- One of the values, exactly.
local function one_of(s, v)
  if s.set[v] then return v end
  return nil, "expected one of " .. concat(s.values, ", ") .. ", got "
    .. (type(v) == "string" and shown(v) or said(v))
end

KINDS.enum = {
  cli = "string",
  param = one_of,
  words = function(s) return "one of " .. concat(s.values, ", "), {} end,
  lua = function(s) return literals(s.values) end,
}

KINDS.enum_list = {
  cli = "list",
  param = function(s, v, strict)
    if type(v) ~= "table" then v = { v } end
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    if n ~= #v then
      return nil, "expected a value or an array of values, got a table with other keys"
    end
    local out = {}
    for i = 1, #v do
      local one, problem = one_of(s, v[i])
      if not one then return nil, problem end
      out[i] = one
    end
    if strict and #out == 0 then return nil, "expected at least one value" end
    return out
  end,
  words = function(s)
    return "one of " .. concat(s.values, ", "), strict_note({}, "at least one value")
  end,
  lua = function(s)
    local values = literals(s.values)
    return values .. "|" .. array_type(values)
  end,
}

KINDS.enum_csv = {
  cli = "list",
  param = function(s, v)
    local expected = "expected one or more of " .. concat(s.values, ", ")
      .. " (a comma-separated string or an array), got "
    local list = v
    if type(v) == "string" then
      list = {}
      for part in (v .. ","):gmatch("([^,]*),") do list[#list + 1] = part end
    elseif type(v) ~= "table" then
      return nil, expected .. said(v)
    end
    local n = 0
    for _ in pairs(list) do n = n + 1 end
    if n == 0 or n ~= #list then
      return nil, expected .. "a table that is not a non-empty array"
    end
    for i = 1, n do
      if not s.set[list[i]] then
        return nil, expected .. (type(list[i]) == "string" and shown(list[i]) or said(list[i]))
      end
    end
    return concat(list, ",")
  end,
  words = function(s)
    return "one or more of " .. concat(s.values, ", ") .. " (a comma-separated string or an "
      .. "array)", {}
  end,
  lua = function(s) return "string|" .. array_type(literals(s.values)) end,
}

KINDS.ca_file = {
  cli = "string",
  param = function(_, v)
    if type(v) ~= "string" then return nil, "expected a path, got " .. said(v) end
    if find(v, "\0", 1, true) then return nil, "contains a NUL byte" end
    local f, ferr = io.open(v, "rb")
    if not f then return nil, "cannot be read: " .. (type(ferr) == "string" and ferr or "?") end
    -- A bundle larger than this holds more than any CA store does.
    local content, rerr = f:read(16 * 1024 * 1024)
    f:close()
    if not content then
      return nil, "cannot be read: " .. (type(rerr) == "string" and rerr or "it is empty")
    end
    if not find(content, "-----BEGIN [%u ]*CERTIFICATE-----") then
      return nil, "is not a PEM certificate bundle (no -----BEGIN CERTIFICATE-----)"
    end
    return v
  end,
  words = function() return "the path of a PEM certificate bundle", {} end,
  lua = function() return "string" end,
}

-- Constructors --------------------------------------------------------------------------------

--- A string (valid UTF-8 without NUL): optional `enum`; and, checked in strict mode only,
-- `min`/`max` length in bytes and `format` = "uri" | "uuid". Without `max` there is no limit
-- on its length.
function M.string(opts) return schema("string", opts) end
--- A whole number; from `min` to `max` in strict mode.
function M.integer(opts) return schema("integer", opts) end
--- A whole number from `min` to `max` (default 2^31 - 1) in every mode: the bounds of an
-- iterator's own options, not the docs' prose.
function M.whole(min, max)
  return schema("integer", { min = min, max = max or 2147483647, always = true })
end
--- Any finite number; from `min` to `max` in strict mode.
function M.number(opts) return schema("number", opts) end
--- true or false (sent in a URL as "true"/"false").
function M.boolean(opts) return schema("boolean", opts) end
--- An array of `items`; of `min` to `max` elements in strict mode.
function M.array(items, opts)
  local s = schema("array", opts)
  s.items = items
  return s
end
--- An object: `fields` is a list of { name, schema, required = bool }; other keys are refused,
-- unless `open` (the API takes any other key, with any JSON value).
function M.object(fields, opts)
  local s = schema("object", opts)
  s.fields = fields
  s.by_name = {}
  local names = {}
  for i = 1, #fields do
    s.by_name[fields[i][1]] = fields[i]
    names[i] = fields[i][1]
  end
  s.names = concat(names, ", ")
  s.name_list = names
  return s
end
--- An object with free keys (strings) and values of one schema.
function M.map(values, opts)
  local s = schema("map", opts)
  s.values = values
  return s
end
--- Any JSON value (tables: arrays when marked with realtimekit.array or non-empty sequences).
function M.any(opts) return schema("any", opts) end

--- A value that fits at least one of `variants` (object schemas with the same fields, each with
-- a `label` saying what sets it apart), as a TypeScript union of object types: `{ a, b }`
-- fits when any variant takes it.
function M.any_of(variants, opts)
  local s = schema("any_of", opts)
  s.variants = variants
  s.by_name, s.fields = variants[1].by_name, variants[1].fields
  return s
end

--- Free text in a URL: UTF-8 without NUL, of any length (no source gives the API's limit).
function M.text() return schema("text") end
--- A number in a URL (page_no, per_page: the SDK types them as numbers), written as
-- compat.number_text; with strict, >= 0 (the docs' minimum).
function M.count() return schema("count") end
--- An id the API gives out, in a path: one path segment (any non-empty UTF-8 text but for
-- what would leave it). With strict, of at most `max_chars` characters, or (`format` =
-- "uuid") a UUID, as the docs ask.
function M.id(opts) return schema("id", opts) end
--- An id the docs give the uuid format (a meeting's in `/meetings/{meeting_id}`): one path
-- segment; with strict, a UUID such as 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e.
function M.uuid() return schema("id", { format = "uuid" }) end
--- A date-time (the SDK types it as a string): text, sent as it is; with strict, an ISO 8601
-- date-time with an offset (2026-05-01T09:30:00Z, …+02:00, fractions allowed), the docs'
-- format. Or a number of Unix seconds, sent as UTC ISO 8601.
function M.datetime() return schema("datetime") end
--- A date (the SDK types it as a string): text, sent as it is; with strict, a calendar date,
-- YYYY-MM-DD (the SDK's doc comment). Or a number of Unix seconds, sent as its UTC date.
function M.date() return schema("date") end
--- Unix seconds, where the API takes them (the SDK types them as numbers): any finite number,
-- or an ISO 8601 date-time with an offset, turned into its Unix seconds.
function M.unix_seconds() return schema("unix_seconds") end

local function enum_kind(kind, values)
  local s = schema(kind, { values = {}, set = {} })
  for i = 1, #values do
    s.values[i] = values[i]
    s.set[values[i]] = true
  end
  return s
end
--- One of the given strings, exactly.
function M.enum(values) return enum_kind("enum", values) end
--- A list of values of one of the given strings, sent as the key repeated (status=A&status=B);
-- a single string is a list of one. An empty list sends nothing, as the SDK's query string
-- does; with strict, it is refused.
function M.enum_list(values) return enum_kind("enum_list", values) end
--- A list of values of one of the given strings, sent as one comma-separated value
-- (filters=device_info,events): a string already written so, or an array of the values.
function M.enum_csv(values) return enum_kind("enum_csv", values) end
--- A `ca_file` option: the path of a readable file that holds a PEM certificate (what libcurl
-- and nginx take as a CA bundle). A directory, an empty file or one without a certificate is
-- refused here, before any request, rather than as a TLS error at the first one.
function M.ca_file() return schema("ca_file") end

local function copy_of(s, changes)
  local c = setmetatable({}, Schema)
  for k, v in pairs(s) do c[k] = v end
  for k, v in pairs(changes) do c[k] = v end
  return c
end

--- The same schema with every field optional, at every level (PATCH bodies): in nested objects,
-- in the values of maps, in the items of arrays and in each variant of a union.
function M.partial(s)
  local kind = s.kind
  if kind == "object" then
    local fields = {}
    for i = 1, #s.fields do
      local f = s.fields[i]
      fields[i] = { f[1], M.partial(f[2]), required = false }
    end
    local p = M.object(fields)
    for k, v in pairs(s) do
      if p[k] == nil then p[k] = v end
    end
    return p
  elseif kind == "map" then
    return copy_of(s, { values = M.partial(s.values) })
  elseif kind == "array" then
    return copy_of(s, { items = M.partial(s.items) })
  elseif kind == "any_of" then
    local variants = {}
    for i = 1, #s.variants do variants[i] = M.partial(s.variants[i]) end
    return copy_of(s, { variants = variants, by_name = variants[1].by_name,
                        fields = variants[1].fields })
  end
  return s
end

-- Methods -------------------------------------------------------------------------------------

local function kind_of(s)
  local k = KINDS[s.kind]
  if not k then error("unknown schema kind " .. compat.describe(s.kind)) end
  return k
end

--- Checks a body's value v; returns nil when it fits, else the path of the field at fault and
-- the problem. `strict` adds the docs' ranges and formats (`min`, `max`, `format`) at every
-- depth.
function Schema:check(v, path, strict)
  path = path or ""
  if v == M.null then
    if self.nullable then return nil end
    return path, "cannot be null"
  end
  local k = kind_of(self)
  if k.check then return k.check(self, v, path, strict) end
  local _, problem = self:param(v, strict)
  if problem then return path, problem end
  return nil
end

--- The JSON text of a value that passed check.
function Schema:encode(v)
  if v == M.null then return "null" end
  local k = kind_of(self)
  if not k.encode then error("a " .. self.kind .. " schema has no JSON form") end
  return k.encode(self, v)
end

--- Checks a path or query parameter: the text that goes into the URL (a list of texts for a
-- key sent repeated), or nil and what is wrong with the value.
function Schema:param(v, strict)
  local k = kind_of(self)
  if not k.param then error("a " .. self.kind .. " schema is not a URL parameter") end
  return k.param(self, v, strict)
end

--- What the schema takes, in a few words, and a list of notes: the docs' formats and ranges
-- that strict mode adds ("with strict: …"), what is secret, what may be null.
-- @tparam[opt] func quote what is done to free text (the reference makes it markdown)
-- @treturn string
-- @treturn table the notes, a list of strings
function Schema:words(quote_)
  local text, notes = kind_of(self).words(self, quote_ or same)
  if self.secret then notes[#notes + 1] = "secret: never shown in an error" end
  if self.nullable then notes[#notes + 1] = "may be `realtimekit.null`" end
  return text, notes
end

--- The schema in words, its notes in brackets: "whole number (with strict: 1 to 1920)".
-- @tparam[opt] func quote as `words` takes it
function Schema:describe(quote_)
  local text, notes = self:words(quote_)
  if #notes > 0 then text = text .. " (" .. concat(notes, "; ") .. ")" end
  return text
end

--- Its LuaLS type: `class(schema, name)` names the class of an object (or union of objects)
-- found in it, called `name` unless the caller says otherwise.
function Schema:lua_type(name, class)
  local t = kind_of(self).lua(self, name, class)
  if self.nullable then t = t .. "|realtimekit.Null" end
  return t
end

--- What a command line gives for it: "number", "boolean", "string", "time", "list", "array"
-- or "json" (see KINDS).
function Schema:cli()
  return kind_of(self).cli
end

-- A union's fields, each once: what every form says of it, or, where the forms differ, what
-- each says ("one of `gcs` (form 1); … (required, form 3)").
local function union_outline(s, prefix, out, quote_)
  local first = s.variants[1]
  for i = 1, #first.fields do
    local name = first.fields[i][1]
    local seen, order = {}, {}
    for j = 1, #s.variants do
      local fl = s.variants[j].by_name[name]
      local d = fl[2]:describe(quote_) .. (fl.required and " (required)" or "")
      if not seen[d] then
        seen[d] = {}
        order[#order + 1] = d
      end
      seen[d][#seen[d] + 1] = j
    end
    local words = order[1]
    if #order > 1 then
      local parts = {}
      for k, d in ipairs(order) do
        parts[k] = d .. (#seen[d] > 1 and " in forms " or " in form ") .. concat(seen[d], ", ")
      end
      words = concat(parts, "; ")
    end
    out[#out + 1] = { path = prefix .. name, text = words }
  end
end

local function outline(s, prefix, out, quote_)
  for i = 1, #s.fields do
    local fl = s.fields[i]
    local path = prefix .. fl[1]
    out[#out + 1] = { path = path, required = fl.required and true or false,
                      text = fl[2]:describe(quote_), schema = fl[2], top = prefix == "" }
    local sub = fl[2]
    if sub.kind == "array" then
      sub, path = sub.items, path .. "[i]"
    elseif sub.kind == "map" then
      sub, path = sub.values, path .. ".<key>"
      out[#out + 1] = { path = path, text = sub:describe(quote_) }
    end
    if sub.kind == "object" then
      outline(sub, path .. ".", out, quote_)
    elseif sub.kind == "any_of" then
      union_outline(sub, path .. ".", out, quote_)
    end
  end
end

--- The fields of an object schema, a nested object's fields after it by their path (as an
-- invalid_argument error names them: `ai_config.summarization.word_limit`; an array's items
-- as `[i]`, a map's values as `<key>`); a union's fields once each, with what each form says.
-- @tparam[opt] func quote as `words` takes it
-- @treturn table a list of `{ path, text, required (a field's own), schema and top (for a
-- top-level field) }`
function Schema:outline(quote_)
  local out = {}
  outline(self, "", out, quote_ or same)
  return out
end

--- Whether an object schema has a required field (so that a call's params table is required).
function Schema:has_required()
  for i = 1, #(self.fields or {}) do
    if self.fields[i].required then return true end
  end
  return false
end

-- Every string and number inside a free-form secret value, as text, for scrubbing.
local function secret_texts(v, out, depth)
  local tv = type(v)
  if tv == "string" or tv == "number" then
    local t = tv == "number" and number_text(v) or v
    if #t >= 4 then out[#out + 1] = t end
  elseif tv == "table" and v ~= M.null and depth < MAX_DEPTH then
    for _, x in pairs(v) do secret_texts(x, out, depth + 1) end
  end
end

--- The values of fields marked secret in v, for scrubbing from error messages.
function Schema:secrets(v, out)
  out = out or {}
  if v == nil or v == M.null then return out end
  if self.secret then
    if self.kind == "any" then
      secret_texts(v, out, 0)
    elseif type(v) == "string" and #v >= 4 then
      out[#out + 1] = v
    end
  end
  if self.kind == "object" and type(v) == "table" then
    for i = 1, #self.fields do
      local f = self.fields[i]
      f[2]:secrets(v[f[1]], out)
    end
  elseif self.kind == "array" and type(v) == "table" then
    for i = 1, #v do self.items:secrets(v[i], out) end
  elseif self.kind == "map" and type(v) == "table" then
    for _, x in pairs(v) do self.values:secrets(x, out) end
  elseif self.kind == "any_of" and type(v) == "table" then
    local seen = {}
    for i = 1, #out do seen[out[i]] = true end
    for i = 1, #self.variants do
      local found = self.variants[i]:secrets(v, {})
      for j = 1, #found do
        if not seen[found[j]] then
          seen[found[j]] = true
          out[#out + 1] = found[j]
        end
      end
    end
  end
  return out
end

return M
