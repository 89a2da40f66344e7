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
	unsigned long set_turn;		/* command turn that last set it */
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

/* At most this many rejected commands are logged and answered a window;
 * the others are counted in one line at the end of the window. */
#define DAEMON_REJECT_MAX 50
#define DAEMON_REJECT_WINDOW_MS 10000

/* Commands wait here for their turn; up to COMMAND_BATCH are carried out
 * each turn of the loop, and at most one change of each output. The queue
 * is allocated when first needed. */
#define COMMAND_QUEUE_MAX 1024
#define COMMAND_BATCH 16

struct command;

struct command_queue {
	struct command *items;
	size_t head;
	size_t len;
	unsigned long turn;	/* counts the turns that carried some out */
	uv_idle_t idle;		/* runs while commands wait */
};

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
	struct command_queue commands;
	uint64_t reject_window;		/* start of the rejection window */
	unsigned int rejects_answered;
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
void command_init(struct daemon *d);
void command_close(struct daemon *d);
void command_free(struct daemon *d);
/* Log how many rejections went unlogged: when their window is over, or
 * 'now'. */
void command_flush_log(struct daemon *d, bool now);

#endif
