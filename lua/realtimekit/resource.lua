--- Resource objects (client.meetings, client.sessions, …), made from the endpoint descriptions
-- in realtimekit.resources.*: one method per row, plus iterators for the paged rows. Every
-- method is listed, with its parameters, in the @{methods.md|Resource methods} topic.
-- @module realtimekit.resource
local ops = require "realtimekit.ops"
local pager = require "realtimekit.pager"
local request = require "realtimekit.request"

local setmetatable, getmetatable, error, pairs, require = setmetatable, getmetatable, error, pairs,
  require

local M = {}

local classes = {}

-- Builds the method table of a resource from its rows, once per resource.
local function class(name)
  if classes[name] then return classes[name] end
  local rows = require("realtimekit.resources." .. name)
  local methods = {}
  local mt = { __index = methods }
  local function check(self, method)
    if getmetatable(self) ~= mt then
      error(("use client.%s:%s(...), with a colon"):format(name, method), 3)
    end
  end
  local starters = {}
  -- resource:start(method, ...): the call `resource:method(...)` as an operation that does not
  -- block (`op:poll()`), or for an iterator method (each, pages, ...) a walk (`walk:poll()`).
  -- Returns nil and an `invalid_argument` error for bad arguments, before any request.
  methods.start = function(self, method, ...)
    check(self, "start")
    local start = starters[method]
    if not start then
      error(("client.%s has no method %s to start"):format(name, tostring(method)), 2)
    end
    return start(self.client, ...)
  end
  for method, row in pairs(rows) do
    request.compile(name, method, row)
    local value = row.items and ops.list_value or ops.object_value
    starters[method] = function(client, ...)
      local req, err = request.build(client, row, request.split(row, ...))
      if not req then return nil, err end
      return ops.start(client, req, value)
    end
    methods[method] = function(self, ...)
      check(self, method)
      return self.client:_call(row, value, request.split(row, ...))
    end
    if row.each then
      for iterator, walk_pages in pairs { [row.each] = false, [row.pages] = true } do
        starters[iterator] = function(client, ...)
          local p, err = pager.new(client, row, request.split(row, ...))
          if not p then return nil, err end
          return pager.walk(p, walk_pages)
        end
        methods[iterator] = function(self, ...)
          check(self, iterator)
          local p, err = pager.new(self.client, row, request.split(row, ...))
          if not p then error(err) end
          if walk_pages then return pager.pages(p) end
          return pager.each(p)
        end
      end
    end
  end
  classes[name] = { methods = methods, mt = mt, rows = rows }
  return classes[name]
end

--- A resource object, such as `client.meetings`: one method per endpoint of the resource, all
-- listed with their arguments and parameters in the @{methods.md|Resource methods} topic,
-- plus `start`. Call them with a colon: `client.meetings:list(params)`.
-- @type Resource

--- Starts a call of this resource without blocking: `client.meetings:start("get", id)` is the
-- call `client.meetings:get(id)` as an operation, driven by `op:poll()` or `client:poll()`.
-- For an iterator method (`each`, `pages`, `each_participant`, …) it returns a walk instead.
-- Arguments are checked as the blocking call checks them, before any request.
-- @function Resource:start
-- @string method the name of one of the resource's methods
-- @param ... the method's arguments and params, as the blocking call takes them
-- @treturn[1] realtimekit.ops.Op for a call, or `realtimekit.pager.Walk` for an iterator
-- @return[2] nil
-- @treturn[2] realtimekit.errors.Error an `invalid_argument` error
-- @raise for a method the resource does not have
-- @usage
-- local op = assert(client.meetings:start("list", { status = "ACTIVE" }))
-- local walk = assert(client.sessions:start("each", { status = "LIVE", concurrency = 4 }))

--- The resource object `name` of a client.
-- @local
function M.new(client, name)
  return setmetatable({ client = client, name = name }, class(name).mt)
end

--- The endpoint rows of a resource, compiled.
-- @local
function M.rows(name)
  return class(name).rows
end

return M
