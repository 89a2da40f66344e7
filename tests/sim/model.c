/* The simulated GPIO lines and their sysfs attributes, by kernel rules. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kstr.h"
#include "model.h"

#define MODEL_POLL_BASE (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

static const char *const model_edge_names[] = {
	[MODEL_EDGE_NONE] = "none",
	[MODEL_EDGE_FALLING] = "falling",
	[MODEL_EDGE_RISING] = "rising",
	[MODEL_EDGE_BOTH] = "both",
};

int64_t model_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t model__realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int model_init(struct model *m, const struct model_chip *chips,
	       size_t nchips, unsigned export_delay_ms)
{
	size_t i, k, n = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < nchips; i++)
		n += chips[i].ngpio;
	m->chips = calloc(nchips, sizeof(*m->chips));
	m->pins = calloc(n ? n : 1, sizeof(*m->pins));
	if (!m->chips || !m->pins) {
		model_fini(m);
		return -ENOMEM;
	}
	m->nchips = nchips;
	m->npins = n;
	m->export_delay_ms = export_delay_ms;
	for (i = 0, n = 0; i < nchips; i++) {
		m->chips[i] = chips[i];
		m->chips[i].first = n;
		for (k = 0; k < chips[i].ngpio; k++, n++) {
			m->pins[n].num = chips[i].base + k;
			m->pins[n].chip = &m->chips[i];
		}
	}
	return 0;
}

void model_fini(struct model *m)
{
	size_t i;

	for (i = 0; m->pins && i < m->npins; i++)
		if (m->pins[i].log)
			fclose(m->pins[i].log);
	free(m->pins);
	free(m->chips);
	free(m->wires);
	memset(m, 0, sizeof(*m));
}

struct model_pin *model_pin(struct model *m, unsigned long num)
{
	size_t i;

	for (i = 0; i < m->nchips; i++) {
		struct model_chip *c = &m->chips[i];

		if (num >= c->base && num - c->base < c->ngpio)
			return &m->pins[c->first + (num - c->base)];
	}
	return NULL;
}

int model_level(const struct model_pin *p)
{
	return p->instance && p->out ? p->out_level : p->pull;
}

bool model_file_dead(const struct model_file *f)
{
	return f->pin && f->instance != f->pin->instance;
}

static void model__log(struct model_pin *p, int level)
{
	if (!p->log)
		return;
	fprintf(p->log, "%lld %d\n", (long long)model__realtime(), level);
	fflush(p->log);
}

/* Bump value's event counter and wake the pollers that wait for it. */
static void model__event(struct model *m, struct model_pin *p)
{
	struct model_file *f;

	p->event++;
	p->st.events++;
	for (f = p->files; f; f = f->next) {
		if (f->node != MODEL_VALUE || model_file_dead(f))
			continue;
		if (!f->waiter || f->notified)
			continue;
		f->notified = true;
		p->st.notifications++;
		m->notify(f, m->cb_arg);
	}
}

/* Would an input going to physical level phys fire its edge setting? */
static bool model__edge_fires(const struct model_pin *p, int phys)
{
	int logical = phys ^ p->active_low;

	return p->edge & (logical ? MODEL_EDGE_RISING : MODEL_EDGE_FALLING);
}

void model_set_pull(struct model *m, struct model_pin *p, int level)
{
	level = !!level;
	if (p->pull == level)
		return;
	p->pull = level;
	p->st.edges++;
	model__log(p, level);
	if (p->instance && !p->out && model__edge_fires(p, level))
		model__event(m, p);
}

/* An output drives level; wired inputs follow at once. */
static void model__drive(struct model *m, struct model_pin *p, int level)
{
	size_t i, idx = p - m->pins;

	p->out = true;
	p->out_level = level;
	for (i = 0; i < m->nwires; i++)
		if (m->wires[i].out == idx)
			model_set_pull(m, &m->pins[m->wires[i].in], level);
}

int model_wire(struct model *m, struct model_pin *out, struct model_pin *in)
{
	struct model_wire *w;

	w = realloc(m->wires, (m->nwires + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	m->wires = w;
	w[m->nwires].out = out - m->pins;
	w[m->nwires].in = in - m->pins;
	m->nwires++;
	if (out->instance && out->out)
		model_set_pull(m, in, out->out_level);
	return 0;
}

static int model__export(struct model *m, const char *buf)
{
	struct model_pin *p;
	long num;
	int rv;

	rv = kstr_tol(buf, &num);
	if (rv)
		return rv;
	/* gpio_to_desc() takes an unsigned int */
	p = model_pin(m, (unsigned int)num);
	if (!p)
		return -EINVAL;
	if (p->instance)
		return -EBUSY;
	p->instance = ++m->next_instance;
	/* like gpio-sim: a line freed as an output drives its pull level */
	if (m->keep_direction)
		p->out_level = p->pull;
	else
		p->out = false;
	p->edge = MODEL_EDGE_NONE;
	p->active_low = false;
	p->event = 1;
	p->writable_at = model_now() + (int64_t)m->export_delay_ms * 1000000;
	p->st.exports++;
	return 0;
}

int model_unexport_pin(struct model *m, struct model_pin *p)
{
	if (!p->instance)
		return -EINVAL;
	p->instance = 0;
	if (!m->keep_direction)
		p->out = false;
	p->edge = MODEL_EDGE_NONE;
	p->active_low = false;
	return 0;
}

static int model__unexport(struct model *m, const char *buf)
{
	struct model_pin *p;
	long num;
	int rv;

	rv = kstr_tol(buf, &num);
	if (rv)
		return rv;
	p = model_pin(m, (unsigned int)num);
	if (!p)
		return -EINVAL;
	return model_unexport_pin(m, p);
}

static int model__direction(struct model *m, struct model_pin *p,
			    const char *buf)
{
	if (kstr_streq(buf, "high")) {
		model__drive(m, p, 1);
	} else if (kstr_streq(buf, "out") || kstr_streq(buf, "low")) {
		model__drive(m, p, 0);
	} else if (kstr_streq(buf, "in")) {
		p->out = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int model__value(struct model *m, struct model_pin *p,
			const char *buf)
{
	long v;
	int rv;

	p->st.writes++;
	if (!p->out)
		return -EPERM;
	rv = kstr_tol(buf, &v);
	if (rv)
		return rv;
	/* the kernel hands the long to an int parameter: low 32 bits count */
	model__drive(m, p, ((uint32_t)v != 0) ^ p->active_low);
	return 0;
}

/* Set the edge as edge_store() does: free the old irq, then request. */
static int model__edge(struct model_pin *p, const char *buf)
{
	unsigned flags;

	for (flags = 0; flags <= MODEL_EDGE_BOTH; flags++)
		if (kstr_streq(buf, model_edge_names[flags]))
			break;
	if (flags > MODEL_EDGE_BOTH)
		return -EINVAL;
	if (flags == p->edge)
		return 0;
	p->edge = MODEL_EDGE_NONE;
	if (!flags)
		return 0;
	if (p->out)
		return -EIO;
	p->edge = flags;
	return 0;
}

static int model__active_low(struct model_pin *p, const char *buf)
{
	unsigned flags = p->edge;
	bool al;
	long v;
	int rv;

	rv = kstr_tol(buf, &v);
	if (rv)
		return rv;
	al = (uint32_t)v != 0;
	if (al == p->active_low)
		return 0;
	p->active_low = al;
	if (flags != MODEL_EDGE_RISING && flags != MODEL_EDGE_FALLING)
		return 0;
	/* a one-sided edge is requested again with the new polarity */
	p->edge = MODEL_EDGE_NONE;
	if (p->out)
		return -EIO;
	p->edge = flags;
	return 0;
}

int model_write(struct model *m, struct model_file *f, const char *buf)
{
	if (model_file_dead(f))
		return -ENODEV;
	switch (f->node) {
	case MODEL_EXPORT:
		return model__export(m, buf);
	case MODEL_UNEXPORT:
		return model__unexport(m, buf);
	case MODEL_DIRECTION:
		return model__direction(m, f->pin, buf);
	case MODEL_VALUE:
		return model__value(m, f->pin, buf);
	case MODEL_EDGE:
		return model__edge(f->pin, buf);
	case MODEL_ACTIVE_LOW:
		return model__active_low(f->pin, buf);
	default:
		return -EIO;
	}
}

/* The text of a readable attribute; returns its length. */
static int model__show(const struct model_file *f, char *buf, size_t size)
{
	const struct model_pin *p = f->pin;
	const struct model_chip *c;

	switch (f->node) {
	case MODEL_DIRECTION:
		return snprintf(buf, size, "%s\n", p->out ? "out" : "in");
	case MODEL_VALUE:
		return snprintf(buf, size, "%d\n",
				model_level(p) ^ p->active_low);
	case MODEL_EDGE:
		return snprintf(buf, size, "%s\n", model_edge_names[p->edge]);
	case MODEL_ACTIVE_LOW:
		return snprintf(buf, size, "%d\n", p->active_low);
	default:
		break;
	}
	c = f->chip;
	if (f->node == MODEL_CHIP_BASE)
		return snprintf(buf, size, "%u\n", c->base);
	if (f->node == MODEL_CHIP_LABEL)
		return snprintf(buf, size, "%s\n", c->label);
	return snprintf(buf, size, "%u\n", c->ngpio);
}

/* A read of value: maybe an injected failure; consumes the event. */
static int model__read_value(struct model_file *f)
{
	struct model_pin *p = f->pin;

	p->st.reads++;
	if (model_file_dead(f))
		return -ENODEV;
	f->seen = p->event;
	if (!p->fail_count)
		return 0;
	p->fail_count--;
	p->st.failures++;
	return -p->fail_errno;
}

int model_read(struct model *m, struct model_file *f, char *buf,
	       size_t size, uint64_t off)
{
	char text[64];
	int len, rv = 0;

	(void)m;
	if (f->node == MODEL_VALUE)
		rv = model__read_value(f);
	else if (model_file_dead(f))
		rv = -ENODEV;
	else
		f->seen = 1;
	if (rv)
		return rv;
	len = model__show(f, text, sizeof(text));
	if (off >= (uint64_t)len)
		return 0;
	if (size > (size_t)len - off)
		size = (size_t)len - off;
	memcpy(buf, text + off, size);
	return (int)size;
}

unsigned model_poll(struct model *m, struct model_file *f)
{
	uint64_t event = 1;

	(void)m;
	f->notified = false;
	if (model_file_dead(f))
		return MODEL_POLL_BASE | POLLERR | POLLPRI;
	if (f->node == MODEL_CONTROL || f->node == MODEL_STATS)
		return MODEL_POLL_BASE;
	if (f->node == MODEL_VALUE)
		event = f->pin->event;
	if (f->seen != event)
		return MODEL_POLL_BASE | POLLERR | POLLPRI;
	return MODEL_POLL_BASE;
}

static bool model__readable(enum model_node node)
{
	return node != MODEL_EXPORT && node != MODEL_UNEXPORT &&
	       node != MODEL_CONTROL;
}

static bool model__writable(enum model_node node)
{
	switch (node) {
	case MODEL_EXPORT:
	case MODEL_UNEXPORT:
	case MODEL_DIRECTION:
	case MODEL_VALUE:
	case MODEL_EDGE:
	case MODEL_ACTIVE_LOW:
	case MODEL_CONTROL:
		return true;
	default:
		return false;
	}
}

int model_open(struct model *m, struct model_file *f, int accmode)
{
	bool wr = accmode != O_RDONLY, rd = accmode != O_WRONLY;
	struct model_pin *p = f->pin;

	(void)m;
	if (model_file_dead(f))
		return -ENODEV;
	if ((wr && !model__writable(f->node)) ||
	    (rd && !model__readable(f->node)))
		return -EACCES;
	if (p && wr && model_now() < p->writable_at)
		return -EACCES;
	if (!p)
		return 0;
	f->next = p->files;
	if (f->next)
		f->next->pprev = &f->next;
	f->pprev = &p->files;
	p->files = f;
	return 0;
}

void model_close(struct model *m, struct model_file *f)
{
	if (f->waiter)
		m->drop_waiter(f->waiter, m->cb_arg);
	f->waiter = NULL;
	if (!f->pprev)
		return;
	*f->pprev = f->next;
	if (f->next)
		f->next->pprev = f->pprev;
	f->pprev = NULL;
}
