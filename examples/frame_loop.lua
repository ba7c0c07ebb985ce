-- frame_loop.lua -- walks every meeting of an app while a loop keeps drawing frames, as game
-- tooling must: each frame does only the network I/O that is ready, then its own work.
--
-- Environment: CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, and optionally
-- CLOUDFLARE_BASE_URL (another server, such as the fake one) and REALTIMEKIT_CA_FILE.
local realtimekit = require "realtimekit"
local core = require "realtimekit.core" -- for its sleep and clock, standing in for an engine's

local ca_file = os.getenv("REALTIMEKIT_CA_FILE")
local client = assert(realtimekit.new {
  app_id = os.getenv("REALTIMEKIT_APP_ID"),
  ca_file = ca_file ~= "" and ca_file or nil,
  -- Each poll decodes at most one finished page: pages that arrive together are spread over
  -- frames instead of making one long frame (docs/game-engines.md).
  poll_budget = { max_results = 1 },
})

local FRAME = 1 / 60 -- seconds per frame

-- Four pages in flight at a time; nothing is sent until the first poll. (realtimekit.assert:
-- assert for calls, whose error is an object, which Lua 5.1's own assert cannot print.)
local walk = realtimekit.assert(client.async.meetings:each { per_page = 100, concurrency = 4 })

local frames, meetings, active = 0, 0, 0
local started = core.monotonic()
while true do
  local frame_start = core.monotonic()

  -- 1. Network: what arrived since the last frame (a page at most), never waiting for more.
  local state, items = walk:poll()
  if state == "failed" then
    -- items is the error; polling again would ask for the failed page again.
    io.stderr:write("walk failed: ", tostring(items), "\n")
    os.exit(1)
  end
  for _, m in ipairs(items) do
    meetings = meetings + 1
    if m.status == "ACTIVE" then active = active + 1 end
  end

  -- 2. The frame's own work (a game would draw here).
  frames = frames + 1

  if state == "done" then break end
  -- 3. Sleep out the rest of the frame.
  local left = FRAME - (core.monotonic() - frame_start)
  if left > 0 then core.sleep(left) end
end

print(("Walked %d meetings (%d active) in %.2f s while drawing %d frames"):format(meetings,
  active, core.monotonic() - started, frames))
