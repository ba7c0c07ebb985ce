require "helper"
local errors = require "realtimekit.errors"
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
        errors.retry_after({ ["retry-after"] = "Thu, 01 Jan 2026 00:01:30 GMT" }, now))
      assert.equal(0,
        errors.retry_after({ ["retry-after"] = "Wed, 31 Dec 2025 00:00:00 GMT" }, now))
      assert.is_nil(errors.retry_after({ ["retry-after"] = "soon" }, now))
    end)

    it("takes no hint longer than 64 bytes, whatever it holds", function()
      -- Reading 20,000 digits that end in a letter took seconds of CPU.
      for _, v in ipairs { ("1"):rep(20000) .. "x", ("1"):rep(65), ("0"):rep(62) .. "1.5" } do
        assert.is_nil(errors.retry_after({ ["retry-after-ms"] = v }), v:sub(1, 10))
        assert.is_nil(errors.retry_after({ ["retry-after"] = v }), v:sub(1, 10))
      end
      assert.equal(0.0015, errors.retry_after({ ["retry-after-ms"] = ("0"):rep(61) .. "1.5" }))
      assert.equal(1, errors.retry_after({ ["retry-after"] = ("0"):rep(63) .. "1" }))
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

  describe("days_from_civil()", function()
    it("counts days from 1970-01-01", function()
      assert.equal(0, errors.days_from_civil(1970, 1, 1))
      assert.equal(20454, errors.days_from_civil(2026, 1, 1))
      assert.equal(19782, errors.days_from_civil(2024, 2, 29))
    end)
  end)
end)
