--- Redaction: the one place that keeps secrets out of what a program sees. Every string bound
-- for an error object, `tostring(err)`, the `on_request` hook or a log line goes through a
-- redactor made here, which replaces the API token and a request body's secrets (storage keys,
-- passwords) with `MARK`, and cuts a long text without leaving a secret's start at its end.
--
-- A redactor finds the token through a finder, `{scrub = function(s), tail = function(s)}`:
-- the C core keeps its token in C and finds it there (`transport_finder`); a token held in Lua
-- (the ngx transport's, a program's own transport's) is found by `finder`.
-- @module realtimekit.redact
local type, ipairs = type, ipairs
local concat, sort = table.concat, table.sort
local byte, find, sub = string.byte, string.find, string.sub

local M = {}

--- What a secret is replaced by.
M.MARK = "[REDACTED]"
local MARK = M.MARK

--- A secret shorter than this is not looked for: it would be every such letter of every message,
-- and no real token or key is so short.
M.MIN_SECRET = 4
local MIN_SECRET = M.MIN_SECRET

--- Text at least this long that a secret starts with counts as the secret: a message that quotes
-- a value cut short (the first 40 bytes of a meeting id that was really the token, say) does not
-- show the secret's start either. A shorter secret is matched only whole.
M.MIN_PREFIX = 8
local MIN_PREFIX = M.MIN_PREFIX

--- How much of a response body an error keeps, in bytes (`err.body`).
M.BODY_START = 512
local BODY_START = M.BODY_START

--- s with every occurrence of `secret`, and every run of at least `MIN_PREFIX` bytes that
-- `secret` starts with, replaced by `MARK` (a secret shorter than `MIN_SECRET` is left alone).
function M.scrub(s, secret)
  local n = #secret
  if n < MIN_SECRET then return s end
  local head = n > MIN_PREFIX and sub(secret, 1, MIN_PREFIX) or secret
  local i = find(s, head, 1, true)
  if not i then return s end
  local out, from = {}, 1
  while i do
    local j, k = i + #head, #head + 1
    while k <= n and byte(s, j) == byte(secret, k) do j, k = j + 1, k + 1 end
    out[#out + 1] = sub(s, from, i - 1)
    out[#out + 1] = MARK
    from = j
    i = find(s, head, from, true)
  end
  out[#out + 1] = sub(s, from)
  return concat(out)
end

--- How many bytes at the end of s are the start of `secret` (fewer than all of it), or 0.
function M.tail(s, secret)
  if #secret < MIN_SECRET then return 0 end
  local k = #secret - 1
  if k > #s then k = #s end
  while k > 0 do
    if sub(s, -k) == sub(secret, 1, k) then return k end
    k = k - 1
  end
  return 0
end

--- A finder for a token held in Lua: it is kept in the closures, and in nothing they return.
-- @string token
-- @treturn table `{scrub = function(s), tail = function(s)}`
function M.finder(token)
  return { scrub = function(s) return M.scrub(s, token) end,
           tail = function(s) return M.tail(s, token) end }
end

--- A finder for the token a transport keeps itself (the C core's client): through its
-- `redact(s)` and `token_tail(s)` methods, so that the token never becomes a Lua string.
-- @param transport the C core's client
-- @treturn table `{scrub = function(s), tail = function(s)}`
function M.transport_finder(transport)
  return { scrub = function(s) return transport:redact(s) end,
           tail = function(s) return transport:token_tail(s) end }
end

-- s (already redacted) cut to at most max bytes, never in the middle of a marker.
local function cut(s, max)
  local c = sub(s, 1, max)
  for k = #MARK - 1, 1, -1 do
    if sub(s, max - k + 1, max - k + #MARK) == MARK then return sub(c, 1, max - k) end
  end
  return c
end

--- The one redaction that every string bound for an error object, `tostring(err)` or the
-- `on_request` hook goes through. Makes `redact(s [, max])`: s with the token and every secret
-- replaced by `MARK` (see `scrub`), then, given max, cut to at most max bytes, never through a
-- marker and never ending in the start of a secret. Anything but a string is returned as it is.
-- @param token how the token is found (`finder`, `transport_finder`), or nil
-- @param secrets a list of further secret strings (a body's), or nil
-- @treturn function
function M.redactor(token, secrets)
  local list = {}
  for i = 1, secrets and #secrets or 0 do
    if type(secrets[i]) == "string" and #secrets[i] >= MIN_SECRET then
      list[#list + 1] = secrets[i]
    end
  end
  -- The longest first: a secret inside another is then never replaced before the longer one.
  sort(list, function(a, b) return #a > #b end)
  return function(s, max)
    if type(s) ~= "string" then return s end
    if token then s = token.scrub(s) end
    for i = 1, #list do s = M.scrub(s, list[i]) end
    if max and #s > max then
      s = cut(s, max)
      repeat
        local n = token and token.tail(s) or 0
        for i = 1, #list do
          local k = M.tail(s, list[i])
          if k > n then n = k end
        end
        s = sub(s, 1, #s - n)
      until n == 0
    end
    return s
  end
end

--- Redacts every string of an error object in place (message, param, code, errors, body,
-- cf_ray, method, path, transport_code) with a `redactor`'s function; the body is cut to
-- `BODY_START` bytes after its secrets are replaced. Returns the error.
-- @param e the error object
-- @tparam[opt] function redact a redactor's function (default: one without secrets)
function M.error(e, redact)
  redact = redact or M.redactor()
  for _, k in ipairs { "message", "param", "code", "cf_ray", "method", "path", "transport_code" } do
    if type(e[k]) == "string" then e[k] = redact(e[k]) end
  end
  if type(e.errors) == "table" then
    for i = 1, #e.errors do
      local one = e.errors[i]
      if type(one.code) == "string" then one.code = redact(one.code) end
      if type(one.message) == "string" then one.message = redact(one.message) end
    end
  end
  if type(e.body) == "string" then
    -- Only the start of a long body matters; twice as much is redacted, so that a secret which
    -- begins in the start and runs past it is seen whole (or as a long enough start of it).
    local body = e.body
    if #body > 2 * BODY_START then body = sub(body, 1, 2 * BODY_START) end
    body = redact(body, BODY_START)
    e.body = #body > BODY_START and cut(body, BODY_START) or body
  end
  return e
end

return M
