--- The `realtimekit` command: every method of every resource from a shell,
-- `realtimekit <resource> <method> [arguments] [--parameter value …]`, made from the endpoint
-- rows (realtimekit.resources.*) as the library's methods are, so that it has every one and
-- checks what they check. Answers are printed as JSON: an object on one line, a list's items
-- one per line. bin/realtimekit runs `main`.
-- @module realtimekit.cli
-- @local
local client = require "realtimekit.client"
local compat = require "realtimekit.compat"
local core = require "realtimekit.core"
local errors = require "realtimekit.errors"
local jsonpure = require "realtimekit.jsonpure"
local redaction = require "realtimekit.redact"
local resource = require "realtimekit.resource"
local schema = require "realtimekit.schema"

local concat, sort = table.concat, table.sort
local format, rep = string.format, string.rep
local unpack = compat.unpack

local M = {}

-- Options that take no value.
local FLAGS = { help = true, all = true, pretty = true, version = true, strict = true }

-- The options every call takes, as help lists them: name, value, words.
local COMMON = {
  { "account_id", "<id>", "the Cloudflare account (default: $CLOUDFLARE_ACCOUNT_ID)" },
  { "app_id", "<id>", "the RealtimeKit app (default: $REALTIMEKIT_APP_ID)" },
  { "timeout", "<seconds>", "how long one attempt may take (default: 60)" },
  { "deadline", "<seconds>", "how long the call may take in all, retries and their waits "
    .. "included (a walk: all its pages)" },
  { "max_retries", "<n>", "retries after a failed attempt, 0 to 10 (default: 2)" },
  { "strict", nil, "also refuse what only the API docs rule out (formats, ranges)" },
  { "extra_query", "<name=value>", "one more query parameter, sent as it is (repeatable)" },
  { "extra_header", "'<Name: value>'", "one more request header (repeatable)" },
  { "pretty", nil, "print JSON indented, over several lines" },
  { "help", nil, "this help" },
}

-- The options a walk of every page takes.
local WALKS = { all = true, limit = true, concurrency = true }
local WALK = {
  { "all", nil, "walk every page and print every item, one per line" },
  { "limit", "<n>", "with --all, stop after n items" },
  { "concurrency", "<n>", "with --all, pages under way at once, 1 to 32 (default: 4)" },
}

local PROGRAM = "realtimekit"

-- An error of the command line (exit status 2): its message and the help to point at.
local function usage(message, hint)
  error({ usage = message, hint = hint }, 0)
end

local function quote(s)
  return format("%q", s)
end

-- An option's name as a command line spells it: --per-page.
local function flag(name)
  return "--" .. name:gsub("_", "-")
end

-- How many single-character edits turn a into b (Levenshtein).
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:sub(i, i) == b:sub(j, j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- " did you mean 'x'?" for the candidate nearest to word, when one is near enough.
local function suggestion(word, candidates, show)
  local best, best_d
  for _, c in ipairs(candidates) do
    local d = distance(word, c)
    if c:find(word, 1, true) == 1 and #word >= 2 then d = math.min(d, 1) end
    if not best_d or d < best_d then best, best_d = c, d end
  end
  if best and best_d <= math.max(1, math.floor(#word / 3)) + 1 and best_d < #word then
    return "; did you mean '" .. (show and show(best) or best) .. "'?"
  end
  return ""
end

-- Help texts ----------------------------------------------------------------------------------

-- What the reference's words say, as a command line has it: no markdown, JSON's null, lists
-- comma-separated.
local function plain(s)
  return (s:gsub("`", ""):gsub("realtimekit%.null", "null, through --body")
    :gsub(" %(a comma%-separated string or an array%)", ", comma-separated"))
end

-- The rows of a resource by method name, and the names sorted.
local function methods_of(name)
  local rows = resource.rows(name)
  local names = {}
  for method in pairs(rows) do names[#names + 1] = method end
  sort(names)
  return rows, names
end

-- What help shows a parameter's or a field's value as, by what a command line gives it
-- (`schema:cli()`, each turned into the Lua value the schema takes): a "list" is repeated or
-- comma-separated, an "array" is JSON or one item each time.
local VALUE = {
  number = "<number>", boolean = "true|false", list = "<value>[,<value>…]", time = "<time>",
  string = "<text>", array = "<json>|<item>", json = "<json>",
}

-- The width of a text on a terminal: its UTF-8 characters.
local function width(s)
  return #(s:gsub("[\128-\191]", ""))
end

-- The lines of a text broken between words to at most n columns.
local function wrap(text, n)
  local lines, line = {}, nil
  for word in text:gmatch("%S+") do
    if line and width(line) + 1 + width(word) > n then
      lines[#lines + 1] = line
      line = nil
    end
    line = line and line .. " " .. word or word
  end
  lines[#lines + 1] = line or ""
  return lines
end

-- Help's lines are at most this wide, and a name in its first column at most NAME wide: a
-- longer one has its words on the lines below it.
local WIDTH, NAME = 100, 34

-- Lines of "  name   words", the names padded to one width, the words wrapped.
local function columns(rows, out)
  local w = 0
  for _, r in ipairs(rows) do
    if width(r[1]) <= NAME then w = math.max(w, width(r[1])) end
  end
  local indent = rep(" ", w + 5)
  for _, r in ipairs(rows) do
    local lines = wrap(r[2], WIDTH - #indent)
    local first = 1
    if width(r[1]) <= w then
      out[#out + 1] = "  " .. r[1] .. rep(" ", w - width(r[1]) + 3) .. lines[1]
      first = 2
    else
      out[#out + 1] = "  " .. r[1]
    end
    for i = first, #lines do out[#out + 1] = indent .. lines[i] end
  end
end

local function options_lines(list, out)
  local rows = {}
  for _, o in ipairs(list) do
    rows[#rows + 1] = { flag(o[1]) .. (o[2] and " " .. o[2] or ""), o[3] }
  end
  columns(rows, out)
end

-- A row's path without the part every path has.
local function short_path(row)
  return (row.path:gsub("^/accounts/{account_id}/realtime/kit/{app_id}", "…")
    :gsub("^/accounts/{account_id}/realtime/kit", "…"))
end

-- "<meeting_id> <participant_id>"
local function arg_names(row)
  local names = {}
  for i, a in ipairs(row.args) do names[i] = "<" .. a[1] .. ">" end
  return concat(names, " ")
end

local function synopsis(name, method, row)
  local parts = { PROGRAM, name, method }
  if #row.args > 0 then parts[#parts + 1] = arg_names(row) end
  if #row.query > 0 or row.body then
    local opt = not (row.body and row.body:has_required())
    parts[#parts + 1] = (opt and "[" or "") .. "--<parameter> <value> …" .. (opt and "]" or "")
  end
  return concat(parts, " ")
end

local function top_help()
  local out = {
    "usage: " .. PROGRAM .. " <resource> <method> [<argument> …] [--<parameter> <value> …]",
    "",
    "Calls Cloudflare's RealtimeKit API and prints its answer as JSON: an object on one line, or",
    "the items of a list one per line. It reads CLOUDFLARE_API_TOKEN (required),",
    "CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, CLOUDFLARE_BASE_URL and REALTIMEKIT_CA_FILE.",
    "",
    "Resources and their methods:",
  }
  local rows = {}
  for _, name in ipairs(client.RESOURCES) do
    local _, names = methods_of(name)
    rows[#rows + 1] = { name, concat(names, ", ") }
  end
  columns(rows, out)
  out[#out + 1] = ""
  out[#out + 1] = "Options of every call:"
  options_lines(COMMON, out)
  out[#out + 1] = ""
  out[#out + 1] = "'" .. PROGRAM .. " <resource> --help' lists a resource's methods, and '"
    .. PROGRAM .. " <resource>"
  out[#out + 1] = "<method> --help' a method's arguments and parameters."
  return concat(out, "\n") .. "\n"
end

local function resource_help(name)
  local out = {
    "usage: " .. PROGRAM .. " " .. name .. " <method> [<argument> …] [--<parameter> <value> …]",
    "",
    "Methods of " .. name .. ":",
  }
  local rows, names = methods_of(name)
  local lines = {}
  for _, method in ipairs(names) do
    local row = rows[method]
    local call = method .. (#row.args > 0 and " " .. arg_names(row) or "")
    lines[#lines + 1] = { call, row.http .. " " .. short_path(row)
      .. (row.each and "  (a list: --all walks every page)" or row.items and "  (a list)" or "") }
  end
  columns(lines, out)
  out[#out + 1] = ""
  out[#out + 1] = "'" .. PROGRAM .. " " .. name .. " <method> --help' lists a method's "
    .. "arguments and parameters."
  return concat(out, "\n") .. "\n"
end

local function method_help(name, method, row)
  local out = { "usage: " .. synopsis(name, method, row), "", row.http .. " " .. row.path }
  if row.each then
    out[#out + 1] = "Prints the items of one page, one JSON object per line; --all walks every "
      .. "page."
  elseif row.items then
    out[#out + 1] = "Prints the items of the list, one JSON object per line."
  else
    out[#out + 1] = "Prints the answer's data as one JSON object."
  end
  if #row.args > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Arguments:"
    local rows = {}
    for _, a in ipairs(row.args) do rows[#rows + 1] = { "<" .. a[1] .. ">",
                                                         plain(a[2]:describe()) } end
    columns(rows, out)
  end
  if #row.query > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "Query parameters:"
    local rows = {}
    for _, q in ipairs(row.query) do
      local kind = q[2]:cli()
      rows[#rows + 1] = { flag(q[1]) .. " " .. VALUE[kind],
                          plain(q[2]:describe())
                            .. (kind == "list" and " (repeatable)" or "") }
    end
    columns(rows, out)
  end
  if row.body then
    out[#out + 1] = ""
    if row.body.kind == "object" and row.body.fields then
      out[#out + 1] = "Body fields (or the whole body: --body '<json>', or --body @file.json):"
      local rows = {}
      for _, f in ipairs(row.body:outline()) do
        local text = plain(f.text) .. (f.required and " (required)" or "")
        if f.top then
          local kind = f.schema:cli()
          rows[#rows + 1] = { flag(f.path) .. " " .. VALUE[kind], text
            .. (kind == "array" and " (a JSON array, or one item each time)" or "") }
        else
          rows[#rows + 1] = { "    " .. f.path, text }
        end
      end
      columns(rows, out)
    else
      out[#out + 1] = "Body (--body '<json>', or --body @file.json): "
        .. plain(row.body:describe())
    end
  end
  if row.each then
    out[#out + 1] = ""
    out[#out + 1] = "Walking every page:"
    options_lines(WALK, out)
  end
  out[#out + 1] = ""
  out[#out + 1] = "Options of every call:"
  options_lines(COMMON, out)
  return concat(out, "\n") .. "\n"
end

-- JSON ----------------------------------------------------------------------------------------

-- A JSON value a command line gave, for a request: nulls as realtimekit.null, arrays marked
-- with realtimekit.array, so that [] stays [] and {} stays {}.
local function to_request(v)
  if v == jsonpure.null then return schema.null end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = to_request(x) end
  if jsonpure.is_array(v) then return schema.array_of(out) end
  return out
end

local function decode_arg(text, what)
  local v, problem = jsonpure.decode(text)
  if v == nil then usage(what .. ": not valid JSON (" .. problem .. ")") end
  return to_request(v)
end

-- Drops the nulls of a decoded answer, as realtimekit's decoders do (an array's become holes).
local function drop_nulls(v)
  for k, x in pairs(v) do
    if x == jsonpure.null then
      v[k] = nil
    elseif type(x) == "table" then
      drop_nulls(x)
    end
  end
  return v
end

--- Decodes an answer as the client's decoders do (the same texts refused, nulls left out,
-- whole numbers as integers), but with its arrays marked (realtimekit.jsonpure), so that the
-- JSON printed has [] and {} where the answer had them.
-- @local
function M.decode(text)
  local ok, problem = core.check_json(text)
  if not ok then return nil, problem end
  local v, err = jsonpure.decode(text)
  if v == nil then return nil, err end
  if v == jsonpure.null then return nil, "the JSON text is null" end
  if type(v) == "table" then return drop_nulls(v) end
  return v
end

-- Arguments -----------------------------------------------------------------------------------

local function read_all(path)
  local f, err
  if path == "-" then
    f = io.stdin
  else
    f, err = io.open(path, "rb")
    if not f then usage("--body: cannot read " .. path .. ": " .. tostring(err)) end
  end
  local text = f:read("*a")
  if f ~= io.stdin then f:close() end
  return text
end

-- A number as written in decimal, or nil.
local function decimal(s)
  if not (s:find("^%-?%d+%.?%d*$") or s:find("^%-?%d*%.%d+$")
          or s:find("^%-?%d+%.?%d*[eE][-+]?%d+$")) then
    return nil
  end
  local n = tonumber(s)
  return n and (compat.tointeger and compat.tointeger(n) or n)
end

local function number_of(o)
  local n = decimal(o.value)
  if not n then usage(o.spelled .. ": expected a number, got " .. quote(o.value)) end
  return n
end

local function boolean_of(o)
  if o.value == "true" then return true end
  if o.value == "false" then return false end
  usage(o.spelled .. ": expected true or false, got " .. quote(o.value))
end

-- A value for a body field's schema, from one occurrence of its option.
local function field_value(s, o)
  local kind = s:cli()
  if kind == "number" then return number_of(o) end
  if kind == "boolean" then return boolean_of(o) end
  if kind == "string" then return o.value end
  return decode_arg(o.value, o.spelled)
end

-- Splits argv into positionals and options ({name, value, spelled}).
local function split(argv)
  local pos, opts = {}, {}
  local i, rest = 1, false
  while i <= #argv do
    local a = argv[i]
    if rest or a == "-" or a:sub(1, 1) ~= "-" then
      pos[#pos + 1] = a
    elseif a == "--" then
      rest = true
    elseif a == "-h" then
      opts[#opts + 1] = { name = "help", spelled = "-h" }
    elseif a:sub(1, 2) == "--" and #a > 2 then
      local spelled, value = a:match("^(%-%-[^=]+)=(.*)$")
      spelled = spelled or a
      local name = spelled:sub(3):gsub("%-", "_")
      if FLAGS[name] then
        if value then usage(spelled .. " takes no value") end
      elseif not value then
        i = i + 1
        value = argv[i]
        if value == nil then usage(spelled .. " needs a value") end
      end
      opts[#opts + 1] = { name = name, value = value, spelled = spelled }
    else
      usage("unknown option " .. a)
    end
    i = i + 1
  end
  return pos, opts
end

local function has(opts, name)
  for _, o in ipairs(opts) do
    if o.name == name then return true end
  end
  return false
end

-- The resource and method the positionals name (either may be missing when help is asked for).
local function resolve(pos, want_help)
  local name = pos[1] and pos[1]:gsub("%-", "_")
  if not name then
    if want_help then return nil end
    usage("which resource?", "Try '" .. PROGRAM .. " --help'.")
  end
  local known = false
  for _, r in ipairs(client.RESOURCES) do known = known or r == name end
  if not known then
    usage("unknown resource '" .. pos[1] .. "'" .. suggestion(name, client.RESOURCES),
      "Try '" .. PROGRAM .. " --help'.")
  end
  local rows, names = methods_of(name)
  local method = pos[2] and pos[2]:gsub("%-", "_")
  if not method then
    if want_help then return name end
    usage("which method of " .. name .. "?", "Try '" .. PROGRAM .. " " .. name .. " --help'.")
  end
  if not rows[method] then
    local walk = ""
    for _, row in pairs(rows) do
      if method == row.each or method == row.pages then
        walk = " (to walk every page, give --all to the list method)"
      end
    end
    usage("unknown method '" .. pos[2] .. "' of " .. name .. suggestion(method, names) .. walk,
      "Try '" .. PROGRAM .. " " .. name .. " --help'.")
  end
  return name, method, rows[method]
end

-- The options a row takes: name = { kind, where ("query", "body", "call", "walk" or "cli"),
-- check or schema }.
local function known_options(row)
  local known = {
    account_id = { kind = "string", where = "call" },
    app_id = { kind = "string", where = "call" },
    timeout = { kind = "number", where = "call" },
    deadline = { kind = "number", where = "call" },
    max_retries = { kind = "number", where = "call" },
    strict = { kind = "flag", where = "call" },
    extra_query = { kind = "pair", where = "cli" },
    extra_header = { kind = "header", where = "cli" },
    pretty = { kind = "flag", where = "cli" },
    help = { kind = "flag", where = "cli" },
    version = { kind = "flag", where = "cli" },
  }
  if row.body then
    known.body = { kind = "body", where = "cli" }
    if row.body.by_name then
      for fname, f in pairs(row.body.by_name) do
        known[fname] = { kind = f[2]:cli(), where = "body", schema = f[2] }
      end
    end
  end
  for _, q in ipairs(row.query) do
    known[q[1]] = { kind = q[2]:cli(), where = "query", schema = q[2] }
  end
  if row.each then
    known.all = { kind = "flag", where = "cli" }
    known.limit = { kind = "number", where = "walk" }
    known.concurrency = { kind = "number", where = "walk" }
  end
  return known
end

local function append(t, k, v)
  if t[k] == nil then t[k] = {} end
  local list = t[k]
  list[#list + 1] = v
end

-- The params table of a call, and what the command itself takes (all, pretty).
local function params_of(name, method, row, opts)
  local known = known_options(row)
  local hint = "Try '" .. PROGRAM .. " " .. name .. " " .. method .. " --help'."
  local names = {}
  for k in pairs(known) do names[#names + 1] = k end
  sort(names)
  local params, cli, seen = {}, {}, {}
  local body_fields, lists, arrays = nil, {}, {}
  for _, o in ipairs(opts) do
    local spec = known[o.name]
    if not spec and WALKS[o.name] then
      usage(o.spelled .. ": " .. name .. " " .. method .. " has no pages to walk", hint)
    elseif not spec then
      usage("unknown option " .. o.spelled .. " for " .. name .. " " .. method
        .. suggestion(o.name, names, flag), hint)
    end
    local repeatable = spec.kind == "list" or spec.kind == "array" or spec.kind == "pair"
      or spec.kind == "header"
    if seen[o.name] and not repeatable then usage(o.spelled .. " given twice", hint) end
    seen[o.name] = true
    local kind = spec.kind
    if kind == "flag" and spec.where == "call" then
      params[o.name] = true
    elseif kind == "flag" then
      cli[o.name] = true
    elseif kind == "body" then
      local text = o.value
      if text:sub(1, 1) == "@" then text = read_all(text:sub(2)) end
      body_fields = decode_arg(text, "--body")
      if type(body_fields) ~= "table" or getmetatable(body_fields) == schema.ARRAY_MT
        or body_fields == schema.null then
        usage("--body: expected a JSON object", hint)
      end
      for k in pairs(body_fields) do
        if not (row.body.by_name and row.body.by_name[k]) then
          usage("--body: unknown field " .. quote(k) .. " for " .. name .. " " .. method
            .. " (it takes " .. (row.body.names or "none") .. ")", hint)
        end
      end
    elseif kind == "pair" then
      local k, v = o.value:match("^([^=]+)=(.*)$")
      if not k then usage(o.spelled .. ": expected name=value, got " .. quote(o.value), hint) end
      params.extra_query = params.extra_query or {}
      append(params.extra_query, k, v)
    elseif kind == "header" then
      local k, v = o.value:match("^([^:]+):%s*(.-)%s*$")
      if not k then
        usage(o.spelled .. ": expected 'Name: value', got " .. quote(o.value), hint)
      end
      params.extra_headers = params.extra_headers or {}
      params.extra_headers[k] = v
    elseif kind == "number" then
      params[o.name] = number_of(o)
    elseif kind == "boolean" then
      params[o.name] = boolean_of(o)
    elseif kind == "time" then
      params[o.name] = decimal(o.value) or o.value
    elseif kind == "list" then
      for part in (o.value .. ","):gmatch("([^,]*),") do
        if part ~= "" then append(lists, o.name, part) end
      end
    elseif kind == "array" then
      if o.value:find("^%s*%[") then
        if arrays[o.name] then usage(o.spelled .. ": a JSON array, or items, not both", hint) end
        params[o.name] = decode_arg(o.value, o.spelled)
      else
        if params[o.name] then usage(o.spelled .. ": a JSON array, or items, not both", hint) end
        arrays[o.name] = arrays[o.name] or schema.array_of {}
        local list = arrays[o.name]
        list[#list + 1] = field_value(spec.schema.items or schema.any(), o)
      end
    elseif spec.where == "body" then
      params[o.name] = field_value(spec.schema, o)
    else
      params[o.name] = o.value
    end
  end
  for k, v in pairs(lists) do params[k] = v end
  for k, v in pairs(arrays) do params[k] = v end
  if params.extra_query then
    for k, v in pairs(params.extra_query) do
      if #v == 1 then params.extra_query[k] = v[1] end
    end
  end
  for k, v in pairs(body_fields or {}) do
    if params[k] == nil then params[k] = v end
  end
  for _, w in ipairs { "limit", "concurrency" } do
    if params[w] ~= nil and not cli.all then usage(flag(w) .. " goes with --all", hint) end
  end
  return params, cli, hint
end

-- Output --------------------------------------------------------------------------------------

-- A progress line on stderr, drawn over itself; only where stderr is a terminal.
local function progress(stderr)
  local term = os.getenv("TERM")
  if not term or term == "" or term == "dumb" or not core.isatty(2) then
    return { show = function() end, clear = function() end }
  end
  local shown = 0
  return {
    show = function(text)
      stderr:write("\r", text, rep(" ", shown - #text))
      shown = #text
      stderr:flush()
    end,
    clear = function()
      if shown > 0 then stderr:write("\r", rep(" ", shown), "\r") end
      shown = 0
      stderr:flush()
    end,
  }
end

local function run(argv, stdout, stderr)
  local pos, opts = split(argv)
  if #pos == 0 and has(opts, "version") then
    local realtimekit = require "realtimekit"
    stdout:write(PROGRAM, " ", realtimekit._VERSION, "\n")
    return 0
  end
  local want_help = has(opts, "help")
  local name, method, row = resolve(pos, want_help)
  if want_help then
    if not name then
      stdout:write(top_help())
    elseif not method then
      stdout:write(resource_help(name))
    else
      stdout:write(method_help(name, method, row))
    end
    return 0
  end
  local params, cli, hint = params_of(name, method, row, opts)
  local args = {}
  for i = 3, #pos do args[#args + 1] = pos[i] end
  if #args < #row.args then
    usage(name .. " " .. method .. " needs <" .. row.args[#args + 1][1] .. ">", hint)
  elseif #args > #row.args then
    usage("too many arguments for " .. name .. " " .. method .. " (it takes "
      .. (#row.args > 0 and arg_names(row) or "none") .. ")", hint)
  end

  local function env(k)
    local v = os.getenv(k)
    return v ~= "" and v or nil
  end
  if not env("CLOUDFLARE_API_TOKEN") then
    usage("set CLOUDFLARE_API_TOKEN to an API token of your Cloudflare account")
  end
  for _, need in ipairs { { "account_id", "CLOUDFLARE_ACCOUNT_ID" },
                          { "app_id", "REALTIMEKIT_APP_ID" } } do
    if row.uses[need[1]] and params[need[1]] == nil and not env(need[2]) then
      usage(name .. " " .. method .. " needs " .. (need[1] == "app_id" and "an app" or
        "an account") .. ": set " .. need[2] .. " or give " .. flag(need[1]), hint)
    end
  end
  local realtimekit = require "realtimekit"
  local c, _, err = realtimekit.new { ca_file = env("REALTIMEKIT_CA_FILE"),
                                      user_agent = PROGRAM .. "-cli", decoder = M.decode }
  if not c then return nil, err, hint end

  local indent = cli.pretty and "  " or nil
  local function emit(v)
    stdout:write(jsonpure.encode(v, indent), "\n")
  end
  local object = c[name]
  local n = #row.args
  args[n + 1] = params
  if not cli.all then
    local value
    value, err = object[method](object, unpack(args, 1, n + 1))
    if value == nil then return nil, err, hint end
    if row.items then
      for i = 1, #value.data do emit(value.data[i]) end
    else
      emit(value)
    end
    c:close()
    return 0
  end

  local line = progress(stderr)
  -- The walk tells of each page as it hands it out.
  params.progress = function(p)
    line.show(format("%s %s: %d%s items, %d page%s", name, method, p.items,
      type(p.total) == "number" and " of " .. compat.number_text(p.total) or "", p.pages,
      p.pages == 1 and "" or "s"))
  end
  local pager
  local ok, failure = pcall(function()
    local iter, state, init
    iter, state, init, pager = object[row.pages](object, unpack(args, 1, n + 1))
    for page in iter, state, init do
      for i = 1, #page.data do emit(page.data[i]) end
    end
  end)
  line.clear()
  if pager then pager:close() end
  if not ok then
    if errors.is(failure) then return nil, failure, hint end
    error(failure, 0)
  end
  c:close()
  return 0
end

--- Runs the command: `argv` as Lua's `arg` holds it. Writes the answer to stdout and any
-- error to stderr.
-- @tparam table argv
-- @param[opt] stdout a file to write the answer to (default io.stdout)
-- @param[opt] stderr a file to write errors and progress to (default io.stderr)
-- @treturn int the exit status: 0, 1 for an error of the call (the API's, the network's, …),
-- 2 for a command line or an argument that is wrong
function M.main(argv, stdout, stderr)
  stdout, stderr = stdout or io.stdout, stderr or io.stderr
  local ok, status, err, hint = pcall(run, argv, stdout, stderr)
  if not ok then
    local e = status
    if type(e) == "table" and e.usage then
      -- A value quoted back may be the token, given by mistake: it is scrubbed as in errors.
      local message, token = e.usage, os.getenv("CLOUDFLARE_API_TOKEN")
      if token and token ~= "" then message = redaction.scrub(message, token) end
      stderr:write(PROGRAM, ": ", message, "\n", e.hint or ("Try '" .. PROGRAM .. " --help'."),
        "\n")
      return 2
    end
    error(e, 0)
  end
  if status then return status end
  stderr:write(tostring(err), "\n")
  if errors.is(err) and err.kind == "invalid_argument" then
    stderr:write(hint or ("Try '" .. PROGRAM .. " --help'."), "\n")
    return 2
  end
  return 1
end

return M
