-- Setting (f) of the benchmark (bench/README.md): several processes on one token walk at
-- once under the fake server's rate limit, their budget shared through Redis or each its own.
-- Starts a redis-server on loopback (spec/support/redis.lua: no persistence, stopped at the
-- end), runs BENCH_FLEET (default 4) processes of bench/contenders/fleet-walker.lua at once,
-- each walking BENCH_FLEET_PAGES (default 50) pages of 100 meetings with the default walk,
-- under 40 requests per 4 s (fixed windows, no Ratelimit headers: 429 with Retry-After beyond
-- the quota), with the Redis store and then with local pacing only, and measures the wall time
-- of the whole fleet, the 429s met (the server's count) and the requests to Redis (its INFO
-- commandstats: EVALSHA and EVAL calls, one a step). Prints a markdown section and puts it
-- into BENCHMARKS.md (BENCH_OUT) in place of the one it wrote before. Runs under Lua 5.4.
package.path = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;" .. package.path
local common = require "bench.common"
local socket = require "socket"
local server = require "realtimekit.fake"
local redis_server = require "support.redis"

local OUT = os.getenv("BENCH_OUT") or "BENCHMARKS.md"
local FLEET = tonumber(os.getenv("BENCH_FLEET") or "4")
local PAGES = tonumber(os.getenv("BENCH_FLEET_PAGES") or "50")
local RUNS = tonumber(os.getenv("BENCH_RUNS_FLEET") or "1")
local Q, W = 40, 4
local HEADING = "## (f) Many processes on one token: the budget in Redis, or each its own"

local log, read_file, median = common.log, common.read_file, common.median

local fake = assert(server.attach(assert(os.getenv("REALTIMEKIT_FAKE_DIR"),
  "start the fake server first: bench/run or make bench-redis")))
fake:reset()
local redis = assert(redis_server.start())

local load_before = (read_file("/proc/loadavg") or ""):match("^(%S+ %S+ %S+)") or "?"
local started = socket.gettime()
local TMP = os.getenv("REALTIMEKIT_FAKE_DIR") .. "/bench-fleet"
assert(os.execute("mkdir -p '" .. TMP .. "'"))

local function calls()
  local c = redis:commands()
  return (c.evalsha or 0) + (c.eval or 0)
end

-- One run of the fleet, shared through Redis or not: { wall, throttled, requests, redis }.
local function run(shared)
  fake:config { meetings_total = PAGES * 100, rate_quota = Q, rate_window = W,
                rate_headers = false }
  local env = ("LUA_PATH='lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;;' "
    .. "LUA_CPATH='build/5.4/?.so;;' BENCH_LIMIT=%d BENCH_WINDOW=%d BENCH_PAGES=%d %s"):format(
    Q, W, PAGES, shared and ("BENCH_REDIS_PORT=" .. redis.port) or "")
  local parts = {}
  for i = 1, FLEET do
    parts[i] = env .. " lua5.4 bench/contenders/fleet-walker.lua >" .. TMP .. "/out" .. i
      .. " 2>&1 &"
  end
  common.write_file(TMP .. "/fleet.sh", table.concat(parts, "\n") .. "\nwait\n")
  local before_calls, before = calls(), fake:stats()
  local t0 = socket.gettime()
  assert(os.execute("sh " .. TMP .. "/fleet.sh"))
  local wall = socket.gettime() - t0
  local throttled = fake:throttled()
  local after = fake:stats()
  for i = 1, FLEET do
    local out = read_file(TMP .. "/out" .. i) or ""
    local items = tonumber(out:match("items=(%d+)"))
    if items ~= PAGES * 100 then error(("process %d walked %s items, expected %d: %s"):format(i,
      tostring(items), PAGES * 100, out:sub(1, 400)), 0) end
  end
  local requests = after.requests - before.requests
  if requests ~= FLEET * PAGES + throttled then
    error(("the server saw %d requests (%d refused with 429), expected %d"):format(requests,
      throttled, FLEET * PAGES + throttled), 0)
  end
  return { wall = wall, throttled = throttled, requests = requests,
           redis = calls() - before_calls }
end

local samples = { shared = {}, alone = {} }
for round = 1, RUNS do
  for _, shared in ipairs { true, false } do
    local r = run(shared)
    table.insert(samples[shared and "shared" or "alone"], r)
    log(("  (f) %s: %.1f s, %d 429s, %d requests to Redis"):format(
      shared and "Redis" or "local", r.wall, r.throttled, r.redis))
  end
  log(("  (f): round %d of %d done"):format(round, RUNS))
end
fake:config { rate_quota = 0 }
redis:stop()
local load_after = (read_file("/proc/loadavg") or ""):match("^(%S+ %S+ %S+)") or "?"

local function med(list, field)
  local v = {}
  for i, r in ipairs(list) do v[i] = r[field] end
  return median(v)
end

local total = FLEET * PAGES
-- The shortest the fleet can take: the last window's requests start when it opens.
local floor = (math.ceil(total / Q) - 1) * W
local lines = {
  HEADING, "",
  ("Written by `bench/redis.lua` (`make bench-redis`, and the end of `make bench`): %d"
    .. " processes on one token, each the default walk (`each { per_page = 100 }`, 4 pages"
    .. " under way) of %d pages, all started at once, under the fake server's rate limit of"
    .. " %d requests per %d s (fixed windows, no `Ratelimit` headers, 429 with `Retry-After`"
    .. " beyond the quota). Each process has the static budget `{ limit = %d, window = %d }`:"
    .. " in a redis-server on loopback (`rate_limit.store`), the fleet's; without it, each"
    .. " process's own. The floor is what the windows allow the %d requests: the last can"
    .. " start %d s after the first. Requests to Redis are its EVALSHA and EVAL calls (INFO"
    .. " commandstats), one for each step of the pacer. Median of %d run%s; load average"
    .. " (1, 5, 15 min) %s before, %s after."):format(FLEET, PAGES, Q, W, Q, W, total, floor,
    RUNS, RUNS == 1 and "" or "s", load_before, load_after),
  "",
  "| budget | wall s | wall ÷ floor | 429s met | requests to Redis | per API request | "
    .. "per second |",
  "|---|--:|--:|--:|--:|--:|--:|",
}
for _, row in ipairs { { "shared", "in Redis (`rate_limit.store`)" },
                       { "alone", "each process's own (local pacing only)" } } do
  local list = samples[row[1]]
  local wall, redis_calls = med(list, "wall"), med(list, "redis")
  local requests = med(list, "requests")
  lines[#lines + 1] = ("| %s | %.1f | %.2f× | %d | %d | %.2f | %.0f |"):format(row[2], wall,
    wall / floor, med(list, "throttled"), redis_calls, redis_calls / requests,
    redis_calls / wall)
end
lines[#lines + 1] = ""
lines[#lines + 1] = ("An API request costs one `take` (its admission) and, for a request"
  .. " that came back with rate-limit headers, one `learn`; a client with an `on_request` hook"
  .. " also reads the budget it reports (`get`s). The `take`s beyond one a request are those"
  .. " that found the budget spent: %d walks, 4 pages under way each, compete for each opening"
  .. " of the window, and each asks again when the wait it was given has passed (not before)."
  .. " This section took %.0f s."):format(FLEET, socket.gettime() - started)
lines[#lines + 1] = ""
local section = table.concat(lines, "\n")
io.write(section)
common.put_section(OUT, HEADING, section)
log("redis: section written to ", OUT)
