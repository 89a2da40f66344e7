/* config_report.c: problems found in a file, kept, sorted and printed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_private.h"

static char *format(const char *fmt, va_list ap)
{
	va_list again;
	char *text;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return NULL;
	text = malloc((size_t)n + 1);
	if (text)
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	return text;
}

static int grow(struct config__parse *p)
{
	struct config__error *errs;
	size_t cap = p->cap_errs ? 2 * p->cap_errs : 16;

	if (p->n_errs < p->cap_errs)
		return 0;
	errs = realloc(p->errs, cap * sizeof *errs);
	if (!errs)
		return -1;
	p->errs = errs;
	p->cap_errs = cap;
	return 0;
}

/* Keep one problem found at 'line'. Running out of memory is remembered. */
void config__error(struct config__parse *p, int line, const char *fmt, ...)
{
	struct config__error *e;
	char *text;
	va_list ap;

	if (p->nomem || grow(p) < 0) {
		p->nomem = true;
		return;
	}
	va_start(ap, fmt);
	text = format(fmt, ap);
	va_end(ap);
	if (!text) {
		p->nomem = true;
		return;
	}
	e = &p->errs[p->n_errs];
	e->line = line;
	e->seq = p->n_errs++;
	e->text = text;
}

bool config__has_error_at(const struct config__parse *p, int line)
{
	size_t i;

	for (i = 0; i < p->n_errs; i++) {
		if (p->errs[i].line == line)
			return true;
	}
	return false;
}

static int by_line(const void *a, const void *b)
{
	const struct config__error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Print every problem kept, in file order: "FILE:LINE: text". */
void config__print_errors(struct config__parse *p, FILE *out)
{
	size_t i;

	if (p->n_errs)
		qsort(p->errs, p->n_errs, sizeof *p->errs, by_line);
	for (i = 0; out && i < p->n_errs; i++)
		fprintf(out, "%s:%d: %s\n", p->file, p->errs[i].line,
			p->errs[i].text);
}

void config__free_errors(struct config__parse *p)
{
	size_t i;

	for (i = 0; i < p->n_errs; i++)
		free(p->errs[i].text);
	free(p->errs);
	p->errs = NULL;
	p->n_errs = p->cap_errs = 0;
}

/*
 * One character of 's' as a message shows it, into 'piece' (5 bytes).
 * Returns the bytes written; '*used' is set to the bytes of 's' taken.
 */
static size_t quote_piece(const unsigned char *s, bool utf8, char *piece,
			  size_t *used)
{
	size_t n = 1;

	*used = 1;
	if (*s < 0x20 || *s == 0x7f || (*s >= 0x80 && !utf8))
		return (size_t)snprintf(piece, 5, "\\x%02x", *s);
	if (*s >= 0xc0)
		n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
	memcpy(piece, s, n);
	*used = n;
	return n;
}

/*
 * 's' made fit to print between quotes into 'buf' (at least 4 bytes):
 * control characters, and every byte above 0x7f when 's' is not valid
 * UTF-8, become \xNN; what does not fit is cut at a character, "..."
 * marking the cut.
 */
const char *config__quote(char *buf, size_t size, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	bool utf8 = config__utf8_valid(s);
	size_t len = 0, cut = 0, out, used;
	char piece[5];

	for (; *u; u += used) {
		out = quote_piece(u, utf8, piece, &used);
		if (len + out + 1 > size) {
			memcpy(buf + cut, "...", 4);
			return buf;
		}
		memcpy(buf + len, piece, out);
		len += out;
		if (len + 4 <= size)
			cut = len;
	}
	buf[len] = '\0';
	return buf;
}
