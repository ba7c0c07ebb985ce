/* headers.c -- libFuzzer target: the response header parser (rtk_on_header) alone, fed the
 * input's lines as libcurl hands them over, one call per line (its LF included), the way a
 * transfer starts it.
 *
 * After each line the stored headers must read back whole: every name made of lower-case token
 * characters, every value free of NUL, CR and LF, each pair ending where the next begins; no
 * more than the limits; and once a line that starts with CR or LF has ended a final response's
 * block, nothing more is taken (a chunked body's trailers are not headers). */
/* First: it sets the POSIX feature macro before any system header. */
#include "../csrc/rtk_client.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const rtk_xfer *x) {
  size_t i;
  if (x->hcount > RTK_MAX_HEADERS || x->hdrs.len > x->hdrs.limit)
    abort();
  for (i = 0; i < x->hcount; i++) {
    const char *name = x->hdrs.data + x->hoff[i], *value, *end, *p;
    end = i + 1 < x->hcount ? x->hdrs.data + x->hoff[i + 1] : x->hdrs.data + x->hdrs.len;
    if (*name == '\0')
      abort();
    for (p = name; *p != '\0'; p++)
      if (!rtk_tchar((unsigned char)*p) || (*p >= 'A' && *p <= 'Z'))
        abort();
    value = p + 1;
    for (p = value; *p != '\0'; p++)
      if (*p == '\r' || *p == '\n')
        abort();
    if (p + 1 != end) /* a NUL inside the pair: it would not read back whole */
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rtk_client c;
  rtk_response res;
  rtk_xfer *x;
  size_t start = 0, i;
  int ended = 0;
  memset(&c, 0, sizeof c);
  c.max_body = 1024 * 1024;
  x = rtk_xfer_new(&c);
  if (x == NULL)
    return 0;
  for (i = 0; i <= size; i++) {
    size_t len, count, before;
    char *line;
    if (i < size && data[i] != '\n')
      continue;
    len = i - start + (i < size ? 1 : 0);
    /* A copy of its own, so that ASan sees any read past the line. */
    line = (char *)malloc(len > 0 ? len : 1);
    if (line == NULL)
      break;
    memcpy(line, data + start, len);
    before = x->hdrs.len;
    count = rtk_on_header(line, 1, len, x);
    if (count != len && count != 0)
      abort();
    if (ended && (x->hdrs.len != before || !x->trailers))
      abort(); /* something was taken after the block ended */
    if (len > 0 && (line[0] == '\r' || line[0] == '\n') && !x->informational)
      ended = 1;
    free(line);
    check(x);
    if (count == 0) /* libcurl stops the transfer */
      break;
    start = i + 1;
  }
  /* The accessors read what was stored: a result's, and the client's "last" ones alike. */
  memset(&res, 0, sizeof res);
  res.header_count = x->hcount;
  res.xfer = x;
  c.current = x;
  for (i = 0; i < x->hcount; i++) {
    const char *n, *v, *cn, *cv;
    if (!rtk_response_header_at(&res, i, &n, &v) || rtk_response_header(&res, n) == NULL ||
        !rtk_client_header_at(&c, i, &cn, &cv) || cn != n || cv != v)
      abort();
  }
  if (rtk_response_header_at(&res, i, NULL, NULL) || rtk_client_header_at(&c, i, NULL, NULL))
    abort();
  rtk_xfer_free(x);
  return 0;
}
