/*
 * Private to src/http: per-address request-rate limiting with token
 * buckets in a fixed table (no growth under a flood of addresses).
 */
#ifndef TEKEN_HTTP_RATELIMIT_H
#define TEKEN_HTTP_RATELIMIT_H

#include "core/core.h"

#define HTTP_RL_BUCKETS 4096u /* table size (a power of two) */
#define HTTP_RL_PROBE   8u    /* slots looked at per address; the stalest one is evicted */

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

#endif
