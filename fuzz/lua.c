/* lua.c -- libFuzzer target: the Lua layer's parsers of header values a peer sends, through
 * an embedded Lua 5.4: Retry-After and retry-after-ms (retry.retry_after), Ratelimit and
 * Ratelimit-Policy (pacer.read), and rtk-signature (webhook.verify and a receiver's verify).
 *
 * The first byte picks the parser; the rest is the value (for pacer.read, the two headers split
 * at the first NUL). None may raise; what they return must make sense (a wait of 0 seconds or
 * more, a budget within its bounds); a signature is taken only when it is the real one, with
 * spaces around it at most. libFuzzer's -timeout catches a value that takes long to read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "rtk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int luaopen_realtimekit_core(lua_State *L); /* rtk_lua.c */

static const char check_chunk[] =
  "local retry = require 'realtimekit.retry'\n"
  "local pacer = require 'realtimekit.pacer'\n"
  "local webhook = require 'realtimekit.webhook'\n"
  "local KEY = table.concat {\n"
  "  '-----BEGIN PUBLIC KEY-----\\n',\n"
  "  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAno2pVQwvuMFNYzsdgR2l\\n',\n"
  "  '5aiXn0SfmLJC+C52a9nkJhH5AzKxbUWulhT4z5EF29XAxax0+IsFdX2AYYBRCx/T\\n',\n"
  "  'b0gIBztOVuVv0hZh5gPDTsyzzl1K14YMrnQn0gYXkPuHGNHNfVpbGkW1QSEsMO8W\\n',\n"
  "  '0BaTgOimJPLzeR7oHkQGejnRTJzPK4HboI6L9TrUY9zCjsoPslrDHV7jVvD3kkhC\\n',\n"
  "  'd3u/ARj++nEA2PnmYy45JSP3iUZMw2b2t5UhLfJY9/6Kv7m+V4SSh5KQD7qaF1rn\\n',\n"
  "  'dylj4KVaJnzgx2Mm8btM9r3kOd8CBb6mJX9wyOV5bNEhdd0vR5jbi4szg8fIadR1\\n',\n"
  "  'mwIDAQAB\\n',\n"
  "  '-----END PUBLIC KEY-----\\n',\n"
  "}\n"
  "local SIG = 'dKMd43isFnBPG/VG14BaYX1P99Ceuq0JTzFzTd3DWykJVph94qr+ObNy2B2bQyjkllH68wkmcu46z6t0'\n"
  "  .. 'OftrxHzv4ZRqp+xyspKdIKXI2sLX17flfyIsyHGWcr2k1XR2WuzAV3NBi65xfrwEsNMNrbReMt3y6c19'\n"
  "  .. '9e0//t32sbO1EKEYQVfY+4hCjfhZrcUF/SihCGrsd6y0c589TQ2I97GsChMKar0xozqHCZsy8UwLq/0r'\n"
  "  .. '9UzI0GveAGXAskFG5LIyTEXYIN8puSUfDAjZjPTOZzGxijq3KT9CnPvq9Ick06AEoMJDiYR65NOzvbqn'\n"
  "  .. '1YoPwryGL+O8sJI5YhPCMA=='\n"
  "local BODY = '{\"event\":\"x\"}'\n"
  "local receiver = assert(webhook.receiver { public_key = KEY })\n"
  "local function wait(v)\n"
  "  assert(v == nil or (type(v) == 'number' and v >= 0), 'a wait of ' .. tostring(v))\n"
  "end\n"
  "local function real(sig)\n"
  "  local s = sig:match('^%s*(.-)%s*$')\n"
  "  return (s:gsub('=+$', '')) == (SIG:gsub('=+$', ''))\n"
  "end\n"
  "return function(which, v)\n"
  "  if which == 0 then\n"
  "    wait(retry.retry_after({ ['retry-after'] = v }, 1767225600))\n"
  "    wait(retry.retry_after({ ['retry-after-ms'] = v }))\n"
  "  elseif which == 1 then\n"
  "    local a, b = v:match('^([^%z]*)%z?(.*)$')\n"
  "    local info = pacer.read { ratelimit = a, ['ratelimit-policy'] = b }\n"
  "    if info then\n"
  "      for _, k in ipairs { 'remaining', 'limit' } do\n"
  "        local n = info[k]\n"
  "        assert(n == nil or (n >= 0 and n <= 1e9 and n == math.floor(n)), k)\n"
  "      end\n"
  "      for _, k in ipairs { 'reset', 'window' } do\n"
  "        local n = info[k]\n"
  "        assert(n == nil or (n >= 0 and n <= 86400), k)\n"
  "      end\n"
  "    end\n"
  "  elseif which == 2 then\n"
  "    local ok, err = webhook.verify(BODY, v, KEY)\n"
  "    if ok then assert(#v <= 2048 and real(v), 'a signature taken')\n"
  "    else assert(err.kind == 'invalid_signature', err.kind) end\n"
  "  else\n"
  "    local event, err = receiver:verify(BODY, { ['rtk-signature'] = v })\n"
  "    if event then assert(#v <= 2048 and real(v), 'a delivery taken')\n"
  "    else assert(err.kind == 'invalid_signature', err.kind) end\n"
  "  end\n"
  "end\n";

static lua_State *L;

static void setup(void) {
  L = luaL_newstate();
  if (L == NULL)
    abort();
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_realtimekit_core);
  lua_setfield(L, -2, "realtimekit.core");
  lua_pop(L, 1);
  if (luaL_dostring(L, "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path") != LUA_OK ||
      luaL_loadstring(L, check_chunk) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    fprintf(stderr, "fuzz/lua: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_setfield(L, LUA_REGISTRYINDEX, "rtk_fuzz_check");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L == NULL)
    setup();
  if (size == 0)
    return 0;
  lua_getfield(L, LUA_REGISTRYINDEX, "rtk_fuzz_check");
  lua_pushinteger(L, data[0] % 4);
  lua_pushlstring(L, (const char *)data + 1, size - 1);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
    fprintf(stderr, "fuzz/lua: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
