-- A valid call of every endpoint, as arguments the client accepts (ids that need not exist): for
-- specs that go through every row (response shapes, async reachability).
local helper = require "helper"

local M = {}

M.U = "36d01e74-838a-4de1-a00c-a0c4b03f8368"

-- A preset the client accepts: one of the fake server's, as a body.
local function preset()
  local data = helper.data()
  local p = data.build().apps[data.APP_ID].presets[1]
  return { name = "host", config = p.config, permissions = p.permissions, ui = p.ui }
end

local WEBHOOK = { name = "w", url = "https://example.com/hook", events = { "meeting.started" } }
local PARTICIPANT = { custom_participant_id = "c", preset_name = "p" }

-- A valid call of every endpoint: its arguments.
M.CALLS = {
  ["active_session:get"] = { M.U },
  ["active_session:kick"] = { M.U, { participant_ids = { M.U } } },
  ["active_session:kick_all"] = { M.U },
  ["active_session:create_poll"] = { M.U, { question = "q", options = { "a", "b" } } },
  ["analytics:livestreams_overall"] = {},
  ["analytics:livestreams_daywise"] = {},
  ["analytics:daywise"] = {},
  ["apps:list"] = {},
  ["apps:create"] = { { name = "a" } },
  ["livestreams:start"] = { M.U },
  ["livestreams:stop"] = { M.U },
  ["livestreams:of_meeting"] = { M.U },
  ["livestreams:list"] = {},
  ["livestreams:get"] = { M.U },
  ["livestreams:active_session"] = { M.U },
  ["livestreams:session"] = { M.U },
  ["livestreams:org_analytics"] = {},
  ["meetings:list"] = {},
  ["meetings:get"] = { M.U },
  ["meetings:create"] = { {} },
  ["meetings:replace"] = { M.U, {} },
  ["meetings:update"] = { M.U, {} },
  ["meetings:participants"] = { M.U },
  ["meetings:add_participant"] = { M.U, PARTICIPANT },
  ["participants:list"] = { M.U },
  ["participants:add"] = { M.U, PARTICIPANT },
  ["participants:get"] = { M.U, M.U },
  ["participants:update"] = { M.U, M.U, { name = "n" } },
  ["participants:delete"] = { M.U, M.U },
  ["participants:refresh_token"] = { M.U, M.U },
  ["presets:create"] = { preset() },
  ["presets:list"] = {},
  ["presets:get"] = { M.U },
  ["presets:update"] = { M.U, { name = "n" } },
  ["presets:replace"] = { M.U, preset() },
  ["presets:delete"] = { M.U },
  ["recordings:start"] = { { meeting_id = M.U } },
  ["recordings:list"] = {},
  ["recordings:get"] = { M.U },
  ["recordings:control"] = { M.U, { action = "stop" } },
  ["recordings:active"] = { M.U },
  ["recordings:start_track"] = { { meeting_id = M.U } },
  ["sessions:list"] = {},
  ["sessions:get"] = { M.U },
  ["sessions:participants"] = { M.U },
  ["sessions:participant"] = { M.U, M.U },
  ["sessions:peer_report"] = { M.U },
  ["sessions:chat"] = { M.U },
  ["sessions:transcript"] = { M.U },
  ["sessions:summary"] = { M.U },
  ["sessions:generate_summary"] = { M.U },
  ["webhooks:create"] = { WEBHOOK },
  ["webhooks:list"] = {},
  ["webhooks:get"] = { M.U },
  ["webhooks:update"] = { M.U, { enabled = false } },
  ["webhooks:replace"] = { M.U, WEBHOOK },
  ["webhooks:delete"] = { M.U },
}

return M
