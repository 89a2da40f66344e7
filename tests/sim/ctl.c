/* The commands of .sim/control and the text of .sim/stats. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CTL_MAX_ARGS 6
#define CTL_MAX_TEXT 4096

/* A command being run: its words and its text for messages. */
struct ctl_cmd {
	struct ctl *c;
	int argc;
	char *argv[CTL_MAX_ARGS];
	const char *text;
	void *req;
};

struct ctl_op {
	const char *name;
	int min_args;
	int max_args;
	int (*run)(struct ctl_cmd *cmd);
	const char *usage;
};

static const struct {
	const char *name;
	int value;
} ctl_errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "ENXIO", ENXIO }, { "EBADF", EBADF },
	{ "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM }, { "EACCES", EACCES },
	{ "EBUSY", EBUSY }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL },
	{ "ENOSPC", ENOSPC }, { "EPIPE", EPIPE }, { "ERANGE", ERANGE },
	{ "ETIMEDOUT", ETIMEDOUT }, { "ENOTCONN", ENOTCONN },
	{ "ESHUTDOWN", ESHUTDOWN }, { "EOVERFLOW", EOVERFLOW },
};

/* Log why cmd is refused, in one line; returns err. */
static int ctl__refuse(const struct ctl_cmd *cmd, int err,
		       const char *fmt, ...)
{
	size_t i, len = strlen(cmd->text);
	char shown[64], why[256];
	va_list ap;

	if (len && cmd->text[len - 1] == '\n')
		len--;
	for (i = 0; i < len && i < sizeof(shown) - 1; i++) {
		unsigned char ch = cmd->text[i];

		shown[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	shown[i] = '\0';
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gpio-sysfs-sim: bad command '%s': %s\n", shown, why);
	return err;
}

/* A decimal number without sign, fully used; false otherwise. */
static bool ctl__uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !*end && !errno && *v <= max;
}

static bool ctl__real(const char *s, double min, double max, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return end != s && !*end && !errno && isfinite(*v) && *v >= min &&
	       *v <= max;
}

static int ctl__pin(struct ctl_cmd *cmd, int i, struct model_pin **p)
{
	uint64_t num;

	if (!ctl__uint(cmd->argv[i], UINT32_MAX, &num))
		return ctl__refuse(cmd, -EINVAL, "bad pin number '%s'",
				   cmd->argv[i]);
	*p = model_pin(cmd->c->m, num);
	if (!*p)
		return ctl__refuse(cmd, -EINVAL, "no pin %s on any chip",
				   cmd->argv[i]);
	return 0;
}

/* The pin of argv[1], if no train drives it. */
static int ctl__idle_pin(struct ctl_cmd *cmd, struct model_pin **p)
{
	int rv = ctl__pin(cmd, 1, p);

	if (rv)
		return rv;
	if ((*p)->busy)
		return ctl__refuse(cmd, -EBUSY, "pin %u is busy with a train",
				   (*p)->num);
	return 0;
}

static int ctl__level(struct ctl_cmd *cmd)
{
	struct model_pin *p;
	const char *v = cmd->argv[2];
	int rv;

	if (strcmp(v, "0") && strcmp(v, "1"))
		return ctl__refuse(cmd, -EINVAL, "level must be 0 or 1");
	rv = ctl__idle_pin(cmd, &p);
	if (rv)
		return rv;
	model_set_pull(cmd->c->m, p, v[0] == '1');
	return 0;
}

static int ctl__pulse(struct ctl_cmd *cmd)
{
	struct model_pin *p;
	uint64_t count;
	double hz;
	int rv;

	if (!ctl__uint(cmd->argv[2], 1000000000, &count) || !count)
		return ctl__refuse(cmd, -EINVAL,
				   "count must be 1 to 1000000000");
	if (!ctl__real(cmd->argv[3], 0.001, 1e6, &hz))
		return ctl__refuse(cmd, -EINVAL,
				   "rate must be 0.001 to 1000000 Hz");
	if ((double)count / hz > 1e6)
		return ctl__refuse(cmd, -EINVAL, "train longer than 1e6 s");
	rv = ctl__idle_pin(cmd, &p);
	if (rv)
		return rv;
	return train_pulse(cmd->c->t, p, count, hz);
}

static int ctl__replay(struct ctl_cmd *cmd)
{
	struct vcd_trace trace;
	struct model_pin *p;
	double speed = 1;
	char err[256];
	int rv;

	if (cmd->argc > 4 && !ctl__real(cmd->argv[4], 1e-6, 1e6, &speed))
		return ctl__refuse(cmd, -EINVAL, "bad speed '%s'",
				   cmd->argv[4]);
	rv = ctl__idle_pin(cmd, &p);
	if (rv)
		return rv;
	rv = vcd_load(cmd->argv[2], cmd->argv[3], &trace, err, sizeof(err));
	if (rv)
		return ctl__refuse(cmd, -EINVAL, "%s", err);
	rv = train_replay(cmd->c->t, p, &trace, speed);
	if (rv)
		vcd_free(&trace);
	return rv;
}

static int ctl__wire(struct ctl_cmd *cmd)
{
	struct model_pin *out, *in;
	int rv;

	rv = ctl__pin(cmd, 1, &out);
	if (!rv)
		rv = ctl__pin(cmd, 2, &in);
	if (rv)
		return rv;
	if (out == in)
		return ctl__refuse(cmd, -EINVAL, "a pin cannot drive itself");
	return model_wire(cmd->c->m, out, in);
}

static int ctl__vanish(struct ctl_cmd *cmd)
{
	struct model_pin *p;
	int rv;

	rv = ctl__pin(cmd, 1, &p);
	if (rv)
		return rv;
	if (model_unexport_pin(cmd->c->m, p))
		return ctl__refuse(cmd, -EINVAL, "pin %u is not exported",
				   p->num);
	return 0;
}

static bool ctl__errno(const char *s, int *err)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ctl_errnos) / sizeof(ctl_errnos[0]); i++) {
		if (!strcmp(s, ctl_errnos[i].name)) {
			*err = ctl_errnos[i].value;
			return true;
		}
	}
	if (!ctl__uint(s, 4095, &v) || !v)
		return false;
	*err = (int)v;
	return true;
}

static int ctl__fail(struct ctl_cmd *cmd)
{
	struct model_pin *p;
	uint64_t count;
	int err, rv;

	if (!ctl__errno(cmd->argv[2], &err))
		return ctl__refuse(cmd, -EINVAL, "unknown errno '%s'",
				   cmd->argv[2]);
	if (!ctl__uint(cmd->argv[3], UINT64_MAX, &count))
		return ctl__refuse(cmd, -EINVAL, "bad count '%s'",
				   cmd->argv[3]);
	rv = ctl__pin(cmd, 1, &p);
	if (rv)
		return rv;
	p->fail_errno = err;
	p->fail_count = count;
	return 0;
}

static int ctl__log(struct ctl_cmd *cmd)
{
	struct model_pin *p;
	FILE *f;
	int rv;

	rv = ctl__pin(cmd, 1, &p);
	if (rv)
		return rv;
	f = fopen(cmd->argv[2], "ae");
	if (!f)
		return ctl__refuse(cmd, -EINVAL, "cannot open '%s': %s",
				   cmd->argv[2], strerror(errno));
	if (p->log)
		fclose(p->log);
	p->log = f;
	return 0;
}

static int ctl__wait(struct ctl_cmd *cmd)
{
	return train_wait(cmd->c->t, cmd->req);
}

static const struct ctl_op ctl_ops[] = {
	{ "level", 3, 3, ctl__level, "level N 0|1" },
	{ "pulse", 4, 4, ctl__pulse, "pulse N COUNT HZ" },
	{ "replay", 4, 5, ctl__replay, "replay N FILE SIGNAL [SPEED]" },
	{ "wire", 3, 3, ctl__wire, "wire OUT IN" },
	{ "vanish", 2, 2, ctl__vanish, "vanish N" },
	{ "fail", 4, 4, ctl__fail, "fail N ERRNO COUNT" },
	{ "log", 3, 3, ctl__log, "log N FILE" },
	{ "wait", 1, 1, ctl__wait, "wait" },
};

/* Split line into words; false when there are too many. */
static bool ctl__split(char *line, struct ctl_cmd *cmd)
{
	char *save = NULL, *w;

	cmd->argc = 0;
	for (w = strtok_r(line, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (cmd->argc == CTL_MAX_ARGS)
			return false;
		cmd->argv[cmd->argc++] = w;
	}
	return true;
}

static int ctl__dispatch(struct ctl_cmd *cmd)
{
	const struct ctl_op *op;
	size_t i;

	if (!cmd->argc)
		return ctl__refuse(cmd, -EINVAL, "empty command");
	for (i = 0; i < sizeof(ctl_ops) / sizeof(ctl_ops[0]); i++) {
		op = &ctl_ops[i];
		if (strcmp(cmd->argv[0], op->name))
			continue;
		if (cmd->argc < op->min_args || cmd->argc > op->max_args)
			return ctl__refuse(cmd, -EINVAL, "usage: %s",
					   op->usage);
		return op->run(cmd);
	}
	return ctl__refuse(cmd, -EINVAL, "unknown command '%s'",
			   cmd->argv[0]);
}

int ctl_run(struct ctl *c, const char *text, void *req)
{
	struct ctl_cmd cmd = { .c = c, .text = text, .req = req };
	char line[CTL_MAX_TEXT + 1];
	size_t len = strlen(text);

	if (len > CTL_MAX_TEXT)
		return ctl__refuse(&cmd, -EINVAL, "command too long");
	memcpy(line, text, len + 1);
	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (strpbrk(line, "\n\r"))
		return ctl__refuse(&cmd, -EINVAL, "one command per write");
	if (!ctl__split(line, &cmd))
		return ctl__refuse(&cmd, -EINVAL, "too many words");
	return ctl__dispatch(&cmd);
}

static int ctl__append(char **buf, size_t *len, size_t *cap,
		       const struct model_pin *p)
{
	const struct model_stats *s = &p->st;
	int n;

	if (*cap - *len < 512) {
		char *nb = realloc(*buf, *cap * 2);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap *= 2;
	}
	n = snprintf(*buf + *len, *cap - *len,
		     "pin=%u exported=%d level=%d edges=%llu events=%llu "
		     "notifications=%llu reads=%llu writes=%llu exports=%llu "
		     "failures=%llu\n",
		     p->num, p->instance != 0, model_level(p),
		     (unsigned long long)s->edges,
		     (unsigned long long)s->events,
		     (unsigned long long)s->notifications,
		     (unsigned long long)s->reads,
		     (unsigned long long)s->writes,
		     (unsigned long long)s->exports,
		     (unsigned long long)s->failures);
	*len += n;
	return 0;
}

int ctl_stats(struct model *m, char **text, size_t *len)
{
	size_t i, cap = 4096;
	char *buf = malloc(cap);

	*len = 0;
	if (!buf)
		return -ENOMEM;
	buf[0] = '\0';
	for (i = 0; i < m->npins; i++) {
		if (ctl__append(&buf, len, &cap, &m->pins[i])) {
			free(buf);
			return -ENOMEM;
		}
	}
	*text = buf;
	return 0;
}
