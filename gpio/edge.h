/* edge.h: what one wake-up of a sysfs value fd means, given the edge mode
 * the pin watches and the level read before and after. Pure logic. */
#ifndef GB_EDGE_H
#define GB_EDGE_H

#include <stdbool.h>

#include "config.h"

enum edge_kind {
	EDGE_RISING,
	EDGE_FALLING,
};

struct edge_event {
	bool counted;		/* one edge to count and publish */
	enum edge_kind kind;	/* which edge, when counted */
	unsigned int missed;	/* edges known to be lost */
};

/*
 * Classify a wake-up on a pin watching 'mode' (not CONFIG_EDGE_NONE):
 * sysfs wakes once however many edges came since the last read, so on a
 * rising or falling pin each wake-up is one edge, whatever level is read.
 * On a both pin the level read names the edge; when it equals the level
 * before, a whole pulse came and went between two reads: two edges missed,
 * none counted.
 */
struct edge_event edge_classify(enum config_edge mode, int previous,
				int level);

const char *edge_kind_name(enum edge_kind kind);

#endif
