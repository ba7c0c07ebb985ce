local helper = require "helper"
local cjson = require "cjson"

local ROOT = helper.root

local function env_for(s, extra)
  local env = { CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
                REALTIMEKIT_APP_ID = s.app_id, CLOUDFLARE_BASE_URL = s.url }
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end

describe("examples", function()
  describe("c/list_meetings.c", function()
    it("lists one page of meetings through the C API alone", function()
      local s = helper.server()
      local out, ok = helper.run("build/list-meetings 7", env_for(s))
      assert.is_true(ok, out)
      assert.matches("^status 200\ncf%-ray %S+\n", out)
      local body = cjson.decode(out:match("\n(%b{})"))
      assert.equal(7, #body.data)
      assert.equal(300, body.paging.total_count)
      assert.equal("page_no=1&per_page=7", s:requests()[1].query)
    end)

    it("works over TLS with the CA file", function()
      local s = helper.server()
      local out, ok = helper.run("build/list-meetings 1",
        env_for(s, { CLOUDFLARE_BASE_URL = s.tls_url, REALTIMEKIT_CA_FILE = s.ca_file }))
      assert.is_true(ok, out)
      assert.matches("^status 200", out)
    end)

    it("reports the API's status for a wrong token", function()
      local s = helper.server()
      local out, ok = helper.run("build/list-meetings",
        env_for(s, { CLOUDFLARE_API_TOKEN = "nope" }))
      assert.is_false(ok)
      assert.matches("^status 401", out)
      assert.not_matches("nope", out)
    end)
  end)

  describe("c/event_loop.c", function()
    -- Under make test-asan, the example built with ASan and UBSan (whose reports fail the run).
    local bin = helper.core_dir:match("^build/asan") and "build/asan/event-loop"
      or "build/event-loop"
    setup(function()
      local out, ok = helper.run("make -s --no-print-directory " .. bin)
      assert(ok, out)
    end)

    -- The pages the example printed, by number: { status =, ray =, body = decoded }; and its
    -- loop's counts.
    local function parse(out)
      local pages = {}
      for n, status, ray, body in out:gmatch("page (%d+): status (%d+), cf%-ray (%S+)\n([^\n]*)") do
        pages[tonumber(n)] = { status = tonumber(status), ray = ray, body = cjson.decode(body) }
      end
      local waits, sockets, timers = out:match(
        "loop: (%d+) waits in poll%(2%), (%d+) socket actions, (%d+) timer actions")
      return pages, { waits = tonumber(waits), sockets = tonumber(sockets),
                      timers = tonumber(timers) }
    end

    it("runs several requests at once through the socket and timer hooks, waiting in poll(2)",
      function()
        local s = helper.server()
        -- Every answer waits 0.3 s: a loop that spun instead of waiting would poll thousands of
        -- times meanwhile.
        s:config { latency = 0.3 }
        local out, ok = helper.run(bin .. " 6 4", env_for(s))
        assert.is_true(ok, out)
        local pages, loop = parse(out)
        local seen, rays = {}, {}
        for n = 1, 6 do
          local p = pages[n]
          assert.is_table(p, "page " .. n .. " missing:\n" .. out)
          assert.equal(200, p.status)
          assert.is_nil(rays[p.ray], "two pages with one cf-ray")
          rays[p.ray] = true
          assert.same({ start_offset = (n - 1) * 4 + 1, end_offset = n * 4, total_count = 300 },
            p.body.paging)
          assert.equal(4, #p.body.data)
          for _, m in ipairs(p.body.data) do
            assert.is_nil(seen[m.id], "meeting " .. m.id .. " twice")
            seen[m.id] = n
          end
        end
        local queries = {}
        for _, r in ipairs(s:requests()) do queries[#queries + 1] = r.query end
        table.sort(queries)
        assert.same({ "page_no=1&per_page=4", "page_no=2&per_page=4", "page_no=3&per_page=4",
                      "page_no=4&per_page=4", "page_no=5&per_page=4", "page_no=6&per_page=4" },
          queries)
        -- The loop woke when a socket was ready or the timer was due: a few times a transfer
        -- (connect, send, answer), not once per turn of a spinning loop. Each answer came
        -- through a socket action.
        local said = out:match("loop: [^\n]*")
        assert.is_true(loop.waits >= 1 and loop.waits <= 10 * 6, said)
        assert.is_true(loop.sockets >= 6, said)
        assert.matches("\nafter free: 0 sockets watched, timer off\n$", out)
      end)

    it("multiplexes them over TLS on one HTTP/2 connection", function()
      local s = helper.server()
      local out, ok = helper.run(bin .. " 8 2",
        env_for(s, { CLOUDFLARE_BASE_URL = s.tls_url, REALTIMEKIT_CA_FILE = s.ca_file }))
      assert.is_true(ok, out)
      local pages, loop = parse(out)
      for n = 1, 8 do assert.equal(200, pages[n].status) end
      assert.same({ requests = 8, connections = 1 }, s:stats())
      assert.is_true(loop.waits <= 10 * 8, out:match("loop: [^\n]*"))
      assert.matches("\nafter free: 0 sockets watched, timer off\n$", out)
    end)

    it("reports the API's status for a wrong token", function()
      local s = helper.server()
      local out, ok = helper.run(bin .. " 2", env_for(s, { CLOUDFLARE_API_TOKEN = "nope" }))
      assert.is_false(ok)
      local pages = parse(out)
      assert.equal(401, pages[1].status)
      assert.equal(401, pages[2].status)
      assert.not_matches("nope", out)
    end)
  end)

  describe("demo.lua", function()
    it("lists meetings, participants and sessions", function()
      local s = helper.server()
      local out, ok = helper.run_lua("arg = {} dofile('examples/demo.lua')", env_for(s))
      assert.is_true(ok, out)
      assert.matches("Meetings: 300 in all; the first 5:", out, 1, true)
      assert.matches("Participants of \"Meeting 1\": 250 in all; the first 5:", out, 1, true)
      assert.matches("The 5 most recent sessions:", out, 1, true)
      assert.matches("Walked all 300 meetings page by page", out, 1, true)
    end)
  end)

  describe("make demo", function()
    it("names the variables that are missing, then uses the fake server", function()
      local out, ok = helper.run("scripts/demo", { CLOUDFLARE_API_TOKEN = "only-this-one" })
      assert.is_true(ok, out)
      assert.matches("Set: CLOUDFLARE_API_TOKEN; not set: CLOUDFLARE_ACCOUNT_ID "
        .. "REALTIMEKIT_APP_ID. The real API needs all three.", out, 1, true)
      assert.matches("Meetings: 300 in all", out, 1, true)
      out, ok = helper.run("scripts/demo", {})
      assert.is_true(ok, out)
      assert.matches("None of CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and "
        .. "REALTIMEKIT_APP_ID is set.", out, 1, true)
    end)
  end)

  describe("backend_flow.lua", function()
    it("creates a meeting, adds two participants with tokens, lists them, ends it", function()
      local s = helper.server()
      local out, ok = helper.run_lua("arg = {} dofile('examples/backend_flow.lua')", env_for(s))
      assert.is_true(ok, out)
      assert.matches("^Meeting %x+%-[%x-]+: Design review\n", out)
      local tokens = {}
      for name, token in out:gmatch("Token for (%a+): (%S+)") do tokens[name] = token end
      assert.is_string(tokens.Alice)
      assert.is_string(tokens.Bob)
      assert.not_equal(tokens.Alice, tokens.Bob)
      assert.matches("Alice +user%-1001 +group_call_host", out)
      assert.matches("Bob +user%-1002 +group_call_participant", out)
      assert.matches("is now INACTIVE", out)
      local methods = {}
      for _, r in ipairs(s:requests()) do methods[#methods + 1] = r.method end
      assert.same({ "POST", "POST", "POST", "GET", "PATCH" }, methods)
    end)
  end)

  describe("frame_loop.lua", function()
    it("walks meetings while frames keep coming", function()
      local s = helper.server()
      s:config { meetings_total = 2000, latency = 0.03 }
      local out, ok = helper.run_lua("arg = {} dofile('examples/frame_loop.lua')", env_for(s))
      assert.is_true(ok, out)
      local n, frames = out:match(
        "Walked (%d+) meetings %(%d+ active%) in [%d.]+ s while drawing (%d+) frames")
      assert.equal("2000", n)
      -- Each frame's poll decodes one page at most (its poll_budget): the 20 pages took 20
      -- frames at least, however fast they came.
      assert.is_true(tonumber(frames) >= 20, out)
    end)
  end)

  describe("webhook_verify.lua", function()
    local s, dir, body, signature

    local function write(name, text)
      local f = assert(io.open(dir .. "/" .. name, "wb"))
      f:write(text)
      f:close()
      return dir .. "/" .. name
    end

    local function verify(args, env)
      local quoted = {}
      for i, a in ipairs(args) do quoted[i] = string.format("%q", a) end
      return helper.run_lua("arg = { " .. table.concat(quoted, ", ") .. " } "
        .. "dofile('examples/webhook_verify.lua')", env)
    end

    before_each(function()
      local client
      client, s = helper.client()
      assert(client.webhooks:create { name = "cli", url = "http://127.0.0.1:1/",
                                      events = { "meeting.started" } })
      assert(client.meetings:create { title = "Saved" })
      local list = s:webhook_deliveries()
      body, signature = list[#list].body, list[#list].signature
      dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir))
    end)
    after_each(function() os.execute("rm -rf " .. dir) end)

    it("says a saved delivery is valid, with the key fetched or from a file", function()
      local out, ok = verify({ write("body.json", body), signature },
        { REALTIMEKIT_WEBHOOK_KEY_URL = s.webhook_key_url, REALTIMEKIT_CA_FILE = s.ca_file })
      assert.is_true(ok, out)
      assert.equal("valid: meeting.started, " .. #body .. " bytes, signed by the key from "
        .. s.webhook_key_url .. "\n", out)
      out, ok = verify({ dir .. "/body.json", "@" .. write("sig", signature .. "\n"),
                         write("key.pem", s:webhook_public_key()) })
      assert.is_true(ok, out)
      assert.matches("^valid: meeting%.started", out)
    end)

    it("exits 1 for a body that was changed, or a key it cannot have", function()
      local out, ok = verify({ write("body.json", body:gsub("Saved", "Saved!")), signature,
                               write("key.pem", s:webhook_public_key()) })
      assert.is_false(ok)
      assert.equal("NOT valid: the signature does not match the body and the key\n", out)
      out, ok = verify({ dir .. "/body.json", signature, write("bad.pem", "nope") })
      assert.is_false(ok)
      assert.matches("^cannot use the key: ", out)
      out, ok = verify({ dir .. "/body.json", signature },
        { REALTIMEKIT_WEBHOOK_KEY_URL = "https://127.0.0.1:1/key" })
      assert.is_false(ok)
      assert.matches("^cannot fetch the key: ", out)
    end)

    it("prints its usage for a wrong command line", function()
      local out, ok = verify({ "only-one" })
      assert.is_false(ok)
      assert.matches("^usage: ", out)
    end)
  end)

  describe("the installed rock", function()
    local tree = "build/rock"
    local ver = helper.lua_tag == "luajit" and "5.1" or helper.lua_tag
    local f = io.open(tree .. "/lib/lua/" .. ver .. "/realtimekit/core.so", "rb")
    if f then f:close() end
    local it_or_pending = f and it or pending

    it_or_pending("lists, gets and walks meetings, participants and sessions", function()
      local s = helper.server()
      local script = [[
        package.path = "]] .. tree .. "/share/lua/" .. ver .. [[/?.lua;]] ..
        tree .. "/share/lua/" .. ver .. [[/?/init.lua;" .. package.path
        package.cpath = "]] .. tree .. "/lib/lua/" .. ver .. [[/?.so;" .. package.cpath
        local realtimekit = require "realtimekit"
        assert(package.searchpath == nil
          or package.searchpath("realtimekit.core", package.cpath):find("]]
        .. tree .. [[", 1, true))
        local c = assert(realtimekit.new { app_id = os.getenv("REALTIMEKIT_APP_ID") })
        local page = assert(c.meetings:list { per_page = 2 })
        local m = assert(c.meetings:get(page.data[1].id))
        local n, p, ss = 0, 0, 0
        for _ in c.meetings:each() do n = n + 1 end
        for _ in c.meetings:each_participant(m.id) do p = p + 1 end
        for _ in c.sessions:each() do ss = ss + 1 end
        print(m.id == page.data[1].id, n, p, ss)
      ]]
      local out, ok = helper.run(helper.lua_bin .. " -e " .. helper.shell_quote(script), env_for(s))
      assert.is_true(ok, out)
      assert.matches("true\t300\t250\t120", out)
    end)

    -- A fresh interpreter with only the tree's folders before the system's, run from outside
    -- the repository, so nothing of lua/ or spec/ can be found.
    local tree_abs = ROOT .. "/" .. tree
    local tree_paths = {
      LUA_PATH = tree_abs .. "/share/lua/" .. ver .. "/?.lua;" .. tree_abs .. "/share/lua/"
        .. ver .. "/?/init.lua;;",
      LUA_CPATH = tree_abs .. "/lib/lua/" .. ver .. "/?.so;;",
    }
    tree_paths["LUA_PATH_" .. ver:gsub("%.", "_")] = tree_paths.LUA_PATH
    tree_paths["LUA_CPATH_" .. ver:gsub("%.", "_")] = tree_paths.LUA_CPATH

    it_or_pending("runs the fake server from the tree, and a client lists meetings from it",
      function()
      local script = [[
        local fake = assert(require("realtimekit.fake").start {})
        local where = package.searchpath and
          package.searchpath("realtimekit.fake.server.api", package.path)
        local c = assert(require("realtimekit").new {
          base_url = fake.base_url, api_token = fake.api_token,
          account_id = fake.account_id, app_id = fake.app_id })
        local page = assert(c.meetings:list { per_page = 4 })
        print(#page.data, page.paging.total_count, where or "-")
        fake:stop()
      ]]
      local out, ok = helper.run("sh -c " .. helper.shell_quote("cd /tmp && exec "
        .. helper.lua_bin .. " -e " .. helper.shell_quote(script)), tree_paths)
      assert.is_true(ok, out)
      local where = out:match("^4\t300\t(%S+)\n")
      assert.is_string(where, out)
      if where ~= "-" then
        assert.equal(tree_abs .. "/share/lua/" .. ver .. "/realtimekit/fake/server/api.lua", where)
      end
    end)

    it_or_pending("has the realtimekit-fake command, which starts and stops one", function()
      -- The tree holds the rock for several Luas; bin/ has the wrapper of the last one made.
      local wrapper = assert(io.open(tree .. "/bin/realtimekit-fake")):read("*a")
      local bin_ver = wrapper:match("exec '[^']*lua(%d%.%d)'") or "5.1"
      local env = {
        LUA_PATH = tree_abs .. "/share/lua/" .. bin_ver .. "/?.lua;;",
        LUA_CPATH = tree_abs .. "/lib/lua/" .. bin_ver .. "/?.so;;",
      }
      local out, ok = helper.run("sh -c " .. helper.shell_quote("cd /tmp && exec " .. tree_abs
        .. "/bin/realtimekit-fake start"), env)
      assert.is_true(ok, out)
      local dir = out:match("export REALTIMEKIT_FAKE_DIR='([^']+)'")
      local url = out:match("export CLOUDFLARE_BASE_URL='([^']+)'")
      assert.is_string(dir, out)
      local listed
      listed, ok = helper.run_lua([[
        local c = assert(require("realtimekit").new())
        print(assert(c.meetings:list()).paging.total_count)
      ]], env_for({ token = helper.data().TOKEN, account_id = helper.data().ACCOUNT_ID,
                    app_id = helper.data().APP_ID, url = url }))
      assert.is_true(ok, listed)
      assert.equal("300\n", listed)
      env.REALTIMEKIT_FAKE_DIR = dir
      out, ok = helper.run("sh -c " .. helper.shell_quote("cd /tmp && exec " .. tree_abs
        .. "/bin/realtimekit-fake stop"), env)
      assert.is_true(ok, out)
      assert.is_nil(io.open(dir .. "/env.lua"))
    end)

    it_or_pending("has the realtimekit command, which calls the API", function()
      local s = helper.server()
      local wrapper = assert(io.open(tree .. "/bin/realtimekit")):read("*a")
      local bin_ver = wrapper:match("exec '[^']*lua(%d%.%d)'") or "5.1"
      local env = env_for(s, {
        LUA_PATH = tree_abs .. "/share/lua/" .. bin_ver .. "/?.lua;" .. tree_abs .. "/share/lua/"
          .. bin_ver .. "/?/init.lua;;",
        LUA_CPATH = tree_abs .. "/lib/lua/" .. bin_ver .. "/?.so;;",
      })
      local out, ok = helper.run("sh -c " .. helper.shell_quote("cd /tmp && exec " .. tree_abs
        .. "/bin/realtimekit meetings list --per-page 2"), env)
      assert.is_true(ok, out)
      local n = 0
      for line in out:gmatch("[^\n]+") do
        n = n + 1
        assert.is_string(cjson.decode(line).id)
      end
      assert.equal(2, n)
    end)

    it_or_pending("verifies a webhook's signature with its core, linked with libcrypto", function()
      local client, s = helper.client()
      assert(client.webhooks:create { name = "rock", url = "http://127.0.0.1:1/",
                                      events = { "meeting.started" } })
      assert(client.meetings:create {})
      local list = s:webhook_deliveries()
      local d = list[#list]
      local script = [[
        package.path = "]] .. tree .. "/share/lua/" .. ver .. [[/?.lua;]] ..
        tree .. "/share/lua/" .. ver .. [[/?/init.lua;" .. package.path
        package.cpath = "]] .. tree .. "/lib/lua/" .. ver .. [[/?.so;" .. package.cpath
        local webhook = require "realtimekit.webhook"
        print(webhook.verify(os.getenv("BODY"), os.getenv("SIG"), os.getenv("KEY")))
      ]]
      local out, ok = helper.run(helper.lua_bin .. " -e " .. helper.shell_quote(script),
        { BODY = d.body, SIG = d.signature, KEY = s:webhook_public_key() })
      assert.is_true(ok, out)
      assert.equal("true\n", out)
    end)
  end)
end)
