-- The dashboard's automation hook, for tests: with REALTIMEKIT_LOVE_SCRIPT=1 the game plays a
-- fixed sequence by itself, then writes a JSON report and quits.
--   1. waits for the first refresh to have walked every meeting and every session;
--   2. makes a meeting and a participant, as the N key does, and waits until the token has been
--      drawn (passed whole to love.graphics.print or printf) for a few frames;
--   3. takes a screenshot (REALTIMEKIT_LOVE_SCREENSHOT, a PNG path), writes the report
--      (REALTIMEKIT_LOVE_REPORT) and quits with status 0; after REALTIMEKIT_LOVE_TIMEOUT
--      seconds (default 30) it takes the screenshot, writes the report as it stands, with
--      ok = false, and quits with status 1.
-- The report: ok, step, reason, meetings and sessions (the ids the first refresh's walks handed
-- out, in order), frames, longest_frame_ms (the longest time between two frames) and
-- longest_work_ms (the longest update + draw + present), both up to the screenshot, whose
-- encoding is not the dashboard's work; what the polls did, which does not depend on the
-- machine's speed: polls (how many times the client's transfers were driven), longest_wait
-- (the longest any of them was allowed to wait for the network, in seconds), most_settled (the
-- most calls one poll settled) and frames_waiting (frames that ended with calls under way);
-- token (as the API returned it), token_drawn (whether that very string was passed to
-- love.graphics.print or printf), meeting_id, participant_id, messages, seconds, screenshot.
local cjson = require "cjson"

local M = {}
local Script = {}
Script.__index = Script

local function env(name)
  local v = os.getenv(name)
  if v ~= nil and v ~= "" then return v end
end

--- Whether the automation hook is on.
function M.enabled()
  return env("REALTIMEKIT_LOVE_SCRIPT") == "1"
end

--- A scripted run; wraps love.graphics.print and printf to see what text is drawn.
function M.new()
  local self = setmetatable({
    report_path = env("REALTIMEKIT_LOVE_REPORT"),
    screenshot_path = env("REALTIMEKIT_LOVE_SCREENSHOT"),
    timeout = tonumber(env("REALTIMEKIT_LOVE_TIMEOUT") or "") or 30,
    started = love.timer.getTime(),
    step = "walking", ids = { meetings = {}, sessions = {} }, drawn = {}, settled_frames = 0,
    polls = 0, longest_wait = 0, most_settled = 0, frames_waiting = 0,
  }, Script)
  local print, printf = love.graphics.print, love.graphics.printf
  local drawn = self.drawn
  love.graphics.print = function(s, ...)
    if type(s) == "string" then drawn[s] = true end
    return print(s, ...)
  end
  love.graphics.printf = function(s, ...)
    if type(s) == "string" then drawn[s] = true end
    return printf(s, ...)
  end
  return self
end

-- Watches the client's polls, as a test may: each drive of its transfers (the one place a
-- poll could wait: its engine's host's wait, which is the engine's own to wrap), how long it
-- was allowed to wait, and how many calls the poll before it settled (the dashboard counts
-- every call that ends, in its on_request hook).
function Script:watch(d)
  local host = d.client.engine.host
  local wait = host.wait
  local before = d.requests
  local function settled()
    local n = d.requests - before
    if n > self.most_settled then self.most_settled = n end
    before = d.requests
  end
  self.settled = settled
  host.wait = function(transport, timeout, stop)
    settled()
    self.polls = self.polls + 1
    if timeout and timeout > self.longest_wait then self.longest_wait = timeout end
    return wait(transport, timeout, stop)
  end
end

--- The dashboard's on_items: keeps the ids of the first refresh's walks.
function Script:on_items(kind, items, cycle)
  if cycle ~= 1 then return end
  local ids = self.ids[kind]
  for _, item in ipairs(items) do ids[#ids + 1] = item.id end
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Writes the report and quits.
function Script:finish(d, frames, ok, reason)
  local p = d and d.token_panel or {}
  local messages = {}
  for _, m in ipairs(d and d.messages or {}) do
    messages[#messages + 1] = m.level .. ": " .. m.text
  end
  local f = self.frozen or frames
  local report = {
    ok = ok, step = self.step, reason = reason,
    meetings = self.ids.meetings, sessions = self.ids.sessions,
    frames = f.count, longest_frame_ms = f.longest * 1000,
    longest_work_ms = f.longest_work * 1000,
    polls = self.polls, longest_wait = self.longest_wait, most_settled = self.most_settled,
    frames_waiting = self.frames_waiting,
    token = p.token, token_drawn = p.token ~= nil and self.drawn[p.token] == true,
    meeting_id = p.meeting and p.meeting.id, participant_id = p.participant and p.participant.id,
    messages = messages, seconds = love.timer.getTime() - self.started,
    screenshot = self.shot_written and self.screenshot_path or nil,
  }
  if self.report_path then write(self.report_path, cjson.encode(report)) end
  self.step = "finished"
  love.event.quit(ok and 0 or 1)
end

--- One frame of the sequence, after the dashboard's update. d is nil when the client could
-- not be made (problem says why).
function Script:update(d, frames, problem)
  if self.step == "finished" then return end
  if problem then return self:finish(d, frames, false, problem) end
  if not self.settled then self:watch(d) end
  self.settled()
  -- Transfers still under way once the frame's polls are done (the core's count, read
  -- without driving anything).
  if not self.frozen and d.client.engine.transport:running() > 0 then
    self.frames_waiting = self.frames_waiting + 1
  end
  if self.failing then return end -- the failure's screenshot is being taken
  if love.timer.getTime() - self.started > self.timeout then
    local reason = "timed out at step " .. self.step
    if not self.screenshot_path or self.step == "shooting" then
      return self:finish(d, frames, false, reason)
    end
    -- A screenshot of the failure first: it shows what the dashboard said.
    self.failing = true
    love.graphics.captureScreenshot(function(image)
      write(self.screenshot_path, image:encode("png"):getString())
      self.shot_written = true
      self:finish(d, frames, false, reason)
    end)
    return
  end
  local p = d.token_panel
  if self.step == "walking" then
    if d.meetings_at and d.sessions_at then
      self.step = "token"
      d:new_participant()
    end
  elseif self.step == "token" then
    -- The token panel draws it once it is there; the next frames show whether it was drawn.
    if p.token and self.drawn[p.token] then
      self.settled_frames = self.settled_frames + 1
      if self.settled_frames >= 5 then self.step = "screenshot" end
    end
  elseif self.step == "screenshot" then
    -- The frames so far are the ones reported: taking and encoding the screenshot is the
    -- test's own work, not the dashboard's.
    self.frozen = { count = frames.count, longest = frames.longest,
      longest_work = frames.longest_work }
    self.step = "shooting"
    if not self.screenshot_path then
      self.step = "done"
      return
    end
    love.graphics.captureScreenshot(function(image)
      write(self.screenshot_path, image:encode("png"):getString())
      self.shot_written = true
      self.step = "done"
    end)
  elseif self.step == "done" then
    self:finish(d, frames, true)
  end
end

return M
