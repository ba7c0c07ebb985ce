--- The error object every failing call returns (or an iterator raises).
-- Fields: `kind` (`invalid_argument`, `api`, `decode`, `network`, `timeout`, `tls`; and for
-- webhooks `invalid_signature`, `duplicate`, `too_large`: see `realtimekit.webhook`), `message`,
-- and where known `param`, `status`, `code`, `errors`, `retryable`, `retry_after`, `cf_ray`,
-- `body` (the start of the response body), `method` and `path`: see `Error`.
--
-- The kinds: `invalid_argument`, a parameter or option is wrong and nothing was sent (never
-- retried); `api`, the API answered with an error status or `success: false` (408, 409, 429 and
-- 5xx are retried); `decode`, the response is not JSON, not shaped like the endpoint's, or
-- larger than `max_body` (never retried); `network`, no complete response (retried; POST and
-- PATCH only when nothing was sent); `timeout`, an attempt took longer than `timeout` or
-- `connect_timeout` (retried, but not POST and PATCH); `tls`, the certificate is not trusted or
-- not for the host (never retried).
-- @module realtimekit.errors
local setmetatable, getmetatable, tostring, tonumber, type, pairs =
  setmetatable, getmetatable, tostring, tonumber, type, pairs
local concat = table.concat
local string_format = string.format

local M = {}

local BODY_START = 512

--- An error object: a plain table with these fields, of which only `kind` and `message` are
-- always there, and a `__tostring`. A call returns it as its second value; an iterator raises
-- it; `realtimekit.is_error(v)` tells it from other values. Neither the token nor a body's
-- secrets ever appear in it.
-- @table Error
-- @field kind `"invalid_argument"`, `"api"`, `"decode"`, `"network"`, `"timeout"` or `"tls"`;
-- from `realtimekit.webhook` also `"invalid_signature"`, `"duplicate"` or `"too_large"`
-- @field message what went wrong, in one line
-- @field param (`invalid_argument`) the parameter or option at fault
-- @field status the HTTP status, when a response arrived
-- @field code the API's error code, when it gave one
-- @field errors the API's list of errors, each `{code = …, message = …}`
-- @field retryable whether trying again may help: 408, 409, 429, 5xx, network failures and
-- timeouts (the server's `x-should-retry` header wins)
-- @field retry_after seconds the server asked to wait (`retry-after-ms` or `retry-after`)
-- @field attempts how many attempts were made, retries included
-- @field transport_code (`network`, `timeout`, `tls`) why the transfer failed, such as
-- `COULDNT_CONNECT` or `OPERATION_TIMEDOUT`
-- @field cf_ray the response's `cf-ray` header, to quote to Cloudflare's support
-- @field body the first 512 bytes of the response body
-- @field method the request's HTTP method
-- @field path the request's path
-- @field page_no (a walk that stopped because a page did not advance) the page it asked for
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
  if self.status then notes[#notes + 1] = "HTTP " .. tostring(self.status) end
  if self.code and self.code ~= self.status then
    notes[#notes + 1] = "code " .. tostring(self.code)
  end
  local line = "realtimekit " .. self.kind .. " error"
  if #notes > 0 then line = line .. " (" .. concat(notes, ", ") .. ")" end
  line = line .. ": " .. self.message
  if self.method and self.path then
    line = line .. " [" .. self.method .. " " .. self.path .. "]"
  end
  if self.attempts and self.attempts > 1 then
    line = line .. " after " .. self.attempts .. " attempts"
  end
  if self.retry_after then
    line = line .. string_format(" (retry after %gs)", self.retry_after)
  end
  if self.cf_ray then line = line .. " cf-ray " .. self.cf_ray end
  return (line:gsub("%c+", " "))
end

--- Whether v is an error object (`realtimekit.is_error`).
-- @param v any value
-- @treturn boolean
function M.is(v)
  return type(v) == "table" and getmetatable(v) == Error
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

--- s with every occurrence of the plain text `secret` replaced by "[REDACTED]".
function M.scrub(s, secret)
  local out, from = {}, 1
  while true do
    local i, j = s:find(secret, from, true)
    if not i then break end
    out[#out + 1] = s:sub(from, i - 1)
    out[#out + 1] = "[REDACTED]"
    from = j + 1
  end
  if from == 1 then return s end
  out[#out + 1] = s:sub(from)
  return concat(out)
end

--- An invalid_argument error naming the parameter.
-- @local
function M.invalid(param, problem)
  return M.new("invalid_argument", param .. ": " .. problem, { param = param })
end

-- The C core's failure kinds, by name. Only this module maps them. A response above max_body
-- arrived but is not one the API sends: a decode error, like any other response of the wrong
-- shape. "invalid": the transport cannot make the request as configured or where it is called
-- (the ngx transport's missing location or phase).
local TRANSPORT_KINDS = {
  network = "network", timeout = "timeout", tls = "tls",
  too_large = "decode", nomem = "network", invalid = "invalid_argument",
}

--- An error from a failed transfer (no HTTP response).
-- @local
function M.transport(kind, message, name, req)
  return M.new(TRANSPORT_KINDS[kind] or "network", message or kind, {
    retryable = kind == "network" or kind == "timeout",
    transport_code = name,
    method = req and req.method, path = req and req.path,
  })
end

-- Failures that prove a request never reached the server: nothing was sent.
local NOT_SENT = { COULDNT_CONNECT = true, COULDNT_RESOLVE_HOST = true,
                   COULDNT_RESOLVE_PROXY = true }

--- Whether a failed attempt may be sent again. GET, PUT and DELETE: when the error is
-- retryable. POST and PATCH could create or change something twice, so only when the request
-- provably did not take effect: no connection was made, or the server refused it with 429 or
-- with 503 and a Retry-After.
-- @local
function M.may_retry(method, err)
  if not err.retryable then return false end
  if method ~= "POST" and method ~= "PATCH" then return true end
  if err.transport_code then return NOT_SENT[err.transport_code] == true end
  return err.status == 429 or (err.status == 503 and err.retry_after ~= nil)
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
M.days_from_civil = days_from_civil

--- Seconds to wait that the response asks for (`retry-after-ms`, `retry-after` in seconds or as
-- an HTTP date), or nil.
-- @local
function M.retry_after(headers, now)
  local ms = tonumber(headers["retry-after-ms"])
  if ms and ms > 0 then return ms / 1000 end
  local ra = headers["retry-after"]
  if not ra then return nil end
  local s = tonumber(ra)
  if s then return s >= 0 and s or nil end
  local d, mon, y, hh, mm, ss = ra:match(
    "^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  if not d or not MONTHS[mon] then return nil end
  local t = days_from_civil(tonumber(y), MONTHS[mon], tonumber(d)) * 86400
    + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
  local wait = t - (now or os.time())
  return wait > 0 and wait or 0
end

local function retryable(status, headers)
  local hint = headers["x-should-retry"]
  if hint == "true" then return true end
  if hint == "false" then return false end
  return status == 408 or status == 409 or status == 429 or status >= 500
end

local function text(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return tostring(v) end
  return nil
end

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
      message, code = text(one.message), one.code
      list = { { code = one.code, message = text(one.message) } }
    elseif type(one) == "string" then
      message = one
    end
    if type(many) == "table" and #many > 0 then
      local parts = {}
      list = {}
      for i = 1, #many do
        local e = many[i]
        if type(e) == "table" then
          list[#list + 1] = { code = e.code, message = text(e.message) }
          parts[#parts + 1] = text(e.message) and
            (e.code and string_format("%s (code %s)", e.message, tostring(e.code)) or e.message)
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
  local snippet = body:sub(1, BODY_START)
  if redact then
    message, snippet = redact(message), redact(snippet)
    if list then
      for i = 1, #list do
        if list[i].message then list[i].message = redact(list[i].message) end
      end
    end
  end
  return M.new("api", message, {
    status = status,
    code = code,
    errors = list,
    retryable = retryable(status, headers),
    retry_after = M.retry_after(headers),
    cf_ray = headers["cf-ray"],
    body = snippet,
    method = req and req.method, path = req and req.path,
  })
end

--- A `decode` error: the response arrived but is not what the API sends.
-- @local
function M.decode(problem, status, headers, body, req, redact)
  local snippet = body and body:sub(1, BODY_START)
  if redact and snippet then snippet = redact(snippet) end
  return M.new("decode", problem, {
    status = status,
    cf_ray = headers and headers["cf-ray"],
    body = snippet,
    retryable = false,
    method = req and req.method, path = req and req.path,
  })
end

return M
