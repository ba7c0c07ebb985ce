/* rtk_lua.c -- the Lua binding of the C client: the module realtimekit.core, its table made of
 * the functions of rtk_lua_client.c (the client), rtk_lua_json.c and rtk_lua_misc.c. */
#define _GNU_SOURCE /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): dladdr */
#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

#include "lua.h"
#include "lauxlib.h"

#include "rtk_compat.h"
#include "rtk.h"
#include "rtk_lua.h"

static const luaL_Reg rtk_core_funcs[] = {
  {"new", rtk_lua_new},
  {"sleep", rtk_lua_sleep},
  {"decode", rtk_json_decode},
  {"check_json", rtk_json_check},
  {"normalise", rtk_json_normalise},
  {"table_kind", rtk_json_table_kind},
  {"first_non_object", rtk_json_first_non_object},
  {"monotonic", rtk_lua_monotonic},
  {"isatty", rtk_lua_isatty},
  {"verify_rsa_sha256", rtk_lua_verify_rsa_sha256},
  {"token_id", rtk_lua_token_id},
  {NULL, NULL}
};

/* Keeps this library, and libcurl with it, loaded until the process ends. A Lua state closed
 * while a name lookup is under way (in libcurl's resolver thread, which a client freed then
 * leaves to finish by itself) would otherwise unload libcurl under that thread, which then
 * returns into unmapped code. Lua unloads a C module when its state closes; a second dlopen of
 * this same file, marked never to be unloaded, holds it. Where that is not available the module
 * is unloaded as before. */
static void rtk_pin(void) {
#if (defined(__unix__) || defined(__APPLE__)) && defined(RTLD_NODELETE) && defined(RTLD_NOLOAD)
  Dl_info info;
  if (dladdr((const void *)rtk_core_funcs, &info) != 0 && info.dli_fname != NULL)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

RTK_API int luaopen_realtimekit_core(lua_State *L) {
  rtk_pin();
  if (rtk_global_init() != RTK_OK)
    return luaL_error(L, "realtimekit.core: libcurl failed to initialise");
  if (rtk_verify_init() != RTK_VERIFY_OK)
    return luaL_error(L, "realtimekit.core: OpenSSL failed to initialise (out of memory)");
  rtk_lua_client_register(L);
  rtk_newlib(L, rtk_core_funcs);
  lua_pushliteral(L, RTK_VERSION);
  lua_setfield(L, -2, "_VERSION");
  lua_pushstring(L, rtk_curl_version());
  lua_setfield(L, -2, "curl_version");
  lua_pushstring(L, rtk_curl_resolver());
  lua_setfield(L, -2, "curl_resolver");
  lua_pushliteral(L, RTK_LUA_NAME);
  lua_setfield(L, -2, "lua_version");
  return 1;
}
