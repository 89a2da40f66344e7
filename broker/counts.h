/* counts.h: the pins' counters as durable data. They live in a shared
 * memory mapping of the state file, so every update is in the page cache
 * the moment it is made: a killed daemon loses nothing, and a power cut
 * loses what was not yet synced to disk.
 *
 * The file: a 64-byte header, then for each pin two 64-byte slots. An
 * update writes the older slot with a higher sequence number and a CRC,
 * so a write cut short leaves the other slot intact. On load, each pin
 * takes its valid slot with the highest sequence number. */
#ifndef GB_COUNTS_H
#define GB_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct counts;

struct counts_values {
	uint64_t count;
	uint64_t missed;
	uint64_t faults;
	uint64_t dropped;
};

/*
 * Open the store for the pins numbered gpios[0..n-1], loading their values
 * from 'path' when it exists. An empty path keeps counts in memory only.
 * A file that is torn or corrupt is refused with -EUCLEAN unless 'reset'
 * is set, which starts every count at zero; a file another daemon uses
 * (it holds "<path>.lock") with -EBUSY. The message for the log is in
 * 'err' when the return is not 0. The store belongs to the caller.
 */
int counts_open(const char *path, const unsigned int *gpios, size_t n,
		bool reset, struct counts **out, char *err, size_t errlen);

/* The values of pin i, to read and change; counts_commit stores them. */
struct counts_values *counts_get(struct counts *c, size_t i);

/* Write pin i's values to the mapping. */
void counts_commit(struct counts *c, size_t i);

/* Whether anything was committed since the last counts_mark_synced. */
bool counts_dirty(const struct counts *c);
void counts_mark_synced(struct counts *c);

/*
 * Records of pins that are not configured this time are kept in the file
 * as they were, so that a pin left out for a while finds its count again:
 * how many there are, and the pin number and values of the k-th.
 */
size_t counts_kept(const struct counts *c);
unsigned int counts_kept_gpio(const struct counts *c, size_t k,
			      struct counts_values *values);

/* The state file's fd, for an asynchronous fsync; -1 without a file. */
int counts_fd(const struct counts *c);

/* Sync to disk and release everything. */
void counts_close(struct counts *c);

/* Exposed for the tests: IEEE CRC-32 of len bytes. */
uint32_t counts_crc32(const void *data, size_t len);

#endif
