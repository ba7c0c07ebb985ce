/* rtk_lua.h -- what the files of the Lua binding (rtk_lua*.c) share; include after lua.h,
 * lauxlib.h and rtk.h. */
#ifndef RTK_LUA_H
#define RTK_LUA_H

#ifdef LUA_LJDIR
#include "luajit.h"
#endif

/* The Lua a core was built for, as the module's lua_version and the User-Agent name it. */
#ifdef LUAJIT_VERSION
#define RTK_LUA_NAME LUAJIT_VERSION
#else
#define RTK_LUA_NAME LUA_VERSION
#endif

/* rtk_lua.c: the module. */
RTK_API int luaopen_realtimekit_core(lua_State *L);

/* rtk_lua_client.c: the client userdata. */

/* core.new{ token =, ca_file =, timeout =, connect_timeout =, max_body =, user_agent = } */
int rtk_lua_new(lua_State *L);

/* Makes the clients' metatable, unless one is registered already (see luaopen). */
void rtk_lua_client_register(lua_State *L);

/* rtk_lua_json.c: JSON values, decoded here or by lua-cjson. */

/* core.decode(text) -> value | nil, message */
int rtk_json_decode(lua_State *L);

/* core.check_json(text) -> true | nil, message: whether core.decode would take the text (the
 * same grammar, UTF-8 and nesting rules, the same messages), without building anything. */
int rtk_json_check(lua_State *L);

/* core.normalise(value, null) -> value, its nulls dropped and integral floats made integers. */
int rtk_json_normalise(lua_State *L);

/* core.table_kind(t) -> "empty", "list" or "object". */
int rtk_json_table_kind(lua_State *L);

/* core.first_non_object(t) -> the first index of 1..#t whose value is not an object, or nil. */
int rtk_json_first_non_object(lua_State *L);

/* rtk_lua_misc.c: the rest of the module's functions. */

int rtk_lua_sleep(lua_State *L);
int rtk_lua_monotonic(lua_State *L);
int rtk_lua_isatty(lua_State *L);
int rtk_lua_verify_rsa_sha256(lua_State *L);
int rtk_lua_token_id(lua_State *L);

#endif
