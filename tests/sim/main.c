/* gpio-sysfs-sim: the command line, mounting, serving, unmounting. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "mount.h"

#define SIM_MAX_CHIPS 64
#define SIM_MAX_LINES 65536
#define SIM_MAX_WIRES 256
#define SIM_MOUNT_OPTS "fsname=gpio-sysfs-sim,subtype=gpio-sysfs-sim"

struct sim_opts {
	struct model_chip chips[SIM_MAX_CHIPS];
	size_t nchips;
	unsigned long wires[SIM_MAX_WIRES][2];
	size_t nwires;
	unsigned export_delay_ms;
	bool realtime;
	bool strict_deadlines;
	bool keep_direction;
	const char *mountpoint;
};

static const char sim_usage[] =
	"usage: gpio-sysfs-sim [--chip LABEL:BASE:NGPIO]... "
	"[--wire OUT:IN]...\n"
	"                      [--export-delay-ms N] [--realtime] "
	"[--strict-deadlines]\n"
	"                      [--keep-direction] MOUNTPOINT\n"
	"\n"
	"Serve a simulated /sys/class/gpio on MOUNTPOINT until SIGTERM or\n"
	"SIGINT. Without --chip: one chip 'sim', base 0, 64 lines.\n"
	"--realtime runs the clock and serving threads at SCHED_FIFO 10.\n"
	"--strict-deadlines: after a stall, a train catches up at once.\n"
	"--keep-direction: an output stays one across unexport (gpio-sim).\n"
	"Drive it through MOUNTPOINT/.sim/control; see tests/sim/README.md.\n";

/* Print one error line and return 2, the exit status of usage errors. */
static int sim_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("gpio-sysfs-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static bool sim_number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && !errno && *v <= max;
}

static bool sim_label_ok(const char *label, size_t len)
{
	size_t i;

	if (!len || len > 31)
		return false;
	for (i = 0; i < len; i++)
		if (label[i] <= ' ' || label[i] == '/' || label[i] == 0x7f)
			return false;
	return true;
}

/* Fill c from LABEL:BASE:NGPIO; the label is all before the last two. */
static bool sim_chip_spec(const char *arg, struct model_chip *c)
{
	char buf[64], *base, *ngpio;
	unsigned long b, n;

	if (strlen(arg) >= sizeof(buf))
		return false;
	strcpy(buf, arg);
	ngpio = strrchr(buf, ':');
	if (!ngpio)
		return false;
	*ngpio++ = '\0';
	base = strrchr(buf, ':');
	if (!base)
		return false;
	*base++ = '\0';
	if (!sim_label_ok(buf, strlen(buf)) ||
	    !sim_number(base, 1u << 30, &b) ||
	    !sim_number(ngpio, 4096, &n) || !n)
		return false;
	strcpy(c->label, buf);
	c->base = b;
	c->ngpio = n;
	return true;
}

static int sim_parse_chip(struct sim_opts *o, const char *arg)
{
	if (o->nchips == SIM_MAX_CHIPS)
		return sim_usage_error("too many chips");
	if (!sim_chip_spec(arg, &o->chips[o->nchips]))
		return sim_usage_error("bad chip '%s', want LABEL:BASE:NGPIO",
				       arg);
	o->nchips++;
	return 0;
}

static int sim_parse_wire(struct sim_opts *o, const char *arg)
{
	unsigned long *w = o->wires[o->nwires];
	char buf[32], *in;

	if (o->nwires == SIM_MAX_WIRES)
		return sim_usage_error("too many wires");
	snprintf(buf, sizeof(buf), "%s", arg);
	in = strchr(buf, ':');
	if (in)
		*in++ = '\0';
	if (!in || strlen(arg) >= sizeof(buf) ||
	    !sim_number(buf, UINT32_MAX, &w[0]) ||
	    !sim_number(in, UINT32_MAX, &w[1]))
		return sim_usage_error("bad wire '%s', want OUT:IN", arg);
	o->nwires++;
	return 0;
}

static int sim_cmp_chip(const void *a, const void *b)
{
	const struct model_chip *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Sort the chips and refuse overlaps and too many lines. */
static int sim_check_chips(struct sim_opts *o)
{
	unsigned long lines = 0;
	size_t i;

	if (!o->nchips) {
		strcpy(o->chips[0].label, "sim");
		o->chips[0].ngpio = 64;
		o->nchips = 1;
	}
	qsort(o->chips, o->nchips, sizeof(o->chips[0]), sim_cmp_chip);
	for (i = 0; i < o->nchips; i++) {
		const struct model_chip *a = &o->chips[i], *b = a + 1;

		lines += a->ngpio;
		if (i + 1 < o->nchips && a->base + a->ngpio > b->base)
			return sim_usage_error("chips '%s' (%u-%u) and '%s' "
					       "(%u-%u) overlap", a->label,
					       a->base, a->base + a->ngpio - 1,
					       b->label, b->base,
					       b->base + b->ngpio - 1);
	}
	if (lines > SIM_MAX_LINES)
		return sim_usage_error("more than %d lines", SIM_MAX_LINES);
	return 0;
}

static int sim_parse_option(struct sim_opts *o, int opt, const char *arg)
{
	unsigned long v;

	switch (opt) {
	case 'c':
		return sim_parse_chip(o, arg);
	case 'w':
		return sim_parse_wire(o, arg);
	case 'd':
		if (!sim_number(arg, 600000, &v))
			return sim_usage_error("bad --export-delay-ms '%s'",
					       arg);
		o->export_delay_ms = v;
		return 0;
	case 'r':
		o->realtime = true;
		return 0;
	case 's':
		o->strict_deadlines = true;
		return 0;
	case 'k':
		o->keep_direction = true;
		return 0;
	case 'h':
		fputs(sim_usage, stdout);
		exit(0);
	default:
		return sim_usage_error("unknown option '%s'", arg);
	}
}

/* Parse the command line; 0 or the exit status 2. */
static int sim_parse(int argc, char **argv, struct sim_opts *o)
{
	static const struct option longopts[] = {
		{ "chip", required_argument, NULL, 'c' },
		{ "wire", required_argument, NULL, 'w' },
		{ "export-delay-ms", required_argument, NULL, 'd' },
		{ "realtime", no_argument, NULL, 'r' },
		{ "strict-deadlines", no_argument, NULL, 's' },
		{ "keep-direction", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rv;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (opt == ':')
			return sim_usage_error("option '%s' needs a value",
					       argv[optind - 1]);
		if (opt == '?' && optopt)
			return sim_usage_error("bad option '-%c'", optopt);
		if (opt == '?')
			return sim_usage_error("bad option '%s'",
					       argv[optind - 1]);
		rv = sim_parse_option(o, opt, optarg);
		if (rv)
			return rv;
	}
	if (optind == argc)
		return sim_usage_error("missing mountpoint");
	if (optind + 1 < argc)
		return sim_usage_error("unexpected argument '%s'",
				       argv[optind + 1]);
	o->mountpoint = argv[optind];
	return sim_check_chips(o);
}

static int sim_check_mountpoint(const char *path)
{
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (stat(path, &st) < 0)
		return sim_usage_error("mountpoint '%s': %s", path,
				       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sim_usage_error("mountpoint '%s' is not a directory",
				       path);
	d = opendir(path);
	if (!d)
		return sim_usage_error("mountpoint '%s': %s", path,
				       strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			break;
	closedir(d);
	if (e)
		return sim_usage_error("mountpoint '%s' is not empty", path);
	return 0;
}

/* Build the model and its wires; 0 or the exit status. */
static int sim_setup(struct sim *s, const struct sim_opts *o)
{
	size_t i;

	if (model_init(&s->m, o->chips, o->nchips, o->export_delay_ms))
		return sim_usage_error("out of memory");
	s->m.keep_direction = o->keep_direction;
	s->m.notify = fs_notify;
	s->m.drop_waiter = fs_drop_waiter;
	s->m.cb_arg = s;
	for (i = 0; i < o->nwires; i++) {
		struct model_pin *out = model_pin(&s->m, o->wires[i][0]);
		struct model_pin *in = model_pin(&s->m, o->wires[i][1]);

		if (!out || !in || out == in)
			return sim_usage_error("bad wire '%lu:%lu': no such "
					       "pins", o->wires[i][0],
					       o->wires[i][1]);
		if (model_wire(&s->m, out, in))
			return sim_usage_error("out of memory");
	}
	s->uid = getuid();
	s->gid = getgid();
	clock_gettime(CLOCK_REALTIME, &s->start);
	s->ctl.m = &s->m;
	s->ctl.t = &s->t;
	return 0;
}

static struct fuse_session *sim_session(struct sim *s)
{
	char *argv[] = { "gpio-sysfs-sim", "-o", SIM_MOUNT_OPTS, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct fuse_session *se;

	se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), s);
	fuse_opt_free_args(&args);
	return se;
}

/*
 * Mount: root mounts itself; anyone else has fusermount3 mount and hand
 * over /dev/fuse (libfuse falls back to it only when it can open
 * /dev/fuse itself, which a user cannot where the node is 0600).
 */
static int sim_mount(struct sim *s, const char *mountpoint)
{
	char devfd[32];
	int fd;

	if (!geteuid())
		return fuse_session_mount(s->se, mountpoint);
	fd = mnt_fusermount(mountpoint, SIM_MOUNT_OPTS);
	if (fd < 0)
		return -1;
	snprintf(devfd, sizeof(devfd), "/dev/fd/%d", fd);
	if (!fuse_session_mount(s->se, devfd))
		return 0;
	close(fd);
	mnt_fusermount_unmount(mountpoint);
	return -1;
}

/* Run the clock thread and the session loop; 0 or 1. */
static int sim_loop(struct sim *s, const struct sim_opts *o)
{
	int rv;

	if (o->realtime && (rv = train_realtime()))
		fprintf(stderr, "gpio-sysfs-sim: no realtime serving thread: "
			"%s\n", strerror(-rv));
	rv = train_start(&s->t, &s->m, &s->lock, fs_reply_wait, o->realtime,
			 !o->strict_deadlines);
	if (rv) {
		fprintf(stderr, "gpio-sysfs-sim: cannot start thread: %s\n",
			strerror(-rv));
		return 1;
	}
	rv = fuse_session_loop(s->se) < 0;
	train_stop(&s->t);
	return rv;
}

/* Serve until a signal or an unmount, then unmount; 0 or 1. */
static int sim_serve(struct sim *s, const struct sim_opts *o)
{
	int rv = 1;

	s->se = sim_session(s);
	if (!s->se) {
		fprintf(stderr, "gpio-sysfs-sim: cannot start a session\n");
		return 1;
	}
	if (fuse_set_signal_handlers(s->se))
		goto out_destroy;
	if (sim_mount(s, o->mountpoint)) {
		fprintf(stderr, "gpio-sysfs-sim: cannot mount on '%s'\n",
			o->mountpoint);
		goto out_signals;
	}
	rv = sim_loop(s, o);
	/* lazy: a reader may still hold a file open */
	fuse_session_unmount(s->se);
	fs_close_all(s);
out_signals:
	fuse_remove_signal_handlers(s->se);
out_destroy:
	fuse_session_destroy(s->se);
	if (!rv && geteuid() && mnt_fusermount_unmount(o->mountpoint))
		rv = 1;
	return rv;
}

int main(int argc, char **argv)
{
	struct sim_opts o;
	struct sim s;
	int rv;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	rv = sim_parse(argc, argv, &o);
	if (!rv)
		rv = sim_check_mountpoint(o.mountpoint);
	if (rv)
		return rv;
	pthread_mutex_init(&s.lock, NULL);
	rv = sim_setup(&s, &o);
	if (!rv)
		rv = sim_serve(&s, &o);
	model_fini(&s.m);
	pthread_mutex_destroy(&s.lock);
	return rv;
}
