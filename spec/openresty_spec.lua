-- realtimekit inside a real nginx with its Lua module: the "ngx" transport, the example in
-- examples/openresty, and the proof that a slow upstream does not stall the worker.
local helper = require "helper"
local server = require "support.server"
local cjson = require "cjson"

local ROOT = (function()
  local p = io.popen("pwd")
  local d = p:read("*l")
  p:close()
  return d
end)()

local core_built = io.open(ROOT .. "/build/luajit/realtimekit/core.so", "rb")
if core_built then core_built:close() end
local describe_or_pending = core_built and describe or pending

-- Test locations added to the example's configuration.
local EXTRA = [[
    location = /_realtimekit_dead {
      internal;
      proxy_pass https://127.0.0.1:1$realtimekit_path;
      proxy_next_upstream off;
    }
    location = /_realtimekit_slow {
      internal;
      proxy_pass https://realtimekit_api$realtimekit_path;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_headers off;
      proxy_set_header Host localhost;
      proxy_set_header Authorization $realtimekit_auth;
      proxy_ssl_verify on;
      proxy_ssl_name localhost;
      proxy_ssl_trusted_certificate @CA_FILE@;
      proxy_read_timeout 1s;
      proxy_next_upstream off;
    }
    location = /t/list { content_by_lua_block { require("checks").list() } }
    location = /t/poll { content_by_lua_block { require("checks").poll() } }
    location = /t/echo { content_by_lua_block { require("checks").echo() } }
    location = /t/wrong-phase {
      set_by_lua_block $answer { return require("checks").wrong_phase() }
      return 200 $answer;
    }
]]

local function get(port, path, max_time)
  local p = io.popen(("curl -s -S --max-time %d 'http://127.0.0.1:%d%s' 2>&1")
    :format(max_time or 20, port, path))
  local out = p:read("*a")
  p:close()
  return out
end

describe_or_pending("OpenResty", function()
  local fake, ngx_server, port
  setup(function()
    fake = helper.server()
    local template = assert(io.open(ROOT .. "/examples/openresty/nginx.conf")):read("*a")
    template = template:gsub('(lua_package_path ")', '%1@ROOT@/spec/support/openresty/?.lua;')
    template = template:gsub("(    location = /ping {)", function(l) return EXTRA .. l end)
    port = server.free_ports(1)
    ngx_server = server.nginx(template, {
      ROOT = ROOT, CORE_DIR = ROOT .. "/build/luajit", PORT = port,
      API_HOST = "127.0.0.1", API_PORT = fake.tls_port, API_NAME = "localhost",
      CA_FILE = fake.ca_file,
    }, { CLOUDFLARE_API_TOKEN = fake.token, CLOUDFLARE_ACCOUNT_ID = fake.account_id,
         REALTIMEKIT_APP_ID = fake.app_id })
  end)
  teardown(function()
    if ngx_server then ngx_server:stop() end
  end)
  before_each(function() fake:reset() end)

  it("walks meetings through nginx's proxy with the token and an ngx_lua User-Agent", function()
    local out = get(port, "/meetings?concurrency=1")
    local body = cjson.decode(out)
    assert.equal(300, body.meetings)
    assert.matches("^realtimekit%-lua/0%.1%.0 %(LuaJIT [^;]+; ngx_lua/%d+%.%d+%.%d+; nginx/%d",
      body.user_agent)
    local r = fake:requests()
    assert.equal(3, #r)
    assert.equal("Bearer " .. fake.token, r[1].headers.authorization)
    assert.equal(body.user_agent, r[1].headers["user-agent"])
    assert.equal("application/json", r[1].headers.accept)
    assert.is_nil(r[1].headers.cookie)
    assert.equal("page_no=2&per_page=100", r[2].query)
  end)

  it("fetches pages in parallel through subrequests", function()
    fake:config { meetings_total = 1000, latency = 0.05 }
    local body = cjson.decode(get(port, "/meetings?concurrency=4"))
    assert.equal(1000, body.meetings)
    assert.equal(10, fake:stats().requests)
    assert.is_true(fake:stats().connections > 1)
  end)

  it("does not block the worker: a second request is served while a walk waits", function()
    fake:config { latency = 0.6 }
    local dir = ngx_server.dir
    local script = ([[
      (curl -s 'http://127.0.0.1:%d/meetings?concurrency=1' > %s/walk.out; touch %s/walk.done) &
      sleep 0.3
      curl -s 'http://127.0.0.1:%d/ping'
      if [ -e %s/walk.done ]; then echo "walk had finished"; else echo "walk still running"; fi
      wait
      cat %s/walk.out
    ]]):format(port, dir, dir, port, dir, dir)
    local p = io.popen(script)
    local out = p:read("*a")
    p:close()
    assert.matches("^pong\nwalk still running\n", out)
    assert.matches('"meetings":300', out)
  end)

  it("retries by the same policy, waiting with ngx.sleep", function()
    fake:fault { status = 503, headers = { ["retry-after-ms"] = "50" } }
    local body = cjson.decode(get(port, "/t/list"))
    assert.equal(5, body.items)
    assert.equal(2, fake:stats().requests)
  end)

  it("reports API errors like the C transport", function()
    local body = cjson.decode(get(port, "/t/list?token=wrong&retries=0"))
    assert.equal("api", body.error.kind)
    assert.equal(401, body.error.status)
    assert.matches("Authentication error", body.error.message)
  end)

  it("keeps the token out of every field of an error and of the hook's report", function()
    local t = fake.token
    local prefix = '{"success":false,"errors":[{"code":"' .. t .. '","message":"' .. t .. '"}],'
      .. '"error":{"code":"' .. t .. '"},"pad":"'
    for off = 512 - #t - 2, 514, 7 do
      fake:fault { status = 400, headers = { ["cf-ray"] = "8f" .. t .. "-SJC" },
                   body = prefix .. ("x"):rep(off - #prefix) .. t .. ("y"):rep(600) .. '"}' }
      local out = get(port, "/t/echo")
      local body = cjson.decode(out)
      assert.equal("api", body.kind)
      assert.equal("8f[REDACTED]-SJC", body.cf_ray)
      assert.equal("8f[REDACTED]-SJC", body.report.cf_ray)
      assert.equal("[REDACTED]", body.code)
      assert.equal("[REDACTED]", body.errors[1].code)
      assert.is_true(#body.body <= 512)
      for i = 1, #t - 7 do
        assert.is_nil(out:find(t:sub(i, i + 7), 1, true), out)
      end
    end
  end)

  it("turns an unreachable API into a network error, after retries", function()
    local body = cjson.decode(get(port, "/t/list?location=/_realtimekit_dead&retries=1"))
    assert.equal("network", body.error.kind)
    assert.equal("NGX_UPSTREAM_FAILED", body.error.transport_code)
    assert.equal(2, body.error.attempts)
  end)

  it("turns nginx's upstream timeout into a timeout error", function()
    fake:fault { delay = 3 }
    local body = cjson.decode(get(port, "/t/list?location=/_realtimekit_slow&retries=0"))
    assert.equal("timeout", body.error.kind)
  end)

  it("turns a cut answer into a network error", function()
    fake:fault { truncate = true }
    local body = cjson.decode(get(port, "/t/list?retries=0"))
    assert.equal("network", body.error.kind)
  end)

  it("says clearly where subrequests are not allowed", function()
    local out = get(port, "/t/wrong-phase")
    assert.matches("^false realtimekit: the ngx transport makes subrequests", out)
    assert.matches("not in set", out)
    assert.equal(0, fake:stats().requests)
  end)

  it("drives calls and walks by polling", function()
    local body = cjson.decode(get(port, "/t/poll"))
    assert.equal(300, body.items)
    assert.is_true(body.polls > 1)
  end)

  it("refuses the ngx transport outside nginx", function()
    local c, err = require("realtimekit").new { api_token = "t", transport = "ngx" }
    assert.is_nil(c)
    assert.equal("transport", err.param)
    c, err = require("realtimekit").new { api_token = "t", transport = "carrier pigeon" }
    assert.is_nil(c)
    assert.equal("transport", err.param)
  end)

  it("runs the example with one command", function()
    local out, ok = helper.run("examples/openresty/run")
    assert.is_true(ok, out)
    assert.matches('"meetings":300', out)
  end)
end)
