/* config_private.h: what the files of config/ share; not for other modules. */
#ifndef GB_CONFIG_PRIVATE_H
#define GB_CONFIG_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define CONFIG__LINE_MAX 8192		/* bytes in a line, newline excluded */
#define CONFIG__FILE_MAX (16 << 20)	/* bytes in a config file */
#define CONFIG__QUOTE_MAX 80		/* room for a value quoted in a message */
#define CONFIG__WHY_MAX 160		/* room for what a value should be */
#define CONFIG__TITLE_MAX 16		/* "mqtt", "gpio", "pin 65535" */

enum config__type {
	CONFIG__STRING,		/* text, checked by the key's rule */
	CONFIG__PATH,		/* a file name: no control characters */
	CONFIG__UINT,		/* decimal, from min to max */
	CONFIG__BOOL,
	CONFIG__ENUM,		/* one of the key's words */
};

/* A word a bool or enum key accepts, and the value stored for it. */
struct config__word {
	const char *word;
	int value;
};

/* Returns NULL when 'value' follows a string key's rules, else why not. */
typedef const char *config__rule(const char *value);

/* One key of a section: how to parse it, where to store it, how to doc it. */
struct config__key {
	const char *name;
	enum config__type type;
	size_t offset;			/* of the field in the section struct */
	size_t size;			/* of the field, in bytes */
	unsigned int min, max;		/* uint: the range; strings: min bytes */
	bool zero_off;			/* uint: 0 is also accepted: "off" */
	bool required;
	const struct config__word *words;	/* bool and enum */
	config__rule *rule;		/* strings: extra rules, or NULL */
	const char *def;		/* default, parsed like a value, or NULL */
	const char *def_doc;		/* the default as the docs show it */
	const char *help;
};

struct config__table {
	const char *title;		/* as in the header: "mqtt", "pin N" */
	const struct config__key *keys;
	size_t n_keys;
};

enum {
	KEY_MQTT_HOST,
	KEY_MQTT_PORT,
	KEY_MQTT_CLIENT_ID,
	KEY_MQTT_TOPIC_PREFIX,
	KEY_MQTT_QOS,
	KEY_MQTT_KEEPALIVE,
	KEY_MQTT_USERNAME,
	KEY_MQTT_PASSWORD_FILE,
	KEY_MQTT_TLS_CA_FILE,
	KEY_MQTT_TLS_CERT_FILE,
	KEY_MQTT_TLS_KEY_FILE,
	KEY_MQTT_OFFLINE_QUEUE,
	KEY_MQTT_N
};

enum {
	KEY_GPIO_SYSFS_ROOT,
	KEY_GPIO_COUNT_INTERVAL,
	KEY_GPIO_SELF_CHECK_INTERVAL,
	KEY_GPIO_STATE_FILE,
	KEY_GPIO_STATE_SYNC_INTERVAL,
	KEY_GPIO_N
};

enum {
	KEY_PIN_NAME,
	KEY_PIN_DIRECTION,
	KEY_PIN_EDGE,
	KEY_PIN_ACTIVE_LOW,
	KEY_PIN_INITIAL,
	KEY_PIN_CHIP,
	KEY_PIN_N
};

extern const struct config__table config__mqtt_table;
extern const struct config__table config__gpio_table;
extern const struct config__table config__pin_table;

/* Where each key of a section was given (0: not given), and which failed. */
struct config__seen {
	int lines[KEY_MQTT_N];		/* the largest of the three sections */
	unsigned int bad;		/* bit k: key k had a bad value */
};

/* A [pin N] section while the file is read. */
struct config__pin_state {
	struct config_pin pin;
	struct config__seen seen;
	bool duplicate;			/* a later section with the same N */
};

enum config__section {
	CONFIG__SEC_NONE,		/* before the first header */
	CONFIG__SEC_MQTT,
	CONFIG__SEC_GPIO,
	CONFIG__SEC_PIN,
	CONFIG__SEC_SKIP,		/* a bad or unknown header: keys ignored */
};

/* One problem found, kept until all are sorted and printed. */
struct config__error {
	int line;
	size_t seq;			/* keeps the order of one line's errors */
	char *text;
};

/* The state of one load, from the first line to the last check. */
struct config__parse {
	const char *file;		/* the name that starts each error */
	struct config *cfg;
	const char *pos, *end;		/* the text not read yet */
	int line;			/* the line inih is working on */
	enum config__section sec;
	size_t pin;			/* the current [pin N], an index */
	int mqtt_line, gpio_line;	/* their headers, 0 when absent */
	struct config__seen mqtt_seen, gpio_seen;
	struct config__pin_state *pins;
	size_t n_pins, cap_pins;
	struct config__error *errs;
	size_t n_errs, cap_errs;
	bool nomem;
	char line_copy[CONFIG__LINE_MAX + 1];	/* a line, trimmed */
};

/* config_rules.c: the extra rules of string keys */
config__rule config__rule_host, config__rule_client_id, config__rule_topic,
	config__rule_text, config__rule_path;
bool config__utf8_valid(const char *s);

/* config_keys.c */
int config__parse_value(const struct config__key *key, const char *value,
			void *base, char *why, size_t why_size);
void config__set_defaults(const struct config__table *table, void *base);
int config__find_key(const struct config__table *table, const char *name);
const char *config__suggest(const struct config__table *table,
			    const char *name);

/* config_report.c */
void config__error(struct config__parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool config__has_error_at(const struct config__parse *p, int line);
void config__print_errors(struct config__parse *p, FILE *out);
void config__free_errors(struct config__parse *p);
const char *config__quote(char *buf, size_t size, const char *s);

/* config_check.c */
void config__check(struct config__parse *p);
int config__build_pins(struct config__parse *p);

#endif
