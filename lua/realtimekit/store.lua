--- Stores: the state that realtimekit keeps for later, and may share with other processes — the
-- rate-limit pacer's budgets (`realtimekit.pacer`) and the webhook receiver's de-duplication
-- and key fetches (`realtimekit.webhook`). One interface, several stores:
--
-- - `memory()`: in this process (a client's pacer by default, `dedupe = true`);
-- - `shared(name)`: in an nginx `lua_shared_dict`, which every worker of one nginx shares;
-- - `redis(conn)`: in Redis, which every process and machine that reaches it shares;
-- - any other store implements the same methods, and is used the same way.
--
-- **The contract.** Keys are strings; values are strings, numbers or booleans; `ttl` is in
-- seconds (nil or 0: no expiry), and a key whose ttl has passed is absent. Times are seconds
-- on the store's clock: `now(t)` gives it, where `t` is the caller's monotonic reading (a store
-- of one process takes `t`; a store that processes or machines share uses one clock for all of
-- them, wall time say, and ignores `t`; such a store may also read its clock inside a step, as
-- Redis's `TIME` in a script, in place of the `now` it is given, as long as `now()` reads the
-- same clock). Each method below is **one atomic step**: no other caller sees a state in
-- between, whatever runs in other workers or on other machines (a Redis store makes each one
-- script). None raises for a failure of its backend: a store whose backend fails (Redis down,
-- refused, slower than the connection's timeout, an error reply) returns nil and a message
-- from any method (from `get`, nil and a message: an absent key is nil alone), and its user
-- decides what then (the pacer paces on this process's memory meanwhile; the webhook receiver
-- refuses the delivery, for RealtimeKit to retry). A store that cannot decide now may say so
-- where the method allows (`take`'s `"busy"`).
--
-- `take` and `learn` may be given no `now`: then it is the store's present. A store with
-- `reads_clock` (Redis's) reads it inside the step, so that every machine's decisions are on
-- one clock whatever the delays between them and the store; the pacer gives such a store no
-- `now`.
--
-- The plain methods (those of `ngx.shared.DICT`):
--
-- - `get(key)` -> the value, or nil;
-- - `set(key, value, ttl)` -> true (a nil value deletes);
-- - `add(key, value, ttl)` -> true, or false and `"exists"` when the key is there;
-- - `incr(key, by, init, ttl)` -> the new value (a key that is absent is first `init`, with
--   `ttl`), or nil and a message;
-- - `delete(key)` -> true.
--
-- **The rate limit** (for `realtimekit.pacer`). A *scope* is a key prefix S for one budget's
-- state: `S..":pause"`, a time before which no request of the scope goes (a 429's pause);
-- `S..":avail"` and `S..":reset"`, the requests the API's `Ratelimit` header says are left and
-- when its window resets; `S..":limit"` and `S..":window"`, the quota of one window that its
-- `Ratelimit-Policy` header gave. A *log* is a key L holding the times of the last `limit`
-- requests taken against a static budget of `limit` requests in any `window` seconds (its form
-- is the store's own: a ring, a sorted set, …; only `take` reads it, and may forget a time once
-- it is `window` old). Each of these is plain data that `get` reads, but the log. Below,
-- `S:avail` stands for the key `S..":avail"`, and so on.
--
-- - `take(budgets, now)` -> `0`, or `wait, i, what`: the admission of one request (see below);
-- - `learn(S, reading, inflight, now)`: what a response's headers said of scope S's budget,
--   `reading = { remaining, reset, limit, window }` (any of them nil). `limit` and `window`,
--   when given, go into `S:limit` and `S:window`. With `remaining` (and `reset`, seconds from
--   now): `available = remaining - inflight`, `reset_at = now + reset`; when `S:avail` and
--   `S:reset` are set, `now < S:reset` and `reset_at` is within a tolerance of `S:reset` (the
--   same window: the API's reset is in whole seconds, so the tolerance is 1 s, or half of
--   `S:window` when that is under 2 s), `S:avail` becomes the smaller of it and `available`
--   and `S:reset` the later of the two (an answer that overtook a later one cannot make the
--   budget grow); otherwise both are set. A store that is busy may skip this second part.
-- - `pause(S, until_, ttl)`: `S:pause` becomes `until_` unless it is later already; it may be
--   forgotten after `ttl`.
--
-- `take` asks to send one request that counts against every entry of `budgets`, a list of
-- tables with the fields `scope` (S), `inflight` (the caller's requests of that scope still
-- under way), and for a static budget `log` (L), `limit` and `window`. In one step it finds,
-- for each entry, the wait of its pause (`S:pause - now`, when `now` is before it); of its
-- header budget: when `S:avail` and `S:reset` are set and `now` is at or past `S:reset`, the
-- window has reset, so with `S:limit` and `S:window` (above 0) set `S:reset` moves on by
-- whole windows past `now` and `S:avail` becomes `S:limit - inflight` (written even when the
-- request is not taken), and without them both are deleted; then, when `S:avail` is 0 or
-- less, `S:reset - now`; and of its log: when the log holds `limit` times and the oldest is
-- `t`, `t + window - now` if that is above 0. The wait is the longest of them all, `i` the
-- entry it is for and `what` its kind (`"pause"`, `"headers"` or `"log"`). When there is none
-- the request is taken: `now` goes into each entry's log (its oldest time out, past `limit`)
-- and each `S:avail` that is set goes down by 1, and `take` returns 0. A store whose lock
-- another process holds may answer `wait, nil, "busy"` with a short wait instead; the caller
-- asks again after it.
--
-- **Webhook de-duplication** (for `realtimekit.webhook`), in two phases: a delivery is
-- *claimed* before it is handled, *confirmed* when handling it succeeded, *released* when it
-- failed, so that a retry of a delivery whose handler crashed is taken again. `keys` is a list
-- of keys that stand for one delivery; `owner` a string unique to one claim.
--
-- - `claim(keys, owner, ttl)` -> true when none of the keys was there, and then each holds
--   `owner` for `ttl`; else false, and nothing changed;
-- - `confirm(keys, owner, ttl)` -> true when every key still held `owner`, which each then
--   keeps for `ttl` from now; else false (a key that still held `owner` keeps it for `ttl`);
-- - `release(keys, owner)` -> true: deletes the keys that hold `owner`.
--
-- A store also has `is_shared`: whether other processes see the same state (then the webhook
-- receiver shares its key fetches through it too), and may have `reads_clock` (above).
-- @module realtimekit.store
local compat = require "realtimekit.compat"
local core = require "realtimekit.core"

local type, setmetatable, floor, ceil = type, setmetatable, math.floor, math.ceil
local pairs, pcall, tostring, tonumber = pairs, pcall, tostring, tonumber
local find, gsub, sub, format = string.find, string.gsub, string.sub, string.format
local monotonic = core.monotonic
local number_text, unpack = compat.number_text, compat.unpack

local M = {}

-- The in-process store ----------------------------------------------------------------------

local Memory = {}
Memory.__index = Memory

--- A store in this process's memory, on the core's monotonic clock. Given `size`, it holds at
-- most that many keys, forgetting the oldest first (a log counts as one key); given `ttl`, a
-- key set without a ttl of its own expires after that many seconds.
-- @tparam[opt] int size
-- @tparam[opt] number ttl
-- @return the store, or nil and what is wrong with `size`
function M.memory(size, ttl)
  if size ~= nil and (type(size) ~= "number" or size < 1 or floor(size) ~= size) then
    return nil, "size: expected a whole number >= 1"
  end
  return setmetatable({ size = size, ttl = ttl, values = {}, expires = {}, count = 0,
                        order = {}, first = 1, last = 0, is_shared = false }, Memory)
end

-- The store's time: the caller's reading `t`, else the core's monotonic clock.
function Memory.now(_, t)
  return t or monotonic()
end

-- The value of key, or nil when it is absent or has expired (then it goes).
local function live(self, key)
  local v = self.values[key]
  if v == nil then return nil end
  local e = self.expires[key]
  if e and e <= monotonic() then
    self.values[key], self.expires[key] = nil, nil
    self.count = self.count - 1
    return nil
  end
  return v
end

function Memory:get(key)
  return live(self, key)
end

function Memory:set(key, value, ttl)
  if value == nil then return self:delete(key) end
  if self.values[key] == nil then
    self.count = self.count + 1
    if self.size then
      self.last = self.last + 1
      self.order[self.last] = key
    end
  end
  self.values[key] = value
  ttl = ttl or self.ttl
  self.expires[key] = ttl and ttl > 0 and monotonic() + ttl or nil
  local size = self.size
  if size then
    -- From the oldest: drop what was deleted or has expired, and whatever is beyond the size.
    local now = monotonic()
    local values, expires, order = self.values, self.expires, self.order
    while self.first <= self.last do
      local k = order[self.first]
      local e = expires[k]
      local gone = values[k] == nil
      if not gone and (not e or e > now) and self.count <= size then break end
      order[self.first] = nil
      self.first = self.first + 1
      if not gone then
        values[k], expires[k] = nil, nil
        self.count = self.count - 1
      end
    end
  end
  return true
end

function Memory:add(key, value, ttl)
  if live(self, key) ~= nil then return false, "exists" end
  return self:set(key, value, ttl)
end

function Memory:incr(key, by, init, ttl)
  local v = live(self, key)
  if v == nil then
    if init == nil then return nil, "not found" end
    self:set(key, init + by, ttl)
    return init + by
  end
  if type(v) ~= "number" then return nil, "not a number" end
  self.values[key] = v + by
  return v + by
end

function Memory:delete(key)
  if self.values[key] ~= nil then
    -- Its place in the order, if it has one, goes when it reaches the front.
    self.values[key], self.expires[key] = nil, nil
    self.count = self.count - 1
  end
  return true
end

-- What take answers so far, `wait, at, what`, after one more wait `w` of entry i, of a kind.
local function longest(wait, at, what, w, i, kind)
  if w > wait then return w, i, kind end
  return wait, at, what
end

-- The header budget of scope S at `now`, rolled over to the current window when it has reset
-- (see `take`): avail, reset (either may be nil). Both stores share it; the shared one under
-- its lock.
local function header_budget(self, S, inflight, now)
  local avail, reset = self:get(S .. ":avail"), self:get(S .. ":reset")
  if avail and reset and now >= reset then
    local limit, window = self:get(S .. ":limit"), self:get(S .. ":window")
    if limit and window and window > 0 then
      while reset <= now do reset = reset + window end
      avail = limit - inflight
      self:set(S .. ":reset", reset)
      self:set(S .. ":avail", avail)
    else
      avail, reset = nil, nil
      self:delete(S .. ":avail")
      self:delete(S .. ":reset")
    end
  end
  return avail, reset
end

-- take's first half, the same in every store: the longest wait over the entries, which entry
-- and kind it is, and each entry's header budget (false for none), with `oldest(self, b)` the
-- oldest time of entry b's log once it holds `limit` of them (nil before).
local function decide(self, budgets, now, oldest)
  local wait, at, what = 0, nil, nil
  local avails = {}
  for i = 1, #budgets do
    local b = budgets[i]
    local S = b.scope
    local pause = self:get(S .. ":pause")
    if pause and now < pause then
      wait, at, what = longest(wait, at, what, pause - now, i, "pause")
    end
    local avail, reset = header_budget(self, S, b.inflight or 0, now)
    avails[i] = avail or false
    if avail and avail <= 0 then
      wait, at, what = longest(wait, at, what, reset - now, i, "headers")
    end
    -- The same sum decides and measures the wait: with times of 1e9 seconds (nginx's clock),
    -- a difference compared to the window can round otherwise than the sum does.
    local t = b.log and oldest(self, b)
    local ready = t and t + b.window
    if ready and now < ready then
      wait, at, what = longest(wait, at, what, ready - now, i, "log")
    end
  end
  return wait, at, what, avails
end

-- learn's policy part, then its remaining part (see `learn`).
local function learn_policy(self, S, reading)
  if reading.limit then
    self:set(S .. ":limit", reading.limit)
    self:set(S .. ":window", reading.window)
  end
end

local function learn_remaining(self, S, reading, inflight, now)
  local available, reset_at = reading.remaining - inflight, now + reading.reset
  local known, avail = self:get(S .. ":reset"), self:get(S .. ":avail")
  -- The same window: the API's reset is in whole seconds, so two readings of one window differ
  -- by less than a second.
  local window = self:get(S .. ":window")
  local tolerance = window and window < 2 and window / 2 or 1
  if avail and known and now < known and reset_at < known + tolerance
    and reset_at > known - tolerance then
    if available < avail then self:set(S .. ":avail", available) end
    if reset_at > known then self:set(S .. ":reset", reset_at) end
  else
    self:set(S .. ":avail", available)
    self:set(S .. ":reset", reset_at)
  end
end

-- The oldest time of a ring of `limit` times (nil until it has them all): the next to go.
local function ring_oldest(self, b)
  local ring = live(self, b.log)
  return ring and ring[ring.head]
end

function Memory:take(budgets, now)
  now = now or monotonic()
  local wait, at, what, avails = decide(self, budgets, now, ring_oldest)
  if wait > 0 then return wait, at, what end
  for i = 1, #budgets do
    local b = budgets[i]
    if b.log then
      local ring = live(self, b.log)
      if not ring or ring.limit ~= b.limit then
        ring = { head = 1, limit = b.limit }
        self:set(b.log, ring)
      end
      ring[ring.head] = now
      ring.head = ring.head % ring.limit + 1
    end
    if avails[i] then self:set(b.scope .. ":avail", avails[i] - 1) end
  end
  return 0
end

function Memory:learn(S, reading, inflight, now)
  now = now or monotonic()
  learn_policy(self, S, reading)
  if reading.remaining then learn_remaining(self, S, reading, inflight or 0, now) end
end

function Memory:pause(S, until_, ttl)
  local pause = live(self, S .. ":pause")
  if not pause or until_ > pause then self:set(S .. ":pause", until_, ttl) end
end

function Memory:claim(keys, owner, ttl)
  for i = 1, #keys do
    if live(self, keys[i]) ~= nil then return false end
  end
  for i = 1, #keys do self:set(keys[i], owner, ttl) end
  return true
end

function Memory:confirm(keys, owner, ttl)
  local all = true
  for i = 1, #keys do
    if live(self, keys[i]) == owner then self:set(keys[i], owner, ttl) else all = false end
  end
  return all
end

function Memory:release(keys, owner)
  for i = 1, #keys do
    if live(self, keys[i]) == owner then self:delete(keys[i]) end
  end
  return true
end

-- The lua_shared_dict store -----------------------------------------------------------------

local Shared = {}
Shared.__index = Shared

-- The lock of the compound steps: a key added with a short expiry, so that a worker that dies
-- holding it cannot wedge the others; one who finds it taken is told to come back after
-- LOCK_RETRY.
local LOCK_TTL, LOCK_RETRY = 0.1, 0.002

--- A store in the nginx `lua_shared_dict` named `name`, which every worker of the nginx
-- shares, on nginx's clock (`ngx.now()`). The plain methods are the dict's own; `take` and
-- `learn` run under a lock kept in the dict (a worker that finds it held is told to ask again
-- in 2 ms), `claim` adds its keys one by one and takes back what it added when one was there.
-- Works only inside OpenResty.
-- @string name
-- @return the store, or nil and what is wrong
function M.shared(name)
  local ngx = rawget(_G, "ngx")
  if type(name) ~= "string" then return nil, "expected the name of a lua_shared_dict" end
  if not ngx or type(ngx.shared) ~= "table" then
    return nil, "a lua_shared_dict works only inside OpenResty"
  end
  local dict = ngx.shared[name]
  if not dict then
    return nil, "no lua_shared_dict " .. name .. " in nginx.conf (add `lua_shared_dict "
      .. name .. " 1m;` to the http block)"
  end
  return setmetatable({ dict = dict, ngx = ngx, name = name, lock = "realtimekit:lock",
                        is_shared = true }, Shared)
end

-- The store's time: nginx's, the same in every worker (`t` is not used).
function Shared:now()
  local ngx = self.ngx
  ngx.update_time()
  return ngx.now()
end

function Shared:get(key) return (self.dict:get(key)) end
function Shared:set(key, value, ttl) return (self.dict:set(key, value, ttl)) end
function Shared:add(key, value, ttl) return self.dict:add(key, value, ttl) end
function Shared:incr(key, by, init, ttl) return self.dict:incr(key, by, init, ttl) end
function Shared:delete(key)
  self.dict:delete(key)
  return true
end

-- The oldest time of a log kept as keys L:1 to L:limit and L:head, the next to be overwritten.
local function slot_oldest(self, b)
  local dict = self.dict
  return dict:get(b.log .. ":" .. (dict:get(b.log .. ":head") or 1))
end

function Shared:take(budgets, now)
  now = now or self:now()
  local dict = self.dict
  if not dict:add(self.lock, true, LOCK_TTL) then return LOCK_RETRY, nil, "busy" end
  local wait, at, what, avails = decide(self, budgets, now, slot_oldest)
  if wait == 0 then
    for i = 1, #budgets do
      local b = budgets[i]
      if b.log then
        local head = dict:get(b.log .. ":head") or 1
        dict:set(b.log .. ":" .. head, now, b.window * 2 + 1)
        dict:set(b.log .. ":head", head % b.limit + 1)
      end
      if avails[i] then dict:set(b.scope .. ":avail", avails[i] - 1) end
    end
  end
  dict:delete(self.lock)
  if wait > 0 then return wait, at, what end
  return 0
end

function Shared:learn(S, reading, inflight, now)
  now = now or self:now()
  learn_policy(self, S, reading)
  -- Busy: what other workers' answers say will do (what a worker has in flight is not known
  -- to the others anyway: their answers, and a 429's pause, make up for it).
  if not reading.remaining or not self.dict:add(self.lock, true, LOCK_TTL) then return end
  learn_remaining(self, S, reading, inflight or 0, now)
  self.dict:delete(self.lock)
end

function Shared:pause(S, until_, ttl)
  local dict = self.dict
  local pause = dict:get(S .. ":pause")
  if not pause or until_ > pause then dict:set(S .. ":pause", until_, ttl) end
end

-- Claims keys with add, one by one: all-or-nothing, as an add that finds a key there takes
-- back what the earlier ones added.
local function claim_by_add(self, keys, owner, ttl)
  for i = 1, #keys do
    local ok, err = self:add(keys[i], owner, ttl)
    if not ok and err == "exists" then
      for j = 1, i - 1 do self:delete(keys[j]) end
      return false
    end
  end
  return true
end

local function confirm_by_get(self, keys, owner, ttl)
  local all = true
  for i = 1, #keys do
    if self:get(keys[i]) == owner then self:set(keys[i], owner, ttl) else all = false end
  end
  return all
end

local function release_by_get(self, keys, owner)
  for i = 1, #keys do
    if self:get(keys[i]) == owner then self:delete(keys[i]) end
  end
  return true
end

Shared.claim, Shared.confirm, Shared.release = claim_by_add, confirm_by_get, release_by_get

-- The Redis store ----------------------------------------------------------------------------
--
-- Every method is one script run with EVALSHA (EVAL when the connection has no evalsha, or
-- Redis does not hold the script yet): each step is atomic however many machines share the
-- Redis. Values are kept as text tagged by type ("s" string, "n" number, "t" true, "f" false),
-- so that `get` gives back what `set` stored; every key expires.

local Redis = {}
Redis.__index = Redis

--- Seconds a key that the plain methods set without a ttl of its own lives in Redis (the
-- `ttl` option): no key of the store stays for ever.
M.REDIS_TTL = 86400
--- Seconds the budget a `Ratelimit-Policy` header announced is kept after it was last read.
M.POLICY_TTL = 86400

-- The helpers every script starts with: a stored value's number, a number as a stored value,
-- the time (the caller's, or Redis's own clock), and milliseconds of a ttl.
local PRELUDE = [[
local function num(v)
  if v and string.sub(v, 1, 1) == "n" then return tonumber(string.sub(v, 2)) end
  return nil
end
local function txt(x) return string.format("%.17g", x) end
local function enc(x) return "n" .. txt(x) end
local function clock(arg)
  if arg and arg ~= "" then return tonumber(arg) end
  local t = redis.call("TIME")
  return tonumber(t[1]) + tonumber(t[2]) / 1e6
end
local function ms(seconds)
  local m = math.ceil(seconds * 1000)
  if m < 1 then m = 1 end
  return m
end
]]

local SCRIPTS = {
  time = [[return txt(clock())]],
  get = [[return redis.call("GET", KEYS[1])]],
  -- ARGV: the value ("" deletes), the ttl in ms.
  set = [[
if ARGV[1] == "" then redis.call("DEL", KEYS[1]) return 1 end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1]],
  add = [[
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return 1 end
return 0]],
  -- ARGV: by, init ("" for none), the ttl in ms of a key made.
  incr = [[
local v = redis.call("GET", KEYS[1])
local by = tonumber(ARGV[1])
if not v then
  if ARGV[2] == "" then return { "no", "not found" } end
  local n = tonumber(ARGV[2]) + by
  redis.call("SET", KEYS[1], enc(n), "PX", ARGV[3])
  return { "ok", txt(n) }
end
local n = num(v)
if not n then return { "no", "not a number" } end
redis.call("SET", KEYS[1], enc(n + by), "KEEPTTL")
return { "ok", txt(n + by) }]],
  delete = [[redis.call("DEL", KEYS[1]) return 1]],
  -- KEYS: six for each budget (S:pause, S:avail, S:reset, S:limit, S:window, its log). ARGV:
  -- now ("" for Redis's own clock), the count of budgets, then three for each (inflight, and
  -- of a static budget its limit and window, else ""). Returns { wait, i, what, now }.
  take = [[
local now = clock(ARGV[1])
local n = tonumber(ARGV[2])
local wait, at, what = 0, 0, ""
local avails = {}
for i = 1, n do
  local k, a = (i - 1) * 6, 2 + (i - 1) * 3
  local inflight, limit, window = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]),
    tonumber(ARGV[a + 3])
  local pause = num(redis.call("GET", KEYS[k + 1]))
  if pause and now < pause and pause - now > wait then wait, at, what = pause - now, i, "pause" end
  local avail, reset = num(redis.call("GET", KEYS[k + 2])), num(redis.call("GET", KEYS[k + 3]))
  if avail and reset and now >= reset then
    local plimit, pwindow = num(redis.call("GET", KEYS[k + 4])), num(redis.call("GET", KEYS[k + 5]))
    if plimit and pwindow and pwindow > 0 then
      reset = reset + math.floor((now - reset) / pwindow) * pwindow
      while reset <= now do reset = reset + pwindow end
      avail = plimit - inflight
      local ttl = ms(reset - now + 2 * pwindow + 60)
      redis.call("SET", KEYS[k + 3], enc(reset), "PX", ttl)
      redis.call("SET", KEYS[k + 2], enc(avail), "PX", ttl)
    else
      avail, reset = nil, nil
      redis.call("DEL", KEYS[k + 2], KEYS[k + 3])
    end
  end
  avails[i] = avail or false
  if avail and avail <= 0 and reset - now > wait then wait, at, what = reset - now, i, "headers" end
  if limit and redis.call("LLEN", KEYS[k + 6]) >= limit then
    local ready = tonumber(redis.call("LINDEX", KEYS[k + 6], limit - 1)) + window
    if now < ready and ready - now > wait then wait, at, what = ready - now, i, "log" end
  end
end
if wait > 0 then return { txt(wait), at, what, txt(now) } end
for i = 1, n do
  local k, a = (i - 1) * 6, 2 + (i - 1) * 3
  local limit, window = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  if limit then
    redis.call("LPUSH", KEYS[k + 6], txt(now))
    redis.call("LTRIM", KEYS[k + 6], 0, limit - 1)
    redis.call("PEXPIRE", KEYS[k + 6], ms(window + 1))
  end
  if avails[i] then redis.call("SET", KEYS[k + 2], enc(avails[i] - 1), "KEEPTTL") end
end
return { "0", 0, "", txt(now) }]],
  -- KEYS: S:avail, S:reset, S:limit, S:window. ARGV: now ("" for Redis's), remaining, reset,
  -- limit, window (each "" when not said), inflight, the policy's ttl in ms. Returns now.
  learn = [[
local now = clock(ARGV[1])
local remaining, reset, limit, window = tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4]), tonumber(ARGV[5])
local inflight = tonumber(ARGV[6])
if limit then
  redis.call("SET", KEYS[3], enc(limit), "PX", ARGV[7])
  if window then redis.call("SET", KEYS[4], enc(window), "PX", ARGV[7])
  else redis.call("DEL", KEYS[4]) end
end
if remaining and reset then
  local available, reset_at = remaining - inflight, now + reset
  local known, avail = num(redis.call("GET", KEYS[2])), num(redis.call("GET", KEYS[1]))
  local w = num(redis.call("GET", KEYS[4]))
  local tolerance = 1
  if w and w < 2 then tolerance = w / 2 end
  if avail and known and now < known and reset_at < known + tolerance
    and reset_at > known - tolerance then
    if available < avail then redis.call("SET", KEYS[1], enc(available), "KEEPTTL") end
    if reset_at > known then
      local ttl = ms(reset_at - now + 2 * (w or 0) + 60)
      redis.call("SET", KEYS[2], enc(reset_at), "PX", ttl)
      redis.call("PEXPIRE", KEYS[1], ttl)
    end
  else
    local ttl = ms(reset_at - now + 2 * (w or 0) + 60)
    redis.call("SET", KEYS[1], enc(available), "PX", ttl)
    redis.call("SET", KEYS[2], enc(reset_at), "PX", ttl)
  end
end
return txt(now)]],
  -- KEYS: S:pause. ARGV: until, the ttl in ms.
  pause = [[
local p = num(redis.call("GET", KEYS[1]))
local u = tonumber(ARGV[1])
if not p or u > p then redis.call("SET", KEYS[1], enc(u), "PX", ARGV[2]) end
return 1]],
  -- KEYS: a delivery's keys. ARGV: the owner (as a stored value), the ttl in ms.
  claim = [[
for i = 1, #KEYS do
  if redis.call("EXISTS", KEYS[i]) == 1 then return 0 end
end
for i = 1, #KEYS do redis.call("SET", KEYS[i], ARGV[1], "PX", ARGV[2]) end
return 1]],
  confirm = [[
local all = 1
for i = 1, #KEYS do
  if redis.call("GET", KEYS[i]) == ARGV[1] then
    redis.call("SET", KEYS[i], ARGV[1], "PX", ARGV[2])
  else
    all = 0
  end
end
return all]],
  release = [[
for i = 1, #KEYS do
  if redis.call("GET", KEYS[i]) == ARGV[1] then redis.call("DEL", KEYS[i]) end
end
return 1]],
}
-- Each script's whole text, and their order (for the one call that asks Redis their SHA1s).
local SCRIPT_NAMES = {}
for name, body in pairs(SCRIPTS) do
  SCRIPTS[name] = PRELUDE .. body
  SCRIPT_NAMES[#SCRIPT_NAMES + 1] = name
end
table.sort(SCRIPT_NAMES)
local SHA1S = [[
local out = {}
for i = 1, #ARGV do out[i] = redis.sha1hex(ARGV[i]) end
return out]]

-- A number read back from Redis's text ("%.17g"), whatever the host's decimal point (on Lua
-- 5.1 tonumber("1.5") is nil under a "," locale).
local function number_of(s)
  if type(s) == "number" then return s end
  if type(s) ~= "string" then return nil end
  local n = tonumber(s)
  if n == nil and find(s, ".", 1, true) then
    n = tonumber((gsub(s, "%.", (sub(format("%.1f", 0.5), 2, 2)))))
  end
  return n
end

-- A value as Redis keeps it, and back.
local function encode(v)
  local t = type(v)
  if t == "string" then return "s" .. v end
  if t == "number" then return "n" .. number_text(v) end
  if v == true then return "t" end
  if v == false then return "f" end
  return nil
end

local function decode(s)
  if type(s) ~= "string" then return nil end
  local tag = sub(s, 1, 1)
  if tag == "s" then return sub(s, 2) end
  if tag == "n" then return number_of(sub(s, 2)) end
  if tag == "t" then return true end
  if tag == "f" then return false end
  return nil
end

-- A number, or "" for none, as a script's argument.
local function arg(v)
  if v == nil then return "" end
  return number_text(v)
end

-- Milliseconds of a ttl in seconds, at least 1.
local function millis(ttl)
  local m = ceil(ttl * 1000)
  return m < 1 and 1 or m
end

local REDIS_OPTIONS = { prefix = true, ttl = true, keepalive_timeout = true, pool_size = true }

--- A store on Redis, which every process and machine that reaches the same Redis shares: the
-- rate-limit budgets of a fleet on one token, and its webhook de-duplication. Each method is
-- one Lua script (EVALSHA, or EVAL when Redis does not hold the script yet), so every step is
-- atomic across machines; `take` and `learn` read Redis's own clock (`TIME`) inside the script,
-- so all machines decide on one clock (`reads_clock` is true: give them no `now`). Keys start
-- with `prefix` and all expire: a key set without a ttl lives `ttl` seconds (default one day).
-- A failure of Redis (down, refused, slow past the connection's timeout, an error reply)
-- never raises: the method returns nil and a message that starts with "Redis: ".
--
-- `conn` is a connected client with `eval(script, numkeys, ...)` (and `evalsha`, used when
-- present): lua-redis's `redis.connect(host, port)` in plain Lua, which raises on errors; or
-- lua-resty-redis's, which returns nil and a message. Or a function that returns one (or nil
-- and a message), called when the store has none: after a failure, so that a client that
-- broke is replaced once Redis answers again; and for each step when the connection has
-- `set_keepalive` (lua-resty-redis: a cosocket lives in one request, so a store made at
-- module level connects in each, from nginx's pool, and puts the connection back after the
-- step with `set_keepalive(keepalive_timeout, pool_size)`). Set the connection's timeout
-- yourself (lua-resty-redis `set_timeout`, lua-redis `client.network.socket:settimeout`): a
-- step waits no longer than it.
-- @param conn a connected Redis client, or a function that returns one
-- @tparam[opt] table opts `prefix` (default `"realtimekit:"`), `ttl` (seconds, default
-- 86400), `keepalive_timeout` (ms) and `pool_size` (for `set_keepalive`; nil: nginx's)
-- @return the store, or nil and what is wrong
-- @usage
-- local redis = require "redis"  -- lua-redis
-- local store = assert(require("realtimekit.store").redis(function()
--   local conn = redis.connect("127.0.0.1", 6379)
--   conn.network.socket:settimeout(0.2)
--   return conn
-- end))
function M.redis(conn, opts)
  local t = type(conn)
  local connect
  if t == "function" then
    connect, conn = conn, nil
  elseif (t ~= "table" and t ~= "userdata") or not pcall(function() return conn.eval end)
      or type(conn.eval) ~= "function" then
    return nil, "expected a connected Redis client (with eval) or a function that returns one"
  end
  opts = opts or {}
  if type(opts) ~= "table" then return nil, "opts: expected a table" end
  for k in pairs(opts) do
    if not REDIS_OPTIONS[k] then
      return nil, "opts: unknown key " .. tostring(k)
        .. " (it takes prefix, ttl, keepalive_timeout, pool_size)"
    end
  end
  local prefix = opts.prefix
  if prefix == nil then prefix = "realtimekit:" end
  if type(prefix) ~= "string" then return nil, "prefix: expected a string" end
  local ttl = opts.ttl
  if ttl == nil then ttl = M.REDIS_TTL end
  if type(ttl) ~= "number" or ttl ~= ttl or ttl <= 0 or ttl > 1e9 then
    return nil, "ttl: expected seconds above 0"
  end
  return setmetatable({ conn = conn, connect = connect, prefix = prefix, ttl = ttl,
                        keepalive = { opts.keepalive_timeout, opts.pool_size },
                        shas = nil, offset = nil, is_shared = true, reads_clock = true },
                      Redis)
end

-- A client's reply and error in one convention: value, or nil and a message. lua-redis raises
-- (caught here) and gives nil for a nil reply; lua-resty-redis returns nil and a message, and
-- ngx.null for a nil reply (nil here, as for lua-redis: no script's answer is ever nil, but
-- `get`'s of an absent key).
local function call(conn, method, ...)
  local f = conn[method]
  if type(f) ~= "function" then return nil, "the connection has no " .. method end
  local ok, res, err = pcall(f, conn, ...)
  if not ok then return nil, tostring(res) end
  if res == nil and err ~= nil then return nil, tostring(err) end
  if type(res) == "userdata" then return false end
  return res
end

-- A connection for one step, and whether it goes back to a pool after it: the store's own, or
-- one `connect` gives.
function Redis:_acquire()
  local conn = self.conn
  if conn then return conn end
  local ok, c, err = pcall(self.connect)
  if not ok then return nil, tostring(c) end
  if c == nil or (type(c) ~= "table" and type(c) ~= "userdata") then
    return nil, tostring(err or "the connect function returned no connection")
  end
  if type(c.set_keepalive) == "function" then return c, true end
  self.conn = c
  return c
end

-- Drops a connection that failed: closed (when it can be), and the next step connects again
-- when the store was given a function.
function Redis:_drop(conn)
  if self.connect then
    self.conn = nil
    if type(conn.close) == "function" then pcall(conn.close, conn) end
  end
end

-- Runs a script by name with its keys and arguments: its reply, or nil and "Redis: ...".
function Redis:_run(name, keys, args)
  local conn, pooled = self:_acquire()
  if not conn then return nil, "Redis: " .. tostring(pooled) end
  local n = #keys
  local argv = {}
  for i = 1, n do argv[i] = self.prefix .. keys[i] end
  for i = 1, #args do argv[n + i] = args[i] end
  local res, err
  if type(conn.evalsha) == "function" then
    local shas = self.shas
    if not shas then
      local texts = {}
      for i = 1, #SCRIPT_NAMES do texts[i] = SCRIPTS[SCRIPT_NAMES[i]] end
      local list
      list, err = call(conn, "eval", SHA1S, 0, unpack(texts))
      if type(list) == "table" then
        shas = {}
        for i = 1, #SCRIPT_NAMES do shas[SCRIPT_NAMES[i]] = list[i] end
        self.shas = shas
      end
    end
    if shas then
      res, err = call(conn, "evalsha", shas[name], n, unpack(argv))
      if res == nil and err and find(err, "NOSCRIPT", 1, true) then
        res, err = call(conn, "eval", SCRIPTS[name], n, unpack(argv))
      end
    end
  else
    res, err = call(conn, "eval", SCRIPTS[name], n, unpack(argv))
  end
  if res == nil and err ~= nil then
    self:_drop(conn)
    return nil, "Redis: " .. err
  end
  if pooled then pcall(conn.set_keepalive, conn, self.keepalive[1], self.keepalive[2]) end
  return res
end

-- Redis's time at the reply `t` of a script that read it: kept as the difference from the
-- monotonic clock, for `now`.
function Redis:_clock(text)
  local t = number_of(text)
  if t then self.offset = t - monotonic() end
end

--- The store's time: Redis's clock (`TIME`), as last read by a script of this store and
-- carried on by this process's monotonic clock since (a script reads it when none has yet);
-- `t`, the caller's monotonic reading, is where it is carried to. When Redis cannot be
-- reached and never was, this process's monotonic clock.
function Redis:now(t)
  if not self.offset then
    local res = self:_run("time", {}, {})
    if res then self:_clock(res) end
  end
  return (t or monotonic()) + (self.offset or 0)
end

function Redis:get(key)
  local res, err = self:_run("get", { key }, {})
  if res == nil and err then return nil, err end
  return decode(res)
end

function Redis:set(key, value, ttl)
  local v = ""
  if value ~= nil then
    v = encode(value)
    if not v then return nil, "a store keeps strings, numbers and booleans" end
  end
  local res, err = self:_run("set", { key }, { v, millis(ttl and ttl > 0 and ttl or self.ttl) })
  if not res then return nil, err end
  return true
end

function Redis:add(key, value, ttl)
  local v = encode(value)
  if not v then return nil, "a store keeps strings, numbers and booleans" end
  local res, err = self:_run("add", { key }, { v, millis(ttl and ttl > 0 and ttl or self.ttl) })
  if not res then return nil, err end
  if res == 1 then return true end
  return false, "exists"
end

function Redis:incr(key, by, init, ttl)
  local res, err = self:_run("incr", { key }, { arg(by), arg(init),
    millis(ttl and ttl > 0 and ttl or self.ttl) })
  if not res then return nil, err end
  if type(res) ~= "table" or res[1] ~= "ok" then return nil, type(res) == "table" and res[2] end
  return number_of(res[2])
end

function Redis:delete(key)
  local res, err = self:_run("delete", { key }, {})
  if not res then return nil, err end
  return true
end

function Redis:take(budgets, now)
  local keys, args = {}, { arg(now), #budgets }
  for i = 1, #budgets do
    local b = budgets[i]
    local S = b.scope
    keys[#keys + 1] = S .. ":pause"
    keys[#keys + 1] = S .. ":avail"
    keys[#keys + 1] = S .. ":reset"
    keys[#keys + 1] = S .. ":limit"
    keys[#keys + 1] = S .. ":window"
    keys[#keys + 1] = b.log or S .. ":nolog"
    args[#args + 1] = arg(b.inflight or 0)
    args[#args + 1] = b.log and arg(b.limit) or ""
    args[#args + 1] = b.log and arg(b.window) or ""
  end
  local res, err = self:_run("take", keys, args)
  if type(res) ~= "table" then return nil, err or "Redis: take: an unexpected reply" end
  if now == nil then self:_clock(res[4]) end
  local wait = number_of(res[1])
  if not wait then return nil, "Redis: take: an unexpected reply" end
  if wait > 0 then return wait, number_of(res[2]), res[3] end
  return 0
end

function Redis:learn(S, reading, inflight, now)
  local res, err = self:_run("learn", { S .. ":avail", S .. ":reset", S .. ":limit",
    S .. ":window" }, { arg(now), arg(reading.remaining), arg(reading.reset), arg(reading.limit),
    arg(reading.window), arg(inflight or 0), millis(M.POLICY_TTL) })
  if not res then return nil, err end
  if now == nil then self:_clock(res) end
  return true
end

function Redis:pause(S, until_, ttl)
  local res, err = self:_run("pause", { S .. ":pause" }, { arg(until_),
    millis(ttl and ttl > 0 and ttl or self.ttl) })
  if not res then return nil, err end
  return true
end

function Redis:claim(keys, owner, ttl)
  local res, err = self:_run("claim", keys, { encode(owner), millis(ttl) })
  if not res then return nil, err end
  return res == 1
end

function Redis:confirm(keys, owner, ttl)
  local res, err = self:_run("confirm", keys, { encode(owner), millis(ttl) })
  if not res then return nil, err end
  return res == 1
end

function Redis:release(keys, owner)
  local res, err = self:_run("release", keys, { encode(owner) })
  if not res then return nil, err end
  return true
end

-- A table of the program's own ---------------------------------------------------------------

local Table = {}
Table.__index = Table

--- The store `t` stands for: `t` itself when it has every method of a store (a store of this
-- module, or one on another backend); else, for a table with `get(key)` and `set(key, value,
-- ttl)` (and `add`, `delete` when it has them, as `ngx.shared.DICT` and `resty.lrucache` do),
-- a store over it with the de-duplication methods (`claim` through `add` when the table has
-- it, key by key; else a `get` of each key, then a `set` of each). Nil for anything else.
-- @param t
-- @return a store, or nil
function M.of(t)
  if type(t) ~= "table" then return nil end
  if type(t.take) == "function" and type(t.claim) == "function" then return t end
  if type(t.get) ~= "function" or type(t.set) ~= "function" then return nil end
  return setmetatable({ t = t, is_shared = false }, Table)
end

function Table:get(key) return (self.t:get(key)) end
function Table:set(key, value, ttl) return self.t:set(key, value, ttl) end
function Table:add(key, value, ttl) return self.t:add(key, value, ttl) end
function Table:delete(key)
  local t = self.t
  if t.delete then t:delete(key) else t:set(key, nil, 0) end
  return true
end

function Table:claim(keys, owner, ttl)
  if self.t.add then return claim_by_add(self, keys, owner, ttl) end
  for i = 1, #keys do
    if self.t:get(keys[i]) then return false end
  end
  for i = 1, #keys do self.t:set(keys[i], owner, ttl) end
  return true
end

Table.confirm, Table.release = confirm_by_get, release_by_get

return M
