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
    verification of RealtimeKit's signed webhooks. With a command-line client and editor
    definitions (the fake RealtimeKit server for tests is the realtimekit-fake rock). Lua 5.1
    to 5.4, LuaJIT, OpenResty.
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
  -- editors (types/).
  copy_directories = { "types" },
  -- Only the C core: LuaRocks' builtin backend copies the Lua modules, everything under lua/,
  -- by itself.
  modules = {
    ["realtimekit.core"] = {
      sources = { "csrc/rtk_buf.c", "csrc/rtk_client.c", "csrc/rtk_webhook.c", "csrc/rtk_lua.c",
                  "csrc/rtk_lua_client.c", "csrc/rtk_lua_json.c", "csrc/rtk_lua_misc.c" },
      libraries = { "curl", "crypto" },
      incdirs = { "$(CURL_INCDIR)", "$(OPENSSL_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)", "$(OPENSSL_LIBDIR)" },
    },
  },
  -- The command: realtimekit calls the API (realtimekit.cli). The fake server and its
  -- realtimekit-fake command are the realtimekit-fake rock's (fake/).
  install = {
    bin = {
      ["realtimekit"] = "bin/realtimekit",
    },
  },
  platforms = {
    windows = {
      modules = {
        ["realtimekit.core"] = {
          sources = { "csrc/rtk_buf.c", "csrc/rtk_client.c", "csrc/rtk_webhook.c",
                      "csrc/rtk_lua.c", "csrc/rtk_lua_client.c", "csrc/rtk_lua_json.c",
                      "csrc/rtk_lua_misc.c" },
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
