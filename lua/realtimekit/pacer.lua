--- Rate-limit pacing: before a request is sent, the client asks its pacer whether the budget
-- allows it now, and how long to wait if not. Three things decide, and the strictest wins:
--
-- * the API's own headers, read from every response: `Ratelimit: "default";r=50;t=30` (r
--   requests remain, the window resets in t seconds) and `Ratelimit-Policy: "burst";q=100;w=60`
--   (q requests per w seconds), in the syntax of draft-ietf-httpapi-ratelimit-headers;
-- * a static budget, for servers that send no headers: at most `limit` requests in any
--   `window` seconds (default RealtimeKit's documented 250 per 10 s);
-- * a pause after a 429: no request of the client leaves before its Retry-After has passed.
--
-- Inside OpenResty, `shared = "<lua_shared_dict>"` keeps the static budget, the header budget
-- and the pause in the shared dict, so every worker of the server counts against one budget.
-- @module realtimekit.pacer
local errors = require "realtimekit.errors"

local type, tonumber, setmetatable, pairs = type, tonumber, setmetatable, pairs
local floor = math.floor
local find, sub, byte = string.find, string.sub, string.byte

local M = {}

--- RealtimeKit's documented limit: 250 requests per 10 seconds.
M.DEFAULT = { limit = 250, window = 10 }

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
  return type(headers) == "table" and errors.retry_after(headers) or nil
end

-- The pacer of one client, its state in Lua tables (times on the core's monotonic clock).
local Local = {}
Local.__index = Local

-- The pacer whose state is in an nginx shared dict (times on ngx.now()).
local Shared = {}
Shared.__index = Shared

--- Makes a pacer. `budget` is nil (the default budget), false (no static budget) or a table
-- `{limit, window[, shared]}`, already checked.
function M.new(budget)
  local static
  if budget ~= false then
    budget = budget or M.DEFAULT
    static = { limit = budget.limit, window = budget.window }
  end
  if budget and budget.shared then
    local ngx = rawget(_G, "ngx")
    return setmetatable({ static = static, dict = ngx.shared[budget.shared], inflight = 0,
                          prefix = "realtimekit:" .. (static and (static.limit .. "/"
                            .. static.window) or "none") .. ":" }, Shared)
  end
  return setmetatable({ static = static, log = {}, head = 1, inflight = 0, pause_until = 0 },
    Local)
end

-- The window of the static budget, stretched by the slack.
local function stretched(window)
  return window * (1 + M.SLACK_FACTOR) + M.SLACK
end

--- Asks to send a request at `now`: 0 when it may go (and it is counted), else the seconds to
-- wait before asking again.
function Local:admit(now)
  if now < self.pause_until then return self.pause_until - now end
  local hdr = self.hdr
  if hdr and now >= hdr.reset_at then
    -- The server's window has reset: a new one of `limit` requests, if the policy said, less
    -- what is still in flight and may land in it.
    if hdr.limit and hdr.window then
      while hdr.reset_at <= now do hdr.reset_at = hdr.reset_at + hdr.window end
      hdr.available = hdr.limit - self.inflight
    else
      self.hdr, hdr = nil, nil
    end
  end
  if hdr and hdr.available <= 0 then return hdr.reset_at - now end
  local static = self.static
  if static then
    local oldest = self.log[self.head]
    -- The same sum decides and measures the wait: with times of 1e9 seconds (ngx.now()), a
    -- difference compared to the window can round otherwise than the sum does.
    local ready = oldest and oldest + stretched(static.window)
    if ready and now < ready then return ready - now end
    self.log[self.head] = now
    self.head = self.head % static.limit + 1
  end
  if hdr then hdr.available = hdr.available - 1 end
  self.inflight = self.inflight + 1
  return 0
end

-- Whether a reset time the server gives now is that of the window already known (its `t` is
-- in whole seconds, so two readings of one window differ by less than a second).
local function same_window(known_reset, new_reset, window)
  local tolerance = window and window < 2 and window / 2 or 1
  return known_reset and new_reset < known_reset + tolerance
    and new_reset > known_reset - tolerance
end

--- A request it admitted has ended, with these response headers and status (both nil for a
-- transfer that failed or was cancelled).
function Local:observe(headers, status, now)
  if self.inflight > 0 then self.inflight = self.inflight - 1 end
  local info = M.read(headers)
  if info then
    local hdr = self.hdr or {}
    hdr.limit, hdr.window = info.limit or hdr.limit, info.window or hdr.window
    if info.remaining then
      -- Requests still in flight may count against what is left: assume they all do. Within
      -- one window what is left only shrinks, so an answer that overtook a later one cannot
      -- make it grow again.
      local available, reset_at = info.remaining - self.inflight, now + info.reset
      if self.hdr and now < hdr.reset_at and same_window(hdr.reset_at, reset_at, hdr.window) then
        if available < hdr.available then hdr.available = available end
        if reset_at > hdr.reset_at then hdr.reset_at = reset_at end
      else
        hdr.available, hdr.reset_at = available, reset_at
      end
      self.hdr = hdr
    elseif self.hdr then
      self.hdr = hdr
    end
    self.last = info
  end
  if status == 429 then
    -- Without a Retry-After (nor a reset in the headers) only the request that met the 429
    -- backs off, by the retry policy.
    local wait = retry_after(headers) or (info and info.remaining and info.reset)
    if wait and now + wait > self.pause_until then self.pause_until = now + wait end
  end
end

--- What the pacer knows of the budget: `{ remaining, reset, limit, window }`, or nil.
function Local:info(now)
  local hdr = self.hdr
  if not hdr and not self.last then return nil end
  local out = {}
  if hdr then
    out.remaining = hdr.available
    if out.remaining < 0 then out.remaining = 0 end
    out.reset = hdr.reset_at - now
    if out.reset < 0 then out.reset = 0 end
  end
  local last = self.last or {}
  out.limit, out.window = (hdr and hdr.limit) or last.limit, (hdr and hdr.window) or last.window
  return out
end

-- Shared: the same rules, over the dict. Every read-modify-write runs under a lock (a key
-- added with a short expiry, so a worker that dies holding it cannot wedge the others).
local function now_ngx()
  local ngx = rawget(_G, "ngx")
  ngx.update_time()
  return ngx.now()
end

local LOCK_TTL, LOCK_RETRY = 0.1, 0.002

function Shared:admit()
  local dict, p = self.dict, self.prefix
  local now = now_ngx()
  local pause = dict:get(p .. "pause")
  if pause and now < pause then return pause - now end
  if not dict:add(p .. "lock", true, LOCK_TTL) then return LOCK_RETRY end
  local wait = 0
  local avail, reset = dict:get(p .. "h:avail"), dict:get(p .. "h:reset")
  if avail and reset and now >= reset then
    local limit, window = dict:get(p .. "h:limit"), dict:get(p .. "h:window")
    if limit and window and window > 0 then
      while reset <= now do reset = reset + window end
      avail = limit - self.inflight
      dict:set(p .. "h:reset", reset)
    else
      avail = nil
      dict:delete(p .. "h:avail")
    end
  end
  if avail and avail <= 0 then wait = reset - now end
  local static = self.static
  if wait == 0 and static then
    local head = dict:get(p .. "s:head") or 1
    local oldest = dict:get(p .. "s:" .. head)
    local ready = oldest and oldest + stretched(static.window)
    if ready and now < ready then
      wait = ready - now
    else
      dict:set(p .. "s:" .. head, now, static.window * 2 + 1)
      dict:set(p .. "s:head", head % static.limit + 1)
    end
  end
  if wait == 0 then
    if avail then dict:set(p .. "h:avail", avail - 1) end
    self.inflight = self.inflight + 1
  end
  dict:delete(p .. "lock")
  return wait
end

function Shared:observe(headers, status)
  if self.inflight > 0 then self.inflight = self.inflight - 1 end
  local dict, p = self.dict, self.prefix
  local now = now_ngx()
  local info = M.read(headers)
  if info then
    if info.limit then
      dict:set(p .. "h:limit", info.limit)
      dict:set(p .. "h:window", info.window)
    end
    if info.remaining and dict:add(p .. "lock", true, LOCK_TTL) then
      -- As in one process, but what other workers have in flight is not known here: their own
      -- answers, and a 429's pause, make up for it.
      local available, reset_at = info.remaining - self.inflight, now + info.reset
      local known, avail = dict:get(p .. "h:reset"), dict:get(p .. "h:avail")
      if avail and known and now < known
        and same_window(known, reset_at, dict:get(p .. "h:window")) then
        if available < avail then dict:set(p .. "h:avail", available) end
        if reset_at > known then dict:set(p .. "h:reset", reset_at) end
      else
        dict:set(p .. "h:avail", available)
        dict:set(p .. "h:reset", reset_at)
      end
      dict:delete(p .. "lock")
    end
    self.last = info
  end
  if status == 429 then
    local wait = retry_after(headers) or (info and info.remaining and info.reset)
    local pause = dict:get(p .. "pause")
    if wait and (not pause or now + wait > pause) then
      dict:set(p .. "pause", now + wait, wait + 1)
    end
  end
end

function Shared:info()
  local dict, p = self.dict, self.prefix
  local now = now_ngx()
  local avail, reset = dict:get(p .. "h:avail"), dict:get(p .. "h:reset")
  local last = self.last
  if not avail and not last then return nil end
  local out = { limit = dict:get(p .. "h:limit"), window = dict:get(p .. "h:window") }
  if avail and reset then
    out.remaining = avail > 0 and avail or 0
    out.reset = reset > now and reset - now or 0
  end
  return out
end

--- Checks the `rate_limit` option of `realtimekit.new`; returns the budget (nil, false or a
-- table) or nil and a problem.
function M.check(v)
  if v == nil or v == false then return v end
  if type(v) ~= "table" then
    return nil, "expected false or a table { limit = n, window = seconds [, shared = name] }"
  end
  for k in pairs(v) do
    if k ~= "limit" and k ~= "window" and k ~= "shared" then
      return nil, "unknown key " .. (type(k) == "string" and k or "of type " .. type(k))
        .. " (it takes limit, window, shared)"
    end
  end
  local limit, window = v.limit, v.window
  if limit == nil and window == nil then limit, window = M.DEFAULT.limit, M.DEFAULT.window end
  if type(limit) ~= "number" or limit % 1 ~= 0 or limit < 1 or limit > 100000 then
    return nil, "limit: expected a whole number of requests from 1 to 100000"
  end
  if type(window) ~= "number" or window ~= window or window <= 0 or window > 86400 then
    return nil, "window: expected seconds greater than 0, at most 86400"
  end
  local out = { limit = limit, window = window }
  if v.shared ~= nil then
    local ngx = rawget(_G, "ngx")
    if type(v.shared) ~= "string" then
      return nil, "shared: expected the name of a lua_shared_dict"
    end
    if not ngx or type(ngx.shared) ~= "table" then
      return nil, "shared: a lua_shared_dict works only inside OpenResty"
    end
    if not ngx.shared[v.shared] then
      return nil, "shared: no lua_shared_dict " .. v.shared .. " in nginx.conf (add "
        .. "`lua_shared_dict " .. v.shared .. " 1m;` to the http block)"
    end
    out.shared = v.shared
  end
  return out
end


return M
