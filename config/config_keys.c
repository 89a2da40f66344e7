/* config_keys.c: the table of every key: type, limits, default and help. */
#include <ctype.h>
#include <string.h>

#include "config_private.h"

_Static_assert((int)KEY_GPIO_N <= (int)KEY_MQTT_N &&
	       (int)KEY_PIN_N <= (int)KEY_MQTT_N,
	       "struct config__seen must hold the largest section");

#define FIELD(type, member) \
	.offset = offsetof(type, member), \
	.size = sizeof(((type *)0)->member)
#define MQTT(member) FIELD(struct config_mqtt, member)
#define GPIO(member) FIELD(struct config_gpio, member)
#define PIN(member) FIELD(struct config_pin, member)

static const struct config__word bool_words[] = {
	{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 }, { NULL, 0 },
};

static const struct config__word direction_words[] = {
	{ "in", CONFIG_DIR_IN }, { "out", CONFIG_DIR_OUT }, { NULL, 0 },
};

static const struct config__word edge_words[] = {
	{ "none", CONFIG_EDGE_NONE }, { "rising", CONFIG_EDGE_RISING },
	{ "falling", CONFIG_EDGE_FALLING }, { "both", CONFIG_EDGE_BOTH },
	{ NULL, 0 },
};

static const struct config__word initial_words[] = {
	{ "0", CONFIG_INITIAL_LOW }, { "1", CONFIG_INITIAL_HIGH },
	{ "keep", CONFIG_INITIAL_KEEP }, { NULL, 0 },
};

static const struct config__key mqtt_keys[KEY_MQTT_N] = {
	[KEY_MQTT_HOST] = {
		"host", CONFIG__STRING, MQTT(host), .min = 1,
		.rule = config__rule_host, .def = "localhost",
		.help = "the broker's host name or IP address",
	},
	[KEY_MQTT_PORT] = {
		"port", CONFIG__UINT, MQTT(port), .min = 1, .max = 65535,
		.def_doc = "1883, or 8883 when tls_ca_file is set",
		.help = "the broker's TCP port",
	},
	[KEY_MQTT_CLIENT_ID] = {
		"client_id", CONFIG__STRING, MQTT(client_id), .min = 1,
		.rule = config__rule_client_id,
		.def_doc = "gpio-broker-<hostname>",
		.help = "the MQTT client identifier; unique per broker",
	},
	[KEY_MQTT_TOPIC_PREFIX] = {
		"topic_prefix", CONFIG__STRING, MQTT(topic_prefix), .min = 1,
		.rule = config__rule_topic, .def = "gpio",
		.help = "the first topic levels: <prefix>/<pin>/edge and so on",
	},
	[KEY_MQTT_QOS] = {
		"qos", CONFIG__UINT, MQTT(qos), .min = 0, .max = 2,
		.def = "1",
		.help = "quality of service of what is published and subscribed",
	},
	[KEY_MQTT_KEEPALIVE] = {
		"keepalive", CONFIG__UINT, MQTT(keepalive), .min = 5,
		.max = 65535, .def = "30",
		.help = "seconds between pings when nothing else is sent",
	},
	[KEY_MQTT_USERNAME] = {
		"username", CONFIG__STRING, MQTT(username),
		.rule = config__rule_text, .def_doc = "none",
		.help = "user name to log in with; empty: none",
	},
	[KEY_MQTT_PASSWORD_FILE] = {
		"password_file", CONFIG__PATH, MQTT(password_file),
		.rule = config__rule_path, .def_doc = "none",
		.help = "file holding the password (needs username); "
			"not accessible by others",
	},
	[KEY_MQTT_TLS_CA_FILE] = {
		"tls_ca_file", CONFIG__PATH, MQTT(tls_ca_file),
		.rule = config__rule_path, .def_doc = "none, no TLS",
		.help = "CA certificates (PEM) to verify the broker with; "
			"set: use TLS",
	},
	[KEY_MQTT_TLS_CERT_FILE] = {
		"tls_cert_file", CONFIG__PATH, MQTT(tls_cert_file),
		.rule = config__rule_path, .def_doc = "none",
		.help = "client certificate (PEM); needs tls_key_file",
	},
	[KEY_MQTT_TLS_KEY_FILE] = {
		"tls_key_file", CONFIG__PATH, MQTT(tls_key_file),
		.rule = config__rule_path, .def_doc = "none",
		.help = "client private key (PEM); not accessible by others",
	},
	[KEY_MQTT_OFFLINE_QUEUE] = {
		"offline_queue", CONFIG__UINT, MQTT(offline_queue),
		.min = 0, .max = 1000000, .def = "10000",
		.help = "edge messages kept while offline; then the oldest go",
	},
};

static const struct config__key gpio_keys[KEY_GPIO_N] = {
	[KEY_GPIO_SYSFS_ROOT] = {
		"sysfs_root", CONFIG__PATH, GPIO(sysfs_root), .min = 1,
		.rule = config__rule_path, .def = "/sys/class/gpio",
		.help = "where the sysfs GPIO files are",
	},
	[KEY_GPIO_COUNT_INTERVAL] = {
		"count_interval_ms", CONFIG__UINT, GPIO(count_interval_ms),
		.min = 100, .max = 3600000, .def = "1000",
		.help = "how often changed counts are published",
	},
	[KEY_GPIO_SELF_CHECK_INTERVAL] = {
		"self_check_interval_ms", CONFIG__UINT,
		GPIO(self_check_interval_ms), .min = 100, .max = 3600000,
		.zero_off = true, .def = "5000",
		.help = "how often each pin's files are checked; 0: never",
	},
	[KEY_GPIO_STATE_FILE] = {
		"state_file", CONFIG__PATH, GPIO(state_file),
		.rule = config__rule_path,
		.def = "/var/lib/gpio-broker/counts",
		.help = "where counts are kept across restarts; "
			"empty: nowhere",
	},
	[KEY_GPIO_STATE_SYNC_INTERVAL] = {
		"state_sync_interval_ms", CONFIG__UINT,
		GPIO(state_sync_interval_ms), .min = 100, .max = 600000,
		.def = "1000",
		.help = "how often the state file is flushed to disk",
	},
};

static const struct config__key pin_keys[KEY_PIN_N] = {
	[KEY_PIN_NAME] = {
		"name", CONFIG__STRING, PIN(name), .min = 1,
		.rule = config__rule_text, .def_doc = "the pin number",
		.help = "a name for the payloads; unique across pins",
	},
	[KEY_PIN_DIRECTION] = {
		"direction", CONFIG__ENUM, PIN(direction), .required = true,
		.words = direction_words,
		.help = "input or output",
	},
	[KEY_PIN_EDGE] = {
		"edge", CONFIG__ENUM, PIN(edge), .words = edge_words,
		.def = "none",
		.help = "inputs only: which edges are counted and published",
	},
	[KEY_PIN_ACTIVE_LOW] = {
		"active_low", CONFIG__BOOL, PIN(active_low),
		.words = bool_words, .def = "false",
		.help = "invert the level: a low line reads as 1",
	},
	[KEY_PIN_INITIAL] = {
		"initial", CONFIG__ENUM, PIN(initial), .words = initial_words,
		.def = "keep",
		.help = "outputs only: the level at start-up; "
			"keep: as it is (new: 0)",
	},
	[KEY_PIN_CHIP] = {
		"chip", CONFIG__STRING, PIN(chip), .rule = config__rule_text,
		.def_doc = "none, N is the sysfs number",
		.help = "a gpiochip label: N is then an offset on that chip",
	},
};

const struct config__table config__mqtt_table = {
	"mqtt", mqtt_keys, KEY_MQTT_N,
};

const struct config__table config__gpio_table = {
	"gpio", gpio_keys, KEY_GPIO_N,
};

const struct config__table config__pin_table = {
	"pin N", pin_keys, KEY_PIN_N,
};

/* The index of key 'name' in 'table', or -1. Names are case-sensitive. */
int config__find_key(const struct config__table *table, const char *name)
{
	size_t i;

	for (i = 0; i < table->n_keys; i++) {
		if (!strcmp(table->keys[i].name, name))
			return (int)i;
	}
	return -1;
}

#define SUGGEST_MAX 32	/* longer names are not compared */

static bool same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Edits from 'a' to 'b', ignoring case: insertions, deletions, changes
 * and swaps of two neighbours. 'b' is shorter than SUGGEST_MAX.
 */
static size_t distance(const char *a, const char *b)
{
	size_t rows[3][SUGGEST_MAX + 1], *prev2, *prev, *row;
	size_t nb = strlen(b), i, j;

	for (j = 0; j <= nb; j++)
		rows[0][j] = j;
	for (i = 1; a[i - 1]; i++) {
		prev2 = rows[(i + 1) % 3];	/* row i - 2 */
		prev = rows[(i + 2) % 3];	/* row i - 1 */
		row = rows[i % 3];
		row[0] = i;
		for (j = 1; j <= nb; j++) {
			row[j] = min3(prev[j] + 1, row[j - 1] + 1,
				      prev[j - 1] + !same(a[i - 1], b[j - 1]));
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
			    same(a[i - 2], b[j - 1]) && prev2[j - 2] + 1 < row[j])
				row[j] = prev2[j - 2] + 1;
		}
	}
	return rows[(i + 2) % 3][nb];	/* row i - 1, the last */
}

/* The key of 'table' that 'name' is most likely a typo of, or NULL. */
const char *config__suggest(const struct config__table *table,
			    const char *name)
{
	size_t len = strlen(name), i, d, best_d;
	const char *best = NULL;

	if (len >= SUGGEST_MAX)
		return NULL;
	best_d = len < 6 ? 2 : len < 12 ? 3 : 4;	/* edits allowed + 1 */
	for (i = 0; i < table->n_keys; i++) {
		d = distance(name, table->keys[i].name);
		if (d < best_d) {
			best = table->keys[i].name;
			best_d = d;
		}
	}
	return best;
}
