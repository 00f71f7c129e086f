// SPDX-License-Identifier: MIT
/*
 * `fastpath run NF[,NF...] --iface IF --mode MODE`: run a chain of network
 * functions in one of the I/O modes (fastpath/nfrun.h), with every AF_XDP
 * knob as an option, live counters each second, and a control socket for
 * `fastpath ctl`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/nfrun.h"
#include "fastpath/opts.h"
#include "fastpath/run.h"
#include "cli/commands.h"

enum {
	OPT_IFACE = 'i',
	OPT_MODE = 'm',
	OPT_DURATION = 'd',
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_THEN = 256,
	OPT_REDIRECT,
	OPT_RULES,
	OPT_TABLE_SIZE,
	OPT_XDP_MODE,
	OPT_FORCE,
	OPT_CPUS,
	OPT_QUEUES,
	OPT_XDP_QUEUES,
	OPT_SPQ,
	OPT_BIND,
	OPT_NO_WAKEUP,
	OPT_BATCH,
	OPT_FRAME_SIZE,
	OPT_HEADROOM,
	OPT_FRAMES,
	OPT_RX_SIZE,
	OPT_TX_SIZE,
	OPT_FILL_SIZE,
	OPT_COMP_SIZE,
	OPT_BP_USECS,
	OPT_BP_BUDGET,
	OPT_NAPI_DEFER,
	OPT_GRO_FLUSH,
	OPT_POLL_TIMEOUT,
	OPT_CTL,
	OPT_JSON,
};

static const struct fp_opt run_opts[] = {
	{ "iface", OPT_IFACE, FP_OPT_VALUE, "IFACE", "interface to run on (required)" },
	{ "mode", OPT_MODE, FP_OPT_VALUE, "MODE",
	  "xdp, xdp-sk, afxdp, afxdp-busypoll, afxdp-poll, hybrid, hybrid-queue (default xdp)" },
	{ "then", OPT_THEN, FP_OPT_VALUE, "ACTION",
	  "what happens to packets every NF let through: pass (to Linux, default), tx, drop" },
	{ "redirect", OPT_REDIRECT, FP_OPT_VALUE, "IFACE",
	  "instead of --then: send packets every NF let through out of IFACE" },
	{ "rules", OPT_RULES, FP_OPT_VALUE, "FILE",
	  "control lines to apply at start ('firewall rule add ...', one per line)" },
	{ "table-size", OPT_TABLE_SIZE, FP_OPT_VALUE, "TABLE=N",
	  "entries of a table (repeatable), e.g. fw_exact=1000000" },
	{ "xdp-mode", OPT_XDP_MODE, FP_OPT_VALUE, "MODE",
	  "XDP attach mode: auto, native or generic (default auto)" },
	{ "force", OPT_FORCE, FP_OPT_FLAG, NULL,
	  "replace an XDP program already on IFACE (announced)" },
	{ "cpus", OPT_CPUS, FP_OPT_VALUE, "LIST",
	  "AF_XDP worker CPUs, one worker each, e.g. 1 or 0,1 (default: one worker)" },
	{ "queues", OPT_QUEUES, FP_OPT_VALUE, "LIST",
	  "RX queues to open sockets on, e.g. 0 or 0-3 (default 0)" },
	{ "xdp-queues", OPT_XDP_QUEUES, FP_OPT_VALUE, "LIST",
	  "hybrid-queue: the queues whose traffic stays in XDP" },
	{ "sockets-per-queue", OPT_SPQ, FP_OPT_VALUE, "N",
	  "AF_XDP sockets per queue, round-robin (default 1)" },
	{ "bind", OPT_BIND, FP_OPT_VALUE, "MODE",
	  "auto (zero-copy, else copy; announced), copy or zerocopy (default auto)" },
	{ "no-need-wakeup", OPT_NO_WAKEUP, FP_OPT_FLAG, NULL,
	  "bind without XDP_USE_NEED_WAKEUP (the kernel is kicked every batch)" },
	{ "batch", OPT_BATCH, FP_OPT_VALUE, "N", "frames per RX/TX batch, 1..256 (default 64)" },
	{ "frame-size", OPT_FRAME_SIZE, FP_OPT_VALUE, "BYTES", "UMEM frame size, 2048 or 4096 (default 2048)" },
	{ "headroom", OPT_HEADROOM, FP_OPT_VALUE, "BYTES", "UMEM frame headroom (default 2: IP headers 4-byte aligned)" },
	{ "frames", OPT_FRAMES, FP_OPT_VALUE, "N", "UMEM frames per socket (default 4096)" },
	{ "rx-size", OPT_RX_SIZE, FP_OPT_VALUE, "N", "RX ring entries, a power of 2 (default 2048)" },
	{ "tx-size", OPT_TX_SIZE, FP_OPT_VALUE, "N", "TX ring entries (default 2048)" },
	{ "fill-size", OPT_FILL_SIZE, FP_OPT_VALUE, "N", "fill ring entries (default 2048)" },
	{ "comp-size", OPT_COMP_SIZE, FP_OPT_VALUE, "N", "completion ring entries (default 2048)" },
	{ "busy-poll-usecs", OPT_BP_USECS, FP_OPT_VALUE, "US", "afxdp-busypoll: SO_BUSY_POLL (default 20)" },
	{ "busy-poll-budget", OPT_BP_BUDGET, FP_OPT_VALUE, "N", "afxdp-busypoll: SO_BUSY_POLL_BUDGET (default: --batch)" },
	{ "napi-defer-hard-irqs", OPT_NAPI_DEFER, FP_OPT_VALUE, "N",
	  "afxdp-busypoll: the interface's napi_defer_hard_irqs while running (default 2)" },
	{ "gro-flush-timeout", OPT_GRO_FLUSH, FP_OPT_VALUE, "NS",
	  "afxdp-busypoll: the interface's gro_flush_timeout while running (default 200000)" },
	{ "poll-timeout", OPT_POLL_TIMEOUT, FP_OPT_VALUE, "MS", "afxdp-poll: poll() timeout (default 1000)" },
	{ "ctl", OPT_CTL, FP_OPT_VALUE, "PATH",
	  "control socket (default " FP_RUN_CTL_DIR "/IFACE.sock)" },
	{ "duration", OPT_DURATION, FP_OPT_VALUE, "D", "stop after D (default: until Ctrl-C)" },
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL, "print the final counters as one JSON object" },
	{ "quiet", OPT_QUIET, FP_OPT_FLAG, NULL, "no per-second lines" },
	{ "verbose", OPT_VERBOSE, FP_OPT_FLAG, NULL, "more detail (verifier log on failure)" },
	{ 0 },
};

static const struct fp_cmd_help run_help = {
	.usage = "fastpath run NF[,NF...] --iface IFACE [--mode MODE] [OPTIONS]",
	.summary =
	"Run a chain of network functions on IFACE.  NFs: macswap (reflector),\n"
	"firewall (5-tuple ACL: exact rules, source and destination prefixes,\n"
	"default policy; tables fw_exact, fw_src, fw_dst, fw_hits), lb (L4 load\n"
	"balancer with Maglev and sessions; tables lb_vips, lb_backends,\n"
	"lb_ring, lb_sessions, lb_reverse).  The same NF code runs in XDP or in\n"
	"AF_XDP workers, per --mode.  Rules come from --rules FILE and live\n"
	"from 'fastpath ctl IFACE ...'.  Prints the chain's counters every\n"
	"second; Ctrl-C detaches everything.  In AF_XDP modes, frames that are\n"
	"not IP go to Linux directly; frames the chain passes cannot, and are\n"
	"counted as pass_dropped.",
	.examples =
	"  fastpath run macswap -i dut0 --mode afxdp --cpus 1\n"
	"  fastpath run firewall -i dut0 --rules fw.rules --table-size fw_exact=1000000\n"
	"  fastpath run firewall,lb -i dut0 --mode hybrid --then drop --rules lb.rules\n"
	"  fastpath ctl dut0 firewall rule add 9 drop src 198.18.9.0/24",
};

struct run_cli {
	struct fp_run_config c;
	uint64_t duration_ns;
	bool json, quiet;
	uint64_t last[FP_CNT_MAX];
	uint64_t last_ns, start_ns;
};

static int parse_chain(const char *s, struct fp_run_config *c)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf)) {
		fp_err("NF chain '%s' is too long", s);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct fp_nf_info *nf = fp_nf_find(tok);

		if (!nf) {
			fp_err("unknown NF '%s'; the NFs are macswap, firewall, lb", tok);
			return -EINVAL;
		}
		if (c->n >= FP_CHAIN_MAX) {
			fp_err("a chain holds at most %d NFs", FP_CHAIN_MAX);
			return -E2BIG;
		}
		c->chain[c->n++] = nf;
	}
	if (!c->n) {
		fp_err("name an NF chain, e.g. firewall or firewall,lb");
		return -EINVAL;
	}
	return 0;
}

static int parse_size(const char *s, struct fp_run_config *c)
{
	const char *eq = strchr(s, '=');
	static char names[FP_RUN_MAX_SIZES][32];
	uint32_t n;

	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(names[0])) {
		fp_err("--table-size '%s' is not TABLE=N", s);
		return -EINVAL;
	}
	if (c->n_sizes >= FP_RUN_MAX_SIZES) {
		fp_err("--table-size: at most %d", FP_RUN_MAX_SIZES);
		return -E2BIG;
	}
	if (fp_parse_u32(eq + 1, 1, 1u << 26, "--table-size", &n))
		return -EINVAL;
	memcpy(names[c->n_sizes], s, (size_t)(eq - s));
	names[c->n_sizes][eq - s] = '\0';
	c->sizes[c->n_sizes].table = names[c->n_sizes];
	c->sizes[c->n_sizes].entries = n;
	c->n_sizes++;
	return 0;
}

static int parse_then(const char *s, struct run_cli *o)
{
	static const struct { const char *name; enum fp_verdict v; } t[] = {
		{ "pass", FP_PASS }, { "tx", FP_TX }, { "drop", FP_DROP },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(s, t[i].name)) {
			o->c.then = t[i].v;
			return 0;
		}
	}
	fp_err("--then '%s' is not pass, tx or drop (use --redirect IFACE to send elsewhere)", s);
	return -EINVAL;
}

static int on_opt(int key, const char *arg, void *ctx)
{
	struct run_cli *o = ctx;
	struct fp_xsk_config *x = &o->c.xsk;
	uint32_t v, q[64], nq, i;

	switch (key) {
	case OPT_IFACE:
		if (fp_parse_ifname(arg, "--iface", &o->c.ifindex))
			return -EINVAL;
		snprintf(o->c.ifname, sizeof(o->c.ifname), "%s", arg);
		return 0;
	case OPT_MODE:
		return fp_run_mode_parse(arg, &o->c.mode);
	case OPT_THEN:
		return parse_then(arg, o);
	case OPT_REDIRECT:
		o->c.then = FP_REDIRECT;
		return fp_parse_ifname(arg, "--redirect", &o->c.then_ifindex);
	case OPT_RULES:
		o->c.rules = arg;
		return 0;
	case OPT_TABLE_SIZE:
		return parse_size(arg, &o->c);
	case OPT_XDP_MODE:
		return fp_xdp_mode_parse(arg, &o->c.xdp.mode);
	case OPT_FORCE:
		o->c.xdp.force = true;
		return 0;
	case OPT_CPUS:
		return fp_parse_cpu_list(arg, "--cpus", o->c.cpus,
					 FP_RUN_MAX_WORKERS, &o->c.n_workers);
	case OPT_QUEUES:
		return fp_parse_u32_list(arg, FP_XSK_MAX_QUEUES - 1, "--queues",
					 x->queues, FP_XSK_MAX_QUEUES, &x->n_queues);
	case OPT_XDP_QUEUES:
		if (fp_parse_u32_list(arg, 63, "--xdp-queues", q, 64, &nq))
			return -EINVAL;
		for (i = 0; i < nq; i++)
			o->c.xdp_queues |= 1ULL << q[i];
		return 0;
	case OPT_SPQ:
		return fp_parse_u32(arg, 1, FP_XSK_MAX_SOCKETS_PER_QUEUE,
				    "--sockets-per-queue", &x->sockets_per_queue);
	case OPT_BIND:
		return fp_xsk_bind_mode_parse(arg, &x->bind);
	case OPT_NO_WAKEUP:
		x->need_wakeup = false;
		return 0;
	case OPT_BATCH:
		return fp_parse_u32(arg, 1, FP_XSK_MAX_BATCH, "--batch", &x->batch);
	case OPT_FRAME_SIZE:
		return fp_parse_u32(arg, 2048, 4096, "--frame-size", &x->frame_size);
	case OPT_HEADROOM:
		return fp_parse_u32(arg, 0, 1024, "--headroom", &x->headroom);
	case OPT_FRAMES:
		return fp_parse_u32(arg, 64, 1u << 20, "--frames", &x->frames_per_socket);
	case OPT_RX_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--rx-size", &x->rx_size);
	case OPT_TX_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--tx-size", &x->tx_size);
	case OPT_FILL_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--fill-size", &x->fill_size);
	case OPT_COMP_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--comp-size", &x->comp_size);
	case OPT_BP_USECS:
		return fp_parse_u32(arg, 0, 1000000, "--busy-poll-usecs", &x->busy_poll_usecs);
	case OPT_BP_BUDGET:
		return fp_parse_u32(arg, 1, 65535, "--busy-poll-budget", &x->busy_poll_budget);
	case OPT_NAPI_DEFER:
		return fp_parse_u32(arg, 0, 1000000, "--napi-defer-hard-irqs",
				    &x->napi_defer_hard_irqs);
	case OPT_GRO_FLUSH:
		if (fp_parse_u32(arg, 0, UINT32_MAX, "--gro-flush-timeout", &v))
			return -EINVAL;
		x->gro_flush_timeout_ns = v;
		return 0;
	case OPT_POLL_TIMEOUT:
		if (fp_parse_u32(arg, 0, 60000, "--poll-timeout", &v))
			return -EINVAL;
		x->poll_timeout_ms = (int)v;
		return 0;
	case OPT_CTL:
		o->c.ctl_path = arg;
		return 0;
	case OPT_DURATION:
		return fp_parse_duration(arg, "--duration", &o->duration_ns);
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_VERBOSE:
		fp_log_set_level(FP_LOG_DEBUG);
		return 0;
	}
	return -EINVAL;
}

/* The worker loop's wait follows the mode. */
static void mode_defaults(struct fp_run_config *c)
{
	switch (c->mode) {
	case FP_RUN_AFXDP_BUSYPOLL:
		c->xsk.wait = FP_XSK_WAIT_BUSYPOLL;
		break;
	case FP_RUN_AFXDP_POLL:
		c->xsk.wait = FP_XSK_WAIT_POLL;
		break;
	default:
		c->xsk.wait = FP_XSK_WAIT_SPIN;
		break;
	}
	c->xsk.ifindex = c->ifindex;
}

static void tick(struct fp_run *r, void *ctx)
{
	struct run_cli *o = ctx;
	uint64_t c[FP_CNT_MAX], now = fp_now_ns();
	double dt = (double)(now - o->last_ns) / 1e9;

	if (o->duration_ns && now - o->start_ns >= o->duration_ns)
		fp_run_request_stop();
	if (o->quiet || fp_run_counters(r, c))
		return;
	fprintf(o->json ? stderr : stdout,
		"%6.1fs rx %10.0f pps  tx %10.0f  drop %10.0f  pass %10.0f  to_user %10.0f  pass_dropped %" PRIu64 "\n",
		(double)(now - o->start_ns) / 1e9,
		(double)(c[FP_CNT_RX] - o->last[FP_CNT_RX]) / dt,
		(double)(c[FP_CNT_TX] - o->last[FP_CNT_TX]) / dt,
		(double)(c[FP_CNT_DROP] - o->last[FP_CNT_DROP]) / dt,
		(double)(c[FP_CNT_PASS] - o->last[FP_CNT_PASS]) / dt,
		(double)(c[FP_CNT_TO_USER] - o->last[FP_CNT_TO_USER]) / dt,
		c[FP_CNT_PASS_DROPPED]);
	fflush(o->json ? stderr : stdout);
	memcpy(o->last, c, sizeof(c));
	o->last_ns = now;
}

int cmd_run(int argc, char **argv)
{
	struct run_cli o;
	struct fp_run *r;
	int first, err;

	memset(&o, 0, sizeof(o));
	fp_run_config_init(&o.c);
	err = fp_opts_parse(argc, argv, run_opts, &run_help, on_opt, &o, &first);
	if (err)
		return err > 0 ? 0 : 1;
	if (first >= argc) {
		fp_err("name an NF chain (macswap, firewall, lb, or e.g. firewall,lb); see 'fastpath run --help'");
		return 1;
	}
	if (first + 1 < argc) {
		fp_err("unexpected argument '%s'; join NFs with commas: firewall,lb",
		       argv[first + 1]);
		return 1;
	}
	if (parse_chain(argv[first], &o.c))
		return 1;
	if (!o.c.ifindex) {
		fp_err("--iface is required; see 'fastpath run --help'");
		return 1;
	}
	if (o.c.mode == FP_RUN_HYBRID_QUEUE && !o.c.xdp_queues) {
		fp_err("--mode hybrid-queue needs --xdp-queues LIST (the queues that stay in XDP)");
		return 1;
	}
	mode_defaults(&o.c);
	if (fp_run_require_admin("fastpath run"))
		return 1;
	err = fp_run_install_signals();
	if (err)
		return 1;
	err = fp_run_start(&o.c, &r);
	if (err)
		return 1;
	if (!o.quiet)
		fp_info("run: %s on %s in mode %s; control with 'fastpath ctl %s ...'; stop with Ctrl-C",
			argv[first], o.c.ifname, fp_run_mode_str(o.c.mode), o.c.ifname);
	o.start_ns = o.last_ns = fp_now_ns();
	fp_run_loop(r, tick, &o);
	fp_run_print_stats(r, stdout, o.json);
	fp_run_stop(r);
	return 0;
}
