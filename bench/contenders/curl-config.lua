-- Contender 3, the floor: writes a config file for `curl -K` that fetches pages 1..N of 100
-- meetings in one process over one kept-alive connection, bodies to /dev/null (no decode).
-- Usage: lua5.4 curl-config.lua PAGES > file; then `curl -K file`, which prints one line
-- "<http_code> <num_connects>" per page. Reads the variables fake-realtimekit exports.
local pages = assert(tonumber(arg[1]), "usage: curl-config.lua PAGES")

local url = os.getenv("CLOUDFLARE_BASE_URL") .. "/accounts/"
  .. os.getenv("CLOUDFLARE_ACCOUNT_ID") .. "/realtime/kit/" .. os.getenv("REALTIMEKIT_APP_ID")
  .. "/meetings?per_page=100&page_no="
local out = {
  "silent", "show-error", "fail",
  'header = "Authorization: Bearer ' .. os.getenv("CLOUDFLARE_API_TOKEN") .. '"',
  'header = "Accept: application/json"',
  'write-out = "%{http_code} %{num_connects}\\n"',
}
for page = 1, pages do
  out[#out + 1] = 'url = "' .. url .. page .. '"'
  out[#out + 1] = 'output = "/dev/null"'
end
io.write(table.concat(out, "\n"), "\n")
