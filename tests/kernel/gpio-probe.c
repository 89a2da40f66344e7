/*
 * tests/kernel/gpio-probe.c: observe the kernel's sysfs GPIO on gpio-sim
 * lines inside the test guest. Edges are made by writing pull-up and
 * pull-down to the line's gpio-sim `pull` attribute.
 *
 *   gpio-probe smoke --sysfs DIR --pull-dir DIR --base N [--pulses N]
 *   gpio-probe facts --sysfs DIR --pull-dir DIR --base N
 *   gpio-probe pulse --pull-dir DIR --offset N --pulses N --hz N
 *
 * smoke: export a line, edge both, count one wake-up per edge of a pulse
 * train, then five pulses between two reads (one wake-up). Exit 0 when
 * every count is exact.
 *
 * facts: one line per behaviour the simulator was specified with (see
 * tests/sim/README.md): what the kernel did, what the specification
 * states, and whether they agree. Exit 0 when all agree, 1 when any
 * differs. Lines marked "new" record behaviour it does not state.
 *
 * pulse: drive line N with full pulses (up, then down, 50 % duty) at a
 * fixed rate on absolute deadlines, for a daemon to count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NO_EVENT_MS 50
#define EVENT_MS 1000

struct probe {
	const char *sysfs;
	const char *pull_dir;
	int base;
	int pulses;
	int offset;
	int hz;
	int differ;
};

static struct probe P;

static const char *errname(int err)
{
	switch (err) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	default: return strerror(err);
	}
}

/* Write S to PATH in one write(2); 0 or the errno. */
static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Read PATH into BUF without its final newline; 0 or the errno. */
static int get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static const char *pin_path(int off, const char *attr)
{
	static char path[4][256];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(path[slot], sizeof(path[slot]), "%s/gpio%d/%s",
		 P.sysfs, P.base + off, attr);
	return path[slot];
}

static const char *root_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", P.sysfs, name);
	return path;
}

static int put_num(const char *name, int number)
{
	char s[32];

	snprintf(s, sizeof(s), "%d\n", number);
	return put(root_path(name), s);
}

static int export_raw(int off)
{
	return put_num("export", P.base + off);
}

/* Export as an input: gpio-sim keeps a line's direction across unexport. */
static int export(int off)
{
	int err = export_raw(off);

	if (!err)
		put(pin_path(off, "direction"), "in");
	return err;
}

static int unexport(int off)
{
	return put_num("unexport", P.base + off);
}

static int attr_put(int off, const char *attr, const char *s)
{
	return put(pin_path(off, attr), s);
}

/* The attribute's content, or the name of the errno reading it gave. */
static const char *attr_get(int off, const char *attr)
{
	static char buf[4][64];
	static int slot;
	int err;

	slot = (slot + 1) % 4;
	err = get(pin_path(off, attr), buf[slot], sizeof(buf[slot]));
	return err ? errname(err) : buf[slot];
}

/* Write S to ATTR, then read SHOW: "<errno name> <content>". */
static const char *put_then_get(int off, const char *attr, const char *s,
				const char *show)
{
	static char buf[96];
	int err = attr_put(off, attr, s);

	snprintf(buf, sizeof(buf), "%s %s", errname(err), attr_get(off, show));
	return buf;
}

/* Drive the simulated line: 1 = pull-up, 0 = pull-down. */
static void pull(int off, int up)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/sim_gpio%d/pull", P.pull_dir, off);
	err = put(path, up ? "pull-up" : "pull-down");
	if (err) {
		fprintf(stderr, "gpio-probe: write '%s' failed: %s\n", path,
			strerror(err));
		exit(2);
	}
}

static void pulses(int off, int count)
{
	for (int i = 0; i < count; i++) {
		pull(off, 1);
		pull(off, 0);
	}
}

static int open_value(int off)
{
	int fd = open(pin_path(off, "value"), O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "gpio-probe: open '%s' failed: %s\n",
			pin_path(off, "value"), strerror(errno));
		exit(2);
	}
	return fd;
}

/* pread at offset 0: the level read, or -errno. */
static int read_fd(int fd)
{
	char c[8];
	ssize_t n = pread(fd, c, sizeof(c), 0);

	if (n < 0)
		return -errno;
	return n > 0 && c[0] == '1';
}

static short poll_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	if (poll(&p, 1, ms) < 0)
		return -1;
	return p.revents;
}

/* Everything poll reports now, asking for all of IN, OUT and PRI. */
static short revents_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

static const char *revents_name(short r)
{
	static char bufs[4][64];
	static int slot;
	char *buf;

	slot = (slot + 1) % 4;
	buf = bufs[slot];
	snprintf(buf, sizeof(bufs[slot]), "%s%s%s%s", r & POLLIN ? "IN|" : "",
		 r & POLLOUT ? "OUT|" : "", r & POLLPRI ? "PRI|" : "",
		 r & POLLERR ? "ERR|" : "");
	if (buf[0] == '\0')
		return "none";
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* Wake-ups a reader would see now: poll, read, again until quiet. */
static int drain(int fd)
{
	int n = 0;

	while (n < 100 && (poll_fd(fd, NO_EVENT_MS) & POLLPRI)) {
		read_fd(fd);
		n++;
	}
	return n;
}

/* A fresh pin: exported, input, edge E, after one read of a fresh fd. */
static int fresh_input(int off, const char *edge)
{
	int fd;

	unexport(off);
	pull(off, 0);
	export(off);
	if (edge)
		attr_put(off, "edge", edge);
	fd = open_value(off);
	read_fd(fd);
	return fd;
}

/* Print one fact: what the kernel did and what the specification states
 * (EXPECT), or "-" when EXPECT is NULL because it says nothing of it. */
static void fact(const char *name, const char *expect, const char *fmt, ...)
{
	char seen[128];
	const char *verdict = "new";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(seen, sizeof(seen), fmt, ap);
	va_end(ap);
	if (expect && strcmp(seen, expect) == 0) {
		verdict = "agree";
	} else if (expect) {
		verdict = "DIFFERS";
		P.differ++;
	}
	printf("%-28s %-24s %-24s %s\n", name, seen, expect ? expect : "-",
	       verdict);
}

static void facts_export(void)
{
	char s[32];

	unexport(0);
	fact("export-outside-chip", "EINVAL", "%s",
	     errname(put_num("export", P.base + 4096)));
	fact("export-negative", "EINVAL", "%s",
	     errname(put(root_path("export"), "-1")));
	fact("export-junk", "EINVAL", "%s",
	     errname(put(root_path("export"), "abc")));
	fact("export-empty-line", "EINVAL", "%s",
	     errname(put(root_path("export"), "\n")));
	snprintf(s, sizeof(s), " %d", P.base);
	fact("export-leading-space", "EINVAL", "%s",
	     errname(put(root_path("export"), s)));
	snprintf(s, sizeof(s), "%d ", P.base);
	fact("export-trailing-space", NULL, "%s",
	     errname(put(root_path("export"), s)));
	fact("export-newline", "ok", "%s", errname(export_raw(0)));
	fact("export-again", "EBUSY", "%s", errname(export_raw(0)));
	fact("unexport", "ok", "%s", errname(unexport(0)));
	fact("unexport-not-exported", "EINVAL", "%s",
	     errname(unexport(0)));
	fact("unexport-junk", "EINVAL", "%s",
	     errname(put(root_path("unexport"), "x")));
	snprintf(s, sizeof(s), "0x%x", P.base);
	fact("export-hex", NULL, "%s",
	     errname(put(root_path("export"), s)));
	unexport(0);
	snprintf(s, sizeof(s), "0%o", P.base);
	fact("export-octal", NULL, "%s",
	     errname(put(root_path("export"), s)));
	unexport(0);
	snprintf(s, sizeof(s), "+%d", P.base);
	fact("export-plus-sign", NULL, "%s",
	     errname(put(root_path("export"), s)));
	unexport(0);
}

static void facts_reexport(void)
{
	export(1);
	attr_put(1, "edge", "both");
	attr_put(1, "active_low", "1");
	unexport(1);
	export_raw(1);
	fact("reexport-input-afresh", "in none 0", "%s %s %s",
	     attr_get(1, "direction"), attr_get(1, "edge"),
	     attr_get(1, "active_low"));
	pull(1, 0);
	attr_put(1, "direction", "high");
	unexport(1);
	export_raw(1);
	fact("reexport-output-afresh", "in none 0", "%s %s %s",
	     attr_get(1, "direction"), attr_get(1, "edge"),
	     attr_get(1, "active_low"));
	fact("reexport-output-value", NULL, "%s", attr_get(1, "value"));
	attr_put(1, "direction", "high");
	attr_put(1, "direction", "in");
	fact("input-after-high-reads", NULL, "%s", attr_get(1, "value"));
	pull(1, 0);
	unexport(1);
}

static void facts_direction_words(void)
{
	static const char *const words[] = {
		"in", "out", "low", "high", "in\n", "IN", "output", "\n",
		" in", "in\n\n",
	};
	static const char *const expect[] = {
		"ok", "ok", "ok", "ok", "ok", "EINVAL", "EINVAL", "EINVAL",
		"EINVAL", "EINVAL",
	};
	char name[40];

	export(2);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(name, sizeof(name), "direction-word-%zu", i);
		fact(name, expect[i], "%s",
		     errname(attr_put(2, "direction", words[i])));
	}
	attr_put(2, "direction", "in");
	unexport(2);
}

static void facts_direction_levels(void)
{
	export(2);
	pull(2, 1);
	attr_put(2, "direction", "out");
	fact("direction-out-starts-low", "0", "%s",
	     attr_get(2, "value"));
	attr_put(2, "active_low", "1");
	attr_put(2, "direction", "high");
	fact("direction-high-active-low", "0", "%s",
	     attr_get(2, "value"));
	attr_put(2, "direction", "low");
	fact("direction-low-active-low", "1", "%s",
	     attr_get(2, "value"));
	attr_put(2, "direction", "in");
	unexport(2);
	pull(2, 0);
}

/* Output with edge both: no events; back to input: events again. */
static void facts_direction_edge(void)
{
	int fd = fresh_input(3, "both");

	fact("direction-out-with-edge", "ok both", "%s",
	     put_then_get(3, "direction", "out", "edge"));
	pull(3, 1);
	pull(3, 0);
	attr_put(3, "value", "1");
	attr_put(3, "value", "0");
	fact("output-raises-no-edge", "0", "%d", drain(fd));
	attr_put(3, "direction", "in");
	drain(fd);
	pull(3, 1);
	fact("input-again-reports-edges", "1", "%d", drain(fd));
	close(fd);
	unexport(3);
	pull(3, 0);
}

static void facts_edge(void)
{
	static const char *const words[] = {
		"none", "rising", "falling", "both", "both\n", "BOTH", "up",
	};
	static const char *const expect[] = {
		"ok", "ok", "ok", "ok", "ok", "EINVAL", "EINVAL",
	};
	char name[40];

	export(4);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(name, sizeof(name), "edge-word-%zu", i);
		fact(name, expect[i], "%s",
		     errname(attr_put(4, "edge", words[i])));
	}
	attr_put(4, "edge", "none");
	attr_put(4, "direction", "out");
	fact("edge-on-output", "EIO none", "%s",
	     put_then_get(4, "edge", "rising", "edge"));
	fact("edge-none-on-output", NULL, "%s",
	     errname(attr_put(4, "edge", "none")));
	unexport(4);
}

/* An output whose edge was set before: what changing edge does. */
static void facts_edge_change_on_output(void)
{
	int fd;

	export(4);
	attr_put(4, "edge", "both");
	attr_put(4, "direction", "out");
	fact("edge-same-on-output", NULL, "%s",
	     put_then_get(4, "edge", "both", "edge"));
	fact("edge-other-on-output", NULL, "%s",
	     put_then_get(4, "edge", "rising", "edge"));
	attr_put(4, "direction", "in");
	fd = open_value(4);
	read_fd(fd);
	pull(4, 1);
	fact("edge-lost-back-to-input", NULL, "%d", drain(fd));
	close(fd);
	unexport(4);
	pull(4, 0);
}

static void facts_edge_kinds(void)
{
	int fd = fresh_input(4, "none");

	attr_put(4, "edge", "both");
	attr_put(4, "edge", "rising");
	fact("edge-write-wakes-none", "0", "%d", drain(fd));
	pull(4, 1);
	fact("edge-rising-on-rise", "1", "%d", drain(fd));
	pull(4, 0);
	fact("edge-rising-on-fall", "0", "%d", drain(fd));
	attr_put(4, "edge", "falling");
	pull(4, 1);
	fact("edge-falling-on-rise", "0", "%d", drain(fd));
	pull(4, 0);
	fact("edge-falling-on-fall", "1", "%d", drain(fd));
	attr_put(4, "active_low", "1");
	pull(4, 1);
	fact("active-low-falling-on-rise", "1", "%d", drain(fd));
	pull(4, 0);
	fact("active-low-falling-on-fall", "0", "%d", drain(fd));
	close(fd);
	unexport(4);
}

static void facts_value_input(void)
{
	export(5);
	pull(5, 1);
	fact("value-input-reads", "1", "%s", attr_get(5, "value"));
	fact("value-write-input", "EPERM", "%s",
	     errname(attr_put(5, "value", "1")));
	fact("value-junk-input", NULL, "%s",
	     errname(attr_put(5, "value", "abc")));
	attr_put(5, "active_low", "1");
	fact("value-input-active-low", "0", "%s",
	     attr_get(5, "value"));
	unexport(5);
	pull(5, 0);
}

static void value_write(const char *name, const char *s,
			const char *expect)
{
	int err;

	attr_put(5, "value", "0");
	err = attr_put(5, "value", s);
	if (err)
		fact(name, expect, "%s", errname(err));
	else
		fact(name, expect, "%s", attr_get(5, "value"));
}

static void facts_value_output(void)
{
	char sim[256];
	char phys[16];

	export(5);
	attr_put(5, "direction", "out");
	value_write("value-write-1", "1", "1");
	value_write("value-write-2", "2", "1");
	value_write("value-write-minus-1", "-1", "1");
	value_write("value-write-junk", "abc", "EINVAL");
	value_write("value-write-empty", "\n", "EINVAL");
	value_write("value-write-hex", "0x10", NULL);
	value_write("value-write-2pow32", "4294967296", NULL);
	attr_put(5, "active_low", "1");
	attr_put(5, "value", "1");
	snprintf(sim, sizeof(sim), "%s/sim_gpio5/value", P.pull_dir);
	get(sim, phys, sizeof(phys));
	fact("value-write-active-low", "1 phys 0", "%s phys %s",
	     attr_get(5, "value"), phys);
	unexport(5);
}

static void facts_active_low(void)
{
	static const char *const words[] = { "1", "0", "2", "-1", "abc" };
	static const char *const expect[] = { "1", "0", "1", "1", "EINVAL" };
	char name[40];
	int err;

	export(6);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		attr_put(6, "active_low", "0");
		err = attr_put(6, "active_low", words[i]);
		snprintf(name, sizeof(name), "active-low-word-%zu", i);
		fact(name, expect[i], "%s",
		     err ? errname(err) : attr_get(6, "active_low"));
	}
	unexport(6);
}

static void facts_poll_fresh(void)
{
	int fd, other;

	unexport(7);
	export(7);
	fd = open_value(7);
	fact("poll-fresh-fd-edge-none", "IN|OUT|PRI|ERR", "%s",
	     revents_name(revents_now(fd)));
	lseek(fd, 0, SEEK_SET);
	fact("poll-lseek-does-not-clear", "IN|OUT|PRI|ERR", "%s",
	     revents_name(revents_now(fd)));
	read_fd(fd);
	fact("poll-after-read", "IN|OUT", "%s",
	     revents_name(revents_now(fd)));
	other = open_value(7);
	read_fd(other);
	close(other);
	fact("poll-other-fd-read", "IN|OUT", "%s",
	     revents_name(revents_now(fd)));
	close(fd);
	unexport(7);
}

/* Plain read(2) at end of file returns 0 bytes: does it re-arm? */
static void facts_poll_eof_read(void)
{
	int fd = fresh_input(7, "both");
	char c[8];
	ssize_t first, second;

	first = read(fd, c, sizeof(c));
	pull(7, 1);
	second = read(fd, c, sizeof(c));
	fact("poll-read-at-eof-rearms", NULL, "%zd then %zd bytes %s",
	     first, second, revents_name(revents_now(fd)));
	close(fd);
	unexport(7);
	pull(7, 0);
}

static void facts_poll_per_fd(void)
{
	int a = fresh_input(7, "both");
	int b = open_value(7);

	read_fd(b);
	pull(7, 1);
	poll_fd(a, EVENT_MS);
	read_fd(a);
	fact("poll-per-fd-state", "IN|OUT IN|OUT|PRI|ERR", "%s %s",
	     revents_name(revents_now(a)), revents_name(revents_now(b)));
	close(a);
	close(b);
	unexport(7);
	pull(7, 0);
}

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L +
	       (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* How soon after the pull write returns the wake-up is visible. */
static void facts_edge_latency(void)
{
	int fd = fresh_input(6, "both");
	int at_once = 0, n = 50;
	long us, worst = 0;
	struct timespec t0;

	for (int i = 0; i < n; i++) {
		pull(6, !(i & 1));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		at_once += (revents_now(fd) & POLLPRI) != 0;
		poll_fd(fd, EVENT_MS);
		us = elapsed_us(&t0);
		worst = us > worst ? us : worst;
		read_fd(fd);
	}
	fact("edge-pending-on-return", NULL, "%d/%d", at_once, n);
	fact("edge-latency-worst", NULL, "%ld us", worst);
	close(fd);
	unexport(6);
	pull(6, 0);
}

static void facts_poll_coalesce(void)
{
	int fd = fresh_input(7, "both");
	int level;

	pulses(7, 5);
	fact("poll-5-pulses-one-wakeup", "1", "%d", drain(fd));
	fact("poll-none-after-read", "0", "%d", drain(fd));
	pull(7, 1);
	pull(7, 0);
	poll_fd(fd, EVENT_MS);
	level = read_fd(fd);
	fact("poll-lost-pulse-reads-old", NULL, "%d", level);
	close(fd);
	unexport(7);
}

/* After unexport: the old fd, the directory, a re-export. */
static void facts_unexport_fd(void)
{
	int fd = fresh_input(7, "both");
	struct stat before, after;
	char p1[32], p2[32];
	int r1, r2, nfd;

	fstat(fd, &before);
	unexport(7);
	snprintf(p1, sizeof(p1), "%s", revents_name(revents_now(fd)));
	snprintf(p2, sizeof(p2), "%s", revents_name(revents_now(fd)));
	fact("unexport-fd-polls", "IN|OUT|PRI|ERR x2", "%s%s", p1,
	     strcmp(p1, p2) == 0 ? " x2" : " then other");
	r1 = read_fd(fd);
	fact("unexport-fd-read", "ENODEV", "%s",
	     r1 < 0 ? errname(-r1) : "ok");
	fact("unexport-dir-gone", "ENOENT", "%s",
	     errname(stat(pin_path(7, ""), &after) ? errno : 0));
	fact("unexport-fd-write", NULL, "%s",
	     errname(write(fd, "1", 1) < 0 ? errno : 0));
	export(7);
	r2 = read_fd(fd);
	nfd = open_value(7);
	fstat(nfd, &after);
	fact("reexport-old-fd-read", "ENODEV", "%s",
	     r2 < 0 ? errname(-r2) : "ok");
	fact("reexport-new-inode", "differs", "%s",
	     before.st_ino != after.st_ino ? "differs" : "same");
	close(nfd);
	close(fd);
	unexport(7);
}

static int run_facts(void)
{
	facts_export();
	facts_reexport();
	facts_direction_words();
	facts_direction_levels();
	facts_direction_edge();
	facts_edge();
	facts_edge_change_on_output();
	facts_edge_kinds();
	facts_value_input();
	facts_value_output();
	facts_active_low();
	facts_poll_fresh();
	facts_poll_eof_read();
	facts_poll_per_fd();
	facts_edge_latency();
	facts_poll_coalesce();
	facts_unexport_fd();
	printf("facts: %d differ from the specification\n", P.differ);
	return P.differ ? 1 : 0;
}

struct reader {
	int fd;
	int wakeups;
	volatile int stop;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	while (!r->stop) {
		if (poll_fd(r->fd, 20) & POLLPRI) {
			read_fd(r->fd);
			r->wakeups++;
		}
	}
	return NULL;
}

/* Sleep until T + STEP and make that the new T. When that moment has
 * already passed (the guest was not scheduled by the host), start again
 * from now instead of catching up: edges never come closer than STEP.
 * Returns 1 when it had to start again. */
static int pace(struct timespec *t, long step_ns)
{
	struct timespec now;

	t->tv_nsec += step_ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > t->tv_sec ||
	    (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec)) {
		*t = now;
		return 1;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL);
	return 0;
}

/* A reader thread that keeps up with rising edges at 200 Hz. */
static int smoke_thread(int count)
{
	struct reader r = { .fd = fresh_input(0, "rising") };
	struct timespec t;
	pthread_t th;

	pthread_create(&th, NULL, reader_main, &r);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (int i = 0; i < count; i++) {
		pull(0, 1);
		pace(&t, 2500000L);
		pull(0, 0);
		pace(&t, 2500000L);
	}
	usleep(100000);
	r.stop = 1;
	pthread_join(th, NULL);
	close(r.fd);
	unexport(0);
	printf("smoke-200hz-rising %d/%d\n", r.wakeups, count);
	return r.wakeups == count ? 0 : 1;
}

/* Lock-step: one wake-up per edge, the level read after each. */
static int smoke_lockstep(int count)
{
	int fd = fresh_input(0, "both");
	int wakeups = 0, levels = 0;

	for (int i = 0; i < 2 * count; i++) {
		pull(0, !(i & 1));
		if (poll_fd(fd, EVENT_MS) & POLLPRI) {
			wakeups++;
			levels += read_fd(fd) == !(i & 1);
		}
	}
	close(fd);
	unexport(0);
	printf("smoke-lockstep-both wakeups %d/%d levels %d/%d\n",
	       wakeups, 2 * count, levels, 2 * count);
	return wakeups == 2 * count && levels == 2 * count ? 0 : 1;
}

static int smoke_coalesce(void)
{
	int fd = fresh_input(0, "both");
	int n;

	pulses(0, 5);
	n = drain(fd);
	close(fd);
	unexport(0);
	printf("smoke-5-pulses-coalesce wakeups %d/1\n", n);
	return n == 1 ? 0 : 1;
}

static int run_smoke(void)
{
	int bad = 0;

	bad |= smoke_lockstep(P.pulses);
	bad |= smoke_coalesce();
	bad |= smoke_thread(P.pulses);
	printf("smoke: %s\n", bad ? "FAIL" : "PASS");
	return bad;
}

/* A pulse train on the line at P.offset; prints how often it ran late. */
static int run_pulse(void)
{
	long half = 500000000L / P.hz;
	struct timespec t0, t;
	int late = 0;

	pull(P.offset, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = t0;
	for (int i = 0; i < P.pulses; i++) {
		pull(P.offset, 1);
		late += pace(&t, half);
		pull(P.offset, 0);
		late += pace(&t, half);
	}
	printf("pulse: %d pulses at %d Hz on line %d in %ld ms, %d late "
	       "edges\n", P.pulses, P.hz, P.offset, elapsed_us(&t0) / 1000,
	       late);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: gpio-probe smoke|facts --sysfs DIR "
		"--pull-dir DIR --base N [--pulses N]\n"
		"       gpio-probe pulse --pull-dir DIR --offset N "
		"--pulses N --hz N\n");
	exit(2);
}

static int option(const char *name, const char *value)
{
	if (strcmp(name, "--sysfs") == 0)
		P.sysfs = value;
	else if (strcmp(name, "--pull-dir") == 0)
		P.pull_dir = value;
	else if (strcmp(name, "--base") == 0)
		P.base = atoi(value);
	else if (strcmp(name, "--pulses") == 0)
		P.pulses = atoi(value);
	else if (strcmp(name, "--offset") == 0)
		P.offset = atoi(value);
	else if (strcmp(name, "--hz") == 0)
		P.hz = atoi(value);
	else
		return -1;
	return 0;
}

static void parse(int argc, char **argv)
{
	P.pulses = 200;
	P.hz = 100;
	if (strcmp(argv[1], "pulse") == 0)
		P.sysfs = "-";
	for (int i = 2; i + 1 < argc; i += 2)
		if (option(argv[i], argv[i + 1]))
			usage();
	if (argc % 2 || !P.sysfs || !P.pull_dir || P.pulses < 1 ||
	    P.hz < 1 || P.hz > 100000 || P.offset < 0)
		usage();
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "smoke") == 0)
		return run_smoke();
	if (strcmp(argv[1], "facts") == 0)
		return run_facts();
	if (strcmp(argv[1], "pulse") == 0)
		return run_pulse();
	usage();
	return 2;
}
