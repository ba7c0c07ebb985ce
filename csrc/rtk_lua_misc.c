/* rtk_lua_misc.c -- realtimekit.core's functions of no object: sleep, clocks, terminals, the
 * webhook signature check and the token's id. */
#define _POSIX_C_SOURCE 200809L /* isatty */
#include <limits.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

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

/* The bytes of a token's id: the first 8 of its SHA-256, 16 hex digits. Enough to tell the tokens
 * that share one store apart, and far too few to say anything of a token. */
#define RTK_TOKEN_ID_BYTES 8

/* core.token_id(token) -> a text that stands for the token where budgets are kept in a store
 * other programs may read (Redis, a lua_shared_dict): 16 hex digits of SHA-256 over
 * "realtimekit token id\n" and the token. The same token gives the same id in every process;
 * nothing of the token can be read back from it. nil when OpenSSL fails (out of memory). */
int rtk_lua_token_id(lua_State *L) {
  static const char domain[] = "realtimekit token id\n";
  static const char hex[] = "0123456789abcdef";
  size_t n;
  const char *token = luaL_checklstring(L, 1, &n);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  char out[RTK_TOKEN_ID_BYTES * 2];
  int ok = 0;
  size_t i;
  EVP_MD_CTX *ctx;
  /* What fails below (memory running out) leaves its reasons on this thread's OpenSSL error
   * queue: popped back to this mark, so that the next caller of OpenSSL in the thread (the
   * webhook check, libcurl, nginx) finds the queue as it was. */
  (void)ERR_set_mark();
  ctx = EVP_MD_CTX_new();
  if (ctx != NULL)
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
         EVP_DigestUpdate(ctx, domain, sizeof domain - 1) == 1 &&
         EVP_DigestUpdate(ctx, token, n) == 1 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
         mdlen >= RTK_TOKEN_ID_BYTES;
  EVP_MD_CTX_free(ctx);
  (void)ERR_pop_to_mark();
  if (!ok) {
    lua_pushnil(L);
    return 1;
  }
  for (i = 0; i < RTK_TOKEN_ID_BYTES; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  lua_pushlstring(L, out, sizeof out);
  return 1;
}
