-- Checks decoded request bodies (fake.json values) against small schemas, as RealtimeKit's
-- server does: the first problem comes back as "<field path>: <problem>", for instance
-- "recording_config.video_config.width: must be from 1 to 1920" or "events[0]: must be one of
-- ...". Unknown fields are refused. With `partial` (a PATCH), nothing is required at any depth.
local json = require "realtimekit.jsonpure"

local M = {}

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local floor, sort, concat = math.floor, table.sort, table.concat
local null, is_array = json.null, json.is_array

-- Constructors. Every schema is a table with `kind`; options: nullable (JSON null allowed),
-- and per kind: string min_len, enum (list), format ("uri", "uuid"); number min, max, integer;
-- array items, min_items; object fields, required (list), open (other fields allowed),
-- check(value, path, partial) for rules across fields; map values (an object whose keys are
-- free); any (every JSON value).

local function with(kind, o)
  o = o or {}
  o.kind = kind
  if o.enum then
    o.set = {}
    for _, v in ipairs(o.enum) do o.set[v] = true end
  end
  return o
end

function M.string(o) return with("string", o) end
function M.number(o) return with("number", o) end
function M.boolean(o) return with("boolean", o) end
function M.enum(values, o)
  o = o or {}
  o.enum = values
  return with("string", o)
end
--- A string in RFC 3986's absolute URI form (the docs' "uri" format).
function M.uri(o)
  o = o or {}
  o.format = "uri"
  return with("string", o)
end
function M.any(o) return with("any", o) end
function M.array(items, o)
  o = o or {}
  o.items = items
  return with("array", o)
end
function M.object(fields, o)
  o = o or {}
  o.fields = fields
  o.required = o.required or {}
  return with("object", o)
end
function M.map(values, o)
  o = o or {}
  o.values = values
  return with("map", o)
end

--- A copy of s that also takes JSON null.
function M.nullable(s)
  local c = {}
  for k, v in pairs(s) do c[k] = v end
  c.nullable = true
  return c
end

--- A copy of an object schema with other fields added (and nothing else changed).
function M.extend(s, more)
  local c = {}
  for k, v in pairs(s) do c[k] = v end
  c.fields = {}
  for k, v in pairs(s.fields) do c.fields[k] = v end
  for k, v in pairs(more) do c.fields[k] = v end
  return c
end

local function join(path, key)
  if path == "" then return key end
  return path .. "." .. key
end
M.join = join

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"
M.UUID = UUID

--- Whether s is an absolute URI: a scheme, a colon, and no space or control character.
function M.is_uri(s)
  return s:match("^%a[%w+.-]*:") ~= nil and not s:find("[%z\1-\32\127]")
end

local DESCRIBE = { string = "a string", number = "a number", boolean = "true or false",
                   array = "an array", object = "an object", map = "an object",
                   any = "a JSON value" }

local function describe(s)
  local d = DESCRIBE[s.kind]
  if s.integer then d = "an integer" end
  if s.nullable then d = d .. " or null" end
  return d
end

local function where(path) return path == "" and "body" or path end

local validate

local function check_string(v, s, path)
  if s.min_len and #v < s.min_len then
    return where(path) .. ": must not be empty"
  end
  if s.set and not s.set[v] then
    return where(path) .. ": must be one of " .. concat(s.enum, ", ")
  end
  if s.format == "uri" and not M.is_uri(v) then
    return where(path) .. ": must be a URI"
  elseif s.format == "uuid" and not v:match(UUID) then
    return where(path) .. ": must be a UUID"
  end
  return nil
end

local function check_number(v, s, path)
  if s.integer and v ~= floor(v) then return where(path) .. ": must be an integer" end
  if (s.min and v < s.min) or (s.max and v > s.max) then
    if s.min and s.max then
      return where(path) .. ": must be from " .. s.min .. " to " .. s.max
    elseif s.min then
      return where(path) .. ": must be at least " .. s.min
    end
    return where(path) .. ": must be at most " .. s.max
  end
  return nil
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  sort(keys)
  return keys
end

local function check_object(v, s, path, partial)
  local keys = sorted_keys(v)
  if s.fields then
    if not s.open then
      for _, k in ipairs(keys) do
        if not s.fields[k] then return join(path, k) .. ": unknown field" end
      end
    end
    if not partial then
      for _, k in ipairs(s.required) do
        if v[k] == nil then return join(path, k) .. ": is required" end
      end
    end
    for _, k in ipairs(keys) do
      if s.fields[k] then
        local err = validate(v[k], s.fields[k], join(path, k), partial)
        if err then return err end
      end
    end
  else
    for _, k in ipairs(keys) do
      local err = validate(v[k], s.values, join(path, k), partial)
      if err then return err end
    end
  end
  if s.check then return s.check(v, path, partial) end
  return nil
end

function validate(v, s, path, partial)
  if s.kind == "any" then return nil end
  if v == null then
    if s.nullable then return nil end
    return where(path) .. ": must be " .. describe(s)
  end
  local kind, tv = s.kind, type(v)
  if kind == "string" then
    if tv ~= "string" then return where(path) .. ": must be " .. describe(s) end
    return check_string(v, s, path)
  elseif kind == "number" then
    if tv ~= "number" then return where(path) .. ": must be " .. describe(s) end
    return check_number(v, s, path)
  elseif kind == "boolean" then
    if tv ~= "boolean" then return where(path) .. ": must be " .. describe(s) end
    return nil
  elseif kind == "array" then
    if not is_array(v) then return where(path) .. ": must be " .. describe(s) end
    if s.min_items and #v < s.min_items then
      return where(path) .. ": must have at least " .. s.min_items .. " item"
        .. (s.min_items == 1 and "" or "s")
    end
    for i = 1, #v do
      local err = validate(v[i], s.items, path .. "[" .. tostring(i - 1) .. "]", partial)
      if err then return err end
    end
    return nil
  end
  -- object or map
  if tv ~= "table" or is_array(v) then return where(path) .. ": must be " .. describe(s) end
  return check_object(v, s, path, partial)
end

--- The first problem of body v against schema s, or nil. The body itself must be an object.
function M.validate(v, s, partial)
  if type(v) ~= "table" or is_array(v) then return "body: must be a JSON object" end
  return validate(v, s, "", partial)
end

--- Merges patch into base in place, objects recursively (a PATCH of a deep-partial body);
-- arrays and everything else replace.
function M.deep_merge(base, patch)
  for k, v in pairs(patch) do
    local b = base[k]
    if type(v) == "table" and not is_array(v) and type(b) == "table" and not is_array(b)
       and getmetatable(v) == nil then
      M.deep_merge(b, v)
    else
      base[k] = v
    end
  end
  return base
end

return M
