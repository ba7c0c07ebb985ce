/* webhook.c -- libFuzzer target: the webhook signature check (rtk_verify_rsa_sha256) on any
 * bytes.
 *
 * The first byte picks what the rest is: a signature checked against a fixed key and body; a
 * body checked with the key's real signature; a signature and a body, split at the first NUL;
 * or a key (PEM text) with the real signature and body. Whatever the bytes: never a crash, a
 * status that is one of rtk_verify_status, and never RTK_VERIFY_OK unless the body, the
 * signature (padding aside) and the key are the real ones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] =
  "-----BEGIN PUBLIC KEY-----\n"
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAno2pVQwvuMFNYzsdgR2l\n"
  "5aiXn0SfmLJC+C52a9nkJhH5AzKxbUWulhT4z5EF29XAxax0+IsFdX2AYYBRCx/T\n"
  "b0gIBztOVuVv0hZh5gPDTsyzzl1K14YMrnQn0gYXkPuHGNHNfVpbGkW1QSEsMO8W\n"
  "0BaTgOimJPLzeR7oHkQGejnRTJzPK4HboI6L9TrUY9zCjsoPslrDHV7jVvD3kkhC\n"
  "d3u/ARj++nEA2PnmYy45JSP3iUZMw2b2t5UhLfJY9/6Kv7m+V4SSh5KQD7qaF1rn\n"
  "dylj4KVaJnzgx2Mm8btM9r3kOd8CBb6mJX9wyOV5bNEhdd0vR5jbi4szg8fIadR1\n"
  "mwIDAQAB\n"
  "-----END PUBLIC KEY-----\n";
static const char sig[] =
  "dKMd43isFnBPG/VG14BaYX1P99Ceuq0JTzFzTd3DWykJVph94qr+ObNy2B2bQyjkllH68wkmcu46z6t0OftrxHzv"
  "4ZRqp+xyspKdIKXI2sLX17flfyIsyHGWcr2k1XR2WuzAV3NBi65xfrwEsNMNrbReMt3y6c199e0//t32sbO1EKEY"
  "QVfY+4hCjfhZrcUF/SihCGrsd6y0c589TQ2I97GsChMKar0xozqHCZsy8UwLq/0r9UzI0GveAGXAskFG5LIyTEXY"
  "IN8puSUfDAjZjPTOZzGxijq3KT9CnPvq9Ick06AEoMJDiYR65NOzvbqn1YoPwryGL+O8sJI5YhPCMA==";
static const char body[] = "{\"event\":\"x\"}";

/* Whether s (n bytes) is the real signature, with or without its padding. */
static int real_sig(const char *s, size_t n) {
  size_t len = sizeof sig - 1;
  while (len > 0 && sig[len - 1] == '=')
    len--;
  while (n > 0 && s[n - 1] == '=')
    n--;
  return n == len && memcmp(s, sig, len) == 0;
}

static int real_body(const char *b, size_t n) {
  return n == sizeof body - 1 && memcmp(b, body, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready = 0;
  const char *rest = (const char *)data + 1, *nul;
  size_t n = size > 0 ? size - 1 : 0;
  char *copy;
  rtk_verify_status st;
  int may_pass;
  if (!ready) {
    if (rtk_verify_init() != RTK_VERIFY_OK)
      abort();
    ready = 1;
  }
  if (size == 0)
    return 0;
  /* A copy of exactly the bytes given, so that ASan sees any read past them. */
  copy = (char *)malloc(n > 0 ? n : 1);
  if (copy == NULL)
    return 0;
  memcpy(copy, rest, n);
  switch (data[0] % 4) {
  case 0:
    st = rtk_verify_rsa_sha256(body, sizeof body - 1, copy, n, key, sizeof key - 1);
    may_pass = real_sig(copy, n);
    break;
  case 1:
    st = rtk_verify_rsa_sha256(copy, n, sig, sizeof sig - 1, key, sizeof key - 1);
    may_pass = real_body(copy, n);
    break;
  case 2:
    nul = (const char *)memchr(copy, '\0', n);
    if (nul == NULL)
      nul = copy + n;
    st = rtk_verify_rsa_sha256(nul < copy + n ? nul + 1 : nul,
                               nul < copy + n ? (size_t)(copy + n - nul - 1) : 0, copy,
                               (size_t)(nul - copy), key, sizeof key - 1);
    may_pass = real_sig(copy, (size_t)(nul - copy)) &&
               real_body(nul < copy + n ? nul + 1 : nul,
                         nul < copy + n ? (size_t)(copy + n - nul - 1) : 0);
    break;
  default:
    st = rtk_verify_rsa_sha256(body, sizeof body - 1, sig, sizeof sig - 1, copy, n);
    may_pass = 1; /* another text of the same key (other line breaks, say) */
    break;
  }
  free(copy);
  if (st != RTK_VERIFY_OK && st != RTK_VERIFY_MISMATCH && st != RTK_VERIFY_BAD_SIGNATURE &&
      st != RTK_VERIFY_BAD_KEY && st != RTK_VERIFY_NOMEM)
    abort();
  if (st == RTK_VERIFY_OK && !may_pass)
    abort();
  return 0;
}
