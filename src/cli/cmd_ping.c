// SPDX-License-Identifier: MIT
/*
 * `fastpath ping`: UDP round trips to `fastpath reflect`, over AF_XDP or a
 * kernel socket (ping.h), summarised with the histogram of hist.h.  The
 * JSON object is parsed by the sweep helper: its names only grow.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/ping.h"
#include "fastpath/reflect.h"
#include "fastpath/run.h"
#include "cli/commands.h"

/* Exit status when some packets got no reply (1: it could not run). */
#define EXIT_LOST 3

enum {
	OPT_IFACE = 'i',
	OPT_COUNT = 'c',
	OPT_QUIET = 'q',
	OPT_DST_IP = 256,
	OPT_DST_MAC,
	OPT_PORT,
	OPT_SPORT,
	OPT_INTERVAL,
	OPT_B2B,
	OPT_SIZE,
	OPT_TIMEOUT,
	OPT_SOCKET,
	OPT_JSON,
	OPT_CSV,
};

struct ping_cli {
	struct fp_ping_opts p;
	char ifname[IF_NAMESIZE];
	const char *dst_str;
	const char *csv;
	bool json, quiet, have_count;
};

static const struct fp_opt ping_opts[] = {
	{ "iface", OPT_IFACE, FP_OPT_VALUE, "IFACE",
	  "interface to send on (required without --socket)" },
	{ "dst-ip", OPT_DST_IP, FP_OPT_VALUE, "IP",
	  "the reflector's address (required; AF_XDP: IPv4)" },
	{ "dst-mac", OPT_DST_MAC, FP_OPT_VALUE, "MAC",
	  "AF_XDP: destination MAC (default: asked from Linux's neighbour table)" },
	{ "port", OPT_PORT, FP_OPT_VALUE, "P",
	  "the reflector's UDP port (default 7000)" },
	{ "src-port", OPT_SPORT, FP_OPT_VALUE, "P",
	  "AF_XDP: our UDP source port, where replies come back (default 7001)" },
	{ "count", OPT_COUNT, FP_OPT_VALUE, "N", "packets to send (required)" },
	{ "interval", OPT_INTERVAL, FP_OPT_VALUE, "D",
	  "start a batch every D (100us, 1ms, 500ns; 0 or default: back-to-back)" },
	{ "back-to-back", OPT_B2B, FP_OPT_FLAG, NULL,
	  "next batch as soon as the previous one is answered (the default)" },
	{ "size", OPT_SIZE, FP_OPT_VALUE, "BYTES",
	  "frame length without FCS, both modes (default 64, min 60)" },
	{ "timeout", OPT_TIMEOUT, FP_OPT_VALUE, "D",
	  "wait at most D for a batch's replies (e.g. 200ms, 50us; default 1s)" },
	{ "socket", OPT_SOCKET, FP_OPT_FLAG, NULL,
	  "use a kernel UDP socket (connect, send, recv) instead of AF_XDP" },
	FP_LAT_XSK_OPTS,
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL, "print one JSON object" },
	{ "csv", OPT_CSV, FP_OPT_VALUE, "FILE",
	  "write every sample to FILE: seq,rtt_ns (empty rtt: lost)" },
	{ "quiet", OPT_QUIET, FP_OPT_FLAG, NULL, "no start-up line" },
	{ 0 },
};

static const struct fp_cmd_help ping_help = {
	.usage = "fastpath ping --iface IFACE --dst-ip IP --count N [OPTIONS]",
	.summary =
	"Measure UDP round trips to 'fastpath reflect'.  Sends --count packets\n"
	"in batches of --batch (default 1), one batch every --interval or back\n"
	"to back, and waits for each batch's replies up to --timeout.  The round\n"
	"trip runs from CLOCK_MONOTONIC right before the TX ring write and kick\n"
	"to right after the RX ring read.  AF_XDP mode attaches xsk_steer to\n"
	"IFACE for the replies (ARP still reaches Linux); --socket uses a kernel\n"
	"UDP socket for the baseline.  Prints min, mean, median, p90, p99,\n"
	"p99.9, max and a histogram (percentiles within 1.6%).\n"
	"\n"
	"Exit status: 0 when every packet got a reply, 3 when some were lost,\n"
	"1 when it could not run.",
	.examples =
	"  fastpath ping -i gen0 --dst-ip 198.18.0.2 --count 10000\n"
	"  fastpath ping -i gen0 --dst-ip 198.18.0.2 --count 20000 --wait busypoll --no-need-wakeup --cpu 0 --json\n"
	"  fastpath ping --socket --dst-ip 198.18.0.2 --count 20000 --interval 100us",
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct ping_cli *o = ctx;
	uint32_t v;
	int err;

	switch (key) {
	case OPT_IFACE:
		if (fp_parse_ifname(arg, "--iface", &o->p.xsk.ifindex))
			return -EINVAL;
		snprintf(o->ifname, sizeof(o->ifname), "%s", arg);
		return 0;
	case OPT_DST_IP:
		o->dst_str = arg;
		return fp_parse_addr(arg, "--dst-ip", &o->p.dst);
	case OPT_DST_MAC:
		o->p.have_dst_mac = true;
		return fp_parse_mac(arg, "--dst-mac", o->p.dst_mac);
	case OPT_PORT:
		if (fp_parse_u32(arg, 1, 65535, "--port", &v))
			return -EINVAL;
		o->p.port = (uint16_t)v;
		return 0;
	case OPT_SPORT:
		if (fp_parse_u32(arg, 1, 65535, "--src-port", &v))
			return -EINVAL;
		o->p.sport = (uint16_t)v;
		return 0;
	case OPT_COUNT:
		o->have_count = true;
		return fp_parse_u64(arg, 1, UINT32_MAX, "--count", &o->p.count);
	case OPT_INTERVAL:
		return fp_parse_fine_duration(arg, "--interval", &o->p.interval_ns);
	case OPT_B2B:
		o->p.interval_ns = 0;
		return 0;
	case OPT_SIZE:
		return fp_parse_u32(arg, FP_PING_MIN_SIZE, 9216, "--size", &o->p.size);
	case OPT_TIMEOUT:
		err = fp_parse_fine_duration(arg, "--timeout", &o->p.timeout_ns);
		if (!err && !o->p.timeout_ns) {
			fp_err("--timeout must be above 0");
			return -EINVAL;
		}
		return err;
	case OPT_SOCKET:
		o->p.socket = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_CSV:
		o->csv = arg;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	}
	err = fp_lat_xsk_opt(key, arg, &o->p.xsk, &o->p.cpu);
	return err == 1 ? -EINVAL : err;
}

struct summary {
	uint64_t min, q1, p50, q3, p90, p99, p999, max;
	double mean, std;
};

static void summarise(const struct fp_hist *h, struct summary *s)
{
	s->min = fp_hist_min(h);
	s->max = fp_hist_max(h);
	s->mean = fp_hist_mean(h);
	s->std = fp_hist_stddev(h);
	fp_hist_quartiles(h, &s->q1, &s->p50, &s->q3);
	s->p90 = fp_hist_percentile(h, 90);
	s->p99 = fp_hist_percentile(h, 99);
	s->p999 = fp_hist_percentile(h, 99.9);
}

static void print_json(const struct ping_cli *o, const struct fp_ping_result *r)
{
	char knobs[1024], mac[24] = "";
	const uint8_t *m = o->p.dst_mac;
	struct summary s;
	uint64_t lo, hi, n;
	uint32_t it = 0;
	bool first = true;

	summarise(&r->hist, &s);
	fp_lat_xsk_json(&o->p.xsk, knobs, sizeof(knobs));
	if (o->p.have_dst_mac)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	printf("{\"mode\":\"%s\",\"config\":{\"iface\":\"%s\",\"dst_ip\":\"%s\","
	       "\"dst_mac\":\"%s\",\"port\":%u,\"src_port\":%u,"
	       "\"count\":%" PRIu64 ",\"interval_ns\":%" PRIu64 ","
	       "\"size\":%u,\"timeout_ns\":%" PRIu64 ",\"cpu\":%d,%s,"
	       "\"zerocopy\":%s,\"xdp_mode\":\"%s\"},",
	       o->p.socket ? "socket" : "afxdp", o->ifname, o->dst_str, mac,
	       o->p.port, o->p.sport, o->p.count, o->p.interval_ns, o->p.size,
	       o->p.timeout_ns, o->p.cpu, knobs,
	       r->zerocopy ? "true" : "false",
	       r->xdp_mode ? r->xdp_mode : "");
	printf("\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
	       ",\"dup\":%" PRIu64 ",\"foreign\":%" PRIu64 ",\"stopped\":%s,",
	       r->sent, r->received, r->lost, r->dup, r->foreign,
	       r->stopped ? "true" : "false");
	printf("\"min_ns\":%" PRIu64 ",\"mean_ns\":%.1f,\"std_ns\":%.1f,"
	       "\"q1_ns\":%" PRIu64 ",\"p50_ns\":%" PRIu64 ",\"q3_ns\":%" PRIu64
	       ",\"p90_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64 ",\"p999_ns\":%" PRIu64
	       ",\"max_ns\":%" PRIu64 ",\"hist\":[",
	       s.min, s.mean, s.std, s.q1, s.p50, s.q3, s.p90, s.p99, s.p999,
	       s.max);
	while (fp_hist_next(&r->hist, &it, &lo, &hi, &n)) {
		printf("%s[%" PRIu64 ",%" PRIu64 "]", first ? "" : ",", lo, n);
		first = false;
	}
	printf("]}\n");
}

static void print_text(const struct ping_cli *o, const struct fp_ping_result *r)
{
	uint64_t lo, hi, n, octave[65] = { 0 }, peak = 0;
	struct summary s;
	uint32_t it = 0, k, kmin = 64, kmax = 0, bar;

	summarise(&r->hist, &s);
	printf("%s ping %s: %" PRIu64 " sent, %" PRIu64 " received, %" PRIu64
	       " lost, %" PRIu64 " duplicated%s\n",
	       o->p.socket ? "socket" : "AF_XDP", o->dst_str, r->sent,
	       r->received, r->lost, r->dup, r->stopped ? " (stopped)" : "");
	if (!r->received)
		return;
	printf("rtt us: min %.2f mean %.2f (std %.2f) median %.2f p90 %.2f "
	       "p99 %.2f p99.9 %.2f max %.2f\n",
	       s.min / 1e3, s.mean / 1e3, s.std / 1e3, s.p50 / 1e3, s.p90 / 1e3,
	       s.p99 / 1e3, s.p999 / 1e3, s.max / 1e3);
	/* Text shows one row per power of two; --json has every bucket. */
	while (fp_hist_next(&r->hist, &it, &lo, &hi, &n)) {
		k = lo ? 63 - (uint32_t)__builtin_clzll(lo) : 0;
		octave[k] += n;
		kmin = k < kmin ? k : kmin;
		kmax = k > kmax ? k : kmax;
	}
	for (k = kmin; k <= kmax; k++)
		peak = octave[k] > peak ? octave[k] : peak;
	for (k = kmin; k <= kmax; k++) {
		bar = peak ? (uint32_t)(octave[k] * 50 / peak) : 0;
		printf("  %10.2f us .. %10.2f us %9" PRIu64 " %.*s\n",
		       (double)(1ULL << k) / 1e3, (double)(2ULL << k) / 1e3,
		       octave[k], (int)bar,
		       "##################################################");
	}
}

static int write_csv(const char *path, const struct fp_ping_result *r)
{
	FILE *f = fopen(path, "w");
	uint64_t i;

	if (!f) {
		fp_err("cannot write --csv %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "seq,rtt_ns\n");
	for (i = 0; i < r->n_rtt; i++) {
		if (r->rtt_ns[i])
			fprintf(f, "%" PRIu64 ",%" PRIu64 "\n", i, r->rtt_ns[i]);
		else
			fprintf(f, "%" PRIu64 ",\n", i);
	}
	if (fclose(f)) {
		fp_err("cannot write --csv %s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int cmd_ping(int argc, char **argv)
{
	struct ping_cli o = { 0 };
	struct fp_ping_result r;
	int optind_out, err;

	fp_ping_opts_init(&o.p);
	/* Short poll() slices: the round's own deadline decides. */
	o.p.xsk.poll_timeout_ms = 10;
	err = fp_opts_parse(argc, argv, ping_opts, &ping_help, on_opt, &o,
			    &optind_out);
	if (err)
		return err > 0 ? 0 : 1;
	if (optind_out < argc) {
		fp_err("unexpected argument '%s'; see 'fastpath ping --help'",
		       argv[optind_out]);
		return 1;
	}
	if (!o.dst_str) {
		fp_err("--dst-ip is required; see 'fastpath ping --help'");
		return 1;
	}
	if (!o.have_count) {
		fp_err("--count is required (every run is bounded); see 'fastpath ping --help'");
		return 1;
	}
	if (!o.p.socket) {
		if (!o.p.xsk.ifindex) {
			fp_err("--iface is required (or --socket); see 'fastpath ping --help'");
			return 1;
		}
		if (o.p.dst.family != AF_INET) {
			fp_err("--dst-ip: AF_XDP mode sends IPv4 only: give an IPv4 address, or use --socket");
			return 1;
		}
		if (fp_xsk_config_check(&o.p.xsk))
			return 1;
		if (o.p.size > o.p.xsk.frame_size - 256) {
			fp_err("--size must be at most %u with --frame-size %u (the kernel keeps 256 bytes of headroom)",
			       o.p.xsk.frame_size - 256, o.p.xsk.frame_size);
			return 1;
		}
		if (fp_run_require_admin("fastpath ping"))
			return 1;
	}
	err = fp_run_install_signals();
	if (err) {
		fp_err("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}
	if (!o.quiet && !o.json)
		fp_info("ping %s port %u: %" PRIu64 " packets, batch %u, %s%s",
			o.dst_str, o.p.port, o.p.count, o.p.xsk.batch,
			o.p.socket ? "kernel socket" : "AF_XDP wait ",
			o.p.socket ? "" : fp_xsk_wait_str(o.p.xsk.wait));
	err = fp_ping_run(&o.p, &r);
	if (err) {
		fp_ping_result_free(&r);
		return 1;
	}
	if (o.json)
		print_json(&o, &r);
	else
		print_text(&o, &r);
	if (o.csv && write_csv(o.csv, &r)) {
		fp_ping_result_free(&r);
		return 1;
	}
	fp_ping_result_free(&r);
	return r.lost ? EXIT_LOST : 0;
}
