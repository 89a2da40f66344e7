/* malloc-count.c: an LD_PRELOAD library that counts heap allocations by
 * the shared object that asked for them. Every malloc, calloc, realloc and
 * aligned allocation walks the stack and charges the first frame that is
 * neither libc, the dynamic linker nor this library: strdup called from
 * gpio-broker is gpio-broker's, a packet built inside libmosquitto is
 * libmosquitto's. SIGUSR2 and exit append a snapshot of the counters to
 * the file named by GB_MALLOC_COUNT_OUT:
 *
 *     snapshot N
 *     OBJECT ALLOCATIONS BYTES
 *     end
 *
 * The difference of two snapshots taken around a pulse train, divided by
 * its edges, is the heap allocations per edge of each object. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MC_DEPTH 24
#define MC_OBJECTS 48
#define MC_NAME_MAX 64

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

struct mc_object {
	const void *base;
	char name[MC_NAME_MAX];
	atomic_uint_fast64_t allocations;
	atomic_uint_fast64_t bytes;
};

static struct mc_object mc_objects[MC_OBJECTS];
static atomic_int mc_n_objects;
static pthread_mutex_t mc_lock = PTHREAD_MUTEX_INITIALIZER;
static const void *mc_libc_base;
static const void *mc_self_base;
static const void *mc_ld_base;
static atomic_int mc_snapshots;
static __thread int mc_busy;

/* The object whose code is at base, added under the lock when new. */
static struct mc_object *mc_object(const void *base, const char *path)
{
	int i, n = atomic_load(&mc_n_objects);
	const char *slash;

	for (i = 0; i < n; i++)
		if (mc_objects[i].base == base)
			return &mc_objects[i];

	pthread_mutex_lock(&mc_lock);
	n = atomic_load(&mc_n_objects);
	for (i = 0; i < n; i++)
		if (mc_objects[i].base == base)
			break;
	if (i == n && n < MC_OBJECTS) {
		slash = path ? strrchr(path, '/') : NULL;
		strncpy(mc_objects[n].name, slash ? slash + 1 :
			(path && *path ? path : "unknown"), MC_NAME_MAX - 1);
		mc_objects[n].base = base;
		atomic_store(&mc_n_objects, n + 1);
	}
	pthread_mutex_unlock(&mc_lock);
	return i < MC_OBJECTS ? &mc_objects[i] : NULL;
}

static bool mc_skipped(const void *base)
{
	return base == mc_libc_base || base == mc_self_base ||
	       base == mc_ld_base;
}

/* Charge one allocation of size bytes to the first foreign caller. */
static void mc_note(size_t size)
{
	void *frames[MC_DEPTH];
	struct mc_object *obj = NULL;
	const void *base = NULL;
	const char *path = "libc";
	Dl_info info;
	int n, i;

	if (mc_busy)
		return;
	mc_busy = 1;
	n = backtrace(frames, MC_DEPTH);
	for (i = 1; i < n; i++) {
		if (!dladdr(frames[i], &info) || mc_skipped(info.dli_fbase))
			continue;
		base = info.dli_fbase;
		path = info.dli_fname;
		break;
	}
	obj = mc_object(base ? base : mc_libc_base, path);
	if (obj) {
		atomic_fetch_add(&obj->allocations, 1);
		atomic_fetch_add(&obj->bytes, size);
	}
	mc_busy = 0;
}

void *malloc(size_t size)
{
	mc_note(size);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	mc_note(n * size);
	return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
	mc_note(size);
	return __libc_realloc(ptr, size);
}

void *memalign(size_t align, size_t size)
{
	mc_note(size);
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	mc_note(size);
	return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	mc_note(size);
	p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

/* Append text to buf at *len; async-signal-safe. */
static void mc_put(char *buf, size_t *len, size_t cap, const char *text)
{
	while (*text && *len < cap)
		buf[(*len)++] = *text++;
}

static void mc_put_u64(char *buf, size_t *len, size_t cap, uint64_t v)
{
	char digits[24];
	int i = 0;

	do {
		digits[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i > 0 && *len < cap)
		buf[(*len)++] = digits[--i];
}

/* Append one snapshot to GB_MALLOC_COUNT_OUT; async-signal-safe. */
static void mc_snapshot(void)
{
	const char *path = getenv("GB_MALLOC_COUNT_OUT");
	char buf[MC_OBJECTS * (MC_NAME_MAX + 48) + 64];
	size_t len = 0, cap = sizeof(buf);
	int i, n, fd;

	if (!path)
		return;
	mc_put(buf, &len, cap, "snapshot ");
	mc_put_u64(buf, &len, cap, (uint64_t)atomic_fetch_add(&mc_snapshots,
							       1));
	mc_put(buf, &len, cap, "\n");
	n = atomic_load(&mc_n_objects);
	for (i = 0; i < n; i++) {
		mc_put(buf, &len, cap, mc_objects[i].name);
		mc_put(buf, &len, cap, " ");
		mc_put_u64(buf, &len, cap, atomic_load(&mc_objects[i].allocations));
		mc_put(buf, &len, cap, " ");
		mc_put_u64(buf, &len, cap, atomic_load(&mc_objects[i].bytes));
		mc_put(buf, &len, cap, "\n");
	}
	mc_put(buf, &len, cap, "end\n");

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, len) < 0)
		len = 0;
	close(fd);
}

static void mc_on_signal(int signum)
{
	int saved = errno;

	(void)signum;
	mc_snapshot();
	errno = saved;
}

static const void *mc_base_of(const void *addr)
{
	Dl_info info;

	return dladdr(addr, &info) ? info.dli_fbase : NULL;
}

__attribute__((constructor)) static void mc_init(void)
{
	struct sigaction sa = { .sa_handler = mc_on_signal,
				.sa_flags = SA_RESTART };
	void *frames[4];

	mc_libc_base = mc_base_of((const void *)__libc_malloc);
	mc_self_base = mc_base_of((const void *)mc_note);
	mc_ld_base = mc_base_of((const void *)dlsym(RTLD_DEFAULT,
						    "_dl_find_object"));
	if (mc_ld_base == mc_libc_base)
		mc_ld_base = NULL;
	/* the first backtrace loads the unwinder, which allocates */
	mc_busy = 1;
	backtrace(frames, 4);
	mc_busy = 0;
	sigaction(SIGUSR2, &sa, NULL);
}

__attribute__((destructor)) static void mc_fini(void)
{
	mc_snapshot();
}
