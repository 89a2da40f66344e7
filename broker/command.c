/* command.c: commands that arrive over MQTT: driving outputs, presetting
 * counters, and rejecting everything else with an error message.
 *
 * A command is checked for what can be checked at once (topic, retain
 * flag, size) when it arrives, then queued; the queue is worked off a few
 * commands per turn of the loop, so that a flood of commands cannot keep
 * the loop from reading edges. A full queue refuses what comes. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

/* One command waiting its turn. Payloads longer than a command may be
 * were refused on arrival. */
struct command {
	enum topic_kind kind;
	int gpio;
	size_t len;
	char payload[PAYLOAD_COMMAND_MAX];
};

/* What a refusal is about: the topic, and the payload to echo. */
struct command_source {
	const char *topic;
	const void *payload;
	size_t len;
};

/* Say how many rejections were not logged, once their window is over. */
void command_flush_log(struct daemon *d, bool now)
{
	if (!d->rejects_unlogged)
		return;
	if (!now && uv_now(d->loop) - d->reject_window <
	    DAEMON_REJECT_WINDOW_MS)
		return;
	log_warn("%u more commands were rejected in %d s, not each logged or "
		 "answered", d->rejects_unlogged,
		 DAEMON_REJECT_WINDOW_MS / 1000);
	d->rejects_unlogged = 0;
}

/* Whether this rejection may be logged and answered: DAEMON_REJECT_MAX
 * a window, so that a flood of bad commands floods nothing. */
static bool command_may_answer(struct daemon *d)
{
	uint64_t now = uv_now(d->loop);

	if (now - d->reject_window >= DAEMON_REJECT_WINDOW_MS) {
		command_flush_log(d, true);
		d->reject_window = now;
		d->rejects_answered = 0;
	}
	if (d->rejects_answered >= DAEMON_REJECT_MAX) {
		d->rejects_unlogged++;
		return false;
	}
	d->rejects_answered++;
	return true;
}

static void command_log_reject(const char *topic, const char *why)
{
	char shown[2 * PAYLOAD_TOPIC_ECHO_MAX];

	if (payload_escape(topic, strnlen(topic, PAYLOAD_TOPIC_ECHO_MAX),
			   shown, sizeof(shown)) < 0)
		snprintf(shown, sizeof(shown), "?");
	log_warn("rejected command on '%s': %s", shown, why);
}

/* Say why a command was refused, on <prefix>/N/error or <prefix>/error. */
static void command_reject(struct daemon *d, int gpio,
			   const struct command_source *src,
			   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void command_reject(struct daemon *d, int gpio,
			   const struct command_source *src,
			   const char *fmt, ...)
{
	char why[PAYLOAD_WHY_MAX + 64], topic[TOPIC_MAX];
	const char *where = d->error_topic;
	va_list ap;
	int n;

	if (!command_may_answer(d))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	command_log_reject(src->topic, why);

	if (gpio >= 0 && topic_pin(topic, sizeof(topic),
				   d->cfg->mqtt.topic_prefix,
				   (unsigned int)gpio, "error") > 0)
		where = topic;
	n = payload_error(d->buf, sizeof(d->buf), gpio, src->topic, why,
			  src->payload ? src->payload : "", src->len);
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
			const struct command_source *src)
{
	char why[PAYLOAD_WHY_MAX];
	enum payload_set set;
	int level, gpio = (int)dp->cfg->number, err;

	if (dp->cfg->direction != CONFIG_DIR_OUT) {
		command_reject(d, gpio, src, "pin %d is an input", gpio);
		return;
	}
	if (payload_parse_set(src->payload, src->len, &set, why,
			      sizeof(why))) {
		command_reject(d, gpio, src, "%s", why);
		return;
	}

	level = command_level(dp, set);
	if (level < 0) {
		command_reject(d, gpio, src, "cannot toggle pin %d: its level "
			       "is unknown (%s)", gpio,
			       pin_fault_text(dp->pin));
		return;
	}
	err = pin_set(dp->pin, level);
	dp->set_turn = d->commands.turn;
	if (err == -EAGAIN)
		command_reject(d, gpio, src, "pin %d is faulted (%s); level %d "
			       "will be set when it recovers", gpio,
			       pin_fault_text(dp->pin), level);
	else if (err)
		command_reject(d, gpio, src, "%s", pin_fault_text(dp->pin));
	else
		dp->state_dirty = true;
}

static void command_count_set(struct daemon *d, struct daemon_pin *dp,
			      const struct command_source *src)
{
	char why[PAYLOAD_WHY_MAX];
	int gpio = (int)dp->cfg->number;
	uint64_t count, was;

	if (!dp->counting) {
		command_reject(d, gpio, src, "pin %d counts no edges", gpio);
		return;
	}
	if (payload_parse_count(src->payload, src->len, &count, why,
				sizeof(why))) {
		command_reject(d, gpio, src, "%s", why);
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

/* Carry out one queued command for dp, the pin it names (NULL: none). */
static void command_run(struct daemon *d, const struct command *c,
			struct daemon_pin *dp)
{
	char topic[TOPIC_MAX];
	struct command_source src = { topic, c->payload, c->len };

	topic_pin(topic, sizeof(topic), d->cfg->mqtt.topic_prefix,
		  (unsigned int)c->gpio,
		  c->kind == TOPIC_SET ? "set" : "count/set");
	if (!dp)
		command_reject(d, c->gpio, &src, "pin %d is not configured",
			       c->gpio);
	else if (c->kind == TOPIC_SET)
		command_set(d, dp, &src);
	else
		command_count_set(d, dp, &src);
}

/* The outputs a batch of commands changed: their state, once each. */
static void command_publish_states(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_pins; i++)
		if (d->pins[i].state_dirty &&
		    d->pins[i].cfg->direction == CONFIG_DIR_OUT)
			daemon_publish_state(&d->pins[i]);
}

static void command_on_idle(uv_idle_t *idle)
{
	struct daemon *d = idle->data;
	struct command_queue *q = &d->commands;
	struct daemon_pin *dp;
	struct command *c;
	unsigned int n;

	if (d->stopping) {
		log_warn("%zu commands not carried out: stopping", q->len);
		q->len = 0;
		uv_idle_stop(idle);
		return;
	}
	q->turn++;
	for (n = 0; n < COMMAND_BATCH && q->len; n++) {
		c = &q->items[q->head];
		dp = daemon_find_pin(d, c->gpio);
		/* a second change of an output waits for the next turn, so
		 * that the inputs it drives are read between the two and each
		 * change has its state message */
		if (c->kind == TOPIC_SET && dp && dp->set_turn == q->turn)
			break;
		command_run(d, c, dp);
		q->head = (q->head + 1) % COMMAND_QUEUE_MAX;
		q->len--;
	}
	command_publish_states(d);
	if (!q->len) {
		/* start again at the front, so that the commands of a quiet
		 * day keep using the same few pages of the queue */
		q->head = 0;
		uv_idle_stop(idle);
	}
}

/* Queue a command; false when the queue is full or cannot be had. */
static bool command_queue(struct daemon *d, const struct topic_parsed *t,
			  const struct mosquitto_message *msg)
{
	struct command_queue *q = &d->commands;
	struct command *c;

	if (!q->items)
		q->items = malloc(COMMAND_QUEUE_MAX * sizeof(*q->items));
	if (!q->items || q->len == COMMAND_QUEUE_MAX)
		return false;

	c = &q->items[(q->head + q->len++) % COMMAND_QUEUE_MAX];
	c->kind = t->kind;
	c->gpio = t->gpio;
	c->len = (size_t)msg->payloadlen;
	if (c->len)
		memcpy(c->payload, msg->payload, c->len);
	uv_idle_start(&q->idle, command_on_idle);
	return true;
}

void command_handle(struct daemon *d, const struct mosquitto_message *msg)
{
	struct topic_parsed t = topic_parse(d->cfg->mqtt.topic_prefix,
					    msg->topic);
	struct command_source src = { msg->topic, msg->payload,
				      (size_t)msg->payloadlen };

	if (t.kind == TOPIC_OUTPUT || t.kind == TOPIC_FOREIGN)
		return;
	if (t.kind == TOPIC_UNKNOWN)
		command_reject(d, t.gpio, &src, "unknown topic");
	else if (msg->retain)
		command_reject(d, t.gpio, &src, "retained command ignored: "
			       "publish commands without the retain flag");
	else if (src.len > PAYLOAD_COMMAND_MAX)
		command_reject(d, t.gpio, &src, "payload too long (%zu bytes, "
			       "at most %d)", src.len, PAYLOAD_COMMAND_MAX);
	else if (!command_queue(d, &t, msg))
		command_reject(d, t.gpio, &src, "too many commands waiting "
			       "(%d): this one is dropped", COMMAND_QUEUE_MAX);
}

void command_init(struct daemon *d)
{
	uv_idle_init(d->loop, &d->commands.idle);
	d->commands.idle.data = d;
}

void command_close(struct daemon *d)
{
	uv_close((uv_handle_t *)&d->commands.idle, NULL);
}

void command_free(struct daemon *d)
{
	free(d->commands.items);
	d->commands.items = NULL;
}
