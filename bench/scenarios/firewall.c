// SPDX-License-Identifier: MIT
/*
 * fw-N: a flood that the firewall drops, with N rules.
 *
 * The generator cycles through 1000 UDP flows (source ports 1..1000).  With
 * N = 1 a single source prefix drops them all; with N >= 1000 the first
 * 1000 rules are exact 5-tuples that match the flows and the rest are
 * exact rules for other sources, so the table holds N entries while every
 * packet hits one.  Linux: nftables in prerouting (priority raw) with the
 * same rules as a set of concatenations.  Both rule sets are written and
 * the nftables one loaded once per scenario (prepare): netfilter sees no
 * packet while a fastpath variant runs, since XDP drops them or hands them
 * to AF_XDP first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fastpath/nfrun.h"
#include "scenarios/scenario.h"

#define FLOWS 1000

struct fw_scenario {
	uint32_t rules;
	const char *fp_rules;	/* file paths */
	const char *nft_rules;
};

static void gen_flows(struct fp_gen_config *c)
{
	c->sport_lo = 1;
	c->sport_hi = FLOWS;
	c->flows = FLOWS;
}

/* Rule i (1-based) as a 5-tuple: the generator's flows first. */
static void rule_tuple(uint32_t i, char *src, size_t len, unsigned int *sport)
{
	if (i <= FLOWS) {
		snprintf(src, len, "198.18.0.1");
		*sport = i;
		return;
	}
	i -= FLOWS + 1;
	/* Other sources, never sent: 198.19.x.y, 60000 ports each. */
	snprintf(src, len, "198.19.%u.%u", (i / 60000) / 256, (i / 60000) % 256);
	*sport = 1 + i % 60000;
}

static int write_rules(const struct fw_scenario *f)
{
	FILE *fp = fopen(f->fp_rules, "w"), *nf = fopen(f->nft_rules, "w");
	char src[32];
	unsigned int sport;
	uint32_t i;
	int err = 0;

	if (!fp || !nf) {
		err = -errno;
		goto out;
	}
	fprintf(fp, "firewall policy accept\n");
	fprintf(nf, "table ip fp_bench {\n  counter dropped { }\n");
	if (f->rules == 1) {
		fprintf(fp, "firewall rule add 1 drop src 198.18.0.0/24\n");
		fprintf(nf, "  chain prerouting {\n"
			    "    type filter hook prerouting priority raw; policy accept;\n"
			    "    ip saddr 198.18.0.0/24 counter name dropped drop\n  }\n}\n");
		goto out;
	}
	fprintf(nf, "  set fw {\n    type ipv4_addr . ipv4_addr . inet_service . inet_service\n"
		    "    size %u\n  }\n"
		    "  chain prerouting {\n"
		    "    type filter hook prerouting priority raw; policy accept;\n"
		    "    ip saddr . ip daddr . udp sport . udp dport @fw counter name dropped drop\n"
		    "  }\n}\n", f->rules + 1);
	for (i = 1; i <= f->rules; i++) {
		rule_tuple(i, src, sizeof(src), &sport);
		fprintf(fp, "firewall rule add %u drop udp %s:%u 198.18.0.2:9\n", i,
			src, sport);
		/* nft takes big sets best in chunks. */
		if (i % 10000 == 1)
			fprintf(nf, "add element ip fp_bench fw { ");
		fprintf(nf, "%s . 198.18.0.2 . %u . 9%s", src, sport,
			i % 10000 == 0 || i == f->rules ? " }\n" : ", ");
	}
out:
	if (fp && fclose(fp) && !err)
		err = -errno;
	if (nf && fclose(nf) && !err)
		err = -errno;
	return err;
}

#define FW(n) {								\
	.rules = n,							\
	.fp_rules = "/tmp/fastpath-bench-fw-" #n ".rules",		\
	.nft_rules = "/tmp/fastpath-bench-fw-" #n ".nft",		\
}

static const struct fw_scenario fw1 = FW(1), fw1k = FW(1000), fw100k = FW(100000),
				 fw1m = FW(1000000);

static const struct fw_scenario *which(const struct bench_scenario *s)
{
	return s == &bench_scenario_fw_1 ? &fw1 : s == &bench_scenario_fw_1k ? &fw1k :
	       s == &bench_scenario_fw_100k ? &fw100k : &fw1m;
}

static int prepare(const struct bench_scenario *s)
{
	const struct fw_scenario *f = which(s);
	int err = write_rules(f);

	if (err)
		return err;
	bench_sh("nft delete table ip fp_bench 2>/dev/null");
	return bench_sh("nft -f %s", f->nft_rules);
}

static void cleanup(const struct bench_scenario *s)
{
	const struct fw_scenario *f = which(s);

	bench_sh("nft delete table ip fp_bench");
	remove(f->fp_rules);
	remove(f->nft_rules);
}

static int nft_nothing(struct bench_ctx *ctx)
{
	return 0;
}

static void nft_none(struct bench_ctx *ctx)
{
}

static int nft_count(struct bench_ctx *ctx, uint64_t *packets)
{
	return bench_nft_counter("ip", "fp_bench", "dropped", packets);
}

#define ARG(n, m, sz, hits) static const struct bench_nf_arg n = {	\
	"firewall", m, "/tmp/fastpath-bench-fw-" #sz ".rules",		\
	"fw_exact=" #sz ",fw_hits=" #hits, false };
#define ARGS(n, sz, hits)						\
	ARG(n##_xdp, FP_RUN_XDP, sz, hits)				\
	ARG(n##_afxdp, FP_RUN_AFXDP, sz, hits)				\
	ARG(n##_busy, FP_RUN_AFXDP_BUSYPOLL, sz, hits)			\
	ARG(n##_poll, FP_RUN_AFXDP_POLL, sz, hits)				\
	ARG(n##_hybrid, FP_RUN_HYBRID, sz, hits)

ARGS(r1, 1, 2)
ARGS(r1k, 1000, 1001)
ARGS(r100k, 100000, 100001)
ARGS(r1m, 1000000, 1000001)

#define VARIANTS(n)							\
	static const struct bench_variant n##_variants[] = {		\
		BENCH_VARIANT_GEN_ALONE,				\
		{ .name = "linux-nft", .role = BENCH_BASELINE,		\
		  .summary = "nftables set of the same rules, prerouting (raw)", \
		  .setup = nft_nothing, .count = nft_count,		\
		  .teardown = nft_none },				\
		BENCH_NF_VARIANT("xdp", BENCH_FASTPATH, "firewall in XDP", &n##_xdp), \
		BENCH_NF_VARIANT("afxdp", BENCH_FASTPATH, "firewall in an AF_XDP worker", &n##_afxdp), \
		BENCH_NF_VARIANT("afxdp-busypoll", BENCH_FASTPATH, "the same, preferred busy polling", &n##_busy), \
		BENCH_NF_VARIANT("afxdp-poll", BENCH_FASTPATH, "the same, poll()", &n##_poll), \
		BENCH_NF_VARIANT("hybrid", BENCH_FASTPATH, "drops in XDP, the rest in an AF_XDP worker", &n##_hybrid), \
	};

VARIANTS(r1)
VARIANTS(r1k)
VARIANTS(r100k)
VARIANTS(r1m)

#define SCENARIO(var, nm, sum, n)					\
	const struct bench_scenario var = {				\
		.name = nm, .summary = sum, BENCH_ON_PAIR,		\
		.dst_ip = "198.18.0.2", .gen_config = gen_flows,	\
		.prepare = prepare, .cleanup = cleanup,			\
		.variants = n##_variants,				\
		.n_variants = sizeof(n##_variants) / sizeof(n##_variants[0]), \
	};

SCENARIO(bench_scenario_fw_1, "fw-1", "firewall, 1 rule (a source prefix), 1000 flows dropped", r1)
SCENARIO(bench_scenario_fw_1k, "fw-1k", "firewall, 1000 exact rules, 1000 flows dropped", r1k)
SCENARIO(bench_scenario_fw_100k, "fw-100k", "firewall, 100k exact rules, 1000 flows dropped", r100k)
SCENARIO(bench_scenario_fw_1m, "fw-1m", "firewall, 1M exact rules, 1000 flows dropped", r1m)
