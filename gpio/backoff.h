/* backoff.h: retry delays that double from a first to a last value, with
 * jitter, so that many daemons restarted together do not retry together. */
#ifndef GB_BACKOFF_H
#define GB_BACKOFF_H

#include <stdint.h>

struct backoff {
	uint64_t first_ms;
	uint64_t max_ms;
	uint64_t next_ms;	/* the delay before jitter, 0 before the first */
	uint32_t seed;
	unsigned int attempts;
};

void backoff_init(struct backoff *b, uint64_t first_ms, uint64_t max_ms,
		  uint32_t seed);

/* The delay before the next attempt: the nominal delay, less up to a
 * quarter of it at random; the nominal delay doubles each call, up to
 * max_ms. */
uint64_t backoff_next(struct backoff *b);

/* Forget the failures: the next delay is first_ms again. */
void backoff_reset(struct backoff *b);

#endif
