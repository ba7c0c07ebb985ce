/* rtk_buf.h -- growable byte buffer with a hard size limit (private to the C core). */
#ifndef RTK_BUF_H
#define RTK_BUF_H

#include <stddef.h>

typedef struct rtk_buf {
  char *data;
  size_t len;
  size_t cap;
  size_t limit; /* appends that would pass this many bytes fail */
} rtk_buf;

/* 0 on success, -1 when the limit would be passed or memory ran out (see rtk_buf_toolarge). */
int rtk_buf_reserve(rtk_buf *b, size_t total);
int rtk_buf_append(rtk_buf *b, const char *p, size_t n);
int rtk_buf_toolarge(const rtk_buf *b, size_t n);
void rtk_buf_free(rtk_buf *b);

#endif
