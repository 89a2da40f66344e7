/* config_check.c: the rules between keys, checked once the file is read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_private.h"

#define BIT(key) (1u << (key))

/* "gpio-broker-<hostname>", bytes that are not printable ASCII as '_'. */
static void default_client_id(char *buf, size_t size)
{
	char host[256] = "";
	char *c;

	if (gethostname(host, sizeof host - 1) < 0)
		host[0] = '\0';
	for (c = host; *c; c++) {
		if (*c < 0x21 || *c > 0x7e)
			*c = '_';
	}
	if (host[0])
		snprintf(buf, size, "gpio-broker-%.64s", host);
	else
		snprintf(buf, size, "gpio-broker");
}

/* Whether [mqtt] has 'key': a value, or one that was refused. */
static bool mqtt_has(const struct config__parse *p, int key,
		     const char *field)
{
	return field[0] || (p->mqtt_seen.bad & BIT(key));
}

static void mqtt_needs(struct config__parse *p, int key, int other)
{
	config__error(p, p->mqtt_seen.lines[key], "'%s' needs '%s' in [mqtt]",
		      config__mqtt_table.keys[key].name,
		      config__mqtt_table.keys[other].name);
}

static void check_pairs(struct config__parse *p)
{
	const struct config_mqtt *m = &p->cfg->mqtt;
	bool ca = mqtt_has(p, KEY_MQTT_TLS_CA_FILE, m->tls_ca_file);
	bool cert = mqtt_has(p, KEY_MQTT_TLS_CERT_FILE, m->tls_cert_file);
	bool key = mqtt_has(p, KEY_MQTT_TLS_KEY_FILE, m->tls_key_file);

	if (cert && !key)
		mqtt_needs(p, KEY_MQTT_TLS_CERT_FILE, KEY_MQTT_TLS_KEY_FILE);
	if (cert && !ca)
		mqtt_needs(p, KEY_MQTT_TLS_CERT_FILE, KEY_MQTT_TLS_CA_FILE);
	if (key && !cert)
		mqtt_needs(p, KEY_MQTT_TLS_KEY_FILE, KEY_MQTT_TLS_CERT_FILE);
	if (key && !ca)
		mqtt_needs(p, KEY_MQTT_TLS_KEY_FILE, KEY_MQTT_TLS_CA_FILE);
	if (mqtt_has(p, KEY_MQTT_PASSWORD_FILE, m->password_file) &&
	    !mqtt_has(p, KEY_MQTT_USERNAME, m->username))
		mqtt_needs(p, KEY_MQTT_PASSWORD_FILE, KEY_MQTT_USERNAME);
}

static const char *others_can(mode_t mode)
{
	if (mode & S_IROTH)
		return "readable";
	if (mode & S_IWOTH)
		return "writable";
	return "executable";
}

/*
 * The file of 'key' must be a readable regular file; a secret one must
 * also be closed to others. Its content is never read here.
 */
static void check_file(struct config__parse *p, int key, const char *path,
		       bool secret)
{
	const char *name = config__mqtt_table.keys[key].name;
	int line = p->mqtt_seen.lines[key];
	char q[CONFIG__QUOTE_MAX];
	struct stat st;

	config__quote(q, sizeof q, path);
	if (stat(path, &st) < 0) {
		config__error(p, line, "%s '%s' cannot be used: %s", name, q,
			      strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		config__error(p, line, "%s '%s' is not a regular file", name,
			      q);
	} else if (secret && (st.st_mode & S_IRWXO)) {
		config__error(p, line, "%s '%s' is %s by others (mode %04o)",
			      name, q, others_can(st.st_mode),
			      (unsigned int)(st.st_mode & 07777));
	} else if (access(path, R_OK) < 0) {
		config__error(p, line, "%s '%s' is not readable: %s", name, q,
			      strerror(errno));
	}
}

static void check_files(struct config__parse *p)
{
	const struct config_mqtt *m = &p->cfg->mqtt;

	if (m->password_file[0])
		check_file(p, KEY_MQTT_PASSWORD_FILE, m->password_file, true);
	if (m->tls_ca_file[0])
		check_file(p, KEY_MQTT_TLS_CA_FILE, m->tls_ca_file, false);
	if (m->tls_cert_file[0])
		check_file(p, KEY_MQTT_TLS_CERT_FILE, m->tls_cert_file, false);
	if (m->tls_key_file[0])
		check_file(p, KEY_MQTT_TLS_KEY_FILE, m->tls_key_file, true);
}

static void check_mqtt(struct config__parse *p)
{
	struct config_mqtt *m = &p->cfg->mqtt;
	const int *lines = p->mqtt_seen.lines;

	if (!lines[KEY_MQTT_PORT])
		m->port = m->tls_ca_file[0] ? 8883 : 1883;
	if (!lines[KEY_MQTT_CLIENT_ID])
		default_client_id(m->client_id, sizeof m->client_id);
	check_pairs(p);
	check_files(p);
}

static void check_pin(struct config__parse *p, struct config__pin_state *ps)
{
	const int *lines = ps->seen.lines;
	bool known = lines[KEY_PIN_DIRECTION] &&
		     !(ps->seen.bad & BIT(KEY_PIN_DIRECTION));
	unsigned int n = ps->pin.number;

	if (!lines[KEY_PIN_DIRECTION])
		config__error(p, ps->pin.line,
			      "missing 'direction' in [pin %u]: "
			      "expected in or out", n);
	if (known && ps->pin.direction == CONFIG_DIR_OUT &&
	    lines[KEY_PIN_EDGE])
		config__error(p, lines[KEY_PIN_EDGE],
			      "'edge' is for inputs only, "
			      "but [pin %u] is an output", n);
	if (known && ps->pin.direction == CONFIG_DIR_IN &&
	    lines[KEY_PIN_INITIAL])
		config__error(p, lines[KEY_PIN_INITIAL],
			      "'initial' is for outputs only, "
			      "but [pin %u] is an input", n);
	if (!lines[KEY_PIN_NAME])
		snprintf(ps->pin.name, sizeof ps->pin.name, "%u", n);
}

static int by_number(const void *a, const void *b)
{
	const struct config__pin_state *x = a, *y = b;

	if (x->pin.number != y->pin.number)
		return x->pin.number < y->pin.number ? -1 : 1;
	return x->pin.line < y->pin.line ? -1 : x->pin.line > y->pin.line;
}

/* Sorts the pins by number, and marks and reports the repeated ones. */
static void check_duplicate_pins(struct config__parse *p)
{
	struct config__pin_state *pins = p->pins;
	size_t i, first = 0;

	if (p->n_pins)
		qsort(pins, p->n_pins, sizeof *pins, by_number);
	for (i = 1; i < p->n_pins; i++) {
		if (pins[i].pin.number != pins[first].pin.number) {
			first = i;
			continue;
		}
		pins[i].duplicate = true;
		config__error(p, pins[i].pin.line,
			      "duplicate [pin %u], first at line %d",
			      pins[i].pin.number, pins[first].pin.line);
	}
}

static int name_line(const struct config__pin_state *ps)
{
	int line = ps->seen.lines[KEY_PIN_NAME];

	return line ? line : ps->pin.line;
}

static int by_name(const void *a, const void *b)
{
	const struct config__pin_state *x = *(const void *const *)a;
	const struct config__pin_state *y = *(const void *const *)b;
	int d = strcmp(x->pin.name, y->pin.name);

	if (d)
		return d;
	return name_line(x) < name_line(y) ? -1 : name_line(x) > name_line(y);
}

static void report_names(struct config__parse *p,
			 struct config__pin_state **v, size_t n)
{
	char q[CONFIG__QUOTE_MAX];
	size_t i, first = 0;

	for (i = 1; i < n; i++) {
		if (strcmp(v[i]->pin.name, v[first]->pin.name)) {
			first = i;
			continue;
		}
		config__error(p, name_line(v[i]),
			      "duplicate name '%s' in [pin %u], "
			      "first used by [pin %u] at line %d",
			      config__quote(q, sizeof q, v[i]->pin.name),
			      v[i]->pin.number, v[first]->pin.number,
			      name_line(v[first]));
	}
}

static void check_names(struct config__parse *p)
{
	struct config__pin_state **v;
	size_t i, n = 0;

	if (!p->n_pins)
		return;
	v = malloc(p->n_pins * sizeof *v);
	if (!v) {
		p->nomem = true;
		return;
	}
	for (i = 0; i < p->n_pins; i++) {
		if (!p->pins[i].duplicate && p->pins[i].pin.name[0])
			v[n++] = &p->pins[i];
	}
	qsort(v, n, sizeof *v, by_name);
	report_names(p, v, n);
	free(v);
}

/* Defaults that depend on other keys, and every rule between keys. */
void config__check(struct config__parse *p)
{
	size_t i;

	check_mqtt(p);
	for (i = 0; i < p->n_pins; i++)
		check_pin(p, &p->pins[i]);
	check_duplicate_pins(p);
	check_names(p);
}

/* Hand the pins, checked and sorted, to the config. */
int config__build_pins(struct config__parse *p)
{
	struct config *cfg = p->cfg;
	size_t i;

	if (!p->n_pins)
		return 0;
	cfg->pins = malloc(p->n_pins * sizeof *cfg->pins);
	if (!cfg->pins)
		return -ENOMEM;
	for (i = 0; i < p->n_pins; i++)
		cfg->pins[i] = p->pins[i].pin;
	cfg->n_pins = p->n_pins;
	return 0;
}
