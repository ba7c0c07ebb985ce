-- The rockspec installs every module of the library, and nothing that is not there.
describe("the rockspec", function()
  it("lists every file under lua/ and csrc/ that the library is made of", function()
    local f = assert(io.open("realtimekit-scm-1.rockspec"))
    local text = f:read("*a")
    f:close()
    local p = io.popen("cd lua && find realtimekit -name '*.lua' | sort")
    local missing = {}
    for path in p:lines() do
      local module = path:gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", ".")
      local line = ('["%s"] = "lua/%s"'):format(module, path)
      if not text:find(line, 1, true) then missing[#missing + 1] = line end
    end
    p:close()
    p = io.popen("cd csrc && ls *.c")
    for file in p:lines() do
      if not text:find('"csrc/' .. file .. '"', 1, true) then missing[#missing + 1] = file end
    end
    p:close()
    assert.same({}, missing)
  end)
end)
