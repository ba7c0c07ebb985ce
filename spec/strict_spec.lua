-- By default a call is refused only for what the official SDK's types refuse, and the rest is
-- sent for the API to judge; `strict = true` (the client's option, or a call's) adds the API
-- docs' formats and ranges. Each case is a call the SDK sends: without strict it reaches the
-- server exactly as the SDK would send it, with strict it is refused before anything is sent.
local helper = require "helper"
local realtimekit = require "realtimekit"

local data = helper.data()
local ROOM = "abcdef-ghijkl" -- a v1 meeting's id: a room name, not a UUID
local U = "36d01e74-838a-4de1-a00c-a0c4b03f8368"
local LONG_ACCOUNT = string.rep("a", 33)

-- { resource, method, positional args, params, the parameter strict refuses,
--   the request without strict: { method, path below the app (or from /client/v4), query, body } }
local CASES = {
  -- A meeting id that is not a UUID, in every path whose docs give it the uuid format.
  { "meetings", "get", { ROOM }, nil, "meeting_id", { "GET", "/meetings/" .. ROOM } },
  { "meetings", "replace", { ROOM }, { title = "t" }, "meeting_id",
    { "PUT", "/meetings/" .. ROOM, "", '{"title":"t"}' } },
  { "meetings", "update", { ROOM }, { title = "t" }, "meeting_id",
    { "PATCH", "/meetings/" .. ROOM, "", '{"title":"t"}' } },
  { "meetings", "participants", { ROOM }, nil, "meeting_id",
    { "GET", "/meetings/" .. ROOM .. "/participants" } },
  { "participants", "list", { ROOM }, nil, "meeting_id",
    { "GET", "/meetings/" .. ROOM .. "/participants" } },
  { "meetings", "add_participant", { ROOM }, { custom_participant_id = "c", preset_name = "p" },
    "meeting_id", { "POST", "/meetings/" .. ROOM .. "/participants", "",
                    '{"custom_participant_id":"c","preset_name":"p"}' } },
  { "participants", "add", { ROOM }, { custom_participant_id = "c", preset_name = "p" },
    "meeting_id", { "POST", "/meetings/" .. ROOM .. "/participants", "",
                    '{"custom_participant_id":"c","preset_name":"p"}' } },
  { "participants", "get", { ROOM, "p1" }, nil, "meeting_id",
    { "GET", "/meetings/" .. ROOM .. "/participants/p1" } },
  { "participants", "update", { ROOM, "p1" }, { name = "n" }, "meeting_id",
    { "PATCH", "/meetings/" .. ROOM .. "/participants/p1", "", '{"name":"n"}' } },
  { "participants", "delete", { ROOM, "p1" }, nil, "meeting_id",
    { "DELETE", "/meetings/" .. ROOM .. "/participants/p1" } },
  { "participants", "refresh_token", { ROOM, "p1" }, nil, "meeting_id",
    { "POST", "/meetings/" .. ROOM .. "/participants/p1/token" } },
  { "livestreams", "start", { ROOM }, { name = "l" }, "meeting_id",
    { "POST", "/meetings/" .. ROOM .. "/livestreams", "", '{"name":"l"}' } },
  { "livestreams", "stop", { ROOM }, nil, "meeting_id",
    { "POST", "/meetings/" .. ROOM .. "/active-livestream/stop" } },
  { "livestreams", "of_meeting", { ROOM }, nil, "meeting_id",
    { "GET", "/meetings/" .. ROOM .. "/active-livestream" } },
  -- Time filters without a UTC offset, or a date alone.
  { "meetings", "list", {}, { start_time = "2026-05-01T09:30:00", end_time = "2026-05-31" },
    "start_time",
    { "GET", "/meetings", "start_time=2026-05-01T09%3A30%3A00&end_time=2026-05-31" } },
  { "sessions", "list", {}, { start_time = "2026-05-31", end_time = "2026-05-01T09:30:00" },
    "start_time",
    { "GET", "/sessions", "start_time=2026-05-31&end_time=2026-05-01T09%3A30%3A00" } },
  { "recordings", "list", {}, { end_time = "2026-05-01T09:30:00" }, "end_time",
    { "GET", "/recordings", "end_time=2026-05-01T09%3A30%3A00" } },
  { "livestreams", "list", {}, { start_time = "2026-05-31" }, "start_time",
    { "GET", "/livestreams", "start_time=2026-05-31" } },
  -- No status at all: the SDK's query string leaves an empty array out.
  { "recordings", "list", {}, { status = {}, expired = false }, "status",
    { "GET", "/recordings", "expired=false" } },
  -- Zeros below the docs' minimums.
  { "meetings", "create", {}, { session_keep_alive_time_in_secs = 0 },
    "session_keep_alive_time_in_secs",
    { "POST", "/meetings", "", '{"session_keep_alive_time_in_secs":0}' } },
  { "meetings", "create", {}, { recording_config = { video_config = { height = 0, width = 0 } } },
    "recording_config.video_config.height",
    { "POST", "/meetings", "", '{"recording_config":{"video_config":{"height":0,"width":0}}}' } },
  { "recordings", "start", {}, { meeting_id = U, video_config = { width = 0 } },
    "video_config.width",
    { "POST", "/recordings", "", '{"meeting_id":"' .. U .. '","video_config":{"width":0}}' } },
  { "meetings", "update", { U }, { recording_config = { video_config = { watermark = {
    size = { height = 0, width = 0 } } } } },
    "recording_config.video_config.watermark.size.height",
    { "PATCH", "/meetings/" .. U, "", '{"recording_config":{"video_config":{"watermark":'
      .. '{"size":{"height":0,"width":0}}}}}' } },
  -- Empty strings where the docs ask for a date-time, a date or a URI.
  { "meetings", "list", {}, { start_time = "", end_time = "" }, "start_time",
    { "GET", "/meetings", "start_time=&end_time=" } },
  { "recordings", "list", {}, { start_time = "" }, "start_time",
    { "GET", "/recordings", "start_time=" } },
  { "analytics", "daywise", {}, { start_date = "", end_date = "" }, "start_date",
    { "GET", "/analytics/daywise", "start_date=&end_date=" } },
  { "livestreams", "org_analytics", {}, { end_date = "" }, "end_date",
    { "GET", "/analytics/daywise", "end_date=" } },
  { "participants", "add", { U }, { custom_participant_id = "c", preset_name = "p",
    picture = "" }, "picture", { "POST", "/meetings/" .. U .. "/participants", "",
                                 '{"custom_participant_id":"c","preset_name":"p","picture":""}' } },
  { "participants", "update", { U, "p1" }, { picture = "" }, "picture",
    { "PATCH", "/meetings/" .. U .. "/participants/p1", "", '{"picture":""}' } },
  { "meetings", "create", {}, { recording_config = { live_streaming_config = { rtmp_url = "" } } },
    "recording_config.live_streaming_config.rtmp_url",
    { "POST", "/meetings", "", '{"recording_config":{"live_streaming_config":{"rtmp_url":""}}}' } },
  { "recordings", "start", {}, { meeting_id = U, video_config = { watermark = { url = "" } } },
    "video_config.watermark.url", { "POST", "/recordings", "", '{"meeting_id":"' .. U
      .. '","video_config":{"watermark":{"url":""}}}' } },
  -- The docs' other ranges: negative page numbers, a recording's length, a video's size, an
  -- account id's length.
  { "meetings", "list", {}, { page_no = -1, per_page = -10 }, "page_no",
    { "GET", "/meetings", "page_no=-1&per_page=-10" } },
  { "presets", "list", {}, { per_page = -0.5 }, "per_page",
    { "GET", "/presets", "per_page=-0.5" } },
  { "recordings", "start", {}, { meeting_id = U, max_seconds = 30 }, "max_seconds",
    { "POST", "/recordings", "", '{"meeting_id":"' .. U .. '","max_seconds":30}' } },
  { "meetings", "create", {}, { recording_config = { max_seconds = 90000 } },
    "recording_config.max_seconds",
    { "POST", "/meetings", "", '{"recording_config":{"max_seconds":90000}}' } },
  { "meetings", "replace", { U }, { session_keep_alive_time_in_secs = 3600,
    recording_config = { video_config = { width = 3840 } } }, "session_keep_alive_time_in_secs",
    { "PUT", "/meetings/" .. U, "", '{"session_keep_alive_time_in_secs":3600,'
      .. '"recording_config":{"video_config":{"width":3840}}}' } },
  { "sessions", "list", {}, { account_id = LONG_ACCOUNT }, "account_id",
    { "GET", "/client/v4/accounts/" .. LONG_ACCOUNT .. "/realtime/kit/" .. data.APP_ID
      .. "/sessions" } },
}

local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local function label(k)
  local args = {}
  for i, a in ipairs(k[3]) do args[i] = a end
  return ("%s:%s(%s) (%s)"):format(k[1], k[2], table.concat(args, ", "), k[5])
end

-- Calls case k on client c, its params with `over` (strict = ...) added.
local function call(c, k, over)
  local params
  if k[4] or over then
    params = {}
    for key, v in pairs(k[4] or {}) do params[key] = v end
    for key, v in pairs(over or {}) do params[key] = v end
  end
  local args = { unpack(k[3]) }
  local n = #k[3]
  args[n + 1] = params
  local obj = c[k[1]]
  return obj[k[2]](obj, unpack(args, 1, n + 1))
end

-- The one request the server received is the case's, exactly.
local function assert_sent(s, k, what)
  local r = s:requests()
  assert.equal(1, #r, what)
  local want = k[6]
  local path = want[2]
  if path:sub(1, 10) ~= "/client/v4" then
    path = "/client/v4/accounts/" .. data.ACCOUNT_ID .. "/realtime/kit/" .. data.APP_ID .. path
  end
  assert.same({ method = want[1], path = path, query = want[3] or "", body = want[4] },
    { method = r[1].method, path = r[1].path, query = r[1].query,
      body = r[1].body ~= "" and r[1].body or nil }, what)
end

local function assert_refused(s, k, err, what)
  assert.is_true(realtimekit.is_error(err), what)
  assert.equal("invalid_argument", err.kind, what)
  assert.equal(k[5], err.param, what .. ": " .. tostring(err))
  assert.equal(0, s:stats().requests, what)
end

describe("strict", function()
  describe("off, the default", function()
    for _, k in ipairs(CASES) do
      it("sends " .. label(k) .. " as the SDK does", function()
        local c, s = helper.client { max_retries = 0 }
        call(c, k)
        assert_sent(s, k, "default")
        c, s = helper.client { max_retries = 0, strict = true }
        call(c, k, { strict = false })
        assert_sent(s, k, "a strict client, strict = false for the call")
      end)
    end
  end)

  describe("on", function()
    for _, k in ipairs(CASES) do
      it("refuses " .. label(k) .. " before sending", function()
        local c, s = helper.client { max_retries = 0, strict = true }
        local v, err = call(c, k)
        assert.is_nil(v)
        assert_refused(s, k, err, "the client's strict")
        c, s = helper.client { max_retries = 0 }
        v, err = call(c, k, { strict = true })
        assert.is_nil(v)
        assert_refused(s, k, err, "the call's strict")
      end)
    end

    it("says what the docs ask for, a one-sided range as 'at least'", function()
      local c = helper.client { strict = true }
      local _, err = c.meetings:create { recording_config = { video_config = {
        watermark = { size = { width = 0 } } } } }
      assert.equal("recording_config.video_config.watermark.size.width: expected a number at "
        .. "least 1, got 0", err.message)
      _, err = c.meetings:create { session_keep_alive_time_in_secs = 0 }
      assert.equal("session_keep_alive_time_in_secs: expected a number from 60 to 600, got 0",
        err.message)
      _, err = c.meetings:get(ROOM)
      assert.equal('meeting_id: expected a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e, got '
        .. '"abcdef-ghijkl"', err.message)
      _, err = c.meetings:list { start_time = "2026-05-01T09:30:00" }
      assert.equal('start_time: expected an ISO 8601 date-time with offset like '
        .. '2026-05-01T09:30:00Z or Unix seconds, got "2026-05-01T09:30:00"', err.message)
      _, err = c.recordings:list { status = {} }
      assert.equal("status: expected at least one value", err.message)
    end)
  end)

  it("holds for iterators and their pages, both ways", function()
    local c, s = helper.client { max_retries = 0 }
    local err = helper.raised(function()
      c.meetings:each { start_time = "2026-05-01", strict = true }
    end)
    assert.equal("start_time", err.param)
    assert.equal(0, s:stats().requests)
    -- The API judges it (the fake server, as the API, answers 400).
    err = helper.raised(function()
      for _ in c.meetings:each { start_time = "2026-05-01", per_page = 2 } do end
    end)
    assert.equal("api", err.kind)
    assert.equal("page_no=1&per_page=2&start_time=2026-05-01", s:requests()[1].query)
    c, s = helper.client { max_retries = 0, strict = true }
    err = helper.raised(function() c.participants:each(ROOM) end)
    assert.equal("meeting_id", err.param)
    assert.equal(0, s:stats().requests)
    err = helper.raised(function()
      for _ in c.participants:pages(ROOM, { strict = false }) do end
    end)
    assert.equal("api", err.kind)
    assert.equal("/client/v4/accounts/" .. data.ACCOUNT_ID .. "/realtime/kit/" .. data.APP_ID
      .. "/meetings/" .. ROOM .. "/participants", s:requests()[1].path)
  end)

  it("holds for client.async, both ways", function()
    local c, s = helper.client { max_retries = 0 }
    local op, err = c.async.meetings:get(ROOM, { strict = true })
    assert.is_nil(op)
    assert.equal("meeting_id", err.param)
    assert.equal(0, s:stats().requests)
    op = assert(c.async.meetings:get(ROOM))
    local _, gerr = op:wait()
    assert.equal("api", gerr.kind)
    assert.equal("/client/v4/accounts/" .. data.ACCOUNT_ID .. "/realtime/kit/" .. data.APP_ID
      .. "/meetings/" .. ROOM, s:requests()[1].path)
    c, s = helper.client { max_retries = 0, strict = true }
    local walk
    walk, err = c.async.recordings:each { status = {} }
    assert.is_nil(walk)
    assert.equal("status", err.param)
    walk = assert(c.async.recordings:each { status = {}, strict = false })
    assert(helper.wait_for(function()
      c:poll(0.05)
      return walk:poll() ~= "pending"
    end, 10))
    assert.equal("page_no=1&per_page=100", s:requests()[1].query)
  end)

  it("holds for client:request's account_id", function()
    local c, s = helper.client { max_retries = 0, strict = true }
    local path = "/accounts/{account_id}/realtime/kit/{app_id}/meetings"
    local _, err = c:request("GET", path, { account_id = LONG_ACCOUNT })
    assert.equal("account_id", err.param)
    assert.equal(0, s:stats().requests)
    c:request("GET", path, { account_id = LONG_ACCOUNT, strict = false })
    assert.equal("/client/v4/accounts/" .. LONG_ACCOUNT .. "/realtime/kit/" .. data.APP_ID
      .. "/meetings", s:requests()[1].path)
  end)

  it("is taken by new, with an account id of the docs' length only when strict", function()
    local s = helper.server()
    local base = { api_token = s.token, base_url = s.url, app_id = data.APP_ID }
    local function new(over)
      local o = {}
      for k, v in pairs(base) do o[k] = v end
      for k, v in pairs(over) do o[k] = v end
      return realtimekit.new(o)
    end
    local c = assert(new { account_id = LONG_ACCOUNT })
    assert.is_false(c.strict)
    assert.is_true(assert(new { strict = true }).strict)
    local _, _, err = new { account_id = LONG_ACCOUNT, strict = true }
    assert.equal("account_id", err.param)
    _, _, err = new { strict = "yes" }
    assert.equal("strict", err.param)
    _, err = assert(new {}).meetings:list { strict = 1 }
    assert.equal("strict", err.param)
    assert.equal("strict: expected true or false, got 1", err.message)
  end)

  it("never loosens what the SDK's types refuse", function()
    local c, s = helper.client { strict = false }
    for _, k in ipairs {
      { function() return c.meetings:get("a/b") end, "meeting_id" },
      { function() return c.meetings:get("..") end, "meeting_id" },
      { function() return c.meetings:get("a\r\nX: y") end, "meeting_id" },
      { function() return c.meetings:get(42) end, "meeting_id" },
      { function() return c.meetings:list { start_time = {} } end, "start_time" },
      { function() return c.meetings:list { start_time = "a\0" } end, "start_time" },
      { function() return c.meetings:list { page_no = "1" } end, "page_no" },
      { function() return c.meetings:list { page_no = 0 / 0 } end, "page_no" },
      { function() return c.meetings:list { status = "LIVE" } end, "status" },
      { function() return c.recordings:list { status = { "DONE" } } end, "status" },
      { function() return c.recordings:list { status = { x = "UPLOADED" } } end, "status" },
      { function() return c.recordings:list { status = realtimekit.null } end, "status" },
      { function() return c.analytics:daywise { start_date = true } end, "start_date" },
      { function() return c.meetings:create { session_keep_alive_time_in_secs = "60" } end,
        "session_keep_alive_time_in_secs" },
      { function() return c.meetings:create { titel = "x" } end, "titel" },
      { function() return c.participants:add(ROOM, { picture = 1, custom_participant_id = "c",
          preset_name = "p" }) end, "picture" },
      { function() return c.participants:add(ROOM, { preset_name = "p" }) end,
        "custom_participant_id" },
      { function() return c.analytics:livestreams_overall { start_time = "" } end,
        "start_time" },
    } do
      local v, err = k[1]()
      assert.is_nil(v, k[2])
      assert.equal("invalid_argument", err.kind, k[2])
      assert.equal(k[2], err.param)
    end
    assert.equal(0, s:stats().requests)
  end)
end)
