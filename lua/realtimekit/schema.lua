--- Request bodies described as data: each schema checks a Lua value (naming the field at fault)
-- and encodes it as JSON in the schema's shape, so an empty array is sent as `[]`, an empty
-- object as `{}`, and fields in a fixed order.
-- @module realtimekit.schema
local compat = require "realtimekit.compat"
local types = require "realtimekit.types"

local type, pairs, tostring, setmetatable, getmetatable = type, pairs, tostring, setmetatable,
  getmetatable
local concat, sort = table.concat, table.sort
local format, gsub, byte, find = string.format, string.gsub, string.byte, string.find
local is_whole, intstr = compat.is_whole, compat.intstr

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

local function got(v)
  if type(v) == "string" then return "a string" end
  if v == M.null then return "null" end
  return type(v) == "number" and tostring(v) or ("a " .. type(v))
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

local function number_text(v)
  if is_whole(v) and v >= -9007199254740992 and v <= 9007199254740992 then return intstr(v) end
  return format("%.17g", v)
end

-- Schema constructors. Each returns a table with check(v, path) -> nil | path, problem and
-- encode(v) -> JSON text, after a successful check.
local Schema = {}
Schema.__index = Schema

local function schema(kind, opts)
  local s = setmetatable({ kind = kind }, Schema)
  for k, v in pairs(opts or {}) do s[k] = v end
  return s
end

local function problem_with(s, v, text)
  if s.secret then return "invalid (the value is secret and not shown)" end
  return text .. ", got " .. got(v)
end

--- A string: `min`/`max` length in bytes, `enum`, `format` = "url" | "uuid" | "date" | "id".
function M.string(opts)
  return schema("string", opts)
end

local FORMATS = {
  url = function(v)
    return find(v, "^https?://[^%s/?#]+[^%s]*$") ~= nil or find(v, "^rtmps?://[^%s/?#]+[^%s]*$")
      ~= nil, "an http(s) URL"
  end,
  rtmp = function(v) return find(v, "^rtmps?://[^%s/?#]+[^%s]*$") ~= nil, "an rtmp(s) URL" end,
  uuid = function(v) return types.uuid(v) ~= nil, "a UUID" end,
  date = function(v)
    if not v:find("^%d%d%d%d%-%d%d%-%d%d$") then return false, "a date like 2026-05-01" end
    return types.datetime(v .. "T00:00:00Z") ~= nil, "a date like 2026-05-01"
  end,
}

--- A whole number from `min` to `max`.
function M.integer(opts) return schema("integer", opts) end
--- Any finite number from `min` to `max`.
function M.number(opts) return schema("number", opts) end
--- true or false.
function M.boolean(opts) return schema("boolean", opts) end
--- An array of `items`, `min`/`max` elements.
function M.array(items, opts)
  local s = schema("array", opts)
  s.items = items
  return s
end
--- An object: `fields` is a list of { name, schema, required = bool }; unknown keys are refused.
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

--- The same schema with every field optional, at every level (PATCH bodies).
function M.partial(s)
  if s.kind == "object" then
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
  end
  return s
end

local function join(path, key)
  if path == "" then return key end
  if type(key) == "number" then return path .. "[" .. key .. "]" end
  return path .. "." .. key
end

--- Checks v; returns nil when it fits, else the path of the field at fault and the problem.
function Schema:check(v, path)
  path = path or ""
  if v == M.null then
    if self.nullable then return nil end
    return path, "cannot be null"
  end
  local kind = self.kind
  if kind == "string" then
    if type(v) ~= "string" then return path, problem_with(self, v, "expected a string") end
    if find(v, "\0", 1, true) or not types.is_utf8(v) then
      return path, "is not valid UTF-8 text without NUL"
    end
    local min, max = self.min or 0, self.max or 4096
    if #v < min or #v > max then
      return path, "expected " .. (min > 0 and (min .. " to ") or "at most ") .. max .. " bytes"
        .. (self.secret and "" or (", got " .. #v))
    end
    if self.enum then
      for i = 1, #self.enum do
        if self.enum[i] == v then return nil end
      end
      return path, problem_with(self, v, "expected one of " .. concat(self.enum, ", ")) ..
        (self.secret and "" or (" " .. format("%q", v:sub(1, 40))))
    end
    if self.format then
      local ok, what = FORMATS[self.format](v)
      if not ok then
        return path, "expected " .. what .. (self.secret and "" or (", got " .. format("%q",
          v:sub(1, 60))))
      end
    end
    return nil
  elseif kind == "integer" or kind == "number" then
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge
      or (kind == "integer" and not is_whole(v)) then
      return path, problem_with(self, v, kind == "integer" and "expected a whole number"
        or "expected a finite number")
    end
    if (self.min and v < self.min) or (self.max and v > self.max) then
      return path, problem_with(self, v, "expected " .. (kind == "integer" and "a whole number"
        or "a number") .. " from " .. tostring(self.min or "-inf") .. " to "
        .. tostring(self.max or "inf"))
    end
    return nil
  elseif kind == "boolean" then
    if type(v) ~= "boolean" then return path, problem_with(self, v, "expected true or false") end
    return nil
  elseif kind == "array" then
    if type(v) ~= "table" then return path, "expected an array, got " .. got(v) end
    local n, count = #v, 0
    for _ in pairs(v) do count = count + 1 end
    if count ~= n then
      return path, "expected an array (keys 1 to n), got a table with other keys"
    end
    if (self.min and n < self.min) or (self.max and n > self.max) then
      return path, "expected " .. (self.min or 0) .. " to " .. (self.max or "any number of")
        .. " elements, got " .. n
    end
    for i = 1, n do
      local p, problem = self.items:check(v[i], join(path, i))
      if p then return p, problem end
    end
    return nil
  elseif kind == "object" then
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
      return path, "expected a table of fields, got " .. got(v)
    end
    for k in pairs(v) do
      if type(k) ~= "string" or not self.by_name[k] then
        return join(path, tostring(k)), "unknown field (this takes " .. self.names .. ")"
      end
    end
    for i = 1, #self.fields do
      local f = self.fields[i]
      local x = v[f[1]]
      if x == nil then
        if f.required then return join(path, f[1]), "required" end
      else
        local p, problem = f[2]:check(x, join(path, f[1]))
        if p then return p, problem end
      end
    end
    if self.one_of then
      local p, problem = self.one_of(v, path)
      if p then return p, problem end
    end
    return nil
  elseif kind == "map" then
    if type(v) ~= "table" then return path, "expected a table, got " .. got(v) end
    for k, x in pairs(v) do
      if type(k) ~= "string" or k == "" then
        return join(path, tostring(k)), "keys must be non-empty strings"
      end
      local p, problem = self.values:check(x, join(path, k))
      if p then return p, problem end
    end
    return nil
  elseif kind == "any" then
    return M.check_any(v, path, 0)
  end
  error("unknown schema kind " .. tostring(kind))
end

--- Checks a free-form value: JSON-representable, not nested too deeply.
function M.check_any(v, path, depth)
  if depth > 32 then return path, "nested too deeply" end
  local tv = type(v)
  if v == M.null or tv == "boolean" then return nil end
  if tv == "string" then
    if not types.is_utf8(v) then return path, "is not valid UTF-8 text" end
    return nil
  end
  if tv == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return path, "expected a finite number" end
    return nil
  end
  if tv ~= "table" then return path, "cannot be sent as JSON: " .. got(v) end
  for k, x in pairs(v) do
    if type(k) ~= "string" and type(k) ~= "number" then
      return path, "keys must be strings or array indexes"
    end
    local p, problem = M.check_any(x, join(path, k), depth + 1)
    if p then return p, problem end
  end
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
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  sort(keys)
  local parts = {}
  for i = 1, #keys do
    local x = v[keys[i]]
    if x == nil then x = v[tonumber(keys[i])] end
    parts[i] = quote(keys[i]) .. ":" .. encode_any(x)
  end
  return "{" .. concat(parts, ",") .. "}"
end

--- The JSON text of a value that passed check.
function Schema:encode(v)
  if v == M.null then return "null" end
  local kind = self.kind
  if kind == "string" then return quote(v) end
  if kind == "integer" then return intstr(v) end
  if kind == "number" then return number_text(v) end
  if kind == "boolean" then return v and "true" or "false" end
  if kind == "array" then
    local parts = {}
    for i = 1, #v do parts[i] = self.items:encode(v[i]) end
    return "[" .. concat(parts, ",") .. "]"
  end
  if kind == "object" then
    local parts = {}
    for i = 1, #self.fields do
      local f = self.fields[i]
      local x = v[f[1]]
      if x ~= nil then parts[#parts + 1] = quote(f[1]) .. ":" .. f[2]:encode(x) end
    end
    return "{" .. concat(parts, ",") .. "}"
  end
  if kind == "map" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    sort(keys)
    local parts = {}
    for i = 1, #keys do parts[i] = quote(keys[i]) .. ":" .. self.values:encode(v[keys[i]]) end
    return "{" .. concat(parts, ",") .. "}"
  end
  return encode_any(v)
end

--- The values of fields marked secret in v, for scrubbing from error messages.
function Schema:secrets(v, out)
  out = out or {}
  if v == nil or v == M.null then return out end
  if self.secret and type(v) == "string" and #v >= 4 then out[#out + 1] = v end
  if self.kind == "object" and type(v) == "table" then
    for i = 1, #self.fields do
      local f = self.fields[i]
      f[2]:secrets(v[f[1]], out)
    end
  elseif self.kind == "array" and type(v) == "table" then
    for i = 1, #v do self.items:secrets(v[i], out) end
  elseif self.kind == "map" and type(v) == "table" then
    for _, x in pairs(v) do self.values:secrets(x, out) end
  end
  return out
end

return M
