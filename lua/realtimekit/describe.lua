--- What an endpoint row's parameters accept, in words, made from the checks themselves: for the
-- API reference's methods topic (scripts/methods-doc) and the `realtimekit` command's help, so
-- that neither can miss or misstate one. Plain Lua; needs no C core.
-- @module realtimekit.describe
-- @local
local types = require "realtimekit.types"

local M = {}

local ID_WORDS = "any non-empty text, sent percent-encoded, but for `/`, `.`, `..` and control "
  .. "characters (also percent-encoded), which would leave the path segment"

-- Where the words a check says of what it refuses are too short.
local OWN_WORDS = {
  [types.text] = "UTF-8 text without NUL, of any length",
  [types.id] = ID_WORDS,
  [types.uuid] = ID_WORDS,
  [types.datetime] = "text, sent as it is, or Unix seconds, sent as UTC ISO 8601",
  [types.unix_seconds] = "Unix seconds (any number), or an ISO 8601 date-time with offset, "
    .. "sent as its Unix seconds",
  [types.date] = "text, sent as it is, or Unix seconds, sent as their UTC date",
}

-- What strict mode adds to a check: the API docs' format or range.
local STRICT_WORDS = {
  [types.count] = ">= 0",
  [types.uuid] = "a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
  [types.datetime] = "the text an ISO 8601 date-time with offset like 2026-05-01T09:30:00Z",
  [types.date] = "the text a date like 2026-05-01",
}

--- What strict mode adds to a parameter's check (realtimekit.types), in words, or nil.
-- @func check
-- @treturn ?string
function M.strict_accepts(check)
  if STRICT_WORDS[check] then return STRICT_WORDS[check] end
  local about = types.about[check]
  if about and about.kind == "enum_list" then return "at least one value" end
  return nil
end

--- What a parameter's check (realtimekit.types) accepts, in its own words: the checks say
-- "expected …, got …" for a value they refuse, and a function is refused by every one; and
-- what strict mode adds, in brackets.
-- @func check
-- @treturn string
function M.accepts(check)
  local words = OWN_WORDS[check]
  if not words then
    local ok, problem = check(print)
    if ok ~= nil or type(problem) ~= "string" then return "" end
    words = problem:gsub("^expected ", ""):gsub(", got a function$", "")
  end
  local strict = M.strict_accepts(check)
  if strict then words = words .. " (with strict: " .. strict .. ")" end
  return words
end

-- "1 to 10 bytes", "at least 1 element": unit is the plural, said for every bound but 1.
local function range(s, unit)
  local function n(v)
    if not unit then return tostring(v) end
    return v .. " " .. (v == 1 and unit:gsub("s$", "") or unit)
  end
  if s.min and s.max then return ("%s to %s"):format(s.min, n(s.max)) end
  if s.min then return "at least " .. n(s.min) end
  if s.max then return "at most " .. n(s.max) end
end

local function same(text) return text end

--- A body schema (realtimekit.schema) in a few words: its kind, and notes on it.
-- @tparam table s the schema
-- @tparam[opt] func quote what is done to a form's label, free text (the methods topic makes
-- it markdown)
-- @treturn string the kind in words
-- @treturn table the notes, a list of strings
function M.words(s, quote)
  quote = quote or same
  local notes = {}
  local text
  -- The docs' formats and ranges, which only strict mode checks.
  local function strict(note) notes[#notes + 1] = "with strict: " .. note end
  if s.kind == "string" then
    text = "string"
    if s.enum then text = "one of `" .. table.concat(s.enum, "`, `") .. "`" end
    if s.format then strict(s.format) end
    local r = range(s, "bytes")
    if r then strict(r) end
  elseif s.kind == "integer" or s.kind == "number" then
    text = s.kind == "integer" and "whole number" or "number"
    local r = range(s)
    if r then strict(r) end
  elseif s.kind == "boolean" then
    text = "boolean"
  elseif s.kind == "array" then
    text = "array"
    if s.items then
      local item, item_notes = M.words(s.items, quote)
      text = "array of " .. item
      if #item_notes > 0 then notes[#notes + 1] = "each " .. table.concat(item_notes, ", ") end
    end
    local r = range(s, "elements")
    if r then strict(r) end
  elseif s.kind == "object" then
    text = "object"
    if s.open then notes[#notes + 1] = "other keys take any JSON value" end
  elseif s.kind == "any_of" then
    local labels = {}
    for i = 1, #s.variants do labels[i] = quote(s.variants[i].label or ("form " .. i)) end
    text = "object in any one of " .. #s.variants .. " forms: " .. table.concat(labels, "; ")
  elseif s.kind == "map" then
    text = "table of string keys to " .. (s.values and (M.words(s.values, quote)) or "values")
  elseif s.kind == "any" then
    text = "any JSON value"
  else
    text = tostring(s.kind)
  end
  if s.secret then notes[#notes + 1] = "secret: never shown in an error" end
  if s.nullable then notes[#notes + 1] = "may be `realtimekit.null`" end
  return text, notes
end

--- A body schema in words, its notes in brackets.
-- @tparam table s the schema
-- @tparam[opt] func quote as `words` takes it
-- @treturn string
function M.describe(s, quote)
  local text, notes = M.words(s, quote)
  if #notes > 0 then text = text .. " (" .. table.concat(notes, "; ") .. ")" end
  return text
end

-- A union's fields, each once: what every form says of it, or, where the forms differ, what
-- each says ("one of `gcs` (form 1); … (required, form 3)").
local function union_fields(s, prefix, out, quote)
  local first = s.variants[1]
  for i = 1, #first.fields do
    local name = first.fields[i][1]
    local seen, order = {}, {}
    for j = 1, #s.variants do
      local fl = s.variants[j].by_name[name]
      local d = M.describe(fl[2], quote) .. (fl.required and " (required)" or "")
      if not seen[d] then
        seen[d] = {}
        order[#order + 1] = d
      end
      seen[d][#seen[d] + 1] = j
    end
    local text = order[1]
    if #order > 1 then
      local parts = {}
      for k, d in ipairs(order) do
        parts[k] = d .. (#seen[d] > 1 and " in forms " or " in form ")
          .. table.concat(seen[d], ", ")
      end
      text = table.concat(parts, "; ")
    end
    out[#out + 1] = { path = prefix .. name, text = text }
  end
end

local function fields(s, prefix, out, quote)
  for i = 1, #s.fields do
    local fl = s.fields[i]
    local path = prefix .. fl[1]
    out[#out + 1] = { path = path, required = fl.required and true or false,
                      text = M.describe(fl[2], quote), schema = fl[2], top = prefix == "" }
    local sub = fl[2]
    if sub.kind == "array" and sub.items then
      sub, path = sub.items, path .. "[i]"
    elseif sub.kind == "map" and sub.values then
      sub, path = sub.values, path .. ".<key>"
      out[#out + 1] = { path = path, text = M.describe(sub, quote) }
    end
    if sub.kind == "object" and sub.fields then
      fields(sub, path .. ".", out, quote)
    elseif sub.kind == "any_of" then
      union_fields(sub, path .. ".", out, quote)
    end
  end
end

--- The fields of an object schema, a nested object's fields after it by their path (as an
-- invalid_argument error names them: `ai_config.summarization.word_limit`; an array's items
-- as `[i]`, a map's values as `<key>`); a union's fields once each, with what each form says.
-- @tparam table s an object schema
-- @tparam[opt] func quote as `words` takes it
-- @treturn table a list of `{ path, text, required (a field's own), schema and top (for a
-- top-level field) }`
function M.fields(s, quote)
  local out = {}
  fields(s, "", out, quote)
  return out
end

--- Whether a row's body has a required field (so that its params table is required).
-- @tparam table row
-- @treturn boolean
function M.body_required(row)
  if not (row.body and row.body.fields) then return false end
  for i = 1, #row.body.fields do
    if row.body.fields[i].required then return true end
  end
  return false
end

return M
