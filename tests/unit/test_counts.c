/* test_counts.c: unit tests of broker/counts.c, the durable state file:
 * a fresh file, values kept across close and open (pins reordered, added,
 * removed), a process killed mid-run, a torn slot, corrupt records and
 * headers refused with -EUCLEAN, reset, the in-memory store, the CRC. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "counts.h"

#define HEADER 64
#define SLOT 64
#define SLOT_COUNT 8	/* offset of 'count' in a slot */
#define SLOT_SEQ 0

struct fixture {
	char dir[64];
	char path[96];
	char err[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/gb-counts-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/counts", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	unlink(f->path);
	snprintf(path, sizeof(path), "%s.new", f->path);
	unlink(path);
	snprintf(path, sizeof(path), "%s.lock", f->path);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct counts *open_ok(struct fixture *f, const unsigned int *gpios,
			      size_t n)
{
	struct counts *c = NULL;

	f->err[0] = '\0';
	assert_int_equal(counts_open(f->path, gpios, n, false, &c, f->err,
				     sizeof(f->err)), 0);
	assert_non_null(c);
	return c;
}

static void set_values(struct counts *c, size_t i, uint64_t count,
		       uint64_t missed, uint64_t faults, uint64_t dropped)
{
	struct counts_values *v = counts_get(c, i);

	v->count = count;
	v->missed = missed;
	v->faults = faults;
	v->dropped = dropped;
	counts_commit(c, i);
}

static void assert_values(struct counts *c, size_t i, uint64_t count,
			  uint64_t missed, uint64_t faults, uint64_t dropped)
{
	const struct counts_values *v = counts_get(c, i);

	if (v->count != count || v->missed != missed || v->faults != faults ||
	    v->dropped != dropped)
		fail_msg("pin %zu: %llu/%llu/%llu/%llu, expected "
			 "%llu/%llu/%llu/%llu", i,
			 (unsigned long long)v->count,
			 (unsigned long long)v->missed,
			 (unsigned long long)v->faults,
			 (unsigned long long)v->dropped,
			 (unsigned long long)count,
			 (unsigned long long)missed,
			 (unsigned long long)faults,
			 (unsigned long long)dropped);
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Overwrite len bytes of the file at off, as a crash or a disk might. */
static void poke(const char *path, off_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
}

static void peek(const char *path, off_t off, void *data, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, data, len, off), (ssize_t)len);
	close(fd);
}

/* Flip one bit of slot s (0 or 1) of record r, in its count. */
static void corrupt_slot(const char *path, size_t r, int s)
{
	off_t off = HEADER + (off_t)(2 * r + (size_t)s) * SLOT + SLOT_COUNT;
	unsigned char b;

	peek(path, off, &b, 1);
	b ^= 0x10;
	poke(path, off, &b, 1);
}

/* The whole file, to show a refused file is left as it was. */
static size_t slurp(const char *path, unsigned char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

static void expect_refused(struct fixture *f, const unsigned int *gpios,
			   size_t n, const char *message)
{
	unsigned char before[1024], after[1024];
	struct counts *c = NULL;
	size_t len;

	len = slurp(f->path, before, sizeof(before));
	assert_int_equal(counts_open(f->path, gpios, n, false, &c, f->err,
				     sizeof(f->err)), -EUCLEAN);
	assert_null(c);
	assert_string_equal(f->err, message);
	/* never silently replaced by zeros */
	assert_int_equal(slurp(f->path, after, sizeof(after)), len);
	assert_memory_equal(before, after, len);
}

static void test_crc32_of_the_check_string(void **state)
{
	(void)state;
	assert_true(counts_crc32("123456789", 9) == 0xCBF43926u);
	assert_true(counts_crc32("", 0) == 0);
	assert_true(counts_crc32("a", 1) == 0xE8B7BE43u);
}

static void test_fresh_file_starts_at_zero(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	struct counts *c;
	struct stat st, fst;
	char tmp[128];

	c = open_ok(f, gpios, 2);
	assert_values(c, 0, 0, 0, 0, 0);
	assert_values(c, 1, 0, 0, 0, 0);
	assert_false(counts_dirty(c));

	/* the fd is the state file itself, for fsync */
	assert_true(counts_fd(c) >= 0);
	assert_int_equal(fstat(counts_fd(c), &fst), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_ino == fst.st_ino);
	assert_true(st.st_size == HEADER + 2 * 2 * SLOT);
	snprintf(tmp, sizeof(tmp), "%s.new", f->path);
	assert_int_equal(access(tmp, F_OK), -1);
	counts_close(c);

	c = open_ok(f, gpios, 2);
	assert_values(c, 0, 0, 0, 0, 0);
	assert_values(c, 1, 0, 0, 0, 0);
	counts_close(c);
}

static void test_values_persist_across_close_and_open(void **state)
{
	static const unsigned int gpios[] = { 17, 43, 44 };
	struct fixture *f = *state;
	struct counts *c;

	c = open_ok(f, gpios, 3);
	set_values(c, 0, 1234, 2, 1, 7);
	set_values(c, 2, 9007199254740991ULL, 0, 3, 0);
	counts_close(c);

	c = open_ok(f, gpios, 3);
	assert_values(c, 0, 1234, 2, 1, 7);
	assert_values(c, 1, 0, 0, 0, 0);
	assert_values(c, 2, 9007199254740991ULL, 0, 3, 0);
	counts_close(c);
}

/* Many commits, alternating slots: the last one is what comes back. */
static void test_last_of_many_commits_is_kept(void **state)
{
	static const unsigned int gpios[] = { 5 };
	struct fixture *f = *state;
	struct counts *c;
	uint64_t i;

	c = open_ok(f, gpios, 1);
	for (i = 1; i <= 1001; i++)
		set_values(c, 0, i, i / 2, 0, 0);
	counts_close(c);

	c = open_ok(f, gpios, 1);
	assert_values(c, 0, 1001, 500, 0, 0);
	for (i = 1002; i <= 1010; i++)
		set_values(c, 0, i, 0, 0, 0);
	counts_close(c);

	c = open_ok(f, gpios, 1);
	assert_values(c, 0, 1010, 0, 0, 0);
	counts_close(c);
}

static void test_values_follow_their_pins(void **state)
{
	static const unsigned int first[] = { 17, 27, 43 };
	static const unsigned int second[] = { 43, 5, 17 };
	static const unsigned int third[] = { 27, 17, 43, 5 };
	struct fixture *f = *state;
	struct counts *c;

	c = open_ok(f, first, 3);
	set_values(c, 0, 170, 1, 0, 0);
	set_values(c, 1, 270, 2, 0, 0);
	set_values(c, 2, 430, 3, 0, 0);
	counts_close(c);

	/* reordered, 5 added, 27 removed */
	c = open_ok(f, second, 3);
	assert_values(c, 0, 430, 3, 0, 0);
	assert_values(c, 1, 0, 0, 0, 0);
	assert_values(c, 2, 170, 1, 0, 0);
	set_values(c, 1, 50, 0, 0, 0);
	assert_int_equal(counts_kept(c), 1);
	counts_close(c);

	/* 27 was kept in the file while it was not configured */
	c = open_ok(f, third, 4);
	assert_int_equal(counts_kept(c), 0);
	assert_values(c, 0, 270, 2, 0, 0);
	assert_values(c, 1, 170, 1, 0, 0);
	assert_values(c, 2, 430, 3, 0, 0);
	assert_values(c, 3, 50, 0, 0, 0);
	counts_close(c);
}

/* The counts live in a shared mapping: a process killed without closing
 * anything loses no committed value. */
static void test_killed_process_loses_no_commit(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	struct counts *c;
	int status;
	pid_t pid;

	c = open_ok(f, gpios, 2);
	set_values(c, 1, 100, 0, 0, 0);
	counts_close(c);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		uint64_t i;

		if (counts_open(f->path, gpios, 2, false, &c, err,
				sizeof(err)))
			_exit(1);
		for (i = 1; i <= 5000; i++) {
			counts_get(c, 0)->count = i;
			counts_commit(c, 0);
		}
		counts_get(c, 1)->missed = 4;
		counts_commit(c, 1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	c = open_ok(f, gpios, 2);
	assert_values(c, 0, 5000, 0, 0, 0);
	assert_values(c, 1, 100, 4, 0, 0);
	counts_close(c);
}

/* Two commits leave count 5 in slot 0 (seq 2) and 6 in slot 1 (seq 3). */
static void write_five_then_six(struct fixture *f, const unsigned int *gpios,
				size_t n)
{
	struct counts *c = open_ok(f, gpios, n);

	set_values(c, n - 1, 5, 0, 0, 0);
	set_values(c, n - 1, 6, 0, 0, 0);
	counts_close(c);
}

static void test_torn_newest_slot_falls_back_to_the_other(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	struct counts *c;

	write_five_then_six(f, gpios, 2);
	corrupt_slot(f->path, 1, 1);
	c = open_ok(f, gpios, 2);
	assert_values(c, 1, 5, 0, 0, 0);
	counts_close(c);
}

static void test_corrupt_older_slot_is_not_used(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	struct counts *c;

	write_five_then_six(f, gpios, 2);
	corrupt_slot(f->path, 1, 0);
	c = open_ok(f, gpios, 2);
	assert_values(c, 1, 6, 0, 0, 0);
	counts_close(c);
}

/* kill -9 in the middle of an update: the slot being written has its new
 * sequence number and part of its values, but no matching CRC. */
static void test_half_written_slot_with_higher_seq_is_not_used(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	uint64_t seq = 4, count = 7;
	struct counts *c;

	write_five_then_six(f, gpios, 1);
	poke(f->path, HEADER + SLOT_SEQ, &seq, sizeof(seq));
	poke(f->path, HEADER + SLOT_COUNT, &count, sizeof(count));
	c = open_ok(f, gpios, 1);
	assert_values(c, 0, 6, 0, 0, 0);
	counts_close(c);
}

static void test_both_slots_corrupt_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17, 43, 44 };
	struct fixture *f = *state;
	char message[256];

	write_five_then_six(f, gpios, 3);
	corrupt_slot(f->path, 1, 0);
	corrupt_slot(f->path, 1, 1);
	snprintf(message, sizeof(message), "state file '%s' is corrupt: "
		 "record 1 has no valid copy", f->path);
	expect_refused(f, gpios, 3, message);
}

/* A fresh file has one written slot per pin: losing it loses the pin. */
static void test_fresh_record_without_its_slot_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	char message[256];

	counts_close(open_ok(f, gpios, 1));
	corrupt_slot(f->path, 0, 1);
	snprintf(message, sizeof(message), "state file '%s' is corrupt: "
		 "record 0 has no valid copy", f->path);
	expect_refused(f, gpios, 1, message);
}

static void test_bad_magic_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	char message[256];

	write_five_then_six(f, gpios, 1);
	poke(f->path, 0, "GBCOUNTZ", 8);
	snprintf(message, sizeof(message), "state file '%s' is corrupt or "
		 "torn (bad header or size 192)", f->path);
	expect_refused(f, gpios, 1, message);
}

static void test_header_crc_mismatch_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	unsigned char reserved = 1;
	char message[256];

	write_five_then_six(f, gpios, 1);
	poke(f->path, 30, &reserved, 1);
	snprintf(message, sizeof(message), "state file '%s' is corrupt or "
		 "torn (bad header or size 192)", f->path);
	expect_refused(f, gpios, 1, message);
}

static void test_truncated_file_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	char message[256];

	write_five_then_six(f, gpios, 2);
	assert_int_equal(truncate(f->path, HEADER + 3 * SLOT), 0);
	snprintf(message, sizeof(message), "state file '%s' is corrupt or "
		 "torn (bad header or size 256)", f->path);
	expect_refused(f, gpios, 2, message);

	assert_int_equal(truncate(f->path, 10), 0);
	snprintf(message, sizeof(message), "state file '%s' is corrupt or "
		 "torn (bad header or size 10)", f->path);
	expect_refused(f, gpios, 2, message);

	assert_int_equal(truncate(f->path, 0), 0);
	snprintf(message, sizeof(message), "state file '%s' is corrupt or "
		 "torn (bad header or size 0)", f->path);
	expect_refused(f, gpios, 2, message);
}

static void test_longer_file_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	char message[256];

	write_five_then_six(f, gpios, 1);
	assert_int_equal(truncate(f->path, HEADER + 3 * SLOT), 0);
	snprintf(message, sizeof(message), "state file '%s' is corrupt or "
		 "torn (bad header or size 256)", f->path);
	expect_refused(f, gpios, 1, message);
}

static void test_reset_starts_every_count_at_zero(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	struct counts *c = NULL;

	write_five_then_six(f, gpios, 2);
	corrupt_slot(f->path, 1, 0);
	corrupt_slot(f->path, 1, 1);
	assert_int_equal(counts_open(f->path, gpios, 2, true, &c, f->err,
				     sizeof(f->err)), 0);
	assert_values(c, 0, 0, 0, 0, 0);
	assert_values(c, 1, 0, 0, 0, 0);
	counts_close(c);

	/* and the file is sound again */
	c = open_ok(f, gpios, 2);
	assert_values(c, 1, 0, 0, 0, 0);
	counts_close(c);
	assert_true(file_size(f->path) == HEADER + 2 * 2 * SLOT);
}

/* Reset throws away a sound file's values too. */
static void test_reset_ignores_good_values(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	struct counts *c = NULL;

	write_five_then_six(f, gpios, 1);
	assert_int_equal(counts_open(f->path, gpios, 1, true, &c, f->err,
				     sizeof(f->err)), 0);
	assert_values(c, 0, 0, 0, 0, 0);
	counts_close(c);
}

static void test_empty_path_keeps_counts_in_memory(void **state)
{
	static const unsigned int gpios[] = { 17, 43 };
	struct fixture *f = *state;
	struct counts *c = NULL;

	(void)f;
	assert_int_equal(counts_open("", gpios, 2, false, &c, f->err,
				     sizeof(f->err)), 0);
	assert_int_equal(counts_fd(c), -1);
	assert_values(c, 0, 0, 0, 0, 0);
	set_values(c, 1, 11, 1, 0, 0);
	assert_values(c, 1, 11, 1, 0, 0);
	assert_true(counts_dirty(c));
	counts_close(c);
	assert_int_equal(access(f->path, F_OK), -1);
}

static void test_dirty_until_marked_synced(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	struct counts *c;

	c = open_ok(f, gpios, 1);
	assert_false(counts_dirty(c));
	set_values(c, 0, 1, 0, 0, 0);
	assert_true(counts_dirty(c));
	counts_mark_synced(c);
	assert_false(counts_dirty(c));
	set_values(c, 0, 2, 0, 0, 0);
	assert_true(counts_dirty(c));
	counts_close(c);
}

static void test_no_pins_is_a_valid_file(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	struct counts *c;

	c = open_ok(f, gpios, 0);
	counts_close(c);
	assert_true(file_size(f->path) == HEADER);
	c = open_ok(f, gpios, 1);
	assert_values(c, 0, 0, 0, 0, 0);
	counts_close(c);
}

static void test_unwritable_place_is_reported(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	struct counts *c = NULL;
	char path[128], message[256];

	snprintf(path, sizeof(path), "%s/missing/deeper/counts", f->dir);
	assert_int_equal(counts_open(path, gpios, 1, false, &c, f->err,
				     sizeof(f->err)), -ENOENT);
	assert_null(c);
	snprintf(message, sizeof(message), "cannot make the directory "
		 "'%s/missing/deeper' of the state file: No such file or "
		 "directory", f->dir);
	assert_string_equal(f->err, message);
}

/* Only one store may use a state file at a time. */
static void test_second_store_on_one_file_is_refused(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	struct counts *c, *second = NULL;
	char message[512];

	c = open_ok(f, gpios, 1);
	assert_int_equal(counts_open(f->path, gpios, 1, false, &second,
				     f->err, sizeof(f->err)), -EBUSY);
	assert_null(second);
	snprintf(message, sizeof(message), "state file '%s' is in use by "
		 "another gpio-broker (it holds '%s.lock')", f->path, f->path);
	assert_string_equal(f->err, message);
	counts_close(c);
	c = open_ok(f, gpios, 1);
	counts_close(c);
}

/* A directory or a FIFO where the state file should be is named as such,
 * at once (a FIFO must not block the start). */
static void test_state_file_that_is_not_a_file(void **state)
{
	static const unsigned int gpios[] = { 17 };
	struct fixture *f = *state;
	struct counts *c = NULL;
	char message[512];

	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(counts_open(f->path, gpios, 1, false, &c, f->err,
				     sizeof(f->err)), -EINVAL);
	snprintf(message, sizeof(message), "state file '%s' is not a regular "
		 "file", f->path);
	assert_string_equal(f->err, message);
	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(counts_open(f->path, gpios, 1, false, &c, f->err,
				     sizeof(f->err)), -EISDIR);
	snprintf(message, sizeof(message), "state file '%s' is a directory, "
		 "not a file", f->path);
	assert_string_equal(f->err, message);
	rmdir(f->path);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_crc32_of_the_check_string),
		T(test_fresh_file_starts_at_zero),
		T(test_values_persist_across_close_and_open),
		T(test_last_of_many_commits_is_kept),
		T(test_values_follow_their_pins),
		T(test_killed_process_loses_no_commit),
		T(test_torn_newest_slot_falls_back_to_the_other),
		T(test_corrupt_older_slot_is_not_used),
		T(test_half_written_slot_with_higher_seq_is_not_used),
		T(test_both_slots_corrupt_is_refused),
		T(test_fresh_record_without_its_slot_is_refused),
		T(test_bad_magic_is_refused),
		T(test_header_crc_mismatch_is_refused),
		T(test_truncated_file_is_refused),
		T(test_longer_file_is_refused),
		T(test_reset_starts_every_count_at_zero),
		T(test_reset_ignores_good_values),
		T(test_empty_path_keeps_counts_in_memory),
		T(test_dirty_until_marked_synced),
		T(test_no_pins_is_a_valid_file),
		T(test_unwritable_place_is_reported),
		T(test_second_store_on_one_file_is_refused),
		T(test_state_file_that_is_not_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
