-- The parameter types of realtimekit.schema: what each takes in a URL (its `param`), by
-- default and with strict, and how each describes itself.
require "helper"
local S = require "realtimekit.schema"

-- Each type as the request builder calls it: param(v, strict).
local function param(s)
  return function(v, strict) return s:param(v, strict) end
end
local function list_of(make)
  return function(values) return param(make(values)) end
end
local types = {
  count = param(S.count()), account_id = param(S.id { max_chars = 32 }), app_id = param(S.id()),
  id = param(S.id()), uuid = param(S.uuid()), datetime = param(S.datetime()),
  unix_seconds = param(S.unix_seconds()), date = param(S.date()), text = param(S.text()),
  enum = list_of(S.enum), enum_list = list_of(S.enum_list), enum_csv = list_of(S.enum_csv),
  is_utf8 = S.is_utf8,
}

describe("realtimekit.schema's parameter types", function()
  describe("count()", function()
    it("takes any number from 0, fractions too, as the SDK types it", function()
      assert.equal("2", types.count(2))
      assert.equal("2", types.count(2.0))
      assert.equal("0", types.count(0))
      assert.equal("1.5", types.count(1.5))
      assert.equal("2147483648", types.count(2147483648))
    end)
    it("takes negatives too, and refuses them only when strict (the docs' minimum)", function()
      assert.equal("-1", types.count(-1))
      assert.equal("-0.5", types.count(-0.5))
      for _, v in ipairs { -1, -0.5 } do
        local s, problem = types.count(v, true)
        assert.is_nil(s)
        assert.matches("expected a number >= 0", problem)
      end
    end)
    it("refuses NaN, infinity and strings", function()
      for _, v in ipairs { 0 / 0, math.huge, -math.huge, "2", true } do
        local s, problem = types.count(v)
        assert.is_nil(s)
        assert.matches("expected a number, got", problem)
        s, problem = types.count(v, true)
        assert.is_nil(s)
        assert.matches("expected a number >= 0", problem)
      end
    end)
  end)

  describe("account_id()", function()
    it("takes one path segment; when strict, of 1 to 32 characters (the docs' maxLength)",
      function()
        for _, strict in ipairs { false, true } do
          assert.equal("023e105f4ecef8ad9ca31a8372d0c353",
            types.account_id("023e105f4ecef8ad9ca31a8372d0c353", strict))
          assert.equal("a", types.account_id("a", strict))
          assert.equal("abc-def", types.account_id("abc-def", strict))
          assert.equal(string.rep("é", 32), types.account_id(string.rep("é", 32), strict))
        end
        assert.equal(string.rep("a", 33), types.account_id(string.rep("a", 33)))
        assert.matches("expected at most 32 characters",
          select(2, types.account_id(string.rep("a", 33), true)))
      end)
    it("refuses anything that is not one path segment", function()
      for _, v in ipairs { "", "../x", "..", "a\n", 12 } do
        assert.is_nil(types.account_id(v))
        assert.is_nil(types.account_id(v, true))
      end
    end)
  end)

  describe("app_id() and id()", function()
    it("take any text that stays one path segment, of any length", function()
      for _, v in ipairs { "6f1a0d3c-5d7e-4b8a-9c2d-1e3f4a5b6c7d", "abcdef-ghijkl", "app_1.x~y",
                           "a?b", "a#b", "a b", "ann@example.com", "Réunion 会議", "a%252F",
                           "...", string.rep("a", 5000) } do
        assert.equal(v, types.app_id(v))
        assert.equal(v, types.id(v))
      end
    end)
    it("refuse empty, a slash, a dot segment and control characters, even percent-encoded",
      function()
        for _, v in ipairs { "", "a/b", "/", "a%2Fb", "a%2f", "..", ".", "%2E", ".%2e",
                             "a\n", "a\r", "a\0b", "a\tb", "a\127", "%0D%0A", "%00", "\255",
                             {}, 1 } do
          assert.is_nil(types.app_id(v))
          local s, problem = types.id(v)
          assert.is_nil(s)
          assert.is_string(problem)
        end
      end)
  end)

  describe("uuid()", function()
    it("takes UUIDs in either case", function()
      for _, strict in ipairs { false, true } do
        assert.truthy(types.uuid("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", strict))
        assert.truthy(types.uuid("182BD5E5-6E1A-4FE4-A799-AA6D9A6AB26E", strict))
      end
    end)
    it("takes any other id that stays one path segment unless strict", function()
      for _, v in ipairs { "abcdef-ghijkl", "182bd5e56e1a4fe4a799aa6d9a6ab26e", "m",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e?x=1" } do
        assert.equal(v, types.uuid(v))
      end
    end)
    it("refuses near misses and injection attempts when strict", function()
      for _, v in ipairs { "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26",
                           "182bd5e56e1a4fe4a799aa6d9a6ab26e",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/../x", "../../etc/passwd",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26g",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e\n",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e?x=1", "" } do
        local s, problem = types.uuid(v, true)
        assert.is_nil(s)
        assert.matches("expected a UUID", problem)
      end
    end)
    it("refuses what would leave the path segment, strict or not", function()
      for _, v in ipairs { "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/../x", "../../etc/passwd",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e\n", "..", "", 1 } do
        assert.is_nil(types.uuid(v))
      end
    end)
  end)

  describe("datetime()", function()
    it("takes ISO 8601 date-times with an offset, as given", function()
      for _, v in ipairs { "2026-05-01T09:30:00Z", "2026-05-01T09:30:00.123Z",
                           "2024-02-29T00:00:00Z", "2026-05-01T09:30:00+02:00",
                           "2026-05-01t09:30:00z", "2026-12-31T23:59:59-11:30",
                           "2026-05-01 09:30:00Z", "2026-05-01T09:30:00+0200",
                           "2016-12-31T23:59:60Z" } do
        assert.equal(v, types.datetime(v))
        assert.equal(v, types.datetime(v, true))
      end
    end)
    it("takes any other text as it is unless strict (the SDK types it as a string)", function()
      for _, v in ipairs { "2026-05-01T09:30:00", "2026-05-31", "", "yesterday",
                           "2026-02-30T00:00:00Z" } do
        assert.equal(v, types.datetime(v))
      end
      for _, v in ipairs { "a\0", "\255", {}, true } do
        assert.is_nil(types.datetime(v))
      end
    end)
    it("writes Unix seconds as UTC ISO 8601", function()
      assert.equal("1970-01-01T00:00:00Z", types.datetime(0))
      assert.equal("2026-01-01T00:00:00Z", types.datetime(1767225600))
      assert.equal("2026-01-01T00:00:00.500Z", types.datetime(1767225600.5))
      assert.equal("2026-01-01T00:00:01Z", types.datetime(1767225600.9999))
    end)
    it("checks the calendar when strict: month 13, February 30 and hour 24 are wrong", function()
      local function problem(v) return select(2, types.datetime(v, true)) end
      assert.matches("month 13 does not exist", problem("2026-13-01T00:00:00Z"))
      assert.matches("day 30 does not exist", problem("2026-02-30T00:00:00Z"))
      assert.matches("day 29 does not exist", problem("2023-02-29T00:00:00Z"))
      assert.matches("day 0 does not exist", problem("2026-01-00T00:00:00Z"))
      assert.matches("month 0 does not exist", problem("2026-00-10T00:00:00Z"))
      assert.matches("time of day", problem("2026-01-01T24:00:00Z"))
      assert.matches("time of day", problem("2026-01-01T10:60:00Z"))
      assert.matches("UTC offset", problem("2026-01-01T10:00:00+24:00"))
    end)
    it("writes Unix seconds before 1970 too, back to year 0", function()
      assert.equal("1969-12-31T23:59:59Z", types.datetime(-1))
      assert.equal("0000-01-01T00:00:00Z", types.datetime(-62167219200))
      assert.equal("9999-12-31T23:59:59Z", types.datetime(253402300799))
      assert.equal("2000-02-29T12:00:00Z", types.datetime(951825600))
    end)
    it("refuses other shapes and a missing offset when strict", function()
      for _, v in ipairs { "2026-01-01", "2026-01-01T00:00:00", "2026-01-01_00:00:00Z", "yesterday",
                           "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk",
                           "2026-01-01T00:00:00+2", "2026-01-01T00:00:61Z", "" } do
        assert.is_nil(types.datetime(v, true))
      end
    end)
    it("refuses numbers beyond four-digit years, strict or not", function()
      for _, v in ipairs { -62167219201, 253402300800, 1e12, 0 / 0 } do
        assert.is_nil(types.datetime(v))
        assert.is_nil(types.datetime(v, true))
      end
    end)
  end)

  describe("unix_seconds()", function()
    it("takes any finite number, as it is", function()
      assert.equal("1767225600", types.unix_seconds(1767225600))
      assert.equal("1767225600.5", types.unix_seconds(1767225600.5))
      assert.equal("-5", types.unix_seconds(-5))
    end)
    it("turns an ISO 8601 date-time with an offset into Unix seconds", function()
      assert.equal("1767225600", types.unix_seconds("2026-01-01T00:00:00Z"))
      assert.equal("1767225600.25", types.unix_seconds("2026-01-01T02:00:00.25+02:00"))
      assert.equal("1767229200", types.unix_seconds("2025-12-31T23:30:00-01:30"))
    end)
    it("refuses NaN, infinity, dates without a time and other values", function()
      for _, v in ipairs { 0 / 0, math.huge, "2026-01-01", "1767225600", true, {} } do
        assert.is_nil(types.unix_seconds(v))
      end
    end)
  end)

  describe("date()", function()
    it("takes a calendar date as it is", function()
      assert.equal("2024-02-29", types.date("2024-02-29"))
      assert.equal("2024-02-29", types.date("2024-02-29", true))
    end)
    it("takes any other text as it is unless strict (the SDK types it as a string)", function()
      for _, v in ipairs { "", "2023-02-29", "01/02/2026", "2026-01-01T00:00:00Z" } do
        assert.equal(v, types.date(v))
      end
      for _, v in ipairs { "a\0", "\255", {}, true } do
        assert.is_nil(types.date(v))
      end
    end)
    it("turns Unix seconds into their UTC date, whatever the host's time zone", function()
      assert.equal("2025-12-31", types.date(1767225599))
      assert.equal("2026-01-01", types.date(1767225600))
      assert.equal("2026-01-01", types.date(1767311999.9))
      assert.equal("1969-12-31", types.date(-1))
    end)
    it("refuses dates that do not exist and other shapes when strict", function()
      assert.matches("day 29 does not exist", select(2, types.date("2023-02-29", true)))
      for _, v in ipairs { "2026-1-01", "01/02/2026", "2026-01-01T00:00:00Z", "", 0 / 0, 1e15,
                           {} } do
        assert.is_nil(types.date(v, true))
      end
    end)
  end)

  describe("enum_csv()", function()
    local filters = types.enum_csv { "device_info", "events", "quality_stats" }
    it("takes a comma-separated string or an array of the values, sent comma-separated",
      function()
        assert.equal("events", filters("events"))
        assert.equal("device_info,events", filters("device_info,events"))
        assert.equal("quality_stats,events", filters { "quality_stats", "events" })
      end)
    it("refuses unknown values, spaces, empty parts and empty lists", function()
      for _, v in ipairs { "", "all", "device_info, events", "events,", {}, { "x" },
                           { a = "events" }, 1 } do
        local s, problem = filters(v)
        assert.is_nil(s)
        assert.matches("expected one or more of device_info, events, quality_stats", problem)
      end
    end)
  end)

  describe("enum_list()", function()
    local status = types.enum_list { "UPLOADED", "ERRORED" }
    it("takes one value or an array of them", function()
      assert.same({ "UPLOADED" }, status("UPLOADED"))
      assert.same({ "ERRORED", "UPLOADED" }, status { "ERRORED", "UPLOADED" })
    end)
    it("takes an empty array, which sends nothing, unless strict", function()
      assert.same({}, status({}))
      assert.same({ nil, "expected at least one value" }, { status({}, true) })
    end)
    it("refuses values outside the enum and tables that are not arrays, strict or not", function()
      for _, strict in ipairs { false, true } do
        assert.is_nil(status({ "UPLOADED", "DONE" }, strict))
        assert.is_nil(status("uploaded", strict))
        assert.is_nil(status({ x = "UPLOADED" }, strict))
        assert.is_nil(status({ "UPLOADED", x = "ERRORED" }, strict))
      end
    end)
  end)

  describe("enum()", function()
    it("takes exactly the listed values", function()
      local status = types.enum { "ACTIVE", "INACTIVE" }
      assert.equal("ACTIVE", status("ACTIVE"))
      local s, problem = status("active")
      assert.is_nil(s)
      assert.equal('expected one of ACTIVE, INACTIVE, got "active"', problem)
      assert.is_nil(status(1))
    end)
  end)

  describe("text()", function()
    it("takes UTF-8 text", function()
      assert.equal("Réunion 会議 🎥", types.text("Réunion 会議 🎥"))
      assert.equal("", types.text(""))
    end)
    it("takes text of any length", function()
      local long = string.rep("a", 100000)
      assert.equal(long, types.text(long))
    end)
    it("refuses NUL, invalid UTF-8 and non-strings", function()
      assert.matches("NUL", select(2, types.text("a\0b")))
      assert.matches("UTF%-8", select(2, types.text("\255")))
      assert.matches("expected a string", select(2, types.text(12)))
    end)
  end)

  describe("is_utf8()", function()
    it("rejects overlongs, surrogates, code points above U+10FFFF and cut sequences", function()
      assert.is_true(types.is_utf8("\195\169\228\188\154\240\159\142\165\244\143\191\191"))
      for _, s in ipairs { "\192\128", "\224\128\128", "\237\160\128", "\244\144\128\128", "\195",
                           "\228\188", "\128", "\248\136\128\128\128" } do
        assert.is_false(types.is_utf8(s))
      end
    end)
  end)

  describe("whole()", function()
    it("takes a whole number in its range in every mode, and says the range when it refuses",
      function()
        local concurrency = S.whole(1, 32)
        assert.equal("1", concurrency:param(1))
        assert.equal("32", concurrency:param(32.0))
        for _, v in ipairs { 0, 33, 1.5, 0 / 0, math.huge } do
          for _, strict in ipairs { false, true } do
            assert.same({ nil, "expected a whole number from 1 to 32, got "
              .. require("realtimekit.compat").describe(v) }, { concurrency:param(v, strict) })
          end
        end
        -- A string's text is never shown: it may be anything the caller passed.
        assert.same({ nil, "expected a whole number from 1 to 32, got a string" },
          { concurrency:param("4") })
        assert.same({ nil, "expected a whole number from 0 to 2147483647, got -1" },
          { S.whole(0):param(-1) })
      end)
  end)

  describe("describe(), lua_type() and cli()", function()
    it("say what each type takes, its LuaLS type and what a command line gives, from its data",
      function()
        local cases = {
          { S.text(), "UTF-8 text without NUL, of any length", "string", "string" },
          { S.count(), "a number (with strict: >= 0)", "integer", "number" },
          { S.id(), "^any non%-empty text, sent percent%-encoded, but for `/`, `%.`, `%.%.` and "
            .. "control characters %(also percent%-encoded%), which would leave the path "
            .. "segment$", "string", "string" },
          { S.uuid(), "%(with strict: a UUID like 182bd5e5%-6e1a%-4fe4%-a799%-aa6d9a6ab26e%)$",
            "string", "string" },
          { S.id { max_chars = 32 }, "%(with strict: at most 32 characters%)$", "string",
            "string" },
          { S.datetime(), "text, sent as it is, or Unix seconds, sent as UTC ISO 8601 (with "
            .. "strict: the text an ISO 8601 date-time with offset like 2026-05-01T09:30:00Z)",
            "string|number", "time" },
          { S.date(), "text, sent as it is, or Unix seconds, sent as their UTC date (with "
            .. "strict: the text a date like 2026-05-01)", "string|number", "time" },
          { S.unix_seconds(), "Unix seconds (any number), or an ISO 8601 date-time with "
            .. "offset, sent as its Unix seconds", "number|string", "time" },
          { S.boolean(), "true or false", "boolean", "boolean" },
          { S.enum { "ASC", "DESC" }, "one of ASC, DESC", '"ASC"|"DESC"', "string" },
          { S.enum_list { "A", "B" }, "one of A, B (with strict: at least one value)",
            '"A"|"B"|("A"|"B")[]', "list" },
          { S.enum_csv { "a", "b" }, "one or more of a, b (a comma-separated string or an "
            .. "array)", 'string|("a"|"b")[]', "list" },
          { S.whole(1, 32), "whole number (from 1 to 32)", "integer", "number" },
        }
        for _, c in ipairs(cases) do
          local words = c[1]:describe()
          if c[2]:find("^%^") or c[2]:find("%$$") then
            assert.matches(c[2], words)
          else
            assert.equal(c[2], words)
          end
          assert.equal(c[3], c[1]:lua_type())
          assert.equal(c[4], c[1]:cli())
        end
      end)
  end)
end)
