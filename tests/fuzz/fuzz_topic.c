/* fuzz_topic.c: libFuzzer target: any NUL-terminated string as an
 * incoming topic, under fixed prefixes and under a prefix taken from the
 * input. Whatever topic_parse says must be exactly right: a command or
 * output topic is rebuilt from what it returned and must be the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int starts_under(const char *prefix, const char *topic)
{
	size_t plen = strlen(prefix);

	return !strncmp(topic, prefix, plen) && topic[plen] == '/';
}

/* <prefix>/<gpio>/<leaf> must be the topic itself. */
static void check_rebuilt(const char *prefix, const char *topic, int gpio,
			  const char *leaf)
{
	size_t len = strlen(topic) + 1;
	char *buf = malloc(len);

	if (gpio < 0 || gpio > 65535 ||
	    topic_pin(buf, len, prefix, (unsigned int)gpio, leaf) < 0 ||
	    strcmp(buf, topic))
		abort();
	free(buf);
}

static int is_rebuilt(const char *prefix, const char *topic, int gpio,
		      const char *leaf)
{
	size_t len = strlen(topic) + 1;
	char *buf = malloc(len);
	int same;

	same = topic_pin(buf, len, prefix, (unsigned int)gpio, leaf) >= 0 &&
	       !strcmp(buf, topic);
	free(buf);
	return same;
}

static void check_output(const char *prefix, const char *topic, int gpio)
{
	static const char *const leaves[] = { "edge", "count", "state",
					      "error" };
	size_t i, plen = strlen(prefix);

	if (gpio < 0) {
		if (strcmp(topic + plen + 1, "status") &&
		    strcmp(topic + plen + 1, "error"))
			abort();
		return;
	}
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (is_rebuilt(prefix, topic, gpio, leaves[i]))
			return;
	abort();
}

/* No well-formed command or output topic may be called unknown. */
static void check_unknown(const char *prefix, const char *topic, int gpio)
{
	static const char *const leaves[] = { "set", "count/set", "edge",
					      "count", "state", "error" };
	size_t i;

	const char *rest = topic + strlen(prefix) + 1;
	long n;
	char *end;

	if (gpio < -1 || gpio > 65535)
		abort();
	if (!strcmp(rest, "status") || !strcmp(rest, "error"))
		abort();
	if (gpio < 0 && rest[0] >= '0' && rest[0] <= '9' &&
	    strspn(rest, "0123456789") <= 5) {
		/* the number we would have written: rebuilt below, the
		 * topic must differ from every well-formed one */
		n = strtol(rest, &end, 10);
		if (*end == '/' && n <= 65535)
			gpio = (int)n;
	}
	if (gpio < 0)
		return;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (is_rebuilt(prefix, topic, gpio, leaves[i]))
			abort();
}

static void check(const char *prefix, const char *topic)
{
	struct topic_parsed t = topic_parse(prefix, topic);

	if (t.kind == TOPIC_FOREIGN) {
		if (starts_under(prefix, topic) || t.gpio != -1)
			abort();
		return;
	}
	if (!starts_under(prefix, topic))
		abort();
	switch (t.kind) {
	case TOPIC_SET:
		check_rebuilt(prefix, topic, t.gpio, "set");
		break;
	case TOPIC_COUNT_SET:
		check_rebuilt(prefix, topic, t.gpio, "count/set");
		break;
	case TOPIC_OUTPUT:
		check_output(prefix, topic, t.gpio);
		break;
	case TOPIC_UNKNOWN:
		check_unknown(prefix, topic, t.gpio);
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *text = malloc(len + 1), *nl;

	memcpy(text, data, len);
	text[len] = '\0';
	check("gpio", text);
	check("site/a/gpio", text);

	/* "PREFIX\nTOPIC": a prefix of the fuzzer's choosing */
	nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		check(text, nl + 1);
	}
	free(text);
	return 0;
}
