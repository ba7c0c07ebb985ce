local helper = require "helper"
local json = require "realtimekit.json"
local core = require "realtimekit.core"
local cjson = require "cjson"

local mtype = rawget(math, "type")
local tointeger = rawget(math, "tointeger")

local function has_userdata(t)
  for _, v in pairs(t) do
    if type(v) == "userdata" or (type(v) == "table" and has_userdata(v)) then return true end
  end
  return false
end

-- Whether a and b are equal, tables deeply, numbers with the same subtype on 5.3+; when not,
-- also where they differ.
local function same(a, b, path)
  path = path or "value"
  if type(a) ~= type(b) then
    return false, path .. ": " .. type(a) .. " vs " .. type(b)
  end
  if type(a) == "table" then
    for k, v in pairs(a) do
      local ok, where = same(v, b[k], path .. "[" .. tostring(k) .. "]")
      if not ok then return false, where end
    end
    for k in pairs(b) do
      if a[k] == nil then return false, path .. "[" .. tostring(k) .. "]: absent vs present" end
    end
    return true
  end
  if type(a) == "number" and mtype and mtype(a) ~= mtype(b) then
    return false, path .. ": " .. mtype(a) .. " " .. tostring(a) .. " vs " .. mtype(b) .. " " ..
      tostring(b)
  end
  if a ~= b then return false, path .. ": " .. tostring(a) .. " vs " .. tostring(b) end
  return true
end

local function nested(n)
  local v = {}
  for _ = 2, n do v = { v } end
  return v
end

local function seq(n, f)
  local t = {}
  for i = 1, n do t[i] = f(i) end
  return t
end

-- y_: texts a JSON parser must accept, with what json.decode makes of them.
local Y = {
  { "y_object_empty", "{}", {} },
  { "y_array_empty", "[]", {} },
  { "y_array_empty_ws", "[ \n ]", {} },
  { "y_whitespace_around", " \t\r\n[1] \n\t", { 1 } },
  { "y_string_empty", '""', "" },
  { "y_true", "true", true },
  { "y_false", "false", false },
  { "y_number_zero", "0", 0 },
  { "y_number_minus_zero", "-0", 0 },
  { "y_number_int", "123", 123 },
  { "y_number_neg_int", "-45", -45 },
  { "y_number_frac", "1.5", 1.5 },
  { "y_number_neg_frac", "-0.25", -0.25 },
  { "y_number_exp", "1e2", 100 },
  { "y_number_exp_upper_plus", "1E+2", 100 },
  { "y_number_exp_neg", "1e-2", 0.01 },
  { "y_number_frac_exp", "-1.25e-3", -0.00125 },
  { "y_number_exp_to_int", "20e-1", 2 },
  { "y_number_small_frac", "0.000123", 0.000123 },
  { "y_number_many_digits", "3.141592653589793238462643383279", 3.141592653589793 },
  { "y_number_exp_leading_zeros", "1e007", 10000000 },
  { "y_number_max_safe", "9007199254740991", 9007199254740991 },
  { "y_number_huge_finite", "1e300", 1e300 },
  { "y_number_float_integral", "30.0", 30 },
  { "y_number_exp_integral", "3e1", 30 },
  { "y_number_minus_zero_float", "-0.0", 0 },
  { "y_string_escapes", [["\"\\\/\b\f\n\r\t"]], '"\\/\b\f\n\r\t' },
  { "y_string_u_escapes", [["\u0041\u00e9\u00C9\u20ac"]], "A\195\169\195\137\226\130\172" },
  { "y_string_u_nul", [["a\u0000b"]], "a\0b" },
  { "y_string_u_ffff", [["\uffff"]], "\239\191\191" },
  { "y_string_surrogate_pair", [["\ud83d\ude00"]], "\240\159\152\128" },
  { "y_string_surrogate_pair_max", [["\uDBFF\uDFFF"]], "\244\143\191\191" },
  { "y_string_utf8", '"\195\169\226\130\172\240\159\152\128"',
    "\195\169\226\130\172\240\159\152\128" },
  { "y_string_utf8_boundaries", -- U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+10FFFF
    '"\194\128\223\191\224\160\128\237\159\191\238\128\128\244\143\191\191"',
    "\194\128\223\191\224\160\128\237\159\191\238\128\128\244\143\191\191" },
  { "y_string_del", '"\127"', "\127" },
  { "y_string_escape_then_utf8", [["\n]] .. "\195\169" .. [[\t"]], "\n\195\169\t" },
  { "y_string_long_escaped", '"' .. string.rep("ab\\n", 3000) .. '"', string.rep("ab\n", 3000) },
  { "y_string_long_plain", '"' .. string.rep("x", 5000) .. '"', string.rep("x", 5000) },
  { "y_object_nested", '{"a":{"b":[1,{"c":"d"}]}}', { a = { b = { 1, { c = "d" } } } } },
  { "y_object_key_escaped", [[{"a\nb":1,"\u0041":2}]], { ["a\nb"] = 1, A = 2 } },
  { "y_object_key_empty", '{"":1}', { [""] = 1 } },
  { "y_object_duplicate_last_wins", '{"a":1,"b":0,"a":2}', { a = 2, b = 0 } },
  { "y_object_duplicate_null_drops", '{"a":1,"a":null}', {} },
  { "y_object_duplicate_after_null", '{"a":null,"a":3}', { a = 3 } },
  { "y_object_null_dropped", '{"a":null,"b":1}', { b = 1 } },
  { "y_array_null_holes", "[null,1,null,2,null]", { [2] = 1, [4] = 2 } },
  { "y_array_of_empties", "[[],{},[[]]]", { {}, {}, { {} } } },
  { "y_nested_64", string.rep("[", 64) .. string.rep("]", 64), nested(64) },
  { "y_array_long", "[" .. table.concat(seq(1000, tostring), ",") .. "]",
    seq(1000, function(i) return i end) },
  { "y_array_long_nulls", "[" .. table.concat(seq(700, function(i)
      return i % 3 == 0 and "null" or tostring(i) end), ",") .. "]",
    seq(700, function(i) return i % 3 ~= 0 and i or nil end) },
  { "y_object_long_duplicates", "{" .. table.concat(seq(600, function(i)
      return '"k' .. (i % 400) .. '":' .. (i > 400 and i % 2 == 0 and "null" or tostring(i))
    end), ",") .. "}",
    (function()
      local t = {}
      for i = 1, 600 do t["k" .. (i % 400)] = (i <= 400 or i % 2 == 1) and i or nil end
      return t
    end)() },
}

-- i_: what RFC 8259 leaves to the implementation, as decided here, with the subtype on 5.3+.
local I = {
  { "i_number_overflow", "1e400", math.huge, "float" },
  { "i_number_neg_overflow", "-1e400", -math.huge, "float" },
  { "i_number_underflow", "1e-400", 0, "integer" }, -- 0.0, integral
  { "i_number_long_frac", "0." .. string.rep("0", 100) .. "1", 1e-101, "float" },
  { "i_number_long_int", "1" .. string.rep("0", 400), math.huge, "float" },
  { "i_number_int_beyond_int64", "123456789012345678901234567890",
    123456789012345678901234567890, "float" },
  { "i_number_int_2_63", "9223372036854775808", 2 ^ 63, "float" },
}

-- n_: texts that are not JSON, with the byte the message names (0: a message of its own).
local N = {
  { "n_trailing_garbage", "[1] x", 5 },
  { "n_two_values", "1 2", 3 },
  { "n_object_closed_twice", "{}}", 3 },
  { "n_trailing_comma_array", "[1,]", 4 },
  { "n_trailing_comma_object", '{"a":1,}', 8 },
  { "n_leading_comma", "[,1]", 2 },
  { "n_double_comma", "[1,,2]", 4 },
  { "n_missing_comma", "[1 2]", 4 },
  { "n_missing_colon", '{"a" 1}', 6 },
  { "n_missing_value", '{"a":}', 6 },
  { "n_unquoted_key", "{a:1}", 2 },
  { "n_number_key", "{1:2}", 2 },
  { "n_array_key", '{[]:1}', 2 },
  { "n_single_quotes", "['a']", 2 },
  { "n_colon_in_array", "[1:2]", 3 },
  { "n_unclosed_array", "[1", 3 },
  { "n_unclosed_object", '{"a":1', 7 },
  { "n_unclosed_string", '"abc', 5 },
  { "n_close_mismatch", "[1}", 3 },
  { "n_bom", "\239\187\191{}", 1 },
  { "n_nul_after", "[1]\0", 4 },
  { "n_nul_before", "\0[1]", 1 },
  { "n_comment", "[1] // c", 5 },
  { "n_block_comment", "/**/[]", 1 },
  { "n_nan", "NaN", 1 },
  { "n_infinity", "Infinity", 1 },
  { "n_minus_infinity", "-Infinity", 2 },
  { "n_hex", "0x10", 2 },
  { "n_leading_zero", "01", 1 },
  { "n_leading_zeros_neg", "-012", 2 },
  { "n_plus", "+1", 1 },
  { "n_lone_minus", "-", 2 },
  { "n_minus_space", "- 1", 2 },
  { "n_frac_without_digits", "1.", 3 },
  { "n_frac_then_exp", "1.e3", 3 },
  { "n_no_int_part", ".5", 1 },
  { "n_minus_no_int_part", "-.5", 2 },
  { "n_exp_without_digits", "1e", 3 },
  { "n_exp_sign_without_digits", "1e+", 4 },
  { "n_two_dots", "1.5.3", 4 },
  { "n_literal_capital", "True", 1 },
  { "n_literal_truncated", "tru", 1 },
  { "n_literal_null_truncated", "[nul]", 2 },
  { "n_literal_trailing", "nulll", 5 },
  { "n_literals_glued", "truefalse", 5 },
  { "n_string_nul", '"a\0b"', 3 },
  { "n_string_raw_tab", '"\t"', 2 },
  { "n_string_raw_newline", '"a\nb"', 3 },
  { "n_string_raw_us", '"\31"', 2 },
  { "n_escape_x", [["\x41"]], 2 },
  { "n_escape_capital_u", [["\U0041"]], 2 },
  { "n_escape_quote", [["\'"]], 2 },
  { "n_escape_bad_hex", [["\u00G1"]], 2 },
  { "n_escape_short_hex", [["\u12"]], 2 },
  { "n_escape_at_end", '"\\', 3 },
  { "n_escape_hex_at_end", '"\\u00', 2 },
  { "n_surrogate_high_alone", [["\ud800"]], 2 },
  { "n_surrogate_high_then_char", [["\ud800x"]], 2 },
  { "n_surrogate_high_then_bmp", [["\ud800\u0041"]], 2 },
  { "n_surrogate_high_twice", [["\ud800\ud800"]], 2 },
  { "n_surrogate_low_alone", [["\udc00"]], 2 },
  { "n_surrogates_reversed", [["\uDFFF\uD800"]], 2 },
  { "n_utf8_overlong_2", '"\192\175"', 2 },
  { "n_utf8_overlong_2b", '"\193\191"', 2 },
  { "n_utf8_overlong_3", '"\224\128\175"', 2 },
  { "n_utf8_overlong_3b", '"\224\159\191"', 2 },
  { "n_utf8_overlong_4", '"\240\128\128\175"', 2 },
  { "n_utf8_overlong_4b", '"\240\143\191\191"', 2 },
  { "n_utf8_surrogate_high", '"\237\160\128"', 2 },
  { "n_utf8_surrogate_low", '"\237\191\191"', 2 },
  { "n_utf8_beyond_10ffff", '"\244\144\128\128"', 2 },
  { "n_utf8_f5", '"\245\128\128\128"', 2 },
  { "n_utf8_ff", '"\255"', 2 },
  { "n_utf8_lone_continuation", '"a\128"', 3 },
  { "n_utf8_truncated_3", '"\226\130"', 2 },
  { "n_utf8_truncated_at_end", '"\226', 2 },
  { "n_utf8_lead_then_ascii", '"\195A"', 2 },
  { "n_utf8_in_key", '{"\192\175":1}', 3 },
  { "n_utf8_after_escape", '"\\n\128"', 4 },
  { "n_utf8_bad_after_long_plain", '"' .. string.rep("a", 20) .. '\255"', 22 },
  { "n_depth_65", string.rep("[", 65) .. string.rep("]", 65), 65 },
  { "n_depth_mixed", string.rep('{"a":[', 33) .. string.rep("]}", 33), 0 },
}

describe("realtimekit.json", function()
  for _, name in ipairs { "decode", "decode_core" } do
    describe(name .. "()", function()
      local decode = json[name]

      it("drops nulls everywhere, nested ones included", function()
        local v = decode('{"a":null,"b":{"c":null,"d":[{"e":null,"f":1}]},"g":"x"}')
        assert.is_nil(v.a)
        assert.is_nil(v.b.c)
        assert.is_nil(v.b.d[1].e)
        assert.equal("x", v.g)
        assert.is_false(has_userdata(v))
      end)

      it("makes whole numbers integers, so they print without .0", function()
        local v = decode('{"paging":{"total_count":30,"end_offset":30.0},"f":1.5,"big":1e300}')
        assert.equal("30", tostring(v.paging.total_count))
        assert.equal("30", tostring(v.paging.end_offset))
        assert.equal(1.5, v.f)
        assert.equal(1e300, v.big)
        if mtype then
          assert.equal("integer", mtype(v.paging.total_count))
          assert.equal("float", mtype(v.f))
        end
      end)

      it("returns nil and a message for text that is not JSON", function()
        for _, text in ipairs { "<html>502 Bad Gateway</html>", '{"a":',
                                "", "NaN", "0x10", "[1,]" } do
          local v, err = decode(text)
          assert.is_nil(v)
          assert.is_string(err)
        end
        local v, err = decode("null")
        assert.is_nil(v)
        assert.equal("the JSON text is null", err)
        assert.equal("empty JSON text", select(2, decode("")))
      end)

      it("refuses nesting deeper than the API ever sends", function()
        local v, err = decode(string.rep("[", 200) .. string.rep("]", 200))
        assert.is_nil(v)
        assert.matches("too .*nested", err)
        assert.truthy(decode(string.rep("[", 20) .. string.rep("]", 20)))
      end)

      it("tidies values at every depth it takes, 10 levels and more", function()
        -- Each level of the walk that tidies cjson's values holds a key and a value on the Lua
        -- stack and pushes two more to replace one: every slot of it must be reserved.
        for depth = 9, 60, 1 do
          local open, close = string.rep("[", depth), string.rep("]", depth)
          local v = decode(open .. '1,2.0,null,{"a":null,"b":3.0}' .. close)
          for _ = 1, depth - 1 do v = v[1] end
          assert.equal(1, v[1])
          assert.equal("2", tostring(v[2]))
          assert.is_nil(v[3])
          assert.same({ b = 3 }, v[4])
          assert.equal("3", tostring(v[4].b))
        end
        local v = decode("[[[[[[[[[[1]]]]]]]]]]")
        for _ = 1, 9 do v = v[1] end
        assert.same({ 1 }, v)
      end)

      it("gives the same values as the other decoder on a real page", function()
        local other = json[name == "decode" and "decode_core" or "decode"]
        local text = '{"success":true,"data":[{"id":"a","title":null,"n":60,"f":0.5,'
          .. '"t":"R\\u00e9union \\u2014 \\u4f1a\\u8b70","ok":false}],'
          .. '"paging":{"start_offset":1,"end_offset":1,"total_count":300}}'
        local a, b = decode(text), other(text)
        assert.same(a, b)
        assert.equal("Réunion — 会議", a.data[1].t)
      end)
    end)
  end

  it("leaves the user's cjson settings alone", function()
    local before = cjson.decode_max_depth()
    json.decode("{}")
    assert.equal(before, cjson.decode_max_depth())
  end)

  describe("decoder()", function()
    it("is lua-cjson's unless the option names the core's, or gives a function", function()
      assert.equal(json.decode, json.decoder(nil))
      assert.equal(json.decode, json.decoder("cjson"))
      assert.equal(json.decode_core, json.decoder("core"))
      local mine = function() end
      assert.equal(mine, json.decoder(mine))
      for _, v in ipairs { "fast", 1, true, {} } do
        local d, problem = json.decoder(v)
        assert.is_nil(d)
        assert.matches('^expected "cjson", "core" or a function%(text%), got ', problem)
      end
    end)

    -- The decoder a client uses, seen from what its calls decode: json's named decoders are
    -- looked up when the client is made, so a spy put in their place sees the client's calls.
    it("is what the client decodes every answer with", function()
      local calls = {}
      local function spy(name)
        local real = json[name]
        json[name] = function(text)
          calls[#calls + 1] = name
          return real(text)
        end
        return function() json[name] = real end
      end
      local undo_cjson, undo_core = spy("decode"), spy("decode_core")
      local ok, err = pcall(function()
        local c = helper.client()
        assert(c.meetings:list { per_page = 1 })
        assert.same({ "decode" }, calls)
        calls = {}
        c = helper.client { decoder = "core" }
        assert(c.meetings:list { per_page = 1 })
        assert.same({ "decode_core" }, calls)
      end)
      undo_cjson()
      undo_core()
      assert(ok, err)
    end)

    it("can be the program's own function, whose refusal is a decode error", function()
      local texts = {}
      local c = helper.client { decoder = function(text)
        texts[#texts + 1] = text
        if #texts == 1 then return json.decode(text) end
        return nil, "mine refuses it"
      end }
      local page = assert(c.meetings:list { per_page = 1 })
      assert.equal(1, #page.data)
      local v, err = c.meetings:list { per_page = 1 }
      assert.is_nil(v)
      assert.equal("decode", err.kind)
      assert.equal("the response is not JSON (mine refuses it)", err.message)
      assert.equal(2, #texts)
      assert.matches('^{"success":true', texts[1])
    end)

    it("refuses what is neither a decoder's name nor a function", function()
      local realtimekit = require "realtimekit"
      local c, _, err = realtimekit.new { api_token = "t", decoder = "fast" }
      assert.is_nil(c)
      assert.equal("decoder", err.param)
      assert.equal('decoder: expected "cjson", "core" or a function(text), got "fast"',
        err.message)
    end)
  end)
end)

describe("core.decode()", function()
  describe("on a corpus", function()
    it("accepts every y_ text, with the value json.decode promises", function()
      for _, case in ipairs(Y) do
        local v, err = core.decode(case[2])
        assert(v ~= nil, case[1] .. ": " .. tostring(err))
        local ok, where = same(case[3], v)
        assert(ok, case[1] .. ": " .. tostring(where))
      end
    end)

    it("decides the i_ cases: inf and 0 beyond the range of floats, floats beyond integers",
      function()
        for _, case in ipairs(I) do
          local v, err = core.decode(case[2])
          assert(v ~= nil, case[1] .. ": " .. tostring(err))
          assert(v == case[3], case[1] .. ": " .. tostring(v))
          if mtype then assert.equal(case[4], mtype(v), case[1]) end
        end
      end)

    it("keeps integers exact on 5.3+, where they fit", function()
      if mtype then
        assert.equal(rawget(math, "maxinteger"), core.decode("9223372036854775807"))
        assert.equal(rawget(math, "mininteger"), core.decode("-9223372036854775808"))
        assert.equal("integer", mtype(core.decode("-9223372036854775808")))
        assert.equal(9007199254740993, core.decode("9007199254740993"))
        assert.equal("integer", mtype(core.decode("9007199254740993")))
        assert.equal("integer", mtype(core.decode("1e18")))
        assert.equal("float", mtype(core.decode("1e19")))
      else
        assert.equal(2 ^ 63, core.decode("9223372036854775807"))
        assert.equal(-2 ^ 63, core.decode("-9223372036854775808"))
        assert.equal(2 ^ 53, core.decode("9007199254740993")) -- the nearest double
      end
    end)

    it("refuses every n_ text with a message naming the byte, and never raises", function()
      for _, case in ipairs(N) do
        local ok, v, err = pcall(core.decode, case[2])
        assert(ok, case[1] .. " raised: " .. tostring(v))
        assert(v == nil and type(err) == "string", case[1] .. ": accepted")
        if case[3] > 0 then
          local at = tonumber(err:match("^invalid JSON at byte (%d+): "))
          assert(at == case[3], case[1] .. ": " .. err)
        else
          assert.matches("too deeply nested", err, 1, true)
        end
      end
    end)

    it("names what it expected", function()
      local function msg(text) return select(2, core.decode(text)) end
      assert.equal("invalid JSON at byte 4: expected a value", msg("[1,]"))
      assert.equal("invalid JSON at byte 3: expected ',' or ']'", msg("[1}"))
      assert.equal("invalid JSON at byte 8: expected ',' or '}'", msg('{"a":1 "b":2}'))
      assert.equal("invalid JSON at byte 2: expected a string key", msg("{a:1}"))
      assert.equal("invalid JSON at byte 3: unexpected end of text", msg("[1"))
      assert.equal("invalid JSON at byte 1: leading zero in a number", msg("01"))
      assert.equal("invalid JSON at byte 2: invalid UTF-8 in a string", msg('"\192\175"'))
      assert.equal("invalid JSON at byte 2: unpaired surrogate in a \\u escape", msg([["\udc00"]]))
      assert.equal("invalid JSON at byte 2: control character in a string", msg('"\1"'))
      assert.equal("invalid JSON at byte 5: unexpected data after the JSON value", msg("[1] x"))
      assert.equal("invalid JSON at byte 65: too deeply nested (more than 64 levels)",
        msg(string.rep("[", 65) .. string.rep("]", 65)))
      assert.equal("empty JSON text", msg(" \n\t "))
      assert.equal("the JSON text is null", msg(" null "))
    end)

    it("finds a string's special byte wherever it falls in the 8 bytes read at once", function()
      -- Strings are scanned a word at a time; each kind of byte that ends the plain run is put
      -- at every offset of strings of every length up to 24, with plain text around it.
      local specials = {
        { "\\n", "\n" }, { "\\u00e9", "\195\169" }, { "\195\169", "\195\169" },
        { "\240\159\152\128", "\240\159\152\128" },
      }
      for len = 1, 24 do
        for at = 0, len - 1 do
          local head, tail = ("a"):rep(at), ("b"):rep(len - at - 1)
          for _, sp in ipairs(specials) do
            local text = '["' .. head .. sp[1] .. tail .. '"]'
            local v, err = core.decode(text)
            assert(v, text .. ": " .. tostring(err))
            assert.equal(head .. sp[2] .. tail, v[1])
            assert.is_true((core.check_json(text)))
          end
          for _, bad in ipairs { { "\1", "control character" }, { "\31", "control character" },
            { "\192\175", "invalid UTF-8" }, { "\255", "invalid UTF-8" } } do
            local text = '["' .. head .. bad[1] .. tail .. '"]'
            local want = ("invalid JSON at byte %d: %s in a string"):format(3 + at, bad[2])
            assert.equal(want, select(2, core.decode(text)))
            assert.equal(want, select(2, core.check_json(text)))
          end
          -- A quote ends the string where it stands: what follows is the next token.
          local text = '["' .. head .. '"' .. tail .. '"]'
          local v, err = core.decode(text)
          assert.is_nil(v, text)
          assert.matches("at byte " .. (4 + at) .. ": expected ',' or ']'", err, 1, true)
        end
      end
    end)

    it("raises for an argument that is not a string", function()
      assert.has.error(function() core.decode({}) end)
      assert.has.error(function() core.decode() end)
    end)
  end)

  describe("against lua-cjson", function()
    -- Park-Miller: the same numbers under every Lua (the products stay exact in doubles).
    local function generator(seed)
      local x = seed
      return function(n)
        x = (16807 * x) % 2147483647
        return x % n + 1
      end
    end

    local PIECES = { "a", "Z", "0", " ", "~", "\127", '\\"', "\\\\", "\\/", "\\b", "\\f", "\\n",
      "\\r", "\\t", "\\u0000", "\\u001f", "\\u0041", "\\u00e9", "\\u00C9", "\\u20ac", "\\uffff",
      "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\195\169", "\226\130\172", "\240\159\152\128",
      "\244\143\191\191", "\239\191\191", "\237\159\191", "\238\128\128", "key", "_id" }
    local WS = { "", "", "", " ", "\n", "\t", "\r\n  " }

    local function digits(rand, n, first_nonzero)
      local t = {}
      for i = 1, n do
        t[i] = tostring(rand(10) - 1 + ((i == 1 and first_nonzero) and 1 or 0))
        if t[i] == "10" then t[i] = "9" end
      end
      return table.concat(t)
    end

    local function number(rand)
      local kind = rand(9)
      local sign = rand(3) == 1 and "-" or ""
      local int = rand(4) == 1 and "0" or digits(rand, rand(15), true)
      if kind <= 3 then return sign .. int end
      if kind == 4 then return sign .. int .. "." .. digits(rand, rand(12)) end
      if kind == 5 then return sign .. int .. ".0" end
      if kind == 6 then
        return sign .. int .. (rand(2) == 1 and "e" or "E") .. ({ "", "+", "-" })[rand(3)] ..
          tostring(rand(40) - 1)
      end
      if kind == 7 then -- past the fast path: strtod's
        return sign .. digits(rand, 20 + rand(10), true) .. "." .. digits(rand, rand(20)) ..
          "e" .. ({ "", "-" })[rand(2)] .. tostring(rand(330))
      end
      if kind == 8 then
        return sign .. "0." .. string.rep("0", rand(30)) .. digits(rand, rand(8))
      end
      return sign .. int .. "." .. digits(rand, rand(5)) .. "e-" .. tostring(rand(25))
    end

    local function str(rand, long)
      local t = { '"' }
      for i = 1, long and 1000 + rand(3000) or rand(12) - 1 do t[i + 1] = PIECES[rand(#PIECES)] end
      t[#t + 1] = '"'
      return table.concat(t)
    end

    local function value(rand, depth)
      local kind = rand(depth >= 5 and 6 or 9)
      local function ws() return WS[rand(#WS)] end
      if kind == 1 then return number(rand) end
      if kind == 2 then return str(rand, rand(50) == 1) end
      if kind == 3 then return ({ "true", "false" })[rand(2)] end
      if kind <= 5 then return "null" end
      if kind == 6 then return str(rand) end
      -- Now and then a container longer than the decoder's chunk of stack slots, at the top.
      local n = (depth == 0 and rand(8) == 1) and 100 + rand(200) or rand(6) - 1
      local parts = {}
      if kind <= 7 then
        for i = 1, n do parts[i] = ws() .. value(rand, depth + 1) .. ws() end
        return "[" .. table.concat(parts, ",") .. ws() .. "]"
      end
      local keys = {}
      for i = 1, n do
        local k = (i > 1 and rand(6) == 1) and keys[rand(#keys)] or str(rand)
        keys[i] = k
        parts[i] = ws() .. k .. ws() .. ":" .. ws() .. value(rand, depth + 1) .. ws()
      end
      return "{" .. table.concat(parts, ",") .. ws() .. "}"
    end

    -- cjson's result under json.decode's rules: nulls dropped, integral floats integers.
    local function tidy(v)
      if v == cjson.null then return nil end
      if type(v) == "table" then
        for k, x in pairs(v) do v[k] = tidy(x) end
        return v
      end
      if tointeger and type(v) == "number" then return tointeger(v) or v end
      return v
    end

    local reference = cjson.new()

    it("decodes 3000 generated texts as cjson does, after its nulls and floats are tidied",
      function()
        local rand = generator(20240611)
        local checked = 0
        for i = 1, 3000 do
          local text = WS[rand(#WS)] .. value(rand, 0) .. WS[rand(#WS)]
          local want = tidy(reference.decode(text))
          local got, err = core.decode(text)
          if want == nil then
            assert.equal("the JSON text is null", err)
          else
            assert(got ~= nil, "text " .. i .. ": " .. tostring(err) .. "\n" .. text)
            local ok, where = same(want, got)
            assert(ok, "text " .. i .. ": " .. tostring(where) .. "\n" .. text)
            checked = checked + 1
          end
        end
        assert.is_true(checked > 1500)
      end)

    it("accepts only texts cjson accepts too, with the same value, when they are damaged",
      function()
        local rand = generator(7)
        local damage = { "", "\0", "\255", "\192", "\237\160\128", ",", ":", "]", "}", "[", "{",
          '"', "\\", "\\u", "\\ud800", "0", "-", ".", "e", "n", "1e999", " " }
        local accepted, refused = 0, 0
        for _ = 1, 2000 do
          local text = value(rand, 2)
          local at = rand(#text + 1)
          local cut = rand(3) - 1
          text = text:sub(1, at - 1) .. damage[rand(#damage)] .. text:sub(at + cut)
          local ok, got, err = pcall(core.decode, text)
          assert(ok, "raised: " .. tostring(got) .. "\n" .. text)
          if got ~= nil then
            accepted = accepted + 1
            local fine, want = pcall(reference.decode, text)
            assert(fine, "cjson refuses what core.decode accepted: " .. tostring(want) ..
              "\n" .. text)
            local same_value, where = same(tidy(want), got)
            assert(same_value, tostring(where) .. "\n" .. text)
          else
            refused = refused + 1
            assert(err == "the JSON text is null" or err == "empty JSON text" or
              err:match("^invalid JSON at byte %d+: "), err)
          end
        end
        assert.is_true(accepted > 100 and refused > 100)
      end)

    it("decodes a page of the fake server as cjson does", function()
      local s = helper.server()
      s:config { meetings_total = 300 }
      local c = core.new { token = s.token, timeout = 5 }
      local body, status = c:request("GET", s.url .. "/accounts/" .. s.account_id ..
        "/realtime/kit/" .. s.app_id .. "/meetings?per_page=100&page_no=2")
      c:close()
      assert.equal(200, status)
      local ok, where = same(tidy(reference.decode(body)), assert(core.decode(body)))
      assert(ok, where)
    end)
  end)

  describe("under a locale whose decimal point is a comma", function()
    local function shell_ok(cmd)
      local _, ok = helper.run(cmd)
      return ok
    end

    -- An installed comma locale, else one built by localedef into dir (glibc reads it through
    -- LOCPATH): name, LOCPATH or nil; nil when neither works.
    local function comma_locale(dir)
      local p = io.popen("locale -a 2>/dev/null")
      local names = p:read("*a")
      p:close()
      for _, want in ipairs { "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "ru_RU" } do
        for name in names:gmatch("[^\n]+") do
          if name:sub(1, #want) == want and name:lower():find("utf%-?8") then return name end
        end
      end
      local target = helper.shell_quote(dir .. "/de_DE.UTF-8")
      if shell_ok("localedef -c -i de_DE -f UTF-8 " .. target) then
        return "de_DE.UTF-8", dir
      end
    end

    -- Under make test-asan: LeakSanitizer settings for a child with LOCPATH set, where glibc
    -- leaks the locale path it joins with argz_add_sep (for the never-freed C locale object of
    -- OpenSSL, which libcurl loads); the suppressions of this run plus that one.
    local function lsan_options(dir)
      local opts = os.getenv("LSAN_OPTIONS")
      if not opts or opts == "" then return nil end
      local lines, kept = { "leak:argz_add_sep" }, { "suppressions=" .. dir .. "/lsan.supp" }
      for opt in opts:gmatch("[^:]+") do
        local from = opt:match("^suppressions=(.*)")
        local f = from and io.open(from, "r")
        if f then
          lines[#lines + 1] = f:read("*a")
          f:close()
        elseif not from then
          kept[#kept + 1] = opt
        end
      end
      local f = assert(io.open(dir .. "/lsan.supp", "w"))
      f:write(table.concat(lines, "\n"), "\n")
      f:close()
      return table.concat(kept, ":")
    end

    it("still reads '.' as the decimal point", function()
      local out = helper.run("mktemp -d")
      local dir = out:match("^(%S+)")
      finally(function() os.execute("rm -rf " .. helper.shell_quote(dir)) end)
      local name, locpath = comma_locale(dir)
      local env = { LC_ALL = name, LOCPATH = locpath,
                    LSAN_OPTIONS = locpath and lsan_options(dir) or nil }
      local probe = name and helper.run_lua('io.write(tostring(os.setlocale("", "numeric")))', env)
      if probe ~= name then
        pending("no comma-decimal locale: none installed, and localedef could not build one")
        return
      end
      local code = [[
        assert(os.setlocale("", "numeric"))
        -- LuaJIT formats numbers by itself; the others through the C library
        assert(rawget(_G, "jit") or string.format("%.1f", 1.5) == "1,5", "no comma locale")
        local core = require "realtimekit.core"
        local json = require "realtimekit.json"
        local long = "0." .. string.rep("0", 100) .. "15"
        local v = assert(json.decode("[1.5, -0.25, 1e-3, 2.5E2, 0.1234567890123456789012, " ..
          "1.5e300, 123456789012345678901234.5, " .. long .. "]"))
        local want = { 1.5, -0.25, 1e-3, 250, 0.1234567890123456789012, 1.5e300,
          123456789012345678901234.5, 1.5e-101 }
        for i = 1, #want do
          assert(v[i] == want[i], "element " .. i .. ": " .. string.format("%.17g", v[i]))
        end
        assert(core.decode("1.5") == 1.5)
        assert(select(2, core.decode("1,5")):match("at byte 2"))
        io.write("decoded under ", os.setlocale(nil, "numeric"))
      ]]
      local res, ok = helper.run_lua(code, env)
      assert(ok, res)
      assert.matches("decoded under " .. name, res, 1, true)
    end)
  end)
end)
