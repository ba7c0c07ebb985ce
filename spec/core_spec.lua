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
      local ua = "realtimekit-lua/0.2.0 (" .. core.lua_version .. "; libcurl/"
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

    it("opens a new connection for POST and PATCH by default, and as fresh_connect says",
      function()
      local function count(method, opts)
        s:reset()
        c:request("GET", meetings_url()) -- a kept-alive connection to reuse
        local _, status = c:request(method, meetings_url(), method ~= "GET" and "{}" or nil, opts)
        assert.is_number(status)
        return s:stats().connections
      end
      assert.equal(2, count("POST"))
      assert.equal(2, count("PATCH"))
      assert.equal(1, count("PUT"))
      assert.equal(1, count("POST", { fresh_connect = false }))
      assert.equal(2, count("GET", { fresh_connect = true }))
      assert.has_error(function() c:request("GET", meetings_url(), nil, { fresh_connect = 1 }) end)
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

    it("takes only token characters before a header's colon, so no name hides Authorization",
      function()
        for _, h in ipairs { "Authorization : Bearer other", "Authorization\t: Bearer other",
                             " Authorization: Bearer other", "\tAuthorization: Bearer other",
                             "X(1): y", "X-A\127: y", ": no name", "X-A\tB: y" } do
          assert.has_error(function()
            c:request("GET", meetings_url(), nil, { headers = { h } })
          end, "a header must be one 'Name: value' line and cannot be Authorization", h)
        end
        assert.same({ requests = 0, connections = 0 }, s:stats())
        c:request("GET", meetings_url(), nil, { headers = { "X-Ok: a : b" } })
        assert.equal("a : b", s:requests()[1].headers["x-ok"])
        -- Every token character is taken (nginx drops such a name, but it is sent).
        local _, status = c:request("GET", meetings_url(), nil,
          { headers = { "X-Ok_1.~!#$%&'*+^`|: y" } })
        assert.equal(200, status)
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

    it("returns nil, 'timeout' at the request timeout, not when the server answers", function()
      -- The server holds the request until released: only the timeout can end the call.
      s:fault { hold = true }
      local body, kind, _, name = c:request("GET", meetings_url(), nil, { timeout = 0.3 })
      assert.is_nil(body)
      assert.equal("timeout", kind)
      assert.equal("OPERATION_TIMEDOUT", name)
      s:release()
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

  describe("client:start()", function()
    it("returns a network error, not a raised one, with every transfer taken", function()
      local socket = require "socket"
      -- A socket that listens and never accepts: each transfer stays under way, connecting.
      local silent = assert(socket.bind("127.0.0.1", 0, 128))
      local _, port = silent:getsockname()
      local url = "http://127.0.0.1:" .. port .. "/x"
      for i = 1, 64 do assert(c:start("GET", url), "start " .. i) end
      local id, kind, message, name = c:start("GET", url)
      assert.is_nil(id)
      assert.equal("network", kind)
      assert.equal("TOO_MANY_TRANSFERS", name)
      assert.matches("too many transfers", message)
      id, kind, message, name = c:request("GET", url)
      assert.is_nil(id)
      assert.same({ "network", "too many transfers at once on one client",
                    "TOO_MANY_TRANSFERS" }, { kind, message, name })
      c:close()
      c = nil
      silent:close()
    end)

    it("refuses a URL or header with a NUL, which libcurl would cut short", function()
      assert.has_error(function() c:start("GET", meetings_url() .. "\0/x") end)
      assert.has_error(function()
        c:start("GET", meetings_url(), nil, { headers = { "X-A: 1\0X-B: 2" } })
      end)
    end)
  end)

  describe("a response with odd framing", function()
    local raw = require "support.rawserver"
    local srv
    after_each(function()
      if srv then srv:stop() end
      srv = nil
    end)

    local function chunked(body, trailers)
      return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncf-ray: ray-1\r\n"
        .. "Transfer-Encoding: chunked\r\n\r\n" .. string.format("%x", #body) .. "\r\n" .. body
        .. "\r\n0\r\n" .. trailers .. "\r\n"
    end

    it("keeps a chunked body whole whatever its trailer lines look like", function()
      -- (libcurl itself refuses a trailer line without a colon.)
      srv = raw.start {
        chunked('{"a":1}', "HTTP/1.1: 200 OK\r\n"),
        chunked('{"a":2}', "HTTP/2 500: x\r\nX-T: 1\r\n"),
        chunked('{"a":3}', "cf-ray: forged\r\nRetry-After: 1\r\n"),
        chunked('{"a":4}', "HTTP/x:y\r\nContent-Length: 0\r\n"),
      }
      for i = 1, 4 do
        local body, status, headers = c:request("GET", srv.url .. "/x")
        assert.equal('{"a":' .. i .. "}", body)
        assert.equal(200, status)
        assert.equal("ray-1", headers["cf-ray"])
        assert.is_nil(headers["retry-after"])
        assert.is_nil(headers["x-t"])
      end
    end)

    it("does not check a trailer's Content-Length against the body limit", function()
      local small = core.new { token = s.token, timeout = 5, max_body = 100 }
      srv = raw.start { chunked('{"a":1}', "Content-Length: 99999999999\r\n") }
      local body, status = small:request("GET", srv.url .. "/x")
      assert.equal('{"a":1}', body, status)
      small:close()
    end)

    it("still drops what came before a final status line (a 1xx response)", function()
      srv = raw.start { "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        .. "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\n{}" }
      local body, status, headers = c:request("GET", srv.url .. "/x")
      assert.equal("{}", body)
      assert.equal(200, status)
      assert.equal("yes", headers["x-final"])
      assert.is_nil(headers.link)
    end)

    it("survives a response whose first header line is folded, after another on the same "
      .. "connection", function()
      -- libcurl 7.88 unfolds such a line onto the previous response's last header, freed by
      -- then, when both go through one easy handle.
      srv = raw.start({
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Long: " .. ("v"):rep(200) .. "\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n[42]",
      }, { keep_alive = true })
      local body, status = c:request("GET", srv.url .. "/a")
      assert.equal("{}", body)
      assert.equal(200, status)
      local kind
      body, kind = c:request("GET", srv.url .. "/b")
      if body then
        assert.equal("{}", body) -- a later libcurl may take the response, and that is fine
      else
        assert.equal("network", kind)
      end
      body, status = c:request("GET", srv.url .. "/c")
      assert.equal("[42]", body)
      assert.equal(200, status)
      assert.equal(3, #srv:requests())
    end)

    it("joins a folded line to the header before it, and skips lines that are no header",
      function()
        srv = raw.start { "HTTP/1.1 200 OK\r\nX-A: one\r\n  two \r\n\tthree\r\n"
          .. "X-B : spaced\r\nX\"C: quoted\r\nX-D: d\r\nContent-Length: 2\r\n\r\n{}" }
        local body, status, headers = c:request("GET", srv.url .. "/x")
        assert.equal("{}", body)
        assert.equal(200, status)
        assert.same({ ["x-a"] = "one two three", ["x-d"] = "d", ["content-length"] = "2" },
          headers)
      end)

    it("ends the header block at a line that starts with CR, as libcurl does", function()
      -- libcurl reads the body from the next line on: a chunked body's trailers must then not
      -- become the response's headers.
      srv = raw.start { "HTTP/1.1 200 OK\r\ncf-ray: ray-1\r\nTransfer-Encoding: chunked\r\n"
        .. "\rX-After: 1\r\n7\r\n{\"a\":1}\r\n0\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n" }
      local body, status, headers = c:request("GET", srv.url .. "/x")
      assert.equal('{"a":1}', body)
      assert.equal(200, status)
      assert.same({ ["cf-ray"] = "ray-1", ["transfer-encoding"] = "chunked" }, headers)
    end)

    it("takes no status code outside 100 to 999 for a response", function()
      srv = raw.start { "HTTP/2 -1 OK\r\nContent-Length: 2\r\n\r\n{}",
                        "HTTP/2 42 OK\r\nContent-Length: 2\r\n\r\n{}" }
      for _ = 1, 2 do
        local body, kind, message, name = c:request("GET", srv.url .. "/x")
        assert.is_nil(body)
        assert.equal("network", kind)
        assert.equal("WEIRD_SERVER_REPLY", name)
        assert.equal("the response's status code is not a number from 100 to 999", message)
      end
    end)

    it("says what limit a flood of header lines broke", function()
      local lines = {}
      for i = 1, 600 do lines[i] = "X-H" .. i .. ": v\r\n" end
      local big = ("x"):rep(8000)
      local fat = {}
      for i = 1, 40 do fat[i] = "X-F" .. i .. ": " .. big .. "\r\n" end
      srv = raw.start {
        "HTTP/1.1 200 OK\r\n" .. table.concat(lines) .. "Content-Length: 2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\n" .. table.concat(fat) .. "Content-Length: 2\r\n\r\n{}",
      }
      local body, kind, message, name = c:request("GET", srv.url .. "/x")
      assert.is_nil(body)
      assert.equal("too_large", kind)
      assert.equal("TOO_MANY_HEADERS", name)
      assert.equal("response with more than 512 header fields", message)
      body, kind, message, name = c:request("GET", srv.url .. "/x")
      assert.is_nil(body)
      assert.equal("too_large", kind)
      assert.equal("HEADERS_TOO_LARGE", name)
      assert.equal("response headers larger than the limit of 262144 bytes", message)
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

    it("redacts a start of the token 8 bytes or longer, wherever it is", function()
      local t = s.token
      assert.equal('got "[REDACTED]"', c:redact('got "' .. t:sub(1, 40) .. '"'))
      assert.equal("[REDACTED]x", c:redact(t:sub(1, 8) .. "x"))
      assert.equal("[REDACTED][REDACTED]", c:redact(t .. t:sub(1, 9)))
      assert.equal(t:sub(1, 7) .. " " .. t:sub(2), c:redact(t:sub(1, 7) .. " " .. t:sub(2)))
    end)

    it("never lets the marker's end complete a token that starts with ']'", function()
      local t = "]0123456789abcdef"
      local br = core.new { token = t }
      -- "[REDACTED]" then "0123456" would spell "]0123456", the token's first 8 bytes.
      assert.equal("x[REDACTED]y", br:redact("x" .. t .. t:sub(2, 8) .. "y"))
      assert.equal("x[REDACTED]y", br:redact("x" .. t:sub(1, 8) .. t:sub(2, 8) .. t:sub(2) .. "y"))
      assert.equal("[REDACTED]012345", br:redact(t .. "012345"))
      for _, text in ipairs { t .. t:sub(2), t .. t:sub(2, 9) .. "z",
                              "a]0123456" .. t:sub(2, 12) } do
        local out = br:redact(text)
        assert.equal(out, br:redact(out), text)
      end
      br:close()
      -- Likewise any end of the marker: "D]" ...
      local d = core.new { token = "D]0123456789" }
      assert.equal("x[REDACTED]y", d:redact("xD]0123456789" .. "0123456789y"))
      d:close()
    end)

    it("tells how much of a text's end is the token's start", function()
      local t = s.token
      assert.equal(0, c:token_tail("nothing"))
      assert.equal(1, c:token_tail("abc" .. t:sub(1, 1)))
      assert.equal(#t - 1, c:token_tail("abc" .. t:sub(1, -2)))
      assert.equal(0, c:token_tail("abc" .. t)) -- the whole token is for redact
      assert.equal(0, c:token_tail(""))
      local anon = core.new {}
      assert.equal(0, anon:token_tail(t:sub(1, 5)))
      assert.equal(t, anon:redact(t))
      anon:close()
    end)

    it("looks for no token shorter than 4 bytes", function()
      local short = core.new { token = "abc" }
      assert.equal("abc", short:redact("abc"))
      assert.equal(0, short:token_tail("xab"))
      short:close()
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

  describe("table_kind()", function()
    it("tells an empty table, a list and an object apart", function()
      assert.equal("empty", core.table_kind {})
      assert.equal("list", core.table_kind { 1 })
      assert.equal("list", core.table_kind { {}, {}, "x" })
      assert.equal("object", core.table_kind { a = 1 })
      assert.equal("object", core.table_kind { 1, 2, a = 1 })
      assert.equal("object", core.table_kind { [2] = 1 })
      assert.equal("object", core.table_kind { [1.5] = 1 })
      local holed = { 1, 2, 3 }
      holed[2] = nil -- a dropped null: keys 1 and 3 are not 1..#t, whatever border # finds
      assert.equal("object", core.table_kind(holed))
    end)

    it("wants a table", function()
      assert.has_error(function() core.table_kind("x") end)
    end)
  end)

  describe("first_non_object()", function()
    it("gives the first index whose value is not an object, or nil", function()
      assert.is_nil(core.first_non_object {})
      assert.is_nil(core.first_non_object { {}, { a = 1 }, { b = { 1 } } })
      assert.equal(2, core.first_non_object { {}, "x", 1 })
      assert.equal(3, core.first_non_object { {}, { a = 1 }, { 1, 2 } })
      assert.equal(1, core.first_non_object { false })
      -- Only the border # finds is read, as a Lua loop over 1..#t would.
      assert.is_nil(core.first_non_object { {}, {}, x = "not an item" })
    end)

    it("wants a table", function()
      assert.has_error(function() core.first_non_object(nil) end)
    end)
  end)

  describe("isatty()", function()
    local code = "local core = require 'realtimekit.core' print(core.isatty(0), core.isatty(1), "
      .. "core.isatty(2), core.isatty(-1), core.isatty(1000))"
    local setup = "package.path = 'lua/?.lua;' .. package.path; package.cpath = "
      .. string.format("%q", helper.core_dir .. "/?.so;" .. package.cpath) .. "; "
    local cmd = helper.lua_cmd .. " -e " .. helper.shell_quote(setup .. code)

    it("is false for pipes, files and descriptors that are not open", function()
      local out, ok = helper.run(cmd .. " </dev/null")
      assert.is_true(ok, out)
      assert.equal("false\tfalse\tfalse\tfalse\tfalse\n", out)
    end)

    it("is true for a terminal", function()
      -- script(1) runs the command with a new pseudo-terminal as its stdin, stdout and stderr.
      local out, ok = helper.run("script -qec " .. helper.shell_quote(cmd) .. " /dev/null")
      assert.is_true(ok, out)
      assert.matches("^true\ttrue\ttrue\tfalse\tfalse\r?\n", out)
    end)

    it("wants a number", function()
      assert.has_error(function() core.isatty("x") end)
    end)
  end)
  describe("token_id()", function()
    it("is 16 hex digits of SHA-256 over a fixed prefix and the token, the same each time",
      function()
      -- printf 'realtimekit token id\nabc' | sha256sum: a11aeb4774926836…
      assert.equal("a11aeb4774926836", core.token_id("abc"))
      assert.equal(core.token_id("abc"), core.token_id("abc"))
      assert.equal("b806c0b5d58c2a20", core.token_id(""))
      local long = ("x"):rep(100000)
      local id = core.token_id(long)
      assert.matches("^%x+$", id)
      assert.equal(16, #id)
      assert.is_nil(id:find("xxxx", 1, true))
      assert.not_equal(id, core.token_id(long .. "y"))
      -- Bytes past a NUL count.
      assert.not_equal(core.token_id("a\0b"), core.token_id("a\0c"))
    end)

    it("wants a string", function()
      assert.has_error(function() core.token_id(nil) end)
      assert.has_error(function() core.token_id({}) end)
    end)
  end)
end)
