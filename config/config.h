/* config.h: gpio-broker's settings, read from an INI file and validated. */
#ifndef GB_CONFIG_H
#define GB_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_NAME_MAX 64	/* a pin's name, without the NUL */
#define CONFIG_PREFIX_MAX 128	/* the topic prefix, without the NUL */
#define CONFIG_HOST_MAX 256
#define CONFIG_CLIENT_ID_MAX 128
#define CONFIG_USERNAME_MAX 128
#define CONFIG_LABEL_MAX 64	/* a gpiochip label */

enum config_direction {
	CONFIG_DIR_IN,
	CONFIG_DIR_OUT,
};

/* The values match the words sysfs takes in a pin's "edge" file. */
enum config_edge {
	CONFIG_EDGE_NONE,
	CONFIG_EDGE_RISING,
	CONFIG_EDGE_FALLING,
	CONFIG_EDGE_BOTH,
};

/* What an output does at start-up (logical levels, after active_low). */
enum config_initial {
	CONFIG_INITIAL_KEEP,	/* keep an exported pin's level; new: low */
	CONFIG_INITIAL_LOW,
	CONFIG_INITIAL_HIGH,
};

/*
 * One [pin N] section. 'number' is N, the number users see in topics.
 * Without 'chip' it is also the sysfs number; with 'chip' it is an offset
 * on the gpiochip of that label and the sysfs number is found at start-up.
 */
struct config_pin {
	unsigned int number;
	char name[CONFIG_NAME_MAX + 1];		/* default: the number */
	char chip[CONFIG_LABEL_MAX + 1];	/* "" when not given */
	enum config_direction direction;
	enum config_edge edge;			/* inputs only */
	bool active_low;
	enum config_initial initial;		/* outputs only */
	int line;				/* line of the section header */
};

struct config_mqtt {
	char host[CONFIG_HOST_MAX + 1];
	unsigned int port;
	char client_id[CONFIG_CLIENT_ID_MAX + 1];  /* gpio-broker-<hostname> */
	char topic_prefix[CONFIG_PREFIX_MAX + 1];
	unsigned int qos;			/* 0, 1 or 2 */
	unsigned int keepalive;			/* seconds */
	char username[CONFIG_USERNAME_MAX + 1];	/* "" when not given */
	char password_file[PATH_MAX];		/* "" when not given */
	char tls_ca_file[PATH_MAX];		/* "" means no TLS */
	char tls_cert_file[PATH_MAX];
	char tls_key_file[PATH_MAX];
	unsigned int offline_queue;		/* edge messages kept offline */
};

struct config_gpio {
	char sysfs_root[PATH_MAX];
	unsigned int count_interval_ms;
	unsigned int self_check_interval_ms;
	char state_file[PATH_MAX];		/* "": counts are not kept */
	unsigned int state_sync_interval_ms;
};

/* The whole configuration. Created by config_load, freed by config_free. */
struct config {
	char path[PATH_MAX];
	struct config_mqtt mqtt;
	struct config_gpio gpio;
	struct config_pin *pins;	/* sorted by number */
	size_t n_pins;
};

/*
 * Read and validate FILE into 'cfg'. Every problem found is written to
 * 'errors' as one line "FILE:LINE: what is wrong", all of them, not only
 * the first. Returns 0 when the file is valid, -EINVAL when it is not
 * (cfg is then emptied), or another -errno when it cannot be read (one
 * line "FILE: reason" is written). The caller owns cfg and must call
 * config_free on it in every case. 'errors' may be NULL. Not thread-safe:
 * inih's settings are globals.
 */
int config_load(const char *path, struct config *cfg, FILE *errors);

/* Same as config_load, from a string; 'name' stands for FILE in errors. */
int config_load_string(const char *name, const char *text,
		       struct config *cfg, FILE *errors);

void config_free(struct config *cfg);

/* The pin configured as number N, or NULL. */
const struct config_pin *config_find_pin(const struct config *cfg,
					 unsigned int number);

/*
 * Print every key of every section, with its type, limits, default and
 * help, as plain text for --help and the documentation.
 */
void config_print_reference(FILE *out);

const char *config_edge_name(enum config_edge edge);
const char *config_direction_name(enum config_direction dir);

#endif
