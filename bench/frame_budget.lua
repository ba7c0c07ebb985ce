-- The frame-loop benchmark (bench/README.md): the longest single poll of a simulated 60 fps frame
-- loop while 8 pages of 100 meetings arrive together, with and without `poll_budget`. Against
-- the fake server (bench/run or `make bench-frame` started it) over HTTPS, with 50 ms of latency
-- per request and 900 meetings: 8 list calls (pages 1 to 8) started in the same frame, then a
-- walk `client.async.meetings:each { per_page = 100, concurrency = 8 }`. Each frame polls once
-- (timed), touches what arrived and sleeps out the rest of its 16.7 ms.
--   lua5.4 bench/frame_budget.lua           runs every setting under Lua 5.4 and LuaJIT, prints
--                                           a markdown section and puts it into BENCHMARKS.md
--   <lua> bench/frame_budget.lua measure N  one run with setting N (below): two result lines
-- Environment: what `fake-realtimekit start` exports; BENCH_RUNS_FRAME (runs per setting,
-- default 7), BENCH_OUT (default BENCHMARKS.md).
local MODE, SETTING = arg[1], tonumber(arg[2])

local OUT = os.getenv("BENCH_OUT") or "BENCHMARKS.md"
local RUNS = tonumber(os.getenv("BENCH_RUNS_FRAME") or "7")
local HEADING = "## Frame loops: the longest poll while 8 pages arrive together"
local MEETINGS, PER_PAGE, CONCURRENCY, LATENCY, FRAME = 900, 100, 8, 0.05, 1 / 60

-- The settings compared: the name shown and the poll_budget option.
local SETTINGS = {
  { name = "none", budget = nil },
  { name = "`{ max_results = 1 }`", budget = { max_results = 1 } },
  { name = "`{ max_results = 2 }`", budget = { max_results = 2 } },
  { name = "`{ ms = 1 }`", budget = { ms = 1 } },
}

if MODE == "measure" then
  local tag = rawget(_G, "jit") and "luajit" or _VERSION:match("%d+%.%d+")
  package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
  package.cpath = "build/" .. tag .. "/?.so;" .. package.cpath
  local realtimekit = require "realtimekit"
  local core = require "realtimekit.core"
  local client = assert(realtimekit.new {
    rate_limit = false, base_url = os.getenv("REALTIMEKIT_TLS_BASE_URL"),
    ca_file = os.getenv("REALTIMEKIT_CA_FILE"), poll_budget = SETTINGS[SETTING].budget,
  })
  -- How many finished transfers the core handed back at once, at most (the pages that arrived
  -- between two frames): read from the waits of the client's engine (its host's, which are its
  -- own to wrap), to show the pages did arrive together.
  local host, together = client.engine.host, 0
  local wait = host.wait
  host.wait = function(...)
    local ids = wait(...)
    if #ids > together then together = #ids end
    return ids
  end
  -- A walk first, untimed, so that the connection is open, as in a long-running program.
  for _ in client.meetings:each { per_page = PER_PAGE, concurrency = CONCURRENCY } do end

  -- One frame loop: each frame calls poll() once, timed, hands what it returns to touch, and
  -- sleeps out the rest of the frame; ends when poll() says so.
  local function frames(poll)
    together = 0
    local worst, n, polls = 0, 0, {}
    local started = core.monotonic()
    while true do
      local frame_start = core.monotonic()
      local finished = poll()
      local took = core.monotonic() - frame_start
      polls[#polls + 1] = took
      if took > worst then worst = took end
      n = n + 1
      if finished then break end
      local left = FRAME - (core.monotonic() - frame_start)
      if left > 0 then core.sleep(left) end
    end
    table.sort(polls)
    return ("worst=%.6f median=%.6f frames=%d walk=%.6f together=%d"):format(worst,
      polls[math.floor(#polls / 2) + 1], n, core.monotonic() - started, together)
  end

  -- (1) 8 list calls, pages 1 to 8, started in the same frame; the loop polls the client.
  local ops = {}
  for i = 1, CONCURRENCY do
    ops[i] = assert(client.async.meetings:list { page_no = i, per_page = PER_PAGE })
  end
  local calls = frames(function() return client:poll(0) == 0 end)
  for i = 1, CONCURRENCY do
    local state, page = ops[i]:poll()
    assert(state == "done" and #page.data == PER_PAGE, tostring(page))
  end

  -- (2) the walk; the loop polls the walk.
  local walk = assert(client.async.meetings:each { per_page = PER_PAGE,
    concurrency = CONCURRENCY })
  local items = 0
  local walked = frames(function()
    local state, got = walk:poll()
    if state == "failed" then error(tostring(got)) end
    for _, m in ipairs(got) do
      if m.id then items = items + 1 end
    end
    return state == "done"
  end)
  assert(items == MEETINGS, ("walked %d meetings of %d"):format(items, MEETINGS))
  print("calls " .. calls)
  print("walk " .. walked)
  os.exit(0)
end

-- The orchestrating run, under Lua 5.4 with luasocket.
package.path = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;" .. package.path
local common = require "bench.common"
local socket = require "socket"
local server = require "realtimekit.fake"

local log, median = common.log, common.median

local function max(list)
  local m = list[1]
  for _, v in ipairs(list) do
    if v > m then m = v end
  end
  return m
end

local started = socket.gettime()
local s = assert(server.attach(os.getenv("REALTIMEKIT_FAKE_DIR")))
assert(s:config { meetings_total = MEETINGS, latency = LATENCY })

local LUAS = { { bin = "lua5.4", name = "Lua 5.4" }, { bin = "luajit", name = "LuaJIT" } }
local SCENARIOS = { "calls", "walk" }
local results = {}
local function slot(scenario, lua, i)
  local key = scenario .. " " .. lua .. " " .. i
  results[key] = results[key] or { worst = {}, median = {}, frames = {}, walk = {},
    together = {} }
  return results[key]
end
-- Settings take turns, run after run, so a noisy moment of the machine is spread over all.
for run = 0, RUNS do
  for _, lua in ipairs(LUAS) do
    for i in ipairs(SETTINGS) do
      local p = assert(io.popen(lua.bin .. " bench/frame_budget.lua measure " .. i .. " 2>&1"))
      local out = p:read("*a")
      p:close()
      for _, scenario in ipairs(SCENARIOS) do
        local worst, med, frames, walk, together = out:match(scenario .. " worst=([%d.]+) "
          .. "median=([%d.]+) frames=(%d+) walk=([%d.]+) together=(%d+)")
        if not worst then error(lua.bin .. " setting " .. i .. " failed:\n" .. out, 0) end
        if run > 0 then -- run 0 warms up
          local r = slot(scenario, lua.bin, i)
          r.worst[#r.worst + 1] = tonumber(worst) * 1000
          r.median[#r.median + 1] = tonumber(med) * 1000
          r.frames[#r.frames + 1] = tonumber(frames)
          r.walk[#r.walk + 1] = tonumber(walk) * 1000
          r.together[#r.together + 1] = tonumber(together)
        end
      end
    end
  end
  log("frame: run ", run, " of ", RUNS, " done")
end
assert(s:config { meetings_total = 300, latency = 0 })

local lines = {
  HEADING, "",
  "Written by `bench/frame_budget.lua` (`make bench-frame`, and the end of `make bench`): a",
  "simulated 60 fps frame loop, against the fake server over HTTPS (one HTTP/2 connection,",
  ("opened by an untimed walk first), with %d ms of latency per request and %d meetings:")
    :format(LATENCY * 1000, MEETINGS),
  "",
  ("- **8 calls**: `client.async.meetings:list { page_no = i, per_page = %d }` for i = 1 to %d,")
    :format(PER_PAGE, CONCURRENCY),
  "  started in the same frame, so their 8 pages arrive together; each frame calls",
  "  `client:poll(0)` once, timed, until none is under way;",
  ("- **walk**: `client.async.meetings:each { per_page = %d, concurrency = %d }`; each frame")
    :format(PER_PAGE, CONCURRENCY),
  "  calls `walk:poll()` once, timed, and touches the items. (An async walk counts the page it",
  "  holds for the next `walk:poll()` among its `concurrency`, so its pages come 7 and 1.)",
  "",
  "Each frame then sleeps out the rest of its 16.7 ms. What a poll costs is mostly settling the",
  "calls that finished: decoding a page of 100 meetings of JSON and checking it; without a",
  "budget one poll settles every page that arrived. \"longest poll\" is the slowest single poll",
  "of a run (the median and the worst over the runs), \"median poll\" the median of all polls of",
  "a run, \"pages at once\" the most finished transfers the core handed back in one poll,",
  "\"frames\" and \"ms\" what the 8 calls or the walk took. " .. RUNS .. " runs per setting and",
  "Lua, after a warm-up run, settings taking turns.",
}
for _, scenario in ipairs(SCENARIOS) do
  lines[#lines + 1] = ""
  lines[#lines + 1] = "| Lua, " .. (scenario == "calls" and "8 calls" or "walk")
    .. " | poll_budget | longest poll, median ms | longest poll, worst ms | median poll ms "
    .. "| pages at once | frames | ms |"
  lines[#lines + 1] = "|---|---|--:|--:|--:|--:|--:|--:|"
  for _, lua in ipairs(LUAS) do
    for i, setting in ipairs(SETTINGS) do
      local r = slot(scenario, lua.bin, i)
      lines[#lines + 1] = ("| %s | %s | %.2f | %.2f | %.3f | %d | %.0f | %.0f |"):format(
        lua.name, setting.name, median(r.worst), max(r.worst), median(r.median),
        max(r.together), median(r.frames), median(r.walk))
    end
  end
end
local function worst(scenario, lua, i) return median(slot(scenario, lua, i).worst) end
lines[#lines + 1] = ""
lines[#lines + 1] = ("With `{ max_results = 1 }` the longest poll of the 8 calls drops from %.1f "
  .. "to %.1f ms under Lua 5.4 and from %.1f to %.1f ms under LuaJIT (medians), at the price "
  .. "of one page settled per poll: the last call settles 7 frames after the first. A blocking "
  .. "wait is not capped."):format(worst("calls", "lua5.4", 1), worst("calls", "lua5.4", 2),
  worst("calls", "luajit", 1), worst("calls", "luajit", 2))
lines[#lines + 1] = ""
lines[#lines + 1] = ("This section took %.0f s."):format(socket.gettime() - started)
lines[#lines + 1] = ""
local section = table.concat(lines, "\n")
io.write(section)

common.put_section(OUT, HEADING, section)
log("frame: section written to ", OUT)
