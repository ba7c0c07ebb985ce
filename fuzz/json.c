/* json.c -- libFuzzer target: the core's JSON checker and decoder through a real lua_State.
 *
 * For each input: core.check_json and core.decode must agree (a text is taken by both or by
 * neither, with the same message), and json.decode (lua-cjson, after core.check_json, then the
 * C walk that drops nulls) must give the same value as core.decode, or refuse the same texts.
 * Any disagreement, Lua error or sanitizer report is a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "rtk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int luaopen_realtimekit_core(lua_State *L); /* rtk_lua.c */

/* Compares the two decoders; raises an error naming the difference. */
static const char check_chunk[] =
  "local core, json = require 'realtimekit.core', require 'realtimekit.json'\n"
  "local mtype = math.type\n"
  "local function same(a, b, path)\n"
  "  if type(a) ~= type(b) then error(path .. ': ' .. type(a) .. ' vs ' .. type(b)) end\n"
  "  if type(a) == 'table' then\n"
  "    for k, v in pairs(a) do same(v, b[k], path .. '.' .. tostring(k)) end\n"
  "    for k in pairs(b) do if a[k] == nil then error(path .. ': extra ' .. tostring(k)) end end\n"
  "  elseif mtype and mtype(a) == 'integer' and (a > 2^53 or a < -2^53) then\n"
  "    -- The core keeps integers beyond 2^53 exact; lua-cjson gives the nearest double.\n"
  "    if b ~= a + 0.0 then error(path .. ': ' .. tostring(a) .. ' vs ' .. tostring(b)) end\n"
  "  elseif a ~= b and not (a ~= a and b ~= b) then\n"
  "    error(path .. ': ' .. tostring(a) .. ' vs ' .. tostring(b))\n"
  "  elseif mtype and mtype(a) ~= mtype(b) then\n"
  "    error(path .. ': ' .. mtype(a) .. ' vs ' .. mtype(b))\n"
  "  end\n"
  "end\n"
  "return function(text)\n"
  "  local v, err = core.decode(text)\n"
  "  local ok, cerr = core.check_json(text)\n"
  "  if (v ~= nil) ~= (ok == true) or err ~= cerr then\n"
  "    error('check_json and decode disagree: ' .. tostring(err) .. ' / ' .. tostring(cerr))\n"
  "  end\n"
  "  local w, werr = json.decode(text)\n"
  "  if (v == nil) ~= (w == nil) then\n"
  "    error('the decoders disagree: ' .. tostring(err) .. ' / ' .. tostring(werr))\n"
  "  end\n"
  "  if v ~= nil then same(v, w, '$') end\n"
  "end\n";

static lua_State *L;

static void setup(void) {
  L = luaL_newstate();
  if (L == NULL)
    abort();
  luaL_openlibs(L);
  /* The core under test, built into this program; the Lua modules from the checkout (the
   * fuzzer runs from its root). */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_realtimekit_core);
  lua_setfield(L, -2, "realtimekit.core");
  lua_pop(L, 1);
  if (luaL_dostring(L, "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path") != LUA_OK ||
      luaL_loadstring(L, check_chunk) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
    fprintf(stderr, "fuzz/json: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_setfield(L, LUA_REGISTRYINDEX, "rtk_fuzz_check");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L == NULL)
    setup();
  lua_getfield(L, LUA_REGISTRYINDEX, "rtk_fuzz_check");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    fprintf(stderr, "fuzz/json: %s\n", lua_tostring(L, -1));
    abort();
  }
  /* Some garbage collection each time, so that a dangling reference shows up soon. */
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
