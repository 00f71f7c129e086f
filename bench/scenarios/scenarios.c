// SPDX-License-Identifier: MIT
/* The scenarios `fastpath bench` knows, in the order it lists and runs them. */
#include <stddef.h>

#include "cli/bench.h"

const struct bench_scenario *const bench_scenarios[] = {
	&bench_scenario_gen,
	&bench_scenario_drop,
	NULL,
};
