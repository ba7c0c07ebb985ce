-- Apps (reference §3.1), at the account level: /accounts/{account_id}/realtime/kit/apps. A new
-- app starts empty (no meetings, presets, sessions...) and serves every app-level route.
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local function list(ctx)
  local args = ctx.args
  local items = state.app_order
  if args.search and args.search ~= "" then
    local needle = args.search:lower()
    items = common.filter(items, function(a) return a.name:lower():find(needle, 1, true) ~= nil end)
  end
  if args.sort_order then
    items = common.sorted(items, function(a) return a.created_at end, args.sort_order == "DESC")
  end
  local page, paging = common.page(items, args, json.encode)
  return 200, '{"success":true,"data":' .. page .. ',"paging":' .. paging .. '}'
end

local function create(ctx)
  local t = common.time(state.tick())
  local info = { id = state.uuid(), name = ctx.body.name, created_at = t }
  local app = state.load_app { app = info }
  state.apps[info.id] = app
  state.app_order[#state.app_order + 1] = app.info
  return common.created { app = app.info }
end

M.routes = {
  { "GET", "apps", list, account = true, query = {
      page_no = "count", per_page = "count", search = "string",
      sort_order = common.enum { "ASC", "DESC" } } },
  { "POST", "apps", create, account = true,
    body = S.object({ name = S.string() }, { required = { "name" } }) },
}

return M
