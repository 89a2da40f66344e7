/* command.c: commands that arrive over MQTT: driving outputs, presetting
 * counters, and rejecting everything else with an error message. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

/* Log a rejection, at most DAEMON_REJECT_LOG_MAX per window. */
static void command_log_reject(struct daemon *d, const char *topic,
			       const char *why)
{
	uint64_t now = uv_now(d->loop);

	if (now - d->reject_window >= DAEMON_REJECT_WINDOW_MS) {
		if (d->rejects_unlogged)
			log_warn("%u more rejected commands were not logged",
				 d->rejects_unlogged);
		d->reject_window = now;
		d->rejects_logged = 0;
		d->rejects_unlogged = 0;
	}
	if (d->rejects_logged >= DAEMON_REJECT_LOG_MAX) {
		d->rejects_unlogged++;
		return;
	}
	d->rejects_logged++;
	log_warn("rejected command on '%.*s': %s", 200, topic, why);
}

/* Say why a command was refused, on <prefix>/N/error or <prefix>/error. */
static void command_reject(struct daemon *d, int gpio,
			   const struct mosquitto_message *msg,
			   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void command_reject(struct daemon *d, int gpio,
			   const struct mosquitto_message *msg,
			   const char *fmt, ...)
{
	char why[PAYLOAD_WHY_MAX + 64], topic[TOPIC_MAX];
	const char *where = d->error_topic;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	command_log_reject(d, msg->topic, why);

	if (gpio >= 0 && topic_pin(topic, sizeof(topic),
				   d->cfg->mqtt.topic_prefix,
				   (unsigned int)gpio, "error") > 0)
		where = topic;
	n = payload_error(d->buf, sizeof(d->buf), gpio, msg->topic, why,
			  msg->payload ? msg->payload : "",
			  (size_t)msg->payloadlen);
	if (n > 0)
		session_publish(d->session, where, d->buf, (size_t)n, false);
}

static int command_level(struct daemon_pin *dp, enum payload_set set)
{
	int level;

	if (set != PAYLOAD_SET_TOGGLE)
		return set == PAYLOAD_SET_HIGH;
	level = pin_level(dp->pin);
	return level < 0 ? -1 : !level;
}

static void command_set(struct daemon *d, struct daemon_pin *dp,
			const struct mosquitto_message *msg)
{
	char why[PAYLOAD_WHY_MAX];
	enum payload_set set;
	int level, gpio = (int)dp->cfg->number, err;

	if (dp->cfg->direction != CONFIG_DIR_OUT) {
		command_reject(d, gpio, msg, "pin %d is an input", gpio);
		return;
	}
	if (payload_parse_set(msg->payload, (size_t)msg->payloadlen, &set,
			      why, sizeof(why))) {
		command_reject(d, gpio, msg, "%s", why);
		return;
	}

	level = command_level(dp, set);
	if (level < 0) {
		command_reject(d, gpio, msg, "cannot toggle pin %d: its level "
			       "is unknown (%s)", gpio,
			       pin_fault_text(dp->pin));
		return;
	}
	err = pin_set(dp->pin, level);
	if (err == -EAGAIN)
		command_reject(d, gpio, msg, "pin %d is faulted (%s); level %d "
			       "will be set when it recovers", gpio,
			       pin_fault_text(dp->pin), level);
	else if (err)
		command_reject(d, gpio, msg, "%s", pin_fault_text(dp->pin));
	else
		daemon_publish_state(dp);
}

static void command_count_set(struct daemon *d, struct daemon_pin *dp,
			      const struct mosquitto_message *msg)
{
	char why[PAYLOAD_WHY_MAX];
	int gpio = (int)dp->cfg->number;
	uint64_t count, was;

	if (!dp->counting) {
		command_reject(d, gpio, msg, "pin %d counts no edges", gpio);
		return;
	}
	if (payload_parse_count(msg->payload, (size_t)msg->payloadlen,
				&count, why, sizeof(why))) {
		command_reject(d, gpio, msg, "%s", why);
		return;
	}

	was = dp->counts->count;
	dp->counts->count = count;
	counts_commit(d->counts, dp->index);
	d->next_sync = 0;
	log_notice("gpio %d: count preset to %" PRIu64 " (was %" PRIu64 ")",
		   gpio, count, was);
	daemon_publish_count(dp);
}

void command_handle(struct daemon *d, const struct mosquitto_message *msg)
{
	struct topic_parsed t = topic_parse(d->cfg->mqtt.topic_prefix,
					    msg->topic);
	struct daemon_pin *dp;

	if (t.kind == TOPIC_OUTPUT || t.kind == TOPIC_FOREIGN)
		return;
	if (t.kind == TOPIC_UNKNOWN) {
		command_reject(d, t.gpio, msg, "unknown topic");
		return;
	}
	if (msg->retain) {
		command_reject(d, t.gpio, msg, "retained command ignored: "
			       "publish commands without the retain flag");
		return;
	}

	dp = daemon_find_pin(d, t.gpio);
	if (!dp)
		command_reject(d, t.gpio, msg, "pin %d is not configured",
			       t.gpio);
	else if (t.kind == TOPIC_SET)
		command_set(d, dp, msg);
	else
		command_count_set(d, dp, msg);
}
