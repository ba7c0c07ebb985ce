/* rtk_json.h -- the JSON decoder of the Lua binding (rtk_json.c); include after lua.h. */
#ifndef RTK_JSON_H
#define RTK_JSON_H

/* core.decode(text) -> value | nil, message */
int rtk_json_decode(lua_State *L);

#endif
