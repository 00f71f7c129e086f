// SPDX-License-Identifier: MIT
/*
 * lb-N: a load balancer with N live sessions.
 *
 * The generator cycles through N UDP flows to the VIP 198.18.0.100:80
 * (source addresses 198.18.0.1.. and ports 1..65535); two backends,
 * 198.18.1.1:8080 and 198.18.1.2:8080, sit behind the generator's side of
 * the link (their MAC is gen0's), so every balanced packet goes back out of
 * dut0 and is counted by a sink on gen0: the same count for Linux and for
 * fastpath.  Linux: nftables DNAT (jhash over the backends) with
 * conntrack, forwarding back out of dut0.  The session tables are sized
 * for N, and so is conntrack (net.netfilter.nf_conntrack_max is global:
 * raised for the scenario and restored after).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fastpath/nfrun.h"
#include "scenarios/scenario.h"

#define RULES "/tmp/fastpath-bench-lb.rules"

static const uint8_t dut_mac[6] = { 0x02, 0xfa, 0, 0, 0, 0x02 };
static unsigned long ct_max_saved;

static void flows(struct fp_gen_config *c, uint32_t n)
{
	fp_parse_addr("198.18.0.100", "dst", &c->dst_lo);
	c->dst_hi = c->dst_lo;
	c->dport_lo = c->dport_hi = 80;
	c->has_src_ip = true;
	fp_parse_addr("198.18.0.1", "src", &c->src_lo);
	fp_parse_addr("198.18.0.17", "src", &c->src_hi);
	c->sport_lo = 1;
	c->sport_hi = 65535;
	c->flows = n;
	/* The VIP is nobody's address: no neighbour to resolve. */
	c->has_dst_mac = true;
	memcpy(c->dst_mac, dut_mac, 6);
}

static void gen_1k(struct fp_gen_config *c) { flows(c, 1000); }
static void gen_100k(struct fp_gen_config *c) { flows(c, 100000); }
static void gen_1m(struct fp_gen_config *c) { flows(c, 1000000); }

static int prepare(const struct bench_scenario *s)
{
	FILE *f = fopen(RULES, "w"), *ct;
	int err;

	if (!f)
		return -errno;
	fprintf(f, "lb service add 198.18.0.100:80/udp\n"
		   "lb backend add 198.18.0.100:80/udp 198.18.1.1:8080 02:fa:00:00:00:01\n"
		   "lb backend add 198.18.0.100:80/udp 198.18.1.2:8080 02:fa:00:00:00:01\n");
	if (fclose(f))
		return -errno;
	/* Linux forwards to the backends through dut0, without redirects. */
	err = bench_sh("sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 "
		       "net.ipv4.conf.dut0.send_redirects=0 net.ipv4.conf.all.rp_filter=0 "
		       "net.ipv4.conf.dut0.rp_filter=0 && "
		       "ip route replace 198.18.1.0/24 dev dut0 && "
		       "ip neigh replace 198.18.1.1 lladdr 02:fa:00:00:00:01 dev dut0 nud permanent && "
		       "ip neigh replace 198.18.1.2 lladdr 02:fa:00:00:00:01 dev dut0 nud permanent");
	if (err)
		return err;
	ct = fopen("/proc/sys/net/netfilter/nf_conntrack_max", "r");
	if (ct) {
		if (fscanf(ct, "%lu", &ct_max_saved) != 1)
			ct_max_saved = 0;
		fclose(ct);
	}
	/* The global limit lives in the initial namespace: set it there. */
	bench_sh("nsenter -t 1 -n sysctl -qw net.netfilter.nf_conntrack_max=2097152");
	return bench_return_sink_open(s);
}

static void cleanup(const struct bench_scenario *s)
{
	bench_return_sink_close(s);
	if (ct_max_saved)
		bench_sh("nsenter -t 1 -n sysctl -qw net.netfilter.nf_conntrack_max=%lu",
			 ct_max_saved);
	remove(RULES);
}

static int nat_setup(struct bench_ctx *ctx)
{
	return bench_sh("nft -f - <<'EOF'\n"
			"table ip fp_bench_lb {\n"
			"  chain pre {\n"
			"    type nat hook prerouting priority dstnat; policy accept;\n"
			"    ip daddr 198.18.0.100 udp dport 80 dnat ip addr . port to "
			"jhash ip saddr . udp sport mod 2 map { 0 : 198.18.1.1 . 8080, 1 : 198.18.1.2 . 8080 }\n"
			"  }\n"
			"}\nEOF");
}

static void nat_teardown(struct bench_ctx *ctx)
{
	bench_sh("nft delete table ip fp_bench_lb");
	bench_sh("conntrack -F >/dev/null 2>&1");
}

#define ARG(n, m, sz) static const struct bench_nf_arg n = {		\
	"lb", m, RULES, "lb_sessions=" #sz ",lb_reverse=" #sz, true };
#define ARGS(n, sz)							\
	ARG(n##_xdp, FP_RUN_XDP, sz)					\
	ARG(n##_afxdp, FP_RUN_AFXDP, sz)				\
	ARG(n##_busy, FP_RUN_AFXDP_BUSYPOLL, sz)

ARGS(s1k, 2048)
ARGS(s100k, 200000)
ARGS(s1m, 2000000)

#define VARIANTS(n)							\
	static const struct bench_variant n##_variants[] = {		\
		BENCH_VARIANT_GEN_ALONE,				\
		{ .name = "linux-dnat", .role = BENCH_BASELINE,		\
		  .summary = "nftables DNAT (jhash) + conntrack, forwarded", \
		  .setup = nat_setup, .count = bench_return_count,	\
		  .teardown = nat_teardown },				\
		BENCH_NF_VARIANT("xdp", BENCH_FASTPATH, "lb in XDP (XDP_TX)", &n##_xdp), \
		BENCH_NF_VARIANT("afxdp", BENCH_FASTPATH, "lb in an AF_XDP worker", &n##_afxdp), \
		BENCH_NF_VARIANT("afxdp-busypoll", BENCH_FASTPATH, "the same, preferred busy polling", &n##_busy), \
	};

VARIANTS(s1k)
VARIANTS(s100k)
VARIANTS(s1m)

#define SCENARIO(var, nm, sum, n, g)					\
	const struct bench_scenario var = {				\
		.name = nm, .summary = sum, BENCH_ON_PAIR,		\
		.dst_ip = "198.18.0.100", .gen_config = g,		\
		.prepare = prepare, .cleanup = cleanup,			\
		.variants = n##_variants,				\
		.n_variants = sizeof(n##_variants) / sizeof(n##_variants[0]), \
	};

SCENARIO(bench_scenario_lb_1k, "lb-1k", "L4 load balancer, 1000 sessions, 2 backends", s1k, gen_1k)
SCENARIO(bench_scenario_lb_100k, "lb-100k", "L4 load balancer, 100k sessions, 2 backends", s100k, gen_100k)
SCENARIO(bench_scenario_lb_1m, "lb-1m", "L4 load balancer, 1M sessions, 2 backends", s1m, gen_1m)
