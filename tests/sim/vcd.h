/* Value change dump (VCD) reader: one scalar signal as timed level changes. */
#ifndef SIM_VCD_H
#define SIM_VCD_H

#include <stddef.h>
#include <stdint.h>

/* One change of the signal: time since the dump's time 0, and new level. */
struct vcd_change {
	int64_t t_ns;
	int level;
};

/*
 * The changes of one signal, in time order, without repeats of the same
 * level. The first entry is the signal's first value. Owned by the caller,
 * released with vcd_free().
 */
struct vcd_trace {
	struct vcd_change *changes;
	size_t n;
	int64_t end_ns;		/* the dump's last timestamp */
};

/*
 * Parse the VCD text buf (len bytes, named name in messages) and extract the
 * scalar signal whose reference is signal. Returns 0, or -EINVAL with
 * "NAME:LINE: reason" in err, or -ENOMEM. x and z values read as 0.
 */
int vcd_parse(const char *buf, size_t len, const char *name,
	      const char *signal, struct vcd_trace *out,
	      char *err, size_t errlen);

/* Read the file at path and parse it as vcd_parse() does. */
int vcd_load(const char *path, const char *signal, struct vcd_trace *out,
	     char *err, size_t errlen);

/* Release what a successful vcd_parse() or vcd_load() filled in. */
void vcd_free(struct vcd_trace *trace);

#endif
