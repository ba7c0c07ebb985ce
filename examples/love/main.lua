-- A live RealtimeKit dashboard in LÖVE: the app's meetings and live sessions, walked again every
-- few seconds, and a participant-token panel, all through client.async, polled once per frame
-- from love.update. No frame waits for the network: the frame-time graph and the spinner show
-- it.
--
--   love examples/love           (from the repository, after `make build LUAS=luajit`;
--                                 `make love-demo` does both)
--
-- Environment: CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID for the real
-- API (CLOUDFLARE_BASE_URL and REALTIMEKIT_CA_FILE optional); without them, the fake
-- RealtimeKit server (fake.lua), with REALTIMEKIT_FAKE_LATENCY seconds (default 0.15) per
-- request. REALTIMEKIT_ROOT and REALTIMEKIT_CORE_DIR: see paths.lua. REALTIMEKIT_LOVE_SCRIPT:
-- see script.lua.
--
-- Keys: N (or the button) makes a meeting and a participant and shows its token, then adds
-- further participants; C copies the token; R refreshes now; Escape quits.
local realtimekit = require "realtimekit"
local dashboard = require "dashboard"
local view = require "view"
local script = require "script"

local FRAME = 1 / 60 -- the frame pace love.run keeps

local d, problem, run, fake_server
-- The frame-time record: the last `size` times between frames in a ring, the longest of them,
-- and the longest time a frame's update and draw took.
local frames = { ring = {}, size = 240, head = 0, count = 0, longest = 0, longest_work = 0 }

local function env(name)
  local v = os.getenv(name)
  if v ~= nil and v ~= "" then return v end
end

-- poll_budget: at most 2 finished calls decoded per poll, so that pages arriving together
-- spread over frames (docs/game-engines.md).
local BUDGET = { max_results = 2 }

-- The client: for the API when its three variables are set, else for a fake server started
-- here (stopped when the game quits). Returns the client and a line naming the source, or nil
-- and what went wrong.
local function make_client(on_request)
  if env("CLOUDFLARE_API_TOKEN") and env("CLOUDFLARE_ACCOUNT_ID") and env("REALTIMEKIT_APP_ID")
  then
    local client, err = realtimekit.new { ca_file = env("REALTIMEKIT_CA_FILE"),
      on_request = on_request, poll_budget = BUDGET }
    if not client then return nil, tostring(err) end
    return client, "app " .. client.app_id .. " at " .. client.base_url
  end
  local ok, s, why = pcall(require("fake").start, {
    latency = tonumber(env("REALTIMEKIT_FAKE_LATENCY") or "") or 0.15 })
  if not ok or not s then
    return nil, "no credentials set, and the fake RealtimeKit server did not start: "
      .. tostring(ok and why or s)
  end
  fake_server = s
  local client, err = realtimekit.new { api_token = s.token, account_id = s.account_id,
    app_id = s.app_id, base_url = s.url, on_request = on_request, poll_budget = BUDGET }
  if not client then return nil, tostring(err) end
  return client, "the fake RealtimeKit server at " .. s.url .. " (no credentials set)"
end

function love.load()
  view.load()
  if script.enabled() then run = script.new() end
  local client, source = make_client(function(info)
    if d then d:on_request(info) end
  end)
  if not client then
    problem = source
    return
  end
  d = dashboard.new { client = client, source = source, clock = love.timer.getTime,
    on_items = run and function(...) run:on_items(...) end }
end

function love.update(dt)
  local ring = frames.ring
  frames.head = frames.head % frames.size + 1
  ring[frames.head] = dt
  frames.count, frames.last = frames.count + 1, dt
  if dt > frames.longest then frames.longest = dt end
  if d then d:update() end
  if run then run:update(d, frames, problem) end
end

function love.draw()
  if problem then
    love.graphics.setColor(view.COLORS.error)
    love.graphics.printf("realtimekit dashboard: " .. problem, 20, 20, view.W - 40)
    return
  end
  view.draw(d, frames, love.timer.getTime())
end

local function new_participant()
  if d then d:new_participant() end
end

function love.keypressed(key)
  if key == "escape" then
    love.event.quit()
  elseif key == "n" then
    new_participant()
  elseif key == "r" and d then
    d:refresh()
  elseif key == "c" and d and d.token_panel.token then
    love.system.setClipboardText(d.token_panel.token)
    d:say("info", "token copied to the clipboard")
  end
end

function love.mousepressed(x, y, button)
  if button == 1 and view.hit(x, y) == "new" then new_participant() end
end

function love.quit()
  if fake_server then pcall(fake_server.stop, fake_server) end
  return false
end

-- LÖVE's own loop, paced to 60 frames per second (a sleep for what is left of each frame,
-- instead of vsync, which a virtual display may not have), timing each frame's work.
function love.run()
  love.load(love.arg.parseGameArguments(arg), arg)
  love.timer.step()
  return function()
    local start = love.timer.getTime()
    love.event.pump()
    for name, a, b, c, e, f, g in love.event.poll() do
      if name == "quit" and not love.quit() then return a or 0 end
      love.handlers[name](a, b, c, e, f, g)
    end
    love.update(love.timer.step())
    if love.graphics.isActive() then
      love.graphics.origin()
      love.graphics.clear(love.graphics.getBackgroundColor())
      love.draw()
      love.graphics.present()
    end
    local work = love.timer.getTime() - start
    if work > frames.longest_work then frames.longest_work = work end
    if work < FRAME then love.timer.sleep(FRAME - work) end
  end
end
