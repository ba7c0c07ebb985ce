--- Receiving RealtimeKit's webhooks: each delivery is a JSON POST whose raw body is signed with
-- RSA-SHA256 (RSASSA-PKCS1-v1_5), the signature in base64 in the `rtk-signature` header;
-- `rtk-uuid` names the delivery and `rtk-webhook-id` the webhook. The public key is served at
-- `https://api.realtime.cloudflare.com/.well-known/webhooks.json`.
--
-- `verify` checks one signature against a key you hold. A `receiver` does the rest: it fetches
-- the key (with the C core, without the API token, TLS verified), keeps it for `ttl` seconds,
-- fetches it again when a signature of a real signature's shape fails (a rotated key), refuses
-- deliveries it already accepted, and decodes the body. No fetch starts within
-- `REFETCH_INTERVAL` seconds of the last one (across nginx workers, with a `lua_shared_dict`),
-- and a failed signature waits for the next allowed fetch rather than being refused at once, so
-- a flood of forged requests neither hammers the key URL nor keeps a rotated key out. Waiting
-- blocks in plain Lua and yields inside OpenResty (`realtimekit.host`).
--
-- Errors have the kinds `invalid_signature` (a forged, altered or unsigned delivery, or a key
-- that is not an RSA public key), `duplicate` (a delivery handled already), `in_progress` (a
-- delivery another handler holds), `decode` (a signed
-- body that is not a JSON object with an `event`), `too_large` (a body above `max_body`),
-- `network` (the key could not be fetched) and `invalid_argument` (misuse).
-- @module realtimekit.webhook
-- @usage
-- local webhook = require "realtimekit.webhook"
-- local receiver = assert(webhook.receiver { dedupe = true })
-- -- for each POST: the raw body and the request's headers
-- local event, err = receiver:verify(body, headers)
-- if not event then
--   if err.kind == "duplicate" then return 200 end  -- already handled
--   if err.kind == "in_progress" then return 409 end -- being handled: try again later
--   return err.kind == "invalid_signature" and 401 or 400
-- end
-- print(event.event, event.uuid)                     -- "meeting.started", the delivery's id
-- receiver:confirm(event)                            -- handled: remember it (or forget it)
local core = require "realtimekit.core"
local engine = require "realtimekit.engine"
local errors = require "realtimekit.errors"
local host = require "realtimekit.host"
local json = require "realtimekit.json"
local request = require "realtimekit.request"
local schema = require "realtimekit.schema"
local store = require "realtimekit.store"

local type, pairs, ipairs, tostring, setmetatable, pcall =
  type, pairs, ipairs, tostring, setmetatable, pcall
local floor, min = math.floor, math.min
local format = string.format
local monotonic = core.monotonic
local check_signature = core.verify_rsa_sha256

local M = {}

--- Where RealtimeKit serves its webhook public key.
M.KEY_URL = "https://api.realtime.cloudflare.com/.well-known/webhooks.json"
--- Seconds a fetched key is used before it is fetched again.
M.DEFAULT_TTL = 3600
--- The largest body taken, in bytes (1 MiB).
M.DEFAULT_MAX_BODY = 1024 * 1024
--- Seconds a key fetch may take.
M.DEFAULT_TIMEOUT = 10
--- Seconds a delivery is remembered for de-duplication once handled (`confirm`).
M.DEFAULT_DEDUPE_TTL = 86400
--- Seconds a delivery `verify` returned is held for its handler (`claim_ttl`): a retry of it
-- meanwhile is refused as `in_progress`; one whose handler neither confirmed nor forgot it (the
-- process died) is taken again after it.
M.DEFAULT_CLAIM_TTL = 120
--- Deliveries the in-process store (`dedupe = true`) remembers at most.
M.DEFAULT_DEDUPE_SIZE = 10000
--- Seconds at least between the starts of two key fetches (the first, one when the `ttl` is
-- up, one after a signature failed): in this process, and in every nginx worker that shares
-- the receiver's `lua_shared_dict`. Forged requests so cost the key URL one request in this
-- time at most, whatever they hold.
M.REFETCH_INTERVAL = 5
--- Seconds at most that a delivery whose signature has the shape of a real one (base64 of 128
-- to 1024 bytes) but does not match the key held waits for the next fetch allowed, to be
-- checked against the key it brings (a rotated key); 0 refuses it at once. The wait yields
-- inside OpenResty and blocks in plain Lua; where nginx cannot yield there is none.
M.REFETCH_WAIT = 5
-- The largest answer taken from the key URL, in bytes.
local KEY_MAX_BODY = 64 * 1024

local function invalid_signature(message)
  return errors.new("invalid_signature", message)
end

-- The longest rtk-signature taken: the base64 of an 8192-bit key's signature (1368 bytes),
-- with room for spaces around it. A longer one is refused before anything else is done with it.
local MAX_SIGNATURE = 2048

-- The signature header without the spaces around it, or nil and why not. Its length is checked
-- first, and the trim takes linear time (a pattern such as "^%s*(.-)%s*$" takes time quadratic
-- in the spaces inside a text, which a forged request could fill).
local function trimmed_signature(s)
  if #s > MAX_SIGNATURE then
    return nil, invalid_signature("the signature is longer than " .. MAX_SIGNATURE .. " bytes")
  end
  local first = s:find("%S")
  if not first then return "" end
  local last = #s
  while s:find("^%s", last) do last = last - 1 end
  return s:sub(first, last)
end

-- The signature with its padding left out: one text for one signature (the core refuses other
-- spellings), so it can stand for the signed body in the de-duplication store.
local function canonical(signature)
  return (signature:gsub("=+$", ""))
end

-- Whether a signature has the shape of a real one: base64 of 128 to 1024 bytes, the size of an
-- RSA signature of 1024 to 8192 bits. Only such a signature can be one by a key that has just
-- replaced the one held, so only such a one is worth fetching the key again for ("AAAA" is not).
local function plausible(signature)
  local s = canonical(signature)
  if s:find("[^%w%+/]") then return false end
  local bytes = floor(#s * 3 / 4)
  return bytes >= 128 and bytes <= 1024
end

--- Checks that `signature` is RealtimeKit's signature of `body` by `public_key`: RSA-SHA256
-- (RSASSA-PKCS1-v1_5) over the raw bytes of the body, as they arrived. Never raises.
-- @tparam string body the raw request body
-- @tparam string signature the `rtk-signature` header: base64, surrounding spaces ignored, at
-- most 2048 bytes
-- @tparam string public_key the key in PEM (`-----BEGIN PUBLIC KEY-----`), an RSA key
-- @treturn[1] boolean true
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error `invalid_signature` (the signature is empty, not
-- base64, of the wrong length or does not match; or the key is not a PEM RSA public key), or
-- `invalid_argument` when an argument is missing or not a string
-- @usage
-- local ok, err = webhook.verify(body, headers["rtk-signature"], pem)
-- if not ok then ngx.exit(401) end
function M.verify(body, signature, public_key)
  if type(body) ~= "string" then
    return nil, errors.invalid("body", "expected a string, got a " .. type(body))
  end
  if type(signature) ~= "string" then
    return nil, errors.invalid("signature", "expected a string, got a " .. type(signature))
  end
  if type(public_key) ~= "string" then
    return nil, errors.invalid("public_key", "expected a string, got a " .. type(public_key))
  end
  local sig, err = trimmed_signature(signature)
  if not sig then return nil, err end
  local ok, problem = check_signature(body, sig, public_key)
  if not ok then return nil, invalid_signature(problem) end
  return true
end

-- Whether a PEM text holds a usable RSA public key: the core checks the key before the
-- signature, so an empty signature fails on the key only when the key is at fault.
local function usable_key(pem)
  local _, _, name = check_signature("", "", pem)
  return name ~= "bad_key"
end

-- The in-process store ----------------------------------------------------------------------

--- A de-duplication store in this process's memory, as `dedupe = true` makes: a
-- `realtimekit.store.memory` that remembers at most `size` keys, forgetting the oldest first,
-- each for its `ttl` (a key set without one, for `DEFAULT_DEDUPE_TTL` seconds). It has every
-- method of a store (`realtimekit.store`).
-- @tparam[opt=10000] int size how many keys it remembers at most
-- @treturn table the store
function M.memory_store(size)
  local st = store.memory(size or M.DEFAULT_DEDUPE_SIZE, M.DEFAULT_DEDUPE_TTL)
  if not st then error("webhook.memory_store(size): size must be a whole number >= 1", 2) end
  return st
end

-- The receiver ---------------------------------------------------------------------------------

-- A receiver (documented below, after the functions of the module).
local Receiver = {}
Receiver.__index = Receiver
M.Receiver = Receiver

local OPTIONS = { public_key = true, key_url = true, ttl = true, dedupe = true, dedupe_ttl = true,
                  claim_ttl = true, max_body = true, timeout = true, ca_file = true }
--- The options `receiver` takes, as a set (scripts/generate describes each).
-- @local
M.OPTIONS = OPTIONS

local function seconds(name, v)
  local s, problem = request.seconds(v)
  if not s then return nil, errors.invalid(name, problem) end
  return s
end

-- The store the dedupe option names: an in-process one, a lua_shared_dict's, a store, or a
-- program's table with get and set.
local function store_of(dedupe)
  if dedupe == nil or dedupe == false then return nil end
  if dedupe == true then return M.memory_store() end
  if type(dedupe) == "string" then
    local shared, why = store.shared(dedupe)
    if not shared then return nil, errors.invalid("dedupe", why) end
    return shared
  end
  local st = store.of(dedupe)
  if st then return st end
  return nil, errors.invalid("dedupe", "expected true, a table with get and set methods, or "
    .. "the name of a lua_shared_dict")
end

local make_receiver

--- Makes a receiver. Every option is checked; an unknown one is an error that names it.
-- Nothing is fetched yet: the key is fetched by the first `verify` that needs it.
-- @tparam[opt] table opts
-- @tparam[opt] string opts.public_key the key in PEM, to use instead of fetching one; a bad
-- signature is then simply refused
-- @tparam[opt] string opts.key_url an https:// URL serving the key as RealtimeKit does
-- (`{"data":{"publicKey":"-----BEGIN PUBLIC KEY-----…"}}`; default `KEY_URL`). It is fetched
-- without the API token.
-- @tparam[opt] string opts.ca_file a PEM bundle to verify the key URL's certificate with
-- (default: the system's)
-- @tparam[opt=3600] number opts.ttl seconds a fetched key is used before it is fetched again
-- @tparam[opt=10] number opts.timeout seconds a key fetch may take
-- @tparam[opt=1048576] int opts.max_body the largest body taken, in bytes
-- @param[opt] opts.dedupe refuse a delivery already accepted: `true` (a `memory_store` in this
-- process), a table with methods `get(key)` and `set(key, value, ttl)` (and `add`, `delete`
-- when it has them, as `ngx.shared.DICT` and `resty.lrucache` do), a store
-- (`realtimekit.store`), or in OpenResty the name of a `lua_shared_dict`, which all nginx
-- workers share, with their fetches of the key (as with any store processes share)
-- @tparam[opt=86400] number opts.dedupe_ttl seconds a delivery is remembered once handled
-- (`confirm`)
-- @tparam[opt=120] number opts.claim_ttl seconds a delivery `verify` returned is held for its
-- handler: a retry meanwhile is refused as `in_progress`; after it, a delivery neither
-- confirmed nor forgotten (its handler's process died) is taken again
-- @treturn[1] Receiver the receiver
-- @return[2] nil
-- @treturn[2] string the error's one-line message, `tostring(err)`: a string, so that
-- `assert(webhook.receiver { … })` prints it on every Lua and inside nginx (as
-- `realtimekit.new`'s)
-- @treturn[2] realtimekit.errors.Error the error, `invalid_argument`
-- @usage
-- local receiver = assert(webhook.receiver { dedupe = true, ttl = 1800 })
function M.receiver(opts)
  local receiver, err = make_receiver(opts)
  if receiver then return receiver end
  return nil, tostring(err), err
end

function make_receiver(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    return nil, errors.invalid("options", "expected a table, got a " .. type(opts))
  end
  local bad = errors.check_options(opts, OPTIONS, "webhook.receiver")
  if bad then return nil, bad end
  local self = setmetatable({
    _ttl = M.DEFAULT_TTL, _timeout = M.DEFAULT_TIMEOUT, _max_body = M.DEFAULT_MAX_BODY,
    _dedupe_ttl = M.DEFAULT_DEDUPE_TTL, _claim_ttl = M.DEFAULT_CLAIM_TTL, _key_time = 0,
    _host = host.new(),
    _fetching = false, fetches = 0, _marks = setmetatable({}, { __mode = "k" }),
    _claims = 0, _id = format("%s@%.9f", tostring({}):match("%x+$") or "", monotonic()),
  }, Receiver)

  if opts.public_key ~= nil then
    if opts.key_url ~= nil then
      return nil, errors.invalid("public_key", "give public_key or key_url, not both")
    end
    if type(opts.public_key) ~= "string" or not usable_key(opts.public_key) then
      return nil, errors.invalid("public_key", "expected an RSA public key in PEM "
        .. "(-----BEGIN PUBLIC KEY-----)")
    end
    self._pem, self._fixed = opts.public_key, true
  else
    local url = opts.key_url or M.KEY_URL
    if type(url) ~= "string" or not url:find("^https://[^/%s%c]+/[^%s%c]*$") then
      return nil, errors.invalid("key_url", "expected an https:// URL")
    end
    self._url = url
  end
  if opts.ca_file ~= nil then
    local ok, problem = schema.ca_file():param(opts.ca_file)
    if not ok then return nil, errors.invalid("ca_file", problem) end
    self._ca_file = opts.ca_file
  end
  for _, name in ipairs { "ttl", "timeout", "dedupe_ttl", "claim_ttl" } do
    if opts[name] ~= nil then
      local v, err = seconds(name, opts[name])
      if not v then return nil, err end
      self["_" .. name] = v
    end
  end
  if opts.max_body ~= nil then
    local v = opts.max_body
    if type(v) ~= "number" or v ~= v or v < 1 or floor(v) ~= v then
      return nil, errors.invalid("max_body", "expected a whole number of bytes >= 1")
    end
    self._max_body = v
  end
  local st, err = store_of(opts.dedupe)
  if err then return nil, err end
  self._store = st
  if st and st.is_shared and self._url then
    -- A store other processes share (a lua_shared_dict's): they share the fetches of the key
    -- through it (the time of the last one, which they take turns at, the key it brought and
    -- how many there were).
    self._shared = st
    self._slot = "rtk-key-fetch:" .. self._url
    self._shared_pem = "rtk-key:" .. self._url
    self._shared_count = "rtk-key-fetches:" .. self._url
  end
  return self
end

--- A receiver, made by `receiver`: it holds the key and the de-duplication store. One
-- receiver serves any number of deliveries; inside OpenResty make one per worker (at module
-- level), so its key is fetched once per worker and not per request (with a `lua_shared_dict`
-- as `dedupe`, the workers also share their fetches). `receiver.fetches` counts the times it
-- has fetched its key (successfully or not).
-- @type Receiver

-- The value of a request header by lower-case name, whatever the case of the table's keys.
local function header(headers, name)
  local v = headers[name]
  if v == nil then
    for k, x in pairs(headers) do
      if type(k) == "string" and k:lower() == name then
        v = x
        break
      end
    end
  end
  return v
end

local function single(v)
  if type(v) == "table" then v = v[1] end
  if type(v) == "string" and v ~= "" then return v end
  return nil
end

-- The errors of a key fetch: `network` ones, that say so.
local fetch_errors = setmetatable({}, { __mode = "k" })
local function failure(url, message, fields)
  fields = fields or {}
  fields.method, fields.path = "GET", url
  local err = errors.new("network", "fetching the webhook key: " .. message, fields)
  fetch_errors[err] = true
  return err
end

-- What the engine makes of an attempt of a key fetch (in place of the API's answers'
-- classification): the body of a 200, else its failure.
local function key_answer(req, body, status, headers, name)
  if body == nil then
    local message = errors.text(headers) or errors.text(status) or "the transfer failed"
    return nil, failure(req.url, message, { transport_code = errors.text(name) })
  end
  if status ~= 200 then
    return nil, failure(req.url, "the key URL answered HTTP " .. tostring(status),
      { status = status })
  end
  return true, headers, body, status
end

-- What a fetch's answer holds: the PEM of its data.publicKey, or nil and its failure.
local function key_of(req, _, _, body, status)
  local doc = json.decode(body)
  local data = type(doc) == "table" and doc.data
  local pem = type(data) == "table" and data.publicKey
  if type(pem) ~= "string" or not usable_key(pem) then
    return nil, failure(req.url, "the key URL's answer holds no RSA public key in "
      .. "data.publicKey", { status = status })
  end
  return pem
end

-- One GET of the key URL, without the API token, through an engine of the receiver's own
-- (made at the first fetch, so that later ones reuse its connection): the PEM, or nil and a
-- `network` error.
local function download(self)
  local e = self._engine
  if not e then
    local http, kind, message = core.new { ca_file = self._ca_file, timeout = self._timeout,
      connect_timeout = self._timeout, max_body = KEY_MAX_BODY }
    if not http then return nil, failure(self._url, errors.text(message) or kind) end
    e = engine.new { transport = http, host = self._host, max_retries = 0,
                     classify = key_answer, timeout = self._timeout,
                     connect_timeout = self._timeout }
    self._engine = e
  end
  local url = self._url
  local pem, err = e:call({ method = "GET", url = url, path = url }, key_of)
  if not pem and not fetch_errors[err] then
    -- The transfer could not even start, or the host cannot wait here.
    err = failure(url, errors.text(err and err.message) or "the transfer failed",
      { transport_code = err and err.transport_code })
  end
  return pem, err
end

-- Fetches ------------------------------------------------------------------------------------
--
-- One fetch at a time (a caller that finds one under way waits for it), none sooner than
-- REFETCH_INTERVAL after the last began. With a lua_shared_dict, the workers take turns through
-- its `add` (atomic, expiring after the interval), and each fetch leaves its key and a count
-- there, so that a worker waiting for its turn takes the key another one fetched.

-- The key the other workers fetched last, and how many fetches they all made; none without a
-- shared dict.
function Receiver:_shared_state()
  local dict = self._shared
  if not dict then return nil, self.fetches end
  local pem = dict:get(self._shared_pem)
  return type(pem) == "string" and pem or nil, dict:get(self._shared_count) or 0
end

-- Whether a fetch may start now, taking the turn if so: none is under way here, and none began
-- less than REFETCH_INTERVAL ago here or, with a shared dict, in any worker.
function Receiver:_take_turn(now)
  if self._fetching then return false end
  local last = self._last_fetch
  if last and now - last < M.REFETCH_INTERVAL then return false end
  local dict = self._shared
  if dict then
    local ok, err = dict:add(self._slot, true, M.REFETCH_INTERVAL)
    if not ok and err == "exists" then return false end
  end
  return true
end

-- One fetch of the key, whose turn the caller took: the key, or nil and an error. A key the
-- same as the one held changes nothing but when it was last known current.
function Receiver:_fetch()
  self._fetching = true
  self._last_fetch = monotonic()
  local ok, pem, err = pcall(download, self)
  self._fetching = false
  self.fetches = self.fetches + 1
  if not ok then
    pem, err = nil, errors.new("network", "fetching the webhook key: " .. tostring(pem))
  end
  local dict = self._shared
  if pem and dict then dict:set(self._shared_pem, pem) end
  if dict then dict:incr(self._shared_count, 1, 0) end
  if not pem then
    self._last_error = err
    return nil, err
  end
  self._last_error = nil
  self._pem, self._key_time = pem, monotonic()
  return pem
end

-- Why the key cannot be had in this nginx phase, as a `network` error: `what` ends with "in".
local function cannot_wait(what, refused)
  return errors.new("network", what .. " nginx's " .. tostring(refused.phase) .. " phase: "
    .. "verify in a rewrite, access or content handler, or pass public_key")
end

-- A key other than `old` (any key when old is nil), or nil and an error: fetched when a fetch
-- may start; else, up to `patience` seconds (and while a fetch under way here lasts), waits for
-- one: a fetch here or in another worker that brings one ends the wait, as does one that
-- brings `old` again (nothing newer to wait for).
function Receiver:_newer(old, patience)
  local _, count = self:_shared_state()
  local deadline = monotonic() + patience
  while true do
    local pem = self._pem
    if pem and pem ~= old then return pem end
    local shared, n = self:_shared_state()
    if shared and shared ~= old then
      self._pem, self._key_time = shared, monotonic()
      return shared
    end
    if n ~= count then return nil, self._last_error end
    local now = monotonic()
    if self:_take_turn(now) then
      pem = self:_fetch()
      if pem and pem ~= old then return pem end
      return nil, self._last_error
    end
    local step
    if self._fetching then
      step = 0.005 -- a fetch under way here: its end, however long its timeout lets it take
    else
      if now >= deadline then return nil, self._last_error end
      -- The next turn: here, when it comes; with a shared dict, look at it now and then for
      -- another worker's fetch.
      step = self._shared and 0.1 or (self._last_fetch or now) + M.REFETCH_INTERVAL - now
      step = min(step > 0.001 and step or 0.001, deadline - now)
    end
    self._host.sleep(step)
  end
end

-- The key to verify with: the one held while it is fresh; when its ttl is up, a fetched one if
-- a fetch may start (else the one held); with none held, one fetched (or taken from another
-- worker's fetch), waiting for it up to REFETCH_WAIT seconds; nil and an error when there is
-- none, such as when the last fetch here failed less than REFETCH_INTERVAL ago.
function Receiver:_key()
  if self._fixed then return self._pem end
  local now = monotonic()
  local held = self._pem
  if held and now - self._key_time < self._ttl then return held end
  local refused = self._host.refusal()
  if refused then
    if held then return held end
    if self._fetching then
      return nil, cannot_wait("the webhook key is being fetched, which cannot be waited for in",
        refused)
    end
    return nil, cannot_wait("the webhook key must be fetched, which cannot wait in", refused)
  end
  if held then
    if self:_take_turn(now) then return self:_fetch() or held end
    return held
  end
  local last = self._last_fetch
  if self._last_error and not self._fetching and last and now - last < M.REFETCH_INTERVAL then
    return nil, self._last_error
  end
  local pem, err = self:_newer(nil, M.REFETCH_WAIT)
  if pem then return pem end
  return nil, err or errors.new("network", "no webhook key yet: another nginx worker fetches "
    .. "it, and its fetch did not end in time")
end

-- After a signature failed with `old`: a newer key, or nil. None where nginx cannot yield (no
-- fetch, no wait), and none for a signature that cannot be a real one.
function Receiver:_refetch(old, signature)
  if self._fixed or not plausible(signature) or self._host.refusal() then return nil end
  return (self:_newer(old, M.REFETCH_WAIT))
end

-- The store keys of a delivery: its id, and its signature, which stands for its body (a retry
-- may come with another rtk-uuid); and for each, the key that says it was handled.
local function marks(uuid, signature)
  local list = { "rtk-body:" .. canonical(signature) }
  if uuid then list[2] = "rtk-uuid:" .. uuid end
  local done = {}
  for i = 1, #list do done[i] = "rtk-done:" .. list[i] end
  return list, done
end

-- A failure of the de-duplication store (Redis down, say), as a `network` error: the delivery
-- is refused (answer 503), for RealtimeKit to try it again, rather than handled without a
-- check that it was not handled already.
local function store_failure(err)
  return errors.new("network", "the de-duplication store failed: " .. tostring(err))
end

--- Checks a delivery and decodes it: the size, the signature (fetching the key when needed),
-- the JSON, and, with `dedupe`, claims it, in two phases: the delivery `verify` returns is
-- held for its handler (`claim_ttl`); `confirm` it once handled, so that it is remembered for
-- `dedupe_ttl`, or `forget` it when handling failed, so that RealtimeKit's retry is taken.
-- A retry of a delivery handled already is refused as `duplicate` (answer 200), one of a
-- delivery being handled as `in_progress` (answer 409: RealtimeKit tries again later). A
-- store that fails refuses the delivery with a `network` error (answer 503).
-- @tparam string body the raw request body, exactly as it arrived
-- @tparam table headers the request's headers, by name in any case (`ngx.req.get_headers()`
-- fits)
-- @treturn[1] table the event: the decoded body (JSON nulls are absent fields, whole numbers
-- integers), with `uuid` (`rtk-uuid`) and `webhook_id` (`rtk-webhook-id`) added
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error of kind `too_large`, `invalid_signature`, `network`
-- (the key could not be fetched, or the de-duplication store failed), `decode`, `duplicate`
-- (with `uuid`), `in_progress` (with `uuid`) or `invalid_argument`
function Receiver:verify(body, headers)
  if type(body) ~= "string" then
    return nil, errors.invalid("body", "expected a string, got a " .. type(body))
  end
  if type(headers) ~= "table" then
    return nil, errors.invalid("headers", "expected a table, got a " .. type(headers))
  end
  if #body > self._max_body then
    return nil, errors.new("too_large", "the body has " .. #body .. " bytes, more than the "
      .. "limit of " .. self._max_body, { size = #body, limit = self._max_body })
  end
  local sig = header(headers, "rtk-signature")
  if type(sig) == "table" then
    return nil, invalid_signature("more than one rtk-signature header")
  end
  if type(sig) == "string" then
    local err
    sig, err = trimmed_signature(sig)
    if not sig then return nil, err end
  end
  if type(sig) ~= "string" or sig == "" then
    return nil, invalid_signature("no rtk-signature header")
  end

  local key, err = self:_key()
  if not key then return nil, err end
  local ok, problem = check_signature(body, sig, key)
  if not ok then
    local fresh = self:_refetch(key, sig)
    if fresh then ok, problem = check_signature(body, sig, fresh) end
    if not ok then return nil, invalid_signature(problem) end
  end

  local event, why = json.decode(body)
  if type(event) ~= "table" then
    return nil, errors.decode("the body is not a JSON object (" .. tostring(why) .. ")")
  end
  if type(event.event) ~= "string" then
    return nil, errors.decode("the body has no event name (field \"event\")")
  end
  local uuid = single(header(headers, "rtk-uuid"))
  event.uuid = uuid
  event.webhook_id = single(header(headers, "rtk-webhook-id"))
  local st = self._store
  if st then
    local keys, done = marks(uuid, sig)
    self._claims = self._claims + 1
    local owner = self._id .. ":" .. self._claims
    local claimed, cerr = st:claim(keys, owner, self._claim_ttl)
    if claimed == nil and cerr ~= nil then return nil, store_failure(cerr) end
    if not claimed then
      local handled, herr
      for i = 1, #done do
        handled, herr = st:get(done[i])
        if handled == nil and herr ~= nil then return nil, store_failure(herr) end
        if handled then break end
      end
      local name = tostring(uuid or "without rtk-uuid")
      if handled then
        return nil, errors.new("duplicate", "delivery " .. name .. " was handled already",
          { uuid = uuid })
      end
      return nil, errors.new("in_progress", "delivery " .. name .. " is being handled (a "
        .. "retry is taken if its handler fails, or has not confirmed it within claim_ttl)",
        { uuid = uuid })
    end
    self._marks[event] = { keys = keys, owner = owner, done = done }
  end
  return event
end

--- Confirms that an event `verify` returned was handled: the delivery is then remembered for
-- `dedupe_ttl`, and a retry of it is refused as `duplicate`. Without `dedupe`, or for an
-- event confirmed or forgotten already, does nothing.
-- @tparam table event what `verify` returned
-- @treturn[1] boolean true; false when the claim had lapsed (`claim_ttl` passed) and another
-- receiver took the delivery meanwhile
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error a `network` error: the store failed (the event was
-- handled, but a retry may be taken again)
function Receiver:confirm(event)
  local claim = self._marks[event]
  local st = self._store
  if not claim or not st then return true end
  self._marks[event] = nil
  local ok, err = st:confirm(claim.keys, claim.owner, self._dedupe_ttl)
  if ok == nil and err ~= nil then return nil, store_failure(err) end
  for i = 1, #claim.done do
    local _, serr = st:set(claim.done[i], true, self._dedupe_ttl)
    if serr ~= nil then return nil, store_failure(serr) end
  end
  return ok == true
end

--- Forgets that an event was accepted, so that the same delivery is taken again: for when
-- handling it failed and RealtimeKit is to retry it (answer with a 5xx).
-- @tparam table event what `verify` returned
-- @treturn[1] boolean true
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error a `network` error: the store failed (the claim then
-- lapses after `claim_ttl`)
function Receiver:forget(event)
  local claim = self._marks[event]
  local st = self._store
  if not claim or not st then return true end
  self._marks[event] = nil
  local ok, err = st:release(claim.keys, claim.owner)
  if ok == nil and err ~= nil then return nil, store_failure(err) end
  return true
end

--- The key the receiver holds (PEM), or nil before the first fetch.
-- @treturn string|nil
function Receiver:public_key()
  return self._pem
end

return M
