-- client.async: every method of every resource, rows and iterators, is reachable both ways, and
-- the two ways send the same request and give the same outcome.
local helper = require "helper"
local calls = require "support.calls"
local client_mod = require "realtimekit.client"
local resource = require "realtimekit.resource"
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

-- What the server received last: method, path, query and body.
local function last(s)
  local r = s:requests()
  local req = r[#r]
  return req and { req.method, req.path, req.query, req.body or "" }
end

-- An outcome, comparable between the two ways: the error's kind and status, or the value's
-- type (created ids differ from one call to the next).
local function outcome(v, err)
  if v == nil then return { "failed", err.kind, err.status or false } end
  return { "done", type(v) }
end

describe("client.async", function()
  it("has every method of every resource, and nothing that could collide with one", function()
    local c = helper.client()
    local n = 0
    for _, name in ipairs(client_mod.RESOURCES) do
      for _, method in ipairs(resource.methods(name)) do
        assert.is_function(c[name][method], name .. ":" .. method)
        assert.is_function(c.async[name][method], "async " .. name .. ":" .. method)
        n = n + 1
      end
    end
    assert.is_true(n > 60)
    -- recordings:start and livestreams:start are the API's own calls, both ways; no resource
    -- has a start of the library's own any more.
    assert.has_error(function() return c.meetings.start end,
      "client.meetings has no method 'start'")
    assert.is_function(c.recordings.start)
    assert.is_function(c.async.recordings.start)
  end)

  it("reaches every row: the same request and outcome as the blocking call", function()
    local c, s = helper.client { max_retries = 0 }
    local seen = 0
    for _, name in ipairs(client_mod.RESOURCES) do
      for method in pairs(resource.rows(name)) do
        local id = name .. ":" .. method
        local args = calls.CALLS[id]
        assert.is_table(args, "no call for " .. id)
        s:reset()
        local v, err = c[name][method](c[name], unpack(args, 1, 4))
        local blocking, blocking_outcome = last(s), outcome(v, err)
        s:reset()
        local op = assert(c.async[name][method](c.async[name], unpack(args, 1, 4)))
        v, err = op:wait()
        assert.same(blocking, last(s), id)
        assert.same(blocking_outcome, outcome(v, err), id)
        assert.equal(v == nil and "failed" or "done", (op:poll()), id)
        seen = seen + 1
      end
    end
    assert.equal(57, seen)
  end)

  it("walks every iterator: the same items as the blocking one, in order", function()
    local c = helper.client()
    local data = helper.data()
    local app = data.build().apps[data.APP_ID]
    local args = {
      ["meetings:participants"] = { app.meetings[1].id },
      ["participants:list"] = { app.meetings[1].id },
      ["sessions:participants"] = { app.sessions[43].id },
    }
    local walked = 0
    for _, name in ipairs(client_mod.RESOURCES) do
      for method, row in pairs(resource.rows(name)) do
        if row.each then
          local id = name .. ":" .. method
          local a = args[id] or {}
          for _, iterator in ipairs { row.each, row.pages } do
            local params = { per_page = 7 }
            local want = {}
            local obj = c[name]
            local pos = select("#", unpack(a)) + 1
            local call_args = { unpack(a) }
            call_args[pos] = params
            for item in obj[iterator](obj, unpack(call_args, 1, pos)) do
              want[#want + 1] = item.id or (item.data and #item.data)
            end
            local walk = assert(c.async[name][iterator](c.async[name], unpack(call_args, 1, pos)))
            local got, state = {}, "pending"
            while state == "pending" do
              local list
              state, list = walk:poll()
              assert.is_not.equal("failed", state, id)
              for _, item in ipairs(list) do got[#got + 1] = item.id or #item.data end
              c:poll(0.01)
            end
            assert.same(want, got, id .. " " .. iterator)
            walked = walked + 1
          end
        end
      end
    end
    assert.is_true(walked >= 18, tostring(walked))
  end)

  it("checks arguments as the blocking call does, before any request", function()
    local c, s = helper.client()
    local op, err = c.async.meetings:list { status = "nope" }
    assert.is_nil(op)
    assert.equal("status", err.param)
    op, err = c.async.recordings:start { meeting_id = 5 }
    assert.is_nil(op)
    assert.equal("meeting_id", err.param)
    local walk
    walk, err = c.async.meetings:each { concurrency = 0 }
    assert.is_nil(walk)
    assert.equal("concurrency", err.param)
    assert.equal(0, s:stats().requests)
    assert.has_error(function() c.async.meetings.list {} end,
      "use client.async.meetings:list(...), with a colon")
  end)

  it("starts a recording and a livestream without blocking", function()
    local c, s = helper.client()
    s:config { latency = 0.2 }
    local data = helper.data()
    local app = data.build().apps[data.APP_ID]
    local rec = assert(c.async.recordings:start { meeting_id = app.meetings[3].id })
    local live = assert(c.async.livestreams:start(app.meetings[4].id, { name = "launch" }))
    assert.equal("pending", (rec:poll()))
    assert.equal("pending", (live:poll()))
    while c:poll(0.05) > 0 do end
    local state, r = rec:poll()
    assert.equal("done", state)
    assert.equal("RECORDING", r.status)
    local lstate, l = live:poll()
    assert.equal("done", lstate)
    assert.equal("LIVE", l.status)
  end)

  it("queues calls beyond the transfers one client holds, instead of failing", function()
    local c, s = helper.client()
    s:config { latency = 0.05 }
    local ops = {}
    for i = 1, 80 do ops[i] = assert(c.async.meetings:list { per_page = 1, page_no = i }) end
    while c:poll(0.05) > 0 do end
    for i = 1, 80 do
      local state, page = ops[i]:poll()
      assert.equal("done", state, tostring(page))
      assert.equal(i, page.paging.start_offset)
    end
    assert.equal(80, s:stats().requests)
  end)
end)
