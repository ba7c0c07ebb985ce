local helper = require "helper"
local realtimekit = require "realtimekit"

local ACC = "023e105f4ecef8ad9ca31a8372d0c353"

local function invalid(param, opts)
  local client, message, err = realtimekit.new(opts)
  assert.is_nil(client)
  assert.equal(tostring(err), message)
  assert.equal("invalid_argument", err.kind)
  assert.equal(param, err.param)
  return err
end

-- Every string reachable from a value, for checking that a secret is in none of them.
local function strings(v, out, seen)
  out, seen = out or {}, seen or {}
  if type(v) == "string" then out[#out + 1] = v
  elseif type(v) == "table" and not seen[v] then
    seen[v] = true
    for k, x in pairs(v) do strings(k, out, seen); strings(x, out, seen) end
    local mt = getmetatable(v)
    if type(mt) == "table" then strings(mt, out, seen) end
  elseif type(v) == "userdata" or type(v) == "function" then out[#out + 1] = tostring(v) end
  return out
end

describe("realtimekit", function()
  it("has a version, the same as its C core's", function()
    assert.equal("0.2.0", realtimekit._VERSION)
    assert.equal(realtimekit._VERSION, realtimekit.core_version)
    assert.matches("^%d+%.%d+", realtimekit.curl_version)
  end)

  describe("new()", function()
    it("needs a token", function()
      local out = helper.run_lua([[
        local err = select(3, require("realtimekit").new { account_id = "abc" })
        print(err.kind, err.param, err.message)
      ]])
      assert.matches("invalid_argument\tapi_token\tapi_token: required: pass api_token or set "
        .. "CLOUDFLARE_API_TOKEN", out)
    end)

    it("reads the token, account and base URL from the environment", function()
      local s = helper.server()
      local out, ok = helper.run_lua([[
        local c = assert(require("realtimekit").new { app_id = "]] .. s.app_id .. [[" })
        print(c.account_id, c.base_url)
        local page = assert(c.meetings:list { per_page = 1 })
        print(#page.data, page.paging.total_count)
      ]], { CLOUDFLARE_API_TOKEN = s.token, CLOUDFLARE_ACCOUNT_ID = s.account_id,
            CLOUDFLARE_BASE_URL = s.url })
      assert.is_true(ok, out)
      assert.matches(s.account_id .. "\t" .. s.url:gsub("%p", "%%%0"), out)
      assert.matches("1\t300", out)
    end)

    it("defaults to Cloudflare's API when CLOUDFLARE_BASE_URL is unset or empty", function()
      local out = helper.run_lua([[print(require("realtimekit").new { api_token = "t" }.base_url)]],
        { CLOUDFLARE_BASE_URL = "" })
      assert.matches("https://api.cloudflare.com/client/v4", out, 1, true)
    end)

    it("names unknown options", function()
      local err = invalid("apitoken", { apitoken = "x" })
      assert.equal("apitoken: unknown option for realtimekit.new", err.message)
      invalid("options", "token")
    end)

    it("refuses a token with CR or LF without printing it", function()
      local err = invalid("api_token", { api_token = "sekret\r\nX-Injected: yes" })
      assert.not_matches("sekret", tostring(err))
      assert.not_matches("Injected", tostring(err))
      invalid("api_token", { api_token = "a\nb" })
      invalid("api_token", { api_token = 42 })
    end)

    it("checks account_id, app_id, base_url, timeouts and ca_file", function()
      invalid("account_id", { api_token = "t", account_id = "not/an/account" })
      invalid("account_id", { api_token = "t", account_id = string.rep("a", 33), strict = true })
      assert(realtimekit.new { api_token = "t", account_id = string.rep("a", 33) })
      invalid("strict", { api_token = "t", strict = 1 })
      invalid("app_id", { api_token = "t", app_id = "" })
      invalid("app_id", { api_token = "t", app_id = "a/b" })
      invalid("base_url", { api_token = "t", base_url = "api.cloudflare.com" })
      invalid("base_url", { api_token = "t", base_url = "ftp://x/" })
      invalid("base_url", { api_token = "t", base_url = "https://x/?q=1" })
      invalid("timeout", { api_token = "t", timeout = 0 })
      invalid("timeout", { api_token = "t", timeout = "60" })
      invalid("connect_timeout", { api_token = "t", connect_timeout = -1 })
      invalid("connect_timeout", { api_token = "t", connect_timeout = 0 / 0 })
      local err = invalid("ca_file", { api_token = "t", ca_file = "/nonexistent/ca.pem" })
      assert.matches("cannot be read", err.message)
    end)

    it("reads ca_file only where it is used: over https:// with the default transport",
      function()
        local s = helper.server()
        -- An http:// server (the fake, say) with a CA file in the configuration that this
        -- process cannot read: the client is made, and its calls work.
        local c = assert(realtimekit.new { api_token = s.token, account_id = s.account_id,
          app_id = s.app_id, base_url = s.url, ca_file = "/nonexistent/ca.pem",
          rate_limit = false })
        assert.equal("/nonexistent/ca.pem", c.ca_file)
        assert.equal(1, #assert(c.meetings:list { per_page = 1 }).data)
        local err = invalid("ca_file", { api_token = "t", base_url = "https://127.0.0.1:1/x",
                                         ca_file = "/nonexistent/ca.pem" })
        assert.matches("cannot be read", err.message)
        invalid("ca_file", { api_token = "t", base_url = "http://127.0.0.1:1/x", ca_file = 42 })
        invalid("ca_file", { api_token = "t", base_url = "http://127.0.0.1:1/x",
                             ca_file = "/tmp/a\0b" })
      end)

    it("takes a base_url with a trailing slash", function()
      local c = assert(realtimekit.new {
        api_token = "t", base_url = "http://127.0.0.1:1/client/v4/",
      })
      assert.equal("http://127.0.0.1:1/client/v4", c.base_url)
    end)
  end)

  describe("a client", function()
    it("never shows its token: not in tostring, fields, errors or the core handle", function()
      local token = "tok-" .. string.rep("Q", 36)
      local c = assert(realtimekit.new { api_token = token, account_id = ACC, app_id = "app",
                                         base_url = "http://127.0.0.1:1/v4" })
      assert.equal("realtimekit client (http://127.0.0.1:1/v4, account " .. ACC .. ", app app)",
        tostring(c))
      local _, err = c.meetings:list()
      assert.equal("network", err.kind)
      for _, str in ipairs(strings({ c, err, tostring(err) })) do
        assert.is_nil(str:find(token, 1, true), str)
      end
    end)

    it("scrubs its token from errors when a server echoes it back", function()
      local c, s = helper.client()
      s:fault { status = 400,
                body = '{"success":false,"error":{"code":400,"message":"bad header Bearer '
                  .. s.token .. '"}}' }
      local _, err = c.meetings:list()
      assert.equal("bad header Bearer [REDACTED]", err.message)
      assert.is_nil(err.body:find(s.token, 1, true))
      assert.is_nil(tostring(err):find(s.token, 1, true))
    end)

    it("sends the client's User-Agent", function()
      local c, s = helper.client()
      assert(c.meetings:list())
      assert.matches("^realtimekit%-lua/0%.2%.0 %(", s:requests()[1].headers["user-agent"])
      assert.equal(c:user_agent(), s:requests()[1].headers["user-agent"])
    end)

    it("works over TLS with ca_file", function()
      local s = helper.server()
      local c = helper.client { base_url = s.tls_url, ca_file = s.ca_file }
      local page = assert(c.meetings:list { per_page = 3 })
      assert.equal(3, #page.data)
    end)

    it("reports an unverifiable certificate as a tls error", function()
      local s = helper.server()
      local c = helper.client { base_url = s.tls_url }
      local page, err = c.meetings:list()
      assert.is_nil(page)
      assert.equal("tls", err.kind)
      assert.is_false(err.retryable)
    end)

    it("reports a timeout as a timeout error", function()
      local c, s = helper.client { timeout = 0.3, max_retries = 0 }
      s:fault { delay = 2 }
      local page, err = c.meetings:list()
      assert.is_nil(page)
      assert.equal("timeout", err.kind)
      assert.is_true(err.retryable)
    end)

    it("raises when a method is called with a dot", function()
      local c = helper.client()
      assert.has_error(function() c.meetings.list({}) end,
        "use client.meetings:list(...), with a colon")
    end)

    it("raises after close, naming the call and where it was made", function()
      local c = helper.client()
      c:close()
      for _, call in ipairs {
        function() c.meetings:list() end,
        function() for _ in c.meetings:each() do end end,
        function() c.async.meetings:get("x") end,
        function() c:request("GET", "/x") end,
        function() c:poll(0) end,
      } do
        local err = helper.raised(call)
        assert.is_string(err)
        assert.matches("^spec/client_spec%.lua:%d+: realtimekit: .+ on a closed client$", err)
      end
    end)

    it("names a misspelt method or resource, and the one it was probably meant to be",
      function()
      local c = helper.client()
      local err = helper.raised(function() c.meetings:lsit() end)
      assert.matches("^spec/client_spec%.lua:%d+: client%.meetings has no method 'lsit' "
        .. "%(did you mean 'list'%?%)$", err)
      err = helper.raised(function() return c.meeting end)
      assert.matches("the client has no resource or method 'meeting' %(did you mean "
        .. "'meetings'%?%)$", err)
      err = helper.raised(function() return c.async.sesions end)
      assert.matches("client%.async has no resource or method 'sesions' %(did you mean "
        .. "'sessions'%?%)$", err)
      err = helper.raised(function() c.async.sessions:eahc() end)
      assert.matches("client%.async%.sessions has no method 'eahc' %(did you mean 'each'%?%)$",
        err)
      err = helper.raised(function() c.sessions:frobnicate() end)
      assert.matches("client%.sessions has no method 'frobnicate'$", err)
      -- The client's own fields read as nil when unset, without an error.
      local bare = assert(require("realtimekit").new { api_token = "t", base_url = c.base_url })
      assert.is_nil(bare.ca_file)
    end)
  end)
end)
