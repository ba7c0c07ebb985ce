--- Turns an endpoint description and a call's arguments into a checked request: every argument
-- validated, the URL built and percent-encoded. Nothing here touches the network.
-- @module realtimekit.request
local compat = require "realtimekit.compat"
local errors = require "realtimekit.errors"
local pacer = require "realtimekit.pacer"
local redaction = require "realtimekit.redact"
local schema = require "realtimekit.schema"

local type, pairs, ipairs, select, getmetatable = type, pairs, ipairs, select, getmetatable
local concat, sort = table.concat, table.sort
local format, gsub, byte, find = string.format, string.gsub, string.byte, string.find

local M = {}

local EMPTY = {}

--- Percent-encodes everything but RFC 3986's unreserved characters (explicit ASCII classes, so
-- a host program's locale cannot change what %w matches).
local function pct(c) return format("%%%02X", byte(c)) end
function M.escape(s)
  return (gsub(s, "[^A-Za-z0-9%-%._~]", pct))
end
local escape = M.escape
local describe = compat.describe

-- Parameters every call takes besides the endpoint's own: they fill the path, in this order.
-- The Cloudflare account id: with strict, of at most 32 characters (the docs' maxLength). The
-- app id: the docs' maxLength of 32 is not applied, since the 36-character UUIDs of every
-- example would break it.
local PATH_PARAMS = { { "account_id", schema.id { max_chars = 32 } }, { "app_id", schema.id() } }
--- The schemas of the parameters every call takes besides the endpoint's own, by name.
M.PATH_PARAMS = { account_id = PATH_PARAMS[1][2], app_id = PATH_PARAMS[2][2] }
local IS_PATH_PARAM = { account_id = true, app_id = true }

--- The longest wait a call's `timeout` may set, in seconds (as the client's own).
M.MAX_TIMEOUT = 2147483

local function seconds(v)
  if type(v) ~= "number" or v ~= v or v <= 0 or v > M.MAX_TIMEOUT then
    return nil, "expected a number of seconds greater than 0 (at most " .. M.MAX_TIMEOUT
      .. "), got " .. describe(v)
  end
  return v
end
M.seconds = seconds

-- Header names are RFC 9110 tokens. Those that frame the request or name its target are the
-- transport's, and Authorization is the client's own: none of them can be set by a caller.
local FORBIDDEN_HEADERS = { authorization = true, host = true, ["content-length"] = true,
                            ["transfer-encoding"] = true, connection = true, expect = true }

--- Checks a table of extra headers (name = value, value a string or number, or
-- `realtimekit.null` to drop one the client sends by default); returns them as an array of
-- `{lower-case name, "Name: value" line or false}`, or nil and a problem.
function M.headers(t, what)
  if type(t) ~= "table" then return nil, "expected a table of name = value, got a " .. type(t) end
  local out = {}
  for k, v in pairs(t) do
    if type(k) ~= "string" or not k:find("^[!#$%%&'*+%.^_`|~0-9A-Za-z%-]+$") then
      return nil, "header names must be HTTP tokens, got " ..
        (type(k) == "string" and format("%q", k:sub(1, 40)) or "a " .. type(k))
    end
    local lname = k:lower()
    if FORBIDDEN_HEADERS[lname] then
      return nil, k .. " cannot be set through " .. what
    end
    local line = false
    if v ~= schema.null then
      if type(v) == "number" then v = compat.number_text(v) end
      if type(v) ~= "string" then
        return nil, "the value of header " .. k .. " must be a string, got a " .. type(v)
      end
      if v:find("[%z\r\n]") then
        return nil, "the value of header " .. k .. " contains a CR, LF or NUL character"
      end
      line = k .. ": " .. v
    end
    out[#out + 1] = { lname, line }
  end
  sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- A query value as text: strings as they are, numbers without the host's locale, booleans as
-- true/false.
local function query_text(v)
  local tv = type(v)
  if tv == "string" then
    if find(v, "\0", 1, true) then return nil, "contains a NUL byte" end
    return v
  end
  if tv == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return nil, "expected a finite number" end
    return compat.number_text(v)
  end
  if tv == "boolean" then return v and "true" or "false" end
  return nil, "expected a string, number or boolean, got a " .. tv
end

--- Checks a free query table (name = value, or an array of values for a repeated key) and
-- returns its pairs, sorted by name, as `{name, text}`; or nil, the name at fault and a problem.
function M.query_pairs(t)
  if type(t) ~= "table" then
    return nil, nil, "expected a table of name = value, got a " .. type(t)
  end
  local names = {}
  for k in pairs(t) do
    if type(k) ~= "string" or k == "" or find(k, "\0", 1, true) then
      return nil, nil, "names must be non-empty strings without NUL, got " ..
        (type(k) == "string" and (k == "" and "an empty one" or "one with a NUL")
          or "a " .. type(k))
    end
    names[#names + 1] = k
  end
  sort(names)
  local out = {}
  for i = 1, #names do
    local k, v = names[i], t[names[i]]
    if type(v) == "table" and v ~= schema.null then
      local n, count = #v, 0
      for _ in pairs(v) do count = count + 1 end
      if count ~= n then return nil, k, "expected a value or an array of values" end
      for j = 1, n do
        local s, problem = query_text(v[j])
        if not s then return nil, k .. "[" .. j .. "]", problem end
        out[#out + 1] = { k, s }
      end
    else
      local s, problem = query_text(v)
      if not s then return nil, k, problem end
      out[#out + 1] = { k, s }
    end
  end
  return out
end

-- Options a call takes besides its parameters; they shape how it is sent, not what it asks.
local CALL_OPTIONS = {
  max_retries = function(v)
    if type(v) ~= "number" or v ~= v or v % 1 ~= 0 or v < 0 or v > 10 then
      return nil, "expected a whole number from 0 to 10, got " .. describe(v)
    end
    return v
  end,
  timeout = seconds,
  strict = function(v)
    if type(v) ~= "boolean" then return nil, "expected true or false, got " .. describe(v) end
    return v
  end,
  deadline = seconds,
  extra_headers = function(v) return M.headers(v, "extra_headers") end,
  extra_query = function(v)
    local pairs_, at, problem = M.query_pairs(v)
    if not pairs_ then return nil, (at and at .. ": " or "") .. problem end
    return pairs_
  end,
  extra_body = function(v)
    if type(v) ~= "table" or v == schema.null or getmetatable(v) == schema.ARRAY_MT then
      return nil, "expected a table of body fields, got " .. (v == schema.null and "null"
        or "a " .. type(v))
    end
    for k in pairs(v) do
      if type(k) ~= "string" then return nil, "keys must be field names, got a " .. type(k) end
    end
    local at, problem = schema.check_any(v, "", 0)
    if at then return nil, (at ~= "" and at .. ": " or "") .. problem end
    return v
  end,
}
M.CALL_OPTIONS = CALL_OPTIONS
--- The names of the options every call takes, in the order errors list them.
M.CALL_OPTION_NAMES = { "account_id", "app_id", "max_retries", "timeout", "deadline", "strict",
  "extra_headers", "extra_query", "extra_body" }

local MISSING = {
  account_id = "required: pass account_id to realtimekit.new or to this call, "
    .. "or set CLOUDFLARE_ACCOUNT_ID",
  app_id = "required: pass app_id to realtimekit.new or to this call, or set REALTIMEKIT_APP_ID",
}

--- Prepares an endpoint row once: its path split into literals and parameter names, the set
-- of parameter names it accepts, and the rate-limit budgets it counts against (`budgets`, a
-- list of names that starts with "token"; the token's alone when the row names none).
function M.compile(resource, name, row)
  row.id = resource .. ":" .. name
  if row.budgets == nil then
    row.budgets = pacer.TOKEN
  else
    row.budgets = assert(pacer.budgets(row.budgets))
  end
  row.args = row.args or {}
  row.query = row.query or {}
  row.accepts = {}
  local known = {}
  for i = 1, #row.query do
    row.accepts[row.query[i][1]] = row.query[i][2]
    known[#known + 1] = row.query[i][1]
  end
  sort(known)
  row.known = concat(known, ", ")
  local pieces, pos = {}, 1
  for s, pname, e in row.path:gmatch("(){([%w_]+)}()") do
    pieces[#pieces + 1] = row.path:sub(pos, s - 1)
    pieces[#pieces + 1] = { pname }
    pos = e
  end
  pieces[#pieces + 1] = row.path:sub(pos)
  row.pieces = pieces
  row.uses = {}
  for i = 1, #pieces do
    if type(pieces[i]) == "table" then row.uses[pieces[i][1]] = true end
  end
  if row.body then
    for field in pairs(row.body.by_name) do known[#known + 1] = field end
    sort(known)
    row.known = concat(known, ", ")
  end
  return row
end

--- Splits a call's varargs into the row's positional arguments and the params table.
function M.split(row, ...)
  local n = #row.args
  local args = { ... }
  return args, (select(n + 1, ...))
end

-- A params key as an error names it, without calling anything of the key's own.
local key_name = describe

--- The most headers one request may carry besides the client's own (the C core's limit).
M.MAX_HEADERS = 32

-- The header lines of a call: the client's `headers`, with the call's `extra_headers` over them.
local function header_lines(client, extra)
  local base = client.engine and client.engine.headers
  if not extra and not base then return nil end
  local by_name, order = {}, {}
  for _, list in ipairs { base or EMPTY, extra or EMPTY } do
    for i = 1, #list do
      local lname, line = list[i][1], list[i][2]
      if by_name[lname] == nil then order[#order + 1] = lname end
      by_name[lname] = line
    end
  end
  local lines = {}
  for i = 1, #order do
    if by_name[order[i]] then lines[#lines + 1] = by_name[order[i]] end
  end
  if #lines > M.MAX_HEADERS then
    return nil, "too many headers: at most " .. M.MAX_HEADERS .. " besides the client's own"
  end
  return #lines > 0 and lines or nil
end

-- The transport options of a call (timeout, header lines), or nil and an error.
local function transport_options(client, timeout, extra_headers, param)
  local lines, problem = header_lines(client, extra_headers)
  if problem then return nil, errors.invalid(param, problem) end
  if client.transport == "ngx" and (lines or timeout) then
    return nil, errors.invalid(lines and param or "timeout", "the ngx transport takes no "
      .. (lines and "extra headers" or "per-call timeout") .. ": its requests are shaped by "
      .. "the nginx location (docs/openresty.md)")
  end
  if not lines and not timeout then return nil end
  return { headers = lines, timeout = timeout }
end

-- Checks the call options present in params; returns them checked, or nil and an error.
local function call_options(params)
  local out = {}
  for k, check in pairs(CALL_OPTIONS) do
    local v = params[k]
    if v ~= nil then
      local checked, problem = check(v)
      if checked == nil then return nil, errors.invalid(k, problem) end
      out[k] = checked
    end
  end
  return out
end

-- Checks a body schema's fields where `extra` (extra_body) supplies some of them unchecked:
-- those count as present, and are not checked.
local function check_with_extra(body_schema, fields, extra, strict)
  for i = 1, #body_schema.fields do
    local f = body_schema.fields[i]
    local name, v = f[1], fields[f[1]]
    if extra[name] == nil then
      if v == nil then
        if f.required then return name, "required" end
      else
        local at, problem = f[2]:check(v, name, strict)
        if at then return at, problem end
      end
    end
  end
  if body_schema.one_of then
    local merged = {}
    for k, v in pairs(fields) do merged[k] = v end
    for k, v in pairs(extra) do merged[k] = v end
    return body_schema.one_of(merged, "")
  end
end

local ANY = schema.any()

-- The JSON object of a body's checked fields (in the schema's order) and extra_body's fields
-- (sorted), the latter replacing the former.
local function encode_with_extra(body_schema, fields, extra)
  local parts = {}
  if body_schema then
    for i = 1, #body_schema.fields do
      local f = body_schema.fields[i]
      local v = fields[f[1]]
      if v ~= nil and extra[f[1]] == nil then
        parts[#parts + 1] = schema.quote(f[1]) .. ":" .. f[2]:encode(v)
      end
    end
  end
  local names = {}
  for k in pairs(extra) do names[#names + 1] = k end
  sort(names)
  for i = 1, #names do
    parts[#parts + 1] = schema.quote(names[i]) .. ":" .. ANY:encode(extra[names[i]])
  end
  return "{" .. concat(parts, ",") .. "}"
end

--- Every name a row's params table accepts, for the "it takes" of an unknown-parameter error.
-- @param row a compiled row
-- @tparam[opt] table extra further names (an iterator's limit and concurrency)
function M.accepted(row, extra)
  local names = {}
  if row.known ~= "" then names[1] = row.known end
  local more = {}
  for i = 1, #M.CALL_OPTION_NAMES do more[i] = M.CALL_OPTION_NAMES[i] end
  if extra then
    local list = {}
    for k in pairs(extra) do list[#list + 1] = k end
    sort(list)
    for i = 1, #list do more[#more + 1] = list[i] end
  end
  names[#names + 1] = concat(more, ", ")
  return concat(names, "; and ")
end

-- Every name a row's params table accepts, as a list, for an unknown parameter's "did you
-- mean".
local function candidates(row, extra)
  local names = {}
  for i = 1, #row.query do names[#names + 1] = row.query[i][1] end
  if row.body then
    for i = 1, #row.body.fields do names[#names + 1] = row.body.fields[i][1] end
  end
  for i = 1, #M.CALL_OPTION_NAMES do names[#names + 1] = M.CALL_OPTION_NAMES[i] end
  for k in pairs(extra or EMPTY) do names[#names + 1] = k end
  sort(names)
  return names
end

-- Checks a call and builds its request (M.build, before redaction).
local function build(client, row, args, params, extra)
  if params == nil then
    params = EMPTY
  elseif type(params) ~= "table" then
    return nil, errors.invalid("params", "expected a table, got a " .. type(params))
  end
  for k in pairs(params) do
    if type(k) ~= "string" then
      return nil, errors.invalid("params", "keys must be parameter names, got " .. key_name(k)
        .. " key")
    end
    if not row.accepts[k] and not IS_PATH_PARAM[k] and not CALL_OPTIONS[k]
      and not (extra and extra[k]) and not (row.body and row.body.by_name[k]) then
      return nil, errors.invalid(k, "unknown parameter for " .. row.id
        .. errors.suggest(k, candidates(row, extra)) .. " (it takes " .. M.accepted(row, extra)
        .. ")")
    end
  end
  local opts, oerr = call_options(params)
  if not opts then return nil, oerr end
  -- The docs' formats and ranges are checked only in strict mode: the call's, or the client's.
  local strict = opts.strict
  if strict == nil then strict = client.strict == true end

  local values = {}
  for i = 1, #PATH_PARAMS do
    local pname, param = PATH_PARAMS[i][1], PATH_PARAMS[i][2]
    local v = params[pname]
    if v == nil then v = client[pname] end
    if v == nil and row.uses[pname] then return nil, errors.invalid(pname, MISSING[pname]) end
    if v ~= nil then
      local s, problem = param:param(v, strict)
      if not s then return nil, errors.invalid(pname, problem) end
      values[pname] = s
    end
  end
  for i = 1, #row.args do
    local pname, param = row.args[i][1], row.args[i][2]
    local v = args[i]
    if v == nil then return nil, errors.invalid(pname, "required") end
    local s, problem = param:param(v, strict)
    if not s then return nil, errors.invalid(pname, problem) end
    values[pname] = s
  end

  local path = {}
  for i = 1, #row.pieces do
    local p = row.pieces[i]
    path[i] = type(p) == "table" and escape(values[p[1]]) or p
  end
  path = concat(path)

  local q = {}
  local replaced = {}
  if opts.extra_query then
    for i = 1, #opts.extra_query do replaced[opts.extra_query[i][1]] = true end
  end
  for i = 1, #row.query do
    local qname, param = row.query[i][1], row.query[i][2]
    local v = params[qname]
    -- No query parameter of the SDK's types takes null.
    if v == schema.null then return nil, errors.invalid(qname, "cannot be null") end
    if v ~= nil then
      local s, problem = param:param(v, strict)
      if not s then return nil, errors.invalid(qname, problem) end
      -- When extra_query names it too, its value is sent instead, unchecked.
      if not replaced[qname] then
        if type(s) == "table" then -- a list: the key repeated, as the API takes arrays
          for j = 1, #s do q[#q + 1] = qname .. "=" .. escape(s[j]) end
        else
          q[#q + 1] = qname .. "=" .. escape(s)
        end
      end
    end
  end
  if opts.extra_query then
    for i = 1, #opts.extra_query do
      local pair = opts.extra_query[i]
      q[#q + 1] = escape(pair[1]) .. "=" .. escape(pair[2])
    end
  end

  -- The body: the params that are the body's fields, checked and encoded by its schema, and
  -- extra_body's fields merged in unchecked.
  local body, secrets
  local extra_body = opts.extra_body
  if extra_body and row.http == "GET" then
    return nil, errors.invalid("extra_body", row.id .. " is a GET, which sends no body")
  end
  if row.body then
    local fields = {}
    for k, v in pairs(params) do
      if row.body.by_name[k] then fields[k] = v end
    end
    local at, problem
    if extra_body then
      at, problem = check_with_extra(row.body, fields, extra_body, strict)
    else
      at, problem = row.body:check(fields, "", strict)
    end
    if at then return nil, errors.invalid(at, problem) end
    body = extra_body and encode_with_extra(row.body, fields, extra_body)
      or row.body:encode(fields)
    secrets = row.body:secrets(fields)
    if #secrets == 0 then secrets = nil end
  elseif extra_body then
    body = encode_with_extra(nil, EMPTY, extra_body)
  end

  local options, terr = transport_options(client, opts.timeout, opts.extra_headers,
    "extra_headers")
  if terr then return nil, terr end

  local url = client.base_url .. path
  if #q > 0 then url = url .. "?" .. concat(q, "&") end
  return { method = row.http, url = url, path = client.base_path .. path, row = row,
           max_retries = opts.max_retries, body = body, secrets = secrets, options = options,
           budgets = row.budgets, deadline = opts.deadline }
end

-- The redaction of a client's argument errors: its engine's (the token), or, for a table that
-- has no engine, one that knows no token.
local function redactor(client)
  if client.engine then return client.engine:redactor() end
  return redaction.redactor()
end

--- Checks a call and builds its request.
-- @param client the client: `base_url`, `base_path`, the `account_id`, `app_id` and `strict`
-- defaults, `transport`, and its `engine`'s `headers` and redaction (a table without an
-- engine stands for a client with no headers of its own)
-- @param row a compiled endpoint row
-- @tparam table args positional arguments, in the row's order
-- @param params the call's params table or nil
-- @tparam[opt] table extra names of further params the caller handles itself (ignored here)
-- @return `{method, url, path, row, max_retries, body, secrets, options, budgets, deadline}`
-- or nil and an
-- `invalid_argument` error, redacted as every error is (its message may quote a value, which
-- may be the token passed by mistake)
function M.build(client, row, args, params, extra)
  local req, err = build(client, row, args, params, extra)
  if not req then return nil, redaction.error(err, redactor(client)) end
  return req
end

local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }
local RAW_OPTIONS = { query = true, body = true, headers = true, timeout = true,
                      deadline = true, max_retries = true, account_id = true, app_id = true,
                      strict = true }
local RAW_OPTION_LIST = "account_id, app_id, body, deadline, headers, max_retries, query, strict, "
  .. "timeout"
--- The options `client:request` takes, as a set.
M.RAW_OPTIONS = RAW_OPTIONS
--- The row every `client:request` shares: its value is the whole decoded body.
M.RAW_ROW = { id = "request", http = "*", args = {}, query = {}, accepts = {}, known = "",
              raw = true }

-- A path's characters that go into the URL as they are (RFC 3986 pchar and "/"); every other
-- byte is percent-encoded, and so is a "%" that does not start an escape.
local function escape_path(p)
  p = gsub(p, "%%(%x?%x?)", function(hex)
    if #hex == 2 then return nil end
    return "%25" .. hex
  end)
  return (gsub(p, "[^A-Za-z0-9%-%._~!$&'()*+,;=:@/%%]", pct))
end

-- Checks a client:request (M.raw, before redaction).
local function raw(client, method, path, opts)
  if type(method) ~= "string" or not METHODS[method:upper()] then
    return nil, errors.invalid("method", "expected GET, POST, PUT, PATCH or DELETE, got " ..
      (type(method) == "string" and format("%q", method:sub(1, 20)) or "a " .. type(method)))
  end
  method = method:upper()
  if opts == nil then opts = EMPTY end
  if type(opts) ~= "table" then
    return nil, errors.invalid("opts", "expected a table, got a " .. type(opts))
  end
  for k in pairs(opts) do
    if type(k) ~= "string" then
      return nil, errors.invalid("opts", "keys must be option names, got " .. key_name(k)
        .. " key")
    end
    if not RAW_OPTIONS[k] then
      return nil, errors.invalid(k, "unknown option for client:request (it takes "
        .. RAW_OPTION_LIST .. ")")
    end
  end
  local strict = opts.strict
  if strict ~= nil then
    local _, why = CALL_OPTIONS.strict(strict)
    if why then return nil, errors.invalid("strict", why) end
  else
    strict = client.strict == true
  end
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    return nil, errors.invalid("path", "expected a path below base_url that starts with /, got "
      .. (type(path) == "string" and "one that does not" or "a " .. type(path)))
  end
  if path:find("[%z%c ?#]") then
    return nil, errors.invalid("path", "cannot contain spaces, control characters, ? or # "
      .. "(give the query as opts.query)")
  end
  for segment in path:gmatch("[^/]+") do
    local plain = segment:gsub("%%2[Ee]", ".")
    if plain == "." or plain == ".." then
      return nil, errors.invalid("path", "cannot contain a . or .. segment")
    end
  end
  local problem
  path = gsub(path, "{([^}]*)}", function(name)
    if problem then return "" end
    if not IS_PATH_PARAM[name] then
      problem = errors.invalid("path", "has {" .. name:sub(1, 40) .. "}; only {account_id} and "
        .. "{app_id} are filled in")
      return ""
    end
    local v = opts[name]
    if v == nil then v = client[name] end
    if v == nil then
      problem = errors.invalid(name, MISSING[name])
      return ""
    end
    for i = 1, #PATH_PARAMS do
      if PATH_PARAMS[i][1] == name then
        local s, why = PATH_PARAMS[i][2]:param(v, strict)
        if not s then
          problem = errors.invalid(name, why)
          return ""
        end
        return escape(s)
      end
    end
  end)
  if problem then return nil, problem end
  for _, name in ipairs { "account_id", "app_id" } do
    if opts[name] ~= nil then
      local s, why
      for i = 1, #PATH_PARAMS do
        if PATH_PARAMS[i][1] == name then s, why = PATH_PARAMS[i][2]:param(opts[name], strict) end
      end
      if not s then return nil, errors.invalid(name, why) end
    end
  end
  path = escape_path(path)

  local q = {}
  if opts.query ~= nil then
    local pairs_, at, why = M.query_pairs(opts.query)
    if not pairs_ then return nil, errors.invalid(at and "query." .. at or "query", why) end
    for i = 1, #pairs_ do q[i] = escape(pairs_[i][1]) .. "=" .. escape(pairs_[i][2]) end
  end

  local body = opts.body
  if body ~= nil then
    if method == "GET" then
      return nil, errors.invalid("body", "a GET sends no body")
    end
    if type(body) == "table" and body ~= schema.null then
      local at, why = schema.check_any(body, "", 0)
      if at then return nil, errors.invalid(at ~= "" and "body." .. at or "body", why) end
      body = ANY:encode(body)
    elseif type(body) ~= "string" then
      return nil, errors.invalid("body", "expected a table (sent as JSON) or a string (sent as "
        .. "it is), got a " .. (body == schema.null and "null" or type(body)))
    end
  end

  local max_retries = opts.max_retries
  if max_retries ~= nil then
    local _, why = CALL_OPTIONS.max_retries(max_retries)
    if why then return nil, errors.invalid("max_retries", why) end
  end
  local timeout = opts.timeout
  if timeout ~= nil then
    local _, why = seconds(timeout)
    if why then return nil, errors.invalid("timeout", why) end
  end
  if opts.deadline ~= nil then
    local _, why = seconds(opts.deadline)
    if why then return nil, errors.invalid("deadline", why) end
  end
  local extra_headers
  if opts.headers ~= nil then
    local why
    extra_headers, why = M.headers(opts.headers, "headers")
    if not extra_headers then return nil, errors.invalid("headers", why) end
  end
  local options, terr = transport_options(client, timeout, extra_headers, "headers")
  if terr then return nil, terr end

  local url = client.base_url .. path
  if #q > 0 then url = url .. "?" .. concat(q, "&") end
  return { method = method, url = url, path = client.base_path .. path, row = M.RAW_ROW,
           max_retries = max_retries, body = body, options = options,
           budgets = pacer.budgets_of_path(path), deadline = opts.deadline }
end

--- Checks a `client:request(method, path, opts)` and builds its request: any endpoint below
-- the base URL, with `{account_id}` and `{app_id}` filled in. A path under an app's
-- `/recordings` counts against the recordings budget as the recording rows do
-- (`pacer.budgets_of_path`).
-- @return the request, or nil and an `invalid_argument` error (redacted, as `build`'s)
function M.raw(client, method, path, opts)
  local req, err = raw(client, method, path, opts)
  if not req then return nil, redaction.error(err, redactor(client)) end
  return req
end

return M
