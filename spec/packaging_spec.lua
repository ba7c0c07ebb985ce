-- The rocks: the client's (realtimekit-*.rockspec, here) and the fake server's
-- (fake/realtimekit-fake-*.rockspec, built from fake/), each with a release rockspec kept in
-- step with its scm one. Neither lists a Lua module by hand: LuaRocks' builtin backend copies
-- the ./lua of the folder it builds in (lua/ for the client, fake/lua for the fake server).
local helper = require "helper" -- the core built for this Lua

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

local function keys(t)
  local list = {}
  for k in pairs(t or {}) do list[#list + 1] = k end
  table.sort(list)
  return list
end

local function lines(cmd)
  local p = io.popen(cmd)
  local list = {}
  for l in p:lines() do list[#list + 1] = l end
  p:close()
  return list
end

-- The two rocks: name, folder the rockspecs are in (and luarocks make runs in).
local ROCKS = { { "realtimekit", "." }, { "realtimekit-fake", "fake" } }

describe("the rockspecs", function()
  it("list no Lua module: the client's only its C core, made of every file in csrc/", function()
    local scm = load_spec("realtimekit-scm-1.rockspec")
    assert.same({ "realtimekit.core" }, keys(scm.build.modules))
    assert.same({ "realtimekit.core" }, keys(scm.build.platforms.windows.modules))
    local sources = {}
    for _, s in ipairs(scm.build.modules["realtimekit.core"].sources) do sources[s] = true end
    for _, file in ipairs(lines("cd csrc && ls *.c")) do
      assert.is_true(sources["csrc/" .. file], file)
    end
    local fake = load_spec("fake/realtimekit-fake-scm-1.rockspec")
    assert.same({}, keys(fake.build.modules))
    assert.same({ "realtimekit-fake" }, keys(fake.build.install.bin))
    assert.same({ "realtimekit" }, keys(scm.build.install.bin))
  end)

  it("install the editor definitions (types/), and not docs/, which nothing installed reads",
    function()
      assert.same({ "types" }, load_spec("realtimekit-scm-1.rockspec").build.copy_directories)
      assert.is_nil(load_spec("fake/realtimekit-fake-scm-1.rockspec").build.copy_directories)
    end)

  it("of each release agrees with the development one but for version and source", function()
    local realtimekit = require "realtimekit"
    for _, rock in ipairs(ROCKS) do
      local name, dir = rock[1], rock[2]
      local release = load_spec(dir .. "/" .. name .. "-" .. realtimekit._VERSION .. "-1.rockspec")
      local scm = load_spec(dir .. "/" .. name .. "-scm-1.rockspec")
      assert.equal(name, scm.package)
      assert.equal(realtimekit._VERSION .. "-1", release.version)
      assert.equal("scm-1", scm.version)
      assert.equal("v" .. realtimekit._VERSION, release.source.tag)
      assert.equal(scm.source.url, release.source.url)
      assert.equal(scm.source.dir, release.source.dir)
      release.version, scm.version, release.source, scm.source = nil, nil, nil, nil
      assert.same(scm, release)
    end
    assert.equal(realtimekit._VERSION, realtimekit.core_version)
  end)

  it("of the fake server builds from fake/ of the repository's source, and needs the client",
    function()
      local fake = load_spec("fake/realtimekit-fake-scm-1.rockspec")
      local client = load_spec("realtimekit-scm-1.rockspec")
      local repo = client.source.url:match("([^/]+)%.git$")
      assert.equal(repo .. "/fake", fake.source.dir)
      assert.equal(client.source.url, fake.source.url)
      local needs = {}
      for _, d in ipairs(fake.dependencies) do needs[d:match("^[%w%-]+")] = d end
      assert.equal("realtimekit >= " .. require("realtimekit")._VERSION, needs.realtimekit)
    end)

  it("of each release is the only released one, and CHANGELOG dates it", function()
    local realtimekit = require "realtimekit"
    for _, rock in ipairs(ROCKS) do
      local name, dir = rock[1], rock[2]
      local names = lines("cd " .. dir .. " && ls " .. name .. "-[0-9s]*.rockspec")
      table.sort(names)
      assert.same({ name .. "-" .. realtimekit._VERSION .. "-1.rockspec",
                    name .. "-scm-1.rockspec" }, names)
    end
    local log = helper.read("CHANGELOG.md")
    local heading = "\n## " .. realtimekit._VERSION:gsub("%.", "%%.")
      .. " %(%d%d%d%d%-%d%d%-%d%d%)\n"
    assert.matches(heading, log)
  end)
end)

local function installed(cmd)
  local _, ok = helper.run("sh -c 'command -v " .. cmd .. "'")
  return ok
end

-- Where curl/curl.h is (Debian keeps it in the multiarch folder).
local function curl_incdir()
  return (helper.run("sh -c 'for h in /usr/include/*/curl/curl.h /usr/include/curl/"
    .. "curl.h; do [ -e \"$h\" ] && dirname \"$(dirname \"$h\")\" && break; done'")
    :gsub("%s+$", ""))
end

-- The files of a tree (paths below it), sorted.
local function files_of(tree)
  return lines("cd " .. helper.shell_quote(tree) .. " && find . -type f | sort")
end

local function matching(list, pattern)
  local out = {}
  for _, l in ipairs(list) do
    if l:find(pattern) then out[#out + 1] = l end
  end
  return out
end

-- The rocks as LuaRocks installs them, the client's and then the fake server's, each for Lua
-- 5.4 and then Lua 5.1 into one tree (from a copy of the sources, so that luarocks' build
-- leaves nothing here): LuaRocks 3.8 writes one bin/ wrapper per command, running the Lua of
-- the rock made last, and moves the one before to `name~`.
describe("the rocks installed for two Luas into one tree #once", function()
  local dir, tree, logs, client_only

  setup(function()
    if not (installed("luarocks") and installed("lua5.1") and installed("lua5.4")) then return end
    dir = assert(io.popen("mktemp -d /tmp/realtimekit-rock.XXXXXX")):read("*l")
    tree = dir .. "/tree"
    -- No docs/: the rocks install nothing from it.
    local out, ok = helper.run("sh -c " .. helper.shell_quote("mkdir " .. dir .. "/src && cp -r "
      .. "lua csrc bin types fake realtimekit-scm-1.rockspec " .. dir .. "/src"))
    assert(ok, out)
    logs = {}
    local function make(rock, v, folder, rockspec)
      out, ok = helper.run("sh -c " .. helper.shell_quote("cd " .. dir .. "/src/" .. folder
        .. " && luarocks --lua-version=" .. v .. " make --tree=" .. tree .. " --deps-mode=none "
        .. "CURL_INCDIR=" .. curl_incdir() .. " " .. rockspec), { HOME = dir })
      assert(ok, out)
      logs[rock .. " " .. v] = out
    end
    for _, v in ipairs { "5.4", "5.1" } do
      make("realtimekit", v, ".", "realtimekit-scm-1.rockspec")
    end
    client_only = files_of(tree)
    for _, v in ipairs { "5.4", "5.1" } do
      make("realtimekit-fake", v, "fake", "realtimekit-fake-scm-1.rockspec")
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

  it("has the client's modules, core, command and editor definitions, and no fake server",
    function()
      if pending_without_tools() then return end
      for _, v in ipairs { "5.4", "5.1" } do
        local share = "share/lua/" .. v .. "/realtimekit/"
        for _, f in ipairs { share .. "init.lua", share .. "schema.lua",
                             share .. "resources/meetings.lua",
                             "lib/lua/" .. v .. "/realtimekit/core.so",
                             "lib/luarocks/rocks-" .. v .. "/realtimekit/scm-1/types/"
                               .. "realtimekit.lua",
                             "bin/realtimekit" } do
          local file = io.open(tree .. "/" .. f, "rb")
          assert.is_truthy(file, f)
          file:close()
        end
      end
      assert.same({}, matching(client_only, "fake"))
      assert.same({}, matching(client_only, "/docs/"))
      assert.same({}, matching(client_only, "results%.lua"))
    end)

  it("has the fake server's modules and command once its rock is installed, and they are its",
    function()
      if pending_without_tools() then return end
      local fake = matching(files_of(tree), "fake")
      for _, v in ipairs { "5.4", "5.1" } do
        local share = "./share/lua/" .. v .. "/realtimekit/"
        for _, f in ipairs { share .. "fake.lua", share .. "fake/cli.lua", share .. "fake/conf.lua",
                             share .. "fake/server/api.lua", share .. "fake/server/seed.lua" } do
          assert.same({ f }, matching(fake, "^" .. f:gsub("%p", "%%%0") .. "$"))
        end
        local out, ok = helper.run("luarocks --lua-version=" .. v .. " --tree=" .. tree
          .. " show realtimekit-fake", { HOME = dir })
        assert.is_true(ok, out)
        assert.matches("realtimekit.fake.server.api %(", out)
        out = helper.run("luarocks --lua-version=" .. v .. " --tree=" .. tree
          .. " show realtimekit", { HOME = dir })
        assert.is_nil(out:find("realtimekit.fake", 1, true))
      end
      assert.same({ "./bin/realtimekit-fake", "./bin/realtimekit-fake~" },
        matching(fake, "^%./bin/"))
    end)

  it("keeps the first Lua's commands as name~ and has the last one's run its Lua", function()
    if pending_without_tools() then return end
    for _, name in ipairs { "realtimekit", "realtimekit-fake" } do
      assert.matches("exec '[^']*lua5%.1'", helper.read(tree .. "/bin/" .. name))
      assert.matches("exec '[^']*lua5%.4'", helper.read(tree .. "/bin/" .. name .. "~"))
      assert.matches("bin/" .. name:gsub("%-", "%%-") .. " is not tracked by this installation "
        .. "of LuaRocks%. Moving it to [^\n]*bin/" .. name:gsub("%-", "%%-") .. "~",
        logs[name .. " 5.1"])
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

  it("warns of what the system's packages provide at run time (lua-cjson, luasocket)", function()
    if pending_without_tools() then return end
    for _, v in ipairs { "5.4", "5.1" } do
      assert.matches("Missing dependencies for realtimekit scm%-1:%s+lua%-cjson %(not "
        .. "installed%)", logs["realtimekit " .. v])
      assert.matches("Missing dependencies for realtimekit%-fake scm%-1:%s+lua%-cjson %(not "
        .. "installed%)%s+luasocket %(not installed%)", logs["realtimekit-fake " .. v])
    end
  end)
end)

-- The rocks as `luarocks pack` makes them from the repository (a git source) and `luarocks
-- build` installs them: the fake server's builds in its source.dir, fake/ of the clone.
describe("the packed source rocks #once", function()
  local dir, tree

  setup(function()
    if not (installed("luarocks") and installed("git") and installed("lua5.4")) then return end
    dir = assert(io.popen("mktemp -d /tmp/realtimekit-pack.XXXXXX")):read("*l")
    tree = dir .. "/tree"
    -- A repository named as the rockspecs' source is, holding these sources.
    local client = load_spec("realtimekit-scm-1.rockspec")
    local repo = client.source.url:match("([^/]+)%.git$")
    local src = dir .. "/" .. repo
    local script = table.concat({
      "set -e",
      "mkdir " .. src,
      "cp -r lua csrc bin types fake realtimekit-scm-1.rockspec " .. src,
      "cd " .. src,
      "git init -q && git add -A",
      "git -c user.name=spec -c user.email=spec@example.com commit -qm sources",
      "cd " .. dir,
      -- The rockspecs, fetching from that repository.
      "for r in " .. src .. "/realtimekit-scm-1.rockspec " .. src
        .. "/fake/realtimekit-fake-scm-1.rockspec; do",
      "  sed 's|git+https://[^\"]*|git+file://" .. src .. "|' \"$r\" > \"$(basename \"$r\")\"",
      "done",
      "luarocks pack realtimekit-scm-1.rockspec",
      "luarocks pack realtimekit-fake-scm-1.rockspec",
      "luarocks --lua-version=5.4 build --tree=" .. tree .. " --deps-mode=none CURL_INCDIR="
        .. curl_incdir() .. " realtimekit-scm-1.src.rock",
      "luarocks --lua-version=5.4 build --tree=" .. tree
        .. " --deps-mode=none realtimekit-fake-scm-1.src.rock",
    }, "\n")
    local out, ok = helper.run("sh -c " .. helper.shell_quote(script), { HOME = dir })
    assert(ok, out)
  end)
  teardown(function()
    if dir then os.execute("rm -rf " .. helper.shell_quote(dir)) end
  end)

  it("install the client and the fake server, each once, as luarocks make does", function()
    if not tree then return pending("luarocks, git and lua5.4 are needed") end
    local files = files_of(tree)
    local share = "./share/lua/5.4/realtimekit/"
    for _, f in ipairs { share .. "init.lua", share .. "fake.lua", share .. "fake/server/api.lua",
                         "./lib/lua/5.4/realtimekit/core.so", "./bin/realtimekit",
                         "./bin/realtimekit-fake" } do
      assert.same({ f }, matching(files, "^" .. f:gsub("%p", "%%%0") .. "$"))
    end
    -- The fake server's rock holds only what fake/ holds: no client module came with it.
    local manifest = helper.read(tree .. "/lib/luarocks/rocks-5.4/realtimekit-fake/scm-1/"
      .. "rock_manifest")
    assert.is_truthy(manifest:find('["fake.lua"]', 1, true))
    assert.is_nil(manifest:find('["init.lua"]', 1, true))
    assert.is_nil(manifest:find('["client.lua"]', 1, true))
  end)
end)
