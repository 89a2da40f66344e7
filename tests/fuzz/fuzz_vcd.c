/* fuzz_vcd.c: libFuzzer target for the simulator's VCD reader. Whatever
 * the bytes, vcd_parse returns 0 with changes in time order and without
 * repeated levels, or an error of the form "NAME:LINE: reason". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vcd.h"

static void check_trace(const struct vcd_trace *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->changes[i].level != 0 && t->changes[i].level != 1)
			abort();
		if (i && t->changes[i].t_ns < t->changes[i - 1].t_ns)
			abort();
		if (i && t->changes[i].level == t->changes[i - 1].level)
			abort();
	}
	if (t->n && t->end_ns < t->changes[t->n - 1].t_ns)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcd_trace trace;
	char err[256];
	int rc;

	err[0] = '\0';
	rc = vcd_parse((const char *)data, size, "fuzz.vcd", "IR", &trace,
		       err, sizeof(err));
	if (rc == 0) {
		check_trace(&trace);
		vcd_free(&trace);
	} else if (rc == -EINVAL && strncmp(err, "fuzz.vcd:", 9)) {
		abort();
	} else if (rc != -EINVAL && rc != -ENOMEM) {
		abort();
	}
	return 0;
}
