--- The engine: every API call is an operation on the transport's non-blocking transfers. A
-- blocking call is an operation started and then waited for; `client.async` hands the
-- operation itself out; a walk keeps several of them under way. The retry policy lives here
-- once, for all of them, and so does the queue of operations that wait for a free transfer.
-- The client drives them all in `client:poll()`; what differs between hosts is only how that
-- poll waits (realtimekit.wait).
-- @module realtimekit.ops
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"
local retry = require "realtimekit.retry"
local redaction = require "realtimekit.redact"
local hostwait = require "realtimekit.wait"

local compat = require "realtimekit.compat"

local setmetatable, pairs = setmetatable, pairs
local remove = table.remove
local format = string.format
local monotonic = core.monotonic
local show_number = compat.show_number

local M = {}

--- Transfers one client keeps under way at once; further operations queue (the C core's
-- RTK_MAX_TRANSFERS).
M.MAX_RUNNING = 64

--- An API call under way without blocking, made by a method of `client.async`: the same
-- arguments and checks as the blocking method, and the same retry policy, with the waits
-- between attempts kept as timers instead of sleeps.
-- @type Op
-- @usage
-- local op = assert(client.async.meetings:get(meeting_id))
-- -- every frame, or in a loop that does other work:
-- local state, v = op:poll()
-- if state == "done" then print(v.title)
-- elseif state == "failed" then print(v) end
local Op = {}
Op.__index = Op
M.Op = Op

local PENDING = { queued = true, running = true, waiting = true }

-- The longest a blocking wait lets one poll wait; it returns as soon as a transfer ends.
M.WAIT_SLICE = 60

-- The client's table of operations under way: running ones by transfer id, those waiting for
-- their next attempt as a set, those waiting for a free transfer in order, the ids of the
-- transfers the core reported finished that are yet to be settled, in the order it reported
-- them (the core reports each once; a poll budget may leave some for the next poll), and the
-- operations with a deadline, as a set.
local function engine(client)
  local e = client._ops
  if not e then
    e = { running = {}, nrunning = 0, waiting = {}, queue = {}, finished = {}, timed = {} }
    client._ops = e
  end
  return e
end
M.engine = engine

-- The transport options of an attempt of op at `now`: the request's, with the timeouts cut to
-- what is left before the call's deadline (the ngx transport's are nginx's own: there the
-- deadline cancels the attempt instead). Marks op as cut when they are.
local function attempt_options(client, op, now)
  local options = retry.transport_options(op.req.method, op.req.options)
  op.cut = nil
  if not op.deadline or client.transport == "ngx" then return options end
  options, op.cut = retry.cut_to_deadline(options, op.deadline - now, client.timeout,
    client.connect_timeout)
  return options
end

-- Starts an attempt of op now (the pacer has admitted it and a transfer is free).
local function launch(client, op, now)
  local e = engine(client)
  local req = op.req
  op.attempts = op.attempts + 1
  op.started = client._on_request and monotonic()
  op.waited = (op.waited or 0) + (now - op.queued_at)
  local id, kind, message, name = client._http:start(req.method, req.url, req.body,
    attempt_options(client, op, now))
  if not id then
    -- The transport could not even start it (out of memory): as final as any transport
    -- failure, but nothing was sent.
    if client._pacer then client._pacer:observe(nil, nil, now, req.budgets) end
    op.state, op.err = "failed", errors.transport(kind, message, name, req,
      client:_redactor(req), true)
    op.err.attempts = op.attempts
    return
  end
  op.id, op.state = id, "running"
  e.running[id] = op
  e.nrunning = e.nrunning + 1
end

-- Puts op in the queue of operations waiting to be sent; `front` for a retry, which goes
-- before what has not been sent yet.
local function enqueue(e, op, now, front)
  op.state, op.queued_at = "queued", now
  if front then
    table.insert(e.queue, 1, op)
  else
    e.queue[#e.queue + 1] = op
  end
end

-- The error of a call the rate limit holds back longer than the client waits for a server:
-- shaped as the API's 429 would be, nothing sent (`why` says which budget holds it back).
local function too_long(client, op, wait, why)
  local err = errors.new("api", format("the rate limit allows no request for %.0f s (%s), "
    .. "longer than max_retry_wait (%s s)", wait, why or "the rate limit",
    show_number(client.max_retry_wait)), {
      status = 429, retryable = true, retry_after = wait,
      method = op.req.method, path = op.req.path,
    })
  err.attempts = op.attempts
  return redaction.error(err, client:_redactor(op.req))
end

-- The error of a call whose deadline has passed, or would pass before it could go on (`what`
-- says which): a `timeout`, with the last attempt's error as its `cause`. A write cut short
-- while its attempt was under way (`in_flight`), or whose last attempt left its outcome
-- unknown, may have taken effect: its outcome is unknown, and it is not retryable.
local function past_deadline(client, op, what, cause, in_flight)
  local req = op.req
  local unknown = retry.unknown_at_deadline(req.method, in_flight, cause)
  local err = errors.new("timeout", format("the %s's deadline of %s s %s", op.deadline_of,
    show_number(op.deadline_s), what), {
      retryable = not unknown, outcome = unknown and "unknown" or nil,
      attempts = op.attempts, deadline = op.deadline_s, cause = cause,
      retry_after = cause and cause.retry_after,
      method = req.method, path = req.path,
    })
  return redaction.error(err, client:_redactor(req))
end

-- Ends op at its deadline, wherever it is: an attempt under way is cancelled (and the
-- on_request hook told of it), a retry waited for is not made, a queued request not sent.
local function expire(client, e, op, now)
  local state, what, in_flight = op.state
  if state == "running" then
    e.running[op.id] = nil
    e.nrunning = e.nrunning - 1
    client._http:cancel(op.id)
    if client._pacer then client._pacer:observe(nil, nil, now, op.req.budgets) end
    what, in_flight = "passed while attempt " .. op.attempts .. " was under way", true
  else
    -- A queued one stays in the queue and is skipped there.
    if state == "waiting" then e.waiting[op] = nil end
    what = op.attempts == 0 and "passed before the request could be sent"
      or "passed before attempt " .. (op.attempts + 1)
  end
  local err = past_deadline(client, op, what, op.last_err, in_flight)
  op.state, op.err = "failed", err
  if in_flight and op.started then
    client:_report(op.req, op.attempts, op.started, nil, nil, err)
  end
end

-- Whether finished transfers wait to be settled.
local function finished_left(e)
  return e.finished[1] ~= nil
end

-- Settles an attempt's outcome: done, failed, or waiting for another attempt. The on_request
-- hook, told of the attempt first, may cancel the operation: then it stays cancelled.
local function settle(client, op, decoded, headers, body, status)
  local req = op.req
  if op.started then
    req.waited = op.waited
    req.ratelimit = client._pacer and client._pacer:info(monotonic(), req.budgets)
  end
  op.state = "settling"
  if decoded then
    if op.started then client:_report(req, op.attempts, op.started, status, headers) end
    if op.state == "cancelled" then return end
    local value, err = op.finish(client, req, decoded, headers, body, status)
    if value == nil then
      op.state, op.err = "failed", err
    else
      op.state, op.value = "done", value
    end
    return
  end
  local err = headers
  local wait, what, in_flight = retry.after_failure(client, req, err, op.attempts, monotonic(),
    op.deadline, op.cut)
  local late = what and past_deadline(client, op, what, err, in_flight)
  if op.started then client:_report(req, op.attempts, op.started, nil, nil, err, wait) end
  if op.state == "cancelled" then return end
  if not wait then
    op.state, op.err = "failed", late or err
    return
  end
  op.last_err = err
  op.state, op.due = "waiting", monotonic() + wait
  engine(client).waiting[op] = true
end

--- Starts an operation for a built request; `finish(client, req, decoded, headers, body, status)`
-- turns a successful response into the operation's value (or nil and an error). Its deadline
-- is the request's `deadline` (else the client's) from now, or `walk_deadline` (a time on the
-- monotonic clock, that of a walk of `walk_seconds`) if that comes first.
-- @local
function M.start(client, req, finish, walk_deadline, walk_seconds)
  local op = setmetatable({ client = client, req = req, finish = finish, attempts = 0 }, Op)
  local e = engine(client)
  local now = monotonic()
  local seconds = req.deadline or client.deadline
  if seconds then op.deadline, op.deadline_s, op.deadline_of = now + seconds, seconds, "call" end
  if walk_deadline and (not op.deadline or walk_deadline < op.deadline) then
    op.deadline, op.deadline_s, op.deadline_of = walk_deadline, walk_seconds, "walk"
  end
  if op.deadline then e.timed[op] = true end
  enqueue(e, op, now)
  M.advance(client, e, now)
  return op
end

-- Ends the operations whose deadline has passed, moves those whose retry is due to the queue,
-- and sends what the queue holds while a transfer is free and the pacer allows: in order,
-- except that a request the rate limit holds back lets those behind it go that count against
-- other budgets (a recording route's wait holds back no other). Returns the time something is
-- next due (a deadline, a retry, or the pacer's next opening), or nil.
function M.advance(client, e, now)
  local due
  local timed, late = e.timed, nil
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
    if PENDING[late[i].state] then expire(client, e, late[i], now) end
  end
  for op in pairs(e.waiting) do
    if op.due <= now then
      e.waiting[op] = nil
      enqueue(e, op, now, true)
    elseif not due or op.due < due then
      due = op.due
    end
  end
  local queue, pacer = e.queue, client._pacer
  -- The budget lists found held back in this pass: a request of the same list waits too.
  local held
  local i = 1
  while queue[i] ~= nil and e.nrunning < M.MAX_RUNNING do
    local op = queue[i]
    local budgets = op.req.budgets
    if op.state ~= "queued" then
      remove(queue, i) -- cancelled, or past its deadline, while it waited
    elseif held and held[budgets] then
      i = i + 1
    else
      local wait, why = 0, nil
      if pacer then wait, why = pacer:admit(now, budgets) end
      if wait > 0 then
        if retry.too_long(client, wait) then
          remove(queue, i)
          op.state, op.err = "failed", too_long(client, op, wait, why)
        elseif op.deadline and now + wait >= op.deadline then
          remove(queue, i)
          timed[op] = nil
          op.state, op.err = "failed", past_deadline(client, op, format("would pass before "
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
        launch(client, op, now)
      end
    end
  end
  return due
end
local advance = M.advance

--- Checks the `poll_budget` option of `realtimekit.new`: nil or false (none), or a table with
-- `max_results` (a whole number from 1) and/or `ms` (milliseconds, above 0).
-- @return the budget (a table) or nil; or nil and what is wrong with it
-- @local
function M.check_budget(v)
  if v == nil or v == false then return nil end
  if type(v) ~= "table" then
    return nil, "expected a table { max_results = N, ms = T } or false, got a " .. type(v)
  end
  for k in pairs(v) do
    if k ~= "max_results" and k ~= "ms" then
      return nil, "unknown key " .. (type(k) == "string" and string.format("%q", k:sub(1, 40))
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

-- Settles the finished transfers of e.finished, oldest first: all of them, or, unless
-- `unbounded`, as many as the client's poll budget allows (at least one, so that every poll
-- moves on); the others stay, in order, for the next poll.
local function settle_finished(client, e, unbounded)
  local finished = e.finished
  local budget = not unbounded and client._poll_budget
  local max = budget and budget.max_results
  local deadline = budget and budget.ms and monotonic() + budget.ms / 1000
  local http, pacer = client._http, client._pacer
  local n = 0
  while finished[1] ~= nil do
    if n > 0 and ((max and n >= max) or (deadline and monotonic() >= deadline)) then break end
    local op = e.running[remove(finished, 1)]
    -- An operation cancelled meanwhile (by a hook, say) has released its transfer already.
    if op then
      n = n + 1
      e.running[op.id] = nil
      e.nrunning = e.nrunning - 1
      local body, status, headers, name = http:result(op.id)
      if pacer then
        if body ~= nil then
          pacer:observe(headers, status, monotonic(), op.req.budgets)
        else
          pacer:observe(nil, nil, monotonic(), op.req.budgets)
        end
      end
      settle(client, op, client:_classify(op.req, body, status, headers, name))
    end
  end
end

--- Drives every operation of the client: starts the retries that are due, does the I/O that is
-- ready, waiting up to `timeout` seconds for some, and settles what finished: all of it, or
-- what the client's `poll_budget` allows, unless `unbounded` (a blocking wait). A wait that
-- yields (OpenResty) also ends once `stop()` is true.
-- @return how many operations are still under way
-- @local
function M.poll(client, timeout, stop, unbounded)
  local e = engine(client)
  local later = e.later
  if later then
    e.later = nil
    for i = 1, #later do later[i]:cancel() end
  end
  local now = monotonic()
  local due = advance(client, e, now)
  timeout = timeout or 0
  if due and due - now < timeout then timeout = due - now end
  if e.nrunning == 0 then
    -- Nothing runs: what is left of the finished ids belongs to cancelled operations.
    if finished_left(e) then e.finished = {} end
    if timeout > 0 and due then
      client._sleep(timeout)
      -- The client's sleep has waited so long (a test's may only pretend to): what was due
      -- by then is due now.
      if now + timeout > monotonic() then now = now + timeout else now = monotonic() end
      advance(client, e, now)
    end
  else
    -- Finished transfers left by the last poll's budget: no waiting for more.
    if finished_left(e) then timeout = 0 end
    if timeout > M.WAIT_SLICE then timeout = M.WAIT_SLICE end
    local ids = client._drive(timeout, stop)
    local finished = e.finished
    for i = 1, #ids do finished[#finished + 1] = ids[i] end
    settle_finished(client, e, unbounded)
  end
  advance(client, e, monotonic())
  -- An error the on_request hook raised comes out here, once every finished operation has
  -- settled: the engine is as consistent as if the hook had returned.
  local hook_error = client._hook_error
  if hook_error ~= nil then
    client._hook_error = nil
    error(hook_error, 0)
  end
  return e.nrunning + #e.queue + M.count(e.waiting)
end

--- Has the engine `e` cancel `op` at its next poll: what a finalizer does for an operation of
-- an object collected while the operation was under way (a finalizer may run in the middle of a
-- transport call, where cancelling a transfer is not safe).
-- @local
function M.cancel_later(e, op)
  local later = e.later
  if not later then
    later = {}
    e.later = later
  end
  later[#later + 1] = op
end

--- How many keys a table has.
-- @local
function M.count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

--- Blocks until the operation has settled, driving the client's other operations meanwhile,
-- and returns its value, or nil and its error.
-- @local
function M.wait(op)
  local client = op.client
  -- An nginx phase that cannot yield: the operation is left as it is, to be polled.
  local refused = hostwait.refusal(client)
  if refused then return nil, refused end
  local e = engine(client)
  -- Other coroutines (OpenResty's light threads) may drive this client too, and settle op.
  local function settled() return not PENDING[op.state] end
  while PENDING[op.state] do
    -- With nothing under way, the wait is for the next retry, however far off it is.
    M.poll(client, e.nrunning == 0 and math.huge or M.WAIT_SLICE, settled, true)
  end
  if op.state == "done" then return op.value end
  if op.state == "cancelled" then
    return nil, redaction.error(errors.new("invalid_argument", "the operation was cancelled",
      { method = op.req.method, path = op.req.path }), client:_redactor(op.req))
  end
  return nil, op.err
end

--- A blocking call: starts an operation for a built request and waits for it. Where the host
-- cannot wait (an nginx phase that cannot yield), returns that error and starts nothing.
-- @local
function M.call(client, req, finish)
  local refused = hostwait.refusal(client)
  if refused then return nil, refused end
  return M.wait(M.start(client, req, finish))
end

--- The operation's state and value: "pending"; "done", value; "failed", err; or "cancelled".
-- Drives the client's I/O once, without waiting (as `client:poll(0)` does).
-- @treturn string `"pending"`, `"done"`, `"failed"` or `"cancelled"`
-- @return with `"done"`, the call's value (what the blocking call returns); with `"failed"`,
-- the error object of the last attempt
function Op:poll()
  if PENDING[self.state] then M.poll(self.client, 0) end
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
  return M.wait(self)
end

--- Stops the operation; its transfer, if one is under way, is cancelled, and a retry it was
-- waiting for is not made. Its state becomes `"cancelled"`; an operation that has already
-- settled is left as it is.
function Op:cancel()
  local e = engine(self.client)
  if self.state == "running" then
    e.running[self.id] = nil
    e.nrunning = e.nrunning - 1
    self.client._http:cancel(self.id)
    if self.client._pacer then
      self.client._pacer:observe(nil, nil, monotonic(), self.req.budgets)
    end
  elseif self.state == "waiting" then
    e.waiting[self] = nil
  elseif self.state ~= "queued" and self.state ~= "settling" then
    -- (settling: its attempt has ended and its transfer is released; the on_request hook,
    -- told of that attempt, cancels it before it is done, failed or waiting.)
    return
  end
  -- A queued one stays in the queue and is skipped there.
  self.state = "cancelled"
end

--- What a call of an object endpoint makes of its answer: the response's `data`.
-- @local
function M.object_value(client, req, ...) return client:_object_value(req, ...) end
--- What a call of a list endpoint makes of its answer: a page.
-- @local
function M.list_value(client, req, ...) return client:_list_value(req, ...) end

return M
