// SPDX-License-Identifier: MIT
/*
 * `fastpath reflect`: the far end of `fastpath ping`.  AF_XDP mode turns
 * UDP frames around in place (reflect.h); --socket is the kernel UDP echo
 * that ping --socket measures against.  Runs until Ctrl-C (or --duration)
 * and prints what it reflected.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/reflect.h"
#include "fastpath/run.h"
#include "cli/commands.h"

enum {
	OPT_IFACE = 'i',
	OPT_DURATION = 'd',
	OPT_QUIET = 'q',
	OPT_SOCKET = 256,
	OPT_PORT,
	OPT_JSON,
};

struct reflect_cli {
	struct fp_reflect_opts r;
	char ifname[IF_NAMESIZE];
	bool socket;
	uint32_t port;
	uint64_t duration_ns;
	bool json, quiet;
};

static const struct fp_opt reflect_opts[] = {
	{ "iface", OPT_IFACE, FP_OPT_VALUE, "IFACE",
	  "interface to reflect on (required without --socket)" },
	{ "socket", OPT_SOCKET, FP_OPT_FLAG, NULL,
	  "kernel UDP echo on --port instead of AF_XDP (the baseline)" },
	{ "port", OPT_PORT, FP_OPT_VALUE, "P",
	  "--socket: UDP port to echo on (default 7000)" },
	FP_LAT_XSK_OPTS,
	{ "duration", OPT_DURATION, FP_OPT_VALUE, "D",
	  "stop after D (e.g. 10, 500ms; default: until Ctrl-C)" },
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL,
	  "print the counters as one JSON object at the end" },
	{ "quiet", OPT_QUIET, FP_OPT_FLAG, NULL, "no start-up line" },
	{ 0 },
};

static const struct fp_cmd_help reflect_help = {
	.usage = "fastpath reflect --iface IFACE [OPTIONS] | --socket [--port P]",
	.summary =
	"Send UDP frames back where they came from, for 'fastpath ping'.\n"
	"AF_XDP mode attaches xsk_steer to IFACE (IP frames to the socket,\n"
	"ARP and other non-IP to Linux), swaps the MAC addresses, IP addresses\n"
	"and UDP ports of each UDP frame in place (checksums stay valid: a swap\n"
	"does not change a ones'-complement sum) and transmits it on the same\n"
	"queue.  IP frames that are not UDP are dropped and counted.  --socket\n"
	"instead echoes datagrams on a kernel UDP socket (recvfrom/sendto).\n"
	"Stops on Ctrl-C or after --duration, detaching its program.",
	.examples =
	"  fastpath reflect -i dut0\n"
	"  fastpath reflect -i dut0 --wait busypoll --no-need-wakeup --gro-flush-timeout 0 --napi-defer-hard-irqs 0\n"
	"  fastpath reflect --socket --port 7000",
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct reflect_cli *o = ctx;
	int err;

	switch (key) {
	case OPT_IFACE:
		if (fp_parse_ifname(arg, "--iface", &o->r.xsk.ifindex))
			return -EINVAL;
		snprintf(o->ifname, sizeof(o->ifname), "%s", arg);
		return 0;
	case OPT_SOCKET:
		o->socket = true;
		return 0;
	case OPT_PORT:
		return fp_parse_u32(arg, 1, 65535, "--port", &o->port);
	case OPT_DURATION:
		return fp_parse_duration(arg, "--duration", &o->duration_ns);
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	}
	err = fp_lat_xsk_opt(key, arg, &o->r.xsk, &o->r.cpu);
	return err == 1 ? -EINVAL : err;
}

/* Sleep until a signal or the duration is up. */
static void wait_stop(uint64_t duration_ns)
{
	uint64_t end = duration_ns ? fp_now_ns() + duration_ns : 0, now;

	while (!fp_run_should_stop()) {
		now = fp_now_ns();
		if (end && now >= end)
			break;
		fp_run_sleep_ns(end && end - now < 100000000ULL ? end - now
							       : 100000000ULL);
	}
}

static void print_stats(const struct reflect_cli *o,
			const struct fp_reflect_stats *st)
{
	if (o->json)
		printf("{\"mode\":\"%s\",\"reflected\":%" PRIu64
		       ",\"dropped\":%" PRIu64 "}\n",
		       o->socket ? "socket" : "afxdp", st->reflected, st->dropped);
	else
		printf("reflected %" PRIu64 " packets, dropped %" PRIu64
		       " (IP but not UDP)\n", st->reflected, st->dropped);
}

static int run_socket(struct reflect_cli *o)
{
	struct fp_reflect_stats st;
	int err;

	if (!o->quiet)
		fp_info("reflect: kernel UDP echo on port %u; stop with Ctrl-C",
			o->port);
	err = fp_reflect_socket_run((uint16_t)o->port, o->r.cpu,
				    o->duration_ns, &st);
	if (err)
		return 1;
	print_stats(o, &st);
	return 0;
}

int cmd_reflect(int argc, char **argv)
{
	struct reflect_cli o = { 0 };
	struct fp_reflect_stats st;
	struct fp_reflect *r;
	int optind_out, err;

	fp_xsk_config_init(&o.r.xsk);
	o.r.xsk.poll_timeout_ms = 100;	/* notice a stop quickly */
	o.r.cpu = -1;
	o.port = 7000;
	err = fp_opts_parse(argc, argv, reflect_opts, &reflect_help, on_opt, &o,
			    &optind_out);
	if (err)
		return err > 0 ? 0 : 1;
	if (optind_out < argc) {
		fp_err("unexpected argument '%s'; see 'fastpath reflect --help'",
		       argv[optind_out]);
		return 1;
	}
	if (!o.socket && !o.r.xsk.ifindex) {
		fp_err("--iface is required (or --socket); see 'fastpath reflect --help'");
		return 1;
	}
	if (!o.socket && fp_xsk_config_check(&o.r.xsk))
		return 1;
	err = fp_run_install_signals();
	if (err) {
		fp_err("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}
	if (o.socket)
		return run_socket(&o);
	if (fp_run_require_admin("fastpath reflect"))
		return 1;
	if (fp_reflect_start(&o.r, &r))
		return 1;
	if (!o.quiet)
		fp_info("reflect on %s queue %u: %s XDP, %s, wait %s%s; stop with Ctrl-C",
			o.ifname, o.r.xsk.queues[0], fp_reflect_xdp_mode(r),
			fp_reflect_zerocopy(r) ? "zero-copy" : "copy",
			fp_xsk_wait_str(o.r.xsk.wait),
			o.r.xsk.need_wakeup ? "" : ", no need_wakeup");
	wait_stop(o.duration_ns);
	fp_reflect_stop(r, &st);
	print_stats(&o, &st);
	return 0;
}
