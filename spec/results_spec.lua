-- docs/results.lua, what every method returns as the official SDK declares it (made by
-- scripts/sdk-results): one entry per endpoint row, each well formed, so that the reference
-- and the LuaLS definitions made from it miss no method.
local helper = require "helper"
local client = require "realtimekit.client"
local resource = require "realtimekit.resource"

local KINDS = { string = true, number = true, boolean = true, any = true, object = true,
  array = true, map = true, union = true }

-- The problems of a type node, by path.
local function check(node, path, problems)
  local function bad(what) problems[#problems + 1] = path .. ": " .. what end
  if type(node) ~= "table" or not KINDS[node.kind] then return bad("no known kind") end
  if node.enum ~= nil then
    if node.kind ~= "string" or type(node.enum) ~= "table" or #node.enum == 0 then
      bad("an enum of other than strings")
    end
  end
  if node.doc ~= nil and (type(node.doc) ~= "string" or node.doc:find("\n")) then
    bad("a doc that is not one line")
  end
  if node.kind == "object" then
    if type(node.fields) ~= "table" then return bad("an object without fields") end
    local seen = {}
    for i, f in ipairs(node.fields) do
      if type(f.name) ~= "string" or f.name == "" then
        bad("field " .. i .. " has no name")
      elseif seen[f.name] then
        bad("field " .. f.name .. " twice")
      else
        seen[f.name] = true
        check(f, path .. "." .. f.name, problems)
      end
    end
  elseif node.kind == "array" then
    check(node.items, path .. "[i]", problems)
  elseif node.kind == "map" then
    check(node.values, path .. ".<key>", problems)
  elseif node.kind == "union" then
    if type(node.variants) ~= "table" or #node.variants < 2 then
      return bad("a union of fewer than two types")
    end
    for i, v in ipairs(node.variants) do check(v, path .. "|" .. i, problems) end
  end
end

local function upper_first(s) return (s:gsub("^%l", string.upper)) end

describe("docs/results.lua", function()
  local results = dofile("docs/results.lua")
  local rows = {}
  for _, name in ipairs(client.RESOURCES) do
    for method, row in pairs(resource.rows(name)) do rows[name .. ":" .. method] = row end
  end

  it("describes what every method returns, and no method that does not exist", function()
    local missing, extra = {}, {}
    for id in pairs(rows) do
      if not results[id] then missing[#missing + 1] = id end
    end
    for id in pairs(results) do
      if not rows[id] then extra[#extra + 1] = id end
    end
    table.sort(missing)
    table.sort(extra)
    assert.same({}, missing)
    assert.same({}, extra)
  end)

  it("reads each method's own SDK response type", function()
    for id, row in pairs(rows) do
      local res, method = row.sdk.ts:match("^(%w+)%.(%w+)$")
      local sdk = results[id].sdk
      -- meetings.getMeetingByID: MeetingGetMeetingByIDResponse; analytics.getOrgAnalytics:
      -- AnalyticsGetOrgAnalyticsResponse.
      local singular = upper_first(res):gsub("s$", "")
      assert.is_truthy(sdk:find("^" .. singular .. "s?" .. upper_first(method) .. "Response$"),
        id .. ": " .. sdk)
    end
  end)

  it("says a list's items, an array or an object, as the row reads the response", function()
    for id, row in pairs(rows) do
      local r = results[id]
      local want = row.items and "items" or row.data_array and "array" or "object"
      assert.equal(want, r.returns, id)
      assert.equal(want == "array" and "array" or "object", r.type.kind, id)
      -- (The SDK declares paging for most lists, not for every one: a session's participants
      -- have none.)
      if r.paging then
        assert.equal("items", r.returns, id .. " has paging but is not a list")
        local names = {}
        for i, f in ipairs(r.paging.fields) do names[i] = f.name end
        table.sort(names)
        assert.same({ "end_offset", "start_offset", "total_count" }, names)
      end
    end
  end)

  it("is well formed", function()
    local problems = {}
    for id, r in pairs(results) do
      check(r.type, id, problems)
      if r.paging then check(r.paging, id .. " paging", problems) end
    end
    table.sort(problems)
    assert.same({}, problems)
  end)

  it("writes each shape the SDK repeats once: equal objects and unions are one table",
    function()
      -- A type as text, but for a field's own name, requiredness and doc.
      local function key(node)
        local parts = { node.kind, tostring(node.nullable), tostring(node.open),
                        table.concat(node.enum or {}, ",") }
        if node.items then parts[#parts + 1] = "[" .. key(node.items) .. "]" end
        if node.values then parts[#parts + 1] = "<" .. key(node.values) .. ">" end
        for _, f in ipairs(node.fields or {}) do
          parts[#parts + 1] = ("%s %s %s {%s}"):format(f.name, tostring(f.required),
            f.doc or "", key(f))
        end
        for _, v in ipairs(node.variants or {}) do parts[#parts + 1] = "|" .. key(v) end
        return table.concat(parts, ";")
      end
      local by_key, repeated, shared = {}, {}, 0
      local function visit(node)
        if (node.kind == "object" and #node.fields > 0) or node.kind == "union" then
          local k = key(node)
          local body = node.fields or node.variants
          if by_key[k] == nil then
            by_key[k] = body
          elseif by_key[k] ~= body then
            repeated[#repeated + 1] = k:sub(1, 80)
          else
            shared = shared + 1
          end
        end
        for _, sub in ipairs { node.items, node.values } do visit(sub) end
        for _, list in ipairs { node.fields or {}, node.variants or {} } do
          for _, sub in ipairs(list) do visit(sub) end
        end
      end
      for _, r in pairs(results) do
        if r.paging then visit(r.paging) end
        visit(r.type)
      end
      assert.same({}, repeated)
      assert.is_true(shared > 30, "only " .. shared .. " places hold a shape")
    end)

  it("is what scripts/sdk-results reads from the SDK's sources, where they are installed",
    function()
      -- REALTIMEKIT_SDK names the SDK's package folder (npm's node_modules/cloudflare).
      local sdk = os.getenv("REALTIMEKIT_SDK") or "node_modules/cloudflare"
      local dir = sdk .. "/src/resources/realtime-kit"
      local f = io.open(dir .. "/meetings.ts")
      if not f then return pending("the SDK's sources are not in " .. dir) end
      f:close()
      local out_path = os.tmpname()
      finally(function() os.remove(out_path) end)
      local out, ok = helper.run("lua5.4 scripts/sdk-results " .. helper.shell_quote(dir) .. " "
        .. helper.shell_quote(out_path))
      assert(ok, out)
      assert.is_true(helper.read(out_path) == helper.read("docs/results.lua"),
        "docs/results.lua is out of date: run scripts/sdk-results")
    end)

  it("knows the fields that programs look for", function()
    local function field(node, name)
      for _, f in ipairs(node.fields) do
        if f.name == name then return f end
      end
    end
    assert.equal("number", field(results["sessions:list"].type, "minutes_consumed").kind)
    assert.equal("string", field(results["sessions:get"].type, "associated_id").kind)
    assert.is_true(field(results["meetings:get"].type, "id").required)
    assert.same({ "ACTIVE", "INACTIVE" }, field(results["meetings:list"].type, "status").enum)
    assert.equal("string", field(results["participants:add"].type, "token").kind)
  end)
end)
