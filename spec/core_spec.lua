local helper = require "helper"
local core = require "realtimekit.core"

describe("realtimekit.core", function()
  local s, c
  before_each(function()
    s = helper.server()
    c = core.new { token = s.token, timeout = 5 }
  end)
  after_each(function()
    if c then c:close() end
  end)

  local function meetings_url(base, query)
    return (base or s.url) .. "/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id ..
      "/meetings" .. (query or "")
  end

  describe("client:request()", function()
    it("returns the body, the status and the headers with lower-case names", function()
      local body, status, headers = c:request("GET", meetings_url(nil, "?per_page=2"))
      assert.equal(200, status)
      assert.equal("string", type(body))
      assert.matches('"total_count":300', body)
      assert.matches("^application/json", headers["content-type"])
      assert.is_string(headers["cf-ray"])
      for name in pairs(headers) do assert.equal(name:lower(), name) end
    end)

    it("sends the bearer token, Accept and a User-Agent naming Lua and libcurl", function()
      c:request("GET", meetings_url())
      local r = s:requests()[1]
      assert.equal("Bearer " .. s.token, r.headers.authorization)
      assert.equal("application/json", r.headers.accept)
      local ua = "realtimekit-lua/0.1.0 (" .. core.lua_version .. "; libcurl/"
        .. core.curl_version .. ")"
      assert.equal(ua, r.headers["user-agent"])
      assert.equal(ua, c:user_agent())
      if rawget(_G, "jit") then assert.matches("^LuaJIT", core.lua_version) else
        assert.equal(_VERSION, core.lua_version) end
    end)

    it("keeps one connection alive for sequential requests", function()
      for page = 1, 5 do
        local _, status = c:request("GET", meetings_url(nil, "?page_no=" .. page))
        assert.equal(200, status)
      end
      assert.same({ requests = 5, connections = 1 }, s:stats())
    end)

    it("returns bodies byte for byte, NULs included", function()
      local bin = "a\0b\255\0" .. string.rep("z", 100000)
      s:fault { status = 200, body = bin }
      local body = c:request("GET", meetings_url())
      assert.equal(#bin, #body)
      assert.equal(bin, body)
    end)

    it("does not follow redirects", function()
      s:fault { status = 302, headers = { Location = s.url .. "/elsewhere" }, body = "" }
      local _, status, headers = c:request("GET", meetings_url())
      assert.equal(302, status)
      assert.equal(s.url .. "/elsewhere", headers.location)
      assert.equal(1, s:stats().requests)
    end)

    it("sends a body with its method and a JSON content type", function()
      c:request("PATCH", meetings_url(), '{"title":"x"}')
      c:request("POST", meetings_url())
      c:request("DELETE", meetings_url())
      local r = s:requests()
      assert.equal("PATCH", r[1].method)
      assert.equal('{"title":"x"}', r[1].body)
      assert.equal("application/json", r[1].headers["content-type"])
      assert.equal("POST", r[2].method)
      assert.equal("0", r[2].headers["content-length"])
      assert.is_nil(r[2].headers["content-type"])
      assert.equal("DELETE", r[3].method)
      assert.is_nil(r[3].headers["content-type"])
    end)

    it("takes extra headers but never a second Authorization", function()
      c:request("GET", meetings_url(), nil, { headers = { "X-Trace: 1" } })
      assert.equal("1", s:requests()[1].headers["x-trace"])
      assert.has_error(function()
        c:request("GET", meetings_url(), nil, { headers = { "authorization: Bearer other" } })
      end)
      assert.has_error(function()
        c:request("GET", meetings_url(), nil, { headers = { "X-A: 1\r\nX-B: 2" } })
      end)
      assert.equal(1, s:stats().requests)
    end)

    it("raises on misuse: unknown method, bad URL, bad timeout", function()
      assert.has_error(function() c:request("TRACE", meetings_url()) end,
        "method must be GET, POST, PUT, PATCH or DELETE")
      assert.has_error(function() c:request("GET", "ftp://example.com/") end)
      assert.has_error(function() c:request("GET", meetings_url() .. " x") end)
      assert.has_error(function() c:request("GET", meetings_url(), nil, { timeout = -1 }) end)
    end)
  end)

  describe("failures", function()
    it("returns nil, 'network' when nothing listens", function()
      local sock = require "socket"
      local probe = assert(sock.bind("127.0.0.1", 0))
      local _, port = probe:getsockname()
      probe:close()
      local body, kind, message, name = c:request("GET", "http://127.0.0.1:" .. port .. "/x")
      assert.is_nil(body)
      assert.equal("network", kind)
      assert.is_string(message)
      assert.equal("COULDNT_CONNECT", name)
    end)

    it("returns nil, 'network' when the server drops the connection", function()
      s:fault { drop = true }
      local body, kind = c:request("GET", meetings_url())
      assert.is_nil(body)
      assert.equal("network", kind)
    end)

    it("returns nil, 'network' for a truncated body", function()
      s:fault { truncate = true }
      local body, kind, _, name = c:request("GET", meetings_url())
      assert.is_nil(body)
      assert.equal("network", kind)
      assert.equal("PARTIAL_FILE", name)
    end)

    it("returns nil, 'timeout' within the request timeout", function()
      s:fault { delay = 3 }
      local socket = require "socket"
      local t0 = socket.gettime()
      local body, kind, _, name = c:request("GET", meetings_url(), nil, { timeout = 0.3 })
      assert.is_nil(body)
      assert.equal("timeout", kind)
      assert.equal("OPERATION_TIMEDOUT", name)
      assert.is_true(socket.gettime() - t0 < 2.5)
    end)

    it("returns nil, 'tls' for a certificate it cannot verify", function()
      local body, kind = c:request("GET", meetings_url(s.tls_url))
      assert.is_nil(body)
      assert.equal("tls", kind)
    end)

    it("verifies against ca_file", function()
      local tls = core.new { token = s.token, ca_file = s.ca_file }
      local body, status = tls:request("GET", meetings_url(s.tls_url))
      assert.equal(200, status, body)
      tls:close()
    end)

    it("returns nil, 'tls' when ca_file cannot be read", function()
      local tls = core.new { token = s.token, ca_file = "/nonexistent/ca.pem" }
      local body, kind = tls:request("GET", meetings_url(s.tls_url))
      assert.is_nil(body)
      assert.equal("tls", kind)
      tls:close()
    end)

    it("honours libcurl's proxy environment variables", function()
      local out, ok = helper.run_lua(
        "local c = require('realtimekit.core').new{ token = " .. string.format("%q", s.token) ..
        " }\n" ..
        "local _, status = c:request('GET', 'http://api.invalid/client/v4/accounts/" ..
        s.account_id .. "/realtime/kit/" .. s.app_id .. "/meetings')\n print('status', status)",
        { http_proxy = "http://127.0.0.1:" .. s.port })
      assert.is_true(ok, out)
      assert.matches("status\t200", out)
      assert.equal("api.invalid", s:requests()[1].headers.host)
    end)
  end)

  describe("the handle", function()
    it("never shows the token", function()
      assert.matches("^realtimekit%.client %(0x%x+%)$", tostring(c))
      assert.not_matches(s.token, tostring(c))
      assert.equal("none", getmetatable(c))
    end)

    it("redacts the token from text", function()
      assert.equal("a [REDACTED] b [REDACTED]", c:redact("a " .. s.token .. " b " .. s.token))
      assert.equal("nothing here", c:redact("nothing here"))
    end)

    it("refuses tokens with CR, LF or NUL without echoing them", function()
      local ok, err = pcall(core.new, { token = "abc\r\nX-Evil: 1" })
      assert.is_false(ok)
      assert.not_matches("Evil", err)
      assert.is_false(pcall(core.new, { token = "a\0b" }))
      assert.is_false(pcall(core.new, { token = "" }))
      assert.is_false(pcall(core.new, { token = false }))
    end)

    it("sends no Authorization header without a token", function()
      local anon = core.new { timeout = 5 }
      local body, status = anon:request("GET", meetings_url())
      assert.equal(401, status, body)
      local r = s:requests()[1]
      assert.is_nil(r.headers.authorization)
      assert.equal("application/json", r.headers.accept)
      assert.equal("nothing [here]", anon:redact("nothing [here]"))
      anon:close()
    end)

    it("closes idempotently and raises when used after close", function()
      c:close()
      c:close()
      assert.equal("realtimekit.client (closed)", tostring(c))
      assert.is_true(c:is_closed())
      assert.has_error(function() c:request("GET", meetings_url()) end,
        "attempt to use a closed client")
      c = nil
    end)

    it("is collected", function()
      local weak = setmetatable({}, { __mode = "v" })
      weak[1] = core.new { token = "t" }
      collectgarbage()
      collectgarbage()
      assert.is_nil(weak[1])
    end)

    if _VERSION == "Lua 5.4" then
      it("closes as a to-be-closed variable", function()
        local chunk = assert(load([[
          local core = ...
          local h
          do
            local x <close> = core.new { token = "t" }
            h = x
          end
          return h:is_closed()
        ]]))
        assert.is_true(chunk(core))
      end)
    end
  end)
end)
