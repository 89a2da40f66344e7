/* payload.h: the JSON gpio-broker publishes and the command payloads it
 * accepts. Building formats into the caller's buffer with snprintf, with
 * no allocation, so an edge message costs none; parsing uses cJSON. */
#ifndef GB_PAYLOAD_H
#define GB_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PAYLOAD_MAX 640		/* the longest message of a pin */
#define PAYLOAD_ERROR_MAX 1536	/* the longest rejection, echoes escaped */
#define PAYLOAD_HEAD_MAX 420	/* {"gpio":N,"name":"<escaped name>" */
#define PAYLOAD_TS_SIZE 28	/* 2026-12-04T10:11:12.345678Z and NUL */
#define PAYLOAD_ECHO_MAX 64	/* bytes of a rejected payload echoed */
#define PAYLOAD_TOPIC_ECHO_MAX 128 /* bytes of a rejected topic echoed */
#define PAYLOAD_COMMAND_MAX 256	/* longest command payload accepted */
#define PAYLOAD_WHY_MAX 128	/* room for a rejection reason */
#define PAYLOAD_COUNT_LIMIT 9007199254740991ULL /* 2^53 - 1 */

/* RFC 3339 UTC time with microseconds into buf (PAYLOAD_TS_SIZE). */
void payload_timestamp(const struct timespec *ts, char *buf);

/*
 * Escape len bytes for a JSON string (no quotes added). Bytes that are
 * not valid UTF-8 come out as \u00XX, so the result is always valid JSON.
 * Returns the length written, or -1 when out (size outlen) is too small.
 */
int payload_escape(const char *in, size_t len, char *out, size_t outlen);

/* The part every message of a pin starts with: {"gpio":N,"name":"..." */
int payload_head(char *buf, size_t len, unsigned int gpio, const char *name);

int payload_edge(char *buf, size_t len, const char *head, const char *edge,
		 int value, uint64_t count, const struct timespec *ts);

struct payload_counts {
	uint64_t count;
	uint64_t missed;
	uint64_t faults;
	uint64_t dropped;
};

int payload_count(char *buf, size_t len, const char *head,
		  const struct payload_counts *c, const struct timespec *ts);

/* value < 0 is published as null; 'fault' (NULL for none) is added. */
int payload_state(char *buf, size_t len, const char *head,
		  const char *direction, int value, const char *fault,
		  const struct timespec *ts);

/*
 * {"gpio":N,"error":"...","payload":"..."}; gpio < 0 leaves "gpio" out
 * and names the topic instead (its first PAYLOAD_TOPIC_ECHO_MAX bytes); a
 * NULL payload leaves "payload" out, and only its first PAYLOAD_ECHO_MAX
 * bytes are echoed.
 */
int payload_error(char *buf, size_t len, int gpio, const char *topic,
		  const char *error, const void *payload, size_t payload_len);

enum payload_set {
	PAYLOAD_SET_LOW,
	PAYLOAD_SET_HIGH,
	PAYLOAD_SET_TOGGLE,
};

/*
 * Parse a set command: 1/0, on/off, true/false, high/low, toggle (any
 * case, surrounding white space ignored) or {"value":1} (0, 1, true or
 * false). Returns 0, or -EINVAL with the reason in why.
 */
int payload_parse_set(const void *data, size_t len, enum payload_set *set,
		      char *why, size_t whylen);

/* Parse a counter preset: an integer or {"count":N}, 0 to 2^53 - 1. */
int payload_parse_count(const void *data, size_t len, uint64_t *count,
			char *why, size_t whylen);

#endif
