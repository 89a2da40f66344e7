/* session.h: the MQTT session, with libmosquitto driven from the libuv
 * loop: its socket in a uv_poll, its keepalive from session_tick, name
 * resolution on libuv's resolver, reconnects with backoff from a timer.
 * Nothing here blocks the loop. */
#ifndef GB_SESSION_H
#define GB_SESSION_H

#include <mosquitto.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "config.h"

struct session;

struct session_ops {
	/* Connected and subscribed; "online" is published. */
	void (*on_online)(void *data);
	/* The connection was lost; reconnecting. */
	void (*on_offline)(void *data);
	/* A message arrived on the command subscription. It is freed when
	 * this returns: copy what must be kept. */
	void (*on_message)(const struct mosquitto_message *msg, void *data);
	/* session_stop has finished; the session may now be closed. */
	void (*on_stopped)(void *data);
};

#define SESSION_RETRY_FIRST_MS 1000
#define SESSION_RETRY_MAX_MS 30000
#define SESSION_CONNECT_TIMEOUT_MS 10000
#define SESSION_STOP_TIMEOUT_MS 3000

/*
 * Create the session for 'cfg' (kept by reference: it must outlive the
 * session). 'password' may be NULL; libmosquitto keeps its own copy. The
 * status topic "<prefix>/status" carries "online" and, as the will,
 * "offline". On failure the reason is in 'err'.
 */
int session_new(uv_loop_t *loop, const struct config_mqtt *cfg,
		const char *password, const struct session_ops *ops,
		void *data, struct session **out, char *err, size_t errlen);

/* Start connecting; the session keeps reconnecting until stopped. */
void session_start(struct session *s);

/* Housekeeping: keepalive and connect timeouts. Call about once a second. */
void session_tick(struct session *s);

bool session_online(const struct session *s);

/*
 * Publish at the configured QoS. Returns 0 when libmosquitto took the
 * message, -ENOTCONN when offline (nothing was queued), or another -errno.
 */
int session_publish(struct session *s, const char *topic,
		    const void *payload, size_t len, bool retain);

/*
 * Publish "offline", disconnect cleanly and call on_stopped; in a hurry,
 * or after SESSION_STOP_TIMEOUT_MS, without waiting for the broker.
 */
void session_stop(struct session *s, bool hurry);

/* Release everything; the loop must run once more to free the handles. */
void session_close(struct session *s);

#endif
