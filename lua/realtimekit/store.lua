--- Stores: the state that realtimekit keeps for later, and may share with other processes — the
-- rate-limit pacer's budgets (`realtimekit.pacer`) and the webhook receiver's de-duplication
-- and key fetches (`realtimekit.webhook`). One interface, several stores:
--
-- - `memory()`: in this process (a client's pacer by default, `dedupe = true`);
-- - `shared(name)`: in an nginx `lua_shared_dict`, which every worker of one nginx shares;
-- - any other store (one on Redis, say) implements the same methods, and is used the same way.
--
-- **The contract.** Keys are strings; values are strings, numbers or booleans; `ttl` is in
-- seconds (nil or 0: no expiry), and a key whose ttl has passed is absent. Times are seconds
-- on the store's clock: `now(t)` gives it, where `t` is the caller's monotonic reading (a store
-- of one process takes `t`; a store that processes or machines share uses one clock for all of
-- them, wall time say, and ignores `t`; such a store may also read its clock inside a step, as
-- Redis's `TIME` in a script, in place of the `now` it is given, as long as `now()` reads the
-- same clock). Each method below is **one atomic step**: no other caller sees a state in
-- between, whatever runs in other workers or on other machines (a Redis store makes each one
-- script). None raises for a failure of its backend; a store that cannot decide now may say so
-- where the method allows (`take`'s `"busy"`).
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
-- receiver shares its key fetches through it too).
-- @module realtimekit.store
local core = require "realtimekit.core"

local type, setmetatable, floor = type, setmetatable, math.floor
local monotonic = core.monotonic

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
