--- Endpoint descriptions of apps (client.apps): the account's RealtimeKit apps.
-- @module realtimekit.resources.apps
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"
local t = require "realtimekit.types"

local APPS = "/accounts/{account_id}/realtime/kit/apps"

return {
  list = {
    http = "GET",
    path = APPS,
    query = {
      { "page_no", t.count }, { "per_page", t.count }, { "search", t.text },
      { "sort_order", t.enum { "ASC", "DESC" } },
    },
    items = { "data" },
    each = "each", pages = "pages",
    sdk = { ts = "apps.get", go = "Apps.Get" },
    data_optional = true,
  },
  create = {
    http = "POST",
    path = APPS,
    body = S.object { shapes.req("name", S.string()) },
    sdk = { ts = "apps.post", go = "Apps.Post" },
    data_optional = true,
  },
}
