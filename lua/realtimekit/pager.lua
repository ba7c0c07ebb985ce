--- Walks a paged list: page after page until the API says there is no more. Each page is
-- placed by its offsets against what the walk has handed out, so a walk never hands out an item
-- twice or skips one: the items a page shares with those before it are dropped, and pages that
-- cannot be reconciled (a gap between offsets, a page that does not advance, offsets beyond
-- 2^53) end the walk with an `api` error, after the items before them. A misbehaving server
-- cannot make a walk loop forever.
--
-- A program meets two objects from here: the `Pager` that an iterator method (`each`, `pages`,
-- …) returns as its fourth value, and the `Walk` that `client.async.<resource>:each(…)`
-- returns. See the @{methods.md|Resource methods} topic for the iterator options (`per_page`,
-- `limit`, `page_no`, `concurrency`, `progress`).
--
-- The error of a page that failed (after its retries, or because it cannot be reconciled) has
-- `page_no`, the page, and `params`, the list's parameters for it (its filters, `per_page` and
-- `page_no`): a walk given `params` starts again at that page. An iterator raises it as
-- realtimekit raises every error (`realtimekit.errors`): the object into a `pcall` around the
-- walk, its message where nothing catches it.
-- @module realtimekit.pager
local compat = require "realtimekit.compat"
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"
local request = require "realtimekit.request"
local response = require "realtimekit.response"
local schema = require "realtimekit.schema"

local type, pairs, setmetatable, getmetatable, rawget =
  type, pairs, setmetatable, getmetatable, rawget
local floor, huge = math.floor, math.huge
local remove, insert = table.remove, table.insert
local num = compat.number_text

local M = {}

--- Items per page an iterator asks for when the caller does not say.
M.DEFAULT_PER_PAGE = 100

--- Pages an iterator has under way at once when the caller does not say.
M.DEFAULT_CONCURRENCY = 4

--- The most pages a walk fetches at once.
M.MAX_CONCURRENCY = 32

-- The largest offset or count a walk follows: up to 2^53 a double holds every whole number, so
-- offsets compare and add exactly; a page with larger ones cannot be placed.
local MAX_OFFSET = 2 ^ 53

local positive = schema.whole(1)
local non_negative = schema.whole(0)
local CONCURRENCY = schema.whole(1, M.MAX_CONCURRENCY)

local PENDING = { queued = true, running = true, waiting = true }

--- A walk over a paged list, page by page. An iterator method returns it as its fourth value;
-- on Lua 5.4 it is then the generic `for`'s closing value, so a `break` closes it. On Lua
-- 5.1-5.3 and LuaJIT, call `pager:close()` after leaving a walk early: a pager dropped unclosed
-- keeps its requests under way until the garbage collector finds it, and they are cancelled at
-- the client's next poll after that.
-- @type Pager
-- @usage
-- local _, _, _, pager = client.meetings:pages { per_page = 50 }
-- while true do
--   local page, err = pager:next_page()
--   if err then print(err); break end -- calling next_page again retries the same page
--   if not page then break end        -- the walk is over
--   for _, m in ipairs(page.data) do print(m.id) end
-- end
-- pager:close()
local Pager = {}
Pager.__index = Pager
M.Pager = Pager

--- The options an iterator takes besides the endpoint's parameters and the call options.
-- @local
M.OPTIONS = { limit = true, concurrency = true, progress = true }

local newproxy = rawget(_G, "newproxy")

-- An object that runs fn once the garbage collector has found it unreachable: a userdata where
-- tables have no finalizers (Lua 5.1, LuaJIT), a table elsewhere. Only its pager holds it, so
-- it goes with its pager; fn must not refer to the pager, or the pager would never go.
local function sentinel(fn)
  if newproxy then
    local u = newproxy(true)
    getmetatable(u).__gc = fn
    return u
  end
  return setmetatable({}, { __gc = fn })
end

-- What a page request makes of its answer: the page, and the body it came in (a list without
-- paging tells a page repeated by the body).
local function fetched_page(req, raw, headers, body, status, redact)
  local page, err = response.list_value(req, raw, headers, body, status, redact)
  if not page then return nil, err end
  return { page = page, body = body }
end

--- A pager over one list endpoint. Every argument is checked here, before any request.
-- Besides the endpoint's parameters it takes `limit` (stop after that many items),
-- `concurrency` (pages under way at once, default 4), `page_no` (the page to start from:
-- here a whole number from 1), `progress` (a function told of every page handed out) and
-- `deadline` (seconds the whole walk may take from now, every page's attempts and waits
-- included; each page keeps the client's own `deadline` too).
-- @return the pager, or nil and an `invalid_argument` error
-- @local
function M.new(client, row, args, params)
  if params ~= nil and type(params) ~= "table" then
    return nil, errors.invalid("params", "expected a table, got a " .. type(params))
  end
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  local limit, concurrency, progress, deadline = p.limit, p.concurrency, p.progress, p.deadline
  p.limit, p.concurrency, p.progress, p.deadline = nil, nil, nil, nil
  if progress ~= nil and type(progress) ~= "function" then
    return nil, errors.invalid("progress", "expected a function(p), got a " .. type(progress))
  end
  if deadline ~= nil then
    local _, problem = request.seconds(deadline)
    if problem then return nil, errors.invalid("deadline", problem) end
  end
  if limit ~= nil then
    local _, problem = non_negative:param(limit)
    if problem then return nil, errors.invalid("limit", problem) end
  end
  if concurrency == nil then
    concurrency = M.DEFAULT_CONCURRENCY
  else
    local _, problem = CONCURRENCY:param(concurrency)
    if problem then return nil, errors.invalid("concurrency", problem) end
  end
  if p.per_page == nil then
    p.per_page = M.DEFAULT_PER_PAGE
  else
    local _, problem = positive:param(p.per_page)
    if problem then return nil, errors.invalid("per_page", problem) end
  end
  if limit and limit > 0 and limit < p.per_page then p.per_page = limit end
  if p.page_no == nil then
    p.page_no = 1
  else
    -- A list call sends any page_no the API's types allow; a walk counts pages from 1.
    local _, problem = positive:param(p.page_no)
    if problem then return nil, errors.invalid("page_no", problem) end
  end
  local _, err = request.build(client, row, args, p, M.OPTIONS)
  if err then return nil, err end
  local window, engine = {}, client.engine
  local pager = setmetatable({
    client = client, row = row, args = args, params = p,
    limit = limit, concurrency = concurrency, fetched = 0, pages = 0, done = limit == 0,
    progress = progress,
    out_pages = 0, out_items = 0, -- the pages and items handed out to the program
    deadline = deadline, deadline_at = deadline and core.monotonic() + deadline,
    per = p.per_page, -- the page size asked for: per_page, or the server's once it shows one
    c = (p.page_no - 1) * p.per_page, -- the cursor: the position (from 0) of the next item
    window = window, -- the pages asked for and not yet placed, by expected position
    ready = {},      -- pages placed and not yet handed out, in order
    ready_no = {},   -- the page number each of them was asked for by
  }, Pager)
  -- A pager collected unclosed hands its requests under way to the engine, which cancels them
  -- at its next poll: a finalizer may run in the middle of a transport call, where cancelling
  -- a transfer is not safe.
  pager.sentinel = sentinel(function()
    for i = 1, #window do
      if window[i].op then engine:cancel_later(window[i].op) end
    end
  end)
  return pager
end

-- A value of the program's parameters as an error may hold it: strings redacted (a token given
-- by mistake as a filter), a list copied likewise, anything else but numbers and booleans left
-- out.
local function redacted_value(v, redact)
  local t = type(v)
  if t == "string" then return redact(v) end
  if t == "number" or t == "boolean" then return v end
  if t == "table" then
    local out = {}
    for i = 1, #v do out[i] = redacted_value(v[i], redact) end
    return out
  end
  return nil
end

-- The list's parameters for page e, which a walk given them starts from: the query parameters
-- as the walk was given them, redacted, with e's page_no and per_page.
function Pager:_params_of(e)
  local redact = self.client.engine:redactor()
  local query, params, out = self.row.query, self.params, {}
  for i = 1, #query do
    local name = query[i][1]
    if params[name] ~= nil then out[name] = redacted_value(params[name], redact) end
  end
  out.page_no, out.per_page = e.no, e.per
  return out
end

-- Ends the walk with an `api` error about page e: what the server sent cannot be reconciled
-- with what the walk has handed out.
function Pager:_fail(e, problem)
  self.done = true
  self.err = errors.new("api", self.row.id .. " page " .. num(e.no) .. " " .. problem,
    { page_no = e.no, params = self:_params_of(e), retryable = false })
end

function Pager:_stuck(e, why)
  self:_fail(e, "is a page that does not advance (" .. why .. "); stopping instead of looping")
end

-- Asks for page `no` in pages of `per` items: a window entry, whose expected span, the
-- positions [lo, hi), is where a server keeping to per_page puts the page.
function Pager:_ask(no, per)
  local req = self:_request(no, per)
  local e = { no = no, per = per, lo = (no - 1) * per, hi = no * per, req = req,
              op = self.client.engine:start(req, fetched_page, self.deadline_at, self.deadline) }
  local window = self.window
  local i = #window
  while i > 0 and window[i].lo > e.lo do i = i - 1 end
  insert(window, i + 1, e)
  return e
end

-- The request for page `no` in pages of `per` items. The first of a page size is built and
-- checked in full; the others differ from it only in their page_no, a whole number, so they are
-- made from it (unless extra_query names page_no itself).
function Pager:_request(no, per)
  local t = self.template
  if t and t.per == per then
    local req = {}
    for k, v in pairs(t.req) do req[k] = v end
    req.url = t.prefix .. num(no) .. t.suffix
    return req
  end
  local p = {}
  for k, v in pairs(self.params) do p[k] = v end
  p.page_no, p.per_page = no, per
  local req = assert(request.build(self.client, self.row, self.args, p)) -- checked in new
  local extra = p.extra_query
  if not (type(extra) == "table" and extra.page_no ~= nil) then
    local text = num(no)
    local mark = "page_no=" .. text
    local s = req.url:find("[?&]" .. mark .. "&")
    if not s then s = req.url:find("[?&]" .. mark .. "$") end
    if s then
      local at = s + 1 + #"page_no="
      self.template = { per = per, req = req, prefix = req.url:sub(1, at - 1),
                        suffix = req.url:sub(at + #text) }
    end
  end
  return req
end

-- Removes entry i of the window, cancelling its request if it is under way.
function Pager:_drop(i)
  local e = remove(self.window, i)
  if e.op then e.op:cancel() end
end

-- Cancels what is still under way.
function Pager:_drop_window()
  for i = #self.window, 1, -1 do self:_drop(i) end
end

-- The head: the entry that answers for the cursor, asked in the current page size with the
-- cursor inside its expected span.
function Pager:_head()
  local window, c, per = self.window, self.c, self.per
  for i = 1, #window do
    local e = window[i]
    if e.per == per and e.lo <= c and c < e.hi then return e, i end
  end
end

-- Keeps the window full: the head first, then, once the first page has come, the pages after
-- it, up to `concurrency` pages held in all, up to the total and the limit. A list without
-- paging has no total: its pages are asked for ahead all the same, and the walk ends at the
-- first short one.
function Pager:_fill()
  local window = self.window
  local room = self.concurrency - #window - #self.ready
  if not self:_head() then
    if room <= 0 then
      if #window == 0 then return end -- the pages ready fill the room: wait until they are taken
      self:_drop(#window) -- the farthest entry makes way; it is asked again when needed
      room = room + 1
    end
    self:_ask(floor(self.c / self.per) + 1, self.per)
    room = room - 1
  end
  for i = 1, #window do
    local e = window[i]
    if not e.op then -- failed: ask again
      e.op = self.client.engine:start(e.req, fetched_page, self.deadline_at, self.deadline)
    end
  end
  if not self.mode then return end
  local per, bound = self.per, self.total or huge
  if self.limit and self.c + self.limit - self.fetched < bound then
    bound = self.c + self.limit - self.fetched
  end
  local from = self.c
  for i = 1, #window do
    if window[i].per == per and window[i].hi > from then from = window[i].hi end
  end
  while room > 0 and from < bound do
    from = self:_ask(floor(from / per) + 1, per).hi
    room = room - 1
  end
end

-- Readies the items of page e from skip + 1 on, up to the limit, to be handed out.
function Pager:_hand_out(e, page, skip)
  local items = page.data
  local n = #items
  local stop = n
  if self.limit and self.limit - self.fetched < n - skip then
    stop = skip + self.limit - self.fetched
  end
  if skip > 0 or stop < n then
    local kept = {}
    for i = skip + 1, stop do kept[#kept + 1] = items[i] end
    page.data = kept
  end
  if stop > skip then self.prev_first = items[skip + 1].id end
  self.fetched = self.fetched + stop - skip
  self.pages = self.pages + 1
  self.ready[#self.ready + 1] = page
  self.ready_no[#self.ready_no + 1] = e.no
  if self.limit and self.fetched >= self.limit then self.done = true end
end

-- The first page tells whether the list has paging and, if it has, whether its offsets count
-- from 0 or from 1 (the API's examples count from 1), by where the page starts.
function Pager:_start(e, page)
  local paging = page.paging
  if not paging then
    self.mode = "count"
    return
  end
  self.mode = "offsets"
  local s, n = paging.start_offset, #page.data
  if e.no == 1 then
    self.base = s == 0 and 0 or 1
    return
  end
  local span = paging.end_offset - s + 1
  self.base = (s == e.lo or span == n and s == (e.no - 1) * span) and 0 or 1
  -- The walk starts where the server's page starts, which is not where page_no says when the
  -- server's page size is not per_page.
  if s >= self.base and s <= MAX_OFFSET then self.c = s - self.base end
end

-- Places a page of a list with paging by its offsets: the items past the cursor are handed
-- out, those before it (already handed out) dropped. Strict (the head): a page that cannot be
-- reconciled ends the walk with an error, after the items it could place. Otherwise the answer
-- is only "used", "hold" (it lies ahead of the cursor) or "drop" (of no use).
function Pager:_place_offsets(e, page, strict)
  local paging, items = page.paging, page.data
  local n = #items
  if not paging then
    if not strict then return "drop" end
    return self:_fail(e, "has no paging, unlike the pages before it: its items cannot be placed")
  end
  local s, last, total = paging.start_offset, paging.end_offset, paging.total_count
  if s > MAX_OFFSET then
    if not strict then return "drop" end
    return self:_fail(e, "has a start_offset of " .. num(s) .. ", beyond 2^53, where offsets "
      .. "cannot be compared exactly")
  end
  local c, lo = self.c, s - self.base
  if n == 0 then
    if not strict then return "drop" end
    if total <= c then -- the end of the list
      self.done = true
      if self.pages == 0 then self:_hand_out(e, page, 0) end
      return
    end
    return self:_fail(e, "is empty at start_offset " .. num(s) .. ", yet its total_count is "
      .. num(total) .. ": the items after the first " .. num(c) .. " are missing")
  end
  -- The page spans start_offset to end_offset; it may hold fewer items than that span.
  local fits = last <= MAX_OFFSET and last - s + 1 >= n
  local span = fits and last - s + 1
  local skip = c - lo
  if strict and (lo > c or skip >= n) and span == n and span ~= e.per and self.resized ~= c then
    -- Not where a page of per_page items would be: the server's pages are another size (it
    -- ignores per_page). Once per cursor position, the walk takes its size and asks for the
    -- page that holds the cursor in it.
    self.per, self.resized = span, c
    return
  end
  if lo > c then
    if not strict then return "hold" end
    return self:_fail(e, "starts at start_offset " .. num(s) .. ", leaving a gap after the first "
      .. num(c) .. " items: the items between are missing")
  end
  if skip > 0 then
    if span ~= n then
      if not strict then return "drop" end
      return self:_fail(e, "overlaps the items handed out, and its offsets " .. num(s) .. "-"
        .. num(last) .. " do not tell which of its " .. n .. " items are new")
    end
    if skip >= n then
      if not strict then return "drop" end
      return self:_stuck(e, "offsets " .. num(s) .. "-" .. num(last) .. " after the first "
        .. num(c) .. " items")
    end
  end
  if not strict and not (fits and total <= MAX_OFFSET and lo + span <= total) then
    return "drop"
  end
  local id = items[skip + 1].id
  if id ~= nil and id == self.prev_first then
    if not strict then return "drop" end
    return self:_stuck(e, "its first item is the first item of the page before")
  end
  self:_hand_out(e, page, skip)
  if self.done then return "used" end -- at the limit
  if not fits then
    return self:_fail(e, "has an end_offset of " .. num(last) .. ", which does not span its "
      .. n .. " items from start_offset " .. num(s))
  end
  if total > MAX_OFFSET then
    return self:_fail(e, "has a total_count of " .. num(total) .. ", beyond 2^53")
  end
  local reach = lo + span
  if reach > total then
    return self:_fail(e, "has an end_offset of " .. num(last) .. ", past its total_count of "
      .. num(total))
  end
  self.c, self.total = reach, total
  if reach >= total then
    self.done = true
  elseif strict and span ~= e.per and (span < e.per or span == n) then
    -- The server's pages are not per_page long (it caps per_page, or sends more than asked):
    -- carry on in its page size.
    self.per = span
  end
  return "used"
end

-- Places a page of a list without paging: pages are placed in order by their numbers, and the
-- walk ends at the first page shorter than per_page. A page the same as the one before (the
-- same body, or the same first item) ends it with an error.
function Pager:_place_counted(e, got, strict)
  local page = got.page
  local n = #page.data
  if page.paging then
    if not strict then return "hold" end
    return self:_fail(e, "has paging, unlike the first page: its items cannot be placed")
  end
  if not strict then return "hold" end
  if n > 0 then
    if got.body == self.prev_body then
      return self:_stuck(e, "the same page as the one before")
    end
    local id = page.data[1].id
    if id ~= nil and id == self.prev_first then
      return self:_stuck(e, "its first item is the first item of the page before")
    end
  end
  self.prev_body = got.body
  if n > 0 or self.pages == 0 then self:_hand_out(e, page, 0) end
  self.c = self.c + n
  if n < e.per then self.done = true end
  return "used"
end

function Pager:_place(e, strict)
  local got = e.op.value
  if not self.mode then
    if not strict then return "hold" end
    self:_start(e, got.page)
  end
  if self.mode == "count" then return self:_place_counted(e, got, strict) end
  return self:_place_offsets(e, got.page, strict)
end

-- One move of the walk by what has arrived: a page that holds the cursor is placed, one of no
-- more use dropped, the head's failure reported. Returns whether anything changed.
function Pager:_step()
  local window = self.window
  local head = self:_head()
  for i = 1, #window do
    local e = window[i]
    local state = e.op and e.op.state
    if e ~= head and state and not PENDING[state] then
      -- A page asked for in the current size whose turn is to come is judged on its turn; the
      -- others are used if they can be, else dropped.
      local ahead = e.per == self.per and e.lo > self.c
      local verdict = state == "done" and self:_place(e, false) or "drop"
      if verdict == "used" then
        remove(window, i)
        return true
      elseif verdict == "drop" and not ahead then
        self:_drop(i)
        return true
      end
    end
  end
  local state = head and head.op and head.op.state
  if not state or PENDING[state] then return false end
  if state == "done" then
    for i = 1, #window do
      if window[i] == head then remove(window, i) break end
    end
    self:_place(head, true)
  else
    -- Failed after its retries: the error is handed out, saying which page, and the same page
    -- asked for again on the next call.
    local op = head.op
    head.op = nil
    local err = op.err
    if errors.is(err) then err.page_no, err.params = head.no, self:_params_of(head) end
    self.err = err
  end
  return true
end

-- Hands out the first n ready pages. The progress callback is told of each first, in order;
-- if it raises, the error goes on up and nothing is handed out: the walk is as it was, and its
-- next call tells of the same pages again.
function Pager:_take(n)
  local ready, nos = self.ready, self.ready_no
  local pages, items = self.out_pages, self.out_items
  local progress = self.progress
  for i = 1, n do
    local page = ready[i]
    pages, items = pages + 1, items + #page.data
    if progress then
      local paging = page.paging
      progress { pages = pages, items = items, page_no = nos[i],
                 total = paging and paging.total_count or nil }
    end
  end
  self.out_pages, self.out_items = pages, items
  local out = {}
  for i = 1, n do out[i] = ready[i] end
  for _ = 1, n do
    remove(ready, 1)
    remove(nos, 1)
  end
  return out
end

--- Moves the pages that have arrived through the checks into `ready`, in order, and asks for
-- more. Never blocks.
-- @local
function Pager:_pump()
  while not self.done and not self.err do
    self:_fill()
    if not self:_step() then break end
  end
  if self.done then self:_drop_window() end
end

--- The next page, or nil when the walk is over, or nil and an error. After the error of a
-- request that failed, the same page can be asked for again; after a page that cannot be
-- reconciled with those before it, the walk is over. Blocks until the page is there.
-- @treturn[1] table the page: `{ data = {items…}, paging = {…}, raw = {…} }`; `data` holds
-- only the items no page before it has handed out
-- @return[2] nil at the end of the walk
-- @return[3] nil
-- @treturn[3] realtimekit.errors.Error the error of the page's last attempt, or an `api`
-- error for pages that cannot be reconciled
function Pager:next_page()
  while true do
    if #self.ready > 0 then return self:_take(1)[1] end
    if self.err then
      local err = self.err
      self.err = nil
      return nil, err
    end
    if self.done then return nil end
    self:_pump()
    if #self.ready == 0 and not self.err and not self.done then
      local head = self:_head()
      assert(head and head.op and PENDING[head.op.state], "realtimekit.pager: a walk that "
        .. "cannot move on")
      head.op:wait()
    end
  end
end

--- Non-blocking step of a walk: drives the client's I/O once and returns what is ready:
-- "pending", pages (maybe none yet); "done", pages (the last ones); or "failed", err (polling
-- again asks for the failed page again).
-- @local
function Pager:poll_pages()
  self.client.engine:poll(0)
  self:_pump()
  local out = self:_take(#self.ready)
  if #out == 0 and self.err then
    local err = self.err
    self.err = nil
    return "failed", err
  end
  if self.done and not self.err then return "done", out end
  return "pending", out
end

--- Ends the walk and cancels the requests it has under way; later `next_page` calls return
-- nil. Also the `__close` of the pager, so on Lua 5.4 a `break` out of a generic for closes it;
-- elsewhere, call it after leaving a walk early.
function Pager:close()
  self.done = true
  self:_drop_window()
  self.ready, self.ready_no = {}, {}
end
Pager.__close = Pager.close

--- Iterator over the pages, for a generic for; raises the error on failure (`errors.raise`:
-- the object into a pcall, else its message, at the line of the for).
-- @local
function M.pages(pager)
  return function()
    local page, err = pager:next_page()
    if err then errors.raise(err, 2) end
    return page
  end, nil, nil, pager
end

--- Iterator over the items of every page, for a generic for; raises the error on failure, as
-- `pages` does.
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
      if err then errors.raise(err, 2) end
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
-- if state == "failed" then print(v) -- polling again asks for a failed page again
-- else for _, m in ipairs(v) do print(m.id) end end
-- if state == "done" then walk = nil end
local Walk = {}
Walk.__index = Walk
M.Walk = Walk

--- A walk driven by polling, for a loop that cannot block (a game's frame loop): `walk:poll()`
-- returns "pending", items (those that arrived since the last poll, in order, maybe none);
-- "done", items (the last ones); or "failed", err, after which polling again asks for the
-- failed page again (or, after pages that cannot be reconciled, gives "done"). With
-- `pages = true` the values are pages instead of items.
-- @local
function M.walk(pager, pages)
  return setmetatable({ pager = pager, pages = pages }, Walk)
end

--- Drives the client's I/O once, without waiting, and returns what has arrived.
-- @treturn string `"pending"` (more to come), `"done"` (the walk is over) or `"failed"`
-- @return with `"pending"` and `"done"`, a list of the items (pages, for a walk of pages) that
-- arrived since the last poll, in order, maybe empty; with `"failed"`, the error object: of a
-- request, which polling again asks for again, or an `api` error for pages that cannot be
-- reconciled, after which polling again gives `"done"`
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
