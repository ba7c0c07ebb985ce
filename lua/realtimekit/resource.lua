--- Resource objects (client.meetings, client.sessions, …), made from the endpoint descriptions
-- in realtimekit.resources.*: one method per row, plus iterators for the paged rows.
-- @module realtimekit.resource
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
  for method, row in pairs(rows) do
    request.compile(name, method, row)
    if row.items then
      methods[method] = function(self, ...)
        check(self, method)
        return self.client:_list(row, request.split(row, ...))
      end
      methods[row.each] = function(self, ...)
        check(self, row.each)
        local p, err = pager.new(self.client, row, request.split(row, ...))
        if not p then error(err) end
        return pager.each(p)
      end
      methods[row.pages] = function(self, ...)
        check(self, row.pages)
        local p, err = pager.new(self.client, row, request.split(row, ...))
        if not p then error(err) end
        return pager.pages(p)
      end
    else
      methods[method] = function(self, ...)
        check(self, method)
        return self.client:_object(row, request.split(row, ...))
      end
    end
  end
  classes[name] = { methods = methods, mt = mt, rows = rows }
  return classes[name]
end

--- The resource object `name` of a client.
function M.new(client, name)
  return setmetatable({ client = client, name = name }, class(name).mt)
end

--- The endpoint rows of a resource, compiled.
function M.rows(name)
  return class(name).rows
end

return M
