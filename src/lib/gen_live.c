// SPDX-License-Identifier: MIT
/*
 * Generator engine 1: XDP live frames.  BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs gen_xdp.bpf.c `repeat` times on frames
 * that start as our template; each run returns XDP_TX and the kernel sends
 * the frame out of ingress_ifindex.
 *
 * One long call per worker, not many short ones.  A test-run call has a
 * fixed cost, ~0.1 ms when the frames die at once but ~20-30 ms on this
 * kernel once frames were delivered somewhere (the page pool's teardown
 * waits for an RCU grace period while pages are in flight): chunks of
 * 20 ms would have halved the rate and left holes in paced traffic.  So a
 * worker asks for all it has to send (--count exactly, else 2^32-1 frames)
 * and the reporting thread interrupts the call with a signal when it is
 * time (duration, stop, paced quota reached); counts come from the
 * program's per-CPU counters, which are authoritative even for a call cut
 * short.  Pacing is done by the program itself (see gen_xdp.bpf.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/probe.h"
#include "fastpath/run.h"
#include "fastpath/xdp.h"
#include "lib/gen_priv.h"
#include "gen_xdp.skel.h"

/* NETDEV_XDP_ACT_NDO_XMIT of <linux/netdev.h> (newer than Debian 12's). */
#define XDP_ACT_NDO_XMIT (1ULL << 2)
#define MAX_LAG_NS (1000000ULL)		/* pacing debt forgiven beyond this */
#define SPIN_MAX_NS (50000ULL)		/* longer waits return to the kernel */
#define ALL_FRAMES 0xffffffffu		/* "until interrupted" */

struct live {
	struct fp_gen_xdp *skel;
	int prog_fd;
	int state_fd;
	int ncpus;			/* possible CPUs: per-CPU value count */
	bool paced;
	struct fp_gen_cpu *vals;	/* poll() buffer (reporting thread) */
};

static int fill_flows(struct fp_gen *g, struct live *l)
{
	int fd = bpf_map__fd(l->skel->maps.gen_flows);
	uint32_t i;

	for (i = 0; i < g->flows; i++)
		if (bpf_map_update_elem(fd, &i, &g->flow_tab[i], BPF_ANY))
			return -errno;
	return 0;
}

static int live_prepare(struct fp_gen *g)
{
	struct live *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	g->eng = l;
	l->ncpus = libbpf_num_possible_cpus();
	if (l->ncpus <= 0)
		return l->ncpus ? l->ncpus : -EINVAL;
	l->vals = calloc((size_t)l->ncpus, sizeof(*l->vals));
	if (!l->vals)
		return -ENOMEM;
	l->skel = fp_gen_xdp__open();
	if (!l->skel) {
		err = -errno;
		fp_err("gen: cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	memcpy((void *)&l->skel->rodata->gen_cfg, &g->pkt, sizeof(g->pkt));
	l->paced = g->cfg.rate != 0;
	if (l->paced) {
		l->skel->rodata->paced = 1;
		l->skel->rodata->pace_ns = g->gap_ns;
		l->skel->rodata->pace_frac = g->gap_frac;
		l->skel->rodata->spin_max_ns = SPIN_MAX_NS;
		l->skel->rodata->pace_max_lag_ns = MAX_LAG_NS;
	}
	err = bpf_map__set_max_entries(l->skel->maps.gen_flows, g->flows);
	if (err)
		return err;
	err = fp_bpf_load(l->skel->obj, "gen");
	if (err)
		return err;
	err = fill_flows(g, l);
	if (err) {
		fp_err("gen: cannot fill the flow table: %s", strerror(-err));
		return err;
	}
	l->prog_fd = bpf_program__fd(l->skel->progs.fp_gen_xdp);
	l->state_fd = bpf_map__fd(l->skel->maps.gen_state);
	return 0;
}

int fp_gen_live_probe(struct fp_gen *g)
{
	struct live *l = g->eng;
	struct xdp_md ctx = {
		.data_end = g->tmpl_len,
		.ingress_ifindex = (__u32)g->cfg.ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = g->tmpl,
		.data_size_in = g->tmpl_len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
	);

	/* The probe program drops, so this sends nothing. */
	if (bpf_prog_test_run_opts(bpf_program__fd(l->skel->progs.fp_gen_probe),
				   &opts)) {
		fp_dbg("gen: live frames probe failed: %s", strerror(errno));
		return -EOPNOTSUPP;
	}
	return 0;
}

int fp_gen_live_check_xmit(struct fp_gen *g, char *why, size_t len)
{
	char driver[32] = "";
	uint64_t features;

	/* Kernels before 6.3 cannot tell: assume the device can. */
	if (fp_probe_xdp_features(g->cfg.ifindex, &features) ||
	    (features & XDP_ACT_NDO_XMIT))
		return 0;
	fp_probe_driver(g->cfg.ifindex, driver, sizeof(driver));
	snprintf(why, len, "%s cannot transmit XDP frames (no ndo-xmit in its xdp-features%s)",
		 g->ifname, strcmp(driver, "veth") ? "" :
		 "; on veth the peer needs GRO on (ethtool -K PEER gro on) or an XDP program");
	return -EOPNOTSUPP;
}

static int read_cpu(struct live *l, struct fp_gen_cpu *vals, int cpu,
		    struct fp_gen_cpu *out)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(l->state_fd, &zero, vals))
		return -errno;
	*out = vals[cpu];
	return 0;
}

/* Called by the reporting thread and, through fp_gen_read(), by any other
 * thread: its own buffer, so the two never share one (a few times a second,
 * the allocation costs nothing). */
static void live_read(struct fp_gen *g, uint64_t *packets, uint64_t *bytes)
{
	struct live *l = g->eng;
	struct fp_gen_cpu *vals;
	uint32_t zero = 0;
	int i;

	*packets = *bytes = 0;
	vals = calloc((size_t)l->ncpus, sizeof(*vals));
	if (!vals)
		return;
	if (!bpf_map_lookup_elem(l->state_fd, &zero, vals)) {
		for (i = 0; i < l->ncpus; i++) {
			*packets += vals[i].packets;
			*bytes += vals[i].bytes;
		}
	}
	free(vals);
}

/* Interrupt workers that must stop: stop requested, deadline passed, or
 * (paced) quota reached: their program idles at the cap until told. */
static void live_poll(struct fp_gen *g, uint64_t now)
{
	struct live *l = g->eng;
	bool stop = fp_gen_stopping(g), have_vals = false;
	uint32_t zero = 0, i;

	for (i = 0; i < g->threads; i++) {
		struct fp_gen_worker *w = &g->workers[i];
		uint64_t deadline = atomic_load(&w->deadline_ns);
		bool due = stop || (deadline && now >= deadline);

		if (atomic_load(&w->done))
			continue;
		if (!due && l->paced && w->quota &&
		    atomic_load(&w->base) != FP_GEN_NO_BASE) {
			if (!have_vals &&
			    bpf_map_lookup_elem(l->state_fd, &zero, l->vals))
				continue;
			have_vals = true;
			due = l->vals[w->cpu].packets - w->base >= w->quota;
		}
		/* Repeated every poll until the worker is done: a kick that
		 * lands just before it enters the kernel is not lost. */
		if (due)
			fp_gen_kick(w);
	}
}

static int live_worker(struct fp_gen_worker *w)
{
	struct fp_gen *g = w->g;
	struct live *l = g->eng;
	struct xdp_md ctx = {
		.data_end = g->tmpl_len,
		.ingress_ifindex = (__u32)g->cfg.ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = g->tmpl,
		.data_size_in = g->tmpl_len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		/* Paced frames leave one by one; others in batches of 64. */
		.batch_size = l->paced ? 1 : 0,
	);
	struct fp_gen_cpu *vals, cur;
	uint64_t base, sent = 0;
	int err;

	if (w->cpu >= l->ncpus || w->cpu >= FP_GEN_MAX_CPUS)
		return -EINVAL;
	vals = calloc((size_t)l->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = read_cpu(l, vals, w->cpu, &cur);
	if (err)
		goto out;
	base = cur.packets;
	if (l->paced) {
		l->skel->bss->gen_limit[w->cpu] = w->quota ? base + w->quota
							   : UINT64_MAX;
		l->skel->bss->gen_first[w->cpu] = 0;
	}
	atomic_store(&w->base, base);

	while (!fp_gen_stopping(g)) {
		if ((w->deadline_ns && fp_now_ns() >= w->deadline_ns) ||
		    (w->quota && sent >= w->quota))
			break;
		/* Flat out, every run is a frame, so the repeat count is
		 * exact; paced, gen_limit is the cap and repeat is moot. */
		opts.repeat = ALL_FRAMES;
		if (!l->paced && w->quota && w->quota - sent < ALL_FRAMES)
			opts.repeat = (__u32)(w->quota - sent);
		if (bpf_prog_test_run_opts(l->prog_fd, &opts) &&
		    errno != EINTR) {
			err = -errno;
			fp_err("gen: sending on %s failed: %s", g->ifname,
			       strerror(-err));
			break;
		}
		err = read_cpu(l, vals, w->cpu, &cur);
		if (err)
			break;
		sent = cur.packets - base;
	}
	/* The run ended with its last frame, not with the call: paced, one
	 * gap after the last departure; flat out, at the deadline (the call
	 * returns a few ms later, after the page pool's teardown). */
	w->end_ns = fp_now_ns();
	if (l->paced && sent && cur.last_ns) {
		w->end_ns = cur.last_ns + g->gap_ns;
		/* ... and began with its first frame, not with the call's
		 * setup (5-15 ms here). */
		if (l->skel->bss->gen_first[w->cpu])
			w->start_ns = l->skel->bss->gen_first[w->cpu];
	}
	if (w->deadline_ns && w->end_ns > w->deadline_ns)
		w->end_ns = w->deadline_ns;
out:
	free(vals);
	return err;
}

static void live_free(struct fp_gen *g)
{
	struct live *l = g->eng;

	if (!l)
		return;
	fp_gen_xdp__destroy(l->skel);
	free(l->vals);
	free(l);
	g->eng = NULL;
}

const struct fp_gen_engine_ops fp_gen_live_ops = {
	.name = "live",
	.prepare = live_prepare,
	.worker = live_worker,
	.read = live_read,
	.poll = live_poll,
	.free = live_free,
};
