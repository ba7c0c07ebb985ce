--- JSON decoding for the API's responses: nulls dropped, whole numbers as integers. The only
-- module that knows decoders: the client takes its decoder from `decoder`.
-- Two decoders give the same values, and refuse the same texts: lua-cjson followed by a walk in
-- C that drops nulls and makes integers (the default), and `core.decode`, one strict RFC 8259
-- pass in C that builds the final values directly, about twice as fast (the client option
-- `decoder = "core"`). Neither depends on the host program's locale. A program may give a
-- decoder of its own, a `function(text)` that returns the value, or nil and a message.
-- @module realtimekit.json
local cjson = require "cjson.safe"
local compat = require "realtimekit.compat"
local core = require "realtimekit.core"

local type = type
local tointeger = compat.tointeger

local M = {}

-- Our own cjson instance, so the settings below never change the user's cjson.
local decoder = cjson.new()
decoder.decode_max_depth(64) -- the API nests a few levels; deeper is hostile input
decoder.decode_invalid_numbers(false) -- NaN, Infinity and hex are not JSON
local null = decoder.null
local normalise = core.normalise
local check, decode_core = core.check_json, core.decode

--- Decodes a JSON text with lua-cjson. A JSON null becomes an absent field (in an array, a
-- hole at its index); on Lua 5.3+ integral numbers become integers.
--
-- The text is first checked as `decode_core` reads it (`core.check_json`, which builds
-- nothing): lua-cjson alone takes some texts that are not JSON (a NUL and anything after it,
-- `1.`, control characters and invalid UTF-8 in strings), and both decoders refuse the same
-- ones, with the same messages. lua-cjson reads numbers with the C library's `strtod`, whose
-- decimal point is the host program's `LC_NUMERIC` (a "," after `setlocale(LC_ALL, "")` in a
-- German desktop, say) as lua-cjson saw it when it was loaded: a JSON text it then fails to
-- read is read by `decode_core`, whose numbers do not depend on the locale.
-- @tparam string text
-- @return the decoded value, or nil and a message
-- @usage local v, err = json.decode('{"paging":{"total_count":30}}')
function M.decode(text)
  local ok, problem = check(text)
  if not ok then return nil, problem end
  local v = decoder.decode(text)
  if v == nil then
    -- JSON that lua-cjson cannot read: its decimal point is not the locale's.
    return decode_core(text)
  end
  if v == null then
    return nil, "the JSON text is null"
  end
  if type(v) == "table" then
    return normalise(v, null)
  end
  if tointeger and type(v) == "number" then
    return tointeger(v) or v
  end
  return v
end

--- Decodes a JSON text strictly as RFC 8259 defines it, in one pass in C (`core.decode`), to
-- the same values as `decode`. Integers above 2^53 stay exact on 5.3+; the host's locale (its
-- decimal point) does not matter.
-- @function decode_core
-- @tparam string text
-- @return the decoded value, or nil and a message: "empty JSON text", "the JSON text is null",
-- or "invalid JSON at byte N: what was wrong" (the byte counted from 1)
M.decode_core = core.decode

--- The decoder the client option `decoder` names: `"cjson"` (or nil) `decode`, `"core"`
-- `decode_core`, or a `function(text)` of the program's own, which returns the decoded value,
-- or nil and a message (a string) for a text it refuses.
-- @param opt the option's value
-- @return the decoder, a function; or nil and what is wrong with the option
function M.decoder(opt)
  if opt == nil or opt == "cjson" then return M.decode end
  if opt == "core" then return M.decode_core end
  if type(opt) == "function" then return opt end
  return nil, "expected \"cjson\", \"core\" or a function(text), got "
    .. (type(opt) == "string" and string.format("%q", opt:sub(1, 40)) or "a " .. type(opt))
end

return M
