/* Unit tests of the kernel rules: kstrtol, sysfs_streq, the line model. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kstr.h"
#include "model.h"

#define FRESH (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLERR | POLLPRI)
#define QUIET (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

static int notified;

static void count_notify(struct model_file *f, void *arg)
{
	(void)f;
	(void)arg;
	notified++;
}

static void ignore_waiter(void *waiter, void *arg)
{
	(void)waiter;
	(void)arg;
}

static void expect_tol(const char *s, int rv, long v)
{
	long got = 12345;

	assert_int_equal(kstr_tol(s, &got), rv);
	if (!rv)
		assert_int_equal(got, v);
}

static void kstrtol_like_the_kernel(void **state)
{
	(void)state;
	expect_tol("17", 0, 17);
	expect_tol("17\n", 0, 17);
	expect_tol("0x11", 0, 17);
	expect_tol("0X11\n", 0, 17);
	expect_tol("021", 0, 17);
	expect_tol("+17", 0, 17);
	expect_tol("-17", 0, -17);
	expect_tol("-0", 0, 0);
	expect_tol("0", 0, 0);
	expect_tol("-9223372036854775808", 0, LONG_MIN);
	expect_tol("9223372036854775807", 0, LONG_MAX);
	expect_tol("9223372036854775808", -ERANGE, 0);
	expect_tol("-9223372036854775809", -ERANGE, 0);
	expect_tol("99999999999999999999x", -ERANGE, 0);
	expect_tol("", -EINVAL, 0);
	expect_tol("\n", -EINVAL, 0);
	expect_tol(" 17", -EINVAL, 0);
	expect_tol("17 ", -EINVAL, 0);
	expect_tol("17\n\n", -EINVAL, 0);
	expect_tol("0x", -EINVAL, 0);
	expect_tol("0x1g", -EINVAL, 0);
	expect_tol("08", -EINVAL, 0);
	expect_tol("+-1", -EINVAL, 0);
	expect_tol("-+1", -EINVAL, 0);
	expect_tol("--1", -EINVAL, 0);
	expect_tol("junk", -EINVAL, 0);
}

static void sysfs_streq_allows_one_newline(void **state)
{
	(void)state;
	assert_true(kstr_streq("in", "in"));
	assert_true(kstr_streq("in\n", "in"));
	assert_true(kstr_streq("in", "in\n"));
	assert_false(kstr_streq("in\n\n", "in"));
	assert_false(kstr_streq("in ", "in"));
	assert_false(kstr_streq("IN", "in"));
	assert_false(kstr_streq("", "in"));
	assert_false(kstr_streq("i", "in"));
}

/* A model with one chip, base 100, 8 lines. */
static int setup(void **state)
{
	static struct model m;
	struct model_chip chip = { .label = "t", .base = 100, .ngpio = 8 };

	notified = 0;
	if (model_init(&m, &chip, 1, 0))
		return -1;
	m.notify = count_notify;
	m.drop_waiter = ignore_waiter;
	*state = &m;
	return 0;
}

static int teardown(void **state)
{
	model_fini(*state);
	return 0;
}

static struct model_file global(enum model_node node)
{
	struct model_file f = { .node = node };

	return f;
}

static int store(struct model *m, enum model_node node, const char *text)
{
	struct model_file f = global(node);

	return model_write(m, &f, text);
}

/* Open attribute node of line num for accmode; asserts success. */
static void open_attr(struct model *m, struct model_file *f, unsigned num,
		      enum model_node node, int accmode)
{
	memset(f, 0, sizeof(*f));
	f->node = node;
	f->pin = model_pin(m, num);
	f->instance = f->pin->instance;
	assert_int_equal(model_open(m, f, accmode), 0);
}

static int attr_write(struct model *m, unsigned num, enum model_node node,
		      const char *text)
{
	struct model_file f;
	int rv;

	open_attr(m, &f, num, node, O_WRONLY);
	rv = model_write(m, &f, text);
	model_close(m, &f);
	return rv;
}

static const char *attr_read(struct model *m, unsigned num,
			     enum model_node node)
{
	static char buf[16];
	struct model_file f;
	int n;

	open_attr(m, &f, num, node, O_RDONLY);
	n = model_read(m, &f, buf, sizeof(buf) - 1, 0);
	model_close(m, &f);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void export_checks_in_kernel_order(void **state)
{
	struct model *m = *state;

	assert_int_equal(store(m, MODEL_EXPORT, "99\n"), -EINVAL);
	assert_int_equal(store(m, MODEL_EXPORT, "108"), -EINVAL);
	assert_int_equal(store(m, MODEL_EXPORT, "1x"), -EINVAL);
	assert_int_equal(store(m, MODEL_EXPORT, "99999999999999999999"),
			 -ERANGE);
	assert_int_equal(store(m, MODEL_EXPORT, "0x64"), 0);
	assert_int_equal(store(m, MODEL_EXPORT, "100"), -EBUSY);
	assert_int_equal(store(m, MODEL_UNEXPORT, "101"), -EINVAL);
	assert_int_equal(store(m, MODEL_UNEXPORT, "0144\n"), 0);
	/* gpio_to_desc() takes an unsigned int */
	assert_int_equal(store(m, MODEL_EXPORT, "4294967397"), 0);
	assert_true(model_pin(m, 101)->instance != 0);
	assert_int_equal(model_pin(m, 101)->st.exports, 1);
}

static void value_is_eperm_on_input_before_parsing(void **state)
{
	struct model *m = *state;

	assert_int_equal(store(m, MODEL_EXPORT, "102"), 0);
	assert_int_equal(attr_write(m, 102, MODEL_VALUE, "junk"), -EPERM);
	assert_int_equal(attr_write(m, 102, MODEL_DIRECTION, "high"), 0);
	assert_int_equal(attr_write(m, 102, MODEL_VALUE, "junk"), -EINVAL);
	assert_int_equal(attr_write(m, 102, MODEL_VALUE, "4294967296"), 0);
	assert_string_equal(attr_read(m, 102, MODEL_VALUE), "0\n");
	assert_int_equal(attr_write(m, 102, MODEL_ACTIVE_LOW, "1"), 0);
	assert_string_equal(attr_read(m, 102, MODEL_VALUE), "1\n");
	assert_int_equal(model_level(model_pin(m, 102)), 0);
}

static void edge_on_output_is_eio_after_freeing(void **state)
{
	struct model *m = *state;

	assert_int_equal(store(m, MODEL_EXPORT, "103"), 0);
	assert_int_equal(attr_write(m, 103, MODEL_EDGE, "both"), 0);
	assert_int_equal(attr_write(m, 103, MODEL_DIRECTION, "out"), 0);
	assert_string_equal(attr_read(m, 103, MODEL_EDGE), "both\n");
	assert_int_equal(attr_write(m, 103, MODEL_EDGE, "junk"), -EINVAL);
	assert_int_equal(attr_write(m, 103, MODEL_EDGE, "both\n"), 0);
	assert_int_equal(attr_write(m, 103, MODEL_EDGE, "rising"), -EIO);
	assert_string_equal(attr_read(m, 103, MODEL_EDGE), "none\n");
}

static void coalesced_edges_give_one_pending_state(void **state)
{
	struct model *m = *state;
	struct model_pin *p = model_pin(m, 104);
	struct model_file f;
	char buf[4];
	int i;

	assert_int_equal(store(m, MODEL_EXPORT, "104"), 0);
	assert_int_equal(attr_write(m, 104, MODEL_EDGE, "rising"), 0);
	open_attr(m, &f, 104, MODEL_VALUE, O_RDONLY);
	assert_int_equal(model_poll(m, &f), FRESH);
	assert_int_equal(model_read(m, &f, buf, sizeof(buf), 0), 2);
	assert_int_equal(model_poll(m, &f), QUIET);
	f.waiter = &f;
	for (i = 0; i < 5; i++) {
		model_set_pull(m, p, 1);
		model_set_pull(m, p, 0);
	}
	assert_int_equal(notified, 1);
	assert_int_equal(p->st.edges, 10);
	assert_int_equal(p->st.events, 5);
	assert_int_equal(model_poll(m, &f), FRESH);
	assert_int_equal(model_read(m, &f, buf, sizeof(buf), 9), 0);
	assert_int_equal(model_poll(m, &f), QUIET);
	f.waiter = NULL;
	model_close(m, &f);
}

static void active_low_swaps_rising_and_falling(void **state)
{
	struct model *m = *state;
	struct model_pin *p = model_pin(m, 105);

	assert_int_equal(store(m, MODEL_EXPORT, "105"), 0);
	assert_int_equal(attr_write(m, 105, MODEL_EDGE, "rising"), 0);
	assert_int_equal(attr_write(m, 105, MODEL_ACTIVE_LOW, "2"), 0);
	model_set_pull(m, p, 1);
	assert_int_equal(p->st.events, 0);
	model_set_pull(m, p, 0);
	assert_int_equal(p->st.events, 1);
	assert_string_equal(attr_read(m, 105, MODEL_VALUE), "1\n");
}

static void unexport_kills_open_files(void **state)
{
	struct model *m = *state;
	struct model_file f;
	char buf[4];

	assert_int_equal(store(m, MODEL_EXPORT, "106"), 0);
	open_attr(m, &f, 106, MODEL_VALUE, O_RDWR);
	assert_int_equal(model_read(m, &f, buf, sizeof(buf), 0), 2);
	assert_int_equal(store(m, MODEL_UNEXPORT, "106"), 0);
	assert_int_equal(model_poll(m, &f), FRESH);
	assert_int_equal(model_read(m, &f, buf, sizeof(buf), 0), -ENODEV);
	assert_int_equal(model_write(m, &f, "1"), -ENODEV);
	assert_int_equal(store(m, MODEL_EXPORT, "106"), 0);
	assert_int_equal(model_read(m, &f, buf, sizeof(buf), 0), -ENODEV);
	assert_int_equal(model_open(m, &f, O_RDONLY), -ENODEV);
	model_close(m, &f);
}

static void wire_drives_input_at_once(void **state)
{
	struct model *m = *state;
	struct model_pin *in = model_pin(m, 101);

	assert_int_equal(store(m, MODEL_EXPORT, "100"), 0);
	assert_int_equal(store(m, MODEL_EXPORT, "101"), 0);
	assert_int_equal(model_wire(m, model_pin(m, 100), in), 0);
	assert_int_equal(attr_write(m, 101, MODEL_EDGE, "both"), 0);
	assert_int_equal(attr_write(m, 100, MODEL_DIRECTION, "high"), 0);
	assert_int_equal(in->st.events, 1);
	assert_int_equal(attr_write(m, 100, MODEL_VALUE, "0"), 0);
	assert_int_equal(in->st.events, 2);
	assert_string_equal(attr_read(m, 101, MODEL_VALUE), "0\n");
}

static void reexport_starts_as_input_unless_kept(void **state)
{
	struct model *m = *state;

	assert_int_equal(store(m, MODEL_EXPORT, "107"), 0);
	assert_int_equal(attr_write(m, 107, MODEL_DIRECTION, "high"), 0);
	assert_int_equal(store(m, MODEL_UNEXPORT, "107"), 0);
	assert_int_equal(store(m, MODEL_EXPORT, "107"), 0);
	assert_string_equal(attr_read(m, 107, MODEL_DIRECTION), "in\n");
	m->keep_direction = true;
	assert_int_equal(attr_write(m, 107, MODEL_DIRECTION, "high"), 0);
	assert_int_equal(store(m, MODEL_UNEXPORT, "107"), 0);
	model_set_pull(m, model_pin(m, 107), 1);
	model_set_pull(m, model_pin(m, 107), 0);
	assert_int_equal(store(m, MODEL_EXPORT, "107"), 0);
	assert_string_equal(attr_read(m, 107, MODEL_DIRECTION), "out\n");
	assert_string_equal(attr_read(m, 107, MODEL_VALUE), "0\n");
}

static void read_only_and_write_only_files(void **state)
{
	struct model *m = *state;
	struct model_file f = global(MODEL_EXPORT);

	assert_int_equal(model_open(m, &f, O_RDONLY), -EACCES);
	assert_int_equal(model_open(m, &f, O_WRONLY), 0);
	f = global(MODEL_CHIP_BASE);
	f.chip = &m->chips[0];
	assert_int_equal(model_open(m, &f, O_RDWR), -EACCES);
	f = global(MODEL_STATS);
	assert_int_equal(model_open(m, &f, O_WRONLY), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kstrtol_like_the_kernel),
		cmocka_unit_test(sysfs_streq_allows_one_newline),
		cmocka_unit_test_setup_teardown(export_checks_in_kernel_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			value_is_eperm_on_input_before_parsing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			edge_on_output_is_eio_after_freeing, setup, teardown),
		cmocka_unit_test_setup_teardown(
			coalesced_edges_give_one_pending_state, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			active_low_swaps_rising_and_falling, setup, teardown),
		cmocka_unit_test_setup_teardown(unexport_kills_open_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(wire_drives_input_at_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			reexport_starts_as_input_unless_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_and_write_only_files,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
