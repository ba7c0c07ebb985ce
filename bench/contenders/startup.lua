-- Start-up: `require "realtimekit"` plus one request (page 1 of 100 meetings) in a fresh
-- process. Prints "items=<n>". Reads the variables fake-realtimekit exports.
local realtimekit = require "realtimekit"

local client = assert(realtimekit.new { app_id = os.getenv("REALTIMEKIT_APP_ID") })
local page = assert(client.meetings:list { per_page = 100 })
print(("items=%d"):format(#page.data))
