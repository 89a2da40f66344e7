/* config_rules.c: what string values may contain, key by key. */
#include <stdbool.h>
#include <string.h>

#include "config_private.h"

/*
 * Decode the UTF-8 sequence at 's' into '*cp'. Returns its length in
 * bytes, or 0 when it is not valid: overlong, a surrogate, past U+10FFFF,
 * or cut short (a NUL is never a continuation byte).
 */
static size_t utf8_decode(const unsigned char *s, unsigned int *cp)
{
	unsigned int c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, min = 0x80, c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, min = 0x800, c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* C0 and C1 control characters, and DEL. */
static bool is_control(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

bool config__utf8_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int cp;
	size_t n;

	for (; *u; u += n) {
		n = utf8_decode(u, &cp);
		if (!n)
			return false;
	}
	return true;
}

/* Valid UTF-8 without control characters: names, labels, user names. */
const char *config__rule_text(const char *value)
{
	const unsigned char *u = (const unsigned char *)value;
	unsigned int cp;
	size_t n;

	for (; *u; u += n) {
		n = utf8_decode(u, &cp);
		if (!n)
			return "expected valid UTF-8";
		if (is_control(cp))
			return "control characters are not allowed";
	}
	return NULL;
}

/* Any bytes but control characters: Linux file names need not be UTF-8. */
const char *config__rule_path(const char *value)
{
	const unsigned char *u = (const unsigned char *)value;

	for (; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			return "control characters are not allowed";
	}
	return NULL;
}

static bool all_in(const char *s, unsigned char lo, unsigned char hi)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u; u++) {
		if (*u < lo || *u > hi)
			return false;
	}
	return true;
}

const char *config__rule_host(const char *value)
{
	if (!all_in(value, 0x21, 0x7e))
		return "expected a host name or an IP address, without spaces";
	return NULL;
}

const char *config__rule_client_id(const char *value)
{
	if (!all_in(value, 0x20, 0x7e))
		return "expected printable ASCII characters";
	return NULL;
}

/* A prefix of MQTT topics: text, no wildcards, no empty level. */
const char *config__rule_topic(const char *value)
{
	size_t len = strlen(value);
	const char *why = config__rule_text(value);

	if (why)
		return why;
	if (strpbrk(value, "+#"))
		return "the wildcards '+' and '#' are not allowed";
	if (len && (value[0] == '/' || value[len - 1] == '/'))
		return "it must not start or end with '/'";
	if (strstr(value, "//"))
		return "an empty level '//' is not allowed";
	return NULL;
}
