/* Value change dump (VCD) reader: tokens, header, value changes. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vcd.h"

#define VCD_MAX_FILE (256u << 20)

/* A whitespace-separated word of the file, pointing into the buffer. */
struct vcd_tok {
	const char *s;
	size_t len;
	unsigned line;
};

struct vcd_parser {
	const char *p;
	const char *end;
	unsigned line;
	const char *name;
	const char *signal;
	char *err;
	size_t errlen;
	bool section_closed;	/* the last section word read was $end */
	int64_t unit_ps;	/* picoseconds per time unit, 0 if unset */
	struct vcd_tok sig_id;	/* identifier code of the signal */
	long sig_width;
	struct vcd_tok *ids;	/* every identifier declared */
	size_t nids;
	size_t capids;
	int64_t time_ns;
	struct vcd_trace *out;
	size_t cap;
};

static int vcd__fail(struct vcd_parser *ps, unsigned line,
		     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ps->errlen)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool vcd__space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Take the next word; false at the end of the buffer. */
static bool vcd__next(struct vcd_parser *ps, struct vcd_tok *t)
{
	while (ps->p < ps->end && vcd__space(*ps->p)) {
		if (*ps->p == '\n')
			ps->line++;
		ps->p++;
	}
	if (ps->p == ps->end)
		return false;
	t->s = ps->p;
	t->line = ps->line;
	while (ps->p < ps->end && !vcd__space(*ps->p))
		ps->p++;
	t->len = ps->p - t->s;
	return true;
}

static bool vcd__is(const struct vcd_tok *t, const char *word)
{
	return t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

/*
 * The next word of a $... section, false at its "$end" (section_closed
 * set) or at the end of the buffer (section_closed clear).
 */
static bool vcd__next_in_section(struct vcd_parser *ps, struct vcd_tok *t)
{
	ps->section_closed = false;
	if (!vcd__next(ps, t))
		return false;
	ps->section_closed = vcd__is(t, "$end");
	return !ps->section_closed;
}

static bool vcd__same(const struct vcd_tok *a, const struct vcd_tok *b)
{
	return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

/* Print at most 40 bytes of a word in messages. */
static int vcd__shown(const struct vcd_tok *t)
{
	return t->len > 40 ? 40 : (int)t->len;
}

static int vcd__skip_section(struct vcd_parser *ps, const struct vcd_tok *kw)
{
	struct vcd_tok t;

	while (vcd__next(ps, &t))
		if (vcd__is(&t, "$end"))
			return 0;
	return vcd__fail(ps, kw->line, "unterminated '%.*s'",
			 vcd__shown(kw), kw->s);
}

/* Parse "1us", "10 ns" and the like into picoseconds per unit. */
static int64_t vcd__unit_ps(const char *text)
{
	static const struct {
		const char *name;
		int64_t ps;
	} units[] = {
		{ "s", 1000000000000LL }, { "ms", 1000000000LL },
		{ "us", 1000000LL }, { "ns", 1000LL }, { "ps", 1LL },
	};
	char *rest;
	long mult = strtol(text, &rest, 10);
	size_t i;

	if (rest == text || (mult != 1 && mult != 10 && mult != 100))
		return 0;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(rest, units[i].name))
			return mult * units[i].ps;
	return 0;
}

static int vcd__timescale(struct vcd_parser *ps, const struct vcd_tok *kw)
{
	char text[32] = "";
	struct vcd_tok t;
	size_t used = 0;

	while (vcd__next_in_section(ps, &t)) {
		if (used + t.len >= sizeof(text))
			return vcd__fail(ps, t.line, "bad timescale");
		memcpy(text + used, t.s, t.len);
		used += t.len;
		text[used] = '\0';
	}
	if (!ps->section_closed)
		return vcd__fail(ps, kw->line, "unterminated '$timescale'");
	ps->unit_ps = vcd__unit_ps(text);
	if (!ps->unit_ps)
		return vcd__fail(ps, kw->line, "bad timescale '%s'", text);
	return 0;
}

static int vcd__add_id(struct vcd_parser *ps, const struct vcd_tok *id)
{
	struct vcd_tok *ids;

	if (ps->nids == ps->capids) {
		size_t cap = ps->capids ? 2 * ps->capids : 16;

		ids = realloc(ps->ids, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		ps->ids = ids;
		ps->capids = cap;
	}
	ps->ids[ps->nids++] = *id;
	return 0;
}

/* Note the signal's identifier and width when the reference matches. */
static int vcd__match(struct vcd_parser *ps, const struct vcd_tok *w,
		      const struct vcd_tok *id, const struct vcd_tok *ref)
{
	struct vcd_tok want = { ps->signal, strlen(ps->signal), 0 };
	char *rest;

	if (!vcd__same(ref, &want))
		return 0;
	if (ps->sig_id.s && !vcd__same(&ps->sig_id, id))
		return vcd__fail(ps, ref->line, "signal '%s' declared twice",
				 ps->signal);
	ps->sig_id = *id;
	ps->sig_width = strtol(w->s, &rest, 10);
	if (rest != w->s + w->len || ps->sig_width <= 0)
		return vcd__fail(ps, w->line, "bad width '%.*s'",
				 vcd__shown(w), w->s);
	return 0;
}

static int vcd__var(struct vcd_parser *ps, const struct vcd_tok *kw)
{
	struct vcd_tok f[4], t;
	int n = 0;
	int rv;

	while (vcd__next_in_section(ps, &t))
		if (n < 4)
			f[n++] = t;
	if (!ps->section_closed)
		return vcd__fail(ps, kw->line, "unterminated '$var'");
	if (n < 4)
		return vcd__fail(ps, kw->line, "malformed '$var'");
	rv = vcd__add_id(ps, &f[2]);
	if (rv)
		return rv;
	return vcd__match(ps, &f[1], &f[2], &f[3]);
}

static int vcd__cmp_id(const void *a, const void *b)
{
	const struct vcd_tok *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

static int vcd__definitions_done(struct vcd_parser *ps, unsigned line)
{
	if (!ps->unit_ps)
		return vcd__fail(ps, line, "missing '$timescale'");
	if (!ps->sig_id.s)
		return vcd__fail(ps, line, "signal '%s' not found", ps->signal);
	if (ps->sig_width != 1)
		return vcd__fail(ps, line, "signal '%s' is %ld bits wide",
				 ps->signal, ps->sig_width);
	qsort(ps->ids, ps->nids, sizeof(*ps->ids), vcd__cmp_id);
	return 0;
}

static int vcd__header(struct vcd_parser *ps)
{
	struct vcd_tok t;
	int rv;

	while (vcd__next(ps, &t)) {
		if (vcd__is(&t, "$enddefinitions")) {
			rv = vcd__skip_section(ps, &t);
			return rv ? rv : vcd__definitions_done(ps, t.line);
		}
		if (vcd__is(&t, "$timescale"))
			rv = vcd__timescale(ps, &t);
		else if (vcd__is(&t, "$var"))
			rv = vcd__var(ps, &t);
		else if (t.s[0] == '$')
			rv = vcd__skip_section(ps, &t);
		else
			rv = vcd__fail(ps, t.line,
				       "unexpected '%.*s' in header",
				       vcd__shown(&t), t.s);
		if (rv)
			return rv;
	}
	return vcd__fail(ps, ps->line, "missing '$enddefinitions'");
}

/* Convert a count of time units to nanoseconds; false on overflow. */
static bool vcd__to_ns(const struct vcd_parser *ps, uint64_t t, int64_t *ns)
{
	uint64_t v;

	if (ps->unit_ps < 1000) {
		v = t / (uint64_t)(1000 / ps->unit_ps);
	} else if (__builtin_mul_overflow(t, (uint64_t)(ps->unit_ps / 1000),
					  &v)) {
		return false;
	}
	if (v > INT64_MAX)
		return false;
	*ns = (int64_t)v;
	return true;
}

static int vcd__time(struct vcd_parser *ps, const struct vcd_tok *t)
{
	uint64_t v = 0;
	int64_t ns;
	size_t i;

	if (t->len < 2)
		return vcd__fail(ps, t->line, "empty timestamp");
	for (i = 1; i < t->len; i++) {
		unsigned d = (unsigned char)t->s[i] - '0';

		if (d > 9)
			return vcd__fail(ps, t->line, "bad timestamp '%.*s'",
					 vcd__shown(t), t->s);
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return vcd__fail(ps, t->line, "timestamp too large");
	}
	if (!vcd__to_ns(ps, v, &ns))
		return vcd__fail(ps, t->line, "timestamp too large");
	if (ns < ps->time_ns)
		return vcd__fail(ps, t->line, "time goes backwards");
	ps->time_ns = ns;
	ps->out->end_ns = ns;
	return 0;
}

static int vcd__push(struct vcd_parser *ps, int level)
{
	struct vcd_trace *tr = ps->out;
	struct vcd_change *c;

	if (tr->n && tr->changes[tr->n - 1].level == level)
		return 0;
	if (tr->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 256;

		c = realloc(tr->changes, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		tr->changes = c;
		ps->cap = cap;
	}
	tr->changes[tr->n].t_ns = ps->time_ns;
	tr->changes[tr->n].level = level;
	tr->n++;
	return 0;
}

/* Record value v (one of 0 1 x z) given to identifier id. */
static int vcd__value(struct vcd_parser *ps, const struct vcd_tok *id,
		      char v)
{
	if (!id->len)
		return vcd__fail(ps, id->line, "value without identifier");
	if (!bsearch(id, ps->ids, ps->nids, sizeof(*ps->ids), vcd__cmp_id))
		return vcd__fail(ps, id->line, "unknown identifier '%.*s'",
				 vcd__shown(id), id->s);
	if (!vcd__same(id, &ps->sig_id))
		return 0;
	return vcd__push(ps, v == '1');
}

static int vcd__vector(struct vcd_parser *ps, const struct vcd_tok *t)
{
	struct vcd_tok id;

	if (!vcd__next(ps, &id))
		return vcd__fail(ps, t->line, "value without identifier");
	if (vcd__same(&id, &ps->sig_id) &&
	    (t->len != 2 || !strchr("01xXzZ", t->s[1]) ||
	     strchr("rR", t->s[0])))
		return vcd__fail(ps, t->line, "bad value '%.*s' for '%s'",
				 vcd__shown(t), t->s, ps->signal);
	return vcd__value(ps, &id, t->len == 2 ? t->s[1] : '0');
}

static int vcd__command(struct vcd_parser *ps, const struct vcd_tok *t)
{
	static const char *const markers[] = {
		"$dumpvars", "$dumpall", "$dumpon", "$dumpoff", "$end",
	};
	size_t i;

	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (vcd__is(t, markers[i]))
			return 0;
	if (vcd__is(t, "$comment"))
		return vcd__skip_section(ps, t);
	return vcd__fail(ps, t->line, "unexpected '%.*s'", vcd__shown(t),
			 t->s);
}

static int vcd__body(struct vcd_parser *ps)
{
	struct vcd_tok t;
	int rv = 0;

	while (!rv && vcd__next(ps, &t)) {
		struct vcd_tok id = { t.s + 1, t.len - 1, t.line };
		char c = t.s[0];

		if (c == '#')
			rv = vcd__time(ps, &t);
		else if (c == '$')
			rv = vcd__command(ps, &t);
		else if (strchr("01xXzZ", c))
			rv = vcd__value(ps, &id, c);
		else if (strchr("bBrR", c))
			rv = vcd__vector(ps, &t);
		else
			rv = vcd__fail(ps, t.line, "unexpected '%.*s'",
				       vcd__shown(&t), t.s);
	}
	return rv;
}

int vcd_parse(const char *buf, size_t len, const char *name,
	      const char *signal, struct vcd_trace *out,
	      char *err, size_t errlen)
{
	struct vcd_parser ps = {
		.p = buf, .end = buf + len, .line = 1, .name = name,
		.signal = signal, .err = err, .errlen = errlen, .out = out,
	};
	int rv;

	memset(out, 0, sizeof(*out));
	rv = vcd__header(&ps);
	if (!rv)
		rv = vcd__body(&ps);
	free(ps.ids);
	if (rv)
		vcd_free(out);
	if (rv == -ENOMEM && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	return rv;
}

/* Read a whole file into a new buffer; 0 or -errno. */
static int vcd__slurp(const char *path, char **buf, size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	int rv = 0;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0) {
		rv = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > VCD_MAX_FILE) {
		rv = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out_close;
	}
	*buf = malloc(st.st_size + 1);
	if (!*buf) {
		rv = -ENOMEM;
		goto out_close;
	}
	*len = fread(*buf, 1, st.st_size, f);
	if (ferror(f)) {
		rv = -EIO;
		free(*buf);
	}
out_close:
	fclose(f);
	return rv;
}

int vcd_load(const char *path, const char *signal, struct vcd_trace *out,
	     char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rv;

	memset(out, 0, sizeof(*out));
	rv = vcd__slurp(path, &buf, &len);
	if (rv) {
		if (errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rv));
		return rv;
	}
	rv = vcd_parse(buf, len, path, signal, out, err, errlen);
	free(buf);
	return rv;
}

void vcd_free(struct vcd_trace *trace)
{
	free(trace->changes);
	trace->changes = NULL;
	trace->n = 0;
}
