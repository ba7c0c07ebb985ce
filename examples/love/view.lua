-- Draws the dashboard (dashboard.lua) and the frame-time graph with love.graphics: meetings,
-- live sessions, the participant-token panel, messages, and a spinner that stops when a frame
-- stalls.
local utf8 = require "utf8"

local M = {}

local W, H = 960, 600
local fonts = {}
local COLORS = {
  bg = { 0.08, 0.09, 0.11 }, panel = { 0.13, 0.14, 0.17 }, text = { 0.9, 0.91, 0.93 },
  dim = { 0.55, 0.58, 0.63 }, accent = { 0.96, 0.55, 0.2 }, good = { 0.35, 0.8, 0.45 },
  warn = { 0.95, 0.75, 0.25 }, error = { 0.95, 0.35, 0.35 }, info = { 0.55, 0.75, 0.95 },
  bar = { 0.3, 0.55, 0.9 },
}
M.COLORS = COLORS

--- Button rectangles by name, as last drawn: { x, y, w, h }.
M.buttons = {}

function M.load()
  fonts.small = love.graphics.newFont(11)
  fonts.body = love.graphics.newFont(13)
  fonts.head = love.graphics.newFont(16)
  fonts.title = love.graphics.newFont(20)
  love.graphics.setBackgroundColor(COLORS.bg)
  -- Every font's glyphs and the shapes drawn once, off screen, so that the first frames do not
  -- pay for rasterizing them.
  local canvas = love.graphics.newCanvas(64, 64)
  love.graphics.setCanvas(canvas)
  local glyphs = {}
  for b = 32, 126 do glyphs[#glyphs + 1] = string.char(b) end
  glyphs = table.concat(glyphs) .. "…·éÉèüöäñ"
  for _, font in pairs(fonts) do
    love.graphics.setFont(font)
    love.graphics.print(glyphs, 0, 0)
    love.graphics.printf(glyphs, 0, 0, 64, "left")
  end
  love.graphics.rectangle("fill", 0, 0, 10, 10, 3, 3)
  love.graphics.circle("fill", 5, 5, 4)
  love.graphics.line(0, 0, 10, 10)
  love.graphics.setCanvas()
end

local function color(c, a)
  love.graphics.setColor(c[1], c[2], c[3], a or 1)
end

-- Text from the server as LÖVE can draw it: valid UTF-8 (the decoder already refuses anything
-- else; this is the last guard), cut to fit `width` pixels in `font`.
local function fit(s, font, width)
  if s == nil then return "" end
  s = tostring(s)
  if not utf8.len(s) then s = s:gsub("[\128-\255]", "?") end
  if not width or font:getWidth(s) <= width then return s end
  local n = utf8.len(s)
  while n > 0 do
    local cut = s:sub(1, (utf8.offset(s, n + 1) or #s + 1) - 1) .. "…"
    if font:getWidth(cut) <= width then return cut end
    n = n - 1
  end
  return ""
end

local function text(s, x, y, font, c, width)
  love.graphics.setFont(font)
  color(c or COLORS.text)
  love.graphics.print(fit(s, font, width), x, y)
end

local function panel(x, y, w, h, title, note)
  color(COLORS.panel)
  love.graphics.rectangle("fill", x, y, w, h, 6, 6)
  text(title, x + 12, y + 8, fonts.head, COLORS.text)
  if note then
    love.graphics.setFont(fonts.body)
    local s = fit(note, fonts.body, w - 24 - fonts.head:getWidth(title) - 12)
    color(COLORS.dim)
    love.graphics.print(s, x + w - 12 - fonts.body:getWidth(s), y + 10)
  end
end

local function progress_bar(x, y, w, done, total, label)
  color(COLORS.bg)
  love.graphics.rectangle("fill", x, y, w, 8, 4, 4)
  color(COLORS.accent)
  local frac = total and total > 0 and math.min(done / total, 1) or nil
  if frac then
    love.graphics.rectangle("fill", x, y, w * frac, 8, 4, 4)
  else
    -- No total known (a list without paging): a block that slides while pages arrive.
    local t = love.timer.getTime() % 1.2 / 1.2
    love.graphics.rectangle("fill", x + (w - 60) * t, y, 60, 8, 4, 4)
  end
  text(label, x, y + 11, fonts.small, COLORS.accent)
end

local function ago(d, t)
  if not t then return "never" end
  return ("%.0f s ago"):format(math.max(0, d.clock() - t))
end

local function draw_meetings(d, x, y, w, h)
  local s = d:summary()
  panel(x, y, w, h, "Meetings", ("%d in all, %d active · refreshed %s"):format(s.meetings,
    s.active, ago(d, d.meetings_at)))
  local top = y + 36
  local got, total = d:progress("meetings")
  if got then
    progress_bar(x + 12, top, w - 24, got, total, ("walking: %d of %s"):format(got,
      total and tostring(total) or "?"))
  elseif d.meetings_took then
    text(("last walk took %.2f s"):format(d.meetings_took), x + 12, top + 8, fonts.small,
      COLORS.dim)
  end
  top = top + 30
  local list, mine = d:shown_meetings(), d.token_panel.meeting
  local rows = math.floor((y + h - top - 8) / 18)
  -- The newest meetings, newest first (the list is oldest first).
  for i = 0, rows - 1 do
    local m = list[#list - i]
    if not m then break end
    local ry = top + i * 18
    color(m.status == "ACTIVE" and COLORS.good or COLORS.dim)
    love.graphics.circle("fill", x + 18, ry + 8, 4)
    local highlight = mine and m.id == mine.id
    text(m.title or "(untitled)", x + 30, ry, fonts.body,
      highlight and COLORS.accent or COLORS.text, w - 200)
    text(((m.created_at or ""):sub(1, 16):gsub("T", " ")), x + w - 160, ry + 1, fonts.small,
      COLORS.dim)
  end
end

local function draw_sessions(d, x, y, w, h)
  local s = d:summary()
  panel(x, y, w, h, "Live sessions", ("%d live of %d · %d people · %d min"):format(s.live,
    s.sessions, s.people, s.minutes))
  local top = y + 36
  local got = d:progress("sessions")
  if got then
    progress_bar(x + 12, top, w - 24, got, nil, ("walking: %d so far"):format(got))
  else
    text(("refreshed %s%s"):format(ago(d, d.sessions_at), d.sessions_took and
      (" · last walk took %.2f s"):format(d.sessions_took) or ""), x + 12, top + 8,
      fonts.small, COLORS.dim)
  end
  top = top + 30
  text("meeting", x + 12, top, fonts.small, COLORS.dim)
  text("people", x + w - 190, top, fonts.small, COLORS.dim)
  text("minutes", x + w - 70, top, fonts.small, COLORS.dim)
  top = top + 16
  local most = 1
  for _, l in ipairs(d.live) do most = math.max(most, l.live_participants or 0) end
  local rows = math.floor((y + h - top - 6) / 18)
  for i = 1, math.min(rows, #d.live) do
    local l = d.live[i]
    local ry = top + (i - 1) * 18
    text(d:session_title(l), x + 12, ry, fonts.body,
      COLORS.text, w - 230)
    color(COLORS.bar)
    love.graphics.rectangle("fill", x + w - 190, ry + 4, 90 * (l.live_participants or 0) / most,
      10, 3, 3)
    text(tostring(l.live_participants or 0), x + w - 95, ry, fonts.body)
    text(tostring(l.minutes_consumed or 0), x + w - 70, ry, fonts.body)
  end
end

local function draw_token_panel(d, x, y, w, h)
  local p = d.token_panel
  panel(x, y, w, h, "Participant token", "[N] or click: new participant · [C] copy")
  local bx, by, bw, bh = x + 12, y + 36, 200, 28
  M.buttons.new = { x = bx, y = by, w = bw, h = bh }
  local busy = p.state == "creating" or p.state == "adding"
  color(busy and COLORS.dim or COLORS.accent)
  love.graphics.rectangle("fill", bx, by, bw, bh, 5, 5)
  love.graphics.setFont(fonts.body)
  color(COLORS.bg)
  local label = p.state == "creating" and "creating meeting…" or p.state == "adding"
    and "adding participant…" or p.meeting and "add another participant"
    or "create meeting + participant"
  love.graphics.printf(label, bx, by + 7, bw, "center")
  if p.meeting then
    text("meeting: " .. (p.meeting.title or "") .. "  " .. (p.meeting.id or ""), x + 228,
      by, fonts.small, COLORS.dim, w - 240)
  end
  if p.participant then
    text(("participant: %s (%s)"):format(p.participant.name or "", p.participant.id or ""),
      x + 228, by + 15, fonts.small, COLORS.dim, w - 240)
  end
  if p.token then
    color(COLORS.bg)
    love.graphics.rectangle("fill", x + 12, by + 38, w - 24, h - (by - y) - 46, 4, 4)
    love.graphics.setFont(fonts.small)
    color(COLORS.good)
    -- The whole token, wrapped to the panel's width.
    love.graphics.printf(p.token, x + 18, by + 44, w - 36, "left")
  else
    text("no token yet", x + 12, by + 44, fonts.body, COLORS.dim)
  end
end

local function draw_messages(d, x, y, w, h)
  panel(x, y, w, h, "Messages", ("%d requests%s"):format(d.requests, d.ratelimit and
    (" · rate limit: %s left, resets in %ss"):format(tostring(d.ratelimit.remaining),
    tostring(d.ratelimit.reset)) or ""))
  local top = y + 34
  if #d.messages == 0 then
    text("no errors, no rate-limit waits", x + 12, top, fonts.small, COLORS.dim)
  end
  for i, m in ipairs(d.messages) do
    text(m.text, x + 12, top + (i - 1) * 15, fonts.small, COLORS[m.level] or COLORS.text,
      w - 24)
  end
end

-- The frame-time graph: one bar per frame, the newest on the right; lines at 16.7 and 100 ms.
local function draw_frames(frames, x, y, w, h)
  local longest = frames.longest or 0
  panel(x, y, w, h, "Frame time", ("last %.1f ms · longest %.1f ms · %d frames"):format(
    (frames.last or 0) * 1000, longest * 1000, frames.count or 0))
  local gx, gy, gh = x + 12, y + 34, h - 44
  local scale = gh / 0.120 -- 120 ms is the graph's top
  local n = #frames.ring
  local bw = (w - 24) / frames.size
  for i = 1, n do
    local dt = frames.ring[(frames.head - n + i - 1) % frames.size + 1]
    color(dt > 0.1 and COLORS.error or dt > 0.034 and COLORS.warn or COLORS.good)
    local bh = math.min(dt * scale, gh)
    love.graphics.rectangle("fill", gx + (frames.size - n + i - 1) * bw, gy + gh - bh,
      math.max(bw - 1, 1), bh)
  end
  for _, mark in ipairs { { 1 / 60, "16.7 ms" }, { 0.1, "100 ms" } } do
    local ly = gy + gh - mark[1] * scale
    color(COLORS.dim, 0.6)
    love.graphics.line(gx, ly, gx + w - 24, ly)
    text(mark[2], gx + 2, ly - 13, fonts.small, COLORS.dim)
  end
end

-- A square that turns a little every frame: it stutters at once when a frame stalls.
local function draw_spinner(x, y, t)
  love.graphics.push()
  love.graphics.translate(x, y)
  love.graphics.rotate(t * 3)
  color(COLORS.accent)
  love.graphics.rectangle("fill", -9, -9, 18, 18, 3, 3)
  love.graphics.pop()
end

--- Draws everything: d the dashboard, frames the frame-time record ({ ring, size, head,
-- last, longest, count }), t the time for the animation.
function M.draw(d, frames, t)
  text("realtimekit dashboard", 16, 12, fonts.title, COLORS.text)
  text(d.source or "", 250, 18, fonts.body, COLORS.dim, W - 330)
  draw_spinner(W - 30, 24, t)
  draw_meetings(d, 12, 48, 460, 300)
  draw_sessions(d, 488, 48, 460, 250)
  draw_token_panel(d, 12, 360, 460, 228)
  draw_messages(d, 488, 310, 460, 140)
  draw_frames(frames, 488, 462, 460, 126)
  color(COLORS.text)
end

--- The button under (x, y), by name, or nil.
function M.hit(x, y)
  for name, b in pairs(M.buttons) do
    if x >= b.x and x < b.x + b.w and y >= b.y and y < b.y + b.h then return name end
  end
end

M.W, M.H = W, H

return M
