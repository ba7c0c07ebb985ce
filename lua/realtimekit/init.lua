--- realtimekit: a client for Cloudflare's RealtimeKit REST API.
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

local M = {
  _NAME = "realtimekit",
  _VERSION = "0.1.0",
}

--- Creates a client.
-- @tparam[opt] table opts
-- `api_token` (default: env CLOUDFLARE_API_TOKEN; required),
-- `account_id` (default: env CLOUDFLARE_ACCOUNT_ID),
-- `app_id` (default app of every call),
-- `base_url` (default: env CLOUDFLARE_BASE_URL, else https://api.cloudflare.com/client/v4),
-- `timeout` (seconds per request, default 60), `connect_timeout` (seconds, default 10),
-- `ca_file` (PEM bundle to verify TLS with, default the system's),
-- `max_retries` (retries after a failed attempt, 0 to 10, default 2; also per call),
-- `max_retry_wait` (longest Retry-After obeyed, seconds, default 60),
-- `max_body` (largest response accepted, bytes, default 64 MiB),
-- `sleep` (function(seconds) that waits between retries, default a blocking sleep).
-- @return a client, or nil and an `invalid_argument` error
M.new = client.new

--- Whether a value is a realtimekit error object.
M.is_error = errors.is

--- JSON null in a request body: `client.meetings:create { title = realtimekit.null }`.
M.null = schema.null

--- Marks a table as a JSON array where a body takes any JSON value, so `{}` is sent as `[]`.
M.array = schema.array_of

--- The C core's version and libcurl's.
M.core_version = core._VERSION
M.curl_version = core.curl_version

if core._VERSION ~= M._VERSION then
  error(("realtimekit %s found realtimekit.core %s: reinstall the rock"):format(M._VERSION,
    core._VERSION), 2)
end

return M
