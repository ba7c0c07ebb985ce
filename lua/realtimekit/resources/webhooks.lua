--- Endpoint descriptions of webhooks (client.webhooks).
-- @module realtimekit.resources.webhooks
local S = require "realtimekit.schema"
local shapes = require "realtimekit.resources.shapes"

local WEBHOOKS = "/accounts/{account_id}/realtime/kit/{app_id}/webhooks"
local WEBHOOK = { { "webhook_id", S.id() } }
local str, req, opt = S.string, shapes.req, shapes.opt
local EVENTS = S.array(str { enum = shapes.WEBHOOK_EVENTS })

local create = S.object {
  req("name", str()),
  req("url", str()),
  req("events", EVENTS),
  opt("enabled", S.boolean()),
}

return {
  create = {
    http = "POST",
    path = WEBHOOKS,
    body = create,
    sdk = { ts = "webhooks.createWebhook", go = "Webhooks.NewWebhook" },
  },
  list = {
    http = "GET",
    path = WEBHOOKS,
    items = { "data" },
    sdk = { ts = "webhooks.getWebhooks", go = "Webhooks.GetWebhooks" },
  },
  get = {
    http = "GET",
    path = WEBHOOKS .. "/{webhook_id}",
    args = WEBHOOK,
    sdk = { ts = "webhooks.getWebhookByID", go = "Webhooks.GetWebhookByID" },
  },
  update = {
    http = "PATCH",
    path = WEBHOOKS .. "/{webhook_id}",
    args = WEBHOOK,
    body = S.partial(create),
    sdk = { ts = "webhooks.editWebhook", go = "Webhooks.EditWebhook" },
  },
  replace = {
    http = "PUT",
    path = WEBHOOKS .. "/{webhook_id}",
    args = WEBHOOK,
    body = create,
    sdk = { ts = "webhooks.replaceWebhook", go = "Webhooks.ReplaceWebhook" },
  },
  delete = {
    http = "DELETE",
    path = WEBHOOKS .. "/{webhook_id}",
    args = WEBHOOK,
    sdk = { ts = "webhooks.deleteWebhook", go = "Webhooks.DeleteWebhook" },
  },
}
