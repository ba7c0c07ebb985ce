-- A host program that calls setlocale(LC_ALL, "") (game tools, GUI hosts) under a German
-- desktop gets "," as the C library's decimal point. Numbers must still go out as JSON and
-- URLs write them, and come back read right, with both decoders, whether the locale is set
-- before or after realtimekit (and lua-cjson) are loaded.
local helper = require "helper"

local LOCALE = "de_DE.UTF-8"

-- Whether the German locale exists here; made from the locales package's sources if not (as
-- scripts/ensure-deps test does).
local function have_locale()
  local function listed()
    local p = io.popen("locale -a 2>/dev/null")
    local out = p:read("*a")
    p:close()
    return out:lower():find("de_de%.utf%-?8") ~= nil
  end
  if listed() then return true end
  os.execute("localedef -i de_DE -f UTF-8 " .. LOCALE .. " >/dev/null 2>&1")
  return listed()
end

-- The child's program: sets the locale (before or after loading realtimekit), makes calls
-- against the fake server, and prints `name=value` lines for the spec to check.
local PROGRAM = [[
local early = os.getenv("EARLY") == "1"
if early then assert(os.setlocale(os.getenv("LOC")), "setlocale") end
local realtimekit = require "realtimekit"
local compat = require "realtimekit.compat"
if not early then assert(os.setlocale(os.getenv("LOC")), "setlocale") end
local function text(v)
  if type(v) == "number" then return compat.show_number(v) end
  return tostring(v)
end
local function say(k, v) io.write(k, "=", text(v), "\n") end
say("numeric", os.setlocale(nil, "numeric"))
local s = { token = os.getenv("TOKEN"), url = os.getenv("URL") }
for _, decoder in ipairs { "cjson", "core" } do
  local c = assert(realtimekit.new { api_token = s.token, base_url = s.url, decoder = decoder,
    account_id = os.getenv("ACCOUNT"), app_id = os.getenv("APP"), max_retries = 0,
    max_retry_wait = 0 })
  local v, err = c:request("GET", "/fault-me", { query = { ratio = 0.25 } })
  say(decoder .. ".n", v and v.data.n)
  local list = {}
  for i, x in ipairs(v and v.data.list or {}) do list[i] = text(x) end
  say(decoder .. ".list", table.concat(list, " "))
  say(decoder .. ".err", err and err.message)
  _, err = c:request("GET", "/fault-me")
  say(decoder .. ".retry_after", err and err.retry_after)
  say(decoder .. ".tostring", err and tostring(err))
  local ok, page = pcall(c.sessions.list, c.sessions, { start_time = "2026-01-01T00:00:00.5Z" })
  say(decoder .. ".sessions", ok and (page and "page" or "nil") or ("raised " .. tostring(page)))
  local _, e = c.meetings:list { per_page = -1.5, strict = true }
  say(decoder .. ".arg", e and e.message)
end
say("number_text", compat.number_text(12.5) .. " " .. compat.number_text(0.1) .. " "
  .. compat.number_text(-0.0) .. " " .. compat.number_text(1e20) .. " "
  .. compat.number_text(2 ^ 63) .. " " .. compat.number_text(-2.5e-7))
]]

describe("under a locale with a comma decimal point", function()
  if not have_locale() then
    pending("the " .. LOCALE .. " locale cannot be made here (localedef needs root and the "
      .. "locales package)")
    return
  end

  for _, early in ipairs { false, true } do
    it("writes and reads numbers as JSON does (locale set " .. (early and "before" or "after")
      .. " loading)", function()
      local s = helper.server()
      local body = '{"success":true,"data":{"n":12.5,"list":[0.5,-1.25e-3,3]}}'
      for _ = 1, 2 do
        s:fault { match = "fault-me?ratio", status = 200, body = body }
        s:fault { match = "fault-me", status = 503,
                  headers = { ["retry-after-ms"] = "1500.5" }, body = "{}" }
      end
      local out, ok = helper.run_lua(PROGRAM, {
        LOC = LOCALE, EARLY = early and "1" or "0", TOKEN = s.token, URL = s.url,
        ACCOUNT = s.account_id, APP = s.app_id,
      })
      assert.is_true(ok, out)
      assert.matches("numeric=" .. LOCALE .. "\n", out, 1, true)
      for _, decoder in ipairs { "cjson", "core" } do
        local function line(k) return out:match("\n" .. decoder .. "%." .. k .. "=([^\n]*)") end
        assert.equal("12.5", line("n"), out)
        assert.equal("0.5 -0.00125 3", line("list"), out)
        assert.equal("nil", line("err"), out)
        assert.equal("1.5005", line("retry_after"), out)
        assert.matches("(retry after 1.5005s)", line("tostring"), 1, true)
        assert.equal("page", line("sessions"), out)
        assert.equal("per_page: expected a number >= 0, got -1.5", line("arg"), out)
      end
      assert.matches("number_text=12.5 0.1 0 100000000000000000000 9223372036854775808 -2.5e-07\n",
        out, 1, true)
      local sent = {}
      for _, r in ipairs(s:requests()) do sent[#sent + 1] = r.path .. "?" .. (r.query or "") end
      assert.matches("ratio=0.25", table.concat(sent, "\n"), 1, true)
    end)
  end

  it("sends body numbers with a point", function()
    local s = helper.server()
    local out, ok = helper.run_lua([[
      local realtimekit = require "realtimekit"
      assert(os.setlocale(os.getenv("LOC")))
      local c = assert(realtimekit.new { api_token = os.getenv("TOKEN"),
        base_url = os.getenv("URL"), account_id = os.getenv("ACCOUNT"), app_id = os.getenv("APP") })
      local _, err = c:request("POST", "/accounts/{account_id}/realtime/kit/{app_id}/echo",
        { body = { ratio = 12.5, list = realtimekit.array { 0.1, -2.5e-7 } } })
      print(err and err.status)
      local v = c.analytics:livestreams_daywise { start_time = 1767225600.5 }
      print(v and "ok")
    ]], { LOC = LOCALE, TOKEN = s.token, URL = s.url, ACCOUNT = s.account_id, APP = s.app_id })
    assert.is_true(ok, out)
    local r = s:requests()
    assert.equal('{"list":[0.1,-2.5e-07],"ratio":12.5}', r[1].body)
    assert.matches("start_time=1767225600.5", r[2].query, 1, true)
  end)
end)
