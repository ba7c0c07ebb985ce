-- realtimekit.fake, the fake server as a module: what start gives and takes, what it says when a
-- program it needs is missing, and the realtimekit-fake command. (fakeserver_spec.lua checks
-- what the server serves.) Each case runs in a child process, with the repository's lua/ on
-- its paths, as a user's test would run it.
local helper = require "helper"

-- The absolute path of a program on this PATH.
local function which(name)
  local p = io.popen("command -v " .. name)
  local path = p:read("*l")
  p:close()
  return path
end

-- Runs a Lua chunk as run_lua does, but through the interpreter's absolute path, so that it
-- starts whatever PATH env gives it.
local function run_lua(code, env)
  local lua = os.getenv("REALTIMEKIT_LUA")
  if not lua or lua == "" then lua = which(helper.lua_bin) end
  local setup = "package.path = 'lua/?.lua;lua/?/init.lua;fake/lua/?.lua;' .. package.path; " ..
    "package.cpath = " .. string.format("%q", helper.core_dir .. "/?.so;" .. package.cpath)
    .. "; "
  return helper.run(lua .. " -e " .. helper.shell_quote(setup .. code), env)
end

local function temp_dir()
  local p = io.popen("mktemp -d /tmp/realtimekit-spec.XXXXXX")
  local dir = p:read("*l")
  p:close()
  return dir
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- Whether a process is alive (and not a zombie).
local function alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if not f then return false end
  local stat = f:read("*a")
  f:close()
  return stat:match("^%d+ %b() (%a)") ~= "Z"
end

describe("realtimekit.fake", function()
  describe("start()", function()
    it("runs a server that a client reaches through its fields, and stop() ends it", function()
      local out, ok = run_lua([[
        local fake = assert(require("realtimekit.fake").start())
        local c = assert(require("realtimekit").new {
          base_url = fake.base_url, api_token = fake.api_token,
          account_id = fake.account_id, app_id = fake.app_id })
        local page = assert(c.meetings:list { per_page = 3 })
        local tls = assert(require("realtimekit").new {
          base_url = fake.tls_url, ca_file = fake.ca_file, api_token = fake.api_token,
          account_id = fake.account_id, app_id = fake.small_app_id })
        local small = assert(tls.meetings:list())
        local pid = io.open(fake.dir .. "/nginx.pid"):read("*l")
        print(#page.data, page.paging.total_count, #small.data, fake.base_url == fake.url,
          fake.api_token == fake.token, #fake:requests(), pid)
        fake:stop()
        print(io.open(fake.dir .. "/nginx.conf") == nil, pcall(fake.stats, fake))
      ]])
      assert.is_true(ok, out)
      local pid = out:match("^3\t300\t3\ttrue\ttrue\t2\t(%d+)\n")
      assert.is_string(pid, out)
      assert.matches("\ntrue\tfalse\t", out)
      assert.is_false(alive(pid))
    end)

    it("keeps its files in dir, which stop() leaves, and applies latency", function()
      local dir = temp_dir() .. "/fake"
      local out, ok = run_lua([[
        local fake = assert(require("realtimekit.fake").start {
          dir = os.getenv("DIR"), latency = 0.05 })
        print(fake.dir, fake:config({}).latency)
        fake:stop()
      ]], { DIR = dir })
      assert.is_true(ok, out)
      assert.equal(dir .. "\t0.05\n", out)
      assert.is_true(exists(dir .. "/ca.pem"))
      assert.is_true(exists(dir .. "/nginx.conf"))
      os.execute("rm -rf " .. helper.shell_quote(dir:match("^(.*)/fake$")))
    end)

    it("dates its data back from when it starts, so that the last 30 days hold it, or from "
      .. "now", function()
      local out, ok = run_lua([[
        local realtimekit = require "realtimekit"
        local data = require "realtimekit.fake.server.data"
        local function client(fake)
          return assert(realtimekit.new { base_url = fake.base_url, api_token = fake.api_token,
            account_id = fake.account_id, app_id = fake.app_id, rate_limit = false })
        end
        local before = os.time()
        local fake = assert(require("realtimekit.fake").start())
        local after = os.time()
        local c = client(fake)
        local month = { start_time = after - 30 * 86400, end_time = after, per_page = 100 }
        print(fake.now >= before - 60 and fake.now <= after,
          assert(c.meetings:list(month)).paging.total_count, #assert(c.sessions:list(month)).data)
        fake:stop()
        fake = assert(require("realtimekit.fake").start { now = "2030-01-01T00:00:00Z" })
        c = client(fake)
        local first = assert(c.meetings:list { per_page = 1 }).data[1]
        local want = data.build(fake.now).apps[data.APP_ID].meetings[1]
        local made = assert(c.meetings:create { title = "now" })
        print(fake.now, first.created_at, first.id == want.id, want.created_at, made.created_at)
        fake:stop()
      ]])
      assert.is_true(ok, out)
      assert.equal("true\t300\t100\n1893456000\t2029-12-04T01:00:00.000Z\ttrue\t"
        .. "2029-12-04T01:00:00.000Z\t2030-01-01T00:00:00.000Z\n", out)
    end)

    it("stops by itself when the process that started it exits", function()
      local out, ok = run_lua([[
        local fake = assert(require("realtimekit.fake").start())
        print(io.open(fake.dir .. "/nginx.pid"):read("*l"))
      ]])
      assert.is_true(ok, out)
      local pid = assert(out:match("^(%d+)\n"), out)
      local deadline = os.time() + 10
      while alive(pid) and os.time() <= deadline do os.execute("sleep 0.2") end
      assert.is_false(alive(pid))
    end)

    it("returns nil and a message for options it does not take", function()
      local out, ok = run_lua([[
        local fake = require "realtimekit.fake"
        print(fake.start { port = 1 })
        print(fake.start "x")
      ]])
      assert.is_true(ok, out)
      assert.equal("nil\trealtimekit.fake.start: unknown option port (it takes dir, latency, "
        .. "owner, now)\nnil\trealtimekit.fake.start: expected a table of options, got a "
        .. "string\n", out)
      out, ok = run_lua([[print(require("realtimekit.fake").start { now = "yesterday" })]])
      assert.is_true(ok, out)
      assert.equal("nil\trealtimekit.fake.start: now must be whole Unix seconds or an ISO 8601 "
        .. "date-time, got yesterday\n", out)
    end)

    it("returns nil and what to install when nginx is missing", function()
      local empty = temp_dir()
      local out, ok = run_lua([[print(require("realtimekit.fake").start())]], { PATH = empty })
      os.execute("rmdir " .. helper.shell_quote(empty))
      assert.is_true(ok, out)
      assert.equal("nil\trealtimekit.fake needs nginx with its Lua module: apt-get install "
        .. "nginx libnginx-mod-http-lua lua-resty-core (no nginx on PATH)\n", out)
    end)

    it("returns nil and what to install when openssl is missing", function()
      local bin = temp_dir()
      for _, name in ipairs { "nginx", "mktemp", "find", "ls" } do
        os.execute("ln -s " .. helper.shell_quote(which(name)) .. " " .. bin .. "/" .. name)
      end
      local out, ok = run_lua([[print(require("realtimekit.fake").start())]], { PATH = bin })
      os.execute("rm -rf " .. helper.shell_quote(bin))
      assert.is_true(ok, out)
      assert.equal("nil\trealtimekit.fake needs the openssl command (for its test CA and "
        .. "webhook keys): apt-get install openssl\n", out)
    end)

    it("returns nil and what to install when luasocket is missing", function()
      local out, ok = run_lua([[
        package.preload["socket"] = function() error("no luasocket here") end
        print(require("realtimekit.fake").start())
      ]])
      assert.is_true(ok, out)
      assert.equal("nil\trealtimekit.fake needs luasocket for its control calls: apt-get "
        .. "install lua-socket, or luarocks install luasocket\n", out)
    end)
  end)

  describe("start() under nginx's own user #once", function()
    local describe_nginx = helper.luajit_core_built and describe or pending

    it("keeps ca.pem readable by other users, its private keys not", function()
      local s = helper.server()
      local out, ok = helper.run("stat -c '%a %n' " .. helper.shell_quote(s.dir) .. " "
        .. helper.shell_quote(s.ca_file) .. " " .. helper.shell_quote(s.dir .. "/ca.key") .. " "
        .. helper.shell_quote(s.dir .. "/webhook.key"))
      assert.is_true(ok, out)
      local modes = {}
      for mode in out:gmatch("(%d+) [^\n]+\n") do modes[#modes + 1] = mode end
      assert.same({ "711", "644", "600", "600" }, modes)
    end)

    describe_nginx("the OpenResty example", function()
      it("runs against the fake from the variables realtimekit-fake exports, its workers "
        .. "nobody's", function()
        local server = require "realtimekit.fake"
        local conf = require "support.openresty.conf"
        local cjson = require "cjson"
        local s = helper.server()
        local env = {}
        for k, v in s:exports():gmatch("export ([%u_]+)='([^']*)'\n") do env[k] = v end
        local port = server.free_ports(1)
        -- The workers, nobody's, read the example and the library from a copy in a folder
        -- anyone may read: this clone's own folder may be its owner's only (`mktemp -d`).
        local copy = assert(io.popen("mktemp -d /tmp/realtimekit-spec.XXXXXX")):read("*l")
        finally(function() os.execute("rm -rf " .. helper.shell_quote(copy)) end)
        local q = helper.shell_quote
        local function cp(from, to)
          return " && cp -R " .. q(helper.root .. "/" .. from) .. " " .. q(copy .. "/" .. to)
        end
        local copied, ok = helper.run("mkdir -p " .. q(copy .. "/examples") .. " "
          .. q(copy .. "/spec/support") .. " " .. q(copy .. "/build") .. cp("lua", "")
          .. cp("examples/openresty", "examples") .. cp("spec/support/openresty", "spec/support")
          .. cp("build/luajit", "build") .. " && chmod -R a+rX " .. q(copy))
        assert.is_true(ok, copied)
        -- No user line: started as root (as docs/openresty.md's `nginx -p . -c nginx.conf` is,
        -- on a server), nginx runs its workers as nobody.
        local nginx = assert(server.nginx(conf.example {
          root = copy, core_dir = copy .. "/build/luajit", port = port, fake = s,
        }, { USER = "" }, env))
        finally(function() nginx:stop() end)
        local function get(path, method)
          local out = helper.run("curl -s -S --max-time 30 -o - -w ' %{http_code}' -X "
            .. (method or "GET") .. " 'http://127.0.0.1:" .. port .. path .. "'")
          return out:match("^(.-) (%d+)$")
        end
        local body, status = get("/meetings")
        assert.equal("200", status, body)
        assert.equal(300, cjson.decode(body).meetings)
        -- A webhook delivery, verified with the key fetched over TLS, trusting the fake's CA.
        local c = helper.client()
        local hook = assert(c.webhooks:create { name = "nobody", events = { "meeting.started" },
          url = "http://127.0.0.1:" .. port .. "/webhooks/realtimekit" })
        assert(c.meetings:create { title = "as nobody" })
        local d = assert(helper.wait_for(function()
          for _, x in ipairs(s:webhook_deliveries()) do
            if x.webhook_id == hook.id and x.state ~= "pending" then return x end
          end
        end, 10))
        assert.equal("delivered", d.state)
        assert.equal(204, d.attempts[#d.attempts].status)
        local ps = helper.run("ps -o user= --ppid $(cat " .. nginx.dir .. "/nginx.pid)")
        local root = helper.run("id -u") == "0\n"
        if root then assert.equal("nobody\n", ps) end
      end)
    end)
  end)

  describe("attach()", function()
    it("returns nil and a message for a folder without a server", function()
      local dir = temp_dir()
      local out, ok = run_lua([[print(require("realtimekit.fake").attach(os.getenv("DIR")))]],
        { DIR = dir })
      os.execute("rmdir " .. helper.shell_quote(dir))
      assert.is_true(ok, out)
      assert.equal("nil\tno fake server in " .. dir .. "\n", out)
    end)
  end)

  describe("the realtimekit-fake command", function()
    local LUA_PATH = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;;"
    local function command(args, env)
      env = env or {}
      env.LUA_PATH = LUA_PATH
      return helper.run(helper.lua_bin .. " fake/bin/realtimekit-fake " .. args, env)
    end

    it("starts a server for a shell's eval and stops it", function()
      local out, ok = command("start")
      assert.is_true(ok, out)
      local vars = {}
      for k, v in out:gmatch("export ([%u_]+)='([^']*)'\n") do vars[k] = v end
      local names = {}
      for k in pairs(vars) do names[#names + 1] = k end
      table.sort(names)
      assert.same({ "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_BASE_URL",
                    "REALTIMEKIT_APP_ID", "REALTIMEKIT_CA_FILE", "REALTIMEKIT_FAKE_DIR",
                    "REALTIMEKIT_TLS_BASE_URL", "REALTIMEKIT_WEBHOOK_KEY_URL" }, names)
      -- It outlives the command, and a client reaches it from those variables alone.
      local listed
      listed, ok = run_lua([[
        local c = assert(require("realtimekit").new {
          base_url = os.getenv("REALTIMEKIT_TLS_BASE_URL"),
          ca_file = os.getenv("REALTIMEKIT_CA_FILE") })
        print(assert(c.meetings:list()).paging.total_count)
      ]], vars)
      assert.is_true(ok, listed)
      assert.equal("300\n", listed)
      out, ok = command("stop", { REALTIMEKIT_FAKE_DIR = vars.REALTIMEKIT_FAKE_DIR })
      assert.is_true(ok, out)
      assert.is_false(exists(vars.REALTIMEKIT_FAKE_DIR .. "/env.lua"))
    end)

    it("drives the server it started: latency, faults, switches, deliveries, the webhook key, "
      .. "the request log, reset", function()
      local out, ok = command("start --now 2026-03-01T00:00:00Z")
      assert.is_true(ok, out)
      local env = {}
      for k, v in out:gmatch("export ([%u_]+)='([^']*)'\n") do env[k] = v end
      local dir = env.REALTIMEKIT_FAKE_DIR
      finally(function() command("stop " .. helper.shell_quote(dir)) end)
      local function run(args)
        local text, success = command(args, { REALTIMEKIT_FAKE_DIR = dir })
        assert.is_true(success, args .. ": " .. text)
        return text
      end
      local function json(args) return require("cjson").decode(run(args)) end
      local attached = assert(require("realtimekit.fake").attach(dir))
      assert.equal("", run("latency 0.05"))
      assert.equal(0.05, attached:config({}).latency)
      assert.equal("", run("fault --status 503 --header 'Retry-After: 7' --match page_no=2 "
        .. "--times 2"))
      assert.equal("", run([[fault '{"drop":true,"match":"presets"}']]))
      assert.equal(40, json([[config '{"rate_quota":40}']]).rate_quota)
      assert.equal(40, json("config").rate_quota)
      -- An API call: the first fault answers it, the data set's webhook gets a delivery.
      local listed
      listed, ok = run_lua([[
        local c = assert(require("realtimekit").new { max_retries = 0, rate_limit = false })
        local _, err = c.meetings:list { page_no = 2 }
        assert(c.meetings:create { title = "from a shell" })
        print(err.status, err.retry_after)
      ]], env)
      assert.is_true(ok, listed)
      assert.equal("503\t7\n", listed)
      local requests = json("requests")
      assert.equal(2, #requests)
      assert.equal("page_no=2", requests[1].query)
      local stats = json("stats")
      assert.equal(2, stats.requests)
      assert.equal(0, stats.throttled)
      local deliveries = json("deliveries")
      assert.equal(1, #deliveries)
      assert.equal("meeting.started", deliveries[1].event)
      assert.matches('"status":', run("deliveries"))
      assert.not_matches('"status":%d+%.0', run("deliveries"))
      local first = attached:webhook_public_key()
      local key = run("rotate-key")
      assert.matches("^%-%-%-%-%-BEGIN PUBLIC KEY%-%-%-%-%-\n", key)
      assert.are_not.equal(first, key)
      assert.equal(key, attached:webhook_public_key())
      assert.equal("", run("reset"))
      assert.equal(0, attached:config({}).latency)
      assert.equal(first, attached:webhook_public_key())
      assert.same({}, json("requests"))
      out, ok = command("stats --dir " .. helper.shell_quote(dir))
      assert.is_true(ok, out)
      assert.equal(0, require("cjson").decode(out).requests)
    end)

    it("says what each command does", function()
      local out, ok = command("help")
      assert.is_true(ok, out)
      for _, name in ipairs { "start", "stop", "reset", "latency", "fault", "config",
                              "deliveries", "rotate-key", "requests", "stats" } do
        assert.matches("\n  " .. name:gsub("%-", "%%-") .. " ", out)
        local text, success = command("help " .. name)
        assert.is_true(success, text)
        assert.matches("^usage: realtimekit%-fake " .. name:gsub("%-", "%%-"), text)
        local again = command(name .. " --help")
        assert.equal(text, again)
      end
    end)

    it("exits 2 with its usage for a wrong command line", function()
      local out, ok = command("restart")
      assert.is_false(ok)
      assert.matches("^realtimekit%-fake: no command restart\n\nusage: realtimekit%-fake ", out)
      out, ok = command("")
      assert.is_false(ok)
      assert.matches("^usage: realtimekit%-fake ", out)
      out, ok = command("stop")
      assert.is_false(ok)
      assert.equal("realtimekit-fake stop: give --dir DIR or set REALTIMEKIT_FAKE_DIR "
        .. "(realtimekit-fake start exports it)\n", out)
      for _, args in ipairs { "latency", "latency -1", "latency soon", "fault",
                              "fault --status 42", "fault --frobnicate", "fault '{not json'",
                              "config a b", "start --now yesterday" } do
        out, ok = command(args, { REALTIMEKIT_FAKE_DIR = "/nonexistent" })
        assert.is_false(ok, args)
        assert.is_truthy(out ~= "", args)
      end
    end)

    it("exits 1 with the reason when it cannot start one", function()
      local empty = temp_dir()
      local out, ok = helper.run(which(helper.lua_bin) .. " fake/bin/realtimekit-fake start",
        { PATH = empty, LUA_PATH = LUA_PATH })
      os.execute("rmdir " .. helper.shell_quote(empty))
      assert.is_false(ok)
      assert.matches("^realtimekit.fake needs nginx with its Lua module: ", out)
    end)
  end)
end)
