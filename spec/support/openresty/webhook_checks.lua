-- Handlers for the OpenResty webhook spec: record what examples/openresty/webhook.lua accepts,
-- list it, and call a receiver where nginx cannot yield.
local cjson = require "cjson"
local webhook = require "realtimekit.webhook"

local M = {}

--- webhook.lua's on_event for the spec: records the event in the webhook_spec shared dict;
-- refuses it (false) once after /t/webhook-events?fail=1.
function M.record(event)
  local dict = ngx.shared.webhook_spec
  if dict:get("fail") then
    dict:delete("fail")
    return false
  end
  local n = assert(dict:incr("n", 1, 0))
  dict:set("e" .. n, cjson.encode { event = event.event, uuid = event.uuid,
                                    webhook_id = event.webhook_id })
  return true
end

--- GET /t/webhook-events: the events recorded, oldest first; ?clear=1 forgets them and the
-- deliveries and the key that webhook.lua's receiver holds (the next request makes a new one);
-- ?fail=1 makes the next event fail.
function M.events()
  local dict = ngx.shared.webhook_spec
  local args = ngx.req.get_uri_args()
  ngx.header["Content-Type"] = "application/json"
  if args.clear then
    dict:flush_all()
    ngx.shared.realtimekit_webhooks:flush_all()
    require("webhook").receiver = nil
  end
  if args.fail then dict:set("fail", true) end
  local out = {}
  for i = 1, dict:get("n") or 0 do out[i] = cjson.decode(dict:get("e" .. i)) end
  ngx.say(#out == 0 and "[]" or cjson.encode(out))
end

--- For set_by_lua: a new receiver that must fetch its key, where nginx cannot yield.
function M.wrong_phase()
  local r = assert(webhook.receiver { key_url = os.getenv("REALTIMEKIT_WEBHOOK_KEY_URL"),
                                      ca_file = os.getenv("REALTIMEKIT_CA_FILE") })
  local event, err = r:verify('{"event":"meeting.started"}', { ["rtk-signature"] = "AAAA" })
  return tostring(event) .. " " .. err.kind .. " " .. err.message
end

return M
