--- Request bodies described as data: each schema checks a Lua value (naming the field at fault)
-- and encodes it as JSON in the schema's shape, so an empty array is sent as `[]`, an empty
-- object as `{}`, and fields in a fixed order.
--
-- What a schema always checks is what the official SDK's types say: a value's type at every
-- depth, enums, required fields, null only where nullable, no unknown field; and what JSON
-- can carry (UTF-8 text without NUL, finite numbers). A schema's `min`, `max` and `format` are
-- the API docs' prose, which no SDK checks: they are checked only in strict mode
-- (`check(v, path, true)`).
-- @module realtimekit.schema
local compat = require "realtimekit.compat"
local errors = require "realtimekit.errors"
local types = require "realtimekit.types"

local type, pairs, setmetatable, getmetatable = type, pairs, setmetatable, getmetatable
local concat, sort = table.concat, table.sort
local format, gsub, byte, find = string.format, string.gsub, string.byte, string.find
local intstr = compat.intstr

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

-- A value as a problem names it, without calling anything of its own (compat.describe).
local function got(v)
  if v == M.null then return "null" end
  return compat.describe(v)
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

local number_text = compat.number_text

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

--- A string (valid UTF-8 without NUL): optional `enum`; and, checked in strict mode only,
-- `min`/`max` length in bytes and `format` = "uri" | "uuid". Without `max` there is no limit
-- on its length.
function M.string(opts)
  return schema("string", opts)
end

local FORMATS = {
  -- RFC 3986's absolute URI: a scheme, a colon, and no space or control character.
  uri = function(v)
    return find(v, "^[A-Za-z][A-Za-z0-9+.%-]*:") ~= nil and not find(v, "[\1-\32\127]"),
      "a URI such as https://example.com/a.png"
  end,
  uuid = function(v) return types.is_uuid(v), "a UUID" end,
}

--- A whole number; from `min` to `max` in strict mode.
function M.integer(opts) return schema("integer", opts) end
--- Any finite number; from `min` to `max` in strict mode.
function M.number(opts) return schema("number", opts) end
--- true or false.
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

-- A key as a path shows it: a string as it is (one that is not valid UTF-8 text, or holds a
-- control character, with those bytes escaped), a number as its text, anything else by its
-- type: never anything of the key's own (a __tostring may raise).
local function key_text(key)
  if type(key) == "string" then
    if find(key, "%c") or not types.is_utf8(key) then
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
  if find(k, "\0", 1, true) or not types.is_utf8(k) then
    return "keys must be valid UTF-8 text without NUL"
  end
  return nil
end

local function check_union(self, v, path, strict)
  if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
    return path, "expected a table of fields, got " .. got(v)
  end
  -- The variant that came closest: the fewest problems, a value it refuses counting more than a
  -- field it misses.
  local best, best_score, tried = nil, nil, {}
  for i = 1, #self.variants do
    local variant = self.variants[i]
    local p, problem = variant:check(v, path, strict)
    if not p then return nil end
    local score = 0
    for k, x in pairs(v) do
      local f = variant.by_name[k]
      if not f or f[2]:check(x, join(path, k), strict) then score = score + 2 end
    end
    for j = 1, #variant.fields do
      if variant.fields[j].required and v[variant.fields[j][1]] == nil then score = score + 1 end
    end
    if not best_score or score < best_score then best, best_score = { p, problem }, score end
    tried[i] = variant.label or ("form " .. i)
  end
  return best[1], best[2] .. "; it fits none of the " .. #tried .. " forms it may take: "
    .. concat(tried, "; ")
end

-- A range in words: "from 60 to 600", "at least 1", "at most 1920".
local function range_words(min, max)
  if min and max then return "from " .. number_text(min) .. " to " .. number_text(max) end
  if min then return "at least " .. number_text(min) end
  return "at most " .. number_text(max)
end

--- Checks v; returns nil when it fits, else the path of the field at fault and the problem.
-- `strict` adds the docs' ranges and formats (`min`, `max`, `format`) at every depth.
function Schema:check(v, path, strict)
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
    if strict and ((self.min and #v < self.min) or (self.max and #v > self.max)) then
      local want = self.min and self.max and (self.min .. " to " .. self.max)
        or self.min and ("at least " .. self.min) or ("at most " .. self.max)
      return path, "expected " .. want .. " bytes" .. (self.secret and "" or (", got " .. #v))
    end
    if self.enum then
      for i = 1, #self.enum do
        if self.enum[i] == v then return nil end
      end
      return path, problem_with(self, v, "expected one of " .. concat(self.enum, ", ")) ..
        (self.secret and "" or (" " .. format("%q", v:sub(1, 40))))
    end
    if strict and self.format then
      local ok, what = FORMATS[self.format](v)
      if not ok then
        return path, "expected " .. what .. (self.secret and "" or (", got " .. format("%q",
          v:sub(1, 60))))
      end
    end
    return nil
  elseif kind == "integer" or kind == "number" then
    if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge
      or (kind == "integer" and not compat.is_whole(v)) then
      return path, problem_with(self, v, kind == "integer" and "expected a whole number"
        or "expected a finite number")
    end
    if strict and ((self.min and v < self.min) or (self.max and v > self.max)) then
      return path, problem_with(self, v, "expected " .. (kind == "integer" and "a whole number"
        or "a number") .. " " .. range_words(self.min, self.max))
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
    if strict and ((self.min and n < self.min) or (self.max and n > self.max)) then
      return path, "expected " .. (self.min or 0) .. " to " .. (self.max or "any number of")
        .. " elements, got " .. n
    end
    for i = 1, n do
      local p, problem = self.items:check(v[i], join(path, i), strict)
      if p then return p, problem end
    end
    return nil
  elseif kind == "object" then
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
      return path, "expected a table of fields, got " .. got(v)
    end
    for k, x in pairs(v) do
      if type(k) ~= "string" or not self.by_name[k] then
        if not self.open then
          return join(path, k), "unknown field" .. errors.suggest(k, self.name_list)
            .. " (this takes " .. self.names .. ")"
        end
        local problem = bad_key(k)
        if problem then return join(path, k), problem end
        local p, why = M.check_any(x, join(path, k), 0)
        if p then return p, why end
      end
    end
    for i = 1, #self.fields do
      local f = self.fields[i]
      local x = v[f[1]]
      if x == nil then
        if f.required then return join(path, f[1]), "required" end
      else
        local p, problem = f[2]:check(x, join(path, f[1]), strict)
        if p then return p, problem end
      end
    end
    return nil
  elseif kind == "map" then
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
      return path, "expected a table, got " .. got(v)
    end
    for k, x in pairs(v) do
      local problem = bad_key(k)
      if problem then return join(path, k), problem end
      local p, why = self.values:check(x, join(path, k), strict)
      if p then return p, why end
    end
    return nil
  elseif kind == "any_of" then
    return check_union(self, v, path, strict)
  elseif kind == "any" then
    return M.check_any(v, path, 0)
  end
  error("unknown schema kind " .. compat.describe(kind))
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
    if find(v, "\0", 1, true) or not types.is_utf8(v) then
      return path, "is not valid UTF-8 text without NUL"
    end
    return nil
  end
  if tv == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return path, "expected a finite number" end
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
    if self.open then -- the other keys, sorted, after the schema's fields
      local keys = {}
      for k in pairs(v) do
        if not self.by_name[k] then keys[#keys + 1] = k end
      end
      sort(keys)
      for i = 1, #keys do
        parts[#parts + 1] = quote(keys[i]) .. ":" .. encode_any(v[keys[i]])
      end
    end
    return "{" .. concat(parts, ",") .. "}"
  end
  if kind == "any_of" then
    for i = 1, #self.variants do
      local variant = self.variants[i]
      if not variant:check(v, "") then return variant:encode(v) end
    end
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

-- Every string and number inside a free-form secret value, as text, for scrubbing.
local function secret_texts(v, out, depth)
  local tv = type(v)
  if tv == "string" or tv == "number" then
    local text = tv == "number" and number_text(v) or v
    if #text >= 4 then out[#out + 1] = text end
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
