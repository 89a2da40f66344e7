/* test_edge.c: unit tests of gpio/edge.c: which wake-ups of a sysfs value
 * fd count as an edge, which kind, and when edges are known missed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "edge.h"

static void expect(enum config_edge mode, int previous, int level,
		   bool counted, enum edge_kind kind, unsigned int missed)
{
	struct edge_event ev = edge_classify(mode, previous, level);

	if (ev.counted != counted || ev.missed != missed ||
	    (counted && ev.kind != kind))
		fail_msg("mode %d, %d -> %d: counted %d kind %d missed %u, "
			 "expected counted %d kind %d missed %u", mode,
			 previous, level, ev.counted, ev.kind, ev.missed,
			 counted, kind, missed);
}

/* sysfs wakes once for any number of edges: each wake-up is one edge,
 * and the level read afterwards says nothing about it. */
static void test_rising_counts_every_wakeup_whatever_the_level(void **state)
{
	(void)state;
	expect(CONFIG_EDGE_RISING, 0, 1, true, EDGE_RISING, 0);
	expect(CONFIG_EDGE_RISING, 1, 0, true, EDGE_RISING, 0);
	expect(CONFIG_EDGE_RISING, 0, 0, true, EDGE_RISING, 0);
	expect(CONFIG_EDGE_RISING, 1, 1, true, EDGE_RISING, 0);
}

static void test_falling_counts_every_wakeup_whatever_the_level(void **state)
{
	(void)state;
	expect(CONFIG_EDGE_FALLING, 1, 0, true, EDGE_FALLING, 0);
	expect(CONFIG_EDGE_FALLING, 0, 1, true, EDGE_FALLING, 0);
	expect(CONFIG_EDGE_FALLING, 0, 0, true, EDGE_FALLING, 0);
	expect(CONFIG_EDGE_FALLING, 1, 1, true, EDGE_FALLING, 0);
}

static void test_both_level_names_the_edge(void **state)
{
	(void)state;
	expect(CONFIG_EDGE_BOTH, 0, 1, true, EDGE_RISING, 0);
	expect(CONFIG_EDGE_BOTH, 1, 0, true, EDGE_FALLING, 0);
}

/* Same level as before: a whole pulse came and went between two reads. */
static void test_both_same_level_counts_nothing_and_misses_two(void **state)
{
	(void)state;
	expect(CONFIG_EDGE_BOTH, 0, 0, false, EDGE_RISING, 2);
	expect(CONFIG_EDGE_BOTH, 1, 1, false, EDGE_RISING, 2);
}

static void test_none_counts_nothing(void **state)
{
	(void)state;
	expect(CONFIG_EDGE_NONE, 0, 1, false, EDGE_RISING, 0);
	expect(CONFIG_EDGE_NONE, 1, 0, false, EDGE_RISING, 0);
	expect(CONFIG_EDGE_NONE, 1, 1, false, EDGE_RISING, 0);
}

/* A pulse train on a both pin, some pulses swallowed between reads:
 * count + missed equals the edges that happened. */
static void test_both_count_plus_missed_is_what_happened(void **state)
{
	/* levels read at each wake-up; 10 edges in all */
	static const int reads[] = { 1, 0, 0, 1, 1, 0, 1, 0 };
	unsigned int counted = 0, missed = 0;
	struct edge_event ev;
	int previous = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		ev = edge_classify(CONFIG_EDGE_BOTH, previous, reads[i]);
		counted += ev.counted;
		missed += ev.missed;
		previous = reads[i];
	}
	assert_int_equal(counted, 6);
	assert_int_equal(missed, 4);
}

static void test_edge_kind_names(void **state)
{
	(void)state;
	assert_string_equal(edge_kind_name(EDGE_RISING), "rising");
	assert_string_equal(edge_kind_name(EDGE_FALLING), "falling");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rising_counts_every_wakeup_whatever_the_level),
		cmocka_unit_test(test_falling_counts_every_wakeup_whatever_the_level),
		cmocka_unit_test(test_both_level_names_the_edge),
		cmocka_unit_test(test_both_same_level_counts_nothing_and_misses_two),
		cmocka_unit_test(test_none_counts_nothing),
		cmocka_unit_test(test_both_count_plus_missed_is_what_happened),
		cmocka_unit_test(test_edge_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
