/* config_value.c: one value parsed by its key's type; the key reference. */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_private.h"

_Static_assert(sizeof(enum config_direction) == sizeof(int) &&
	       sizeof(enum config_edge) == sizeof(int) &&
	       sizeof(enum config_initial) == sizeof(int),
	       "enum keys are stored as int");

/* "a, b, c or d" into 'buf'. */
static void join_words(const struct config__word *w, char *buf, size_t size)
{
	size_t len = 0;
	const char *sep;
	int n;

	buf[0] = '\0';
	for (; w->word; w++) {
		sep = len == 0 ? "" : w[1].word ? ", " : " or ";
		n = snprintf(buf + len, size - len, "%s%s", sep, w->word);
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
	}
}

static void describe_range(const struct config__key *key, char *buf,
			   size_t size)
{
	if (key->zero_off)
		snprintf(buf, size, "0 (off) or %u to %u", key->min, key->max);
	else
		snprintf(buf, size, "%u to %u", key->min, key->max);
}

/* Decimal digits only: no sign, no space, no hex. */
static int parse_uint(const struct config__key *key, const char *value,
		      unsigned int *out, char *why, size_t why_size)
{
	unsigned long long v = 0;
	char range[64];
	const char *s;

	describe_range(key, range, sizeof range);
	if (!*value || strspn(value, "0123456789") != strlen(value)) {
		snprintf(why, why_size, "expected a whole number, %s", range);
		return -EINVAL;
	}
	for (s = value; *s && v <= UINT_MAX; s++)
		v = v * 10 + (unsigned int)(*s - '0');
	if (v > key->max || (v < key->min && !(key->zero_off && v == 0))) {
		snprintf(why, why_size, "expected %s", range);
		return -ERANGE;
	}
	*out = (unsigned int)v;
	return 0;
}

/* One of the key's words, in any case. */
static int parse_word(const struct config__key *key, const char *value,
		      int *out, char *why, size_t why_size)
{
	const struct config__word *w;
	char words[CONFIG__WHY_MAX];

	for (w = key->words; w->word; w++) {
		if (!strcasecmp(w->word, value)) {
			*out = w->value;
			return 0;
		}
	}
	join_words(key->words, words, sizeof words);
	snprintf(why, why_size, "expected %s", words);
	return -EINVAL;
}

/* Copied whole or not at all: a value too long is never cut. */
static int parse_string(const struct config__key *key, const char *value,
			char *field, char *why, size_t why_size)
{
	size_t len = strlen(value);
	const char *wrong;

	if (len < key->min) {
		snprintf(why, why_size, "expected a non-empty value");
		return -EINVAL;
	}
	if (len >= key->size) {
		snprintf(why, why_size, "%zu bytes, at most %zu", len,
			 key->size - 1);
		return -E2BIG;
	}
	wrong = key->rule ? key->rule(value) : NULL;
	if (wrong) {
		snprintf(why, why_size, "%s", wrong);
		return -EINVAL;
	}
	memcpy(field, value, len + 1);
	return 0;
}

/*
 * Parse 'value' for 'key' into its field in 'base'. Returns 0; or, with
 * the field untouched and 'why' saying what was expected: -EINVAL for a
 * bad value, -ERANGE for a number out of range, -E2BIG for a string too
 * long for its field.
 */
int config__parse_value(const struct config__key *key, const char *value,
			void *base, char *why, size_t why_size)
{
	char *field = (char *)base + key->offset;
	unsigned int u;
	bool b;
	int rc, i;

	switch (key->type) {
	case CONFIG__STRING:
	case CONFIG__PATH:
		return parse_string(key, value, field, why, why_size);
	case CONFIG__UINT:
		rc = parse_uint(key, value, &u, why, why_size);
		assert(key->size == sizeof u);
		if (!rc)
			memcpy(field, &u, sizeof u);
		return rc;
	case CONFIG__BOOL:
		rc = parse_word(key, value, &i, why, why_size);
		b = i;
		assert(key->size == sizeof b);
		if (!rc)
			memcpy(field, &b, sizeof b);
		return rc;
	case CONFIG__ENUM:
		rc = parse_word(key, value, &i, why, why_size);
		assert(key->size == sizeof i);
		if (!rc)
			memcpy(field, &i, sizeof i);
		return rc;
	}
	return -EINVAL;
}

/* Store every default of 'table' that is a plain value. */
void config__set_defaults(const struct config__table *table, void *base)
{
	char why[CONFIG__WHY_MAX];
	size_t i;
	int rc;

	for (i = 0; i < table->n_keys; i++) {
		if (!table->keys[i].def)
			continue;
		rc = config__parse_value(&table->keys[i], table->keys[i].def,
					 base, why, sizeof why);
		assert(rc == 0);
		(void)rc;
	}
}

static void describe_type(const struct config__key *key, char *buf,
			  size_t size)
{
	char range[64];

	switch (key->type) {
	case CONFIG__STRING:
		snprintf(buf, size, "text, %s%zu bytes",
			 key->min ? "1 to " : "at most ", key->size - 1);
		return;
	case CONFIG__PATH:
		snprintf(buf, size, "path");
		return;
	case CONFIG__UINT:
		describe_range(key, range, sizeof range);
		snprintf(buf, size, "number, %s", range);
		return;
	case CONFIG__BOOL:
		snprintf(buf, size, "true or false, yes or no, on or off, "
			 "1 or 0");
		return;
	case CONFIG__ENUM:
		join_words(key->words, buf, size);
		return;
	}
}

static void print_key(FILE *out, const struct config__key *key)
{
	const char *def = key->def_doc ? key->def_doc : key->def;
	char type[CONFIG__WHY_MAX];

	describe_type(key, type, sizeof type);
	if (key->required)
		fprintf(out, "  %s (%s; required)\n", key->name, type);
	else
		fprintf(out, "  %s (%s; default: %s)\n", key->name, type,
			def && *def ? def : "empty");
	fprintf(out, "      %s\n", key->help);
}

void config_print_reference(FILE *out)
{
	const struct config__table *tables[] = {
		&config__mqtt_table, &config__gpio_table, &config__pin_table,
	};
	size_t t, k;

	for (t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		fprintf(out, "%s[%s]\n", t ? "\n" : "", tables[t]->title);
		for (k = 0; k < tables[t]->n_keys; k++)
			print_key(out, &tables[t]->keys[k]);
	}
}
