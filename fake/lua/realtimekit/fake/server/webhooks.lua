-- Webhooks (reference §3.7). The list has no paging and takes no query parameters.
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local ok = common.ok

M.params = {
  webhook_id = common.lookup("webhook_by_id", "Webhook"),
}

M.EVENTS = { "meeting.started", "meeting.ended", "meeting.participantJoined",
             "meeting.participantLeft", "meeting.chatSynced", "recording.statusUpdate",
             "livestreaming.statusUpdate", "meeting.transcript", "meeting.summary" }

local FIELDS = {
  name = S.string(),
  url = S.string(),
  events = S.array(S.enum(M.EVENTS)),
  enabled = S.boolean(),
}
local CREATE = S.object(FIELDS, { required = { "name", "url", "events" } })
local EDIT = S.object(FIELDS)

local function list(ctx)
  return ok(json.array(ctx.app.webhooks))
end

local function get(ctx)
  return ok(ctx.webhook)
end

local function create(ctx)
  local app, body = ctx.app, ctx.body
  local t = common.time(state.tick())
  local w = { id = state.uuid(), name = body.name, url = body.url, events = body.events,
              enabled = body.enabled ~= false, created_at = t, updated_at = t }
  app.webhooks[#app.webhooks + 1] = w
  app.webhook_by_id[w.id] = w
  return common.created(w)
end

local function edit(ctx)
  local w = ctx.webhook
  for k, v in pairs(ctx.body) do w[k] = v end
  w.updated_at = common.time(state.tick())
  return ok(w)
end

local function replace(ctx)
  local w, body = ctx.webhook, ctx.body
  w.name, w.url, w.events, w.enabled = body.name, body.url, body.events, body.enabled ~= false
  w.updated_at = common.time(state.tick())
  return ok(w)
end

local function delete(ctx)
  local app, w = ctx.app, ctx.webhook
  common.remove(app.webhooks, app.webhook_by_id, w)
  state.tick()
  return ok(w)
end

M.routes = {
  { "POST", "webhooks", create, body = CREATE },
  { "GET", "webhooks", list },
  { "GET", "webhooks/:webhook_id", get },
  { "PATCH", "webhooks/:webhook_id", edit, body = EDIT },
  { "PUT", "webhooks/:webhook_id", replace, body = CREATE },
  { "DELETE", "webhooks/:webhook_id", delete },
}

return M
