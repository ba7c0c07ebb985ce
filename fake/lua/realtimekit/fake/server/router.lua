-- Routes an API request to its resource module. Each module lists its routes as
--   { method, "meetings/:meeting_id/participants", handler, query = {...}, body = schema|"none" }
-- (paths after /accounts/{account_id}/realtime/kit/{app_id}/, or after .../kit/ with
-- account = true) and how to look up its path ids (`params`). For the route a request matches,
-- in this order: ids are looked up (400 for a malformed meeting id, 404 for an unknown one), the
-- method is checked (405), then the query (400), then the body (400), and the handler runs with
-- ctx = { app, app_id, args, body, <id name without _id> = what the lookup found }.
-- Query rules: "count" (a number >= 0), "time" (ISO 8601), "string", "bool", "unix" (a number
-- of seconds), "date" (YYYY-MM-DD), "filters" (peer report parts, comma-separated), or an enum
-- made by common.enum: { set = {...}, multi = true when the key may repeat }.
-- Bodies: a schema (fake.schema: the body must be a JSON object that passes it), "none" (no
-- body, or an empty one), or nothing (whatever comes is ignored: GET, DELETE).
local data = require "realtimekit.fake.server.data"
local json = require "realtimekit.jsonpure"
local schema = require "realtimekit.fake.server.schema"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local type, pairs, ipairs = type, pairs, ipairs
local rtk_error, v4_error = common.rtk_error, common.v4_error

local MODULES = { "apps", "meetings", "presets", "sessions", "recordings", "webhooks",
                  "active_session", "livestreams", "analytics" }

-- routes[scope][segment count] = routes in matching order (literal segments before ids).
local routes = { app = {}, account = {} }
local resolvers = {}

local function compile(r, order)
  local segs, params, shape = {}, {}, {}
  for seg in r[2]:gmatch("[^/]+") do
    local name = seg:match("^:(.+)$")
    segs[#segs + 1] = not name and seg or false
    shape[#shape + 1] = name and "P" or "L"
    if name then
      params[#params + 1] = { pos = #segs, name = name, key = name:gsub("_id$", "") }
    end
  end
  return { method = r[1], pattern = r[2], handler = r[3], query = r.query or {}, body = r.body,
           partial = r.partial, segs = segs, params = params, shape = table.concat(shape),
           order = order }
end

local order = 0
for _, name in ipairs(MODULES) do
  local mod = require("realtimekit.fake.server." .. name)
  for _, r in ipairs(mod.routes) do
    order = order + 1
    local c = compile(r, order)
    local scope = routes[r.account and "account" or "app"]
    local n = #c.segs
    scope[n] = scope[n] or {}
    table.insert(scope[n], c)
  end
  for k, f in pairs(mod.params or {}) do resolvers[k] = f end
end
for _, scope in pairs(routes) do
  for _, list in pairs(scope) do
    table.sort(list, function(a, b)
      if a.shape ~= b.shape then return a.shape < b.shape end
      return a.order < b.order
    end)
  end
end
for _, scope in pairs(routes) do
  for _, list in pairs(scope) do
    for _, r in ipairs(list) do
      for _, p in ipairs(r.params) do
        p.resolve = resolvers[p.name] or error("no lookup for path id " .. p.name)
      end
    end
  end
end

-- Query checks --------------------------------------------------------------------------------

local function is_date(s)
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  return y ~= nil and data.parse_time(y .. "-" .. m .. "-" .. d .. "T00:00:00Z") ~= nil
end

local PEER_FILTERS = { device_info = true, ip_information = true,
                       precall_network_information = true, events = true, quality_stats = true }

local function is_filter_list(v)
  if v == "" then return false end
  for f in (v .. ","):gmatch("([^,]*),") do
    if not PEER_FILTERS[f] then return false end
  end
  return true
end

-- A decimal number as JSON writes one (the SDK types these parameters as numbers).
local function is_number(v)
  local mantissa = v:gsub("[eE][-+]?%d+$", "", 1)
  local n = tonumber(v)
  return (mantissa:match("^%-?%d+%.?%d*$") ~= nil or mantissa:match("^%-?%.%d+$") ~= nil)
    and n ~= nil and n > -math.huge and n < math.huge
end

local CHECKS = {
  count = function(v)
    return is_number(v) and v:sub(1, 1) ~= "-", "must be a number, at least 0"
  end,
  time = function(v) return data.parse_time(v) ~= nil, "must be an ISO 8601 date-time" end,
  string = function() return true end,
  bool = function(v) return v == "true" or v == "false", "must be true or false" end,
  unix = function(v) return is_number(v), "must be Unix seconds (a number)" end,
  date = function(v) return is_date(v), "must be a date (YYYY-MM-DD)" end,
  filters = function(v)
    return is_filter_list(v), "must be device_info, ip_information, "
      .. "precall_network_information, events or quality_stats (or a comma-separated list)"
  end,
}

local function check_query(rules, args)
  for k, v in pairs(args) do
    local rule = rules[k]
    if not rule then return "unknown query parameter '" .. k .. "'" end
    if type(rule) == "table" then
      if type(v) == "table" then
        if not rule.multi then return "malformed query parameter '" .. k .. "'" end
        for _, x in ipairs(v) do
          if not rule.set[x] then return "invalid value for '" .. k .. "'" end
        end
      elseif not rule.set[v] then
        return "invalid value for '" .. k .. "'"
      end
    elseif type(v) == "table" then
      return "malformed query parameter '" .. k .. "'"
    else
      local ok, problem = CHECKS[rule](v)
      if not ok then return "'" .. k .. "' " .. problem end
    end
  end
  return nil
end

-- Dispatch ------------------------------------------------------------------------------------

local function match(r, segs, first)
  local want = r.segs
  for i = 1, #want do
    local w = want[i]
    if w and w ~= segs[first + i - 1] then return false end
  end
  return true
end

--- Answers one request: segs are the path's decoded segments, args the decoded query (a
-- repeated key holds a list), raw_body the body or nil. Returns status, body.
function M.dispatch(method, segs, args, raw_body)
  -- segs: client, v4, accounts, <account>, realtime, kit, <app> or apps, ...
  if segs[1] ~= "client" or segs[2] ~= "v4" or segs[3] ~= "accounts" or not segs[4]
    or segs[5] ~= "realtime" or segs[6] ~= "kit" or not segs[7] then
    return v4_error(404, 7000, "No route for that URI")
  end
  if segs[4] ~= data.ACCOUNT_ID then
    return v4_error(403, 9109, "Unauthorized to access requested resource")
  end
  local ctx = { method = method, args = args }
  local scope, first
  if segs[7] == "apps" then
    scope, first = routes.account, 7
  else
    local app = state.apps[segs[7]]
    if not app then return rtk_error(404, "App not found") end
    ctx.app, ctx.app_id = app, segs[7]
    scope, first = routes.app, 8
  end
  local chosen, fallback
  for _, r in ipairs(scope[#segs - first + 1] or {}) do
    if match(r, segs, first) then
      fallback = fallback or r
      if r.method == method then
        chosen = r
        break
      end
    end
  end
  local r = chosen or fallback
  if not r then return v4_error(404, 7000, "No route for that URI") end
  ctx.route = r.pattern
  for _, p in ipairs(r.params) do
    local v, status, body = p.resolve(ctx, segs[first + p.pos - 1])
    if v == nil then return status, body end
    ctx[p.key] = v
  end
  if not chosen then return rtk_error(405, "Method not allowed") end
  local problem = check_query(r.query, args)
  if problem then return rtk_error(400, problem) end
  if r.body == "none" then
    if raw_body and raw_body ~= "" then
      return rtk_error(400, "body: this endpoint takes no body")
    end
  elseif r.body then
    if not raw_body or raw_body == "" then return rtk_error(400, "body: must be a JSON object") end
    local v, err = json.decode(raw_body)
    if v == nil then return rtk_error(400, "body: not valid JSON (" .. err .. ")") end
    problem = schema.validate(v, r.body, r.partial)
    if problem then return rtk_error(400, problem) end
    ctx.body = v
  end
  return r.handler(ctx)
end

--- Every route, for documentation and specs: { { method, path, account = bool }, ... }.
function M.table()
  local out = {}
  for scope, byn in pairs(routes) do
    for _, list in pairs(byn) do
      for _, r in ipairs(list) do
        out[#out + 1] = { method = r.method, path = r.pattern, account = scope == "account",
                          order = r.order }
      end
    end
  end
  table.sort(out, function(a, b) return a.order < b.order end)
  return out
end

return M
