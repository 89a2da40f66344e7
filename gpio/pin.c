/* pin.c: set-up, edge watching, fault detection and recovery of one pin. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoff.h"
#include "pin.h"
#include "sysfs.h"

#define PIN_ATTR_MAX 32		/* room for the text of an attribute */

enum pin_state {
	PIN_STARTING,	/* not set up yet, no fault reported */
	PIN_READY,	/* set up; an input with edges is being watched */
	PIN_FAULTED,	/* torn down, a retry is scheduled */
	PIN_CLOSING,
};

struct pin {
	uv_loop_t *loop;
	struct config_pin cfg;
	char *root;
	const struct pin_ops *ops;
	void *data;

	enum pin_state state;
	int number;		/* sysfs number, -1 until resolved */
	int fd;			/* the value fd this pin owns, or -1 */
	dev_t dev;		/* what fd refers to */
	ino_t ino;
	uv_poll_t *poll;	/* watches fd; NULL when not watching */
	uv_timer_t retry;
	struct backoff backoff;
	uint64_t exported_ms;	/* when we exported it, 0 if we did not */
	int level;		/* last level read or set, -1 when unknown */
	int wanted;		/* level asked of an output, -1 for none */
	char fault[192];
};

static bool pin_is_output(const struct pin *pin)
{
	return pin->cfg.direction == CONFIG_DIR_OUT;
}

static bool pin_watches_edges(const struct pin *pin)
{
	return !pin_is_output(pin) && pin->cfg.edge != CONFIG_EDGE_NONE;
}

static uint64_t pin_now_ms(void)
{
	return uv_hrtime() / 1000000;
}

/* Remember what went wrong, as "what: strerror" (err 0: "what" alone). */
static int pin_note(struct pin *pin, int err, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pin->fault, sizeof(pin->fault), fmt, ap);
	va_end(ap);

	len = strlen(pin->fault);
	if (err && len < sizeof(pin->fault))
		snprintf(pin->fault + len, sizeof(pin->fault) - len, ": %s",
			 strerror(-err));
	return err ? err : -EIO;
}

static int pin_find_number(struct pin *pin, unsigned int *number)
{
	int err;

	*number = pin->cfg.number;
	if (!pin->cfg.chip[0])
		return 0;

	err = sysfs_resolve(pin->root, pin->cfg.chip, pin->cfg.number,
			    number);
	if (err == -ENOENT)
		return pin_note(pin, err, "no gpiochip labelled '%s'",
				pin->cfg.chip);
	if (err == -ERANGE)
		return pin_note(pin, 0, "offset %u is beyond gpiochip '%s'",
				pin->cfg.number, pin->cfg.chip);
	if (err)
		return pin_note(pin, err, "cannot read the gpiochips");
	return 0;
}

static int pin_resolve(struct pin *pin)
{
	unsigned int number;
	int err;

	err = pin_find_number(pin, &number);
	if (err)
		return err;
	if (pin->ops->claim && !pin->ops->claim(pin, (int)number, pin->data))
		return pin_note(pin, 0, "sysfs gpio%u is another configured "
				"pin already; this one is not used", number);
	pin->number = (int)number;
	return 0;
}

static int pin_export(struct pin *pin)
{
	int err;

	if (sysfs_is_exported(pin->root, pin->number))
		return 0;

	err = sysfs_export(pin->root, pin->number);
	if (err == -EBUSY && sysfs_is_exported(pin->root, pin->number))
		return 0;
	if (err == -EBUSY)
		return pin_note(pin, err, "export failed (the pin is held by "
				"a driver or the character device)");
	if (err == -EINVAL)
		return pin_note(pin, err, "export of gpio%d failed (no such "
				"line? with Linux 6.6 and later, numbers moved: "
				"see 'chip =')", pin->number);
	if (err)
		return pin_note(pin, err, "export failed");

	pin->exported_ms = pin_now_ms();
	return 0;
}

/* Read attribute ATTR into have[PIN_ATTR_MAX], noting a failure. */
static int pin_read_attr(struct pin *pin, const char *attr, char *have)
{
	int err = sysfs_read_attr(pin->root, pin->number, attr, have,
				  PIN_ATTR_MAX);

	return err < 0 ? pin_note(pin, err, "read '%s' failed", attr) : 0;
}

/* Make ATTR read 'want', writing it only when it differs. */
static int pin_ensure_attr(struct pin *pin, const char *attr,
			   const char *want)
{
	char have[PIN_ATTR_MAX];
	int err;

	err = pin_read_attr(pin, attr, have);
	if (err)
		return err;
	if (!strcmp(have, want))
		return 0;

	err = sysfs_write_attr(pin->root, pin->number, attr, want);
	if (err)
		return pin_note(pin, err, "write '%s' failed", attr);
	return 0;
}

/*
 * The logical level an output is to start at, or -1 to keep the level of
 * a pin that is already an output. The direction words "low" and "high"
 * set the physical level, so with active_low they are swapped.
 */
static int pin_output_start_level(struct pin *pin, bool is_output)
{
	if (pin->wanted >= 0)
		return pin->wanted;
	if (pin->cfg.initial == CONFIG_INITIAL_HIGH)
		return 1;
	if (pin->cfg.initial == CONFIG_INITIAL_LOW)
		return 0;
	return is_output ? -1 : 0;
}

static int pin_set_direction(struct pin *pin)
{
	char have[PIN_ATTR_MAX];
	const char *word;
	int err, level;

	if (!pin_is_output(pin))
		return pin_ensure_attr(pin, "direction", "in");

	err = pin_read_attr(pin, "direction", have);
	if (err)
		return err;

	level = pin_output_start_level(pin, !strcmp(have, "out"));
	if (level < 0)
		return 0;

	word = (level ^ pin->cfg.active_low) ? "high" : "low";
	err = sysfs_write_attr(pin->root, pin->number, "direction", word);
	if (err)
		return pin_note(pin, err, "write 'direction' failed");
	return 0;
}

static int pin_configure(struct pin *pin)
{
	int err;

	err = pin_ensure_attr(pin, "active_low",
			      pin->cfg.active_low ? "1" : "0");
	if (!err)
		err = pin_set_direction(pin);
	if (!err && !pin_is_output(pin))
		err = pin_ensure_attr(pin, "edge",
				      config_edge_name(pin->cfg.edge));
	return err;
}

static void pin_on_poll(uv_poll_t *handle, int status, int events);

static void pin_free_handle(uv_handle_t *handle)
{
	free(handle);
}

static int pin_watch(struct pin *pin)
{
	int err;

	pin->poll = malloc(sizeof(*pin->poll));
	if (!pin->poll)
		return pin_note(pin, -ENOMEM, "cannot watch 'value'");

	err = uv_poll_init(pin->loop, pin->poll, pin->fd);
	if (err) {
		free(pin->poll);
		pin->poll = NULL;
		return pin_note(pin, err, "cannot poll 'value'");
	}
	pin->poll->data = pin;

	err = uv_poll_start(pin->poll, UV_PRIORITIZED, pin_on_poll);
	if (err)
		return pin_note(pin, err, "cannot poll 'value'");
	return 0;
}

/* Open value, note what it is, and consume the event a fresh fd reports. */
static int pin_open(struct pin *pin)
{
	struct stat st;
	int level;

	pin->fd = sysfs_open_value(pin->root, pin->number, pin_is_output(pin));
	if (pin->fd < 0) {
		int err = pin->fd;

		pin->fd = -1;
		return pin_note(pin, err, "open 'value' failed");
	}

	if (fstat(pin->fd, &st)) {
		int err = -errno;

		close(pin->fd);
		pin->fd = -1;
		return pin_note(pin, err, "fstat 'value' failed");
	}
	pin->dev = st.st_dev;
	pin->ino = st.st_ino;

	level = sysfs_read_level(pin->fd);
	if (level < 0)
		return pin_note(pin, level, "read 'value' failed");
	pin->level = level;

	return pin_watches_edges(pin) ? pin_watch(pin) : 0;
}

/*
 * Whether fd is still the value file this pin opened: not when it was
 * closed behind our back (EBADF) or now refers to another file. An fd
 * whose file system is gone (ENOTCONN…) is still ours to close.
 */
static bool pin_owns_fd(const struct pin *pin)
{
	struct stat st;

	if (fstat(pin->fd, &st))
		return errno != EBADF;
	return st.st_dev == pin->dev && st.st_ino == pin->ino;
}

/*
 * Stop watching, then close the fd, in that order. A descriptor that no
 * longer refers to our value file is somebody else's now: forget it,
 * never close it.
 */
static void pin_teardown(struct pin *pin)
{
	if (pin->poll) {
		uv_close((uv_handle_t *)pin->poll, pin_free_handle);
		pin->poll = NULL;
	}
	if (pin->fd >= 0 && pin_owns_fd(pin))
		close(pin->fd);
	pin->fd = -1;
}

static void pin_on_retry(uv_timer_t *timer);

static void pin_schedule(struct pin *pin, uint64_t delay_ms)
{
	uv_timer_start(&pin->retry, pin_on_retry, delay_ms, 0);
}

/* The pin went bad: tear down, report once, retry with backoff. */
static void pin_fail(struct pin *pin)
{
	bool first = pin->state != PIN_FAULTED;

	pin_teardown(pin);
	pin->state = PIN_FAULTED;
	pin_schedule(pin, backoff_next(&pin->backoff));
	if (first)
		pin->ops->on_fault(pin, pin->data);
}

static bool pin_in_udev_race(const struct pin *pin, int err)
{
	return err == -EACCES && pin->exported_ms &&
	       pin_now_ms() - pin->exported_ms < PIN_UDEV_GRACE_MS;
}

static void pin_setup(struct pin *pin)
{
	int err;

	err = pin_resolve(pin);
	if (!err)
		err = pin_export(pin);
	if (!err)
		err = pin_configure(pin);
	if (!err)
		err = pin_open(pin);

	if (err && pin_in_udev_race(pin, err)) {
		pin_teardown(pin);
		pin_schedule(pin, PIN_UDEV_RETRY_MS);
		return;
	}
	if (err) {
		pin_fail(pin);
		return;
	}

	pin->state = PIN_READY;
	pin->exported_ms = 0;
	backoff_reset(&pin->backoff);
	pin->ops->on_ready(pin, pin->level, pin->data);
}

static void pin_on_retry(uv_timer_t *timer)
{
	pin_setup(timer->data);
}

static void pin_on_poll(uv_poll_t *handle, int status, int events)
{
	struct pin *pin = handle->data;
	struct pin_wakeup w;
	int level;

	(void)events;
	if (status < 0) {
		pin_note(pin, status, "poll on 'value' failed");
		pin_fail(pin);
		return;
	}

	clock_gettime(CLOCK_REALTIME, &w.ts);
	level = sysfs_read_level(pin->fd);
	if (level < 0) {
		pin_note(pin, level, "read 'value' failed");
		pin_fail(pin);
		return;
	}

	w.event = edge_classify(pin->cfg.edge, pin->level, level);
	w.level = level;
	pin->level = level;
	pin->ops->on_edge(pin, &w, pin->data);
}

int pin_new(uv_loop_t *loop, const char *root, const struct config_pin *cfg,
	    const struct pin_ops *ops, void *data, struct pin **out)
{
	struct pin *pin;

	pin = calloc(1, sizeof(*pin));
	if (!pin)
		return -ENOMEM;
	pin->root = strdup(root);
	if (!pin->root) {
		free(pin);
		return -ENOMEM;
	}

	pin->loop = loop;
	pin->cfg = *cfg;
	pin->ops = ops;
	pin->data = data;
	pin->state = PIN_STARTING;
	pin->number = -1;
	pin->fd = -1;
	pin->level = -1;
	pin->wanted = -1;
	backoff_init(&pin->backoff, PIN_RETRY_FIRST_MS, PIN_RETRY_MAX_MS,
		     cfg->number * 2654435761u ^ (uint32_t)uv_hrtime());
	uv_timer_init(loop, &pin->retry);
	pin->retry.data = pin;
	*out = pin;
	return 0;
}

void pin_start(struct pin *pin)
{
	pin_setup(pin);
}

/* Compare one attribute with what the pin was set up with. */
static int pin_check_attr(struct pin *pin, const char *attr,
			  const char *want)
{
	char have[PIN_ATTR_MAX];
	int err;

	err = pin_read_attr(pin, attr, have);
	if (err)
		return err;
	if (strcmp(have, want))
		return pin_note(pin, 0, "%s changed to '%s' behind our back",
				attr, have);
	return 0;
}

static int pin_check_fd(struct pin *pin)
{
	char path[SYSFS_PATH_MAX];
	struct stat st;
	int err;

	if (fstat(pin->fd, &st))
		return pin_note(pin, -errno, "fd %d of 'value' is not valid",
				pin->fd);
	if (st.st_dev != pin->dev || st.st_ino != pin->ino)
		return pin_note(pin, 0, "fd %d no longer refers to 'value'",
				pin->fd);

	err = sysfs_attr_path(pin->root, pin->number, "value", path,
			      sizeof(path));
	if (!err && stat(path, &st))
		return pin_note(pin, -errno, "'gpio%d' is gone", pin->number);
	if (!err && (st.st_dev != pin->dev || st.st_ino != pin->ino))
		return pin_note(pin, 0, "'gpio%d/value' was replaced (pin "
				"exported again behind our back)",
				pin->number);
	return err;
}

void pin_check(struct pin *pin)
{
	int err;

	if (pin->state != PIN_READY)
		return;

	err = pin_check_fd(pin);
	if (!err)
		err = pin_check_attr(pin, "direction",
				     pin_is_output(pin) ? "out" : "in");
	if (!err && !pin_is_output(pin))
		err = pin_check_attr(pin, "edge",
				     config_edge_name(pin->cfg.edge));
	if (!err)
		err = pin_check_attr(pin, "active_low",
				     pin->cfg.active_low ? "1" : "0");
	if (err)
		pin_fail(pin);
}

int pin_set(struct pin *pin, int level)
{
	int err;

	if (!pin_is_output(pin))
		return -EPERM;

	pin->wanted = level ? 1 : 0;
	if (pin->state != PIN_READY)
		return -EAGAIN;

	err = sysfs_write_level(pin->fd, pin->wanted);
	if (err) {
		pin_note(pin, err, "write 'value' failed");
		pin_fail(pin);
		return err;
	}
	pin->level = pin->wanted;
	return 0;
}

int pin_refresh(struct pin *pin)
{
	int level;

	if (pin->state != PIN_READY)
		return -EAGAIN;
	/* a read would swallow the event the watcher is waiting for */
	if (pin_watches_edges(pin))
		return pin->level;

	level = sysfs_read_level(pin->fd);
	if (level < 0) {
		pin_note(pin, level, "read 'value' failed");
		pin_fail(pin);
		return level;
	}
	pin->level = level;
	return level;
}

int pin_level(const struct pin *pin)
{
	return pin->state == PIN_READY ? pin->level : -1;
}

bool pin_is_ready(const struct pin *pin)
{
	return pin->state == PIN_READY;
}

const struct config_pin *pin_config(const struct pin *pin)
{
	return &pin->cfg;
}

int pin_sysfs_number(const struct pin *pin)
{
	return pin->number;
}

const char *pin_fault_text(const struct pin *pin)
{
	return pin->fault;
}

static void pin_on_closed(uv_handle_t *handle)
{
	struct pin *pin = handle->data;

	free(pin->root);
	free(pin);
}

void pin_close(struct pin *pin)
{
	pin->state = PIN_CLOSING;
	pin_teardown(pin);
	uv_close((uv_handle_t *)&pin->retry, pin_on_closed);
}
