rockspec_format = "3.0"
package = "realtimekit"
version = "0.2.0-1"

source = {
  url = "git+https://github.com/realtimekit/realtimekit-lua.git",
  tag = "v0.2.0",
}

description = {
  summary = "Client for Cloudflare's RealtimeKit REST API, and receiver of its webhooks",
  detailed = [[
    A Lua module over a small C core (libcurl) for Cloudflare's RealtimeKit REST API: every
    endpoint, arguments checked before any request as strictly as the official SDK says,
    iterators that walk every page with several requests under way, retries, pacing by the
    API's rate-limit headers, calls that never block in OpenResty or a game's frame loop, and
    verification of RealtimeKit's signed webhooks. With a command-line client, a fake
    RealtimeKit server for tests, and editor definitions. Lua 5.1 to 5.4, LuaJIT, OpenResty.
  ]],
  homepage = "https://github.com/realtimekit/realtimekit-lua",
  license = "MIT",
  labels = { "cloudflare", "realtimekit", "http", "api" },
}

dependencies = {
  "lua >= 5.1",
  "lua-cjson",
}

-- On Debian and Ubuntu curl's header is in the multiarch folder:
--   luarocks make CURL_INCDIR=/usr/include/x86_64-linux-gnu
-- OpenSSL's libcrypto checks webhook signatures (libcurl is usually built on it already).
external_dependencies = {
  CURL = { header = "curl/curl.h", library = "curl" },
  OPENSSL = { header = "openssl/evp.h", library = "crypto" },
  platforms = {
    windows = {
      CURL = { header = "curl/curl.h", library = "libcurl" },
      OPENSSL = { header = "openssl/evp.h", library = "libcrypto" },
    },
  },
}

build = {
  type = "builtin",
  -- Into the rock's folder (`luarocks show --rock-dir realtimekit`): the LuaLS definitions for
  -- editors (types/), and the reference's sources and data (docs/; `make docs` builds the HTML).
  copy_directories = { "docs", "types" },
  modules = {
    ["realtimekit.core"] = {
      sources = { "csrc/rtk_buf.c", "csrc/rtk_client.c", "csrc/rtk_json.c", "csrc/rtk_lua.c",
                  "csrc/rtk_webhook.c" },
      libraries = { "curl", "crypto" },
      incdirs = { "$(CURL_INCDIR)", "$(OPENSSL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)", "$(OPENSSL_LIBDIR)" },
    },
    ["realtimekit"] = "lua/realtimekit/init.lua",
    ["realtimekit.cli"] = "lua/realtimekit/cli.lua",
    ["realtimekit.client"] = "lua/realtimekit/client.lua",
    ["realtimekit.compat"] = "lua/realtimekit/compat.lua",
    ["realtimekit.describe"] = "lua/realtimekit/describe.lua",
    ["realtimekit.engine"] = "lua/realtimekit/engine.lua",
    ["realtimekit.errors"] = "lua/realtimekit/errors.lua",
    ["realtimekit.fake"] = "lua/realtimekit/fake.lua",
    ["realtimekit.fake.cli"] = "lua/realtimekit/fake/cli.lua",
    ["realtimekit.fake.conf"] = "lua/realtimekit/fake/conf.lua",
    ["realtimekit.fake.server.active_session"] = "lua/realtimekit/fake/server/active_session.lua",
    ["realtimekit.fake.server.analytics"] = "lua/realtimekit/fake/server/analytics.lua",
    ["realtimekit.fake.server.api"] = "lua/realtimekit/fake/server/api.lua",
    ["realtimekit.fake.server.apps"] = "lua/realtimekit/fake/server/apps.lua",
    ["realtimekit.fake.server.common"] = "lua/realtimekit/fake/server/common.lua",
    ["realtimekit.fake.server.control"] = "lua/realtimekit/fake/server/control.lua",
    ["realtimekit.fake.server.data"] = "lua/realtimekit/fake/server/data.lua",
    ["realtimekit.fake.server.events"] = "lua/realtimekit/fake/server/events.lua",
    ["realtimekit.fake.server.livestreams"] = "lua/realtimekit/fake/server/livestreams.lua",
    ["realtimekit.fake.server.meetings"] = "lua/realtimekit/fake/server/meetings.lua",
    ["realtimekit.fake.server.owner"] = "lua/realtimekit/fake/server/owner.lua",
    ["realtimekit.fake.server.presets"] = "lua/realtimekit/fake/server/presets.lua",
    ["realtimekit.fake.server.recordings"] = "lua/realtimekit/fake/server/recordings.lua",
    ["realtimekit.fake.server.router"] = "lua/realtimekit/fake/server/router.lua",
    ["realtimekit.fake.server.schema"] = "lua/realtimekit/fake/server/schema.lua",
    ["realtimekit.fake.server.seed"] = "lua/realtimekit/fake/server/seed.lua",
    ["realtimekit.fake.server.sessions"] = "lua/realtimekit/fake/server/sessions.lua",
    ["realtimekit.fake.server.shapes"] = "lua/realtimekit/fake/server/shapes.lua",
    ["realtimekit.fake.server.state"] = "lua/realtimekit/fake/server/state.lua",
    ["realtimekit.fake.server.webhooks"] = "lua/realtimekit/fake/server/webhooks.lua",
    ["realtimekit.host"] = "lua/realtimekit/host/init.lua",
    ["realtimekit.host.openresty"] = "lua/realtimekit/host/openresty.lua",
    ["realtimekit.host.plain"] = "lua/realtimekit/host/plain.lua",
    ["realtimekit.json"] = "lua/realtimekit/json.lua",
    ["realtimekit.jsonpure"] = "lua/realtimekit/jsonpure.lua",
    ["realtimekit.ngx"] = "lua/realtimekit/ngx.lua",
    ["realtimekit.pacer"] = "lua/realtimekit/pacer.lua",
    ["realtimekit.pager"] = "lua/realtimekit/pager.lua",
    ["realtimekit.redact"] = "lua/realtimekit/redact.lua",
    ["realtimekit.request"] = "lua/realtimekit/request.lua",
    ["realtimekit.resource"] = "lua/realtimekit/resource.lua",
    ["realtimekit.response"] = "lua/realtimekit/response.lua",
    ["realtimekit.retry"] = "lua/realtimekit/retry.lua",
    ["realtimekit.schema"] = "lua/realtimekit/schema.lua",
    ["realtimekit.seam"] = "lua/realtimekit/seam.lua",
    ["realtimekit.store"] = "lua/realtimekit/store.lua",
    ["realtimekit.types"] = "lua/realtimekit/types.lua",
    ["realtimekit.webhook"] = "lua/realtimekit/webhook.lua",
    ["realtimekit.resources.active_session"] = "lua/realtimekit/resources/active_session.lua",
    ["realtimekit.resources.analytics"] = "lua/realtimekit/resources/analytics.lua",
    ["realtimekit.resources.apps"] = "lua/realtimekit/resources/apps.lua",
    ["realtimekit.resources.livestreams"] = "lua/realtimekit/resources/livestreams.lua",
    ["realtimekit.resources.meetings"] = "lua/realtimekit/resources/meetings.lua",
    ["realtimekit.resources.participants"] = "lua/realtimekit/resources/participants.lua",
    ["realtimekit.resources.presets"] = "lua/realtimekit/resources/presets.lua",
    ["realtimekit.resources.recordings"] = "lua/realtimekit/resources/recordings.lua",
    ["realtimekit.resources.sessions"] = "lua/realtimekit/resources/sessions.lua",
    ["realtimekit.resources.shapes"] = "lua/realtimekit/resources/shapes.lua",
    ["realtimekit.resources.webhooks"] = "lua/realtimekit/resources/webhooks.lua",
  },
  -- The commands: realtimekit calls the API (realtimekit.cli), realtimekit-fake runs the fake
  -- server (realtimekit.fake) for shells.
  install = {
    bin = {
      ["realtimekit"] = "bin/realtimekit",
      ["realtimekit-fake"] = "bin/realtimekit-fake",
    },
  },
  platforms = {
    windows = {
      modules = {
        ["realtimekit.core"] = {
          sources = { "csrc/rtk_buf.c", "csrc/rtk_client.c", "csrc/rtk_json.c", "csrc/rtk_lua.c",
                      "csrc/rtk_webhook.c" },
          libraries = { "libcurl", "libcrypto" },
          incdirs = { "$(CURL_INCDIR)", "$(OPENSSL_INCDIR)" },
          libdirs = { "$(CURL_LIBDIR)", "$(OPENSSL_LIBDIR)" },
        },
      },
    },
  },
}

test_dependencies = { "busted" }
test = { type = "busted" }
