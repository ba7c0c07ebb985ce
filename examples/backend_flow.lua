-- backend_flow.lua -- what a backend does for a call: create a meeting, add two participants,
-- hand out the tokens their front ends join with, list them, and end the meeting.
--
-- Environment: CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, and optionally
-- CLOUDFLARE_BASE_URL (another server, such as the fake one) and REALTIMEKIT_CA_FILE. The
-- presets named below must exist in the app.
local realtimekit = require "realtimekit"

local ca_file = os.getenv("REALTIMEKIT_CA_FILE")
local client = assert(realtimekit.new {
  app_id = os.getenv("REALTIMEKIT_APP_ID"),
  ca_file = ca_file ~= "" and ca_file or nil,
})

-- Calls return nil and an error object on failure; this script gives up on the first one.
local function check(value, err)
  if value == nil then
    io.stderr:write(tostring(err), "\n")
    os.exit(1)
  end
  return value
end

local meeting = check(client.meetings:create {
  title = "Design review",
  session_keep_alive_time_in_secs = 120,
  persist_chat = true,
})
print(("Meeting %s: %s"):format(meeting.id, meeting.title))

-- custom_participant_id: your own stable id for the person (your user table's key), never
-- personal data such as an email address (RealtimeKit's FAQ).
local people = {
  { custom_participant_id = "user-1001", name = "Alice",
    preset_name = "group_call_host" },
  { custom_participant_id = "user-1002", name = "Bob",
    preset_name = "group_call_participant" },
}
for _, person in ipairs(people) do
  local participant = check(client.participants:add(meeting.id, person))
  -- The front end passes this token to the RealtimeKit UI kit to join.
  print(("Token for %s: %s"):format(participant.name, participant.token))
end

print("Participants:")
for p in client.participants:each(meeting.id) do
  print(("  %-6s %-24s %s"):format(p.name, p.custom_participant_id, p.preset_name))
end

-- INACTIVE: no one can join any more, and no new session starts.
local ended = check(client.meetings:update(meeting.id, { status = "INACTIVE" }))
print(("Meeting %s is now %s"):format(ended.id, ended.status))
