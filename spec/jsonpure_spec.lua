-- realtimekit.jsonpure: JSON in pure Lua that keeps [] and {} apart (the fake server's bodies,
-- and what the realtimekit command prints).
local jsonpure = require "realtimekit.jsonpure"

describe("realtimekit.jsonpure", function()
  describe("decode()", function()
    it("marks arrays, so that [] and {} encode back as they came", function()
      local text = '{"a":[],"b":{},"c":[{"d":[]}],"e":null}'
      local v = assert(jsonpure.decode(text))
      assert.is_true(jsonpure.is_array(v.a))
      assert.is_false(jsonpure.is_array(v.b))
      assert.equal(jsonpure.null, v.e)
      assert.equal(text, jsonpure.encode(v))
    end)

    it("refuses what is not JSON, saying where", function()
      assert.same({ nil, "expected ',' or '}' at byte 8" }, { jsonpure.decode('{"a":1 "b":2}') })
      assert.same({ nil, "trailing characters at byte 4" }, { jsonpure.decode("[] x") })
    end)
  end)

  describe("encode()", function()
    it("writes a marked array's holes as null", function()
      local v = assert(jsonpure.decode("[1,null,3]"))
      v[2] = nil
      assert.equal("[1,null,3]", jsonpure.encode(v))
    end)

    it("indents one member per line with an indent", function()
      local v = assert(jsonpure.decode('{"b":[1,{}],"a":{"x":[]}}'))
      assert.equal('{\n  "a": {\n    "x": []\n  },\n  "b": [\n    1,\n    {}\n  ]\n}',
        jsonpure.encode(v, "  "))
    end)
  end)
end)
