-- Setting (f)'s process: the default walk (`each { per_page = 100 }`, the library's own
-- concurrency) of BENCH_PAGES pages, one of several processes on one token, with a static
-- budget of BENCH_LIMIT requests per BENCH_WINDOW s: in Redis (BENCH_REDIS_PORT set: the
-- budget is the fleet's) or in this process only. Touches every item; prints
-- "items=<n> title_bytes=<n>". Needs LUA_PATH on lua/, spec/ and fake/lua/ (for lua-redis under
-- Lua 5.4, through spec/support/redis.lua), LUA_CPATH on build/<lua>/, and the variables that
-- `spec/support/fake-realtimekit start` exports.
local realtimekit = require "realtimekit"

local rate_limit = { limit = tonumber(os.getenv("BENCH_LIMIT")),
                     window = tonumber(os.getenv("BENCH_WINDOW")), recordings = false }
local port = tonumber(os.getenv("BENCH_REDIS_PORT") or "")
if port then
  require "support.redis" -- lua-redis's folder on package.path under Lua 5.4
  local redis = require "redis"
  rate_limit.store = assert(require("realtimekit.store").redis(function()
    local conn = redis.connect("127.0.0.1", port)
    conn.network.socket:settimeout(1)
    return conn
  end))
end
local client = assert(realtimekit.new {
  api_token = os.getenv("CLOUDFLARE_API_TOKEN"), account_id = os.getenv("CLOUDFLARE_ACCOUNT_ID"),
  app_id = os.getenv("REALTIMEKIT_APP_ID"), base_url = os.getenv("CLOUDFLARE_BASE_URL"),
  rate_limit = rate_limit, max_retry_wait = 60,
})
local items, title_bytes = 0, 0
local limit = tonumber(os.getenv("BENCH_PAGES")) * 100
for m in client.meetings:each { per_page = 100, limit = limit } do
  items = items + 1
  if m.title then title_bytes = title_bytes + #m.title end
end
print(("items=%d title_bytes=%d"):format(items, title_bytes))
