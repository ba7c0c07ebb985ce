-- examples/love, the dashboard, in a real engine: LÖVE (which embeds LuaJIT) under a virtual X
-- display (xvfb-run), against the fake server with 300 ms of latency per request, driven by its
-- automation hook (REALTIMEKIT_LOVE_SCRIPT, examples/love/script.lua). Nothing is timed: the
-- report says how long each poll was allowed to wait for the network (a call that blocked a
-- frame would wait) and how much one poll settled; the frame times are in BENCHMARKS.md's
-- frame-loop section (bench/frame_budget.lua).
local helper = require "helper"
local cjson = require "cjson"

local LATENCY = 0.3
local OUT = "build/love"

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function installed(cmd)
  local _, ok = helper.run("sh -c 'command -v " .. cmd .. "'")
  return ok
end

-- base64url (a JWT's parts), without padding; nil for anything else.
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function base64url(s)
  if s:find("[^%w%-_]") then return nil end
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    bits = bits * 64 + ALPHABET:find(s:sub(i, i), 1, true) - 1
    n = n + 6
    if n >= 8 then
      n = n - 8
      local byte = math.floor(bits / 2 ^ n)
      out[#out + 1] = string.char(byte)
      bits = bits - byte * 2 ^ n
    end
  end
  return table.concat(out)
end

-- Every id of `want` once, in the same order, in `got`; else a message naming the first
-- difference.
local function same_ids(kind, want, got)
  local seen = {}
  for _, id in ipairs(got) do
    if seen[id] then return kind .. " " .. id .. " arrived twice" end
    seen[id] = true
  end
  for i, item in ipairs(want) do
    if not seen[item.id] then return kind .. " " .. item.id .. " never arrived" end
    if got[i] ~= item.id then return kind .. ": item " .. i .. " out of order" end
  end
  if #got ~= #want then return ("%s: %d arrived, %d expected"):format(kind, #got, #want) end
end

describe("examples/love #once", function()
  if not (installed("love") and installed("xvfb-run")) then
    pending("LÖVE and xvfb-run are not installed (scripts/ensure-deps test installs them: "
      .. "love xvfb xauth)")
    return
  end

  local report, out, s

  setup(function()
    -- LÖVE runs LuaJIT: it loads the core built for LuaJIT.
    if not exists("build/luajit/realtimekit/core.so") then
      local log, ok = helper.run("make -s build/luajit/realtimekit/core.so")
      assert(ok, log)
    end
    assert(os.execute("mkdir -p " .. OUT .. "/home"))
    os.remove(OUT .. "/report.json")
    os.remove(OUT .. "/screenshot.png")
    s = helper.server()
    s:config { latency = LATENCY }
    local root = helper.root
    out = helper.run("timeout 90 xvfb-run -a -s '-screen 0 1280x800x24' love examples/love", {
      HOME = root .. "/" .. OUT .. "/home", REALTIMEKIT_ROOT = root,
      REALTIMEKIT_LOVE_SCRIPT = "1", REALTIMEKIT_LOVE_REPORT = root .. "/" .. OUT .. "/report.json",
      REALTIMEKIT_LOVE_SCREENSHOT = root .. "/" .. OUT .. "/screenshot.png",
      REALTIMEKIT_LOVE_TIMEOUT = "40",
      CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
      REALTIMEKIT_APP_ID = s.app_id, CLOUDFLARE_BASE_URL = s.url,
    })
    local text = read(OUT .. "/report.json")
    assert(text, "LÖVE wrote no report:\n" .. out)
    report = cjson.decode(text)
  end)

  it("runs the scripted sequence to its end", function()
    assert.is_true(report.ok, tostring(report.reason) .. "\n" .. out)
    -- The latency was there: the walks and the two calls took several round trips.
    assert.is_true(report.seconds > 4 * LATENCY)
  end)

  it("hands out every meeting and every session exactly once, in order", function()
    local app = helper.data().build().apps[helper.data().APP_ID]
    assert.is_nil(same_ids("meeting", app.meetings, report.meetings))
    assert.is_nil(same_ids("session", app.sessions, report.sessions))
  end)

  it("draws the participant's token as the API returned it", function()
    assert.is_true(report.token_drawn)
    local header, payload, signature = report.token:match("^([^.]+)%.([^.]+)%.([^.]+)$")
    assert.is_truthy(header and signature)
    local json = base64url(payload)
    assert.is_truthy(json)
    local claims = cjson.decode(json)
    assert.equal(report.participant_id, claims.sub)
    assert.equal(report.meeting_id, claims.meetingId)
    assert.equal(s.app_id, claims.orgId)
    -- The meeting and the participant are the server's, made once each.
    -- (A client of its own: helper.client() would reset the server.)
    local client = assert(require("realtimekit").new { api_token = s.token,
      account_id = s.account_id, app_id = s.app_id, base_url = s.url, rate_limit = false })
    local p = assert(client.participants:get(report.meeting_id, report.participant_id))
    assert.equal(report.participant_id, p.id)
    local posts = 0
    for _, r in ipairs(s:requests()) do
      if r.method == "POST" and r.path:find("/meetings/" .. report.meeting_id
        .. "/participants", 1, true) then
        posts = posts + 1
      end
    end
    assert.equal(1, posts)
  end)

  it("never stalls a frame: no poll waits for the network, none settles more than its budget",
    function()
      -- The client was driven, and never allowed to wait.
      assert.is_true(report.polls > 0)
      assert.equal(0, report.longest_wait)
      -- poll_budget = { max_results = 2 } (main.lua): at most 2 calls settled per poll.
      assert.is_true(report.most_settled >= 1 and report.most_settled <= 2,
        tostring(report.most_settled))
      -- The frames went on while calls were under way: a call started in a frame is still
      -- under way when its polls are done (300 ms of latency, polls that never wait), so each
      -- of the meetings walk's 3 rounds, the meeting and the participant kept one waiting.
      assert.is_true(report.frames_waiting >= 4, tostring(report.frames_waiting))
    end)

  it("takes a screenshot", function()
    local png = read(OUT .. "/screenshot.png")
    assert.is_truthy(png, "no screenshot")
    assert.equal("\137PNG\r\n\26\n", png:sub(1, 8))
    -- The picture of docs/game-engines.md, when there is none yet.
    if not exists("docs/love-dashboard.png") then
      local f = assert(io.open("docs/love-dashboard.png", "wb"))
      f:write(png)
      f:close()
    end
  end)
end)
