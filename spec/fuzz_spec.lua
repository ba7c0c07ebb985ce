-- The Lua fuzzing target (fuzz/lua.c) embeds a Lua chunk that calls the library's parsers by
-- name. libFuzzer needs clang and runs only in `make fuzz`; this replays the target's seed corpus
-- through the same chunk under each Lua of `make test`, so that a parser renamed or moved
-- breaks a spec at once rather than the fuzzing run.
local helper = require "helper"

-- The chunk: the C string literal `check_chunk` of fuzz/lua.c, as Lua source.
local function chunk_of(c_source)
  local body = c_source:match("static const char check_chunk%[%] =\n(.-);\n")
  assert(body, "fuzz/lua.c has no check_chunk")
  local out = {}
  for literal in body:gmatch('"(.-[^\\])"') do
    out[#out + 1] = literal:gsub("\\(.)", function(c)
      return c == "n" and "\n" or c == "t" and "\t" or c
    end)
  end
  return table.concat(out)
end

describe("the Lua fuzzing target's checks", function()
  it("pass on every file of its seed corpus, as the target runs them", function()
    local source = chunk_of(helper.read("fuzz/lua.c"))
    local check = assert((rawget(_G, "loadstring") or load)(source, "=fuzz/lua.c"))()
    local names = {}
    local list = assert(io.popen("ls fuzz/corpus/lua"))
    for name in list:lines() do names[#names + 1] = name end
    list:close()
    assert.is_true(#names >= 4)
    local kinds = {}
    for _, name in ipairs(names) do
      local data = helper.read("fuzz/corpus/lua/" .. name)
      if #data > 0 then
        local which = data:byte(1) % 4
        kinds[which] = true
        local ok, err = pcall(check, which, data:sub(2))
        assert(ok, name .. ": " .. tostring(err))
      end
    end
    -- The corpus reaches every parser the chunk checks.
    assert.same({ [0] = true, true, true, true }, kinds)
  end)
end)
