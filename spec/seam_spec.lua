-- The unit-test seam: a transport of the program's own, as a function or as a table with the
-- core's methods, under the library's own checks, retries and decoding. No server here.
require "helper" -- the core built for this Lua
local realtimekit = require "realtimekit"
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local PAGE = '{"success":true,"data":[{"id":"m1","title":"One"},{"id":"m2"}],'
  .. '"paging":{"start_offset":1,"end_offset":2,"total_count":2}}'

local function client(fn, opts)
  local o = { transport = fn, account_id = "acc", app_id = "app", base_url = "https://x.test/v4",
              sleep = function() end }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(realtimekit.new(o))
end

describe("a transport function", function()
  it("gets each request as a table, without the token, and its answer is decoded", function()
    local seen = {}
    local c = client(function(req)
      seen[#seen + 1] = req
      return 200, PAGE, { ["Content-Type"] = "application/json" }
    end, { api_token = "secret-token-123456", headers = { ["X-Team"] = "ops" } })
    local page = assert(c.meetings:list { per_page = 2, timeout = 5 })
    assert.equal(2, #page.data)
    assert.equal("One", page.data[1].title)
    local req = seen[1]
    assert.equal("GET", req.method)
    assert.equal("https://x.test/v4/accounts/acc/realtime/kit/app/meetings?per_page=2", req.url)
    assert.equal("/v4/accounts/acc/realtime/kit/app/meetings", req.path)
    assert.equal("per_page=2", req.query)
    assert.equal(5, req.timeout)
    assert.is_nil(req.body)
    assert.equal("ops", req.headers["X-Team"])
    assert.equal("application/json", req.headers.Accept)
    assert.matches("^realtimekit%-lua/", req.headers["User-Agent"])
    for k, v in pairs(req.headers) do
      assert.is_nil(k:lower():find("authorization", 1, true))
      assert.is_nil(v:find("secret-token", 1, true))
    end
  end)

  it("sees bodies as the API would", function()
    local body
    local c = client(function(req)
      body = req
      return 201, '{"success":true,"data":{"id":"m9","title":"T"}}'
    end)
    local m = assert(c.meetings:create { title = "T", persist_chat = true })
    assert.equal("m9", m.id)
    assert.equal("POST", body.method)
    assert.equal('{"title":"T","persist_chat":true}', body.body)
    assert.equal("application/json", body.headers["Content-Type"])
  end)

  it("needs no token", function()
    local c = assert(realtimekit.new { transport = function() return 200, PAGE end,
                                       account_id = "a", app_id = "b" })
    assert.equal(2, #assert(c.meetings:list()).data)
  end)

  it("is retried and classified by the library's rules", function()
    local answers = {
      { 503, '{"success":false,"error":{"code":503,"message":"busy"}}' },
      { nil, "connection reset" },
      { 200, PAGE },
    }
    local n = 0
    local c = client(function()
      n = n + 1
      return unpack(answers[n])
    end)
    assert.equal(2, #assert(c.meetings:list()).data)
    assert.equal(3, n)
    n = 0
    answers = { { 404, '{"success":false,"error":{"code":404,"message":"Meeting not found"}}' } }
    local v, err = c.meetings:get("36d01e74-838a-4de1-a00c-a0c4b03f8368")
    assert.is_nil(v)
    assert.equal("api", err.kind)
    assert.equal(404, err.status)
    assert.equal("Meeting not found", err.message)
  end)

  it("that raises, or answers what is not a response, gives a network error, never a raise",
    function()
    for _, fn in ipairs {
      function() error("socket gone") end,
      function() error({}) end,
      function() return "200", PAGE end,
      function() return 99, PAGE end,
      function() return 200, {} end,
      function() return 200, PAGE, "headers" end,
      function() return nil end,
    } do
      local c = client(fn, { max_retries = 0 })
      local v, err = c.meetings:list()
      assert.is_nil(v)
      assert.equal("network", err.kind)
      assert.equal("TRANSPORT_FUNCTION", err.transport_code)
    end
  end)

  it("leaves a write's outcome unknown after a failure it does not name, or names as after "
    .. "sending; a named one before sending is retried", function()
    local OBJECT = '{"success":true,"data":{"id":"m1"}}'
    for _, case in ipairs {
      { { nil, "socket gone" }, "network", "TRANSPORT_FUNCTION" },
      { { nil, "reset", "RECV_ERROR" }, "network", "RECV_ERROR" },
      { { nil, "slow", "OPERATION_TIMEDOUT" }, "timeout", "OPERATION_TIMEDOUT" },
      { { nil, "odd", "not a name" }, "network", "TRANSPORT_FUNCTION" },
      { { 502, "<html>bad gateway</html>" }, "api" },
    } do
      local calls = 0
      local c = client(function()
        calls = calls + 1
        return unpack(case[1], 1, 3)
      end)
      local v, err = c.meetings:create { title = "Standup" }
      assert.is_nil(v)
      assert.equal(case[2], err.kind)
      assert.equal(case[3], err.transport_code)
      assert.equal("unknown", err.outcome)
      assert.is_false(err.retryable)
      assert.equal(1, calls)
      -- A GET after the same failure is retried.
      calls = 0
      _, err = c.meetings:list()
      assert.is_nil(err.outcome)
      assert.is_true(err.retryable)
      assert.equal(3, calls)
    end
    for _, name in ipairs { "COULDNT_CONNECT", "COULDNT_RESOLVE_HOST" } do
      local calls = 0
      local c = client(function()
        calls = calls + 1
        if calls == 1 then return nil, "refused", name end
        return 201, OBJECT
      end)
      assert.equal("m1", assert(c.meetings:create { title = "Standup" }).id)
      assert.equal(2, calls)
    end
  end)

  it("answers async operations when the client is polled", function()
    local calls = 0
    local c = client(function() calls = calls + 1 return 200, PAGE end)
    local op = assert(c.async.meetings:list())
    assert.equal(0, calls)
    local state, page = op:poll()
    assert.equal("done", state)
    assert.equal(2, #page.data)
    assert.equal(1, calls)
  end)

  it("walks every page", function()
    local c = client(function(req)
      local page = tonumber(req.query:match("page_no=(%d+)"))
      local first = (page - 1) * 2 + 1
      local last = math.min(first + 1, 5)
      local items = {}
      for i = first, last do items[#items + 1] = ('{"id":"m%d"}'):format(i) end
      return 200, ('{"success":true,"data":[%s],"paging":{"start_offset":%d,"end_offset":%d,'
        .. '"total_count":5}}'):format(table.concat(items, ","), first, last)
    end)
    local ids = {}
    for m in c.meetings:each { per_page = 2 } do ids[#ids + 1] = m.id end
    assert.same({ "m1", "m2", "m3", "m4", "m5" }, ids)
  end)
end)

describe("a transport table", function()
  it("with the core's methods is used as it is", function()
    local results, next_id = {}, 0
    local t = {
      start = function(_, method, url)
        next_id = next_id + 1
        results[next_id] = { method, url }
        return next_id
      end,
      poll = function()
        local ids = {}
        for id in pairs(results) do ids[#ids + 1] = id end
        return ids
      end,
      result = function(_, id)
        results[id] = nil
        return PAGE, 200, {}
      end,
      cancel = function(_, id) results[id] = nil end,
      user_agent = function() return "mine" end,
      close = function() end,
    }
    local c = client(t)
    assert.equal(2, #assert(c.meetings:list()).data)
    assert.equal("mine", c:user_agent())
  end)

  it("is refused when it lacks one of them", function()
    local c, _, err = realtimekit.new { api_token = "t", transport = { start = print } }
    assert.is_nil(c)
    assert.equal("transport", err.param)
  end)
end)
