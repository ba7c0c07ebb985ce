-- scripts/generate, the one generator: the committed files it writes (the LuaLS definitions in
-- types/, the method table of docs/usage.md) are what it writes now from the rows, their
-- schemas and docs/results.lua; and the methods topic it writes for `make docs` has every
-- method.
local helper = require "helper"
local client = require "realtimekit.client"
local resource = require "realtimekit.resource"

local COMMITTED = { "types/realtimekit.lua", "types/realtimekit/webhook.lua", "docs/usage.md" }

describe("scripts/generate", function()
  local dir
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    local out, ok = helper.run(helper.lua_bin .. " scripts/generate --out "
      .. helper.shell_quote(dir))
    assert(ok, out)
  end)
  teardown(function()
    os.execute("rm -rf " .. helper.shell_quote(dir))
  end)

  it("writes what is committed: types/ and docs/usage.md's method table", function()
    for _, path in ipairs(COMMITTED) do
      assert.is_true(helper.read(dir .. "/" .. path) == helper.read(path),
        path .. " is out of date: run make generate")
    end
  end)

  it("puts a row of the method table, and a section of the methods topic, for every method",
    function()
      local usage = helper.read(dir .. "/docs/usage.md")
      local topic = helper.read(dir .. "/build/ldoc/methods.md")
      assert.equal(1, select(2, topic:gsub("^# Resource methods\n", "")))
      for _, name in ipairs(client.RESOURCES) do
        for method, row in pairs(resource.rows(name)) do
          local call = "client." .. name .. ":" .. method .. "("
          assert.is_truthy(usage:find("\n| `" .. call, 1, true), call)
          assert.is_truthy(topic:find("\n### `" .. call, 1, true), call)
          assert.is_truthy(topic:find("`" .. row.http .. " " .. row.path .. "`", 1, true), call)
        end
      end
    end)

  it("writes only the files named, and refuses one it does not make", function()
    local only = dir .. "-only"
    finally(function() os.execute("rm -rf " .. helper.shell_quote(only)) end)
    local out, ok = helper.run(helper.lua_bin .. " scripts/generate --out "
      .. helper.shell_quote(only) .. " docs/usage.md")
    assert(ok, out)
    assert.is_truthy(io.open(only .. "/docs/usage.md"))
    assert.is_nil(io.open(only .. "/types/realtimekit.lua"))
    out, ok = helper.run(helper.lua_bin .. " scripts/generate --out "
      .. helper.shell_quote(only) .. " docs/other.md")
    assert.is_false(ok)
    assert.matches("does not write docs/other.md", out)
  end)
end)
