--- What a successful response holds: the value of an object endpoint, and the page of a list
-- endpoint (where its items sit, and its paging). Each returns the value, or nil and what is
-- wrong with the body, which the caller makes a `decode` error.
-- @module realtimekit.response
local type, pairs, ipairs = type, pairs, ipairs
local format, concat = string.format, table.concat

local M = {}

--- The value of an object endpoint's response: its `data`.
-- @local
function M.object(row, raw) -- luacheck: no unused args
  if type(raw.data) ~= "table" then
    return nil, "the response has no data object"
  end
  return raw.data
end

local function whole(v)
  return type(v) == "number" and v >= 0 and v == v and v ~= math.huge and v % 1 == 0
end

--- Reads a list response into a page `{data, paging, raw}`, or nil and why it does not have
-- the shape of one.
-- @local
function M.page(row, raw)
  local items = raw
  for i = 1, #row.items do
    local key = row.items[i]
    local inner = items[key]
    if inner == nil then
      if i == 1 then return nil, "the response has no " .. key end
      inner = {} -- an absent inner list (data.sessions) is an empty one
    end
    if type(inner) ~= "table" then
      return nil, "the response's " .. concat(row.items, ".", 1, i) .. " is not a list"
    end
    items = inner
  end
  local n, count = #items, 0
  for _ in pairs(items) do count = count + 1 end
  if count ~= n then
    return nil, "the response's " .. concat(row.items, ".") .. " is not a list"
  end
  for i = 1, n do
    -- A JSON array decodes to a table too; one with elements is told apart by its [1].
    if type(items[i]) ~= "table" or items[i][1] ~= nil then
      return nil, format("the response's %s[%d] is not an object", concat(row.items, "."), i)
    end
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

return M
