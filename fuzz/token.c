/* token.c -- libFuzzer target: the token finders of the redaction (rtk_client_find_token,
 * rtk_client_find_secret, rtk_client_token_tail, rtk_client_marker_run) against plain loops,
 * and a redaction made with them as the Lua binding makes it.
 *
 * The input is a token, up to the first NUL (at most 64 bytes, no CR or LF), then a text. The
 * finders must give what a byte-by-byte search gives; the redacted text must hold no match
 * but inside a marker (for a token that has none of the marker's "[" in it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The longest run at s[i..n) that the token starts with. */
static size_t run_at(const char *tok, size_t tlen, const char *s, size_t n, size_t i) {
  size_t m = 0;
  while (m < tlen && i + m < n && s[i + m] == tok[m])
    m++;
  return m;
}

static void check_finders(const rtk_client *c, const char *tok, size_t tlen, const char *s,
                          size_t n) {
  size_t i, head = tlen < RTK_REDACT_MIN_PREFIX ? tlen : RTK_REDACT_MIN_PREFIX, len = 0;
  const char *want = NULL, *got;
  size_t want_len = 0, k;
  /* find_token: the first whole token. */
  for (i = 0; i + tlen <= n && want == NULL; i++)
    if (memcmp(s + i, tok, tlen) == 0)
      want = s + i;
  got = rtk_client_find_token(c, s, n, &len);
  if (got != want)
    abort();
  /* find_secret: the first run of at least head bytes (tokens of 4 bytes and more). */
  want = NULL;
  if (tlen >= RTK_REDACT_MIN_TOKEN)
    for (i = 0; i < n && want == NULL; i++) {
      size_t m = run_at(tok, tlen, s, n, i);
      if (m >= head) {
        want = s + i;
        want_len = m;
      }
    }
  len = 0;
  got = rtk_client_find_secret(c, s, n, &len);
  if (got != want || (got != NULL && len != want_len))
    abort();
  /* token_tail: the longest end of s, shorter than the token, that the token starts with. */
  k = 0;
  if (tlen >= RTK_REDACT_MIN_TOKEN)
    for (i = tlen - 1 < n ? tlen - 1 : n; i > 0 && k == 0; i--)
      if (memcmp(s + n - i, tok, i) == 0)
        k = i;
  if (rtk_client_token_tail(c, s, n) != k)
    abort();
}

/* Redacts s as client:redact does; checks what comes out. */
static void check_redaction(const rtk_client *c, const char *tok, size_t tlen, const char *s,
                            size_t n) {
  static const char marker[] = RTK_REDACT_MARKER;
  const size_t mlen = sizeof marker - 1;
  const char *end = s + n, *hit;
  size_t cap = n * (mlen + 1) + 1, len = 0, mcount = 0, mat, i;
  char *out = (char *)malloc(cap);
  size_t *marks = (size_t *)malloc((n + 1) * sizeof *marks);
  if (out == NULL || marks == NULL)
    goto done;
  hit = rtk_client_find_secret(c, s, n, &mat);
  while (hit != NULL) {
    size_t k;
    memcpy(out + len, s, (size_t)(hit - s));
    len += (size_t)(hit - s);
    marks[mcount++] = len;
    memcpy(out + len, marker, mlen);
    len += mlen;
    s = hit + mat;
    while ((k = rtk_client_marker_run(c, s, (size_t)(end - s))) > 0)
      s += k;
    hit = rtk_client_find_secret(c, s, (size_t)(end - s), &mat);
  }
  memcpy(out + len, s, (size_t)(end - s));
  len += (size_t)(end - s);
  if (memchr(tok, '[', tlen) == NULL) {
    /* Any match left lies inside a marker: a token that starts with its end. */
    const char *p = out;
    while ((hit = rtk_client_find_secret(c, p, len - (size_t)(p - out), &mat)) != NULL) {
      size_t at = (size_t)(hit - out);
      int inside = 0;
      for (i = 0; i < mcount && !inside; i++)
        inside = at >= marks[i] && at + mat <= marks[i] + mlen;
      if (!inside)
        abort();
      p = hit + 1;
    }
  }
done:
  free(out);
  free(marks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *nul = (const char *)memchr(data, '\0', size);
  size_t tlen = nul != NULL ? (size_t)(nul - (const char *)data) : size, n;
  char tok[65], *text;
  rtk_options o;
  rtk_status st;
  rtk_client *c;
  if (tlen == 0 || tlen > 64 || nul == NULL || memchr(data, '\r', tlen) != NULL ||
      memchr(data, '\n', tlen) != NULL)
    return 0;
  memcpy(tok, data, tlen);
  tok[tlen] = '\0';
  n = size - tlen - 1;
  text = (char *)malloc(n > 0 ? n : 1); /* exactly the text, so ASan sees a read past it */
  if (text == NULL)
    return 0;
  memcpy(text, nul + 1, n);
  memset(&o, 0, sizeof o);
  o.token = tok;
  c = rtk_client_new(&o, &st);
  if (c != NULL) {
    check_finders(c, tok, tlen, text, n);
    if (tlen >= RTK_REDACT_MIN_TOKEN)
      check_redaction(c, tok, tlen, text, n);
    rtk_client_free(c);
  }
  free(text);
  return 0;
}
