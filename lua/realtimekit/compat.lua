--- Differences between Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT, resolved once.
-- @module realtimekit.compat
local math_floor = math.floor
local string_format = string.format

local M = {}

--- `table.unpack` or 5.1's `unpack`.
M.unpack = rawget(table, "unpack") or rawget(_G, "unpack")

--- `math.tointeger` where it exists (5.3+), else nil: numbers are all floats there anyway.
M.tointeger = rawget(math, "tointeger")

--- Whether a value is a finite number with no fractional part.
function M.is_whole(n)
  return type(n) == "number" and n == n and n ~= math.huge and n ~= -math.huge
    and math_floor(n) == n
end

--- A whole number written as an integer, never "2.0" or "2e+15".
function M.intstr(n)
  local i = M.tointeger and M.tointeger(n)
  if i then return tostring(i) end
  return string_format("%.0f", n)
end

--- A number as JSON and URLs write it: whole numbers as integers, others with 17 significant
-- digits, with a "." as decimal point whatever the host's locale (`LC_NUMERIC`) says.
function M.number_text(n)
  if M.is_whole(n) and n >= -9007199254740992 and n <= 9007199254740992 then
    return M.intstr(n)
  end
  return (string_format("%.17g", n):gsub("[^%d%-+eE]+", "."))
end

--- Name of the running Lua, e.g. "Lua 5.4" or "LuaJIT 2.1.0-beta3".
M.lua_name = (rawget(_G, "jit") and _G.jit.version) or _VERSION

return M
