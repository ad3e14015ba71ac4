/*
 * Token buckets keyed by client address in an open-addressed table of fixed
 * size. An address probes HTTP_RL_PROBE slots from its hash; when none holds
 * it, it takes an empty slot or evicts the slot used longest ago. A bucket
 * left alone refills to full, so evicting a stale one loses nothing; to
 * evict a busy one an attacker must already spread over many addresses,
 * each with its own budget anyway. The hash is seeded at random so slots
 * cannot be aimed at from outside. One mutex: the critical section is a few
 * dozen instructions.
 */
#include "http/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RL_MILLI 1000u /* tokens are counted in thousandths */

struct rl_slot {
	uint8_t key[17]; /* family byte + address (IPv6: the /64 prefix, rest zero) */
	uint8_t used;
	uint64_t tokens; /* thousandths of a token */
	uint64_t last_ms;
};

struct http_rl {
	pthread_mutex_t lock;
	uint64_t rate;  /* tokens per second = thousandths per millisecond */
	uint64_t burst; /* thousandths */
	uint64_t seed;
	size_t mask;
	struct rl_slot *slots;
};

enum tk_err http_rl_new(uint32_t rate, uint32_t burst, size_t nbuckets, struct http_rl **out)
{
	struct http_rl *rl = NULL;
	enum tk_err rc = TK_ERR_INTERNAL;

	*out = NULL;
	if (rate == 0 || burst == 0 || nbuckets < HTTP_RL_PROBE || (nbuckets & (nbuckets - 1)) != 0)
		return tk_fail(TK_ERR_INVALID, "http: rate limiter needs a rate, a burst and a power-of-two table");
	if ((rl = calloc(1, sizeof(*rl))) == NULL || (rl->slots = calloc(nbuckets, sizeof(*rl->slots))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "http: out of memory");
		goto out;
	}
	if ((rc = rand_bytes((uint8_t *)&rl->seed, sizeof(rl->seed))) != TK_OK)
		goto out;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		rc = tk_fail(TK_ERR_INTERNAL, "http: cannot create the rate limiter lock");
		goto out;
	}
	rl->rate = rate;
	rl->burst = (uint64_t)burst * RL_MILLI;
	rl->mask = nbuckets - 1;
	*out = rl;
	rl = NULL;
	rc = TK_OK;
out:
	if (rl != NULL)
		free(rl->slots);
	free(rl);
	return rc;
}

void http_rl_free(struct http_rl *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}

/* The bucket key of an address; unparsable text (no address) shares one key. */
static void rl_key(const char *addr, uint8_t key[17])
{
	struct in6_addr a6;
	struct in_addr a4;

	memset(key, 0, 17);
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		key[0] = 4;
		memcpy(key + 1, &a4, 4);
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			key[0] = 4;
			memcpy(key + 1, a6.s6_addr + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, a6.s6_addr, 8);
		}
	}
}

/* FNV-1a over the key from a secret start, then a 64-bit finaliser (MurmurHash3 fmix64). */
static uint64_t rl_hash(uint64_t seed, const uint8_t key[17])
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	size_t i;

	for (i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

int http_rl_take(struct http_rl *rl, const char *addr, uint64_t now_ms, unsigned *retry_after_s)
{
	uint8_t key[17];
	struct rl_slot *s = NULL, *victim = NULL;
	uint64_t h;
	size_t i;
	int ok;

	rl_key(addr, key);
	h = rl_hash(rl->seed, key);
	pthread_mutex_lock(&rl->lock);
	for (i = 0; i < HTTP_RL_PROBE; i++) {
		struct rl_slot *c = &rl->slots[(h + i) & rl->mask];
		if (c->used && memcmp(c->key, key, sizeof(key)) == 0) {
			s = c;
			break;
		}
		if (victim == NULL || (victim->used && (!c->used || c->last_ms < victim->last_ms)))
			victim = c;
	}
	if (s == NULL) {
		s = victim;
		memcpy(s->key, key, sizeof(key));
		s->used = 1;
		s->tokens = rl->burst;
		s->last_ms = now_ms;
	}
	if (now_ms > s->last_ms) {
		uint64_t add = (now_ms - s->last_ms) * rl->rate;
		s->tokens = add >= rl->burst - s->tokens ? rl->burst : s->tokens + add;
		s->last_ms = now_ms;
	}
	ok = s->tokens >= RL_MILLI;
	if (ok) {
		s->tokens -= RL_MILLI;
	} else {
		/* Milliseconds until one token is back, rounded up to whole seconds. */
		uint64_t ms = (RL_MILLI - s->tokens + rl->rate - 1) / rl->rate;
		*retry_after_s = (unsigned)((ms + 999) / 1000);
		if (*retry_after_s == 0)
			*retry_after_s = 1;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

int http_window_take(struct http_window *w, const char *addr, int64_t now)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a of the address */
	int64_t window = now / w->seconds;
	size_t i;
	int ok;

	for (; *addr; addr++)
		h = (h ^ (uint8_t)*addr) * 1099511628211ull;
	i = (size_t)(h % HTTP_WINDOW_SLOTS);
	pthread_mutex_lock(&w->lock);
	if (w->slot[i].key != h || w->slot[i].window != window) {
		w->slot[i].key = h;
		w->slot[i].window = window;
		w->slot[i].count = 0;
	}
	ok = ++w->slot[i].count <= w->limit;
	pthread_mutex_unlock(&w->lock);
	return ok;
}
