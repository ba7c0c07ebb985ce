-- The token and a body's secrets are in no error, no tostring(err) and no on_request report,
-- whichever field a server (or a caller, by mistake) puts them in: message, code, errors[],
-- the body at every offset around the cut, the cf-ray header, an argument quoted back.
local helper = require "helper"
local realtimekit = require "realtimekit"
local errors = require "realtimekit.errors"
local redaction = require "realtimekit.redact"

local U = "36d01e74-838a-4de1-a00c-a0c4b03f8368"
local KEY = "AKIAIOSFODNN7EXAMPLE-k3y" -- a storage key: a body secret

-- Every string reachable from a value (keys, values, metatables), with tostring of errors.
local function strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then
    out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    if realtimekit.is_error(v) then out[#out + 1] = tostring(v) end
    for k, x in pairs(v) do
      strings(k, out, seen)
      strings(x, out, seen)
    end
  end
  return out
end

-- Fails when any string of v shows 8 bytes in a row of the secret; and when an error's body
-- (cut to 512 bytes) ends with the secret's start or the start of a marker.
local function assert_hidden(secret, v, label)
  for _, str in ipairs(strings(v)) do
    for i = 1, #secret - 7 do
      if str:find(secret:sub(i, i + 7), 1, true) then
        error(label .. ": shows part of the secret in " .. string.format("%q", str), 2)
      end
    end
  end
  local errs = realtimekit.is_error(v) and { v } or v
  for _, e in ipairs(errs) do
    if realtimekit.is_error(e) and e.body then
      assert.is_true(#e.body <= errors.BODY_START, label)
      assert.equal(0, redaction.tail(e.body, secret), label .. ": the body ends with the secret's "
        .. "start: " .. e.body:sub(-20))
      for k = 1, #redaction.MARK - 1 do
        assert.is_false(e.body:sub(-k) == redaction.MARK:sub(1, k), label .. ": a cut marker")
      end
    end
  end
end

for _, decoder in ipairs { "cjson", "core" } do
  describe("redaction (decoder " .. decoder .. ")", function()
    local c, s, reports
    before_each(function()
      reports = {}
      c, s = helper.client { decoder = decoder, max_retries = 0,
                             on_request = function(info) reports[#reports + 1] = info end }
    end)

    local function list_error(body, headers, status)
      s:fault { status = status or 400, body = body, headers = headers }
      local page, err = c.meetings:list()
      assert.is_nil(page)
      assert.is_true(realtimekit.is_error(err))
      return err
    end

    it("keeps the token out of an error code, in both error shapes", function()
      local t = s.token
      for _, body in ipairs {
        '{"success":false,"errors":[{"code":"' .. t .. '","message":"bad"},'
          .. '{"code":"x' .. t .. 'y","message":"worse"}]}',
        '{"success":false,"error":{"code":"' .. t .. '","message":"bad"}}',
        '{"success":false,"error":{"code":"Bearer ' .. t .. '","message":"' .. t .. '"}}',
      } do
        local err = list_error(body)
        assert.equal("api", err.kind)
        assert.matches("[REDACTED]", err.code, 1, true)
        assert.matches("[REDACTED]", err.errors[1].code, 1, true)
        assert_hidden(t, { err, reports }, body)
      end
    end)

    it("keeps the token out of the body at every offset around the cut", function()
      local t = s.token
      for off = 512 - #t - 4, 512 + 4 do
        for _, status in ipairs { 400, 200 } do -- an api error, and a decode error
          local prefix = '{"success":false,"error":{"code":1,"message":"m"},"pad":"'
          local body = prefix .. ("x"):rep(off - #prefix) .. t .. ("y"):rep(600) .. '"}'
          if status == 200 then body = "<html>" .. body end
          local err = list_error(body, nil, status)
          assert.is_true(#err.body <= errors.BODY_START)
          assert_hidden(t, { err, reports }, "offset " .. off .. " status " .. status)
        end
      end
    end)

    it("cuts before a marker rather than through it", function()
      local t = s.token
      local prefix = '{"success":false,"error":{"code":1,"message":"m"},"pad":"'
      for off = 500, 512 do
        local body = prefix .. ("x"):rep(off - #prefix) .. t .. ("y"):rep(100) .. '"}'
        local err = list_error(body)
        -- The marker takes bytes off + 1 to off + 10: kept whole when it fits, else left out.
        local want = prefix .. ("x"):rep(off - #prefix) .. "[REDACTED]" .. ("y"):rep(100)
        want = off + 10 <= 512 and want:sub(1, 512) or want:sub(1, off)
        assert.equal(want, err.body)
      end
    end)

    it("keeps the token out of the cf-ray header, in the error and the report", function()
      local t = s.token
      local err = list_error('{"success":false,"error":{"code":1,"message":"m"}}',
        { ["cf-ray"] = "8f" .. t .. "-SJC" })
      assert.equal("8f[REDACTED]-SJC", err.cf_ray)
      assert.equal("8f[REDACTED]-SJC", reports[1].cf_ray)
      assert_hidden(t, { err, reports }, "cf-ray")
    end)

    it("keeps the token out of a successful attempt's report", function()
      s:fault { status = 200, body = '{"success":true,"data":[],"paging":{"total_count":0,'
        .. '"start_offset":0,"end_offset":0}}', headers = { ["cf-ray"] = s.token } }
      assert(c.meetings:list())
      assert.equal("[REDACTED]", reports[1].cf_ray)
      assert_hidden(s.token, reports, "report")
    end)

    it("keeps a body's secrets out of every field, as the token", function()
      local fields = {
        '{"success":false,"error":{"code":"' .. KEY .. '","message":"key ' .. KEY .. '"}}',
        '{"success":false,"errors":[{"code":"' .. KEY .. '","message":"' .. KEY .. '"}]}',
      }
      local prefix = '{"success":false,"error":{"code":1,"message":"m"},"pad":"'
      for off = 512 - #KEY - 2, 514 do
        fields[#fields + 1] = prefix .. ("x"):rep(off - #prefix) .. KEY .. ("y"):rep(600) .. '"}'
      end
      for _, body in ipairs(fields) do
        s:fault { status = 400, body = body, headers = { ["cf-ray"] = KEY } }
        local v, err = c.recordings:start { meeting_id = U, storage_config = {
          type = "aws", access_key = "public-id", secret = KEY, region = "r", bucket = "b" } }
        assert.is_nil(v)
        assert.equal("api", err.kind)
        assert_hidden(KEY, { err, reports }, body:sub(1, 60))
      end
    end)

    it("keeps the token out of an argument quoted back, sent or not", function()
      local t = s.token
      -- A session id is any path segment: this one is sent, and the path in the error holds it.
      local _, err = c.sessions:get(t)
      assert.equal("api", err.kind)
      assert.equal("/client/v4/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
        .. "/sessions/[REDACTED]", err.path)
      assert.matches("/sessions/[REDACTED]", reports[1].url, 1, true)
      assert_hidden(t, { err, reports }, "session id")
      local op = assert(c.async.sessions:get(t))
      op:cancel()
      _, err = op:wait()
      assert.equal("the operation was cancelled", err.message)
      assert_hidden(t, err, "cancelled")
      _, err = c.meetings:get(t) -- the docs' UUID, checked only when strict: sent
      assert.equal("api", err.kind)
      assert_hidden(t, err, tostring(err))
      _, err = c.meetings:get(t, { strict = true }) -- refused, quoting the value
      assert.equal("invalid_argument", err.kind)
      assert_hidden(t, err, tostring(err))
      -- Refused before sending, quoting the value cut to 40 bytes.
      for _, call in ipairs {
        function() return c.meetings:list { status = t } end,
        function() return c.meetings:list { account_id = t, strict = true } end,
        function() return c.sessions:list { start_time = t, strict = true } end,
        function() return c.meetings:list { [t] = 1 } end,
        function() return c:request("GET", "/{" .. t .. "}") end,
        function() return c:request("GET", "/x", { query = { [t] = { {} } } }) end,
        function() return c.sessions:list { sort_by = t } end,
      } do
        local v, e = call()
        assert.is_nil(v)
        assert.equal("invalid_argument", e.kind)
        assert_hidden(t, e, tostring(e))
      end
    end)
  end)
end

describe("redaction in new()", function()
  local T = "tok-Q7pX2mZk9VwR4sL8nB3cJ6hF1dG5aE0yU-secret"

  it("keeps the token out of a base_url quoted back", function()
    for _, url in ipairs { "https://" .. T .. "_/", "https://x/" .. T .. "?q", "ftp://x/" .. T,
                           "https://x/a b " .. T, "https://x/" .. T .. "\0" } do
      local c, message, err = realtimekit.new { api_token = T, base_url = url }
      assert.is_nil(c)
      assert.equal("base_url", err.param)
      assert_hidden(T, err, url)
      assert_hidden(T, { message }, url)
    end
  end)

  it("keeps the token out of any other option quoted back", function()
    for _, opts in ipairs {
      { decoder = T }, { transport = T }, { account_id = T, strict = true },
      { account_id = T .. "/x" }, { app_id = T .. "/x" },
      { [T] = true }, { ca_file = "/nonexistent/" .. T }, { user_agent = T .. "\n" },
    } do
      opts.api_token = T
      local c, message, err = realtimekit.new(opts)
      assert.is_nil(c)
      assert_hidden(T, err, tostring(err))
      assert_hidden(T, { message }, message)
    end
  end)

  it("takes the token from the environment for that", function()
    local out = helper.run_lua([[
      local _, message = require("realtimekit").new { base_url = "ftp://x/" .. os.getenv("T") }
      print(message)
    ]], { CLOUDFLARE_API_TOKEN = T, T = T })
    assert.matches("base_url", out)
    assert.is_nil(out:find(T:sub(1, 8), 1, true), out)
  end)

  it("keeps the token out of a call's path when base_url holds it", function()
    local c = assert(realtimekit.new { api_token = T, account_id = "a", app_id = "b",
                                       base_url = "http://127.0.0.1:1/" .. T, max_retries = 0 })
    local _, err = c.meetings:list()
    assert.equal("network", err.kind)
    assert_hidden(T, err, tostring(err))
  end)
end)

describe("redaction of the client's own line", function()
  it("keeps the token out of tostring(client) in every field it shows", function()
    -- A token of up to 32 characters passes for an account id; any, for an app id or a part
    -- of base_url.
    local short, long = "Q7pX2mZk9VwR4sL8nB3cJ6hF1dG5aE0y", "tok-" .. ("Q"):rep(40)
    for _, opts in ipairs {
      { api_token = short, account_id = short, app_id = "app", base_url = "http://127.0.0.1:1" },
      { api_token = long, account_id = "acc", app_id = long, base_url = "http://127.0.0.1:1" },
      { api_token = long, account_id = "acc", app_id = "app",
        base_url = "http://127.0.0.1:1/" .. long .. "/v4" },
    } do
      local line = tostring(assert(realtimekit.new(opts)))
      assert_hidden(opts.api_token, { line }, line)
      assert.matches("[REDACTED]", line, 1, true)
      assert.matches("^realtimekit client %(http://127%.0%.0%.1:1", line)
    end
  end)
end)

describe("redaction of a walk's error", function()
  it("keeps the token out of the list's parameters it holds", function()
    local c, s = helper.client { max_retries = 0 }
    s:fault { status = 503, match = "page_no=1" }
    local err = helper.raised(function()
      for _ in c.meetings:each { search = "title " .. s.token, status = "ACTIVE" } do end
    end)
    assert.equal(1, err.page_no)
    assert.same({ search = "title [REDACTED]", status = "ACTIVE", page_no = 1, per_page = 100 },
      err.params)
    assert_hidden(s.token, err, "err.params")
  end)
end)

describe("realtimekit.redact", function()
  local redact = redaction.redactor(nil, { "s3cr3t-value-1234", "abcd" })

  it("replaces whole secrets and long enough starts of them", function()
    assert.equal("a [REDACTED] b [REDACTED] c", redact("a s3cr3t-value-1234 b abcd c"))
    assert.equal("id [REDACTED]\"", redact('id s3cr3t-v"'))
    assert.equal("short s3cr3t-", redact("short s3cr3t-"))
  end)

  it("cuts after redacting, never through a marker or the start of a secret", function()
    local s = ("x"):rep(10) .. "s3cr3t-value-1234" .. ("y"):rep(10)
    assert.equal(("x"):rep(10), redact(s, 15))
    assert.equal(("x"):rep(10) .. "[REDACTED]", redact(s, 20))
    assert.equal(("x"):rep(10), redact(("x"):rep(10) .. "s3cr3zz", 15))
    assert.equal(("x"):rep(10) .. "s3cr3", redact(("x"):rep(10) .. "s3cr3", 15))
  end)

  it("leaves values that are not strings as they are", function()
    assert.equal(42, redact(42))
    assert.is_nil(redact(nil))
  end)
end)
