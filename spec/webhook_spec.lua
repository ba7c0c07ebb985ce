-- realtimekit.webhook in plain Lua: signatures made with the openssl command, and deliveries
-- made by the fake server, whose key is fetched over HTTPS with the test CA.
local helper = require "helper"
local webhook = require "realtimekit.webhook"
local socket = require "socket"

local tointeger = rawget(math, "tointeger")

local function sh(cmd)
  local out, ok = helper.run("sh -c " .. helper.shell_quote(cmd))
  assert(ok, out)
  return out
end

local read = helper.read

local write = helper.write

-- Test keys, made once: two RSA pairs and an EC one.
local dir = os.tmpname()
os.remove(dir)
sh("mkdir -p " .. dir .. " && cd " .. dir .. " && " ..
  "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out a.key && " ..
  "openssl pkey -in a.key -pubout -out a.pub && " ..
  "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out b.key && " ..
  "openssl pkey -in b.key -pubout -out b.pub && " ..
  "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out ec.key && " ..
  "openssl pkey -in ec.key -pubout -out ec.pub")
local KEY_A, KEY_B, KEY_EC = read(dir .. "/a.pub"), read(dir .. "/b.pub"), read(dir .. "/ec.pub")

-- The base64 RSA-SHA256 signature of body by the named private key, made by openssl.
local function sign(body, name)
  write(dir .. "/body", body)
  return (sh("cd " .. dir .. " && openssl dgst -sha256 -sign " .. (name or "a") .. ".key body"
    .. " | openssl base64 -A"):gsub("%s+$", ""))
end

local BODY = '{"event":"meeting.started","meeting":{"id":"m-1","title":null,"n":3}}'

describe("realtimekit.webhook", function()
  teardown(function() os.execute("rm -rf " .. dir) end)

  local SIG
  setup(function() SIG = sign(BODY) end)

  describe("verify()", function()
    it("accepts a body signed by openssl with the key's pair", function()
      assert.is_true(webhook.verify(BODY, SIG, KEY_A))
      assert.is_true(webhook.verify(BODY, " " .. SIG .. "\t", KEY_A))
      assert.is_true(webhook.verify(BODY, (SIG:gsub("=+$", "")), KEY_A))
      assert.is_true(webhook.verify("", sign(""), KEY_A))
      local binary = "\0\1\255 binary\0"
      assert.is_true(webhook.verify(binary, sign(binary), KEY_A))
    end)

    local function refused(body, sig, key, pattern)
      local ok, err = webhook.verify(body, sig, key)
      assert.is_nil(ok)
      assert.equal("invalid_signature", err.kind)
      if pattern then assert.matches(pattern, err.message) end
      assert.matches("^realtimekit invalid_signature error: ", tostring(err))
    end

    it("refuses a tampered body, another key's signature and a flipped bit", function()
      refused(BODY:gsub("m%-1", "m-2"), SIG, KEY_A, "does not match")
      refused(BODY .. "\n", SIG, KEY_A, "does not match")
      refused(BODY, sign(BODY, "b"), KEY_A, "does not match")
      refused(BODY, SIG, KEY_B, "does not match")
      local c = SIG:sub(10, 10) == "A" and "B" or "A"
      refused(BODY, SIG:sub(1, 9) .. c .. SIG:sub(11), KEY_A, "does not match")
    end)

    it("refuses signatures that are empty, not base64, truncated or too long", function()
      refused(BODY, "", KEY_A, "not base64")
      refused(BODY, "   ", KEY_A, "not base64")
      refused(BODY, "!!!!" .. SIG:sub(5), KEY_A, "not base64")
      refused(BODY, SIG:sub(1, 100) .. " " .. SIG:sub(101), KEY_A, "not base64")
      refused(BODY, SIG:sub(1, -9), KEY_A, "not base64")
      refused(BODY, SIG:sub(5), KEY_A, "not base64")
      refused(BODY, SIG .. SIG, KEY_A, "not base64")
      refused(BODY, ("A"):rep(2048), KEY_A, "not base64")
      refused(BODY, ("A"):rep(100000), KEY_A, "longer than 2048 bytes")
      refused(BODY, SIG:gsub("=+$", "") .. "===", KEY_A, "not base64")
    end)

    it("refuses a signature header of more than 2048 bytes before reading it", function()
      -- Spaces inside made the old trim take time quadratic in them: a CPU sink for anyone.
      for _, sig in ipairs { "x" .. (" "):rep(8190) .. "y", " " .. SIG .. (" "):rep(1024 * 1024),
                             ("A"):rep(2049) } do
        refused(BODY, sig, KEY_A, "^the signature is longer than 2048 bytes$")
      end
      assert.is_true(webhook.verify(BODY, (" "):rep(2048 - #SIG) .. SIG, KEY_A))
    end)

    it("refuses a key that is not a PEM RSA public key", function()
      refused(BODY, SIG, "", "not a PEM RSA public key")
      refused(BODY, SIG, "-----BEGIN PUBLIC KEY-----\nbm9wZQ==\n-----END PUBLIC KEY-----\n",
        "not a PEM RSA public key")
      refused(BODY, SIG, read(dir .. "/a.key"), "not a PEM RSA public key")
      refused(BODY, SIG, read(helper.server().ca_file), "not a PEM RSA public key")
      refused(BODY, SIG, KEY_EC, "not a PEM RSA public key")
      refused(BODY, "", KEY_EC, "not a PEM RSA public key")
    end)

    it("returns invalid_argument for an argument that is missing or not a string", function()
      local ok, err = webhook.verify(nil, SIG, KEY_A)
      assert.is_nil(ok)
      assert.equal("invalid_argument", err.kind)
      assert.equal("body", err.param)
      ok, err = webhook.verify(BODY, 42, KEY_A)
      assert.is_nil(ok)
      assert.equal("signature", err.param)
      ok, err = webhook.verify(BODY, SIG, { KEY_A })
      assert.is_nil(ok)
      assert.equal("public_key", err.param)
      ok, err = webhook.verify(BODY, nil, nil)
      assert.is_nil(ok)
      assert.equal("invalid_argument", err.kind)
    end)
  end)

  describe("memory_store()", function()
    it("remembers at most its size, forgetting the oldest first", function()
      local store = webhook.memory_store(3)
      for _, k in ipairs { "a", "b", "c", "d" } do store:set(k, true, 60) end
      assert.is_nil(store:get("a"))
      assert.is_true(store:get("b"))
      assert.is_true(store:get("d"))
      store:delete("c")
      assert.is_nil(store:get("c"))
      store:set("e", true, 60) -- in the room the deleted key left
      assert.is_true(store:get("b"))
      store:set("f", true, 60)
      assert.is_nil(store:get("b"))
      for _, k in ipairs { "d", "e", "f" } do assert.is_true(store:get(k)) end
    end)

    it("forgets a key when its time is up", function()
      local store = webhook.memory_store()
      store:set("a", true, 1)
      store:set("b", true, 60)
      assert.is_true(store:get("a"))
      socket.sleep(1.1)
      assert.is_nil(store:get("a"))
      assert.is_true(store:get("b"))
    end)

    it("raises for a size that is not a whole number >= 1", function()
      assert.has_error(function() webhook.memory_store(0) end)
      assert.has_error(function() webhook.memory_store(2.5) end)
    end)
  end)

  describe("receiver()", function()
    it("refuses unknown and malformed options", function()
      local cases = {
        { { colour = "red" }, "colour" },
        { { public_key = "nope" }, "public_key" },
        { { public_key = KEY_EC }, "public_key" },
        { { public_key = KEY_A, key_url = "https://x.test/k" }, "public_key" },
        { { key_url = "http://x.test/k" }, "key_url" },
        { { key_url = "https://x.test" }, "key_url" },
        { { ttl = 0 }, "ttl" },
        { { timeout = "10" }, "timeout" },
        { { max_body = 1.5 }, "max_body" },
        { { dedupe = "webhooks" }, "dedupe" },
        { { dedupe = { get = true } }, "dedupe" },
        { { dedupe_ttl = -1 }, "dedupe_ttl" },
        { { ca_file = "/nonexistent/ca.pem" }, "ca_file" },
      }
      for _, case in ipairs(cases) do
        local r, message, err = webhook.receiver(case[1])
        assert.is_nil(r)
        assert.equal("invalid_argument", err.kind)
        assert.equal(case[2], err.param)
        assert.equal(tostring(err), message)
      end
      local r, _, err = webhook.receiver("x")
      assert.is_nil(r)
      assert.equal("options", err.param)
    end)
  end)

  describe("a receiver with a public key", function()
    local r
    before_each(function() r = assert(webhook.receiver { public_key = KEY_A }) end)

    it("returns the decoded event with the delivery's ids, header names in any case", function()
      local event = assert(r:verify(BODY, { ["RTK-Signature"] = SIG, ["Rtk-Uuid"] = "u-1",
                                            ["rtk-WEBHOOK-id"] = "w-1" }))
      assert.equal("meeting.started", event.event)
      assert.equal("u-1", event.uuid)
      assert.equal("w-1", event.webhook_id)
      assert.equal("m-1", event.meeting.id)
      assert.is_nil(event.meeting.title)
      assert.equal(3, event.meeting.n)
      if tointeger then assert.equal(3, tointeger(event.meeting.n)) end
      assert.equal("3", tostring(event.meeting.n))
      event = assert(r:verify(BODY, { ["rtk-signature"] = SIG }))
      assert.is_nil(event.uuid)
      assert.equal(0, r.fetches)
    end)

    it("refuses a missing, repeated or bad signature", function()
      local _, err = r:verify(BODY, {})
      assert.equal("invalid_signature", err.kind)
      assert.matches("no rtk%-signature header", err.message)
      _, err = r:verify(BODY, { ["rtk-signature"] = { SIG, SIG } })
      assert.equal("invalid_signature", err.kind)
      _, err = r:verify(BODY .. " ", { ["rtk-signature"] = SIG })
      assert.equal("invalid_signature", err.kind)
      assert.equal(0, r.fetches)
    end)

    it("refuses a signature header of more than 2048 bytes before anything else", function()
      for _, sig in ipairs { "x" .. (" "):rep(8190) .. "y", (" "):rep(1024 * 1024) .. SIG } do
        local _, err = r:verify(BODY, { ["rtk-signature"] = sig })
        assert.equal("invalid_signature", err.kind)
        assert.equal("the signature is longer than 2048 bytes", err.message)
      end
      assert.truthy(r:verify(BODY, { ["rtk-signature"] = (" "):rep(2048 - #SIG) .. SIG }))
      assert.equal(0, r.fetches)
    end)

    it("refuses a body above max_body before anything else", function()
      local small = assert(webhook.receiver { public_key = KEY_A, max_body = #BODY - 1 })
      local _, err = small:verify(BODY, { ["rtk-signature"] = SIG })
      assert.equal("too_large", err.kind)
      assert.equal(#BODY, err.size)
      assert.equal("too_large", (select(2, small:verify(BODY, {}))).kind)
      assert.truthy(assert(webhook.receiver { public_key = KEY_A, max_body = #BODY })
        :verify(BODY, { ["rtk-signature"] = SIG }))
    end)

    it("returns a decode error for a signed body that is not an event", function()
      for _, body in ipairs { "not json", "[1,2]", '"text"', '{"no":"event"}', '{"event":1}' } do
        local event, err = r:verify(body, { ["rtk-signature"] = sign(body) })
        assert.is_nil(event)
        assert.equal("decode", err.kind, body)
      end
    end)

    it("returns invalid_argument for a body or headers of the wrong type", function()
      local _, err = r:verify(nil, {})
      assert.equal("body", err.param)
      _, err = r:verify(BODY, "rtk-signature: x")
      assert.equal("headers", err.param)
    end)
  end)

  describe("de-duplication", function()
    local function headers(uuid, sig)
      return { ["rtk-signature"] = sig or SIG, ["rtk-uuid"] = uuid }
    end

    it("refuses a delivery handled already, by its rtk-uuid or by its body", function()
      local r = assert(webhook.receiver { public_key = KEY_A, dedupe = true })
      local first = assert(r:verify(BODY, headers("u-1")))
      -- Being handled: a retry now is told to come back.
      local event, err = r:verify(BODY, headers("u-1"))
      assert.is_nil(event)
      assert.equal("in_progress", err.kind)
      assert.equal("u-1", err.uuid)
      assert.is_true(r:confirm(first))
      assert.is_true(r:confirm(first)) -- once confirmed, nothing more to do
      event, err = r:verify(BODY, headers("u-1"))
      assert.is_nil(event)
      assert.equal("duplicate", err.kind)
      assert.equal("u-1", err.uuid)
      -- A retry may come with another rtk-uuid: the same signed body is the same delivery.
      event, err = r:verify(BODY, headers("u-2"))
      assert.is_nil(event)
      assert.equal("duplicate", err.kind)
      local other = '{"event":"meeting.ended"}'
      event, err = r:verify(other, headers("u-1", sign(other)))
      assert.is_nil(event)
      assert.equal("duplicate", err.kind)
      assert.truthy(r:verify(other, headers("u-3", sign(other))))
    end)

    it("records nothing for a forged delivery", function()
      local r = assert(webhook.receiver { public_key = KEY_A, dedupe = true })
      local _, err = r:verify(BODY, headers("u-1", sign(BODY, "b")))
      assert.equal("invalid_signature", err.kind)
      assert.truthy(r:verify(BODY, headers("u-1")))
    end)

    it("uses a table with get and set", function()
      local seen, calls = {}, {}
      local store = {
        get = function(_, k) calls[#calls + 1] = "get " .. k return seen[k] end,
        set = function(_, k, v, ttl)
          calls[#calls + 1] = "set " .. k .. " " .. tostring(ttl)
          seen[k] = v
        end,
      }
      local r = assert(webhook.receiver { public_key = KEY_A, dedupe = store, dedupe_ttl = 90,
                                          claim_ttl = 30 })
      local event = assert(r:verify(BODY, headers("u-1")))
      assert.equal("get rtk-body:" .. SIG:gsub("=+$", ""), calls[1])
      assert.equal("set rtk-uuid:u-1 30", calls[4])
      assert.is_true(r:confirm(event))
      assert.equal("duplicate", select(2, r:verify(BODY, headers("u-1"))).kind)
      assert.equal("set rtk-uuid:u-1 90", calls[8])
      assert.equal("set rtk-done:rtk-body:" .. SIG:gsub("=+$", "") .. " 90", calls[9])
      assert.equal("set rtk-done:rtk-uuid:u-1 90", calls[10])
    end)

    it("holds a delivery for its handler for claim_ttl: one never confirmed is taken again "
      .. "after it, and its late confirm is false", function()
      local r = assert(webhook.receiver { public_key = KEY_A, dedupe = true, claim_ttl = 0.2 })
      local lost = assert(r:verify(BODY, headers("u-1")))
      assert.equal("in_progress", select(2, r:verify(BODY, headers("u-2"))).kind)
      local retry
      assert.is_truthy(helper.wait_for(function()
        retry = r:verify(BODY, headers("u-3"))
        return retry
      end, 10))
      assert.is_false(r:confirm(lost))
      assert.is_true(r:confirm(retry))
      assert.equal("duplicate", select(2, r:verify(BODY, headers("u-1"))).kind)
    end)

    it("takes a delivery again after forget, or after dedupe_ttl", function()
      local r = assert(webhook.receiver { public_key = KEY_A, dedupe = true, dedupe_ttl = 1 })
      local event = assert(r:verify(BODY, headers("u-1")))
      assert.is_true(r:forget(event))
      event = assert(r:verify(BODY, headers("u-1")))
      assert.is_true(r:confirm(event))
      assert.equal("duplicate", select(2, r:verify(BODY, headers("u-1"))).kind)
      socket.sleep(1.1)
      assert.truthy(r:verify(BODY, headers("u-1")))
    end)

    it("is off unless asked for", function()
      local r = assert(webhook.receiver { public_key = KEY_A })
      assert.truthy(r:verify(BODY, headers("u-1")))
      assert.truthy(r:verify(BODY, headers("u-1")))
    end)
  end)

  describe("a receiver that fetches the key", function()
    local s, client, hook

    before_each(function()
      client, s = helper.client() -- resets the server: once per spec, before anything else
      -- Deliveries go nowhere: the specs read them from the fake's list.
      local dead = assert(socket.bind("127.0.0.1", 0))
      local _, port = dead:getsockname()
      dead:close()
      hook = assert(client.webhooks:create { name = "spec", url = "http://127.0.0.1:" .. port,
                                            events = { "meeting.started" } })
    end)

    -- Makes the fake emit meeting.started and returns its body and headers.
    local function delivery()
      assert(client.meetings:create { title = "Planning" })
      local list = s:webhook_deliveries()
      local d = list[#list]
      assert.equal(hook.id, d.webhook_id)
      return d.body, { ["rtk-signature"] = d.signature, ["rtk-uuid"] = "u-" .. #list,
                       ["rtk-webhook-id"] = d.webhook_id }
    end

    local function key_fetches()
      local n = 0
      for _, r in ipairs(s:requests()) do
        if r.path == "/.well-known/webhooks.json" then n = n + 1 end
      end
      return n
    end

    local function receiver(opts)
      local o = { key_url = s.webhook_key_url, ca_file = s.ca_file }
      for k, v in pairs(opts or {}) do o[k] = v end
      return assert(webhook.receiver(o))
    end

    -- Shorter turns between fetches, and waits for them, for the length of one spec.
    local function turns(seconds)
      local interval, patience = webhook.REFETCH_INTERVAL, webhook.REFETCH_WAIT
      webhook.REFETCH_INTERVAL, webhook.REFETCH_WAIT = seconds, seconds
      finally(function() webhook.REFETCH_INTERVAL, webhook.REFETCH_WAIT = interval, patience end)
    end

    it("fetches the key over TLS, without the API token, once for many deliveries", function()
      local r = receiver()
      local body, headers = delivery()
      local event = assert(r:verify(body, headers))
      assert.equal("meeting.started", event.event)
      assert.equal("Planning", event.meeting.title)
      assert.equal(hook.id, event.webhook_id)
      body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      assert.equal(1, r.fetches)
      assert.equal(1, key_fetches())
      for _, req in ipairs(s:requests()) do
        if req.path == "/.well-known/webhooks.json" then
          assert.equal("GET", req.method)
          assert.is_nil(req.headers.authorization)
          for _, v in pairs(req.headers) do assert.is_nil(tostring(v):find(s.token, 1, true)) end
        end
      end
      assert.equal(s:webhook_public_key(), r:public_key())
    end)

    -- A store other processes share (one on another backend, say): receivers sharing it
    -- share their fetches of the key, and their de-duplication, as workers sharing a
    -- lua_shared_dict do.
    it("shares its key fetches and its deliveries through a store other processes share",
      function()
      local store = require "realtimekit.store"
      local shared = store.memory()
      shared.is_shared = true
      local a, b = receiver { dedupe = shared }, receiver { dedupe = shared }
      local body, headers = delivery()
      assert.truthy(a:confirm(assert(a:verify(body, headers))))
      local other_body, other_headers = delivery()
      local event = assert(b:verify(other_body, other_headers))
      assert.equal("meeting.started", event.event)
      assert.equal(1, key_fetches()) -- b took the key a fetched
      assert.equal(0, b.fetches)
      assert.equal("duplicate", select(2, b:verify(body, headers)).kind)
      b:forget(event)
      assert.truthy(a:verify(other_body, other_headers))
      -- A store no other process shares keeps its receiver's fetches to itself.
      local own = receiver { dedupe = store.memory() }
      assert.truthy(own:verify(delivery()))
      assert.equal(1, own.fetches)
      assert.equal(2, key_fetches())
    end)

    it("fetches the key again when its ttl is up", function()
      turns(0.1)
      local r = receiver { ttl = 0.2 }
      local body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      socket.sleep(0.3)
      assert.truthy(r:verify(body, headers))
      assert.equal(2, r.fetches)
    end)

    it("takes a rotated key on its first delivery, after exactly one fetch", function()
      turns(0.3)
      local r = receiver()
      local body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      s:rotate_webhook_key()
      body, headers = delivery()
      local event = assert(r:verify(body, headers))
      assert.equal("meeting.started", event.event)
      assert.equal(2, r.fetches)
      assert.equal(2, key_fetches())
      assert.equal(s:webhook_public_key(), r:public_key())
    end)

    it("refuses a signature that cannot be a real one, such as AAAA, without a fetch", function()
      local r = receiver()
      local body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      for i, sig in ipairs { "AAAA", "AAAA", SIG:sub(1, 100), ("A"):rep(2000), "!!!!" } do
        local event, err = r:verify(body, { ["rtk-signature"] = sig, ["rtk-uuid"] = "f" .. i })
        assert.is_nil(event)
        assert.equal("invalid_signature", err.kind)
      end
      assert.equal(1, key_fetches())
      assert.equal(1, r.fetches)
    end)

    it("fetches again for a forged signature of a real one's shape, once a turn, and a refetch "
      .. "that brings the same key holds nothing off", function()
      turns(0.3)
      local r = receiver()
      local body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      local forged = { ["rtk-signature"] = sign(body, "b") }
      -- Each waits for the next turn, whose fetch brings the key held: refused, key unchanged.
      local key = r:public_key()
      for _ = 1, 3 do
        local _, err = r:verify(body, forged)
        assert.equal("invalid_signature", err.kind)
      end
      assert.equal(4, key_fetches())
      assert.equal(key, r:public_key())
      -- Right after such a refetch, a rotated key's delivery is taken at the next turn.
      s:rotate_webhook_key()
      body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      assert.equal(5, key_fetches())
      assert.equal(s:webhook_public_key(), r:public_key())
    end)

    it("takes a rotated key within a turn while forged deliveries flood it, fetching once a "
      .. "turn at most #slow", function()
      -- The fake posts its deliveries to a socket here, answered between two forgeries.
      local srv = assert(socket.bind("127.0.0.1", 0))
      local _, port = srv:getsockname()
      srv:settimeout(0)
      finally(function() srv:close() end)
      local hooked = assert(client.webhooks:create { name = "flood",
        events = { "meeting.started" }, url = "http://127.0.0.1:" .. port .. "/hook" })
      local r = receiver()
      local accepted, refused = {}, 0
      -- Answers the deliveries that arrived, as a receiver's handler would.
      local function serve()
        while true do
          local c = srv:accept()
          if not c then return end
          c:settimeout(5)
          local head = {}
          local line = c:receive("*l")
          while line and line ~= "" do
            local k, v = line:match("^([^:]+):%s*(.*)$")
            if k then head[k:lower()] = v end
            line = c:receive("*l")
          end
          local body = c:receive(tonumber(head["content-length"]) or 0)
          local event = body and r:verify(body, head)
          if event then accepted[#accepted + 1] = event else refused = refused + 1 end
          c:send("HTTP/1.1 " .. (event and "204 No Content" or "401 Unauthorized")
            .. "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
          c:close()
        end
      end
      local function ours()
        local list = {}
        for _, d in ipairs(s:webhook_deliveries()) do
          if d.webhook_id == hooked.id then list[#list + 1] = d end
        end
        return list
      end
      local started = socket.gettime()
      assert(client.meetings:create { title = "before" })
      local forged_body = '{"event":"meeting.started","meeting":{"id":"forged"}}'
      local forgeries = { "AAAA", sign(forged_body, "b") }
      local rotated, n, done = false, 0, false
      repeat
        serve()
        -- Ten that cannot be real signatures, refused at once; one of a real one's shape,
        -- which waits for the next turn.
        for i = 10, 0, -1 do
          n = n + 1
          local _, err = r:verify(forged_body, { ["rtk-signature"] = forgeries[i == 0 and 2 or 1] })
          assert.equal("invalid_signature", err.kind)
        end
        if not rotated and socket.gettime() - started > 2 then
          s:rotate_webhook_key()
          assert(client.meetings:create { title = "after the rotation" })
          rotated = true
        end
        if rotated then
          local list = ours()
          done = #list == 2 and list[2].state ~= "pending"
        end
      until done or socket.gettime() - started > 40
      serve()
      local elapsed = socket.gettime() - started
      local list = ours()
      assert.equal(2, #list)
      assert.equal("delivered", list[2].state)
      assert.equal(204, list[2].attempts[#list[2].attempts].status)
      -- Every genuine delivery was taken at its first attempt, and no forgery.
      assert.equal(0, refused)
      assert.equal(2, #accepted)
      assert.equal("after the rotation", accepted[2].meeting.title)
      assert.equal(s:webhook_public_key(), r:public_key())
      -- One fetch a turn at most: k fetches began REFETCH_INTERVAL apart at least, all within
      -- the time measured here.
      local fetches = key_fetches()
      assert.is_true(fetches >= 2, fetches .. " fetches")
      assert.is_true(fetches <= math.floor(elapsed / webhook.REFETCH_INTERVAL) + 1,
        ("%d fetches in %.1f s"):format(fetches, elapsed))
      assert.is_true(n >= 22, n .. " forgeries")
    end)

    it("returns a network error when the key cannot be fetched, and waits before trying again",
      function()
        s:fault { status = 503, match = "well-known", times = 5 }
        local r = receiver()
        local body, headers = delivery()
        local event, err = r:verify(body, headers)
        assert.is_nil(event)
        assert.equal("network", err.kind)
        assert.equal(503, err.status)
        assert.matches("HTTP 503", err.message)
        event, err = r:verify(body, headers)
        assert.is_nil(event)
        assert.equal("network", err.kind)
        assert.equal(1, key_fetches())
      end)

    it("returns a network error for an answer that holds no key", function()
      for _, answer in ipairs { "<html>", '{"data":{}}', '{"data":{"publicKey":"nope"}}' } do
        s:fault { status = 200, body = answer, match = "well-known" }
        local _, err = receiver():verify(delivery())
        assert.equal("network", err.kind, answer)
        assert.matches("no RSA public key", err.message)
      end
    end)

    it("returns a network error when the key URL's certificate is not trusted", function()
      local r = assert(webhook.receiver { key_url = s.webhook_key_url, timeout = 5 })
      local _, err = r:verify(delivery())
      assert.equal("network", err.kind)
      assert.is_string(err.transport_code)
      assert.equal(0, key_fetches())
    end)

    it("keeps using the key it holds when fetching a fresh one fails", function()
      turns(0.1)
      local r = receiver { ttl = 0.2 }
      local body, headers = delivery()
      assert.truthy(r:verify(body, headers))
      socket.sleep(0.3)
      s:fault { status = 500, match = "well-known" }
      assert.truthy(r:verify(body, headers))
      assert.equal(2, key_fetches())
    end)

    it("de-duplicates real deliveries, whose retries change rtk-uuid", function()
      local r = receiver { dedupe = true }
      local body, headers = delivery()
      assert.truthy(r:confirm(assert(r:verify(body, headers))))
      headers["rtk-uuid"] = "a-retry"
      local _, err = r:verify(body, headers)
      assert.equal("duplicate", err.kind)
    end)
  end)
end)
