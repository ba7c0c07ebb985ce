--- Classifying an attempt's answer, and what a successful one holds. `classify` tells a
-- transport's outcome apart: a failed transfer, an HTTP error, `success: false`, a body that is
-- not JSON or not an object, or a success. Then, for a success, the value of an object
-- endpoint, and the page of a list endpoint (where its items sit, and its paging): `object`
-- and `page` return the value, or nil and what is wrong with the body, which `object_value`
-- and `list_value` make a `decode` error. Nothing is dropped quietly: a body whose items are
-- not where its row says, or whose `data` is missing where the API declares it, is a problem
-- that says what the body held (its keys and their types, never a value).
--
-- The row fields read here (realtimekit.resources.*):
--
-- - `items`: where a list's items sit: `{"data"}`, the response's `data` is the list;
--   `{"data", key}`, `data` is an object whose `key` holds it. Such an inner list may be absent
--   (every declared type with one makes it optional), but only from a `data` that holds nothing
--   else than `paging`, and only when no paging puts an item on the page (it counts none, or
--   its offsets are an empty range, past the last page): then the page is empty.
-- - `item_keys`: the API may also declare `data` as one item with `paging` inside it (the
--   livestream list does). A `data` object with any of these keys is then a page of that one
--   item; the list forms above are read too.
-- - `data_array`: an object endpoint whose `data` the API declares an array (livestream
--   analytics by day); every other object endpoint's `data` is an object, and a non-empty
--   JSON array there is a problem (JSON's `[]` and `{}` decode alike, and pass either way).
-- - `data_optional`: the API declares `data` optional. A body with no `data` and nothing else
--   but `success` (and, for a list, `paging` that puts no item on the page) is then an empty
--   table (an empty page); without it, a missing `data` is a problem.
-- @module realtimekit.response
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"

local type, pairs, ipairs, tostring = type, pairs, ipairs, tostring
local format, concat, sort = string.format, table.concat, table.sort

local table_kind, first_non_object = core.table_kind, core.first_non_object

local M = {}

-- What kind of JSON value v is, in a word: a table is "empty" (JSON's [] and {} decode
-- alike), a "list" (its keys are exactly 1..#v) or an "object" (core.table_kind, in C as it
-- runs once per page).
local function kind(v)
  local t = type(v)
  if t ~= "table" then return t end
  return table_kind(v)
end

-- The most keys a description names.
local MAX_KEYS = 8

-- A key as a description shows it: printable, and short.
local function key_text(k)
  local s = tostring(k):gsub("[^%w_%-%.]", "?")
  if #s > 40 then s = s:sub(1, 40) .. "..." end
  return s
end

--- What a decoded JSON value holds, for a problem's message: its kind, and for an object its
-- keys (sorted, at most eight) with the kind of each. Never a value.
-- @local
function M.describe(v)
  local k = kind(v)
  if k == "list" then return format("a list of %d", #v) end
  if k == "empty" then return "an empty object" end
  if k ~= "object" then return "a " .. k end
  local keys = {}
  for key in pairs(v) do keys[#keys + 1] = key end
  sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for i = 1, math.min(#keys, MAX_KEYS) do
    parts[i] = key_text(keys[i]) .. " (" .. kind(v[keys[i]]) .. ")"
  end
  if #keys > MAX_KEYS then parts[#parts + 1] = format("and %d more", #keys - MAX_KEYS) end
  return "an object with " .. concat(parts, ", ")
end
local describe = M.describe

-- Whether t holds no key but those of the set `allowed`.
local function only(t, allowed)
  for k in pairs(t) do
    if not allowed[k] then return false end
  end
  return true
end

local ENVELOPE = { success = true }
local LIST_ENVELOPE = { success = true, paging = true }
local PAGING_ONLY = { paging = true }

local function whole(v)
  return type(v) == "number" and v >= 0 and v == v and v ~= math.huge and v % 1 == 0
end

-- Whether a paging puts an item on its page (or cannot say it puts none): it does not when it
-- counts none, or when its offsets are an empty range (a page past the last).
local function counts(paging)
  if type(paging) ~= "table" or paging.total_count == 0 then return false end
  local first, last = paging.start_offset, paging.end_offset
  return not (whole(first) and whole(last) and last < first)
end

-- Whether some paging of the body puts an item on the page: then a list that is absent is not
-- empty.
local function counts_items(raw, data)
  return counts(raw.paging) or type(data) == "table" and counts(data.paging)
end

--- The value of an object endpoint's response: its `data`, or an empty table when the API
-- declares `data` optional and the body has none (and nothing else).
-- @local
function M.object(row, raw)
  local data = raw.data
  if data == nil then
    if row.data_optional and only(raw, ENVELOPE) then return {} end
    return nil, "the response has no data (the body is " .. describe(raw) .. ")"
  end
  if type(data) ~= "table" then
    return nil, "the response's data is a " .. kind(data) .. (row.data_array and ", not a list"
      or ", not an object")
  end
  local k = kind(data)
  if row.data_array and k == "object" then
    return nil, "the response's data is " .. describe(data) .. ", not a list"
  end
  if not row.data_array and k == "list" then
    return nil, "the response's data is " .. describe(data) .. ", not an object"
  end
  return data
end

-- Whether an object has any of the keys in the list.
local function has_any(t, keys)
  for _, k in ipairs(keys) do
    if t[k] ~= nil then return true end
  end
  return false
end

-- A copy of t without its paging.
local function without_paging(t)
  local c = {}
  for k, v in pairs(t) do
    if k ~= "paging" then c[k] = v end
  end
  return c
end

-- The items of a list response, or nil and why they cannot be found.
local function find_items(row, raw)
  local data, key = raw.data, row.items[2]
  if data == nil then
    if row.data_optional and only(raw, LIST_ENVELOPE) and not counts_items(raw) then
      return {}
    end
    return nil, "the response has no data (the body is " .. describe(raw) .. ")"
  end
  local k = kind(data)
  if k == "empty" then
    -- [] or {}: an empty list, or an object without the inner list.
    if key and not row.item_keys and counts_items(raw) then
      return nil, format("the response's data holds no %s, yet its paging counts items on the "
        .. "page", key)
    end
    return data
  end
  if k == "list" then
    if key and not row.item_keys then
      return nil, format("the response's data is %s, not an object holding %s", describe(data),
        key)
    end
    return data
  end
  if k ~= "object" then
    return nil, "the response's data is a " .. k .. ", not a list"
  end
  if key and data[key] ~= nil then
    if kind(data[key]) == "object" or type(data[key]) ~= "table" then
      return nil, format("the response's data.%s is %s, not a list", key, describe(data[key]))
    end
    return data[key]
  end
  if row.item_keys and has_any(data, row.item_keys) then
    return { without_paging(data) }
  end
  if (key or row.item_keys) and only(data, PAGING_ONLY) and not counts_items(raw, data) then
    return {}
  end
  if row.item_keys then
    return nil, format("the response's data is %s: neither a list, an object holding %s, nor "
      .. "one item, nor paging that puts no item on the page", describe(data), key or "a list")
  end
  if key then
    return nil, format("the response's data is %s, with no %s", describe(data), key)
  end
  return nil, format("the response's data is %s, not a list", describe(data))
end

--- Reads a list response into a page `{data, paging, raw}`, or nil and why it does not have
-- the shape of one.
-- @local
function M.page(row, raw)
  local items, problem = find_items(row, raw)
  if not items then return nil, problem end
  -- A JSON array decodes to a table too; one with elements is told apart by its [1].
  local bad = first_non_object(items)
  if bad then
    return nil, format("the response's %s[%d] is not an object", concat(row.items, "."), bad)
  end
  local paging = raw.paging
  if paging == nil and type(raw.data) == "table" then paging = raw.data.paging end
  if paging ~= nil then
    if type(paging) ~= "table" then return nil, "the response's paging is not an object" end
    for _, f in ipairs { "start_offset", "end_offset", "total_count" } do
      if not whole(paging[f]) then
        return nil, "the response's paging." .. f .. " is not a whole number"
      end
    end
  end
  return { data = items, paging = paging, raw = raw }
end

--- Classifies the outcome of one attempt, as a transport's `result` gives it: the decoded body,
-- the headers, the raw body and the status; or nil and an error (the transfer's, the API's, or
-- a `decode` one).
-- @param req the request (its `method`, `path`, and `row.raw` for `client:request`)
-- @param body the body, or nil when the transfer failed
-- @param status the status; when the transfer failed, its kind
-- @param headers the headers; when the transfer failed, its message
-- @param name when the transfer failed, its name (`COULDNT_CONNECT`, …)
-- @tparam function decode the JSON decoder (`realtimekit.json`)
-- @tparam function redact the request's redactor (`realtimekit.redact`)
function M.classify(req, body, status, headers, name, decode, redact)
  if body == nil then
    return nil, errors.transport(status, headers, name, req, redact)
  end
  local decoded, problem = decode(body)
  if decoded == nil and req.row.raw and status >= 200 and status <= 299 and
    not body:find("[^ \t\r\n]") then
    decoded = {} -- client:request of an endpoint that answers with nothing
  end
  if status < 200 or status > 299 then
    return nil, errors.from_response(status, headers, body, decoded, req, redact)
  end
  if decoded == nil then
    return nil, errors.decode("the response is not JSON (" .. (errors.text(problem) or "?")
      .. ")", status, headers, body, req, redact)
  end
  if type(decoded) ~= "table" then
    return nil, errors.decode("the response is not a JSON object", status, headers, body, req,
      redact)
  end
  if decoded.success == false then
    return nil, errors.from_response(status, headers, body, decoded, req, redact)
  end
  return decoded, headers, body, status
end

--- What `client:request` makes of a successful answer: the whole decoded body. (This and the
-- two below are the `finish` functions the engine calls with a classified success:
-- `finish(req, decoded, headers, body, status, redact)`.)
function M.raw_value(_, decoded)
  return decoded
end

--- What an object endpoint's call returns: the response's `data`, or nil and a `decode` error.
function M.object_value(req, raw, headers, body, status, redact)
  local value, problem = M.object(req.row, raw)
  if value == nil then
    return nil, errors.decode(problem, status, headers, body, req, redact)
  end
  return value
end

--- What a list endpoint's call returns: a page, or nil and a `decode` error.
function M.list_value(req, raw, headers, body, status, redact)
  local page, problem = M.page(req.row, raw)
  if not page then
    return nil, errors.decode(problem, status, headers, body, req, redact)
  end
  return page
end

return M
