// SPDX-License-Identifier: MIT
/*
 * Bench statistics (src/cli/bench_report.c): medians of odd and even run
 * counts, the generator's cost subtracted from each variant, ratios to the
 * baseline, and no ratio or DUT cost where they make no sense.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "cli/bench.h"

static void test_median(void **state)
{
	const double odd[] = { 5, 1, 3 };
	const double even[] = { 4, 1, 3, 2 };
	const double one[] = { 7 };

	assert_true(bench_median(odd, 3) == 3.0);
	assert_true(bench_median(even, 4) == 2.5);
	assert_true(bench_median(one, 1) == 7.0);
	assert_true(bench_median(odd, 0) == 0.0);
}

static const struct bench_variant variants[] = {
	{ .name = "gen-alone", .role = BENCH_GEN_ALONE },
	{ .name = "linux", .role = BENCH_BASELINE },
	{ .name = "fast", .role = BENCH_FASTPATH },
};

static const struct bench_scenario scenario = {
	.name = "t",
	.variants = variants,
	.n_variants = 3,
};

static void fill(struct bench_report *rep, double g, double l, double f)
{
	int i, r;

	memset(rep, 0, sizeof(*rep));
	rep->scenario = &scenario;
	rep->opts.runs = 3;
	rep->n_variants = 3;
	for (i = 0; i < 3; i++)
		rep->v[i].variant = &variants[i];
	/* Medians g, l, f with an outlier on each side. */
	for (r = 0; r < 3; r++) {
		double k = r == 0 ? 0.5 : r == 1 ? 1.0 : 1.3;

		rep->v[0].pps[(r + 1) % 3] = g * k;
		rep->v[1].pps[(r + 2) % 3] = l * k;
		rep->v[2].pps[r] = f * k;
	}
}

static void test_summary(void **state)
{
	struct bench_report rep;

	/* Generator 10 Mpps (100 ns), Linux 2 Mpps (500 ns), fast 5 Mpps
	 * (200 ns): DUT costs 400 and 100 ns. */
	fill(&rep, 10e6, 2e6, 5e6);
	bench_summarize(&rep);
	assert_true(rep.v[0].median_pps == 10e6);
	assert_true(rep.v[1].median_pps == 2e6);
	assert_true(rep.v[2].median_pps == 5e6);
	assert_float_equal(rep.v[0].ns_per_pkt, 100.0, 1e-9);
	assert_float_equal(rep.v[1].dut_ns_per_pkt, 400.0, 1e-9);
	assert_float_equal(rep.v[2].dut_ns_per_pkt, 100.0, 1e-9);
	assert_float_equal(rep.v[1].ratio, 1.0, 1e-12);
	assert_float_equal(rep.v[2].ratio, 2.5, 1e-12);
	/* The generator has neither a DUT cost nor a ratio. */
	assert_true(rep.v[0].dut_ns_per_pkt == 0.0);
	assert_true(rep.v[0].ratio == 0.0);
}

static void test_dut_never_negative(void **state)
{
	struct bench_report rep;

	/* A variant measured faster than the generator alone (noise):
	 * no DUT cost rather than a negative one. */
	fill(&rep, 10e6, 2e6, 11e6);
	bench_summarize(&rep);
	assert_true(rep.v[2].dut_ns_per_pkt == 0.0);
	assert_float_equal(rep.v[2].ratio, 5.5, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_dut_never_negative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
