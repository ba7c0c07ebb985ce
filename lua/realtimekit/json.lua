--- JSON decoding for the API's responses: nulls dropped, whole numbers as integers.
-- @module realtimekit.json
local core = require "realtimekit.core"

local M = {}

--- Decodes a JSON text, strictly as RFC 8259 defines it, in one pass in C (`core.decode`).
-- A JSON null becomes an absent field, and in an array a hole at its index (the later
-- elements keep theirs). On Lua 5.3+ a number with an integral value that fits an integer
-- becomes an integer (`30`, `30.0` and `3e1` alike); other numbers are floats, too large ones
-- `inf`. Of two equal keys the last wins. Nesting deeper than 64 levels is refused. The C
-- locale's decimal point does not matter.
-- @function decode
-- @tparam string text
-- @return the decoded value, or nil and a message: "empty JSON text", "the JSON text is null",
-- or "invalid JSON at byte N: what was wrong" (the byte counted from 1)
-- @usage local v, err = json.decode('{"paging":{"total_count":30}}')
M.decode = core.decode

return M
