local helper = require "helper"
local errors = require "realtimekit.errors"
local compat = require "realtimekit.compat"
local retry = require "realtimekit.retry"
local json = require "realtimekit.json"

local function response(status, body, headers)
  return errors.from_response(status, headers or {}, body, json.decode(body),
    { method = "GET", path = "/client/v4/accounts/x/realtime/kit/y/meetings" })
end

describe("realtimekit.errors", function()
  describe("from_response()", function()
    it("reads the Cloudflare v4 shape", function()
      local e = response(401,
        '{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],'
        .. '"messages":[],"result":null}', { ["cf-ray"] = "8f00aa11bb22cc33-SJC" })
      assert.equal("api", e.kind)
      assert.equal(401, e.status)
      assert.equal(10000, e.code)
      -- The code is said once, in its own field, and tostring says it once too.
      assert.equal("Authentication error", e.message)
      assert.same({ { code = 10000, message = "Authentication error" } }, e.errors)
      assert.equal("8f00aa11bb22cc33-SJC", e.cf_ray)
      assert.is_false(e.retryable)
      local text = tostring(e)
      assert.equal(1, select(2, text:gsub("10000", "")))
      assert.matches("check CLOUDFLARE_API_TOKEN", text, 1, true)
      assert.matches("check CLOUDFLARE_API_TOKEN", e.hint, 1, true)
    end)

    it("hints at the token's permission for a 403, and at nothing for other statuses", function()
      local e = response(403, '{"success":false,"errors":[{"code":10000,"message":"nope"}]}')
      assert.matches("Realtime or Realtime Admin permission", e.hint, 1, true)
      assert.matches("Realtime or Realtime Admin permission", tostring(e), 1, true)
      assert.is_nil(response(404, '{"success":false,"error":{"code":404,"message":"x"}}').hint)
    end)

    it("reads as its text when concatenated", function()
      local e = response(404, '{"success":false,"error":{"code":404,"message":"Gone"}}')
      assert.equal("failed: " .. tostring(e), "failed: " .. e)
      assert.equal(tostring(e) .. "!", e .. "!")
      assert.has_error(function() return e .. {} end)
    end)

    it("reads RealtimeKit's own shape", function()
      local e = response(404,
        '{"success":false,"error":{"code":404,"message":"Meeting not found"}}')
      assert.equal("Meeting not found", e.message)
      assert.equal(404, e.code)
      assert.same({ { code = 404, message = "Meeting not found" } }, e.errors)
    end)

    it("joins several v4 errors", function()
      local e = response(400,
        '{"success":false,"errors":[{"code":1,"message":"a"},{"code":2,"message":"b"}]}')
      assert.equal("a (code 1); b (code 2)", e.message)
      assert.equal(1, e.code)
    end)

    it("keeps the start of a body that is not JSON", function()
      local html = "<html><body>" .. string.rep("x", 2000) .. "</body></html>"
      local e = response(502, html)
      assert.equal("api", e.kind)
      assert.equal("HTTP 502 with a body that is not JSON", e.message)
      assert.equal(512, #e.body)
      assert.is_true(e.retryable)
    end)

    it("marks 408, 409, 429 and 5xx retryable, and obeys x-should-retry", function()
      for _, s in ipairs { 408, 409, 429, 500, 503 } do
        assert.is_true(response(s, "{}").retryable)
      end
      for _, s in ipairs { 400, 401, 403, 404, 422 } do
        assert.is_false(response(s, "{}").retryable)
      end
      assert.is_true(response(400, "{}", { ["x-should-retry"] = "true" }).retryable)
      assert.is_false(response(503, "{}", { ["x-should-retry"] = "false" }).retryable)
    end)

    it("reads retry-after-ms, retry-after in seconds and as an HTTP date", function()
      assert.equal(0.25,
        response(429, "{}", { ["retry-after-ms"] = "250", ["retry-after"] = "5" }).retry_after)
      assert.equal(5, response(429, "{}", { ["retry-after"] = "5" }).retry_after)
      local now = 1767225600 -- 2026-01-01T00:00:00Z
      assert.equal(90,
        retry.retry_after({ ["retry-after"] = "Thu, 01 Jan 2026 00:01:30 GMT" }, now))
      assert.equal(0,
        retry.retry_after({ ["retry-after"] = "Wed, 31 Dec 2025 00:00:00 GMT" }, now))
      assert.is_nil(retry.retry_after({ ["retry-after"] = "soon" }, now))
    end)

    it("takes no hint longer than 64 bytes, whatever it holds", function()
      -- Reading 20,000 digits that end in a letter took seconds of CPU.
      for _, v in ipairs { ("1"):rep(20000) .. "x", ("1"):rep(65), ("0"):rep(62) .. "1.5" } do
        assert.is_nil(retry.retry_after({ ["retry-after-ms"] = v }), v:sub(1, 10))
        assert.is_nil(retry.retry_after({ ["retry-after"] = v }), v:sub(1, 10))
      end
      assert.equal(0.0015, retry.retry_after({ ["retry-after-ms"] = ("0"):rep(61) .. "1.5" }))
      assert.equal(1, retry.retry_after({ ["retry-after"] = ("0"):rep(63) .. "1" }))
    end)

    it("scrubs what the redactor finds", function()
      local e = errors.from_response(500, {}, '{"error":{"code":500,"message":"bad token s3cr3t"}}',
        json.decode('{"error":{"code":500,"message":"bad token s3cr3t"}}'), nil,
        function(s) return (s:gsub("s3cr3t", "[REDACTED]")) end)
      assert.equal("bad token [REDACTED]", e.message)
      assert.not_matches("s3cr3t", e.body)
      assert.equal("bad token [REDACTED]", e.errors[1].message)
    end)
  end)

  describe("__tostring", function()
    it("is one readable line with status, code, request and cf-ray", function()
      local e = response(404,
        '{"success":false,"error":{"code":7001,"message":"Meeting\\nnot found"}}',
        { ["cf-ray"] = "abc-SJC" })
      assert.equal("realtimekit api error (HTTP 404, code 7001): Meeting not found "
        .. "[GET /client/v4/accounts/x/realtime/kit/y/meetings] cf-ray abc-SJC", tostring(e))
    end)

    it("names the parameter of an invalid argument", function()
      local e = errors.invalid("per_page", "expected a whole number")
      assert.equal("invalid_argument", e.kind)
      assert.equal("per_page", e.param)
      assert.equal("realtimekit invalid_argument error: per_page: expected a whole number",
        tostring(e))
      assert.is_true(errors.is(e))
      assert.is_false(errors.is({ kind = "api" }))
    end)
  end)

  describe("__tostring of a walk's error", function()
    it("names the page after the request", function()
      local e = response(503, '{"success":false,"error":{"code":503,"message":"Busy"}}')
      e.page_no = 3
      assert.equal("realtimekit api error (HTTP 503): Busy "
        .. "[GET /client/v4/accounts/x/realtime/kit/y/meetings, page 3]", tostring(e))
    end)
  end)

  describe("raise()", function()
    local e = errors.invalid("per_page", "expected a whole number")

    it("raises the object into a pcall of the running coroutine", function()
      local ok, err = pcall(function() errors.raise(e) end)
      assert.is_false(ok)
      assert.equal(e, err)
      ok, err = xpcall(function() errors.raise(e) end, function(x) return x end)
      assert.is_false(ok)
      assert.equal(e, err)
      -- However deep the pcall is.
      local function deep(n) if n == 0 then errors.raise(e) end deep(n - 1) end
      ok, err = pcall(deep, 50)
      assert.is_false(ok)
      assert.equal(e, err)
    end)

    it("raises the message, with the position of the level asked, where no pcall of the "
      .. "running coroutine catches it", function()
      local co = coroutine.create(function() errors.raise(e, 1) end)
      local ok, err = coroutine.resume(co)
      assert.is_false(ok)
      assert.is_string(err)
      assert.matches("^spec/errors_spec%.lua:%d+: realtimekit invalid_argument error: per_page: "
        .. "expected a whole number$", err)
      -- A pcall that resumed the coroutine is in another one: the message escapes it.
      ok, err = pcall(coroutine.wrap(function() errors.raise(e) end))
      assert.is_false(ok)
      assert.is_string(err)
    end)

    it("raises anything else as error does", function()
      local co = coroutine.create(function() errors.raise("plain", 1) end)
      local _, err = coroutine.resume(co)
      assert.matches("^spec/errors_spec%.lua:%d+: plain$", err)
      local t = {}
      assert.equal(t, select(2, pcall(errors.raise, t)))
    end)
  end)

  describe("realtimekit.assert()", function()
    local realtimekit = require "realtimekit"

    it("returns all its arguments when the first is a value", function()
      assert.same({ 1, 2, nil, 4 }, { realtimekit.assert(1, 2, nil, 4) })
      assert.same({ 0, false }, { realtimekit.assert(0, false) })
    end)

    it("raises the error object into a pcall, its message elsewhere", function()
      local e = errors.new("api", "Busy", { status = 503 })
      local ok, err = pcall(function() realtimekit.assert(nil, e) end)
      assert.is_false(ok)
      assert.equal(e, err)
      local co = coroutine.create(function() realtimekit.assert(nil, e) end)
      ok, err = coroutine.resume(co)
      assert.is_false(ok)
      assert.matches("^spec/errors_spec%.lua:%d+: realtimekit api error %(HTTP 503%): Busy$", err)
    end)

    it("raises a string with the caller's position, and nothing as \"assertion failed!\"",
      function()
        local co = coroutine.create(function() realtimekit.assert(nil, "no such file") end)
        local _, err = coroutine.resume(co)
        assert.matches("^spec/errors_spec%.lua:%d+: no such file$", err)
        co = coroutine.create(function() realtimekit.assert(false) end)
        _, err = coroutine.resume(co)
        assert.matches("^spec/errors_spec%.lua:%d+: assertion failed!$", err)
      end)
  end)

  describe("days_from_civil()", function()
    it("counts days from 1970-01-01", function()
      assert.equal(0, compat.days_from_civil(1970, 1, 1))
      assert.equal(20454, compat.days_from_civil(2026, 1, 1))
      assert.equal(19782, compat.days_from_civil(2024, 2, 29))
    end)
  end)
end)

-- What a user sees when an error escapes a script run by a standalone interpreter of the kind
-- running these specs (lua5.1, luajit, lua5.4, …): the message, whichever idiom of README's
-- raised it. Lua 5.1's interpreter shows "(error object is not a string)" for a table, and its
-- assert takes only a string.
describe("an error that escapes a script", function()
  local s

  setup(function() s = helper.server() end)
  before_each(function() s:reset() end)

  local function env()
    return { CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
             REALTIMEKIT_APP_ID = s.app_id, CLOUDFLARE_BASE_URL = s.url }
  end

  local function escaped(code, want)
    local out, ok = helper.run_lua(code, env())
    assert.is_false(ok, out)
    assert.matches(want, out, 1, true)
    assert.is_nil(out:find("error object is not a string", 1, true), out)
    assert.is_nil(out:find("bad argument #2 to 'assert'", 1, true), out)
    return out
  end

  it("from assert(realtimekit.new { … }) prints the message", function()
    escaped([[local c = assert(require("realtimekit").new { account_id = "not/an/account" })]],
      "realtimekit invalid_argument error: account_id: ")
  end)

  it("from a walk in a for prints the message, the page and the line of the for", function()
    s:fault { status = 503, match = "page_no=2" }
    local out = escaped([[
      local client = assert(require("realtimekit").new { max_retries = 0 })
      for m in client.meetings:each { per_page = 100 } do end
    ]], "realtimekit api error (HTTP 503): Service Unavailable [GET ")
    assert.matches("/meetings, page 2]", out, 1, true)
    -- The chunk's first line is on the same line as run_lua's own setup: the for is line 2.
    assert.matches("%(command line%):2: realtimekit api error", out)
  end)

  it("from realtimekit.assert around a call prints the message", function()
    escaped([[
      local realtimekit = require "realtimekit"
      local client = assert(realtimekit.new {})
      realtimekit.assert(client.meetings:get("00000000-0000-4000-8000-000000000000"))
    ]], "realtimekit api error (HTTP 404")
  end)

  it("is the error object inside a pcall around the walk", function()
    s:fault { status = 503, match = "page_no=2" }
    local out, ok = helper.run_lua([[
      local realtimekit = require "realtimekit"
      local client = assert(realtimekit.new { max_retries = 0 })
      local ok, err = pcall(function()
        for m in client.meetings:each { per_page = 100 } do end
      end)
      print(ok, realtimekit.is_error(err), err.kind, err.status, err.page_no, err.params.page_no,
        err.params.per_page)
    ]], env())
    assert.is_true(ok, out)
    assert.equal("false\ttrue\tapi\t503\t2\t2\t100\n", out)
  end)
end)
