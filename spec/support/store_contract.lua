-- The contract of realtimekit.store, as checks any store must pass: run(store, sleep) returns
-- the list of what failed (empty when the store keeps the contract). It needs no test
-- framework, so that it runs in plain Lua (the memory store), inside nginx (the
-- lua_shared_dict store) and against any other store (one on Redis). Keys start with a prefix
-- of their own per run; times are the store's (store:now()) plus offsets, so no check depends
-- on how fast the machine is, but those of expiry, which wait as long as they must.
local M = {}

local function near(a, b)
  return type(a) == "number" and type(b) == "number" and math.abs(a - b) < 1e-6
end

--- Runs every check on `store`; `sleep(seconds)` waits (core.sleep, ngx.sleep, …).
function M.run(store, sleep)
  local failures = {}
  local function check(ok, what, got)
    if not ok then
      failures[#failures + 1] = what .. (got ~= nil and " (got " .. tostring(got) .. ")" or "")
    end
  end
  local p = "contract:" .. tostring(math.random(1e9)) .. ":"

  -- The plain methods.
  check(store:get(p .. "k") == nil, "get of an absent key is nil")
  check(store:set(p .. "k", "v") == true, "set returns true")
  check(store:get(p .. "k") == "v", "get returns what set stored", store:get(p .. "k"))
  local ok, err = store:add(p .. "k", "w")
  check(not ok and err == "exists", "add of a key that is there: false, \"exists\"", err)
  check(store:get(p .. "k") == "v", "add of a key that is there leaves it")
  check(store:add(p .. "a", 1, 60) == true, "add of an absent key returns true")
  check(store:incr(p .. "n", 2, 5, 60) == 7, "incr of an absent key starts at init",
    store:get(p .. "n"))
  check(store:incr(p .. "n", 1, 0) == 8, "incr adds to what is there", store:get(p .. "n"))
  check(store:delete(p .. "k") == true and store:get(p .. "k") == nil, "delete removes a key")
  store:set(p .. "k", "v")
  store:set(p .. "k", nil)
  check(store:get(p .. "k") == nil, "set of nil removes a key")
  store:set(p .. "short", true, 0.05)
  store:set(p .. "long", true, 60)
  local gone = false
  for _ = 1, 100 do
    sleep(0.05)
    if store:get(p .. "short") == nil then gone = true break end
  end
  check(gone, "a key goes once its ttl has passed")
  check(store:get(p .. "long") == true, "a key stays until its ttl has passed")
  check(type(store.is_shared) == "boolean", "is_shared is a boolean")

  local T = store:now()
  check(type(T) == "number", "now() is a number")

  -- take: a static budget of 2 requests per 10 s.
  local log = { { scope = p .. "s", log = p .. "log", limit = 2, window = 10, inflight = 0 } }
  check(store:take(log, T) == 0, "take: the first request of a budget goes")
  check(store:take(log, T + 1) == 0, "take: the second goes")
  local wait, at, what = store:take(log, T + 2)
  check(near(wait, 8) and at == 1 and what == "log",
    "take: the third waits until the oldest is a window old", wait)
  check(store:take(log, T + 10) == 0, "take: it goes once the oldest is a window old")
  wait = store:take(log, T + 10.5)
  check(near(wait, 0.5), "take: then the next waits for the second", wait)

  -- learn and take: the header budget.
  local h = p .. "h"
  store:learn(h, { remaining = 1, reset = 5, limit = 3, window = 5 }, 0, T)
  check(store:get(h .. ":avail") == 1 and near(store:get(h .. ":reset"), T + 5)
    and store:get(h .. ":limit") == 3 and store:get(h .. ":window") == 5,
    "learn: stores what the headers said")
  local hb = { { scope = h, inflight = 0 } }
  check(store:take(hb, T) == 0, "take: a request the header budget allows goes")
  check(store:get(h .. ":avail") == 0, "take: it counts against the header budget",
    store:get(h .. ":avail"))
  wait, at, what = store:take(hb, T + 1)
  check(near(wait, 4) and at == 1 and what == "headers",
    "take: an empty header budget waits for its reset", wait)
  hb[1].inflight = 1
  check(store:take(hb, T + 5) == 0, "take: at the reset a new window of limit less inflight")
  check(store:get(h .. ":avail") == 1 and near(store:get(h .. ":reset"), T + 10),
    "take: the new window's budget, less this request", store:get(h .. ":avail"))
  store:learn(h, { remaining = 0, reset = 5 }, 0, T + 5.2)
  check(store:get(h .. ":avail") == 0 and near(store:get(h .. ":reset"), T + 10.2),
    "learn: within one window, the smaller budget and the later reset",
    store:get(h .. ":avail"))
  store:learn(h, { remaining = 9, reset = 4.6 }, 0, T + 5.5)
  check(store:get(h .. ":avail") == 0, "learn: within one window the budget never grows",
    store:get(h .. ":avail"))
  store:learn(h, { remaining = 7, reset = 9 }, 1, T + 6)
  check(store:get(h .. ":avail") == 6 and near(store:get(h .. ":reset"), T + 15),
    "learn: another window's reading replaces the budget, less what is in flight",
    store:get(h .. ":avail"))
  local n = p .. "n0"
  store:learn(n, { remaining = 0, reset = 2 }, 0, T)
  wait = store:take({ { scope = n, inflight = 0 } }, T + 1)
  check(near(wait, 1), "take: a budget without a policy waits for its reset", wait)
  check(store:take({ { scope = n, inflight = 0 } }, T + 2) == 0
    and store:get(n .. ":avail") == nil and store:get(n .. ":reset") == nil,
    "take: at its reset a budget without a policy is forgotten")

  -- pause, and the longest wait over several budgets; nothing is taken when one waits.
  local q = p .. "p"
  store:pause(q, T + 3, 60)
  store:pause(q, T + 2, 60)
  check(near(store:get(q .. ":pause"), T + 3), "pause: an earlier end leaves the later one")
  store:pause(q, T + 4, 60)
  check(near(store:get(q .. ":pause"), T + 4), "pause: a later end replaces it")
  local one = { scope = p .. "one", log = p .. "one:log", limit = 1, window = 100, inflight = 0 }
  wait, at, what = store:take({ one, { scope = q, inflight = 0 } }, T + 1)
  check(near(wait, 3) and at == 2 and what == "pause",
    "take: the longest wait, with the budget it is for", wait)
  check(store:take({ one }, T + 1) == 0, "take: a request that waited took nothing")
  wait, at = store:take({ { scope = q, inflight = 0 }, one }, T + 1.5)
  check(near(wait, 99.5) and at == 2, "take: the longest wait, whichever entry it is", wait)

  -- take and learn without a time: the store's present.
  local solo = { { scope = p .. "solo", log = p .. "solo:log", limit = 1, window = 1000,
                   inflight = 0 } }
  check(store:take(solo) == 0, "take: without a time, at the store's present")
  wait, at, what = store:take(solo)
  check(type(wait) == "number" and wait > 0 and wait <= 1000 and at == 1 and what == "log",
    "take: without a time, the wait of a log taken a moment ago", wait)
  store:learn(p .. "solo", { remaining = 0, reset = 1000 }, 0)
  wait, at, what = store:take({ { scope = p .. "solo", inflight = 0 } })
  check(type(wait) == "number" and wait > 0 and wait <= 1000 and at == 1 and what == "headers",
    "learn: without a time, at the store's present", wait)

  -- claim, confirm, release.
  local a, b, c = p .. "d:a", p .. "d:b", p .. "d:c"
  check(store:claim({ a, b }, "o1", 60) == true, "claim: keys none holds")
  check(store:get(a) == "o1" and store:get(b) == "o1", "claim: each key holds its owner")
  check(store:claim({ c, b }, "o2", 60) == false, "claim: a key held refuses the claim")
  check(store:get(c) == nil, "claim: a refused claim changes nothing")
  check(store:confirm({ a, b }, "o2", 60) == false, "confirm: by another owner, false")
  check(store:confirm({ a, b }, "o1", 120) == true, "confirm: by the owner, true")
  store:release({ a, b }, "o2")
  check(store:get(a) == "o1", "release: by another owner leaves the keys")
  check(store:release({ a, b }, "o1") == true and store:get(a) == nil and store:get(b) == nil,
    "release: by the owner removes the keys")
  check(store:claim({ a, b }, "o2", 60) == true, "claim: a released delivery is taken again")
  store:set(c, "o3", 0.05)
  local released = false
  for _ = 1, 100 do
    sleep(0.05)
    if store:claim({ c }, "o4", 60) then released = true break end
  end
  check(released, "claim: a claim that expired is taken again")
  return failures
end

return M
