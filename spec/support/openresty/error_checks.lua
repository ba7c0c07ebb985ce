-- Handlers for spec/errors_openresty_spec.lua: the README's idioms where they fail, in content
-- handlers and in timers, with nothing of their own to catch the error, so that nginx logs
-- what escapes; and the same walk inside a pcall, which must get the error object.
local cjson = require "cjson"
local realtimekit = require "realtimekit"

local M = {}

-- A client of the fake server, as the example's (the token, account, URL and CA from nginx's
-- env lines).
local function client()
  return assert(realtimekit.new { app_id = os.getenv("REALTIMEKIT_APP_ID"),
                                  ca_file = os.getenv("REALTIMEKIT_CA_FILE"), max_retries = 0 })
end

-- The idioms, each failing as the spec's faults make it.
local IDIOMS = {
  -- assert(realtimekit.new { … }) with an account id that cannot be one.
  new = function()
    local c = assert(realtimekit.new { account_id = "not/an/account" })
    return c
  end,
  -- A walk over every meeting, its second page failing.
  walk = function()
    local n = 0
    for _ in client().meetings:each { per_page = 100, status = "ACTIVE" } do n = n + 1 end
    return n
  end,
  -- realtimekit.assert around a call for a meeting that does not exist.
  assert = function()
    return realtimekit.assert(client().meetings:get("00000000-0000-4000-8000-000000000000"))
  end,
}

--- GET /t/escape?idiom=new|walk|assert: runs the idiom in this content handler, uncaught.
function M.handler()
  IDIOMS[ngx.var.arg_idiom]()
  ngx.say("not reached")
end

--- GET /t/escape-timer?idiom=…: runs the idiom in a timer, uncaught; answers at once.
function M.timer()
  local idiom = IDIOMS[ngx.var.arg_idiom]
  assert(ngx.timer.at(0, function() idiom() end))
  ngx.say("started")
end

--- GET /t/caught: the walk inside a pcall; answers with the fields of what the pcall got, and
-- logs it as a handler would.
function M.caught()
  local ok, err = pcall(IDIOMS.walk)
  ngx.log(ngx.ERR, "the walk failed: ", err)
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode {
    ok = ok, is_error = realtimekit.is_error(err), kind = err.kind, status = err.status,
    page_no = err.page_no, params = err.params, text = tostring(err),
  })
end

return M
