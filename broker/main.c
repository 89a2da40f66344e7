/* main.c: gpio-broker's command line: check a configuration, or run. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

#define PASSWORD_MAX 1024

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gpio-broker -c FILE [-v] [--reset-counts]\n"
		"       gpio-broker --check-config FILE\n"
		"\n"
		"Puts the board's sysfs GPIO pins on MQTT: edges and counts of\n"
		"input pins are published, output pins follow commands.\n"
		"\n"
		"  -c, --config FILE     run with this configuration\n"
		"      --check-config FILE\n"
		"                        check the configuration and exit:\n"
		"                        0 when valid, 1 when not\n"
		"      --reset-counts    start counting from zero when the\n"
		"                        state file is corrupt or unwanted\n"
		"  -v, --verbose         log debug messages too\n"
		"      --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n");
}

/*
 * Read the MQTT password: the file's first line. A file others may read
 * is refused. The password itself never reaches a message.
 */
static int read_password(const char *path, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		log_error("cannot read password_file '%s': %s", path,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 007)) {
		log_error("password_file '%s' is not a regular file closed to "
			  "others (mode %04o): chmod o-rwx it", path,
			  (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -1;
	}

	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		log_error("password_file '%s' is empty", path);
		return -1;
	}
	return 0;
}

/* What a valid configuration may still lack on this machine: said, not
 * refused, as the file may be meant for another one. */
static void check_environment(const struct config *cfg)
{
	const char *state = cfg->gpio.state_file;
	char dir[PATH_MAX];
	struct stat st;

	if (!cfg->n_pins)
		fprintf(stderr, "%s: warning: no [pin N] section: the daemon "
			"would have nothing to do\n", cfg->path);
	if (stat(cfg->gpio.sysfs_root, &st) || !S_ISDIR(st.st_mode))
		fprintf(stderr, "%s: warning: sysfs_root '%s' is not a "
			"directory here\n", cfg->path, cfg->gpio.sysfs_root);
	if (!state[0])
		return;
	snprintf(dir, sizeof(dir), "%s", state);
	if (stat(dirname(dir), &st) || !S_ISDIR(st.st_mode))
		fprintf(stderr, "%s: warning: the directory of state_file "
			"'%s' is missing here (it is made at start-up)\n",
			cfg->path, state);
}

static int check_config(const char *path)
{
	struct config cfg;
	int rc;

	rc = config_load(path, &cfg, stderr);
	if (!rc) {
		check_environment(&cfg);
		printf("%s: ok, %zu pin%s\n", path, cfg.n_pins,
		       cfg.n_pins == 1 ? "" : "s");
	}
	config_free(&cfg);
	return rc ? 1 : 0;
}

static int run(const char *path, bool reset)
{
	struct daemon_options opt = { .reset_counts = reset };
	char password[PASSWORD_MAX];
	struct config cfg;
	int rc;

	if (config_load(path, &cfg, stderr)) {
		config_free(&cfg);
		return 1;
	}
	if (cfg.mqtt.password_file[0]) {
		if (read_password(cfg.mqtt.password_file, password,
				  sizeof(password))) {
			config_free(&cfg);
			return 1;
		}
		opt.password = password;
	}

	signal(SIGPIPE, SIG_IGN);
	setenv("UV_THREADPOOL_SIZE", "2", 0);
	mosquitto_lib_init();
	rc = daemon_run(&cfg, &opt);
	mosquitto_lib_cleanup();
	explicit_bzero(password, sizeof(password));
	config_free(&cfg);
	return rc;
}

struct options {
	const char *config;
	const char *check;
	bool reset;
	int log_level;
};

/* Parse the command line; returns -1 to go on, else an exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_CHECK = 256, OPT_RESET, OPT_VERSION };
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, OPT_CHECK },
		{ "reset-counts", no_argument, NULL, OPT_RESET },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:vh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case OPT_CHECK:
			o->check = optarg;
			break;
		case OPT_RESET:
			o->reset = true;
			break;
		case 'v':
			o->log_level = LOG_DEBUG;
			break;
		case OPT_VERSION:
			printf("gpio-broker %s\n", GB_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* Started with stdin, stdout or stderr closed, the first files opened
 * would take their numbers, and log lines would go into them. */
static void keep_standard_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
}

int main(int argc, char **argv)
{
	struct options o = { .log_level = LOG_INFO };
	int rc;

	keep_standard_fds();
	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	log_init(o.log_level);

	if (optind < argc || (!o.config && !o.check) || (o.config && o.check)) {
		fprintf(stderr, "gpio-broker: %s\n", optind < argc ?
			"unexpected argument" : "give either -c FILE or "
			"--check-config FILE");
		usage(stderr);
		return 2;
	}
	return o.check ? check_config(o.check) : run(o.config, o.reset);
}
