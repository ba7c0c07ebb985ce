--- Resource objects (client.meetings, client.sessions, …), made from the endpoint descriptions
-- in realtimekit.resources.*: one method per row, plus iterators for the paged rows. Every
-- method is listed, with its parameters, in the @{methods.md|Resource methods} topic.
--
-- Each resource exists twice: `client.meetings`, whose methods block until they have an answer
-- (inside OpenResty they yield instead), and `client.async.meetings`, whose methods take the
-- same arguments, make the same checks, and return at once with an operation (`op:poll()`) or,
-- for an iterator method, a walk (`walk:poll()`).
-- @module realtimekit.resource
local errors = require "realtimekit.errors"
local pager = require "realtimekit.pager"
local request = require "realtimekit.request"
local response = require "realtimekit.response"

local setmetatable, getmetatable, error, pairs, require = setmetatable, getmetatable, error, pairs,
  require

local M = {}

local classes = {}

-- Builds the method tables of a resource from its rows, once per resource: the blocking one
-- and the async one.
local function class(name)
  if classes[name] then return classes[name] end
  local rows = require("realtimekit.resources." .. name)
  local methods, async = {}, {}
  local names = {}
  -- A misspelt method is raised where it is called, with the name it was probably meant to
  -- be, rather than as a call of nil.
  local function index(list, prefix)
    return function(_, k)
      local m = list[k]
      if m ~= nil then return m end
      if k == "client" or k == "name" then return nil end
      local key = type(k) == "string" and k or "a " .. type(k)
      error(("%s%s has no method '%s'%s"):format(prefix, name, key, errors.suggest(k, names)), 2)
    end
  end
  local mt, async_mt = { __index = index(methods, "client.") },
    { __index = index(async, "client.async.") }
  local function check(self, method, meta, prefix)
    if getmetatable(self) ~= meta then
      error(("use %s%s:%s(...), with a colon"):format(prefix, name, method), 3)
    end
    if self.client.engine.closed then
      error(("realtimekit: %s%s:%s() on a closed client"):format(prefix, name, method), 3)
    end
  end
  for method, row in pairs(rows) do
    request.compile(name, method, row)
    local value = row.items and response.list_value or response.object_value
    async[method] = function(self, ...)
      check(self, method, async_mt, "client.async.")
      local req, err = request.build(self.client, row, request.split(row, ...))
      if not req then return nil, err end
      return self.client.engine:start(req, value)
    end
    methods[method] = function(self, ...)
      check(self, method, mt, "client.")
      local req, err = request.build(self.client, row, request.split(row, ...))
      if not req then return nil, err end
      return self.client.engine:call(req, value)
    end
    if row.each then
      for iterator, walk_pages in pairs { [row.each] = false, [row.pages] = true } do
        async[iterator] = function(self, ...)
          check(self, iterator, async_mt, "client.async.")
          local p, err = pager.new(self.client, row, request.split(row, ...))
          if not p then return nil, err end
          return pager.walk(p, walk_pages)
        end
        methods[iterator] = function(self, ...)
          check(self, iterator, mt, "client.")
          local p, err = pager.new(self.client, row, request.split(row, ...))
          if not p then errors.raise(err, 2) end
          if walk_pages then return pager.pages(p) end
          return pager.each(p)
        end
      end
    end
  end
  for method in pairs(methods) do names[#names + 1] = method end
  table.sort(names)
  classes[name] = { methods = methods, mt = mt, async = async, async_mt = async_mt, rows = rows,
                    names = names }
  return classes[name]
end

--- A resource object, such as `client.meetings`: one method per endpoint of the resource, all
-- listed with their arguments and parameters in the @{methods.md|Resource methods} topic.
-- Call them with a colon: `client.meetings:list(params)`. The same object under
-- `client.async` (`client.async.meetings`) has the same methods, which return an operation or a
-- walk instead of waiting.
-- @type Resource

--- The resource object `name` of a client.
-- @local
function M.new(client, name)
  return setmetatable({ client = client, name = name }, class(name).mt)
end

--- The async resource object `name` of a client (`client.async.<name>`).
-- @local
function M.new_async(client, name)
  return setmetatable({ client = client, name = name }, class(name).async_mt)
end

--- The endpoint rows of a resource, compiled.
-- @local
function M.rows(name)
  return class(name).rows
end

--- The method names of a resource: its rows and their iterators, sorted.
-- @local
function M.methods(name)
  local list = {}
  for i, method in ipairs(class(name).names) do list[i] = method end
  return list
end

return M
