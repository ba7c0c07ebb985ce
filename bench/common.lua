-- What the benchmark scripts (bench/driver.lua, bench/openresty.lua, bench/frame_budget.lua)
-- share: logging, files, the median, and putting a section into BENCHMARKS.md.
local M = {}

-- Writes the arguments, concatenated, as one line on stderr at once.
function M.log(...)
  io.stderr:write(table.concat({ ... }), "\n")
  io.stderr:flush()
end

-- The whole file at path, or nil when it cannot be opened.
function M.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- The median of a list of numbers (the mean of the middle two for an even count); nil for
-- an empty list. The list is left as it was.
function M.median(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  local n = #t
  if n == 0 then return nil end
  local mid = math.floor(n / 2)
  if n % 2 == 1 then return t[mid + 1] end
  return (t[mid] + t[mid + 1]) / 2
end

-- Puts section (which starts with heading) into the markdown file at path: in place of the
-- section that starts with the same heading, up to the next "## " heading, or at the end.
function M.put_section(path, heading, section)
  local doc = M.read_file(path) or "# Benchmarks\n\n"
  local i = doc:find(heading, 1, true)
  if i then
    local j = doc:find("\n## ", i + #heading, true)
    doc = doc:sub(1, i - 1) .. section .. (j and doc:sub(j + 1) or "")
  else
    doc = doc:gsub("\n*$", "\n\n") .. section
  end
  M.write_file(path, doc)
end

return M
