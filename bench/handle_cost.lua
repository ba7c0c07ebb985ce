-- The client's cost per request in instructions, counted by callgrind (so the number does not
-- depend on the machine's load): N requests of one small page from the fake server, on one
-- kept-alive connection, through client:request. bench/handle-cost runs it.
--   valgrind --tool=callgrind ... lua5.4 bench/handle_cost.lua N
package.path = "lua/?.lua;lua/?/init.lua;fake/lua/?.lua;" .. package.path
local fake = require "realtimekit.fake"
local core = require "realtimekit.core"

local n = tonumber(arg[1]) or 500
local s = assert(fake.start {})
local url = s.url .. "/accounts/" .. s.account_id .. "/realtime/kit/" .. s.app_id
  .. "/meetings?page_no=1&per_page=1"
local c = core.new { token = s.token }
for _ = 1, n do
  local body, status = c:request("GET", url)
  assert(status == 200, body)
end
c:close()
s:stop()
