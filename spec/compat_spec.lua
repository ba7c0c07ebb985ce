-- Numbers as a query or a body carries them: a whole number as an integer literal whatever its
-- size or its subtype (Lua 5.3+ has integers and floats, 5.1 and LuaJIT only doubles), others
-- with the fewest digits that read back as the same number.
local helper = require "helper"
local compat = require "realtimekit.compat"

local maxinteger = rawget(math, "maxinteger")
local mininteger = rawget(math, "mininteger")
local tointeger = rawget(math, "tointeger")
-- The largest whole number this Lua writes: math.maxinteger on 5.3+, 2^63 elsewhere.
local BIG = maxinteger or 2 ^ 63
local BIG_TEXT = maxinteger and "9223372036854775807" or "9223372036854775808"
local E300 = "1000000000000000052504760255204420248704468581108159154915854115511802457988908195"
  .. "786371375080447864043704443832883878176942523235360430575644792184786706982848387200926"
  .. "575803737830233794788090059368953234970799945081119038967640880074652742780142494579258"
  .. "788820056842838115669472196386865459400540160"

describe("realtimekit.compat", function()
  describe("number_text()", function()
    it("writes the largest integer as its digits, never with an exponent", function()
      assert.equal(BIG_TEXT, compat.number_text(BIG))
      assert.equal("-9223372036854775808", compat.number_text(-2 ^ 63))
      if maxinteger then
        assert.equal("-9223372036854775808", compat.number_text(mininteger))
        assert.equal("9223372036854775806", compat.number_text(maxinteger - 1))
      end
    end)

    it("writes whole floats as integers, from 2^53 up to 2^63 and beyond", function()
      assert.equal("2", compat.number_text(2.0))
      assert.equal("9007199254740994", compat.number_text(2 ^ 53 + 2))
      assert.equal("4611686018427387904", compat.number_text(2 ^ 62))
      assert.equal("9223372036854775808", compat.number_text(2 ^ 63))
      assert.equal("100000000000000000000", compat.number_text(1e20))
      assert.equal("-100000000000000000000", compat.number_text(-1e20))
      assert.equal(E300, compat.number_text(1e300))
      assert.equal(309, #compat.number_text(1.7976931348623157e308))
      assert.equal("0", compat.number_text(-0.0))
      assert.equal("9223372036854774784", compat.number_text(2 ^ 63 - 1024))
      if tointeger then -- a float whose value an integer holds is written as that integer
        assert.equal("3", compat.number_text(3.0))
        assert.equal("9223372036854774784", compat.number_text(tointeger(2 ^ 63 - 1024)))
      end
    end)

    it("writes digits that read back as the same number", function()
      for _, n in ipairs { BIG, 2 ^ 63, 1e20, 1e300, -1e22, 2 ^ 70, 12345678901234567890 } do
        assert.equal(n + 0.0, tonumber(compat.number_text(n)) + 0.0, compat.number_text(n))
        assert.is_nil(compat.number_text(n):find("[eE.]"), compat.number_text(n))
      end
    end)

    it("keeps the shortest form that reads back for numbers with a fraction", function()
      assert.equal("0.1", compat.number_text(0.1))
      assert.equal("1.5", compat.number_text(1.5))
      assert.equal("1.5e-07", compat.number_text(1.5e-7))
      assert.equal("-2.5", compat.number_text(-2.5))
      assert.equal("4503599627370495.5", compat.number_text(2 ^ 52 - 0.5))
      assert.equal(1 / 3, tonumber(compat.number_text(1 / 3)))
      assert.equal(5e-324, tonumber(compat.number_text(5e-324)))
    end)

    it("shows whole numbers in messages whole up to 2^63, and short beyond", function()
      assert.equal(BIG_TEXT, compat.show_number(BIG))
      assert.equal("1e+300", compat.show_number(1e300))
      assert.equal("-1e+20", compat.show_number(-1e20))
      assert.equal("nan", compat.show_number(0 / 0))
    end)
  end)

  describe("numbers sent", function()
    it("go into the query as integers: page_no = the largest integer", function()
      local c, s = helper.client()
      c.meetings:list { page_no = BIG, per_page = 1e20 }
      assert.equal("page_no=" .. BIG_TEXT .. "&per_page=100000000000000000000",
        s:requests()[1].query)
      c.sessions:list { extra_query = { big = 2 ^ 63, n = { 2.0, -1e20 } } }
      assert.equal("big=9223372036854775808&n=2&n=-100000000000000000000",
        s:requests()[2].query)
    end)

    it("go into the body as integers, in schema fields and free-form values", function()
      local c, s = helper.client()
      c.meetings:create { ai_config = { summarization = { word_limit = BIG } } }
      assert.equal('{"ai_config":{"summarization":{"word_limit":' .. BIG_TEXT .. '}}}',
        s:requests()[1].body)
      c.meetings:create { title = "t", extra_body = { big = 1e20, list = { 2 ^ 63, 0.5 } } }
      assert.equal('{"title":"t","big":100000000000000000000,'
        .. '"list":[9223372036854775808,0.5]}', s:requests()[2].body)
      c:request("POST", "/accounts/{account_id}/realtime/kit/{app_id}/meetings",
        { body = { n = BIG }, query = { q = BIG } })
      local r = s:requests()[3]
      assert.equal('{"n":' .. BIG_TEXT .. "}", r.body)
      assert.equal("q=" .. BIG_TEXT, r.query)
    end)
  end)
end)
