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

-- The rock as LuaRocks installs it, for Lua 5.4 and then Lua 5.1 into one tree (a copy of the
-- sources, so that luarocks' build leaves nothing here): LuaRocks 3.8 writes one bin/ wrapper
-- per command, running the Lua of the rock made last, and moves the one before to `name~`.
describe("the rock installed for two Luas into one tree #once", function()
  local helper = require "helper"
  local dir, tree, logs

  local function installed(cmd)
    local _, ok = helper.run("sh -c 'command -v " .. cmd .. "'")
    return ok
  end

  setup(function()
    if not (installed("luarocks") and installed("lua5.1") and installed("lua5.4")) then return end
    dir = assert(io.popen("mktemp -d /tmp/realtimekit-rock.XXXXXX")):read("*l")
    tree = dir .. "/tree"
    local out, ok = helper.run("sh -c " .. helper.shell_quote("mkdir " .. dir .. "/src && cp -r "
      .. "lua csrc bin docs types realtimekit-scm-1.rockspec " .. dir .. "/src"))
    assert(ok, out)
    local incdir = helper.run("sh -c 'for h in /usr/include/*/curl/curl.h /usr/include/curl/"
      .. "curl.h; do [ -e \"$h\" ] && dirname \"$(dirname \"$h\")\" && break; done'")
    logs = {}
    for _, v in ipairs { "5.4", "5.1" } do
      out, ok = helper.run("sh -c " .. helper.shell_quote("cd " .. dir .. "/src && luarocks "
        .. "--lua-version=" .. v .. " make --tree=" .. tree .. " --deps-mode=none CURL_INCDIR="
        .. incdir:gsub("%s+$", "") .. " realtimekit-scm-1.rockspec"), { HOME = dir })
      assert(ok, out)
      logs[v] = out
    end
  end)
  teardown(function()
    if dir then os.execute("rm -rf " .. helper.shell_quote(dir)) end
  end)

  local function pending_without_tools()
    if not tree then
      pending("luarocks, lua5.1 and lua5.4 are needed")
      return true
    end
  end

  -- Runs a command of the tree from /tmp, with only PATH and the given variables set.
  local function command(name, args, env)
    return helper.run("sh -c " .. helper.shell_quote("cd /tmp && exec " .. tree .. "/bin/"
      .. name .. " " .. args), env)
  end

  it("keeps the first Lua's commands as name~ and has the last one's run its Lua", function()
    if pending_without_tools() then return end
    for _, name in ipairs { "realtimekit", "realtimekit-fake" } do
      assert.matches("exec '[^']*lua5%.1'", helper.read(tree .. "/bin/" .. name))
      assert.matches("exec '[^']*lua5%.4'", helper.read(tree .. "/bin/" .. name .. "~"))
      assert.matches("bin/" .. name:gsub("%-", "%%-") .. " is not tracked by this installation "
        .. "of LuaRocks%. Moving it to [^\n]*bin/" .. name:gsub("%-", "%%-") .. "~", logs["5.1"])
    end
  end)

  it("runs both commands, with either Lua, from the tree alone", function()
    if pending_without_tools() then return end
    for _, name in ipairs { "realtimekit", "realtimekit~" } do
      local out, ok = command(name, "--version")
      assert.is_true(ok, out)
      assert.equal("realtimekit 0.2.0\n", out)
    end
    for _, name in ipairs { "realtimekit-fake", "realtimekit-fake~" } do
      local out, ok = command(name, "help")
      assert.is_true(ok, out)
      assert.matches("^usage: realtimekit%-fake ", out)
    end
  end)

  it("runs them with LUA_PATH and LUA_CPATH set for the other Lua", function()
    if pending_without_tools() then return end
    -- What `luarocks --lua-version=5.4 --tree=<tree> path` sets, while bin/realtimekit runs
    -- Lua 5.1 (the 5.4 core would not load there).
    local env = {
      LUA_PATH = tree .. "/share/lua/5.4/?.lua;" .. tree .. "/share/lua/5.4/?/init.lua;;",
      LUA_CPATH = tree .. "/lib/lua/5.4/?.so;;",
    }
    local out, ok = command("realtimekit", "--version", env)
    assert.is_true(ok, out)
    assert.equal("realtimekit 0.2.0\n", out)
    out, ok = command("realtimekit-fake", "help", env)
    assert.is_true(ok, out)
  end)

  it("warns that lua-cjson is missing, which the system's package provides at run time",
    function()
      if pending_without_tools() then return end
      for _, v in ipairs { "5.4", "5.1" } do
        assert.matches("Missing dependencies for realtimekit scm%-1:%s+lua%-cjson %(not "
          .. "installed%)", logs[v])
      end
    end)
end)
