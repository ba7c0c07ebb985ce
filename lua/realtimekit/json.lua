--- JSON decoding for the API's responses: nulls dropped, whole numbers as integers.
-- Two decoders give the same values for every text the API sends: lua-cjson followed by a
-- walk in C that drops nulls and makes integers (the default), and `core.decode`, one strict
-- RFC 8259 pass in C that builds the final values directly, about twice as fast (the client
-- option `decoder = "core"`).
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

--- Decodes a JSON text with lua-cjson. A JSON null becomes an absent field (in an array, a
-- hole at its index); on Lua 5.3+ integral numbers become integers.
-- @tparam string text
-- @return the decoded value, or nil and a message
-- @usage local v, err = json.decode('{"paging":{"total_count":30}}')
function M.decode(text)
  local v, err = decoder.decode(text)
  if v == nil then
    if type(text) == "string" and not text:find("%S") then return nil, "empty JSON text" end
    return nil, err or "empty JSON text"
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
-- the same values as `decode`. Integers above 2^53 stay exact on 5.3+; the C locale's decimal
-- point does not matter.
-- @function decode_core
-- @tparam string text
-- @return the decoded value, or nil and a message: "empty JSON text", "the JSON text is null",
-- or "invalid JSON at byte N: what was wrong" (the byte counted from 1)
M.decode_core = core.decode

--- The decoders by the name the client option `decoder` takes.
M.decoders = { cjson = M.decode, core = M.decode_core }

return M
