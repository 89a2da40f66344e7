/* pin.h: one configured GPIO pin and its edge watcher. A pin exports and
 * configures itself through sysfs, owns its value fd and the poll handle
 * that watches it, notices when either goes bad, and sets itself up again
 * with backoff. It knows nothing of MQTT: it reports through callbacks. */
#ifndef GB_PIN_H
#define GB_PIN_H

#include <stdbool.h>
#include <time.h>
#include <uv.h>

#include "config.h"
#include "edge.h"

struct pin;

/* One wake-up of an input pin's value fd. */
struct pin_wakeup {
	struct edge_event event;
	int level;		/* the logical level read */
	struct timespec ts;	/* CLOCK_REALTIME at the wake-up */
};

/*
 * What a pin reports to its owner. Each callback may call pin_set,
 * pin_level and pin_fault_text, but not pin_close.
 */
struct pin_ops {
	/* An input pin woke up (edge != none). */
	void (*on_edge)(struct pin *pin, const struct pin_wakeup *w,
			void *data);
	/* The pin became usable, at start-up or after a fault. */
	void (*on_ready)(struct pin *pin, int level, void *data);
	/* The pin went bad; pin_fault_text says how. It is being retried. */
	void (*on_fault)(struct pin *pin, void *data);
	/* May this pin use sysfs gpio 'number'? Optional: two configured
	 * pins must not be one line. */
	bool (*claim)(struct pin *pin, int number, void *data);
};

/* Retry delays after a fault, and how long to retry EACCES after export. */
#define PIN_RETRY_FIRST_MS 100
#define PIN_RETRY_MAX_MS 10000
#define PIN_UDEV_GRACE_MS 2000
#define PIN_UDEV_RETRY_MS 50

/*
 * Create the watcher of pin 'cfg' (copied) under sysfs 'root'. Nothing is
 * touched until pin_start. Returns 0 or -ENOMEM. The pin belongs to the
 * caller, who ends it with pin_close.
 */
int pin_new(uv_loop_t *loop, const char *root, const struct config_pin *cfg,
	    const struct pin_ops *ops, void *data, struct pin **out);

/*
 * Set the pin up: export it if needed, write active_low, direction and
 * edge, open value, consume the event a fresh fd reports, and start
 * watching. On failure the pin reports a fault and retries by itself.
 */
void pin_start(struct pin *pin);

/*
 * Check that the pin is still what it was set up as: its fd still refers
 * to the current value file, the pin is still exported, and nobody changed
 * its direction, edge or active_low. Any difference is a fault.
 */
void pin_check(struct pin *pin);

/* Drive an output to a logical level. -EPERM on an input, -EAGAIN while
 * the pin is faulted (the level is applied when it recovers). */
int pin_set(struct pin *pin, int level);

/* Read the level now (an output's or an input without edge). Returns 0, 1
 * or -errno; a failed read is also reported as a fault. */
int pin_refresh(struct pin *pin);

/* The last level read or set, or -1 when unknown. */
int pin_level(const struct pin *pin);

bool pin_is_ready(const struct pin *pin);
const struct config_pin *pin_config(const struct pin *pin);

/* The sysfs number the pin resolved to, or -1 before it did. */
int pin_sysfs_number(const struct pin *pin);

/* What went wrong last, e.g. "read 'value' failed: No such device". */
const char *pin_fault_text(const struct pin *pin);

/*
 * Stop watching, close the fd, and free the pin once libuv has released
 * its handles (the loop must run for that). Never unexports the pin.
 */
void pin_close(struct pin *pin);

#endif
