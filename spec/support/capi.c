/* capi.c -- the C API's checks that the Lua binding cannot reach, for spec/capi_spec.lua.
 *
 *   capi verify PEM-FILE       rtk_verify_rsa_sha256 with a NULL signature: the key first
 *   capi verify-first FROM STEP TO PEM-FILE SIG-FILE BODY-FILE
 *                              for N = FROM, FROM + STEP, ... up to TO, in a process of its
 *                              own: OpenSSL's Nth allocation fails, from before its first use;
 *                              rtk_verify_init, then three checks of a good signature
 *   capi headers URL           request headers the guard must refuse, then one it takes
 *   capi huge-body URL         a POST whose body_len libcurl cannot copy (2^42 bytes)
 *   capi results URL           three transfers at once (URL?which=a, a port nothing listens on,
 *                              URL?which=c) read after all three finished, each result with its
 *                              own status, headers and error; then what the "last" accessors say
 *   capi hooks URL             the socket and timer hooks' contract: set only while nothing
 *                              runs; rtk_client_poll and rtk_client_request on a client with
 *                              hooks; a socket that is not the client's; rtk_client_free telling
 *                              the hooks to forget everything; the actions without hooks
 *   capi busy                  RTK_MAX_TRANSFERS transfers to a server that never answers, then
 *                              one more: RTK_EBUSY until one is released
 *   capi methods URL [FROM [STEP]]
 *                              PUT, PATCH, DELETE and POST, each round with the Nth allocation
 *                              of libcurl failing (curl_global_init_mem), N = FROM, FROM + STEP,
 *                              ... until a round has no allocation fail
 *
 * Prints one line per request made ("seq METHOD status|kind NAME"); each request carries its
 * line's seq in X-Seq, so that the spec can match what the server got with what was meant. The
 * spec gives it a standard input that no request may carry. Exits 0 when every call returned as
 * the C API promises, 1 otherwise (with a line saying why). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "rtk.h"

static long allocs = 0, fail_at = 0; /* the allocation to fail (0: none) */

static int fails(void) {
  return ++allocs == fail_at;
}
static void *t_malloc(size_t n) {
  return fails() ? NULL : malloc(n);
}
static void t_free(void *p) {
  free(p);
}
static void *t_realloc(void *p, size_t n) {
  return fails() ? NULL : realloc(p, n);
}
static char *t_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = fails() ? NULL : (char *)malloc(n);
  if (p != NULL)
    memcpy(p, s, n);
  return p;
}
static void *t_calloc(size_t n, size_t size) {
  return fails() ? NULL : calloc(n, size);
}

static int failed = 0;

static void fail(const char *why) {
  printf("FAILED: %s\n", why);
  failed = 1;
}

static rtk_client *client(void) {
  rtk_options o;
  rtk_status st;
  memset(&o, 0, sizeof o);
  o.token = "rtk-capi-token";
  o.timeout_ms = 10000;
  return rtk_client_new(&o, &st);
}

/* One request; prints its line. Returns the status. */
static rtk_status request(rtk_client *c, const char *seq, const char *method, const char *url,
                          const char *body, size_t body_len) {
  char xseq[64];
  const char *headers[] = {xseq, NULL};
  rtk_request req;
  rtk_response res;
  rtk_status st;
  (void)snprintf(xseq, sizeof xseq, "X-Seq: %s", seq);
  memset(&req, 0, sizeof req);
  req.method = method;
  req.url = url;
  req.body = body;
  req.body_len = body_len;
  req.headers = headers;
  st = rtk_client_request(c, &req, &res);
  if (st == RTK_OK)
    printf("%s %s %ld\n", seq, method, res.status);
  else
    printf("%s %s %s %s\n", seq, method, rtk_status_kind(st), rtk_client_errname(c));
  return st;
}

static int verify(const char *path) {
  char pem[16384];
  size_t n;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 1;
  n = fread(pem, 1, sizeof pem, f);
  fclose(f);
  if (rtk_verify_init() != RTK_VERIFY_OK)
    fail("rtk_verify_init");
  /* A NULL signature reads as an empty one: the key is checked first. */
  if (rtk_verify_rsa_sha256("x", 1, NULL, 0, "not a key", 9) != RTK_VERIFY_BAD_KEY)
    fail("a NULL signature with a bad key is not bad_key");
  if (rtk_verify_rsa_sha256("x", 1, NULL, 0, pem, n) != RTK_VERIFY_BAD_SIGNATURE)
    fail("a NULL signature with a good key is not bad_signature");
  if (rtk_verify_rsa_sha256("x", 1, "", 0, "not a key", 9) != RTK_VERIFY_BAD_KEY)
    fail("an empty signature with a bad key is not bad_key");
  if (rtk_verify_rsa_sha256(NULL, 5, "AAAA", 4, "not a key", 9) != RTK_VERIFY_BAD_KEY)
    fail("a NULL body with a bad key is not bad_key");
  if (rtk_verify_rsa_sha256(NULL, 5, "AAAA", 4, pem, n) != RTK_VERIFY_BAD_SIGNATURE)
    fail("a NULL body of 5 bytes is not bad_signature");
  printf("verify done\n");
  return failed;
}

static long ossl_allocs = 0, ossl_fail_at = 0;

static void *o_malloc(size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return ++ossl_allocs == ossl_fail_at ? NULL : malloc(n);
}
static void *o_realloc(void *p, size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return ++ossl_allocs == ossl_fail_at ? NULL : realloc(p, n);
}
static void o_free(void *p, const char *file, int line) {
  (void)file;
  (void)line;
  free(p);
}

/* A file's bytes into buf (room for cap), or 0. */
static size_t slurp(const char *path, char *buf, size_t cap) {
  size_t n;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

/* Runs before libcurl or anything else has used OpenSSL, so that its Nth allocation may be one
 * of its initialisation's. Once rtk_verify_init has succeeded, a failed allocation may fail the
 * check it falls in, as nomem, and no other check. */
static int verify_first(long n, const char *pem_path, const char *sig_path,
                        const char *body_path) {
  static char pem[16384], sig[4096], body[4096];
  size_t pl = slurp(pem_path, pem, sizeof pem), sl = slurp(sig_path, sig, sizeof sig),
         bl = slurp(body_path, body, sizeof body);
  rtk_verify_status init, st[3];
  int i, in[3];
  if (CRYPTO_set_mem_functions(o_malloc, o_realloc, o_free) != 1 || pl == 0 || sl == 0)
    return 1;
  ossl_fail_at = n;
  init = rtk_verify_init();
  for (i = 0; i < 3; i++) {
    long before = ossl_allocs;
    st[i] = rtk_verify_rsa_sha256(body, bl, sig, sl, pem, pl);
    in[i] = before < n && ossl_allocs >= n; /* the failed allocation was this check's */
  }
  printf("%ld: init %s, %s %s %s%s\n", n, rtk_verify_name(init), rtk_verify_name(st[0]),
         rtk_verify_name(st[1]), rtk_verify_name(st[2]),
         ossl_allocs < n ? " (not reached)" : "");
  if (init != RTK_VERIFY_OK)
    return init == RTK_VERIFY_NOMEM ? 0 : 1;
  for (i = 0; i < 3; i++)
    if (st[i] != RTK_VERIFY_OK && !(in[i] && st[i] == RTK_VERIFY_NOMEM))
      fail("a check failed other than for want of memory in it");
  return failed;
}

static int headers(const char *url) {
  static const char *const bad[] = {
    "Authorization : Bearer x", "Authorization\t: Bearer x", " Authorization: Bearer x",
    "authorization: Bearer x", "X-A\x01: y", "X A: y", ": y", "X-A", "X-A: 1\r\nX-B: 2", NULL};
  const char *one[2] = {NULL, NULL};
  rtk_client *c = client();
  rtk_request req;
  rtk_response res;
  size_t i;
  if (c == NULL)
    return 1;
  memset(&req, 0, sizeof req);
  req.method = "GET";
  req.url = url;
  req.headers = one;
  for (i = 0; bad[i] != NULL; i++) {
    one[0] = bad[i];
    if (rtk_client_request(c, &req, &res) != RTK_EINVAL ||
        strcmp(rtk_client_errname(c), "BAD_HEADER") != 0) {
      printf("taken: %s\n", bad[i]);
      fail("a header the guard must refuse was taken");
    }
  }
  one[0] = "X-Seq: headers-ok";
  if (rtk_client_request(c, &req, &res) != RTK_OK)
    fail("a good header was refused");
  rtk_client_free(c);
  printf("headers done\n");
  return failed;
}

static int huge_body(const char *url) {
  static const char body[] = "{\"a\":1}";
  rtk_client *c = client();
  rtk_status st;
  if (c == NULL)
    return 1;
  /* body_len far beyond the body: libcurl's copy of it cannot be allocated. (A caller must
   * give a readable body of body_len bytes; this one is not, and is never read.) */
  st = request(c, "huge", "POST", url, body, (size_t)1 << 42);
  if (st != RTK_ENOMEM)
    fail("a body libcurl cannot copy is not RTK_ENOMEM");
  st = request(c, "after-huge", "POST", url, body, sizeof body - 1);
  if (st != RTK_OK)
    fail("the next request failed");
  rtk_client_free(c);
  return failed;
}

/* A socket on 127.0.0.1 that listens and never accepts: a transfer to it connects (the kernel
 * queues the connection) and then waits for an answer that never comes. Its URL goes to url. */
static int silent_server(char *url, size_t n) {
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(fd, RTK_MAX_TRANSFERS * 2) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
    fail("cannot listen on 127.0.0.1");
    return -1;
  }
  (void)snprintf(url, n, "http://127.0.0.1:%u/silent", (unsigned)ntohs(a.sin_port));
  return fd;
}

/* Prints one line for a result: its letter, kind, status, X-Which header (or -), error name and
 * message (or -), and how many headers it has. */
static void print_result(const char *which, rtk_status st, const rtk_response *res) {
  const char *h = rtk_response_header(res, "x-which");
  printf("%s %s %ld %s %s %s %lu\n", which, rtk_status_kind(st), res->status, h ? h : "-",
         res->error.name[0] ? res->error.name : "-",
         res->error.message[0] ? "(message)" : "-", (unsigned long)res->header_count);
}

/* A URL on 127.0.0.1 where nothing listens (a port just bound and closed). */
static void refused_url(char *url, size_t n) {
  char silent[64];
  int fd = silent_server(silent, sizeof silent);
  if (fd >= 0)
    close(fd);
  (void)snprintf(url, n, "%s", silent);
}

static int results(const char *url) {
  char a[1024], b[64], cu[1024];
  const char *urls[3];
  unsigned ids[3], done[3];
  rtk_response res[3];
  rtk_status st[3];
  rtk_client *c = client();
  rtk_request req;
  size_t i, n = 0, order[3] = {0, 2, 1};
  const char *letters = "abc";
  if (c == NULL)
    return 1;
  (void)snprintf(a, sizeof a, "%s?which=a", url);
  refused_url(b, sizeof b);
  (void)snprintf(cu, sizeof cu, "%s?which=c", url);
  urls[0] = a;
  urls[1] = b;
  urls[2] = cu;
  memset(&req, 0, sizeof req);
  req.method = "GET";
  for (i = 0; i < 3; i++) {
    req.url = urls[i];
    if (rtk_client_start(c, &req, &ids[i]) != RTK_OK)
      fail("a start failed");
  }
  while (n < 3 && rtk_client_running(c) > 0)
    n += rtk_client_poll(c, 1000, done + n, 3 - n);
  if (n != 3)
    fail("not every transfer finished");
  /* Read a, c and b, and only then look at what each result holds. */
  for (i = 0; i < 3; i++)
    st[order[i]] = rtk_client_result(c, ids[order[i]], &res[order[i]]);
  for (i = 0; i < 3; i++) {
    char which[2] = {letters[i], '\0'};
    print_result(which, st[i], &res[i]);
  }
  printf("last %s %s\n", rtk_client_errname(c)[0] ? rtk_client_errname(c) : "-",
         rtk_client_header(c, "x-which") ? rtk_client_header(c, "x-which") : "-");
  /* An id that is gone says so in its own result. */
  rtk_client_release(c, ids[1]);
  st[1] = rtk_client_result(c, ids[1], &res[1]);
  printf("released %s %s %s\n", rtk_status_kind(st[1]), res[1].error.name, res[1].error.message);
  print_result("a", st[0], &res[0]);
  rtk_client_free(c);
  return failed;
}

/* What a client's hooks were told: the sockets to watch now, and the timer. */
typedef struct recorder {
  int fds[1024];
  int events[1024];
  size_t n;
  long adds, removes, timers;
  long timer; /* -1: none */
  int bad;    /* told to remove a socket it did not watch */
} recorder;

static void rec_socket(void *ud, int fd, int events) {
  recorder *r = (recorder *)ud;
  size_t i;
  for (i = 0; i < r->n && r->fds[i] != fd; i++) {
  }
  if (events == RTK_EV_REMOVE) {
    if (i == r->n) {
      r->bad = 1;
      return;
    }
    r->removes++;
    r->n--;
    r->fds[i] = r->fds[r->n];
    r->events[i] = r->events[r->n];
    return;
  }
  if (i == r->n) {
    if (r->n == sizeof r->fds / sizeof r->fds[0]) {
      r->bad = 1;
      return;
    }
    r->adds++;
    r->fds[r->n++] = fd;
  }
  r->events[i] = events;
}

static void rec_timer(void *ud, long ms) {
  recorder *r = (recorder *)ud;
  r->timers++;
  r->timer = ms;
}

/* Starts a GET of url; returns its id (0 when it did not start). */
static unsigned start_get(rtk_client *c, const char *url) {
  rtk_request req;
  unsigned id = 0;
  memset(&req, 0, sizeof req);
  req.method = "GET";
  req.url = url;
  if (rtk_client_start(c, &req, &id) != RTK_OK)
    fail("a start failed");
  return id;
}

/* The status of finished transfer id, released; -1 for a failure. */
static long status_of(rtk_client *c, unsigned id) {
  rtk_response res;
  long status = rtk_client_result(c, id, &res) == RTK_OK ? res.status : -1;
  rtk_client_release(c, id);
  return status;
}

static int hooks(const char *url) {
  static recorder r;
  char silent[64];
  unsigned ids[RTK_MAX_TRANSFERS], id;
  int fd = silent_server(silent, sizeof silent);
  rtk_client *c = client();
  rtk_request req;
  rtk_response res;
  size_t n, i, got;
  rtk_status st1, st2;
  if (c == NULL || fd < 0)
    return 1;
  r.timer = -1;

  /* Not while a transfer runs: its sockets could not all be told of. */
  id = start_get(c, silent);
  st1 = rtk_client_set_socket_hook(c, rec_socket, &r);
  st2 = rtk_client_set_timer_hook(c, rec_timer, &r);
  printf("set while running: %s %s\n", rtk_status_kind(st1), rtk_status_kind(st2));
  rtk_client_release(c, id);
  if (rtk_client_set_socket_hook(c, rec_socket, &r) != RTK_OK ||
      rtk_client_set_timer_hook(c, rec_timer, &r) != RTK_OK)
    fail("hooks not set with nothing running");

  /* rtk_client_poll drives a client with hooks, and the hooks are told all the same. */
  for (i = 0; i < 3; i++)
    (void)start_get(c, url);
  got = 0;
  while (rtk_client_running(c) > 0 && got < 3) {
    n = rtk_client_poll(c, 1000, ids + got, RTK_MAX_TRANSFERS - got);
    got += n;
  }
  printf("poll on a hooked client:");
  for (i = 0; i < got; i++)
    printf(" %ld", status_of(c, ids[i]));
  printf("\n");
  printf("told: sockets %s, timer %s\n", r.adds > 0 && r.removes > 0 ? "yes" : "no",
         r.timers > 0 ? "yes" : "no");

  /* So does rtk_client_request. */
  memset(&req, 0, sizeof req);
  req.method = "GET";
  req.url = url;
  printf("request on a hooked client: %ld\n",
         rtk_client_request(c, &req, &res) == RTK_OK ? res.status : -1L);

  /* A socket that is not the client's is ignored. */
  printf("unknown socket: %lu\n",
         (unsigned long)rtk_client_socket_action(c, fd, RTK_EV_IN, ids, RTK_MAX_TRANSFERS));

  /* Freed with transfers under way (connected, waiting for an answer): the hooks are told to
   * forget every socket and the timer before rtk_client_free returns. */
  (void)start_get(c, silent);
  (void)start_get(c, silent);
  for (i = 0; i < 20 && r.n < 2; i++)
    (void)rtk_client_timer_action(c, ids, RTK_MAX_TRANSFERS);
  for (i = 0; i < 20; i++)
    for (n = 0; n < r.n; n++)
      (void)rtk_client_socket_action(c, r.fds[n], 0, ids, RTK_MAX_TRANSFERS);
  printf("before free: %s sockets watched, timer %s\n", r.n >= 2 ? "2 or more" : "fewer",
         r.timer >= 0 ? "on" : "off");
  rtk_client_free(c);
  printf("after free: %lu sockets watched, timer %s%s\n", (unsigned long)r.n,
         r.timer >= 0 ? "on" : "off", r.bad ? ", told to remove a socket it did not watch" : "");

  /* Without hooks, an action does what rtk_client_poll(c, 0, ...) does. */
  c = client();
  if (c == NULL)
    return 1;
  id = start_get(c, url);
  got = 0;
  for (i = 0; i < 2000 && got == 0; i++) {
    got = i % 2 ? rtk_client_timer_action(c, ids, RTK_MAX_TRANSFERS)
                : rtk_client_socket_action(c, -1, 0, ids, RTK_MAX_TRANSFERS);
    if (got == 0)
      rtk_sleep(0.005);
  }
  printf("actions without hooks: %ld\n", got == 1 && ids[0] == id ? status_of(c, id) : -1L);
  rtk_client_free(c);
  close(fd);
  return failed;
}

static int busy(void) {
  char url[64];
  unsigned ids[RTK_MAX_TRANSFERS], id = 0;
  int fd = silent_server(url, sizeof url);
  rtk_client *c = client();
  rtk_request req;
  rtk_response res;
  rtk_status st;
  size_t i;
  if (c == NULL || fd < 0)
    return 1;
  memset(&req, 0, sizeof req);
  req.method = "GET";
  req.url = url;
  for (i = 0; i < RTK_MAX_TRANSFERS; i++)
    if (rtk_client_start(c, &req, &ids[i]) != RTK_OK)
      fail("a transfer below the limit did not start");
  st = rtk_client_start(c, &req, &id);
  printf("start %s %s %s\n", rtk_status_kind(st), rtk_client_errname(c), rtk_client_errmsg(c));
  st = rtk_client_request(c, &req, &res);
  printf("request %s %s\n", rtk_status_kind(st), rtk_client_errname(c));
  rtk_client_release(c, ids[0]);
  st = rtk_client_start(c, &req, &id);
  printf("after a release %s\n", rtk_status_kind(st));
  rtk_client_free(c);
  close(fd);
  return failed;
}

static int methods(const char *url, long from, long step) {
  static const char *const ms[] = {"PUT", "PATCH", "DELETE", "DELETE", "POST", "GET"};
  static const char body[] = "{\"title\":\"capi\"}";
  long n;
  int done = 0;
  for (n = from; !done; n += step) {
    rtk_client *c;
    size_t i;
    allocs = 0;
    fail_at = n;
    c = client();
    for (i = 0; c != NULL && i < sizeof ms / sizeof ms[0]; i++) {
      char seq[32];
      int with_body = i != 2 && i != 5;
      (void)snprintf(seq, sizeof seq, "%ld-%lu", n, (unsigned long)i);
      (void)request(c, seq, ms[i], url, with_body ? body : NULL,
                    with_body ? sizeof body - 1 : 0);
    }
    rtk_client_free(c);
    done = allocs < n; /* nothing failed this round */
  }
  fail_at = 0;
  printf("methods done at %ld\n", n - step);
  return failed;
}

/* verify_first for each N of the range, each in a child process: OpenSSL initialises itself
 * once per process. */
static int verify_each(long from, long step, long to, const char *pem, const char *sig,
                       const char *body) {
  long n;
  for (n = from; n <= to && step > 0; n += step) {
    int status = 1;
    pid_t pid;
    (void)fflush(stdout);
    pid = fork();
    if (pid == 0) {
      int st = verify_first(n, pem, sig, body);
      (void)fflush(stdout);
      _exit(st);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      printf("FAILED: the check of N = %ld\n", n);
      failed = 1;
    }
  }
  printf("verify-first done\n");
  return failed;
}

int main(int argc, char **argv) {
  if (argc >= 8 && strcmp(argv[1], "verify-first") == 0)
    return verify_each(atol(argv[2]), atol(argv[3]), atol(argv[4]), argv[5], argv[6], argv[7]);
  if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, t_malloc, t_free, t_realloc, t_strdup,
                           t_calloc) != CURLE_OK ||
      rtk_global_init() != RTK_OK)
    return 1;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && strcmp(argv[1], "verify") == 0)
    return verify(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "headers") == 0)
    return headers(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "huge-body") == 0)
    return huge_body(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "results") == 0)
    return results(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "hooks") == 0)
    return hooks(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "busy") == 0)
    return busy();
  if (argc >= 3 && strcmp(argv[1], "methods") == 0)
    return methods(argv[2], argc > 3 ? atol(argv[3]) : 1, argc > 4 ? atol(argv[4]) : 1);
  fprintf(stderr, "usage: capi verify PEM | verify-first FROM STEP TO PEM SIG BODY | "
                  "headers URL | huge-body URL | results URL | hooks URL | busy | "
                  "methods URL [FROM [STEP]]\n");
  return 2;
}
