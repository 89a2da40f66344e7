/* backoff.c: doubling retry delays with jitter. */
#include "backoff.h"

void backoff_init(struct backoff *b, uint64_t first_ms, uint64_t max_ms,
		  uint32_t seed)
{
	b->first_ms = first_ms;
	b->max_ms = max_ms;
	b->seed = seed ? seed : 0x9e3779b9u;
	backoff_reset(b);
}

void backoff_reset(struct backoff *b)
{
	b->next_ms = 0;
	b->attempts = 0;
}

/* xorshift32: cheap and good enough to spread retries. */
static uint32_t backoff_random(struct backoff *b)
{
	uint32_t x = b->seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	b->seed = x;
	return x;
}

uint64_t backoff_next(struct backoff *b)
{
	uint64_t delay, jitter;

	if (b->next_ms == 0)
		b->next_ms = b->first_ms;
	else if (b->next_ms < b->max_ms)
		b->next_ms *= 2;
	if (b->next_ms > b->max_ms)
		b->next_ms = b->max_ms;
	b->attempts++;

	delay = b->next_ms;
	jitter = delay / 4;
	if (jitter)
		delay -= backoff_random(b) % (jitter + 1);
	return delay;
}
