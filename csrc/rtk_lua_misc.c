/* rtk_lua_misc.c -- realtimekit.core's functions of no object: sleep, clocks, terminals and
 * the webhook signature check. */
#define _POSIX_C_SOURCE 200809L /* isatty */
#include <limits.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "rtk.h"
#include "rtk_lua.h"

/* core.sleep(seconds): blocks the calling thread; the retry policy's default wait. */
int rtk_lua_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s <= 2147483.0, 1, "seconds must be between 0 and 2147483");
  rtk_sleep((double)s);
  return 0;
}

/* core.verify_rsa_sha256(body, signature_b64, public_key_pem) -> true | false, message, name
 * Whether the signature is the RSA-SHA256 one of body by the key (rtk_verify_rsa_sha256); name
 * is "mismatch", "bad_signature", "bad_key" or "nomem". Raises only for an argument that is not
 * a string. */
int rtk_lua_verify_rsa_sha256(lua_State *L) {
  size_t blen, slen, plen;
  const char *body = luaL_checklstring(L, 1, &blen);
  const char *sig = luaL_checklstring(L, 2, &slen);
  const char *pem = luaL_checklstring(L, 3, &plen);
  rtk_verify_status st = rtk_verify_rsa_sha256(body, blen, sig, slen, pem, plen);
  if (st == RTK_VERIFY_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_pushstring(L, rtk_verify_message(st));
  lua_pushstring(L, rtk_verify_name(st));
  return 3;
}

/* core.monotonic() -> seconds on a clock that never goes back. */
int rtk_lua_monotonic(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rtk_monotonic());
  return 1;
}

/* core.isatty(fd) -> whether the file descriptor is a terminal (POSIX isatty): the realtimekit
 * command draws its progress line on stderr only when it is one. */
int rtk_lua_isatty(lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  lua_pushboolean(L, fd >= 0 && fd <= INT_MAX && isatty((int)fd) == 1);
  return 1;
}
