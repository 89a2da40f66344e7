/* test_pin.c: the pin watcher (gpio/pin.c) in-process against the sysfs
 * simulator, for what a shell test cannot do: replace the watcher's value
 * fd under its feet, as the founding failure did, and check that the
 * self-check notices, that the fd that is no longer the pin's is left
 * alone, and that the pin recovers and counts on. Run by pin.sh, which
 * mounts the simulator and passes SIM_ROOT and SIM_CTL. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "pin.h"

struct record {
	unsigned int edges;
	unsigned int faults;
	unsigned int ready;
	char fault[192];
};

static int failures;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			printf("ok: ");					\
		} else {						\
			printf("FAIL: ");				\
			failures++;					\
		}							\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} while (0)

static void on_edge(struct pin *pin, const struct pin_wakeup *w, void *data)
{
	struct record *r = data;

	(void)pin;
	if (w->event.counted)
		r->edges++;
}

static void on_ready(struct pin *pin, int level, void *data)
{
	struct record *r = data;

	(void)pin;
	(void)level;
	r->ready++;
}

static void on_fault(struct pin *pin, void *data)
{
	struct record *r = data;

	r->faults++;
	snprintf(r->fault, sizeof(r->fault), "%s", pin_fault_text(pin));
}

static const struct pin_ops ops = {
	.on_edge = on_edge, .on_ready = on_ready, .on_fault = on_fault,
};

static void control(const char *cmd)
{
	int fd = open(getenv("SIM_CTL"), O_WRONLY);

	if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
		printf("FAIL: control '%s': %s\n", cmd, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* Run the loop for about 'ms' milliseconds. */
static void run_for(uv_loop_t *loop, unsigned int ms)
{
	uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;

	while (uv_hrtime() < end) {
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

/* The fd of this process that refers to 'path', or -1. */
static int fd_of(const char *path)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, path))
			return fd;
	}
	return -1;
}

static void pulses(uv_loop_t *loop, unsigned int n)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "pulse 17 %u 50\n", n);
	control(cmd);
	run_for(loop, n * 20 + 300);
}

int main(void)
{
	struct config_pin cfg = {
		.number = 17, .name = "17", .direction = CONFIG_DIR_IN,
		.edge = CONFIG_EDGE_RISING,
	};
	char path[PATH_MAX], want[96];
	struct record r = { 0 };
	struct stat st;
	struct pin *pin;
	uv_loop_t loop;
	int fd, null_fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	uv_loop_init(&loop);
	if (pin_new(&loop, getenv("SIM_ROOT"), &cfg, &ops, &r, &pin))
		return 1;
	pin_start(pin);
	run_for(&loop, 100);
	CHECK(r.ready == 1 && r.faults == 0, "pin set up (ready %u, faults %u)",
	      r.ready, r.faults);

	pulses(&loop, 5);
	CHECK(r.edges == 5, "5 pulses, %u edges", r.edges);

	snprintf(path, sizeof(path), "%s/gpio17/value", getenv("SIM_ROOT"));
	fd = fd_of(path);
	CHECK(fd >= 0, "the watcher's fd of gpio17/value is %d", fd);

	/* what the founding bug did: the fd now refers to something else */
	null_fd = open("/dev/null", O_RDONLY);
	dup2(null_fd, fd);
	close(null_fd);
	pulses(&loop, 3);
	CHECK(r.edges == 5, "no edge reaches a replaced fd (%u edges)",
	      r.edges);

	pin_check(pin);
	snprintf(want, sizeof(want), "fd %d no longer refers to 'value'", fd);
	CHECK(r.faults == 1 && !strcmp(r.fault, want),
	      "self-check: %u fault, '%s'", r.faults, r.fault);
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode),
	      "fd %d, now /dev/null, was left open for its owner", fd);
	close(fd);

	run_for(&loop, 400);
	CHECK(r.ready == 2, "recovered (%u times ready)", r.ready);
	pulses(&loop, 7);
	CHECK(r.edges == 12, "counting on: %u edges", r.edges);

	pin_close(pin);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(uv_loop_close(&loop) == 0, "the loop closes with no handle left");
	return failures ? 1 : 0;
}
