-- The realtimekit command (bin/realtimekit, realtimekit.cli), run as a child process against the
-- fake server, with the environment a shell would give it.
local helper = require "helper"
local cjson = require "cjson"
local cli = require "realtimekit.cli"
local client = require "realtimekit.client"
local resource = require "realtimekit.resource"

local function temp_file(text)
  local p = io.popen("mktemp /tmp/realtimekit-spec.XXXXXX")
  local path = p:read("*l")
  p:close()
  if text then
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
  end
  return path
end

local read = helper.read

-- The environment that points the command at the fake server (over plain HTTP).
local function env_for(s, extra)
  local env = { CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
                REALTIMEKIT_APP_ID = s.app_id, CLOUDFLARE_BASE_URL = s.url }
  for k, v in pairs(extra or {}) do env[k] = v ~= false and v or nil end
  return env
end

-- Runs `realtimekit <args>` in an `env -i` world plus env; returns stdout, stderr and the exit
-- status.
local function run(args, env)
  local err_file = temp_file()
  local parts = { "env -i PATH=" .. helper.shell_quote(os.getenv("PATH")),
                  "LUA_PATH=" .. helper.shell_quote("lua/?.lua;lua/?/init.lua;;"),
                  "LUA_CPATH=" .. helper.shell_quote(helper.core_dir .. "/?.so;;") }
  for _, k in ipairs { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" } do
    local v = os.getenv(k)
    if v and v ~= "" then parts[#parts + 1] = k .. "=" .. helper.shell_quote(v) end
  end
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. helper.shell_quote(v) end
  local p = io.popen(table.concat(parts, " ") .. " " .. helper.lua_cmd .. " bin/realtimekit "
    .. args .. " 2>" .. err_file .. " </dev/null; echo \"exit=$?\"")
  local out = p:read("*a")
  p:close()
  local err = read(err_file)
  os.remove(err_file)
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return (out:gsub("exit=%d+%s*$", "")), err, code
end

-- The JSON objects of the lines of an output.
local function lines(out)
  local list = {}
  for line in out:gmatch("[^\n]+") do list[#list + 1] = cjson.decode(line) end
  return list
end

local q = helper.shell_quote

-- A pattern that matches s as it is.
local function lit(s)
  return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

describe("the realtimekit command", function()
  local s, data, app
  before_each(function()
    s = helper.server()
    data = helper.data()
    app = data.build().apps[data.APP_ID]
  end)

  describe("a list call", function()
    it("prints the page's items, one JSON object per line", function()
      local out, err, code = run("meetings list --per-page 3", env_for(s))
      assert.equal(0, code, err)
      assert.equal("", err)
      local items = lines(out)
      assert.equal(3, #items)
      for i = 1, 3 do assert.equal(app.meetings[i].id, items[i].id) end
      assert.equal("per_page=3", s:requests()[1].query)
    end)

    it("takes --per-page and --per_page, with or without =", function()
      for _, spelled in ipairs { "--per-page 2", "--per_page 2", "--per-page=2", "--per_page=2" } do
        s:reset()
        local out, err, code = run("meetings list " .. spelled, env_for(s))
        assert.equal(0, code, err)
        assert.equal(2, #lines(out))
        assert.equal("per_page=2", s:requests()[1].query, spelled)
      end
    end)

    it("repeats a list parameter, given again or comma-separated", function()
      for _, given in ipairs { "--status UPLOADED --status ERRORED",
                               "--status UPLOADED,ERRORED" } do
        s:reset()
        local out, err, code = run("recordings list " .. given, env_for(s))
        assert.equal(0, code, err)
        local want = 0
        for _, r in ipairs(app.recordings) do
          if r.status == "UPLOADED" or r.status == "ERRORED" then want = want + 1 end
        end
        assert.equal(want, #lines(out))
        assert.same({ "UPLOADED", "ERRORED" }, s:requests()[1].args.status)
      end
    end)
  end)

  describe("--all", function()
    it("walks every page and prints every item, in order", function()
      local out, err, code = run("meetings list --all", env_for(s))
      assert.equal(0, code, err)
      local items = lines(out)
      assert.equal(#app.meetings, #items)
      for i = 1, #items do assert.equal(app.meetings[i].id, items[i].id) end
      assert.equal(3, #s:requests()) -- 100 a page
    end)

    it("walks a list below a positional argument, and stops at --limit", function()
      local m = app.meetings[1].id
      local out, err, code = run("participants list " .. m .. " --all --per-page 40", env_for(s))
      assert.equal(0, code, err)
      assert.equal(#app.participants[m], #lines(out))
      out, err, code = run("sessions list --all --limit 7 --concurrency 1", env_for(s))
      assert.equal(0, code, err)
      assert.equal(7, #lines(out))
      out, err, code = run("sessions list --all", env_for(s))
      assert.equal(0, code, err)
      assert.equal(#app.sessions, #lines(out))
    end)

    it("draws a progress line on a terminal's stderr, and clears it", function()
      -- script(1) gives the command a pseudo-terminal; its stdout goes to a file.
      local file = temp_file()
      local cmd = "LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH="
        .. q(helper.core_dir .. "/?.so;;") .. " " .. helper.lua_cmd
        .. " bin/realtimekit meetings list --all --per-page 50 --concurrency 1 >" .. file
      local tty = helper.run("script -qec " .. q(cmd) .. " /dev/null",
        env_for(s, { TERM = "xterm" }))
      local out = read(file)
      os.remove(file)
      assert.equal(#app.meetings, #lines(out))
      assert.matches("\rmeetings list: 50 of 300 items, 1 page", tty, 1, true)
      assert.matches("\rmeetings list: 300 of 300 items, 6 pages", tty, 1, true)
      assert.matches("\r" .. (" "):rep(#"meetings list: 300 of 300 items, 6 pages") .. "\r", tty,
        1, true)
    end)

    it("draws none where stderr is not a terminal", function()
      local out, err, code = run("meetings list --all --per-page 50", env_for(s, {
        TERM = "xterm" }))
      assert.equal(0, code)
      assert.equal("", err)
      assert.equal(300, #lines(out))
    end)
  end)

  describe("an object call", function()
    it("prints the object on one line, or indented with --pretty", function()
      local m = app.meetings[2]
      local out, err, code = run("meetings get " .. m.id, env_for(s))
      assert.equal(0, code, err)
      assert.matches("^{[^\n]*}\n$", out)
      assert.equal(m.id, cjson.decode(out).id)
      out = run("meetings get " .. m.id .. " --pretty", env_for(s))
      assert.matches('^{\n  "created_at": "', out)
      assert.equal(m.title, cjson.decode(out).title)
    end)

    it("takes its positional arguments in the row's order", function()
      local m = app.meetings[1].id
      local p = app.participants[m][3]
      local out, err, code = run("participants get " .. m .. " " .. p.id, env_for(s))
      assert.equal(0, code, err)
      assert.equal(p.id, cjson.decode(out).id)
      assert.equal(p.name, cjson.decode(out).name)
    end)

    it("prints [] and {} as the answer has them", function()
      local live = app.sessions[10]
      assert.equal("LIVE", live.status)
      local out, err, code = run("sessions get " .. live.id .. " --include-breakout-rooms true",
        env_for(s))
      assert.equal(0, code, err)
      assert.matches('"breakout_rooms":[]', out, 1, true)
      assert.equal("include_breakout_rooms=true", s:requests()[1].query)
    end)

    it("creates with body fields, each as its type, and --body", function()
      local out, err, code = run("meetings create --title 'Design review' --record-on-start true"
        .. " --session-keep-alive-time-in-secs 120 --ai-config "
        .. q('{"summarization":{"summary_type":"lecture"},"transcription":{"keywords":[]}}'),
        env_for(s))
      assert.equal(0, code, err)
      assert.equal("Design review", cjson.decode(out).title)
      local body = s:requests()[1].body
      assert.matches('"transcription":{"keywords":[]}', body, 1, true)
      assert.same({ title = "Design review", record_on_start = true,
                    session_keep_alive_time_in_secs = 120,
                    ai_config = { summarization = { summary_type = "lecture" },
                                  transcription = { keywords = {} } } }, cjson.decode(body))

      s:reset()
      local file = temp_file('{"name":"ops","url":"http://127.0.0.1:1/hook","enabled":false,'
        .. '"events":["meeting.started"]}')
      out, err, code = run("webhooks create --body @" .. file .. " --name 'from the flag'",
        env_for(s))
      os.remove(file)
      assert.equal(0, code, err)
      local hook = cjson.decode(out)
      assert.equal("from the flag", hook.name)
      assert.is_false(hook.enabled)
      assert.same({ "meeting.started" }, hook.events)

      s:reset()
      out, err, code = run("webhooks create --name x --url http://127.0.0.1:1/ --events "
        .. "meeting.started --events meeting.ended --body '{\"enabled\":true}'", env_for(s))
      assert.equal(0, code, err)
      assert.same({ "meeting.started", "meeting.ended" }, cjson.decode(out).events)
    end)

    it("sends --extra-query and --extra-header, and obeys --max-retries", function()
      local out, err, code = run("meetings list --per-page 1 --extra-query status=INACTIVE "
        .. "--extra-header 'X-Trace: abc'", env_for(s))
      assert.equal(0, code, err .. out)
      assert.equal("INACTIVE", lines(out)[1].status)
      local r = s:requests()[1]
      assert.equal("per_page=1&status=INACTIVE", r.query)
      assert.equal("abc", r.headers["x-trace"])
      s:reset()
      s:fault { status = 503, times = 3 }
      out, err, code = run("meetings list --max-retries 0", env_for(s))
      assert.equal(1, code, out)
      assert.matches("^realtimekit api error %(HTTP 503%)", err)
      assert.equal(1, #s:requests())
    end)

    it("obeys --timeout and --account-id", function()
      s:fault { delay = 2 }
      local out, err, code = run("meetings list --timeout 0.3 --max-retries 0", env_for(s))
      assert.equal(1, code, out)
      assert.matches("^realtimekit timeout error", err)
      s:reset()
      local other = ("f"):rep(32)
      out, err, code = run("meetings list --account-id " .. other, env_for(s))
      assert.equal(1, code, out)
      assert.matches("^realtimekit api error %(HTTP 403", err)
      assert.matches("/accounts/" .. other .. "/", s:requests()[1].path, 1, true)
    end)

    it("obeys --deadline, for a call and for a whole walk", function()
      s:fault { delay = 30 }
      local out, err, code = run("meetings list --deadline 1", env_for(s))
      assert.equal(1, code, out)
      assert.matches("^realtimekit timeout error: the call's deadline of 1 s", err)
      assert.equal(1, #s:requests())
      s:reset()
      s:config { latency = 1 }
      out, err, code = run("meetings list --all --per-page 10 --concurrency 1 --deadline 1.5",
        env_for(s))
      assert.equal(1, code, out)
      assert.matches("realtimekit timeout error: the walk's deadline of 1.5 s", err, 1, true)
      assert.is_true(#lines(out) < 300)
    end)

    it("reaches the server over TLS with REALTIMEKIT_CA_FILE", function()
      local out, err, code = run("meetings list --per-page 1", env_for(s, {
        CLOUDFLARE_BASE_URL = s.tls_url, REALTIMEKIT_CA_FILE = s.ca_file }))
      assert.equal(0, code, err)
      assert.equal(1, #lines(out))
    end)
  end)

  describe("--help", function()
    it("lists every resource and its methods", function()
      local out, err, code = run("--help")
      assert.equal(0, code, err)
      assert.matches("^usage: realtimekit <resource> <method>", out)
      for _, name in ipairs(client.RESOURCES) do
        assert.matches("\n  " .. name .. " ", out, 1, true)
      end
      assert.matches("CLOUDFLARE_API_TOKEN", out, 1, true)
    end)

    it("--version prints the library's version", function()
      local out, err, code = run("--version")
      assert.equal(0, code, err)
      assert.equal("realtimekit " .. require("realtimekit")._VERSION .. "\n", out)
    end)

    it("lists a resource's methods with their arguments", function()
      local out, err, code = run("participants --help")
      assert.equal(0, code, err)
      assert.matches("\n  get <meeting_id> <participant_id> +GET …/meetings/{meeting_id}/"
        .. "participants/{participant_id}\n", out)
      assert.matches("\n  list <meeting_id> ", out)
    end)

    it("lists a method's arguments, parameters and their types in words", function()
      local out, err, code = run("meetings list --help")
      assert.equal(0, code, err)
      assert.matches("\n  " .. lit("--per-page <number>") .. " +a number %(with strict: >= 0%)\n",
        out)
      assert.matches("\n  " .. lit("--status <text>") .. " +one of ACTIVE, INACTIVE\n", out)
      assert.matches("\n  " .. lit("--all") .. " ", out)
      out = run("recordings start -h")
      assert.matches("\n  " .. lit("--meeting-id <text>") .. " +string %(required%)\n", out)
      assert.matches("\n      video_config.width +number %(with strict: 1 to 1920%)\n", out)
      out = run("meetings get --help")
      assert.matches("\n  <meeting_id> +any non%-empty text, ", out)
      assert.matches("%(with strict: a UUID", out)
      assert.matches("\n  " .. lit("--strict") .. " +also refuse what only the API docs rule out",
        out)
      assert.not_matches("--all", out, 1, true)
    end)

    it("covers every row of every resource", function()
      local function help(...)
        local chunks = {}
        local sink = { write = function(_, ...)
          for i = 1, select("#", ...) do chunks[#chunks + 1] = select(i, ...) end
        end }
        local code = cli.main({ ... }, sink, sink)
        return table.concat(chunks), code
      end
      local top = help("--help")
      local n = 0
      for _, name in ipairs(client.RESOURCES) do
        local list = help(name, "--help")
        for method, row in pairs(resource.rows(name)) do
          n = n + 1
          assert.matches("[ ,]" .. method .. "[,\n]", top)
          assert.matches("\n  " .. method .. "[ \n]", list)
          local text, code = help(name, method, "--help")
          assert.equal(0, code, name .. " " .. method)
          assert.matches("^usage: realtimekit " .. name .. " " .. method, text)
          assert.matches(row.http .. " " .. row.path, text, 1, true)
          for _, a in ipairs(row.args) do
            assert.matches("\n  <" .. a[1] .. ">", text, 1, true)
          end
          for _, p in ipairs(row.query) do
            assert.matches("\n  --" .. p[1]:gsub("_", "-") .. " ", text, 1, true)
          end
          for _, f in ipairs(row.body and row.body.fields or {}) do
            assert.matches("\n  --" .. f[1]:gsub("_", "-") .. " ", text, 1, true)
          end
        end
      end
      assert.equal(57, n)
    end)
  end)

  describe("a wrong command line", function()
    it("exits 2 and suggests the nearest method or resource", function()
      local out, err, code = run("meetings lst", env_for(s))
      assert.equal(2, code)
      assert.equal("", out)
      assert.equal("realtimekit: unknown method 'lst' of meetings; did you mean 'list'?\n"
        .. "Try 'realtimekit meetings --help'.\n", err)
      out, err, code = run("meeting list", env_for(s))
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("unknown resource 'meeting'; did you mean 'meetings'?", err, 1, true)
      out, err, code = run("meetings each", env_for(s))
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("give --all to the list method", err, 1, true)
      assert.equal(0, #s:requests())
    end)

    it("exits 2 for an unknown option, a bad value or a missing argument", function()
      local _, err, code = run("meetings list --per-pag 3", env_for(s))
      assert.equal(2, code)
      assert.matches("unknown option --per-pag for meetings list; did you mean '--per-page'?",
        err, 1, true)
      _, err, code = run("meetings list --per-page lots", env_for(s))
      assert.equal(2, code)
      assert.matches('--per-page: expected a number, got "lots"', err, 1, true)
      _, err, code = run("meetings list --limit 3", env_for(s))
      assert.equal(2, code)
      assert.matches("--limit goes with --all", err, 1, true)
      _, err, code = run("meetings get " .. app.meetings[1].id .. " --all", env_for(s))
      assert.equal(2, code)
      assert.matches("--all: meetings get has no pages to walk", err, 1, true)
      _, err, code = run("meetings get", env_for(s))
      assert.equal(2, code)
      assert.matches("meetings get needs <meeting_id>", err, 1, true)
      _, err, code = run("meetings create --ai-config '{nope'", env_for(s))
      assert.equal(2, code)
      assert.matches("--ai-config: not valid JSON", err, 1, true)
      assert.equal(0, #s:requests())
    end)

    it("never shows the token, given by mistake as a value", function()
      local out, err, code = run("meetings list --per-page " .. s.token, env_for(s))
      assert.equal(2, code, out)
      assert.not_matches(s.token:sub(1, 12), err, 1, true)
      assert.matches('--per-page: expected a number, got "[REDACTED]"', err, 1, true)
      out, err, code = run("meetings list --status " .. s.token, env_for(s))
      assert.equal(2, code, out)
      assert.not_matches(s.token:sub(1, 12), err, 1, true)
    end)

    it("exits 2 with the library's invalid_argument error", function()
      local out, err, code = run("meetings get not-a-uuid --strict", env_for(s))
      assert.equal(2, code)
      assert.equal("", out)
      assert.matches("^realtimekit invalid_argument error: meeting_id: expected a UUID", err)
      assert.matches("\nTry 'realtimekit meetings get %-%-help'.\n$", err)
      out, err, code = run("meetings create --strict --session-keep-alive-time-in-secs 5",
        env_for(s))
      assert.equal("", out)
      assert.equal(2, code)
      assert.matches("session_keep_alive_time_in_secs: expected a number from 60 to 600", err,
        1, true)
      out, err, code = run("meetings get a/b", env_for(s))
      assert.equal("", out)
      assert.equal(2, code)
      assert.matches("^realtimekit invalid_argument error: meeting_id: cannot contain /", err)
      assert.equal(0, #s:requests())
    end)

    it("sends what only the docs' prose refuses unless --strict, for the API to judge",
      function()
        local _, err, code = run("meetings get not-a-uuid", env_for(s))
        assert.equal(1, code)
        assert.matches("^realtimekit api error %(HTTP 4", err)
        local r = s:requests()
        assert.equal(1, #r)
        assert.matches("/meetings/not%-a%-uuid$", r[1].path)
      end)
  end)

  describe("an error of the call", function()
    it("exits 1 with the API's error on stderr", function()
      local out, err, code = run("meetings get 00000000-0000-4000-8000-000000000000", env_for(s))
      assert.equal(1, code)
      assert.equal("", out)
      assert.matches("^realtimekit api error %(HTTP 404%): ", err)
      assert.not_matches(s.token, err, 1, true)
    end)

    it("exits 1 when a walk fails part way, after the items before it", function()
      s:fault { status = 400, match = "page_no=2", times = 5 }
      local out, err, code = run("meetings list --all --concurrency 1", env_for(s))
      assert.equal(1, code)
      assert.equal(100, #lines(out))
      assert.matches("^realtimekit api error %(HTTP 400%)", err)
    end)
  end)

  describe("its environment", function()
    it("needs a token, and says which variable to set", function()
      local _, err, code = run("meetings list", env_for(s, { CLOUDFLARE_API_TOKEN = false }))
      assert.equal(2, code)
      assert.matches("^realtimekit: set CLOUDFLARE_API_TOKEN to an API token", err)
    end)

    it("needs an account and an app where the path has them, from the environment or flags",
      function()
      local _, err, code = run("meetings list", env_for(s, { REALTIMEKIT_APP_ID = false }))
      assert.equal(2, code)
      assert.matches("meetings list needs an app: set REALTIMEKIT_APP_ID or give --app-id", err,
        1, true)
      _, err, code = run("meetings list", env_for(s, { CLOUDFLARE_ACCOUNT_ID = false }))
      assert.equal(2, code)
      assert.matches("needs an account: set CLOUDFLARE_ACCOUNT_ID or give --account-id", err, 1,
        true)
      local out
      out, err, code = run("meetings list --per-page 1 --app-id " .. s.small_app_id,
        env_for(s, { REALTIMEKIT_APP_ID = false }))
      assert.equal(0, code, err)
      assert.equal(1, #lines(out))
      assert.matches("/" .. s.small_app_id .. "/meetings", s:requests()[1].path, 1, true)
      out, err, code = run("apps list", env_for(s, { REALTIMEKIT_APP_ID = false }))
      assert.equal(0, code, err)
      assert.is_true(#lines(out) >= 2)
    end)
  end)
end)
