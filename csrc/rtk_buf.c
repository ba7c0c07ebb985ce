/* rtk_buf.c -- growable byte buffer with a hard size limit. */
#include <stdlib.h>
#include <string.h>

#include "rtk_buf.h"

int rtk_buf_toolarge(const rtk_buf *b, size_t n) {
  return n > b->limit || b->len > b->limit - n;
}

int rtk_buf_reserve(rtk_buf *b, size_t total) {
  size_t cap;
  char *p;
  if (total <= b->cap)
    return 0;
  if (total > b->limit)
    return -1;
  cap = b->cap ? b->cap : 256;
  while (cap < total)
    cap = cap > b->limit / 2 ? b->limit : cap * 2;
  /* One spare byte so users of the C API may NUL-terminate in place. */
  p = (char *)realloc(b->data, cap + 1);
  if (p == NULL)
    return -1;
  b->data = p;
  b->cap = cap;
  return 0;
}

int rtk_buf_append(rtk_buf *b, const char *p, size_t n) {
  if (rtk_buf_toolarge(b, n) || rtk_buf_reserve(b, b->len + n) != 0)
    return -1;
  if (n > 0)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void rtk_buf_free(rtk_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
