// SPDX-License-Identifier: MIT
/* Bench statistics and the text report: medians, per-packet costs, ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(const double *vals, uint32_t n)
{
	double sorted[BENCH_MAX_RUNS];

	if (!n || n > BENCH_MAX_RUNS)
		return 0.0;
	memcpy(sorted, vals, n * sizeof(*vals));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static const struct bench_variant_result *find_role(const struct bench_report *rep,
						     enum bench_role role)
{
	int i;

	for (i = 0; i < rep->n_variants; i++)
		if (rep->v[i].variant->role == role)
			return &rep->v[i];
	return NULL;
}

void bench_summarize(struct bench_report *rep)
{
	const struct bench_variant_result *gen, *base;
	int i;

	for (i = 0; i < rep->n_variants; i++) {
		struct bench_variant_result *r = &rep->v[i];

		r->median_pps = bench_median(r->pps, rep->opts.runs);
		r->ns_per_pkt = r->median_pps > 0 ? 1e9 / r->median_pps : 0;
	}
	gen = find_role(rep, BENCH_GEN_ALONE);
	/* Without a Linux baseline (a reflector has none), ratios are to
	 * the reference variant. */
	base = find_role(rep, BENCH_BASELINE);
	if (!base)
		base = find_role(rep, BENCH_REFERENCE);
	for (i = 0; i < rep->n_variants; i++) {
		struct bench_variant_result *r = &rep->v[i];

		if (r->variant->role == BENCH_GEN_ALONE)
			continue;
		/* The generator's share of each packet's time, subtracted;
		 * never below zero (noise on a DUT that costs nothing). */
		if (gen && gen->ns_per_pkt > 0 && r->ns_per_pkt > gen->ns_per_pkt)
			r->dut_ns_per_pkt = r->ns_per_pkt - gen->ns_per_pkt;
		if (base && base->median_pps > 0)
			r->ratio = r->median_pps / base->median_pps;
	}
}

const char *bench_role_name(enum bench_role role)
{
	switch (role) {
	case BENCH_GEN_ALONE:
		return "generator";
	case BENCH_BASELINE:
		return "baseline";
	case BENCH_FASTPATH:
		return "fastpath";
	case BENCH_REFERENCE:
		return "reference";
	}
	return "?";
}

void bench_print(const struct bench_report *rep)
{
	const struct bench_scenario *s = rep->scenario;
	const struct bench_variant_result *base = NULL;
	uint32_t run;
	int i;

	for (i = 0; i < rep->n_variants; i++)
		if (rep->v[i].variant->role == BENCH_BASELINE)
			base = &rep->v[i];
	for (i = 0; !base && i < rep->n_variants; i++)
		if (rep->v[i].variant->role == BENCH_REFERENCE)
			base = &rep->v[i];
	printf("%s: %s\n", s->name, s->summary);
	printf("  testbed %s, %u-byte frames, %s generator and DUT on CPU %d, "
	       "median of %u runs of %.1f s\n", s->topology, rep->opts.size,
	       rep->engine, rep->opts.cpu, rep->opts.runs,
	       (double)rep->opts.window_ns / 1e9);
	printf("  %-16s %-9s %9s %8s %10s %7s %9s\n", "variant", "role", "Mpps",
	       "ns/pkt", "DUT ns/pkt", "ratio", "DUT ratio");
	for (i = 0; i < rep->n_variants; i++) {
		const struct bench_variant_result *r = &rep->v[i];
		char dut[16] = "-", ratio[16] = "-", dratio[16] = "-";

		if (r->dut_ns_per_pkt > 0)
			snprintf(dut, sizeof(dut), "%.1f", r->dut_ns_per_pkt);
		if (r->ratio > 0)
			snprintf(ratio, sizeof(ratio), "%.2f", r->ratio);
		/* How much cheaper the DUT's own work is than Linux's. */
		if (base && r->dut_ns_per_pkt > 0 && base->dut_ns_per_pkt > 0)
			snprintf(dratio, sizeof(dratio), "%.2f",
				 base->dut_ns_per_pkt / r->dut_ns_per_pkt);
		printf("  %-16s %-9s %9.3f %8.1f %10s %7s %9s\n",
		       r->variant->name, bench_role_name(r->variant->role),
		       r->median_pps / 1e6, r->ns_per_pkt, dut, ratio, dratio);
	}
	printf("  runs (Mpps):");
	for (i = 0; i < rep->n_variants; i++) {
		printf("%s %s", i ? ";" : "", rep->v[i].variant->name);
		for (run = 0; run < rep->opts.runs; run++)
			printf(" %.3f", rep->v[i].pps[run] / 1e6);
	}
	printf("\n");
}
