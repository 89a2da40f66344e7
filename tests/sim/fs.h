/* The FUSE side of the simulator: inodes, and the low-level operations. */
#ifndef SIM_FS_H
#define SIM_FS_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <sys/types.h>
#include <time.h>

#include "ctl.h"
#include "model.h"
#include "train.h"

struct fs_file;

/* The whole simulator; lock guards m, t and files. */
struct sim {
	pthread_mutex_t lock;
	struct model m;
	struct trains t;
	struct ctl ctl;
	struct fuse_session *se;
	uid_t uid;
	gid_t gid;
	struct timespec start;
	struct fs_file *files;	/* every open file */
};

/* The operations to hand to fuse_session_new(), with a struct sim. */
extern const struct fuse_lowlevel_ops fs_ops;

/* Callbacks for the model and the trains (see model.h, train.h). */
void fs_notify(struct model_file *f, void *cb_arg);
void fs_drop_waiter(void *waiter, void *cb_arg);
void fs_reply_wait(void *pending, int err);

/* Forget the files still open once the session is over. */
void fs_close_all(struct sim *s);

#endif
