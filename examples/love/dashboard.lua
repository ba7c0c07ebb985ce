-- The dashboard's state, with no drawing and no LÖVE call in it: the app's meetings and
-- sessions, walked again every few seconds, and a participant-token panel, all through
-- client.async. update(now) does one frame's share: one client:poll(0), one poll of each walk,
-- a look at each operation. Nothing here waits for the network.
local realtimekit = require "realtimekit"

local M = {}
local Dashboard = {}
Dashboard.__index = Dashboard

M.REFRESH = 5        -- seconds between the starts of two refreshes
M.PER_PAGE = 25      -- items per page of the walks (small pages: the progress shows)
M.CONCURRENCY = 4    -- pages under way at once per walk
M.RETRY_AFTER = 2    -- seconds before a failed walk asks for its page again
M.MAX_MESSAGES = 7
M.PRESET = "group_call_host"

-- The message shown for an error object, on one line.
local function describe(err)
  return (tostring(err):gsub("%s+", " "))
end

--- A dashboard for a client's app. opts: client (a realtimekit client), clock (a function
-- returning seconds), source (a line saying where the data comes from), on_items (optional,
-- `function(kind, items, refresh)` told of the items of every page a walk hands out, with the
-- number of the refresh that started the walk: for a test's report).
function M.new(opts)
  local self = setmetatable({
    client = opts.client, clock = opts.clock, source = opts.source, on_items = opts.on_items,
    meetings = {}, sessions = {}, live = {}, titles = {},
    walks = {}, cycle = 0, next_refresh = 0,
    messages = {}, requests = 0, ratelimit = nil,
    token_panel = { state = "idle" },
  }, Dashboard)
  return self
end

--- Adds a line to the on-screen messages (newest last). level: "info", "warn" or "error".
function Dashboard:say(level, text)
  local list = self.messages
  list[#list + 1] = { level = level, text = text, at = self.clock() }
  while #list > M.MAX_MESSAGES do table.remove(list, 1) end
end

--- The client's on_request hook: counts requests, keeps the rate-limit budget it was told,
-- and turns waits, 429s and failed attempts into messages.
function Dashboard:on_request(info)
  self.requests = self.requests + 1
  if info.ratelimit and info.ratelimit.remaining then self.ratelimit = info.ratelimit end
  local path = (info.url or ""):match("/realtime/kit/[^/]+/([^?]*)") or info.url or "?"
  if info.waited and info.waited >= 0.05 then
    self:say("warn", ("%s %s waited %.1f s for the rate limit"):format(info.method, path,
      info.waited))
  end
  if info.status == 429 then
    self:say("warn", ("%s %s: rate limited (429)%s"):format(info.method, path,
      info.retry_in and (", again in %.1f s"):format(info.retry_in) or ""))
  elseif info.error then
    self:say("error", ("%s %s: %s%s"):format(info.method, path, info.message or info.error,
      info.retry_in and (" (again in %.1f s)"):format(info.retry_in) or ""))
  end
end

-- Starts a walk of one kind ("meetings" or "sessions") for the current refresh.
function Dashboard:_start_walk(kind)
  local walk, err = self.client.async[kind]:pages { per_page = M.PER_PAGE,
    concurrency = M.CONCURRENCY }
  if not walk then
    self:say("error", kind .. ": " .. describe(err))
    return
  end
  self.walks[kind] = { walk = walk, items = {}, total = nil, started = self.clock(),
    resume_at = 0, cycle = self.cycle }
end

--- Starts a refresh: both lists walked anew (a walk still going is left to finish first).
function Dashboard:refresh()
  self.cycle = self.cycle + 1
  for _, kind in ipairs { "meetings", "sessions" } do
    if not self.walks[kind] then self:_start_walk(kind) end
  end
  self.next_refresh = self.clock() + M.REFRESH
end

-- A finished walk's items replace what the dashboard showed.
function Dashboard:_finish(kind, w)
  local now = self.clock()
  self.walks[kind] = nil
  if kind == "meetings" then
    self.meetings = w.items
    local titles = {}
    for _, m in ipairs(w.items) do
      if m.id then titles[m.id] = m.title or false end
    end
    self.titles = titles
    self.meetings_at, self.meetings_took = now, now - w.started
  else
    self.sessions = w.items
    self.sessions_at, self.sessions_took = now, now - w.started
    local live = {}
    for _, s in ipairs(w.items) do
      if s.status == "LIVE" then live[#live + 1] = s end
    end
    table.sort(live, function(a, b)
      local pa, pb = a.live_participants or 0, b.live_participants or 0
      if pa ~= pb then return pa > pb end
      return (a.id or "") < (b.id or "")
    end)
    self.live = live
  end
end

-- One poll of one walk: the pages that arrived join its items; a failure is shown and the page
-- asked for again after a pause.
function Dashboard:_poll_walk(kind, w, now)
  if now < w.resume_at then return end
  local state, pages = w.walk:poll()
  if state == "failed" then
    self:say("error", ("%s: %s; asking again in %d s"):format(kind, describe(pages),
      M.RETRY_AFTER))
    w.resume_at = now + M.RETRY_AFTER
    return
  end
  for _, page in ipairs(pages) do
    if page.paging and page.paging.total_count then w.total = page.paging.total_count end
    for _, item in ipairs(page.data) do w.items[#w.items + 1] = item end
    if self.on_items then self.on_items(kind, page.data, w.cycle) end
  end
  if state == "done" then self:_finish(kind, w) end
end

--- The meetings to list: the last walk's, or, before any walk has finished, what the first
-- has handed out so far.
function Dashboard:shown_meetings()
  local w = self.walks.meetings
  if #self.meetings == 0 and w then return w.items end
  return self.meetings
end

--- Progress of a walk under way: items so far and the total when the API told it (nil, nil
-- when none is under way).
function Dashboard:progress(kind)
  local w = self.walks[kind]
  if not w then return nil end
  return #w.items, w.total
end

--- Creates a meeting, then adds a participant to it and shows the participant's token. With a
-- meeting made already, adds another participant to it.
function Dashboard:new_participant()
  local p = self.token_panel
  if p.state == "creating" or p.state == "adding" then return end
  local client = self.client
  if not p.meeting then
    local op, err = client.async.meetings:create {
      title = ("Dashboard %s"):format(os.date("!%H:%M:%S")),
    }
    if not op then
      self:say("error", "create meeting: " .. describe(err))
      return
    end
    p.state, p.op = "creating", op
  else
    self:_add_participant()
  end
end

function Dashboard:_add_participant()
  local p = self.token_panel
  p.count = (p.count or 0) + 1
  local op, err = self.client.async.meetings:add_participant(p.meeting.id, {
    custom_participant_id = ("dashboard-%d-%d"):format(os.time(), p.count),
    preset_name = M.PRESET, name = "Player " .. p.count,
  })
  if not op then
    p.state = "idle"
    self:say("error", "add participant: " .. describe(err))
    return
  end
  p.state, p.op = "adding", op
end

-- Looks at the token panel's operation; op:poll() is called only once it has settled, so that
-- it does not drive the client a second time in the frame.
function Dashboard:_poll_token_panel()
  local p = self.token_panel
  if not p.op or p.op:pending() then return end
  local state, v = p.op:poll()
  p.op = nil
  if state ~= "done" then
    self:say("error", (p.state == "creating" and "create meeting: " or "add participant: ")
      .. (state == "failed" and describe(v) or state))
    p.state = "idle"
    return
  end
  if p.state == "creating" then
    p.meeting = v
    -- Shown at once, as the newest; the next refresh lists it from the API.
    self.meetings[#self.meetings + 1] = v
    self:say("info", "created meeting " .. (v.title or v.id))
    self:_add_participant()
  else
    p.participant, p.token, p.state = v, v.token, "shown"
    self:say("info", "added " .. (v.name or v.custom_participant_id or v.id) .. "; token below")
  end
end

--- One frame's share of the work: drives the client once, polls the walks, looks at the
-- operations, and starts a refresh when one is due. Never waits.
function Dashboard:update()
  local now = self.clock()
  if now >= self.next_refresh then self:refresh() end
  local ok, err = pcall(self.client.poll, self.client, 0)
  if not ok then self:say("error", "poll: " .. describe(err)) end
  for _, kind in ipairs { "meetings", "sessions" } do
    local w = self.walks[kind]
    if w then self:_poll_walk(kind, w, now) end
  end
  self:_poll_token_panel()
end

--- A session's meeting, as a line: its display name, else the title of its meeting as listed,
-- else "untitled" and the start of the meeting's id.
function Dashboard:session_title(s)
  local title = s.meeting_display_name or (self.titles and self.titles[s.associated_id])
  if title then return title end
  return "untitled · " .. tostring(s.associated_id or s.id or "?"):sub(1, 8)
end

--- Counts for the header: meetings by status, live sessions, their participants and minutes.
function Dashboard:summary()
  local active = 0
  for _, m in ipairs(self.meetings) do
    if m.status == "ACTIVE" then active = active + 1 end
  end
  local people, minutes = 0, 0
  for _, s in ipairs(self.live) do
    people = people + (s.live_participants or 0)
    minutes = minutes + (s.minutes_consumed or 0)
  end
  return { meetings = #self.meetings, active = active, sessions = #self.sessions,
    live = #self.live, people = people, minutes = minutes }
end

M.version = realtimekit._VERSION

return M
