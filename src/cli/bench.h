/* SPDX-License-Identifier: MIT */
/*
 * `fastpath bench`: the runner that measures a scenario's variants (see
 * bench/scenarios/scenario.h and the method in bench/README.md) and the
 * JSON report it leaves in bench/results/.
 */
#ifndef FASTPATH_CLI_BENCH_H
#define FASTPATH_CLI_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/scenario.h"

#define BENCH_MIN_RUNS 3
#define BENCH_MAX_RUNS 50
#define BENCH_MAX_VARIANTS 8

struct bench_opts {
	uint32_t runs;
	uint64_t window_ns;
	uint64_t warmup_ns;
	uint32_t size;		/* frame size without FCS */
	int cpu;		/* generator and DUT softirq */
	const char *out_dir;	/* NULL: no JSON */
	bool keep_testbed;
};

struct bench_variant_result {
	const struct bench_variant *variant;
	double pps[BENCH_MAX_RUNS];	/* one per run */
	double median_pps;
	double ns_per_pkt;		/* 1e9 / median */
	double dut_ns_per_pkt;		/* minus the generator's ns/pkt; 0 if n/a */
	double ratio;			/* median / baseline median; 0 if n/a */
};

struct bench_report {
	const struct bench_scenario *scenario;
	struct bench_opts opts;
	const char *engine;		/* the generator's engine */
	char started[32];		/* UTC, ISO 8601 */
	struct bench_variant_result v[BENCH_MAX_VARIANTS];
	int n_variants;
};

/* Scenarios in the order `list` and `all` show them; NULL-terminated. */
extern const struct bench_scenario *const bench_scenarios[];

/* Bring the testbed up if needed, measure every variant @opts->runs times,
 * fill @rep.  Returns 0 or a negative errno after printing what failed
 * (-EINTR when stopped by a signal). */
int bench_run(const struct bench_scenario *s, const struct bench_opts *opts,
	      struct bench_report *rep);

/* Medians, per-packet costs and ratios from the per-run rates. */
void bench_summarize(struct bench_report *rep);
double bench_median(const double *vals, uint32_t n);

void bench_print(const struct bench_report *rep);
const char *bench_role_name(enum bench_role role);
/* Write DIR/SCENARIO.json (atomically: a temporary file renamed). */
int bench_write_json(const struct bench_report *rep, const char *dir);

#endif
