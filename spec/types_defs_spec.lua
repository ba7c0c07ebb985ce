-- The LuaLS definitions in types/ (written by scripts/generate, which spec/generate_spec.lua
-- checks): they are valid Lua, every type they name is declared, and they describe every
-- method, option and result the library has.
local helper = require "helper"
local realtimekit = require "realtimekit"
local client_mod = require "realtimekit.client"
local engine = require "realtimekit.engine"
local pager = require "realtimekit.pager"
local request = require "realtimekit.request"
local resource = require "realtimekit.resource"
local webhook = require "realtimekit.webhook"

local FILES = { "types/realtimekit.lua", "types/realtimekit/webhook.lua" }

local read = helper.read

local function camel(name)
  return (name:gsub("^%l", string.upper):gsub("_(%l)", string.upper))
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local function sorted(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

-- The type at the start of an annotation's text (it may hold spaces inside <>, (), {} and after
-- `fun(…):`), and the rest.
local function split_type(s)
  local depth, i = 0, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == '"' then
      i = s:find('"', i + 1, true)
    elseif c:find("[<({%[]") then
      depth = depth + 1
    elseif c:find("[>)}%]]") then
      depth = depth - 1
    elseif c:find("%s") and depth == 0 and not s:sub(1, i - 1):find(":$") then
      break
    end
    i = i + 1
  end
  return s:sub(1, i - 1), s:sub(i + 1)
end

local BUILTIN = set_of { "nil", "any", "boolean", "string", "number", "integer", "function",
  "table", "thread", "userdata", "lightuserdata", "true", "false", "fun", "self" }

-- The type names an annotation's type uses (not builtins, literals, or names of a fun's
-- parameters or a table literal's keys).
local function names_in(ty, generics)
  local names = {}
  ty = ty:gsub('"[^"]*"', '""')
  for name, after in ty:gmatch("([%a_][%w_%.]*)%s*(.?)") do
    if after ~= ":" and not BUILTIN[name] and not generics[name] then names[#names + 1] = name end
  end
  return names
end

-- Everything the definitions say: classes {name = {parents, fields = {name = type}}}, aliases,
-- the functions of each class (by the local that holds it) with their annotation lines, and
-- every type name used.
local function parse(text)
  local d = { classes = {}, aliases = {}, methods = {}, used = {}, problems = {} }
  local current, var_class, block = nil, {}, {}
  local generics = {}
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local tag, rest = line:match("^%-%-%-@(%w+)%s*(.*)$")
    if tag then block[#block + 1] = line end
    if tag == "class" then
      local name, parents = rest:match("^([%w_%.]+)%s*:?%s*(.*)$")
      if d.classes[name] then d.problems[#d.problems + 1] = "class twice: " .. name end
      current = { parents = {}, fields = {}, name = name }
      d.classes[name] = current
      for p in parents:gmatch("[%w_%.]+") do
        current.parents[#current.parents + 1] = p
        d.used[#d.used + 1] = p
      end
    elseif tag == "alias" then
      d.aliases[rest:match("^([%w_%.]+)")] = true
    elseif tag == "generic" then
      generics[rest:match("^(%w+)")] = true
    elseif tag == "field" or tag == "param" or tag == "return" then
      local name = ""
      if tag ~= "return" then name, rest = rest:match("^([%w_]+%??)%s+(.*)$") end
      local ty = split_type(rest)
      if tag == "field" then current.fields[(name:gsub("%?$", ""))] = ty end
      for _, n in ipairs(names_in(ty, generics)) do d.used[#d.used + 1] = n end
    elseif line:find("^%-%-%-| ") then -- luacheck: ignore 542
    elseif line:find("^local ([%w_]+) = {}$") then
      if current then var_class[line:match("^local ([%w_]+)")] = current.name end
      current = nil
    elseif line:find("^function ") then
      local var, sep, method = line:match("^function ([%w_]+)([:.])([%w_]+)%(")
      local cls = var_class[var] or var
      d.methods[cls] = d.methods[cls] or {}
      d.methods[cls][method] = { lines = block, sep = sep }
      generics = {}
    end
    if not tag and not line:find("^%-%-%-") then block = {} end
  end
  return d
end

-- A class's fields with its parents'.
local function all_fields(d, name, out)
  out = out or {}
  local c = assert(d.classes[name], "no class " .. name)
  for _, p in ipairs(c.parents) do all_fields(d, p, out) end
  for k, v in pairs(c.fields) do out[k] = v end
  return out
end

describe("types/ (LuaLS definitions)", function()
  local texts, d = {}, nil
  setup(function()
    for _, path in ipairs(FILES) do texts[path] = read(path) end
    d = parse(texts[FILES[1]] .. "\n" .. texts[FILES[2]])
  end)

  it("is installed with the rock, in the rock's folder", function()
    local path, env = "realtimekit-scm-1.rockspec", {}
    local setfenv = rawget(_G, "setfenv")
    local chunk
    if setfenv then
      chunk = setfenv(assert(loadfile(path)), env)
    else
      chunk = assert(load(read(path), "=" .. path, "t", env))
    end
    chunk()
    local dirs = set_of(env.build.copy_directories or {})
    assert.is_true(dirs.types)
  end)

  it("is valid Lua and a meta file for each module", function()
    for _, path in ipairs(FILES) do
      assert.is_function(loadfile(path))
    end
    assert.is_truthy(texts[FILES[1]]:find("^%-%-%-@meta realtimekit\n"))
    assert.is_truthy(texts[FILES[2]]:find("^%-%-%-@meta realtimekit%.webhook\n"))
  end)

  it("declares every type it names, and each once", function()
    assert.same({}, d.problems)
    local missing = {}
    for _, name in ipairs(d.used) do
      if not d.classes[name] and not d.aliases[name] then missing[name] = true end
    end
    assert.same({}, sorted(missing))
  end)

  it("names every method of every resource, blocking and async, with its params", function()
    for _, name in ipairs(client_mod.RESOURCES) do
      local want = set_of(resource.methods(name))
      local cls, async_cls = "realtimekit." .. camel(name), "realtimekit.async." .. camel(name)
      assert.same(sorted(want), sorted(d.methods[cls] or {}), cls)
      assert.same(sorted(want), sorted(d.methods[async_cls] or {}), async_cls)
      assert.equal("realtimekit." .. camel(name), all_fields(d, "realtimekit.Client")[name])
      assert.equal(async_cls, all_fields(d, "realtimekit.Async")[name])
      for method, row in pairs(resource.rows(name)) do
        local base = "realtimekit." .. name .. "." .. method
        -- Its params: every query and body field, and the call options.
        local names = {}
        for _, q in ipairs(row.query) do names[q[1]] = true end
        if row.body then
          for _, f in ipairs(row.body.fields) do names[f[1]] = true end
        end
        for _, o in ipairs(request.CALL_OPTION_NAMES) do names[o] = true end
        assert.same(sorted(names), sorted(all_fields(d, base .. ".Params")), base)
        if row.each then
          local iter = all_fields(d, base .. ".IterParams")
          for _, o in ipairs { "per_page", "limit", "page_no", "concurrency" } do
            assert.is_truthy(iter[o], base .. ".IterParams has no " .. o)
          end
        end
        -- Its positional arguments, in order, then params.
        local lines = table.concat(d.methods[cls][method].lines, "\n")
        local params = {}
        for p in lines:gmatch("%-%-%-@param ([%w_]+)") do params[#params + 1] = p end
        local want_params = {}
        for i, a in ipairs(row.args) do want_params[i] = a[1] end
        want_params[#want_params + 1] = "params"
        assert.same(want_params, params, base)
        local async_lines = table.concat(d.methods[async_cls][method].lines, "\n")
        assert.is_truthy(async_lines:find("---@return realtimekit.Op? op", 1, true), base)
        if row.each then
          for _, it in ipairs { row.each, row.pages } do
            local l = table.concat(d.methods[async_cls][it].lines, "\n")
            assert.is_truthy(l:find("---@return realtimekit.Walk? walk", 1, true), base)
            l = table.concat(d.methods[cls][it].lines, "\n")
            assert.is_truthy(l:find("---@return realtimekit.Pager pager", 1, true), base)
          end
        end
      end
    end
  end)

  it("types what every method returns with its result class, or nil and an error", function()
    local results = dofile("docs/results.lua")
    for _, name in ipairs(client_mod.RESOURCES) do
      local cls = "realtimekit." .. camel(name)
      for method, row in pairs(resource.rows(name)) do
        local base = "realtimekit." .. name .. "." .. method
        local r = results[name .. ":" .. method]
        local lines = table.concat(d.methods[cls][method].lines, "\n")
        local value = r.returns == "items" and base .. ".Page"
          or r.returns == "array" and base .. ".Item[]" or base .. ".Result"
        assert.is_truthy(lines:find("---@return " .. value .. "? value\n---@return "
          .. "realtimekit.Error? err", 1, true), base)
        local node = r.type
        local class = base .. ".Result"
        if r.returns == "items" then
          class = base .. ".Item"
          assert.equal(base .. ".Item[]", all_fields(d, base .. ".Page").data)
          if row.each then
            local each = table.concat(d.methods[cls][row.each].lines, "\n")
            assert.is_truthy(each:find("---@return fun(): " .. base .. ".Item?", 1, true), base)
          end
        elseif r.returns == "array" then
          class, node = base .. ".Item", node.items
        end
        local want = {}
        for _, f in ipairs(node.fields) do want[f.name] = true end
        assert.same(sorted(want), sorted(all_fields(d, class)), class)
      end
    end
    local session = all_fields(d, "realtimekit.sessions.list.Item")
    assert.equal("number", session.minutes_consumed)
    assert.equal("string", session.associated_id)
    assert.equal('"LIVE"|"ENDED"', session.status)
  end)

  it("has every option of new, client:request and webhook.receiver", function()
    assert.same(sorted(client_mod.OPTIONS), sorted(all_fields(d, "realtimekit.Options")))
    assert.same(sorted(request.RAW_OPTIONS), sorted(all_fields(d, "realtimekit.RequestOptions")))
    assert.same(sorted(webhook.OPTIONS), sorted(all_fields(d, "realtimekit.webhook.Options")))
    assert.same(sorted(set_of(request.CALL_OPTION_NAMES)),
      sorted(all_fields(d, "realtimekit.CallOptions")))
    local iter = all_fields(d, "realtimekit.IteratorOptions")
    for k in pairs(pager.OPTIONS) do assert.is_truthy(iter[k], k) end
  end)

  it("has every function and field of the modules and objects a program meets", function()
    -- Public: not starting with _ (metamethods and internals), nor documented @local
    -- (pager:poll_pages, which walks use).
    local INTERNAL = { poll_pages = true }
    local function public(t)
      local s = {}
      for k, v in pairs(t) do
        if type(k) == "string" and not k:find("^_") and type(v) == "function"
          and not INTERNAL[k] then
          s[k] = true
        end
      end
      return s
    end
    local function has(cls, set)
      local got = d.methods[cls] or {}
      local missing = {}
      for k in pairs(set) do
        if not got[k] and not all_fields(d, cls)[k] then missing[#missing + 1] = k end
      end
      table.sort(missing)
      assert.same({}, missing, cls)
    end
    local module = {}
    for k, v in pairs(realtimekit) do
      if type(v) ~= "table" or k == "null" then module[k] = true end
    end
    has("realtimekit", module)
    has("realtimekit.Client", public(client_mod.Client))
    has("realtimekit.Async", public(client_mod.Async))
    has("realtimekit.Op", public(engine.Op))
    has("realtimekit.Walk", public(pager.Walk))
    has("realtimekit.Pager", public(pager.Pager))
    has("realtimekit.webhook.Receiver", public(webhook.Receiver))
    has("realtimekit.webhook.Store", public(getmetatable(webhook.memory_store()).__index))
    local hook = {}
    for k, v in pairs(webhook) do
      if type(v) ~= "table" then hook[k] = true end
    end
    has("realtimekit.webhook", hook)
    -- The error's fields: those errors.lua documents.
    local doc = read("lua/realtimekit/errors.lua"):match("@table Error\n(.-)\n%-%- @usage")
    local fields = {}
    for name in doc:gmatch("%-%- @field ([%w_]+)") do fields[name] = true end
    assert.same(sorted(fields), sorted(all_fields(d, "realtimekit.Error")))
  end)
end)
