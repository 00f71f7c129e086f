/* SPDX-License-Identifier: MIT */
/*
 * Inside the generator: the state shared by gen.c (configuration, flow
 * table, threads, reporting) and the two engines (gen_live.c, gen_afxdp.c).
 * An engine is a few functions; gen_run.c owns the threads and calls
 * engine->worker() on each, pinned, and engine->read()/poll() from the
 * reporting thread (the caller's).
 */
#ifndef FASTPATH_GEN_PRIV_H
#define FASTPATH_GEN_PRIV_H

#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>

#include "fastpath/gen.h"
#include "fastpath/genpkt.h"

#define FP_GEN_NO_BASE UINT64_MAX

struct fp_gen_worker {
	struct fp_gen *g;
	uint32_t index;
	int cpu;		/* pinned here; also the payload stream id */
	uint64_t quota;		/* packets for this run; 0 = no limit */
	/* CLOCK_MONOTONIC; 0 = none.  Set by the worker when it starts
	 * sending (so startup does not eat into --duration), read by the
	 * reporting thread. */
	_Atomic uint64_t deadline_ns;
	uint64_t start_ns;	/* when this worker started sending */
	pthread_t tid;
	bool started;
	uint64_t kicked_ns;	/* last fp_gen_kick() */
	int err;
	uint64_t end_ns;	/* when this worker stopped sending */
	/* Engine's packet counter when this worker began; FP_GEN_NO_BASE
	 * until the worker has read it (the reporting thread waits). */
	_Atomic uint64_t base;
	atomic_bool done;
	/* Engines that count in user space publish here (relaxed). */
	_Atomic uint64_t packets;
	_Atomic uint64_t bytes;
	void *eng;		/* engine state of this worker */
};

struct fp_gen_engine_ops {
	const char *name;
	/* Load/open everything; g->pkt, g->flow_tab, g->tmpl are ready. */
	int (*prepare)(struct fp_gen *g);
	/* Send until quota, deadline or fp_gen_stopping(); runs pinned. */
	int (*worker)(struct fp_gen_worker *w);
	/* Cumulative packets and bytes since prepare (all workers). */
	void (*read)(struct fp_gen *g, uint64_t *packets, uint64_t *bytes);
	/* Optional: called by the reporting thread every few ms while the
	 * workers run, to interrupt those that must stop (live engine). */
	void (*poll)(struct fp_gen *g, uint64_t now);
	void (*free)(struct fp_gen *g);
};

struct fp_gen {
	struct fp_gen_config cfg;	/* resolved: MACs, src ip, cpus */
	char ifname[IF_NAMESIZE];
	enum fp_gen_engine engine;
	const struct fp_gen_engine_ops *ops;
	uint32_t threads;
	uint32_t flows;
	/* Per-thread rate as a fixed-point interval (threads * 1e9 / rate
	 * ns, fraction in 1/2^32 ns); zero when flat out. */
	uint64_t gap_ns;
	uint32_t gap_frac;
	struct fp_genpkt_cfg pkt;
	struct fp_genpkt_flow *flow_tab;	/* flows entries */
	uint8_t *tmpl;				/* frame of flow 0 */
	uint32_t tmpl_len;
	atomic_bool stop;
	struct fp_gen_worker workers[FP_GEN_MAX_THREADS];
	void *eng;				/* engine state */
};

extern const struct fp_gen_engine_ops fp_gen_live_ops;
extern const struct fp_gen_engine_ops fp_gen_afxdp_ops;

/* g->tmpl, g->pkt and g->flow_tab from the resolved g->cfg (gen_flows.c). */
int fp_gen_build_flows(struct fp_gen *g);

/* Live frames usable here?  0 yes, -EOPNOTSUPP no (quiet). */
int fp_gen_live_probe(struct fp_gen *g);

/* Would frames sent with XDP_TX on the interface be dropped for lack of
 * ndo_xdp_xmit?  0 if not (or unknown), else -EOPNOTSUPP and @why. */
int fp_gen_live_check_xmit(struct fp_gen *g, char *why, size_t len);

/* A worker polls this between batches; it also notices SIGINT/SIGTERM. */
bool fp_gen_stopping(struct fp_gen *g);
/* Interrupt @w's blocking call (a test run) with a signal; harmless when
 * it is not in one.  Needs fp_gen_run()'s handler, installed once. */
void fp_gen_kick(struct fp_gen_worker *w);

/* Packets per second of one worker (may be fractional). */
double fp_gen_thread_rate(const struct fp_gen *g);

#endif
