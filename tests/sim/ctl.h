/* The commands of .sim/control and the text of .sim/stats. */
#ifndef SIM_CTL_H
#define SIM_CTL_H

#include <stddef.h>

#include "model.h"
#include "train.h"

struct ctl {
	struct model *m;
	struct trains *t;
};

/*
 * Run the command in text (one write to the control file; one trailing
 * newline allowed). Returns 0 when done, 1 when it will be answered later
 * through the trains' reply (wait), or -errno: -EINVAL for a bad command,
 * with one line on stderr saying why; -EBUSY when a train drives the pin.
 * The caller holds the simulator's lock.
 */
int ctl_run(struct ctl *c, const char *text, void *req);

/* Write the stats of every line into a new buffer *text; 0 or -ENOMEM. */
int ctl_stats(struct model *m, char **text, size_t *len);

#endif
