/* topic.h: the MQTT topics under gpio-broker's prefix, built and parsed. */
#ifndef GB_TOPIC_H
#define GB_TOPIC_H

#include <stddef.h>

#include "config.h"

/* Room for "<prefix>/<65535>/count/set" and its NUL. */
#define TOPIC_MAX (CONFIG_PREFIX_MAX + 24)

enum topic_kind {
	TOPIC_SET,		/* <prefix>/N/set: drive an output */
	TOPIC_COUNT_SET,	/* <prefix>/N/count/set: preset a counter */
	TOPIC_OUTPUT,		/* one we publish: edge, count, state, error,
				 * status; others' copies are ignored */
	TOPIC_UNKNOWN,		/* under our prefix, but meaning nothing */
	TOPIC_FOREIGN,		/* not under our prefix at all */
};

struct topic_parsed {
	enum topic_kind kind;
	int gpio;		/* N, or -1 when the topic has none */
};

/* Classify an incoming topic. */
struct topic_parsed topic_parse(const char *prefix, const char *topic);

/* "<prefix>/<gpio>/<leaf>" into buf; -1 when it does not fit. */
int topic_pin(char *buf, size_t len, const char *prefix, unsigned int gpio,
	      const char *leaf);

/* "<prefix>/<leaf>" into buf; -1 when it does not fit. */
int topic_global(char *buf, size_t len, const char *prefix,
		 const char *leaf);

#endif
