/* fuzz_config.c: libFuzzer target: any bytes as a config file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each error is one printable line "fuzz.ini:LINE: text". */
static void check_errors(const char *errors)
{
	const unsigned char *u = (const unsigned char *)errors;
	const char *line;

	for (line = errors; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, "fuzz.ini:", 9) || !strchr(line, '\n'))
			abort();
	}
	for (; *u; u++) {
		if ((*u < 0x20 && *u != '\n') || *u == 0x7f)
			abort();
	}
}

/* A valid config has its pins sorted, each found by its number. */
static void check_config(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_pins; i++) {
		if (i && cfg->pins[i - 1].number >= cfg->pins[i].number)
			abort();
		if (config_find_pin(cfg, cfg->pins[i].number) != &cfg->pins[i])
			abort();
		if (!cfg->pins[i].name[0])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *errors = NULL;
	struct config *cfg = malloc(sizeof *cfg);
	size_t errors_size = 0;
	FILE *out;
	int rc;

	if (!text || !cfg)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	out = open_memstream(&errors, &errors_size);
	rc = config_load_string("fuzz.ini", text, cfg, out);
	if (out)
		fclose(out);
	if (rc == 0)
		check_config(cfg);
	if (errors)
		check_errors(errors);
	if ((rc == 0) != (!errors || !errors[0]))
		abort();
	config_free(cfg);
	free(cfg);
	free(errors);
	free(text);
	return 0;
}
