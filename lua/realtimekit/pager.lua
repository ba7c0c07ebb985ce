--- Walks a paged list: page after page until the API says there is no more, with checks that
-- the walk advances, so a misbehaving server cannot make it loop forever.
--
-- A program meets two objects from here: the `Pager` that an iterator method (`each`, `pages`,
-- …) returns as its fourth value, and the `Walk` that `client.async.<resource>:each(…)`
-- returns. See the @{methods.md|Resource methods} topic for the iterator options (`per_page`,
-- `limit`, `page_no`, `concurrency`).
-- @module realtimekit.pager
local errors = require "realtimekit.errors"
local ops = require "realtimekit.ops"
local request = require "realtimekit.request"
local types = require "realtimekit.types"

local type, pairs, setmetatable, error = type, pairs, setmetatable, error
local format = string.format

local M = {}

--- Items per page an iterator asks for when the caller does not say.
M.DEFAULT_PER_PAGE = 100

local positive = types.whole_at_least(1)
local non_negative = types.whole_at_least(0)

--- A walk over a paged list, page by page. An iterator method returns it as its fourth value;
-- on Lua 5.4 it is then the generic `for`'s closing value, so a `break` closes it.
-- @type Pager
-- @usage
-- local _, _, _, pager = client.meetings:pages { per_page = 50 }
-- while true do
--   local page, err = pager:next_page()
--   if err then print(err); break end -- calling next_page again retries the same page
--   if not page then break end        -- the walk is over
--   for _, m in ipairs(page.data) do print(m.id) end
-- end
local Pager = {}
Pager.__index = Pager
M.Pager = Pager

-- The most pages a walk fetches at once.
M.MAX_CONCURRENCY = 32

local concurrency_check = types.whole_at_least(1)

--- The options an iterator takes besides the endpoint's parameters and the call options.
M.OPTIONS = { limit = true, concurrency = true }

--- A pager over one list endpoint. Every argument is checked here, before any request.
-- Besides the endpoint's parameters it takes `limit` (stop after that many items) and
-- `concurrency` (pages fetched at once once the first page tells the total; default 1).
-- @return the pager, or nil and an `invalid_argument` error
-- @local
function M.new(client, row, args, params)
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid("params", "expected a table, got a " .. type(params))
  end
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  local limit, concurrency = p.limit, p.concurrency
  p.limit, p.concurrency = nil, nil
  if limit ~= nil and not non_negative(limit) then
    local _, problem = non_negative(limit)
    return nil, errors.invalid("limit", problem)
  end
  if concurrency == nil then
    concurrency = 1
  elseif not concurrency_check(concurrency) or concurrency > M.MAX_CONCURRENCY then
    return nil, errors.invalid("concurrency", "expected a whole number from 1 to "
      .. M.MAX_CONCURRENCY .. ", got " .. tostring(concurrency))
  end
  if p.per_page == nil then
    p.per_page = M.DEFAULT_PER_PAGE
  else
    local _, problem = positive(p.per_page)
    if problem then return nil, errors.invalid("per_page", problem) end
  end
  if limit and limit > 0 and limit < p.per_page then p.per_page = limit end
  if p.page_no == nil then p.page_no = 1 end
  local _, err = request.build(client, row, args, p, M.OPTIONS)
  if err then return nil, err end
  return setmetatable({
    client = client, row = row, args = args, params = p,
    limit = limit, concurrency = concurrency, fetched = 0, pages = 0, done = limit == 0,
    window = {}, -- pages asked for, in order: { no = page_no, op = operation or nil }
    ready = {},  -- pages checked and not yet handed out, in order
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

-- Checks a page that arrived, in order: it must advance, and it tells whether there is more.
function Pager:_accept(page)
  local params = self.params
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

  -- Once the first page tells the total, the pages after it can be asked for ahead.
  if self.concurrency > 1 and not self.done and not self.last_no and paging then
    local per = params.per_page
    local last = math.ceil(paging.total_count / per)
    if self.limit then
      local more = math.ceil((self.limit - self.fetched) / per)
      if params.page_no + more - 1 < last then last = params.page_no + more - 1 end
    end
    self.next_no, self.last_no = params.page_no, last
  end
  return page
end


-- Starts the request of a window entry.
function Pager:_ask(entry)
  local p = {}
  for k, v in pairs(self.params) do p[k] = v end
  p.page_no = entry.no
  local req = assert(request.build(self.client, self.row, self.args, p)) -- checked in new
  entry.op = ops.start(self.client, req, ops.list_value)
end

-- Keeps the window full: ahead by up to `concurrency` pages when the last page is known, else
-- one page at a time.
function Pager:_fill()
  if self.done then return end
  local window = self.window
  if self.last_no and self.next_no > self.last_no and #window == 0 then
    self.last_no = nil -- the total grew during the walk: go on one page at a time
  end
  if self.last_no then
    while #window + #self.ready < self.concurrency and self.next_no <= self.last_no do
      window[#window + 1] = { no = self.next_no }
      self.next_no = self.next_no + 1
    end
  elseif #window == 0 then
    window[1] = { no = self.params.page_no }
  end
  for i = 1, #window do
    if not window[i].op then self:_ask(window[i]) end
  end
end

-- Cancels what is still under way.
function Pager:_drop_window()
  for i = 1, #self.window do
    local op = self.window[i].op
    if op then op:cancel() end
  end
  self.window = {}
end

--- Moves the pages that have arrived at the head of the window, in order, through the checks
-- into `ready`, and asks for more. Never blocks.
-- @local
function Pager:_pump()
  while not self.done and not self.err do
    self:_fill()
    local head = self.window[1]
    if not head or head.op:pending() then break end
    local op = head.op
    if op.state == "done" then
      table.remove(self.window, 1)
      local page, err = self:_accept(op.value)
      if page then
        self.ready[#self.ready + 1] = page
      else
        self.err = err
      end
    else
      -- Failed after its retries: the error is handed out, and the same page asked again on
      -- the next call.
      head.op = nil
      self.err = op.err
    end
  end
  if self.done then self:_drop_window() end
end

--- The next page, or nil when the walk is over, or nil and an error. After an error the same
-- page can be asked for again. Blocks until the page is there.
-- @treturn[1] table the page: `{ data = {items…}, paging = {…}, raw = {…} }`
-- @return[2] nil at the end of the walk
-- @return[3] nil
-- @treturn[3] realtimekit.errors.Error the error of the page's last attempt
function Pager:next_page()
  if self.concurrency == 1 and #self.window == 0 and #self.ready == 0 and not self.err then
    -- One page at a time: a plain blocking call, the cheapest path.
    if self.done then return nil end
    local page, err = self.client:_list(self.row, self.args, self.params)
    if not page then return nil, err end
    return self:_accept(page)
  end
  while true do
    if #self.ready > 0 then return table.remove(self.ready, 1) end
    if self.err then
      local err = self.err
      self.err = nil
      return nil, err
    end
    if self.done then return nil end
    self:_pump()
    if #self.ready == 0 and not self.err and not self.done then
      ops.wait(self.window[1].op)
    end
  end
end

--- Non-blocking step of a walk: drives the client's I/O once and returns what is ready:
-- "pending", pages (maybe none yet); "done", pages (the last ones); or "failed", err (polling
-- again asks for the failed page again).
-- @local
function Pager:poll_pages()
  ops.poll(self.client, 0)
  self:_pump()
  local out = self.ready
  self.ready = {}
  if #out == 0 and self.err then
    local err = self.err
    self.err = nil
    return "failed", err
  end
  if self.done and not self.err then return "done", out end
  return "pending", out
end

--- Ends the walk and cancels the requests it has under way; later `next_page` calls return
-- nil. Also the `__close` of the pager, so on Lua 5.4 a `break` out of a generic for closes it.
function Pager:close()
  self.done = true
  self:_drop_window()
  self.ready = {}
end
Pager.__close = Pager.close

--- Iterator over the pages, for a generic for; raises the error object on failure.
-- @local
function M.pages(pager)
  return function()
    local page, err = pager:next_page()
    if err then error(err) end
    return page
  end, nil, nil, pager
end

--- Iterator over the items of every page, for a generic for; raises the error object on failure.
-- @local
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

--- A walk driven by polling, for a loop that cannot block (a game's frame loop), made by
-- `client.async.<resource>:each(…)` (items) or `client.async.<resource>:pages(…)` (pages), or
-- the same with the resource's other iterator names.
-- @type Walk
-- @usage
-- local walk = assert(client.async.meetings:each { concurrency = 4 })
-- -- every frame:
-- local state, v = walk:poll()
-- if state == "failed" then print(v) -- polling again asks for the failed page again
-- else for _, m in ipairs(v) do print(m.id) end end
-- if state == "done" then walk = nil end
local Walk = {}
Walk.__index = Walk
M.Walk = Walk

--- A walk driven by polling, for a loop that cannot block (a game's frame loop): `walk:poll()`
-- returns "pending", items (those that arrived since the last poll, in order, maybe none);
-- "done", items (the last ones); or "failed", err, after which polling again asks for the
-- failed page again. With `pages = true` the values are pages instead of items.
-- @local
function M.walk(pager, pages)
  return setmetatable({ pager = pager, pages = pages }, Walk)
end

--- Drives the client's I/O once, without waiting, and returns what has arrived.
-- @treturn string `"pending"` (more to come), `"done"` (the walk is over) or `"failed"`
-- @return with `"pending"` and `"done"`, a list of the items (pages, for a walk of pages) that
-- arrived since the last poll, in order, maybe empty; with `"failed"`, the error object
function Walk:poll()
  local state, v = self.pager:poll_pages()
  if state == "failed" or self.pages then return state, v end
  local items = {}
  for i = 1, #v do
    local data = v[i].data
    for j = 1, #data do items[#items + 1] = data[j] end
  end
  return state, items
end

--- Stops the walk and cancels what it has under way.
function Walk:cancel()
  self.pager:close()
end

return M
