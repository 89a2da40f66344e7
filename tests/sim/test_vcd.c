/* Unit tests of the VCD reader: timescales, layouts, malformed files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vcd.h"

#define HEADER(ts)                                                        \
	"$date today $end\n$version test $end\n$comment\n  two lines\n"   \
	"$end\n$timescale " ts " $end\n$scope module top $end\n"          \
	"$var wire 1 ! IR $end\n$var wire 1 \" RAW $end\n"                 \
	"$var wire 4 # BUS $end\n$upscope $end\n$enddefinitions $end\n"

static int parse(const char *text, const char *signal,
		 struct vcd_trace *tr, char *err)
{
	return vcd_parse(text, strlen(text), "t.vcd", signal, tr, err, 256);
}

static void expect_changes(const struct vcd_trace *tr,
			   const int64_t *t_ns, const int *level, size_t n)
{
	size_t i;

	assert_int_equal(tr->n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(tr->changes[i].t_ns, t_ns[i]);
		assert_int_equal(tr->changes[i].level, level[i]);
	}
}

static void timescale_1us_values_on_one_line(void **state)
{
	static const int64_t t[] = { 0, 1000107000, 1009000000 };
	static const int l[] = { 1, 0, 1 };
	struct vcd_trace tr;
	char err[256];

	(void)state;
	assert_int_equal(parse(HEADER("1 us") "#0 1! 1\"\n#1000000 0\"\n"
			       "#1000107 0! 1\"\n#1009000 1!\n#1500000\n",
			       "IR", &tr, err), 0);
	expect_changes(&tr, t, l, 3);
	assert_int_equal(tr.end_ns, 1500000000);
	vcd_free(&tr);
}

static void timescale_10us_values_on_next_lines(void **state)
{
	static const int64_t t[] = { 0, 250000, 300000 };
	static const int l[] = { 0, 1, 0 };
	struct vcd_trace tr;
	char err[256];

	(void)state;
	assert_int_equal(parse(HEADER("10us") "$dumpvars\n0!\n1\"\nb0101 #\n"
			       "$end\n#25\n1!\n#30\n0!\n0\"\n", "IR", &tr,
			       err), 0);
	expect_changes(&tr, t, l, 3);
	vcd_free(&tr);
}

static void timescale_1ns_and_repeats_dropped(void **state)
{
	static const int64_t t[] = { 5, 7 };
	static const int l[] = { 1, 0 };
	struct vcd_trace tr;
	char err[256];

	(void)state;
	assert_int_equal(parse(HEADER("1ns") "#5 1!\n#6 1!\n#7 0!\n",
			       "IR", &tr, err), 0);
	expect_changes(&tr, t, l, 2);
	vcd_free(&tr);
}

static void timescales_100ms_and_10ps(void **state)
{
	struct vcd_trace tr;
	char err[256];

	(void)state;
	assert_int_equal(parse(HEADER("100 ms") "#0 0!\n#3 1!\n", "IR", &tr,
			       err), 0);
	assert_int_equal(tr.changes[1].t_ns, 300000000);
	vcd_free(&tr);
	assert_int_equal(parse(HEADER("10 ps") "#0 0!\n#250 1!\n", "IR",
			       &tr, err), 0);
	assert_int_equal(tr.changes[1].t_ns, 2);
	vcd_free(&tr);
}

static void x_and_z_read_as_0(void **state)
{
	static const int64_t t[] = { 0, 1000, 2000, 3000 };
	static const int l[] = { 0, 1, 0, 1 };
	struct vcd_trace tr;
	char err[256];

	(void)state;
	assert_int_equal(parse(HEADER("1 us") "#0 x!\n#1 1!\n#2 z!\n#3 b1 !\n",
			       "IR", &tr, err), 0);
	expect_changes(&tr, t, l, 4);
	vcd_free(&tr);
}

/* Each malformed file gives -EINVAL and "t.vcd:LINE: reason". */
static void expect_error(const char *text, const char *signal,
			 const char *message)
{
	struct vcd_trace tr;
	char err[256];

	assert_int_equal(parse(text, signal, &tr, err), -EINVAL);
	assert_string_equal(err, message);
	assert_null(tr.changes);
}

static void malformed_files_name_file_and_line(void **state)
{
	(void)state;
	expect_error(HEADER("1 us") "#5 1!\n#4 0!\n", "IR",
		     "t.vcd:14: time goes backwards");
	expect_error(HEADER("1 us") "#5 1%\n", "IR",
		     "t.vcd:13: unknown identifier '%'");
	expect_error(HEADER("1 us") "#5 1!\nhello\n", "IR",
		     "t.vcd:14: unexpected 'hello'");
	expect_error(HEADER("1 us") "#5x 1!\n", "IR",
		     "t.vcd:13: bad timestamp '#5x'");
	expect_error(HEADER("1 us"), "NOPE",
		     "t.vcd:12: signal 'NOPE' not found");
	expect_error(HEADER("1 us"), "BUS",
		     "t.vcd:12: signal 'BUS' is 4 bits wide");
	expect_error(HEADER("3 us"), "IR", "t.vcd:6: bad timescale '3us'");
	expect_error(HEADER("1 fs"), "IR", "t.vcd:6: bad timescale '1fs'");
	expect_error("$var wire 1 ! IR $end\n$enddefinitions $end\n", "IR",
		     "t.vcd:2: missing '$timescale'");
	expect_error("$timescale 1us $end\n$var wire 1 ! IR\n", "IR",
		     "t.vcd:2: unterminated '$var'");
	expect_error("$timescale 1us $end\n$var", "IR",
		     "t.vcd:2: unterminated '$var'");
	expect_error("$timescale", "IR", "t.vcd:1: unterminated '$timescale'");
	expect_error("$timescale 1us $end\n", "IR",
		     "t.vcd:2: missing '$enddefinitions'");
	expect_error(HEADER("1 us") "#1 r1.5 !\n", "IR",
		     "t.vcd:13: bad value 'r1.5' for 'IR'");
	expect_error(HEADER("1 s") "#99999999999 1!\n", "IR",
		     "t.vcd:13: timestamp too large");
}

static void load_reports_missing_file(void **state)
{
	struct vcd_trace tr;
	char err[256];

	(void)state;
	assert_int_equal(vcd_load("/nonexistent/x.vcd", "IR", &tr, err,
				  sizeof(err)), -ENOENT);
	assert_string_equal(err,
			    "/nonexistent/x.vcd: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timescale_1us_values_on_one_line),
		cmocka_unit_test(timescale_10us_values_on_next_lines),
		cmocka_unit_test(timescale_1ns_and_repeats_dropped),
		cmocka_unit_test(timescales_100ms_and_10ps),
		cmocka_unit_test(x_and_z_read_as_0),
		cmocka_unit_test(malformed_files_name_file_and_line),
		cmocka_unit_test(load_reports_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
