-- Setting (g) of the benchmark (bench/README.md): what the client costs in instructions, counted
-- by callgrind, so that the numbers do not depend on the machine's load and two builds can be
-- compared on a busy machine. Each count is a whole lua5.4 process: `require "realtimekit"` and
-- `realtimekit.new` alone (start-up), and the same followed by a walk of BENCH_INSN_PAGES
-- (default 200) pages of 100 meetings from the fake server, sequentially and with the default
-- walk (bench/contenders/realtimekit.lua); a page's cost is the walk's less the start-up's,
-- divided by the pages. Then bench/handle-cost: client:request's instructions per request.
--
-- BENCH_BASELINE=<a checkout of another commit, its core built with `make build LUAS=5.4`>
-- measures that tree too, beside this one, with this tree's contender and fake server. Prints
-- a markdown section and puts it into BENCHMARKS.md (BENCH_OUT) in place of the one it wrote
-- before. Needs valgrind, and the fake server of bench/run (REALTIMEKIT_FAKE_DIR).
package.path = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;" .. package.path
local common = require "bench.common"
local server = require "realtimekit.fake"

local OUT = os.getenv("BENCH_OUT") or "BENCHMARKS.md"
local PAGES = tonumber(os.getenv("BENCH_INSN_PAGES") or "200")
local BASELINE = os.getenv("BENCH_BASELINE")
local HEADING = "## (g) Instructions: start-up, a page, a request"

local log, read_file = common.log, common.read_file

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  local ok = p:close()
  return out, ok
end

local here = (run("pwd")):match("[^\n]+")
local contender = here .. "/bench/contenders/realtimekit.lua"

-- Instructions of one lua5.4 process running `args` with the Lua modules and core of `tree`.
local function count(tree, args)
  local file = os.tmpname()
  local out = run(("cd %s && BENCH_STATIC_BUDGET=off LUA_PATH=%s LUA_CPATH=%s "
    .. "valgrind --tool=callgrind --callgrind-out-file=%s lua5.4 %s >/dev/null 2>&1; "
    .. "callgrind_annotate %s"):format(q(tree), q(tree .. "/lua/?.lua;" .. tree
    .. "/lua/?/init.lua;;"), q(tree .. "/build/5.4/?.so;;"), q(file), args, q(file)))
  os.remove(file)
  local total = out:match("([%d,]+)[^\n]*PROGRAM TOTALS")
  assert(total, "callgrind gave no total for " .. args .. ":\n" .. out:sub(1, 2000))
  return tonumber((total:gsub(",", "")))
end

local fake = assert(server.attach(assert(os.getenv("REALTIMEKIT_FAKE_DIR"),
  "start the fake server first: bench/run")))
fake:reset()
fake:config { meetings_total = PAGES * 100 }

local function measure(tree)
  log("instructions: ", tree)
  local startup = count(tree,
    "-e " .. q("assert(require('realtimekit').new { rate_limit = false })"))
  local seq = count(tree, q(contender) .. " 1")
  local walk = count(tree, q(contender) .. " default")
  local handle = run("bench/handle-cost 300 " .. q(tree .. "/build/5.4"))
  local per_request = tonumber(handle:match("(%d+) instructions per request"))
  return { startup = startup, seq = (seq - startup) / PAGES, walk = (walk - startup) / PAGES,
           request = per_request }
end

local function commas(n)
  local s = ("%d"):format(math.floor(n + 0.5))
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

local function commit(tree)
  return (run("git -C " .. q(tree) .. " rev-parse --short HEAD")):match("%w+") or "?"
end

local started = os.time()
local rows = { { "this tree (" .. commit(here) .. ")", measure(here) } }
if BASELINE then table.insert(rows, 1, { "baseline (" .. commit(BASELINE) .. ")",
  measure(BASELINE) }) end
fake:reset()

local lines = {
  HEADING, "",
  ("Counted by callgrind (`bench/instructions.lua`; `make bench` runs it), whole lua5.4 "
  .. "processes, so the numbers do not depend on the machine's load. Start-up is `require "
  .. "\"realtimekit\"` and `realtimekit.new`; a page is one page of 100 meetings of a walk of "
  .. "%d pages from the fake server (the walk's count less the start-up's, divided by the "
  .. "pages); a request is client:request's own count of one small page (bench/handle-cost). "
  .. "`BENCH_BASELINE=<another checkout, built> lua5.4 bench/instructions.lua` adds a row for "
  .. "another commit. Each transfer has a libcurl easy handle of its own, made and freed with "
  .. "it (with libcurl 7.88, Debian 12's, and older, a handle used again keeps state of its "
  .. "last response that a hostile response can make libcurl read after it was freed: curl "
  .. "#11101); the connection and the TLS session are still reused. Making and freeing the "
  .. "handle is about 15,000 of a request's instructions. Start-up includes the core's check "
  .. "of OpenSSL when it is loaded (one whole signature verification, so that an allocation "
  .. "failing in OpenSSL's own lazy initialisation cannot make every later webhook check "
  .. "fail): about 8 million instructions, some 2 ms."):format(PAGES), "",
  "| build | start-up | a page, sequential | a page, the default walk "
    .. "| a request (client:request) |",
  "|---|--:|--:|--:|--:|",
}
for _, r in ipairs(rows) do
  local m = r[2]
  lines[#lines + 1] = ("| %s | %s | %s | %s | %s |"):format(r[1], commas(m.startup),
    commas(m.seq), commas(m.walk), m.request and commas(m.request) or "?")
end
lines[#lines + 1] = ""
if BASELINE then
  local a, b = rows[1][2], rows[2][2]
  local function pct(k)
    if not (a[k] and b[k]) then return "?" end
    return ("%+.1f%%"):format((b[k] / a[k] - 1) * 100)
  end
  lines[#lines + 1] = ("Against the baseline: start-up %s, a page %s sequentially and %s in the "
    .. "default walk, a request %s."):format(pct("startup"), pct("seq"), pct("walk"),
    pct("request"))
  lines[#lines + 1] = ""
end
lines[#lines + 1] = ("This section took %d s."):format(os.time() - started)
local section = table.concat(lines, "\n")
io.write(section, "\n")
common.put_section(OUT, HEADING, section)
log("instructions: section written to ", OUT)
assert(read_file(OUT))
