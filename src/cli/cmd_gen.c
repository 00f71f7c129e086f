// SPDX-License-Identifier: MIT
/* `fastpath gen`: the traffic generator's command line (library: gen.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "fastpath/gen.h"
#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/run.h"
#include "cli/commands.h"

enum {
	OPT_SRC_MAC = 256, OPT_DST_MAC, OPT_SRC_IP, OPT_DST_IP, OPT_SRC_PORT,
	OPT_DST_PORT, OPT_PROTO, OPT_SIZE, OPT_FLOWS, OPT_CPUS, OPT_ENGINE,
	OPT_JSON,
};

static const struct fp_opt gen_opts[] = {
	{ "iface", 'i', FP_OPT_VALUE, "IFACE", "send out of IFACE (required)" },
	{ "dst-ip", OPT_DST_IP, FP_OPT_VALUE, "A[-B]", "destination address or range, IPv4 or IPv6 (required)" },
	{ "src-ip", OPT_SRC_IP, FP_OPT_VALUE, "A[-B]", "source address or range (default: IFACE's first address of the family)" },
	{ "dst-mac", OPT_DST_MAC, FP_OPT_VALUE, "MAC", "destination MAC (default: resolved from the route and neighbour table)" },
	{ "src-mac", OPT_SRC_MAC, FP_OPT_VALUE, "MAC", "source MAC (default: IFACE's)" },
	{ "dst-port", OPT_DST_PORT, FP_OPT_VALUE, "P[-Q]", "destination port or range (default 9, discard)" },
	{ "src-port", OPT_SRC_PORT, FP_OPT_VALUE, "P[-Q]", "source port or range (default 9)" },
	{ "proto", OPT_PROTO, FP_OPT_VALUE, "udp|tcp", "UDP datagrams or TCP ACK segments with payload (default udp)" },
	{ "size", 's', FP_OPT_VALUE, "BYTES", "Ethernet frame length without FCS, 64..1514, within the MTU (default 64)" },
	{ "count", 'n', FP_OPT_VALUE, "N", "stop after N packets in total (exact)" },
	{ "duration", 'd', FP_OPT_VALUE, "TIME", "stop after TIME (e.g. 10, 2.5s, 500ms, 1m)" },
	{ "rate", 'r', FP_OPT_VALUE, "PPS", "packets per second in total, k/M/G suffixes (default: as fast as possible)" },
	{ "flows", OPT_FLOWS, FP_OPT_VALUE, "N", "distinct 5-tuples cycled through the ranges, up to 1048576 (default: all, at most 65536)" },
	{ "threads", 't', FP_OPT_VALUE, "N", "sending threads, one per CPU (default: one per --cpus entry, or 1)" },
	{ "cpus", OPT_CPUS, FP_OPT_VALUE, "LIST", "CPUs to pin the threads to, e.g. 0 or 0,1 or 0-3 (default: the first allowed)" },
	{ "engine", OPT_ENGINE, FP_OPT_VALUE, "ENGINE", "auto (live if the kernel can, else afxdp), live or afxdp (default auto)" },
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL, "print one JSON object at the end instead of text" },
	{ "quiet", 'q', FP_OPT_FLAG, NULL, "no per-second lines" },
	{ 0 },
};

static const struct fp_cmd_help gen_help = {
	.usage = "fastpath gen --iface IFACE --dst-ip A[-B] [OPTIONS]",
	.summary =
		"Send UDP or TCP frames out of IFACE and print the rate every second.\n"
		"Frames carry a payload header (stream = CPU, seq) that 'fastpath sink\n"
		"--check' verifies.  Runs until --count, --duration or Ctrl-C.",
	.examples =
		"  fastpath gen -i gen0 --dst-ip 198.18.0.2 --count 1000000\n"
		"  fastpath gen -i gen0 --dst-ip 198.18.0.2 --rate 100k --duration 10\n"
		"  fastpath gen -i gen0 --dst-ip 2001:2::2 --proto tcp --size 1514 -d 5\n"
		"  fastpath gen -i gen0 --dst-ip 198.18.0.2-198.18.0.9 --src-port 1000-1999 \\\n"
		"      --flows 4096 --cpus 0,1 --json -d 5",
};

struct gen_args {
	struct fp_gen_config cfg;
	const char *ifname;
	bool json, quiet;
};

static int parse_cpus(const char *s, struct fp_gen_config *cfg)
{
	return fp_parse_cpu_list(s, "--cpus", cfg->cpus, FP_GEN_MAX_THREADS,
				 &cfg->ncpus);
}

static int on_opt(int key, const char *arg, void *ctx)
{
	struct gen_args *a = ctx;
	struct fp_gen_config *c = &a->cfg;
	uint64_t v;
	int err;

	switch (key) {
	case 'i':
		a->ifname = arg;
		return fp_parse_ifname(arg, "--iface", &c->ifindex);
	case OPT_DST_IP:
		return fp_parse_addr_range(arg, "--dst-ip", &c->dst_lo, &c->dst_hi);
	case OPT_SRC_IP:
		c->has_src_ip = true;
		return fp_parse_addr_range(arg, "--src-ip", &c->src_lo, &c->src_hi);
	case OPT_DST_MAC:
		c->has_dst_mac = true;
		return fp_parse_mac(arg, "--dst-mac", c->dst_mac);
	case OPT_SRC_MAC:
		c->has_src_mac = true;
		return fp_parse_mac(arg, "--src-mac", c->src_mac);
	case OPT_DST_PORT:
		return fp_parse_port_range(arg, "--dst-port", &c->dport_lo, &c->dport_hi);
	case OPT_SRC_PORT:
		return fp_parse_port_range(arg, "--src-port", &c->sport_lo, &c->sport_hi);
	case OPT_PROTO:
		if (!strcmp(arg, "udp")) {
			c->proto = IPPROTO_UDP;
		} else if (!strcmp(arg, "tcp")) {
			c->proto = IPPROTO_TCP;
		} else {
			fp_err("--proto '%s' is not supported; use udp or tcp", arg);
			return -EINVAL;
		}
		return 0;
	case 's':
		return fp_parse_u32(arg, FP_GEN_MIN_SIZE, FP_GEN_MAX_SIZE,
				    "--size", &c->size);
	case 'n':
		return fp_parse_u64(arg, 1, UINT64_MAX, "--count", &c->count);
	case 'd':
		return fp_parse_duration(arg, "--duration", &c->duration_ns);
	case 'r':
		/* 0 is refused: leave --rate out to send flat out. */
		err = fp_parse_rate(arg, "--rate", &v);
		if (!err)
			c->rate = v;
		return err;
	case OPT_FLOWS:
		return fp_parse_u32(arg, 1, FP_GEN_MAX_FLOWS, "--flows", &c->flows);
	case 't':
		return fp_parse_u32(arg, 1, FP_GEN_MAX_THREADS, "--threads",
				    &c->threads);
	case OPT_CPUS:
		return parse_cpus(arg, c);
	case OPT_ENGINE:
		return fp_gen_engine_parse(arg, &c->engine);
	case OPT_JSON:
		a->json = true;
		return 0;
	case 'q':
		a->quiet = true;
		return 0;
	}
	return -EINVAL;
}

static double mpps(uint64_t packets, uint64_t ns)
{
	return ns ? (double)packets * 1e3 / (double)ns : 0.0;
}

static double gbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 8.0 / (double)ns : 0.0;
}

static void on_tick(const struct fp_gen_stats *st, void *ctx)
{
	printf("%8.1f s %12.6f Mpps %9.3f Gbit/s %14" PRIu64 " packets\n",
	       (double)st->elapsed_ns / 1e9,
	       mpps(st->interval_packets, st->interval_ns),
	       gbps(st->interval_bytes, st->interval_ns), st->packets);
	fflush(stdout);
}

static void print_json(const struct gen_args *a, struct fp_gen *g,
		       const struct fp_gen_stats *st)
{
	uint32_t i;

	printf("{\"engine\":\"%s\",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	       ",\"elapsed_s\":%.6f,\"pps\":%.1f,\"mpps\":%.6f,\"gbps\":%.6f"
	       ",\"threads\":%u,\"cpus\":[",
	       fp_gen_engine_str(st->engine), st->packets, st->bytes,
	       (double)st->elapsed_ns / 1e9,
	       mpps(st->packets, st->elapsed_ns) * 1e6,
	       mpps(st->packets, st->elapsed_ns),
	       gbps(st->bytes, st->elapsed_ns), st->threads);
	for (i = 0; i < fp_gen_threads(g); i++)
		printf("%s%d", i ? "," : "", fp_gen_cpu(g, i));
	printf("],\"flows\":%u,\"size\":%u,\"rate\":%" PRIu64 "}\n",
	       fp_gen_flows(g), a->cfg.size, a->cfg.rate);
}

static void print_summary(struct fp_gen *g, const struct fp_gen_stats *st)
{
	printf("sent %" PRIu64 " packets (%" PRIu64 " bytes) in %.3f s: %.6f Mpps, %.3f Gbit/s [%s, %u thread%s, %u flow%s]\n",
	       st->packets, st->bytes, (double)st->elapsed_ns / 1e9,
	       mpps(st->packets, st->elapsed_ns),
	       gbps(st->bytes, st->elapsed_ns), fp_gen_engine_str(st->engine),
	       st->threads, st->threads == 1 ? "" : "s", fp_gen_flows(g),
	       fp_gen_flows(g) == 1 ? "" : "s");
}

int cmd_gen(int argc, char **argv)
{
	struct gen_args a = { 0 };
	struct fp_gen_stats st;
	struct fp_gen *g;
	int err, optind_out;

	fp_gen_config_init(&a.cfg);
	err = fp_opts_parse(argc, argv, gen_opts, &gen_help, on_opt, &a,
			    &optind_out);
	if (err)
		return err > 0 ? 0 : 1;
	if (optind_out < argc) {
		fp_err("unexpected argument '%s'; see 'fastpath gen --help'",
		       argv[optind_out]);
		return 1;
	}
	if (!a.ifname) {
		fp_err("no interface: give --iface IFACE");
		return 1;
	}
	if (!a.cfg.dst_lo.family) {
		fp_err("no destination: give --dst-ip ADDRESS or A-B");
		return 1;
	}
	err = fp_run_require_admin("fastpath gen");
	if (err)
		return 1;
	err = fp_run_install_signals();
	if (err)
		return 1;
	err = fp_gen_prepare(&a.cfg, &g);
	if (err)
		return 1;
	err = fp_gen_run(g, a.json || a.quiet ? NULL : on_tick, NULL, &st);
	if (a.json)
		print_json(&a, g, &st);
	else
		print_summary(g, &st);
	fp_gen_free(g);
	return cmd_exit(err);
}
