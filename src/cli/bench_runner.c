// SPDX-License-Identifier: MIT
/*
 * The bench runner.  For one scenario: bring its testbed up (unless it is),
 * prepare one generator in the generator's namespace, then for each run
 * measure every variant in turn (the order rotates from run to run so no
 * variant always follows the same one):
 *
 *   setup -> generator on -> warm-up -> count -> window -> count ->
 *   generator off -> teardown
 *
 * The runner thread lives in the DUT's namespace (variants configure it
 * with Linux's tools, which inherit the namespace) and on a CPU other than
 * the generator's, where it sleeps; a second thread, in the generator's
 * namespace, runs fp_gen_run() whose pinned worker sends, and the DUT's
 * softirq runs on that same CPU (bench/README.md explains why).
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

#include "fastpath/gen.h"
#include "fastpath/log.h"
#include "fastpath/netns.h"
#include "fastpath/run.h"
#include "fastpath/testbed.h"
#include "cli/bench.h"

/* The generator is up when its counter moves; it takes 5-15 ms here. */
#define GEN_START_TIMEOUT_NS (2 * 1000000000ULL)
#define GEN_START_POLL_NS (1000000ULL)

struct gen_thread {
	const struct bench_scenario *s;
	struct fp_gen *gen;
	pthread_t tid;
	int err;
	atomic_bool done;
};

static void *gen_main(void *arg)
{
	struct gen_thread *t = arg;
	int saved, err;

	err = fp_netns_enter(t->s->gen_ns, &saved);
	if (!err) {
		/* Workers are created here, so they inherit the namespace. */
		err = fp_gen_run(t->gen, NULL, NULL, NULL);
		fp_netns_leave(saved);
	} else {
		fp_err("bench: cannot enter namespace %s: %s", t->s->gen_ns,
		       strerror(-err));
	}
	t->err = err;
	atomic_store(&t->done, true);
	return NULL;
}

static int gen_prepare(const struct bench_scenario *s,
		       const struct bench_opts *o, struct fp_gen **out)
{
	struct fp_gen_config cfg;
	unsigned int idx;
	int saved, err;

	fp_gen_config_init(&cfg);
	err = fp_netns_enter(s->gen_ns, &saved);
	if (err) {
		fp_err("bench: cannot enter namespace %s: %s", s->gen_ns,
		       strerror(-err));
		return err;
	}
	idx = if_nametoindex(s->gen_iface);
	if (!idx) {
		fp_err("bench: no interface %s in %s; is the testbed up ('fastpath testbed show %s')?",
		       s->gen_iface, s->gen_ns, s->topology);
		err = -ENODEV;
		goto out;
	}
	cfg.ifindex = (int)idx;
	err = fp_parse_addr(s->dst_ip, "destination", &cfg.dst_lo);
	if (err)
		goto out;
	cfg.dst_hi = cfg.dst_lo;
	cfg.size = o->size;
	cfg.threads = 1;
	cfg.ncpus = 1;
	cfg.cpus[0] = o->cpu;
	cfg.engine = FP_GEN_ENGINE_AUTO;
	if (s->gen_config)
		s->gen_config(&cfg);
	err = fp_gen_prepare(&cfg, out);
out:
	fp_netns_leave(saved);
	return err;
}

static int gen_start(struct gen_thread *t)
{
	struct fp_gen_stats st;
	uint64_t before, end;
	int err;

	fp_gen_read(t->gen, &st);
	before = st.packets;
	atomic_store(&t->done, false);
	t->err = 0;
	err = pthread_create(&t->tid, NULL, gen_main, t);
	if (err) {
		fp_err("bench: cannot start the generator thread: %s",
		       strerror(err));
		return -ECHILD;	/* no thread to wait for */
	}
	end = fp_now_ns() + GEN_START_TIMEOUT_NS;
	while (fp_now_ns() < end && !atomic_load(&t->done)) {
		fp_gen_read(t->gen, &st);
		if (st.packets != before)
			return 0;
		if (fp_run_sleep_ns(GEN_START_POLL_NS))
			return -EINTR;
	}
	if (!atomic_load(&t->done))
		fp_err("bench: the generator sent nothing within 2 s; try 'fastpath gen -i %s' in %s to see why",
		       t->s->gen_iface, t->s->gen_ns);
	return t->err ? t->err : -EIO;
}

/*
 * Stop the generator and wait for its thread.  fp_gen_run() clears the stop
 * flag when it begins, so a stop that lands before that is repeated.
 */
static int gen_finish(struct gen_thread *t)
{
	struct timespec ts;

	for (;;) {
		fp_gen_stop(t->gen);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(t->tid, NULL, &ts) == 0)
			return t->err;
	}
}

/* A count and the time it stands for: the middle of the read (an nft
 * counter read forks a process, a few ms). */
static int read_count(struct bench_ctx *ctx, uint64_t *count, uint64_t *t)
{
	uint64_t t0 = fp_now_ns();
	int err = ctx->variant->count(ctx, count);

	*t = t0 + (fp_now_ns() - t0) / 2;
	return err;
}

static int measure(struct bench_ctx *ctx, struct gen_thread *gt,
		   const struct bench_opts *o, double *pps)
{
	const struct bench_variant *v = ctx->variant;
	uint64_t c0 = 0, c1 = 0, t0 = 0, t1 = 0;
	int err, gen_err;

	err = v->setup(ctx);
	if (err) {
		fp_err("bench: %s: setting up variant %s failed", ctx->scenario->name,
		       v->name);
		return err;
	}
	err = gen_start(gt);
	if (err) {
		if (err != -ECHILD)
			gen_finish(gt);
		goto out;
	}
	err = fp_run_sleep_ns(o->warmup_ns);
	if (!err)
		err = read_count(ctx, &c0, &t0);
	if (!err)
		err = fp_run_sleep_ns(o->window_ns);
	if (!err)
		err = read_count(ctx, &c1, &t1);
	if (!err && atomic_load(&gt->done))
		err = gt->err ? gt->err : -EIO;	/* it stopped on its own */
	gen_err = gen_finish(gt);
	if (!err && gen_err)
		err = gen_err;
	if (err)
		goto out;
	if (c1 <= c0 || t1 <= t0) {
		fp_err("bench: %s: variant %s counted no packets in the window; is its setup right?",
		       ctx->scenario->name, v->name);
		err = -EIO;
		goto out;
	}
	*pps = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
out:
	v->teardown(ctx);
	return err;
}

static int run_all(const struct bench_scenario *s, const struct bench_opts *o,
		   struct fp_gen *gen, struct bench_report *rep)
{
	struct gen_thread gt = { .s = s, .gen = gen };
	uint32_t run;
	int i, err;

	for (run = 0; run < o->runs; run++) {
		for (i = 0; i < s->n_variants; i++) {
			int k = (int)((i + run) % (uint32_t)s->n_variants);
			struct bench_ctx ctx = {
				.scenario = s,
				.variant = &s->variants[k],
				.gen = gen,
				.frame_size = o->size,
			};
			double *pps = &rep->v[k].pps[run];

			err = measure(&ctx, &gt, o, pps);
			if (err)
				return err;
			printf("  run %u/%u  %-16s %8.3f Mpps\n", run + 1, o->runs,
			       s->variants[k].name, *pps / 1e6);
			fflush(stdout);
		}
	}
	return 0;
}

static void stamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int bench_run(const struct bench_scenario *s, const struct bench_opts *o,
	      struct bench_report *rep)
{
	const struct fp_topology *topo = fp_testbed_find(s->topology);
	struct fp_gen *gen = NULL;
	bool brought_up = false;
	int i, saved = -1, err;

	memset(rep, 0, sizeof(*rep));
	rep->scenario = s;
	rep->opts = *o;
	rep->n_variants = s->n_variants;
	for (i = 0; i < s->n_variants; i++)
		rep->v[i].variant = &s->variants[i];
	stamp(rep->started, sizeof(rep->started));
	if (!topo) {
		fp_err("bench: scenario %s needs testbed '%s', which does not exist",
		       s->name, s->topology);
		return -ENOENT;
	}
	if (!fp_testbed_is_up(topo)) {
		fp_info("bench: bringing testbed %s up", topo->name);
		err = fp_testbed_up(topo);
		if (err)
			return err;
		brought_up = true;
	}
	err = gen_prepare(s, o, &gen);
	if (err)
		goto out;
	rep->engine = fp_gen_engine_str(fp_gen_engine(gen));
	err = fp_netns_enter(s->dut_ns, &saved);
	if (err) {
		fp_err("bench: cannot enter namespace %s: %s", s->dut_ns,
		       strerror(-err));
		goto out;
	}
	/* The DUT's sysfs, in the bench's own mount namespace (cmd_bench.c):
	 * sysfs shows the network namespace of the task that mounts it. */
	umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		fp_warn("bench: cannot mount the DUT's sysfs: %s; NAPI settings of busy polling will fail",
			strerror(errno));
	err = s->prepare ? s->prepare(s) : 0;
	if (!err)
		err = run_all(s, o, gen, rep);
	if (s->cleanup)
		s->cleanup(s);
	fp_netns_leave(saved);
	if (!err)
		bench_summarize(rep);
out:
	fp_gen_free(gen);
	if (brought_up && !o->keep_testbed)
		fp_testbed_down(topo);
	if (err == -EINTR)
		fp_err("bench: %s interrupted; what it set up was removed", s->name);
	return err;
}
