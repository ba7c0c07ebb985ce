-- Turns examples/openresty/nginx.conf, the file a user copies, into the configuration of a test
-- nginx that talks to the fake RealtimeKit server: its paths under the test's folder (the
-- @DIR@ and @USER@ that realtimekit.fake's nginx() fills in), realtimekit from this repository,
-- the ngx transport's upstream on, pointed at the fake, and what a spec adds. Every line it
-- changes must be in the file as written, or it raises: the example cannot drift from the specs.
local M = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function replace(text, from, to)
  local i, j = text:find(from, 1, true)
  if not i then error("examples/openresty/nginx.conf no longer has: " .. from, 2) end
  return text:sub(1, i - 1) .. to .. text:sub(j + 1)
end

local function replace_all(text, from, to)
  local out, n, pos = {}, 0, 1
  while true do
    local i, j = text:find(from, pos, true)
    if not i then break end
    out[#out + 1] = text:sub(pos, i - 1) .. to
    pos, n = j + 1, n + 1
  end
  if n == 0 then error("examples/openresty/nginx.conf no longer has: " .. from, 2) end
  out[#out + 1] = text:sub(pos)
  return table.concat(out)
end

-- The lines of the ngx transport's location that name the real API's host and trust the
-- system's CAs, made to name and trust the fake server's.
local function to_fake(text, fake)
  text = replace(text, "proxy_set_header Host api.cloudflare.com;",
    "proxy_set_header Host localhost;")
  text = replace(text, "proxy_ssl_name api.cloudflare.com;", "proxy_ssl_name localhost;")
  return replace(text, "proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;",
    "proxy_ssl_trusted_certificate " .. fake.ca_file .. ";")
end

M.UPSTREAM = [[
  #upstream realtimekit_api {
  #  server api.cloudflare.com:443;
  #  keepalive 16;
  #}
]]

--- The example's configuration for a test. opts: root (the repository), core_dir (where
-- realtimekit/core.so is), port, fake (a realtimekit.fake handle), and optionally http_extra
-- (lines for the http block), server_extra (locations for the server), init_worker (Lua run
-- in init_worker_by_lua after the example's own) and lua_path (more `?.lua` patterns).
-- @return the configuration, for realtimekit.fake's nginx()
function M.example(opts)
  local root = opts.root
  local text = read(root .. "/examples/openresty/nginx.conf")
  text = replace(text, "error_log logs/error.log warn;", "error_log @DIR@/error.log warn;\n@USER@")
  text = replace(text, "pid logs/nginx.pid;", "pid @DIR@/nginx.pid;")
  text = replace_all(text, "_temp_path logs/", "_temp_path @DIR@/tmp/")
  text = replace(text, "listen 127.0.0.1:8080;", "listen 127.0.0.1:" .. opts.port .. ";")
  text = replace(text, '"$prefix/../../lua/?.lua;$prefix/../../lua/?/init.lua;$prefix/?.lua;;"',
    '"' .. root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. root
      .. "/examples/openresty/?.lua;" .. root .. "/spec/support/openresty/?.lua;"
      .. (opts.lua_path or "") .. ';"')
  text = replace(text, '"$prefix/../../build/luajit/?.so;;"',
    '"' .. opts.core_dir .. '/?.so;@LUAJIT_CPATH@;;"')
  local fake = opts.fake
  text = replace(text, M.UPSTREAM, ([[
  upstream realtimekit_api {
    server 127.0.0.1:%d;
    keepalive 16;
  }
]]):format(fake.tls_port))
  text = to_fake(text, fake)
  local init = 'init_worker_by_lua_block { require("handler").start_job() }'
  text = replace(text, init, init:sub(1, -2) .. (opts.init_worker or "") .. " }")
  if opts.http_extra then
    text = replace(text, "\nhttp {\n", "\nhttp {\n" .. opts.http_extra)
  end
  if opts.server_extra then
    text = replace(text, "    location = /ping {", opts.server_extra .. "    location = /ping {")
  end
  return text
end

--- A copy of the example's `location = /_realtimekit` block, the ngx transport's, named
-- `name`, talking to the fake server (opts.fake) as the example's own does once `example`
-- made it, with each `{from, to}` of `changes` made in it (a different proxy_pass, say): so a
-- spec tests the location as documented, pointed elsewhere.
function M.location(opts, name, changes)
  local text = read(opts.root .. "/examples/openresty/nginx.conf")
  local block = text:match("\n(    location = /_realtimekit {\n.-\n    }\n)")
  if not block then error("examples/openresty/nginx.conf no longer has location /_realtimekit") end
  block = replace(block, "location = /_realtimekit {", "location = " .. name .. " {")
  block = to_fake(block, opts.fake)
  for _, c in ipairs(changes or {}) do block = replace(block, c[1], c[2]) end
  return block
end

--- The environment for the example's nginx against the fake server: its token, account, app,
-- URL (over TLS) and CA, as `eval "$(spec/support/fake-realtimekit start)"` would set them.
function M.env(fake)
  return {
    CLOUDFLARE_API_TOKEN = fake.token, CLOUDFLARE_ACCOUNT_ID = fake.account_id,
    REALTIMEKIT_APP_ID = fake.app_id, CLOUDFLARE_BASE_URL = fake.tls_url,
    REALTIMEKIT_CA_FILE = fake.ca_file, REALTIMEKIT_WEBHOOK_KEY_URL = fake.webhook_key_url,
  }
end

return M
