/* test_config.c: unit tests of the config parser, errors checked exactly. */
#define _GNU_SOURCE		/* vasprintf */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char *errs;	/* what the last load wrote to its error stream */

static int load_named(const char *name, const char *text, struct config *cfg)
{
	size_t size;
	FILE *out;
	int rc;

	free(errs);
	errs = NULL;
	out = open_memstream(&errs, &size);
	assert_non_null(out);
	rc = config_load_string(name, text, cfg, out);
	fclose(out);
	return rc;
}

static int load(const char *text, struct config *cfg)
{
	return load_named("t.ini", text, cfg);
}

/* Loading 'text' works, without a word on the error stream. */
static void expect_ok(const char *text, struct config *cfg)
{
	int rc = load(text, cfg);

	assert_string_equal(errs, "");
	assert_int_equal(rc, 0);
}

/* Loading 'text' fails with exactly 'expected' on the error stream. */
static void expect_errors(const char *text, const char *expected)
{
	struct config cfg;

	assert_int_equal(load(text, &cfg), -EINVAL);
	assert_string_equal(errs, expected);
	assert_null(cfg.pins);
	assert_int_equal(cfg.n_pins, 0);
	config_free(&cfg);
}

/* A temporary file with 'mode'; its name is written to 'path'. */
static void make_file(char *path, size_t size, mode_t mode,
		      const char *content)
{
	int fd;

	snprintf(path, size, "%s/gb-test-XXXXXX", P_tmpdir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)),
			 (ssize_t)strlen(content));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static char *format(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A new string, to free. */
static char *format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	return s;
}

static int teardown_all(void **state)
{
	(void)state;
	free(errs);
	errs = NULL;
	return 0;
}

/* ---- defaults ---- */

static void empty_file_gives_every_default(void **state)
{
	struct config cfg;
	char host[256] = "", id[300];

	(void)state;
	expect_ok("", &cfg);
	gethostname(host, sizeof host - 1);
	snprintf(id, sizeof id, "gpio-broker-%s", host);
	assert_string_equal(cfg.path, "t.ini");
	assert_string_equal(cfg.mqtt.host, "localhost");
	assert_int_equal(cfg.mqtt.port, 1883);
	assert_string_equal(cfg.mqtt.client_id, id);
	assert_string_equal(cfg.mqtt.topic_prefix, "gpio");
	assert_int_equal(cfg.mqtt.qos, 1);
	assert_int_equal(cfg.mqtt.keepalive, 30);
	assert_string_equal(cfg.mqtt.username, "");
	assert_string_equal(cfg.mqtt.password_file, "");
	assert_string_equal(cfg.mqtt.tls_ca_file, "");
	assert_string_equal(cfg.mqtt.tls_cert_file, "");
	assert_string_equal(cfg.mqtt.tls_key_file, "");
	assert_int_equal(cfg.mqtt.offline_queue, 10000);
	assert_string_equal(cfg.gpio.sysfs_root, "/sys/class/gpio");
	assert_int_equal(cfg.gpio.count_interval_ms, 1000);
	assert_int_equal(cfg.gpio.self_check_interval_ms, 5000);
	assert_string_equal(cfg.gpio.state_file, "/var/lib/gpio-broker/counts");
	assert_int_equal(cfg.gpio.state_sync_interval_ms, 1000);
	assert_int_equal(cfg.n_pins, 0);
	assert_null(cfg.pins);
	config_free(&cfg);
}

static void pin_defaults_and_name_is_the_number(void **state)
{
	struct config cfg;
	const struct config_pin *pin;

	(void)state;
	expect_ok("\n[pin 17]\ndirection = in\n", &cfg);
	assert_int_equal(cfg.n_pins, 1);
	pin = &cfg.pins[0];
	assert_int_equal(pin->number, 17);
	assert_string_equal(pin->name, "17");
	assert_string_equal(pin->chip, "");
	assert_int_equal(pin->direction, CONFIG_DIR_IN);
	assert_int_equal(pin->edge, CONFIG_EDGE_NONE);
	assert_false(pin->active_low);
	assert_int_equal(pin->initial, CONFIG_INITIAL_KEEP);
	assert_int_equal(pin->line, 2);
	config_free(&cfg);
}

static void empty_values_mean_none_where_allowed(void **state)
{
	struct config cfg;

	(void)state;
	expect_ok("[mqtt]\nusername =\n[gpio]\nstate_file =  ; off\n", &cfg);
	assert_string_equal(cfg.mqtt.username, "");
	assert_string_equal(cfg.gpio.state_file, "");
	config_free(&cfg);
	expect_errors("[mqtt]\nhost =\n[pin 1]\ndirection = in\nname =\n",
		      "t.ini:2: bad value '' for 'host' in [mqtt]: "
		      "expected a non-empty value\n"
		      "t.ini:5: bad value '' for 'name' in [pin 1]: "
		      "expected a non-empty value\n");
}

/* ---- values ---- */

static void every_boolean_spelling_is_accepted(void **state)
{
	static const struct { const char *word; bool value; } words[] = {
		{ "true", true }, { "false", false }, { "yes", true },
		{ "no", false }, { "on", true }, { "off", false },
		{ "1", true }, { "0", false }, { "TRUE", true },
		{ "False", false }, { "YeS", true }, { "NO", false },
		{ "On", true }, { "OFF", false },
	};
	struct config cfg;
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		snprintf(text, sizeof text,
			 "[pin 1]\ndirection = in\nactive_low = %s\n",
			 words[i].word);
		expect_ok(text, &cfg);
		assert_int_equal(cfg.pins[0].active_low, words[i].value);
		config_free(&cfg);
	}
}

static void bad_boolean_lists_the_spellings(void **state)
{
	(void)state;
	expect_errors("[pin 1]\ndirection = in\nactive_low = maybe\n",
		      "t.ini:3: bad value 'maybe' for 'active_low' in [pin 1]: "
		      "expected true, false, yes, no, on, off, 1 or 0\n");
}

static void every_enum_word_is_accepted(void **state)
{
	static const struct { const char *text; int edge, initial; } v[] = {
		{ "direction = in\nedge = none", CONFIG_EDGE_NONE, 0 },
		{ "direction = in\nedge = rising", CONFIG_EDGE_RISING, 0 },
		{ "direction = in\nedge = Falling", CONFIG_EDGE_FALLING, 0 },
		{ "direction = in\nedge = BOTH", CONFIG_EDGE_BOTH, 0 },
		{ "direction = out\ninitial = 0", 0, CONFIG_INITIAL_LOW },
		{ "direction = out\ninitial = 1", 0, CONFIG_INITIAL_HIGH },
		{ "direction = OUT\ninitial = keep", 0, CONFIG_INITIAL_KEEP },
	};
	struct config cfg;
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(text, sizeof text, "[pin 1]\n%s\n", v[i].text);
		expect_ok(text, &cfg);
		assert_int_equal(cfg.pins[0].edge, v[i].edge);
		assert_int_equal(cfg.pins[0].initial, v[i].initial);
		config_free(&cfg);
	}
}

static void bad_enum_value_names_file_line_key_and_choices(void **state)
{
	struct config cfg;

	(void)state;
	assert_int_equal(load_named("demo.ini",
		"[mqtt]\nhost = 127.0.0.1\n\n[gpio]\n\n\n\n\n"
		"[pin 17]\nname = meter\ndirection = in\nedge = sometimes\n",
		&cfg), -EINVAL);
	assert_string_equal(errs, "demo.ini:12: bad value 'sometimes' for "
			    "'edge' in [pin 17]: expected none, rising, "
			    "falling or both\n");
	config_free(&cfg);
	expect_errors("[pin 1]\ndirection = sideways\n[pin 2]\n"
		      "direction = out\ninitial = high\n",
		      "t.ini:2: bad value 'sideways' for 'direction' in "
		      "[pin 1]: expected in or out\n"
		      "t.ini:5: bad value 'high' for 'initial' in [pin 2]: "
		      "expected 0, 1 or keep\n");
}

struct limit {
	const char *section, *key;
	size_t offset;		/* of the field in struct config */
	unsigned int min, max;
	bool zero_off;
};

#define AT(field) offsetof(struct config, field)

static const struct limit limits[] = {
	{ "mqtt", "port", AT(mqtt.port), 1, 65535, false },
	{ "mqtt", "qos", AT(mqtt.qos), 0, 2, false },
	{ "mqtt", "keepalive", AT(mqtt.keepalive), 5, 65535, false },
	{ "mqtt", "offline_queue", AT(mqtt.offline_queue), 0, 1000000,
	  false },
	{ "gpio", "count_interval_ms", AT(gpio.count_interval_ms), 100,
	  3600000, false },
	{ "gpio", "self_check_interval_ms", AT(gpio.self_check_interval_ms),
	  100, 3600000, true },
	{ "gpio", "state_sync_interval_ms", AT(gpio.state_sync_interval_ms),
	  100, 600000, false },
};

static void expect_number(const struct limit *l, unsigned int v)
{
	struct config cfg;
	unsigned int got;
	char text[128];

	snprintf(text, sizeof text, "[%s]\n%s = %u\n", l->section, l->key, v);
	expect_ok(text, &cfg);
	memcpy(&got, (char *)&cfg + l->offset, sizeof got);
	assert_int_equal(got, v);
	config_free(&cfg);
}

static void expect_out_of_range(const struct limit *l, unsigned long v)
{
	char text[128], *want;

	snprintf(text, sizeof text, "[%s]\n%s = %lu\n", l->section, l->key, v);
	if (l->zero_off)
		want = format("t.ini:2: value '%lu' for '%s' in [%s] is out of "
			      "range: expected 0 (off) or %u to %u\n",
			      v, l->key, l->section, l->min, l->max);
	else
		want = format("t.ini:2: value '%lu' for '%s' in [%s] is out of "
			      "range: expected %u to %u\n",
			      v, l->key, l->section, l->min, l->max);
	expect_errors(text, want);
	free(want);
}

static void numbers_are_checked_at_both_edges_of_their_range(void **state)
{
	const struct limit *l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		l = &limits[i];
		expect_number(l, l->min);
		expect_number(l, l->max);
		expect_out_of_range(l, l->max + 1ul);
		if (l->min > 0)
			expect_out_of_range(l, l->min - 1ul);
		if (l->zero_off) {
			expect_number(l, 0);
			expect_out_of_range(l, 1);
		}
	}
}

static void number_words_are_bad_values(void **state)
{
	(void)state;
	expect_errors("[mqtt]\nport = 12ab\nqos = -1\nkeepalive = +60\n"
		      "offline_queue = 0x10\n[gpio]\n"
		      "self_check_interval_ms = off\n",
		      "t.ini:2: bad value '12ab' for 'port' in [mqtt]: "
		      "expected a whole number, 1 to 65535\n"
		      "t.ini:3: bad value '-1' for 'qos' in [mqtt]: "
		      "expected a whole number, 0 to 2\n"
		      "t.ini:4: bad value '+60' for 'keepalive' in [mqtt]: "
		      "expected a whole number, 5 to 65535\n"
		      "t.ini:5: bad value '0x10' for 'offline_queue' in [mqtt]: "
		      "expected a whole number, 0 to 1000000\n"
		      "t.ini:7: bad value 'off' for 'self_check_interval_ms' "
		      "in [gpio]: expected a whole number, 0 (off) or 100 to "
		      "3600000\n");
	expect_errors("[mqtt]\nport = 99999999999999999999999\n",
		      "t.ini:2: value '99999999999999999999999' for 'port' in "
		      "[mqtt] is out of range: expected 1 to 65535\n");
}

static void values_longer_than_their_field_are_errors(void **state)
{
	char text[512], want[512], a65[66], a257[258];
	struct config cfg;

	(void)state;
	memset(a65, 'a', 65);
	a65[65] = '\0';
	memset(a257, 'h', 257);
	a257[257] = '\0';
	snprintf(text, sizeof text, "[pin 1]\ndirection = in\nname = %.64s\n",
		 a65);
	expect_ok(text, &cfg);
	assert_int_equal(strlen(cfg.pins[0].name), 64);
	config_free(&cfg);
	snprintf(text, sizeof text, "[mqtt]\nhost = %s\n[pin 1]\n"
		 "direction = in\nname = %s\n", a257, a65);
	snprintf(want, sizeof want, "t.ini:2: value '%.76s...' for 'host' in "
		 "[mqtt] is too long: 257 bytes, at most 256\n"
		 "t.ini:5: value '%s' for 'name' in [pin 1] is too long: "
		 "65 bytes, at most 64\n", a257, a65);
	expect_errors(text, want);
}

static void names_are_utf8_without_control_characters(void **state)
{
	struct config cfg;

	(void)state;
	expect_ok("[pin 1]\ndirection = in\nname = Z\xc3\xa4hler \xe2\x82\xac\n",
		  &cfg);
	assert_string_equal(cfg.pins[0].name, "Z\xc3\xa4hler \xe2\x82\xac");
	config_free(&cfg);
	expect_errors("[pin 1]\ndirection = in\nname = caf\xe9\n"
		      "[pin 2]\ndirection = in\nname = a\tb\x1b[0m\n"
		      "[pin 3]\ndirection = in\nname = \xed\xa0\x80\n",
		      "t.ini:3: bad value 'caf\\xe9' for 'name' in [pin 1]: "
		      "expected valid UTF-8\n"
		      "t.ini:6: bad value 'a\\x09b\\x1b[0m' for 'name' in "
		      "[pin 2]: control characters are not allowed\n"
		      "t.ini:9: bad value '\\xed\\xa0\\x80' for 'name' in "
		      "[pin 3]: expected valid UTF-8\n");
}

static void topic_prefix_rules(void **state)
{
	struct config cfg;

	(void)state;
	expect_ok("[mqtt]\ntopic_prefix = home/k\xc3\xbc" "che/gpio\n", &cfg);
	assert_string_equal(cfg.mqtt.topic_prefix, "home/k\xc3\xbc" "che/gpio");
	config_free(&cfg);
	expect_errors("[mqtt]\ntopic_prefix = a/+/b\n"
		      "[mqtt]\ntopic_prefix = a/#\n",
		      "t.ini:2: bad value 'a/+/b' for 'topic_prefix' in "
		      "[mqtt]: the wildcards '+' and '#' are not allowed\n"
		      "t.ini:3: duplicate [mqtt], first at line 1\n"
		      "t.ini:4: duplicate key 'topic_prefix' in [mqtt], "
		      "first at line 2\n");
	expect_errors("[mqtt]\ntopic_prefix = /gpio\n",
		      "t.ini:2: bad value '/gpio' for 'topic_prefix' in [mqtt]: "
		      "it must not start or end with '/'\n");
	expect_errors("[mqtt]\ntopic_prefix = gpio/\n",
		      "t.ini:2: bad value 'gpio/' for 'topic_prefix' in [mqtt]: "
		      "it must not start or end with '/'\n");
	expect_errors("[mqtt]\ntopic_prefix = a//b\n",
		      "t.ini:2: bad value 'a//b' for 'topic_prefix' in [mqtt]: "
		      "an empty level '//' is not allowed\n");
	expect_errors("[mqtt]\ntopic_prefix = a\x7f\n",
		      "t.ini:2: bad value 'a\\x7f' for 'topic_prefix' in "
		      "[mqtt]: control characters are not allowed\n");
}

static void host_and_client_id_rules(void **state)
{
	struct config cfg;

	(void)state;
	expect_ok("[mqtt]\nhost = ::1\nclient_id = my meter #2\n", &cfg);
	assert_string_equal(cfg.mqtt.host, "::1");
	assert_string_equal(cfg.mqtt.client_id, "my meter #2");
	config_free(&cfg);
	expect_errors("[mqtt]\nhost = my host\nclient_id = z\xc3\xa4hler\n",
		      "t.ini:2: bad value 'my host' for 'host' in [mqtt]: "
		      "expected a host name or an IP address, without spaces\n"
		      "t.ini:3: bad value 'z\xc3\xa4hler' for 'client_id' in "
		      "[mqtt]: expected printable ASCII characters\n");
}

/* ---- syntax ---- */

static void comments_inline_and_whole_line(void **state)
{
	struct config cfg;

	(void)state;
	expect_ok("# a comment\n; another\n   ; indented\n"
		  "[mqtt] ; the broker\n"
		  "host = 127.0.0.1 ; note\n"
		  "client_id = a;b\n"
		  "topic_prefix: x\n", &cfg);
	assert_string_equal(cfg.mqtt.host, "127.0.0.1");
	assert_string_equal(cfg.mqtt.client_id, "a;b");
	assert_string_equal(cfg.mqtt.topic_prefix, "x");
	config_free(&cfg);
}

static void crlf_and_byte_order_mark_are_accepted(void **state)
{
	struct config cfg;

	(void)state;
	expect_ok("\xef\xbb\xbf[pin 4]\r\ndirection = out\r\n"
		  "name = lamp\r\n\r\n", &cfg);
	assert_string_equal(cfg.pins[0].name, "lamp");
	assert_int_equal(cfg.pins[0].direction, CONFIG_DIR_OUT);
	config_free(&cfg);
}

static void syntax_errors_have_their_lines(void **state)
{
	(void)state;
	expect_errors("[mqtt]\nhost\n[gpio\nsysfs_root = /x\n"
		      "[pin 1 ; ]\n[pin 2] junk\ndirection = in\n= 5\n",
		      "t.ini:2: expected 'key = value' or '[section]', "
		      "got 'host'\n"
		      "t.ini:3: missing ']' in section header '[gpio'\n"
		      "t.ini:5: missing ']' in section header '[pin 1 ; ]'\n"
		      "t.ini:6: unexpected text 'junk' after [pin 2]\n"
		      "t.ini:8: unknown key '' in [pin 2]\n");
}

static void over_long_line_is_an_error(void **state)
{
	size_t n = 8192;
	char *text = malloc(n + 64), *want;

	(void)state;
	assert_non_null(text);
	strcpy(text, "[mqtt]\n;");
	memset(text + 8, 'x', n);		/* 8193 bytes with the ';' */
	strcpy(text + 8 + n, "\nport = 0\n");
	want = format("t.ini:2: line too long: 8193 bytes, at most 8192\n"
		      "t.ini:3: value '0' for 'port' in [mqtt] is out of range: "
		      "expected 1 to 65535\n");
	expect_errors(text, want);
	free(want);
	text[8 + n - 1] = '\n';			/* 8192 bytes: fine */
	expect_errors(text, "t.ini:4: value '0' for 'port' in [mqtt] is out "
		      "of range: expected 1 to 65535\n");
	free(text);
}

/* ---- sections and keys ---- */

static void unknown_sections_are_errors_even_when_empty(void **state)
{
	(void)state;
	expect_errors("[mqtt]\n[serial]\n[gpio]\n[Pin 3]\nspeed = 9600\n",
		      "t.ini:2: unknown section [serial]: expected [mqtt], "
		      "[gpio] or [pin N]\n"
		      "t.ini:4: unknown section [Pin 3]: expected [mqtt], "
		      "[gpio] or [pin N]\n");
}

static void unknown_keys_with_a_hint(void **state)
{
	(void)state;
	expect_errors("[mqtt]\nprot = 1\nsysfs_root = /x\nfoo = bar\n"
		      "[pin 1]\ndirecton = in\nEdge = both\n",
		      "t.ini:2: unknown key 'prot' in [mqtt], "
		      "did you mean 'port'?\n"
		      "t.ini:3: unknown key 'sysfs_root' in [mqtt]: "
		      "it belongs in [gpio]\n"
		      "t.ini:4: unknown key 'foo' in [mqtt]\n"
		      "t.ini:5: missing 'direction' in [pin 1]: "
		      "expected in or out\n"
		      "t.ini:6: unknown key 'directon' in [pin 1], "
		      "did you mean 'direction'?\n"
		      "t.ini:7: unknown key 'Edge' in [pin 1], "
		      "did you mean 'edge'?\n");
}

static void key_outside_any_section(void **state)
{
	(void)state;
	expect_errors("host = x\n[mqtt]\n",
		      "t.ini:1: key 'host' outside of any section\n");
}

static void duplicate_pins_keys_and_sections(void **state)
{
	(void)state;
	expect_errors("[pin 17]\ndirection = in\n[gpio]\n[pin 17]\n"
		      "direction = out\ndirection = in\n[gpio]\n",
		      "t.ini:4: duplicate [pin 17], first at line 1\n"
		      "t.ini:6: duplicate key 'direction' in [pin 17], "
		      "first at line 5\n"
		      "t.ini:7: duplicate [gpio], first at line 3\n");
}

static void pin_numbers_are_plain_decimal(void **state)
{
	static const char *bad[] = {
		"pin 017", "pin x", "pin -1", "pin +1", "pin 65536",
		"pin  17", "pin", "pin17", "pin 1 7", "pin 99999999999",
	};
	char text[64], *want;
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[%s]\ndirection = in\n", bad[i]);
		want = format("t.ini:1: bad pin number in [%s]: expected 0 to "
			      "65535, without sign or leading zeros\n", bad[i]);
		expect_errors(text, want);
		free(want);
	}
	expect_ok("[pin 0]\ndirection = in\n[pin 65535]\ndirection = in\n",
		  &cfg);
	assert_int_equal(cfg.n_pins, 2);
	assert_int_equal(cfg.pins[1].number, 65535);
	config_free(&cfg);
}

static void direction_is_required_reported_at_the_header(void **state)
{
	(void)state;
	expect_errors("[pin 17]\n[pin 18]\nname = x\n\n[pin 19]\n",
		      "t.ini:1: missing 'direction' in [pin 17]: "
		      "expected in or out\n"
		      "t.ini:2: missing 'direction' in [pin 18]: "
		      "expected in or out\n"
		      "t.ini:5: missing 'direction' in [pin 19]: "
		      "expected in or out\n");
}

static void edge_only_on_inputs_initial_only_on_outputs(void **state)
{
	(void)state;
	expect_errors("[pin 43]\nedge = rising\ndirection = out\n"
		      "[pin 17]\ndirection = in\ninitial = 1\n"
		      "[pin 18]\ndirection = in\ninitial = keep\n"
		      "[pin 44]\ndirection = out\nedge = none\n",
		      "t.ini:2: 'edge' is for inputs only, but [pin 43] is an "
		      "output\n"
		      "t.ini:6: 'initial' is for outputs only, but [pin 17] is "
		      "an input\n"
		      "t.ini:9: 'initial' is for outputs only, but [pin 18] is "
		      "an input\n"
		      "t.ini:12: 'edge' is for inputs only, but [pin 44] is an "
		      "output\n");
}

static void names_are_unique_defaults_included(void **state)
{
	(void)state;
	expect_errors("[pin 5]\nname = meter\ndirection = in\n"
		      "[pin 17]\ndirection = in\n"
		      "[pin 6]\ndirection = in\nname = meter\n"
		      "[pin 7]\nname = 17\ndirection = in\n",
		      "t.ini:8: duplicate name 'meter' in [pin 6], first used "
		      "by [pin 5] at line 2\n"
		      "t.ini:10: duplicate name '17' in [pin 7], first used "
		      "by [pin 17] at line 4\n");
}

static void all_errors_are_reported_in_file_order(void **state)
{
	(void)state;
	expect_errors("[mqtt]\n"
		      "port = 0\n"
		      "tls_cert_file = /nonexistent/c.pem\n"
		      "[pin 9]\n"
		      "direction = out\n"
		      "edge = both\n"
		      "[pin 9]\n"
		      "direction = in\n"
		      "[bogus]\n"
		      "[gpio]\n"
		      "count_interval_ms = 5\n"
		      "[pin 10]\n",
		      "t.ini:2: value '0' for 'port' in [mqtt] is out of range: "
		      "expected 1 to 65535\n"
		      "t.ini:3: 'tls_cert_file' needs 'tls_key_file' in [mqtt]\n"
		      "t.ini:3: 'tls_cert_file' needs 'tls_ca_file' in [mqtt]\n"
		      "t.ini:3: tls_cert_file '/nonexistent/c.pem' cannot be "
		      "used: No such file or directory\n"
		      "t.ini:6: 'edge' is for inputs only, but [pin 9] is an "
		      "output\n"
		      "t.ini:7: duplicate [pin 9], first at line 4\n"
		      "t.ini:9: unknown section [bogus]: expected [mqtt], "
		      "[gpio] or [pin N]\n"
		      "t.ini:11: value '5' for 'count_interval_ms' in [gpio] is "
		      "out of range: expected 100 to 3600000\n"
		      "t.ini:12: missing 'direction' in [pin 10]: "
		      "expected in or out\n");
}

/* ---- pins ---- */

static void pins_are_sorted_and_found_by_number(void **state)
{
	struct config cfg;
	const struct config_pin *pin;

	(void)state;
	expect_ok("[pin 44]\ndirection = in\n[pin 3]\ndirection = out\n"
		  "[pin 17]\ndirection = in\n", &cfg);
	assert_int_equal(cfg.n_pins, 3);
	assert_int_equal(cfg.pins[0].number, 3);
	assert_int_equal(cfg.pins[1].number, 17);
	assert_int_equal(cfg.pins[2].number, 44);
	pin = config_find_pin(&cfg, 17);
	assert_non_null(pin);
	assert_int_equal(pin->line, 5);
	assert_int_equal(config_find_pin(&cfg, 3)->direction, CONFIG_DIR_OUT);
	assert_null(config_find_pin(&cfg, 4));
	assert_null(config_find_pin(&cfg, 45));
	config_free(&cfg);
}

static void many_pins_have_no_fixed_limit(void **state)
{
	size_t n = 5000, i, len = 0, size = n * 40;
	char *text = malloc(size);
	struct config cfg;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len,
					"[pin %zu]\ndirection = in\n",
					(i * 7919) % n);
	expect_ok(text, &cfg);
	assert_int_equal(cfg.n_pins, n);
	for (i = 0; i < n; i++)
		assert_int_equal(cfg.pins[i].number, i);
	assert_int_equal(config_find_pin(&cfg, 4321)->number, 4321);
	config_free(&cfg);
	free(text);
}

static void chip_label_makes_the_number_an_offset(void **state)
{
	char text[256], want[256], label[66];
	struct config cfg;

	(void)state;
	expect_ok("[pin 17]\nchip = pinctrl-bcm2711\ndirection = in\n", &cfg);
	assert_string_equal(cfg.pins[0].chip, "pinctrl-bcm2711");
	assert_int_equal(cfg.pins[0].number, 17);
	config_free(&cfg);
	memset(label, 'c', 65);
	label[65] = '\0';
	snprintf(text, sizeof text, "[pin 1]\ndirection = in\nchip = %s\n",
		 label);
	snprintf(want, sizeof want, "t.ini:3: value '%s' for 'chip' in "
		 "[pin 1] is too long: 65 bytes, at most 64\n", label);
	expect_errors(text, want);
}

/* ---- files named in [mqtt] ---- */

static void expect_password_error(mode_t mode, const char *what)
{
	char path[64], text[256], *want;

	make_file(path, sizeof path, mode, "hunter2\n");
	snprintf(text, sizeof text, "[mqtt]\nusername = u\n"
		 "password_file = %s\n", path);
	want = format("t.ini:3: password_file '%s' is %s by others "
		      "(mode %04o)\n", path, what, (unsigned int)mode);
	expect_errors(text, want);
	assert_null(strstr(errs, "hunter2"));
	free(want);
	unlink(path);
}

static void password_file_must_be_closed_to_others(void **state)
{
	char path[64], text[256];
	struct config cfg;

	(void)state;
	make_file(path, sizeof path, 0640, "hunter2\n");
	snprintf(text, sizeof text, "[mqtt]\nusername = u\n"
		 "password_file = %s\n", path);
	expect_ok(text, &cfg);
	assert_string_equal(cfg.mqtt.password_file, path);
	assert_string_equal(cfg.mqtt.username, "u");
	config_free(&cfg);
	unlink(path);
	expect_password_error(0644, "readable");
	expect_password_error(0602, "writable");
	expect_password_error(0601, "executable");
}

static void named_files_must_exist_and_be_regular(void **state)
{
	(void)state;
	expect_errors("[mqtt]\nusername = u\npassword_file = /nonexistent\n"
		      "tls_ca_file = /tmp\n",
		      "t.ini:3: password_file '/nonexistent' cannot be used: "
		      "No such file or directory\n"
		      "t.ini:4: tls_ca_file '/tmp' is not a regular file\n");
}

static void password_file_needs_username(void **state)
{
	char path[64], text[256], *want;

	(void)state;
	make_file(path, sizeof path, 0600, "x\n");
	snprintf(text, sizeof text, "[mqtt]\npassword_file = %s\n", path);
	want = format("t.ini:2: 'password_file' needs 'username' in [mqtt]\n");
	expect_errors(text, want);
	free(want);
	unlink(path);
}

static void tls_client_files_go_together(void **state)
{
	char ca[64], cert[64], key[64], text[512], *want;
	struct config cfg;

	(void)state;
	make_file(ca, sizeof ca, 0644, "ca\n");
	make_file(cert, sizeof cert, 0644, "cert\n");
	make_file(key, sizeof key, 0600, "key\n");
	snprintf(text, sizeof text, "[mqtt]\ntls_ca_file = %s\n"
		 "tls_cert_file = %s\ntls_key_file = %s\n", ca, cert, key);
	expect_ok(text, &cfg);
	assert_int_equal(cfg.mqtt.port, 8883);
	assert_string_equal(cfg.mqtt.tls_ca_file, ca);
	assert_string_equal(cfg.mqtt.tls_cert_file, cert);
	assert_string_equal(cfg.mqtt.tls_key_file, key);
	config_free(&cfg);
	snprintf(text, sizeof text, "[mqtt]\nport = 1883\ntls_ca_file = %s\n",
		 ca);
	expect_ok(text, &cfg);
	assert_int_equal(cfg.mqtt.port, 1883);
	config_free(&cfg);
	snprintf(text, sizeof text, "[mqtt]\ntls_key_file = %s\n", key);
	expect_errors(text, "t.ini:2: 'tls_key_file' needs 'tls_cert_file' "
		      "in [mqtt]\nt.ini:2: 'tls_key_file' needs 'tls_ca_file' "
		      "in [mqtt]\n");
	assert_int_equal(chmod(key, 0644), 0);
	snprintf(text, sizeof text, "[mqtt]\ntls_ca_file = %s\n"
		 "tls_cert_file = %s\ntls_key_file = %s\n", ca, cert, key);
	want = format("t.ini:4: tls_key_file '%s' is readable by others "
		      "(mode 0644)\n", key);
	expect_errors(text, want);
	assert_null(strstr(errs, "key\n"));
	free(want);
	unlink(ca);
	unlink(cert);
	unlink(key);
}

/* ---- loading files ---- */

static void missing_file_is_reported_with_errno(void **state)
{
	struct config cfg;
	size_t size;
	FILE *out;

	(void)state;
	free(errs);
	out = open_memstream(&errs, &size);
	assert_int_equal(config_load("/nonexistent/gb.ini", &cfg, out),
			 -ENOENT);
	fclose(out);
	assert_string_equal(errs, "/nonexistent/gb.ini: cannot open: "
			    "No such file or directory\n");
	assert_null(cfg.pins);
	config_free(&cfg);
}

static int load_file(const char *path, struct config *cfg)
{
	size_t size;
	FILE *out;
	int rc;

	free(errs);
	out = open_memstream(&errs, &size);
	rc = config_load(path, cfg, out);
	fclose(out);
	return rc;
}

static void file_errors_start_with_its_path(void **state)
{
	char path[64], *want;
	struct config cfg;

	(void)state;
	make_file(path, sizeof path, 0644, "[pin 1]\ndirection = in\n");
	assert_int_equal(load_file(path, &cfg), 0);
	assert_string_equal(cfg.path, path);
	assert_int_equal(cfg.n_pins, 1);
	config_free(&cfg);
	unlink(path);
	make_file(path, sizeof path, 0644, "[pin 1]\ndirection = in\nx = 1\n");
	assert_int_equal(load_file(path, &cfg), -EINVAL);
	want = format("%s:3: unknown key 'x' in [pin 1]\n", path);
	assert_string_equal(errs, want);
	free(want);
	config_free(&cfg);
	unlink(path);
}

static void nul_byte_in_a_file_is_an_error(void **state)
{
	static const char text[] = "[pin 1]\ndirection = in\nname = a\0b\n";
	char path[64], *want;
	struct config cfg;
	FILE *f;

	(void)state;
	make_file(path, sizeof path, 0644, "");
	f = fopen(path, "w");
	assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
	fclose(f);
	assert_int_equal(load_file(path, &cfg), -EINVAL);
	want = format("%s:3: line contains a NUL byte\n", path);
	assert_string_equal(errs, want);
	free(want);
	config_free(&cfg);
	unlink(path);
}

static void failed_load_leaves_the_config_empty(void **state)
{
	struct config cfg, zero;

	(void)state;
	memset(&zero, 0, sizeof zero);
	assert_int_equal(load("[pin 1]\ndirection = in\n[pin 2]\n", &cfg),
			 -EINVAL);
	assert_memory_equal(&cfg, &zero, sizeof cfg);
	config_free(&cfg);
	config_free(&cfg);
	assert_int_equal(config_load_string("x", "[x]\n", &cfg, NULL),
			 -EINVAL);
	config_free(&cfg);
}

/* ---- examples and reference ---- */

static void example_configs_are_valid(void **state)
{
	const struct config_pin *pin;
	struct config cfg;

	(void)state;
	assert_int_equal(load_file(GB_EXAMPLES_DIR "/gpio-broker.ini", &cfg),
			 0);
	assert_int_equal(cfg.n_pins, 1);
	assert_string_equal(cfg.pins[0].name, "meter");
	config_free(&cfg);
	assert_int_equal(load_file(GB_EXAMPLES_DIR "/demo.ini", &cfg), 0);
	assert_string_equal(errs, "");
	assert_int_equal(cfg.n_pins, 5);
	assert_string_equal(cfg.gpio.state_file, "");
	pin = config_find_pin(&cfg, 43);
	assert_string_equal(pin->name, "relay");
	assert_int_equal(pin->direction, CONFIG_DIR_OUT);
	assert_int_equal(pin->initial, CONFIG_INITIAL_LOW);
	assert_int_equal(config_find_pin(&cfg, 44)->edge, CONFIG_EDGE_BOTH);
	assert_int_equal(config_find_pin(&cfg, 17)->edge, CONFIG_EDGE_RISING);
	assert_string_equal(config_find_pin(&cfg, 20)->name, "ir-rising");
	assert_string_equal(config_find_pin(&cfg, 21)->name, "ir-both");
	config_free(&cfg);
}

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_true(getdelim(&text, &size, '\0', f) > 0);
	fclose(f);
	return text;
}

/* Every key of the reference ("  key (...") is in the example config. */
static void example_config_documents_every_key(void **state)
{
	char *example = read_text(GB_EXAMPLES_DIR "/gpio-broker.ini");
	char *ref = NULL, *line, *save = NULL, key[64], *find;
	size_t size, keys = 0;
	FILE *out = open_memstream(&ref, &size);

	(void)state;
	config_print_reference(out);
	fclose(out);
	assert_non_null(strstr(ref, "\n[gpio]\n"));
	assert_non_null(strstr(ref, "\n[pin N]\n"));
	for (line = strtok_r(ref, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != ' ' || line[2] == ' ' ||
		    sscanf(line, "  %63[a-z_] (", key) != 1)
			continue;
		find = format("\n;%s = ", key);
		if (!strstr(example, find)) {
			find[1] = '\n';
			if (!strstr(example, find + 1))
				fail_msg("key '%s' not in gpio-broker.ini", key);
		}
		free(find);
		keys++;
	}
	assert_int_equal(keys, 23);
	free(ref);
	free(example);
}

static void edge_and_direction_names(void **state)
{
	(void)state;
	assert_string_equal(config_edge_name(CONFIG_EDGE_NONE), "none");
	assert_string_equal(config_edge_name(CONFIG_EDGE_RISING), "rising");
	assert_string_equal(config_edge_name(CONFIG_EDGE_FALLING), "falling");
	assert_string_equal(config_edge_name(CONFIG_EDGE_BOTH), "both");
	assert_string_equal(config_direction_name(CONFIG_DIR_IN), "in");
	assert_string_equal(config_direction_name(CONFIG_DIR_OUT), "out");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_file_gives_every_default),
		cmocka_unit_test(pin_defaults_and_name_is_the_number),
		cmocka_unit_test(empty_values_mean_none_where_allowed),
		cmocka_unit_test(every_boolean_spelling_is_accepted),
		cmocka_unit_test(bad_boolean_lists_the_spellings),
		cmocka_unit_test(every_enum_word_is_accepted),
		cmocka_unit_test(bad_enum_value_names_file_line_key_and_choices),
		cmocka_unit_test(numbers_are_checked_at_both_edges_of_their_range),
		cmocka_unit_test(number_words_are_bad_values),
		cmocka_unit_test(values_longer_than_their_field_are_errors),
		cmocka_unit_test(names_are_utf8_without_control_characters),
		cmocka_unit_test(topic_prefix_rules),
		cmocka_unit_test(host_and_client_id_rules),
		cmocka_unit_test(comments_inline_and_whole_line),
		cmocka_unit_test(crlf_and_byte_order_mark_are_accepted),
		cmocka_unit_test(syntax_errors_have_their_lines),
		cmocka_unit_test(over_long_line_is_an_error),
		cmocka_unit_test(unknown_sections_are_errors_even_when_empty),
		cmocka_unit_test(unknown_keys_with_a_hint),
		cmocka_unit_test(key_outside_any_section),
		cmocka_unit_test(duplicate_pins_keys_and_sections),
		cmocka_unit_test(pin_numbers_are_plain_decimal),
		cmocka_unit_test(direction_is_required_reported_at_the_header),
		cmocka_unit_test(edge_only_on_inputs_initial_only_on_outputs),
		cmocka_unit_test(names_are_unique_defaults_included),
		cmocka_unit_test(all_errors_are_reported_in_file_order),
		cmocka_unit_test(pins_are_sorted_and_found_by_number),
		cmocka_unit_test(many_pins_have_no_fixed_limit),
		cmocka_unit_test(chip_label_makes_the_number_an_offset),
		cmocka_unit_test(password_file_must_be_closed_to_others),
		cmocka_unit_test(named_files_must_exist_and_be_regular),
		cmocka_unit_test(password_file_needs_username),
		cmocka_unit_test(tls_client_files_go_together),
		cmocka_unit_test(missing_file_is_reported_with_errno),
		cmocka_unit_test(file_errors_start_with_its_path),
		cmocka_unit_test(nul_byte_in_a_file_is_an_error),
		cmocka_unit_test(failed_load_leaves_the_config_empty),
		cmocka_unit_test(example_configs_are_valid),
		cmocka_unit_test(example_config_documents_every_key),
		cmocka_unit_test(edge_and_direction_names),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
