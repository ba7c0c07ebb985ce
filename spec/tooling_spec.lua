-- The project's own tooling: the line make spec and make test end with.
local helper = require "helper"

local write = helper.write

describe("scripts/test-summary", function()
  local dir
  before_each(function()
    local p = io.popen("mktemp -d")
    dir = p:read("*l")
    p:close()
  end)
  after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

  local function run(...)
    return helper.run("scripts/test-summary " .. table.concat({ ... }, " "),
      { SUMMARY_DIR = dir })
  end

  it("says what passed under each Lua, in one line", function()
    write(dir .. "/spec-5.4.log",
      "●●\n566 successes / 0 failures / 0 errors / 0 pending : 9 seconds\n")
    write(dir .. "/spec-5.4.rc", "0\n")
    write(dir .. "/spec-luajit.log", "1 success / 0 failures / 0 errors / 0 pending : 1 seconds\n")
    write(dir .. "/spec-luajit.rc", "0\n")
    write(dir .. "/rock-test.rc", "0\n")
    local out, ok = run("test", "5.4", "luajit")
    assert.is_true(ok, out)
    assert.equal("make test: PASSED (Lua 5.4: 566 passed, Lua luajit: 1 passed; luarocks test "
      .. "passed)\n", out)
  end)

  it("fails, and says where, when a Lua's specs failed or did not finish", function()
    write(dir .. "/spec-5.4.log",
      "560 successes / 4 failures / 2 errors / 0 pending : 9 seconds\n")
    write(dir .. "/spec-5.4.rc", "1\n")
    write(dir .. "/spec-5.1.log", "lua5.1: cannot open core.so\n")
    write(dir .. "/spec-5.1.rc", "1\n")
    local out, ok = run("spec", "5.4", "5.1")
    assert.is_false(ok)
    assert.equal("make spec: FAILED (Lua 5.4: 560 passed, 6 FAILED, Lua 5.1: did not finish)\n",
      out)
  end)

  it("fails when luarocks test failed", function()
    write(dir .. "/spec-5.4.log", "5 successes / 0 failures / 0 errors / 0 pending : 1 seconds\n")
    write(dir .. "/spec-5.4.rc", "0\n")
    write(dir .. "/rock-test.rc", "1\n")
    local out, ok = run("test", "5.4")
    assert.is_false(ok)
    assert.matches("luarocks test FAILED", out, 1, true)
  end)
end)
