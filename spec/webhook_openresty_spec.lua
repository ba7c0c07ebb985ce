-- Receiving webhooks in a real nginx: the location and handler of examples/openresty (nginx.conf,
-- webhook.lua) take the fake server's deliveries, which follow from API calls.
local helper = require "helper"
local server = require "realtimekit.fake"
local conf = require "support.openresty.conf"
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local ROOT = helper.root

local describe_or_pending = helper.luajit_core_built and describe or pending

-- What the spec adds to the example's configuration: a dict and handlers to read what the
-- example accepted (webhook.lua's on_event, set in init_worker_by_lua), a location that keeps
-- every body in a file, and one that cannot yield.
local HTTP_EXTRA = [[
  lua_shared_dict webhook_spec 1m;
]]
local SERVER_EXTRA = [[
    location = /t/webhook-events { content_by_lua_block { require("webhook_checks").events() } }
    location = /t/webhook-in-file {
      client_body_in_file_only on;
      content_by_lua_block { require("webhook").handle() }
    }
    location = /t/webhook-wrong-phase {
      set_by_lua_block $answer { return require("webhook_checks").wrong_phase() }
      return 200 $answer;
    }
]]

local function request(port, method, path, body, headers)
  local chunks = {}
  headers = headers or {}
  if body then headers["content-length"] = tostring(#body) end
  local _, status = http.request {
    url = "http://127.0.0.1:" .. port .. path, method = method, headers = headers,
    source = body and ltn12.source.string(body) or nil, sink = ltn12.sink.table(chunks),
  }
  return status, table.concat(chunks)
end

describe_or_pending("webhooks in OpenResty #once", function()
  local fake, nginx, port, client, hook

  setup(function()
    fake = helper.server()
    port = server.free_ports(1)
    nginx = assert(server.nginx(conf.example {
      root = ROOT, core_dir = ROOT .. "/build/luajit", port = port, fake = fake,
      http_extra = HTTP_EXTRA, server_extra = SERVER_EXTRA,
      init_worker = 'require("webhook").on_event = require("webhook_checks").record',
    }, nil, conf.env(fake)))
    -- The example's background job walks the meetings once the worker starts: let it end
    -- before the specs count requests.
    helper.wait_for(function()
      local _, text = request(port, "GET", "/job")
      return text ~= "" and not text:find('"pending"', 1, true)
    end, 10)
  end)
  teardown(function()
    if nginx then nginx:stop() end
  end)

  -- Everything from scratch: the fake's data and key, what nginx recorded and accepted, its
  -- receiver (with its key and holdoff), and a webhook pointing at the example's location.
  before_each(function()
    client = helper.client()
    request(port, "GET", "/t/webhook-events?clear=1")
    hook = assert(client.webhooks:create {
      name = "nginx", url = "http://127.0.0.1:" .. port .. "/webhooks/realtimekit",
      events = { "meeting.started", "meeting.participantJoined", "recording.statusUpdate" },
    })
  end)

  local function recorded()
    local _, text = request(port, "GET", "/t/webhook-events")
    return cjson.decode(text)
  end

  local function ours()
    local out = {}
    for _, d in ipairs(fake:webhook_deliveries()) do
      if d.webhook_id == hook.id then out[#out + 1] = d end
    end
    return out
  end

  -- Waits until the n deliveries to our webhook have ended; returns them.
  local function settled(n)
    return assert(helper.wait_for(function()
      local list = ours()
      if #list < n then return nil end
      for _, d in ipairs(list) do
        if d.state == "pending" then return nil end
      end
      return list
    end, 10), "the deliveries did not end")
  end

  local function key_fetches()
    local n = 0
    for _, r in ipairs(fake:requests()) do
      if r.path == "/.well-known/webhooks.json" then n = n + 1 end
    end
    return n
  end

  local function post(path, body, signature, uuid)
    return request(port, "POST", path or "/webhooks/realtimekit", body, {
      ["content-type"] = "application/json", ["rtk-signature"] = signature,
      ["rtk-uuid"] = uuid, ["rtk-webhook-id"] = hook.id,
    })
  end

  it("does not block the worker while it fetches the key", function()
    -- The key URL's answer is held until released: the worker answers a ping meanwhile.
    fake:fault { hold = true, match = "well-known" }
    local script = ([[
      (curl -s -o /dev/null -w '%%{http_code}' -X POST -H 'rtk-signature: AAAA' \
        --data '{"event":"meeting.started"}' 'http://127.0.0.1:%d/webhooks/realtimekit' \
        > %s/hook.out; touch %s/hook.done) &
    ]]):format(port, nginx.dir, nginx.dir)
    os.execute(script)
    assert.is_truthy(helper.wait_for(function() return fake:held() == 1 end, 20))
    local status, text = request(port, "GET", "/ping")
    assert.equal(200, status)
    assert.equal("pong\n", text)
    assert.is_nil(io.open(nginx.dir .. "/hook.done"))
    fake:release()
    assert.is_truthy(helper.wait_for(function()
      local f = io.open(nginx.dir .. "/hook.done")
      if f then f:close() end
      return f ~= nil
    end, 20))
    assert.equal("401", helper.read(nginx.dir .. "/hook.out"))
    -- The first fetch only: AAAA cannot be a real signature, so nothing is fetched again for it.
    assert.equal(1, key_fetches())
  end)

  it("takes every event the API's calls make, verified, exactly once", function()
    local meeting = assert(client.meetings:create { title = "Webhooks" })
    assert(client.meetings:add_participant(meeting.id, { custom_participant_id = "u-1",
                                                         preset_name = "group_call_host" }))
    local rec = assert(client.recordings:start { meeting_id = meeting.id })
    assert(client.recordings:control(rec.id, { action = "stop" }))
    local list = settled(4)
    local want = {}
    for _, d in ipairs(list) do
      assert.equal("delivered", d.state)
      assert.equal(1, #d.attempts)
      assert.equal(204, d.attempts[1].status)
      want[d.attempts[1].uuid] = d.event
    end
    local got = recorded()
    assert.equal(4, #got)
    local names = {}
    for _, e in ipairs(got) do
      assert.equal(want[e.uuid], e.event)
      want[e.uuid] = nil
      assert.equal(hook.id, e.webhook_id)
      names[#names + 1] = e.event
    end
    table.sort(names)
    assert.same({ "meeting.participantJoined", "meeting.started", "recording.statusUpdate",
                  "recording.statusUpdate" }, names)
  end)

  it("answers 200 to a replayed delivery and does not take it twice", function()
    assert(client.meetings:create {})
    local d = settled(1)[1]
    assert.equal(1, #recorded())
    local status, text = post(nil, d.body, d.signature, d.attempts[1].uuid)
    assert.equal(200, status)
    assert.equal("duplicate\n", text)
    -- A retry may come with another rtk-uuid: the same body is still the same delivery.
    status = post(nil, d.body, d.signature, "another-uuid")
    assert.equal(200, status)
    assert.equal(1, #recorded())
  end)

  it("answers 401 to a tampered or unsigned delivery and takes nothing", function()
    assert(client.meetings:create { title = "Real" })
    local d = settled(1)[1]
    local status = post(nil, (d.body:gsub("Real", "Fake")), d.signature, "t-1")
    assert.equal(401, status)
    status = post(nil, d.body, nil, "t-2")
    assert.equal(401, status)
    assert.equal(1, #recorded())
  end)

  it("takes a delivery signed with a rotated key at its first attempt", function()
    assert(client.meetings:create {})
    settled(1)
    local before = key_fetches()
    fake:rotate_webhook_key()
    assert(client.meetings:create { title = "after the rotation" })
    local list = settled(2)
    assert.equal("delivered", list[2].state)
    assert.equal(1, #list[2].attempts)
    assert.equal(2, #recorded())
    assert.equal(before + 1, key_fetches())
  end)

  it("has concurrent forged deliveries share one fetch of the key, a turn later", function()
    local started = socket.gettime()
    assert(client.meetings:create {})
    local d = settled(1)[1]
    assert.equal("delivered", d.state)
    -- The refetch takes half a second, during which more forgeries arrive: they wait for it
    -- rather than fetch too.
    fake:fault { delay = 0.5, match = "well-known" }
    local dir = nginx.dir
    local f = assert(io.open(dir .. "/forged.json", "wb"))
    f:write((d.body:gsub("LIVE", "DEAD")))
    f:close()
    local p = io.popen(("seq 40 | xargs -P 40 -I{} curl -s -o /dev/null -w '%%{http_code}\\n' "
      .. "-X POST -H 'rtk-signature: %s' -H 'rtk-uuid: f-{}' --data-binary @%s/forged.json "
      .. "'http://127.0.0.1:%d/webhooks/realtimekit'"):format(d.signature, dir, port))
    local out = p:read("*a")
    p:close()
    local elapsed = socket.gettime() - started
    local codes = {}
    for code in out:gmatch("%d+") do codes[#codes + 1] = code end
    assert.equal(40, #codes)
    for _, code in ipairs(codes) do assert.equal("401", code) end
    -- One fetch a turn at most, the first delivery's included (40 without sharing).
    assert.is_true(key_fetches() <= math.floor(elapsed / 5) + 1,
      ("%d fetches in %.1f s"):format(key_fetches(), elapsed))
    assert.equal(1, #recorded())
  end)

  it("answers 500 when handling fails, and takes RealtimeKit's retry", function()
    request(port, "GET", "/t/webhook-events?fail=1")
    assert(client.meetings:create {})
    local d = settled(1)[1]
    assert.equal("delivered", d.state)
    assert.equal(2, #d.attempts)
    assert.equal(500, d.attempts[1].status)
    assert.equal(204, d.attempts[2].status)
    local got = recorded()
    assert.equal(1, #got)
    assert.equal(d.attempts[2].uuid, got[1].uuid)
  end)

  it("reads a body that nginx kept in a file", function()
    assert(client.meetings:create {})
    local d = settled(1)[1]
    request(port, "GET", "/t/webhook-events?clear=1")
    local status = post("/t/webhook-in-file", d.body, d.signature, "file-1")
    assert.equal(204, status)
    assert.equal(1, #recorded())
  end)

  it("answers 405 to anything but POST", function()
    assert.equal(405, (request(port, "GET", "/webhooks/realtimekit")))
  end)

  it("returns an error instead of blocking where nginx cannot yield", function()
    local before = key_fetches()
    local _, text = request(port, "GET", "/t/webhook-wrong-phase")
    assert.matches("^nil network the webhook key must be fetched, which cannot wait in nginx's "
      .. "set phase", text)
    assert.equal(before, key_fetches())
  end)
end)

-- The example with two nginx workers, which share their key fetches through the example's
-- lua_shared_dict, under a flood of forged deliveries from four loops of curl.
describe_or_pending("webhooks in OpenResty under a flood of forged deliveries #once", function()
  it("takes a rotated key within a turn, the two workers fetching it once a turn at most",
    function()
      local fake = helper.server()
      local client = helper.client() -- resets the server: before anything else
      local port = server.free_ports(1)
      local text, n = conf.example { root = ROOT, core_dir = ROOT .. "/build/luajit",
                                     port = port, fake = fake }:gsub("\nworker_processes 1;",
                                                                     "\nworker_processes 2;")
      assert.equal(1, n)
      local nginx = assert(server.nginx(text, nil, conf.env(fake)))
      local dir = nginx.dir
      finally(function()
        os.execute("touch " .. dir .. "/stop")
        nginx:stop()
      end)
      local hook = assert(client.webhooks:create {
        name = "flood", url = "http://127.0.0.1:" .. port .. "/webhooks/realtimekit",
        events = { "meeting.started" },
      })
      local function ours()
        local list = {}
        for _, d in ipairs(fake:webhook_deliveries()) do
          if d.webhook_id == hook.id then list[#list + 1] = d end
        end
        return list
      end
      local function settled(count)
        return assert(helper.wait_for(function()
          local list = ours()
          if #list < count or list[count].state == "pending" then return nil end
          return list
        end, 30), "the delivery did not end")
      end
      local started = socket.gettime()
      assert(client.meetings:create { title = "before" })
      local first = settled(1)[1]
      assert.equal("delivered", first.state)
      -- The flood: a real signature over an altered body (a real one's shape: it waits for the
      -- next turn), and AAAA (refused at once), two loops each, until the stop file appears.
      local f = assert(io.open(dir .. "/forged.json", "wb"))
      f:write((first.body:gsub("before", "forged")))
      f:close()
      for k, sig in ipairs { first.signature, "AAAA", first.signature, "AAAA" } do
        os.execute(([[(while [ ! -e %s/stop ]; do
            curl -s -o /dev/null -w '%%{http_code}\n' -X POST -H 'rtk-signature: %s' \
              --data-binary @%s/forged.json 'http://127.0.0.1:%d/webhooks/realtimekit' \
              >> %s/codes%d
          done; touch %s/ended%d) >/dev/null 2>&1 &]]):format(dir, sig, dir, port, dir, k,
          dir, k))
      end
      socket.sleep(2)
      fake:rotate_webhook_key()
      assert(client.meetings:create { title = "after the rotation" })
      local list = settled(2)
      os.execute("touch " .. dir .. "/stop")
      assert.is_truthy(helper.wait_for(function()
        for k = 1, 4 do
          local e = io.open(dir .. "/ended" .. k)
          if not e then return false end
          e:close()
        end
        return true
      end, 30), "the flood did not stop")
      local elapsed = socket.gettime() - started
      assert.equal("delivered", list[2].state)
      assert.equal(204, list[2].attempts[#list[2].attempts].status)
      -- No forgery was taken, and the flood went on throughout.
      local forged = 0
      for k = 1, 4 do
        for code in helper.read(dir .. "/codes" .. k):gmatch("%d+") do
          assert.equal("401", code)
          forged = forged + 1
        end
      end
      assert.is_true(forged >= 8, forged .. " forgeries")
      -- One fetch a turn at most, between both workers: k fetches began 5 s apart at least, all
      -- within the time measured here.
      local fetches = 0
      for _, r in ipairs(fake:requests()) do
        if r.path == "/.well-known/webhooks.json" then fetches = fetches + 1 end
      end
      assert.is_true(fetches >= 2, fetches .. " fetches")
      assert.is_true(fetches <= math.floor(elapsed / 5) + 1,
        ("%d fetches in %.1f s"):format(fetches, elapsed))
    end)
end)
