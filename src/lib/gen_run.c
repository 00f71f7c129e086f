// SPDX-License-Identifier: MIT
/*
 * Generator run: pinned worker threads, per-second ticks, totals.
 *
 * The calling thread creates the workers (so they inherit its network
 * namespace), then reports: every second it reads the engine's counters
 * and calls tick(), and every POLL_NS it lets the engine interrupt workers
 * that must stop.  A live-frames worker spends its time inside one long
 * BPF_PROG_TEST_RUN call that only a signal ends early, so interrupting
 * means pthread_kill() with KICK_SIGNAL, whose handler does nothing: the
 * call returns -EINTR and the worker looks at why.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "fastpath/log.h"
#include "fastpath/run.h"
#include "lib/gen_priv.h"

#define NS_PER_S 1000000000ULL
#define POLL_NS (5 * 1000000ULL)
#define KICK_SIGNAL SIGRTMIN
#define KICK_AGAIN_NS (50 * 1000000ULL)

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void on_kick(int sig)
{
	(void)sig;
}

static void install_kick(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the interrupted call must return. */
	sigaction(KICK_SIGNAL, &sa, NULL);
}

void fp_gen_kick(struct fp_gen_worker *w)
{
	uint64_t now = fp_now_ns();

	/* Real-time signals queue: do not pile them up while the worker
	 * winds down; repeat only in case one landed before its call. */
	if (!w->started || atomic_load(&w->done) ||
	    now - w->kicked_ns < KICK_AGAIN_NS)
		return;
	w->kicked_ns = now;
	pthread_kill(w->tid, KICK_SIGNAL);
}

bool fp_gen_stopping(struct fp_gen *g)
{
	if (fp_run_should_stop())
		atomic_store(&g->stop, true);
	return atomic_load_explicit(&g->stop, memory_order_relaxed);
}

void fp_gen_stop(struct fp_gen *g)
{
	atomic_store(&g->stop, true);
}

int fp_gen_read(struct fp_gen *g, struct fp_gen_stats *st)
{
	memset(st, 0, sizeof(*st));
	g->ops->read(g, &st->packets, &st->bytes);
	st->engine = g->engine;
	st->threads = g->threads;
	return 0;
}

static void *worker_main(void *arg)
{
	struct fp_gen_worker *w = arg;
	struct fp_gen *g = w->g;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	w->err = fp_run_pin_cpu(w->cpu);
	w->start_ns = fp_now_ns();
	if (g->cfg.duration_ns)
		atomic_store(&w->deadline_ns, w->start_ns + g->cfg.duration_ns);
	if (!w->err)
		w->err = g->ops->worker(w);
	if (!w->end_ns)
		w->end_ns = fp_now_ns();
	if (w->err)
		atomic_store(&g->stop, true);	/* one fails: all stop */
	atomic_store(&w->done, true);
	return NULL;
}

static void plan(struct fp_gen *g, uint64_t start)
{
	uint64_t count = g->cfg.count;
	uint32_t i, n = g->threads;

	for (i = 0; i < n; i++) {
		struct fp_gen_worker *w = &g->workers[i];

		w->g = g;
		w->index = i;
		w->cpu = g->cfg.cpus[i];
		/* Exact split: the quotas add up to --count. */
		w->quota = count ? count / n + (i < count % n) : 0;
		/* Provisional, until the worker runs. */
		atomic_store(&w->deadline_ns, g->cfg.duration_ns ?
			     start + g->cfg.duration_ns : 0);
		w->start_ns = 0;
		w->kicked_ns = 0;
		atomic_store(&w->base, FP_GEN_NO_BASE);
		w->started = false;
		w->err = 0;
		w->end_ns = 0;
		atomic_store(&w->done, count && !w->quota);
	}
}

static bool all_done(struct fp_gen *g)
{
	uint32_t i;

	for (i = 0; i < g->threads; i++)
		if (!atomic_load(&g->workers[i].done))
			return false;
	return true;
}

static void fill(struct fp_gen *g, struct fp_gen_stats *st, uint64_t p0,
		 uint64_t b0, uint64_t start, uint64_t now)
{
	uint64_t p, b;

	g->ops->read(g, &p, &b);
	st->interval_packets = p - p0 - st->packets;
	st->interval_bytes = b - b0 - st->bytes;
	st->interval_ns = now - start - st->elapsed_ns;
	st->packets = p - p0;
	st->bytes = b - b0;
	st->elapsed_ns = now - start;
	st->engine = g->engine;
	st->threads = g->threads;
}

static int start_workers(struct fp_gen *g)
{
	uint32_t i;
	int err;

	for (i = 0; i < g->threads; i++) {
		struct fp_gen_worker *w = &g->workers[i];

		if (atomic_load(&w->done))
			continue;
		err = pthread_create(&w->tid, NULL, worker_main, w);
		if (err) {
			fp_err("cannot start generator thread %u: %s", i,
			       strerror(err));
			atomic_store(&g->stop, true);
			return -err;
		}
		w->started = true;
	}
	return 0;
}

static void sleep_until(uint64_t t)
{
	uint64_t now = fp_now_ns();

	if (t > now)
		nanosleep(&(struct timespec){ (time_t)((t - now) / NS_PER_S),
					      (long)((t - now) % NS_PER_S) },
			  NULL);
}

int fp_gen_run(struct fp_gen *g, fp_gen_tick_fn tick, void *ctx,
	       struct fp_gen_stats *out)
{
	struct fp_gen_stats st;
	uint64_t p0, b0, start, next_tick, end = 0, first = 0;
	uint32_t i;
	int err;

	pthread_once(&kick_once, install_kick);
	memset(&st, 0, sizeof(st));
	atomic_store(&g->stop, false);
	g->ops->read(g, &p0, &b0);
	start = fp_now_ns();
	plan(g, start);
	err = start_workers(g);

	next_tick = start + NS_PER_S;
	while (!all_done(g)) {
		uint64_t now = fp_now_ns(), wake = now + POLL_NS;

		fp_gen_stopping(g);
		if (g->ops->poll)
			g->ops->poll(g, now);
		if (now >= next_tick) {
			fill(g, &st, p0, b0, start, now);
			if (tick)
				tick(&st, ctx);
			next_tick += NS_PER_S;
			continue;
		}
		if (next_tick < wake)
			wake = next_tick;
		for (i = 0; i < g->threads; i++) {
			uint64_t d = atomic_load(&g->workers[i].deadline_ns);

			if (d > now && d < wake)
				wake = d;
		}
		/* Not fp_run_sleep_ns(): after a stop request this loop must
		 * keep going until the workers have wound down. */
		sleep_until(wake);
	}

	for (i = 0; i < g->threads; i++) {
		struct fp_gen_worker *w = &g->workers[i];

		if (w->started) {
			pthread_join(w->tid, NULL);
			w->started = false;
		}
		if (w->end_ns > end)
			end = w->end_ns;
		if (w->start_ns && (!first || w->start_ns < first))
			first = w->start_ns;
		if (w->err && !err)
			err = w->err;
	}
	if (!end)
		end = fp_now_ns();
	/* Elapsed is sending time: from the first worker's start (thread
	 * creation and pinning take a few ms) to the last one's end. */
	if (first && first < end) {
		st.elapsed_ns -= first - start;
		start = first;
	}
	fill(g, &st, p0, b0, start, end);
	if (out)
		*out = st;
	return err;
}
