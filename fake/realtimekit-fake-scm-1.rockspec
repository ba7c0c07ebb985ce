rockspec_format = "3.0"
package = "realtimekit-fake"
version = "scm-1"

-- The fake server is a rock of its own, built from this folder (fake/ of the repository):
-- LuaRocks' builtin backend copies the ./lua of the folder it builds in, which here is fake/lua
-- (realtimekit.fake and realtimekit.fake.*), not the client's lua/. From a clone:
--   cd fake && luarocks make realtimekit-fake-scm-1.rockspec
-- From the repository's source (`luarocks build`, or a packed .src.rock) LuaRocks builds in
-- source.dir, this folder of the clone.
source = {
  url = "git+https://github.com/realtimekit/realtimekit-lua.git",
  dir = "realtimekit-lua/fake",
}

description = {
  summary = "A fake RealtimeKit server, for testing code that uses realtimekit",
  detailed = [[
    The fake RealtimeKit server of realtimekit's own specs, for yours: every endpoint of
    Cloudflare's RealtimeKit REST API over real sockets (HTTP and HTTPS with a CA made at start),
    with a deterministic data set, fault injection (status codes, drops, truncations, delays),
    rate limits and signed webhook deliveries. Started from Lua (`require "realtimekit.fake"`)
    or a shell (`realtimekit-fake start`). It runs on nginx with its Lua module.
  ]],
  homepage = "https://github.com/realtimekit/realtimekit-lua",
  license = "MIT",
  labels = { "cloudflare", "realtimekit", "testing" },
}

-- Beside these, nginx with its Lua module, lua-resty-core and the openssl command (Debian:
-- nginx libnginx-mod-http-lua lua-resty-core openssl), which a rock cannot provide.
dependencies = {
  "lua >= 5.1",
  "realtimekit >= 0.2.0",
  "lua-cjson",
  "luasocket",
}

build = {
  type = "builtin",
  -- No module listed: the builtin backend copies ./lua (fake/lua) by itself.
  modules = {},
  -- The command: starts and drives a fake server for shells (realtimekit.fake.cli).
  install = {
    bin = {
      ["realtimekit-fake"] = "bin/realtimekit-fake",
    },
  },
}
