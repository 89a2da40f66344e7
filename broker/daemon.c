/* daemon.c: the daemon's life: start-up, pin events, what is published
 * when, the periodic tick, and a clean stop. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "notify.h"

#define DAEMON_TICK_MAX_MS 1000
#define DAEMON_STALL_MS 50	/* a later tick is logged at debug level */
#define DAEMON_STALL_WARN_MS 500	/* and this late, as a warning */

static void daemon_notify(const char *state)
{
	int err = notify_send(state);

	if (err)
		log_debug("cannot notify systemd: %s", strerror(-err));
}

struct daemon_pin *daemon_find_pin(struct daemon *d, int gpio)
{
	size_t lo = 0, hi = d->n_pins, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((int)d->pins[mid].cfg->number == gpio)
			return &d->pins[mid];
		if ((int)d->pins[mid].cfg->number < gpio)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void daemon_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

void daemon_publish_state(struct daemon_pin *dp)
{
	struct daemon *d = dp->d;
	struct timespec ts;
	int level, n;

	if (!dp->pin || !session_online(d->session))
		return;

	level = pin_level(dp->pin);
	daemon_now(&ts);
	n = payload_state(dp->buf, sizeof(dp->buf), dp->head,
			  config_direction_name(dp->cfg->direction), level,
			  dp->faulted ? pin_fault_text(dp->pin) : NULL, &ts);
	if (n > 0 && !session_publish(d->session, dp->topic_state, dp->buf,
				      (size_t)n, true)) {
		dp->state_dirty = false;
		dp->published_level = level;
	}
}

void daemon_publish_count(struct daemon_pin *dp)
{
	struct daemon *d = dp->d;
	struct payload_counts c = {
		dp->counts->count, dp->counts->missed, dp->counts->faults,
		dp->counts->dropped,
	};
	struct timespec ts;
	int n;

	if (!dp->counting || !session_online(d->session))
		return;

	daemon_now(&ts);
	n = payload_count(dp->buf, sizeof(dp->buf), dp->head, &c, &ts);
	if (n > 0 && !session_publish(d->session, dp->topic_count, dp->buf,
				      (size_t)n, true))
		dp->count_dirty = false;
}

static void daemon_publish_error(struct daemon_pin *dp, const char *error)
{
	int n;

	n = payload_error(dp->buf, sizeof(dp->buf), (int)dp->cfg->number,
			  NULL, error, NULL, 0);
	if (n > 0)
		session_publish(dp->d->session, dp->topic_error, dp->buf,
				(size_t)n, false);
}

static int daemon_send_edge(struct daemon *d, const struct queue_item *it)
{
	struct daemon_pin *dp = &d->pins[it->pin];
	int n;

	n = payload_edge(dp->buf, sizeof(dp->buf), dp->head,
			 edge_kind_name(it->kind), it->level, it->count,
			 &it->ts);
	if (n < 0)
		return -ENOSPC;
	return session_publish(d->session, dp->topic_edge, dp->buf,
			       (size_t)n, false);
}

/* An edge message is lost: count it against its pin. */
static void daemon_drop_edge(struct daemon *d, uint32_t pin)
{
	struct daemon_pin *dp = &d->pins[pin];

	dp->counts->dropped++;
	counts_commit(d->counts, dp->index);
	dp->count_dirty = true;
}

/* Keep an edge message for later; a full queue drops its oldest. */
static void daemon_queue_edge(struct daemon *d, const struct queue_item *it)
{
	struct queue_item dropped;

	if (queue_push(&d->queue, it, &dropped))
		daemon_drop_edge(d, dropped.pin);
}

/* Publish an edge message, or keep it while offline; the broker refusing
 * it (too big) loses it, counted. */
static void daemon_publish_edge(struct daemon *d, const struct queue_item *it)
{
	int rc = queue_empty(&d->queue) ? daemon_send_edge(d, it) : -ENOTCONN;

	if (rc == -ENOTCONN)
		daemon_queue_edge(d, it);
	else if (rc)
		daemon_drop_edge(d, it->pin);
}

static void daemon_flush_queue(struct daemon *d)
{
	struct queue_item it;
	size_t sent = 0;
	int rc;

	while (session_online(d->session) && queue_pop(&d->queue, &it)) {
		rc = daemon_send_edge(d, &it);
		if (rc == -ENOTCONN) {
			daemon_queue_edge(d, &it);
			break;
		}
		if (rc)
			daemon_drop_edge(d, it.pin);
		else
			sent++;
	}
	if (sent)
		log_info("sent %zu edge messages kept while offline", sent);
}

static void daemon_on_edge(struct pin *pin, const struct pin_wakeup *w,
			   void *data)
{
	struct daemon_pin *dp = data;
	struct daemon *d = dp->d;
	struct queue_item it;

	(void)pin;
	if (!w->event.counted) {
		dp->counts->missed += w->event.missed;
		counts_commit(d->counts, dp->index);
		dp->count_dirty = true;
		return;
	}

	dp->counts->count++;
	counts_commit(d->counts, dp->index);
	dp->count_dirty = true;

	it = (struct queue_item){
		.count = dp->counts->count, .ts = w->ts,
		.pin = (uint32_t)dp->index, .kind = (uint8_t)w->event.kind,
		.level = (uint8_t)w->level,
	};
	daemon_publish_edge(d, &it);
}

static void daemon_on_ready(struct pin *pin, int level, void *data)
{
	struct daemon_pin *dp = data;
	double secs;

	if (dp->faulted) {
		secs = (double)(uv_now(dp->d->loop) - dp->faulted_at) / 1000;
		log_notice("gpio %u: recovered after %.1f s, level %d",
			   dp->cfg->number, secs, level);
	} else {
		log_debug("gpio %u: ready as sysfs gpio%d, %s, level %d",
			  dp->cfg->number, pin_sysfs_number(pin),
			  config_direction_name(dp->cfg->direction), level);
	}
	dp->faulted = false;
	dp->state_dirty = true;
	daemon_publish_state(dp);
}

static void daemon_on_fault(struct pin *pin, void *data)
{
	struct daemon_pin *dp = data;
	struct daemon *d = dp->d;

	dp->faulted = true;
	dp->faulted_at = uv_now(d->loop);
	dp->counts->faults++;
	counts_commit(d->counts, dp->index);
	dp->count_dirty = true;
	dp->state_dirty = true;

	log_error("gpio %u: %s; retrying", dp->cfg->number,
		  pin_fault_text(pin));
	daemon_publish_error(dp, pin_fault_text(pin));
	daemon_publish_state(dp);
	daemon_publish_count(dp);
}

/* Two configured pins may be one line (a number, and a chip label and
 * offset): the first to set up keeps it. */
static bool daemon_claim(struct pin *pin, int number, void *data)
{
	struct daemon_pin *dp = data;
	size_t i;

	for (i = 0; i < dp->d->n_pins; i++) {
		struct pin *other = dp->d->pins[i].pin;

		if (other && other != pin && pin_sysfs_number(other) == number)
			return false;
	}
	return true;
}

static const struct pin_ops daemon_pin_ops = {
	.on_edge = daemon_on_edge,
	.on_ready = daemon_on_ready,
	.on_fault = daemon_on_fault,
	.claim = daemon_claim,
};

static void daemon_on_online(void *data)
{
	struct daemon *d = data;
	size_t i;

	for (i = 0; i < d->n_pins; i++) {
		daemon_publish_state(&d->pins[i]);
		daemon_publish_count(&d->pins[i]);
	}
	daemon_flush_queue(d);
	daemon_notify("STATUS=connected");
}

static void daemon_on_offline(void *data)
{
	(void)data;
	daemon_notify("STATUS=reconnecting to the broker");
}

static void daemon_on_message(const struct mosquitto_message *msg,
			      void *data)
{
	struct daemon *d = data;

	if (!d->stopping)
		command_handle(d, msg);
}

static void daemon_close(struct daemon *d);

static void daemon_on_stopped(void *data)
{
	daemon_close(data);
}

static const struct session_ops daemon_session_ops = {
	.on_online = daemon_on_online,
	.on_offline = daemon_on_offline,
	.on_message = daemon_on_message,
	.on_stopped = daemon_on_stopped,
};

/* Publish what changed: counts, and levels read now. */
static void daemon_publish_changes(struct daemon *d)
{
	struct daemon_pin *dp;
	size_t i;
	int level;

	for (i = 0; i < d->n_pins; i++) {
		dp = &d->pins[i];
		if (dp->count_dirty)
			daemon_publish_count(dp);
		level = pin_refresh(dp->pin);
		if (level >= 0 && level != dp->published_level)
			dp->state_dirty = true;
		if (dp->state_dirty)
			daemon_publish_state(dp);
	}
}

static void daemon_on_fsynced(uv_fs_t *req)
{
	struct daemon *d = req->data;

	if (req->result < 0)
		log_error("cannot sync state file '%s': %s",
			  d->cfg->gpio.state_file,
			  uv_strerror((int)req->result));
	uv_fs_req_cleanup(req);
	d->fsync_busy = false;
}

/* Flush the counters to disk, off the loop, when they changed. */
static void daemon_sync_counts(struct daemon *d)
{
	int fd = counts_fd(d->counts);

	if (fd < 0 || d->fsync_busy || !counts_dirty(d->counts))
		return;
	counts_mark_synced(d->counts);
	d->fsync_req.data = d;
	if (uv_fs_fsync(d->loop, &d->fsync_req, fd, daemon_on_fsynced) == 0)
		d->fsync_busy = true;
}

/* How late the tick came shows how long the loop was kept from running. */
static void daemon_note_stall(struct daemon *d, uint64_t now)
{
	uint64_t late = now > d->tick_due ? now - d->tick_due : 0;

	if (late > d->longest_stall)
		d->longest_stall = late;
	if (late > DAEMON_STALL_WARN_MS)
		log_warn("the event loop was held up for %" PRIu64 " ms: "
			 "edges may have been lost meanwhile", late);
	else if (late > DAEMON_STALL_MS)
		log_debug("the event loop ran %" PRIu64 " ms late", late);
	d->tick_due = now + d->tick_ms;
}

/*
 * Self-check the pins in turn, spread over the ticks: each pin about once
 * per self_check_interval_ms, and no tick stalls the loop checking them
 * all at once.
 */
static void daemon_check_some(struct daemon *d)
{
	uint64_t interval = d->cfg->gpio.self_check_interval_ms;

	if (!interval || !d->n_pins)
		return;
	d->check_credit += d->n_pins * d->tick_ms;
	while (d->check_credit >= interval) {
		d->check_credit -= interval;
		pin_check(d->pins[d->check_next].pin);
		d->check_next = (d->check_next + 1) % d->n_pins;
	}
}

static void daemon_on_tick(uv_timer_t *timer)
{
	struct daemon *d = timer->data;
	const struct config_gpio *g = &d->cfg->gpio;
	uint64_t now = uv_now(d->loop);

	daemon_note_stall(d, now);
	command_flush_log(d, false);
	session_tick(d->session);
	if (d->stopping)
		return;
	if (now >= d->next_count) {
		d->next_count = now + g->count_interval_ms;
		daemon_publish_changes(d);
	}
	daemon_check_some(d);
	if (now >= d->next_sync) {
		d->next_sync = now + g->state_sync_interval_ms;
		daemon_sync_counts(d);
	}
	daemon_notify("WATCHDOG=1");
}

/* At a stop while offline, the edge messages kept are lost: count them. */
static void daemon_drop_queue(struct daemon *d)
{
	struct queue_item it;
	size_t lost = 0;

	while (queue_pop(&d->queue, &it)) {
		daemon_drop_edge(d, it.pin);
		lost++;
	}
	if (lost)
		log_warn("%zu edge messages kept while offline are lost, "
			 "counted in 'dropped'", lost);
}

/* Stop counting, publish the final counts, then leave the broker. */
static void daemon_stop(struct daemon *d)
{
	size_t i;

	d->stopping = true;
	daemon_notify("STOPPING=1");
	for (i = 0; i < d->n_pins; i++) {
		pin_close(d->pins[i].pin);
		d->pins[i].pin = NULL;
	}
	daemon_drop_queue(d);
	for (i = 0; i < d->n_pins; i++)
		daemon_publish_count(&d->pins[i]);
	session_stop(d->session, false);
}

static void daemon_on_signal(uv_signal_t *handle, int signum)
{
	struct daemon *d = handle->data;

	if (signum == SIGHUP) {
		log_notice("SIGHUP: configuration is read at start-up only; "
			   "restart to apply changes");
		return;
	}
	if (++d->stop_signals == 1) {
		log_info("stopping on %s", strsignal(signum));
		daemon_stop(d);
		return;
	}
	log_warn("stopping now, without waiting for the broker");
	session_stop(d->session, true);
}

static void daemon_close(struct daemon *d)
{
	size_t i;

	command_close(d);
	uv_close((uv_handle_t *)&d->tick, NULL);
	for (i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&d->signals[i], NULL);
	session_close(d->session);
	d->session = NULL;
}

static int daemon_init_pin(struct daemon *d, size_t i)
{
	struct daemon_pin *dp = &d->pins[i];
	const struct config_pin *c = &d->cfg->pins[i];
	const char *prefix = d->cfg->mqtt.topic_prefix;

	dp->d = d;
	dp->index = i;
	dp->cfg = c;
	dp->counts = counts_get(d->counts, i);
	dp->counting = c->direction == CONFIG_DIR_IN &&
		       c->edge != CONFIG_EDGE_NONE;
	dp->published_level = -2;
	if (payload_head(dp->head, sizeof(dp->head), c->number, c->name) < 0 ||
	    topic_pin(dp->topic_edge, TOPIC_MAX, prefix, c->number, "edge") < 0 ||
	    topic_pin(dp->topic_count, TOPIC_MAX, prefix, c->number,
		      "count") < 0 ||
	    topic_pin(dp->topic_state, TOPIC_MAX, prefix, c->number,
		      "state") < 0 ||
	    topic_pin(dp->topic_error, TOPIC_MAX, prefix, c->number,
		      "error") < 0)
		return -ENAMETOOLONG;
	return pin_new(d->loop, d->cfg->gpio.sysfs_root, c, &daemon_pin_ops,
		       dp, &dp->pin);
}

static int daemon_init_pins(struct daemon *d)
{
	size_t i;
	int err;

	d->n_pins = d->cfg->n_pins;
	d->pins = calloc(d->n_pins ? d->n_pins : 1, sizeof(*d->pins));
	if (!d->pins)
		return -ENOMEM;
	for (i = 0; i < d->n_pins; i++) {
		err = daemon_init_pin(d, i);
		if (err)
			return err;
	}
	return 0;
}

static void daemon_init_timers(struct daemon *d)
{
	static const int signums[3] = { SIGTERM, SIGINT, SIGHUP };
	unsigned int tick = d->cfg->gpio.count_interval_ms;
	size_t i;

	if (tick > DAEMON_TICK_MAX_MS)
		tick = DAEMON_TICK_MAX_MS;
	uv_timer_init(d->loop, &d->tick);
	d->tick.data = d;
	uv_timer_start(&d->tick, daemon_on_tick, tick, tick);
	d->tick_ms = tick;
	d->tick_due = uv_now(d->loop) + tick;
	d->next_count = uv_now(d->loop) + d->cfg->gpio.count_interval_ms;

	for (i = 0; i < 3; i++) {
		uv_signal_init(d->loop, &d->signals[i]);
		d->signals[i].data = d;
		uv_signal_start(&d->signals[i], daemon_on_signal, signums[i]);
	}
	topic_global(d->error_topic, sizeof(d->error_topic),
		     d->cfg->mqtt.topic_prefix, "error");
	command_init(d);
}

/* Counts of pins not configured now stay in the state file: say so. */
static void daemon_log_kept(struct daemon *d)
{
	struct counts_values v;
	unsigned int gpio;
	size_t k;

	for (k = 0; k < counts_kept(d->counts); k++) {
		gpio = counts_kept_gpio(d->counts, k, &v);
		log_notice("gpio %u is not configured: its count %" PRIu64
			   " stays in the state file for when it is again",
			   gpio, v.count);
	}
}

static int daemon_open_counts(struct daemon *d, bool reset)
{
	unsigned int *gpios;
	char err[512];
	size_t i;
	int rc;

	gpios = calloc(d->cfg->n_pins ? d->cfg->n_pins : 1, sizeof(*gpios));
	if (!gpios)
		return -ENOMEM;
	for (i = 0; i < d->cfg->n_pins; i++)
		gpios[i] = d->cfg->pins[i].number;
	rc = counts_open(d->cfg->gpio.state_file, gpios, d->cfg->n_pins, reset,
			 &d->counts, err, sizeof(err));
	free(gpios);
	if (!rc)
		daemon_log_kept(d);
	if (rc == -EUCLEAN)
		log_error("%s; refusing to start: run once with "
			  "--reset-counts to start counting from zero", err);
	else if (rc)
		log_error("%s", err);
	return rc;
}

static void daemon_log_counts(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_pins; i++) {
		if (!d->pins[i].counting)
			continue;
		log_info("gpio %u: count %" PRIu64 ", missed %" PRIu64
			 ", faults %" PRIu64 ", dropped %" PRIu64,
			 d->pins[i].cfg->number, d->pins[i].counts->count,
			 d->pins[i].counts->missed, d->pins[i].counts->faults,
			 d->pins[i].counts->dropped);
	}
}

static void daemon_free(struct daemon *d)
{
	if (d->counts)
		counts_close(d->counts);
	queue_free(&d->queue);
	command_free(d);
	free(d->pins);
}

static int daemon_start(struct daemon *d, const struct daemon_options *opt)
{
	char err[512];
	size_t i;

	if (daemon_open_counts(d, opt->reset_counts))
		return -1;
	if (queue_init(&d->queue, d->cfg->mqtt.offline_queue) ||
	    daemon_init_pins(d)) {
		log_error("cannot set up the pins: out of memory");
		return -1;
	}
	if (session_new(d->loop, &d->cfg->mqtt, opt->password,
			&daemon_session_ops, d, &d->session, err,
			sizeof(err))) {
		log_error("%s", err);
		return -1;
	}

	daemon_init_timers(d);
	for (i = 0; i < d->n_pins; i++)
		pin_start(d->pins[i].pin);
	session_start(d->session);
	return 0;
}

/* Close whatever start-up left open, after it failed half way. */
static void daemon_abort(struct daemon *d)
{
	size_t i;

	for (i = 0; d->pins && i < d->n_pins; i++)
		if (d->pins[i].pin)
			pin_close(d->pins[i].pin);
	if (d->session)
		session_close(d->session);
	uv_run(d->loop, UV_RUN_DEFAULT);
}

int daemon_run(const struct config *cfg, const struct daemon_options *opt)
{
	struct daemon d = { .cfg = cfg };
	uv_loop_t loop;
	int rc;

	uv_loop_init(&loop);
	d.loop = &loop;
	if (daemon_start(&d, opt)) {
		daemon_abort(&d);
		uv_loop_close(&loop);
		daemon_free(&d);
		return 1;
	}

	if (!d.n_pins)
		log_warn("no pin is configured: nothing to watch or drive");
	log_info("gpio-broker %s running: %zu pins, state file '%s'",
		 GB_VERSION, d.n_pins,
		 cfg->gpio.state_file[0] ? cfg->gpio.state_file : "(none)");
	daemon_log_counts(&d);
	daemon_notify("READY=1\nSTATUS=running");
	uv_run(&loop, UV_RUN_DEFAULT);

	daemon_log_counts(&d);
	command_flush_log(&d, true);
	log_info("the event loop ran at most %" PRIu64 " ms late",
		 d.longest_stall);
	rc = uv_loop_close(&loop);
	daemon_free(&d);
	if (rc) {
		log_error("event loop still had open handles at exit");
		return 1;
	}
	log_info("stopped");
	return 0;
}
