/* SPDX-License-Identifier: MIT */
/*
 * Traffic generator (`fastpath gen`, and in-process for `fastpath bench`).
 *
 * Two engines send the same frames (genpkt.h writes every packet in both):
 *   live   an XDP program run with BPF_PROG_TEST_RUN and
 *          BPF_F_TEST_XDP_LIVE_FRAMES returns XDP_TX, so the kernel sends
 *          frames without any user-space copy: >= 30 Mpps on one core.
 *   afxdp  an AF_XDP socket per thread transmits frames from a UMEM that
 *          user space patches per packet; the fallback for kernels without
 *          live frames.
 * auto picks live when the kernel has it and announces the fallback.
 *
 * Life cycle: fp_gen_prepare() validates the whole configuration (one line
 * per mistake), resolves the destination MAC, builds the flow table and
 * loads the BPF program or opens the sockets; fp_gen_run() sends until the
 * count, the duration or a stop request (fp_run_request_stop(), SIGINT with
 * fp_run_install_signals()), calling @tick once a second; fp_gen_free()
 * releases everything.  Worker threads are created by fp_gen_run() from the
 * calling thread, so they inherit its network namespace (bench enters the
 * namespace with setns() before calling; fp_gen_prepare() must run in that
 * namespace too: it resolves the interface and its neighbours there).
 * fp_gen_run() may be called again on the same generator: sequence numbers
 * continue.  The live engine interrupts its own threads with SIGRTMIN (a
 * do-nothing handler is installed on first use): leave that signal alone.
 *
 * Each worker is pinned to one CPU; its payload stream id is that CPU's id
 * and it owns one sequence space, so no two workers share a counter.
 */
#ifndef FASTPATH_GEN_H
#define FASTPATH_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath/opts.h"	/* struct fp_addr */

#define FP_GEN_MIN_SIZE 64
#define FP_GEN_MAX_SIZE 1514
#define FP_GEN_MAX_THREADS 64
/* A flow is a precomputed header block (80 bytes): 1 Mi flows = 80 MiB, so
 * only an explicit --flows goes that far; ranges alone stop at 64 Ki. */
#define FP_GEN_MAX_FLOWS (1u << 20)
#define FP_GEN_AUTO_FLOWS 65536
#define FP_GEN_DEFAULT_PORT 9	/* discard */
#define FP_GEN_RESOLVE_MS 1000

enum fp_gen_engine {
	FP_GEN_ENGINE_AUTO = 0,
	FP_GEN_ENGINE_LIVE,
	FP_GEN_ENGINE_AFXDP,
};

struct fp_gen_config {
	int ifindex;			/* required */
	bool has_src_mac;		/* else the interface's MAC */
	uint8_t src_mac[6];
	bool has_dst_mac;		/* else route + neighbour table */
	uint8_t dst_mac[6];
	bool has_src_ip;		/* else the first address of ifindex */
	struct fp_addr src_lo, src_hi;	/* inclusive range */
	struct fp_addr dst_lo, dst_hi;	/* required; same family as src */
	uint16_t sport_lo, sport_hi;	/* default FP_GEN_DEFAULT_PORT */
	uint16_t dport_lo, dport_hi;
	uint8_t proto;			/* IPPROTO_UDP (default) or TCP */
	uint32_t size;			/* L2 frame without FCS, default 64 */
	uint64_t count;			/* packets in total; 0 = no limit */
	uint64_t duration_ns;		/* 0 = no limit */
	uint64_t rate;			/* packets/s in total; 0 = flat out */
	uint32_t flows;			/* 0 = all 5-tuples of the ranges, capped */
	uint32_t threads;		/* 0 = one per cpus[] entry, or 1 */
	uint32_t ncpus;			/* 0 = the CPUs the caller may run on */
	int cpus[FP_GEN_MAX_THREADS];
	enum fp_gen_engine engine;
};

struct fp_gen_stats {
	uint64_t packets;		/* sent since fp_gen_run() began */
	uint64_t bytes;			/* L2 bytes, without FCS */
	uint64_t elapsed_ns;
	/* The last interval (one second between ticks; the tail at the end). */
	uint64_t interval_packets;
	uint64_t interval_bytes;
	uint64_t interval_ns;
	enum fp_gen_engine engine;	/* the one in use, never auto */
	uint32_t threads;
};

struct fp_gen;

/* Defaults: UDP, 64 bytes, ports 9, flat out, no limits, 1 thread, auto. */
void fp_gen_config_init(struct fp_gen_config *cfg);

int fp_gen_prepare(const struct fp_gen_config *cfg, struct fp_gen **out);

typedef void (*fp_gen_tick_fn)(const struct fp_gen_stats *now, void *ctx);

/* Returns 0 (also when stopped early by a stop request) or a negative
 * errno after printing what failed; @out gets the totals in both cases. */
int fp_gen_run(struct fp_gen *g, fp_gen_tick_fn tick, void *ctx,
	       struct fp_gen_stats *out);

void fp_gen_free(struct fp_gen *g);

/*
 * For a caller that runs fp_gen_run() on another thread (fastpath bench):
 * fp_gen_stop() makes that run wind down and return, without touching the
 * process-wide stop flag; fp_gen_read() reads the cumulative packets and
 * bytes sent since fp_gen_prepare() (the engine's own counters, per CPU
 * in the live engine), at any time, from any thread.  Only packets and
 * bytes of @st are set; the rest is zeroed.
 */
void fp_gen_stop(struct fp_gen *g);
int fp_gen_read(struct fp_gen *g, struct fp_gen_stats *st);

/* What fp_gen_prepare() settled on (for reports): */
enum fp_gen_engine fp_gen_engine(const struct fp_gen *g);
uint32_t fp_gen_flows(const struct fp_gen *g);
uint32_t fp_gen_threads(const struct fp_gen *g);
int fp_gen_cpu(const struct fp_gen *g, uint32_t thread);
/* The frame of flow 0 with stream 0, seq 0 (tests compare against it). */
const uint8_t *fp_gen_template(const struct fp_gen *g, uint32_t *len);

/*
 * Flows: flow i of N is the i-th 5-tuple of the ranges, walked with the
 * source port varying fastest, then the destination port, the source
 * address, the destination address (like an odometer).  @cfg must have its
 * source range set (has_src_ip, or as fp_gen_prepare() resolved it).
 */
struct fp_gen_tuple {
	struct fp_addr src, dst;
	uint16_t sport, dport;
};

/* Distinct 5-tuples in the ranges (saturates at UINT64_MAX). */
uint64_t fp_gen_tuple_count(const struct fp_gen_config *cfg);
void fp_gen_flow_tuple(const struct fp_gen_config *cfg, uint32_t index,
		       struct fp_gen_tuple *t);

const char *fp_gen_engine_str(enum fp_gen_engine e);
/* "auto", "live", "afxdp"; prints an error naming --engine. */
int fp_gen_engine_parse(const char *s, enum fp_gen_engine *out);

#endif
