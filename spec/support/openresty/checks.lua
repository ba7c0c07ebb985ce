-- Handlers for the OpenResty spec: each runs realtimekit inside nginx and answers with JSON.
local cjson = require "cjson"
local realtimekit = require "realtimekit"

local M = {}

local function reply(t)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(t))
end

local function client(opts)
  local o = { transport = "ngx", app_id = os.getenv("REALTIMEKIT_APP_ID") }
  for k, v in pairs(opts or {}) do o[k] = v end
  return assert(realtimekit.new(o))
end

local function err_fields(err)
  return { kind = err.kind, status = err.status, attempts = err.attempts,
           message = err.message, transport_code = err.transport_code,
           text = tostring(err) }
end

-- One list call with the given options; answers with the page size or the error.
function M.list()
  local args = ngx.req.get_uri_args()
  local c = client { ngx_location = args.location, max_retries = tonumber(args.retries),
                     api_token = args.token }
  local page, err = c.meetings:list { per_page = 5 }
  if not page then return reply { error = err_fields(err) } end
  reply { items = #page.data, total = page.paging.total_count }
end

-- One call whose error (queued by the spec) echoes the token: answers with every string the
-- error and the on_request hook were given.
function M.echo()
  local reports = {}
  local c = client { max_retries = 0, on_request = function(info) reports[#reports + 1] = info end }
  local _, err = c.meetings:list { per_page = 5 }
  local list = {}
  for i, e in ipairs(err.errors or {}) do list[i] = { code = e.code, message = e.message } end
  local r = reports[1] or {}
  reply { kind = err.kind, message = err.message, code = err.code, errors = list,
          body = err.body, cf_ray = err.cf_ray, path = err.path, text = tostring(err),
          report = { url = r.url, cf_ray = r.cf_ray, message = r.message } }
end

-- A walk driven by op/walk polling, yielding between polls.
function M.poll()
  local c = client()
  local walk = assert(c.async.meetings:each { concurrency = 3, per_page = 50 })
  local n, polls = 0, 0
  while true do
    polls = polls + 1
    local state, items = walk:poll()
    if state == "failed" then return reply { error = err_fields(items) } end
    n = n + #items
    if state == "done" then break end
    c:poll(0.01)
  end
  reply { items = n, polls = polls }
end

-- Called where subrequests are not allowed.
function M.wrong_phase()
  local c = client()
  local ok, err = pcall(c.meetings.list, c.meetings)
  return tostring(ok) .. " " .. tostring(err)
end

return M
