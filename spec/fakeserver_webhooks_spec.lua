-- The fake server's webhooks: the key it serves, the events it posts, their signatures, retries
-- and key rotation. Checked with luasocket and the openssl command rather than realtimekit, so
-- that a bug in one cannot hide a bug in the other.
local helper = require "helper"
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local ALL_EVENTS = { "meeting.started", "meeting.ended", "meeting.participantJoined",
  "meeting.participantLeft", "meeting.chatSynced", "recording.statusUpdate",
  "livestreaming.statusUpdate", "meeting.transcript", "meeting.summary" }

-- Any API request; returns the status and the decoded body.
local function call(s, method, path, body)
  local chunks = {}
  local headers = { authorization = "Bearer " .. s.token }
  if body then
    body = cjson.encode(body)
    headers["content-type"] = "application/json"
    headers["content-length"] = tostring(#body)
  end
  local _, status = http.request {
    url = s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id .. path,
    method = method, headers = headers,
    source = body and ltn12.source.string(body) or nil, sink = ltn12.sink.table(chunks),
  }
  local text = table.concat(chunks)
  local ok, decoded = pcall(cjson.decode, text)
  return status, ok and decoded or text
end

local write = helper.write

-- Whether openssl finds sig_b64 to be the RSA-SHA256 signature of body by the PEM key.
local function openssl_verifies(body, sig_b64, pem)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  write(dir .. "/body", body)
  write(dir .. "/sig.b64", sig_b64)
  write(dir .. "/key.pem", pem)
  local out = helper.run("sh -c 'cd " .. dir .. " && openssl base64 -d -A -in sig.b64 -out sig && "
    .. "openssl dgst -sha256 -verify key.pem -signature sig body'")
  os.execute("rm -rf " .. dir)
  return out:find("Verified OK", 1, true) ~= nil
end

local function deliveries_to(s, webhook_id)
  local out = {}
  for _, d in ipairs(s:webhook_deliveries()) do
    if d.webhook_id == webhook_id then out[#out + 1] = d end
  end
  return out
end

-- A socket to receive deliveries on, and its URL.
local function listener(path)
  local srv = assert(socket.bind("127.0.0.1", 0))
  srv:settimeout(5)
  local _, port = srv:getsockname()
  return srv, "http://127.0.0.1:" .. port .. (path or "/hook")
end

-- Accepts one request and answers it with status: { line, headers (lower-case), body, at }.
local function accept(srv, status)
  local c = assert(srv:accept())
  local at = socket.gettime()
  c:settimeout(5)
  local line = assert(c:receive("*l"))
  local headers = {}
  while true do
    local l = assert(c:receive("*l"))
    if l == "" then break end
    local k, v = l:match("^([^:]+):%s*(.*)$")
    headers[k:lower()] = v
  end
  local body = assert(c:receive(tonumber(headers["content-length"])))
  c:send("HTTP/1.1 " .. status .. " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
  c:close()
  return { line = line, headers = headers, body = body, at = at }
end

-- A port where nothing listens.
local function dead_url()
  local srv = assert(socket.bind("127.0.0.1", 0))
  local _, port = srv:getsockname()
  srv:close()
  return "http://127.0.0.1:" .. port .. "/hook"
end

describe("the fake server's webhooks", function()
  local s
  before_each(function() s = helper.server() end)

  local function webhook(url, events, enabled)
    local status, body = call(s, "POST", "/webhooks", { name = "spec", url = url,
      events = events or ALL_EVENTS, enabled = enabled })
    assert.equal(201, status)
    return body.data
  end

  it("serves its public key at /.well-known/webhooks.json as RealtimeKit does", function()
    local chunks = {}
    local _, status = http.request {
      url = s.url:gsub("/client/v4$", "") .. "/.well-known/webhooks.json",
      sink = ltn12.sink.table(chunks),
    }
    assert.equal(200, status)
    local doc = cjson.decode(table.concat(chunks))
    assert.matches("^%-%-%-%-%-BEGIN PUBLIC KEY%-%-%-%-%-\n", doc.data.publicKey)
    assert.equal(s:webhook_public_key(), doc.data.publicKey)
    local r = s:requests()
    assert.equal(1, #r)
    assert.equal("/.well-known/webhooks.json", r[1].path)
    assert.equal("https://localhost:" .. s.tls_port .. "/.well-known/webhooks.json",
      s.webhook_key_url)
  end)

  it("posts an event to a subscribed webhook, signed over the raw body", function()
    local srv, url = listener("/hook?x=1")
    local w = webhook(url, { "meeting.started" })
    local _, created = call(s, "POST", "/meetings", { title = "Stand-up" })
    local got = accept(srv, 200)
    srv:close()
    assert.equal("POST /hook?x=1 HTTP/1.1", got.line)
    assert.equal("application/json", got.headers["content-type"])
    assert.equal(w.id, got.headers["rtk-webhook-id"])
    assert.matches("^%x+%-%x+%-4%x+%-%x+%-%x+$", got.headers["rtk-uuid"])
    assert.is_true(openssl_verifies(got.body, got.headers["rtk-signature"],
      s:webhook_public_key()))
    assert.is_false(openssl_verifies(got.body .. " ", got.headers["rtk-signature"],
      s:webhook_public_key()))
    local event = cjson.decode(got.body)
    assert.equal("meeting.started", event.event)
    assert.equal(created.data.id, event.meeting.id)
    assert.equal("Stand-up", event.meeting.title)
    assert.equal("LIVE", event.meeting.status)
    assert.equal(s.app_id, event.meeting.organizedBy.id)
    local d = assert(helper.wait_for(function()
      local list = deliveries_to(s, w.id)
      return list[1] and list[1].state == "delivered" and list[1]
    end, 5))
    assert.equal(got.body, d.body)
    assert.equal(got.headers["rtk-signature"], d.signature)
    assert.equal(got.headers["rtk-uuid"], d.attempts[1].uuid)
    assert.equal(200, d.attempts[1].status)
  end)

  it("sends nothing to a disabled webhook or to one not subscribed to the event", function()
    local off = webhook(dead_url(), { "meeting.started" }, false)
    local other = webhook(dead_url(), { "recording.statusUpdate" })
    call(s, "POST", "/meetings", { title = "x" })
    assert.same({}, deliveries_to(s, off.id))
    assert.same({}, deliveries_to(s, other.id))
    -- The data set's "All events" webhook is enabled and subscribed to everything.
    local all = deliveries_to(s, helper.data().build().apps[s.app_id].webhooks[1].id)
    assert.equal(1, #all)
    assert.equal("meeting.started", all[1].event)
  end)

  it("maps the state's changes to the nearest documented events", function()
    local w = webhook(dead_url())
    local _, m = call(s, "POST", "/meetings", {})
    local mid = m.data.id
    local _, p = call(s, "POST", "/meetings/" .. mid .. "/participants",
      { custom_participant_id = "u-1", preset_name = "group_call_host", name = "Ada" })
    call(s, "DELETE", "/meetings/" .. mid .. "/participants/" .. p.data.id)
    local _, r = call(s, "POST", "/recordings", { meeting_id = mid })
    for _, action in ipairs { "pause", "resume", "stop" } do
      call(s, "PUT", "/recordings/" .. r.data.id, { action = action })
    end
    call(s, "PATCH", "/meetings/" .. mid, { title = "renamed" })
    call(s, "PATCH", "/meetings/" .. mid, { status = "INACTIVE" })
    call(s, "PATCH", "/meetings/" .. mid, { status = "INACTIVE" })

    local list = deliveries_to(s, w.id)
    local names, bodies = {}, {}
    for i, d in ipairs(list) do
      names[i] = d.event
      bodies[i] = cjson.decode(d.body)
      assert.equal(d.event, bodies[i].event)
    end
    assert.same({ "meeting.started", "meeting.participantJoined", "meeting.participantLeft",
      "recording.statusUpdate", "recording.statusUpdate", "recording.statusUpdate",
      "recording.statusUpdate", "meeting.ended" }, names)
    assert.equal(cjson.null, bodies[1].meeting.title)
    assert.matches('"title":null', list[1].body)
    assert.equal(bodies[1].meeting.sessionId, bodies[8].meeting.sessionId)
    assert.equal("u-1", bodies[2].participant.customParticipantId)
    assert.equal("Ada", bodies[2].participant.userDisplayName)
    assert.equal(p.data.id, bodies[3].participant.id)
    assert.is_string(bodies[3].participant.leftAt)
    local statuses = {}
    for i = 4, 7 do
      statuses[#statuses + 1] = bodies[i].recording.status
      assert.equal(r.data.id, bodies[i].recording.id)
      assert.equal(mid, bodies[i].recording.meetingId)
    end
    assert.same({ "RECORDING", "PAUSED", "RECORDING", "UPLOADED" }, statuses)
    assert.equal("HOST_ENDED_MEETING", bodies[8].reason)
    assert.equal(mid, bodies[8].meeting.id)
  end)

  it("tries a failed delivery again with backoff, a new rtk-uuid and the same body", function()
    local srv, url = listener()
    local w = webhook(url, { "meeting.started" })
    call(s, "POST", "/meetings", {})
    local a = accept(srv, 500)
    local b = accept(srv, 503)
    local c = accept(srv, 204)
    srv:close()
    assert.equal(a.body, b.body)
    assert.equal(a.body, c.body)
    assert.equal(a.headers["rtk-signature"], c.headers["rtk-signature"])
    assert.are_not.equal(a.headers["rtk-uuid"], b.headers["rtk-uuid"])
    assert.are_not.equal(b.headers["rtk-uuid"], c.headers["rtk-uuid"])
    assert.is_true(b.at - a.at >= 0.15)
    assert.is_true(c.at - b.at >= 0.35)
    local d = assert(helper.wait_for(function()
      local list = deliveries_to(s, w.id)
      return list[1] and list[1].state == "delivered" and list[1]
    end, 5))
    assert.same({ 500, 503, 204 }, { d.attempts[1].status, d.attempts[2].status,
                                     d.attempts[3].status })
    -- Whole numbers as integers under every Lua (lua-cjson decodes floats under 5.3 and 5.4).
    assert.same({ "500", "503", "204" }, { tostring(d.attempts[1].status),
      tostring(d.attempts[2].status), tostring(d.attempts[3].status) })
    assert.equal("100", tostring(s:config({}).max_per_page))
  end)

  it("gives up after four attempts when nothing answers", function()
    local w = webhook(dead_url(), { "meeting.started" })
    call(s, "POST", "/meetings", {})
    local d = assert(helper.wait_for(function()
      local list = deliveries_to(s, w.id)
      return list[1] and list[1].state == "failed" and list[1]
    end, 5))
    assert.equal(4, #d.attempts)
    for i = 1, 4 do
      assert.is_nil(d.attempts[i].status)
      assert.matches("^connect: ", d.attempts[i].error)
    end
    -- The waits double: 0.2, 0.4 and 0.8 s at least between the attempts' ends.
    for i = 2, 4 do
      local gap = d.attempts[i].at - d.attempts[i - 1].at
      assert.is_true(gap >= 0.2 * 2 ^ (i - 2) - 0.01, i .. ": " .. gap)
    end
  end)

  it("rotates its key, and goes back to the first one on reset", function()
    local first = s:webhook_public_key()
    local w = webhook(dead_url(), { "meeting.started" })
    local second = s:rotate_webhook_key()
    assert.are_not.equal(first, second)
    assert.equal(second, s:webhook_public_key())
    call(s, "POST", "/meetings", {})
    local d = deliveries_to(s, w.id)[1]
    assert.is_true(openssl_verifies(d.body, d.signature, second))
    assert.is_false(openssl_verifies(d.body, d.signature, first))
    s:reset()
    assert.equal(first, s:webhook_public_key())
  end)

  it("drops the deliveries and their retries on reset", function()
    local srv, url = listener()
    webhook(url, { "meeting.started" })
    call(s, "POST", "/meetings", {})
    accept(srv, 500)
    s:reset()
    assert.same({}, s:webhook_deliveries())
    srv:settimeout(0.8)
    assert.is_nil(srv:accept())
    srv:close()
  end)
end)
