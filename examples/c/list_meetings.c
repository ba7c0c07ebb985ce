/* list_meetings.c -- lists one page of an app's meetings through realtimekit's C API alone.
 *
 * Environment: CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, and optionally
 * CLOUDFLARE_BASE_URL (default https://api.cloudflare.com/client/v4) and REALTIMEKIT_CA_FILE.
 * Prints the HTTP status, the cf-ray header and the raw JSON body; exits 1 on a transport error
 * and 2 on an HTTP status other than 2xx. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtk.h"

static const char *env(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? v : fallback;
}

int main(int argc, char **argv) {
  const char *token = env("CLOUDFLARE_API_TOKEN", NULL);
  const char *account = env("CLOUDFLARE_ACCOUNT_ID", NULL);
  const char *app = env("REALTIMEKIT_APP_ID", NULL);
  const char *base = env("CLOUDFLARE_BASE_URL", "https://api.cloudflare.com/client/v4");
  const char *per_page = argc > 1 ? argv[1] : "10";
  rtk_options opts;
  rtk_request req;
  rtk_response res;
  rtk_status st;
  rtk_client *c;
  char url[1024];
  const char *ray;

  if (token == NULL || account == NULL || app == NULL) {
    fprintf(stderr, "set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID\n");
    return 64;
  }
  /* Account ids are [0-9A-Za-z] and app ids URL-unreserved, so they go into the path as they are;
   * a real program checks that first (the Lua layer does). */
  if ((size_t)snprintf(url, sizeof url,
                       "%s/accounts/%s/realtime/kit/%s/meetings?page_no=1&per_page=%s", base,
                       account, app, per_page) >= sizeof url) {
    fprintf(stderr, "URL too long\n");
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

  memset(&req, 0, sizeof req);
  req.method = "GET";
  req.url = url;
  st = rtk_client_request(c, &req, &res);
  if (st != RTK_OK) {
    fprintf(stderr, "%s error (%s): %s\n", rtk_status_kind(st), res.error.name,
            res.error.message);
    rtk_client_free(c);
    return 1;
  }
  ray = rtk_response_header(&res, "cf-ray");
  printf("status %ld\ncf-ray %s\n", res.status, ray != NULL ? ray : "-");
  fwrite(res.body, 1, res.body_len, stdout);
  putchar('\n');
  rtk_client_free(c);
  return res.status >= 200 && res.status < 300 ? 0 : 2;
}
