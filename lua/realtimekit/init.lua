--- realtimekit: a client for Cloudflare's RealtimeKit REST API.
-- `require "realtimekit"` is the only module a program needs: `new` makes a client
-- (`realtimekit.client`), whose resource objects have the methods listed in the
-- @{methods.md|Resource methods} topic. `realtimekit._VERSION` is the version, such as
-- `"0.2.0"`.
-- @module realtimekit
-- @usage
-- local realtimekit = require "realtimekit"
-- local client = assert(realtimekit.new { app_id = "…" })
-- for meeting in client.meetings:each { status = "ACTIVE" } do
--   print(meeting.id, meeting.title)
-- end
local client = require "realtimekit.client"
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"
local schema = require "realtimekit.schema"
local store = require "realtimekit.store"

local M = {
  _NAME = "realtimekit",
  _VERSION = "0.2.0",
}

--- Creates a client. Every option is checked; an unknown one is an error that names it.
-- Nothing is sent: the first request opens the connection.
-- @function new
-- @tparam[opt] table opts the options, all optional but the token
-- @tparam[opt] string opts.api_token the API token, sent as `Authorization: Bearer …` and never
-- shown (default: env `CLOUDFLARE_API_TOKEN`; required one way or the other)
-- @tparam[opt] string opts.account_id the Cloudflare account id, one path segment; with
-- `strict`, at most 32 characters (default: env `CLOUDFLARE_ACCOUNT_ID`); a call can name
-- another
-- @tparam[opt] string opts.app_id the RealtimeKit app every call uses unless it names another
-- (default: env `REALTIMEKIT_APP_ID`)
-- @tparam[opt] string opts.base_url the API's URL, http or https, without query, fragment or
-- control character (default: env `CLOUDFLARE_BASE_URL`, else
-- `https://api.cloudflare.com/client/v4`)
-- @tparam[opt=60] number opts.timeout seconds one attempt may take in all
-- @tparam[opt=10] number opts.connect_timeout seconds to connect
-- @tparam[opt] number opts.deadline seconds every call may take in all: its attempts, the
-- waits between them (backoff, Retry-After) and its wait for the rate-limit budget; past it
-- the call fails with a `timeout` error (a walk's pages each get it; a call or an iterator can
-- give its own). Default: none, so a call takes as long as its attempts and retries do
-- @tparam[opt] string opts.ca_file a PEM bundle to verify TLS with (default: the system's);
-- a readable file that holds a certificate (`-----BEGIN CERTIFICATE-----`), read only where it
-- is used: over an https:// `base_url` with the default transport
-- @tparam[opt=2] int opts.max_retries retries after a failed attempt, 0 to 10; a call can
-- override it with its own `max_retries`
-- @tparam[opt=false] boolean opts.strict also refuse, before sending, what the API docs' prose
-- asks for and no official SDK checks: formats (a meeting id a UUID, date-times with a UTC
-- offset, dates as YYYY-MM-DD, URIs) and ranges (minimums, maximums, non-empty lists). Without
-- it a call is refused only for what the SDK's types refuse, and the rest is sent for the API
-- to judge. A call can override it with its own `strict = true` or `false`
-- @tparam[opt=60] number opts.max_retry_wait the longest wait a server may ask for
-- (Retry-After), or the rate-limit budget may impose, that is obeyed, 0 to 86400 seconds; a
-- longer one ends the call with its error (`retry_after` says how long)
-- @tparam[opt=64 MiB] int opts.max_body the largest response body accepted, in bytes
-- (1 to 4294967295); a larger one is a `decode` error
-- @tparam[opt] function opts.sleep `function(seconds)` that waits between retries (default: a
-- blocking sleep; inside OpenResty, `ngx.sleep`, which yields)
-- @param[opt="curl"] opts.transport `"curl"` (the C core over libcurl; inside OpenResty it
-- yields instead of blocking, in every phase that can), `"ngx"` (nginx subrequests through a
-- location of nginx.conf, in rewrite, access and content handlers; see `realtimekit.ngx`), or
-- for unit tests a `function(request)` that returns `status, body, headers` (see
-- `realtimekit.seam`)
-- @tparam[opt=false] boolean opts.block_in_nginx inside OpenResty, in a phase that cannot yield
-- (`init_by_lua`, `set_by_lua`, filters, `log_by_lua`, `init_worker_by_lua` outside a timer),
-- make calls anyway, blocking the worker (for tooling in `init_by_lua`); without it they return
-- an `invalid_argument` error
-- @tparam[opt="/_realtimekit"] string opts.ngx_location with `transport = "ngx"`, the nginx
-- location that proxies to the API
-- @param[opt="cjson"] opts.decoder `"cjson"` (lua-cjson, then nulls dropped and integers made
-- in C), `"core"` (the C core's strict one-pass decoder, same values), or a `function(text)` of
-- your own that returns the decoded value, or nil and a message (a `decode` error then)
-- @param[opt] opts.rate_limit the static budgets, at most N requests in any S seconds: `{ limit
-- = N, window = S }` the token's, which every request counts against (default 1200 per 300 s,
-- Cloudflare's limit per token), `recordings = { limit = N, window = S }` the recording
-- routes' (default 1000 per 50 s), or `recordings = false`; `rate_limit = false` for none; and
-- `shared = "<dict>"` to keep them (and the API headers' budgets and a 429's pause) in a
-- `lua_shared_dict` that every nginx worker shares; `store = realtimekit.store.redis(conn)` to
-- keep them in Redis, which every machine on the token shares, with `local_share` (default
-- 0.1), the share of each budget a node keeps to while Redis fails, and `on_error = "fail"` to
-- fail calls then instead (docs/many-machines.md). The API's `Ratelimit` headers are obeyed
-- either way. A request the budget would hold back longer than `max_retry_wait` fails at once
-- with a 429-shaped `api` error
-- @param[opt] opts.poll_budget for frame loops: the most work one `client:poll` (or
-- `op:poll`, `walk:poll`) does settling finished calls, whose answers it decodes and checks,
-- the costly part: `{ max_results = N }` (at most N calls settled per poll), `{ ms = T }` (no
-- further call settled once T milliseconds went into settling), or both; at least one is
-- settled per poll, the rest wait in order for the next. A blocking wait is not capped.
-- Default: none (every finished call is settled at once)
-- @tparam[opt] table opts.headers `name = value` sent with every request (not `Authorization`)
-- @tparam[opt] string opts.user_agent appended to realtimekit's User-Agent
-- @tparam[opt] function opts.on_request `function(info)` told of every attempt: `method`,
-- `url`, `attempt`, `seconds`, `status`, `cf_ray`, `error` (the kind), `message`, `retry_in`,
-- `waited` (seconds spent waiting for the rate-limit budget), `ratelimit` (what is known of it);
-- the token and a body's secrets are scrubbed from its strings. It runs inside `client:poll`
-- (and the blocking calls); an error it raises comes out of that poll or call once every
-- operation that finished in it has settled
-- @treturn[1] realtimekit.client.Client the client
-- @return[2] nil
-- @treturn[2] string the error's one-line message, `tostring(err)`: a string, so that
-- `assert(realtimekit.new { … })` prints it on every Lua and inside nginx
-- @treturn[2] realtimekit.errors.Error the error: `invalid_argument` (or `network` when libcurl
-- cannot make a handle)
-- @usage
-- local client = assert(realtimekit.new {
--   app_id = "6f1a0d3c-5d7e-4b8a-9c2d-1e3f4a5b6c7d", -- token and account from the environment
--   timeout = 30,
--   max_retries = 4,
-- })
-- -- or, to look at the error:
-- local client, message, err = realtimekit.new { timeout = 0 }
-- if not client then print(err.kind, err.param, message) end
M.new = client.new

--- `assert` for realtimekit's calls, which return `nil, err` with an error object: Lua's own
-- `assert` cannot print one on Lua 5.1 (it takes only a string) nor inside nginx (which logs a
-- table as "unknown reason"). Returns all its arguments when `v` is neither nil nor false;
-- otherwise raises the error as an iterator does: the object where a `pcall` or `xpcall` of the
-- running coroutine will catch it, else its one-line message, a string, with the caller's
-- position. (A string error is raised with the position; none, as "assertion failed!".)
-- @function assert
-- @param v the call's first result
-- @param ... the rest: the error object when `v` is nil
-- @return v and the rest
-- @usage
-- local meeting = realtimekit.assert(client.meetings:create { title = "Standup" })
M.assert = errors.assert

--- Whether a value is a realtimekit error object. An iterator raises the object into a
-- `pcall` around it (and its message, a string, where nothing catches it: see
-- `realtimekit.errors`).
-- @function is_error
-- @param v any value
-- @treturn boolean
-- @usage
-- local ok, err = pcall(function()
--   for m in client.meetings:each() do print(m.id) end
-- end)
-- if not ok and realtimekit.is_error(err) then print(err.kind, err.page_no, err) end
M.is_error = errors.is

--- JSON null in a request body: `client.meetings:create { title = realtimekit.null }`.
M.null = schema.null

--- Marks a table as a JSON array where a body takes any JSON value, so `{}` is sent as `[]`.
M.array = schema.array_of

--- The stores of `realtimekit.store`: `realtimekit.store.redis(conn)` for `rate_limit.store`
-- and a webhook receiver's `dedupe`, on many machines.
M.store = store

--- The C core's version, which must be `_VERSION`.
M.core_version = core._VERSION
--- The version of libcurl the core runs with.
M.curl_version = core.curl_version

if core._VERSION ~= M._VERSION then
  error(("realtimekit %s found realtimekit.core %s: reinstall the rock"):format(M._VERSION,
    core._VERSION), 2)
end

return M
