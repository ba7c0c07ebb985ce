/* rtk_json.h -- the JSON decoder of the Lua binding (rtk_json.c); include after lua.h. */
#ifndef RTK_JSON_H
#define RTK_JSON_H

/* core.decode(text) -> value | nil, message */
int rtk_json_decode(lua_State *L);

/* core.check_json(text) -> true | nil, message: whether core.decode would take the text (the
 * same grammar, UTF-8 and nesting rules, the same messages), without building anything. */
int rtk_json_check(lua_State *L);

#endif
