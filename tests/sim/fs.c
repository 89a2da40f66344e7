/* The FUSE side of the simulator: inodes, and the low-level operations. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"

#define FS_INO_EXPORT 2
#define FS_INO_UNEXPORT 3
#define FS_INO_SIM 4
#define FS_INO_CONTROL 5
#define FS_INO_STATS 6
#define FS_INO_CHIP0 16
#define FS_PIN_FLAG (1ULL << 62)
#define FS_READ_MAX 64

/*
 * Inode numbers: fixed ones below FS_INO_CHIP0; four per chip from there;
 * for a pin, FS_PIN_FLAG | instance << 24 | line index << 3 | file, so an
 * export never reuses the inode numbers of an earlier one.
 */
static const enum model_node fs_chip_nodes[] = {
	MODEL_CHIP_DIR, MODEL_CHIP_BASE, MODEL_CHIP_LABEL, MODEL_CHIP_NGPIO,
};
static const char *const fs_chip_names[] = { "", "base", "label", "ngpio" };
static const enum model_node fs_pin_nodes[] = {
	MODEL_PIN_DIR, MODEL_DIRECTION, MODEL_VALUE, MODEL_EDGE,
	MODEL_ACTIVE_LOW,
};
static const char *const fs_pin_names[] = {
	"", "direction", "value", "edge", "active_low",
};

/* An open file and its place in the list of all open files. */
struct fs_file {
	struct model_file mf;
	struct fs_file *next;
	struct fs_file **pprev;
};

/* A write to the control file whose answer waits for the trains. */
struct fs_pending {
	fuse_req_t req;
	size_t size;
};

/* What an inode number names; pin and chip as they apply. */
struct fs_node {
	enum model_node node;
	struct model_pin *pin;
	struct model_chip *chip;
	uint64_t instance;
};

struct fs_dirent {
	char name[32];
	fuse_ino_t ino;
	mode_t mode;
};

static struct sim *fs__sim(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct fs_file *fs__file(const struct fuse_file_info *fi)
{
	return (struct fs_file *)(uintptr_t)fi->fh;
}

static fuse_ino_t fs__pin_ino(struct sim *s, const struct model_pin *p,
			      unsigned file)
{
	uint64_t idx = p - s->m.pins;

	return FS_PIN_FLAG | p->instance << 24 | idx << 3 | file;
}

static int fs__decode_pin(struct sim *s, fuse_ino_t ino, struct fs_node *n)
{
	uint64_t idx = (ino >> 3) & 0x1fffff, file = ino & 7;

	if (idx >= s->m.npins || file > 4)
		return -ENOENT;
	n->node = fs_pin_nodes[file];
	n->pin = &s->m.pins[idx];
	n->instance = (ino & ~FS_PIN_FLAG) >> 24;
	return 0;
}

static int fs__decode(struct sim *s, fuse_ino_t ino, struct fs_node *n)
{
	static const enum model_node fixed[] = {
		[FUSE_ROOT_ID] = MODEL_ROOT, [FS_INO_EXPORT] = MODEL_EXPORT,
		[FS_INO_UNEXPORT] = MODEL_UNEXPORT,
		[FS_INO_SIM] = MODEL_SIM_DIR,
		[FS_INO_CONTROL] = MODEL_CONTROL, [FS_INO_STATS] = MODEL_STATS,
	};

	memset(n, 0, sizeof(*n));
	if (ino & FS_PIN_FLAG)
		return fs__decode_pin(s, ino, n);
	if (ino >= FUSE_ROOT_ID && ino <= FS_INO_STATS) {
		n->node = fixed[ino];
		return 0;
	}
	if (ino < FS_INO_CHIP0 || (ino - FS_INO_CHIP0) / 4 >= s->m.nchips)
		return -ENOENT;
	n->chip = &s->m.chips[(ino - FS_INO_CHIP0) / 4];
	n->node = fs_chip_nodes[(ino - FS_INO_CHIP0) % 4];
	return 0;
}

static mode_t fs__mode(enum model_node node)
{
	switch (node) {
	case MODEL_ROOT:
	case MODEL_CHIP_DIR:
	case MODEL_PIN_DIR:
	case MODEL_SIM_DIR:
		return S_IFDIR | 0755;
	case MODEL_EXPORT:
	case MODEL_UNEXPORT:
	case MODEL_CONTROL:
		return S_IFREG | 0200;
	case MODEL_CHIP_BASE:
	case MODEL_CHIP_LABEL:
	case MODEL_CHIP_NGPIO:
	case MODEL_STATS:
		return S_IFREG | 0444;
	default:
		return S_IFREG | 0644;
	}
}

static void fs__stat(struct sim *s, fuse_ino_t ino, enum model_node node,
		     struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = fs__mode(node);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = s->uid;
	st->st_gid = s->gid;
	st->st_size = S_ISDIR(st->st_mode) ? 0 : 4096;
	st->st_blksize = 4096;
	st->st_atim = s->start;
	st->st_mtim = s->start;
	st->st_ctim = s->start;
}

/* A decimal number as sysfs prints it: no sign, no leading zero. */
static bool fs__number(const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1]))
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && !errno && *v <= UINT32_MAX;
}

static fuse_ino_t fs__root_child(struct sim *s, const char *name)
{
	char chip[32];
	struct model_pin *p;
	unsigned long num;
	size_t i;

	if (!strcmp(name, "export"))
		return FS_INO_EXPORT;
	if (!strcmp(name, "unexport"))
		return FS_INO_UNEXPORT;
	if (!strcmp(name, ".sim"))
		return FS_INO_SIM;
	for (i = 0; i < s->m.nchips; i++) {
		snprintf(chip, sizeof(chip), "gpiochip%u", s->m.chips[i].base);
		if (!strcmp(name, chip))
			return FS_INO_CHIP0 + 4 * i;
	}
	if (strncmp(name, "gpio", 4) || !fs__number(name + 4, &num))
		return 0;
	p = model_pin(&s->m, num);
	return p && p->instance ? fs__pin_ino(s, p, 0) : 0;
}

/* The inode of name in directory parent, 0 if there is none. */
static fuse_ino_t fs__child(struct sim *s, fuse_ino_t parent,
			    const char *name)
{
	struct fs_node dir;
	unsigned k;

	if (fs__decode(s, parent, &dir))
		return 0;
	if (dir.node == MODEL_ROOT)
		return fs__root_child(s, name);
	if (dir.node == MODEL_SIM_DIR && !strcmp(name, "control"))
		return FS_INO_CONTROL;
	if (dir.node == MODEL_SIM_DIR && !strcmp(name, "stats"))
		return FS_INO_STATS;
	if (dir.node == MODEL_CHIP_DIR)
		for (k = 1; k < 4; k++)
			if (!strcmp(name, fs_chip_names[k]))
				return parent + k;
	if (dir.node != MODEL_PIN_DIR || dir.instance != dir.pin->instance)
		return 0;
	for (k = 1; k < 5; k++)
		if (!strcmp(name, fs_pin_names[k]))
			return parent + k;
	return 0;
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct sim *s = fs__sim(req);
	struct fuse_entry_param e;
	struct fs_node n;

	memset(&e, 0, sizeof(e));
	pthread_mutex_lock(&s->lock);
	e.ino = fs__child(s, parent, name);
	if (e.ino && !fs__decode(s, e.ino, &n))
		fs__stat(s, e.ino, n.node, &e.attr);
	pthread_mutex_unlock(&s->lock);
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_entry(req, &e);
}

static void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct sim *s = fs__sim(req);
	struct fs_node n;
	struct stat st;
	int rv;

	(void)fi;
	pthread_mutex_lock(&s->lock);
	rv = fs__decode(s, ino, &n);
	if (!rv)
		fs__stat(s, ino, n.node, &st);
	pthread_mutex_unlock(&s->lock);
	if (rv) {
		fuse_reply_err(req, -rv);
		return;
	}
	fuse_reply_attr(req, &st, 0);
}

static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)attr;
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
		      FUSE_SET_ATTR_GID)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	/* a truncation, as O_TRUNC asks for, changes nothing in sysfs */
	fs_getattr(req, ino, fi);
}

static size_t fs__add(struct sim *s, struct fs_dirent *d, size_t n,
		      const char *name, fuse_ino_t ino)
{
	struct fs_node node;

	snprintf(d[n].name, sizeof(d[n].name), "%s", name);
	d[n].ino = ino;
	d[n].mode = fs__decode(s, ino, &node) ? 0 : fs__mode(node.node);
	return n + 1;
}

static size_t fs__list_root(struct sim *s, struct fs_dirent *d, size_t n)
{
	char name[32];
	size_t i;

	n = fs__add(s, d, n, "export", FS_INO_EXPORT);
	n = fs__add(s, d, n, "unexport", FS_INO_UNEXPORT);
	n = fs__add(s, d, n, ".sim", FS_INO_SIM);
	for (i = 0; i < s->m.nchips; i++) {
		snprintf(name, sizeof(name), "gpiochip%u", s->m.chips[i].base);
		n = fs__add(s, d, n, name, FS_INO_CHIP0 + 4 * i);
	}
	for (i = 0; i < s->m.npins; i++) {
		if (!s->m.pins[i].instance)
			continue;
		snprintf(name, sizeof(name), "gpio%u", s->m.pins[i].num);
		n = fs__add(s, d, n, name, fs__pin_ino(s, &s->m.pins[i], 0));
	}
	return n;
}

/* The entries of directory ino into d (room for npins + nchips + 8). */
static int fs__list(struct sim *s, fuse_ino_t ino, struct fs_dirent *d,
		    size_t *count)
{
	struct fs_node dir;
	size_t n = 0, k;

	if (fs__decode(s, ino, &dir) || !S_ISDIR(fs__mode(dir.node)))
		return -ENOTDIR;
	if (dir.pin && dir.instance != dir.pin->instance)
		return -ENOENT;
	n = fs__add(s, d, n, ".", ino);
	n = fs__add(s, d, n, "..", FUSE_ROOT_ID);
	if (dir.node == MODEL_ROOT)
		n = fs__list_root(s, d, n);
	if (dir.node == MODEL_SIM_DIR) {
		n = fs__add(s, d, n, "control", FS_INO_CONTROL);
		n = fs__add(s, d, n, "stats", FS_INO_STATS);
	}
	for (k = 1; dir.node == MODEL_CHIP_DIR && k < 4; k++)
		n = fs__add(s, d, n, fs_chip_names[k], ino + k);
	for (k = 1; dir.node == MODEL_PIN_DIR && k < 5; k++)
		n = fs__add(s, d, n, fs_pin_names[k], ino + k);
	*count = n;
	return 0;
}

static void fs__reply_dir(fuse_req_t req, const struct fs_dirent *d,
			  size_t n, size_t size, off_t off)
{
	char *buf = malloc(size ? size : 1);
	size_t used = 0, len;
	struct stat st;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memset(&st, 0, sizeof(st));
	for (; off >= 0 && (size_t)off < n; off++) {
		st.st_ino = d[off].ino;
		st.st_mode = d[off].mode;
		len = fuse_add_direntry(req, buf + used, size - used,
					d[off].name, &st, off + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	struct sim *s = fs__sim(req);
	struct fs_dirent *d;
	size_t n = 0;
	int rv;

	(void)fi;
	d = calloc(s->m.npins + s->m.nchips + 8, sizeof(*d));
	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&s->lock);
	rv = fs__list(s, ino, d, &n);
	pthread_mutex_unlock(&s->lock);
	if (rv)
		fuse_reply_err(req, -rv);
	else
		fs__reply_dir(req, d, n, size, off);
	free(d);
}

/* Register ff for inode ino with the model; 0 or -errno. */
static int fs__open(struct sim *s, fuse_ino_t ino, struct fs_file *ff,
		    int accmode)
{
	struct fs_node n;
	int rv;

	rv = fs__decode(s, ino, &n);
	if (rv)
		return rv;
	if (S_ISDIR(fs__mode(n.node)))
		return -EISDIR;
	ff->mf.node = n.node;
	ff->mf.pin = n.pin;
	ff->mf.chip = n.chip;
	ff->mf.instance = n.instance;
	rv = model_open(&s->m, &ff->mf, accmode);
	if (rv)
		return rv;
	ff->next = s->files;
	if (ff->next)
		ff->next->pprev = &ff->next;
	ff->pprev = &s->files;
	s->files = ff;
	return 0;
}

static void fs__close(struct sim *s, struct fs_file *ff)
{
	model_close(&s->m, &ff->mf);
	*ff->pprev = ff->next;
	if (ff->next)
		ff->next->pprev = ff->pprev;
	free(ff->mf.snap);
	free(ff);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sim *s = fs__sim(req);
	struct fs_file *ff = calloc(1, sizeof(*ff));
	int rv = -ENOMEM;

	pthread_mutex_lock(&s->lock);
	if (ff)
		rv = fs__open(s, ino, ff, fi->flags & O_ACCMODE);
	pthread_mutex_unlock(&s->lock);
	if (rv) {
		free(ff);
		fuse_reply_err(req, -rv);
		return;
	}
	fi->fh = (uintptr_t)ff;
	fi->direct_io = 1;
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		pthread_mutex_lock(&s->lock);
		fs__close(s, ff);
		pthread_mutex_unlock(&s->lock);
	}
}

static void fs_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct sim *s = fs__sim(req);

	(void)ino;
	pthread_mutex_lock(&s->lock);
	fs__close(s, fs__file(fi));
	pthread_mutex_unlock(&s->lock);
	fuse_reply_err(req, 0);
}

/* Stats are made at a read from offset 0 and kept for the next reads. */
static void fs__read_stats(fuse_req_t req, struct sim *s,
			   struct model_file *mf, size_t size, off_t off)
{
	char *text;
	size_t len;
	int rv = 0;

	pthread_mutex_lock(&s->lock);
	if (!off || !mf->snap) {
		rv = ctl_stats(&s->m, &text, &len);
		if (!rv) {
			free(mf->snap);
			mf->snap = text;
			mf->snap_len = len;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (rv) {
		fuse_reply_err(req, -rv);
		return;
	}
	if ((size_t)off >= mf->snap_len)
		size = 0;
	else if (size > mf->snap_len - off)
		size = mf->snap_len - off;
	fuse_reply_buf(req, size ? mf->snap + off : NULL, size);
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs_file *ff = fs__file(fi);
	struct sim *s = fs__sim(req);
	char buf[FS_READ_MAX];
	int n;

	(void)ino;
	if (ff->mf.node == MODEL_STATS) {
		fs__read_stats(req, s, &ff->mf, size, off);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	pthread_mutex_lock(&s->lock);
	n = model_read(&s->m, &ff->mf, buf, size, off);
	pthread_mutex_unlock(&s->lock);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, n);
}

/* Run a control command; 1 when its answer is deferred. */
static int fs__control(struct sim *s, fuse_req_t req, const char *text,
		       size_t size)
{
	struct fs_pending *p = malloc(sizeof(*p));
	int rv;

	if (!p)
		return -ENOMEM;
	p->req = req;
	p->size = size;
	rv = ctl_run(&s->ctl, text, p);
	if (rv != 1)
		free(p);
	return rv;
}

static void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_file *ff = fs__file(fi);
	struct sim *s = fs__sim(req);
	char text[4097];
	int rv;

	(void)ino;
	(void)off;
	/* like kernfs: one page at most, NUL-terminated for the store */
	if (size > 4096)
		size = 4096;
	memcpy(text, buf, size);
	text[size] = '\0';
	pthread_mutex_lock(&s->lock);
	if (ff->mf.node == MODEL_CONTROL)
		rv = fs__control(s, req, text, size);
	else
		rv = model_write(&s->m, &ff->mf, text);
	pthread_mutex_unlock(&s->lock);
	if (rv == 1)
		return;
	if (rv < 0)
		fuse_reply_err(req, -rv);
	else
		fuse_reply_write(req, size);
}

static void fs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct model_file *mf = &fs__file(fi)->mf;
	struct sim *s = fs__sim(req);
	unsigned mask;

	(void)ino;
	pthread_mutex_lock(&s->lock);
	mask = model_poll(&s->m, mf);
	if (ph && mf->node == MODEL_VALUE && !model_file_dead(mf)) {
		if (mf->waiter)
			fuse_pollhandle_destroy(mf->waiter);
		mf->waiter = ph;
		ph = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, mask);
}

static void fs_refuse_create(fuse_req_t req, fuse_ino_t parent,
			     const char *name, mode_t mode,
			     struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EACCES);
}

static void fs_refuse_mkdir(fuse_req_t req, fuse_ino_t parent,
			    const char *name, mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EACCES);
}

const struct fuse_lowlevel_ops fs_ops = {
	.lookup = fs_lookup,
	.forget = fs_forget,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readdir = fs_readdir,
	.open = fs_open,
	.release = fs_release,
	.read = fs_read,
	.write = fs_write,
	.poll = fs_poll,
	.create = fs_refuse_create,
	.mkdir = fs_refuse_mkdir,
};

void fs_notify(struct model_file *f, void *cb_arg)
{
	(void)cb_arg;
	fuse_lowlevel_notify_poll(f->waiter);
}

void fs_drop_waiter(void *waiter, void *cb_arg)
{
	(void)cb_arg;
	fuse_pollhandle_destroy(waiter);
}

void fs_reply_wait(void *pending, int err)
{
	struct fs_pending *p = pending;

	if (err)
		fuse_reply_err(p->req, err);
	else
		fuse_reply_write(p->req, p->size);
	free(p);
}

void fs_close_all(struct sim *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->files)
		fs__close(s, s->files);
	pthread_mutex_unlock(&s->lock);
}
