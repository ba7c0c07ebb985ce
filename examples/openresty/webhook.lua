-- Receiving RealtimeKit's webhooks in OpenResty: the content handler of the location in
-- nginx.conf (`location = /webhooks/realtimekit`). It reads the raw body, verifies the signature
-- with realtimekit.webhook (fetching RealtimeKit's public key without blocking the worker),
-- refuses a delivery it handled already, and hands the event to M.on_event, in two phases: the
-- delivery is claimed before on_event runs, confirmed once it succeeded (then remembered for a
-- day), released when it failed (so that RealtimeKit's retry is taken; a claim whose worker
-- died lapses after the receiver's claim_ttl):
--   401  the signature is missing or wrong (forged or altered), or the key is not RealtimeKit's
--        (one of a real signature's shape waits first, up to 5 s, for the key to be fetched
--        again: a rotated key is taken; see realtimekit.webhook.REFETCH_WAIT)
--   200  a delivery handled before (RealtimeKit need not send it again)
--   409  a delivery another worker or machine is handling now (RealtimeKit tries again later)
--   204  accepted: on_event took it
--   400  signed, but not an event; 413 too large; 503 the key could not be fetched, or the
--        de-duplication store failed; 500 on_event failed (RealtimeKit retries the delivery,
--        which is then taken again)
local webhook = require "realtimekit.webhook"

local M = {}

--- The receiver's options (realtimekit.webhook.receiver). The key URL and its CA file come from
-- the environment (nginx.conf's `env` lines) only so that the example runs against the fake
-- server; unset, they are RealtimeKit's URL and the system's CA store.
M.options = {
  key_url = os.getenv("REALTIMEKIT_WEBHOOK_KEY_URL"),
  ca_file = os.getenv("REALTIMEKIT_CA_FILE"),
  -- Deliveries accepted, shared by all workers: the lua_shared_dict in nginx.conf. On many
  -- machines, a store they all share instead (docs/many-machines.md):
  --   dedupe = require("realtimekit.store").redis(function() … end),
  dedupe = "realtimekit_webhooks",
}

--- What to do with an accepted event: put your own work here (or assign another function from
-- init_worker_by_lua). Return true once the event is safely stored or queued; anything else,
-- or an error, answers 500 so that RealtimeKit delivers it again. Keep it quick: move slow
-- work to a queue or an ngx.timer.
function M.on_event(event)
  ngx.log(ngx.NOTICE, "realtimekit webhook ", event.event, " ", event.uuid or "-", " from ",
    event.webhook_id or "-")
  return true
end

--- The worker's receiver, made on first use: it keeps the key for an hour. (Set it to nil to
-- start again with M.options.)
M.receiver = nil

local STATUS = { invalid_signature = 401, too_large = 413, decode = 400, network = 503,
                 in_progress = 409 }

local function reply(status, text)
  ngx.status = status
  if text then
    ngx.header["Content-Type"] = "text/plain"
    ngx.say(text)
  end
  return ngx.exit(status)
end

-- The raw body as it arrived: in memory, or in the temporary file nginx wrote it to when it
-- was larger than client_body_buffer_size (a read from local disk, below client_max_body_size).
local function raw_body()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body then return body end
  local path = ngx.req.get_body_file()
  if not path then return "" end
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  body = f:read("*a")
  f:close()
  return body
end

function M.handle()
  if ngx.req.get_method() ~= "POST" then return reply(405, "POST only") end
  local receiver = M.receiver
  if not receiver then
    local err
    receiver, err = webhook.receiver(M.options)
    if not receiver then
      ngx.log(ngx.ERR, "realtimekit webhook: ", tostring(err))
      return reply(500)
    end
    M.receiver = receiver
  end
  local body, berr = raw_body()
  if not body then
    ngx.log(ngx.ERR, "realtimekit webhook: reading the body: ", berr)
    return reply(500)
  end
  local event, err = receiver:verify(body, ngx.req.get_headers(100))
  if not event then
    if err.kind == "duplicate" then return reply(200, "duplicate") end
    ngx.log(err.kind == "network" and ngx.ERR or ngx.WARN, "realtimekit webhook refused: ",
      tostring(err))
    return reply(STATUS[err.kind] or 500, err.kind)
  end
  local ok, accepted = pcall(M.on_event, event)
  if not ok or accepted ~= true then
    receiver:forget(event)
    ngx.log(ngx.ERR, "realtimekit webhook ", event.event, " not handled: ", tostring(accepted))
    return reply(500)
  end
  local confirmed, cerr = receiver:confirm(event)
  if not confirmed then
    -- Handled all the same: answer 204. Only a retry of it could be taken again.
    ngx.log(ngx.WARN, "realtimekit webhook ", event.event, " handled, but not remembered: ",
      tostring(cerr or "its claim lapsed (claim_ttl)"))
  end
  return reply(204)
end

return M
