/* edge.c: the rules that turn a sysfs wake-up into counted edges. */
#include "edge.h"

struct edge_event edge_classify(enum config_edge mode, int previous,
				int level)
{
	struct edge_event ev = { .counted = true, .kind = EDGE_RISING };

	switch (mode) {
	case CONFIG_EDGE_NONE:
		ev.counted = false;
		break;
	case CONFIG_EDGE_RISING:
		break;
	case CONFIG_EDGE_FALLING:
		ev.kind = EDGE_FALLING;
		break;
	case CONFIG_EDGE_BOTH:
		ev.kind = level ? EDGE_RISING : EDGE_FALLING;
		if (level == previous) {
			ev.counted = false;
			ev.missed = 2;
		}
		break;
	}
	return ev;
}

const char *edge_kind_name(enum edge_kind kind)
{
	return kind == EDGE_FALLING ? "falling" : "rising";
}
