// SPDX-License-Identifier: MIT
/*
 * gen: the generator alone.  Its rate bounds every other scenario, and its
 * per-packet cost is what the other scenarios subtract.
 */
#include "scenarios/scenario.h"

static const struct bench_variant gen_variants[] = {
	BENCH_VARIANT_GEN_ALONE,
};

const struct bench_scenario bench_scenario_gen = {
	.name = "gen",
	.summary = "the live-frames generator alone (its own ceiling and cost)",
	BENCH_ON_PAIR,
	.dst_ip = "198.18.0.2",
	.variants = gen_variants,
	.n_variants = sizeof(gen_variants) / sizeof(gen_variants[0]),
};
