-- The rockspec installs every module of the library, and nothing that is not there.
require "helper" -- the core built for this Lua
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

  -- A rockspec is Lua: loaded into a table of its own.
  local function load_spec(path)
    local env = {}
    local chunk
    local setfenv = rawget(_G, "setfenv")
    if setfenv then
      chunk = assert(loadfile(path))
      setfenv(chunk, env)
    else
      chunk = assert(loadfile(path, "t", env))
    end
    chunk()
    return env
  end

  it("of the release agrees with the development one but for version and source", function()
    local realtimekit = require "realtimekit"
    local release_path = "realtimekit-" .. realtimekit._VERSION .. "-1.rockspec"
    local release, scm = load_spec(release_path), load_spec("realtimekit-scm-1.rockspec")
    assert.equal(realtimekit._VERSION .. "-1", release.version)
    assert.equal("scm-1", scm.version)
    assert.equal("v" .. realtimekit._VERSION, release.source.tag)
    assert.equal(scm.source.url, release.source.url)
    release.version, scm.version, release.source, scm.source = nil, nil, nil, nil
    assert.same(scm, release)
    assert.equal(realtimekit._VERSION, realtimekit.core_version)
  end)

  it("of the release is the only released one, and CHANGELOG dates it", function()
    local realtimekit = require "realtimekit"
    local p = io.popen("ls realtimekit-*.rockspec")
    local names = {}
    for name in p:lines() do names[#names + 1] = name end
    p:close()
    table.sort(names)
    assert.same({ "realtimekit-" .. realtimekit._VERSION .. "-1.rockspec",
                  "realtimekit-scm-1.rockspec" }, names)
    local f = assert(io.open("CHANGELOG.md"))
    local log = f:read("*a")
    f:close()
    local heading = "\n## " .. realtimekit._VERSION:gsub("%.", "%%.")
      .. " %(%d%d%d%d%-%d%d%-%d%d%)\n"
    assert.matches(heading, log)
  end)
end)
