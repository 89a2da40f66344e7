/* daemon.h: the running daemon: its pins, counters, MQTT session and
 * timers, shared by daemon.c (life cycle, publishing) and command.c
 * (commands arriving over MQTT). Internal to broker/. */
#ifndef GB_DAEMON_H
#define GB_DAEMON_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "counts.h"
#include "payload.h"
#include "pin.h"
#include "queue.h"
#include "session.h"
#include "topic.h"

struct daemon;

/* A configured pin with everything the daemon keeps for it. */
struct daemon_pin {
	struct daemon *d;
	size_t index;
	const struct config_pin *cfg;
	struct pin *pin;		/* NULL once closed */
	struct counts_values *counts;	/* lives in the counts store */
	bool counting;			/* an input watching edges */
	bool count_dirty;		/* changed since last published */
	bool state_dirty;
	bool faulted;
	uint64_t faulted_at;		/* uv_now of the fault */
	int published_level;		/* -2 before the first state */
	char head[PAYLOAD_HEAD_MAX];	/* {"gpio":N,"name":"..." */
	char topic_edge[TOPIC_MAX];
	char topic_count[TOPIC_MAX];
	char topic_state[TOPIC_MAX];
	char topic_error[TOPIC_MAX];
	char buf[PAYLOAD_MAX];		/* this pin's messages are built here */
};

/* At most this many rejected commands are logged per window. */
#define DAEMON_REJECT_LOG_MAX 10
#define DAEMON_REJECT_WINDOW_MS 60000

struct daemon {
	uv_loop_t *loop;
	const struct config *cfg;
	struct daemon_pin *pins;
	size_t n_pins;
	struct session *session;
	struct counts *counts;
	struct queue queue;
	uv_timer_t tick;
	uv_signal_t signals[3];
	uv_fs_t fsync_req;
	bool fsync_busy;
	uint64_t next_count;		/* uv_now of the next count publish */
	uint64_t check_credit;		/* ms of self-checks owed, times pins */
	size_t check_next;		/* the pin to self-check next */
	uint64_t next_sync;
	uint64_t tick_due;		/* uv_now the tick is due next */
	uint64_t tick_ms;
	uint64_t longest_stall;		/* ms the loop was late, at most */
	unsigned int stop_signals;
	bool stopping;
	int exit_code;
	uint64_t reject_window;		/* start of the log-limit window */
	unsigned int rejects_logged;
	unsigned int rejects_unlogged;
	char error_topic[TOPIC_MAX];	/* <prefix>/error */
	char buf[PAYLOAD_ERROR_MAX];	/* rejections are built here */
};

struct daemon_options {
	bool reset_counts;
	const char *password;		/* NULL without password_file */
};

/* Run the daemon on 'cfg' until it is stopped; returns the exit code. */
int daemon_run(const struct config *cfg, const struct daemon_options *opt);

/* daemon.c, for command.c */
struct daemon_pin *daemon_find_pin(struct daemon *d, int gpio);
void daemon_publish_state(struct daemon_pin *dp);
void daemon_publish_count(struct daemon_pin *dp);

/* command.c: a message arrived on the command subscription. */
void command_handle(struct daemon *d, const struct mosquitto_message *msg);

#endif
