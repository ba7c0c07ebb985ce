--- The `realtimekit-fake` command: the fake RealtimeKit server (realtimekit.fake) from a shell,
-- for demos and for tests in other languages. `start` runs one until `stop`; the other commands
-- drive the one in `--dir DIR` (default `$REALTIMEKIT_FAKE_DIR`, which `start` exports), as the
-- module's methods do: latency, faults, behaviour switches, webhook deliveries and key, the
-- request log, reset. `main(args)` returns the exit status: 0, 1 when the server could not be
-- started or reached, 2 for a wrong command line.
-- @module realtimekit.fake.cli
local fake = require "realtimekit.fake"

local M = {}

local USAGE = [[
usage: realtimekit-fake <command> [arguments] [--dir DIR]

The fake RealtimeKit server (realtimekit.fake), for shells, demos and tests in other languages.
Every command but start acts on the server in --dir DIR, else $REALTIMEKIT_FAKE_DIR (which
`eval "$(realtimekit-fake start)"` sets).

  start [DIR] [--now TIME]  start a server that runs until stopped; print `export` lines for eval
  stop [DIR]                stop it
  reset                     data, faults, switches, request log and webhook key back to the start
  latency SECONDS           every API answer waits SECONDS from now on (0: none)
  fault [options | JSON]    queue a fault for the next API request (see `help fault`)
  config [JSON]             merge behaviour switches (docs/fake-server.md); print them all
  deliveries                the webhook deliveries since the last reset, as JSON, oldest first
  rotate-key                sign webhooks with a new key pair; print its public key (PEM)
  requests                  the API requests since the last reset, as JSON, oldest first
  stats                     requests, connections and 429s since the last reset, as JSON
  help [COMMAND]            this text, or one command's
]]

local HELP = {
  start = [[
usage: realtimekit-fake start [DIR] [--now TIME]

Starts a fake RealtimeKit server on 127.0.0.1 that runs until `realtimekit-fake stop`, keeping
its files in DIR (a new folder under /tmp by default), and prints the `export NAME=value` lines
that point realtimekit and the realtimekit command at it: CLOUDFLARE_BASE_URL,
CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, REALTIMEKIT_CA_FILE,
REALTIMEKIT_TLS_BASE_URL, REALTIMEKIT_WEBHOOK_KEY_URL and REALTIMEKIT_FAKE_DIR.

  --now TIME   date its data back from TIME (Unix seconds or an ISO 8601 date-time, such as
               2026-03-01T00:00:00Z) instead of now: the same dates on every run

  eval "$(realtimekit-fake start)"
]],
  stop = [[
usage: realtimekit-fake stop [DIR]

Stops the server in DIR (default: --dir, else $REALTIMEKIT_FAKE_DIR) and removes its folder if
start made it.
]],
  reset = [[
usage: realtimekit-fake reset [--dir DIR]

Puts the server back to the start: its data, the faults queued, the behaviour switches
(latency included), the request log, the webhook deliveries and the webhook key.
]],
  latency = [[
usage: realtimekit-fake latency SECONDS [--dir DIR]

Every API answer waits SECONDS (a number >= 0; 0 for none) from now on, until a reset.
]],
  fault = [[
usage: realtimekit-fake fault [options] [--dir DIR]
       realtimekit-fake fault JSON [--dir DIR]

Queues a fault for the next API request whose "path?query" contains --match (any request
without it); the faults queued are taken in order. Options, or the same as a JSON object
({"status": 503, "match": "page_no=2"}):

  --status N        answer with HTTP status N (the API's error body unless --body)
  --body TEXT       the answer's body
  --header 'N: V'   a header of the answer (repeat for more)
  --delay SECONDS   wait, then answer (as usual, or as the other options say)
  --drop            close the connection without an answer
  --truncate        send the full Content-Length, half the body, and close
  --close           send the answer and close the connection without saying so
  --match TEXT      only for a request whose path?query contains TEXT
  --times N         for the next N such requests (default 1)

  realtimekit-fake fault --status 503 --header 'Retry-After: 2' --times 2
]],
  config = [[
usage: realtimekit-fake config [JSON] [--dir DIR]

Merges behaviour switches into the server's configuration and prints all of it as JSON; with no
JSON, prints it. The switches (docs/fake-server.md): latency, max_per_page, meetings_total,
rate_quota, rate_window, rate_headers, sessions_paging, absent_as_null, ...

  realtimekit-fake config '{"rate_quota": 40, "rate_window": 4}'
]],
  deliveries = [[
usage: realtimekit-fake deliveries [--dir DIR]

Prints the webhook deliveries the server made since the last reset, as a JSON array, oldest
first: {webhook_id, url, event, body, signature, state ("pending", "delivered" or "failed"),
attempts: [{uuid, status, error, at}]}.
]],
  ["rotate-key"] = [[
usage: realtimekit-fake rotate-key [--dir DIR]

Makes a new RSA key pair to sign webhooks with from now on (served at
/.well-known/webhooks.json; a reset goes back to the first) and prints its public key.
]],
  requests = [[
usage: realtimekit-fake requests [--dir DIR]

Prints the API requests the server received since the last reset, as a JSON array, oldest
first: {method, path, query, args, headers, body, connection, at}.
]],
  stats = [[
usage: realtimekit-fake stats [--dir DIR]

Prints {"requests": n, "connections": n, "throttled": n} since the last reset, as JSON.
]],
  help = [[
usage: realtimekit-fake help [COMMAND]

Prints the commands, or what COMMAND does and takes.
]],
}

-- A wrong command line: the message, and exit status 2.
local function usage_error(out, message)
  out.err(message, message:sub(-1) == "\n" and "" or "\n")
  return 2
end

-- The words of args without the --dir option, and its value.
local function take_dir(args)
  local rest, dir = {}, nil
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--dir" then
      dir = args[i + 1]
      if not dir then return nil, "--dir takes a folder" end
      i = i + 2
    elseif a:match("^%-%-dir=") then
      dir = a:sub(7)
      i = i + 1
    else
      rest[#rest + 1] = a
      i = i + 1
    end
  end
  return rest, nil, dir
end

-- The server of the folder given (or of REALTIMEKIT_FAKE_DIR), or nil and why not.
local function attach(dir, getenv)
  dir = dir or getenv("REALTIMEKIT_FAKE_DIR")
  if not dir or dir == "" then
    return nil, "give --dir DIR or set REALTIMEKIT_FAKE_DIR (realtimekit-fake start exports it)"
  end
  return fake.attach(dir)
end

local function number(text)
  local n = tonumber(text)
  if not n or n ~= n or n == math.huge or n == -math.huge then return nil end
  return n
end

-- The fault the options describe, or nil and what is wrong.
local function fault_of(words)
  if #words == 1 and words[1]:match("^%s*{") then
    local ok, t = pcall(require("cjson").decode, words[1])
    if not ok or type(t) ~= "table" then return nil, "not a JSON object: " .. words[1] end
    return t
  end
  local f = {}
  local i = 1
  local function value(name)
    local v = words[i + 1]
    if v == nil then return nil, name .. " takes a value" end
    i = i + 2
    return v
  end
  while i <= #words do
    local w = words[i]
    local v, err
    if w == "--drop" or w == "--truncate" or w == "--close" then
      f[w:sub(3)] = true
      i = i + 1
    elseif w == "--status" or w == "--times" then
      v, err = value(w)
      if not v then return nil, err end
      local n = number(v)
      if not n or n % 1 ~= 0 or n < (w == "--status" and 100 or 1) or n > 999 then
        return nil, w .. " takes a whole number" .. (w == "--status" and " from 100 to 999"
          or " from 1 to 999") .. ", got " .. v
      end
      f[w:sub(3)] = n
    elseif w == "--delay" then
      v, err = value(w)
      if not v then return nil, err end
      local n = number(v)
      if not n or n < 0 then return nil, "--delay takes seconds >= 0, got " .. v end
      f.delay = n
    elseif w == "--match" or w == "--body" then
      v, err = value(w)
      if not v then return nil, err end
      f[w:sub(3)] = v
    elseif w == "--header" then
      v, err = value(w)
      if not v then return nil, err end
      local name, text = v:match("^([^:%s]+):%s*(.-)%s*$")
      if not name then return nil, "--header takes 'Name: value', got " .. v end
      f.headers = f.headers or {}
      f.headers[name] = text
    else
      return nil, "fault: unknown option " .. w .. " (realtimekit-fake help fault)"
    end
  end
  return f
end

-- Runs one command on an attached server s; returns the exit status.
local COMMANDS = {}

function COMMANDS.reset(s, words, out)
  if #words > 0 then return usage_error(out, "reset takes no arguments") end
  s:reset()
  return 0
end

function COMMANDS.latency(s, words, out)
  local n = #words == 1 and number(words[1])
  if not n or n < 0 then
    return usage_error(out, "usage: realtimekit-fake latency SECONDS (a number >= 0)")
  end
  s:config { latency = n }
  return 0
end

function COMMANDS.fault(s, words, out)
  if #words == 0 then return usage_error(out, HELP.fault) end
  local f, err = fault_of(words)
  if not f then return usage_error(out, "realtimekit-fake " .. err) end
  local cjson = require "cjson"
  local ok, problem = pcall(s.control_text, s, "POST", "fault", cjson.encode(f))
  if not ok then return usage_error(out, "realtimekit-fake fault: " .. tostring(problem)) end
  return 0
end

function COMMANDS.config(s, words, out)
  if #words > 1 then return usage_error(out, HELP.config) end
  local body = words[1] or "{}"
  local ok, text = pcall(s.control_text, s, "POST", "config", body)
  if not ok then return usage_error(out, "realtimekit-fake config: " .. tostring(text)) end
  out.out(text, "\n")
  return 0
end

local function printer(path)
  return function(s, words, out)
    if #words > 0 then return usage_error(out, "this command takes no arguments") end
    out.out(s:control_text("GET", path), "\n")
    return 0
  end
end
COMMANDS.deliveries = printer("webhooks/deliveries")
COMMANDS.requests = printer("requests")
COMMANDS.stats = printer("stats")

COMMANDS["rotate-key"] = function(s, words, out)
  if #words > 0 then return usage_error(out, "rotate-key takes no arguments") end
  out.out(s:rotate_webhook_key())
  return 0
end

local function start(words, dir, out)
  local now
  local i = 1
  while i <= #words do
    if words[i] == "--now" then
      now = words[i + 1]
      if not now then return usage_error(out, "--now takes a time") end
      now = number(now) or now
      i = i + 2
    elseif words[i]:sub(1, 1) == "-" or dir then
      return usage_error(out, HELP.start)
    else
      dir = words[i]
      i = i + 1
    end
  end
  local s, err = fake.start { dir = dir, owner = 0, now = now }
  if not s then
    out.err(err, "\n")
    return err:find("now must be", 1, true) and 2 or 1
  end
  local f, ferr = io.open(s.dir .. "/env.lua", "w")
  if not f then
    s:stop()
    out.err("realtimekit-fake: ", ferr, "\n")
    return 1
  end
  f:write(s:describe(), "\n")
  f:close()
  out.out(s:exports())
  return 0
end

--- Runs the command line `args` (the words after the command's name).
-- @tparam table args
-- @tparam[opt] table io `{ out = function(...), err = function(...), getenv = function(name) }`
-- (default: io.stdout, io.stderr, os.getenv)
-- @treturn int the exit status
function M.main(args, io_)
  local out = io_ or {}
  out.out = out.out or function(...) io.stdout:write(...) end
  out.err = out.err or function(...) io.stderr:write(...) end
  local getenv = out.getenv or os.getenv
  local words, problem, dir = take_dir(args or {})
  if not words then return usage_error(out, "realtimekit-fake: " .. problem) end
  local cmd = table.remove(words, 1)
  if cmd == nil then
    out.err(USAGE)
    return 2
  end
  if cmd == "help" or cmd == "-h" or cmd == "--help" then
    local topic = words[1]
    if topic and not HELP[topic] then
      return usage_error(out, "realtimekit-fake: no command " .. topic .. "\n\n" .. USAGE)
    end
    out.out(topic and HELP[topic] or USAGE)
    return 0
  end
  if words[1] == "--help" or words[1] == "-h" then
    if not HELP[cmd] then return usage_error(out, USAGE) end
    out.out(HELP[cmd])
    return 0
  end
  if cmd == "start" then return start(words, dir, out) end
  if cmd == "stop" then
    if #words > 1 then return usage_error(out, HELP.stop) end
    dir = words[1] or dir
  elseif not COMMANDS[cmd] then
    return usage_error(out, "realtimekit-fake: no command " .. cmd .. "\n\n" .. USAGE)
  end
  local s, err = attach(dir, getenv)
  if not s then
    out.err("realtimekit-fake ", cmd, ": ", err, "\n")
    return err:find("^give %-%-dir") and 2 or 1
  end
  if cmd == "stop" then
    s:stop()
    return 0
  end
  local ok, status = pcall(COMMANDS[cmd], s, words, out)
  if not ok then
    out.err("realtimekit-fake ", cmd, ": ", tostring(status), "\n")
    return 1
  end
  return status
end

return M
