/* The simulator's clock thread: pulse trains and VCD replays on deadlines. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "train.h"

/* A pulse train (trace.changes NULL) or a replay, stepping through levels. */
struct train {
	struct model_pin *pin;
	int64_t t0;
	uint64_t k;		/* next step */
	uint64_t nsteps;
	double step_ns;		/* pulse: half a period */
	int level0;		/* pulse: level before the first step */
	struct vcd_trace trace;
	double speed;
	struct train *next;
};

struct train_waiter {
	void *req;
	struct train_waiter *next;
};

static int64_t train__deadline(const struct train *tr, uint64_t k)
{
	if (tr->trace.changes)
		return tr->t0 +
		       (int64_t)(tr->trace.changes[k].t_ns / tr->speed);
	return tr->t0 + (int64_t)llround((double)k * tr->step_ns);
}

static int train__level(const struct train *tr, uint64_t k)
{
	if (tr->trace.changes)
		return tr->trace.changes[k].level;
	return (k & 1) ? tr->level0 : !tr->level0;
}

static void train__free(struct train *tr)
{
	tr->pin->busy = false;
	vcd_free(&tr->trace);
	free(tr);
}

/* A step late by more than a stall moves the rest of its train along. */
static void train__keep_gap(struct train *tr, int64_t due)
{
	int64_t late = model_now() - due;

	if (late > TRAIN_STALL_NS)
		tr->t0 += late;
}

/* Apply the due steps of tr; the next deadline, INT64_MAX when done. */
static int64_t train__advance(struct trains *t, struct train *tr,
			      int64_t now)
{
	while (tr->k < tr->nsteps) {
		int64_t due = train__deadline(tr, tr->k);

		if (due > now)
			return due;
		if (t->keep_gaps)
			train__keep_gap(tr, due);
		model_set_pull(t->m, tr->pin, train__level(tr, tr->k));
		tr->k++;
	}
	return INT64_MAX;
}

/* Run what is due on every train, drop finished ones; next deadline. */
static int64_t train__run_due(struct trains *t)
{
	struct train **pp = &t->list;
	int64_t next = INT64_MAX, now = model_now();

	while (*pp) {
		struct train *tr = *pp;
		int64_t due = train__advance(t, tr, now);

		if (due == INT64_MAX) {
			*pp = tr->next;
			train__free(tr);
			continue;
		}
		if (due < next)
			next = due;
		pp = &tr->next;
	}
	return next;
}

static void train__answer(struct trains *t, int err)
{
	while (t->waiters) {
		struct train_waiter *w = t->waiters;

		t->waiters = w->next;
		t->reply(w->req, err);
		free(w);
	}
}

/* Sleep until the absolute monotonic time until, or until signalled. */
static void train__sleep(struct trains *t, int64_t until)
{
	struct timespec ts;

	if (until == INT64_MAX) {
		pthread_cond_wait(&t->cond, t->lock);
		return;
	}
	ts.tv_sec = until / 1000000000;
	ts.tv_nsec = until % 1000000000;
	pthread_cond_timedwait(&t->cond, t->lock, &ts);
}

int train_realtime(void)
{
	struct sched_param sp = { .sched_priority = 10 };

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		return -errno;
	return 0;
}

static void *train__main(void *arg)
{
	struct trains *t = arg;
	int rv;

	/* wake at the deadline itself, not up to 50 us later */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	rv = t->realtime ? train_realtime() : 0;
	if (rv)
		fprintf(stderr,
			"gpio-sysfs-sim: no realtime clock thread: %s\n",
			strerror(-rv));
	pthread_mutex_lock(t->lock);
	while (!t->stop) {
		int64_t next = train__run_due(t);

		if (!t->list)
			train__answer(t, 0);
		if (!t->stop)
			train__sleep(t, next);
	}
	pthread_mutex_unlock(t->lock);
	return NULL;
}

static int train__init_cond(struct trains *t)
{
	pthread_condattr_t ca;
	int rv;

	rv = pthread_condattr_init(&ca);
	if (rv)
		return -rv;
	rv = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!rv)
		rv = pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	return -rv;
}

int train_start(struct trains *t, struct model *m, pthread_mutex_t *lock,
		void (*reply)(void *req, int err), bool realtime,
		bool keep_gaps)
{
	sigset_t all, old;
	int rv;

	*t = (struct trains){ .lock = lock, .m = m, .reply = reply,
			      .realtime = realtime, .keep_gaps = keep_gaps };
	rv = train__init_cond(t);
	if (rv)
		return rv;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rv = pthread_create(&t->thread, NULL, train__main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv) {
		pthread_cond_destroy(&t->cond);
		return -rv;
	}
	t->running = true;
	return 0;
}

void train_stop(struct trains *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(t->lock);
	t->stop = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(t->lock);
	pthread_join(t->thread, NULL);
	pthread_mutex_lock(t->lock);
	while (t->list) {
		struct train *tr = t->list;

		t->list = tr->next;
		train__free(tr);
	}
	train__answer(t, ECANCELED);
	pthread_mutex_unlock(t->lock);
	pthread_cond_destroy(&t->cond);
	t->running = false;
}

static void train__add(struct trains *t, struct train *tr)
{
	tr->t0 = model_now();
	tr->pin->busy = true;
	tr->next = t->list;
	t->list = tr;
	pthread_cond_signal(&t->cond);
}

int train_pulse(struct trains *t, struct model_pin *p, uint64_t count,
		double hz)
{
	struct train *tr;

	if (!count)
		return 0;
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	tr->pin = p;
	tr->nsteps = 2 * count;
	tr->step_ns = 5e8 / hz;
	tr->level0 = p->pull;
	train__add(t, tr);
	return 0;
}

int train_replay(struct trains *t, struct model_pin *p,
		 struct vcd_trace *trace, double speed)
{
	struct train *tr;

	if (!trace->n) {
		vcd_free(trace);
		return 0;
	}
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -ENOMEM;
	tr->pin = p;
	tr->trace = *trace;
	tr->nsteps = trace->n;
	tr->speed = speed;
	trace->changes = NULL;
	trace->n = 0;
	train__add(t, tr);
	return 0;
}

int train_wait(struct trains *t, void *req)
{
	struct train_waiter *w;

	if (!t->list)
		return 0;
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->req = req;
	w->next = t->waiters;
	t->waiters = w;
	return 1;
}
