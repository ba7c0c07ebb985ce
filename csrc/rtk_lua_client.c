/* rtk_lua_client.c -- the client userdata of realtimekit.core: core.new and its methods. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "rtk_compat.h"
#include "rtk.h"
#include "rtk_lua.h"

#define RTK_CLIENT_MT "realtimekit.client"
#define RTK_MAX_EXTRA_HEADERS 32

typedef struct rtk_ud {
  rtk_client *c; /* NULL once closed */
  unsigned pending[RTK_MAX_TRANSFERS]; /* ids that finished, not yet returned by poll */
  size_t npending;
} rtk_ud;

static rtk_ud *rtk_checkud(lua_State *L, int idx) {
  rtk_ud *u = (rtk_ud *)luaL_checkudata(L, idx, RTK_CLIENT_MT);
  if (u->c == NULL)
    luaL_error(L, "attempt to use a closed client");
  return u;
}

/* Reads an optional timeout in seconds from field k of the table at idx, as milliseconds. */
static long rtk_opt_ms(lua_State *L, int idx, const char *k, int arg) {
  long ms = 0;
  lua_getfield(L, idx, k);
  if (!lua_isnil(L, -1)) {
    lua_Number s = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !(s > 0) || s > 2147483.0) {
      lua_pushfstring(L, "'%s' must be a number of seconds > 0", k);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    ms = (long)ceil(s * 1000.0);
  }
  lua_pop(L, 1);
  return ms;
}

/* Reads an optional string field k of the table at idx; the string stays referenced by the
 * table. */
static const char *rtk_opt_str(lua_State *L, int idx, const char *k, int arg) {
  const char *s = NULL;
  lua_getfield(L, idx, k);
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pushfstring(L, "'%s' must be a string", k);
      luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    s = lua_tostring(L, -1);
  }
  lua_pop(L, 1);
  return s;
}

/* core.new{ token =, ca_file =, timeout =, connect_timeout =, max_body =, user_agent = }
 * Without a token the client sends no Authorization header: for hosts that need none, such as
 * the one serving the webhook key, which must never see the API token. */
int rtk_lua_new(lua_State *L) {
  rtk_options o;
  rtk_status st;
  rtk_ud *u;
  char ua[160];
  size_t toklen = 0;
  memset(&o, 0, sizeof o);
  luaL_checktype(L, 1, LUA_TTABLE);

  lua_getfield(L, 1, "token");
  if (!lua_isnil(L, -1)) {
    o.token = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &toklen) : NULL;
    if (o.token == NULL || toklen == 0 || strlen(o.token) != toklen || strpbrk(o.token, "\r\n"))
      luaL_argerror(L, 1, "'token' must be a non-empty string without NUL, CR or LF");
  }
  lua_pop(L, 1); /* the options table keeps the string alive */
  o.ca_file = rtk_opt_str(L, 1, "ca_file", 1);
  o.user_agent = rtk_opt_str(L, 1, "user_agent", 1);
  o.timeout_ms = rtk_opt_ms(L, 1, "timeout", 1);
  o.connect_timeout_ms = rtk_opt_ms(L, 1, "connect_timeout", 1);
  lua_getfield(L, 1, "max_body");
  if (!lua_isnil(L, -1)) {
    lua_Number n = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !(n >= 1) || n > 4294967295.0)
      luaL_argerror(L, 1, "'max_body' must be a number of bytes >= 1");
    o.max_body = (size_t)n;
  }
  lua_pop(L, 1);
  if (o.user_agent == NULL) {
    (void)snprintf(ua, sizeof ua, "realtimekit-lua/%s (%s; libcurl/%s)", RTK_VERSION,
                   RTK_LUA_NAME, rtk_curl_version());
    o.user_agent = ua;
  }

  /* The userdata exists, closed, with its metatable, before the client does, so __gc always
   * finds a consistent state. */
  u = (rtk_ud *)lua_newuserdata(L, sizeof *u);
  u->c = NULL;
  u->npending = 0;
  rtk_setmetatable(L, RTK_CLIENT_MT);
  u->c = rtk_client_new(&o, &st);
  if (u->c == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, st == RTK_ENOMEM ? "nomem" : "invalid");
    lua_pushstring(L, st == RTK_ENOMEM ? "out of memory" : "invalid client options");
    return 3;
  }
  return 1;
}

/* Reads the arguments method, url [, body [, opts]] at index 2 onwards into req. extra holds
 * the header lines; the strings stay referenced by the arguments, on the stack. */
static void rtk_read_request(lua_State *L, rtk_request *req, const char **extra) {
  size_t nh = 0, len;
  memset(req, 0, sizeof *req);
  req->method = luaL_checkstring(L, 2);
  req->url = luaL_checklstring(L, 3, &len);
  /* libcurl reads the URL as a C string: one cut short by a NUL would go elsewhere. */
  luaL_argcheck(L, strlen(req->url) == len, 3, "url contains a NUL byte");
  if (!lua_isnoneornil(L, 4))
    req->body = luaL_checklstring(L, 4, &req->body_len);
  if (!lua_isnoneornil(L, 5)) {
    luaL_checktype(L, 5, LUA_TTABLE);
    req->timeout_ms = rtk_opt_ms(L, 5, "timeout", 5);
    req->connect_timeout_ms = rtk_opt_ms(L, 5, "connect_timeout", 5);
    /* fresh_connect: true, a new connection; false, any; absent, rtk.h's default. */
    lua_getfield(L, 5, "fresh_connect");
    if (!lua_isnil(L, -1)) {
      luaL_argcheck(L, lua_type(L, -1) == LUA_TBOOLEAN, 5, "'fresh_connect' must be a boolean");
      req->connection = lua_toboolean(L, -1) ? RTK_CONNECTION_NEW : RTK_CONNECTION_ANY;
    }
    lua_pop(L, 1);
    lua_getfield(L, 5, "headers");
    if (!lua_isnil(L, -1)) {
      int hidx = lua_gettop(L);
      size_t i;
      luaL_argcheck(L, lua_type(L, hidx) == LUA_TTABLE, 5,
                    "'headers' must be an array of strings");
      nh = rtk_rawlen(L, hidx);
      luaL_argcheck(L, nh <= RTK_MAX_EXTRA_HEADERS, 5, "too many headers");
      for (i = 0; i < nh; i++) {
        lua_rawgeti(L, hidx, (int)i + 1);
        luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 5,
                      "'headers' must be an array of strings");
        extra[i] = lua_tolstring(L, -1, &len); /* kept alive by the headers table */
        luaL_argcheck(L, strlen(extra[i]) == len, 5, "a header contains a NUL byte");
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1); /* the headers table stays referenced by opts, at index 5 */
  }
  extra[nh] = NULL;
  req->headers = nh > 0 ? extra : NULL;
}

/* Pushes the outcome of a request that failed: nil, kind, message, name. */
static int rtk_push_failure(lua_State *L, rtk_status st, const rtk_error *e) {
  lua_pushnil(L);
  lua_pushstring(L, rtk_status_kind(st));
  lua_pushstring(L, e->message);
  lua_pushstring(L, e->name);
  return 4;
}

/* Pushes the failure of a start that found every transfer taken (RTK_EBUSY): nil, "network",
 * message, "TOO_MANY_TRANSFERS". A condition of the moment, not a misuse, so an error value
 * rather than a raised error: the Lua layer's calls promise nil, err, and its errors know the
 * kind "network" (rtk_status_kind's "busy" is the C API's word for it). */
static int rtk_push_busy(lua_State *L, const rtk_error *e) {
  lua_pushnil(L);
  lua_pushliteral(L, "network");
  lua_pushstring(L, e->message);
  lua_pushstring(L, e->name);
  return 4;
}

/* Pushes the outcome of a finished request: body, status, headers | nil, kind, message, name. */
static int rtk_push_result(lua_State *L, rtk_status st, const rtk_response *res) {
  size_t i;
  const char *name, *value;
  if (st != RTK_OK)
    return rtk_push_failure(L, st, &res->error);
  /* The body goes from the client's buffer into the Lua string: the one copy it needs. */
  lua_pushlstring(L, res->body, res->body_len);
  lua_pushinteger(L, (lua_Integer)res->status);
  lua_createtable(L, 0, (int)res->header_count);
  for (i = 0; rtk_response_header_at(res, i, &name, &value); i++) {
    lua_getfield(L, -1, name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_pushstring(L, value);
    } else { /* a repeated header: join the values as HTTP allows */
      lua_pushliteral(L, ", ");
      lua_pushstring(L, value);
      lua_concat(L, 3);
    }
    lua_setfield(L, -2, name);
  }
  return 3;
}

/* client:request(method, url [, body [, opts]]) -> body, status, headers
 *                                              | nil, kind, message, name
 * Raises for a malformed request; a client whose transfers are all taken is a "network" failure
 * named TOO_MANY_TRANSFERS. */
static int rtk_lua_request(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  const char *extra[RTK_MAX_EXTRA_HEADERS + 1];
  rtk_request req;
  rtk_response res;
  rtk_status st;
  rtk_read_request(L, &req, extra);
  st = rtk_client_request(u->c, &req, &res);
  if (st == RTK_EBUSY)
    return rtk_push_busy(L, &res.error);
  if (st == RTK_EINVAL)
    return luaL_error(L, "%s", res.error.message);
  return rtk_push_result(L, st, &res);
}

/* client:start(method, url [, body [, opts]]) -> id | nil, kind, message, name
 * Starts a request without waiting for it; client:poll() drives it. With RTK_MAX_TRANSFERS under
 * way or unreleased: nil, "network", message, "TOO_MANY_TRANSFERS". */
static int rtk_lua_start(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  const char *extra[RTK_MAX_EXTRA_HEADERS + 1];
  rtk_request req;
  rtk_status st;
  rtk_error err;
  unsigned id = 0;
  rtk_read_request(L, &req, extra);
  st = rtk_client_start_ex(u->c, &req, &id, &err);
  if (st == RTK_EBUSY)
    return rtk_push_busy(L, &err);
  if (st == RTK_EINVAL)
    return luaL_error(L, "%s", err.message);
  if (st != RTK_OK)
    return rtk_push_failure(L, st, &err);
  lua_pushinteger(L, (lua_Integer)id);
  return 1;
}

/* client:poll([timeout]) -> array of the ids that finished since the last poll (maybe empty).
 * Does the I/O that is ready; with a timeout in seconds, waits up to that long for some when
 * nothing has finished. */
static int rtk_lua_poll(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  lua_Number t = luaL_optnumber(L, 2, 0);
  size_t i;
  luaL_argcheck(L, t >= 0 && t <= 2147483.0, 2, "timeout must be from 0 to 2147483 seconds");
  /* The ids wait in the userdata until they are in the returned table, so that a memory error
   * while it is made does not lose them: the next poll returns them, without waiting. */
  u->npending += rtk_client_poll(u->c, u->npending > 0 ? 0 : (long)ceil(t * 1000.0),
                                 u->pending + u->npending, RTK_MAX_TRANSFERS - u->npending);
  lua_createtable(L, (int)u->npending, 0);
  for (i = 0; i < u->npending; i++) {
    lua_pushinteger(L, (lua_Integer)u->pending[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  u->npending = 0;
  return 1;
}

static unsigned rtk_check_id(lua_State *L, int idx) {
  lua_Number n = luaL_checknumber(L, idx);
  luaL_argcheck(L, n >= 1 && n <= 4294967295.0 && n == floor(n), idx, "not a transfer id");
  return (unsigned)n;
}

/* A finished transfer's outcome, for rtk_lua_pushed. */
typedef struct rtk_outcome {
  rtk_status st;
  rtk_response res;
} rtk_outcome;

/* Pushes the outcome (a light userdata) as rtk_push_result does, under lua_pcall. */
static int rtk_lua_pushed(lua_State *L) {
  const rtk_outcome *o = (const rtk_outcome *)lua_touserdata(L, 1);
  return rtk_push_result(L, o->st, &o->res);
}

/* client:result(id) -> body, status, headers | nil, kind, message, name, and frees the
 * transfer. Raises for an id that is unknown or not finished. The transfer is freed even when
 * a memory error stops its results from being made (and raised): its id is handed out once. */
static int rtk_lua_result(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  unsigned id = rtk_check_id(L, 2);
  rtk_outcome o;
  int base, rc;
  lua_settop(L, 2);
  lua_pushcfunction(L, rtk_lua_pushed); /* may raise: nothing has changed yet */
  base = lua_gettop(L) - 1;
  o.st = rtk_client_result(u->c, id, &o.res);
  if (o.st == RTK_EINVAL)
    return luaL_error(L, "%s", o.res.error.message);
  lua_pushlightuserdata(L, &o);
  rc = lua_pcall(L, 1, LUA_MULTRET, 0);
  rtk_client_release(u->c, id);
  if (rc != 0)
    return lua_error(L);
  return lua_gettop(L) - base;
}

/* client:cancel(id): stops a transfer and frees it; unknown ids are ignored. */
static int rtk_lua_cancel(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  rtk_client_release(u->c, rtk_check_id(L, 2));
  return 0;
}

/* client:idle() -> seconds since a transfer started, received bytes or ended (rtk_client_idle). */
static int rtk_lua_idle(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rtk_client_idle(rtk_checkud(L, 1)->c));
  return 1;
}

/* client:timeout() -> seconds until libcurl's next timer wants a poll, or nil when it has none. */
static int rtk_lua_timeout(lua_State *L) {
  long ms = rtk_client_timeout(rtk_checkud(L, 1)->c);
  if (ms < 0)
    lua_pushnil(L);
  else
    lua_pushnumber(L, (lua_Number)ms / 1000.0);
  return 1;
}

/* client:running() -> how many started transfers have not finished. */
static int rtk_lua_running(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  lua_pushinteger(L, (lua_Integer)rtk_client_running(u->c));
  return 1;
}

/* client:redact(s) -> s with every occurrence of the token, and every run of at least
 * RTK_REDACT_MIN_PREFIX bytes that the token starts with, replaced by "[REDACTED]". */
static int rtk_lua_redact(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  size_t n, mlen = 0;
  const char *s = luaL_checklstring(L, 2, &n), *end = s + n, *hit;
  luaL_Buffer b;
  hit = rtk_client_find_secret(u->c, s, n, &mlen);
  if (hit == NULL) {
    lua_settop(L, 2);
    return 1;
  }
  luaL_buffinit(L, &b);
  while (hit != NULL) {
    size_t k;
    luaL_addlstring(&b, s, (size_t)(hit - s));
    luaL_addstring(&b, RTK_REDACT_MARKER);
    s = hit + mlen;
    /* What the marker's end would make a match of goes with it (a token that starts with "]"). */
    while ((k = rtk_client_marker_run(u->c, s, (size_t)(end - s))) > 0)
      s += k;
    hit = rtk_client_find_secret(u->c, s, (size_t)(end - s), &mlen);
  }
  luaL_addlstring(&b, s, (size_t)(end - s));
  luaL_pushresult(&b);
  return 1;
}

/* client:token_tail(s) -> how many bytes at the end of s are the start of the token (0 when
 * none): what to drop from a text cut short so that it does not end in part of the token. */
static int rtk_lua_token_tail(lua_State *L) {
  rtk_ud *u = rtk_checkud(L, 1);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  lua_pushinteger(L, (lua_Integer)rtk_client_token_tail(u->c, s, n));
  return 1;
}

static int rtk_lua_user_agent(lua_State *L) {
  lua_pushstring(L, rtk_client_user_agent(rtk_checkud(L, 1)->c));
  return 1;
}

/* close, __gc and __close: idempotent. */
static int rtk_lua_close(lua_State *L) {
  rtk_ud *u = (rtk_ud *)luaL_checkudata(L, 1, RTK_CLIENT_MT);
  rtk_client_free(u->c);
  u->c = NULL;
  return 0;
}

static int rtk_lua_is_closed(lua_State *L) {
  rtk_ud *u = (rtk_ud *)luaL_checkudata(L, 1, RTK_CLIENT_MT);
  lua_pushboolean(L, u->c == NULL);
  return 1;
}

static int rtk_lua_tostring(lua_State *L) {
  rtk_ud *u = (rtk_ud *)luaL_checkudata(L, 1, RTK_CLIENT_MT);
  if (u->c == NULL)
    lua_pushliteral(L, RTK_CLIENT_MT " (closed)");
  else
    lua_pushfstring(L, RTK_CLIENT_MT " (%p)", (void *)u);
  return 1;
}

static const luaL_Reg rtk_client_methods[] = {
  {"request", rtk_lua_request},
  {"start", rtk_lua_start},
  {"poll", rtk_lua_poll},
  {"result", rtk_lua_result},
  {"cancel", rtk_lua_cancel},
  {"running", rtk_lua_running},
  {"idle", rtk_lua_idle},
  {"timeout", rtk_lua_timeout},
  {"redact", rtk_lua_redact},
  {"token_tail", rtk_lua_token_tail},
  {"user_agent", rtk_lua_user_agent},
  {"close", rtk_lua_close},
  {"is_closed", rtk_lua_is_closed},
  {NULL, NULL}
};

static const luaL_Reg rtk_client_meta[] = {
  {"__gc", rtk_lua_close},
  {"__close", rtk_lua_close},
  {"__tostring", rtk_lua_tostring},
  {NULL, NULL}
};

void rtk_lua_client_register(lua_State *L) {
  /* The metatable is registered only once it is whole: a memory error while it is being made
   * leaves nothing behind, and the next require makes it again. One that is registered is
   * kept, so that clients made before a second require stay usable. */
  luaL_getmetatable(L, RTK_CLIENT_MT);
  if (!lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_createtable(L, 0, 6);
  rtk_setfuncs(L, rtk_client_meta, 0);
  rtk_newlib(L, rtk_client_methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "none"); /* no getmetatable() access to the methods table */
  lua_setfield(L, -2, "__metatable");
  lua_pushliteral(L, RTK_CLIENT_MT); /* what luaL_newmetatable sets on 5.3+, for messages */
  lua_setfield(L, -2, "__name");
  lua_setfield(L, LUA_REGISTRYINDEX, RTK_CLIENT_MT);
}
