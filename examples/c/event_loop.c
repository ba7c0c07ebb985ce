/* event_loop.c -- several requests at once through realtimekit's C API, driven by a poll(2) loop
 * that waits on the client's own sockets: the client says which sockets to watch and when its
 * timer is due (rtk_client_set_socket_hook, rtk_client_set_timer_hook), and the loop calls
 * rtk_client_socket_action or rtk_client_timer_action when one of them is ready. A program with
 * an event loop of its own (epoll, kqueue, libuv, ...) does the same with its loop's calls.
 *
 *   event_loop [PAGES [PER_PAGE]]
 *
 * Environment: CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, and optionally
 * CLOUDFLARE_BASE_URL (default https://api.cloudflare.com/client/v4) and REALTIMEKIT_CA_FILE.
 * Asks for pages 1 to PAGES (default 4) of the app's meetings, PER_PAGE (default 5) each, all at
 * once. Prints each page as it arrives ("page N: status S, cf-ray R" and the JSON body on the
 * next line), then what the loop did ("loop: W waits in poll(2), S socket actions, T timer
 * actions") and, once the client is freed, what the hooks left it watching. Exits 1 on a
 * transport error and 2 on an HTTP status other than 2xx. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, poll */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtk.h"

#define MAX_PAGES 32
#define MAX_FDS 256 /* the client's sockets and nothing else, here */

/* What the loop waits on, as the client's hooks said. */
typedef struct loop {
  struct pollfd fds[MAX_FDS];
  nfds_t nfds;
  int timer_armed;
  double timer_at; /* when the timer is due, on now()'s clock */
  int overflow;    /* the hook named more sockets than fds holds */
} loop;

static double now(void) {
  struct timespec ts;
  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The socket hook: only notes what to watch. It must not call into the client. */
static void on_socket(void *ud, int fd, int events) {
  loop *l = (loop *)ud;
  nfds_t i;
  for (i = 0; i < l->nfds && l->fds[i].fd != fd; i++) {
  }
  if (events & RTK_EV_REMOVE) {
    if (i < l->nfds)
      l->fds[i] = l->fds[--l->nfds];
    return;
  }
  if (i == l->nfds) {
    if (l->nfds == MAX_FDS) {
      l->overflow = 1;
      return;
    }
    l->nfds++;
    l->fds[i].fd = fd;
  }
  l->fds[i].events = (short)(((events & RTK_EV_IN) ? POLLIN : 0) |
                             ((events & RTK_EV_OUT) ? POLLOUT : 0));
  l->fds[i].revents = 0;
}

/* The timer hook: notes when rtk_client_timer_action is due (-1: not at all). */
static void on_timer(void *ud, long timeout_ms) {
  loop *l = (loop *)ud;
  l->timer_armed = timeout_ms >= 0;
  l->timer_at = now() + (double)timeout_ms / 1000.0;
}

/* What poll(2) found on a socket, in the client's words: an error or a hang-up goes to the side
 * that was waited for, which finds out what it is. */
static int ready_events(const struct pollfd *p) {
  int ev = 0;
  if ((p->revents & POLLIN) || ((p->revents & (POLLERR | POLLHUP)) && (p->events & POLLIN)))
    ev |= RTK_EV_IN;
  if ((p->revents & POLLOUT) || ((p->revents & (POLLERR | POLLHUP)) && (p->events & POLLOUT)))
    ev |= RTK_EV_OUT;
  if (p->revents & POLLNVAL)
    ev |= RTK_EV_ERR;
  return ev;
}

static const char *env(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? v : fallback;
}

int main(int argc, char **argv) {
  const char *token = env("CLOUDFLARE_API_TOKEN", NULL);
  const char *account = env("CLOUDFLARE_ACCOUNT_ID", NULL);
  const char *app = env("REALTIMEKIT_APP_ID", NULL);
  const char *base = env("CLOUDFLARE_BASE_URL", "https://api.cloudflare.com/client/v4");
  int pages = argc > 1 ? atoi(argv[1]) : 4, per_page = argc > 2 ? atoi(argv[2]) : 5;
  unsigned page_id[MAX_PAGES], ids[RTK_MAX_TRANSFERS];
  long waits = 0, socket_actions = 0, timer_actions = 0;
  int done = 0, status = 0, i;
  static loop l;
  rtk_options opts;
  rtk_request req;
  rtk_status st;
  rtk_client *c;

  if (token == NULL || account == NULL || app == NULL) {
    fprintf(stderr, "set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID\n");
    return 64;
  }
  if (pages < 1 || pages > MAX_PAGES || per_page < 1) {
    fprintf(stderr, "usage: event_loop [PAGES (1 to %d) [PER_PAGE]]\n", MAX_PAGES);
    return 64;
  }
  if (rtk_global_init() != RTK_OK)
    return 1;
  memset(&opts, 0, sizeof opts);
  opts.token = token;
  opts.ca_file = env("REALTIMEKIT_CA_FILE", NULL);
  c = rtk_client_new(&opts, &st);
  if (c == NULL) {
    fprintf(stderr, "cannot create a client: %s\n", rtk_status_kind(st));
    return 1;
  }
  /* The hooks are set before the first transfer starts. */
  if (rtk_client_set_socket_hook(c, on_socket, &l) != RTK_OK ||
      rtk_client_set_timer_hook(c, on_timer, &l) != RTK_OK) {
    fprintf(stderr, "cannot set the hooks\n");
    rtk_client_free(c);
    return 1;
  }

  memset(&req, 0, sizeof req);
  req.method = "GET";
  for (i = 0; i < pages; i++) {
    char url[1024];
    rtk_error err;
    /* Account ids are [0-9A-Za-z] and app ids URL-unreserved, so they go into the path as they
     * are; a real program checks that first (the Lua layer does). */
    if ((size_t)snprintf(url, sizeof url,
                         "%s/accounts/%s/realtime/kit/%s/meetings?page_no=%d&per_page=%d", base,
                         account, app, i + 1, per_page) >= sizeof url) {
      fprintf(stderr, "URL too long\n");
      rtk_client_free(c);
      return 64;
    }
    req.url = url; /* the client copies what it needs: url may go when the call returns */
    st = rtk_client_start_ex(c, &req, &page_id[i], &err);
    if (st != RTK_OK) {
      fprintf(stderr, "%s error (%s): %s\n", rtk_status_kind(st), err.name, err.message);
      rtk_client_free(c);
      return 1;
    }
  }

  while (done < pages) {
    struct pollfd ready[MAX_FDS];
    nfds_t nready, k;
    size_t n = 0, j;
    int timeout = -1, got;
    if (l.overflow) {
      fprintf(stderr, "more sockets than the loop can watch\n");
      status = 1;
      break;
    }
    if (l.timer_armed) {
      double left = l.timer_at - now();
      timeout = left <= 0 ? 0 : (int)(left * 1000.0) + 1;
    }
    if (timeout < 0 && l.nfds == 0) {
      fprintf(stderr, "nothing to wait for, yet transfers are under way\n");
      status = 1;
      break;
    }
    waits++;
    got = poll(l.fds, l.nfds, timeout);
    if (got < 0 && errno != EINTR) {
      perror("poll");
      status = 1;
      break;
    }
    /* Acting on one socket can change the set (the hook is called meanwhile): act on a copy of
     * what poll found. */
    nready = 0;
    for (k = 0; got > 0 && k < l.nfds; k++)
      if (l.fds[k].revents != 0)
        ready[nready++] = l.fds[k];
    for (k = 0; k < nready; k++) {
      socket_actions++;
      n += rtk_client_socket_action(c, ready[k].fd, ready_events(&ready[k]), ids + n,
                                    RTK_MAX_TRANSFERS - n);
    }
    if (l.timer_armed && (got == 0 || now() >= l.timer_at)) {
      l.timer_armed = 0;
      timer_actions++;
      n += rtk_client_timer_action(c, ids + n, RTK_MAX_TRANSFERS - n);
    }

    for (j = 0; j < n; j++) {
      rtk_response res;
      const char *ray;
      int page;
      for (page = 0; page < pages && page_id[page] != ids[j]; page++) {
      }
      st = rtk_client_result(c, ids[j], &res);
      if (st != RTK_OK) {
        fprintf(stderr, "page %d: %s error (%s): %s\n", page + 1, rtk_status_kind(st),
                res.error.name, res.error.message);
        status = 1;
      } else {
        ray = rtk_response_header(&res, "cf-ray");
        printf("page %d: status %ld, cf-ray %s\n", page + 1, res.status, ray ? ray : "-");
        fwrite(res.body, 1, res.body_len, stdout);
        putchar('\n');
        if ((res.status < 200 || res.status > 299) && status == 0)
          status = 2;
      }
      rtk_client_release(c, ids[j]);
      done++;
    }
  }

  printf("loop: %ld waits in poll(2), %ld socket actions, %ld timer actions\n", waits,
         socket_actions, timer_actions);
  rtk_client_free(c);
  /* The hooks were told to forget every socket and the timer. */
  printf("after free: %lu sockets watched, timer %s\n", (unsigned long)l.nfds,
         l.timer_armed ? "on" : "off");
  return status;
}
