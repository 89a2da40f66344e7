/* counts.c: durable counters in a memory-mapped, checksummed state file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counts.h"

#define COUNTS_MAGIC "GBCOUNTS"
#define COUNTS_VERSION 1

struct counts_header {
	char magic[8];
	uint32_t version;
	uint32_t pins;
	uint32_t slot_size;
	uint8_t reserved[40];
	uint32_t crc;		/* of everything before it */
};

struct counts_slot {
	uint64_t seq;		/* 0: never written */
	uint64_t count;
	uint64_t missed;
	uint64_t faults;
	uint64_t dropped;
	uint32_t gpio;
	uint8_t reserved[16];
	uint32_t crc;		/* of everything before it */
};

_Static_assert(sizeof(struct counts_header) == 64, "header is 64 bytes");
_Static_assert(sizeof(struct counts_slot) == 64, "slot is 64 bytes");

struct counts {
	int fd;			/* -1 when kept in memory only */
	void *map;
	size_t map_len;
	size_t n;
	struct counts_values *values;
	uint64_t *seq;
	struct counts_slot *slots;	/* two per pin, in the map */
	bool dirty;
};

uint32_t counts_crc32(const void *data, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;
	size_t i;

	if (!table[1]) {
		for (uint32_t n = 0; n < 256; n++) {
			uint32_t c = n;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[n] = c;
		}
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

static int counts_fail(char *err, size_t errlen, int code, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

static int counts_fail(char *err, size_t errlen, int code, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

static bool slot_valid(const struct counts_slot *s)
{
	return s->seq && s->crc == counts_crc32(s, offsetof(struct counts_slot,
							    crc));
}

/* The newer valid slot of a pair, or NULL when neither is valid. */
static const struct counts_slot *slot_pick(const struct counts_slot *pair)
{
	bool a = slot_valid(&pair[0]), b = slot_valid(&pair[1]);

	if (a && b)
		return pair[0].seq > pair[1].seq ? &pair[0] : &pair[1];
	return a ? &pair[0] : b ? &pair[1] : NULL;
}

static void slot_write(struct counts_slot *s, uint64_t seq, uint32_t gpio,
		       const struct counts_values *v)
{
	memset(s, 0, sizeof(*s));
	s->seq = seq;
	s->count = v->count;
	s->missed = v->missed;
	s->faults = v->faults;
	s->dropped = v->dropped;
	s->gpio = gpio;
	s->crc = counts_crc32(s, offsetof(struct counts_slot, crc));
}

static int read_whole(const char *path, void **data, size_t *len)
{
	struct stat st;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	*len = (size_t)st.st_size;
	*data = malloc(*len ? *len : 1);
	got = *data ? pread(fd, *data, *len, 0) : -1;
	close(fd);
	if (got < 0 || (size_t)got != *len) {
		free(*data);
		return -EIO;
	}
	return 0;
}

static int check_header(const void *data, size_t len)
{
	const struct counts_header *h = data;
	size_t want;

	if (len < sizeof(*h) || memcmp(h->magic, COUNTS_MAGIC, 8))
		return -1;
	if (h->crc != counts_crc32(h, offsetof(struct counts_header, crc)))
		return -1;
	if (h->version != COUNTS_VERSION || h->slot_size != 64)
		return -1;
	want = sizeof(*h) + (size_t)h->pins * 2 * sizeof(struct counts_slot);
	return len == want ? (int)h->pins : -1;
}

/* Take the old file's values for the pins that are still configured. */
static int counts_load(struct counts *c, const char *path,
		       const unsigned int *gpios, char *err, size_t errlen)
{
	const struct counts_slot *pairs, *s;
	size_t len = 0, i, k;
	void *data = NULL;
	int pins, rc;

	rc = read_whole(path, &data, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return counts_fail(err, errlen, rc, "cannot read state file "
				   "'%s': %s", path, strerror(-rc));

	pins = check_header(data, len);
	if (pins < 0) {
		free(data);
		return counts_fail(err, errlen, -EUCLEAN, "state file '%s' is "
				   "corrupt or torn (bad header or size %zu)",
				   path, len);
	}

	pairs = (const struct counts_slot *)((const char *)data + 64);
	for (k = 0; k < (size_t)pins; k++) {
		s = slot_pick(&pairs[2 * k]);
		if (!s) {
			free(data);
			return counts_fail(err, errlen, -EUCLEAN, "state file "
					   "'%s' is corrupt: record %zu has no "
					   "valid copy", path, k);
		}
		for (i = 0; i < c->n; i++) {
			if (gpios[i] != s->gpio)
				continue;
			c->values[i] = (struct counts_values){
				s->count, s->missed, s->faults, s->dropped };
		}
	}
	free(data);
	return 0;
}

static void counts_fill(struct counts *c, void *map, const unsigned int *gpios)
{
	struct counts_header *h = map;
	size_t i;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, COUNTS_MAGIC, 8);
	h->version = COUNTS_VERSION;
	h->pins = (uint32_t)c->n;
	h->slot_size = sizeof(struct counts_slot);
	h->crc = counts_crc32(h, offsetof(struct counts_header, crc));

	c->slots = (struct counts_slot *)((char *)map + sizeof(*h));
	for (i = 0; i < c->n; i++) {
		c->seq[i] = 1;
		slot_write(&c->slots[2 * i + 1], 1, gpios[i], &c->values[i]);
		memset(&c->slots[2 * i], 0, sizeof(struct counts_slot));
	}
}

static int fsync_dir_of(const char *path)
{
	char copy[PATH_MAX];
	int fd, rc = 0;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

/* Write a fresh file beside 'path', then rename it into place. */
static int counts_create(struct counts *c, const char *path,
			 const unsigned int *gpios, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, rc = 0;
	void *map;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return counts_fail(err, errlen, -ENAMETOOLONG,
				   "state file path too long");
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || ftruncate(fd, (off_t)c->map_len))
		goto fail;

	map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	if (map == MAP_FAILED)
		goto fail;
	counts_fill(c, map, gpios);
	if (fsync(fd) || rename(tmp, path)) {
		munmap(map, c->map_len);
		goto fail;
	}
	fsync_dir_of(path);
	c->fd = fd;
	c->map = map;
	return 0;

fail:
	rc = -errno;
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	return counts_fail(err, errlen, rc, "cannot write state file '%s': "
			   "%s", path, strerror(-rc));
}

static int counts_alloc(struct counts **out, size_t n)
{
	struct counts *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->n = n;
	c->map_len = 64 + n * 2 * sizeof(struct counts_slot);
	c->values = calloc(n ? n : 1, sizeof(*c->values));
	c->seq = calloc(n ? n : 1, sizeof(*c->seq));
	if (!c->values || !c->seq) {
		free(c->values);
		free(c->seq);
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static int counts_in_memory(struct counts *c, const unsigned int *gpios)
{
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->map == MAP_FAILED)
		return -errno;
	counts_fill(c, c->map, gpios);
	return 0;
}

int counts_open(const char *path, const unsigned int *gpios, size_t n,
		bool reset, struct counts **out, char *err, size_t errlen)
{
	struct counts *c;
	int rc;

	rc = counts_alloc(&c, n);
	if (rc)
		return counts_fail(err, errlen, rc, "out of memory");

	if (!path[0])
		rc = counts_in_memory(c, gpios);
	else if (!reset)
		rc = counts_load(c, path, gpios, err, errlen);
	if (!rc && path[0])
		rc = counts_create(c, path, gpios, err, errlen);
	if (rc) {
		c->map = NULL;
		counts_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

struct counts_values *counts_get(struct counts *c, size_t i)
{
	return &c->values[i];
}

void counts_commit(struct counts *c, size_t i)
{
	uint64_t seq = ++c->seq[i];

	slot_write(&c->slots[2 * i + (seq & 1)], seq,
		   c->slots[2 * i + ((seq - 1) & 1)].gpio, &c->values[i]);
	c->dirty = true;
}

bool counts_dirty(const struct counts *c)
{
	return c->dirty;
}

void counts_mark_synced(struct counts *c)
{
	c->dirty = false;
}

int counts_fd(const struct counts *c)
{
	return c->fd;
}

void counts_close(struct counts *c)
{
	if (c->map && c->fd >= 0)
		msync(c->map, c->map_len, MS_SYNC);
	if (c->map)
		munmap(c->map, c->map_len);
	if (c->fd >= 0)
		close(c->fd);
	free(c->values);
	free(c->seq);
	free(c);
}
