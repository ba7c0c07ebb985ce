/* rtk.h -- realtimekit's C client: authenticated HTTP(S) requests over libcurl, raw results;
 * and the check of a webhook's signature (OpenSSL). */
#ifndef RTK_H
#define RTK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTK_VERSION "0.2.0"

/* Transfers one client can have under way at once (rtk_client_start). */
#define RTK_MAX_TRANSFERS 64

#if defined(_WIN32)
#define RTK_API __declspec(dllexport)
#elif defined(__GNUC__)
#define RTK_API __attribute__((visibility("default")))
#else
#define RTK_API
#endif

/* Outcome of a call. An HTTP status is not an error: any response that arrived whole is RTK_OK. */
typedef enum rtk_status {
  RTK_OK = 0,
  RTK_ENETWORK,  /* DNS, refused, reset, truncated or malformed response, ... */
  RTK_ETIMEOUT,  /* connect or total timeout of the request */
  RTK_ETLS,      /* handshake failed, certificate not trusted or for another host */
  RTK_ETOOLARGE, /* response body or headers above the client's limits */
  RTK_ENOMEM,
  RTK_EINVAL,    /* bad argument: empty token, CR/LF in a header, unknown method, ... */
  RTK_EBUSY      /* all RTK_MAX_TRANSFERS transfers of the client under way or unreleased */
} rtk_status;

typedef struct rtk_options {
  const char *token;        /* sent as "Authorization: Bearer <token>", never readable; NULL: no
                             * Authorization header, for hosts that need none (the webhook key's) */
  const char *user_agent;   /* NULL: "realtimekit-c/<version> (libcurl/<version>)" */
  const char *ca_file;      /* PEM bundle for TLS verification; NULL: the system store */
  long connect_timeout_ms;  /* 0: 10000 */
  long timeout_ms;          /* 0: 60000; whole request, per call */
  size_t max_body;          /* 0: 64 MiB; a larger response body fails with RTK_ETOOLARGE */
} rtk_options;

/* Which connection a request may go on. libcurl sends a request again by itself when a
 * kept-alive connection it reused closes before any byte of the answer arrives: for a request
 * that creates or changes something, that could do it twice. On a new connection libcurl never
 * sends it again; later requests may reuse that connection. */
typedef enum rtk_connection {
  RTK_CONNECTION_DEFAULT = 0, /* new for POST and PATCH, any for the other methods */
  RTK_CONNECTION_NEW,         /* always a new connection */
  RTK_CONNECTION_ANY          /* a kept-alive one when there is one */
} rtk_connection;

typedef struct rtk_request {
  const char *method;       /* "GET", "POST", "PUT", "PATCH" or "DELETE" */
  const char *url;          /* absolute http:// or https:// URL */
  const char *body;         /* NULL: no body (a POST then sends Content-Length: 0) */
  size_t body_len;          /* the body's bytes, all readable; libcurl copies them */
  const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL; the name made of
                             * RFC 9110 token characters up to the colon, no CR or LF, and no
                             * Authorization (RTK_EINVAL) */
  long connect_timeout_ms;  /* 0: the client's */
  long timeout_ms;          /* 0: the client's */
  rtk_connection connection; /* RTK_CONNECTION_DEFAULT (0): a new one for POST and PATCH */
} rtk_request;

/* Why a call failed: a stable name and a message, both "" when it did not. The strings stay
 * valid as long as the response that holds them (a start's, for ever). */
typedef struct rtk_error {
  const char *name;         /* e.g. "COULDNT_CONNECT", "OPERATION_TIMEDOUT", "BAD_URL",
                             * "TOO_MANY_TRANSFERS", "OUT_OF_MEMORY" */
  const char *message;      /* human-readable; never contains the token */
} rtk_error;

struct rtk_xfer;

/* The outcome of one transfer, filled by rtk_client_request and rtk_client_result whatever the
 * status: on RTK_OK the response, otherwise error says why (and the rest is 0 or NULL). It
 * belongs to its transfer and stays valid until the transfer is released (rtk_client_release;
 * for rtk_client_request, the client's next request), or the client is freed: each result keeps
 * its own, however many transfers finish meanwhile. body is not NUL-terminated. */
typedef struct rtk_response {
  long status;              /* 100 to 999: a response with another code is RTK_ENETWORK */
  const char *body;
  size_t body_len;
  size_t header_count;      /* read them with rtk_response_header_at / rtk_response_header */
  rtk_error error;
  const struct rtk_xfer *xfer; /* what the header accessors read; not for the caller */
} rtk_response;

typedef struct rtk_client rtk_client;

/* Initialises libcurl once per process. Call it from the main thread before starting threads that
 * use realtimekit: curl_global_init is not thread-safe in older libcurl. rtk_client_new calls it
 * too. Returns RTK_OK or RTK_ENOMEM. */
RTK_API rtk_status rtk_global_init(void);

/* Returns a client, or NULL with *err set (RTK_EINVAL for bad options, RTK_ENOMEM). One client
 * keeps one connection alive between requests; it is not safe to share across threads. It is
 * freed with rtk_client_free, once, and not used after that. */
RTK_API rtk_client *rtk_client_new(const rtk_options *opts, rtk_status *err);

/* One HTTP request, no retry; blocks until it ends. res is filled whatever the status (see
 * rtk_response); the request's outcome stays readable until the client's next request. POST
 * and PATCH go on a new connection unless req->connection says otherwise (rtk_connection), so
 * that libcurl never sends them twice on its own. Transfers started with rtk_client_start make
 * progress meanwhile. */
RTK_API rtk_status rtk_client_request(rtk_client *c, const rtk_request *req, rtk_response *res);

/* Non-blocking use: start transfers, drive them with rtk_client_poll (or, from an event loop,
 * with the socket and timer hooks below), read each with rtk_client_result, then free it with
 * rtk_client_release. Transfers to one host share the client's connections (HTTP/2 multiplexes
 * them onto one). */

/* Starts a request and returns at once with its id in *id. RTK_EINVAL for a bad request;
 * RTK_EBUSY (named "TOO_MANY_TRANSFERS") when RTK_MAX_TRANSFERS are under way or unreleased, a
 * condition of the moment: a transfer released makes room; RTK_ENOMEM when something the request
 * needs cannot be allocated (libcurl's copy of the body, say): no request is sent then. The
 * request's strings may be freed on return. */
RTK_API rtk_status rtk_client_start(rtk_client *c, const rtk_request *req, unsigned *id);

/* rtk_client_start, and on failure *error (when not NULL) says why, in strings that stay valid
 * for ever: "BAD_URL", "TOO_MANY_TRANSFERS", ... */
RTK_API rtk_status rtk_client_start_ex(rtk_client *c, const rtk_request *req, unsigned *id,
                                       rtk_error *error);

/* Does the I/O that is ready, waiting up to timeout_ms (0: not at all) for some when nothing has
 * finished. Writes the ids of transfers that finished since the last call (up to max) to ids and
 * returns how many. */
RTK_API size_t rtk_client_poll(rtk_client *c, long timeout_ms, unsigned *ids, size_t max);

/* Seconds since a transfer of the client last started, received bytes or ended (0 before the
 * first): how long its transfers have waited for the network. A host that polls without
 * blocking (timeout_ms 0) can poll soon after data flowed and less often as this grows. */
RTK_API double rtk_client_idle(const rtk_client *c);

/* Milliseconds until libcurl wants rtk_client_poll (or rtk_client_timer_action) called for its
 * own timers (a timeout, the next address to try), 0 for at once, -1 when it has none
 * (curl_multi_timeout). A host that polls without blocking should poll again no later than
 * that. */
RTK_API long rtk_client_timeout(rtk_client *c);

/* How many started transfers have not finished. */
RTK_API size_t rtk_client_running(const rtk_client *c);

/* Event-loop use. A host with an event loop of its own (poll, epoll, kqueue, libuv, ...) waits
 * on the client's sockets with the rest of its work, instead of calling rtk_client_poll:
 *
 *   rtk_client_set_socket_hook(c, on_socket, loop);  the hook is told which sockets to watch
 *   rtk_client_set_timer_hook(c, on_timer, loop);    ... and when libcurl's timer is due
 *   rtk_client_start(c, &req, &id);                  as before (the timer hook is told 0)
 *   then, as the loop sees them:
 *     a watched socket ready:  n = rtk_client_socket_action(c, fd, events, ids, max);
 *     the timer due:           n = rtk_client_timer_action(c, ids, max);
 *   and each of the n ids in ids is read with rtk_client_result and freed with
 *   rtk_client_release.
 *
 * The hooks are called on the thread that calls into the client, from inside its calls
 * (rtk_client_start, rtk_client_release, the actions, rtk_client_poll, rtk_client_request,
 * rtk_client_set_socket_hook, rtk_client_free), never on their own. They must not call into the
 * client (nor free it): they note what they are told, and the loop acts on it once the call has
 * returned; a timer of 0 ms means as soon as the loop can, not from inside the hook.
 *
 * The two ways mix: rtk_client_poll and rtk_client_request keep working on a client with a
 * socket hook. They wait on the sockets the hook was told of (with poll(2)) and act on them as
 * the actions do, so the hook is still told of every change; a host can make a blocking
 * request, or poll for a while, and go back to its loop. On a client without a socket hook the
 * actions do what rtk_client_poll(c, 0, ids, max) does.
 *
 * When rtk_client_free returns, the socket hook has been told to remove every socket it watched
 * and the timer hook that no timer is due (-1), and no hook is called after that. */

/* What a socket is watched for or was found ready for. */
#define RTK_EV_IN 1     /* readable; from poll(2): POLLIN, or POLLHUP or POLLERR if it was
                         * watched for reading (a read then finds out what happened) */
#define RTK_EV_OUT 2    /* writable; from poll(2): POLLOUT, or POLLHUP or POLLERR if it was
                         * watched for writing */
#define RTK_EV_ERR 4    /* in error (rtk_client_socket_action only) */
#define RTK_EV_REMOVE 8 /* no longer to be watched (the socket hook only) */

/* Told to watch socket fd for events (RTK_EV_IN, RTK_EV_OUT, both, or 0 for nothing for now),
 * in place of what it was told before for that socket; or, with RTK_EV_REMOVE, to stop watching
 * it (before it is closed: the same number may come back for a new socket later). */
typedef void (*rtk_socket_hook)(void *ud, int fd, int events);

/* Told when to call rtk_client_timer_action: in timeout_ms milliseconds (0: as soon as the loop
 * can), or never (-1). Each call replaces the timer set by the one before. */
typedef void (*rtk_timer_hook)(void *ud, long timeout_ms);

/* Sets the client's socket hook (fn NULL: none, back to rtk_client_poll alone), passed ud on
 * each call. A hook replaced is first told to remove each socket it watched; the new one is told
 * of each socket already open. RTK_EINVAL while a transfer is running (set hooks before
 * starting any): the sockets of transfers under way could not all be told of. */
RTK_API rtk_status rtk_client_set_socket_hook(rtk_client *c, rtk_socket_hook fn, void *ud);

/* Sets the client's timer hook (fn NULL: none), passed ud on each call; RTK_EINVAL while a
 * transfer is running. Without one, a host asks rtk_client_timeout before each wait. */
RTK_API rtk_status rtk_client_set_timer_hook(rtk_client *c, rtk_timer_hook fn, void *ud);

/* Does the I/O of socket fd, which the loop found ready for events (RTK_EV_IN, RTK_EV_OUT,
 * RTK_EV_ERR, or 0 to let libcurl find out itself), and of any of libcurl's timers that are
 * due; never waits. Writes the ids of transfers that finished since the last call (up to max) to
 * ids and returns how many, as rtk_client_poll does: when it fills ids, call
 * rtk_client_timer_action for the rest (or pass max = RTK_MAX_TRANSFERS). A socket that is no
 * longer the client's is ignored (a loop may still report one that the hook was just told to
 * remove). */
RTK_API size_t rtk_client_socket_action(rtk_client *c, int fd, int events, unsigned *ids,
                                        size_t max);

/* Does what libcurl's timers want done (timeouts, a connection to start, ...): call it when the
 * time the timer hook named has come. Reports finished transfers as rtk_client_socket_action
 * does; never waits. */
RTK_API size_t rtk_client_timer_action(rtk_client *c, unsigned *ids, size_t max);

/* The outcome of a finished transfer, as rtk_client_request gives it, in res (filled whatever
 * the status); RTK_EINVAL (NO_SUCH_TRANSFER, NOT_FINISHED) for an id that is unknown, released
 * or still running. What res points to stays valid until the transfer is released. */
RTK_API rtk_status rtk_client_result(rtk_client *c, unsigned id, rtk_response *res);

/* Frees a transfer's slot for reuse; cancels it if it is still running. Unknown ids are ignored. */
RTK_API void rtk_client_release(rtk_client *c, unsigned id);

/* Header i (0-based) of a response: name lower-cased, value trimmed. Returns 0 past the end (and
 * for a failed transfer, which has none). */
RTK_API int rtk_response_header_at(const rtk_response *res, size_t i, const char **name,
                                   const char **value);

/* Value of a response's header by lower-case name (not NULL), or NULL. Header names are made of
 * RFC 9110's token characters (other lines are not taken as headers); in a value, NUL, CR and LF
 * bytes read as spaces, and an obsolete folded line continues the value before it after a
 * space. */
RTK_API const char *rtk_response_header(const rtk_response *res, const char *name);

/* The client's "last" accessors, from before each result carried its own error and headers.
 * They keep working for existing code, but read state the client keeps for them: new code
 * reads rtk_response's error and rtk_response_header instead, which are right however many
 * transfers finish in between.
 *
 * rtk_client_header_at and rtk_client_header read the response of the last rtk_client_request
 * or rtk_client_result call (until that transfer is released); rtk_client_errmsg ("" after
 * success; never the token) and rtk_client_errname say why the last rtk_client_request,
 * rtk_client_start(_ex) or rtk_client_result call failed. */
RTK_API int rtk_client_header_at(const rtk_client *c, size_t i, const char **name,
                                 const char **value);
RTK_API const char *rtk_client_header(const rtk_client *c, const char *name);
RTK_API const char *rtk_client_errmsg(const rtk_client *c);
RTK_API const char *rtk_client_errname(const rtk_client *c);

/* "network", "timeout", "tls", "too_large", "nomem", "invalid", "busy" or "ok". */
RTK_API const char *rtk_status_kind(rtk_status s);

/* Where the client's token first occurs in s[0..n), or NULL. Lets a caller scrub text that came
 * back from a server (an echoing proxy, say) without ever reading the token. */
RTK_API const char *rtk_client_find_token(const rtk_client *c, const char *s, size_t n,
                                          size_t *token_len);

/* Text at least this long that the token starts with is treated as the token: a server (or a
 * message) that quotes a token cut short still does not show it. A token shorter than
 * RTK_REDACT_MIN_TOKEN is not looked for (it would be every such letter of every text). */
#define RTK_REDACT_MIN_PREFIX 8
#define RTK_REDACT_MIN_TOKEN 4

/* Where the token, or a run of at least RTK_REDACT_MIN_PREFIX bytes that the token starts with,
 * first occurs in s[0..n), or NULL; *match_len is then the match's length (the longest run at
 * that place). What rtk_client_find_token finds, and the starts of the token too. */
RTK_API const char *rtk_client_find_secret(const rtk_client *c, const char *s, size_t n,
                                           size_t *match_len);

/* How many bytes at the end of s[0..n) are the start of the token (shorter than the token), or
 * 0: what a text cut in the middle of a token would end with. */
RTK_API size_t rtk_client_token_tail(const rtk_client *c, const char *s, size_t n);

/* What a redaction writes in place of a match. */
#define RTK_REDACT_MARKER "[REDACTED]"

/* How many bytes at the start of s[0..n) spell, after the end of a RTK_REDACT_MARKER ("]",
 * "D]", ...), the token or a run of at least RTK_REDACT_MIN_PREFIX bytes it starts with (0 when
 * they do not, as always for a token that starts with no end of the marker). A redaction that
 * writes the marker in place of a match found with rtk_client_find_secret drops these bytes
 * with it, again until none are left, so that the marker never completes what it hides. */
RTK_API size_t rtk_client_marker_run(const rtk_client *c, const char *s, size_t n);

/* The User-Agent a client sends. */
RTK_API const char *rtk_client_user_agent(const rtk_client *c);

/* Closes the connection and frees everything; wipes the token from memory. NULL is fine. Call
 * it once per client: the client is gone afterwards, and neither it nor the responses, header
 * strings or messages read from it may be used. Its hooks are told to forget its sockets and
 * timer before it returns (see rtk_client_set_socket_hook). */
RTK_API void rtk_client_free(rtk_client *c);

/* Sleeps for the given seconds (fractions allowed), resuming after signals. The Lua layer waits
 * between retries with it. */
RTK_API void rtk_sleep(double seconds);

/* Seconds on a monotonic clock, for measuring intervals. */
RTK_API double rtk_monotonic(void);

/* libcurl's version string, e.g. "7.88.1". */
RTK_API const char *rtk_curl_version(void);

/* How libcurl resolves host names: "threaded" (a thread of its own per lookup, so a poll never
 * waits for DNS), "c-ares" (asynchronous too) or "blocking" (inside the poll that connects). */
RTK_API const char *rtk_curl_resolver(void);

/* Webhook signatures (rtk_webhook.c, which needs only OpenSSL's libcrypto). */

typedef enum rtk_verify_status {
  RTK_VERIFY_OK = 0,        /* the signature is valid */
  RTK_VERIFY_MISMATCH,      /* well formed, but not this key's signature of this body */
  RTK_VERIFY_BAD_SIGNATURE, /* empty, not base64, or not the key's size (truncated, say) */
  RTK_VERIFY_BAD_KEY,       /* not a PEM public key, not an RSA key, or above 8192 bits */
  RTK_VERIFY_NOMEM
} rtk_verify_status;

/* Initialises OpenSSL for rtk_verify_rsa_sha256 and checks one signature of its own: RTK_VERIFY_OK,
 * or RTK_VERIFY_NOMEM when that could not be done (OpenSSL may then stay unusable for the rest
 * of the process). Call it once before the first check, from the main thread; luaopen does.
 * OpenSSL would otherwise initialise itself during the first check, and an allocation that
 * fails then can make every later key read as RTK_VERIFY_BAD_KEY. */
RTK_API rtk_verify_status rtk_verify_init(void);

/* Whether sig_b64 (base64, padding optional) is the RSASSA-PKCS1-v1_5 SHA-256 signature of the
 * body's bytes by the RSA public key in pem (SubjectPublicKeyInfo: "BEGIN PUBLIC KEY"). Never
 * reads past the given lengths; neither string needs a NUL. The key is checked before the
 * signature (a NULL sig_b64 reads as an empty one), so an empty signature tells a usable key
 * (RTK_VERIFY_BAD_SIGNATURE) from an unusable one (RTK_VERIFY_BAD_KEY). A signature text longer
 * than an 8192-bit key's is refused unread. Memory that runs out is RTK_VERIFY_NOMEM, for this
 * call only. Leaves this thread's OpenSSL error queue as it found it. */
RTK_API rtk_verify_status rtk_verify_rsa_sha256(const void *body, size_t body_len,
                                                const char *sig_b64, size_t sig_len,
                                                const char *pem, size_t pem_len);

/* "ok", "mismatch", "bad_signature", "bad_key" or "nomem". */
RTK_API const char *rtk_verify_name(rtk_verify_status s);

/* One line saying what the status means. */
RTK_API const char *rtk_verify_message(rtk_verify_status s);

#ifdef __cplusplus
}
#endif

#endif
