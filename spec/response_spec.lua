-- What a call makes of a successful body: each shape the API declares for a response is read,
-- and anything else is a decode error that says what the body held, never an empty page or an
-- empty value in its place. The bodies are served by the fake server's faults.
local helper = require "helper"
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

local calls = require "support.calls"
local U, CALLS = calls.U, calls.CALLS

-- The calls whose response type in the official SDK (cloudflare 7.3.0) has `data?:`. The others
-- (the meeting, participant, preset, recording and webhook lists, a meeting participant, token
-- refresh, every preset and webhook call, the active recording) declare `data` required.
local DATA_OPTIONAL = {
  "active_session:get", "active_session:kick", "active_session:kick_all",
  "active_session:create_poll", "analytics:livestreams_overall", "analytics:livestreams_daywise",
  "analytics:daywise", "apps:list", "apps:create", "livestreams:start", "livestreams:stop",
  "livestreams:of_meeting", "livestreams:list", "livestreams:get", "livestreams:active_session",
  "livestreams:session", "livestreams:org_analytics", "meetings:get", "meetings:create",
  "meetings:replace", "meetings:update", "meetings:add_participant", "participants:add",
  "participants:update", "participants:delete", "recordings:start", "recordings:get",
  "recordings:control", "recordings:start_track", "sessions:list", "sessions:get",
  "sessions:participants", "sessions:participant", "sessions:peer_report", "sessions:chat",
  "sessions:transcript", "sessions:summary", "sessions:generate_summary",
}

local PAGING3 = '{"start_offset":1,"end_offset":1,"total_count":3}'
local PAGING0 = '{"start_offset":0,"end_offset":0,"total_count":0}'
local LIVESTREAM = '"id":"ls-1","name":"launch","status":"LIVE","meeting_id":"' .. U .. '"'

describe("a response", function()
  local c, s
  before_each(function()
    c, s = helper.client { max_retries = 0 }
  end)

  -- Calls `id` ("resource:method") with its CALLS arguments (or args) while the server answers
  -- 200 with body.
  local function call(id, body, args)
    local name, method = id:match("^(.-):(.+)$")
    s:fault { status = 200, body = body }
    local obj = c[name]
    return obj[method](obj, unpack(args or CALLS[id], 1, 4))
  end

  -- A call that must fail with a decode error whose message has every one of `words`.
  local function decode_error(id, body, words, args)
    local v, err = call(id, body, args)
    assert.is_nil(v, id .. ": " .. body)
    assert.equal("decode", err.kind, id .. ": " .. tostring(err))
    assert.equal(200, err.status)
    for _, w in ipairs(words or {}) do
      assert.is_truthy(err.message:find(w, 1, true),
        id .. ": '" .. w .. "' not in: " .. err.message)
    end
    return err
  end

  describe("of the livestream list", function()
    it("in the SDK's shape, data one livestream with paging inside, is a page of it", function()
      local page = assert(call("livestreams:list",
        '{"success":true,"data":{' .. LIVESTREAM .. ',"paging":' .. PAGING3 .. '}}'))
      assert.equal(1, #page.data)
      assert.equal("ls-1", page.data[1].id)
      assert.equal("launch", page.data[1].name)
      assert.is_nil(page.data[1].paging)
      assert.same({ start_offset = 1, end_offset = 1, total_count = 3 }, page.paging)
    end)

    it("with data only paging that counts no item is an empty page; counting some, an error",
      function()
        local page = assert(call("livestreams:list",
          '{"success":true,"data":{"paging":' .. PAGING0 .. '}}'))
        assert.same({}, page.data)
        assert.equal(0, page.paging.total_count)
        page = assert(call("livestreams:list", -- past the last page
          '{"success":true,"data":{"paging":{"start_offset":5,"end_offset":4,"total_count":4}}}'))
        assert.same({}, page.data)
        decode_error("livestreams:list", '{"success":true,"data":{"paging":' .. PAGING3 .. '}}',
          { "paging (object)" })
      end)

    it("with data a list is a page of it", function()
      local page = assert(call("livestreams:list",
        '{"success":true,"data":[{' .. LIVESTREAM .. '},{"id":"ls-2"}],"paging":' .. PAGING3
        .. '}'))
      assert.equal(2, #page.data)
      assert.equal("ls-2", page.data[2].id)
    end)

    it("with data.livestreams is a page of them; with none of these shapes, an error",
      function()
        local page = assert(call("livestreams:list",
          '{"success":true,"data":{"livestreams":[{"id":"a"},{"id":"b"}],"paging":'
          .. PAGING3 .. '}}'))
        assert.equal(2, #page.data)
        assert.equal(3, page.paging.total_count)
        local err = decode_error("livestreams:list",
          '{"success":true,"data":{"streams":[{"id":"a"}],"paging":' .. PAGING3 .. '}}',
          { "streams (list)", "paging (object)" })
        assert.equal("GET", err.method)
        decode_error("livestreams:list",
          '{"success":true,"data":{"livestreams":{"id":"a"}}}', { "data.livestreams" })
        decode_error("livestreams:list", '{"success":true,"data":"x"}', { "string" })
      end)

    it("without data is an empty page, unless the body holds something else", function()
      local page = assert(call("livestreams:list", '{"success":true}'))
      assert.same({}, page.data)
      decode_error("livestreams:list", '{"success":true,"result":[{"id":"a"}]}',
        { "no data", "result (list)" })
    end)
  end)

  describe("of the livestream list from the fake server", function()
    it("is read in the SDK's shape (its default) and as data.livestreams, page by page",
      function()
        local data = helper.data()
        local all = data.build().apps[data.APP_ID].livestreams
        local page = assert(c.livestreams:list())
        assert.equal(1, #page.data)
        assert.equal(all[1].id, page.data[1].id)
        assert.same({ start_offset = 1, end_offset = 1, total_count = #all }, page.paging)
        local got = helper.collect(c.livestreams:each())
        assert.equal(#all, #got)
        assert.equal(all[#all].id, got[#all].id)
        assert.equal(#all, #helper.collect(c.livestreams:each { concurrency = 3 }))
        s:config { livestream_list = "livestreams" }
        page = assert(c.livestreams:list())
        assert.equal(#all, #page.data)
        assert.equal(#all, #helper.collect(c.livestreams:each { per_page = 2 }))
      end)
  end)

  describe("of the sessions list", function()
    it("with data.sessions absent is an empty page only when nothing counts an item",
      function()
        local page = assert(call("sessions:list", '{"success":true,"data":{}}'))
        assert.same({}, page.data)
        page = assert(call("sessions:list", '{"success":true,"data":{"paging":' .. PAGING0 .. '}}'))
        assert.same({}, page.data)
        decode_error("sessions:list", '{"success":true,"data":{},"paging":' .. PAGING3 .. '}',
          { "sessions" })
        decode_error("sessions:list",
          '{"success":true,"data":{"items":[{"id":"s"}],"paging":' .. PAGING3 .. '}}',
          { "items (list)", "sessions" })
      end)

    it("with data a list, not an object holding sessions, is an error", function()
      decode_error("sessions:list", '{"success":true,"data":[{"id":"s1"},{"id":"s2"}]}',
        { "a list of 2", "sessions" })
    end)

    it("without data is an empty page", function()
      assert.same({}, assert(call("sessions:list", '{"success":true}')).data)
      decode_error("sessions:list", '{"success":true,"paging":' .. PAGING3 .. '}', { "no data" })
    end)
  end)

  describe("of a session's participants", function()
    it("with data.participants absent is an empty page only when nothing counts one",
      function()
        assert.same({}, assert(call("sessions:participants", '{"success":true}')).data)
        assert.same({}, assert(call("sessions:participants",
          '{"success":true,"data":{"paging":' .. PAGING0 .. '}}')).data)
        decode_error("sessions:participants",
          '{"success":true,"data":{"paging":' .. PAGING3 .. '}}', { "participants" })
        decode_error("sessions:participants",
          '{"success":true,"data":{"peers":[{"id":"p"}]}}', { "peers (list)" })
      end)
  end)

  describe("of a list whose data the SDK declares required", function()
    for _, id in ipairs { "meetings:list", "meetings:participants", "participants:list",
                          "presets:list", "recordings:list", "webhooks:list" } do
      it("is an error naming what the body held, without data or with data not a list ("
        .. id .. ")", function()
        decode_error(id, '{"success":true}', { "no data", "success (boolean)" })
        decode_error(id, '{"success":true,"data":{"items":[{"id":"m"}],"paging":'
          .. PAGING3 .. '}}', { "items (list)", "paging (object)", "not a list" })
      end)
    end
  end)

  it("of the fake server's meetings with paging inside data is an error; without paging, read",
    function()
      s:config { meetings_paging = "data" }
      local _, err = c.meetings:list()
      assert.equal("decode", err.kind)
      assert.matches("meetings (list)", err.message, 1, true)
      s:config { meetings_paging = "none" }
      local page = assert(c.meetings:list { per_page = 5 })
      assert.equal(5, #page.data)
      assert.is_nil(page.paging)
    end)

  it("of the apps list, without data, is an empty page; with paging counting apps, an error",
    function()
      assert.same({}, assert(call("apps:list", '{"success":true}')).data)
      decode_error("apps:list", '{"success":true,"paging":' .. PAGING3 .. '}', { "no data" })
    end)

  it("without data is an empty value where the SDK declares data optional, else an error",
    function()
      local optional = {}
      for _, id in ipairs(DATA_OPTIONAL) do optional[id] = true end
      local wrong = {}
      for id in pairs(CALLS) do
        local v, err = call(id, '{"success":true}')
        if optional[id] then
          local empty = type(v) == "table" and (next(v) == nil or v.raw and #v.data == 0)
          if not empty then
            wrong[#wrong + 1] = id .. ": " .. tostring(err)
          end
        elseif v ~= nil or err.kind ~= "decode" or not err.message:find("no data", 1, true) then
          wrong[#wrong + 1] = id .. ": got " .. tostring(v or err)
        end
      end
      table.sort(wrong)
      assert.same({}, wrong)
    end)

  it("with something else in place of data is an error on every endpoint", function()
    for id in pairs(CALLS) do
      decode_error(id, '{"success":true,"result":{"id":"x"}}', { "no data", "result (object)" })
      decode_error(id, '{"success":true,"data":7}', { "number" })
    end
  end)

  it("error names keys and kinds, never a value, and stays short", function()
    local secret = "s3cr3t-VALUE-123456"
    local keys = {}
    for i = 1, 500 do keys[i] = ('"key%03d":"%s"'):format(i, secret) end
    local err = decode_error("sessions:list",
      '{"success":true,"data":{' .. table.concat(keys, ",") .. '}}', { "key001 (string)" })
    assert.is_nil(err.message:find(secret, 1, true))
    assert.is_true(#err.message < 400, err.message)
    err = decode_error("meetings:get", '{"success":true,"v4":{"token":"' .. secret .. '"}}',
      { "v4 (object)" })
    assert.is_nil(err.message:find(secret, 1, true))
  end)
end)
