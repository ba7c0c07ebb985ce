-- Contender 4: what a Lua user writes today. luasocket's socket.http.request fetches each page
-- (a new connection per request: luasocket's http closes it after each response), lua-cjson
-- decodes it, and the loop goes on while paging.end_offset < paging.total_count.
-- Prints "items=<n> title_bytes=<n>". Reads the CLOUDFLARE_* / REALTIMEKIT_APP_ID variables
-- that `spec/support/fake-realtimekit start` exports.
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local base = os.getenv("CLOUDFLARE_BASE_URL")
local url = base .. "/accounts/" .. os.getenv("CLOUDFLARE_ACCOUNT_ID") .. "/realtime/kit/"
  .. os.getenv("REALTIMEKIT_APP_ID") .. "/meetings?per_page=100&page_no="
local headers = {
  authorization = "Bearer " .. os.getenv("CLOUDFLARE_API_TOKEN"),
  accept = "application/json",
}

local items, title_bytes = 0, 0
local page_no = 1
while true do
  local chunks = {}
  local ok, status = http.request {
    url = url .. page_no, headers = headers, sink = ltn12.sink.table(chunks),
  }
  if not ok or status ~= 200 then
    error("page " .. page_no .. ": " .. tostring(status))
  end
  local body = cjson.decode(table.concat(chunks))
  for _, m in ipairs(body.data) do
    items = items + 1
    local title = m.title
    if type(title) == "string" then title_bytes = title_bytes + #title end
  end
  local paging = body.paging
  if #body.data == 0 or paging.end_offset >= paging.total_count then break end
  page_no = page_no + 1
end
print(("items=%d title_bytes=%d"):format(items, title_bytes))
