--- The retry rule, whole: which failures are worth another attempt, which writes may be sent
-- again, how long to wait before the next attempt (the server's hint, else a backoff with
-- jitter), how many attempts a call gets, and what a call's deadline does to its attempts and
-- waits. The error constructors (`realtimekit.errors`) and the engine ask this module; none of
-- them decides any of it.
--
-- The rule, in short:
--
-- - retryable: 408, 409, 429 and 5xx answers, network failures and timeouts; the server's
--   `x-should-retry: true` or `false` wins;
-- - a write (POST, PATCH) could create or change something twice: it is sent again only when it
--   provably did not take effect (no connection was made, or the server refused it with 429);
--   one that failed after it may have reached the server (a timeout or a lost connection after
--   sending, any 5xx) has `outcome = "unknown"` and is not retryable. A write never reuses a
--   kept-alive connection, which the server may have closed as the request left;
-- - the wait: `retry-after-ms`, else `Retry-After` (seconds or an HTTP date), else 0.5 s
--   doubling up to 8 s, less up to a quarter at random; a server's wait longer than
--   `max_retry_wait` is not slept: the call fails with it in `retry_after`;
-- - `max_retries` retries after the first attempt (default 2);
-- - a call's deadline is never waited past: an attempt's timeouts are cut to what is left, and
--   a wait that would end beyond it ends the call instead.
-- @module realtimekit.retry
local compat = require "realtimekit.compat"

local type, tonumber, pairs = type, tonumber, pairs
local format = string.format
local random = math.random

local M = {}

--- Retries after a failed attempt, unless a client or a call says otherwise.
M.DEFAULT_MAX_RETRIES = 2
--- The longest wait a server may ask for (Retry-After) that is obeyed; a longer one is not
-- slept: the error is returned with it in `retry_after`.
M.DEFAULT_MAX_RETRY_WAIT = 60
--- Backoff without a server hint: BACKOFF_BASE seconds doubling up to BACKOFF_CAP, less up to a
-- quarter at random.
M.BACKOFF_BASE, M.BACKOFF_CAP = 0.5, 8

-- Failures that prove a request never reached the server: nothing was sent (the C core's, and
-- the ngx transport's when nginx never sent the request upstream).
local NOT_SENT = { COULDNT_CONNECT = true, COULDNT_RESOLVE_HOST = true,
                   COULDNT_RESOLVE_PROXY = true, NGX_COULDNT_CONNECT = true,
                   NGX_CONNECT_TIMEOUT = true }

-- The methods that create or change something, and are not safe to send twice.
local WRITES = { POST = true, PATCH = true }

--- Whether a request of this method is a write that must not be sent twice (POST, PATCH).
function M.is_write(method)
  return WRITES[method] == true
end

--- Whether an attempt of this method must go over a new connection: a write, which a server
-- closing a kept-alive connection just as it left would leave in doubt (libcurl would then
-- send it again by itself).
function M.fresh_connection(method)
  return WRITES[method] == true
end

-- The options of a request that has none of its own, by whether it needs a new connection.
local NEW_CONNECTION, ANY_CONNECTION = { fresh_connect = true }, { fresh_connect = false }

--- The transport options of a request of `method`: `options` (nil for none) with
-- `fresh_connect` set, always, to `fresh_connection(method)`; the C core then opens a new
-- connection exactly when this rule says (the other transports take no such option).
function M.transport_options(method, options)
  local fresh = M.fresh_connection(method)
  if options == nil then return fresh and NEW_CONNECTION or ANY_CONNECTION end
  local out = { fresh_connect = fresh }
  for k, v in pairs(options) do
    if k ~= "fresh_connect" then out[k] = v end
  end
  return out
end

--- Whether an HTTP answer with this status is worth another attempt: the server's
-- `x-should-retry` (`"true"` or `"false"`) when it says, else 408, 409, 429 and 5xx.
-- @int status
-- @tparam table headers the response's headers, by lower-case name
function M.retryable_status(status, headers)
  local hint = headers["x-should-retry"]
  if hint == "true" then return true end
  if hint == "false" then return false end
  return status == 408 or status == 409 or status == 429 or status >= 500
end

--- Whether a failed transfer of this kind (the C core's: `network`, `timeout`, `tls`, …) is
-- worth another attempt.
function M.retryable_failure(kind)
  return kind == "network" or kind == "timeout"
end

--- Marks the error of a failed write (POST, PATCH) whose outcome is unknown: a `network` or
-- `timeout` failure not proven to have come before anything was sent, or a 5xx answer. It may
-- have taken effect, so it is not `retryable`, and has `outcome = "unknown"`. A TLS failure
-- comes before the request is sent; a 4xx answer (429 included) is the server refusing it.
-- Returns the error.
function M.mark_outcome(e, method)
  if not WRITES[method] then return e end
  local unknown
  if e.kind == "api" then
    unknown = type(e.status) == "number" and e.status >= 500
  elseif e.kind == "network" or e.kind == "timeout" then
    unknown = not NOT_SENT[e.transport_code]
  end
  if unknown then e.outcome, e.retryable = "unknown", false end
  return e
end

--- Whether the outcome of a call of `method` that its deadline ended is unknown: a write cut
-- short while its attempt was under way (`in_flight`), or whose last attempt (`cause`) left
-- its outcome unknown, may have taken effect.
function M.unknown_at_deadline(method, in_flight, cause)
  return (in_flight and WRITES[method]) or (cause ~= nil and cause.outcome == "unknown") or false
end

--- Whether a failed attempt may be sent again. GET, PUT and DELETE: when the error is
-- retryable. POST and PATCH could create or change something twice, so only when the request
-- provably did not take effect: no connection was made, or the server refused it with 429.
-- (A 5xx answer to one, 503 with Retry-After included, leaves its outcome unknown: see
-- `mark_outcome`.)
function M.may_retry(method, err)
  if not err.retryable then return false end
  if not WRITES[method] then return true end
  if err.outcome == "unknown" then return false end
  if err.transport_code then return NOT_SENT[err.transport_code] == true end
  return err.status == 429
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Header values longer than this are no hint (a hint is a few digits, or a 29-byte date):
-- nothing longer is read, so no server can make reading one cost more than that.
local MAX_HINT = 64

-- A non-negative decimal number ("250", "1.5", ".5", "2."), read digit by digit: no sign,
-- hex, exponent, inf or nan, and no dependence on the host's decimal point (tonumber("1.5") is
-- nil on Lua 5.1 under a "," locale).
local function decimal(s)
  if type(s) ~= "string" or #s > MAX_HINT then return nil end
  local whole, frac = s:match("^(%d*)%.?(%d*)$")
  if not whole or (whole == "" and frac == "") or (whole == "" and not s:find(".", 1, true)) then
    return nil
  end
  local n = whole == "" and 0 or tonumber(whole)
  if frac ~= "" then
    frac = frac:sub(1, 15)
    n = n + tonumber(frac) / 10 ^ #frac
  end
  return n
end

--- Seconds to wait that the response asks for, or nil: `retry-after-ms`, a non-negative
-- decimal number of milliseconds; else `Retry-After`, RFC 9110's delta-seconds (digits only)
-- or an HTTP date. Anything else (hex, an exponent, a sign, inf, nan, more than 64 bytes) is
-- no hint.
-- @tparam table headers by lower-case name
-- @tparam[opt] number now the time an HTTP date is counted from (default `os.time()`)
function M.retry_after(headers, now)
  local ms = decimal(headers["retry-after-ms"])
  if ms and ms > 0 then return ms / 1000 end
  local ra = headers["retry-after"]
  if type(ra) ~= "string" or #ra > MAX_HINT then return nil end
  if ra:find("^%d+$") then return tonumber(ra) end
  local d, mon, y, hh, mm, ss = ra:match(
    "^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  if not d or not MONTHS[mon] then return nil end
  local t = compat.days_from_civil(tonumber(y), MONTHS[mon], tonumber(d)) * 86400
    + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
  local wait = t - (now or os.time())
  return wait > 0 and wait or 0
end

--- The wait before retry number `k` (0 for the first) when the server gave no hint.
function M.backoff(k)
  local nominal = M.BACKOFF_BASE * 2 ^ k
  if nominal > M.BACKOFF_CAP then nominal = M.BACKOFF_CAP end
  return nominal * (1 - random() * 0.25)
end

--- Whether a wait of `seconds` that the rate limit imposes is longer than a call waits for
-- (`max_retry_wait`): the call then fails at once, with the wait in its error.
-- @tparam table policy `{ max_retries = n, max_retry_wait = seconds }`
function M.too_long(policy, seconds)
  return seconds > policy.max_retry_wait
end

--- After a failed attempt: the seconds to wait before the next one, or nil to give up (with
-- `err.attempts` set either way).
-- @tparam table policy the client's `{ max_retries = n, max_retry_wait = seconds }`
-- @param req the request (its `method`, and its own `max_retries` when the call gave one)
-- @param err the attempt's error
-- @int attempts the attempts made so far
function M.wait(policy, req, err, attempts)
  err.attempts = attempts
  local retries = req.max_retries or policy.max_retries
  if attempts > retries or not M.may_retry(req.method, err) then return nil end
  local after = err.retry_after
  if after == nil then return M.backoff(attempts - 1) end
  if after > policy.max_retry_wait then return nil end -- the caller decides whether to wait so long
  return after
end

-- How much earlier than the deadline an attempt whose timeout was cut to it may end with a
-- timeout that is the deadline's (the transport's timers are not exact to the millisecond).
local CUT_SLACK = 0.05

--- After a failed attempt of a call that may have a deadline: the seconds to wait before the
-- next attempt, or nil to give up. When the deadline is what ends the call, also what the
-- deadline did, in words for its error ("passed while attempt 2 was under way"), and whether
-- an attempt was under way then.
-- @tparam table policy as for `wait`
-- @param req the request
-- @param err the attempt's error
-- @int attempts the attempts made so far
-- @number now the time, on the clock of `deadline`
-- @tparam[opt] number deadline when the call must end, or nil
-- @tparam[opt] boolean cut whether the attempt's timeouts were cut to the deadline
-- @return the wait, or nil; or nil, the words and whether an attempt was under way
function M.after_failure(policy, req, err, attempts, now, deadline, cut)
  local wait = M.wait(policy, req, err, attempts)
  if not deadline then return wait end
  -- An attempt whose timeout was cut to the deadline and ran out ends the call; a wait that
  -- would end beyond the deadline fails now.
  if cut and err.kind == "timeout" and now + CUT_SLACK >= deadline then
    return nil, "passed while attempt " .. attempts .. " was under way", true
  end
  if wait and now + wait >= deadline then
    return nil, format("would pass before attempt %d (after a wait of %s s)", attempts + 1,
      compat.show_number(wait)), false
  end
  return wait
end

--- The transport options of an attempt made with `left` seconds before the call's deadline:
-- `options` (the request's), with the timeouts cut to what is left, and whether they were cut.
-- @param options the request's transport options, or nil
-- @number left seconds before the deadline
-- @number timeout the timeout of an attempt when the request gives none
-- @number connect_timeout likewise, to connect
function M.cut_to_deadline(options, left, timeout, connect_timeout)
  timeout = options and options.timeout or timeout
  local connect = options and options.connect_timeout or connect_timeout
  if left >= timeout and left >= connect then return options, false end
  local out = {}
  for k, v in pairs(options or out) do out[k] = v end
  if left < timeout then out.timeout = left end
  if left < connect then out.connect_timeout = left end
  return out, true
end

return M
