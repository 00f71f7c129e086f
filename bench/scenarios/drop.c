// SPDX-License-Identifier: MIT
/*
 * drop: how fast can the device under test discard a flood?
 *   linux:    nftables drops the flood in prerouting (priority raw, before
 *             conntrack), the cheapest place Linux's own tools offer;
 *   fastpath: an XDP program counts and drops at the driver (fastpath sink).
 */
#include <errno.h>
#include <stdlib.h>

#include "fastpath/sink.h"
#include "scenarios/scenario.h"

static const char nft_drop_ruleset[] =
	"table ip fp_bench {\n"
	"  counter dropped { }\n"
	"  chain prerouting {\n"
	"    type filter hook prerouting priority raw; policy accept;\n"
	"    udp dport 9 counter name dropped drop\n"
	"  }\n"
	"}\n";

static int nft_setup(struct bench_ctx *ctx)
{
	return bench_sh("nft -f - <<'EOF'\n%sEOF", nft_drop_ruleset);
}

static int nft_count(struct bench_ctx *ctx, uint64_t *packets)
{
	return bench_nft_counter("ip", "fp_bench", "dropped", packets);
}

static void nft_teardown(struct bench_ctx *ctx)
{
	bench_sh("nft delete table ip fp_bench");
}

static int xdp_setup(struct bench_ctx *ctx)
{
	struct fp_sink_opts opts = { .pass = false, .check = false };
	struct fp_sink *sink;
	int err;

	opts.xdp.mode = FP_XDP_MODE_NATIVE;
	err = bench_ifindex(ctx->scenario->dut_iface, &opts.ifindex);
	if (err)
		return err;
	err = fp_sink_open(&opts, &sink);
	if (err)
		return err;
	ctx->priv = sink;
	return 0;
}

static int xdp_count(struct bench_ctx *ctx, uint64_t *packets)
{
	struct fp_sink_counters c;
	int err = fp_sink_read(ctx->priv, &c);

	if (!err)
		*packets = c.packets;
	return err;
}

static void xdp_teardown(struct bench_ctx *ctx)
{
	fp_sink_close(ctx->priv);
	ctx->priv = NULL;
}

static const struct bench_variant drop_variants[] = {
	BENCH_VARIANT_GEN_ALONE,
	{
		.name = "linux-nft",
		.role = BENCH_BASELINE,
		.summary = "nftables drop in prerouting (priority raw)",
		.setup = nft_setup,
		.count = nft_count,
		.teardown = nft_teardown,
	},
	{
		.name = "fastpath-xdp",
		.role = BENCH_FASTPATH,
		.summary = "XDP drop at the driver (fastpath sink)",
		.setup = xdp_setup,
		.count = xdp_count,
		.teardown = xdp_teardown,
	},
};

const struct bench_scenario bench_scenario_drop = {
	.name = "drop",
	.summary = "discard a UDP flood: nftables drop vs XDP drop",
	BENCH_ON_PAIR,
	.dst_ip = "198.18.0.2",
	.variants = drop_variants,
	.n_variants = sizeof(drop_variants) / sizeof(drop_variants[0]),
};
