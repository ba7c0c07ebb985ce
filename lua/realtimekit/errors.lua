--- The error object every failing call returns (or an iterator raises).
--
-- How an error reaches a program: a call returns `nil, err`, the object. `realtimekit.new` and
-- `webhook.receiver`, whose errors are mistakes of configuration, return `nil, message, err`:
-- the message first, a string, so that `assert(realtimekit.new { … })` prints it on every Lua
-- and inside nginx. What realtimekit raises (an iterator's failed page, `each`'s bad
-- arguments, `realtimekit.assert`) is the object where a `pcall` or `xpcall` of the running
-- coroutine will catch it, and its one-line message, a string, anywhere else: nginx's error log,
-- Lua 5.1's interpreter and C hosts show only strings (nginx logs any other value as "unknown
-- reason"). See `raise`.
--
-- Fields: `kind` (`invalid_argument`, `api`, `decode`, `network`, `timeout`, `tls`; and for
-- webhooks `invalid_signature`, `duplicate`, `in_progress`, `too_large`: see
-- `realtimekit.webhook`), `message`,
-- and where known `param`, `status`, `code`, `errors`, `retryable`, `retry_after`, `outcome`,
-- `cf_ray`, `body` (the start of the response body), `method` and `path`: see `Error`.
--
-- The kinds: `invalid_argument`, a parameter or option is wrong and nothing was sent (never
-- retried); `api`, the API answered with an error status or `success: false` (408, 409, 429 and
-- 5xx are retried); `decode`, the response is not JSON, not shaped like the endpoint's, or
-- larger than `max_body` (never retried); `network`, no complete response (retried; POST and
-- PATCH only when nothing was sent); `timeout`, an attempt took longer than `timeout` or
-- `connect_timeout`, or the call's `deadline` passed (retried, but not POST and PATCH); `tls`,
-- the certificate is not trusted or not for the host (never retried).
--
-- A POST or PATCH whose failure came after the request may have reached the server (a timeout
-- or a lost connection after sending, any 5xx answer) has `outcome = "unknown"` and
-- `retryable = false`: the write may have taken effect, and sending it again may make it twice.
-- @module realtimekit.errors
local compat = require "realtimekit.compat"
local redaction = require "realtimekit.redact"
local retry = require "realtimekit.retry"

local setmetatable, getmetatable, type, pairs, error, tostring =
  setmetatable, getmetatable, type, pairs, error, tostring
local concat = table.concat
local show_number = compat.show_number

local M = {}

--- How much of a response body an error keeps, in bytes (`err.body`).
M.BODY_START = redaction.BODY_START

--- An error object: a plain table with these fields, of which only `kind` and `message` are
-- always there, and a `__tostring`. A call returns it as its second value; an iterator raises
-- it; `realtimekit.is_error(v)` tells it from other values. Neither the token nor a body's
-- secrets ever appear in it.
-- @table Error
-- @field kind `"invalid_argument"`, `"api"`, `"decode"`, `"network"`, `"timeout"` or `"tls"`;
-- from `realtimekit.webhook` also `"invalid_signature"`, `"duplicate"`, `"in_progress"` or
-- `"too_large"`
-- @field message what went wrong, in one line
-- @field param (`invalid_argument`) the parameter or option at fault
-- @field status the HTTP status, when a response arrived
-- @field code the API's error code, when it gave one
-- @field errors the API's list of errors, each `{code = …, message = …}`
-- @field retryable whether trying again may help: 408, 409, 429, 5xx, network failures and
-- timeouts (the server's `x-should-retry` header wins); never for a write whose outcome is
-- unknown
-- @field retry_after seconds the server asked to wait (`retry-after-ms` or `retry-after`), or
-- that the rate-limit budget holds the request back
-- @field outcome `"unknown"` for a POST or PATCH that may have taken effect: it timed out or
-- lost its connection after the request left, or the server answered with a 5xx; absent
-- otherwise (nothing was sent, or the server refused the request)
-- @field attempts how many attempts were made, retries included (0 for a call whose deadline
-- passed before its first attempt)
-- @field deadline (`timeout`) the call's deadline in seconds, when that is what ended it
-- @field cause (`timeout`, with `deadline`) the error of the last attempt, when one failed
-- @field transport_code (`network`, `timeout`, `tls`) why the transfer failed, such as
-- `COULDNT_CONNECT` or `OPERATION_TIMEDOUT`
-- @field cf_ray the response's `cf-ray` header, to quote to Cloudflare's support
-- @field hint (401, 403) what to check first: the token, and its Realtime permission
-- @field body the first 512 bytes of the response body
-- @field method the request's HTTP method
-- @field path the request's path
-- @field page_no (a walk's) the page that failed, counted from 1 in pages of
-- `params.per_page`: a walk given `params` starts there again
-- @field params (a walk's) the list's parameters for that page: its filters as the walk was
-- given them, `per_page` and `page_no` (not the call options), redacted as every string here
-- @usage
-- local meeting, err = client.meetings:get(id)
-- if not meeting then
--   if err.kind == "api" and err.status == 404 then return nil end
--   error(tostring(err)) -- realtimekit api error (HTTP 500): … [GET /client/v4/…] cf-ray …
-- end
local Error = {}
Error.__index = Error

-- One readable line: kind, status and code, message, request and cf-ray.
function Error:__tostring()
  local notes = {}
  local status, code = M.text(self.status), M.text(self.code)
  if status then notes[#notes + 1] = "HTTP " .. status end
  if code and code ~= status then notes[#notes + 1] = "code " .. code end
  local line = "realtimekit " .. (M.text(self.kind) or "unknown") .. " error"
  if #notes > 0 then line = line .. " (" .. concat(notes, ", ") .. ")" end
  line = line .. ": " .. (M.text(self.message) or "")
  local method, path = M.text(self.method), M.text(self.path)
  local page = type(self.page_no) == "number" and ", page " .. show_number(self.page_no) or ""
  if method and path then line = line .. " [" .. method .. " " .. path .. page .. "]" end
  if self.outcome == "unknown" then
    line = line .. " (outcome unknown: the write may have taken effect)"
  end
  if type(self.attempts) == "number" and self.attempts > 1 then
    line = line .. " after " .. show_number(self.attempts) .. " attempts"
  end
  if type(self.retry_after) == "number" then
    line = line .. " (retry after " .. show_number(self.retry_after) .. "s)"
  end
  local cf_ray = M.text(self.cf_ray)
  if cf_ray then line = line .. " cf-ray " .. cf_ray end
  local hint = M.text(self.hint)
  if hint then line = line .. " (" .. hint .. ")" end
  return (line:gsub("%c+", " "))
end

-- `"failed: " .. err` reads as `"failed: " .. tostring(err)`; anything that cannot be
-- concatenated stays an error, as Lua's own.
local function concat_part(v)
  if M.is(v) then return tostring(v) end
  local tv = type(v)
  if tv == "string" or tv == "number" then return v end
  error("attempt to concatenate a " .. tv .. " value", 3)
end
function Error.__concat(a, b)
  return concat_part(a) .. concat_part(b)
end

--- A string as it is, a number as text (whatever the host's locale); anything else nil. Never
-- calls a metamethod.
-- @local
function M.text(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return show_number(v) end
  return nil
end

--- Whether v is an error object (`realtimekit.is_error`).
-- @param v any value
-- @treturn boolean
function M.is(v)
  return type(v) == "table" and getmetatable(v) == Error
end

-- The protected calls that catch an error: Lua's own, as loaded, and as they are now.
local lua_pcall, lua_xpcall = pcall, xpcall
local getinfo = type(debug) == "table" and debug.getinfo

--- Whether an error raised by the function that calls this one will be caught by a `pcall` or
-- `xpcall` of the running coroutine: whether one of them is on its stack. (A protected call in
-- another coroutine, one that resumed this, is out of sight: the error escapes this
-- coroutine's stack first.) False where the debug library is missing.
-- @local
function M.caught()
  if not getinfo then return false end
  local g = _G
  local now_pcall, now_xpcall = g.pcall, g.xpcall
  local level = 3
  while true do
    local info = getinfo(level, "f")
    if not info then return false end
    local f = info.func
    if f == lua_pcall or f == lua_xpcall or f == now_pcall or f == now_xpcall then
      return true
    end
    level = level + 1
  end
end

--- Raises `err` as realtimekit raises every error: an error object as it is where a `pcall` or
-- `xpcall` of the running coroutine will catch it (so that the program reads its fields), and
-- as its one-line message, a string that starts with the position of the code at `level`
-- (as `error` counts), anywhere else: there nothing but a string is shown (nginx logs a table
-- as "unknown reason", Lua 5.1's interpreter as "error object is not a string"). Any other
-- value is raised as `error(err, level)` would.
-- @param err the error
-- @int[opt=1] level where the error is said to be, as for `error`
-- @local
function M.raise(err, level)
  level = (level or 1) + 1
  if M.is(err) then
    if M.caught() then error(err, 0) end
    error(tostring(err), level)
  end
  error(err, level)
end

--- `assert` for realtimekit's calls (`realtimekit.assert`): returns its arguments when `v` is
-- neither nil nor false; otherwise raises its second argument with `raise` (an error object as
-- realtimekit raises every error; a string, with the caller's position; nothing, "assertion
-- failed!").
-- @local
function M.assert(v, ...)
  if v then return v, ... end
  local err = ...
  if err == nil then err = "assertion failed!" end
  M.raise(err, 2) -- not a tail call, which would take this function's place on the stack
end

--- A new error of the given kind; fields are copied in.
-- @local
function M.new(kind, message, fields)
  local e = { kind = kind, message = message }
  if fields then
    for k, v in pairs(fields) do e[k] = v end
  end
  return setmetatable(e, Error)
end

-- The edit distance between two short strings (insertions, deletions, substitutions, and
-- swaps of two neighbours), or a number above `max` once it is sure to exceed it.
local function distance(a, b, max)
  local la, lb = #a, #b
  if math.abs(la - lb) > max then return max + 1 end
  local prev2, prev = {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    local cur = { [0] = i }
    local best = i
    for j = 1, lb do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      local d = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d = math.min(d, prev2[j - 2] + 1)
      end
      cur[j] = d
      if d < best then best = d end
    end
    if best > max then return max + 1 end
    prev2, prev = prev, cur
  end
  return prev[lb]
end

--- " (did you mean 'x'?)" for the candidate closest to `name`, when one is close enough, else
-- "".
-- @local
function M.suggest(name, candidates)
  if type(name) ~= "string" then return "" end
  local max = #name <= 4 and 1 or 2
  local best, best_d
  for i = 1, #candidates do
    local d = distance(name:lower(), candidates[i]:lower(), max)
    if d <= max and (not best_d or d < best_d) then best, best_d = candidates[i], d end
  end
  return best and (" (did you mean '" .. best .. "'?)") or ""
end

--- An invalid_argument error naming the parameter.
-- @local
function M.invalid(param, problem)
  return M.new("invalid_argument", param .. ": " .. problem, { param = param })
end

--- Checks an option table's keys against the known ones: nil, or an `invalid_argument` error
-- naming the first unknown one. A key that is not a string is described by its type, so nothing
-- of the key's own (a `__tostring`) runs.
-- @param opts the options table
-- @tparam table known the known names, as a set
-- @string what what takes them, for the message ("realtimekit.new")
-- @local
function M.check_options(opts, known, what)
  for k in pairs(opts) do
    if type(k) ~= "string" then
      return M.invalid("options", "keys must be option names, got " .. compat.describe(k)
        .. " key")
    end
    if not known[k] then return M.invalid(k, "unknown option for " .. what) end
  end
end

-- The C core's failure kinds, by name. Only this module maps them. A response above max_body
-- arrived but is not one the API sends: a decode error, like any other response of the wrong
-- shape. "invalid": the transport cannot make the request as configured or where it is called
-- (the ngx transport's missing location or phase).
local TRANSPORT_KINDS = {
  network = "network", timeout = "timeout", tls = "tls",
  too_large = "decode", nomem = "network", invalid = "invalid_argument",
}

--- An error from a failed transfer (no HTTP response). `unsent`: the transfer is known not to
-- have started (the transport refused to start it), so a write's outcome is not in doubt.
-- @local
function M.transport(kind, message, name, req, redact, unsent)
  local e = redaction.error(M.new(TRANSPORT_KINDS[kind] or "network",
    M.text(message) or M.text(kind) or "the transfer failed", {
    retryable = retry.retryable_failure(kind),
    transport_code = M.text(name),
    method = req and req.method, path = req and req.path,
  }), redact)
  if unsent or not req then return e end
  return retry.mark_outcome(e, req.method)
end

local text = M.text

-- An error code as the API gives it: a number or a string, else nothing.
local function code_of(v)
  if type(v) == "string" or type(v) == "number" then return v end
  return nil
end

-- What to check first when the API refuses the credentials.
local HINTS = {
  [401] = "check CLOUDFLARE_API_TOKEN (or api_token): the token is missing, mistyped or revoked",
  [403] = "check that the token (CLOUDFLARE_API_TOKEN) has the Realtime or Realtime Admin "
    .. "permission, for this account (CLOUDFLARE_ACCOUNT_ID)",
}

--- An `api` error from an HTTP response that failed: a non-2xx status, or `success: false`.
-- Reads both error shapes: `{"errors":[{code,message}]}` and `{"error":{code,message}}`.
-- @param status the HTTP status
-- @param headers the response's headers, by lower-case name
-- @param body the raw body
-- @param decoded the decoded body, or nil when it is not JSON
-- @param req the request, for its method and path, or nil
-- @param redact a function that removes secrets from a string, or nil
-- @local
function M.from_response(status, headers, body, decoded, req, redact)
  local message, code, list
  if type(decoded) == "table" then
    local one, many = decoded.error, decoded.errors
    if type(one) == "table" then
      message, code = text(one.message), code_of(one.code)
      list = { { code = code, message = text(one.message) } }
    elseif type(one) == "string" then
      message = one
    end
    if type(many) == "table" and #many > 0 then
      local parts = {}
      list = {}
      for i = 1, #many do
        local e = many[i]
        if type(e) == "table" then
          local c, m = code_of(e.code), text(e.message)
          list[#list + 1] = { code = c, message = m }
          parts[#parts + 1] = m and (c and #many > 1 and m .. " (code " .. text(c) .. ")" or m)
        end
      end
      if #parts > 0 then message = message or concat(parts, "; ") end
      code = code or (list[1] and list[1].code)
    end
    message = message or text(decoded.message)
  end
  if not message then
    if decoded == nil and body ~= "" then
      message = "HTTP " .. status .. " with a body that is not JSON"
    elseif status >= 200 and status < 300 then
      message = "the API answered success: false"
    else
      message = "HTTP " .. status
    end
  end
  local e = redaction.error(M.new("api", message, {
    status = status,
    code = code,
    hint = HINTS[status],
    errors = list,
    retryable = retry.retryable_status(status, headers),
    retry_after = retry.retry_after(headers),
    cf_ray = headers["cf-ray"],
    body = body,
    method = req and req.method, path = req and req.path,
  }), redact)
  return req and retry.mark_outcome(e, req.method) or e
end

--- A `decode` error: the response arrived but is not what the API sends.
-- @local
function M.decode(problem, status, headers, body, req, redact)
  return redaction.error(M.new("decode", problem, {
    status = status,
    cf_ray = headers and headers["cf-ray"],
    body = body,
    retryable = false,
    method = req and req.method, path = req and req.path,
  }), redact)
end

return M
