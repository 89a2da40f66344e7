/* counts.c: durable counters in a memory-mapped, checksummed state file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
	int fd;			/* the state file; -1 when in memory only */
	int lock_fd;		/* holds the lock on "<path>.lock", or -1 */
	void *map;
	size_t map_len;
	size_t n;		/* records of the configured pins: 0..n-1 */
	size_t n_all;		/* then those kept for pins not configured */
	size_t cap;
	unsigned int *gpios;
	struct counts_values *values;
	uint64_t *seq;
	struct counts_slot *slots;	/* two per record, in the map */
	bool dirty;
};

/* The largest file there can be: a record for every possible pin. */
#define COUNTS_FILE_MAX (64 + 65536 * 2 * sizeof(struct counts_slot))

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

/* Whether st is a file that may be a state file: not a directory, a FIFO
 * or anything larger than any state file. */
static int check_file_kind(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	return (size_t)st->st_size > COUNTS_FILE_MAX ? -EFBIG : 0;
}

/* Read a state file whole. */
static int read_whole(const char *path, void **data, size_t *len)
{
	struct stat st;
	ssize_t got;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = fstat(fd, &st) ? -errno : check_file_kind(&st);
	if (rc) {
		close(fd);
		return rc;
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

/* Room for one more record; returns its index or -ENOMEM. */
static int counts_grow(struct counts *c)
{
	size_t cap = c->cap ? 2 * c->cap : 8;
	struct counts_values *values;
	unsigned int *gpios;
	uint64_t *seq;

	if (c->n_all < c->cap)
		return (int)c->n_all++;
	values = realloc(c->values, cap * sizeof(*values));
	if (values)
		c->values = values;
	gpios = realloc(c->gpios, cap * sizeof(*gpios));
	if (gpios)
		c->gpios = gpios;
	seq = realloc(c->seq, cap * sizeof(*seq));
	if (seq)
		c->seq = seq;
	if (!values || !gpios || !seq)
		return -ENOMEM;
	c->cap = cap;
	return (int)c->n_all++;
}

/* Put a record read from the file where it belongs: to its configured
 * pin, or kept at the end for a pin not configured this time. */
static int counts_place(struct counts *c, const struct counts_slot *s)
{
	struct counts_values v = { s->count, s->missed, s->faults, s->dropped };
	size_t i;
	int k;

	for (i = 0; i < c->n_all; i++) {
		if (c->gpios[i] == s->gpio) {
			c->values[i] = v;
			return 0;
		}
	}
	k = counts_grow(c);
	if (k < 0)
		return k;
	c->gpios[k] = s->gpio;
	c->values[k] = v;
	return 0;
}

static int counts_read_error(const char *path, int rc, char *err,
			     size_t errlen)
{
	if (rc == -EISDIR)
		return counts_fail(err, errlen, rc, "state file '%s' is a "
				   "directory, not a file", path);
	if (rc == -EINVAL)
		return counts_fail(err, errlen, rc, "state file '%s' is not a "
				   "regular file", path);
	if (rc == -EFBIG)
		return counts_fail(err, errlen, -EUCLEAN, "state file '%s' is "
				   "corrupt: larger than any state file",
				   path);
	return counts_fail(err, errlen, rc, "cannot read state file '%s': %s",
			   path, strerror(-rc));
}

/* Take the old file's values: the configured pins' and the others'. */
static int counts_load(struct counts *c, const char *path, char *err,
		       size_t errlen)
{
	const struct counts_slot *pairs, *s;
	size_t len = 0, k;
	void *data = NULL;
	int pins, rc;

	rc = read_whole(path, &data, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return counts_read_error(path, rc, err, errlen);

	pins = check_header(data, len);
	if (pins < 0) {
		free(data);
		return counts_fail(err, errlen, -EUCLEAN, "state file '%s' is "
				   "corrupt or torn (bad header or size %zu)",
				   path, len);
	}

	pairs = (const struct counts_slot *)((const char *)data + 64);
	for (k = 0; k < (size_t)pins && !rc; k++) {
		s = slot_pick(&pairs[2 * k]);
		if (!s)
			rc = counts_fail(err, errlen, -EUCLEAN, "state file "
					 "'%s' is corrupt: record %zu has no "
					 "valid copy", path, k);
		else if (counts_place(c, s))
			rc = counts_fail(err, errlen, -ENOMEM, "out of memory");
	}
	free(data);
	return rc;
}

static void counts_fill(struct counts *c, void *map)
{
	struct counts_header *h = map;
	size_t i;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, COUNTS_MAGIC, 8);
	h->version = COUNTS_VERSION;
	h->pins = (uint32_t)c->n_all;
	h->slot_size = sizeof(struct counts_slot);
	h->crc = counts_crc32(h, offsetof(struct counts_header, crc));

	c->slots = (struct counts_slot *)((char *)map + sizeof(*h));
	for (i = 0; i < c->n_all; i++) {
		c->seq[i] = 1;
		slot_write(&c->slots[2 * i + 1], 1, c->gpios[i],
			   &c->values[i]);
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
static int counts_create(struct counts *c, const char *path, char *err,
			 size_t errlen)
{
	char tmp[PATH_MAX];
	int fd, rc = 0;
	void *map;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return counts_fail(err, errlen, -ENAMETOOLONG,
				   "state file path too long");
	/* the blocks are reserved now: a full disk is an error here, not a
	 * SIGBUS when a count is written through the mapping later */
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	rc = posix_fallocate(fd, 0, (off_t)c->map_len);
	if (rc) {
		errno = rc;
		goto fail;
	}

	map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	if (map == MAP_FAILED)
		goto fail;
	counts_fill(c, map);
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

static int counts_alloc(struct counts **out, const unsigned int *gpios,
			size_t n)
{
	struct counts *c = calloc(1, sizeof(*c));
	size_t cap = n ? n : 1;

	*out = c;
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->lock_fd = -1;
	c->n = c->n_all = n;
	c->cap = cap;
	c->values = calloc(cap, sizeof(*c->values));
	c->seq = calloc(cap, sizeof(*c->seq));
	c->gpios = calloc(cap, sizeof(*c->gpios));
	if (!c->values || !c->seq || !c->gpios)
		return -ENOMEM;
	if (n)
		memcpy(c->gpios, gpios, n * sizeof(*gpios));
	return 0;
}

static int counts_in_memory(struct counts *c)
{
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return -errno;
	}
	counts_fill(c, c->map);
	return 0;
}

/* The state file's directory, made when missing (one level, 0750), as
 * systemd's StateDirectory= would have. */
static int counts_make_dir(const char *path, char *err, size_t errlen)
{
	char copy[PATH_MAX];
	const char *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (!mkdir(dir, 0750) || errno == EEXIST)
		return 0;
	return counts_fail(err, errlen, -errno, "cannot make the directory "
			   "'%s' of the state file: %s", dir, strerror(errno));
}

/* Only one daemon may count into a state file: hold "<path>.lock". */
static int counts_lock(struct counts *c, const char *path, char *err,
		       size_t errlen)
{
	char lock[PATH_MAX];
	int rc;

	rc = counts_make_dir(path, err, errlen);
	if (rc)
		return rc;

	if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock))
		return counts_fail(err, errlen, -ENAMETOOLONG,
				   "state file path too long");
	c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (c->lock_fd < 0)
		return counts_fail(err, errlen, -errno, "cannot lock state "
				   "file '%s': %s", path, strerror(errno));
	if (!flock(c->lock_fd, LOCK_EX | LOCK_NB))
		return 0;
	rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
	if (rc == -EBUSY)
		return counts_fail(err, errlen, rc, "state file '%s' is in use "
				   "by another gpio-broker (it holds '%s')",
				   path, lock);
	return counts_fail(err, errlen, rc, "cannot lock state file '%s': %s",
			   path, strerror(-rc));
}

int counts_open(const char *path, const unsigned int *gpios, size_t n,
		bool reset, struct counts **out, char *err, size_t errlen)
{
	struct counts *c = NULL;
	int rc;

	rc = counts_alloc(&c, gpios, n);
	if (rc) {
		counts_close(c);
		return counts_fail(err, errlen, rc, "out of memory");
	}

	if (path[0])
		rc = counts_lock(c, path, err, errlen);
	if (!rc && path[0] && !reset)
		rc = counts_load(c, path, err, errlen);
	c->map_len = 64 + c->n_all * 2 * sizeof(struct counts_slot);
	if (!rc && path[0])
		rc = counts_create(c, path, err, errlen);
	else if (!rc)
		rc = counts_in_memory(c);
	if (rc) {
		if (!err[0])
			counts_fail(err, errlen, rc, "cannot keep counts: %s",
				    strerror(-rc));
		counts_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

size_t counts_kept(const struct counts *c)
{
	return c->n_all - c->n;
}

unsigned int counts_kept_gpio(const struct counts *c, size_t k,
			      struct counts_values *values)
{
	*values = c->values[c->n + k];
	return c->gpios[c->n + k];
}

struct counts_values *counts_get(struct counts *c, size_t i)
{
	return &c->values[i];
}

void counts_commit(struct counts *c, size_t i)
{
	uint64_t seq = ++c->seq[i];

	slot_write(&c->slots[2 * i + (seq & 1)], seq, c->gpios[i],
		   &c->values[i]);
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
	if (!c)
		return;
	if (c->map && c->fd >= 0)
		msync(c->map, c->map_len, MS_SYNC);
	if (c->map)
		munmap(c->map, c->map_len);
	if (c->fd >= 0)
		close(c->fd);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->values);
	free(c->seq);
	free(c->gpios);
	free(c);
}
