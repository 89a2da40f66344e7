/*
 * Tests of a running simulator through its mount: control commands, stats,
 * injected failures, edge logs, wires, vanish, replays, --export-delay-ms.
 * Run by sim_live.sh, which mounts the simulator (tests/lib/sim.sh) and
 * passes SIM_ROOT, SIM_CTL and SIM_LOG; argv[1] picks the group.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static const char *root, *ctl, *sim_log;

static const char *path(const char *fmt, ...)
{
	static char buf[4][4096];
	static unsigned next;
	char *out = buf[next++ % 4];
	va_list ap;
	int n = snprintf(out, 4096, "%s/", root);

	va_start(ap, fmt);
	vsnprintf(out + n, 4096 - n, fmt, ap);
	va_end(ap);
	return out;
}

/* One write of text: 0 or the errno. */
static int put(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		err = errno;
	close(fd);
	return err;
}

static int cmd(const char *fmt, ...)
{
	char text[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return put(ctl, text);
}

static const char *get(const char *file)
{
	static char buf[16384];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* The stats line of pin num, without its newline. */
static const char *stats_line(unsigned num)
{
	static char line[256];
	char key[32], *save = NULL, *l;

	snprintf(key, sizeof(key), "pin=%u ", num);
	line[0] = '\0';
	for (l = strtok_r((char *)get(path(".sim/stats")), "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, key, strlen(key)))
			snprintf(line, sizeof(line), "%s", l);
	return line;
}

static int count_lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static unsigned long long stat_field(unsigned num, const char *field)
{
	const char *line = stats_line(num), *f;
	char key[32];

	snprintf(key, sizeof(key), " %s=", field);
	f = strstr(line, key);
	assert_non_null(f);
	return strtoull(f + strlen(key), NULL, 10);
}

static int log_lines(void)
{
	return count_lines(get(sim_log));
}

static int open_value(unsigned num, int flags)
{
	int fd = open(path("gpio%u/value", num), flags | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static int consume(int fd)
{
	char buf[8];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	return n < 0 ? -errno : buf[0] == '1';
}

static bool pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLPRI);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void bad_commands_are_einval_with_one_log_line(void **state)
{
	static const char *const bad[] = {
		"\n", "bogus 1", "level", "level 999 1", "level 1 2",
		"level x 1", "level -1 1", "level 1 1 1", "pulse 1 0 100",
		"pulse 1 10 0", "pulse 1 10 abc", "pulse 1 2000000000 1",
		"replay 1 /nonexistent.vcd IR", "replay 1 /dev/null IR 0",
		"wire 1 1", "wire 1 999", "vanish 1", "fail 1 EWHAT 1",
		"fail 1 EIO -1", "fail 1 0 1", "log 1 /nonexistent/dir/x",
		"wait now", "level 1 1\nlevel 2 1", "a b c d e f g",
	};
	size_t i;
	int before = log_lines();

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cmd("%s", bad[i]), EINVAL);
		assert_int_equal(log_lines(), before + (int)i + 1);
	}
	assert_non_null(strstr(get(sim_log), "gpio-sysfs-sim: bad command "
					     "'level 999 1': no pin 999 on any "
					     "chip\n"));
	assert_non_null(strstr(get(sim_log), "gpio-sysfs-sim: bad command "
					     "'replay 1 /dev/null IR 0': bad "
					     "speed '0'\n"));
}

static void busy_pin_is_ebusy_until_wait_returns(void **state)
{
	(void)state;
	assert_int_equal(cmd("pulse 2 50 100"), 0);
	assert_int_equal(cmd("level 2 1"), EBUSY);
	assert_int_equal(cmd("pulse 2 1 100"), EBUSY);
	assert_int_equal(cmd("replay 2 /dev/null IR"), EBUSY);
	assert_int_equal(cmd("wait"), 0);
	assert_int_equal(stat_field(2, "edges"), 100);
	assert_int_equal(stat_field(2, "level"), 0);
	assert_int_equal(cmd("level 2 1"), 0);
	assert_int_equal(cmd("pulse 2 3 1000"), 0);
	assert_int_equal(cmd("wait"), 0);
	assert_int_equal(stat_field(2, "edges"), 107);
	assert_int_equal(stat_field(2, "level"), 1);
}

static void stats_count_exactly(void **state)
{
	struct epoll_event ev = { .events = EPOLLPRI };
	int fd, ep;

	(void)state;
	assert_string_equal(stats_line(63), "pin=63 exported=0 level=0 "
			    "edges=0 events=0 notifications=0 reads=0 "
			    "writes=0 exports=0 failures=0");
	assert_int_equal(put(path("export"), "63"), 0);
	assert_int_equal(put(path("gpio63/edge"), "both"), 0);
	fd = open_value(63, O_RDWR);
	ep = epoll_create1(EPOLL_CLOEXEC);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	assert_int_equal(consume(fd), 0);
	assert_int_equal(epoll_wait(ep, &ev, 1, 0), 0);
	assert_int_equal(cmd("level 63 1"), 0);
	assert_int_equal(cmd("level 63 0"), 0);
	assert_int_equal(epoll_wait(ep, &ev, 1, 1000), 1);
	assert_int_equal(consume(fd), 0);
	assert_int_equal(write(fd, "1", 1), -1);
	assert_int_equal(cmd("fail 63 EIO 1"), 0);
	assert_int_equal(consume(fd), -EIO);
	assert_string_equal(stats_line(63), "pin=63 exported=1 level=0 "
			    "edges=2 events=2 notifications=1 reads=3 "
			    "writes=1 exports=1 failures=1");
	close(ep);
	close(fd);
	assert_int_equal(put(path("unexport"), "63"), 0);
}

static void fail_injects_errno_count_times(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(put(path("export"), "3"), 0);
	fd = open_value(3, O_RDONLY);
	assert_int_equal(cmd("fail 3 ENODEV 2"), 0);
	assert_int_equal(consume(fd), -ENODEV);
	assert_int_equal(consume(fd), -ENODEV);
	assert_int_equal(consume(fd), 0);
	assert_int_equal(cmd("fail 3 5 1"), 0);
	assert_int_equal(consume(fd), -EIO);
	assert_int_equal(consume(fd), 0);
	assert_int_equal(stat_field(3, "failures"), 3);
	close(fd);
	assert_int_equal(put(path("unexport"), "3"), 0);
}

static void log_appends_one_line_per_edge(void **state)
{
	char file[] = "/tmp/sim-live-log-XXXXXX";
	long long t1, t2;
	int64_t before;
	int fd, l1, l2;

	(void)state;
	fd = mkstemp(file);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cmd("log 4 %s", file), 0);
	before = realtime_ns();
	assert_int_equal(cmd("level 4 1"), 0);
	assert_int_equal(cmd("level 4 1"), 0);
	assert_int_equal(cmd("level 4 0"), 0);
	assert_int_equal(sscanf(get(file), "%lld %d\n%lld %d\n", &t1, &l1,
				&t2, &l2), 4);
	assert_int_equal(l1, 1);
	assert_int_equal(l2, 0);
	assert_true(t1 >= before && t2 >= t1 && t2 <= realtime_ns());
	assert_int_equal(count_lines(get(file)), 2);
	unlink(file);
}

static void wire_makes_the_edge_within_the_write(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(cmd("wire 10 11"), 0);
	assert_int_equal(put(path("export"), "10"), 0);
	assert_int_equal(put(path("export"), "11"), 0);
	assert_int_equal(put(path("gpio11/edge"), "both"), 0);
	fd = open_value(11, O_RDONLY);
	assert_int_equal(consume(fd), 0);
	assert_int_equal(put(path("gpio10/direction"), "high"), 0);
	assert_true(pending(fd));
	assert_int_equal(consume(fd), 1);
	assert_int_equal(put(path("gpio10/value"), "0"), 0);
	assert_true(pending(fd));
	assert_int_equal(consume(fd), 0);
	assert_int_equal(put(path("gpio10/active_low"), "1"), 0);
	assert_false(pending(fd));
	assert_int_equal(put(path("gpio10/value"), "0"), 0);
	assert_true(pending(fd));
	assert_int_equal(consume(fd), 1);
	close(fd);
	assert_int_equal(put(path("unexport"), "10"), 0);
	assert_int_equal(put(path("unexport"), "11"), 0);
}

static void vanish_leaves_enodev_fds(void **state)
{
	struct stat old, cur;
	int fd;

	(void)state;
	assert_int_equal(put(path("export"), "12"), 0);
	fd = open_value(12, O_RDONLY);
	assert_int_equal(fstat(fd, &old), 0);
	assert_int_equal(consume(fd), 0);
	assert_int_equal(cmd("vanish 12"), 0);
	assert_int_equal(access(path("gpio12"), F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(pending(fd));
	assert_int_equal(consume(fd), -ENODEV);
	assert_true(pending(fd));
	assert_int_equal(cmd("vanish 12"), EINVAL);
	assert_int_equal(put(path("export"), "12"), 0);
	assert_int_equal(stat(path("gpio12/value"), &cur), 0);
	assert_true(cur.st_ino != old.st_ino);
	assert_int_equal(consume(fd), -ENODEV);
	assert_int_equal(stat_field(12, "exports"), 2);
	close(fd);
	assert_int_equal(put(path("unexport"), "12"), 0);
}

/* Write a VCD with edges at 0, 100 and 300 ms (in ts units). */
static void write_vcd(const char *file, const char *ts, long unit_per_ms)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fprintf(f, "$timescale %s $end\n$var wire 1 ! S $end\n"
		"$enddefinitions $end\n#0 0!\n#%ld 1!\n#%ld 0!\n#%ld\n", ts,
		100 * unit_per_ms, 300 * unit_per_ms, 400 * unit_per_ms);
	fclose(f);
}

/* Replay the file on pin 13 at speed; returns the spacing of its edges. */
static void replay_spacing(const char *vcd, const char *speed,
			   long long *gap1, long long *gap2)
{
	char log[] = "/tmp/sim-live-edges-XXXXXX";
	long long t0, t1, t2;
	int fd = mkstemp(log), l0, l1;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cmd("level 13 1"), 0);
	assert_int_equal(cmd("log 13 %s", log), 0);
	assert_int_equal(cmd("replay 13 %s S %s", vcd, speed), 0);
	assert_int_equal(cmd("wait"), 0);
	assert_int_equal(sscanf(get(log), "%lld %d\n%lld %d\n%lld", &t0, &l0,
				&t1, &l1, &t2), 5);
	assert_int_equal(l0, 0);
	assert_int_equal(l1, 1);
	*gap1 = t1 - t0;
	*gap2 = t2 - t1;
	unlink(log);
}

static void replay_honours_timescale_and_speed(void **state)
{
	char vcd[] = "/tmp/sim-live-XXXXXX";
	long long g1, g2;
	int fd = mkstemp(vcd);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_vcd(vcd, "10 us", 100);
	replay_spacing(vcd, "1", &g1, &g2);
	assert_true(g1 >= 99000000 && g2 >= 198000000);
	write_vcd(vcd, "1 ns", 1000000);
	replay_spacing(vcd, "10", &g1, &g2);
	assert_true(g1 >= 9900000 && g2 >= 19800000);
	/* ten times as fast, with 80 ms to spare for a busy machine */
	assert_true(g1 < 90000000 && g2 < 100000000);
	assert_int_equal(stat_field(13, "level"), 0);
	unlink(vcd);
}

static void replay_rejects_malformed_file_with_line(void **state)
{
	char vcd[] = "/tmp/sim-live-XXXXXX";
	FILE *f;
	int fd = mkstemp(vcd);
	char want[256];

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("$timescale 1 us $end\n$var wire 1 ! S $end\n"
	      "$enddefinitions $end\n#5 1!\n#4 0!\n", f);
	fclose(f);
	assert_int_equal(cmd("replay 14 %s S", vcd), EINVAL);
	snprintf(want, sizeof(want), "gpio-sysfs-sim: bad command 'replay 14 "
		 "%s S': %s:5: time goes backwards\n", vcd, vcd);
	assert_non_null(strstr(get(sim_log), want));
	unlink(vcd);
}

static void value_reads_at_offsets(void **state)
{
	char buf[8];
	int fd;

	(void)state;
	assert_int_equal(put(path("export"), "15"), 0);
	fd = open_value(15, O_RDONLY);
	assert_int_equal(pread(fd, buf, sizeof(buf), 1), 1);
	assert_int_equal(buf[0], '\n');
	assert_int_equal(pread(fd, buf, sizeof(buf), 2), 0);
	assert_int_equal(pread(fd, buf, 1, 0), 1);
	assert_int_equal(buf[0], '0');
	close(fd);
	assert_int_equal(put(path("unexport"), "15"), 0);
}

static void stats_read_in_pieces_is_one_snapshot(void **state)
{
	char whole[16384], pieces[16384];
	size_t used = 0;
	ssize_t n;
	int fd;

	(void)state;
	snprintf(whole, sizeof(whole), "%s", get(path(".sim/stats")));
	fd = open(path(".sim/stats"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	while ((n = read(fd, pieces + used, 7)) > 0)
		used += n;
	pieces[used] = '\0';
	close(fd);
	assert_string_equal(pieces, whole);
	assert_int_equal(strlen(whole) > 64 * 80, 1);
}

static void export_delay_gives_eacces_for_writing(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(put(path("export"), "20"), 0);
	assert_int_equal(put(path("gpio20/direction"), "out"), EACCES);
	assert_int_equal(put(path("gpio20/value"), "1"), EACCES);
	fd = open(path("gpio20/value"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	sleep(2);
	assert_int_equal(put(path("gpio20/direction"), "out"), 0);
	assert_int_equal(put(path("gpio20/value"), "1"), 0);
	assert_int_equal(put(path("unexport"), "20"), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest basic[] = {
		cmocka_unit_test(bad_commands_are_einval_with_one_log_line),
		cmocka_unit_test(busy_pin_is_ebusy_until_wait_returns),
		cmocka_unit_test(stats_count_exactly),
		cmocka_unit_test(fail_injects_errno_count_times),
		cmocka_unit_test(log_appends_one_line_per_edge),
		cmocka_unit_test(wire_makes_the_edge_within_the_write),
		cmocka_unit_test(vanish_leaves_enodev_fds),
		cmocka_unit_test(replay_honours_timescale_and_speed),
		cmocka_unit_test(replay_rejects_malformed_file_with_line),
		cmocka_unit_test(value_reads_at_offsets),
		cmocka_unit_test(stats_read_in_pieces_is_one_snapshot),
	};
	const struct CMUnitTest delay[] = {
		cmocka_unit_test(export_delay_gives_eacces_for_writing),
	};

	root = getenv("SIM_ROOT");
	ctl = getenv("SIM_CTL");
	sim_log = getenv("SIM_LOG");
	if (!root || !ctl || !sim_log || argc != 2) {
		fprintf(stderr, "test-sim-live: run by sim_live.sh\n");
		return 2;
	}
	if (!strcmp(argv[1], "delay"))
		return cmocka_run_group_tests_name("delay", delay, NULL, NULL);
	return cmocka_run_group_tests_name("basic", basic, NULL, NULL);
}
