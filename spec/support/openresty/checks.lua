-- Handlers for the OpenResty spec: each runs realtimekit inside nginx and answers with JSON, or
-- records what it found in the realtimekit_spec shared dict for a later request to read.
local cjson = require "cjson"
local realtimekit = require "realtimekit"

local M = {}

local function reply(t)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(t))
end

-- A client for the fake server: the ngx transport with transport = "ngx", else the default one
-- (the token, account, URL and CA from the environment, as the example's).
local function client(opts)
  opts = opts or {}
  local o = { app_id = os.getenv("REALTIMEKIT_APP_ID") }
  if opts.transport ~= "ngx" then o.ca_file = os.getenv("REALTIMEKIT_CA_FILE") end
  for k, v in pairs(opts) do o[k] = v end
  return assert(realtimekit.new(o))
end

local function transport_arg(args)
  return args.transport == "ngx" and "ngx" or nil
end

local function err_fields(err)
  return { kind = err.kind, status = err.status, attempts = err.attempts,
           message = err.message, transport_code = err.transport_code, param = err.param,
           phase = err.phase, outcome = err.outcome, retryable = err.retryable,
           deadline = err.deadline, text = tostring(err) }
end

local function ms_since(t0)
  ngx.update_time()
  return math.floor((ngx.now() - t0) * 1000 + 0.5)
end

-- One list call with the given options; answers with the page size or the error, how long it
-- took, and how many times it slept with ngx.sleep (yielding to nginx) and the longest sleep.
function M.list()
  local args = ngx.req.get_uri_args()
  local sleep, sleeps, longest = ngx.sleep, 0, 0
  ngx.sleep = function(t) -- luacheck: ignore 122 (counted for this call, then put back)
    sleeps = sleeps + 1
    if t > longest then longest = t end
    return sleep(t)
  end
  local ok, c = pcall(client, { transport = transport_arg(args), ngx_location = args.location,
                                max_retries = tonumber(args.retries), api_token = args.token,
                                max_body = tonumber(args.max_body) })
  ngx.update_time()
  local t0 = ngx.now()
  local page, err
  if ok then ok, page, err = pcall(c.meetings.list, c.meetings, { per_page = 5 }) end
  ngx.sleep = sleep -- luacheck: ignore 122
  if not ok then error(page or c, 0) end
  local out = { ms = ms_since(t0), sleeps = sleeps, longest_sleep = longest }
  if page then
    out.items, out.total = #page.data, page.paging.total_count
  else
    out.error = err_fields(err)
  end
  reply(out)
end

-- One write: meetings:create (POST), or with method=PATCH meetings:update of the meeting `id`,
-- with the given options; answers with the error, or the id of what it wrote.
function M.write()
  local args = ngx.req.get_uri_args()
  local c = client { transport = transport_arg(args), ngx_location = args.location,
                     max_retries = tonumber(args.retries), deadline = tonumber(args.deadline) }
  local v, err
  if args.method == "PATCH" then
    v, err = c.meetings:update(args.id, { title = "Standup" })
  else
    v, err = c.meetings:create { title = "Standup" }
  end
  if not v then return reply { error = err_fields(err) } end
  reply { id = v.id }
end

-- One call whose error (queued by the spec) echoes the token: answers with every string the
-- error and the on_request hook were given.
function M.echo()
  local reports = {}
  local c = client { transport = transport_arg(ngx.req.get_uri_args()), max_retries = 0,
                     on_request = function(info) reports[#reports + 1] = info end }
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
  local c = client { transport = transport_arg(ngx.req.get_uri_args()) }
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

-- Light threads of one request sharing ONE client, each blocking on its own call: two list
-- calls and a walk with concurrency 3. Answers with what each got and how long all took.
function M.threads()
  local c = client { transport = transport_arg(ngx.req.get_uri_args()) }
  ngx.update_time()
  local t0 = ngx.now()
  local function list(page_no)
    local page, err = c.meetings:list { per_page = 10, page_no = page_no }
    if not page then return { error = err_fields(err) } end
    return { first = page.data[1].id, ms = ms_since(t0) }
  end
  local function walk()
    local n = 0
    for _ in c.meetings:each { per_page = 50, concurrency = 3 } do n = n + 1 end
    return { items = n, ms = ms_since(t0) }
  end
  local a = ngx.thread.spawn(list, 1)
  local b = ngx.thread.spawn(list, 2)
  local w = ngx.thread.spawn(walk)
  local _, ra = ngx.thread.wait(a)
  local _, rb = ngx.thread.wait(b)
  local okw, rw = ngx.thread.wait(w)
  if not okw then rw = { error = tostring(rw) } end
  reply { a = ra, b = rb, walk = rw, ms = ms_since(t0) }
end

-- Where nginx cannot yield: a call with the default transport, as "<value> <kind> <message>".
function M.phase_call(opts)
  local c = client(opts)
  local page, err = c.meetings:list { per_page = 5 }
  if page then return "page of " .. #page.data end
  return tostring(page) .. " " .. err.kind .. " " .. err.message
end

-- Where nginx cannot yield: op:wait() of a call made with client.async, then op:poll(), as
-- "<kind of wait's error> <state after>".
function M.phase_async()
  local c = client()
  local op = assert(c.async.meetings:list { per_page = 5 })
  local _, err = op:wait()
  return tostring(err and err.kind) .. " " .. op:poll()
end

-- Called where subrequests are not allowed, with the ngx transport.
function M.wrong_phase()
  return M.phase_call { transport = "ngx" }
end

--- init_by_lua: a call (refused), and one with block_in_nginx (made, blocking the master).
function M.init()
  M.in_init = M.phase_call()
  local c = client { block_in_nginx = true }
  local page, err = c.meetings:list { per_page = 5 }
  M.in_init_blocking = page and ("page of " .. #page.data) or tostring(err)
  c:close() -- its connection must not outlive the fork into workers
end

--- init_worker_by_lua, outside a timer: a call (refused). Then the timer of the walk spec.
function M.init_worker()
  M.in_init_worker = M.phase_call()
  M.start_timer_walk()
end

--- GET /t/phase?name=init|init_worker|log: what the call there gave.
function M.phase()
  local name = ngx.var.arg_name
  local v
  if name == "init" then
    v = { refused = M.in_init, blocking = M.in_init_blocking }
  elseif name == "init_worker" then
    v = { refused = M.in_init_worker }
  else
    v = { refused = ngx.shared.realtimekit_spec:get("log") }
  end
  reply(v)
end

--- log_by_lua: records what the call gave.
function M.in_log()
  ngx.shared.realtimekit_spec:set("log", M.phase_call())
end

--- A timer started from init_worker_by_lua, with the default transport and no location: each
-- time /t/timer-walk?start=1 asks, it walks the meetings (per_page from the request) and
-- records their ids.
function M.start_timer_walk()
  local dict = ngx.shared.realtimekit_spec
  local function job(premature)
    if premature then return end
    while not ngx.worker.exiting() do
      local per_page = dict:get("walk_go")
      if per_page then
        dict:delete("walk_go")
        local c = client()
        local ids = {}
        ngx.update_time()
        local t0 = ngx.now()
        local ok, err = pcall(function()
          for m in c.meetings:each { per_page = per_page, concurrency = 1 } do
            ids[#ids + 1] = m.id
          end
        end)
        dict:set("walk_result", cjson.encode {
          phase = ngx.get_phase(), ids = ids, ms = ms_since(t0),
          error = not ok and tostring(err) or nil,
        })
      end
      ngx.sleep(0.02)
    end
  end
  assert(ngx.timer.at(0, job))
end

--- GET /t/timer-walk?start=<per_page> starts the timer's walk; without start, its result.
function M.timer_walk()
  local dict = ngx.shared.realtimekit_spec
  local start = tonumber(ngx.var.arg_start)
  if start then
    dict:delete("walk_result")
    dict:set("walk_go", start)
    return reply { started = true }
  end
  local r = dict:get("walk_result")
  ngx.header["Content-Type"] = "application/json"
  ngx.say(r or '{"pending":true}')
end

-- Clients kept by the worker from one request to the next, as an application keeps them.
local shared = {}

--- GET /t/shared?transport=…: a call and a walk with concurrency 2 on a client that earlier
-- requests used too.
function M.shared()
  local transport = transport_arg(ngx.req.get_uri_args()) or "curl"
  if not shared[transport] then
    shared[transport] = client { transport = transport ~= "curl" and transport or nil }
  end
  local c = shared[transport]
  local page, err
  for i = 1, 10 do
    page, err = c.meetings:list { per_page = 5, page_no = i }
    if not page then return reply { error = err_fields(err) } end
  end
  local n = 0
  for _ in c.meetings:each { per_page = 100, concurrency = 2 } do n = n + 1 end
  reply { items = #page.data, walked = n, pid = ngx.worker.pid() }
end

--- GET /t/worker: this worker's pid and peak resident memory (VmHWM, KiB).
function M.worker()
  local f = assert(io.open("/proc/self/status"))
  local status = f:read("*a")
  f:close()
  reply { pid = ngx.worker.pid(), hwm_kb = tonumber(status:match("VmHWM:%s*(%d+)")) }
end

return M
