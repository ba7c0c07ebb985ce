-- The promises of README.md and the guides in docs/ that can drift (the method table of
-- docs/usage.md is spec/generate_spec.lua's, the nginx.conf of docs/openresty.md
-- spec/openresty_spec.lua's).
local helper = require "helper"
local client = require "realtimekit.client"
local resource = require "realtimekit.resource"

describe("README and docs/", function()

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
    local files = { "README.md" }
    local p = io.popen("ls docs/*.md; find examples -name '*.lua'")
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
