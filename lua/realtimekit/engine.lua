--- The engine: every API call is an operation on a transport's non-blocking transfers. A
-- blocking call is an operation started and then waited for; `client.async` hands the
-- operation itself out; a walk keeps several of them under way. The engine owns what they
-- share: the transport, the host it waits through, the rate-limit pacer, the queue of
-- operations waiting for a free transfer, and the settling of each attempt (classified by
-- `realtimekit.response`, retried or not by `realtimekit.retry`, told to the `on_request`
-- hook). It knows nothing of clients: a client (`realtimekit.client`) makes one engine from its
-- options and hands it built requests.
--
-- A request, as `realtimekit.request` builds it: `method`, `url`, `path`, `row` (its endpoint
-- row; `row.raw` for `client:request`), `body`, `options` (transport options: `headers`,
-- `timeout`), `secrets` (strings to redact), `max_retries`, `deadline`, `budgets` (the
-- rate-limit budgets it counts against). What a successful attempt becomes is the caller's
-- `finish(req, decoded, headers, body, status, redact)`, which returns the value, or nil and
-- an error (`realtimekit.response` has those of the API's calls).
--
-- Its fields are for reading: `transport` (start, poll, result, cancel, running), `host` (see
-- `realtimekit.host`: a table of its own, whose functions a program may wrap to watch how the
-- engine waits), `pacer` (or nil), `headers`, `closed`.
-- @module realtimekit.engine
local core = require "realtimekit.core"
local compat = require "realtimekit.compat"
local errors = require "realtimekit.errors"
local redaction = require "realtimekit.redact"
local response = require "realtimekit.response"
local retry = require "realtimekit.retry"

local setmetatable, pairs, pcall, error = setmetatable, pairs, pcall, error
local remove, insert = table.remove, table.insert
local format = string.format
local monotonic = core.monotonic
local show_number = compat.show_number

local M = {}

--- Transfers one engine keeps under way at once; further operations queue (the C core's
-- `RTK_MAX_TRANSFERS`).
M.MAX_RUNNING = 64

-- The longest a blocking wait lets one poll wait; it returns as soon as a transfer ends.
M.WAIT_SLICE = 60

local PENDING = { queued = true, running = true, waiting = true }

local Engine = {}
Engine.__index = Engine
M.Engine = Engine

local Op = {}
Op.__index = Op
M.Op = Op

--- Makes an engine. `settings`:
--
-- - `transport`: an object with `start`, `poll`, `result` and `cancel` (and `running`,
--   `user_agent`, `close`), the C core's client or one like it;
-- - `transport_waits`: true when the transport's `poll(timeout, stop)` waits by itself (the
--   ngx transport, a program's own), rather than through the host;
-- - `cut_timeouts`: whether an attempt's `timeout` and `connect_timeout` may be cut to what is
--   left of its call's deadline (not the ngx transport's, which are nginx's own);
-- - `host`: a host (`realtimekit.host.new`);
-- - `may_block`: whether a call may block where the host would refuse to (`block_in_nginx`);
-- - `pacer`: a rate-limit pacer (`realtimekit.pacer`), or nil for none;
-- - `decode`: the JSON decoder (`realtimekit.json`);
-- - `finder`: how the token is found in text (`realtimekit.redact`), or nil;
-- - `max_retries`, `max_retry_wait`: the retry policy (`realtimekit.retry`);
-- - `timeout`, `connect_timeout`: an attempt's, when its request gives none;
-- - `deadline`: seconds every call may take, or nil;
-- - `on_request`: the hook told of every attempt, or nil;
-- - `headers`: header lines every request carries besides the transport's own, or nil (kept
--   here for `realtimekit.request`, which merges a call's extra headers over them);
-- - `poll_budget`: `{ max_results = n, ms = t }`, or nil;
-- - `classify`: how an attempt's outcome is classified (default `response.classify`).
-- @tparam table settings
-- @treturn Engine
function M.new(settings)
  local self = setmetatable({
    transport = settings.transport,
    host = settings.host,
    pacer = settings.pacer,
    closed = false,
    transport_waits = settings.transport_waits == true,
    cut_timeouts = settings.cut_timeouts ~= false,
    may_block = settings.may_block == true or settings.transport_waits == true,
    decode = settings.decode,
    classify = settings.classify or response.classify,
    policy = { max_retries = settings.max_retries or retry.DEFAULT_MAX_RETRIES,
               max_retry_wait = settings.max_retry_wait or retry.DEFAULT_MAX_RETRY_WAIT },
    timeout = settings.timeout, connect_timeout = settings.connect_timeout,
    deadline = settings.deadline,
    on_request = settings.on_request,
    poll_budget = settings.poll_budget,
    finder = settings.finder,
    headers = settings.headers,
    -- The operations under way: running ones by transfer id, those waiting for their next
    -- attempt as a set, those waiting for a free transfer in order, the ids of the transfers
    -- the transport reported finished that are yet to be settled, in the order it reported
    -- them (it reports each once; a poll budget may leave some for the next poll), and the
    -- operations with a deadline, as a set.
    running = {}, nrunning = 0, waiting = {}, queue = {}, finished = {}, timed = {},
  }, Engine)
  self.redact = redaction.redactor(self.finder)
  return self
end

--- The engine of one client, made by `new`.
-- @type Engine

--- The redaction of a request's errors and reports: the token, and a body's secrets (storage
-- keys, passwords), should the API echo them. Without a request, the token's alone.
-- @param[opt] req a request
-- @treturn function a redactor (`realtimekit.redact.redactor`)
function Engine:redactor(req)
  if not req or not req.secrets then return self.redact end
  local r = req.redact
  if not r then
    r = redaction.redactor(self.finder, req.secrets)
    req.redact = r
  end
  return r
end

--- Why a call may not wait here (an nginx phase that cannot yield), as an `invalid_argument`
-- error; nil when it may.
function Engine:refusal()
  return self.host.refusal(self.may_block)
end

-- Tells the on_request hook about an attempt: `{method, url, attempt, seconds, status,
-- cf_ray, error = kind or nil, message, retry_in = seconds or nil, waited, ratelimit, store}`
-- (`store`: the rate limit's shared store failed or answered again since the last report, see
-- `realtimekit.pacer`'s `Pacer:event`), with the token and a body's secrets scrubbed from every
-- string.
local function report(self, req, attempt, started, status, headers, err, retry_in)
  local redact = self:redactor(req)
  local info = {
    method = req.method, url = redact(req.url), attempt = attempt,
    seconds = monotonic() - started, status = status or (err and err.status),
    cf_ray = redact((headers and headers["cf-ray"]) or (err and err.cf_ray)),
    error = err and err.kind, message = redact(err and err.message), retry_in = retry_in,
    waited = req.waited, ratelimit = req.ratelimit,
    store = self.pacer and self.pacer:event(),
  }
  if info.store and info.store.message then info.store.message = redact(info.store.message) end
  -- The hook runs in the middle of a poll's work: an error it raises is kept and raised once
  -- that work is done (the first one, should several raise), so that no operation is left half
  -- settled.
  local ok, hook_error = pcall(self.on_request, info)
  if not ok and self.hook_error == nil then
    self.hook_error = hook_error == nil and "the on_request hook raised nil" or hook_error
  end
end

-- The transport options of an attempt of op at `now`: the request's (those retry.lua adds for
-- its method), with the timeouts cut to what is left before the call's deadline. Marks op as
-- cut when they are.
local function attempt_options(self, op, now)
  local req = op.req
  local options = retry.transport_options(req.method, req.options)
  op.cut = nil
  if not op.deadline or not self.cut_timeouts then return options end
  options, op.cut = retry.cut_to_deadline(options, op.deadline - now, self.timeout,
    self.connect_timeout)
  return options
end

-- Tells the pacer that an attempt it admitted has ended: with the answer's headers and status,
-- or, for a transfer that failed or was cancelled, without.
local function observe(self, req, headers, status)
  local pacer = self.pacer
  if pacer then pacer:observe(headers, status, monotonic(), req.budgets) end
end

-- Starts an attempt of op now (the pacer has admitted it and a transfer is free).
local function launch(self, op, now)
  local req = op.req
  op.attempts = op.attempts + 1
  op.started = self.on_request and monotonic()
  op.waited = (op.waited or 0) + (now - op.queued_at)
  local id, kind, message, name = self.transport:start(req.method, req.url, req.body,
    attempt_options(self, op, now))
  if not id then
    -- The transport could not even start it (out of memory): as final as any transport
    -- failure, but nothing was sent.
    observe(self, req)
    op.state, op.err = "failed", errors.transport(kind, message, name, req,
      self:redactor(req), true)
    op.err.attempts = op.attempts
    return
  end
  op.id, op.state = id, "running"
  self.running[id] = op
  self.nrunning = self.nrunning + 1
end

-- Puts op in the queue of operations waiting to be sent; `front` for a retry, which goes
-- before what has not been sent yet.
local function enqueue(self, op, now, front)
  op.state, op.queued_at = "queued", now
  if front then
    insert(self.queue, 1, op)
  else
    self.queue[#self.queue + 1] = op
  end
end

-- The error of a call the rate limit holds back longer than it waits for a server: shaped as
-- the API's 429 would be, nothing sent (`why` says which budget holds it back).
local function too_long(self, op, wait, why)
  local err = errors.new("api", format("the rate limit allows no request for %.0f s (%s), "
    .. "longer than max_retry_wait (%s s)", wait, why or "the rate limit",
    show_number(self.policy.max_retry_wait)), {
      status = 429, retryable = true, retry_after = wait,
      method = op.req.method, path = op.req.path,
    })
  err.attempts = op.attempts
  return redaction.error(err, self:redactor(op.req))
end

-- The error of a call held back because the rate limit's shared store failed (with
-- `rate_limit.on_error = "fail"`): a `network` error, nothing sent.
local function store_failed(self, op, why)
  local err = errors.new("network", tostring(why) .. " (rate_limit.on_error = \"fail\")", {
    retryable = true, method = op.req.method, path = op.req.path })
  err.attempts = op.attempts
  return redaction.error(err, self:redactor(op.req))
end

-- The error of a call whose deadline has passed, or would pass before it could go on (`what`
-- says which): a `timeout`, with the last attempt's error as its `cause`. A write cut short
-- while its attempt was under way (`in_flight`), or whose last attempt left its outcome
-- unknown, may have taken effect: its outcome is unknown, and it is not retryable.
local function past_deadline(self, op, what, cause, in_flight)
  local req = op.req
  local unknown = retry.unknown_at_deadline(req.method, in_flight, cause)
  local err = errors.new("timeout", format("the %s's deadline of %s s %s", op.deadline_of,
    show_number(op.deadline_s), what), {
      retryable = not unknown, outcome = unknown and "unknown" or nil,
      attempts = op.attempts, deadline = op.deadline_s, cause = cause,
      retry_after = cause and cause.retry_after,
      method = req.method, path = req.path,
    })
  return redaction.error(err, self:redactor(req))
end

-- Ends op at its deadline, wherever it is: an attempt under way is cancelled (and the
-- on_request hook told of it), a retry waited for is not made, a queued request not sent.
local function expire(self, op)
  local state, what, in_flight = op.state
  if state == "running" then
    self.running[op.id] = nil
    self.nrunning = self.nrunning - 1
    self.transport:cancel(op.id)
    observe(self, op.req)
    what, in_flight = "passed while attempt " .. op.attempts .. " was under way", true
  else
    -- A queued one stays in the queue and is skipped there.
    if state == "waiting" then self.waiting[op] = nil end
    what = op.attempts == 0 and "passed before the request could be sent"
      or "passed before attempt " .. (op.attempts + 1)
  end
  local err = past_deadline(self, op, what, op.last_err, in_flight)
  op.state, op.err = "failed", err
  if in_flight and op.started then report(self, op.req, op.attempts, op.started, nil, nil, err) end
end

-- Settles an attempt's outcome: done, failed, or waiting for another attempt. The on_request
-- hook, told of the attempt first, may cancel the operation: then it stays cancelled.
local function settle(self, op, decoded, headers, body, status)
  local req = op.req
  if op.started then
    req.waited = op.waited
    req.ratelimit = self.pacer and self.pacer:info(monotonic(), req.budgets)
  end
  op.state = "settling"
  if decoded then
    if op.started then report(self, req, op.attempts, op.started, status, headers) end
    if op.state == "cancelled" then return end
    local value, err = op.finish(req, decoded, headers, body, status, self:redactor(req))
    if value == nil then
      op.state, op.err = "failed", err
    else
      op.state, op.value = "done", value
    end
    return
  end
  local err = headers
  local wait, what, in_flight = retry.after_failure(self.policy, req, err, op.attempts,
    monotonic(), op.deadline, op.cut)
  local late = what and past_deadline(self, op, what, err, in_flight)
  if op.started then report(self, req, op.attempts, op.started, nil, nil, err, wait) end
  if op.state == "cancelled" then return end
  if not wait then
    op.state, op.err = "failed", late or err
    return
  end
  op.last_err = err
  op.state, op.due = "waiting", monotonic() + wait
  self.waiting[op] = true
end

-- Ends the operations whose deadline has passed, moves those whose retry is due to the queue,
-- and sends what the queue holds while a transfer is free and the pacer allows: in order,
-- except that a request the rate limit holds back lets those behind it go that count against
-- other budgets (a recording route's wait holds back no other). Returns the time something is
-- next due (a deadline, a retry, or the pacer's next opening), or nil.
local function advance(self, now)
  local due
  local timed, late = self.timed, nil
  for op in pairs(timed) do
    if not PENDING[op.state] then
      timed[op] = nil
    elseif now >= op.deadline then
      timed[op] = nil
      late = late or {}
      late[#late + 1] = op
    elseif not due or op.deadline < due then
      due = op.deadline
    end
  end
  -- Ended after the loop: the on_request hook, told of an attempt cut short, may start calls.
  for i = 1, late and #late or 0 do
    if PENDING[late[i].state] then expire(self, late[i]) end
  end
  for op in pairs(self.waiting) do
    if op.due <= now then
      self.waiting[op] = nil
      enqueue(self, op, now, true)
    elseif not due or op.due < due then
      due = op.due
    end
  end
  local queue, pacer = self.queue, self.pacer
  -- The budget lists found held back in this pass: a request of the same list waits too.
  local held
  local i = 1
  while queue[i] ~= nil and self.nrunning < M.MAX_RUNNING do
    local op = queue[i]
    local budgets = op.req.budgets
    if op.state ~= "queued" then
      remove(queue, i) -- cancelled, or past its deadline, while it waited
    elseif held and held[budgets] then
      i = i + 1
    else
      local wait, why = 0, nil
      if pacer then wait, why = pacer:admit(now, budgets) end
      if wait == nil then
        -- The rate limit's shared store failed, and rate_limit.on_error says to fail.
        remove(queue, i)
        op.state, op.err = "failed", store_failed(self, op, why)
      elseif wait > 0 then
        if retry.too_long(self.policy, wait) then
          remove(queue, i)
          op.state, op.err = "failed", too_long(self, op, wait, why)
        elseif op.deadline and now + wait >= op.deadline then
          remove(queue, i)
          timed[op] = nil
          op.state, op.err = "failed", past_deadline(self, op, format("would pass before "
            .. "the rate limit lets the request go (%s holds it back %s s)", why or "the budget",
            show_number(wait)), op.last_err)
        else
          if not due or now + wait < due then due = now + wait end
          -- Every request counts against the token's budgets: when they hold one back, they
          -- hold back all.
          if budgets == nil or #budgets <= 1 then break end
          held = held or {}
          held[budgets] = true
          i = i + 1
        end
      else
        remove(queue, i)
        launch(self, op, now)
      end
    end
  end
  return due
end

--- Starts an operation for a built request; `finish(req, decoded, headers, body, status,
-- redact)` turns a successful response into the operation's value (or nil and an error). Its
-- deadline is the request's `deadline` (else the engine's) from now, or `walk_deadline` (a
-- time on the monotonic clock, that of a walk of `walk_seconds`) if that comes first.
-- @param req a request
-- @tparam function finish
-- @tparam[opt] number walk_deadline
-- @tparam[opt] number walk_seconds
-- @treturn Op
function Engine:start(req, finish, walk_deadline, walk_seconds)
  local op = setmetatable({ engine = self, req = req, finish = finish, attempts = 0 }, Op)
  local now = monotonic()
  local seconds = req.deadline or self.deadline
  if seconds then op.deadline, op.deadline_s, op.deadline_of = now + seconds, seconds, "call" end
  if walk_deadline and (not op.deadline or walk_deadline < op.deadline) then
    op.deadline, op.deadline_s, op.deadline_of = walk_deadline, walk_seconds, "walk"
  end
  if op.deadline then self.timed[op] = true end
  enqueue(self, op, now)
  advance(self, now)
  return op
end

-- How many keys a table has.
local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- Settles the finished transfers, oldest first: all of them, or, unless `unbounded`, as many as
-- the poll budget allows (at least one, so that every poll moves on); the others stay, in
-- order, for the next poll.
local function settle_finished(self, unbounded)
  local finished = self.finished
  local budget = not unbounded and self.poll_budget
  local max = budget and budget.max_results
  local deadline = budget and budget.ms and monotonic() + budget.ms / 1000
  local transport = self.transport
  local n = 0
  while finished[1] ~= nil do
    if n > 0 and ((max and n >= max) or (deadline and monotonic() >= deadline)) then break end
    local op = self.running[remove(finished, 1)]
    -- An operation cancelled meanwhile (by a hook, say) has released its transfer already.
    if op then
      n = n + 1
      self.running[op.id] = nil
      self.nrunning = self.nrunning - 1
      local body, status, headers, name = transport:result(op.id)
      if body ~= nil then observe(self, op.req, headers, status) else observe(self, op.req) end
      settle(self, op, self.classify(op.req, body, status, headers, name, self.decode,
        self:redactor(op.req)))
    end
  end
end

--- Drives every operation: starts the retries that are due, does the I/O that is ready,
-- waiting up to `timeout` seconds for some, and settles what finished: all of it, or what the
-- poll budget allows, unless `unbounded` (a blocking wait). A wait that yields (OpenResty)
-- also ends once `stop()` is true.
-- @tparam[opt=0] number timeout seconds
-- @tparam[opt] function stop
-- @tparam[opt] boolean unbounded
-- @treturn int how many operations are still under way
function Engine:poll(timeout, stop, unbounded)
  local later = self.later
  if later then
    self.later = nil
    for i = 1, #later do later[i]:cancel() end
  end
  local now = monotonic()
  local due = advance(self, now)
  timeout = timeout or 0
  if due and due - now < timeout then timeout = due - now end
  if self.nrunning == 0 then
    -- Nothing runs: what is left of the finished ids belongs to cancelled operations.
    if self.finished[1] ~= nil then self.finished = {} end
    if timeout > 0 and due then
      self.host.sleep(timeout)
      -- The host's sleep has waited so long (a test's may only pretend to): what was due by
      -- then is due now.
      if now + timeout > monotonic() then now = now + timeout else now = monotonic() end
      advance(self, now)
    end
  else
    -- Finished transfers left by the last poll's budget: no waiting for more.
    if self.finished[1] ~= nil then timeout = 0 end
    if timeout > M.WAIT_SLICE then timeout = M.WAIT_SLICE end
    local ids
    if self.transport_waits then
      ids = self.transport:poll(timeout, stop)
    else
      ids = self.host.wait(self.transport, timeout, stop)
    end
    local finished = self.finished
    for i = 1, #ids do finished[#finished + 1] = ids[i] end
    settle_finished(self, unbounded)
  end
  advance(self, monotonic())
  -- An error the on_request hook raised comes out here, once every finished operation has
  -- settled: the engine is as consistent as if the hook had returned.
  local hook_error = self.hook_error
  if hook_error ~= nil then
    self.hook_error = nil
    error(hook_error, 0)
  end
  return self.nrunning + #self.queue + count(self.waiting)
end

--- Has the engine cancel `op` at its next poll: what a finalizer does for an operation of an
-- object collected while the operation was under way (a finalizer may run in the middle of a
-- transport call, where cancelling a transfer is not safe).
-- @tparam Op op
function Engine:cancel_later(op)
  local later = self.later
  if not later then
    later = {}
    self.later = later
  end
  later[#later + 1] = op
end

--- Blocks until the operation has settled, driving the engine's other operations meanwhile,
-- and returns its value, or nil and its error. Where the host cannot wait (an nginx phase that
-- cannot yield), returns that error and leaves the operation as it is, to be polled.
-- @tparam Op op
function Engine:wait(op)
  local refused = self:refusal()
  if refused then return nil, refused end
  -- Other coroutines (OpenResty's light threads) may drive this engine too, and settle op.
  local function settled() return not PENDING[op.state] end
  while PENDING[op.state] do
    -- With nothing under way, the wait is for the next retry, however far off it is.
    self:poll(self.nrunning == 0 and math.huge or M.WAIT_SLICE, settled, true)
  end
  if op.state == "done" then return op.value end
  if op.state == "cancelled" then
    return nil, redaction.error(errors.new("invalid_argument", "the operation was cancelled",
      { method = op.req.method, path = op.req.path }), self:redactor(op.req))
  end
  return nil, op.err
end

--- A blocking call: starts an operation for a built request and waits for it. Where the host
-- cannot wait (an nginx phase that cannot yield), returns that error and starts nothing.
-- @param req a request
-- @tparam function finish as for `start`
-- @return the value, or nil and an error
function Engine:call(req, finish)
  local refused = self:refusal()
  if refused then return nil, refused end
  return self:wait(self:start(req, finish))
end

--- Closes the transport; the engine is then `closed`.
function Engine:close()
  self.closed = true
  self.transport:close()
end

--- An API call under way without blocking, made by a method of `client.async`: the same
-- arguments and checks as the blocking method, and the same retry policy, with the waits
-- between attempts kept as timers instead of sleeps. Its `state` is `"queued"`, `"running"`,
-- `"waiting"` (for its next attempt), `"done"` (`value` holds what the call returns),
-- `"failed"` (`err` holds its error) or `"cancelled"`.
-- @type Op
-- @usage
-- local op = assert(client.async.meetings:get(meeting_id))
-- -- every frame, or in a loop that does other work:
-- local state, v = op:poll()
-- if state == "done" then print(v.title)
-- elseif state == "failed" then print(v) end

--- The operation's state and value: "pending"; "done", value; "failed", err; or "cancelled".
-- Drives the client's I/O once, without waiting (as `client:poll(0)` does).
-- @treturn string `"pending"`, `"done"`, `"failed"` or `"cancelled"`
-- @return with `"done"`, the call's value (what the blocking call returns); with `"failed"`,
-- the error object of the last attempt
function Op:poll()
  if PENDING[self.state] then self.engine:poll(0) end
  if self.state == "done" then return "done", self.value end
  if self.state == "failed" then return "failed", self.err end
  if self.state == "cancelled" then return "cancelled" end
  return "pending"
end

--- Whether the operation has yet to settle (queued, running, or waiting to retry).
-- @treturn boolean
function Op:pending()
  return PENDING[self.state] == true
end

--- Waits for the operation to settle (blocking, or yielding inside OpenResty), driving the
-- client's other operations meanwhile.
-- @return[1] the call's value
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error the error of the last attempt
function Op:wait()
  return self.engine:wait(self)
end

--- Stops the operation; its transfer, if one is under way, is cancelled, and a retry it was
-- waiting for is not made. Its state becomes `"cancelled"`; an operation that has already
-- settled is left as it is.
function Op:cancel()
  local engine = self.engine
  if self.state == "running" then
    engine.running[self.id] = nil
    engine.nrunning = engine.nrunning - 1
    engine.transport:cancel(self.id)
    observe(engine, self.req)
  elseif self.state == "waiting" then
    engine.waiting[self] = nil
  elseif self.state ~= "queued" and self.state ~= "settling" then
    -- (settling: its attempt has ended and its transfer is released; the on_request hook,
    -- told of that attempt, cancels it before it is done, failed or waiting.)
    return
  end
  -- A queued one stays in the queue and is skipped there.
  self.state = "cancelled"
end

return M
