-- Hostile input from both sides: arguments that must be refused before anything is sent, and
-- responses that must become decode or api errors, never a Lua error from inside the library.
local helper = require "helper"
local realtimekit = require "realtimekit"
local cjson = require "cjson"
local retry = require "realtimekit.retry"

local UUID = "36d01e74-838a-4de1-a00c-a0c4b03f8368"
local LONG = string.rep("a", 5000)

describe("hostile arguments", function()
  -- { method, positional args..., params, the parameter the error must name, whether only a
  -- strict client refuses it (the API docs' formats and ranges) }
  local cases = {}
  local function case(method, args, param, strict)
    cases[#cases + 1] = { method, args, param, strict }
  end
  -- Each list: values refused always, then values only strict refuses.
  local function each(always, docs_only, fn)
    for _, v in ipairs(always) do fn(v, false) end
    for _, v in ipairs(docs_only) do fn(v, true) end
  end

  each({ "../" .. UUID, UUID .. "/..", "%2e%2e", UUID .. "\r\nX: 1", UUID .. "\n", UUID .. "\0",
         "", {}, true, 1, 0 / 0 },
       { UUID .. "?x=1", UUID .. "#f", " " .. UUID, UUID .. " ", LONG, (UUID:gsub("-", "")) },
       function(id, strict)
         case("meetings:get", { id }, "meeting_id", strict)
         case("meetings:participants", { id }, "meeting_id", strict)
       end)
  each({ 1 / 0, -1 / 0, 0 / 0, "1", "", {}, true }, { -1, -0.5 }, function(v, strict)
    case("meetings:list", { { page_no = v } }, "page_no", strict)
    case("meetings:list", { { per_page = v } }, "per_page", strict)
    case("sessions:list", { { page_no = v } }, "page_no", strict)
    case("meetings:participants", { UUID, { per_page = v } }, "per_page", strict)
  end)
  each({ -1e12, 1 / 0, 0 / 0, 1e300, {}, true, "a\0", "\255" },
       { "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01",
         "2026-01-01T00:00:00", "yesterday", "", LONG }, function(v, strict)
    case("meetings:list", { { start_time = v } }, "start_time", strict)
    case("sessions:list", { { end_time = v } }, "end_time", strict)
  end)
  for _, v in ipairs { "active", "ACTIVE ", "", "LIVE", 1, true } do
    case("meetings:list", { { status = v } }, "status")
  end
  for _, v in ipairs { "live", "ACTIVE", "" } do
    case("sessions:list", { { status = v } }, "status")
  end
  for _, v in ipairs { "created_at", "minutes_consumed", "" } do
    case("sessions:list", { { sort_by = v } }, "sort_by")
  end
  for _, v in ipairs { "asc", "DSC", "" } do
    case("sessions:list", { { sort_order = v } }, "sort_order")
  end
  for _, v in ipairs { "\255\254", "a\0b", "\192\128", 5, {} } do
    case("meetings:list", { { search = v } }, "search")
    case("sessions:list", { { search = v } }, "search")
  end
  for _, v in ipairs { "a/b", "/", "a%2Fb", "a%2f", "..", ".", "%2E%2e", "", "a\r\nb", "a\0",
                       "a\tb", "%0A", "\255", 7, {} } do
    case("meetings:list", { { app_id = v } }, "app_id")
  end
  for _, v in ipairs { "x/y", "", "..", "a\0", 12 } do
    case("sessions:list", { { account_id = v } }, "account_id")
  end
  case("sessions:list", { { account_id = string.rep("a", 33) } }, "account_id", true)
  for _, k in ipairs { "colour", "pageNo", "PAGE_NO", "limit", "offset" } do
    case("meetings:list", { { [k] = 1 } }, k)
    case("sessions:list", { { [k] = 1 } }, k)
  end
  case("meetings:get", { UUID, { page_no = 1 } }, "page_no")
  case("meetings:participants", { UUID, { status = "ACTIVE" } }, "status")

  it("are each refused with invalid_argument naming the parameter, and nothing is sent", function()
    local c, s = helper.client()
    local strict = helper.client { strict = true }
    for i, k in ipairs(cases) do
      local resource, method = k[1]:match("^(%w+):(%w+)$")
      local obj = (k[4] and strict or c)[resource]
      local unpack = rawget(table, "unpack") or rawget(_G, "unpack")
      local ok, v, err = pcall(obj[method], obj, unpack(k[2]))
      local label = "case " .. i .. " " .. k[1] .. " " .. k[3]
      assert.is_true(ok, label .. ": raised " .. tostring(v))
      assert.is_nil(v, label)
      assert.is_true(realtimekit.is_error(err), label)
      assert.equal("invalid_argument", err.kind, label)
      assert.equal(k[3], err.param, label .. ": named " .. tostring(err.param))
      assert.is_nil(tostring(err):find("[\r\n%z]"), label)
    end
    assert.is_true(#cases > 150)
    assert.equal(0, s:stats().requests)
  end)

  it("in iterators are raised before the first request", function()
    local c, s = helper.client()
    for _, params in ipairs { { per_page = 0 }, { per_page = -5 }, { limit = 1.5 },
                              { limit = "10" }, { status = "x" }, { page_no = -1 }, { x = 1 } } do
      local err = helper.raised(function() c.meetings:each(params) end)
      assert.equal("invalid_argument", err.kind)
    end
    assert.equal(0, s:stats().requests)
  end)
end)

describe("hostile responses", function()
  local function expect_error(c, s, fault, kinds, label)
    s:reset()
    s:fault(fault)
    local ok, page, err = pcall(c.meetings.list, c.meetings, { per_page = 5 })
    assert.is_true(ok, label .. ": raised " .. tostring(page))
    assert.is_nil(page, label)
    assert.is_true(realtimekit.is_error(err), label)
    assert.is_truthy(kinds[err.kind], label .. ": kind " .. tostring(err.kind))
    assert.is_string(tostring(err))
    return err
  end

  local deep = string.rep("[", 100000) .. string.rep("]", 100000)
  local deep_obj = string.rep('{"a":', 2000) .. "1" .. string.rep("}", 2000)
  local bodies = {
    "", " ", "null", "true", "42", '"text"', "[]", "{}",
    "<html><body>502 Bad Gateway</body></html>",
    '{"success":true}', '{"success":true,"data":null}', '{"success":true,"data":"x"}',
    '{"success":true,"data":{}}' .. "trailing", '{"success":true,"data":[1,2,3]}',
    '{"success":true,"data":[{"id":1},"x"]}', '{"success":true,"data":[[1]]}',
    '{"success":true,"data":[],"paging":"x"}', '{"success":true,"data":[],"paging":[]}',
    '{"success":true,"data":[],"paging":{"total_count":"3","start_offset":1,"end_offset":0}}',
    '{"success":true,"data":[],"paging":{"start_offset":1,"end_offset":0}}',
    '{"success":true,"data":[],"paging":{"start_offset":1,"end_offset":0,"total_count":-1}}',
    '{"success":true,"data":[],"paging":{"start_offset":1,"end_offset":0,"total_count":1.5}}',
    '{"success":true,"data":[],"paging":{"start_offset":1,"end_offset":0,"total_count":1e999}}',
    '{"success":true,"data":[{"id":"x","n":1e999}],"paging":{"start_offset":1e400}}',
    '{"success":true,"data":[' .. string.rep('{"id":"a"},', 10) .. "]}",
    '{"success":"yes","data":{"a":1}}',
    deep, deep_obj, '{"success":true,"data":["\\ud800"]}', "\239\187\191{}", "\0\0\0",
    '{"success":true,"data":[{"id":"\255"}]}{"x":1}',
  }

  for _, decoder in ipairs { "cjson", "core" } do
    it("give decode errors for 2xx bodies of the wrong shape, never a Lua error (" .. decoder
      .. ")", function()
      local c, s = helper.client { decoder = decoder }
      for i, body in ipairs(bodies) do
        local err = expect_error(c, s, { status = 200, body = body },
          { decode = true, api = true }, "body " .. i)
        assert.equal(200, err.status)
        assert.is_true(#(err.body or "") <= 512)
      end
    end)
  end

  it("give api errors for failures with odd bodies, never a Lua error", function()
    local c, s = helper.client { max_retries = 0 }
    for i, body in ipairs(bodies) do
      local err = expect_error(c, s, { status = 500, body = body }, { api = true }, "body " .. i)
      assert.equal(500, err.status)
      assert.is_true(err.retryable)
    end
    for i, body in ipairs { '{"success":false,"errors":"x"}',
                            '{"success":false,"errors":[1,"x",{}]}',
                            '{"success":false,"error":5}', '{"success":false,"error":{"code":{}}}',
                            '{"success":false,"errors":[{"code":1e999,"message":{}}]}' } do
      expect_error(c, s, { status = 400, body = body }, { api = true }, "error body " .. i)
    end
  end)

  it("decode huge but valid numbers without losing whole ones", function()
    local c, s = helper.client()
    s:fault { status = 200, body = '{"success":true,"data":[{"id":"x","big":9007199254740993,' ..
      '"huge":1e300,"neg":-0}],"paging":{"start_offset":1,"end_offset":1,"total_count":1}}' }
    local page = assert(c.meetings:list())
    assert.equal(1e300, page.data[1].huge)
    assert.is_number(page.data[1].big)
  end)

  it("from a cut connection are network errors", function()
    local c, s = helper.client { max_retries = 0 }
    expect_error(c, s, { truncate = true }, { network = true }, "truncate")
    expect_error(c, s, { drop = true }, { network = true }, "drop")
    expect_error(c, s, { status = 200, body = cjson.encode { success = true, data = {} },
                         truncate = true }, { network = true }, "truncated 200")
  end)
end)

describe("TLS", function()
  it("refuses a certificate for another host name, even from a trusted CA", function()
    local s = helper.server()
    local c = helper.client { base_url = s.wrong_host_tls_url, ca_file = s.ca_file }
    local page, err = c.meetings:list()
    assert.is_nil(page)
    assert.equal("tls", err.kind)
    assert.equal(0, s:stats().requests)
  end)

  it("refuses an unknown CA, and trusts a private one given as ca_file", function()
    local s = helper.server()
    local _, err = helper.client { base_url = s.tls_url }.meetings:list()
    assert.equal("tls", err.kind)
    assert(helper.client { base_url = s.tls_url, ca_file = s.ca_file }.meetings:list())
    assert.equal(1, s:stats().requests)
  end)
end)

describe("hostile input, round two", function()
  local calls = require "support.calls"
  local resource = require "realtimekit.resource"
  local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

  -- Values whose __tostring raises, or answers with something that is not a string.
  local RAISES = setmetatable({}, { __tostring = function() error("__tostring ran") end })
  local LIES = setmetatable({}, { __tostring = function() return {} end })

  it("refuses a base_url with a NUL or another control character", function()
    for _, url in ipairs { "http://127.0.0.1:1/v4\0/evil", "http://127.0.0.1:1/\0",
                           "http://127.0.0.1:1/v4\127", "http://127.0.0.1:1/v\1" } do
      local c, _, err = realtimekit.new { api_token = "tok-1234", base_url = url }
      assert.is_nil(c, url)
      assert.equal("base_url", err.param)
      assert.is_nil(tostring(err):find("%z"))
    end
  end)

  it("refuses a ca_file that is a directory, empty or not PEM, in new and in receivers", function()
    local webhook = require "realtimekit.webhook"
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir " .. dir .. " && : > " .. dir .. "/empty && "
      .. "printf 'not a certificate' > " .. dir .. "/text"))
    for _, path in ipairs { dir, dir .. "/empty", dir .. "/text", "/dev/null" } do
      local c, _, err = realtimekit.new { api_token = "tok-1234", ca_file = path }
      assert.is_nil(c, path)
      assert.equal("ca_file", err.param, path)
      local r, _, rerr = webhook.receiver { ca_file = path }
      assert.is_nil(r, path)
      assert.equal("ca_file", rerr.param, path)
    end
    os.execute("rm -rf " .. dir)
    local s = helper.server()
    assert(realtimekit.new { api_token = "tok-1234", ca_file = s.ca_file })
    assert(webhook.receiver { ca_file = s.ca_file })
  end)

  it("takes Retry-After as digits or an HTTP date only, retry-after-ms as a decimal", function()
    for _, v in ipairs { "0x10", "1e1", "-1", "+5", "1.5", "inf", "nan", " ", "", "5s" } do
      assert.is_nil(retry.retry_after({ ["retry-after"] = v }), "retry-after " .. v)
    end
    for _, v in ipairs { "0x10", "1e1", "-5", "+5", "inf", "nan", "infinity", "1,5", "." } do
      assert.is_nil(retry.retry_after({ ["retry-after-ms"] = v }), "retry-after-ms " .. v)
    end
    assert.equal(16, retry.retry_after({ ["retry-after"] = "16" }))
    assert.equal(0.0015, retry.retry_after({ ["retry-after-ms"] = "1.5" }))
    assert.equal(0.25, retry.retry_after({ ["retry-after-ms"] = "250" }))
    -- Through a real answer: a hex hint is no hint, and the backoff applies.
    local c, s = helper.client { max_retries = 0 }
    s:fault { status = 429, headers = { ["Retry-After"] = "0x10" } }
    local _, err = c.meetings:list()
    assert.equal(429, err.status)
    assert.is_nil(err.retry_after)
  end)

  describe("an object endpoint whose data is of the other JSON kind", function()
    local c, s
    before_each(function() c, s = helper.client { max_retries = 0 } end)

    local function call(id, body)
      local name, method = id:match("^(.-):(.+)$")
      s:fault { status = 200, body = body }
      local obj = c[name]
      return obj[method](obj, unpack(calls.CALLS[id], 1, 4))
    end

    it("is a decode error when the SDK declares an object and data is an array", function()
      local n = 0
      for _, name in ipairs { "active_session", "analytics", "apps", "livestreams", "meetings",
                              "participants", "presets", "recordings", "sessions", "webhooks" } do
        for method, row in pairs(resource.rows(name)) do
          local id = name .. ":" .. method
          if not row.items and not row.data_array then
            n = n + 1
            local v, err = call(id, '{"success":true,"data":[{"id":"x"},{"id":"y"}]}')
            assert.is_nil(v, id)
            assert.equal("decode", err.kind, id)
            assert.matches("data is a list of 2, not an object", err.message, 1, true)
            -- An empty one is JSON's {} as well as []: an empty object.
            assert.same({}, call(id, '{"success":true,"data":[]}'), id)
          end
        end
      end
      assert.equal(46, n)
    end)

    it("is a decode error when the SDK declares an array and data is an object", function()
      local v, err = call("analytics:livestreams_daywise",
        '{"success":true,"data":{"date":"2026-01-01","count":1}}')
      assert.is_nil(v)
      assert.equal("decode", err.kind)
      assert.matches("not a list", err.message, 1, true)
      v = assert(call("analytics:livestreams_daywise",
        '{"success":true,"data":[{"date":"2026-01-01","count":1}]}'))
      assert.equal(1, v[1].count)
    end)
  end)

  for _, decoder in ipairs { "cjson", "core" } do
    it("refuses a body with anything after its JSON value (decoder " .. decoder .. ")", function()
      local c, s = helper.client { decoder = decoder, max_retries = 0 }
      local good = '{"success":true,"data":{"id":"m"}}'
      for _, tail in ipairs { "\0garbage", "\0", " x", "}", "\0{}" } do
        s:fault { status = 200, body = good .. tail }
        local v, err = c.meetings:get(calls.U)
        assert.is_nil(v, string.format("%q", tail))
        assert.equal("decode", err.kind)
        assert.matches("unexpected data after the JSON value", err.message, 1, true)
      end
      for _, body in ipairs { '{"success":true,"data":{"n":1.}}',
                              '{"success":true,"data":{"s":"a\tb"}}',
                              '{"success":true,"data":{"s":"\255"}}' } do
        s:fault { status = 200, body = body }
        local v, err = c.meetings:get(calls.U)
        assert.is_nil(v, body)
        assert.equal("decode", err.kind, body)
      end
    end)
  end

  it("sends page_no = -0.0 as 0", function()
    local c, s = helper.client()
    assert(c.meetings:list { page_no = -0.0, per_page = -0.0 })
    assert.equal("page_no=0&per_page=0", s:requests()[1].query)
  end)

  it("refuses free-form body tables that JSON cannot hold whole", function()
    local c, s = helper.client()
    for _, body in ipairs {
      { 1, 2, x = 3 },                       -- array items and fields
      { [1] = "a", [3] = "c" },              -- holes
      { [2] = "b" },                         -- a number key that is no array index
      { [1.5] = "x" },
      { ok = { [true] = 1 } },
      { ["\255"] = 1 },
      { nested = { ["a\0b"] = 1 } },
    } do
      local v, err = c:request("POST", "/accounts/{account_id}/realtime/kit/{app_id}/x",
        { body = body })
      assert.is_nil(v)
      assert.equal("invalid_argument", err.kind)
      assert.is_nil(tostring(err):find("[%z\128-\255]"), tostring(err))
    end
    local _, err = c.presets:create { name = "p", config = { ["\255"] = {} } }
    assert.equal("invalid_argument", err.kind)
    assert.equal(0, s:stats().requests)
  end)

  it("never calls a key's or a value's __tostring, in new, calls and receivers", function()
    local webhook = require "realtimekit.webhook"
    local c = helper.client()
    for _, weird in ipairs { RAISES, LIES } do
      local attempts = {
        function() return realtimekit.new { api_token = "tok-1234", [weird] = 1 } end,
        function() return realtimekit.new { api_token = "tok-1234", decoder = weird } end,
        function() return realtimekit.new { api_token = "tok-1234", transport = weird } end,
        function() return realtimekit.new { api_token = "tok-1234", timeout = weird } end,
        function() return webhook.receiver { [weird] = 1 } end,
        function() return c.meetings:list { [weird] = 1 } end,
        function() return c.meetings:list { max_retries = weird } end,
        function() return c.meetings:list { per_page = weird } end,
        function() return c.meetings:list { extra_body = { [weird] = 1 } } end,
        function() return c.meetings:list { extra_query = { [weird] = 1 } } end,
        function() return c.meetings:create { title = "t", [weird] = 1 } end,
        function() return c.presets:create { name = "p", config = { [weird] = {} } } end,
        function() return c:request("GET", "/x", { [weird] = 1 }) end,
        function() return c:request("POST", "/x", { body = { a = { [weird] = 1 } } }) end,
        function() return c:request(weird, "/x") end,
        function() return c.meetings:get(weird) end,
      }
      for i, f in ipairs(attempts) do
        local ok, v, err, err3 = pcall(f)
        assert.is_true(ok, "case " .. i .. " raised: " .. (type(v) == "string" and v or "?"))
        assert.is_nil(v, "case " .. i)
        if err3 ~= nil then -- new and receivers: nil, message, err
          assert.equal(tostring(err3), err, "case " .. i)
          err = err3
        end
        assert.equal("invalid_argument", err.kind, "case " .. i)
        assert.is_string(tostring(err))
      end
    end
  end)
end)
