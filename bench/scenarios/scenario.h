/* SPDX-License-Identifier: MIT */
/*
 * Bench scenarios.  A scenario names a testbed topology and a list of
 * variants that share one generator: the generator alone (its own cost, to
 * subtract), the Linux baseline, and the fastpath variant(s).  The runner
 * (src/cli/bench_runner.c) brings the topology up, then for each run
 * measures every variant in turn, so Linux and fastpath see the same machine
 * state; it reports medians, the ratio to the baseline, and the per-packet
 * cost of the device under test with the generator's cost subtracted.
 *
 * A variant only says how to set the device under test up, how to count the
 * packets it handled, and how to undo the setup.  Everything else (timing,
 * placement on CPUs, repetitions, statistics, JSON) is the runner's.
 */
#ifndef FASTPATH_BENCH_SCENARIO_H
#define FASTPATH_BENCH_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath/gen.h"

enum bench_role {
	BENCH_GEN_ALONE,	/* the generator's own cost */
	BENCH_BASELINE,		/* Linux as configured with its own tools */
	BENCH_FASTPATH,		/* the same job done by fastpath */
	BENCH_REFERENCE,	/* a bare XDP program, for "x% of bare" targets */
};

struct bench_ctx;

struct bench_variant {
	const char *name;
	enum bench_role role;
	const char *summary;
	/* Called with the caller's thread in the DUT namespace. */
	int (*setup)(struct bench_ctx *ctx);
	/* Packets handled by the DUT so far (monotonic). */
	int (*count)(struct bench_ctx *ctx, uint64_t *packets);
	void (*teardown)(struct bench_ctx *ctx);
	const void *arg;		/* the variant's parameters */
};

struct bench_scenario {
	const char *name;
	const char *summary;
	const char *topology;	/* a `fastpath testbed` topology */
	const char *gen_ns;	/* namespace and interface the generator uses */
	const char *gen_iface;
	const char *dut_ns;	/* namespace where setup/count/teardown run */
	const char *dut_iface;	/* the DUT's interface facing the generator */
	const char *dst_ip;	/* the generator's destination */
	/* Optional: more generator settings (flows, ports), after the
	 * runner's (interface, destination, size, CPU). */
	void (*gen_config)(struct fp_gen_config *c);
	/* Optional: once before the runs and once after them, in the DUT's
	 * namespace (e.g. a sink on the generator's side, big rule files). */
	int (*prepare)(const struct bench_scenario *s);
	void (*cleanup)(const struct bench_scenario *s);
	const struct bench_variant *variants;
	int n_variants;
};

/* The pair testbed's roles, as most scenarios use them (dst_ip apart). */
#define BENCH_ON_PAIR							\
	.topology = "pair",						\
	.gen_ns = "fp-pair-gen", .gen_iface = "gen0",			\
	.dut_ns = "fp-pair-dut", .dut_iface = "dut0"

/* What a variant may keep between setup and teardown. */
struct bench_ctx {
	const struct bench_scenario *scenario;
	const struct bench_variant *variant;
	struct fp_gen *gen;		/* the running generator */
	void *priv;			/* the variant's own state */
	uint64_t last_count;		/* the runner's last reading */
	unsigned int frame_size;
};

/*
 * The generator alone: the DUT's interface has neither XDP nor GRO, so veth
 * refuses the frames at the device boundary and nothing else runs.  Every
 * scenario measures it in the same run, to subtract the generator's cost.
 */
int bench_gen_alone_setup(struct bench_ctx *ctx);
void bench_gen_alone_teardown(struct bench_ctx *ctx);

#define BENCH_VARIANT_GEN_ALONE {					\
	.name = "gen-alone",						\
	.role = BENCH_GEN_ALONE,					\
	.summary = "frames refused at the veth boundary: the generator's own cost", \
	.setup = bench_gen_alone_setup,					\
	.count = bench_gen_count,					\
	.teardown = bench_gen_alone_teardown,				\
}

/* Helpers for variants. */
int bench_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int bench_nft_counter(const char *family, const char *table,
		      const char *counter, uint64_t *packets);
int bench_ifindex(const char *ifname, int *ifindex);
int bench_gen_count(struct bench_ctx *ctx, uint64_t *packets);

/*
 * Network-function variants (nf_common.c): `fastpath run` started in
 * process on the DUT's interface, its AF_XDP workers on the runner's CPU
 * (the other one), and a sink on the generator's interface that counts
 * what comes back.
 */
struct bench_nf_arg {
	const char *chain;		/* "macswap", "firewall", "lb" */
	int mode;			/* enum fp_run_mode */
	const char *rules;		/* file written by prepare(), or NULL */
	const char *table_size;		/* "TABLE=N[,TABLE=N]", or NULL */
	bool count_returned;		/* count at the sink, not the verdicts */
};

#define BENCH_NF_VARIANT(n, r, s, a) {					\
	.name = n, .role = r, .summary = s, .setup = bench_nf_setup,	\
	.count = bench_nf_count, .teardown = bench_nf_teardown, .arg = a, }

int bench_nf_setup(struct bench_ctx *ctx);
int bench_nf_count(struct bench_ctx *ctx, uint64_t *packets);
void bench_nf_teardown(struct bench_ctx *ctx);
/* The sink on the generator's side: open in prepare, close in cleanup. */
int bench_return_sink_open(const struct bench_scenario *s);
void bench_return_sink_close(const struct bench_scenario *s);
int bench_return_count(struct bench_ctx *ctx, uint64_t *packets);

extern const struct bench_scenario bench_scenario_gen;
extern const struct bench_scenario bench_scenario_drop;
extern const struct bench_scenario bench_scenario_macswap;
extern const struct bench_scenario bench_scenario_fw_1;
extern const struct bench_scenario bench_scenario_fw_1k;
extern const struct bench_scenario bench_scenario_fw_100k;
extern const struct bench_scenario bench_scenario_fw_1m;
extern const struct bench_scenario bench_scenario_lb_1k;
extern const struct bench_scenario bench_scenario_lb_100k;
extern const struct bench_scenario bench_scenario_lb_1m;

#endif
