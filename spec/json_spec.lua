require "helper"
local json = require "realtimekit.json"
local cjson = require "cjson"

local function has_userdata(t)
  for _, v in pairs(t) do
    if type(v) == "userdata" or (type(v) == "table" and has_userdata(v)) then return true end
  end
  return false
end

describe("realtimekit.json", function()
  describe("decode()", function()
    it("drops nulls everywhere, nested ones included", function()
      local v = json.decode('{"a":null,"b":{"c":null,"d":[{"e":null,"f":1}]},"g":"x"}')
      assert.is_nil(v.a)
      assert.is_nil(v.b.c)
      assert.is_nil(v.b.d[1].e)
      assert.equal("x", v.g)
      assert.is_false(has_userdata(v))
    end)

    it("makes whole numbers integers, so they print without .0", function()
      local v = json.decode('{"paging":{"total_count":30,"end_offset":30.0},"f":1.5,"big":1e300}')
      assert.equal("30", tostring(v.paging.total_count))
      assert.equal("30", tostring(v.paging.end_offset))
      assert.equal(1.5, v.f)
      assert.equal(1e300, v.big)
      local mtype = rawget(math, "type")
      if mtype then
        assert.equal("integer", mtype(v.paging.total_count))
        assert.equal("float", mtype(v.f))
      end
    end)

    it("returns nil and a message for text that is not JSON", function()
      for _, text in ipairs { "<html>502 Bad Gateway</html>", '{"a":',
                              "", "NaN", "0x10", "[1,]" } do
        local v, err = json.decode(text)
        assert.is_nil(v)
        assert.is_string(err)
      end
      assert.is_nil(json.decode("null"))
    end)

    it("refuses nesting deeper than the API ever sends", function()
      local v, err = json.decode(string.rep("[", 200) .. string.rep("]", 200))
      assert.is_nil(v)
      assert.matches("too deeply nested", err)
      assert.truthy(json.decode(string.rep("[", 20) .. string.rep("]", 20)))
    end)

    it("leaves the user's cjson settings alone", function()
      local before = cjson.decode_max_depth()
      json.decode("{}")
      assert.equal(before, cjson.decode_max_depth())
    end)
  end)
end)
