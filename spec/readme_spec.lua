-- The promises of README.md and the guides in docs/ that can drift (the method table of
-- docs/usage.md is spec/generate_spec.lua's, the nginx.conf of docs/openresty.md
-- spec/openresty_spec.lua's).
local helper = require "helper"
local client = require "realtimekit.client"
local resource = require "realtimekit.resource"

-- The guides and the README: README.md and every docs/*.md.
local function documents()
  local files = { "README.md" }
  local p = io.popen("ls docs/*.md")
  for path in p:lines() do files[#files + 1] = path end
  p:close()
  return files
end

-- Markdown text without its fenced code blocks and inline code spans, where a `](` is no link.
local function prose(text)
  return (text:gsub("\n```.-\n```", "\n"):gsub("`[^`]*`", ""))
end

-- The anchors of a markdown file's headings, as GitHub makes them: lower case, punctuation
-- dropped (letters, digits, spaces, - and _ kept; bytes of UTF-8 letters too), spaces as -, and
-- -1, -2, … after a repeated one.
local function anchors(text)
  local seen = {}
  for line in (text:gsub("\n```.-\n```", "\n") .. "\n"):gmatch("([^\n]*)\n") do
    local title = line:match("^#+%s+(.-)%s*$")
    if title then
      local slug = title:lower():gsub("\195([\128-\150\152-\158])", function(c)
        return "\195" .. string.char(c:byte() + 32) -- À to Þ (but ×): their lower case
      end):gsub("[^%w%s%-_\128-\255]", ""):gsub("%s", "-")
      local n, name = 0, slug
      while seen[name] do
        n = n + 1
        name = slug .. "-" .. n
      end
      seen[name] = true
    end
  end
  return seen
end

describe("README and docs/", function()
  it("has a README of at most 450 lines, a front page", function()
    local text = helper.read("README.md")
    local _, lines = text:gsub("\n", "")
    assert.is_true(lines <= 450, "README.md has " .. lines .. " lines")
  end)

  it("links only files that exist, and headings they have, from README.md and docs/*.md",
    function()
      local checked = 0
      for _, path in ipairs(documents()) do
        local dir = path:match("^(.*/)") or ""
        local text = helper.read(path)
        for target in prose(text):gmatch("%]%(([^%)%s]+)%)") do
          if not target:find("^%a[%w+.-]*:") then -- not https:, mailto:, …
            local file, anchor = target:match("^([^#]*)#?(.*)$")
            local where = file == "" and path or dir .. file
            -- docs/../README.md as README.md: what GitHub shows, whatever folders exist.
            where = where:gsub("[^/]+/%.%./", "")
            local f = io.open(where, "rb")
            assert.is_truthy(f, path .. " links " .. target .. ": no " .. where)
            local linked = f:read("*a")
            f:close()
            if anchor ~= "" then
              assert.is_true(where:find("%.md$") ~= nil and anchors(linked)[anchor] == true,
                path .. " links " .. target .. ": " .. where .. " has no heading #" .. anchor)
            end
            checked = checked + 1
          end
        end
      end
      assert.is_true(checked >= 50, "only " .. checked .. " links checked")
    end)

  it("links every guide in docs/ from the README", function()
    local readme = prose(helper.read("README.md"))
    for _, path in ipairs(documents()) do
      if path ~= "README.md" then
        assert.is_truthy(readme:find("](" .. path .. ")", 1, true)
          or readme:find("](" .. path .. "#", 1, true), "README.md does not link " .. path)
      end
    end
  end)

  it("runs its Lua examples, in order, as one script against the fake server", function()
    local code = {}
    for block in helper.read("README.md"):gmatch("\n```lua\n(.-)```") do
      code[#code + 1] = block
    end
    assert.is_true(#code >= 5, #code .. " Lua examples")
    local s = helper.server()
    local script = os.tmpname()
    finally(function() os.remove(script) end)
    -- "Many machines" talks to a Redis on 127.0.0.1:6379: here, one of the spec's own.
    local redis = assert(require("support.redis").start())
    finally(function() redis:stop() end)
    local text, n = table.concat(code, "\n"):gsub('connect%("127%.0%.0%.1", 6379%)',
      'connect("127.0.0.1", ' .. redis.port .. ')')
    assert.equal(2, n)
    helper.write(script, text)
    local lua_path = "lua/?.lua;lua/?/init.lua;;"
    -- lua-redis is installed for Lua 5.1 to 5.3 (docs/many-machines.md).
    if helper.lua_tag == "5.4" then lua_path = lua_path .. ";/usr/share/lua/5.3/?.lua" end
    local out, ok = helper.run(helper.lua_cmd .. " " .. script, {
      LUA_PATH = lua_path, LUA_CPATH = helper.core_dir .. "/?.so;;",
      CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
      REALTIMEKIT_APP_ID = s.app_id, CLOUDFLARE_BASE_URL = s.url,
    })
    assert.is_true(ok, out)
    -- The meeting it created, and the participant it added, whose token it printed.
    local id = ("\n" .. out):match("\n(%x+%-[%x-]+)\t[%w_-]+%.[%w_-]+%.[%w_-]+\n")
    assert.is_string(id, out)
    local c = assert(require("realtimekit").new { api_token = s.token, account_id = s.account_id,
      app_id = s.app_id, base_url = s.url }) -- not helper.client(), which resets the server
    assert.equal("Design review", assert(c.meetings:get(id)).title)
    local added = helper.collect(c.participants:each(id))
    assert.equal(1, #added)
    assert.equal("user-1001", added[1].custom_participant_id)
  end)

  it("covers all 55 methods of the official SDK", function()
    local ts = {}
    local n = 0
    for _, name in ipairs(client.RESOURCES) do
      for _, row in pairs(resource.rows(name)) do
        if not ts[row.sdk.ts] then
          ts[row.sdk.ts] = true
          n = n + 1
        end
      end
    end
    assert.equal(55, n)
  end)

  it("uses no email address as a custom_participant_id: not in the README, docs/, examples/ "
    .. "or the fake server's data", function()
    local files = documents()
    local p = io.popen("find examples -name '*.lua'")
    for path in p:lines() do files[#files + 1] = path end
    p:close()
    local found = 0
    for _, path in ipairs(files) do
      local text = helper.read(path)
      for value in text:gmatch("custom_participant_ids?%s*=%s*{?%s*(%b\"\")") do
        found = found + 1
        assert.is_nil(value:find("@", 1, true), path .. ": " .. value)
      end
    end
    assert.is_true(found >= 4, "only " .. found .. " custom_participant_id values found")
    local data = helper.data()
    for _, app in pairs(data.build().apps) do
      for _, lists in ipairs { app.participants, app.session_participants or {} } do
        for _, list in pairs(lists) do
          for _, person in ipairs(list) do
            assert.is_nil(person.custom_participant_id:find("@", 1, true),
              person.custom_participant_id)
          end
        end
      end
    end
  end)

  it("reconciles a participant add whose outcome is unknown by its recipe: each added once",
    function()
    local code = assert(helper.read("docs/retries-and-errors.md")
      :match("```lua\n(local function add_once.-\nend)\n```"))
    local recipe = assert((rawget(_G, "loadstring") or load)("local client = ...\n" .. code
      .. "\nreturn add_once"))
    local c, s = helper.client()
    local meeting = helper.data().build().apps[s.app_id].meetings[3].id
    local function count(cpid)
      local n = 0
      for q in c.participants:each(meeting) do
        if q.custom_participant_id == cpid then n = n + 1 end
      end
      return n
    end
    local function posts()
      local n = 0
      for _, r in ipairs(s:requests()) do if r.method == "POST" then n = n + 1 end end
      return n
    end
    -- The server added the participant, and its answer was cut short: found, not added again.
    s:fault { truncate = true, match = "/participants" }
    local p = assert(recipe(c)(meeting, { id = "u-1", display_name = "Ada" }))
    assert.equal("u-1", p.custom_participant_id)
    assert.equal(1, posts())
    assert.equal(1, count("u-1"))
    -- The connection dropped before the server acted: not found, so added.
    s:fault { drop = true, match = "/participants" }
    p = assert(recipe(c)(meeting, { id = "u-2", display_name = "Grace" }))
    assert.is_string(p.token)
    assert.equal(3, posts())
    assert.equal(1, count("u-2"))
  end)

  it("shows a busted test against the fake server that passes as it is written", function()
    local section = assert(helper.read("docs/testing.md")
      :match("\n## A fake RealtimeKit server for your own tests\n(.*)$"))
    local code = assert(section:match("```lua\n(.-)```"))
    local p = io.popen("mktemp -d /tmp/realtimekit-spec.XXXXXX")
    local dir = p:read("*l")
    p:close()
    local f = assert(io.open(dir .. "/report_spec.lua", "w"))
    f:write(code)
    f:close()
    local out, ok = helper.run(helper.lua_cmd .. " /usr/bin/busted -o TAP " .. dir
      .. "/report_spec.lua", {
        LUA_PATH = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;;",
        LUA_CPATH = helper.core_dir .. "/?.so;;",
      })
    os.execute("rm -rf " .. helper.shell_quote(dir))
    assert.is_true(ok, out)
    assert.matches("\nok 2 ", out)
  end)
end)
