-- The OpenResty benchmark (bench/README.md): what the default transport's polling costs inside
-- nginx, next to the ngx transport, which nginx's event loop wakes at once. Starts an nginx
-- with examples/openresty/nginx.conf pointed at the fake server (which bench/run or `make
-- bench-openresty` started), plus bench/openresty_handler.lua, and measures:
--   - the latency of calls one after the other, with 0, 25 and 150 ms of server latency, with
--     each transport inside nginx and with a blocking client outside it (the floor);
--   - the worker's CPU while calls wait 2 s on the API, per transport.
-- Prints a markdown section and puts it into BENCHMARKS.md (BENCH_OUT) in place of the one it
-- wrote before, or at the end. Runs under Lua 5.4 with luasocket and lua-cjson.
package.path = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;spec/?.lua;" .. package.path
package.cpath = "build/5.4/?.so;" .. package.cpath
local common = require "bench.common"
local socket = require "socket"
local cjson = require "cjson"
local server = require "realtimekit.fake"
local conf = require "support.openresty.conf"
local realtimekit = require "realtimekit"

local OUT = os.getenv("BENCH_OUT") or "BENCHMARKS.md"
local ROUNDS = tonumber(os.getenv("BENCH_ROUNDS_OPENRESTY") or "4")
local HEADING = "## OpenResty: the default transport's polling next to the ngx transport"

local log, read_file = common.log, common.read_file

local ROOT = (function()
  local p = io.popen("pwd")
  local d = p:read("*l")
  p:close()
  return d
end)()

local fake = assert(server.attach(assert(os.getenv("REALTIMEKIT_FAKE_DIR"),
  "start the fake server first: bench/run or make bench-openresty")))
fake:reset()

local port = server.free_ports(1)
local nginx = assert(server.nginx(conf.example {
  root = ROOT, core_dir = ROOT .. "/build/luajit", port = port, fake = fake,
  lua_path = ROOT .. "/bench/?.lua;",
  server_extra = [[
    location = /bench/latency { content_by_lua_block { require("openresty_handler").latency() } }
    location = /bench/wait { content_by_lua_block { require("openresty_handler").wait() } }
    location = /bench/worker { content_by_lua_block { require("openresty_handler").worker() } }
]],
}, nil, conf.env(fake)))

local function get(path)
  local p = io.popen(("curl -s -S --max-time 600 'http://127.0.0.1:%d%s'"):format(port, path))
  local out = p:read("*a")
  p:close()
  return out
end

-- The example's background job walks the meetings at start: let it end first.
for _ = 1, 500 do
  if not get("/job"):find('"pending"', 1, true) then break end
  socket.sleep(0.02)
end

-- The floor: the same calls from plain Lua 5.4, whose poll blocks in the kernel.
local plain = assert(realtimekit.new {
  api_token = fake.token, account_id = fake.account_id, app_id = fake.app_id,
  base_url = fake.tls_url, ca_file = fake.ca_file, max_retries = 0,
})
local function plain_latency(n)
  local core = require "realtimekit.core"
  local times = {}
  for i = 1, n do
    local t0 = core.monotonic()
    assert(plain:request("GET", "/accounts/{account_id}/realtime/kit/{app_id}/meetings",
      { query = { per_page = 1 } }))
    times[i] = core.monotonic() - t0
  end
  return times
end

local function quantile(list, q)
  local s = {}
  for i, v in ipairs(list) do s[i] = v end
  table.sort(s)
  local pos = q * (#s - 1) + 1
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, #s)
  return s[lo] + (s[hi] - s[lo]) * (pos - lo)
end

local function append(dst, src)
  for _, v in ipairs(src) do dst[#dst + 1] = v end
end

local SETTINGS = {
  { latency = 0, n = 200, label = "none" },
  { latency = 0.025, n = 40, label = "25 ms" },
  { latency = 0.15, n = 12, label = "150 ms" },
}

local started = socket.gettime()
local rows = {}
for _, s in ipairs(SETTINGS) do
  fake:reset()
  fake:config { latency = s.latency }
  local got = { curl = {}, ngx = {}, plain = {} }
  -- Warm-up: connections open, code loaded.
  get("/bench/latency?transport=curl&n=3")
  get("/bench/latency?transport=ngx&n=3")
  plain_latency(3)
  local per = math.ceil(s.n / ROUNDS)
  for round = 1, ROUNDS do
    log(("openresty: latency %s, round %d of %d"):format(s.label, round, ROUNDS))
    append(got.curl, cjson.decode(get("/bench/latency?transport=curl&n=" .. per)))
    append(got.ngx, cjson.decode(get("/bench/latency?transport=ngx&n=" .. per)))
    append(got.plain, plain_latency(per))
  end
  rows[#rows + 1] = {
    label = s.label, n = #got.curl,
    curl = quantile(got.curl, 0.5), curl90 = quantile(got.curl, 0.9),
    ngx = quantile(got.ngx, 0.5), ngx90 = quantile(got.ngx, 0.9),
    plain = quantile(got.plain, 0.5),
  }
end

-- The worker's CPU (user + system, in clock ticks) and voluntary context switches (wake-ups).
local pid = tonumber(get("/bench/worker"))
local p = io.popen("getconf CLK_TCK")
local HZ = tonumber(p:read("*l"))
p:close()
-- The scheduler's count of the time on a CPU (/proc/<pid>/sched, in ms to the microsecond)
-- where the kernel has it, else user + system time from /proc/<pid>/stat, in clock ticks.
local SCHED = read_file("/proc/" .. pid .. "/sched")
SCHED = SCHED and SCHED:find("se.sum_exec_runtime", 1, true) ~= nil
local function usage()
  local wakeups = tonumber(read_file("/proc/" .. pid .. "/status")
    :match("voluntary_ctxt_switches:%s*(%d+)"))
  if SCHED then
    local ms = read_file("/proc/" .. pid .. "/sched"):match("se%.sum_exec_runtime%s*:%s*([%d.]+)")
    return tonumber(ms) / 1000, wakeups
  end
  local stat = read_file("/proc/" .. pid .. "/stat")
  local fields = {}
  for v in stat:match("%) (.*)$"):gmatch("%S+") do fields[#fields + 1] = v end
  return (tonumber(fields[12]) + tonumber(fields[13])) / HZ, wakeups
end

local WAIT, CALLS = 2, 20
local cpu_rows = {}
fake:reset()
for _, t in ipairs { "curl", "ngx" } do
  for _, n in ipairs { 1, CALLS } do
    log(("openresty: CPU, %d call(s) waiting %d s, transport %s"):format(n, WAIT, t))
    get("/bench/latency?transport=" .. t .. "&n=2")
    fake:fault { delay = WAIT, times = n }
    local cpu0, w0 = usage()
    local t0 = socket.gettime()
    assert(get("/bench/wait?transport=" .. t .. "&n=" .. n):find("ok", 1, true))
    local seconds = socket.gettime() - t0
    local cpu1, w1 = usage()
    cpu_rows[#cpu_rows + 1] = { transport = t, n = n, seconds = seconds,
                                cpu = cpu1 - cpu0, wakeups = w1 - w0 }
  end
end
nginx:stop()

local function ms(v) return ("%.1f"):format(v * 1000) end
local lines = {
  HEADING, "",
  "Written by `bench/openresty.lua` (`make bench-openresty`, and the end of `make bench`): an",
  "nginx with examples/openresty/nginx.conf, one worker, calling the fake server over TLS on",
  "loopback (libcurl speaks HTTP/2 to it, nginx's proxy HTTP/1.1 with keepalive). Each call",
  "is `client:request` of a page of one meeting, one after the other, timed inside the",
  "handler. \"polling\" is the default transport (the C core, polled with `ngx.sleep` in",
  "between: 1 ms after data flowed, then 5% of the time waited so far, up to 50 ms, never",
  "past libcurl's next timer); \"ngx\" is `transport = \"ngx\"` (subrequests, which nginx's",
  "event loop resumes at once); \"blocking\" is the same call from plain Lua 5.4 outside",
  "nginx, whose poll blocks in the kernel (the floor). Added = polling − ngx, medians.",
  "",
  ("Calls per transport and setting: %s, in %d rounds taking turns."):format(
    table.concat((function()
      local t = {}
      for _, r in ipairs(rows) do t[#t + 1] = r.n .. " (" .. r.label .. ")" end
      return t
    end)(), ", "), ROUNDS),
  "",
  "| server latency | polling median ms | polling p90 ms | ngx median ms | ngx p90 ms | "
    .. "blocking median ms | added median ms |",
  "|---|--:|--:|--:|--:|--:|--:|",
}
for _, r in ipairs(rows) do
  lines[#lines + 1] = ("| %s | %s | %s | %s | %s | %s | %s |"):format(r.label, ms(r.curl),
    ms(r.curl90), ms(r.ngx), ms(r.ngx90), ms(r.plain), ms(r.curl - r.ngx))
end
append(lines, {
  "",
  ("The worker's CPU time (%s) and its voluntary context switches (wake-ups) while calls"
    .. " wait %d s on the API (a delay the fake server holds them for), all at once in light"
    .. " threads of one request:"):format(SCHED and "the scheduler's se.sum_exec_runtime from"
    .. " /proc/<pid>/sched" or ("user + system from /proc/<pid>/stat, in ticks of %d ms")
    :format(1000 / HZ), WAIT),
  "",
  "| transport | calls waiting | wall s | worker CPU ms | CPU ms per second of waiting call | "
    .. "wake-ups |",
  "|---|--:|--:|--:|--:|--:|",
})
for _, r in ipairs(cpu_rows) do
  lines[#lines + 1] = ("| %s | %d | %.2f | %.1f | %.2f | %d |"):format(
    r.transport == "curl" and "polling" or "ngx", r.n, r.seconds, r.cpu * 1000,
    r.cpu * 1000 / (r.n * WAIT), r.wakeups)
end
for _, r in ipairs(cpu_rows) do
  if r.transport == "curl" and r.n == 1 then
    append(lines, { "", ("spec/openresty_spec.lua times nothing: it counts the sleeps of one "
      .. "call waiting 2 s with the default transport (at most 300, plus 20 a second of "
      .. "waiting), which on a busy machine only get fewer; measured here: %d wake-ups and "
      .. "%.1f ms of CPU.")
      :format(r.wakeups, r.cpu * 1000) })
  end
end
append(lines, { "", ("This section took %.0f s."):format(socket.gettime() - started), "" })
local section = table.concat(lines, "\n")
io.write(section)

common.put_section(OUT, HEADING, section)
log("openresty: section written to ", OUT)
