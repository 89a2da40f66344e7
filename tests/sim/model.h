/*
 * The simulated GPIO lines and their sysfs attributes, with the kernel's
 * rules (Linux 6.1 gpiolib-sysfs, kernfs, gpio-sim) and no FUSE in sight.
 * Every function expects the caller to hold the simulator's one lock.
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a file or directory of the tree is. */
enum model_node {
	MODEL_ROOT,
	MODEL_EXPORT,
	MODEL_UNEXPORT,
	MODEL_CHIP_DIR,
	MODEL_CHIP_BASE,
	MODEL_CHIP_LABEL,
	MODEL_CHIP_NGPIO,
	MODEL_PIN_DIR,
	MODEL_DIRECTION,
	MODEL_VALUE,
	MODEL_EDGE,
	MODEL_ACTIVE_LOW,
	MODEL_SIM_DIR,
	MODEL_CONTROL,
	MODEL_STATS,
};

/* Edge settings as bits, like the kernel's GPIO_IRQF_TRIGGER_*. */
enum {
	MODEL_EDGE_NONE = 0,
	MODEL_EDGE_FALLING = 1,
	MODEL_EDGE_RISING = 2,
	MODEL_EDGE_BOTH = 3,
};

struct model_chip {
	char label[32];
	unsigned base;
	unsigned ngpio;
	size_t first;		/* index of its first line in model.pins */
};

struct model_stats {
	uint64_t edges;		/* level changes the simulator drove */
	uint64_t events;	/* edges that bumped the event counter */
	uint64_t notifications;	/* poll notifications sent */
	uint64_t reads;		/* read requests on value */
	uint64_t writes;	/* write requests on value */
	uint64_t exports;	/* successful exports */
	uint64_t failures;	/* reads failed on purpose (fail) */
};

struct model_file;

/* One line. The fields from out to writable_at belong to the export. */
struct model_pin {
	unsigned num;
	struct model_chip *chip;
	int pull;		/* level driven from outside the chip */
	uint64_t instance;	/* of the current export, 0 if none */
	bool out;
	int out_level;		/* physical level driven as an output */
	unsigned edge;
	bool active_low;
	uint64_t event;		/* value's event counter */
	int64_t writable_at;	/* CLOCK_MONOTONIC ns, --export-delay-ms */
	struct model_file *files;	/* open files of this pin */
	int fail_errno;
	uint64_t fail_count;
	FILE *log;
	bool busy;		/* a train or replay drives it */
	struct model_stats st;
};

struct model_wire {
	size_t out;
	size_t in;
};

/*
 * The whole simulated machine. notify() is called for an open value file
 * with a poll waiter when its event counter moves; drop_waiter() when a
 * waiter is no longer needed. Both receive cb_arg.
 */
struct model {
	struct model_chip *chips;
	size_t nchips;
	struct model_pin *pins;
	size_t npins;
	struct model_wire *wires;
	size_t nwires;
	uint64_t next_instance;
	unsigned export_delay_ms;
	bool keep_direction;	/* an output stays one across unexport */
	void (*notify)(struct model_file *f, void *cb_arg);
	void (*drop_waiter)(void *waiter, void *cb_arg);
	void *cb_arg;
};

/*
 * An open file. The opener fills in node, pin or chip and instance, then
 * calls model_open(); model_close() undoes it. The opener owns the memory.
 */
struct model_file {
	enum model_node node;
	struct model_pin *pin;		/* for a line's attributes */
	struct model_chip *chip;	/* for a chip's attributes */
	uint64_t instance;
	uint64_t seen;		/* event counter at the last read */
	bool notified;		/* notified since the last poll */
	void *waiter;		/* poll handle, for drop_waiter() */
	char *snap;		/* stats text of the last read at offset 0 */
	size_t snap_len;
	struct model_file *next;
	struct model_file **pprev;
};

/* Set up the lines of chips (sorted, not overlapping); 0 or -ENOMEM. */
int model_init(struct model *m, const struct model_chip *chips,
	       size_t nchips, unsigned export_delay_ms);
void model_fini(struct model *m);

/* The line numbered num, or NULL. */
struct model_pin *model_pin(struct model *m, unsigned long num);

bool model_file_dead(const struct model_file *f);

/* Check access (O_RDONLY, O_WRONLY or O_RDWR) and register f. */
int model_open(struct model *m, struct model_file *f, int accmode);
void model_close(struct model *m, struct model_file *f);

/* Read like sysfs: bytes copied to buf, or -errno. */
int model_read(struct model *m, struct model_file *f, char *buf,
	       size_t size, uint64_t off);

/* Store the NUL-terminated text buf into f's attribute: 0 or -errno. */
int model_write(struct model *m, struct model_file *f, const char *buf);

/* The poll mask of f, as kernfs reports it. */
unsigned model_poll(struct model *m, struct model_file *f);

/* Drive the outside level of a line; edges follow the kernel's rules. */
void model_set_pull(struct model *m, struct model_pin *p, int level);

/* Connect output out to input in; 0 or -ENOMEM. */
int model_wire(struct model *m, struct model_pin *out, struct model_pin *in);

/* Take the line away as an unexport does; -EINVAL if not exported. */
int model_unexport_pin(struct model *m, struct model_pin *p);

/* The physical level of a line: driven output or outside level. */
int model_level(const struct model_pin *p);

/* Monotonic clock in nanoseconds. */
int64_t model_now(void);

#endif
