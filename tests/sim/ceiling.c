/*
 * gpio-ceiling-reader: the fastest sysfs edge reader there is (epoll on
 * EPOLLPRI, pread at offset 0, count), to measure other readers against.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define CR_MAX_PINS 16
#define CR_MAX_CMDS 32
#define CR_DRIVER (CR_MAX_PINS + 1)

enum { CR_RISING, CR_FALLING, CR_BOTH };

static const char *const cr_edge_names[] = { "rising", "falling", "both" };

struct cr_pin {
	unsigned num;
	int edge;
	int fd;
	int level;
	uint64_t count;
	uint64_t missed;
	uint64_t wakeups;
};

/* The options, the pins, and the driver thread's state. */
struct cr {
	const char *sysfs;
	const char *ctl;
	const char *cmds[CR_MAX_CMDS];
	int ncmds;
	int idle_ms;
	bool ceiling;
	double min_hz;
	double max_hz;
	unsigned long pulses;
	unsigned long repeat;
	struct cr_pin pins[CR_MAX_PINS];
	int npins;
	int ep;
	int done_fd;
	int driver_err;
};

static volatile sig_atomic_t cr_stop;

static const char cr_usage[] =
	"usage: gpio-ceiling-reader --sysfs ROOT [--ctl FILE] [--cmd CMD]...\n"
	"                           [--idle-ms N] PIN[:EDGE]...\n"
	"       gpio-ceiling-reader --sysfs ROOT --ctl FILE --ceiling\n"
	"                           [--min HZ] [--max HZ] [--pulses N]\n"
	"                           [--repeat N] PIN[:EDGE]\n"
	"EDGE is rising (default), falling or both.\n";

static void cr_on_signal(int sig)
{
	(void)sig;
	cr_stop = 1;
}

static int cr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("gpio-ceiling-reader: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int cr_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Write text to path, retrying EACCES for up to 2 s (the udev race). */
static int cr_write_retry(const char *path, const char *text)
{
	struct timespec pause = { 0, 20000000 };
	int i, rv = 0;

	for (i = 0; i < 100; i++) {
		rv = cr_write(path, text);
		if (rv != -EACCES)
			break;
		nanosleep(&pause, NULL);
	}
	return rv;
}

static int cr_read_level(struct cr_pin *p)
{
	char buf[8];
	ssize_t n = pread(p->fd, buf, sizeof(buf), 0);

	if (n < 0)
		return -errno;
	return n > 0 && buf[0] == '1';
}

static int cr_setup_pin(struct cr *r, struct cr_pin *p)
{
	char path[4096], num[16];
	int rv;

	snprintf(num, sizeof(num), "%u", p->num);
	snprintf(path, sizeof(path), "%s/gpio%u", r->sysfs, p->num);
	if (access(path, F_OK)) {
		snprintf(path, sizeof(path), "%s/export", r->sysfs);
		rv = cr_write(path, num);
		if (rv && rv != -EBUSY)
			return cr_err("export %u: %s", p->num, strerror(-rv));
	}
	snprintf(path, sizeof(path), "%s/gpio%u/direction", r->sysfs, p->num);
	rv = cr_write_retry(path, "in");
	snprintf(path, sizeof(path), "%s/gpio%u/edge", r->sysfs, p->num);
	if (!rv)
		rv = cr_write_retry(path, cr_edge_names[p->edge]);
	if (rv)
		return cr_err("set up gpio %u: %s", p->num, strerror(-rv));
	snprintf(path, sizeof(path), "%s/gpio%u/value", r->sysfs, p->num);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return cr_err("open '%s': %s", path, strerror(errno));
	p->level = cr_read_level(p);
	return p->level < 0 ? cr_err("read gpio %u: %s", p->num,
				      strerror(-p->level)) : 0;
}

/* Count one wake-up of p: on a both pin, an unchanged level is a lost pulse. */
static int cr_consume(struct cr_pin *p)
{
	int level = cr_read_level(p);

	if (level < 0)
		return cr_err("read gpio %u: %s", p->num, strerror(-level));
	p->wakeups++;
	if (p->edge == CR_BOTH && level == p->level)
		p->missed += 2;
	else
		p->count++;
	p->level = level;
	return 0;
}

static void *cr_driver(void *arg)
{
	struct cr *r = arg;
	uint64_t one = 1;
	int i, rv = 0;

	for (i = 0; i < r->ncmds && !rv; i++) {
		rv = cr_write(r->ctl, r->cmds[i]);
		if (rv)
			cr_err("command '%s': %s", r->cmds[i], strerror(-rv));
	}
	if (!rv) {
		rv = cr_write(r->ctl, "wait");
		if (rv)
			cr_err("command 'wait': %s", strerror(-rv));
	}
	r->driver_err = rv;
	if (write(r->done_fd, &one, sizeof(one)) < 0)
		cr_err("eventfd: %s", strerror(errno));
	return NULL;
}

/* Count until the driver is done and idle_ms pass quietly, or a signal. */
static int cr_count(struct cr *r, bool driven)
{
	bool done = !driven;
	struct epoll_event ev[CR_MAX_PINS + 2];
	uint64_t v;
	int i, n;

	while (!cr_stop) {
		n = epoll_wait(r->ep, ev, CR_MAX_PINS + 2,
			       done && r->idle_ms ? r->idle_ms : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cr_err("epoll_wait: %s", strerror(errno));
		if (!n)
			return 0;
		for (i = 0; i < n; i++) {
			if (ev[i].data.u32 != CR_DRIVER) {
				if (cr_consume(&r->pins[ev[i].data.u32]))
					return -1;
				continue;
			}
			done = read(r->done_fd, &v, sizeof(v)) > 0 || done;
		}
	}
	return 0;
}

/* Run the --cmd list (if any) on a thread while counting. */
static int cr_run(struct cr *r)
{
	pthread_t t;
	int rv;

	if (!r->ncmds)
		return cr_count(r, false);
	rv = pthread_create(&t, NULL, cr_driver, r);
	if (rv)
		return cr_err("thread: %s", strerror(rv));
	rv = cr_count(r, true);
	if (rv || cr_stop)
		cr_stop = 1;
	pthread_join(t, NULL);
	return rv || r->driver_err ? -1 : 0;
}

static void cr_print(const struct cr *r)
{
	int i;

	for (i = 0; i < r->npins; i++) {
		const struct cr_pin *p = &r->pins[i];

		printf("gpio=%u edge=%s count=%llu missed=%llu wakeups=%llu\n",
		       p->num, cr_edge_names[p->edge],
		       (unsigned long long)p->count,
		       (unsigned long long)p->missed,
		       (unsigned long long)p->wakeups);
	}
	fflush(stdout);
}

/* One ceiling trial: r->pulses pulses at hz, all seen? */
static bool cr_trial(struct cr *r, unsigned long hz)
{
	struct cr_pin *p = &r->pins[0];
	uint64_t want = p->edge == CR_BOTH ? 2 * r->pulses : r->pulses;
	char cmd[128];
	bool ok;

	p->level = cr_read_level(p);
	p->count = p->missed = p->wakeups = 0;
	snprintf(cmd, sizeof(cmd), "pulse %u %lu %lu", p->num, r->pulses, hz);
	r->cmds[0] = cmd;
	r->ncmds = 1;
	if (cr_run(r))
		return false;
	ok = p->count == want && !p->missed;
	fprintf(stderr, "gpio-ceiling-reader: %lu Hz: %llu/%llu, missed %llu"
		": %s\n", hz, (unsigned long long)p->count,
		(unsigned long long)want, (unsigned long long)p->missed,
		ok ? "followed" : "lost");
	return ok;
}

static bool cr_rate_ok(struct cr *r, unsigned long hz)
{
	unsigned long i;

	for (i = 0; i < r->repeat && !cr_stop; i++)
		if (!cr_trial(r, hz))
			return false;
	return !cr_stop;
}

/* Bisect (geometrically, to 2 %) for the highest rate followed. */
static unsigned long cr_ceiling(struct cr *r)
{
	unsigned long lo = lround(r->min_hz), hi = lround(r->max_hz), mid;

	r->idle_ms = r->idle_ms ? r->idle_ms : 100;
	if (!cr_rate_ok(r, lo))
		return 0;
	if (cr_rate_ok(r, hi))
		return hi;
	while (hi > lo + lo / 50 && !cr_stop) {
		mid = lround(sqrt((double)lo * hi));
		if (mid <= lo || mid >= hi)
			break;
		if (cr_rate_ok(r, mid))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int cr_parse_pin(struct cr *r, const char *arg)
{
	struct cr_pin *p = &r->pins[r->npins];
	const char *colon = strchr(arg, ':');
	char *end;
	int e;

	if (r->npins == CR_MAX_PINS)
		return cr_err("too many pins");
	p->num = strtoul(arg, &end, 10);
	if (end == arg || (end != colon && *end))
		return cr_err("bad pin '%s'", arg);
	p->edge = CR_RISING;
	for (e = 0; colon && e < 3; e++)
		if (!strcmp(colon + 1, cr_edge_names[e]))
			break;
	if (colon && e == 3)
		return cr_err("bad edge in '%s'", arg);
	if (colon)
		p->edge = e;
	p->fd = -1;
	r->npins++;
	return 0;
}

static bool cr_number(const char *s, double min, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return end != s && !*end && *v >= min && isfinite(*v);
}

static int cr_option(struct cr *r, const char *opt, const char *val)
{
	double v;

	if (!strcmp(opt, "--sysfs"))
		r->sysfs = val;
	else if (!strcmp(opt, "--ctl"))
		r->ctl = val;
	else if (!strcmp(opt, "--cmd") && r->ncmds < CR_MAX_CMDS)
		r->cmds[r->ncmds++] = val;
	else if (!cr_number(val, 0, &v))
		return cr_err("bad value '%s' for '%s'", val, opt);
	else if (!strcmp(opt, "--idle-ms"))
		r->idle_ms = (int)v;
	else if (!strcmp(opt, "--min"))
		r->min_hz = v;
	else if (!strcmp(opt, "--max"))
		r->max_hz = v;
	else if (!strcmp(opt, "--pulses"))
		r->pulses = (unsigned long)v;
	else if (!strcmp(opt, "--repeat"))
		r->repeat = (unsigned long)v;
	else
		return cr_err("unknown option '%s'", opt);
	return 0;
}

static int cr_parse(struct cr *r, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ceiling")) {
			r->ceiling = true;
		} else if (!strcmp(argv[i], "--help")) {
			fputs(cr_usage, stdout);
			exit(0);
		} else if (!strncmp(argv[i], "--", 2)) {
			if (i + 1 == argc)
				return cr_err("'%s' needs a value", argv[i]);
			if (cr_option(r, argv[i], argv[i + 1]))
				return -1;
			i++;
		} else if (cr_parse_pin(r, argv[i])) {
			return -1;
		}
	}
	if (!r->sysfs || !r->npins)
		return cr_err("need --sysfs and a pin");
	if (r->ceiling && (!r->ctl || r->npins != 1 || r->min_hz < 1 ||
			   r->max_hz < r->min_hz || !r->pulses))
		return cr_err("--ceiling needs --ctl, one pin, 1 <= --min <= "
			      "--max and --pulses");
	if (r->ncmds && !r->ctl)
		return cr_err("--cmd needs --ctl");
	return 0;
}

static int cr_setup(struct cr *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	r->ep = epoll_create1(EPOLL_CLOEXEC);
	r->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->ep < 0 || r->done_fd < 0)
		return cr_err("epoll: %s", strerror(errno));
	ev.data.u32 = CR_DRIVER;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->done_fd, &ev))
		return cr_err("epoll_ctl: %s", strerror(errno));
	for (i = 0; i < r->npins; i++) {
		if (cr_setup_pin(r, &r->pins[i]))
			return -1;
		ev.events = EPOLLPRI;
		ev.data.u32 = i;
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->pins[i].fd, &ev))
			return cr_err("epoll_ctl: %s", strerror(errno));
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cr r = { .min_hz = 1000, .max_hz = 200000, .pulses = 2000,
			.repeat = 1, .ep = -1, .done_fd = -1 };
	struct sigaction sa = { .sa_handler = cr_on_signal };
	int rv;

	if (cr_parse(&r, argc, argv))
		return 2;
	if (r.ncmds && !r.idle_ms)
		r.idle_ms = 200;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (cr_setup(&r))
		return 1;
	if (r.ceiling) {
		printf("ceiling_hz=%lu\n", cr_ceiling(&r));
		return 0;
	}
	rv = cr_run(&r);
	cr_print(&r);
	return rv ? 1 : 0;
}
