/* test_backoff.c: unit tests of gpio/backoff.c: the first delay, doubling
 * up to the cap, the jitter range, and reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

/* A delay within [75 %, 100 %] of the nominal one. */
static void assert_jittered(uint64_t delay, uint64_t nominal)
{
	if (delay * 4 < nominal * 3 || delay > nominal)
		fail_msg("delay %llu outside [75 %%, 100 %%] of %llu",
			 (unsigned long long)delay,
			 (unsigned long long)nominal);
}

static void test_first_delay_is_75_to_100_percent_of_first(void **state)
{
	uint64_t lo = UINT64_MAX, hi = 0, d;
	struct backoff b;
	uint32_t seed;

	(void)state;
	for (seed = 0; seed < 2000; seed++) {
		backoff_init(&b, 100, 10000, seed);
		d = backoff_next(&b);
		assert_jittered(d, 100);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* the jitter spreads: both ends of the range are reached */
	assert_true(lo == 75);
	assert_true(hi == 100);
}

static void test_delay_doubles_up_to_the_cap(void **state)
{
	static const uint64_t nominal[] = {
		100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000,
	};
	struct backoff b;
	uint32_t seed;
	size_t i;

	(void)state;
	for (seed = 1; seed < 200; seed++) {
		backoff_init(&b, 100, 10000, seed);
		for (i = 0; i < sizeof(nominal) / sizeof(nominal[0]); i++) {
			assert_jittered(backoff_next(&b), nominal[i]);
			assert_true(b.next_ms == nominal[i]);
			assert_int_equal(b.attempts, i + 1);
		}
	}
}

/* The broker session's figures: 1 s doubling to 30 s. */
static void test_cap_that_is_not_a_power_of_two(void **state)
{
	static const uint64_t nominal[] = {
		1000, 2000, 4000, 8000, 16000, 30000, 30000,
	};
	struct backoff b;
	size_t i;

	(void)state;
	backoff_init(&b, 1000, 30000, 12345);
	for (i = 0; i < sizeof(nominal) / sizeof(nominal[0]); i++)
		assert_jittered(backoff_next(&b), nominal[i]);
}

static void test_first_above_max_is_capped(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 500, 200, 7);
	assert_jittered(backoff_next(&b), 200);
	assert_jittered(backoff_next(&b), 200);
}

static void test_reset_starts_again_from_first(void **state)
{
	struct backoff b;
	int i;

	(void)state;
	backoff_init(&b, 100, 10000, 99);
	for (i = 0; i < 20; i++)
		backoff_next(&b);
	assert_true(b.next_ms == 10000);
	backoff_reset(&b);
	assert_int_equal(b.attempts, 0);
	assert_jittered(backoff_next(&b), 100);
	assert_jittered(backoff_next(&b), 200);
}

/* Daemons restarted together with different seeds retry apart. */
static void test_seeds_spread_the_delays(void **state)
{
	struct backoff a, b;
	int same = 0, i;

	(void)state;
	backoff_init(&a, 10000, 10000, 1);
	backoff_init(&b, 10000, 10000, 2);
	for (i = 0; i < 20; i++)
		same += backoff_next(&a) == backoff_next(&b);
	assert_true(same < 5);
}

/* Delays too small to jitter are exact. */
static void test_tiny_delays_are_exact(void **state)
{
	struct backoff b;

	(void)state;
	backoff_init(&b, 1, 3, 5);
	assert_true(backoff_next(&b) == 1);
	assert_true(backoff_next(&b) == 2);
	assert_true(backoff_next(&b) == 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_delay_is_75_to_100_percent_of_first),
		cmocka_unit_test(test_delay_doubles_up_to_the_cap),
		cmocka_unit_test(test_cap_that_is_not_a_power_of_two),
		cmocka_unit_test(test_first_above_max_is_capped),
		cmocka_unit_test(test_reset_starts_again_from_first),
		cmocka_unit_test(test_seeds_spread_the_delays),
		cmocka_unit_test(test_tiny_delays_are_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
