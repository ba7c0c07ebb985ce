--- Differences between Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT, resolved once; and numbers and dates
-- the same whatever the host program's locale and time zone.
-- @module realtimekit.compat
local math_floor = math.floor
local string_format = string.format
local type, tostring, tonumber = type, tostring, tonumber

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

--- A whole number written as an integer, never "2.0", "2e+15" or "-0": on Lua 5.3+ a number that
-- fits an integer (math.maxinteger and every float from -2^63 to below 2^63) as that integer's
-- digits; any other (all of them on 5.1 and LuaJIT, and floats from 2^63 up) with %.0f, which
-- writes the exact digits of the double (1e20 as 100000000000000000000, 2^63 as
-- 9223372036854775808) and no decimal point, so the host's locale plays no part.
function M.intstr(n)
  if n == 0 then return "0" end -- -0.0 too, which %.0f writes "-0"
  local i = M.tointeger and M.tointeger(n)
  if i then return tostring(i) end
  return string_format("%.0f", n)
end

-- The text of string.format's %g with the decimal point made ".": PUC Lua's format and
-- tonumber follow the C library's LC_NUMERIC (a host program's setlocale can make the point a
-- ","), LuaJIT's do not; either way the text read back here is the one the same runtime wrote.
local function dotted(s)
  return (s:gsub("[^%d%-+eE]+", "."))
end

-- A number with the fewest significant digits (15 to 17) that read back as the same number.
local function shortest(n)
  for digits = 15, 16 do
    local s = string_format("%." .. digits .. "g", n)
    if tonumber(s) == n then return dotted(s) end
  end
  return dotted(string_format("%.17g", n))
end

--- A finite number as JSON and URLs write it: a whole number as an integer without exponent
-- (`intstr`), whatever its size: math.maxinteger as 9223372036854775807, never
-- 9.2233720368547758e+18; a whole double beyond 2^63 (1e20, 1e300) as the exact digits of its
-- value, which is what the double holds (JSON and query strings take any number of digits; a
-- reader that parses them as a double gets the same number back). Any other number with the
-- fewest significant digits (15 to 17) that read back as the same number. The decimal point is
-- "." whatever the host's locale (`LC_NUMERIC`) says.
function M.number_text(n)
  if M.is_whole(n) then return M.intstr(n) end
  return shortest(n)
end

-- 2^63: whole numbers up to it are shown whole in messages; larger ones, in a message, in
-- their short form (1e+300), which says the same in fewer characters.
local SHOW_WHOLE = 2 ^ 63

--- Any number as a message shows it: as `number_text` (but a whole number beyond 2^63 in its
-- short form, 1e+300), and `nan`, `inf` or `-inf`.
function M.show_number(n)
  if n ~= n then return "nan" end
  if n == math.huge then return "inf" end
  if n == -math.huge then return "-inf" end
  if M.is_whole(n) and n <= SHOW_WHOLE and n >= -SHOW_WHOLE then return M.intstr(n) end
  return shortest(n)
end

--- Any value as a message may show it, without calling anything of its own (no `__tostring`,
-- which may raise or lie): a number or a boolean as its text, a string as "a string", nil as
-- "nil", anything else as "a <type>".
function M.describe(v)
  local t = type(v)
  if t == "number" then return M.show_number(v) end
  if t == "boolean" then return v and "true" or "false" end
  if t == "nil" then return "nil" end
  return "a " .. t
end

--- Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
-- days_from_civil): plain arithmetic, so neither the host's time zone nor its C library's range
-- of time_t plays a part.
function M.days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math_floor(y / 400)
  local yoe = y - era * 400
  local doy = math_floor((153 * (m > 2 and m - 3 or m + 9) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + math_floor(yoe / 4) - math_floor(yoe / 100) + doy - 719468
end

--- Name of the running Lua, e.g. "Lua 5.4" or "LuaJIT 2.1.0-beta3".
M.lua_name = (rawget(_G, "jit") and _G.jit.version) or _VERSION

return M
