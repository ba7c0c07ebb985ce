require "helper"
local types = require "realtimekit.types"

describe("realtimekit.types", function()
  describe("count()", function()
    it("writes whole numbers as integers, floats included", function()
      assert.equal("2", types.count(2))
      assert.equal("2", types.count(2.0))
      assert.equal("0", types.count(0))
      assert.equal("2147483647", types.count(2147483647))
    end)
    it("refuses fractions, negatives, huge numbers, NaN, infinity and strings", function()
      for _, v in ipairs { 1.5, -1, 2147483648, 0 / 0, math.huge, -math.huge, "2", true } do
        local s, problem = types.count(v)
        assert.is_nil(s)
        assert.matches("expected a whole number from 0 to 2147483647", problem)
      end
    end)
  end)

  describe("account_id()", function()
    it("takes 1 to 32 characters of [0-9A-Za-z]", function()
      assert.equal("023e105f4ecef8ad9ca31a8372d0c353",
        types.account_id("023e105f4ecef8ad9ca31a8372d0c353"))
      assert.equal("a", types.account_id("a"))
    end)
    it("refuses anything else", function()
      for _, v in ipairs { "", string.rep("a", 33), "abc-def", "../x", "a b", "é", 12 } do
        assert.is_nil(types.account_id(v))
      end
    end)
  end)

  describe("app_id()", function()
    it("takes UUIDs of 36 characters and 32-character ids", function()
      assert.truthy(types.app_id("6f1a0d3c-5d7e-4b8a-9c2d-1e3f4a5b6c7d"))
      assert.truthy(types.app_id("a1b2c3d4e5f60718293a4b5c6d7e8f90"))
      assert.truthy(types.app_id("app_1.x~y"))
    end)
    it("refuses empty, reserved characters, dot segments and overlong ids", function()
      for _, v in ipairs { "", "a/b", "a?b", "a#b", "a%2Fb", "a b", "..", ".", "a\n", "a\0b",
                           string.rep("a", 65), {}, 1 } do
        assert.is_nil(types.app_id(v))
      end
    end)
  end)

  describe("uuid()", function()
    it("takes UUIDs in either case", function()
      assert.truthy(types.uuid("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"))
      assert.truthy(types.uuid("182BD5E5-6E1A-4FE4-A799-AA6D9A6AB26E"))
    end)
    it("refuses near misses and injection attempts", function()
      for _, v in ipairs { "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26",
                           "182bd5e56e1a4fe4a799aa6d9a6ab26e",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/../x", "../../etc/passwd",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26g",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e\n",
                           "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e?x=1", "" } do
        local s, problem = types.uuid(v)
        assert.is_nil(s)
        assert.matches("expected a UUID", problem)
      end
    end)
  end)

  describe("datetime()", function()
    it("takes ISO 8601 date-times with an offset, as given", function()
      for _, v in ipairs { "2026-05-01T09:30:00Z", "2026-05-01T09:30:00.123Z",
                           "2024-02-29T00:00:00Z", "2026-05-01T09:30:00+02:00",
                           "2026-05-01t09:30:00z", "2026-12-31T23:59:59-11:30" } do
        assert.equal(v, types.datetime(v))
      end
    end)
    it("writes Unix seconds as UTC ISO 8601", function()
      assert.equal("1970-01-01T00:00:00Z", types.datetime(0))
      assert.equal("2026-01-01T00:00:00Z", types.datetime(1767225600))
      assert.equal("2026-01-01T00:00:00.500Z", types.datetime(1767225600.5))
      assert.equal("2026-01-01T00:00:01Z", types.datetime(1767225600.9999))
    end)
    it("checks the calendar: month 13, February 30 and hour 24 are wrong", function()
      assert.matches("month 13 does not exist", select(2, types.datetime("2026-13-01T00:00:00Z")))
      assert.matches("day 30 does not exist", select(2, types.datetime("2026-02-30T00:00:00Z")))
      assert.matches("day 29 does not exist", select(2, types.datetime("2023-02-29T00:00:00Z")))
      assert.matches("day 0 does not exist", select(2, types.datetime("2026-01-00T00:00:00Z")))
      assert.matches("month 0 does not exist", select(2, types.datetime("2026-00-10T00:00:00Z")))
      assert.matches("time of day", select(2, types.datetime("2026-01-01T24:00:00Z")))
      assert.matches("time of day", select(2, types.datetime("2026-01-01T10:60:00Z")))
      assert.matches("UTC offset", select(2, types.datetime("2026-01-01T10:00:00+24:00")))
    end)
    it("refuses other shapes, a missing offset and out-of-range numbers", function()
      for _, v in ipairs { "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "yesterday",
                           "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk",
                           -1, 1e12, 0 / 0, {} } do
        assert.is_nil(types.datetime(v))
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
    it("refuses NUL, invalid UTF-8, overlong text and non-strings", function()
      assert.matches("NUL", select(2, types.text("a\0b")))
      assert.matches("UTF%-8", select(2, types.text("\255")))
      assert.matches("longer than 2048", select(2, types.text(string.rep("a", 2049))))
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
end)
