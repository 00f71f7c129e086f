// SPDX-License-Identifier: MIT
/* The scenarios `fastpath bench` knows, in the order it lists and runs them. */
#include <stddef.h>

#include "cli/bench.h"

const struct bench_scenario *const bench_scenarios[] = {
	&bench_scenario_gen,
	&bench_scenario_drop,
	&bench_scenario_macswap,
	&bench_scenario_fw_1,
	&bench_scenario_fw_1k,
	&bench_scenario_fw_100k,
	&bench_scenario_fw_1m,
	&bench_scenario_lb_1k,
	&bench_scenario_lb_100k,
	&bench_scenario_lb_1m,
	NULL,
};
