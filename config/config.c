/* config.c: loading a config file: lines to inih, sections, keys, result. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_private.h"

#define BIT(key) (1u << (key))

/* The section a key goes to: its table, struct and what was seen in it. */
struct target {
	const struct config__table *table;
	void *base;
	struct config__seen *seen;
	char title[CONFIG__TITLE_MAX];
};

static void say(FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

static void current_target(struct config__parse *p, struct target *t)
{
	struct config__pin_state *ps;

	if (p->sec == CONFIG__SEC_MQTT) {
		*t = (struct target){ &config__mqtt_table, &p->cfg->mqtt,
				      &p->mqtt_seen, "mqtt" };
	} else if (p->sec == CONFIG__SEC_GPIO) {
		*t = (struct target){ &config__gpio_table, &p->cfg->gpio,
				      &p->gpio_seen, "gpio" };
	} else {
		ps = &p->pins[p->pin];
		*t = (struct target){ &config__pin_table, &ps->pin,
				      &ps->seen, "" };
		snprintf(t->title, sizeof t->title, "pin %u", ps->pin.number);
	}
}

/* The other section that has a key called 'name', or NULL. */
static const char *home_of(const struct config__table *table,
			   const char *name)
{
	const struct config__table *all[] = {
		&config__mqtt_table, &config__gpio_table, &config__pin_table,
	};
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (all[i] != table && config__find_key(all[i], name) >= 0)
			return all[i]->title;
	}
	return NULL;
}

static void unknown_key(struct config__parse *p, const struct target *t,
			const char *name)
{
	const char *home = home_of(t->table, name);
	const char *hint = config__suggest(t->table, name);
	char q[CONFIG__QUOTE_MAX];

	config__quote(q, sizeof q, name);
	if (home)
		config__error(p, p->line, "unknown key '%s' in [%s]: "
			      "it belongs in [%s]", q, t->title, home);
	else if (hint)
		config__error(p, p->line, "unknown key '%s' in [%s], "
			      "did you mean '%s'?", q, t->title, hint);
	else
		config__error(p, p->line, "unknown key '%s' in [%s]", q,
			      t->title);
}

static void bad_value(struct config__parse *p, const struct target *t,
		      const char *name, const char *value, int rc,
		      const char *why)
{
	char q[CONFIG__QUOTE_MAX];

	config__quote(q, sizeof q, value);
	if (rc == -ERANGE)
		config__error(p, p->line, "value '%s' for '%s' in [%s] "
			      "is out of range: %s", q, name, t->title, why);
	else if (rc == -E2BIG)
		config__error(p, p->line, "value '%s' for '%s' in [%s] "
			      "is too long: %s", q, name, t->title, why);
	else
		config__error(p, p->line, "bad value '%s' for '%s' in [%s]: %s",
			      q, name, t->title, why);
}

/* A key = value line of a known section. */
static void set_key(struct config__parse *p, const char *name,
		    const char *value)
{
	char why[CONFIG__WHY_MAX];
	struct target t;
	int k, rc;

	current_target(p, &t);
	k = config__find_key(t.table, name);
	if (k < 0) {
		unknown_key(p, &t, name);
		return;
	}
	if (t.seen->lines[k]) {
		config__error(p, p->line, "duplicate key '%s' in [%s], "
			      "first at line %d", name, t.title,
			      t.seen->lines[k]);
		return;
	}
	t.seen->lines[k] = p->line;
	rc = config__parse_value(&t.table->keys[k], value, t.base, why,
				 sizeof why);
	if (rc < 0) {
		t.seen->bad |= BIT(k);
		bad_value(p, &t, name, value, rc, why);
	}
}

/* inih's handler: called for each key = value line the reader let by. */
static int on_pair(void *user, const char *section, const char *name,
		   const char *value)
{
	struct config__parse *p = user;
	char q[CONFIG__QUOTE_MAX];

	(void)section;	/* the reader follows the sections itself */
	if (p->sec == CONFIG__SEC_NONE)
		config__error(p, p->line, "key '%s' outside of any section",
			      config__quote(q, sizeof q, name));
	else if (p->sec != CONFIG__SEC_SKIP)
		set_key(p, name, value);
	return 1;
}

static int add_pin(struct config__parse *p, unsigned int number)
{
	struct config__pin_state *pins, *ps;
	size_t cap = p->cap_pins ? 2 * p->cap_pins : 16;

	if (p->n_pins == p->cap_pins) {
		pins = realloc(p->pins, cap * sizeof *pins);
		if (!pins)
			return -ENOMEM;
		p->pins = pins;
		p->cap_pins = cap;
	}
	ps = &p->pins[p->n_pins];
	memset(ps, 0, sizeof *ps);
	config__set_defaults(&config__pin_table, &ps->pin);
	ps->pin.number = number;
	ps->pin.line = p->line;
	p->pin = p->n_pins++;
	return 0;
}

/* "pin N": N in decimal, 0 to 65535, no sign, space or leading zero. */
static bool parse_pin_title(const char *title, unsigned int *number)
{
	const char *digits = title + strlen("pin ");
	size_t len;

	if (strncmp(title, "pin ", 4))
		return false;
	len = strlen(digits);
	if (!len || len > 5 || strspn(digits, "0123456789") != len)
		return false;
	if (digits[0] == '0' && len > 1)
		return false;
	*number = (unsigned int)atoi(digits);
	return *number <= 65535;
}

static void enter_pin(struct config__parse *p, const char *title)
{
	char q[CONFIG__QUOTE_MAX];
	unsigned int number;

	p->sec = CONFIG__SEC_SKIP;
	if (!parse_pin_title(title, &number)) {
		config__error(p, p->line, "bad pin number in [%s]: expected "
			      "0 to 65535, without sign or leading zeros",
			      config__quote(q, sizeof q, title));
		return;
	}
	if (add_pin(p, number) < 0) {
		p->nomem = true;
		return;
	}
	p->sec = CONFIG__SEC_PIN;
}

static void enter_once(struct config__parse *p, int *line,
		       enum config__section sec, const char *title)
{
	if (*line)
		config__error(p, p->line, "duplicate [%s], first at line %d",
			      title, *line);
	else
		*line = p->line;
	p->sec = sec;
}

static void enter_section(struct config__parse *p, const char *title)
{
	char q[CONFIG__QUOTE_MAX];

	if (!strcmp(title, "mqtt")) {
		enter_once(p, &p->mqtt_line, CONFIG__SEC_MQTT, title);
	} else if (!strcmp(title, "gpio")) {
		enter_once(p, &p->gpio_line, CONFIG__SEC_GPIO, title);
	} else if (!strncmp(title, "pin", 3) &&
		   (!title[3] || title[3] == ' ' ||
		    isdigit((unsigned char)title[3]))) {
		enter_pin(p, title);
	} else {
		p->sec = CONFIG__SEC_SKIP;
		config__error(p, p->line, "unknown section [%s]: "
			      "expected [mqtt], [gpio] or [pin N]",
			      config__quote(q, sizeof q, title));
	}
}

/* As inih finds them: the first of 'chars', or ';' after a space. */
static char *find_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	for (; *s; s++) {
		if (strchr(chars, *s) || (was_space && *s == ';'))
			return s;
		was_space = isspace((unsigned char)*s);
	}
	return s;
}

/* A trimmed line that starts with '['. Returns -1: inih must not see it. */
static int on_header(struct config__parse *p, char *line)
{
	char *close = find_or_comment(line + 1, "]");
	char q[CONFIG__QUOTE_MAX], q2[CONFIG__QUOTE_MAX];
	char *rest;

	if (*close != ']') {
		p->sec = CONFIG__SEC_SKIP;
		config__error(p, p->line, "missing ']' in section header '%s'",
			      config__quote(q, sizeof q, line));
		return -1;
	}
	*close = '\0';
	enter_section(p, line + 1);
	rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest && *rest != ';' && *rest != '#')
		config__error(p, p->line, "unexpected text '%s' after [%s]",
			      config__quote(q, sizeof q, rest),
			      config__quote(q2, sizeof q2, line + 1));
	return 0;
}

/* Classify a trimmed line as inih will. Returns -1 for a bad one. */
static int check_line(struct config__parse *p, char *line)
{
	char q[CONFIG__QUOTE_MAX];
	char *sep;

	if (!*line || *line == ';' || *line == '#')
		return 0;
	if (*line == '[')
		return on_header(p, line);
	sep = find_or_comment(line, "=:");
	if (*sep == '=' || *sep == ':')
		return 0;
	config__error(p, p->line, "expected 'key = value' or '[section]', "
		      "got '%s'", config__quote(q, sizeof q, line));
	return -1;
}

/* Returns -1 when the line must reach inih as a blank line. */
static int accept_line(struct config__parse *p, const char *line,
		       size_t len, size_t room)
{
	char *s = p->line_copy, *e;

	if (len > CONFIG__LINE_MAX || len + 2 > room) {
		config__error(p, p->line, "line too long: %zu bytes, "
			      "at most %d", len, CONFIG__LINE_MAX);
		return -1;
	}
	if (memchr(line, '\0', len)) {
		config__error(p, p->line, "line contains a NUL byte");
		return -1;
	}
	memcpy(s, line, len);
	e = s + len;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return check_line(p, s);
}

/*
 * inih's reader: hands over one whole line, and sees it first. Counting
 * lines here gives every error its line; a line inih would refuse or
 * cut is reported here and replaced by a blank one.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct config__parse *p = stream;
	const char *line = p->pos, *nl;
	size_t len;

	if (p->pos >= p->end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(p->end - line));
	len = (size_t)((nl ? nl : p->end) - line);
	p->pos = line + len + (nl != NULL);
	p->line++;
	if (p->line == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	if (accept_line(p, line, len, (size_t)size) < 0)
		len = 0;
	memcpy(buf, line, len);
	memcpy(buf + len, "\n", 2);
	return buf;
}

/* inih's settings live in globals: set every one this reader relies on. */
static void set_up_inih(void)
{
	static char start_comments[] = ";#";
	static char inline_comments[] = ";";

	ini_max_line = CONFIG__LINE_MAX + 3;
	ini_allow_multiline = false;
	ini_allow_bom = true;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
	ini_start_comment_prefixes = start_comments;
	ini_inline_comment_prefixes = inline_comments;
}

static void parse_file(struct config__parse *p)
{
	int rc;

	set_up_inih();
	rc = ini_parse_stream(read_line, p, on_pair, p);
	if (rc == -2)
		p->nomem = true;
	else if (rc > 0 && !config__has_error_at(p, rc))
		config__error(p, rc, "syntax error");
}

static int finish(struct config__parse *p, FILE *errors)
{
	if (!p->nomem)
		config__check(p);
	if (!p->nomem && !p->n_errs && config__build_pins(p) < 0)
		p->nomem = true;
	if (p->nomem) {
		say(errors, "%s: %s\n", p->file, strerror(ENOMEM));
		config_free(p->cfg);
		return -ENOMEM;
	}
	if (p->n_errs) {
		config__print_errors(p, errors);
		config_free(p->cfg);
		return -EINVAL;
	}
	return 0;
}

static int load_buffer(const char *name, const char *data, size_t len,
		       struct config *cfg, FILE *errors)
{
	struct config__parse *p;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (strlen(name) >= sizeof cfg->path) {
		say(errors, "%s: %s\n", name, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		say(errors, "%s: %s\n", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	strcpy(cfg->path, name);
	config__set_defaults(&config__mqtt_table, &cfg->mqtt);
	config__set_defaults(&config__gpio_table, &cfg->gpio);
	*p = (struct config__parse){ .file = name, .cfg = cfg, .pos = data,
				     .end = data + len };
	parse_file(p);
	rc = finish(p, errors);
	config__free_errors(p);
	free(p->pins);
	free(p);
	return rc;
}

static int grow_buffer(char **buf, size_t *cap)
{
	size_t bigger = *cap ? 2 * *cap : 4096;
	char *b;

	if (bigger > CONFIG__FILE_MAX)
		return -EFBIG;
	b = realloc(*buf, bigger);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = bigger;
	return 0;
}

/* The whole of 'fd', up to CONFIG__FILE_MAX bytes, into '*data'. */
static int read_all(int fd, char **data, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	ssize_t got;
	int rc = 0;

	do {
		if (n == cap && (rc = grow_buffer(&buf, &cap)) < 0)
			break;
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno != EINTR)
			rc = -errno;
		else if (got > 0)
			n += (size_t)got;
	} while (!rc && got != 0);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*data = buf;
	*len = n;
	return 0;
}

int config_load(const char *path, struct config *cfg, FILE *errors)
{
	char *data;
	size_t len;
	int fd, rc;

	memset(cfg, 0, sizeof *cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		say(errors, "%s: cannot open: %s\n", path, strerror(-rc));
		return rc;
	}
	rc = read_all(fd, &data, &len);
	close(fd);
	if (rc < 0) {
		say(errors, "%s: cannot read: %s\n", path, strerror(-rc));
		return rc;
	}
	rc = load_buffer(path, data, len, cfg, errors);
	free(data);
	return rc;
}

int config_load_string(const char *name, const char *text,
		       struct config *cfg, FILE *errors)
{
	return load_buffer(name, text, strlen(text), cfg, errors);
}

void config_free(struct config *cfg)
{
	free(cfg->pins);
	memset(cfg, 0, sizeof *cfg);
}

static int compare_number(const void *key, const void *elem)
{
	unsigned int n = *(const unsigned int *)key;
	const struct config_pin *pin = elem;

	return n < pin->number ? -1 : n > pin->number;
}

const struct config_pin *config_find_pin(const struct config *cfg,
					 unsigned int number)
{
	if (!cfg->n_pins)
		return NULL;
	return bsearch(&number, cfg->pins, cfg->n_pins, sizeof *cfg->pins,
		       compare_number);
}

const char *config_edge_name(enum config_edge edge)
{
	static const char *const names[] = {
		[CONFIG_EDGE_NONE] = "none",
		[CONFIG_EDGE_RISING] = "rising",
		[CONFIG_EDGE_FALLING] = "falling",
		[CONFIG_EDGE_BOTH] = "both",
	};

	if ((unsigned int)edge >= sizeof names / sizeof names[0])
		return "?";
	return names[edge];
}

const char *config_direction_name(enum config_direction dir)
{
	if (dir == CONFIG_DIR_IN)
		return "in";
	return dir == CONFIG_DIR_OUT ? "out" : "?";
}
