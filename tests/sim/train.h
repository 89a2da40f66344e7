/*
 * The simulator's clock thread: pulse trains and VCD replays, each step on
 * an absolute CLOCK_MONOTONIC deadline, several pins at once.
 */
#ifndef SIM_TRAIN_H
#define SIM_TRAIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "vcd.h"

#define TRAIN_STALL_NS 200000

struct train;
struct train_waiter;

/*
 * The thread and what it runs. lock is the simulator's lock, held by the
 * callers of every function here except train_start() and train_stop().
 * reply(req, err) answers a deferred wait; it runs with lock held.
 */
struct trains {
	pthread_mutex_t *lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running;
	bool stop;
	bool realtime;
	bool keep_gaps;
	struct model *m;
	struct train *list;
	struct train_waiter *waiters;
	void (*reply)(void *req, int err);
};

/*
 * Start the thread, with every signal blocked in it, at SCHED_FIFO if
 * realtime (a refusal is logged once); 0 or -errno. With keep_gaps, a
 * step that comes more than TRAIN_STALL_NS late moves the rest of its
 * train by as much, so that a stall of the thread never bunches edges.
 */
int train_start(struct trains *t, struct model *m, pthread_mutex_t *lock,
		void (*reply)(void *req, int err), bool realtime,
		bool keep_gaps);

/* Make the calling thread SCHED_FIFO (not for its children); 0 or -errno. */
int train_realtime(void);

/* Stop and join the thread; trains are dropped, waits get ECANCELED. */
void train_stop(struct trains *t);

/* count pulses at hz on p, each a toggle and a toggle back; 0 or -errno. */
int train_pulse(struct trains *t, struct model_pin *p, uint64_t count,
		double hz);

/* Play trace on p, speed times as fast; takes trace over on success. */
int train_replay(struct trains *t, struct model_pin *p,
		 struct vcd_trace *trace, double speed);

/*
 * Answer req once no train runs: returns 0 when none runs now (the caller
 * answers), 1 when reply() will answer later, -ENOMEM.
 */
int train_wait(struct trains *t, void *req);

#endif
