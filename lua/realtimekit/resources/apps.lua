--- Endpoint descriptions of apps (client.apps): the account's RealtimeKit apps.
-- @module realtimekit.resources.apps
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local APPS = "/accounts/{account_id}/realtime/kit/apps"

return {
  list = {
    http = "GET",
    path = APPS,
    query = {
      { "page_no", S.count() }, { "per_page", S.count() }, { "search", S.text() },
      { "sort_order", S.enum { "ASC", "DESC" } },
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
