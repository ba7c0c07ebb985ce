-- A meeting's active session (reference §3.8): the meeting's LIVE session, kicking people out
-- of it and polls. All of them answer 404 for a meeting with no LIVE session.
local json = require "realtimekit.jsonpure"
local S = require "realtimekit.fake.server.schema"
local state = require "realtimekit.fake.server.state"
local common = require "realtimekit.fake.server.common"

local M = {}

local array = json.array
local rtk_error, ok, ok_json = common.rtk_error, common.ok, common.ok_json

--- The LIVE session entry of a meeting, or nil.
function M.live_session(app, meeting_id)
  for _, s in ipairs(app.sessions) do
    if s.item.status == "LIVE" and s.item.associated_id == meeting_id then return s end
  end
  return nil
end

local function no_session()
  return rtk_error(404, "No active session for this meeting")
end

local function get(ctx)
  local s = M.live_session(ctx.app, ctx.meeting.id)
  if not s then return no_session() end
  return ok_json(s.json)
end

local function kick(ctx)
  if not M.live_session(ctx.app, ctx.meeting.id) then return no_session() end
  local ids, custom = {}, {}
  for _, id in ipairs(ctx.body.participant_ids or {}) do ids[id:lower()] = true end
  for _, id in ipairs(ctx.body.custom_participant_ids or {}) do custom[id] = true end
  local out = array()
  for _, e in ipairs(ctx.app.participants[ctx.meeting.id] or {}) do
    local p = e.item
    if ids[e.id] or custom[p.custom_participant_id] then
      local k = { id = p.id, created_at = p.created_at, updated_at = p.updated_at }
      if type(p.name) == "string" then k.name = p.name end
      if type(p.picture) == "string" then k.picture = p.picture end
      if p.custom_participant_id:find("@", 1, true) then k.email = p.custom_participant_id end
      out[#out + 1] = k
    end
  end
  state.tick()
  return ok { action = "kick", participants = out }
end

local function kick_all(ctx)
  local s = M.live_session(ctx.app, ctx.meeting.id)
  if not s then return no_session() end
  local count = s.item.live_participants
  s.item.live_participants = 0
  s.json = json.encode(s.item)
  state.tick()
  return ok { action = "kick_all", kicked_participants_count = count }
end

local POLL = S.object({
  question = S.string(),
  options = S.array(S.string()),
  anonymous = S.boolean(),
  hide_votes = S.boolean(),
}, { required = { "question", "options" } })

local function poll(ctx)
  if not M.live_session(ctx.app, ctx.meeting.id) then return no_session() end
  local body = ctx.body
  local options = array()
  for i, text in ipairs(body.options) do
    options[i] = { text = text, count = 0, votes = array() }
  end
  state.tick()
  return common.created { action = "create_poll", poll = {
    id = state.uuid(), question = body.question, options = options,
    anonymous = body.anonymous == true, hide_votes = body.hide_votes == true,
    created_by = "RealtimeKit API", voted = array() } }
end

M.routes = {
  { "GET", "meetings/:meeting_id/active-session", get },
  { "POST", "meetings/:meeting_id/active-session/kick", kick, body = S.object {
      participant_ids = S.array(S.string()),
      custom_participant_ids = S.array(S.string()) } },
  { "POST", "meetings/:meeting_id/active-session/kick-all", kick_all, body = "none" },
  { "POST", "meetings/:meeting_id/active-session/poll", poll, body = POLL },
}

return M
