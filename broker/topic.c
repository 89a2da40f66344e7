/* topic.c: building and classifying gpio-broker's MQTT topics. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "topic.h"

static const char *const topic_outputs[] = {
	"edge", "count", "state", "error",
};

/* A pin number as we write it: decimal, no sign, no leading zero. */
static int topic_number(const char *s, size_t len)
{
	unsigned int n = 0;
	size_t i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (unsigned int)(s[i] - '0');
	}
	return n <= 65535 ? (int)n : -1;
}

static bool topic_is_output_leaf(const char *leaf)
{
	size_t i;

	for (i = 0; i < sizeof(topic_outputs) / sizeof(topic_outputs[0]); i++)
		if (!strcmp(leaf, topic_outputs[i]))
			return true;
	return false;
}

/* Classify what follows "<prefix>/N/". */
static enum topic_kind topic_pin_leaf(const char *leaf)
{
	if (!strcmp(leaf, "set"))
		return TOPIC_SET;
	if (!strcmp(leaf, "count/set"))
		return TOPIC_COUNT_SET;
	if (topic_is_output_leaf(leaf))
		return TOPIC_OUTPUT;
	return TOPIC_UNKNOWN;
}

struct topic_parsed topic_parse(const char *prefix, const char *topic)
{
	struct topic_parsed t = { TOPIC_FOREIGN, -1 };
	size_t plen = strlen(prefix);
	const char *rest, *slash;

	if (strncmp(topic, prefix, plen) || topic[plen] != '/')
		return t;
	rest = topic + plen + 1;

	t.kind = TOPIC_UNKNOWN;
	if (!strcmp(rest, "status") || !strcmp(rest, "error")) {
		t.kind = TOPIC_OUTPUT;
		return t;
	}

	slash = strchr(rest, '/');
	if (!slash)
		return t;
	t.gpio = topic_number(rest, (size_t)(slash - rest));
	if (t.gpio >= 0)
		t.kind = topic_pin_leaf(slash + 1);
	return t;
}

int topic_pin(char *buf, size_t len, const char *prefix, unsigned int gpio,
	      const char *leaf)
{
	int n = snprintf(buf, len, "%s/%u/%s", prefix, gpio, leaf);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

int topic_global(char *buf, size_t len, const char *prefix,
		 const char *leaf)
{
	int n = snprintf(buf, len, "%s/%s", prefix, leaf);

	return n < 0 || (size_t)n >= len ? -1 : n;
}
