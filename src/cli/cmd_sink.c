// SPDX-License-Identifier: MIT
/*
 * `fastpath sink`: count (and with --check verify) what arrives on an
 * interface with the XDP sink of include/fastpath/sink.h, print the rate
 * every second and the totals at the end.  The JSON shape is documented in
 * docs/cmd/sink.md and only grows.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/pin.h"
#include "fastpath/opts.h"
#include "fastpath/run.h"
#include "fastpath/sink.h"
#include "cli/commands.h"

#define NS_PER_S 1000000000ULL
/* How often --count looks at the counters: overshoot stays small at
 * moderate rates without a busy loop. */
#define COUNT_POLL_NS (5 * 1000000ULL)
/* Exit status when --check saw loss, duplicates, reordering or corruption:
 * distinct from 1 (the sink could not run) so scripts can tell them apart. */
#define EXIT_CHECK_FAILED 3

enum {
	OPT_IFACE = 'i',
	OPT_DURATION = 'd',
	OPT_COUNT = 'c',
	OPT_QUIET = 'q',
	OPT_PASS = 256,
	OPT_CHECK,
	OPT_XDP_MODE,
	OPT_FORCE,
	OPT_JSON,
	OPT_PIN,
};

struct sink_cli {
	struct fp_sink_opts sink;
	char ifname[IF_NAMESIZE];
	uint64_t duration_ns;	/* 0: until count or a signal */
	uint64_t count;		/* 0: no packet limit */
	bool json;
	bool quiet;
};

static const struct fp_opt sink_opts[] = {
	{ "iface", OPT_IFACE, FP_OPT_VALUE, "IFACE",
	  "interface to sink (required)" },
	{ "pass", OPT_PASS, FP_OPT_FLAG, NULL,
	  "pass frames on to Linux after counting (default: drop them)" },
	{ "check", OPT_CHECK, FP_OPT_FLAG, NULL,
	  "verify fastpath payloads: checksum, loss, duplicates, order" },
	{ "xdp-mode", OPT_XDP_MODE, FP_OPT_VALUE, "MODE",
	  "auto, native or generic (default auto: native, else generic)" },
	{ "force", OPT_FORCE, FP_OPT_FLAG, NULL,
	  "replace an XDP program already on IFACE (announced)" },
	{ "duration", OPT_DURATION, FP_OPT_VALUE, "D",
	  "stop after D (e.g. 10, 500ms, 2m; default: run until Ctrl-C)" },
	{ "count", OPT_COUNT, FP_OPT_VALUE, "N",
	  "stop once N packets have arrived (N >= 1)" },
	{ "pin", OPT_PIN, FP_OPT_VALUE, "DIR",
	  "pin the counter maps in DIR on bpffs while running (for bpftool)" },
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL,
	  "print one JSON object at the end (per-second lines go to stderr)" },
	{ "quiet", OPT_QUIET, FP_OPT_FLAG, NULL,
	  "no per-second lines, only the totals" },
	{ 0 },
};

static const struct fp_cmd_help sink_help = {
	.usage = "fastpath sink --iface IFACE [OPTIONS]",
	.summary =
	"Attach an XDP program to IFACE that counts every frame and drops it\n"
	"(or passes it with --pass).  Prints packets/s, Mpps and Gbit/s (frame\n"
	"bytes without FCS) every second and the totals at the end.  With\n"
	"--check, frames carrying the payload of 'fastpath gen' have their\n"
	"payload checksum verified and their sequence numbers tracked per\n"
	"stream: lost, duplicated, reordered and corrupted packets are counted\n"
	"(a packet later than 64 sequence numbers counts as reordered and 'too\n"
	"old').  Stops on Ctrl-C, after --duration or after --count packets,\n"
	"and always detaches its program.\n"
	"\n"
	"Exit status: 0 when it ran; 1 on bad options or if the sink could not\n"
	"be attached; 3 with --check when any loss, duplicate, reordering or\n"
	"corruption was seen (so 'fastpath sink --check ... && echo clean').",
	.examples =
	"  fastpath sink -i veth1\n"
	"  fastpath sink -i veth1 --check --count 1000000 --json\n"
	"  fastpath sink -i eth1 --pass --xdp-mode generic --duration 30s",
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct sink_cli *o = ctx;

	switch (key) {
	case OPT_IFACE:
		if (fp_parse_ifname(arg, "--iface", &o->sink.ifindex))
			return -EINVAL;
		snprintf(o->ifname, sizeof(o->ifname), "%s", arg);
		return 0;
	case OPT_PASS:
		o->sink.pass = true;
		return 0;
	case OPT_CHECK:
		o->sink.check = true;
		return 0;
	case OPT_XDP_MODE:
		return fp_xdp_mode_parse(arg, &o->sink.xdp.mode);
	case OPT_FORCE:
		o->sink.xdp.force = true;
		return 0;
	case OPT_DURATION:
		return fp_parse_duration(arg, "--duration", &o->duration_ns);
	case OPT_COUNT:
		return fp_parse_u64(arg, 1, UINT64_MAX, "--count", &o->count);
	case OPT_PIN:
		o->sink.pin_dir = arg;
		return fp_pin_check_dir(arg);
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	}
	return -EINVAL;
}

static bool anomalies(const struct fp_sink_counters *c)
{
	return c->lost || c->dup || c->reordered || c->corrupted;
}

static double rate(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0.0;
}

/* One line per second: the rate over the interval just ended. */
static void print_tick(FILE *f, bool check, uint64_t t_ns,
		       const struct fp_sink_counters *now,
		       const struct fp_sink_counters *prev, uint64_t dt_ns)
{
	uint64_t dp = now->packets - prev->packets;
	double pps = rate(dp, dt_ns);
	double bps = rate(now->bytes - prev->bytes, dt_ns) * 8;

	fprintf(f, "%7.1fs %12" PRIu64 " pkts %12.0f pps %9.3f Mpps %8.3f Gbit/s",
		(double)t_ns / 1e9, now->packets, pps, pps / 1e6, bps / 1e9);
	if (check)
		fprintf(f, "  lost %" PRIu64 " dup %" PRIu64 " reord %" PRIu64
			" corrupt %" PRIu64, now->lost, now->dup,
			now->reordered, now->corrupted);
	fputc('\n', f);
	fflush(f);
}

static void print_text(const struct sink_cli *o, const struct fp_sink_counters *c,
		       uint64_t elapsed_ns)
{
	double pps = rate(c->packets, elapsed_ns);

	printf("total: %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s: "
	       "%.0f pps, %.3f Mpps, %.3f Gbit/s\n",
	       c->packets, c->bytes, (double)elapsed_ns / 1e9, pps, pps / 1e6,
	       rate(c->bytes, elapsed_ns) * 8 / 1e9);
	if (!o->sink.check)
		return;
	printf("check: %" PRIu64 " checked, %" PRIu64 " unchecked, %u stream%s: "
	       "%" PRIu64 " lost, %" PRIu64 " duplicated, %" PRIu64
	       " reordered (%" PRIu64 " too old), %" PRIu64 " corrupted: %s\n",
	       c->checked, c->unchecked, c->streams, c->streams == 1 ? "" : "s",
	       c->lost, c->dup, c->reordered, c->too_old, c->corrupted,
	       anomalies(c) ? "PROBLEMS" : "clean");
}

static void print_json(const struct sink_cli *o, struct fp_sink *s,
		       const struct fp_sink_counters *c, uint64_t elapsed_ns,
		       const char *stopped_by)
{
	double pps = rate(c->packets, elapsed_ns);
	uint32_t insns = 0;

	fp_sink_prog_insns(s, &insns);
	printf("{\"iface\":\"%s\",\"ifindex\":%d,\"xdp_mode\":\"%s\","
	       "\"action\":\"%s\",\"check\":%s,\"insns\":%u,"
	       "\"stopped_by\":\"%s\",\"elapsed_s\":%.6f,"
	       "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ","
	       "\"pps\":%.1f,\"mpps\":%.6f,\"gbps\":%.6f",
	       o->ifname, o->sink.ifindex,
	       fp_xdp_mode_str(fp_sink_xdp_mode(s)),
	       o->sink.pass ? "pass" : "drop", o->sink.check ? "true" : "false",
	       insns, stopped_by, (double)elapsed_ns / 1e9, c->packets,
	       c->bytes, pps, pps / 1e6, rate(c->bytes, elapsed_ns) * 8 / 1e9);
	if (o->sink.check)
		printf(",\"checked\":%" PRIu64 ",\"unchecked\":%" PRIu64
		       ",\"streams\":%u,\"received\":%" PRIu64
		       ",\"lost\":%" PRIu64 ",\"dup\":%" PRIu64
		       ",\"reordered\":%" PRIu64 ",\"too_old\":%" PRIu64
		       ",\"corrupted\":%" PRIu64 ",\"clean\":%s",
		       c->checked, c->unchecked, c->streams, c->received,
		       c->lost, c->dup, c->reordered, c->too_old, c->corrupted,
		       anomalies(c) ? "false" : "true");
	printf("}\n");
}

/* Poll the counters until count, duration or a signal; returns why. */
static const char *run_loop(const struct sink_cli *o, struct fp_sink *s,
			    struct fp_sink_counters *c, uint64_t *elapsed_ns,
			    int *err)
{
	FILE *ticks = o->json ? stderr : stdout;
	struct fp_sink_counters prev = { 0 };
	uint64_t start = fp_now_ns(), last = start;
	uint64_t next_tick = start + NS_PER_S, now, wake;
	const char *why = "signal";

	*err = 0;
	for (;;) {
		now = fp_now_ns();
		wake = next_tick;
		if (o->count && now + COUNT_POLL_NS < wake)
			wake = now + COUNT_POLL_NS;
		if (o->duration_ns && start + o->duration_ns < wake)
			wake = start + o->duration_ns;
		if (wake > now && fp_run_sleep_ns(wake - now))
			break;
		now = fp_now_ns();
		*err = fp_sink_read(s, c);
		if (*err)
			break;
		if (o->count && c->packets >= o->count) {
			why = "count";
			break;
		}
		if (o->duration_ns && now - start >= o->duration_ns) {
			why = "duration";
			break;
		}
		if (now >= next_tick) {
			if (!o->quiet)
				print_tick(ticks, o->sink.check, now - start, c,
					   &prev, now - last);
			prev = *c;
			last = now;
			next_tick += NS_PER_S;
		}
	}
	*elapsed_ns = fp_now_ns() - start;
	if (!*err)
		*err = fp_sink_read(s, c);
	return why;
}

int cmd_sink(int argc, char **argv)
{
	struct sink_cli o = { 0 };
	struct fp_sink_counters c;
	struct fp_sink *s = NULL;
	uint64_t elapsed_ns = 0;
	const char *why;
	uint32_t insns = 0;
	int optind_out, err;

	err = fp_opts_parse(argc, argv, sink_opts, &sink_help, on_opt, &o,
			    &optind_out);
	if (err)
		return err > 0 ? 0 : 1;
	if (optind_out < argc) {
		fp_err("unexpected argument '%s'; see 'fastpath sink --help'",
		       argv[optind_out]);
		return 1;
	}
	if (!o.sink.ifindex) {
		fp_err("--iface is required; see 'fastpath sink --help'");
		return 1;
	}
	if (fp_run_require_admin("fastpath sink"))
		return 1;
	err = fp_run_install_signals();
	if (err) {
		fp_err("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}

	err = fp_sink_open(&o.sink, &s);
	if (err)
		return 1;
	fp_sink_prog_insns(s, &insns);
	if (!o.quiet)
		fp_info("sink on %s: %s XDP, %s%s (%u BPF instructions); stop with Ctrl-C",
			o.ifname, fp_xdp_mode_str(fp_sink_xdp_mode(s)),
			o.sink.pass ? "pass" : "drop",
			o.sink.check ? ", checking payloads" : "", insns);

	why = run_loop(&o, s, &c, &elapsed_ns, &err);
	if (!err) {
		if (o.json)
			print_json(&o, s, &c, elapsed_ns, why);
		else
			print_text(&o, &c, elapsed_ns);
	}
	fp_sink_close(s);
	if (err)
		return 1;
	if (o.sink.check && c.packets && !c.checked)
		fp_warn("none of the %" PRIu64 " packets carried a fastpath payload: nothing was checked",
			c.packets);
	if (o.sink.check && anomalies(&c))
		return EXIT_CHECK_FAILED;
	return 0;
}
