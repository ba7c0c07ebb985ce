-- Errors that escape inside a real nginx: README's idioms (`assert(realtimekit.new { … })`, a
-- walk in a `for`, `realtimekit.assert` around a call) failing in a content handler and in a
-- timer, with nothing to catch them, must leave their message in nginx's error log (which logs
-- any value but a string as "unknown reason"); a pcall around the walk still gets the object.
local helper = require "helper"
local server = require "realtimekit.fake"
local conf = require "support.openresty.conf"
local cjson = require "cjson"

local ROOT = helper.root

local describe_or_pending = helper.luajit_core_built and describe or pending

local SERVER_EXTRA = [[
    location = /t/escape { content_by_lua_block { require("error_checks").handler() } }
    location = /t/escape-timer { content_by_lua_block { require("error_checks").timer() } }
    location = /t/caught { content_by_lua_block { require("error_checks").caught() } }
]]

local function get(port, path)
  local p = io.popen(("curl -s -S --max-time 20 'http://127.0.0.1:%d%s' 2>&1"):format(port, path))
  local out = p:read("*a")
  p:close()
  return out
end

describe_or_pending("errors in OpenResty #once", function()
  local fake, nginx, port

  -- The lines of nginx's error log written since `from` bytes, and its size now.
  local function log_since(from)
    local text = helper.read(nginx.dir .. "/error.log")
    return text:sub(from + 1), #text
  end

  -- Runs an idiom where it fails (path), then waits for nginx's error log to tell of it: the
  -- aborted thread's line, which must hold `want` (plain text).
  local function logged(path, want)
    local _, size = log_since(0)
    get(port, path)
    local line = helper.wait_for(function()
      local text = log_since(size)
      return text:match("[^\n]*lua entry thread aborted[^\n]*")
    end, 10)
    assert.is_string(line, "nothing was logged for " .. path)
    assert.is_nil(line:find("unknown reason", 1, true), line)
    assert.matches(want, line, 1, true)
    return line
  end

  setup(function()
    fake = helper.server()
    port = server.free_ports(1)
    nginx = assert(server.nginx(conf.example {
      root = ROOT, core_dir = ROOT .. "/build/luajit", port = port, fake = fake,
      server_extra = SERVER_EXTRA,
    }, nil, conf.env(fake)))
    -- The example's background job walks the meetings once the worker starts: let it end
    -- before the specs queue faults.
    helper.wait_for(function() return not get(port, "/job"):find('"pending"', 1, true) end, 20)
  end)
  teardown(function()
    if nginx then nginx:stop() end
  end)
  before_each(function() fake:reset() end)

  for _, where in ipairs { { "a content handler", "/t/escape" },
                           { "a timer", "/t/escape-timer" } } do
    describe("in " .. where[1] .. ", the message of what escapes is logged", function()
      it("assert(realtimekit.new { … })", function()
        logged(where[2] .. "?idiom=new", "realtimekit invalid_argument error: account_id: ")
      end)

      it("a walk whose page fails", function()
        fake:fault { status = 503, match = "page_no=2" }
        local line = logged(where[2] .. "?idiom=walk",
          "realtimekit api error (HTTP 503): Service Unavailable [GET ")
        assert.matches("/meetings, page 2]", line, 1, true)
        -- Where it escaped: the line of the for, in error_checks.lua.
        assert.matches("error_checks.lua:%d+: realtimekit api error", line)
      end)

      it("realtimekit.assert around a call that fails", function()
        logged(where[2] .. "?idiom=assert", "realtimekit api error (HTTP 404")
      end)
    end)
  end

  it("gives a pcall around the walk the error object, which ngx.log prints", function()
    local _, size = log_since(0)
    fake:fault { status = 503, match = "page_no=2" }
    local got = cjson.decode(get(port, "/t/caught"))
    assert.is_false(got.ok)
    assert.is_true(got.is_error)
    assert.equal("api", got.kind)
    assert.equal(503, got.status)
    assert.equal(2, got.page_no)
    assert.same({ page_no = 2, per_page = 100, status = "ACTIVE" }, got.params)
    local text = log_since(size)
    assert.matches("the walk failed: " .. got.text, text, 1, true)
  end)
end)
