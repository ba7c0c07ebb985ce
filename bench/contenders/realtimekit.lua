-- Contender 1 and 2: realtimekit walks every page of meetings with `each`, sequentially or with
-- `concurrency = N` (the first argument; absent or 1: sequential; "default": the library's
-- own). Touches every item: counts them and sums the bytes of their titles, so no decode work
-- can be skipped.
-- Prints "items=<n> title_bytes=<n>"; exits 3 when this build does not know `concurrency`.
-- Needs LUA_PATH/LUA_CPATH on lua/ and build/<lua>/, and the CLOUDFLARE_* / REALTIMEKIT_APP_ID
-- variables that `spec/support/fake-realtimekit start` exports.
local realtimekit = require "realtimekit"

-- "default": the library's own concurrency (params say nothing of it).
local default = arg[1] == "default"
local concurrency = default and 0 or tonumber(arg[1] or "1")

local options = {
  api_token = os.getenv("CLOUDFLARE_API_TOKEN"),
  account_id = os.getenv("CLOUDFLARE_ACCOUNT_ID"),
  app_id = os.getenv("REALTIMEKIT_APP_ID"),
  base_url = os.getenv("CLOUDFLARE_BASE_URL"),
  decoder = os.getenv("REALTIMEKIT_DECODER"), -- nil: lua-cjson, the default
}
-- Against a server that sends no limit (settings a-d), the static budget is turned off: those
-- settings measure the walk, not a budget. Under the limit (e) the client's defaults stand.
if os.getenv("BENCH_STATIC_BUDGET") == "off" then options.rate_limit = false end
local client = assert(realtimekit.new(options))

local params = { per_page = tonumber(os.getenv("BENCH_PER_PAGE") or "100") }
if concurrency > 1 then params.concurrency = concurrency end
-- Sequential means one page at a time: say so to a build whose walks default to more.
local has_pager, pager = pcall(require, "realtimekit.pager")
if concurrency == 1 and has_pager and (pager.DEFAULT_CONCURRENCY or 1) > 1 then
  params.concurrency = 1
end

-- `each` checks its arguments before the first request and raises an invalid_argument error
-- naming a parameter it does not know.
local ok, iter, state, init, closing = pcall(client.meetings.each, client.meetings, params)
if not ok or iter == nil then
  local err = ok and state or iter
  if type(err) == "table" and err.kind == "invalid_argument"
    and (err.param == "concurrency" or tostring(err.message):find("concurrency", 1, true)) then
    io.stderr:write("concurrency: not supported by this build (", tostring(err), ")\n")
    os.exit(3)
  end
  error(err, 0)
end

local items, title_bytes = 0, 0
for m in iter, state, init, closing do
  items = items + 1
  local title = m.title
  if title then title_bytes = title_bytes + #title end
end
print(("items=%d title_bytes=%d"):format(items, title_bytes))
