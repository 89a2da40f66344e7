/* test_topic.c: unit tests of broker/topic.c: how incoming topics are
 * classified (commands, our own outputs, unknown, foreign) and how the
 * topics we publish are built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "topic.h"

static void expect(const char *prefix, const char *topic,
		   enum topic_kind kind, int gpio)
{
	struct topic_parsed t = topic_parse(prefix, topic);

	if (t.kind != kind || t.gpio != gpio)
		fail_msg("'%s' under '%s': kind %d gpio %d, expected kind %d "
			 "gpio %d", topic, prefix, t.kind, t.gpio, kind, gpio);
}

static void test_set_topic_names_the_pin(void **state)
{
	(void)state;
	expect("gpio", "gpio/17/set", TOPIC_SET, 17);
	expect("gpio", "gpio/0/set", TOPIC_SET, 0);
	expect("gpio", "gpio/65535/set", TOPIC_SET, 65535);
	expect("gpio", "gpio/529/set", TOPIC_SET, 529);
}

static void test_count_set_topic_names_the_pin(void **state)
{
	(void)state;
	expect("gpio", "gpio/17/count/set", TOPIC_COUNT_SET, 17);
	expect("gpio", "gpio/0/count/set", TOPIC_COUNT_SET, 0);
}

/* What we publish comes back to us through the '#' subscription. */
static void test_our_own_outputs_are_ignored(void **state)
{
	(void)state;
	expect("gpio", "gpio/17/edge", TOPIC_OUTPUT, 17);
	expect("gpio", "gpio/17/count", TOPIC_OUTPUT, 17);
	expect("gpio", "gpio/17/state", TOPIC_OUTPUT, 17);
	expect("gpio", "gpio/17/error", TOPIC_OUTPUT, 17);
	expect("gpio", "gpio/status", TOPIC_OUTPUT, -1);
	expect("gpio", "gpio/error", TOPIC_OUTPUT, -1);
}

/* Unknown topics keep the pin number when there is a valid one, so that
 * the error can go to that pin's error topic. */
static void test_unknown_topics_under_the_prefix(void **state)
{
	(void)state;
	expect("gpio", "gpio/17/sett", TOPIC_UNKNOWN, 17);
	expect("gpio", "gpio/17/set/x", TOPIC_UNKNOWN, 17);
	expect("gpio", "gpio/17/count/set/x", TOPIC_UNKNOWN, 17);
	expect("gpio", "gpio/17/", TOPIC_UNKNOWN, 17);
	expect("gpio", "gpio/17/Set", TOPIC_UNKNOWN, 17);
	expect("gpio", "gpio/17/status", TOPIC_UNKNOWN, 17);
	expect("gpio", "gpio/17", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/status/x", TOPIC_UNKNOWN, -1);
}

static void test_unknown_when_the_number_is_not_ours(void **state)
{
	(void)state;
	expect("gpio", "gpio/017/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/00/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/x/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/17x/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/-1/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/+17/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/ 17/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/65536/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/99999/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/100000/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio/4294967313/set", TOPIC_UNKNOWN, -1);
	expect("gpio", "gpio//set", TOPIC_UNKNOWN, -1);
}

static void test_foreign_topics(void **state)
{
	(void)state;
	expect("gpio", "other/17/set", TOPIC_FOREIGN, -1);
	expect("gpio", "gpiox/17/set", TOPIC_FOREIGN, -1);
	expect("gpio", "gpi/17/set", TOPIC_FOREIGN, -1);
	expect("gpio", "GPIO/17/set", TOPIC_FOREIGN, -1);
	expect("gpio", "gpio", TOPIC_FOREIGN, -1);
	expect("gpio", "", TOPIC_FOREIGN, -1);
	expect("gpio", "/gpio/17/set", TOPIC_FOREIGN, -1);
	expect("gpio", "x/gpio/17/set", TOPIC_FOREIGN, -1);
}

static void test_multi_level_prefix(void **state)
{
	(void)state;
	expect("site/a/gpio", "site/a/gpio/17/set", TOPIC_SET, 17);
	expect("site/a/gpio", "site/a/gpio/17/count/set", TOPIC_COUNT_SET,
	       17);
	expect("site/a/gpio", "site/a/gpio/17/edge", TOPIC_OUTPUT, 17);
	expect("site/a/gpio", "site/a/gpio/status", TOPIC_OUTPUT, -1);
	expect("site/a/gpio", "site/a/gpio/17/sett", TOPIC_UNKNOWN, 17);
	expect("site/a/gpio", "site/a/gpio/a/set", TOPIC_UNKNOWN, -1);
	expect("site/a/gpio", "site/a/17/set", TOPIC_FOREIGN, -1);
	expect("site/a/gpio", "site/b/gpio/17/set", TOPIC_FOREIGN, -1);
	expect("site/a/gpio", "site/a/gpiox/17/set", TOPIC_FOREIGN, -1);
	expect("site/a/gpio", "site/a", TOPIC_FOREIGN, -1);
}

static void test_pin_topic_is_built(void **state)
{
	char buf[TOPIC_MAX];

	(void)state;
	assert_int_equal(topic_pin(buf, sizeof(buf), "gpio", 17, "edge"), 12);
	assert_string_equal(buf, "gpio/17/edge");
	assert_true(topic_pin(buf, sizeof(buf), "site/a/gpio", 65535,
			      "count/set") > 0);
	assert_string_equal(buf, "site/a/gpio/65535/count/set");
}

/* The longest prefix with the longest pin topic fits TOPIC_MAX. */
static void test_topic_max_fits_the_longest_topic(void **state)
{
	char prefix[CONFIG_PREFIX_MAX + 1], buf[TOPIC_MAX];
	struct topic_parsed t;

	(void)state;
	memset(prefix, 'p', CONFIG_PREFIX_MAX);
	prefix[CONFIG_PREFIX_MAX] = '\0';
	assert_int_equal(topic_pin(buf, sizeof(buf), prefix, 65535,
				   "count/set"), CONFIG_PREFIX_MAX + 16);
	t = topic_parse(prefix, buf);
	assert_int_equal(t.kind, TOPIC_COUNT_SET);
	assert_int_equal(t.gpio, 65535);
}

static void test_topics_that_do_not_fit_fail(void **state)
{
	char buf[13];

	(void)state;
	assert_int_equal(topic_pin(buf, 12, "gpio", 17, "edge"), -1);
	assert_int_equal(topic_pin(buf, sizeof(buf), "gpio", 17, "edge"), 12);
	assert_int_equal(topic_global(buf, 11, "gpio", "status"), -1);
	assert_int_equal(topic_global(buf, 12, "gpio", "status"), 11);
	assert_string_equal(buf, "gpio/status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_topic_names_the_pin),
		cmocka_unit_test(test_count_set_topic_names_the_pin),
		cmocka_unit_test(test_our_own_outputs_are_ignored),
		cmocka_unit_test(test_unknown_topics_under_the_prefix),
		cmocka_unit_test(test_unknown_when_the_number_is_not_ours),
		cmocka_unit_test(test_foreign_topics),
		cmocka_unit_test(test_multi_level_prefix),
		cmocka_unit_test(test_pin_topic_is_built),
		cmocka_unit_test(test_topic_max_fits_the_longest_topic),
		cmocka_unit_test(test_topics_that_do_not_fit_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
