/*
 * Private to src/http: per-address request-rate limiting with token
 * buckets in a fixed table (no growth under a flood of addresses).
 */
#ifndef TEKEN_HTTP_RATELIMIT_H
#define TEKEN_HTTP_RATELIMIT_H

#include "core/core.h"

#include <pthread.h>

#define HTTP_RL_BUCKETS 4096u /* table size (a power of two) */
#define HTTP_RL_PROBE 8u      /* slots looked at per address; the stalest one is evicted */

struct http_rl;

/*
 * A limiter refilling rate tokens per second up to burst, one token per
 * request, for at most nbuckets addresses (a power of two) at a time.
 * Caller frees with http_rl_free().
 */
enum tk_err http_rl_new(uint32_t rate, uint32_t burst, size_t nbuckets, struct http_rl **out) WARN_UNUSED;
void http_rl_free(struct http_rl *rl);
/*
 * Takes a token for the textual address addr at now_ms (a monotonic clock).
 * Returns 1 when the request may proceed; 0 when it is over the limit, with
 * *retry_after_s (at least 1) seconds until a token is back. IPv6 addresses
 * share a bucket per /64, since one subscriber usually holds a whole /64.
 * Thread-safe.
 */
int http_rl_take(struct http_rl *rl, const char *addr, uint64_t now_ms, unsigned *retry_after_s);

/*
 * A per-address count in fixed windows (so many per minute or hour), for
 * costly public actions on top of the request rate. A small fixed table:
 * colliding addresses share a budget, which only errs on the strict side.
 * Define with HTTP_WINDOW_INIT(limit, seconds).
 */
#define HTTP_WINDOW_SLOTS 1024u
struct http_window {
	pthread_mutex_t lock;
	unsigned limit;
	int64_t seconds;
	struct {
		uint64_t key;
		int64_t window;
		unsigned count;
	} slot[HTTP_WINDOW_SLOTS];
};
/* A braced initializer in a macro, which clang-format 14 would lay out as a block: */
/* clang-format off */
#define HTTP_WINDOW_INIT(limit, seconds) {PTHREAD_MUTEX_INITIALIZER, (limit), (seconds), {{0, 0, 0}}}
/* clang-format on */
/* Counts one action of addr at now (Unix seconds); 1 while within the window's limit. Thread-safe. */
int http_window_take(struct http_window *w, const char *addr, int64_t now);

#endif
