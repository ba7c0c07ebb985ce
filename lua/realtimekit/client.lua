--- The client: the options of `realtimekit.new`, checked, and a facade over the engine that
-- runs its calls (`realtimekit.engine`), to which it hands everything the engine needs: the
-- transport, the host, the pacer, the decoder, the redaction of the token, the retry policy,
-- the hook and the poll budget.
-- @module realtimekit.client
local compat = require "realtimekit.compat"
local core = require "realtimekit.core"
local engine = require "realtimekit.engine"
local errors = require "realtimekit.errors"
local host = require "realtimekit.host"
local json = require "realtimekit.json"
local ngx_transport = require "realtimekit.ngx"
local pacer = require "realtimekit.pacer"
local redaction = require "realtimekit.redact"
local request = require "realtimekit.request"
local seam = require "realtimekit.seam"
local resource = require "realtimekit.resource"
local response = require "realtimekit.response"
local retry = require "realtimekit.retry"
local schema = require "realtimekit.schema"

local type, setmetatable, getmetatable, error = type, setmetatable, getmetatable, error
local format = string.format
local getenv = os.getenv

local M = {}

M.DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
M.RESOURCES = { "apps", "meetings", "participants", "presets", "sessions", "recordings",
  "webhooks", "active_session", "livestreams", "analytics" }

local OPTIONS = {
  api_token = true, account_id = true, app_id = true, base_url = true,
  timeout = true, connect_timeout = true, deadline = true, ca_file = true,
  max_retries = true, max_retry_wait = true, max_body = true, sleep = true,
  transport = true, ngx_location = true, decoder = true, on_request = true, headers = true,
  user_agent = true, rate_limit = true, block_in_nginx = true, poll_budget = true, strict = true,
}
--- The options `realtimekit.new` takes, as a set (scripts/generate describes each).
-- @local
M.OPTIONS = OPTIONS

--- Retries after a failed attempt, unless a client or a call says otherwise
-- (`realtimekit.retry`).
M.DEFAULT_MAX_RETRIES = retry.DEFAULT_MAX_RETRIES
--- The longest wait a server may ask for (Retry-After); a longer one is not slept: the error is
-- returned with it in `retry_after`.
M.DEFAULT_MAX_RETRY_WAIT = retry.DEFAULT_MAX_RETRY_WAIT
--- The largest response body accepted, in bytes.
M.DEFAULT_MAX_BODY = 64 * 1024 * 1024

--- A client, made by `realtimekit.new`. Its resource objects are fields named after the API's
-- resources (`client.meetings`, `client.sessions`, …); their methods are listed in the
-- @{methods.md|Resource methods} topic.
--
-- Its fields, to read (never to set):
--
-- - `base_url`: the API's URL, without a trailing slash;
-- - `account_id`, `app_id`: the account and app every call uses unless it names others, or nil;
-- - `transport`: `"curl"` or `"ngx"`;
-- - `strict`: whether calls refuse the docs' formats and ranges too (the `strict` option);
-- - `async`: the same resource objects, whose methods do not block (`Async`);
-- - `engine`: the engine that runs the client's calls (`realtimekit.engine`), for tests and
--   tools that watch it (`client.engine.transport:running()`, its `host`).
-- @type Client
-- @usage
-- local client = assert(realtimekit.new { app_id = "…" })
-- local page = assert(client.meetings:list { per_page = 10 })
-- print(client, client:user_agent())
-- client:close()
local Client = {}
M.Client = Client

-- The client's own fields that may be nil (an unset account, say): reading them is no mistake.
local FIELDS = { base_url = true, base_path = true, account_id = true, app_id = true,
                 timeout = true, connect_timeout = true, deadline = true, ca_file = true,
                 max_retries = true,
                 max_retry_wait = true, max_body = true, transport = true, block_in_nginx = true,
                 async = true, strict = true, engine = true }
local CLIENT_NAMES = { "request", "poll", "close", "user_agent", "async" }
for i = 1, #M.RESOURCES do CLIENT_NAMES[#CLIENT_NAMES + 1] = M.RESOURCES[i] end

local function describe_key(k)
  if type(k) == "string" then return k end
  if type(k) == "number" or type(k) == "boolean" then return tostring(k) end
  return "a " .. type(k)
end

-- A misspelt resource or method is a mistake in the program: raised where it was made, with
-- the name it was probably meant to be, rather than a call of nil further on.
function Client.__index(_, k)
  local v = Client[k]
  if v ~= nil then return v end
  if type(k) ~= "string" or k:sub(1, 1) == "_" or FIELDS[k] then return nil end
  error(("the client has no resource or method '%s'%s"):format(describe_key(k),
    errors.suggest(k, CLIENT_NAMES)), 2)
end

-- A call on a closed client: raised where the call was made.
function M.check_open(client, what, level)
  if client.engine.closed then
    error("realtimekit: " .. what .. " on a closed client", level + 1)
  end
end

--- The User-Agent the client sends: realtimekit's, naming the Lua and what sends the requests
-- (`platform`: libcurl by default; the ngx transport's names nginx's Lua module and nginx),
-- then `extra` (the `user_agent` option), if given.
-- @tparam[opt] string platform
-- @tparam[opt] string extra
-- @local
function M.user_agent(platform, extra)
  local ua = format("realtimekit-lua/%s (%s; %s)", core._VERSION, core.lua_version,
    platform or "libcurl/" .. core.curl_version)
  if extra then ua = ua .. " " .. extra end
  return ua
end

local raw_value = response.raw_value

-- client.async's class, documented (with its method) at the end of this file: LDoc puts
-- every item after a class's doc comment into that class.
local Async = {}
M.Async = Async
function Async.__index(_, k)
  local v = Async[k]
  if v ~= nil then return v end
  if k == "client" then return nil end
  local names = { "request" }
  for i = 1, #M.RESOURCES do names[#names + 1] = M.RESOURCES[i] end
  error(("client.async has no resource or method '%s'%s"):format(describe_key(k),
    errors.suggest(k, names)), 2)
end

--- A value as an error message quotes it: a string quoted (its first 40 bytes), anything else
-- described by its type (`compat.describe`).
-- @local
function M.quoted(v)
  if type(v) == "string" then return format("%q", v:sub(1, 40)) end
  return compat.describe(v)
end

local function env(name)
  local v = getenv(name)
  if v ~= "" then return v end
end

local function seconds(name, v)
  local s, problem = request.seconds(v)
  if not s then return nil, errors.invalid(name, problem) end
  return s
end

--- Checks the `poll_budget` option of `realtimekit.new`: nil or false (none), or a table with
-- `max_results` (a whole number from 1) and/or `ms` (milliseconds, above 0).
-- @return the budget (a table) or nil; or nil and what is wrong with it
-- @local
function M.check_poll_budget(v)
  if v == nil or v == false then return nil end
  if type(v) ~= "table" then
    return nil, "expected a table { max_results = N, ms = T } or false, got a " .. type(v)
  end
  for k in pairs(v) do
    if k ~= "max_results" and k ~= "ms" then
      return nil, "unknown key " .. (type(k) == "string" and format("%q", k:sub(1, 40))
        or "of type " .. type(k)) .. " (it takes max_results and ms)"
    end
  end
  local max, ms = v.max_results, v.ms
  if max == nil and ms == nil then return nil, "give max_results, ms or both" end
  if max ~= nil and (type(max) ~= "number" or max ~= max or max % 1 ~= 0 or max < 1
      or max > 2147483647) then
    return nil, "max_results: expected a whole number from 1"
  end
  if ms ~= nil and (type(ms) ~= "number" or ms ~= ms or ms <= 0 or ms > 86400000) then
    return nil, "ms: expected a number of milliseconds above 0"
  end
  return { max_results = max, ms = ms }
end

local function check_base_url(v)
  if type(v) ~= "string" then
    return nil, errors.invalid("base_url", "expected a string, got a " .. type(v))
  end
  if v:find("%c") then
    -- A NUL would cut the URL short in libcurl, which reads it as a C string.
    return nil, errors.invalid("base_url", "contains a control character (NUL, CR, LF, ...)")
  end
  local scheme, authority, path = v:match("^(https?)://([^/?#%s]+)([^?#%s]*)$")
  if not scheme or not authority:find("^[%w%.%-%[%]:]+$") then
    return nil, errors.invalid("base_url", "expected an http:// or https:// URL without query " ..
      "or fragment, got " .. format("%q", v:sub(1, 80)))
  end
  path = path:gsub("/+$", "")
  return scheme .. "://" .. authority .. path, path
end

local new_client

--- Creates a client. See `realtimekit.new`. Its errors go through the redaction every error
-- does, with the token given (an argument echo, such as a base_url that holds it, never shows
-- it), and come as `nil, message, err`: the message first, so that `assert` prints it.
-- @local
function M.new(opts)
  local client, err = new_client(opts)
  if client then return client end
  local token = type(opts) == "table" and opts.api_token
  if token == nil then token = env("CLOUDFLARE_API_TOKEN") end
  if type(token) == "string" and token ~= "" then
    redaction.error(err, redaction.redactor(redaction.finder(token)))
  end
  return nil, tostring(err), err
end

function new_client(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    return nil, errors.invalid("options", "expected a table, got a " .. type(opts))
  end
  local bad = errors.check_options(opts, OPTIONS, "realtimekit.new")
  if bad then return nil, bad end

  local token = opts.api_token
  if token == nil then token = env("CLOUDFLARE_API_TOKEN") end
  -- A transport of the program's own (a test's) needs no token: it is never given one.
  local custom = type(opts.transport) == "function" or seam.is_transport(opts.transport)
  if custom and token == nil then token = "realtimekit-test-transport" end
  if token == nil or token == "" then
    return nil, errors.invalid("api_token", "required: pass api_token or set CLOUDFLARE_API_TOKEN")
  end
  if type(token) ~= "string" then
    return nil, errors.invalid("api_token", "expected a string, got a " .. type(token))
  end
  if token:find("[\r\n]") or token:find("\0", 1, true) then
    -- Said without the token: a header built from it could smuggle in another header.
    return nil, errors.invalid("api_token", "contains a CR, LF or NUL character")
  end

  local strict = opts.strict
  if strict ~= nil and type(strict) ~= "boolean" then
    return nil, errors.invalid("strict", "expected true or false, got a " .. type(strict))
  end
  strict = strict == true

  local account_id = opts.account_id
  if account_id == nil then account_id = env("CLOUDFLARE_ACCOUNT_ID") end
  if account_id ~= nil then
    local _, problem = request.PATH_PARAMS.account_id:param(account_id, strict)
    if problem then return nil, errors.invalid("account_id", problem) end
  end
  local app_id = opts.app_id
  if app_id == nil then app_id = env("REALTIMEKIT_APP_ID") end
  if app_id ~= nil then
    local _, problem = request.PATH_PARAMS.app_id:param(app_id)
    if problem then return nil, errors.invalid("app_id", problem) end
  end
  local headers
  if opts.headers ~= nil then
    local problem
    headers, problem = request.headers(opts.headers, "headers")
    if not headers then return nil, errors.invalid("headers", problem) end
    for i = #headers, 1, -1 do
      -- realtimekit.null drops a header of a call's extra_headers; here there is none to drop.
      if not headers[i][2] then table.remove(headers, i) end
    end
    if #headers > request.MAX_HEADERS then
      return nil, errors.invalid("headers", "at most " .. request.MAX_HEADERS .. " headers")
    end
    if #headers == 0 then headers = nil end
  end
  local ua = opts.user_agent
  if ua ~= nil and (type(ua) ~= "string" or ua == "" or ua:find("[%z\r\n]")) then
    return nil, errors.invalid("user_agent", "expected a non-empty string without CR, LF or "
      .. "NUL, got " .. (type(ua) == "string" and "one with them" or "a " .. type(ua)))
  end

  local base_url, base_path = check_base_url(opts.base_url or env("CLOUDFLARE_BASE_URL")
    or M.DEFAULT_BASE_URL)
  if not base_url then return nil, base_path end

  local timeout, connect_timeout = 60, 10
  if opts.timeout ~= nil then
    local v, err = seconds("timeout", opts.timeout)
    if not v then return nil, err end
    timeout = v
  end
  if opts.connect_timeout ~= nil then
    local v, err = seconds("connect_timeout", opts.connect_timeout)
    if not v then return nil, err end
    connect_timeout = v
  end
  local deadline
  if opts.deadline ~= nil then
    local v, err = seconds("deadline", opts.deadline)
    if not v then return nil, err end
    deadline = v
  end
  if opts.ca_file ~= nil then
    -- Read only where libcurl will use it: over https:// with the default transport. Elsewhere
    -- (an http:// test server, the ngx transport, a program's own transport) a file this
    -- process cannot read, such as one nginx's workers are not allowed to, costs nothing.
    local uses = (opts.transport == nil or opts.transport == "curl")
      and base_url:find("^https://") ~= nil
    if uses or type(opts.ca_file) ~= "string" or opts.ca_file:find("\0", 1, true) then
      local ok, problem = schema.ca_file():param(opts.ca_file)
      if not ok then return nil, errors.invalid("ca_file", problem) end
    end
  end

  local max_retries = M.DEFAULT_MAX_RETRIES
  if opts.max_retries ~= nil then
    local v, problem = request.CALL_OPTIONS.max_retries(opts.max_retries)
    if not v then return nil, errors.invalid("max_retries", problem) end
    max_retries = v
  end
  local max_retry_wait = M.DEFAULT_MAX_RETRY_WAIT
  if opts.max_retry_wait ~= nil then
    local v = opts.max_retry_wait
    if type(v) ~= "number" or v ~= v or v < 0 or v > 86400 then
      return nil, errors.invalid("max_retry_wait", "expected a number of seconds from 0 to 86400")
    end
    max_retry_wait = v
  end
  local max_body = M.DEFAULT_MAX_BODY
  if opts.max_body ~= nil then
    local v = opts.max_body
    if type(v) ~= "number" or v ~= v or v % 1 ~= 0 or v < 1 or v > 4294967295 then
      return nil, errors.invalid("max_body",
        "expected a whole number of bytes from 1 to 4294967295")
    end
    max_body = v
  end
  local decode, dproblem = json.decoder(opts.decoder)
  if not decode then return nil, errors.invalid("decoder", dproblem) end
  if opts.on_request ~= nil and type(opts.on_request) ~= "function" then
    return nil, errors.invalid("on_request", "expected a function(info), got a "
      .. type(opts.on_request))
  end
  local budget, bproblem = pacer.check(opts.rate_limit)
  if bproblem then return nil, errors.invalid("rate_limit", bproblem) end
  local poll_budget, pbproblem = M.check_poll_budget(opts.poll_budget)
  if pbproblem then return nil, errors.invalid("poll_budget", pbproblem) end
  if opts.block_in_nginx ~= nil and type(opts.block_in_nginx) ~= "boolean" then
    return nil, errors.invalid("block_in_nginx", "expected a boolean, got a "
      .. type(opts.block_in_nginx))
  end
  local sleep = opts.sleep
  if sleep ~= nil and type(sleep) ~= "function" then
    return nil, errors.invalid("sleep", "expected a function(seconds), got a " .. type(sleep))
  end

  local transport = opts.transport or "curl"
  local http
  if custom then
    if opts.ngx_location ~= nil then
      return nil, errors.invalid("ngx_location", "only for transport = \"ngx\"")
    end
    http = type(transport) == "function" and seam.new(transport, M.user_agent(nil, ua))
      or transport
    transport = "custom"
  elseif transport == "curl" then
    if opts.ngx_location ~= nil then
      return nil, errors.invalid("ngx_location", "only for transport = \"ngx\"")
    end
    local kind, message
    http, kind, message = core.new {
      token = token, ca_file = opts.ca_file, timeout = timeout, connect_timeout = connect_timeout,
      max_body = max_body, user_agent = M.user_agent(nil, ua),
    }
    if not http then return nil, errors.new("network", message or kind) end
  elseif transport == "ngx" then
    if not ngx_transport.available() then
      return nil, errors.invalid("transport", "\"ngx\" works only inside nginx with its Lua "
        .. "module (OpenResty)")
    end
    local location = opts.ngx_location or ngx_transport.DEFAULT_LOCATION
    if type(location) ~= "string" or not location:find("^/[%w%-%._~/@]*$") then
      return nil, errors.invalid("ngx_location", "expected a location path such as "
        .. ngx_transport.DEFAULT_LOCATION)
    end
    if headers then
      return nil, errors.invalid("headers", "the ngx transport sends the headers its nginx "
        .. "location sets (docs/openresty.md)")
    end
    http = ngx_transport.new(token, location, M.user_agent(ngx_transport.platform(), ua),
      max_body)
  else
    return nil, errors.invalid("transport", "expected \"curl\", \"ngx\", a function(request) or "
      .. "a table with start, poll, result and cancel, got " .. M.quoted(transport))
  end

  local self = setmetatable({
    base_url = base_url,
    base_path = base_path,
    account_id = account_id,
    app_id = app_id,
    timeout = timeout,
    connect_timeout = connect_timeout,
    deadline = deadline,
    ca_file = opts.ca_file,
    max_retries = max_retries,
    max_retry_wait = max_retry_wait,
    max_body = max_body,
    transport = transport,
    block_in_nginx = opts.block_in_nginx == true,
    strict = strict,
    -- The engine that runs the calls. Closures that find the token, not the token: it is in
    -- none of the client's or the engine's fields.
    engine = engine.new {
      transport = http, transport_waits = transport ~= "curl",
      cut_timeouts = transport ~= "ngx", host = host.new(sleep),
      -- (core.token_id is nil only when OpenSSL runs out of memory: the keys then name no
      -- token, and clients of other tokens in a shared store pace together, which is safe.)
      may_block = opts.block_in_nginx == true, pacer = pacer.new(budget, core.token_id(token)),
      decode = decode,
      finder = transport == "curl" and redaction.transport_finder(http)
        or redaction.finder(token),
      max_retries = max_retries, max_retry_wait = max_retry_wait, timeout = timeout,
      connect_timeout = connect_timeout, deadline = deadline, on_request = opts.on_request,
      poll_budget = poll_budget, headers = headers,
    },
  }, Client)
  local async = setmetatable({ client = self }, Async)
  for i = 1, #M.RESOURCES do
    local name = M.RESOURCES[i]
    self[name] = resource.new(self, name)
    async[name] = resource.new_async(self, name)
  end
  self.async = async
  return self
end

--- A line naming the client, its base URL, account and app, without its token: a token given
-- by mistake as one of them (a short one passes for an account id) shows as `[REDACTED]`.
-- @treturn string
function Client:__tostring()
  local redact = self.engine:redactor()
  return format("realtimekit client (%s, account %s, app %s)", redact(self.base_url),
    redact(self.account_id or "unset"), redact(self.app_id or "unset"))
end

--- The User-Agent the client sends.
-- @treturn string such as `realtimekit-lua/0.2.0 (Lua 5.4; libcurl/7.88.1)`
function Client:user_agent()
  return self.engine.transport:user_agent()
end

--- Closes the client's connection; later calls raise. Garbage collection does the same.
function Client:close()
  self.engine:close()
end

--- Drives the client's operations (`client.async…`): starts the retries that are due, does
-- the I/O that is ready, waiting up to `timeout` seconds (default 0: not at all) for some, and
-- settles the calls that finished (decodes and checks their answers): all of them, or with the
-- client's `poll_budget` as many as it allows, oldest first, leaving the others, in order, to
-- the next poll (which then does not wait). `op:poll()` and `walk:poll()` drive the client the
-- same way; a blocking wait (`op:wait()`, a blocking call) settles everything.
-- Inside OpenResty the wait yields; in an nginx phase that cannot yield, a `timeout` above 0
-- raises (unless the client has `block_in_nginx`), since it would block the worker.
-- @tparam[opt=0] number timeout the longest wait, in seconds (>= 0)
-- @treturn int how many operations are still under way
-- @usage
-- local a = client.async.meetings:list { per_page = 10 }
-- local b = client.async.sessions:list { status = "LIVE" }
-- while client:poll(0.1) > 0 do end
-- print(a:poll(), b:poll())
function Client:poll(timeout)
  if timeout ~= nil and (type(timeout) ~= "number" or timeout ~= timeout or timeout < 0) then
    error("client:poll(timeout): timeout must be a number of seconds >= 0", 2)
  end
  M.check_open(self, "client:poll()", 2)
  local refused = timeout and timeout > 0 and self.engine:refusal()
  if refused then error("client:poll(timeout): " .. refused.message, 2) end
  return self.engine:poll(timeout)
end

--- Any endpoint of the API, with the same retries, errors, redaction and decoding as every
-- call: the way to an endpoint, parameter or header this library does not know yet.
-- @string method `"GET"`, `"POST"`, `"PUT"`, `"PATCH"` or `"DELETE"`
-- @string path below `base_url`, such as
-- `"/accounts/{account_id}/realtime/kit/{app_id}/meetings"`: `{account_id}` and `{app_id}`
-- are filled in from `opts` or the client; other characters outside RFC 3986's path
-- characters are percent-encoded; `?`, `#`, spaces and dot segments are refused
-- @tparam[opt] table opts
-- @tparam[opt] table opts.query `name = value`; an array value repeats the key
-- (`status = {"A", "B"}` sends `status=A&status=B`)
-- @param[opt] opts.body a table, sent as JSON (`realtimekit.array` and `realtimekit.null` as
-- in any body), or a string, sent as it is
-- @tparam[opt] table opts.headers `name = value`, sent with this request (not
-- `Authorization`, `Host`, `Content-Length`, `Transfer-Encoding`, `Connection`, `Expect`)
-- @tparam[opt] number opts.timeout seconds this request may take, per attempt
-- @tparam[opt] number opts.deadline seconds the whole call may take, its attempts and the
-- waits between them included (over the client's `deadline`)
-- @tparam[opt] int opts.max_retries retries after a failed attempt, 0 to 10
-- @tparam[opt] string opts.account_id
-- @tparam[opt] string opts.app_id
-- @tparam[opt] boolean opts.strict over the client's `strict`: whether `account_id` must be at
-- most 32 characters
-- @treturn[1] table the whole decoded body (`success`, `data`, `paging`, …); an empty table
-- for a 2xx answer with an empty body
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error
-- @usage
-- local body = assert(client:request("GET",
--   "/accounts/{account_id}/realtime/kit/{app_id}/meetings",
--   { query = { per_page = 5, status = "ACTIVE" } }))
-- print(#body.data, body.paging.total_count)
function Client:request(method, path, opts)
  if getmetatable(self) ~= Client then error("use client:request(...), with a colon", 2) end
  M.check_open(self, "client:request()", 2)
  local req, err = request.raw(self, method, path, opts)
  if not req then return nil, err end
  return self.engine:call(req, raw_value)
end

--- The client's calls that do not block: `client.async.<resource>:<method>(…)` takes the same
-- arguments as `client.<resource>:<method>(…)` and makes the same checks, then returns at once
-- with an operation (`realtimekit.engine.Op`) or, for an iterator method (`each`, `pages`,
-- `each_participant`, …), a walk (`realtimekit.pager.Walk`). Nothing here can collide with a
-- method of the API, such as `recordings:start`.
-- @type Async
-- @usage
-- local op = assert(client.async.recordings:start { meeting_id = id })
-- local walk = assert(client.async.meetings:each { per_page = 50 })
-- while client:poll(0.05) > 0 do end -- or poll each once per frame
-- print(op:poll())

--- `client:request` without blocking: the same arguments, and an operation back.
-- @string method
-- @string path
-- @tparam[opt] table opts
-- @treturn[1] realtimekit.engine.Op
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error an `invalid_argument` error
function Async:request(method, path, opts)
  if getmetatable(self) ~= Async then
    error("use client.async:request(...), with a colon", 2)
  end
  M.check_open(self.client, "client.async:request()", 2)
  local req, err = request.raw(self.client, method, path, opts)
  if not req then return nil, err end
  return self.client.engine:start(req, raw_value)
end

return M
