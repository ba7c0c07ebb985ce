-- The script spec/support/allocfail.c runs with allocations failing: what a user's program does
-- with realtimekit. Its settings come from the environment (spec/allocfail_spec.lua): the fake
-- server (ALLOCFAIL_URL, ALLOCFAIL_TOKEN, ALLOCFAIL_ACCOUNT, ALLOCFAIL_APP), and a webhook body,
-- its signature and the public key, in files (ALLOCFAIL_DIR: body, sig, key.pub).
local M = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local dir = assert(os.getenv("ALLOCFAIL_DIR"))
local BODY, SIG, KEY = read(dir .. "/body"), read(dir .. "/sig"), read(dir .. "/key.pub")

-- Every module the attempt uses.
function M.load()
  require "realtimekit.core"
  require "realtimekit"
  require "realtimekit.webhook"
end

-- Creates a client, reads a page of meetings, creates one, and checks a webhook's signature;
-- raises for anything that does not come out as it must.
function M.attempt(n)
  local realtimekit = require "realtimekit"
  local webhook = require "realtimekit.webhook"
  local client = assert(realtimekit.new {
    api_token = os.getenv("ALLOCFAIL_TOKEN"), account_id = os.getenv("ALLOCFAIL_ACCOUNT"),
    app_id = os.getenv("ALLOCFAIL_APP"), base_url = os.getenv("ALLOCFAIL_URL"),
    rate_limit = false, max_retries = 0,
  })
  local page = assert(client.meetings:list { page_no = 2, per_page = 3 })
  assert(#page.data == 3 and page.paging.total_count > 3, "a wrong page")
  for i = 1, 3 do assert(type(page.data[i].id) == "string", "a meeting without an id") end
  local title = "allocfail " .. n
  local meeting = assert(client.meetings:create { title = title })
  assert(meeting.title == title, "a meeting with another title")
  assert(webhook.verify(BODY, SIG, KEY))
  client:close()
end

return M
