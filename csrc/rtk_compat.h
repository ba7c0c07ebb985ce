/* rtk_compat.h -- the few Lua C API differences between 5.1/LuaJIT and 5.2+, under rtk_ names. */
#ifndef RTK_COMPAT_H
#define RTK_COMPAT_H

#if LUA_VERSION_NUM < 502

/* Lua 5.1 lacks these; LuaJIT 2.1 has them but reports 501, so ours are named rtk_*. Inline, so
 * that a file that includes this and uses only some of them is not warned of the others. */
static inline void rtk_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++)
      lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}

static inline void rtk_setmetatable(lua_State *L, const char *tname) {
  luaL_getmetatable(L, tname);
  lua_setmetatable(L, -2);
}

#define rtk_rawlen(L, i) lua_objlen((L), (i))

#else

#define rtk_setfuncs(L, l, nup) luaL_setfuncs((L), (l), (nup))
#define rtk_setmetatable(L, tname) luaL_setmetatable((L), (tname))
#define rtk_rawlen(L, i) lua_rawlen((L), (i))

#endif

#define rtk_newlib(L, l) (lua_createtable((L), 0, (int)(sizeof(l) / sizeof((l)[0]) - 1)), \
                          rtk_setfuncs((L), (l), 0))

#endif
