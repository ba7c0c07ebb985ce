--- Turns an endpoint description and a call's arguments into a checked request: every argument
-- validated, the URL built and percent-encoded. Nothing here touches the network.
-- @module realtimekit.request
local errors = require "realtimekit.errors"
local types = require "realtimekit.types"

local type, pairs, select, tostring = type, pairs, select, tostring
local concat, sort = table.concat, table.sort
local format, gsub, byte = string.format, string.gsub, string.byte

local M = {}

local EMPTY = {}

--- Percent-encodes everything but RFC 3986's unreserved characters (explicit ASCII classes, so
-- a host program's locale cannot change what %w matches).
local function pct(c) return format("%%%02X", byte(c)) end
function M.escape(s)
  return (gsub(s, "[^A-Za-z0-9%-%._~]", pct))
end
local escape = M.escape

-- Parameters every call takes besides the endpoint's own: they fill the path, in this order.
local PATH_PARAMS = { { "account_id", types.account_id }, { "app_id", types.app_id } }
local IS_PATH_PARAM = { account_id = true, app_id = true }

-- Options a call takes besides its parameters; they shape how it is sent, not the URL.
local CALL_OPTIONS = {
  max_retries = function(v)
    if type(v) ~= "number" or v ~= v or v % 1 ~= 0 or v < 0 or v > 10 then
      return nil, "expected a whole number from 0 to 10, got " .. tostring(v)
    end
    return v
  end,
}
M.CALL_OPTIONS = CALL_OPTIONS

local MISSING = {
  account_id = "required: pass account_id to realtimekit.new or to this call, "
    .. "or set CLOUDFLARE_ACCOUNT_ID",
  app_id = "required: pass app_id to realtimekit.new or to this call",
}

--- Prepares an endpoint row once: its path split into literals and parameter names, and the
-- set of parameter names it accepts.
function M.compile(resource, name, row)
  row.id = resource .. ":" .. name
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

--- Checks a call and builds its request.
-- @param client the client (base_url, account_id, app_id defaults)
-- @param row a compiled endpoint row
-- @tparam table args positional arguments, in the row's order
-- @param params the call's params table or nil
-- @tparam[opt] table extra names of further params the caller handles itself (ignored here)
-- @return `{method, url, path}` or nil and an `invalid_argument` error
function M.build(client, row, args, params, extra)
  if params == nil then
    params = EMPTY
  elseif type(params) ~= "table" then
    return nil, errors.invalid("params", "expected a table, got a " .. type(params))
  end
  for k in pairs(params) do
    if type(k) ~= "string" then
      return nil, errors.invalid("params", "keys must be parameter names, got a " .. type(k) ..
        " key " .. tostring(k))
    end
    if not row.accepts[k] and not IS_PATH_PARAM[k] and not CALL_OPTIONS[k]
      and not (extra and extra[k]) and not (row.body and row.body.by_name[k]) then
      return nil, errors.invalid(k, "unknown parameter for " .. row.id ..
        (row.known ~= "" and " (it takes " .. row.known .. ")" or ""))
    end
  end

  local values = {}
  for i = 1, #PATH_PARAMS do
    local pname, check = PATH_PARAMS[i][1], PATH_PARAMS[i][2]
    local v = params[pname]
    if v == nil then v = client[pname] end
    if v == nil and row.uses[pname] then return nil, errors.invalid(pname, MISSING[pname]) end
    if v ~= nil then
      local s, problem = check(v)
      if not s then return nil, errors.invalid(pname, problem) end
      values[pname] = s
    end
  end
  for i = 1, #row.args do
    local pname, check = row.args[i][1], row.args[i][2]
    local v = args[i]
    if v == nil then return nil, errors.invalid(pname, "required") end
    local s, problem = check(v)
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
  for i = 1, #row.query do
    local qname, check = row.query[i][1], row.query[i][2]
    local v = params[qname]
    if v ~= nil then
      local s, problem = check(v)
      if not s then return nil, errors.invalid(qname, problem) end
      if type(s) == "table" then -- a list: the key repeated, as the API takes arrays
        for j = 1, #s do q[#q + 1] = qname .. "=" .. escape(s[j]) end
      else
        q[#q + 1] = qname .. "=" .. escape(s)
      end
    end
  end

  -- The body: the params that are the body's fields, checked and encoded by its schema.
  local body, secrets
  if row.body then
    local fields = {}
    for k, v in pairs(params) do
      if row.body.by_name[k] then fields[k] = v end
    end
    local at, problem = row.body:check(fields, "")
    if at then return nil, errors.invalid(at, problem) end
    body = row.body:encode(fields)
    secrets = row.body:secrets(fields)
    if #secrets == 0 then secrets = nil end
  end
  local max_retries = params.max_retries
  if max_retries ~= nil then
    local _, problem = CALL_OPTIONS.max_retries(max_retries)
    if problem then return nil, errors.invalid("max_retries", problem) end
  end

  local url = client.base_url .. path
  if #q > 0 then url = url .. "?" .. concat(q, "&") end
  return { method = row.http, url = url, path = client.base_path .. path, row = row,
           max_retries = max_retries, body = body, secrets = secrets }
end

return M
