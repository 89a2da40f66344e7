/*
 * gpio-conformance: checks the sysfs GPIO behaviours gpio-broker relies on
 * against one sysfs root, the simulator's or a kernel's with gpio-sim, and
 * prints one line per check: NAME<TAB>OBSERVED<TAB>ok|FAIL. Plain C and
 * libc only, so that it links statically into a test guest's initramfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CF_QUIET_MS 200		/* how long no event must come */
#define CF_EVENT_MS 2000	/* how long an event may take */
#define CF_LINES 6		/* lines used, offsets 0 to 5 */
#define CF_PULSES 200

/* The lines used, by offset on the chip; none shares its state. */
enum { CF_A, CF_B, CF_C, CF_D, CF_E, CF_F };

struct cf {
	const char *sysfs;
	const char *sim_ctl;
	const char *pull_dir;
	const char *label;
	long base;
	long ngpio;
	long max_end;		/* highest base + ngpio of all chips */
	int failed;
};

static struct cf cf = { .base = -1, .ngpio = -1 };

static const char cf_fresh_flags[] =
	"POLLIN|POLLPRI|POLLOUT|POLLERR|POLLRDNORM|POLLWRNORM";
static const char cf_quiet_flags[] = "POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM";

static void cf_die(const char *fmt, ...)
{
	va_list ap;

	fputs("gpio-conformance: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Print one check: its name, what was observed, and the verdict. */
static void cf_report(const char *name, const char *expect,
		      const char *fmt, ...)
{
	char seen[256];
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	vsnprintf(seen, sizeof(seen), fmt, ap);
	va_end(ap);
	ok = !strcmp(seen, expect);
	printf("%s\t%s\t%s\n", name, seen, ok ? "ok" : "FAIL");
	fflush(stdout);
	if (ok)
		return;
	cf.failed++;
	fprintf(stderr, "gpio-conformance: %s: expected '%s'\n", name,
		expect);
}

static const char *cf_ename(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ 0, "success" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" }, { EACCES, "EACCES" }, { EBUSY, "EBUSY" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ ERANGE, "ERANGE" },
		{ ENOTCONN, "ENOTCONN" }, { E2BIG, "E2BIG" },
	};
	static char other[16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(other, sizeof(other), "E%d", e);
	return other;
}

static void cf_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int64_t cf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cf_sleep_until(int64_t t)
{
	struct timespec ts = { t / 1000000000, t % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* ROOT/ followed by a formatted relative path, into buf. */
static const char *cf_path(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int used = snprintf(buf, n, "%s/", cf.sysfs);

	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
	return buf;
}

/* One write of len bytes: 0 or the errno of the open or the write. */
static int cf_write_len(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, data, len) < 0)
		err = errno;
	close(fd);
	return err;
}

static int cf_write(const char *path, const char *text)
{
	return cf_write_len(path, text, strlen(text));
}

static int cf_sysfs_write(const char *file, const char *fmt, ...)
{
	char path[4096], text[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return cf_write(cf_path(path, sizeof(path), "%s", file), text);
}

/* Write text to attribute attr of the line at offset k. */
static int cf_set(unsigned k, const char *attr, const char *text)
{
	char path[4096];

	cf_path(path, sizeof(path), "gpio%ld/%s", cf.base + k, attr);
	return cf_write(path, text);
}

/* Read a file without its final newline; "E..." on failure. */
static const char *cf_read(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return strcpy(buf, cf_ename(errno));
	len = read(fd, buf, n - 1);
	if (len < 0)
		strcpy(buf, cf_ename(errno));
	close(fd);
	if (len < 0)
		return buf;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

/* Attribute attr of the line at offset k, in one of four buffers. */
static const char *cf_get(unsigned k, const char *attr)
{
	static char bufs[4][64];
	static unsigned next;
	char path[4096], *buf = bufs[next++ % 4];

	cf_path(path, sizeof(path), "gpio%ld/%s", cf.base + k, attr);
	return cf_read(path, buf, sizeof(bufs[0]));
}

static int cf_export(unsigned k)
{
	return cf_sysfs_write("export", "%ld\n", cf.base + k);
}

static int cf_unexport(unsigned k)
{
	return cf_sysfs_write("unexport", "%ld\n", cf.base + k);
}

static bool cf_exported(unsigned k)
{
	char path[4096];

	return !access(cf_path(path, sizeof(path), "gpio%ld", cf.base + k),
		       F_OK);
}

static const char *cf_presence(unsigned k)
{
	return cf_exported(k) ? "gpio=present" : "gpio=absent";
}

/* Make the outside level of input line k level, through the driver. */
static void cf_drive(unsigned k, int level)
{
	char path[4096], cmd[64];
	int err;

	if (cf.sim_ctl) {
		snprintf(cmd, sizeof(cmd), "level %ld %d", cf.base + k, level);
		err = cf_write(cf.sim_ctl, cmd);
	} else {
		snprintf(path, sizeof(path), "%s/sim_gpio%u/pull",
			 cf.pull_dir, k);
		err = cf_write(path, level ? "pull-up" : "pull-down");
	}
	if (err)
		cf_die("driver: cannot set line %u: %s", k, strerror(err));
}

static int cf_open_value(unsigned k, int flags)
{
	char path[4096];
	int fd;

	cf_path(path, sizeof(path), "gpio%ld/value", cf.base + k);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		cf_die("open '%s': %s", path, strerror(errno));
	return fd;
}

/* Read value at offset 0 as a poller does: the level, or -errno. */
static int cf_consume(int fd)
{
	char buf[8];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n < 0)
		return -errno;
	return n > 0 && buf[0] == '1';
}

static unsigned cf_revents(int fd, int timeout_ms)
{
	struct pollfd p = {
		.fd = fd,
		.events = POLLIN | POLLPRI | POLLOUT | POLLRDNORM |
			  POLLWRNORM | POLLRDBAND | POLLWRBAND,
	};

	return poll(&p, 1, timeout_ms) == 1 ? (unsigned)p.revents : 0;
}

static const char *cf_flags(unsigned ev)
{
	static const struct {
		unsigned bit;
		const char *name;
	} bits[] = {
		{ POLLIN, "POLLIN" }, { POLLPRI, "POLLPRI" },
		{ POLLOUT, "POLLOUT" }, { POLLERR, "POLLERR" },
		{ POLLHUP, "POLLHUP" }, { POLLNVAL, "POLLNVAL" },
		{ POLLRDNORM, "POLLRDNORM" }, { POLLRDBAND, "POLLRDBAND" },
		{ POLLWRNORM, "POLLWRNORM" }, { POLLWRBAND, "POLLWRBAND" },
	};
	static char buf[4][128];
	static unsigned next;
	char *out = buf[next++ % 4];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(ev & bits[i].bit))
			continue;
		if (out[0])
			strcat(out, "|");
		strcat(out, bits[i].name);
	}
	return out[0] ? out : "none";
}

/* Wait up to timeout_ms for POLLPRI alone (POLLIN is always there). */
static const char *cf_pending(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	if (poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLPRI))
		return "yes";
	return "no";
}

static int cf_epoll(int fd)
{
	struct epoll_event ev = { .events = EPOLLPRI };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		cf_die("epoll: %s", strerror(errno));
	return ep;
}

/* Wake-ups until none comes for timeout_ms, reading after each one. */
static int cf_wakeups(int ep, int fd, int timeout_ms)
{
	struct epoll_event ev;
	int n = 0;

	while (n < 100 && epoll_wait(ep, &ev, 1, timeout_ms) == 1) {
		n++;
		cf_consume(fd);
	}
	return n;
}

static void cf_check_export_errors(void)
{
	cf_report("export_outside_chips", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", "%ld\n", cf.max_end)));
	cf_report("export_negative", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", "-1\n")));
	cf_report("export_junk", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", "junk\n")));
	cf_report("export_trailing_junk", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", "%ldx\n", cf.base)));
	cf_report("export_empty_line", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", "\n")));
	cf_report("export_leading_space", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", " %ld\n", cf.base)));
	cf_report("export_two_newlines", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("export", "%ld\n\n", cf.base)));
	cf_report("export_overflow", "ERANGE", "%s",
		  cf_ename(cf_sysfs_write("export", "99999999999999999999\n")));
	cf_report("unexport_not_exported", "EINVAL", "%s",
		  cf_ename(cf_unexport(CF_A)));
	cf_report("unexport_junk", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("unexport", "junk\n")));
	cf_report("unexport_outside_chips", "EINVAL", "%s",
		  cf_ename(cf_sysfs_write("unexport", "%ld\n", cf.max_end)));
}

static const char *cf_mode(const char *rel, char *buf)
{
	char path[4096];
	struct stat st;

	if (stat(cf_path(path, sizeof(path), "%s", rel), &st))
		return strcpy(buf, cf_ename(errno));
	sprintf(buf, "%04o", (unsigned)(st.st_mode & 07777));
	return buf;
}

static void cf_check_modes(void)
{
	char m[9][16], gpio[32], chip[32], path[4096];

	snprintf(gpio, sizeof(gpio), "gpio%ld", cf.base);
	snprintf(chip, sizeof(chip), "gpiochip%ld", cf.base);
	cf_report("file_modes", "export=0200 unexport=0200 direction=0644 "
		  "value=0644 edge=0644 active_low=0644 base=0444 label=0444 "
		  "ngpio=0444",
		  "export=%s unexport=%s direction=%s value=%s edge=%s "
		  "active_low=%s base=%s label=%s ngpio=%s",
		  cf_mode("export", m[0]), cf_mode("unexport", m[1]),
		  cf_mode(strcat(strcpy(path, gpio), "/direction"), m[2]),
		  cf_mode(strcat(strcpy(path, gpio), "/value"), m[3]),
		  cf_mode(strcat(strcpy(path, gpio), "/edge"), m[4]),
		  cf_mode(strcat(strcpy(path, gpio), "/active_low"), m[5]),
		  cf_mode(strcat(strcpy(path, chip), "/base"), m[6]),
		  cf_mode(strcat(strcpy(path, chip), "/label"), m[7]),
		  cf_mode(strcat(strcpy(path, chip), "/ngpio"), m[8]));
}

static int cf_open_errno(const char *rel, int flags)
{
	char path[4096];
	int fd = open(cf_path(path, sizeof(path), "%s", rel),
		      flags | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void cf_check_chip(void)
{
	char rel[64], base[32], ngpio[32], label[64], path[4096];
	char want_base[32], want_ngpio[32];

	snprintf(rel, sizeof(rel), "gpiochip%ld/base", cf.base);
	cf_report("open_export_for_reading", "EACCES", "%s",
		  cf_ename(cf_open_errno("export", O_RDONLY)));
	cf_report("open_chip_base_for_writing", "EACCES", "%s",
		  cf_ename(cf_open_errno(rel, O_WRONLY)));
	cf_read(cf_path(path, sizeof(path), "gpiochip%ld/base", cf.base),
		base, sizeof(base));
	cf_read(cf_path(path, sizeof(path), "gpiochip%ld/ngpio", cf.base),
		ngpio, sizeof(ngpio));
	cf_read(cf_path(path, sizeof(path), "gpiochip%ld/label", cf.base),
		label, sizeof(label));
	snprintf(want_base, sizeof(want_base), "%ld", cf.base);
	snprintf(want_ngpio, sizeof(want_ngpio), "%ld", cf.ngpio);
	cf_report("chip_attributes", "base=dirname ngpio=match label=set",
		  "base=%s ngpio=%s label=%s",
		  strcmp(base, want_base) ? base : "dirname",
		  strcmp(ngpio, want_ngpio) ? ngpio : "match",
		  label[0] && label[0] != 'E' ? "set" : label);
}

static void cf_check_export(void)
{
	static const char *const files[] = {
		"direction", "value", "edge", "active_low",
	};
	char found[128] = "", path[4096];
	size_t i;

	cf_report("export", "success", "%s", cf_ename(cf_export(CF_A)));
	cf_report("export_twice", "EBUSY", "%s", cf_ename(cf_export(CF_A)));
	for (i = 0; i < 4; i++) {
		cf_path(path, sizeof(path), "gpio%ld/%s", cf.base, files[i]);
		if (access(path, F_OK))
			continue;
		if (found[0])
			strcat(found, ",");
		strcat(found, files[i]);
	}
	cf_report("export_files", "direction,value,edge,active_low", "%s",
		  found);
	cf_report("export_fresh_state",
		  "direction=in edge=none active_low=0 value=0",
		  "direction=%s edge=%s active_low=%s value=%s",
		  cf_get(CF_A, "direction"), cf_get(CF_A, "edge"),
		  cf_get(CF_A, "active_low"), cf_get(CF_A, "value"));
	cf_check_modes();
	cf_check_chip();
}

/* Export and unexport line B in the number formats kstrtol takes. */
static void cf_check_export_forms(void)
{
	long long wrapped = (1LL << 32) + cf.base + CF_B;
	int e;

	e = cf_sysfs_write("export", "0x%lx\n", cf.base + CF_B);
	cf_report("export_hex", "success gpio=present", "%s %s", cf_ename(e),
		  cf_presence(CF_B));
	e = cf_sysfs_write("unexport", "0%lo\n", cf.base + CF_B);
	cf_report("unexport_octal", "success gpio=absent", "%s %s",
		  cf_ename(e), cf_presence(CF_B));
	e = cf_sysfs_write("export", "+%ld\n", cf.base + CF_B);
	cf_report("export_plus_sign", "success gpio=present", "%s %s",
		  cf_ename(e), cf_presence(CF_B));
	cf_unexport(CF_B);
	e = cf_sysfs_write("export", "%ld", cf.base + CF_B);
	cf_report("export_without_newline", "success gpio=present", "%s %s",
		  cf_ename(e), cf_presence(CF_B));
	cf_unexport(CF_B);
	/* gpio_to_desc() takes an unsigned int: the number wraps */
	e = cf_sysfs_write("export", "%lld\n", wrapped);
	cf_report("export_wraps_at_2^32", "success gpio=present", "%s %s",
		  cf_ename(e), cf_presence(CF_B));
	if (cf_exported(CF_B))
		cf_unexport(CF_B);
}

static void cf_check_direction(void)
{
	int e;

	cf_report("direction_junk", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "direction", "sideways\n")));
	cf_report("direction_capitals", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "direction", "IN\n")));
	cf_report("direction_trailing_space", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "direction", "in \n")));
	cf_report("direction_two_newlines", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "direction", "in\n\n")));
	cf_report("direction_empty_line", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "direction", "\n")));
	e = cf_set(CF_A, "direction", "out\n");
	cf_report("direction_out", "success direction=out value=0",
		  "%s direction=%s value=%s", cf_ename(e),
		  cf_get(CF_A, "direction"), cf_get(CF_A, "value"));
	e = cf_set(CF_A, "direction", "high\n");
	cf_report("direction_high", "success direction=out value=1",
		  "%s direction=%s value=%s", cf_ename(e),
		  cf_get(CF_A, "direction"), cf_get(CF_A, "value"));
	e = cf_set(CF_A, "direction", "low\n");
	cf_report("direction_low", "success direction=out value=0",
		  "%s direction=%s value=%s", cf_ename(e),
		  cf_get(CF_A, "direction"), cf_get(CF_A, "value"));
	e = cf_set(CF_A, "direction", "in");
	cf_report("direction_in_without_newline", "success direction=in",
		  "%s direction=%s", cf_ename(e), cf_get(CF_A, "direction"));
}

/* high and low name physical levels: active_low does not change them. */
static void cf_check_direction_active_low(void)
{
	char high[8], low[8];

	cf_set(CF_A, "active_low", "1\n");
	cf_set(CF_A, "direction", "high\n");
	snprintf(high, sizeof(high), "%s", cf_get(CF_A, "value"));
	cf_set(CF_A, "direction", "low\n");
	snprintf(low, sizeof(low), "%s", cf_get(CF_A, "value"));
	cf_report("direction_high_low_with_active_low", "high=0 low=1",
		  "high=%s low=%s", high, low);
	cf_set(CF_A, "direction", "in\n");
	cf_set(CF_A, "active_low", "0\n");
}

/* Write text to value of output A, report the errno and what it reads. */
static void cf_value_case(const char *name, const char *text,
			  const char *expect)
{
	int e = cf_set(CF_A, "value", text);

	cf_report(name, expect, "%s value=%s", cf_ename(e),
		  cf_get(CF_A, "value"));
}

static void cf_check_value(void)
{
	cf_report("value_write_on_input", "EPERM", "%s",
		  cf_ename(cf_set(CF_A, "value", "1\n")));
	cf_report("value_junk_on_input", "EPERM", "%s",
		  cf_ename(cf_set(CF_A, "value", "junk\n")));
	cf_set(CF_A, "direction", "low\n");
	cf_value_case("value_write_1", "1\n", "success value=1");
	cf_value_case("value_write_0", "0\n", "success value=0");
	cf_value_case("value_write_5", "5\n", "success value=1");
	cf_set(CF_A, "value", "0\n");
	cf_value_case("value_write_minus_1", "-1\n", "success value=1");
	cf_set(CF_A, "value", "0\n");
	cf_value_case("value_write_hex", "0x10\n", "success value=1");
	cf_value_case("value_write_octal_zero", "00\n", "success value=0");
	cf_set(CF_A, "value", "1\n");
	cf_value_case("value_write_2^32", "4294967296\n", "success value=0");
	cf_value_case("value_write_junk", "junk\n", "EINVAL value=0");
	cf_value_case("value_write_leading_space", " 1\n", "EINVAL value=0");
	cf_value_case("value_write_two_newlines", "1\n\n", "EINVAL value=0");
	cf_value_case("value_write_empty_line", "\n", "EINVAL value=0");
	cf_value_case("value_write_overflow", "99999999999999999999\n",
		      "ERANGE value=0");
	cf_set(CF_A, "active_low", "1\n");
	cf_value_case("value_write_1_active_low", "1\n", "success value=1");
	cf_set(CF_A, "active_low", "0\n");
	cf_report("value_active_low_back_to_0", "value=0", "value=%s",
		  cf_get(CF_A, "value"));
	cf_set(CF_A, "value", "0\n");
	cf_set(CF_A, "direction", "in\n");
}

static void cf_check_edge_words(void)
{
	static const char *const words[] = {
		"none", "rising", "falling", "both",
	};
	char seen[128] = "";
	size_t i;
	int e;

	cf_report("edge_junk", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "edge", "sideways\n")));
	cf_report("edge_capitals", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "edge", "Rising\n")));
	cf_report("edge_trailing_space", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "edge", "rising \n")));
	for (i = 0; i < 4; i++) {
		e = cf_set(CF_A, "edge", words[i]);
		if (i)
			strcat(seen, ",");
		strcat(seen, e ? cf_ename(e) : cf_get(CF_A, "edge"));
	}
	cf_report("edge_words", "none,rising,falling,both", "%s", seen);
	cf_set(CF_A, "edge", "none\n");
}

static void cf_check_edge_output(void)
{
	int e;

	cf_set(CF_A, "direction", "low\n");
	e = cf_set(CF_A, "edge", "rising\n");
	cf_report("edge_on_output", "EIO edge=none", "%s edge=%s",
		  cf_ename(e), cf_get(CF_A, "edge"));
	cf_report("edge_none_on_output", "success", "%s",
		  cf_ename(cf_set(CF_A, "edge", "none\n")));
	cf_set(CF_A, "direction", "in\n");
	cf_set(CF_A, "edge", "rising\n");
	e = cf_set(CF_A, "direction", "low\n");
	cf_report("edge_kept_when_output", "success edge=rising",
		  "%s edge=%s", cf_ename(e), cf_get(CF_A, "edge"));
	e = cf_set(CF_A, "edge", "rising\n");
	cf_report("edge_same_on_output", "success edge=rising", "%s edge=%s",
		  cf_ename(e), cf_get(CF_A, "edge"));
	e = cf_set(CF_A, "edge", "falling\n");
	cf_report("edge_other_on_output", "EIO edge=none", "%s edge=%s",
		  cf_ename(e), cf_get(CF_A, "edge"));
	cf_set(CF_A, "direction", "in\n");
	cf_set(CF_A, "edge", "rising\n");
	cf_set(CF_A, "direction", "low\n");
	e = cf_set(CF_A, "active_low", "1\n");
	cf_report("active_low_on_output_with_edge",
		  "EIO active_low=1 edge=none", "%s active_low=%s edge=%s",
		  cf_ename(e), cf_get(CF_A, "active_low"),
		  cf_get(CF_A, "edge"));
	cf_set(CF_A, "active_low", "0\n");
	cf_set(CF_A, "direction", "in\n");
	cf_set(CF_A, "edge", "none\n");
}

static void cf_check_active_low(void)
{
	char off[8], on[8];
	int e;

	cf_report("active_low_junk", "EINVAL", "%s",
		  cf_ename(cf_set(CF_A, "active_low", "junk\n")));
	cf_report("active_low_overflow", "ERANGE", "%s",
		  cf_ename(cf_set(CF_A, "active_low",
				  "99999999999999999999\n")));
	e = cf_set(CF_A, "active_low", "2\n");
	cf_report("active_low_2", "success active_low=1", "%s active_low=%s",
		  cf_ename(e), cf_get(CF_A, "active_low"));
	e = cf_set(CF_A, "active_low", "4294967296\n");
	cf_report("active_low_2^32", "success active_low=0",
		  "%s active_low=%s", cf_ename(e), cf_get(CF_A, "active_low"));
	cf_drive(CF_A, 1);
	snprintf(off, sizeof(off), "%s", cf_get(CF_A, "value"));
	cf_set(CF_A, "active_low", "1\n");
	snprintf(on, sizeof(on), "%s", cf_get(CF_A, "value"));
	cf_report("active_low_inverts_value", "off=1 on=0", "off=%s on=%s",
		  off, on);
	cf_set(CF_A, "active_low", "0\n");
	cf_drive(CF_A, 0);
}

static void cf_check_poll_fresh(int fd)
{
	int fd2 = cf_open_value(CF_C, O_RDONLY), fd3, fd4, dir;
	char path[4096], before[8];

	cf_report("poll_fresh_fd", cf_fresh_flags, "%s",
		  cf_flags(cf_revents(fd, 0)));
	cf_consume(fd);
	cf_report("poll_after_read", cf_quiet_flags, "%s",
		  cf_flags(cf_revents(fd, 0)));
	lseek(fd2, 0, SEEK_SET);
	cf_report("poll_after_lseek_only", cf_fresh_flags, "%s",
		  cf_flags(cf_revents(fd2, 0)));
	fd3 = cf_open_value(CF_C, O_RDONLY);
	fd4 = cf_open_value(CF_C, O_RDONLY);
	cf_consume(fd3);
	cf_report("poll_state_per_fd", "read_one=no other=yes",
		  "read_one=%s other=%s", cf_pending(fd3, 0),
		  cf_pending(fd4, 0));
	cf_path(path, sizeof(path), "gpio%ld/direction", cf.base + CF_C);
	dir = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(before, sizeof(before), "%s", cf_pending(dir, 0));
	cf_consume(dir);
	cf_report("poll_fresh_direction_fd", "fresh=yes read=no",
		  "fresh=%s read=%s", before, cf_pending(dir, 0));
	close(dir);
	close(fd4);
	close(fd3);
	close(fd2);
}

/* What a pair of level changes on line C does with edge set to edge. */
static void cf_edge_case(int fd, const char *name, const char *edge,
			 const char *expect)
{
	bool rise = strstr(expect, "rise=yes");
	bool fall = strstr(expect, "fall=yes");
	char first[8];

	cf_set(CF_C, "edge", edge);
	cf_consume(fd);
	cf_drive(CF_C, 1);
	snprintf(first, sizeof(first), "%s",
		 cf_pending(fd, rise ? CF_EVENT_MS : CF_QUIET_MS));
	cf_consume(fd);
	cf_drive(CF_C, 0);
	cf_report(name, expect, "rise=%s fall=%s", first,
		  cf_pending(fd, fall ? CF_EVENT_MS : CF_QUIET_MS));
	cf_consume(fd);
}

static void cf_check_poll_edges(int fd)
{
	cf_consume(fd);
	cf_drive(CF_C, 1);
	cf_report("edge_none_no_event", "pending=no", "pending=%s",
		  cf_pending(fd, CF_QUIET_MS));
	cf_drive(CF_C, 0);
	cf_consume(fd);
	cf_set(CF_C, "edge", "rising\n");
	cf_report("edge_write_wakes_nobody", "pending=no", "pending=%s",
		  cf_pending(fd, CF_QUIET_MS));
	cf_edge_case(fd, "edge_rising", "rising\n", "rise=yes fall=no");
	cf_edge_case(fd, "edge_falling", "falling\n", "rise=no fall=yes");
	cf_edge_case(fd, "edge_both", "both\n", "rise=yes fall=yes");
	cf_set(CF_C, "active_low", "1\n");
	cf_edge_case(fd, "edge_rising_active_low", "rising\n",
		     "rise=no fall=yes");
	cf_set(CF_C, "active_low", "0\n");
}

static void cf_check_poll_coalesce(int fd)
{
	int ep = cf_epoll(fd), i, n;
	struct epoll_event ev;

	cf_set(CF_C, "edge", "both\n");
	cf_consume(fd);
	epoll_wait(ep, &ev, 1, 0);
	cf_report("no_wakeup_after_read", "wakeups=0", "wakeups=%d",
		  cf_wakeups(ep, fd, CF_QUIET_MS));
	for (i = 0; i < 5; i++) {
		cf_drive(CF_C, 1);
		cf_drive(CF_C, 0);
	}
	cf_sleep_ms(50);
	n = cf_wakeups(ep, fd, CF_QUIET_MS);
	cf_report("five_pulses_one_wakeup", "wakeups=1 value=0",
		  "wakeups=%d value=%d", n, cf_consume(fd));
	close(ep);
}

/* A read of value at any offset refreshes the fd (sysfs_kf_read). */
static void cf_check_poll_offsets(int fd)
{
	char buf[8];
	ssize_t n1, n2;

	cf_consume(fd);
	cf_drive(CF_C, 1);
	cf_pending(fd, CF_EVENT_MS);
	n1 = pread(fd, buf, sizeof(buf), 16);
	cf_report("read_past_end_clears", "bytes=0 pending=no",
		  "bytes=%zd pending=%s", n1, cf_pending(fd, 0));
	cf_drive(CF_C, 0);
	cf_pending(fd, CF_EVENT_MS);
	n1 = pread(fd, buf, sizeof(buf), 1);
	cf_report("read_at_offset_1_clears", "bytes=1 pending=no",
		  "bytes=%zd pending=%s", n1, cf_pending(fd, 0));
	lseek(fd, 0, SEEK_SET);
	n1 = read(fd, buf, sizeof(buf));
	n2 = read(fd, buf, sizeof(buf));
	cf_report("read_then_eof", "first=2 second=0", "first=%zd second=%zd",
		  n1, n2);
}

static void cf_check_poll(void)
{
	int fd;

	cf_export(CF_C);
	fd = cf_open_value(CF_C, O_RDONLY);
	cf_check_poll_fresh(fd);
	cf_check_poll_edges(fd);
	cf_check_poll_coalesce(fd);
	cf_check_poll_offsets(fd);
	close(fd);
	cf_unexport(CF_C);
}

/* A reader thread that counts wake-ups and tells the driver. */
struct cf_keep {
	int fd;
	int ep;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int seen;
	bool stop;
};

static void *cf_keep_reader(void *arg)
{
	struct cf_keep *k = arg;
	struct epoll_event ev;
	bool stop = false;

	while (!stop) {
		int n = epoll_wait(k->ep, &ev, 1, 50);

		if (n == 1)
			cf_consume(k->fd);
		pthread_mutex_lock(&k->mu);
		k->seen += n == 1;
		stop = k->stop;
		pthread_cond_signal(&k->cv);
		pthread_mutex_unlock(&k->mu);
	}
	return NULL;
}

/* Wait up to 1 s for the reader to have seen want wake-ups. */
static void cf_keep_wait(struct cf_keep *k, int want)
{
	int64_t end = cf_now() + 1000000000;
	struct timespec ts = { end / 1000000000, end % 1000000000 };

	pthread_mutex_lock(&k->mu);
	while (k->seen < want &&
	       pthread_cond_timedwait(&k->cv, &k->mu, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&k->mu);
}

static void cf_keep_init(struct cf_keep *k, int fd)
{
	pthread_condattr_t ca;

	memset(k, 0, sizeof(*k));
	k->fd = fd;
	k->ep = cf_epoll(fd);
	pthread_mutex_init(&k->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->cv, &ca);
	pthread_condattr_destroy(&ca);
}

/* 200 pulses at 200 Hz; each rising edge waits for the reader's read. */
static void cf_check_keep_up(void)
{
	int fd, i, seen;
	struct cf_keep k;
	pthread_t t;
	int64_t t0;

	cf_export(CF_E);
	cf_set(CF_E, "edge", "rising\n");
	fd = cf_open_value(CF_E, O_RDONLY);
	cf_consume(fd);
	cf_keep_init(&k, fd);
	if (pthread_create(&t, NULL, cf_keep_reader, &k))
		cf_die("cannot start a thread");
	t0 = cf_now();
	for (i = 0; i < CF_PULSES; i++) {
		cf_sleep_until(t0 + (int64_t)i * 5000000);
		cf_drive(CF_E, 1);
		cf_keep_wait(&k, i + 1);
		cf_sleep_until(t0 + (int64_t)i * 5000000 + 2500000);
		cf_drive(CF_E, 0);
	}
	cf_sleep_ms(CF_QUIET_MS);
	pthread_mutex_lock(&k.mu);
	k.stop = true;
	seen = k.seen;
	pthread_mutex_unlock(&k.mu);
	pthread_join(t, NULL);
	cf_report("keep_up_200_pulses_at_200hz", "200/200", "%d/%d", seen,
		  CF_PULSES);
	close(k.ep);
	close(fd);
	cf_unexport(CF_E);
}

/* An output with edge set raises nothing; as an input again, it does. */
static void cf_check_output_events(void)
{
	int fd, e;

	cf_export(CF_F);
	cf_set(CF_F, "edge", "rising\n");
	fd = cf_open_value(CF_F, O_RDONLY);
	cf_consume(fd);
	e = cf_set(CF_F, "direction", "low\n");
	cf_set(CF_F, "value", "1\n");
	cf_set(CF_F, "value", "0\n");
	cf_drive(CF_F, 1);
	cf_drive(CF_F, 0);
	cf_report("output_raises_no_events", "success pending=no",
		  "%s pending=%s", cf_ename(e), cf_pending(fd, CF_QUIET_MS));
	cf_set(CF_F, "direction", "in\n");
	cf_consume(fd);
	cf_drive(CF_F, 1);
	cf_report("input_again_raises_events", "pending=yes", "pending=%s",
		  cf_pending(fd, CF_EVENT_MS));
	cf_drive(CF_F, 0);
	close(fd);
	cf_unexport(CF_F);
}

static const char *cf_read_errno(int fd)
{
	int v = cf_consume(fd);

	return v < 0 ? cf_ename(-v) : "no error";
}

/* What an fd still open sees after its line is unexported. */
static void cf_check_unexport_fd(int fd, int ep)
{
	char path[4096], first[128];
	struct epoll_event ev;
	int e;

	e = cf_unexport(CF_D);
	cf_path(path, sizeof(path), "gpio%ld", cf.base + CF_D);
	cf_report("unexport_removes_dir", "success ENOENT", "%s %s",
		  cf_ename(e), cf_ename(access(path, F_OK) ? errno : 0));
	cf_report("unexport_wakes_no_epoll_waiter", "wakeups=0",
		  "wakeups=%d", epoll_wait(ep, &ev, 1, CF_QUIET_MS));
	snprintf(first, sizeof(first), "%s", cf_flags(cf_revents(fd, 0)));
	cf_report("unexported_fd_poll", cf_fresh_flags, "%s", first);
	cf_report("unexported_fd_poll_after_read", cf_fresh_flags, "%s",
		  (cf_consume(fd), cf_flags(cf_revents(fd, 0))));
	cf_report("unexported_fd_read", "ENODEV", "%s", cf_read_errno(fd));
	e = write(fd, "1\n", 2) < 0 ? errno : 0;
	cf_report("unexported_fd_write", "ENODEV", "%s", cf_ename(e));
}

static void cf_check_reexport(int fd)
{
	struct stat old, cur;
	char path[4096];
	int e;

	e = cf_export(CF_D);
	cf_report("reexport_fresh_state",
		  "success direction=in edge=none active_low=0",
		  "%s direction=%s edge=%s active_low=%s", cf_ename(e),
		  cf_get(CF_D, "direction"), cf_get(CF_D, "edge"),
		  cf_get(CF_D, "active_low"));
	cf_report("reexport_old_fd_read", "ENODEV", "%s", cf_read_errno(fd));
	cf_report("reexport_old_fd_poll", cf_fresh_flags, "%s",
		  cf_flags(cf_revents(fd, 0)));
	cf_path(path, sizeof(path), "gpio%ld/value", cf.base + CF_D);
	if (fstat(fd, &old) || stat(path, &cur))
		cf_report("reexport_new_inode", "changed", "%s",
			  cf_ename(errno));
	else
		cf_report("reexport_new_inode", "changed", "%s",
			  old.st_ino != cur.st_ino ? "changed" : "same");
	cf_unexport(CF_D);
}

/*
 * A line freed as an output: edge and active_low start afresh, but the
 * direction is the driver's choice (gpio-sim keeps the output, a Raspberry
 * Pi's pinctrl makes it an input), so it is left out of the comparison.
 */
static void cf_check_reexport_output(void)
{
	int e;

	cf_export(CF_D);
	cf_set(CF_D, "active_low", "1\n");
	cf_set(CF_D, "edge", "both\n");
	cf_set(CF_D, "direction", "high\n");
	cf_unexport(CF_D);
	e = cf_export(CF_D);
	cf_report("reexport_after_output", "success edge=none active_low=0",
		  "%s edge=%s active_low=%s", cf_ename(e),
		  cf_get(CF_D, "edge"), cf_get(CF_D, "active_low"));
	cf_set(CF_D, "direction", "in\n");
	cf_unexport(CF_D);
}

static void cf_check_unexport(void)
{
	struct epoll_event ev;
	int fd, ep;

	cf_export(CF_D);
	cf_set(CF_D, "active_low", "1\n");
	cf_set(CF_D, "edge", "rising\n");
	fd = cf_open_value(CF_D, O_RDWR);
	cf_consume(fd);
	ep = cf_epoll(fd);
	epoll_wait(ep, &ev, 1, 0);
	cf_check_unexport_fd(fd, ep);
	cf_check_reexport(fd);
	close(ep);
	close(fd);
	cf_check_reexport_output();
}

/* Read a number from ROOT/gpiochipB/attr; -1 if unreadable. */
static long cf_chip_number(const char *dir, const char *attr)
{
	char path[4096], buf[32];
	char *end;
	long v;

	snprintf(path, sizeof(path), "%s/%s/%s", cf.sysfs, dir, attr);
	cf_read(path, buf, sizeof(buf));
	v = strtol(buf, &end, 10);
	return end == buf || *end ? -1 : v;
}

/* Note the highest chip end; pick the chip by label or base. */
static void cf_scan_chip(const char *dir)
{
	long base = cf_chip_number(dir, "base");
	long ngpio = cf_chip_number(dir, "ngpio");
	char path[4096], label[64];

	if (base < 0 || ngpio < 0)
		return;
	if (base + ngpio > cf.max_end)
		cf.max_end = base + ngpio;
	snprintf(path, sizeof(path), "%s/%s/label", cf.sysfs, dir);
	cf_read(path, label, sizeof(label));
	if (cf.label ? !strcmp(label, cf.label) : base == cf.base) {
		if (cf.ngpio >= 0 && cf.label)
			cf_die("more than one chip labelled '%s'", cf.label);
		cf.base = base;
		cf.ngpio = ngpio;
	}
}

static void cf_find_chip(void)
{
	DIR *d = opendir(cf.sysfs);
	struct dirent *e;

	if (!d)
		cf_die("sysfs root '%s': %s", cf.sysfs, strerror(errno));
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "gpiochip", 8))
			cf_scan_chip(e->d_name);
	closedir(d);
	if (cf.ngpio < 0)
		cf_die("no chip %s '%s' under '%s'", cf.label ? "labelled" :
		       "with base", cf.label ? cf.label : "given", cf.sysfs);
	if (cf.ngpio < CF_LINES)
		cf_die("chip has %ld lines, %d needed", cf.ngpio, CF_LINES);
}

/* Start from known ground: nothing exported, every input low. */
static void cf_reset_lines(void)
{
	unsigned k;

	for (k = 0; k < CF_LINES; k++) {
		if (cf_exported(k))
			cf_unexport(k);
		cf_drive(k, 0);
	}
}

static const char cf_usage[] =
	"usage: gpio-conformance --sysfs ROOT (--base B | --label L)\n"
	"                        (--sim-control FILE | --pull-dir DIR)\n"
	"Uses lines 0 to 5 of the chip; DIR holds sim_gpioK/pull.\n";

static void cf_parse(int argc, char **argv)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (!strcmp(opt, "--sysfs"))
			cf.sysfs = val;
		else if (!strcmp(opt, "--sim-control"))
			cf.sim_ctl = val;
		else if (!strcmp(opt, "--pull-dir"))
			cf.pull_dir = val;
		else if (!strcmp(opt, "--label"))
			cf.label = val;
		else if (!strcmp(opt, "--base"))
			cf.base = strtol(val, NULL, 10);
		else
			cf_die("unknown option '%s'\n%s", opt, cf_usage);
	}
	if (i != argc || !cf.sysfs || !cf.sim_ctl == !cf.pull_dir ||
	    (!cf.label && cf.base < 0))
		cf_die("bad arguments\n%s", cf_usage);
}

int main(int argc, char **argv)
{
	cf_parse(argc, argv);
	cf_find_chip();
	cf_reset_lines();
	cf_check_export_errors();
	cf_check_export();
	cf_check_export_forms();
	cf_check_direction();
	cf_check_direction_active_low();
	cf_check_value();
	cf_check_edge_words();
	cf_check_edge_output();
	cf_check_active_low();
	cf_check_poll();
	cf_check_keep_up();
	cf_check_output_events();
	cf_check_unexport();
	cf_reset_lines();
	return cf.failed ? 1 : 0;
}
