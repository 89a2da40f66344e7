/* fuzz_payload.c: libFuzzer target: any bytes as a set or count command,
 * and as the text payload_escape, payload_error, payload_head and
 * payload_state put into JSON, whose output must be strict JSON. */
#define _GNU_SOURCE		/* memmem */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct timespec when = { 1796379072, 345678000 };

/* Length of the UTF-8 sequence at s (strict: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	uint32_t cp, min;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1fu, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0fu, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_len(s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* The text between the quotes of a JSON string, by RFC 8259's rules. */
static void check_json_string_body(const char *s, size_t len)
{
	size_t i;

	if (!utf8_ok((const unsigned char *)s, len))
		abort();
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == '"')
			abort();
		if (s[i] != '\\')
			continue;
		if (++i == len)
			abort();
		if (s[i] && strchr("\"\\/bfnrt", s[i]))
			continue;
		if (s[i] != 'u' || i + 4 >= len ||
		    strspn(s + i + 1, "0123456789abcdefABCDEF") < 4)
			abort();
		i += 4;
	}
}

/* A built message: strict UTF-8, no raw control byte, one JSON object. */
static cJSON *check_message(const char *buf, int n)
{
	cJSON *root;

	if (n < 0)
		return NULL;
	if ((size_t)n != strlen(buf) || (size_t)n >= PAYLOAD_MAX)
		abort();
	if (!utf8_ok((const unsigned char *)buf, (size_t)n))
		abort();
	for (int i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20)
			abort();
	root = cJSON_ParseWithLengthOpts(buf, (size_t)n + 1, NULL, true);
	if (!root || !cJSON_IsObject(root))
		abort();
	return root;
}

static const char *string_of(const cJSON *root, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);

	if (!cJSON_IsString(item))
		abort();
	return item->valuestring;
}

/* A reason goes into a log line: terminated, not empty, and without a
 * C0 control byte (newline, escape...) that could forge or hide a line.
 * DEL and valid UTF-8 may come through from a quoted JSON key. */
static void check_reason(const char *why, size_t whylen)
{
	size_t len = strnlen(why, whylen);

	if (len == 0 || len == whylen)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)why[i] < 0x20)
			abort();
}

/* Accepted commands are short, NUL-free, valid UTF-8, and hold no
 * escaped NUL either (cJSON would cut a key there). */
static void check_accepted(const uint8_t *data, size_t size)
{
	if (size > PAYLOAD_COMMAND_MAX || memchr(data, 0, size) ||
	    !utf8_ok(data, size) || memmem(data, size, "\\u0000", 6))
		abort();
}

static void fuzz_set(const uint8_t *data, size_t size)
{
	enum payload_set set = (enum payload_set)-1;
	char why[PAYLOAD_WHY_MAX];
	int rc;

	why[0] = '\0';
	rc = payload_parse_set(data, size, &set, why, sizeof(why));
	if (rc == -EINVAL) {
		check_reason(why, sizeof(why));
		return;
	}
	if (rc != 0 || why[0])
		abort();
	check_accepted(data, size);
	if (set != PAYLOAD_SET_LOW && set != PAYLOAD_SET_HIGH &&
	    set != PAYLOAD_SET_TOGGLE)
		abort();
}

/* Plain decimal text of up to 16 digits is read as strtoull reads it. */
static void check_decimal(const uint8_t *data, size_t size, int rc,
			  uint64_t count)
{
	char text[PAYLOAD_COMMAND_MAX + 1], *end;
	unsigned long long v;
	size_t a = 0, b = size;

	if (size > PAYLOAD_COMMAND_MAX)
		return;
	while (a < b && data[a] && strchr(" \t\n\r\v\f", data[a]))
		a++;
	while (b > a && data[b - 1] && strchr(" \t\n\r\v\f", data[b - 1]))
		b--;
	if (a == b || b - a > 16)
		return;
	for (size_t i = a; i < b; i++)
		if (data[i] < '0' || data[i] > '9')
			return;
	memcpy(text, data + a, b - a);
	text[b - a] = '\0';
	v = strtoull(text, &end, 10);
	if (v <= PAYLOAD_COUNT_LIMIT && (rc != 0 || count != v))
		abort();
	if (v > PAYLOAD_COUNT_LIMIT && rc == 0)
		abort();
}

static void fuzz_count(const uint8_t *data, size_t size)
{
	char why[PAYLOAD_WHY_MAX];
	uint64_t count = UINT64_MAX;
	int rc;

	why[0] = '\0';
	rc = payload_parse_count(data, size, &count, why, sizeof(why));
	if (rc == -EINVAL)
		check_reason(why, sizeof(why));
	else if (rc != 0 || why[0] || count > PAYLOAD_COUNT_LIMIT)
		abort();
	else
		check_accepted(data, size);
	check_decimal(data, size, rc, count);
}

/* Escaping never needs more than 6 bytes per byte; the result is a JSON
 * string, which gives back exactly the input when that was valid UTF-8. */
static void fuzz_escape(const uint8_t *data, size_t size)
{
	size_t outlen = 6 * size + 1, small;
	char *out = malloc(outlen), *json;
	cJSON *parsed;
	int n;

	n = payload_escape((const char *)data, size, out, outlen);
	if (n < 0 || (size_t)n != strlen(out))
		abort();
	check_json_string_body(out, (size_t)n);

	json = malloc((size_t)n + 3);
	json[0] = '"';
	memcpy(json + 1, out, (size_t)n);
	memcpy(json + 1 + n, "\"", 2);
	parsed = cJSON_ParseWithLengthOpts(json, (size_t)n + 3, NULL, true);
	if (!cJSON_IsString(parsed))
		abort();
	if (utf8_ok(data, size) && !memchr(data, 0, size) &&
	    (strlen(parsed->valuestring) != size ||
	     memcmp(parsed->valuestring, data, size)))
		abort();
	cJSON_Delete(parsed);
	free(json);

	/* a buffer one byte too small is refused, never overrun */
	small = (size_t)n;
	if (payload_escape((const char *)data, size, out, small) != -1)
		abort();
	free(out);
}

/* data as a NUL-terminated string, cut at its first NUL and at max. */
static char *cstring(const uint8_t *data, size_t size, size_t max)
{
	size_t len = strnlen((const char *)data, size < max ? size : max);
	char *s = malloc(len + 1);

	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

static void fuzz_error(const uint8_t *data, size_t size)
{
	char *text = cstring(data, size, 200), *buf = malloc(PAYLOAD_MAX);
	size_t echo = size < PAYLOAD_ECHO_MAX ? size : PAYLOAD_ECHO_MAX;
	cJSON *root;
	int n;

	/* the bytes as the payload echoed, the reason short */
	n = payload_error(buf, PAYLOAD_MAX, 43, NULL, "bad", data, size);
	root = check_message(buf, n);
	if (!root)
		abort();	/* 64 bytes escaped always fit */
	string_of(root, "payload");
	if (utf8_ok(data, echo) && !memchr(data, 0, echo) &&
	    memcmp(string_of(root, "payload"), data, echo))
		abort();
	cJSON_Delete(root);

	/* as the topic and the reason, with the same payload */
	n = payload_error(buf, PAYLOAD_MAX, -1, text, text, data, size);
	root = check_message(buf, n);
	if (root) {
		string_of(root, "topic");
		if (utf8_ok((const unsigned char *)text, strlen(text)) &&
		    strcmp(string_of(root, "error"), text))
			abort();
		cJSON_Delete(root);
	}

	n = payload_error(buf, PAYLOAD_MAX, 7, NULL, text, NULL, 0);
	root = check_message(buf, n);
	if (root) {
		if (cJSON_GetObjectItemCaseSensitive(root, "payload"))
			abort();
		cJSON_Delete(root);
	}
	free(buf);
	free(text);
}

static void fuzz_head_and_state(const uint8_t *data, size_t size)
{
	char *name = cstring(data, size, 64), *fault = cstring(data, size, 120);
	char head[PAYLOAD_HEAD_MAX], *buf = malloc(PAYLOAD_MAX);
	cJSON *root;
	int n;

	/* any name a config can give (64 bytes) makes a head */
	if (payload_head(head, sizeof(head), 65535, name) < 0)
		abort();
	n = payload_state(buf, PAYLOAD_MAX, head, "out", -1, fault, &when);
	root = check_message(buf, n);
	if (root) {
		if (utf8_ok((const unsigned char *)name, strlen(name)) &&
		    strcmp(string_of(root, "name"), name))
			abort();
		if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root,
								   "value")))
			abort();
		string_of(root, "fault");
		cJSON_Delete(root);
	}
	free(buf);
	free(fault);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact copy, so that reading past size is caught */
	uint8_t *copy = malloc(size ? size : 1);

	if (size)
		memcpy(copy, data, size);
	fuzz_set(size ? copy : NULL, size);
	fuzz_count(size ? copy : NULL, size);
	fuzz_escape((const uint8_t *)copy, size);
	fuzz_error(copy, size);
	fuzz_head_and_state(copy, size);
	free(copy);
	return 0;
}
