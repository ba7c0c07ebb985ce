/* http.c -- libFuzzer target: whole HTTP responses through real libcurl and the client.
 *
 * A server thread on 127.0.0.1 answers each connection's first request with a plain response,
 * keeping the connection, and its second with the input's bytes, then closes it. The client,
 * one for the whole run as in a long-lived program, makes both requests, so the input is read
 * right after another response, on the same connection: the state libcurl and the client keep
 * from one response to the next is under test too (a first header line that is folded, say).
 * Whatever the bytes, the call must return: a response whose status is 100 to 999, whose body
 * is within the limit and whose headers read back, or a failure with a name; and the client
 * must still work for the next input. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char first[] =
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
  "X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
  "\r\n{}";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static const uint8_t *input;
static size_t input_len;
static int served = 1; /* whether the current input has been served */
static int listener = -1;
static unsigned short port;
static rtk_client *client;
static char url_a[64], url_b[64];

/* Reads up to the end of a request head ("\r\n\r\n"); 0 when the connection ended first. */
static int read_request(int fd) {
  char buf[4096];
  size_t have = 0;
  for (;;) {
    ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
    if (n <= 0)
      return 0;
    have += (size_t)n;
    buf[have] = '\0';
    if (strstr(buf, "\r\n\r\n") != NULL)
      return 1;
    if (have == sizeof buf - 1)
      have = 0; /* a head this long is not ours; keep reading */
  }
}

static void send_all(int fd, const void *p, size_t n) {
  const char *c = (const char *)p;
  while (n > 0) {
    ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
    if (w <= 0)
      return;
    c += w;
    n -= (size_t)w;
  }
}

/* Serves connections for ever: the plain response to each first request, the input to each
 * second one. A client that comes back on a new connection for its second request (its old
 * one closed) gets the input there. */
static void *serve(void *unused) {
  (void)unused;
  for (;;) {
    int fd = accept(listener, NULL, NULL), n;
    if (fd < 0)
      continue;
    for (n = 0; read_request(fd); n++) {
      pthread_mutex_lock(&lock);
      if (served) {
        pthread_mutex_unlock(&lock);
        send_all(fd, first, sizeof first - 1);
        continue;
      }
      send_all(fd, input, input_len);
      served = 1;
      pthread_cond_signal(&ready);
      pthread_mutex_unlock(&lock);
      break;
    }
    shutdown(fd, SHUT_RDWR);
    close(fd);
  }
  return NULL;
}

static void setup(void) {
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  pthread_t t;
  rtk_options o;
  rtk_status st;
  listener = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) != 0 ||
      listen(listener, 16) != 0 || getsockname(listener, (struct sockaddr *)&a, &alen) != 0)
    abort();
  port = ntohs(a.sin_port);
  (void)snprintf(url_a, sizeof url_a, "http://127.0.0.1:%u/a", (unsigned)port);
  (void)snprintf(url_b, sizeof url_b, "http://127.0.0.1:%u/b?q=1", (unsigned)port);
  if (pthread_create(&t, NULL, serve, NULL) != 0)
    abort();
  memset(&o, 0, sizeof o);
  o.token = "rtk-fuzz-token";
  o.timeout_ms = 2000;
  o.max_body = 64 * 1024;
  client = rtk_client_new(&o, &st);
  if (client == NULL)
    abort();
}

/* The result says why it failed, or is a response whose headers read back; the client's
 * "last" accessors (rtk_client_errname, rtk_client_header_at) say the same as the result. */
static void check(rtk_status st, const rtk_response *res) {
  size_t i;
  const char *n, *v, *cn, *cv;
  if (st != RTK_OK) {
    if (res->error.name[0] == '\0' || strcmp(res->error.name, rtk_client_errname(client)) != 0 ||
        strcmp(res->error.message, rtk_client_errmsg(client)) != 0 ||
        rtk_response_header_at(res, 0, &n, &v))
      abort();
    return;
  }
  if (res->status < 100 || res->status > 999 || res->body_len > 64 * 1024 ||
      (res->body_len > 0 && res->body == NULL) || res->error.name[0] != '\0')
    abort();
  for (i = 0; rtk_response_header_at(res, i, &n, &v); i++)
    if (rtk_response_header(res, n) == NULL || !rtk_client_header_at(client, i, &cn, &cv) ||
        cn != n || cv != v)
      abort();
  if (i != res->header_count || rtk_client_header_at(client, i, &cn, &cv))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rtk_request req;
  rtk_response res;
  rtk_status st;
  if (client == NULL)
    setup();
  memset(&req, 0, sizeof req);
  req.method = "GET";
  req.url = url_a;
  st = rtk_client_request(client, &req, &res);
  if (st != RTK_OK || res.status != 200)
    abort(); /* the plain response must always come through */
  pthread_mutex_lock(&lock);
  input = data;
  input_len = size;
  served = 0;
  pthread_mutex_unlock(&lock);
  req.url = url_b;
  st = rtk_client_request(client, &req, &res);
  check(st, &res);
  /* The input must have been served before the next one replaces it (a client that failed
   * before sending its request leaves it to the next connection: serve it an empty reply). */
  pthread_mutex_lock(&lock);
  if (!served) {
    input_len = 0;
    pthread_mutex_unlock(&lock);
    req.url = url_b;
    (void)rtk_client_request(client, &req, &res);
    pthread_mutex_lock(&lock);
  }
  while (!served)
    pthread_cond_wait(&ready, &lock);
  pthread_mutex_unlock(&lock);
  return 0;
}
