// SPDX-License-Identifier: MIT
/*
 * Pinned worker threads that run a callback per received batch.
 *
 * Ownership: a worker owns whole queues (a queue's sockets share its fill
 * and completion rings, so splitting them between threads would need a
 * lock on every ring operation).  It claims them before its loop and gives
 * them back after, so the caller can use the sockets again once the
 * workers stopped.  With more than one worker any socket may receive
 * frames forwarded by another worker, so TX rings take their lock
 * (fp_xsk_set_shared_tx) for as long as the workers run.
 *
 * Stopping: a stop flag plus an eventfd in every poll() set wake the
 * workers at once.  Each worker leaves its loop, waits at a barrier for
 * the others (after it, nobody forwards any more), then drains its own TX
 * completions for up to a second, so no frame stays in flight.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "fastpath/log.h"
#include "fastpath/run.h"
#include "lib/xsk_priv.h"

#define DRAIN_NS	1000000000ULL
#define FWD_SLOTS	8

struct fwd_slot {
	struct fp_xsk *x;
	uint32_t n;
	struct fp_xsk_pkt pkts[FP_XSK_MAX_BATCH];
};

struct fp_xsk_worker {
	struct fp_xsk_workers *w;
	pthread_t thread;
	bool started;
	uint32_t index;
	int cpu;
	uint64_t iterations;
	struct fp_xsk *socks[FP_XSK_MAX_SOCKETS];
	uint32_t n_socks;
	struct fp_xsk_q *qs[FP_XSK_MAX_SOCKETS];
	uint32_t n_qs;
	struct pollfd pfds[FP_XSK_MAX_SOCKETS + 1];
	/* per-batch scratch */
	struct fp_xsk_pkt pkts[FP_XSK_MAX_BATCH];
	uint8_t action[FP_XSK_MAX_BATCH];
	struct fp_xsk *out[FP_XSK_MAX_BATCH];
	struct fp_xsk_pkt txb[FP_XSK_MAX_BATCH];
	struct fp_xsk_pkt dropb[FP_XSK_MAX_BATCH];
	struct fwd_slot fwd[FWD_SLOTS];
	uint32_t n_fwd;
};

struct fp_xsk_workers {
	struct fp_xsk_set *set;
	struct fp_xsk_workers_opts o;
	int cpus[FP_XSK_MAX_WORKERS];
	struct fp_xsk_worker *workers;
	uint32_t n;
	enum fp_xsk_wait wait;
	int poll_timeout_ms;
	int efd;
	int stop;		/* atomic */
	int go;			/* 0 wait, 1 run, -1 abort; under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_barrier_t barrier;
	bool barrier_ok;
	bool joined;
	bool set_shared_tx;
};

static bool stopping(struct fp_xsk_workers *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_RELAXED) ||
	       fp_run_should_stop();
}

/* --- one batch ---------------------------------------------------------------- */

static void fwd_flush(struct fp_xsk_worker *wk)
{
	uint32_t i;

	for (i = 0; i < wk->n_fwd; i++) {
		fp_xsk_tx(wk->fwd[i].x, wk->fwd[i].pkts, wk->fwd[i].n);
		wk->fwd[i].n = 0;
	}
	wk->n_fwd = 0;
}

static void fwd_add(struct fp_xsk_worker *wk, struct fp_xsk *to,
		    const struct fp_xsk_pkt *p)
{
	struct fwd_slot *sl = NULL;
	uint32_t i;

	for (i = 0; i < wk->n_fwd; i++) {
		if (wk->fwd[i].x == to) {
			sl = &wk->fwd[i];
			break;
		}
	}
	if (!sl) {
		/* More destinations in one batch than slots: send what we
		 * have and start over. */
		if (wk->n_fwd == FWD_SLOTS)
			fwd_flush(wk);
		sl = &wk->fwd[wk->n_fwd++];
		sl->x = to;
		sl->n = 0;
	}
	sl->pkts[sl->n++] = *p;
}

static void run_batch(struct fp_xsk_worker *wk, struct fp_xsk *x, uint32_t n)
{
	struct fp_xsk_workers *w = wk->w;
	struct fp_xsk_batch b = {
		.rx = x, .pkts = wk->pkts, .n = n,
		.action = wk->action, .out = wk->out,
	};
	uint32_t i, ntx = 0, ndrop = 0;

	memset(wk->action, FP_XSK_DROP, n);
	w->o.fn(&b, w->o.ctx, wk->index);
	for (i = 0; i < n; i++) {
		struct fp_xsk *to;

		switch (wk->action[i]) {
		case FP_XSK_TX:
			wk->txb[ntx++] = wk->pkts[i];
			break;
		case FP_XSK_FORWARD:
			to = wk->out[i];
			if (to == x) {
				wk->txb[ntx++] = wk->pkts[i];
			} else if (to && to->set == x->set) {
				fwd_add(wk, to, &wk->pkts[i]);
			} else {
				wk->dropb[ndrop++] = wk->pkts[i];
			}
			break;
		default:
			wk->dropb[ndrop++] = wk->pkts[i];
			break;
		}
	}
	if (ntx)
		fp_xsk_tx(x, wk->txb, ntx);
	if (wk->n_fwd)
		fwd_flush(wk);
	if (ndrop)
		fp_xsk_recycle(x, wk->dropb, ndrop);
}

/* --- the loop ------------------------------------------------------------------ */

static void wait_poll(struct fp_xsk_worker *wk)
{
	struct fp_xsk_workers *w = wk->w;
	uint32_t i;

	for (i = 0; i < wk->n_socks; i++) {
		struct fp_xsk *x = wk->socks[i];

		/* Work already waiting: no system call. */
		if (xsk_cons_nb_avail(&x->rx, 1))
			return;
		/* Frames waiting to go out: POLLOUT makes poll() drive TX
		 * (copy mode) and return while the ring drains. */
		wk->pfds[i].events = POLLIN |
				     (fp_xsk_tx_pending(x) ? POLLOUT : 0);
		wk->pfds[i].revents = 0;
	}
	wk->pfds[wk->n_socks].revents = 0;
	poll(wk->pfds, wk->n_socks + 1, w->poll_timeout_ms);
}

static void loop(struct fp_xsk_worker *wk)
{
	struct fp_xsk_workers *w = wk->w;
	uint32_t i, n;

	while (!stopping(w)) {
		if (w->wait == FP_XSK_WAIT_POLL)
			wait_poll(wk);
		for (i = 0; i < wk->n_qs; i++)
			fp_xsk_q_complete(wk->qs[i]);
		for (i = 0; i < wk->n_socks; i++) {
			struct fp_xsk *x = wk->socks[i];

			if (w->wait == FP_XSK_WAIT_BUSYPOLL)
				fp_xsk_wait(x);
			n = fp_xsk_rx(x, wk->pkts, x->cfg->batch);
			if (n)
				run_batch(wk, x, n);
			else if (fp_xsk_tx_pending(x))
				fp_xsk_kick(x);
		}
		if (w->o.iteration)
			w->o.iteration(w->o.ctx, wk->index);
		FP_XSK_ADD(wk->iterations, 1);
	}
}

/* Frames still on our TX rings: let the kernel finish them. */
static void drain(struct fp_xsk_worker *wk)
{
	uint64_t end = fp_now_ns() + DRAIN_NS, sent, done;
	uint32_t i;

	for (;;) {
		sent = done = 0;
		for (i = 0; i < wk->n_qs; i++) {
			fp_xsk_q_complete(wk->qs[i]);
			done += FP_XSK_READ(wk->qs[i]->completed);
		}
		for (i = 0; i < wk->n_socks; i++) {
			sent += FP_XSK_READ(wk->socks[i]->c.tx_packets);
			if (fp_xsk_tx_pending(wk->socks[i]))
				fp_xsk_kick(wk->socks[i]);
		}
		if (sent == done || fp_now_ns() >= end)
			return;
		sched_yield();
	}
}

static void *worker_main(void *arg)
{
	struct fp_xsk_worker *wk = arg;
	struct fp_xsk_workers *w = wk->w;
	uint32_t me = fp_xsk_thread_token(), i;
	char name[16];
	int go;

	snprintf(name, sizeof(name), "fp-xsk-%u", wk->index);
	pthread_setname_np(pthread_self(), name);
	for (i = 0; i < wk->n_qs; i++)
		__atomic_store_n(&wk->qs[i]->owner, me, __ATOMIC_RELEASE);

	pthread_mutex_lock(&w->lock);
	while (!(go = w->go))
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);

	if (go > 0) {
		if (w->o.thread_init)
			w->o.thread_init(w->o.ctx, wk->index);
		loop(wk);
		/* After the barrier nobody forwards onto our sockets. */
		pthread_barrier_wait(&w->barrier);
		drain(wk);
		if (w->o.thread_exit)
			w->o.thread_exit(w->o.ctx, wk->index);
	}
	for (i = 0; i < wk->n_qs; i++)
		__atomic_store_n(&wk->qs[i]->owner, 0, __ATOMIC_RELEASE);
	return NULL;
}

/* --- start and stop ------------------------------------------------------------ */

static int assign(struct fp_xsk_set *s, const struct fp_xsk_workers_opts *o,
		  uint32_t *q_worker)
{
	uint32_t i, npos = 0, n = o->n_workers;

	for (i = 0; i < s->n_qs; i++)
		q_worker[i] = UINT32_MAX;
	if (o->socket_worker) {
		uint32_t first[FP_XSK_MAX_SOCKETS];

		for (i = 0; i < s->n_socks; i++) {
			struct fp_xsk *x = s->socks[i];
			uint32_t wi = o->socket_worker[i], qi = x->q->index;

			if (wi >= n) {
				fp_err("xsk: socket %u is given to worker %u, but there are %u workers",
				       i, wi, n);
				return -EINVAL;
			}
			if (q_worker[qi] == UINT32_MAX) {
				q_worker[qi] = wi;
				first[qi] = i;
			} else if (q_worker[qi] != wi) {
				fp_err("xsk: sockets %u and %u share the fill and completion rings of %s queue %u: they must belong to the same worker (%u, not %u)",
				       first[qi], i, s->ifaces[x->q->iface].name,
				       x->queue, q_worker[qi], wi);
				return -EINVAL;
			}
		}
		return 0;
	}
	for (i = 0; i < s->n_qs; i++)
		if (s->qs[i]->pos + 1 > npos)
			npos = s->qs[i]->pos + 1;
	if (n > s->n_qs) {
		fp_err("xsk: %u workers but only %u queues: each worker needs a queue of its own; lower the number of workers or add --queues",
		       n, s->n_qs);
		return -EINVAL;
	}
	for (i = 0; i < s->n_qs; i++)
		q_worker[i] = n <= npos ? s->qs[i]->pos % n : i % n;
	return 0;
}

static void gather(struct fp_xsk_workers *w, const uint32_t *q_worker)
{
	struct fp_xsk_set *s = w->set;
	uint32_t i, j;

	for (i = 0; i < s->n_qs; i++) {
		struct fp_xsk_worker *wk = &w->workers[q_worker[i]];
		struct fp_xsk_q *q = s->qs[i];

		wk->qs[wk->n_qs++] = q;
		for (j = 0; j < q->n_socks; j++) {
			wk->pfds[wk->n_socks].fd = q->socks[j]->fd;
			wk->pfds[wk->n_socks].events = POLLIN;
			wk->socks[wk->n_socks++] = q->socks[j];
		}
	}
	for (i = 0; i < w->n; i++) {
		struct fp_xsk_worker *wk = &w->workers[i];

		wk->pfds[wk->n_socks].fd = w->efd;
		wk->pfds[wk->n_socks].events = POLLIN;
	}
}

static int spawn(struct fp_xsk_workers *w, struct fp_xsk_worker *wk)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	pthread_attr_init(&attr);
	if (wk->cpu >= 0) {
		if (wk->cpu >= CPU_SETSIZE) {
			err = EINVAL;
			goto out;
		}
		/* Pinned from its first instruction: no migration window. */
		CPU_ZERO(&set);
		CPU_SET(wk->cpu, &set);
		err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (err)
			goto out;
	}
	err = pthread_create(&wk->thread, &attr, worker_main, wk);
	if (!err)
		wk->started = true;
out:
	pthread_attr_destroy(&attr);
	if (err)
		fp_err("xsk: cannot start worker %u%s: %s; pick CPUs this process may use (see 'nproc' and taskset)",
		       wk->index, wk->cpu >= 0 ? " pinned to that CPU" : "",
		       strerror(err));
	return -err;
}

static void release_go(struct fp_xsk_workers *w, int go)
{
	pthread_mutex_lock(&w->lock);
	w->go = go;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void join_all(struct fp_xsk_workers *w)
{
	uint32_t i;

	for (i = 0; i < w->n; i++) {
		if (w->workers[i].started)
			pthread_join(w->workers[i].thread, NULL);
		w->workers[i].started = false;
	}
}

int fp_xsk_workers_start_opts(struct fp_xsk_set *s,
			      const struct fp_xsk_workers_opts *o,
			      struct fp_xsk_workers **out)
{
	uint32_t q_worker[FP_XSK_MAX_SOCKETS], i;
	struct fp_xsk_workers *w;
	int err;

	*out = NULL;
	if (!o->fn || !o->n_workers || o->n_workers > FP_XSK_MAX_WORKERS) {
		fp_err("xsk: workers need a batch function and 1..%d threads",
		       FP_XSK_MAX_WORKERS);
		return -EINVAL;
	}
	if (s->workers) {
		fp_err("xsk: workers already run on this set; stop them first");
		return -EBUSY;
	}
	err = assign(s, o, q_worker);
	if (err)
		return err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->set = s;
	w->o = *o;
	w->n = o->n_workers;
	w->wait = s->ifaces[0].cfg.wait;
	w->poll_timeout_ms = s->ifaces[0].cfg.poll_timeout_ms;
	w->efd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (posix_memalign((void **)&w->workers, 64, w->n * sizeof(*w->workers))) {
		err = -ENOMEM;
		goto fail;
	}
	memset(w->workers, 0, w->n * sizeof(*w->workers));
	for (i = 0; i < w->n; i++) {
		w->workers[i].w = w;
		w->workers[i].index = i;
		w->workers[i].cpu = o->cpus ? o->cpus[i] : -1;
		w->cpus[i] = w->workers[i].cpu;
	}
	w->o.cpus = w->cpus;
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0) {
		err = -errno;
		goto fail;
	}
	err = -pthread_barrier_init(&w->barrier, NULL, w->n);
	if (err)
		goto fail;
	w->barrier_ok = true;
	gather(w, q_worker);
	for (i = 0; i < s->n_qs; i++)
		__atomic_store_n(&s->qs[i]->owner, 0, __ATOMIC_RELEASE);
	/* Only undo at stop what we did: the caller may share on purpose. */
	if (w->n > 1 && s->n_socks && !s->socks[0]->shared_tx) {
		fp_xsk_set_shared_tx(s, true);
		w->set_shared_tx = true;
	}
	for (i = 0; i < w->n; i++) {
		err = spawn(w, &w->workers[i]);
		if (err) {
			release_go(w, -1);
			join_all(w);
			goto fail;
		}
	}
	s->workers = w;
	release_go(w, 1);
	*out = w;
	return 0;
fail:
	if (w->set_shared_tx)
		fp_xsk_set_shared_tx(s, false);
	if (w->barrier_ok)
		pthread_barrier_destroy(&w->barrier);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->workers);
	free(w);
	return err;
}

int fp_xsk_workers_start(struct fp_xsk_set *s, const int *cpus,
			 uint32_t n_workers, fp_xsk_batch_fn fn, void *ctx,
			 struct fp_xsk_workers **out)
{
	const struct fp_xsk_workers_opts o = {
		.cpus = cpus, .n_workers = n_workers, .fn = fn, .ctx = ctx,
	};

	return fp_xsk_workers_start_opts(s, &o, out);
}

int fp_xsk_workers_owner(const struct fp_xsk_workers *w,
			 const struct fp_xsk *x)
{
	uint32_t i, j;

	for (i = 0; i < w->n; i++)
		for (j = 0; j < w->workers[i].n_socks; j++)
			if (w->workers[i].socks[j] == x)
				return (int)i;
	return -1;
}

uint64_t fp_xsk_workers_iterations(const struct fp_xsk_workers *w, uint32_t i)
{
	return i < w->n ? FP_XSK_READ(w->workers[i].iterations) : 0;
}

void fp_xsk_workers_stop(struct fp_xsk_workers *w)
{
	uint64_t one = 1;

	if (!w || w->joined)
		return;
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
	if (write(w->efd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one write; workers also
		 * wake at their poll timeout. */
	}
	join_all(w);
	w->joined = true;
	if (w->set) {
		if (w->set_shared_tx)
			fp_xsk_set_shared_tx(w->set, false);
		if (w->set->workers == w)
			w->set->workers = NULL;
	}
}

void fp_xsk_workers_detach_set(struct fp_xsk_workers *w)
{
	fp_xsk_workers_stop(w);
	w->set = NULL;
}

void fp_xsk_workers_free(struct fp_xsk_workers *w)
{
	if (!w)
		return;
	fp_xsk_workers_stop(w);
	pthread_barrier_destroy(&w->barrier);
	close(w->efd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->workers);
	free(w);
}
