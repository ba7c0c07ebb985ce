-- Webhook deliveries, as RealtimeKit makes them (reference §7): when something happens to the
-- state, the resource modules call M.emit once; every registered, enabled webhook of the app
-- whose `events` include the event gets a JSON POST of it, signed with RSA-SHA256 over the raw
-- body (base64 in `rtk-signature`), with `rtk-uuid` and `rtk-webhook-id`. A delivery that fails
-- (no connection, or a status other than 2xx) is tried again with backoff. The public key is
-- served at /.well-known/webhooks.json; the key pair is made with openssl by realtimekit.fake, and
-- /__control/webhooks/ replaces it (a key rotation) and lists the deliveries.
--
-- Signing uses OpenSSL's libcrypto, which nginx is linked with, through LuaJIT's FFI. Deliveries
-- run in ngx.timer callbacks over cosockets, so they never hold up the API's answers.
local cjson = require "cjson"
local data = require "realtimekit.fake.server.data"
local json = require "realtimekit.jsonpure"
local state = require "realtimekit.fake.server.state"

local M = {}

local null = json.null
local concat = table.concat

--- The path the public key is served at.
M.KEY_PATH = "/.well-known/webhooks.json"
--- Attempts per delivery, and the wait before the second; each further wait doubles.
M.MAX_ATTEMPTS = 4
M.FIRST_RETRY = 0.2
M.USER_AGENT = "realtimekit-fake-webhooks/1.0"

-- LuaJIT's FFI and libcrypto's functions, loaded when first needed: the router (and so this
-- module) is also loaded outside nginx, by specs that read its routes.
local ffi, C
local function crypto()
  if not C then
    ffi = require "ffi"
    ffi.cdef [[
      void *BIO_new_mem_buf(const void *buf, int len);
      int BIO_free(void *bio);
      void *PEM_read_bio_PrivateKey(void *bio, void *x, void *cb, void *u);
      void EVP_PKEY_free(void *pkey);
      void *EVP_MD_CTX_new(void);
      void EVP_MD_CTX_free(void *ctx);
      const void *EVP_sha256(void);
      int EVP_DigestSignInit(void *ctx, void *pctx, const void *md, void *engine, void *pkey);
      int EVP_DigestSign(void *ctx, unsigned char *sig, size_t *siglen,
                         const unsigned char *tbs, size_t tbslen);
      void ERR_clear_error(void);
    ]]
    C = ffi.C
  end
  return C
end

-- The key pair made when the server started, and the one in use (they differ after a rotation).
local initial, current
-- What reset clears: the deliveries made, the peers and sessions the events named, the ids.
local deliveries, sessions, generation, rand = {}, {}, 0, nil

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- A key pair from its two PEM texts; the private key is parsed when first used.
local function key_pair(private_pem, public_pem)
  return { private = private_pem, public = public_pem }
end

--- Loads the key pair realtimekit.fake made in dir (webhook.key, webhook.pub).
function M.init(dir)
  initial = key_pair(read_file(dir .. "/webhook.key"), read_file(dir .. "/webhook.pub"))
  current = initial
end

function M.reset()
  current = initial
  deliveries, sessions = {}, {}
  generation = generation + 1
  rand = data.generator(7)
end
M.reset()

-- The base64 RSA-SHA256 (PKCS #1 v1.5, OpenSSL's default for RSA keys) signature of text.
local function sign(pair, text)
  crypto()
  if not pair.pkey then
    local bio = C.BIO_new_mem_buf(pair.private, #pair.private)
    local pkey = C.PEM_read_bio_PrivateKey(bio, nil, nil, nil)
    C.BIO_free(bio)
    if pkey == nil then
      C.ERR_clear_error()
      error("fake server: the webhook private key cannot be read")
    end
    pair.pkey = ffi.gc(pkey, C.EVP_PKEY_free)
  end
  local ctx = C.EVP_MD_CTX_new()
  local len = ffi.new("size_t[1]", 1024)
  local buf = ffi.new("unsigned char[1024]")
  local ok = C.EVP_DigestSignInit(ctx, nil, C.EVP_sha256(), nil, pair.pkey) == 1
    and C.EVP_DigestSign(ctx, buf, len, text, #text) == 1
  C.EVP_MD_CTX_free(ctx)
  if not ok then
    C.ERR_clear_error()
    error("fake server: signing a webhook body failed")
  end
  return ngx.encode_base64(ffi.string(buf, len[0]))
end

-- Payloads -------------------------------------------------------------------------------------

-- An id the fake makes up for what the real service has and the fake has not (a session that
-- started, a participant's peer), the same for the same thing until the next reset.
local function made_up(map, key)
  local id = map[key]
  if not id then
    id = data.uuid(rand)
    map[key] = id
  end
  return id
end

local function meeting_view(app, m, status)
  return {
    id = m.id, sessionId = made_up(sessions, m.id), title = m.title == nil and null or m.title,
    status = status or "LIVE", createdAt = m.created_at, startedAt = m.created_at,
    organizedBy = { id = app.info.id, name = app.info.name },
  }
end

local function participant_view(p)
  return {
    id = p.id, peerId = made_up(sessions, "peer:" .. p.id),
    userDisplayName = p.name == nil and null or p.name,
    customParticipantId = p.custom_participant_id, presetName = p.preset_name,
    joinedAt = p.created_at,
  }
end

local function opt(v) if v == nil then return null end return v end

local function recording_view(r)
  return {
    id = r.id, meetingId = r.meeting_id, sessionId = opt(r.session_id), status = r.status,
    outputFileName = r.output_file_name, invokedTime = r.invoked_time,
    startedTime = opt(r.started_time), stoppedTime = opt(r.stopped_time),
    recordingDuration = r.recording_duration, downloadUrl = opt(r.download_url),
    downloadUrlExpiry = opt(r.download_url_expiry), fileSize = opt(r.file_size),
  }
end

local function meeting_item(app, id)
  local e = app.meeting_by_id[id]
  return e and e.item
end

-- The body of an event: what RealtimeKit's documentation shows for meeting.started and
-- meeting.ended, and the nearest shape for the others (docs/fake-server.md says which).
local BUILDERS = {
  ["meeting.started"] = function(app, m)
    return { meeting = meeting_view(app, m) }
  end,
  ["meeting.ended"] = function(app, m)
    local view = meeting_view(app, m)
    view.endedAt = m.updated_at
    return { meeting = view, reason = "HOST_ENDED_MEETING" }
  end,
  ["meeting.participantJoined"] = function(app, p, m)
    return { meeting = meeting_view(app, m), participant = participant_view(p) }
  end,
  ["meeting.participantLeft"] = function(app, p, m)
    local view = participant_view(p)
    view.leftAt = data.format_time(state.clock)
    return { meeting = meeting_view(app, m), participant = view }
  end,
  ["recording.statusUpdate"] = function(app, r)
    local m = meeting_item(app, r.meeting_id)
    return { recording = recording_view(r), meeting = m and meeting_view(app, m) or nil }
  end,
}

-- Delivery -------------------------------------------------------------------------------------

-- One HTTP/1.1 POST over a cosocket: the status, or nil and why it failed.
local function post(url, headers, body)
  local scheme, hostport, path = url:match("^(https?)://([^/?#]+)([^#]*)$")
  if not scheme then return nil, "not an http(s) URL" end
  if path == "" or path:sub(1, 1) == "?" then path = "/" .. path end
  local host, port = hostport:match("^%[(.+)%]:?(%d*)$")
  if not host then host, port = hostport:match("^([^:]+):?(%d*)$") end
  port = tonumber(port) or (scheme == "https" and 443 or 80)
  -- No resolver is configured: only addresses and localhost can be reached.
  local addr = host == "localhost" and "127.0.0.1" or host
  local sock = ngx.socket.tcp()
  -- An answer may take a while: a receiver may hold a delivery until it may fetch a new key.
  sock:settimeouts(2000, 5000, 10000)
  local ok, err = sock:connect(addr, port)
  if not ok then return nil, "connect: " .. tostring(err) end
  if scheme == "https" then
    ok, err = sock:sslhandshake(nil, host, false)
    if not ok then
      sock:close()
      return nil, "TLS: " .. tostring(err)
    end
  end
  local lines = { "POST " .. path .. " HTTP/1.1", "Host: " .. hostport,
                  "User-Agent: " .. M.USER_AGENT, "Content-Type: application/json",
                  "Content-Length: " .. #body, "Connection: close" }
  for _, h in ipairs(headers) do lines[#lines + 1] = h[1] .. ": " .. h[2] end
  ok, err = sock:send(concat(lines, "\r\n") .. "\r\n\r\n" .. body)
  if not ok then
    sock:close()
    return nil, "send: " .. tostring(err)
  end
  local line
  line, err = sock:receive("*l")
  sock:close()
  if not line then return nil, "receive: " .. tostring(err) end
  local status = tonumber(line:match("^HTTP/%d%.%d (%d%d%d)"))
  if not status then return nil, "not an HTTP response" end
  return status
end

local attempt

local function schedule(delay, d, gen)
  local ok, err = ngx.timer.at(delay, attempt, d, gen)
  if not ok then
    d.state = "failed"
    d.error = "no timer: " .. tostring(err)
  end
end

-- One attempt of a delivery, in a timer. Each attempt has an rtk-uuid of its own: the
-- reference allows a retry another id, and a receiver must then know it by its body.
attempt = function(premature, d, gen)
  if premature or gen ~= generation then return end
  local uuid = data.uuid(rand)
  local status, err = post(d.url, {
    { "rtk-signature", d.signature }, { "rtk-uuid", uuid }, { "rtk-webhook-id", d.webhook_id },
  }, d.body)
  if gen ~= generation then return end -- reset while the request was under way
  d.attempts[#d.attempts + 1] = { uuid = uuid, status = status or null, error = err or null,
                                  at = ngx.now() }
  if status and status >= 200 and status <= 299 then
    d.state = "delivered"
  elseif #d.attempts >= M.MAX_ATTEMPTS then
    d.state = "failed"
  else
    schedule(M.FIRST_RETRY * 2 ^ (#d.attempts - 1), d, gen)
  end
end

local function subscribed(w, event)
  if not w.enabled then return false end
  for _, e in ipairs(w.events or {}) do
    if e == event then return true end
  end
  return false
end

local function emit(app, event, subject, meeting)
  local payload = BUILDERS[event](app, subject, meeting)
  payload.event = event
  local body = json.encode(payload) -- keys sorted: the same bytes for the same event
  local signature
  for _, w in ipairs(app.webhooks) do
    if subscribed(w, event) then
      signature = signature or sign(current, body)
      local d = { webhook_id = w.id, url = w.url, event = event, body = body,
                  signature = signature, state = "pending", attempts = json.array() }
      deliveries[#deliveries + 1] = d
      schedule(0, d, generation)
    end
  end
end

--- Delivers `event` about subject (a meeting, participant or recording as the state holds it;
-- for a participant, its meeting too) to the app's webhooks. Never raises: a failure is logged,
-- and the API's answer goes out as usual.
function M.emit(app, event, subject, meeting)
  local ok, err = pcall(emit, app, event, subject, meeting)
  if not ok then ngx.log(ngx.ERR, "fake server: webhook event ", event, ": ", err) end
end

--- Called by PATCH meetings/:id with the meeting before and after: going INACTIVE ends it.
function M.meeting_changed(app, before, after)
  if after.status == "INACTIVE" and before.status ~= "INACTIVE" then
    M.emit(app, "meeting.ended", after)
  end
end

-- Endpoints ------------------------------------------------------------------------------------

--- GET /.well-known/webhooks.json: the public key, as RealtimeKit serves it (no token needed).
function M.key_document(method)
  if method ~= "GET" then
    return 405, cjson.encode { success = false, error = { code = 405,
                                                           message = "Method Not Allowed" } }
  end
  return 200, cjson.encode { success = true, data = { publicKey = current.public } }
end

local function reply(status, text)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.print(text)
  return ngx.exit(status)
end

--- /__control/webhooks/: GET deliveries (oldest first), GET key (the public key in use), POST
-- key {private_key, public_key} (rotate to that pair; PEM texts).
function M.control()
  local what = ngx.var.uri:match("^/__control/webhooks/(%w+)$")
  local method = ngx.req.get_method()
  if what == "deliveries" and method == "GET" then
    return reply(200, json.encode(json.array(deliveries)))
  elseif what == "key" and method == "GET" then
    return reply(200, cjson.encode { public_key = current.public })
  elseif what == "key" and method == "POST" then
    ngx.req.read_body()
    local ok, t = pcall(cjson.decode, ngx.req.get_body_data() or "")
    if not ok or type(t) ~= "table" or type(t.private_key) ~= "string"
      or type(t.public_key) ~= "string" then
      return reply(400, cjson.encode { error = "expected {private_key, public_key} in PEM" })
    end
    local pair = key_pair(t.private_key, t.public_key)
    local signed = pcall(sign, pair, "")
    if not signed then return reply(400, cjson.encode { error = "private_key is not usable" }) end
    current = pair
    return reply(200, cjson.encode { ok = true })
  end
  return reply(404, cjson.encode { error = "no such control endpoint" })
end

return M
