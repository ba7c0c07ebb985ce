--- Walks a paged list: page after page until the API says there is no more, with checks that
-- the walk advances, so a misbehaving server cannot make it loop forever.
-- @module realtimekit.pager
local errors = require "realtimekit.errors"
local request = require "realtimekit.request"
local types = require "realtimekit.types"

local type, pairs, setmetatable, error = type, pairs, setmetatable, error
local format = string.format

local M = {}

--- Items per page an iterator asks for when the caller does not say.
M.DEFAULT_PER_PAGE = 100

local positive = types.whole_at_least(1)
local non_negative = types.whole_at_least(0)

local Pager = {}
Pager.__index = Pager
M.Pager = Pager

--- A pager over one list endpoint. Every argument is checked here, before any request.
-- @return the pager, or nil and an `invalid_argument` error
function M.new(client, row, args, params)
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid("params", "expected a table, got a " .. type(params))
  end
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  local limit = p.limit
  p.limit = nil
  if limit ~= nil and not non_negative(limit) then
    local _, problem = non_negative(limit)
    return nil, errors.invalid("limit", problem)
  end
  if p.per_page == nil then
    p.per_page = M.DEFAULT_PER_PAGE
  else
    local _, problem = positive(p.per_page)
    if problem then return nil, errors.invalid("per_page", problem) end
  end
  if limit and limit > 0 and limit < p.per_page then p.per_page = limit end
  if p.page_no == nil then p.page_no = 1 end
  local _, err = request.build(client, row, args, p)
  if err then return nil, err end
  return setmetatable({
    client = client, row = row, args = args, params = p,
    limit = limit, fetched = 0, pages = 0, done = limit == 0,
  }, Pager)
end

local function stuck(self, why)
  self.done = true
  return nil, errors.new("api", format("%s returned a page that does not advance (%s); "
    .. "stopping instead of looping", self.row.id, why), {
      page_no = self.params.page_no, retryable = false,
    })
end

local function first_id(items)
  local first = items[1]
  return type(first) == "table" and first.id or nil
end

--- The next page, or nil when the walk is over, or nil and an error. After an error the same
-- page can be asked for again.
function Pager:next_page()
  if self.done then return nil end
  local params = self.params
  local page, err = self.client:_list(self.row, self.args, params)
  if not page then return nil, err end

  local items, paging, prev = page.data, page.paging, self.prev
  local n = #items
  if prev then
    if paging and prev.paging and paging.end_offset <= prev.paging.end_offset and n > 0 then
      return stuck(self, format("offsets %d-%d after %d-%d", paging.start_offset,
        paging.end_offset, prev.paging.start_offset, prev.paging.end_offset))
    end
    local id = first_id(items)
    if id ~= nil and id == prev.first_id then
      return stuck(self, "its first item is the first item of the page before")
    end
  end
  self.prev = { paging = paging, first_id = first_id(items) }

  -- Whether there is more, and which page holds it.
  if paging then
    if n == 0 or paging.end_offset >= paging.total_count then
      self.done = true
    elseif n < params.per_page then
      -- The server caps per_page below what was asked: carry on in its page size, from the
      -- page after the last item it sent.
      params.per_page = n
      params.page_no = paging.end_offset % n == 0 and paging.end_offset / n + 1
        or params.page_no + 1
    else
      params.page_no = params.page_no + 1
    end
  elseif n < params.per_page then
    self.done = true
  else
    params.page_no = params.page_no + 1
  end

  if self.limit then
    local room = self.limit - self.fetched
    if n >= room then
      self.done = true
      if n > room then
        local kept = {}
        for i = 1, room do kept[i] = items[i] end
        page.data = kept
        n = room
      end
    end
  end
  self.fetched = self.fetched + n
  self.pages = self.pages + 1
  return page
end

--- Ends the walk; later next_page calls return nil. Also the `__close` of the pager, so on
-- Lua 5.4 a `break` out of a generic for closes it.
function Pager:close()
  self.done = true
end
Pager.__close = Pager.close

--- Iterator over the pages, for a generic for; raises the error object on failure.
function M.pages(pager)
  return function()
    local page, err = pager:next_page()
    if err then error(err) end
    return page
  end, nil, nil, pager
end

--- Iterator over the items of every page, for a generic for; raises the error object on failure.
function M.each(pager)
  local items, i, n = nil, 0, 0
  return function()
    while true do
      if i < n then
        i = i + 1
        return items[i]
      end
      local page, err = pager:next_page()
      if err then error(err) end
      if not page then return nil end
      items, i, n = page.data, 0, #page.data
    end
  end, nil, nil, pager
end

return M
