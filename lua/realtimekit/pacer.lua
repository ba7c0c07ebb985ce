--- Rate-limit pacing: before a request is sent, the client asks its pacer whether the budgets
-- the request counts against allow it now, and how long to wait if not. Three things decide,
-- and the strictest wins:
--
-- * static budgets, by scope: at most `limit` requests in any `window` seconds. Every request
--   counts against the token's budget (default 1,200 per 300 s, Cloudflare's limit for a
--   token across its whole API), a recording route's also against the recordings budget
--   (default 1,000 per 50 s, RealtimeKit's for its recording APIs); an endpoint row names the
--   budgets it counts against (`row.budgets`, default `M.TOKEN`);
-- * the API's own headers, read from every response: `Ratelimit: "default";r=50;t=30` (r
--   requests remain, the window resets in t seconds) and `Ratelimit-Policy: "burst";q=100;w=60`
--   (q requests per w seconds), in the syntax of draft-ietf-httpapi-ratelimit-headers;
-- * a pause after a 429: no request that counts against its budget leaves before its
--   Retry-After has passed.
--
-- What a response's headers say, and a 429's pause, hold for the narrowest budget of its
-- route: a recording route's answers pace the recording routes, any other route's answers
-- every request (all of which count against the token's budget).
--
-- The budgets live in a store (`realtimekit.store`), and each decision is one step of it
-- (`take`, `learn`, `pause`): a client's own memory by default; inside OpenResty, with
-- `shared = "<lua_shared_dict>"`, the shared dict, so every worker of the server counts against
-- one budget of each; with `store = realtimekit.store.redis(conn)`, Redis, so every machine
-- does. What the pacer keeps itself is only what is this process's own: the requests it has in
-- flight, and the last reading of the headers. When the shared store fails (Redis down), the
-- pacer goes on with this node's share (`local_share`) of each budget in the node's own store
-- (the `shared` dict, or this process's memory) and tries Redis again every `STORE_RETRY`
-- seconds; or, with `on_error = "fail"`, the calls fail.
-- @module realtimekit.pacer
local compat = require "realtimekit.compat"
local retry = require "realtimekit.retry"
local store = require "realtimekit.store"

local type, tonumber, setmetatable, pairs = type, tonumber, setmetatable, pairs
local floor = math.floor
local find, sub, byte = string.find, string.sub, string.byte
local concat = table.concat
local show_number = compat.show_number

local M = {}

--- The default static budgets: Cloudflare's 1,200 requests per 5 minutes for a token (the
-- global API limit RealtimeKit's requests count toward; past it every call with the token is
-- refused for 5 minutes), and RealtimeKit's 1,000 per 50 s for its recording APIs
-- (developers.cloudflare.com/realtime/realtimekit/limits, September 2026).
M.DEFAULTS = { token = { limit = 1200, window = 300 }, recordings = { limit = 1000, window = 50 } }

-- The budgets there are.
local KNOWN = { token = true, recordings = true }
-- The lists of budgets in use, one table per list, by their names joined: the engine tells the
-- requests that count against the same budgets apart by their list.
local LISTS = {}

--- The one list of budgets with these names (the token's first, then the narrower ones), or nil
-- and a problem: what an endpoint row's `budgets` becomes.
function M.budgets(names)
  if type(names) ~= "table" or names[1] ~= "token" then
    return nil, "expected a list of budget names that starts with \"token\""
  end
  for i = 1, #names do
    if not KNOWN[names[i]] then return nil, "no budget named " .. tostring(names[i]) end
  end
  local key = concat(names, "+")
  local list = LISTS[key]
  if not list then
    list = {}
    for i = 1, #names do list[i] = names[i] end
    LISTS[key] = list
  end
  return list
end

--- The budgets of a request that counts against the token's only.
M.TOKEN = M.budgets { "token" }
--- The budgets of a request to a recording route.
M.RECORDINGS = M.budgets { "token", "recordings" }

--- The budgets a `client:request` path (below base_url, its parameters filled in) counts
-- against: those of a recording route for a path under an app's `/recordings`, else the
-- token's.
function M.budgets_of_path(path)
  local rest = path:match("^/accounts/[^/]+/realtime/kit/[^/]+/recordings(.*)$")
  if rest and (rest == "" or sub(rest, 1, 1) == "/") then return M.RECORDINGS end
  return M.TOKEN
end

-- The static budget counts requests when they are sent; the server counts them when they
-- arrive, later and unevenly. Its window is stretched by this much so the difference cannot
-- put one request too many into one of the server's windows.
M.SLACK_FACTOR, M.SLACK = 0.01, 0.05

-- A header value past these is not believed (malformed, or hostile): it is ignored.
local MAX_SECONDS, MAX_COUNT = 86400, 1e9
-- A Ratelimit or Ratelimit-Policy header longer than this is not read at all (the API's are a
-- few dozen bytes), so no server can make reading one cost more than that.
local MAX_HEADER = 1024

--- Parses a structured-field list of items with parameters (RFC 8941): `"name";a=1;b=2, ...`.
-- Returns a list of `{ name = string, params = { key = number or string or true } }`; an item
-- that cannot be read is left out, and so is anything after a broken list. A text longer than
-- 1024 bytes is not read (an empty list).
function M.parse_list(s)
  local out = {}
  if type(s) ~= "string" or #s > MAX_HEADER then return out end
  local i, n = 1, #s
  local function skip_ws()
    while i <= n do
      local c = byte(s, i)
      if c ~= 32 and c ~= 9 then break end
      i = i + 1
    end
  end
  local function bare()
    -- a token, a number or a string; returns the value, or nil when the text is none of them
    local c = sub(s, i, i)
    if c == '"' then
      local j, buf = i + 1, {}
      while j <= n do
        local d = sub(s, j, j)
        if d == "\\" then
          buf[#buf + 1] = sub(s, j + 1, j + 1)
          j = j + 2
        elseif d == '"' then
          i = j + 1
          return table.concat(buf)
        else
          buf[#buf + 1] = d
          j = j + 1
        end
      end
      return nil
    end
    local num = s:match("^%-?%d+%.?%d*", i)
    if num then
      i = i + #num
      return tonumber(num)
    end
    local tok = s:match("^[%a%*][%w_%-%.%:%%%*/!#$&'^`|~+]*", i)
    if tok then
      i = i + #tok
      return tok
    end
    if c == "?" then
      local b = sub(s, i + 1, i + 1)
      if b == "0" or b == "1" then
        i = i + 2
        return b == "1"
      end
    end
    return nil
  end
  while i <= n do
    skip_ws()
    local item = { params = {} }
    local ok = true
    local name = bare()
    if name == nil then ok = false else item.name = name end
    -- RFC 8941 has no space before ";": one is forgiven, as senders write it.
    if ok then skip_ws() end
    while ok and i <= n and sub(s, i, i) == ";" do
      i = i + 1
      skip_ws()
      local key = s:match("^[%l%*][%l%d_%-%.%*]*", i)
      if not key then
        ok = false
      else
        i = i + #key
        local v = true
        if sub(s, i, i) == "=" then
          i = i + 1
          v = bare()
          if v == nil then ok = false end
        end
        item.params[key] = v
        skip_ws()
      end
    end
    skip_ws()
    if ok and i <= n and sub(s, i, i) ~= "," then ok = false end
    if ok then out[#out + 1] = item end
    -- On to the next item: after the next comma outside a string.
    if not ok then
      local j = find(s, ",", i, true)
      if not j then break end
      i = j
    end
    i = i + 1
  end
  return out
end

local function count(v)
  return type(v) == "number" and v >= 0 and v <= MAX_COUNT and v == v and floor(v) or nil
end
local function secs(v)
  return type(v) == "number" and v >= 0 and v <= MAX_SECONDS and v == v and v or nil
end

--- What a response's headers (by lower-case name) say of the budget:
-- `{ remaining, reset, limit, window }` (any of them nil when not said), or nil.
function M.read(headers)
  if type(headers) ~= "table" then return nil end
  local items = M.parse_list(headers.ratelimit)
  local policies = M.parse_list(headers["ratelimit-policy"])
  local best
  for k = 1, #items do
    local r, t = count(items[k].params.r), secs(items[k].params.t)
    if r and t and (not best or r < best.remaining) then
      best = { remaining = r, reset = t, name = items[k].name }
    end
  end
  local policy
  for k = 1, #policies do
    local q, w = count(policies[k].params.q), secs(policies[k].params.w)
    if q and w and w > 0 then
      if best and policies[k].name == best.name then policy = { q, w } break end
      -- Else the strictest rate of those given.
      if not policy or q / w < policy[1] / policy[2] then policy = { q, w } end
    end
  end
  if not best and not policy then return nil end
  local info = best or {}
  info.name = nil
  if policy then info.limit, info.window = policy[1], policy[2] end
  return info
end

--- Seconds the response asks to wait before trying again (`retry-after-ms`, `retry-after`).
local function retry_after(headers)
  return type(headers) == "table" and retry.retry_after(headers) or nil
end

-- What a wait is for, as the error of a call held back too long says it.
local PAUSE, HEADERS = "a 429's Retry-After", "the API's Ratelimit header"
local WHY = { pause = PAUSE, headers = HEADERS, busy = "the store's lock" }

-- The window of the static budget, stretched by the slack.
local function stretched(window)
  return window * (1 + M.SLACK_FACTOR) + M.SLACK
end

--- Of each budget, the share a node paces itself by while its shared store (Redis) fails
-- (`rate_limit.local_share`): a tenth, so that ten nodes (machines, or processes that do not
-- share a `lua_shared_dict`) that lose Redis together still keep within the token's budget,
-- whose overrun locks every machine out for five minutes. A fleet of N sets 1 / N.
M.DEFAULT_LOCAL_SHARE = 0.1
--- Seconds between the tries of a shared store that failed: meanwhile the pacer decides on its
-- local store, and the first try that Redis answers brings it back.
M.STORE_RETRY = 1
-- Events kept for the on_request hook at most (told one per attempt).
local MAX_EVENTS = 8

--- The pacer of one client: its own count of the requests it has in flight, and what the last
-- response of each scope's routes said (for `info`); every budget itself is in its store.
-- @type Pacer
local Pacer = {}
Pacer.__index = Pacer
M.Pacer = Pacer

--- Makes a pacer from a configuration `M.check` made (nil: the defaults), over the
-- configuration's store (default: a `realtimekit.store.memory()` of its own). `token_id`
-- (`realtimekit.core.token_id`) names the token in the store's keys, so that clients of other
-- tokens sharing a store keep apart; the token itself is never in them.
function M.new(config, token_id)
  config = config or M.check(nil)
  local static = {}
  for name, b in pairs(config.static) do
    static[name] = { limit = b.limit, window = b.window,
                     what = "the " .. name .. " budget of " .. b.limit .. " requests per "
                       .. show_number(b.window) .. " s" }
  end
  local share = config.local_share or M.DEFAULT_LOCAL_SHARE
  local local_static = {}
  for name, b in pairs(static) do
    local limit = floor(b.limit * share)
    local_static[name] = { limit = limit < 1 and 1 or limit, window = b.window,
                           what = "this node's share of the " .. name .. " budget, "
                             .. (limit < 1 and 1 or limit) .. " requests per "
                             .. show_number(b.window) .. " s, while the shared store fails" }
  end
  local remote = config.store and config.remote
  return setmetatable({ store = config.store or store.memory(),
                        prefix = "rate:" .. (token_id or "") .. ":",
                        static = static, scopes = {}, entries = {},
                        -- With a shared store that may fail (Redis): the store of this node
                        -- (its lua_shared_dict, or this process's memory) and its budgets.
                        remote = remote or false,
                        fallback = remote and (config.fallback or store.memory()) or nil,
                        local_static = local_static, local_entries = {}, share = share,
                        on_error = config.on_error or "local", failed = false,
                        retry_at = 0, guard_until = 0, events = {}, holds = {} }, Pacer)
end

-- A scope's state here (one per budget name, whether or not it has a static budget): its key
-- prefix in the store, the requests in flight here that count against it, its static budget,
-- and the last reading of the headers of its routes.
local function scope(self, name)
  local sc = self.scopes[name]
  if not sc then
    local key = self.prefix .. name
    local st = self.static[name]
    sc = { key = key, inflight = 0, static = st }
    self.scopes[name] = sc
  end
  return sc
end

-- The entries of `take` for a list of budgets, made once per list: each refers to its scope's
-- state, its inflight set at each call. `mine`: those of this node's share of each static
-- budget, for its local store.
local function entries(self, budgets, mine)
  local cache = mine and self.local_entries or self.entries
  local list = cache[budgets]
  if not list then
    list = {}
    for i = 1, #budgets do
      local sc = scope(self, budgets[i])
      local st = sc.static and (mine and self.local_static[budgets[i]] or sc.static)
      -- Clients with other budgets of the same name keep their own logs.
      list[i] = { scope = sc.key, log = st and self.prefix .. "s:" .. budgets[i] .. ":"
                    .. st.limit .. "/" .. st.window, limit = st and st.limit,
                  window = st and stretched(st.window), inflight = 0, sc = sc,
                  what = st and st.what }
    end
    cache[budgets] = list
  end
  for i = 1, #list do list[i].inflight = list[i].sc.inflight end
  return list
end

-- The time to give a store: none for one that reads its own clock in each step (Redis).
local function at_time(st, now)
  if st.reads_clock then return nil end
  return st:now(now)
end

-- A pending report for the on_request hook (`Pacer:event`).
local function tell(self, event)
  local events = self.events
  if #events >= MAX_EVENTS then table.remove(events, 1) end
  events[#events + 1] = event
end

-- The shared store failed (`err`, its message) at `now`: the pacer decides on its local store
-- until the next try, and says so once.
local function failed(self, err, now)
  self.retry_at = now + M.STORE_RETRY
  if self.failed then return end
  self.failed = true
  tell(self, { state = "local", message = err, share = self.share })
end

-- The shared store answered again: for one window of the longest static budget the node also
-- keeps within its share, since the store does not know what it sent meanwhile.
local function recovered(self, now)
  if not self.failed then return end
  self.failed = false
  local longest = 0
  for _, b in pairs(self.static) do
    if b.window > longest then longest = b.window end
  end
  self.guard_until = now + stretched(longest)
  tell(self, { state = "shared" })
end

-- The result of take for the pacer: 0, or the wait and what it is for.
local function held(wait, at, what, list)
  return wait, WHY[what] or (at and list[at].what) or WHY.busy
end

-- take on the node's own store, against its share of each static budget.
local function take_local(self, budgets, now)
  local fb = self.fallback
  local list = entries(self, budgets, true)
  return list, fb:take(list, at_time(fb, now))
end

--- Asks to send, at `now` (the engine's monotonic clock), a request that counts against
-- `budgets` (a list such as `M.RECORDINGS`; default `M.TOKEN`): 0 when it may go (and it is
-- counted against each of them), else the seconds to wait before asking again and what the
-- wait is for. One `take` of the store decides. With a shared store that fails, `take` of the
-- node's own store against its share of each budget decides instead (and the store is tried
-- again `STORE_RETRY` seconds later); with `on_error = "fail"`, nil and the store's message.
function Pacer:admit(now, budgets)
  budgets = budgets or M.TOKEN
  -- With a shared store that may fail, and the node's own to fall back on: `alone` while the
  -- store failed less than STORE_RETRY ago.
  local fallback = self.remote and self.on_error ~= "fail"
  local alone = fallback and self.failed and now < self.retry_at
  if not alone then
    -- A wait the shared store gave stands until it has passed: the engine asks again at every
    -- turn of its loop, which would cost a round trip to Redis each.
    local hold = self.remote and self.holds[budgets]
    if hold and now < hold[1] then return hold[1] - now, hold[2] end
  end
  -- The node's share decides alone while the store fails; and, while the store is tried again
  -- and for a window after it answered again, it must allow the request too.
  local mine_taken = false
  if fallback and (self.failed or now < self.guard_until) then
    local mine, w, a, k = take_local(self, budgets, now)
    if w > 0 then return held(w, a, k, mine) end
    if alone then return self:_admitted(budgets) end
    mine_taken = true
  end
  local st = self.store
  local list = entries(self, budgets)
  local wait, at, what = st:take(list, at_time(st, now))
  if wait == nil then
    if not fallback then
      return nil, "the rate limit's shared store failed: " .. tostring(at)
    end
    failed(self, tostring(at), now)
    if not mine_taken then
      local mine, w, a, k = take_local(self, budgets, now)
      if w > 0 then return held(w, a, k, mine) end
    end
    return self:_admitted(budgets)
  end
  if fallback then recovered(self, now) end
  if wait > 0 then
    local w, why = held(wait, at, what, list)
    if self.remote then self.holds[budgets] = { now + w, why } end
    return w, why
  end
  -- The node's own log of what it sent, for a time the shared store fails (best effort: a
  -- node past its share records no more of this window).
  if fallback and not mine_taken then take_local(self, budgets, now) end
  return self:_admitted(budgets)
end

-- Counts an admitted request as in flight against each of its budgets; 0.
function Pacer:_admitted(budgets)
  for i = 1, #budgets do
    local sc = scope(self, budgets[i])
    sc.inflight = sc.inflight + 1
  end
  return 0
end

--- The next event of the shared store not told yet, for the on_request hook's `store` field:
-- `{ state = "local", message = …, share = … }` when it failed and the pacer went on with this
-- node's share of each budget, `{ state = "shared" }` when it answered again; or nil.
function Pacer:event()
  return table.remove(self.events, 1)
end

-- This node's share of what a response's headers said.
local function scaled(self, info)
  local share = self.share
  local out = { reset = info.reset, window = info.window }
  if info.remaining then out.remaining = floor(info.remaining * share) end
  if info.limit then out.limit = floor(info.limit * share) end
  return out
end

--- A request it admitted for `budgets` has ended, with these response headers and status (both
-- nil for a transfer that failed or was cancelled). What the headers say, and a 429's pause,
-- hold for the narrowest of the budgets (the last): a recording route's answers pace the
-- recording routes, any other route's every request.
function Pacer:observe(headers, status, now, budgets)
  budgets = budgets or M.TOKEN
  for i = 1, #budgets do
    local sc = scope(self, budgets[i])
    if sc.inflight > 0 then sc.inflight = sc.inflight - 1 end
  end
  local sc = scope(self, budgets[#budgets])
  local info = M.read(headers)
  if not info and status ~= 429 then return end
  local st, fb = self.store, self.fallback
  local shared = not (self.failed and self.on_error ~= "fail" and now < self.retry_at)
  if info then
    -- Requests still in flight may count against what is left: the store assumes they all do.
    if shared then
      local _, err = st:learn(sc.key, info, sc.inflight, at_time(st, now))
      if err ~= nil and self.remote and self.on_error ~= "fail" then
        failed(self, tostring(err), now)
        shared = false
      end
    end
    if not shared then fb:learn(sc.key, scaled(self, info), sc.inflight, at_time(fb, now)) end
    sc.last = info
  end
  if status == 429 then
    -- Without a Retry-After (nor a reset in the headers) only the request that met the 429
    -- backs off, by the retry policy.
    local wait = retry_after(headers) or (info and info.remaining and info.reset)
    if wait then
      local _, err = st:pause(sc.key, st:now(now) + wait, wait + 1)
      if err ~= nil and self.remote and self.on_error ~= "fail" then
        failed(self, tostring(err), now)
      end
      -- The node keeps the pause too, should the shared store fail before it ends.
      if fb then fb:pause(sc.key, fb:now(now) + wait, wait + 1) end
    end
  end
end

--- What the pacer knows of the server's budget for a request that counts against `budgets`
-- (the narrowest one that a response told of): `{ remaining, reset, limit, window }`, or nil.
function Pacer:info(now, budgets)
  budgets = budgets or M.TOKEN
  local st = self.failed and self.fallback or self.store
  for i = #budgets, 1, -1 do
    local sc = scope(self, budgets[i])
    local key, last = sc.key, sc.last
    local avail = st:get(key .. ":avail")
    if avail or last then
      local out = {}
      local reset = st:get(key .. ":reset")
      if type(avail) == "number" and type(reset) == "number" then
        local t = st:now(now)
        out.remaining = avail > 0 and avail or 0
        out.reset = reset > t and reset - t or 0
      end
      last = last or {}
      local limit, window = st:get(key .. ":limit"), st:get(key .. ":window")
      out.limit = type(limit) == "number" and limit or last.limit
      out.window = type(window) == "number" and window or last.window
      return out
    end
  end
  return nil
end

-- One static budget of the option, `{ limit = n, window = seconds }` or both nil (the default
-- `dflt`): the budget, or nil and a problem.
local function check_budget(limit, window, dflt)
  if limit == nil and window == nil then limit, window = dflt.limit, dflt.window end
  if type(limit) ~= "number" or limit % 1 ~= 0 or limit < 1 or limit > 100000 then
    return nil, "limit: expected a whole number of requests from 1 to 100000"
  end
  if type(window) ~= "number" or window ~= window or window <= 0 or window > 86400 then
    return nil, "window: expected seconds greater than 0, at most 86400"
  end
  return { limit = limit, window = window }
end

local function key_name(k)
  return type(k) == "string" and k or "of type " .. type(k)
end

local OPTION_KEYS = { limit = true, window = true, recordings = true, shared = true,
                      store = true, local_share = true, on_error = true }

--- Checks the `rate_limit` option of `realtimekit.new`: nil (the default budgets), false (no
-- static budget) or `{ limit = n, window = s, recordings = { limit = n, window = s } or false,
-- shared = "<dict>", store = store, local_share = f, on_error = "local" or "fail" }`, where
-- `limit` and `window` are the token's budget and every part may be left out (its default).
-- Returns the configuration, `{ static = { token = {limit, window}, recordings = … }, store =
-- the store the budgets are in (Redis's, the shared dict's) or nil, remote = whether that is
-- one that may fail, fallback = the shared dict's store when both are given, local_share,
-- on_error }`, or nil and a problem.
function M.check(v)
  if v == false then return { static = {} } end
  if v == nil then v = {} end
  if type(v) ~= "table" then
    return nil, "expected false or a table { limit = n, window = seconds, recordings = "
      .. "{ limit = n, window = seconds } or false, shared = name, store = store }"
  end
  for k in pairs(v) do
    if not OPTION_KEYS[k] then
      return nil, "unknown key " .. key_name(k) .. " (it takes limit, window, recordings, "
        .. "shared, store, local_share, on_error)"
    end
  end
  local static = {}
  local token, problem = check_budget(v.limit, v.window, M.DEFAULTS.token)
  if not token then return nil, problem end
  static.token = token
  local rec = v.recordings
  if rec ~= false then
    if rec == nil then rec = {} end
    if type(rec) ~= "table" then
      return nil, "recordings: expected false or a table { limit = n, window = seconds }"
    end
    for k in pairs(rec) do
      if k ~= "limit" and k ~= "window" then
        return nil, "recordings: unknown key " .. key_name(k) .. " (it takes limit, window)"
      end
    end
    static.recordings, problem = check_budget(rec.limit, rec.window, M.DEFAULTS.recordings)
    if not static.recordings then return nil, "recordings: " .. problem end
  end
  local out = { static = static }
  local share = v.local_share
  if share ~= nil and (type(share) ~= "number" or share ~= share or share <= 0 or share > 1) then
    return nil, "local_share: expected a fraction above 0, at most 1"
  end
  out.local_share = share
  if v.on_error ~= nil and v.on_error ~= "local" and v.on_error ~= "fail" then
    return nil, "on_error: expected \"local\" or \"fail\""
  end
  out.on_error = v.on_error
  if v.shared ~= nil then
    local shared, why = store.shared(v.shared)
    if not shared then return nil, "shared: " .. why end
    out.store = shared
  end
  if v.store ~= nil then
    local st = v.store
    if type(st) ~= "table" or type(st.take) ~= "function" or type(st.learn) ~= "function"
        or type(st.pause) ~= "function" or type(st.now) ~= "function"
        or type(st.get) ~= "function" then
      return nil, "store: expected a store (realtimekit.store.redis(conn), say)"
    end
    out.fallback, out.store, out.remote = out.store, st, true
  elseif share ~= nil or v.on_error ~= nil then
    return nil, (share ~= nil and "local_share" or "on_error") .. ": only with store"
  end
  return out
end

return M
