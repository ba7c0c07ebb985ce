-- demo.lua -- lists meetings, a meeting's participants and sessions of a RealtimeKit app.
--
-- Environment: CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, and optionally
-- CLOUDFLARE_BASE_URL (another server, such as the fake one) and REALTIMEKIT_CA_FILE.
local realtimekit = require "realtimekit"

local app_id = os.getenv("REALTIMEKIT_APP_ID")
if not app_id or app_id == "" then
  io.stderr:write("set REALTIMEKIT_APP_ID to the app to list\n")
  os.exit(64)
end
local ca_file = os.getenv("REALTIMEKIT_CA_FILE")

local client, err = realtimekit.new {
  app_id = app_id,
  ca_file = ca_file ~= "" and ca_file or nil,
}
if not client then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end

local function fail(e)
  io.stderr:write(tostring(e), "\n")
  os.exit(1)
end

print(("realtimekit %s (libcurl %s) talking to %s"):format(realtimekit._VERSION,
  realtimekit.curl_version, client.base_url))

local page = client.meetings:list { per_page = 5 } or fail(select(2, client.meetings:list()))
local total = page.paging and page.paging.total_count or #page.data
print(("\nMeetings: %d in all; the first %d:"):format(total, #page.data))
for _, m in ipairs(page.data) do
  print(("  %s  %-8s  %s"):format(m.id, m.status or "-", m.title or "(untitled)"))
end

local first = page.data[1]
if first then
  local parts, perr = client.meetings:participants(first.id, { per_page = 5 })
  if not parts then fail(perr) end
  local n = parts.paging and parts.paging.total_count or #parts.data
  print(("\nParticipants of %q: %d in all; the first %d:"):format(first.title or first.id, n,
    #parts.data))
  for _, p in ipairs(parts.data) do
    print(("  %-24s  %-24s  %s"):format(p.custom_participant_id or "-", p.preset_name or "-",
      p.name or "(no name)"))
  end
end

local sessions, serr = client.sessions:list {
  per_page = 5, sort_by = "createdAt", sort_order = "DESC",
}
if not sessions then fail(serr) end
print(("\nThe %d most recent sessions:"):format(#sessions.data))
for _, s in ipairs(sessions.data) do
  print(("  %s  %-5s  %4s min  %s"):format(s.created_at or "-", s.status or "-",
    tostring(s.minutes_consumed or "-"), s.meeting_display_name or s.associated_id or "-"))
end

-- The iterator walks every page; pcall catches the error object it raises on failure.
local counts, walked = {}, 0
local ok, werr = pcall(function()
  for m in client.meetings:each { per_page = 100 } do
    walked = walked + 1
    counts[m.status or "-"] = (counts[m.status or "-"] or 0) + 1
  end
end)
if not ok then fail(werr) end
print(("\nWalked all %d meetings page by page: %d ACTIVE, %d INACTIVE"):format(walked,
  counts.ACTIVE or 0, counts.INACTIVE or 0))
client:close()
