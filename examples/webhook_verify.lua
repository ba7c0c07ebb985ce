-- webhook_verify.lua -- checks a saved RealtimeKit webhook delivery from the command line.
--
--   lua examples/webhook_verify.lua body.json signature [public_key.pem]
--
-- body.json: the request body exactly as it arrived (the signature covers its raw bytes: a
-- re-formatted copy fails). signature: the value of its rtk-signature header (base64), or
-- @file to read it from a file. public_key.pem: the key in PEM; without it, RealtimeKit's key
-- is fetched (REALTIMEKIT_WEBHOOK_KEY_URL and REALTIMEKIT_CA_FILE point elsewhere, such as the
-- fake server). Exit status: 0 when the signature is valid, 1 when it is not (or the key could
-- not be had), 2 for a wrong command line.
local webhook = require "realtimekit.webhook"

local function read(path, what)
  local f, err = io.open(path, "rb")
  if not f then
    io.stderr:write("cannot read the ", what, ": ", tostring(err), "\n")
    os.exit(1)
  end
  local text = f:read("*a")
  f:close()
  return text
end

local body_file, signature, key_file = arg[1], arg[2], arg[3]
if not body_file or not signature or arg[4] then
  io.stderr:write("usage: lua webhook_verify.lua body.json signature|@file [public_key.pem]\n")
  os.exit(2)
end
local body = read(body_file, "body")
if signature:sub(1, 1) == "@" then signature = read(signature:sub(2), "signature") end

local function env(name)
  local v = os.getenv(name)
  if v ~= "" then return v end
end

local opts, source
if key_file then
  opts = { public_key = read(key_file, "public key") }
  source = key_file
else
  opts = { key_url = env("REALTIMEKIT_WEBHOOK_KEY_URL"), ca_file = env("REALTIMEKIT_CA_FILE") }
  source = opts.key_url or webhook.KEY_URL
end
local receiver, message = webhook.receiver(opts)
if not receiver then
  io.stderr:write("cannot use the key: ", message, "\n")
  os.exit(1)
end

local event, err = receiver:verify(body, { ["rtk-signature"] = signature })
if not event then
  if err.kind == "decode" then
    -- Signed by the key, but not an event.
    print("valid signature (key from " .. source .. "), but " .. err.message)
    os.exit(0)
  end
  io.stderr:write(err.kind == "network" and "cannot fetch the key: " or "NOT valid: ",
    err.message, "\n")
  os.exit(1)
end
print(("valid: %s, %d bytes, signed by the key from %s"):format(event.event, #body, source))
