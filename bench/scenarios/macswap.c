// SPDX-License-Identifier: MIT
/*
 * macswap: pure I/O.  The reflector in every mode; what comes back to the
 * generator's interface is counted there (a sink), so every mode is
 * measured end to end the same way.  There is no Linux baseline for a
 * reflector; the figure that matters is each mode against xdp, the
 * reference the ratios are taken to.
 */
#include "fastpath/nfrun.h"
#include "scenarios/scenario.h"

#define MACSWAP(m) { .chain = "macswap", .mode = (m), .count_returned = true }

static const struct bench_nf_arg a_xdp = MACSWAP(FP_RUN_XDP);
static const struct bench_nf_arg a_xdp_sk = MACSWAP(FP_RUN_XDP_SK);
static const struct bench_nf_arg a_afxdp = MACSWAP(FP_RUN_AFXDP);
static const struct bench_nf_arg a_busy = MACSWAP(FP_RUN_AFXDP_BUSYPOLL);
static const struct bench_nf_arg a_poll = MACSWAP(FP_RUN_AFXDP_POLL);

static const struct bench_variant variants[] = {
	BENCH_VARIANT_GEN_ALONE,
	BENCH_NF_VARIANT("xdp", BENCH_REFERENCE, "macswap in XDP (XDP_TX): the reference", &a_xdp),
	BENCH_NF_VARIANT("xdp-sk", BENCH_FASTPATH, "macswap in XDP, AF_XDP sockets bound", &a_xdp_sk),
	BENCH_NF_VARIANT("afxdp", BENCH_FASTPATH, "macswap in an AF_XDP worker, spinning", &a_afxdp),
	BENCH_NF_VARIANT("afxdp-busypoll", BENCH_FASTPATH, "the same with preferred busy polling", &a_busy),
	BENCH_NF_VARIANT("afxdp-poll", BENCH_FASTPATH, "the same, sleeping in poll()", &a_poll),
};

const struct bench_scenario bench_scenario_macswap = {
	.name = "macswap",
	.summary = "reflect UDP frames: the I/O cost of each mode",
	BENCH_ON_PAIR,
	.dst_ip = "198.18.0.2",
	.prepare = bench_return_sink_open,
	.cleanup = bench_return_sink_close,
	.variants = variants,
	.n_variants = sizeof(variants) / sizeof(variants[0]),
};
