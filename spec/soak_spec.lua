-- Soak: thousands of list calls on long-lived clients, about a fifth of them answered by a fault
-- the fake server was told to inject (error statuses with either error shape, HTML, dropped and
-- truncated responses, delays past the client's timeout). Every call must end in a page or an
-- error object of a documented kind, and the process's Lua memory, resident memory and open
-- descriptors must stay flat: the second half of the run is compared with the first, with
-- generous margins, so a leak per call shows up and allocator noise does not. No timing asserts.
-- SOAK_N sets the number of calls (default 3000).
local helper = require "helper"
local errors = require "realtimekit.errors"
local cjson = require "cjson"

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- The memory checker this process runs under, read from its mappings: its resident memory then
-- follows the checker's own bookkeeping (ASan's quarantine of freed blocks grows it for a long
-- while), not the program's.
local function checker()
  local maps = read_file("/proc/self/maps") or ""
  if maps:find("libasan", 1, true) or maps:find("libclang_rt.asan", 1, true) then
    return "ASan"
  end
  if maps:find("vgpreload", 1, true) then return "valgrind" end
end

local N = tonumber(os.getenv("SOAK_N") or "") or 3000
local SAMPLES = 20              -- memory and descriptor samples, evenly spaced
local RECYCLE = 250             -- calls between replacing the clients (close, or left to the GC)
local SEED = 20240607
-- The clients' whole-request timeout, seconds: long enough for any call on a loaded machine
-- under ASan or valgrind (a timeout where none is injected would be a flaky spec). The calls
-- given a timeout fault alone pass a short one of their own (SHORT), and the server holds them
-- far longer (HELD), so that they time out however slow the machine, and quickly.
local TIMEOUT = 30
local SHORT = checker() == "valgrind" and 3 or 0.25
local HELD = 10

-- Park and Miller's minimal standard generator: the same sequence under every Lua (math.random
-- differs between versions, and the client may draw from it for its backoff).
local function generator(seed)
  local x = seed % 2147483647
  return function(n)
    x = x * 16807 % 2147483647
    return x % n + 1
  end
end

local V4_500 = '{"success":false,"errors":[{"code":10000,"message":"Internal error"}],' ..
  '"messages":[],"result":null}'
local V4_429 = '{"success":false,"errors":[{"code":971,"message":"Please wait and consider ' ..
  'throttling your request speed"}],"messages":[],"result":null}'
local RTK_503 = '{"success":false,"error":{"code":503,"message":"Service Unavailable"}}'
local RTK_400 = '{"success":false,"error":{"code":400,"message":"Invalid page_no"}}'
local HTML = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
local HTML_HEADERS = { ["Content-Type"] = "text/html" }

-- The faults, each with the outcomes it may end in. A dropped answer may also end in a page:
-- libcurl sends a request again, once, when a reused connection closes before any answer.
local FAULTS = {
  { fault = { status = 500, body = V4_500 }, outcomes = { api = true } },
  { fault = { status = 503, body = RTK_503, headers = { ["Retry-After"] = "1" } },
    outcomes = { api = true } },
  -- (A 429 pauses the whole client for its wait: a short one, so the soak stays short.)
  { fault = { status = 429, body = V4_429, headers = { ["retry-after-ms"] = "5" } },
    outcomes = { api = true } },
  { fault = { status = 400, body = RTK_400 }, outcomes = { api = true } },
  { fault = { status = 502, body = HTML, headers = HTML_HEADERS }, outcomes = { api = true } },
  { fault = { status = 200, body = HTML, headers = HTML_HEADERS }, outcomes = { decode = true } },
  { fault = { status = 200, body = '{"success":true,"data":"none"}' },
    outcomes = { decode = true } },
  { fault = { drop = true }, outcomes = { network = true, page = true } },
  { fault = { truncate = true }, outcomes = { network = true }, http1 = true },
  { fault = { status = 500, body = V4_500, truncate = true }, outcomes = { network = true },
    http1 = true },
  { fault = { delay = 0.01 }, outcomes = { page = true } },
  { fault = { delay = HELD }, outcomes = { timeout = true }, rare = true, short = true },
}

local KINDS = { invalid_argument = true, api = true, decode = true, network = true,
                timeout = true, tls = true }

-- This process's id: /proc/self seen by this process, not by a child it starts.
local PID = read_file("/proc/self/stat"):match("^(%d+)")

local function rss_kib()
  return tonumber(read_file("/proc/self/status"):match("VmRSS:%s*(%d+)"))
end

local function open_fds()
  local p = io.popen("ls -1 /proc/" .. PID .. "/fd")
  local n = 0
  for _ in p:lines() do n = n + 1 end
  p:close()
  return n -- counts the pipe of this listing too, the same at every sample
end

local function sample()
  -- LuaJIT's compiled traces live on its heap and pile up to a cap; drop them so that only
  -- the program's data is counted.
  local jit = rawget(_G, "jit")
  if jit then jit.flush() end
  collectgarbage("collect")
  collectgarbage("collect")
  return { lua_kib = collectgarbage("count"), rss_kib = rss_kib(), fds = open_fds() }
end

-- The largest value of field k in samples i..j.
local function peak(samples, k, i, j)
  local m = -math.huge
  for x = i, j do
    if samples[x][k] > m then m = samples[x][k] end
  end
  return m
end

local function classify(ok, page, err)
  if not ok then return "lua error: " .. tostring(page) end
  if page ~= nil and err == nil and type(page) == "table" and type(page.data) == "table" then
    return "page"
  end
  if page == nil and errors.is(err) and KINDS[err.kind] and type(err.message) == "string" then
    return err.kind
  end
  return "bad return: " .. tostring(page) .. ", " .. tostring(err)
end

local run -- the soak's results, made by the first test that needs them

local function soak()
  if run then return run end
  local rand = generator(SEED)
  local s = helper.server()
  -- Retries would turn a fault into a page after a sleep; this soak counts single attempts.
  local opts = { timeout = TIMEOUT, max_retries = 0 }
  local function clients()
    return {
      plain = helper.client(opts),
      tls = helper.client { timeout = TIMEOUT, max_retries = 0, base_url = s.tls_url,
                            ca_file = s.ca_file },
      -- No CA file: the test certificate is not trusted, every call is a tls error.
      untrusted = helper.client { timeout = TIMEOUT, max_retries = 0, base_url = s.tls_url },
    }
  end
  local c = clients()
  local meeting = assert(c.plain.meetings:list { per_page = 1 }).data[1].id
  s:reset()

  -- Each call takes the timeout of its own (nil: the client's).
  local calls = {
    function(client, k, t)
      return client.meetings:list { per_page = 3, page_no = k % 100 + 1, timeout = t }
    end,
    function(client, k, t)
      return client.meetings:list { per_page = 5, page_no = k % 60 + 1, timeout = t }
    end,
    function(client, k, t)
      return client.sessions:list { per_page = 4, page_no = k % 30 + 1, timeout = t }
    end,
    function(client, k, t)
      return client.meetings:participants(meeting,
        { per_page = 5, page_no = k % 50 + 1, timeout = t })
    end,
  }

  local r = { counts = {}, problems = {}, samples = {}, faults = 0, unfaulted = 0,
              unfaulted_pages = 0 }
  local every = math.max(1, math.floor(N / SAMPLES))
  for i = 1, N do
    if i % RECYCLE == 0 then
      c.plain:close() -- the others are left to the garbage collector
      c = clients()
    end
    local client = c.plain
    local which = rand(100)
    if which > 95 then client = c.untrusted elseif which > 75 then client = c.tls end

    local outcome
    if rand(100) == 1 then
      -- A call refused before anything is sent.
      outcome = classify(pcall(client.meetings.list, client.meetings, { per_page = "1" }))
      if outcome ~= "invalid_argument" then r.problems[#r.problems + 1] = i .. ": " .. outcome end
    else
      local f, expect
      if client == c.untrusted then
        expect = { tls = true } -- no request is ever sent: nothing to inject
      elseif rand(100) <= 20 then
        f = FAULTS[rand(#FAULTS)]
        -- A timeout costs its whole wait: keep those to about one call in a thousand.
        if f.rare and rand(15) > 1 then f = FAULTS[1] end
        -- The fake server truncates through a raw socket, which its HTTP/2 side lacks.
        if f.http1 then client = c.plain end
        s:fault(f.fault)
        expect = f.outcomes
        r.faults = r.faults + 1
      end
      outcome = classify(pcall(calls[rand(#calls)], client, i, f and f.short and SHORT or nil))
      -- A call that gave up before its request reached the server left the fault queued for
      -- the next one; and the server still holds one that did: a reset drops both.
      if f and f.short then s:reset() end
      if expect and not expect[outcome] then
        r.problems[#r.problems + 1] = i .. ": " .. outcome .. " after " ..
          (f and cjson.encode(f.fault) or "a call over TLS without the CA")
      elseif not KINDS[outcome] and outcome ~= "page" then
        r.problems[#r.problems + 1] = i .. ": " .. outcome
      end
      if not expect then
        r.unfaulted = r.unfaulted + 1
        if outcome == "page" then r.unfaulted_pages = r.unfaulted_pages + 1 end
      end
    end
    r.counts[outcome] = (r.counts[outcome] or 0) + 1
    if i % every == 0 and #r.samples < SAMPLES then r.samples[#r.samples + 1] = sample() end
  end
  c.plain:close()
  c.tls:close()
  c.untrusted:close()
  run = r
  return r
end

describe("#slow #soak a long run of calls with faults", function()
  it("ends every call in a page or an error object of a documented kind", function()
    local r = soak()
    assert.same({}, r.problems)
    local total = 0
    for outcome, n in pairs(r.counts) do
      assert.is_true(outcome == "page" or KINDS[outcome] ~= nil, outcome)
      total = total + n
    end
    assert.equal(N, total)
    -- The mix happened: pages and every kind of failure the faults make.
    for _, kind in ipairs { "page", "api", "decode", "network", "tls" } do
      assert.is_true((r.counts[kind] or 0) > 0, kind .. " never happened")
    end
    assert.is_true(r.faults >= N / 10, "only " .. r.faults .. " faults")
    -- A call without a fault gets its page: no fault spills over onto the next call. A slow
    -- machine may time one out now and then, so most, not all.
    assert.is_true(r.unfaulted_pages >= r.unfaulted * 0.9,
      r.unfaulted_pages .. " pages for " .. r.unfaulted .. " calls without a fault")
  end)

  -- The peak of the second half may pass the first's by `factor` and `slack` at most.
  local function flat(field, factor, slack)
    local r = soak()
    local half = math.floor(#r.samples / 2)
    local first = peak(r.samples, field, 1, half)
    local second = peak(r.samples, field, half + 1, #r.samples)
    local series = {}
    for i = 1, #r.samples do series[i] = string.format("%.0f", r.samples[i][field]) end
    assert.is_true(second <= first * factor + slack, string.format(
      "%s grew from a peak of %.0f in the first half to %.0f in the second: %s", field, first,
      second, table.concat(series, " ")))
  end

  it("keeps the Lua heap flat", function()
    flat("lua_kib", 1.05, 32)
  end)

  it("keeps the resident memory flat", function()
    local under = checker()
    if under then
      pending("resident memory is " .. under .. "'s to manage; it checks for leaks itself")
      return
    end
    flat("rss_kib", 1.1, 4096)
  end)

  it("keeps the number of open descriptors flat", function()
    -- Each client holds one connection at most, and a dropped one may wait for the next call.
    flat("fds", 1, 4)
  end)
end)
