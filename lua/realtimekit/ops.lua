--- Operations: API calls that run without blocking, several at once, on the C core's parallel
-- transfers. Each follows the same retry policy as a blocking call; waits between attempts are
-- timers here, not sleeps. The client drives them all in `client:poll()`.
-- @module realtimekit.ops
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"

local setmetatable, pairs, ipairs, next = setmetatable, pairs, ipairs, next
local monotonic = core.monotonic

local M = {}

--- An API call under way without blocking, made by `resource:start(method, …)` for a method
-- that is not an iterator.
-- @type Op
-- @usage
-- local op = assert(client.meetings:start("get", meeting_id))
-- -- every frame, or in a loop that does other work:
-- local state, v = op:poll()
-- if state == "done" then print(v.title)
-- elseif state == "failed" then print(v) end
local Op = {}
Op.__index = Op
M.Op = Op

-- The client's table of operations under way: running ones by transfer id, waiting ones (for
-- their next attempt) as a set.
local function engine(client)
  local e = client._ops
  if not e then
    e = { running = {}, waiting = {} }
    client._ops = e
  end
  return e
end

local function launch(client, op)
  local req = op.req
  op.attempts = op.attempts + 1
  op.started = client._on_request and monotonic()
  local id, kind, message, name = client._http:start(req.method, req.url, req.body, req.options)
  if not id then
    -- The core could not even start it (out of memory): as final as any transport failure.
    op.state, op.err = "failed", errors.transport(kind, message, name, req)
    op.err.attempts = op.attempts
    return
  end
  op.id, op.state = id, "running"
  engine(client).running[id] = op
end

-- Settles an attempt's outcome: done, failed, or waiting for another attempt.
local function settle(client, op, decoded, headers, body, status)
  local req = op.req
  if decoded then
    if op.started then client:_report(req, op.attempts, op.started, status, headers) end
    local value, err = op.finish(client, req, decoded, headers, body, status)
    if value == nil then
      op.state, op.err = "failed", err
    else
      op.state, op.value = "done", value
    end
    return
  end
  local err = headers
  local wait = client:_retry_wait(req, err, op.attempts)
  if op.started then client:_report(req, op.attempts, op.started, nil, nil, err, wait) end
  if not wait then
    op.state, op.err = "failed", err
    return
  end
  op.state, op.due = "waiting", monotonic() + wait
  engine(client).waiting[op] = true
end

--- What a call of an object endpoint makes of its answer: the response's `data`.
-- @local
function M.object_value(client, req, ...) return client:_object_value(req, ...) end
--- What a call of a list endpoint makes of its answer: a page.
-- @local
function M.list_value(client, req, ...) return client:_list_value(req, ...) end

--- Starts an operation for a built request; `finish(client, req, decoded, headers, body, status)`
-- turns a successful response into the operation's value (or nil and an error).
-- @local
function M.start(client, req, finish)
  local op = setmetatable({ client = client, req = req, finish = finish, attempts = 0,
                            state = "running" }, Op)
  launch(client, op)
  return op
end

--- Drives every operation of the client: starts the retries that are due, does the I/O that is
-- ready, waiting up to `timeout` seconds for some, and settles what finished.
-- @return how many operations are still under way
-- @local
function M.poll(client, timeout)
  local e = engine(client)
  local now = monotonic()
  local due
  for op in pairs(e.waiting) do
    if op.due <= now then
      e.waiting[op] = nil
      launch(client, op)
    elseif not due or op.due < due then
      due = op.due
    end
  end
  timeout = timeout or 0
  if due and due - now < timeout then timeout = due - now end
  if next(e.running) == nil then
    if timeout > 0 and due then client._sleep(timeout) end
  else
    local http = client._http
    for _, id in ipairs(http:poll(timeout)) do
      local op = e.running[id]
      e.running[id] = nil
      local body, status, headers, name = http:result(id)
      if op and op.state == "running" then
        settle(client, op, client:_classify(op.req, body, status, headers, name))
      end
    end
  end
  local n = 0
  for _ in pairs(e.running) do n = n + 1 end
  for _ in pairs(e.waiting) do n = n + 1 end
  return n
end

--- Blocks until the operation has settled, driving the client's other operations meanwhile.
-- Waits between attempts use the client's `sleep`.
-- @local
function M.wait(op)
  local client = op.client
  while op.state == "running" or op.state == "waiting" do
    M.poll(client, 1)
  end
end

--- The operation's state and value: "pending"; "done", value; "failed", err; or "cancelled".
-- Drives the client's I/O once, without waiting (as `client:poll(0)` does).
-- @treturn string `"pending"`, `"done"`, `"failed"` or `"cancelled"`
-- @return with `"done"`, the call's value (what the blocking call returns); with `"failed"`,
-- the error object of the last attempt
function Op:poll()
  if self.state == "running" or self.state == "waiting" then M.poll(self.client, 0) end
  if self.state == "done" then return "done", self.value end
  if self.state == "failed" then return "failed", self.err end
  if self.state == "cancelled" then return "cancelled" end
  return "pending"
end

--- Stops the operation; its transfer, if one is under way, is cancelled, and a retry it was
-- waiting for is not made. Its state becomes `"cancelled"`; an operation that has already
-- settled is left as it is.
function Op:cancel()
  if self.state == "running" then
    local e = engine(self.client)
    e.running[self.id] = nil
    self.client._http:cancel(self.id)
  elseif self.state == "waiting" then
    engine(self.client).waiting[self] = nil
  else
    return
  end
  self.state = "cancelled"
end

return M
