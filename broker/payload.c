/* payload.c: building and parsing gpio-broker's MQTT payloads. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "payload.h"

void payload_timestamp(const struct timespec *ts, char *buf)
{
	static bool cached_valid;
	static time_t cached_sec;
	static char cached[24];
	unsigned long us;
	struct tm tm;
	int i;

	if (!cached_valid || ts->tv_sec != cached_sec) {
		gmtime_r(&ts->tv_sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts->tv_sec;
		cached_valid = true;
	}
	memcpy(buf, cached, 19);
	buf[19] = '.';
	for (i = 25, us = (unsigned long)ts->tv_nsec / 1000; i > 19; i--) {
		buf[i] = (char)('0' + us % 10);
		us /= 10;
	}
	buf[26] = 'Z';
	buf[27] = '\0';
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;

	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_sequence(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* The escape for one ASCII byte, or NULL when it stands for itself. */
static const char *escape_ascii(unsigned char c, char *spare)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	if (c >= 0x20 && c < 0x80)
		return NULL;
	snprintf(spare, 8, "\\u%04x", c);
	return spare;
}

int payload_escape(const char *in, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, n, m;
	const char *src;
	char spare[8];

	if (!outlen)
		return -1;
	while (i < len) {
		n = s[i] < 0x80 ? 1 : utf8_sequence(s + i, len - i);
		src = n <= 1 ? escape_ascii(s[i], spare) : NULL;
		m = src ? strlen(src) : n;
		if (!src)
			src = (const char *)s + i;
		if (o + m >= outlen)
			return -1;
		memcpy(out + o, src, m);
		o += m;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return (int)o;
}

/* snprintf that reports truncation as -1. */
static int format(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int payload_head(char *buf, size_t len, unsigned int gpio, const char *name)
{
	char escaped[PAYLOAD_HEAD_MAX];

	if (payload_escape(name, strlen(name), escaped, sizeof(escaped)) < 0)
		return -1;
	return format(buf, len, "{\"gpio\":%u,\"name\":\"%s\"", gpio,
		      escaped);
}

/* Append text to buf at *at; false when it does not fit (NUL included). */
static bool append(char *buf, size_t len, size_t *at, const char *text)
{
	size_t n = strlen(text);

	if (*at + n >= len)
		return false;
	memcpy(buf + *at, text, n + 1);
	*at += n;
	return true;
}

static bool append_u64(char *buf, size_t len, size_t *at, uint64_t v)
{
	char digits[24];
	int i = (int)sizeof(digits) - 1;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return append(buf, len, at, digits + i);
}

/* Built by hand rather than with snprintf: it is the message of every
 * edge, and this is several times cheaper. */
int payload_edge(char *buf, size_t len, const char *head, const char *edge,
		 int value, uint64_t count, const struct timespec *ts)
{
	char stamp[PAYLOAD_TS_SIZE];
	size_t at = 0;

	payload_timestamp(ts, stamp);
	if (append(buf, len, &at, head) &&
	    append(buf, len, &at, ",\"edge\":\"") &&
	    append(buf, len, &at, edge) &&
	    append(buf, len, &at, value ? "\",\"value\":1,\"count\":"
					: "\",\"value\":0,\"count\":") &&
	    append_u64(buf, len, &at, count) &&
	    append(buf, len, &at, ",\"ts\":\"") &&
	    append(buf, len, &at, stamp) &&
	    append(buf, len, &at, "\"}"))
		return (int)at;
	return -1;
}

int payload_count(char *buf, size_t len, const char *head,
		  const struct payload_counts *c, const struct timespec *ts)
{
	char stamp[PAYLOAD_TS_SIZE];

	payload_timestamp(ts, stamp);
	return format(buf, len,
		      "%s,\"count\":%" PRIu64 ",\"missed\":%" PRIu64
		      ",\"faults\":%" PRIu64 ",\"dropped\":%" PRIu64
		      ",\"ts\":\"%s\"}", head, c->count, c->missed, c->faults,
		      c->dropped, stamp);
}

int payload_state(char *buf, size_t len, const char *head,
		  const char *direction, int value, const char *fault,
		  const struct timespec *ts)
{
	char stamp[PAYLOAD_TS_SIZE], level[8], why[2 * PAYLOAD_WHY_MAX];

	payload_timestamp(ts, stamp);
	snprintf(level, sizeof(level), value < 0 ? "null" : "%d", value);
	if (!fault)
		return format(buf, len,
			      "%s,\"direction\":\"%s\",\"value\":%s,"
			      "\"ts\":\"%s\"}", head, direction, level,
			      stamp);

	if (payload_escape(fault, strlen(fault), why, sizeof(why)) < 0)
		return -1;
	return format(buf, len,
		      "%s,\"direction\":\"%s\",\"value\":%s,\"fault\":\"%s\","
		      "\"ts\":\"%s\"}", head, direction, level, why, stamp);
}

int payload_error(char *buf, size_t len, int gpio, const char *topic,
		  const char *error, const void *payload, size_t payload_len)
{
	char why[2 * PAYLOAD_WHY_MAX], echo[6 * PAYLOAD_ECHO_MAX + 1];
	char where[6 * PAYLOAD_TOPIC_ECHO_MAX + 1];
	int n;

	if (payload_escape(error, strlen(error), why, sizeof(why)) < 0)
		return -1;
	if (gpio >= 0)
		n = format(buf, len, "{\"gpio\":%d,\"error\":\"%s\"", gpio,
			   why);
	else if (payload_escape(topic, strnlen(topic, PAYLOAD_TOPIC_ECHO_MAX),
				where, sizeof(where)) < 0)
		return -1;
	else
		n = format(buf, len, "{\"topic\":\"%s\",\"error\":\"%s\"",
			   where, why);
	if (n < 0)
		return -1;

	echo[0] = '\0';
	if (payload_len > PAYLOAD_ECHO_MAX)
		payload_len = PAYLOAD_ECHO_MAX;
	if (payload)
		payload_escape(payload, payload_len, echo, sizeof(echo));
	if (payload && format(buf + n, len - n, ",\"payload\":\"%s\"}",
			      echo) < 0)
		return -1;
	if (!payload && format(buf + n, len - n, "}") < 0)
		return -1;
	return (int)strlen(buf);
}

static int reject(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reject(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Checks common to every command payload; on success the payload without
 * surrounding white space is in text, NUL-terminated.
 */
static int command_text(const void *data, size_t len, char *text,
			char *why, size_t whylen)
{
	const char *s = data;

	if (len > PAYLOAD_COMMAND_MAX)
		return reject(why, whylen,
			      "payload too long (%zu bytes, at most %d)", len,
			      PAYLOAD_COMMAND_MAX);
	/* an empty MQTT payload comes as NULL, which memchr must not see */
	if (len && memchr(s, '\0', len))
		return reject(why, whylen, "payload contains a NUL byte");
	if (!utf8_valid(data, len))
		return reject(why, whylen, "payload is not valid UTF-8");

	while (len && isspace((unsigned char)s[0]))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return reject(why, whylen, "empty payload");

	memcpy(text, s, len);
	text[len] = '\0';
	return 0;
}

/* A member name as a reason shows it: its first 32 bytes, escaped, so
 * that a decoded "\n" cannot break the log line the reason goes to. */
static void shown_key(const char *name, char *out, size_t outlen)
{
	payload_escape(name, strnlen(name, 32), out, outlen);
}

/* Parse a JSON object holding exactly one member, 'key'. */
static cJSON *parse_object(const char *text, const char *key, char *why,
			   size_t whylen)
{
	char shown[6 * 32 + 1];
	cJSON *root, *item;

	/* cJSON would end a key at the NUL it decodes: "value\u0000x" */
	if (strstr(text, "\\u0000")) {
		reject(why, whylen, "payload contains an escaped NUL "
		       "(\\u0000)");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, strlen(text) + 1, NULL, true);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		reject(why, whylen, "payload is not a JSON object");
		return NULL;
	}
	for (item = root->child; item; item = item->next) {
		if (strcmp(item->string, key)) {
			shown_key(item->string, shown, sizeof(shown));
			reject(why, whylen, "unexpected key '%s', expected "
			       "only '%s'", shown, key);
			cJSON_Delete(root);
			return NULL;
		}
		if (item != root->child) {
			reject(why, whylen, "key '%s' appears more than once",
			       key);
			cJSON_Delete(root);
			return NULL;
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(root, key)) {
		reject(why, whylen, "missing key '%s'", key);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static int parse_set_json(const char *text, enum payload_set *set,
			  char *why, size_t whylen)
{
	cJSON *root, *value;
	int err = 0;

	root = parse_object(text, "value", why, whylen);
	if (!root)
		return -EINVAL;

	value = cJSON_GetObjectItemCaseSensitive(root, "value");
	if (cJSON_IsBool(value))
		*set = cJSON_IsTrue(value) ? PAYLOAD_SET_HIGH : PAYLOAD_SET_LOW;
	else if (cJSON_IsNumber(value) && value->valuedouble == 0)
		*set = PAYLOAD_SET_LOW;
	else if (cJSON_IsNumber(value) && value->valuedouble == 1)
		*set = PAYLOAD_SET_HIGH;
	else
		err = reject(why, whylen,
			     "'value' must be 0, 1, true or false");
	cJSON_Delete(root);
	return err;
}

int payload_parse_set(const void *data, size_t len, enum payload_set *set,
		      char *why, size_t whylen)
{
	static const struct {
		const char *word;
		enum payload_set set;
	} words[] = {
		{ "1", PAYLOAD_SET_HIGH }, { "0", PAYLOAD_SET_LOW },
		{ "on", PAYLOAD_SET_HIGH }, { "off", PAYLOAD_SET_LOW },
		{ "true", PAYLOAD_SET_HIGH }, { "false", PAYLOAD_SET_LOW },
		{ "high", PAYLOAD_SET_HIGH }, { "low", PAYLOAD_SET_LOW },
		{ "toggle", PAYLOAD_SET_TOGGLE },
	};
	char text[PAYLOAD_COMMAND_MAX + 1];
	size_t i;
	int err;

	err = command_text(data, len, text, why, whylen);
	if (err)
		return err;
	if (text[0] == '{')
		return parse_set_json(text, set, why, whylen);

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcasecmp(text, words[i].word)) {
			*set = words[i].set;
			return 0;
		}
	}
	return reject(why, whylen, "unknown value, expected 1, 0, on, off, "
		      "true, false, high, low, toggle or {\"value\":1}");
}

static int parse_count_json(const char *text, uint64_t *count, char *why,
			    size_t whylen)
{
	cJSON *root, *value;
	double v;
	int err = 0;

	root = parse_object(text, "count", why, whylen);
	if (!root)
		return -EINVAL;

	value = cJSON_GetObjectItemCaseSensitive(root, "count");
	v = cJSON_IsNumber(value) ? value->valuedouble : -1;
	if (v < 0 || v > (double)PAYLOAD_COUNT_LIMIT || v != floor(v))
		err = reject(why, whylen, "'count' must be an integer from 0 "
			     "to %llu", PAYLOAD_COUNT_LIMIT);
	else
		*count = (uint64_t)v;
	cJSON_Delete(root);
	return err;
}

int payload_parse_count(const void *data, size_t len, uint64_t *count,
			char *why, size_t whylen)
{
	char text[PAYLOAD_COMMAND_MAX + 1];
	uint64_t v = 0;
	size_t i;
	int err;

	err = command_text(data, len, text, why, whylen);
	if (err)
		return err;
	if (text[0] == '{')
		return parse_count_json(text, count, why, whylen);

	for (i = 0; text[i]; i++) {
		if (!isdigit((unsigned char)text[i]) || i >= 16)
			break;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	if (text[i] || v > PAYLOAD_COUNT_LIMIT)
		return reject(why, whylen, "count must be an integer from 0 "
			      "to %llu", PAYLOAD_COUNT_LIMIT);
	*count = v;
	return 0;
}
