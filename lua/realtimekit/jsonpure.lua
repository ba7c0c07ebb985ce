-- JSON in pure Lua that keeps [] and {} apart, for the fake server's request and response
-- bodies (realtimekit.fake, inside nginx). lua-cjson 2.1.0 (Debian's) cannot tell [] from {}
-- either way, so: a strict decoder whose arrays carry a marker metatable, and an encoder that
-- honours the marker (an empty marked table is [], an empty plain one {}), sorts object keys
-- (the same bytes on every run) and embeds precomputed JSON given as M.raw(text). Null is
-- cjson's null, so values from cjson.decode encode here too.
local cjson = require "cjson"

local M = {}

local type, pairs, tostring, tonumber = type, pairs, tostring, tonumber
local setmetatable, getmetatable = setmetatable, getmetatable
local floor, huge, char = math.floor, math.huge, string.char
local concat, sort, format, rep = table.concat, table.sort, string.format, string.rep

M.null = cjson.null

local ARRAY = {}
M.ARRAY = ARRAY
local RAW = {}

--- Marks t (a new table when nil) as a JSON array.
function M.array(t) return setmetatable(t or {}, ARRAY) end

function M.is_array(v) return type(v) == "table" and getmetatable(v) == ARRAY end

--- Precomputed JSON text, embedded as it is.
function M.raw(text) return setmetatable({ text = text }, RAW) end

-- Encoding ------------------------------------------------------------------------------------

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape(c) return ESCAPES[c] or format("\\u%04x", c:byte()) end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', escape) .. '"'
end
M.quote = quote

local function number(n)
  if n ~= n or n == huge or n == -huge then error("JSON cannot hold " .. tostring(n), 0) end
  if n == floor(n) and n > -2 ^ 53 and n < 2 ^ 53 then return format("%d", n) end
  local s = format("%.14g", n)
  if tonumber(s) ~= n then s = format("%.17g", n) end
  return s
end

local encode_value

-- A marked array's length: its highest index, so that holes (nulls a reader dropped) are
-- written as null.
local function length(t, marked)
  if not marked then return #t end
  local n = 0
  for k in pairs(t) do
    if type(k) == "number" and k > n then n = k end
  end
  return n
end

-- With an indent unit (pretty printing), the new line and indentation of a level; else "".
local function newline(indent, level)
  if not indent then return "" end
  return "\n" .. rep(indent, level)
end

local function encode_table(t, out, depth, indent)
  if depth > 100 then error("JSON nesting too deep", 0) end
  local mt = getmetatable(t)
  if mt == RAW then
    out[#out + 1] = t.text
    return
  end
  if mt == ARRAY or (mt == nil and t[1] ~= nil) then
    local n = length(t, mt == ARRAY)
    if n == 0 then
      out[#out + 1] = "[]"
      return
    end
    out[#out + 1] = "["
    for i = 1, n do
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = newline(indent, depth + 1)
      encode_value(t[i], out, depth + 1, indent)
    end
    out[#out + 1] = newline(indent, depth) .. "]"
    return
  end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  if #keys == 0 then
    out[#out + 1] = "{}"
    return
  end
  sort(keys)
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = newline(indent, depth + 1)
    out[#out + 1] = quote(k)
    out[#out + 1] = indent and ": " or ":"
    local v = t[k]
    if v == nil then v = t[tonumber(k)] end
    encode_value(v, out, depth + 1, indent)
  end
  out[#out + 1] = newline(indent, depth) .. "}"
end

function encode_value(v, out, depth, indent)
  local tv = type(v)
  if tv == "string" then
    out[#out + 1] = quote(v)
  elseif tv == "number" then
    out[#out + 1] = number(v)
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif tv == "table" then
    encode_table(v, out, depth, indent)
  else
    error("JSON cannot hold a " .. tv, 0)
  end
end

--- Encodes a value: nil and null as null, marked arrays and tables with [1] as arrays, other
-- tables as objects with sorted keys. With indent (a string such as two spaces), one member
-- per line, indented by it.
function M.encode(v, indent)
  local out = {}
  encode_value(v, out, 0, indent)
  return concat(out)
end

-- Decoding ------------------------------------------------------------------------------------

local function utf8_char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
              0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
end

local UNESCAPE = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n",
                   r = "\r", t = "\t" }

local function fail(msg, i) error({ message = msg .. " at byte " .. i }, 0) end

local function skip(s, i)
  local _, e = s:find("^[ \t\r\n]*", i)
  return e + 1
end

local function decode_string(s, i)
  -- s:sub(i, i) is the opening quote
  local parts = {}
  local pos = i + 1
  while true do
    local a = s:find('["\\%z\1-\31]', pos)
    if not a then fail("unterminated string", i) end
    local c = s:sub(a, a)
    if a > pos then parts[#parts + 1] = s:sub(pos, a - 1) end
    if c == '"' then return concat(parts), a + 1 end
    if c ~= "\\" then fail("control character in string", a) end
    local e = s:sub(a + 1, a + 1)
    if e == "u" then
      local hex = s:match("^%x%x%x%x", a + 2)
      if not hex then fail("bad \\u escape", a) end
      local cp = tonumber(hex, 16)
      pos = a + 6
      if cp >= 0xD800 and cp <= 0xDBFF then
        local low = s:match("^\\u(%x%x%x%x)", pos)
        local lo = low and tonumber(low, 16)
        if not lo or lo < 0xDC00 or lo > 0xDFFF then fail("lone surrogate", a) end
        cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
        pos = pos + 6
      elseif cp >= 0xDC00 and cp <= 0xDFFF then
        fail("lone surrogate", a)
      end
      parts[#parts + 1] = utf8_char(cp)
    else
      local r = UNESCAPE[e]
      if not r then fail("bad escape", a) end
      parts[#parts + 1] = r
      pos = a + 2
    end
  end
end

local decode_at

local function decode_number(s, i)
  local int = s:match("^-?%d+", i)
  if not int then fail("unexpected character", i) end
  if int:match("^-?0%d") then fail("leading zero", i) end
  local j = i + #int
  local frac = s:match("^%.%d+", j)
  if frac then j = j + #frac end
  local exp = s:match("^[eE][-+]?%d+", j)
  if exp then j = j + #exp end
  local n = tonumber(s:sub(i, j - 1))
  if n == huge or n == -huge then fail("number out of range", i) end
  return n, j
end

function decode_at(s, i, depth)
  if depth > 64 then fail("nesting too deep", i) end
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local obj = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return obj, i + 1 end
    while true do
      if s:sub(i, i) ~= '"' then fail("expected a key", i) end
      local k
      k, i = decode_string(s, i)
      if obj[k] ~= nil then fail("duplicate key '" .. k .. "'", i) end
      i = skip(s, i)
      if s:sub(i, i) ~= ":" then fail("expected ':'", i) end
      obj[k], i = decode_at(s, i + 1, depth + 1)
      i = skip(s, i)
      c = s:sub(i, i)
      if c == "}" then return obj, i + 1 end
      if c ~= "," then fail("expected ',' or '}'", i) end
      i = skip(s, i + 1)
    end
  elseif c == "[" then
    local arr = setmetatable({}, ARRAY)
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return arr, i + 1 end
    local n = 0
    while true do
      n = n + 1
      arr[n], i = decode_at(s, i, depth + 1)
      i = skip(s, i)
      c = s:sub(i, i)
      if c == "]" then return arr, i + 1 end
      if c ~= "," then fail("expected ',' or ']'", i) end
      i = i + 1
    end
  elseif c == '"' then
    return decode_string(s, i)
  elseif s:find("^true", i) then
    return true, i + 4
  elseif s:find("^false", i) then
    return false, i + 5
  elseif s:find("^null", i) then
    return M.null, i + 4
  elseif c == "" then
    fail("unexpected end", i)
  end
  return decode_number(s, i)
end

--- Decodes a JSON text strictly: arrays marked (M.is_array), null as M.null, duplicate keys
-- refused. Returns the value, or nil and a message.
function M.decode(s)
  local ok, v, i = pcall(decode_at, s, 1, 0)
  if not ok then
    if type(v) == "table" then return nil, v.message end
    return nil, tostring(v)
  end
  i = skip(s, i)
  if i <= #s then return nil, "trailing characters at byte " .. i end
  return v
end

return M
