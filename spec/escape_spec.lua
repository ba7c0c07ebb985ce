-- The ways past what the rows know: client:request for any endpoint, the per-call options
-- (timeout, extra_headers, extra_query, extra_body) and the client's headers and user_agent.
local helper = require "helper"
local realtimekit = require "realtimekit"
local cjson = require "cjson"

local function last(s)
  local r = s:requests()
  return r[#r]
end

local APP = "/accounts/{account_id}/realtime/kit/{app_id}"

describe("client:request", function()
  it("reaches any path, filling in the account and app, and returns the whole body", function()
    local c, s = helper.client()
    local body = assert(c:request("GET", APP .. "/meetings",
      { query = { per_page = 3, status = "ACTIVE" } }))
    assert.is_true(body.success)
    assert.equal(3, #body.data)
    assert.is_number(body.paging.total_count)
    local sent = last(s)
    assert.equal("/client/v4/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
      .. "/meetings", sent.path)
    assert.equal("per_page=3&status=ACTIVE", sent.query)
  end)

  it("repeats a key for an array value, and takes the app from the call", function()
    local c, s = helper.client()
    assert(c:request("get", APP .. "/recordings",
      { query = { status = { "UPLOADED", "ERRORED" } }, app_id = s.app_id }))
    assert.equal("status=UPLOADED&status=ERRORED", last(s).query)
  end)

  it("sends a table body as JSON and a string body as it is", function()
    local c, s = helper.client()
    local keywords = realtimekit.array()
    local created = assert(c:request("POST", APP .. "/meetings",
      { body = { title = "Raw", ai_config = { transcription = { keywords = keywords } } } }))
    assert.equal("Raw", created.data.title)
    assert.equal('{"ai_config":{"transcription":{"keywords":[]}},"title":"Raw"}', last(s).body)
    created = assert(c:request("POST", APP .. "/meetings", { body = '{"title":"As is"}' }))
    assert.equal("As is", created.data.title)
    assert.equal('{"title":"As is"}', last(s).body)
    assert.equal("application/json", last(s).headers["content-type"])
  end)

  it("sends headers, and refuses those that are the client's or the transport's", function()
    local c, s = helper.client()
    assert(c:request("GET", APP .. "/meetings", { headers = { ["X-Trace"] = "abc" } }))
    assert.equal("abc", last(s).headers["x-trace"])
    for _, name in ipairs { "Authorization", "authorization", "Host", "Content-Length" } do
      local v, err = c:request("GET", APP .. "/meetings", { headers = { [name] = "x" } })
      assert.is_nil(v)
      assert.equal("headers", err.param)
    end
    local _, err = c:request("GET", APP .. "/meetings", { headers = { ["X-A"] = "a\r\nB: b" } })
    assert.equal("headers", err.param)
  end)

  it("retries, classifies and redacts as every call does", function()
    local c, s = helper.client()
    s:fault { status = 503, headers = { ["retry-after-ms"] = "10" } }
    assert(c:request("GET", APP .. "/meetings"))
    assert.equal(2, s:stats().requests)
    local v, err = c:request("GET", APP .. "/meetings/00000000-0000-4000-8000-00000000ffff")
    assert.is_nil(v)
    assert.equal("api", err.kind)
    assert.equal(404, err.status)
    assert.equal("GET", err.method)
    s:fault { status = 200, body = "<html>" }
    v, err = c:request("GET", APP .. "/meetings")
    assert.is_nil(v)
    assert.equal("decode", err.kind)
  end)

  it("gives an empty table for a success with an empty body", function()
    local c, s = helper.client()
    s:fault { status = 204, body = "" }
    assert.same({}, assert(c:request("DELETE", APP .. "/webhooks/x")))
  end)

  it("refuses what cannot be a request before sending anything", function()
    local c, s = helper.client()
    local cases = {
      { "method", "FETCH", APP .. "/meetings" },
      { "method", 1, APP .. "/meetings" },
      { "path", "GET", "meetings" },
      { "path", "GET", APP .. "/meetings?x=1" },
      { "path", "GET", APP .. "/meetings/../presets" },
      { "path", "GET", APP .. "/meetings/%2e%2E/presets" },
      { "path", "GET", APP .. "/meetings/{meeting_id}" },
      { "path", "GET", APP .. "/meetings\n" },
      { "colour", "GET", APP .. "/meetings", { colour = 1 } },
      { "body", "GET", APP .. "/meetings", { body = { a = 1 } } },
      { "body", "POST", APP .. "/meetings", { body = 5 } },
      { "query", "GET", APP .. "/meetings", { query = "per_page=3" } },
      { "query.x", "GET", APP .. "/meetings", { query = { x = print } } },
      { "timeout", "GET", APP .. "/meetings", { timeout = 0 } },
      { "max_retries", "GET", APP .. "/meetings", { max_retries = 11 } },
      { "app_id", "GET", APP .. "/meetings", { app_id = "a/b" } },
    }
    for _, case in ipairs(cases) do
      local v, err = c:request(case[2], case[3], case[4])
      assert.is_nil(v, tostring(case[3]))
      assert.equal(case[1], err.param, tostring(case[3]) .. ": " .. tostring(err))
    end
    assert.equal(0, s:stats().requests)
  end)

  it("percent-encodes what a path cannot hold as it is", function()
    local c, s = helper.client()
    c:request("GET", APP .. "/meetings/é|x%zz%41", { max_retries = 0 })
    assert.equal("/client/v4/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
      .. "/meetings/%C3%A9%7Cx%25zz%41", last(s).raw_path or last(s).path)
  end)

  it("has an async twin", function()
    local c = helper.client()
    local op = assert(c.async:request("GET", APP .. "/meetings", { query = { per_page = 2 } }))
    local body = assert(op:wait())
    assert.equal(2, #body.data)
  end)
end)

describe("per-call options", function()
  it("timeout: this call only, per attempt", function()
    local c, s = helper.client { max_retries = 0 }
    -- Held until released: the call can only end at its own timeout.
    s:fault { hold = true }
    local v, err = c.meetings:list { timeout = 0.2 }
    assert.is_nil(v)
    assert.equal("timeout", err.kind)
    s:release()
    s:fault { delay = 0.3 }
    assert(c.meetings:list())
  end)

  it("extra_headers: sent with the call; realtimekit.null drops one of the client's", function()
    local c, s = helper.client { headers = { ["X-Team"] = "ops", ["X-Env"] = "test" } }
    assert(c.meetings:list { extra_headers = { ["X-Trace"] = "t1", ["X-Env"] = realtimekit.null } })
    local h = last(s).headers
    assert.equal("t1", h["x-trace"])
    assert.equal("ops", h["x-team"])
    assert.is_nil(h["x-env"])
    assert(c.meetings:list())
    assert.equal("test", last(s).headers["x-env"])
    local v, err = c.meetings:list { extra_headers = { Authorization = "Bearer other" } }
    assert.is_nil(v)
    assert.equal("extra_headers", err.param)
    assert.matches("Authorization cannot be set", err.message)
  end)

  it("extra_query: added unchecked, replacing a parameter of the same name", function()
    local c, s = helper.client()
    local page = assert(c.meetings:list { per_page = 10, extra_query = { per_page = "3" } })
    assert.equal(3, #page.data)
    assert.equal("per_page=3", last(s).query)
    c.meetings:list { extra_query = { new_filter = { "a b", "c" } }, max_retries = 0 }
    assert.equal("new_filter=a%20b&new_filter=c", last(s).query)
  end)

  it("extra_body: merged into the body unchecked, its fields over the checked ones", function()
    local c, s = helper.client()
    local data = helper.data()
    local mid = data.build().apps[data.APP_ID].meetings[5].id
    -- preset_name is required, and extra_body may be what supplies it.
    local p = assert(c.participants:add(mid, { custom_participant_id = "x1",
      extra_body = { preset_name = "group_call_host" } }))
    assert.equal("group_call_host", p.preset_name)
    assert.equal('{"custom_participant_id":"x1","preset_name":"group_call_host"}',
      last(s).body)
    c.meetings:create { title = "T", extra_body = { title = 7, new_field = { 1, 2 } },
                        max_retries = 0 }
    assert.same({ title = 7, new_field = { 1, 2 } }, cjson.decode(last(s).body))
    local v, err = c.meetings:list { extra_body = { a = 1 } }
    assert.is_nil(v)
    assert.equal("extra_body", err.param)
  end)

  it("are checked, and an unknown parameter names every one a call takes", function()
    local c, s = helper.client()
    for param, value in pairs { timeout = -1, extra_headers = "x", extra_query = 5,
                                extra_body = realtimekit.array { 1 } } do
      local v, err = c.meetings:list { [param] = value }
      assert.is_nil(v)
      assert.equal(param, err.param)
    end
    local ok, e = pcall(c.meetings.each, c.meetings, { pages = 1 })
    assert.is_false(ok)
    assert.equal("pages", e.param)
    assert.matches("extra_body, concurrency, limit, progress)", e.message, 1, true)
    assert.matches("extra_query", e.message, 1, true)
    assert.equal(0, s:stats().requests)
  end)
end)

describe("client options", function()
  it("headers are sent with every request; user_agent is appended to realtimekit's", function()
    local c, s = helper.client { headers = { ["X-Team"] = "ops" }, user_agent = "my-tool/2.0" }
    assert(c.meetings:list())
    assert(c.sessions:list())
    for _, r in ipairs(s:requests()) do
      assert.equal("ops", r.headers["x-team"])
      assert.matches("^realtimekit%-lua/[%d.]+ %(.-%) my%-tool/2%.0$", r.headers["user-agent"])
    end
    assert.matches("my%-tool/2%.0$", c:user_agent())
  end)

  it("refuses bad headers and user agents", function()
    for opt, value in pairs { headers = { Authorization = "x" }, user_agent = "a\nb" } do
      local c, _, err = realtimekit.new { api_token = "t", [opt] = value }
      assert.is_nil(c)
      assert.equal(opt, err.param)
    end
  end)

  it("app_id defaults to REALTIMEKIT_APP_ID", function()
    local s = helper.server()
    local out, ok = helper.run_lua([[
      local c = assert(require("realtimekit").new())
      io.write(c.app_id, " ", #assert(c.meetings:list { per_page = 2 }).data)
    ]], { CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
          REALTIMEKIT_APP_ID = s.app_id, CLOUDFLARE_BASE_URL = s.url })
    assert.is_true(ok, out)
    assert.equal(s.app_id .. " 2", out)
  end)
end)
