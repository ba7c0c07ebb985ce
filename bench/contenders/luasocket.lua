-- Contender 4: what a Lua user writes today. luasocket's socket.http.request fetches each page
-- (a new connection per request: luasocket's http closes it after each response), lua-cjson
-- decodes it, and the loop goes on while paging.end_offset < paging.total_count. A 429 is
-- waited out as its Retry-After says.
-- Prints "items=<n> title_bytes=<n>". Reads the CLOUDFLARE_* / REALTIMEKIT_APP_ID variables
-- that `spec/support/fake-realtimekit start` exports.
local socket = require "socket"
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
  local ok, status, response_headers = http.request {
    url = url .. page_no, headers = headers, sink = ltn12.sink.table(chunks),
  }
  -- Under a rate limit (the setting (e)): wait as a 429's Retry-After says, then ask again.
  while ok and status == 429 do
    socket.sleep(tonumber(response_headers["retry-after"]) or 1)
    chunks = {}
    ok, status, response_headers = http.request {
      url = url .. page_no, headers = headers, sink = ltn12.sink.table(chunks),
    }
  end
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
