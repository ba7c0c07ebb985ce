/* rtk_client.c -- the plain C client: a libcurl multi handle, an easy handle per transfer. */
#define _POSIX_C_SOURCE 200809L /* nanosleep, clock_gettime, poll */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "rtk.h"
#include "rtk_buf.h"

#define RTK_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define RTK_DEFAULT_TIMEOUT_MS 60000L
#define RTK_DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)
#define RTK_MAX_HEADER_BYTES ((size_t)256 * 1024)
#define RTK_MAX_HEADERS 512
#define RTK_KEEP_BUFFER ((size_t)1024 * 1024) /* a slot keeps a body buffer up to this size */
/* Sockets a client's socket hook can watch at once: each transfer has a connection, or two
 * being tried at once (happy eyeballs), and a name being resolved (the threaded resolver's
 * socket pair); HTTP/2 transfers share theirs. */
#define RTK_MAX_SOCKETS ((size_t)4 * RTK_MAX_TRANSFERS)

enum { RTK_SLOT_FREE, RTK_SLOT_RUNNING, RTK_SLOT_DONE };

/* Which limit stopped a transfer. */
enum { RTK_TOOLARGE_NONE, RTK_TOOLARGE_BODY, RTK_TOOLARGE_HEADER_BYTES, RTK_TOOLARGE_HEADERS };

/* One transfer: its buffers, and an easy handle while it runs. Slots are made on demand and
 * reused, so the buffers of a walk are allocated once; the easy handle is not (see
 * rtk_easy_new). */
typedef struct rtk_xfer {
  rtk_client *c;
  CURL *easy;        /* NULL unless the transfer is running */
  struct curl_slist *headers; /* this request's, wiped and freed when it ends */
  rtk_buf body;
  rtk_buf hdrs;      /* "name\0value\0" pairs of the response */
  size_t hoff[RTK_MAX_HEADERS]; /* offset of each pair's name in hdrs */
  size_t hcount;
  int informational; /* the last status line was a 1xx one: another response follows */
  int trailers;      /* the final response's header block has ended: what follows is trailers */
  int stored;        /* the last header line was stored: a folded line after it continues it */
  int toolarge;      /* set by the callbacks when a limit stopped the transfer: RTK_TOOLARGE_* */
  int nomem;
  int state;
  int reported;      /* its end was handed out by rtk_client_poll */
  unsigned id;
  rtk_status result;
  long status;
  const char *errname;
  char errmsg[CURL_ERROR_SIZE + 64];
  char errbuf[CURL_ERROR_SIZE];
} rtk_xfer;

struct rtk_client {
  CURLM *multi;      /* owns the connection cache every transfer shares */
  CURLSH *share;     /* the TLS session cache every transfer shares */
  char *auth;        /* "Authorization: Bearer <token>"; wiped before it is freed */
  char *user_agent;
  char *ca_file;
  long connect_timeout_ms;
  long timeout_ms;
  size_t max_body;
  rtk_xfer *slots[RTK_MAX_TRANSFERS];
  size_t nslots;
  unsigned next_id;
  rtk_xfer *current;  /* the transfer whose response the accessors read */
  rtk_xfer *blocking; /* the last transfer of rtk_client_request, kept until the next one */
  const char *errname;
  char errmsg[CURL_ERROR_SIZE + 64];
  size_t received;    /* bytes of responses received, headers included, ever */
  double active_at;   /* when a transfer last started, received bytes or ended (rtk_monotonic) */
  rtk_socket_hook socket_hook; /* NULL: the client is driven with curl_multi_perform */
  void *socket_ud;
  rtk_timer_hook timer_hook;
  void *timer_ud;
  long timer_told;    /* what the timer hook was last told (-1: no timer) */
  struct rtk_sock {
    int fd;
    int events;       /* RTK_EV_IN | RTK_EV_OUT */
  } socks[RTK_MAX_SOCKETS]; /* the sockets libcurl wants watched, while a socket hook is set */
  size_t nsocks;
};

/* The only mutable file-scope state: libcurl's global init runs once per process. */
static int rtk_curl_ready = 0;

/* Called through a volatile pointer so the compiler cannot drop the wipe of a buffer about to be
 * freed. */
static void *(*const volatile rtk_wipe_fn)(void *, int, size_t) = memset;

static void rtk_wipe_free(char *p) {
  if (p != NULL) {
    rtk_wipe_fn(p, 0, strlen(p));
    free(p);
  }
}

/* Frees a header list whose lines may hold the token: each line is wiped first. libcurl's own
 * internal copies of the request are out of our reach. */
static void rtk_slist_free_wiped(struct curl_slist *l) {
  struct curl_slist *n;
  for (n = l; n != NULL; n = n->next)
    rtk_wipe_fn(n->data, 0, strlen(n->data));
  curl_slist_free_all(l);
}

static char *rtk_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = (char *)malloc(n);
  if (p != NULL)
    memcpy(p, s, n);
  return p;
}

rtk_status rtk_global_init(void) {
  if (!rtk_curl_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      return RTK_ENOMEM;
    rtk_curl_ready = 1;
  }
  return RTK_OK;
}

void rtk_sleep(double seconds) {
  struct timespec ts, rest;
  if (!(seconds > 0))
    return;
  if (seconds > 2147483.0)
    seconds = 2147483.0;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  if (ts.tv_nsec > 999999999L)
    ts.tv_nsec = 999999999L;
  /* A signal handled by the host program cuts the sleep short; sleep the rest. */
  while (nanosleep(&ts, &rest) != 0 && errno == EINTR)
    ts = rest;
}

double rtk_monotonic(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0.0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *rtk_curl_version(void) {
  return curl_version_info(CURLVERSION_NOW)->version;
}

const char *rtk_curl_resolver(void) {
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  if (!(v->features & CURL_VERSION_ASYNCHDNS))
    return "blocking";
  return v->ares != NULL ? "c-ares" : "threaded";
}

const char *rtk_status_kind(rtk_status s) {
  switch (s) {
  case RTK_OK: return "ok";
  case RTK_ENETWORK: return "network";
  case RTK_ETIMEOUT: return "timeout";
  case RTK_ETLS: return "tls";
  case RTK_ETOOLARGE: return "too_large";
  case RTK_ENOMEM: return "nomem";
  case RTK_EINVAL: return "invalid";
  case RTK_EBUSY: return "busy";
  }
  return "network";
}

/* Stable names for the CURLcodes a request can end with; others map to "CURL_ERROR". */
#define RTK_CURL_CODES(X)                                                                          \
  X(UNSUPPORTED_PROTOCOL) X(URL_MALFORMAT) X(COULDNT_RESOLVE_PROXY) X(COULDNT_RESOLVE_HOST)        \
  X(COULDNT_CONNECT) X(WEIRD_SERVER_REPLY) X(HTTP2) X(PARTIAL_FILE) X(WRITE_ERROR)                 \
  X(OUT_OF_MEMORY) X(OPERATION_TIMEDOUT) X(SSL_CONNECT_ERROR) X(GOT_NOTHING) X(SEND_ERROR)         \
  X(RECV_ERROR) X(SSL_CERTPROBLEM) X(SSL_CIPHER) X(PEER_FAILED_VERIFICATION)                       \
  X(BAD_CONTENT_ENCODING) X(SSL_CACERT_BADFILE) X(SSL_SHUTDOWN_FAILED) X(SSL_CRL_BADFILE)          \
  X(SSL_ISSUER_ERROR) X(HTTP2_STREAM) X(SSL_PINNEDPUBKEYNOTMATCH) X(SSL_INVALIDCERTSTATUS)         \
  X(SSL_ENGINE_NOTFOUND) X(SSL_ENGINE_SETFAILED) X(SSL_ENGINE_INITFAILED) X(USE_SSL_FAILED)        \
  X(ABORTED_BY_CALLBACK) X(FAILED_INIT) X(BAD_FUNCTION_ARGUMENT) X(NOT_BUILT_IN)

static const char *rtk_curl_name(CURLcode rc) {
  switch (rc) {
#define RTK_CURL_CASE(name) case CURLE_##name: return #name;
    RTK_CURL_CODES(RTK_CURL_CASE)
#undef RTK_CURL_CASE
  default: return "CURL_ERROR";
  }
}

static rtk_status rtk_curl_status(CURLcode rc) {
  switch (rc) {
  case CURLE_OK: return RTK_OK;
  case CURLE_OPERATION_TIMEDOUT: return RTK_ETIMEOUT;
  case CURLE_OUT_OF_MEMORY: return RTK_ENOMEM;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    return RTK_ETLS;
  default:
    return RTK_ENETWORK;
  }
}

/* A call fails before any transfer holds its outcome: why goes to *e, whose strings must stay
 * valid for ever (literals, curl_easy_strerror's), and to what rtk_client_errmsg reads. */
static rtk_status rtk_fail(rtk_client *c, rtk_error *e, rtk_status s, const char *name,
                           const char *msg) {
  e->name = name;
  e->message = msg;
  c->errname = name;
  (void)snprintf(c->errmsg, sizeof c->errmsg, "%s", msg);
  return s;
}

static void rtk_xfer_fail(rtk_xfer *x, rtk_status s, const char *name, const char *msg) {
  x->result = s;
  x->errname = name;
  (void)snprintf(x->errmsg, sizeof x->errmsg, "%s", msg);
}

static size_t rtk_on_body(char *p, size_t size, size_t n, void *ud) {
  rtk_xfer *x = (rtk_xfer *)ud;
  size_t len = size * n;
  x->c->received += len;
  if (rtk_buf_append(&x->body, p, len) != 0) {
    if (rtk_buf_toolarge(&x->body, len))
      x->toolarge = RTK_TOOLARGE_BODY;
    else
      x->nomem = 1;
    return 0; /* a short count makes libcurl stop with CURLE_WRITE_ERROR */
  }
  return len;
}

/* Pre-sizes the body buffer from Content-Length, so a body is copied once into it and never
 * moved by a realloc. A length above the limit stops the transfer before any of the body. */
static int rtk_presize(rtk_xfer *x, const char *v) {
  char *end;
  unsigned long long n;
  if (!isdigit((unsigned char)*v))
    return 0;
  n = strtoull(v, &end, 10);
  if (n > (unsigned long long)x->body.limit) {
    x->toolarge = RTK_TOOLARGE_BODY;
    return -1;
  }
  rtk_buf_reserve(&x->body, (size_t)n); /* best effort: a failure here only costs reallocs */
  return 0;
}

/* Whether the status line at p (len bytes, "HTTP/<version> <code> ...") has a 1xx code. */
static int rtk_informational(const char *p, size_t len) {
  size_t i = 5;
  while (i < len && p[i] != ' ')
    i++;
  while (i < len && p[i] == ' ')
    i++;
  return i + 3 <= len && p[i] == '1' && isdigit((unsigned char)p[i + 1]) &&
         isdigit((unsigned char)p[i + 2]);
}

/* Whether c may be in a header's name: RFC 9110's token characters. */
static int rtk_tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Appends the value at v (vlen bytes) to the response's headers, with NUL, CR and LF each made
 * a space, as RFC 9110 (5.5) has a recipient do; then the terminating NUL. */
static void rtk_put_value(rtk_xfer *x, const char *v, size_t vlen) {
  char *out = x->hdrs.data + x->hdrs.len;
  size_t i;
  memcpy(out, v, vlen);
  for (i = 0; i < vlen; i++)
    if (out[i] == '\0' || out[i] == '\r' || out[i] == '\n')
      out[i] = ' ';
  out[vlen] = '\0';
  x->hdrs.len += vlen + 1;
}

/* Makes room for n more bytes of headers, or records why there is none. */
static int rtk_hdrs_room(rtk_xfer *x, size_t n) {
  if (rtk_buf_reserve(&x->hdrs, x->hdrs.len + n) == 0)
    return 1;
  if (rtk_buf_toolarge(&x->hdrs, n))
    x->toolarge = RTK_TOOLARGE_HEADER_BYTES;
  else
    x->nomem = 1;
  return 0;
}

static size_t rtk_on_header(char *p, size_t size, size_t n, void *ud) {
  rtk_xfer *x = (rtk_xfer *)ud;
  size_t len = size * n, nlen, vlen, start, i;
  const char *colon, *v, *end;
  int stored = x->stored;

  x->c->received += len;
  x->stored = 0;
  /* After the final response's header block, libcurl hands over a chunked body's trailer lines
   * here too, whatever they look like (even "HTTP/..."). They are not the response's headers:
   * none of them may replace a header, frame the body or wipe it. */
  if (x->trailers)
    return len;
  /* A line that starts with CR or LF ends the block, whatever follows on it: libcurl reads it
   * so, and what libcurl takes for the body (or a chunked body's trailers) must not be read
   * here as headers. */
  if (len == 0 || p[0] == '\r' || p[0] == '\n') {
    /* After a 1xx block another response follows; after any other, only trailers can. (A
     * proxy's CONNECT reply never comes here: SUPPRESS_CONNECT_HEADERS.) */
    if (!x->informational)
      x->trailers = 1;
    return len;
  }
  end = p + len;
  while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
    end--;
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    /* A new status line (after a 1xx one): keep only the final response. */
    x->hdrs.len = 0;
    x->hcount = 0;
    x->body.len = 0;
    x->informational = rtk_informational(p, len);
    return len;
  }
  if (p[0] == ' ' || p[0] == '\t') {
    /* An obsolete line folding (RFC 9112, 5.2): the line continues the header stored just
     * before it, joined by a space; after anything else it means nothing. */
    v = p;
    while (v < end && (*v == ' ' || *v == '\t'))
      v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
      end--;
    if (!stored || v == end)
      return len;
    vlen = (size_t)(end - v);
    if (!rtk_hdrs_room(x, vlen + 1))
      return 0;
    x->hdrs.data[x->hdrs.len - 1] = ' '; /* was the value's NUL, the last byte of hdrs */
    rtk_put_value(x, v, vlen);
    x->stored = 1;
    return len;
  }
  /* "Name: value", the name made of token characters only; other lines (a NUL or a space in
   * the name, no colon) are not headers and are skipped. */
  for (colon = p; colon < end && rtk_tchar((unsigned char)*colon); colon++) {
  }
  if (colon == p || colon == end || *colon != ':')
    return len;
  if (x->hcount == RTK_MAX_HEADERS) {
    x->toolarge = RTK_TOOLARGE_HEADERS;
    return 0;
  }
  nlen = (size_t)(colon - p);
  v = colon + 1;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  vlen = (size_t)(end - v);

  start = x->hdrs.len;
  if (!rtk_hdrs_room(x, nlen + vlen + 2))
    return 0;
  for (i = 0; i < nlen; i++)
    x->hdrs.data[start + i] = (char)tolower((unsigned char)p[i]);
  x->hdrs.data[start + nlen] = '\0';
  x->hdrs.len = start + nlen + 1;
  rtk_put_value(x, v, vlen);
  x->hoff[x->hcount++] = start;
  x->stored = 1;

  if (nlen == 14 && memcmp(x->hdrs.data + start, "content-length", 14) == 0 &&
      rtk_presize(x, x->hdrs.data + start + nlen + 1) != 0)
    return 0;
  return len;
}

/* Whether header line h ("Name: value") has the given lower-case name. */
static int rtk_header_is(const char *h, const char *name) {
  size_t i;
  for (i = 0; name[i] != '\0'; i++)
    if (tolower((unsigned char)h[i]) != name[i])
      return 0;
  return h[i] == ':';
}

/* A header line we send must be "Name: value" on one line, its name made of token characters
 * (so that nothing but the colon ends it: "Authorization :" is not another name), and must not
 * replace our auth. */
static int rtk_header_ok(const char *h) {
  const char *colon = h;
  while (rtk_tchar((unsigned char)*colon))
    colon++;
  return colon != h && *colon == ':' && strpbrk(h, "\r\n") == NULL &&
         !rtk_header_is(h, "authorization");
}

static int rtk_url_ok(const char *url) {
  const unsigned char *p;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return 0;
  for (p = (const unsigned char *)url; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f)
      return 0;
  return 1;
}

rtk_client *rtk_client_new(const rtk_options *opts, rtk_status *err) {
  rtk_client *c;
  rtk_status dummy;
  if (err == NULL)
    err = &dummy;
  if (opts == NULL ||
      (opts->token != NULL && (opts->token[0] == '\0' || strpbrk(opts->token, "\r\n") != NULL)) ||
      opts->connect_timeout_ms < 0 || opts->timeout_ms < 0) {
    *err = RTK_EINVAL;
    return NULL;
  }
  if ((*err = rtk_global_init()) != RTK_OK)
    return NULL;
  c = (rtk_client *)calloc(1, sizeof *c);
  if (c == NULL) {
    *err = RTK_ENOMEM;
    return NULL;
  }
  c->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms
                                                   : RTK_DEFAULT_CONNECT_TIMEOUT_MS;
  c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : RTK_DEFAULT_TIMEOUT_MS;
  c->max_body = opts->max_body ? opts->max_body : RTK_DEFAULT_MAX_BODY;
  c->errname = "";
  c->timer_told = -1;

  if (opts->token != NULL) {
    size_t n = strlen(opts->token) + sizeof "Authorization: Bearer ";
    c->auth = (char *)malloc(n);
    if (c->auth != NULL)
      (void)snprintf(c->auth, n, "Authorization: Bearer %s", opts->token);
  }
  if (opts->user_agent != NULL) {
    c->user_agent = rtk_strdup(opts->user_agent);
  } else {
    char ua[128];
    (void)snprintf(ua, sizeof ua, "realtimekit-c/%s (libcurl/%s)", RTK_VERSION,
                   rtk_curl_version());
    c->user_agent = rtk_strdup(ua);
  }
  if (opts->ca_file != NULL)
    c->ca_file = rtk_strdup(opts->ca_file);
  c->multi = curl_multi_init();
  c->share = curl_share_init();
  if ((opts->token != NULL && c->auth == NULL) || c->user_agent == NULL || c->multi == NULL ||
      c->share == NULL || (opts->ca_file != NULL && c->ca_file == NULL) ||
      /* Parallel transfers to an HTTP/2 server share one connection. */
      curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
      /* A new connection resumes the TLS session of an earlier one, whichever transfer made
       * it (each has an easy handle of its own). No lock: a client is used by one thread. */
      curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
    rtk_client_free(c);
    *err = RTK_ENOMEM;
    return NULL;
  }
  *err = RTK_OK;
  return c;
}

/* A new transfer slot: its buffers, which later transfers in the slot reuse. */
static rtk_xfer *rtk_xfer_new(rtk_client *c) {
  rtk_xfer *x = (rtk_xfer *)calloc(1, sizeof *x);
  if (x == NULL)
    return NULL;
  x->c = c;
  x->body.limit = c->max_body;
  x->hdrs.limit = RTK_MAX_HEADER_BYTES;
  x->errname = "";
  return x;
}

/* Ends the slot's easy handle, if it has one: out of the multi handle (which keeps the
 * connection for later transfers) and freed. */
static void rtk_easy_end(rtk_xfer *x) {
  if (x->easy == NULL)
    return;
  /* It fails only for a handle that is not in the multi handle, which is then fine. */
  (void)curl_multi_remove_handle(x->c->multi, x->easy);
  curl_easy_cleanup(x->easy);
  x->easy = NULL;
}

static void rtk_xfer_free(rtk_xfer *x) {
  if (x == NULL)
    return;
  rtk_easy_end(x);
  rtk_slist_free_wiped(x->headers);
  rtk_buf_free(&x->body);
  rtk_buf_free(&x->hdrs);
  free(x);
}

/* libcurl's read callback, for a body it has no copy of. It never has to be called (a body is
 * always copied with CURLOPT_COPYPOSTFIELDS); its default reads the process's standard input,
 * which must never go to a server. */
static size_t rtk_no_read(char *p, size_t size, size_t n, /* NOLINT: libcurl's type */
                          void *ud) {
  (void)p;
  (void)size;
  (void)n;
  (void)ud;
  return CURL_READFUNC_ABORT;
}

static int rtk_method_ok(const char *m) {
  static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
  size_t i;
  for (i = 0; methods[i] != NULL; i++)
    if (strcmp(m, methods[i]) == 0)
      return 1;
  return 0;
}

/* Builds this request's header list. Returns NULL when out of memory. */
static struct curl_slist *rtk_request_headers(const rtk_client *c, const rtk_request *req,
                                              int sends_body) {
  struct curl_slist *l = NULL, *t;
  const char *const *h;
  int has_type = 0;
#define RTK_ADD(s)                                                                                 \
  do {                                                                                             \
    if ((t = curl_slist_append(l, (s))) == NULL)                                                   \
      goto oom;                                                                                    \
    l = t;                                                                                         \
  } while (0)
  if (c->auth != NULL)
    RTK_ADD(c->auth);
  RTK_ADD("Accept: application/json");
  RTK_ADD("Expect:"); /* no 100-continue round trip before a body */
  for (h = req->headers; h != NULL && *h != NULL; h++) {
    if (rtk_header_is(*h, "content-type"))
      has_type = 1;
    RTK_ADD(*h);
  }
  if (!has_type)
    /* An empty value removes the form-urlencoded type libcurl would put on a bodiless POST. */
    RTK_ADD(sends_body && req->body != NULL ? "Content-Type: application/json" : "Content-Type:");
  return l;
#undef RTK_ADD
oom:
  rtk_slist_free_wiped(l);
  return NULL;
}

static rtk_xfer *rtk_find(const rtk_client *c, unsigned id) {
  size_t i;
  for (i = 0; i < c->nslots; i++)
    if (c->slots[i]->state != RTK_SLOT_FREE && c->slots[i]->id == id)
      return c->slots[i];
  return NULL;
}

/* Ends a transfer libcurl reported done: its outcome; its easy handle is freed. */
static void rtk_finish(rtk_xfer *x, CURLcode rc) {
  long status = 0;
  if (rc == CURLE_OK && curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
    status = -1;
  rtk_easy_end(x);
  rtk_slist_free_wiped(x->headers);
  x->headers = NULL;
  x->state = RTK_SLOT_DONE;
  if (rc == CURLE_OK && status >= 100 && status <= 999) {
    x->status = status;
    x->result = RTK_OK;
  } else if (rc == CURLE_OK) {
    /* libcurl takes some status lines whose code is no HTTP status ("HTTP -1", say). */
    rtk_xfer_fail(x, RTK_ENETWORK, "WEIRD_SERVER_REPLY",
                  "the response's status code is not a number from 100 to 999");
  } else if (x->toolarge == RTK_TOOLARGE_HEADERS) {
    char msg[96];
    (void)snprintf(msg, sizeof msg, "response with more than %d header fields",
                   RTK_MAX_HEADERS);
    rtk_xfer_fail(x, RTK_ETOOLARGE, "TOO_MANY_HEADERS", msg);
  } else if (x->toolarge == RTK_TOOLARGE_HEADER_BYTES) {
    char msg[96];
    (void)snprintf(msg, sizeof msg, "response headers larger than the limit of %lu bytes",
                   (unsigned long)x->hdrs.limit);
    rtk_xfer_fail(x, RTK_ETOOLARGE, "HEADERS_TOO_LARGE", msg);
  } else if (x->toolarge) {
    char msg[96];
    (void)snprintf(msg, sizeof msg, "response larger than the limit of %lu bytes",
                   (unsigned long)x->body.limit);
    rtk_xfer_fail(x, RTK_ETOOLARGE, "RESPONSE_TOO_LARGE", msg);
  } else if (x->nomem) {
    rtk_xfer_fail(x, RTK_ENOMEM, "OUT_OF_MEMORY", "out of memory");
  } else {
    rtk_xfer_fail(x, rtk_curl_status(rc), rtk_curl_name(rc),
                  x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
  }
}

/* Moves every transfer libcurl has finished to the done state. */
static void rtk_collect(rtk_client *c) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
    void *priv = NULL;
    if (m->msg == CURLMSG_DONE &&
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv) == CURLE_OK && priv != NULL)
      rtk_finish((rtk_xfer *)priv, m->data.result);
  }
}

/* libcurl could not drive the transfers (out of memory, say): each one still running ends with
 * that failure, rather than leave a caller waiting for one that may not progress. */
static void rtk_multi_failed(rtk_client *c, CURLMcode mc) {
  size_t i;
  for (i = 0; i < c->nslots; i++) {
    rtk_xfer *x = c->slots[i];
    if (x->state != RTK_SLOT_RUNNING)
      continue;
    rtk_easy_end(x);
    rtk_slist_free_wiped(x->headers);
    x->headers = NULL;
    x->state = RTK_SLOT_DONE;
    if (mc == CURLM_OUT_OF_MEMORY)
      rtk_xfer_fail(x, RTK_ENOMEM, "OUT_OF_MEMORY", "out of memory");
    else
      rtk_xfer_fail(x, RTK_ENETWORK, "CURL_ERROR", curl_multi_strerror(mc));
  }
}

/* Whether a request to url goes to its host directly, with no HTTP proxy taking the whole URL:
 * an https:// one always does (a proxy only tunnels it), an http:// one unless libcurl's proxy
 * variables are set (we set no proxy ourselves). */
static int rtk_direct(const char *url) {
  static const char *const vars[] = {"http_proxy", "all_proxy", "ALL_PROXY", NULL};
  size_t i;
  if (strncmp(url, "https://", 8) == 0)
    return 1;
  for (i = 0; vars[i] != NULL; i++) {
    const char *v = getenv(vars[i]);
    if (v != NULL && v[0] != '\0')
      return 0;
  }
  return 1;
}

/* The origin-form request target of url, its path and query ("/" for none), in out (room for
 * strlen(url) + 2 bytes). */
static void rtk_origin_form(const char *url, char *out) {
  const char *p = strstr(url, "://") + 3;
  size_t n;
  p += strcspn(p, "/?#");
  n = strcspn(p, "#");
  if (n == 0 || p[0] == '?')
    *out++ = '/';
  memcpy(out, p, n);
  out[n] = '\0';
}

/* Sets an option on the easy handle being made, or jumps to its failure (rtk_easy_new). */
#define RTK_SET(opt, value)                                                                        \
  do {                                                                                             \
    if ((rc = curl_easy_setopt(e, (opt), (value))) != CURLE_OK)                                    \
      goto fail;                                                                                   \
  } while (0)

/* Makes x->easy, the easy handle of the transfer, with every option set; or fails the start.
 *
 * Each transfer has a new one, freed when it ends. libcurl 7.88 and older keep state of the last
 * response in the easy handle that the next transfer on it may read after it was freed (a
 * response whose first header line is folded makes libcurl unfold it onto the previous
 * response's last header: curl issue #11101, fixed in 8.1.0); a new handle has no previous
 * response. The connections, which outlive the handle in the multi handle's cache, and the TLS
 * sessions (c->share) are reused all the same.
 *
 * Every setting is checked: one that does not take (its copy could not be allocated, say) must
 * not leave a request that goes out otherwise, such as a PUT sent as a POST or a body read from
 * the standard input. */
static rtk_status rtk_easy_new(rtk_client *c, rtk_xfer *x, const rtk_request *req,
                               int sends_body, rtk_error *err) {
  CURL *e = curl_easy_init();
  CURLcode rc = CURLE_OUT_OF_MEMORY;
  CURLMcode mc;
  if (e == NULL)
    goto fail;
  RTK_SET(CURLOPT_PRIVATE, (void *)x);
  RTK_SET(CURLOPT_SHARE, c->share);
  RTK_SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in a host program */
  RTK_SET(CURLOPT_FOLLOWLOCATION, 0L); /* a redirect could carry the token away */
#if LIBCURL_VERSION_NUM >= 0x075500
  RTK_SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  RTK_SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  RTK_SET(CURLOPT_SSL_VERIFYPEER, 1L);
  RTK_SET(CURLOPT_SSL_VERIFYHOST, 2L);
  if (c->ca_file != NULL)
    RTK_SET(CURLOPT_CAINFO, c->ca_file);
  RTK_SET(CURLOPT_USERAGENT, c->user_agent);
  RTK_SET(CURLOPT_ACCEPT_ENCODING, ""); /* whatever libcurl can decode */
  RTK_SET(CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075700
  /* A transfer that times out or is cancelled while its name is being resolved leaves the
   * resolver's thread to finish by itself, instead of waiting (blocking the caller) until
   * getaddrinfo returns. A libcurl older than the headers it was built with lacks it: fine. */
  if ((rc = curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L)) != CURLE_OK &&
      rc != CURLE_UNKNOWN_OPTION)
    goto fail;
#endif
  RTK_SET(CURLOPT_ERRORBUFFER, x->errbuf);
  RTK_SET(CURLOPT_WRITEFUNCTION, rtk_on_body);
  RTK_SET(CURLOPT_WRITEDATA, (void *)x);
  RTK_SET(CURLOPT_HEADERFUNCTION, rtk_on_header);
  RTK_SET(CURLOPT_HEADERDATA, (void *)x);
  RTK_SET(CURLOPT_READFUNCTION, rtk_no_read);
#if LIBCURL_VERSION_NUM >= 0x073600
  /* A proxy's CONNECT reply is not the API's response: its headers stay out of ours, and the
   * header callback sees only the API's status lines (see rtk_on_header). */
  RTK_SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
#endif

  RTK_SET(CURLOPT_URL, req->url);
  /* libcurl before 8.18 sends a request without its query when its own copy of the query cannot
   * be allocated (url.c ignores that failure): a GET of another page, say. The query goes in
   * the request target given here as well, unless an HTTP proxy may take the request, which
   * is sent the whole URL, made (with every step checked) from the parsed one. */
  if (strchr(req->url, '?') != NULL && rtk_direct(req->url)) {
    char *target = (char *)malloc(strlen(req->url) + 2);
    rc = CURLE_OUT_OF_MEMORY;
    if (target == NULL)
      goto fail;
    rtk_origin_form(req->url, target);
    rc = curl_easy_setopt(e, CURLOPT_REQUEST_TARGET, target);
    free(target);
    if (rc != CURLE_OK)
      goto fail;
  }
  /* Over TLS, wait for a connection that may multiplex (HTTP/2) rather than open another one
   * beside it; plain HTTP is HTTP/1.1 here, where waiting would only serialise. */
  RTK_SET(CURLOPT_PIPEWAIT, strncmp(req->url, "https://", 8) == 0 ? 1L : 0L);
  RTK_SET(CURLOPT_HTTPHEADER, x->headers);
  RTK_SET(CURLOPT_CONNECTTIMEOUT_MS,
          req->connect_timeout_ms ? req->connect_timeout_ms : c->connect_timeout_ms);
  RTK_SET(CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : c->timeout_ms);
  if (sends_body) {
    RTK_SET(CURLOPT_POST, 1L);
    RTK_SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body != NULL ? req->body_len : 0));
    RTK_SET(CURLOPT_COPYPOSTFIELDS, req->body != NULL ? req->body : "");
  } else {
    RTK_SET(CURLOPT_HTTPGET, 1L);
  }
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
    RTK_SET(CURLOPT_CUSTOMREQUEST, req->method);
  /* rtk_connection in rtk.h: by default POST and PATCH get a connection of their own, which
   * libcurl never re-sends on; the caller may decide otherwise (the Lua layer always does). */
  if (req->connection == RTK_CONNECTION_NEW ||
      (req->connection == RTK_CONNECTION_DEFAULT &&
       (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0)))
    RTK_SET(CURLOPT_FRESH_CONNECT, 1L);

  if ((mc = curl_multi_add_handle(c->multi, e)) != CURLM_OK) {
    curl_easy_cleanup(e);
    if (mc == CURLM_OUT_OF_MEMORY)
      return rtk_fail(c, err, RTK_ENOMEM, "OUT_OF_MEMORY", "out of memory");
    return rtk_fail(c, err, RTK_ENETWORK, "CURL_ERROR", curl_multi_strerror(mc));
  }
  x->easy = e;
  return RTK_OK;

fail:
  curl_easy_cleanup(e); /* NULL is fine */
  if (rc == CURLE_OUT_OF_MEMORY)
    return rtk_fail(c, err, RTK_ENOMEM, "OUT_OF_MEMORY", "out of memory");
  return rtk_fail(c, err, rtk_curl_status(rc), rtk_curl_name(rc), curl_easy_strerror(rc));
}
#undef RTK_SET

rtk_status rtk_client_start(rtk_client *c, const rtk_request *req, unsigned *id) {
  return rtk_client_start_ex(c, req, id, NULL);
}

rtk_status rtk_client_start_ex(rtk_client *c, const rtk_request *req, unsigned *id,
                               rtk_error *err) {
  const char *const *h;
  rtk_xfer *x = NULL;
  int sends_body;
  size_t i;
  rtk_status st;
  rtk_error dummy;

  if (err == NULL)
    err = &dummy;
  err->name = err->message = "";
  if (c == NULL || req == NULL) {
    err->name = "BAD_ARGUMENT";
    err->message = "no client or no request";
    return RTK_EINVAL;
  }
  c->errname = "";
  c->errmsg[0] = '\0';
  if (c->multi == NULL)
    return rtk_fail(c, err, RTK_EINVAL, "CLOSED", "the client is closed");
  if (req->method == NULL || !rtk_method_ok(req->method))
    return rtk_fail(c, err, RTK_EINVAL, "BAD_METHOD",
                    "method must be GET, POST, PUT, PATCH or DELETE");
  if (req->url == NULL || !rtk_url_ok(req->url))
    return rtk_fail(c, err, RTK_EINVAL, "BAD_URL",
                    "url must be an http:// or https:// URL without spaces or control characters");
  for (h = req->headers; h != NULL && *h != NULL; h++)
    if (!rtk_header_ok(*h))
      return rtk_fail(c, err, RTK_EINVAL, "BAD_HEADER",
                      "a header must be one 'Name: value' line and cannot be Authorization");
  if (req->timeout_ms < 0 || req->connect_timeout_ms < 0)
    return rtk_fail(c, err, RTK_EINVAL, "BAD_TIMEOUT", "timeouts cannot be negative");
  if (req->connection != RTK_CONNECTION_DEFAULT && req->connection != RTK_CONNECTION_NEW &&
      req->connection != RTK_CONNECTION_ANY)
    return rtk_fail(c, err, RTK_EINVAL, "BAD_CONNECTION", "connection must be an rtk_connection");
  /* A length past curl_off_t (64 bits) would wrap, and libcurl takes -1 for "up to the first
   * NUL". */
  if (req->body != NULL && (unsigned long long)req->body_len > 0x7fffffffffffffffULL)
    return rtk_fail(c, err, RTK_EINVAL, "BAD_BODY", "the body is too long");

  for (i = 0; i < c->nslots && x == NULL; i++)
    if (c->slots[i]->state == RTK_SLOT_FREE)
      x = c->slots[i];
  if (x == NULL) {
    if (c->nslots == RTK_MAX_TRANSFERS)
      return rtk_fail(c, err, RTK_EBUSY, "TOO_MANY_TRANSFERS",
                      "too many transfers at once on one client");
    if ((x = rtk_xfer_new(c)) == NULL)
      return rtk_fail(c, err, RTK_ENOMEM, "OUT_OF_MEMORY", "out of memory");
    c->slots[c->nslots++] = x;
  }

  sends_body = strcmp(req->method, "GET") != 0 &&
               (strcmp(req->method, "DELETE") != 0 || req->body != NULL);
  x->headers = rtk_request_headers(c, req, sends_body);
  if (x->headers == NULL)
    return rtk_fail(c, err, RTK_ENOMEM, "OUT_OF_MEMORY", "out of memory");
  x->body.len = 0;
  x->hdrs.len = 0;
  x->hcount = 0;
  x->informational = x->trailers = x->stored = 0;
  x->toolarge = x->nomem = 0;
  x->reported = 0;
  x->status = 0;
  x->result = RTK_OK;
  x->errname = "";
  x->errmsg[0] = '\0';
  x->errbuf[0] = '\0';

  if ((st = rtk_easy_new(c, x, req, sends_body, err)) != RTK_OK) {
    rtk_slist_free_wiped(x->headers);
    x->headers = NULL;
    return st;
  }
  if (++c->next_id == 0)
    c->next_id = 1;
  x->id = c->next_id;
  x->state = RTK_SLOT_RUNNING;
  c->active_at = rtk_monotonic();
  if (id != NULL)
    *id = x->id;
  return RTK_OK;
}

/* Lists finished transfers not yet handed out, up to max of them. */
static size_t rtk_report(rtk_client *c, unsigned *ids, size_t max) {
  size_t i, n = 0;
  for (i = 0; i < c->nslots && n < max; i++) {
    rtk_xfer *x = c->slots[i];
    if (x->state == RTK_SLOT_DONE && !x->reported) {
      x->reported = 1;
      ids[n++] = x->id;
    }
  }
  return n;
}

/* Does the I/O of a client with a socket hook: waits up to wait_ms (0: not at all, and never past
 * libcurl's timer) for one of the sockets libcurl wants watched, then acts on those that are
 * ready and on the timers that are due, as a host's loop would (rtk_client_socket_action,
 * rtk_client_timer_action). curl_multi_perform would do the I/O without telling the hook what
 * changed: the two are not to be mixed on one multi handle. */
static void rtk_drive_sockets(rtk_client *c, long wait_ms) {
  struct pollfd fds[RTK_MAX_SOCKETS];
  size_t i, n = c->nsocks;
  long timer = -1;
  int ready, running = 0;
  CURLMcode mc;
  if (wait_ms > 0 && curl_multi_timeout(c->multi, &timer) == CURLM_OK && timer >= 0 &&
      timer < wait_ms)
    wait_ms = timer;
  /* A copy: acting on one socket can change the set (another closed, a new one opened). */
  for (i = 0; i < n; i++) {
    fds[i].fd = c->socks[i].fd;
    fds[i].events = (short)(((c->socks[i].events & RTK_EV_IN) ? POLLIN : 0) |
                            ((c->socks[i].events & RTK_EV_OUT) ? POLLOUT : 0));
    fds[i].revents = 0;
  }
  ready = poll(fds, (nfds_t)n, wait_ms > INT_MAX ? INT_MAX : (int)wait_ms);
  for (i = 0; ready > 0 && i < n; i++) {
    int ev = 0;
    if (fds[i].revents == 0)
      continue;
    /* As libcurl reads poll's answer itself (Curl_socket_check): an error or a hang-up is for
     * the side that waits to find out (a read sees it, a connect's check sees it). */
    if (fds[i].revents & (POLLIN | POLLERR | POLLHUP) && fds[i].events & POLLIN)
      ev |= CURL_CSELECT_IN;
    if (fds[i].revents & POLLOUT ||
        (fds[i].revents & (POLLERR | POLLHUP) && fds[i].events & POLLOUT))
      ev |= CURL_CSELECT_OUT;
    if (fds[i].revents & POLLNVAL)
      ev |= CURL_CSELECT_ERR;
    mc = curl_multi_socket_action(c->multi, (curl_socket_t)fds[i].fd, ev, &running);
    if (mc != CURLM_OK) {
      rtk_collect(c);
      rtk_multi_failed(c, mc);
      return;
    }
  }
  mc = curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  rtk_collect(c);
  if (mc != CURLM_OK)
    rtk_multi_failed(c, mc);
}

/* Does the I/O that is ready and collects what finished; with wait_ms > 0 and nothing finished
 * for the caller (done), first waits up to that long for some. A failure of libcurl's own ends
 * every running transfer (rtk_multi_failed). */
static void rtk_drive(rtk_client *c, long wait_ms) {
  CURLMcode mc;
  int running = 0;
  if (c->socket_hook != NULL) {
    rtk_drive_sockets(c, wait_ms);
    return;
  }
  if (wait_ms > 0) {
#if LIBCURL_VERSION_NUM >= 0x074200
    mc = curl_multi_poll(c->multi, NULL, 0, (int)(wait_ms > 2147483647L ? 2147483647L : wait_ms),
                         NULL);
#else
    mc = curl_multi_wait(c->multi, NULL, 0, (int)(wait_ms > 2147483647L ? 2147483647L : wait_ms),
                         NULL);
#endif
    if (mc != CURLM_OK) {
      rtk_multi_failed(c, mc);
      return;
    }
  }
  mc = curl_multi_perform(c->multi, &running);
  rtk_collect(c);
  if (mc != CURLM_OK)
    rtk_multi_failed(c, mc);
}

/* The end of a poll or an action: hands out up to max ids of transfers that finished, and
 * notes activity (rtk_client_idle) when something finished or bytes came in since received. */
static size_t rtk_handout(rtk_client *c, size_t received, unsigned *ids, size_t max) {
  size_t n = ids != NULL ? rtk_report(c, ids, max) : 0;
  if (n > 0 || c->received != received)
    c->active_at = rtk_monotonic();
  return n;
}

size_t rtk_client_poll(rtk_client *c, long timeout_ms, unsigned *ids, size_t max) {
  size_t n, received;
  if (c == NULL || c->multi == NULL || ids == NULL || max == 0)
    return 0;
  received = c->received;
  rtk_drive(c, 0);
  n = rtk_report(c, ids, max);
  if (n == 0 && rtk_client_running(c) > 0 && timeout_ms > 0) {
    rtk_drive(c, timeout_ms);
    n = rtk_report(c, ids, max);
  }
  if (n > 0 || c->received != received)
    c->active_at = rtk_monotonic();
  return n;
}

/* libcurl's socket callback, while a socket hook is set: keeps the set of sockets to watch
 * (rtk_drive_sockets waits on it) and tells the hook. */
static int rtk_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
  rtk_client *c = (rtk_client *)userp;
  size_t i;
  int events;
  (void)easy;
  (void)socketp;
  for (i = 0; i < c->nsocks && c->socks[i].fd != (int)s; i++) {
  }
  if (what == CURL_POLL_REMOVE) {
    if (i == c->nsocks)
      return 0;
    c->socks[i] = c->socks[--c->nsocks];
    events = RTK_EV_REMOVE;
  } else {
    events = ((what & CURL_POLL_IN) ? RTK_EV_IN : 0) | ((what & CURL_POLL_OUT) ? RTK_EV_OUT : 0);
    if (i == c->nsocks) {
      if (c->nsocks == RTK_MAX_SOCKETS)
        return -1; /* not expected (RTK_MAX_SOCKETS): libcurl fails the transfers */
      c->socks[c->nsocks++].fd = (int)s;
    }
    c->socks[i].events = events;
  }
  if (c->socket_hook != NULL)
    c->socket_hook(c->socket_ud, (int)s, events);
  return 0;
}

/* libcurl's timer callback, while a timer hook is set. */
static int rtk_on_timer(CURLM *multi, long timeout_ms, void *userp) {
  rtk_client *c = (rtk_client *)userp;
  (void)multi;
  c->timer_told = timeout_ms < 0 ? -1 : timeout_ms;
  if (c->timer_hook != NULL)
    c->timer_hook(c->timer_ud, c->timer_told);
  return 0;
}

rtk_status rtk_client_set_socket_hook(rtk_client *c, rtk_socket_hook fn, void *ud) {
  size_t i;
  if (c == NULL || c->multi == NULL || rtk_client_running(c) > 0)
    return RTK_EINVAL;
  if (c->socket_hook != NULL)
    for (i = 0; i < c->nsocks; i++)
      c->socket_hook(c->socket_ud, c->socks[i].fd, RTK_EV_REMOVE);
  if (fn == NULL) {
    c->socket_hook = NULL;
    c->nsocks = 0;
    return curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, (curl_socket_callback)NULL) ==
               CURLM_OK ? RTK_OK : RTK_EINVAL;
  }
  if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, (void *)c) != CURLM_OK ||
      curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, rtk_on_socket) != CURLM_OK)
    return RTK_EINVAL;
  c->socket_hook = fn;
  c->socket_ud = ud;
  for (i = 0; i < c->nsocks; i++)
    fn(ud, c->socks[i].fd, c->socks[i].events);
  return RTK_OK;
}

rtk_status rtk_client_set_timer_hook(rtk_client *c, rtk_timer_hook fn, void *ud) {
  if (c == NULL || c->multi == NULL || rtk_client_running(c) > 0)
    return RTK_EINVAL;
  if (curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, (void *)c) != CURLM_OK ||
      curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION,
                        fn != NULL ? rtk_on_timer : (curl_multi_timer_callback)NULL) != CURLM_OK)
    return RTK_EINVAL;
  c->timer_hook = fn;
  c->timer_ud = ud;
  return RTK_OK;
}

size_t rtk_client_socket_action(rtk_client *c, int fd, int events, unsigned *ids, size_t max) {
  size_t received;
  int running = 0, ev = 0;
  CURLMcode mc;
  if (c == NULL || c->multi == NULL)
    return 0;
  received = c->received;
  if (c->socket_hook == NULL) {
    rtk_drive(c, 0);
    return rtk_handout(c, received, ids, max);
  }
  if (events & RTK_EV_IN)
    ev |= CURL_CSELECT_IN;
  if (events & RTK_EV_OUT)
    ev |= CURL_CSELECT_OUT;
  if (events & RTK_EV_ERR)
    ev |= CURL_CSELECT_ERR;
  mc = curl_multi_socket_action(c->multi, (curl_socket_t)fd, ev, &running);
  rtk_collect(c);
  if (mc != CURLM_OK)
    rtk_multi_failed(c, mc);
  return rtk_handout(c, received, ids, max);
}

size_t rtk_client_timer_action(rtk_client *c, unsigned *ids, size_t max) {
  size_t received;
  int running = 0;
  CURLMcode mc;
  if (c == NULL || c->multi == NULL)
    return 0;
  received = c->received;
  if (c->socket_hook == NULL) {
    rtk_drive(c, 0);
    return rtk_handout(c, received, ids, max);
  }
  mc = curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  rtk_collect(c);
  if (mc != CURLM_OK)
    rtk_multi_failed(c, mc);
  return rtk_handout(c, received, ids, max);
}

double rtk_client_idle(const rtk_client *c) {
  double d;
  if (c == NULL || c->active_at == 0.0)
    return 0.0;
  d = rtk_monotonic() - c->active_at;
  return d > 0.0 ? d : 0.0;
}

long rtk_client_timeout(rtk_client *c) {
  long ms = -1;
  if (c == NULL || c->multi == NULL || curl_multi_timeout(c->multi, &ms) != CURLM_OK)
    return -1;
  return ms;
}

size_t rtk_client_running(const rtk_client *c) {
  size_t i, n = 0;
  if (c == NULL)
    return 0;
  for (i = 0; i < c->nslots; i++)
    if (c->slots[i]->state == RTK_SLOT_RUNNING)
      n++;
  return n;
}

/* An outcome with nothing in it yet: no response, no error. */
static void rtk_response_clear(rtk_response *res) {
  memset(res, 0, sizeof *res);
  res->error.name = res->error.message = "";
}

rtk_status rtk_client_result(rtk_client *c, unsigned id, rtk_response *res) {
  rtk_xfer *x;
  if (res == NULL)
    return RTK_EINVAL;
  rtk_response_clear(res);
  if (c == NULL) {
    res->error.name = "BAD_ARGUMENT";
    res->error.message = "no client";
    return RTK_EINVAL;
  }
  x = rtk_find(c, id);
  if (x == NULL)
    return rtk_fail(c, &res->error, RTK_EINVAL, "NO_SUCH_TRANSFER", "no such transfer");
  if (x->state != RTK_SLOT_DONE)
    return rtk_fail(c, &res->error, RTK_EINVAL, "NOT_FINISHED", "the transfer has not finished");
  /* What the client's "last" accessors read (rtk_client_header, rtk_client_errmsg). */
  c->current = x;
  c->errname = x->errname;
  if (x->result != RTK_OK)
    (void)snprintf(c->errmsg, sizeof c->errmsg, "%s", x->errmsg);
  else
    c->errmsg[0] = '\0';
  res->error.name = x->errname;
  res->error.message = x->errmsg;
  if (x->result != RTK_OK)
    return x->result;
  res->status = x->status;
  res->body = x->body.data != NULL ? x->body.data : "";
  res->body_len = x->body.len;
  res->header_count = x->hcount;
  res->xfer = x;
  return RTK_OK;
}

void rtk_client_release(rtk_client *c, unsigned id) {
  rtk_xfer *x;
  if (c == NULL || (x = rtk_find(c, id)) == NULL)
    return;
  rtk_easy_end(x); /* cancels it if it is running */
  rtk_slist_free_wiped(x->headers);
  x->headers = NULL;
  x->state = RTK_SLOT_FREE;
  x->body.len = 0;
  x->hdrs.len = 0;
  x->hcount = 0;
  if (x->body.cap > RTK_KEEP_BUFFER)
    rtk_buf_free(&x->body);
  if (c->current == x)
    c->current = NULL;
  if (c->blocking == x)
    c->blocking = NULL;
}

rtk_status rtk_client_request(rtk_client *c, const rtk_request *req, rtk_response *res) {
  rtk_status st;
  rtk_xfer *x;
  unsigned id = 0;
  if (res == NULL)
    return RTK_EINVAL;
  rtk_response_clear(res);
  if (c != NULL && c->blocking != NULL)
    rtk_client_release(c, c->blocking->id);
  st = rtk_client_start_ex(c, req, &id, &res->error);
  if (st != RTK_OK)
    return st;
  x = rtk_find(c, id);
  x->reported = 1; /* its end is this call's, not rtk_client_poll's */
  rtk_drive(c, 0);
  while (x->state != RTK_SLOT_DONE)
    rtk_drive(c, 1000);
  c->blocking = x;
  return rtk_client_result(c, id, res);
}

int rtk_response_header_at(const rtk_response *res, size_t i, const char **name,
                           const char **value) {
  const char *n;
  const rtk_xfer *x;
  if (res == NULL || (x = res->xfer) == NULL || i >= res->header_count || i >= x->hcount)
    return 0;
  n = x->hdrs.data + x->hoff[i];
  if (name != NULL)
    *name = n;
  if (value != NULL)
    *value = n + strlen(n) + 1;
  return 1;
}

const char *rtk_response_header(const rtk_response *res, const char *name) {
  size_t i;
  const char *n, *v;
  if (name == NULL)
    return NULL;
  for (i = 0; rtk_response_header_at(res, i, &n, &v); i++)
    if (strcmp(n, name) == 0)
      return v;
  return NULL;
}

/* The "last" accessors (rtk.h): thin wrappers over the state rtk_client_result keeps for them. */

int rtk_client_header_at(const rtk_client *c, size_t i, const char **name, const char **value) {
  rtk_response last;
  if (c == NULL || c->current == NULL)
    return 0;
  memset(&last, 0, sizeof last);
  last.header_count = c->current->hcount;
  last.xfer = c->current;
  return rtk_response_header_at(&last, i, name, value);
}

const char *rtk_client_header(const rtk_client *c, const char *name) {
  size_t i;
  const char *n, *v;
  for (i = 0; rtk_client_header_at(c, i, &n, &v); i++)
    if (strcmp(n, name) == 0)
      return v;
  return NULL;
}

const char *rtk_client_errmsg(const rtk_client *c) {
  return c != NULL ? c->errmsg : "";
}

const char *rtk_client_errname(const rtk_client *c) {
  return c != NULL ? c->errname : "";
}

const char *rtk_client_find_token(const rtk_client *c, const char *s, size_t n,
                                  size_t *token_len) {
  static const size_t skip = sizeof "Authorization: Bearer " - 1;
  const char *tok, *p, *last;
  size_t tlen;
  if (c == NULL || c->auth == NULL || s == NULL)
    return NULL;
  tok = c->auth + skip;
  tlen = strlen(tok);
  if (token_len != NULL)
    *token_len = tlen;
  if (tlen == 0 || n < tlen)
    return NULL;
  last = s + (n - tlen);
  for (p = s; p <= last; p++) {
    p = (const char *)memchr(p, tok[0], (size_t)(last - p) + 1);
    if (p == NULL)
      return NULL;
    if (memcmp(p, tok, tlen) == 0)
      return p;
  }
  return NULL;
}

/* The token, and its length, or NULL for a client without one (or with one too short to look
 * for: RTK_REDACT_MIN_TOKEN). */
static const char *rtk_client_token(const rtk_client *c, size_t *len) {
  static const size_t skip = sizeof "Authorization: Bearer " - 1;
  if (c == NULL || c->auth == NULL)
    return NULL;
  *len = strlen(c->auth + skip);
  return *len >= RTK_REDACT_MIN_TOKEN ? c->auth + skip : NULL;
}

const char *rtk_client_find_secret(const rtk_client *c, const char *s, size_t n,
                                   size_t *match_len) {
  const char *tok;
  size_t tlen = 0, head, i;
  if (s == NULL || (tok = rtk_client_token(c, &tlen)) == NULL)
    return NULL;
  /* The shortest match: the whole token, or its first RTK_REDACT_MIN_PREFIX bytes. */
  head = tlen < RTK_REDACT_MIN_PREFIX ? tlen : RTK_REDACT_MIN_PREFIX;
  for (i = 0; i + head <= n; i++) {
    size_t m;
    const char *hit = (const char *)memchr(s + i, tok[0], n - i - head + 1);
    if (hit == NULL)
      return NULL;
    i = (size_t)(hit - s);
    if (memcmp(hit, tok, head) != 0)
      continue;
    for (m = head; m < tlen && i + m < n && hit[m] == tok[m]; m++) {
    }
    if (match_len != NULL)
      *match_len = m;
    return hit;
  }
  return NULL;
}

size_t rtk_client_token_tail(const rtk_client *c, const char *s, size_t n) {
  const char *tok;
  size_t tlen = 0, k;
  if (s == NULL || (tok = rtk_client_token(c, &tlen)) == NULL)
    return 0;
  for (k = tlen - 1 < n ? tlen - 1 : n; k > 0; k--)
    if (memcmp(s + n - k, tok, k) == 0)
      return k;
  return 0;
}

size_t rtk_client_marker_run(const rtk_client *c, const char *s, size_t n) {
  static const char marker[] = RTK_REDACT_MARKER;
  const size_t mlen = sizeof marker - 1;
  const char *tok;
  size_t tlen = 0, k;
  if (s == NULL || (tok = rtk_client_token(c, &tlen)) == NULL)
    return 0;
  /* k: the length of a end of the marker that the token starts with ("]", "D]", ...). */
  for (k = 1; k < mlen && k < tlen; k++) {
    size_t m = k;
    if (memcmp(tok, marker + mlen - k, k) != 0)
      continue;
    /* m: how many bytes of the token that end of the marker and s spell together; a match is
     * the whole token or at least its first RTK_REDACT_MIN_PREFIX bytes
     * (rtk_client_find_secret). */
    while (m < tlen && m - k < n && s[m - k] == tok[m])
      m++;
    if (m > k && (m == tlen || m >= RTK_REDACT_MIN_PREFIX))
      return m - k;
  }
  return 0;
}

const char *rtk_client_user_agent(const rtk_client *c) {
  return c != NULL && c->user_agent != NULL ? c->user_agent : "";
}

void rtk_client_free(rtk_client *c) {
  size_t i;
  if (c == NULL)
    return;
  for (i = 0; i < c->nslots; i++) {
    rtk_xfer_free(c->slots[i]);
    c->slots[i] = NULL;
  }
  c->nslots = 0;
  if (c->multi != NULL)
    (void)curl_multi_cleanup(c->multi); /* closes the cached connections; cannot fail here */
  c->multi = NULL;
  /* The hooks' last word: no socket left to watch, no timer due. (Removing the transfers above
   * told them of those libcurl still had; this covers any it closed without telling.) */
  while (c->nsocks > 0) {
    c->nsocks--;
    if (c->socket_hook != NULL)
      c->socket_hook(c->socket_ud, c->socks[c->nsocks].fd, RTK_EV_REMOVE);
  }
  if (c->timer_hook != NULL && c->timer_told >= 0)
    c->timer_hook(c->timer_ud, -1);
  if (c->share != NULL)
    (void)curl_share_cleanup(c->share); /* no easy handle uses it any more */
  c->share = NULL;
  rtk_wipe_free(c->auth);
  c->auth = NULL;
  free(c->user_agent);
  c->user_agent = NULL;
  free(c->ca_file);
  c->ca_file = NULL;
  free(c);
}
