// SPDX-License-Identifier: MIT
/*
 * Variants that run a network function with `fastpath run`, in process:
 * the runner's thread is in the DUT's namespace, so the interface is found
 * there, and the AF_XDP workers go to the runner's CPU (the one the
 * generator does not use), as DESIGN.md asks for user-space servers.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/netns.h"
#include "fastpath/nfrun.h"
#include "fastpath/sink.h"
#include "scenarios/scenario.h"

/* A CPU this thread may run on: the runner's, away from the generator. */
static int runner_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return 0;
}

int bench_nf_setup(struct bench_ctx *ctx)
{
	const struct bench_nf_arg *a = ctx->variant->arg;
	const struct fp_nf_info *nf;
	struct fp_run_config c;
	struct fp_run *r;
	char chain[64], *tok, *save = NULL;
	enum fp_log_level lvl = fp_log_get_level();
	int err;

	fp_run_config_init(&c);
	err = bench_ifindex(ctx->scenario->dut_iface, &c.ifindex);
	if (err)
		return err;
	snprintf(c.ifname, sizeof(c.ifname), "%s", ctx->scenario->dut_iface);
	snprintf(chain, sizeof(chain), "%s", a->chain);
	for (tok = strtok_r(chain, ",", &save); tok && c.n < FP_CHAIN_MAX;
	     tok = strtok_r(NULL, ",", &save)) {
		nf = fp_nf_find(tok);
		if (!nf)
			return -ENOENT;
		c.chain[c.n++] = nf;
	}
	c.mode = (enum fp_run_mode)a->mode;
	c.then = FP_DROP;
	c.rules = a->rules;
	c.xdp.mode = FP_XDP_MODE_NATIVE;
	c.cpus[0] = runner_cpu();
	c.n_workers = 1;
	c.xsk.ifindex = c.ifindex;
	c.xsk.wait = c.mode == FP_RUN_AFXDP_BUSYPOLL ? FP_XSK_WAIT_BUSYPOLL :
		     c.mode == FP_RUN_AFXDP_POLL ? FP_XSK_WAIT_POLL :
		     FP_XSK_WAIT_SPIN;
	c.xsk.bind = FP_XSK_BIND_COPY;	/* veth: no zero-copy, no notice */
	if (a->table_size) {
		static char sizes[128];
		char *t, *sv = NULL;

		snprintf(sizes, sizeof(sizes), "%s", a->table_size);
		for (t = strtok_r(sizes, ",", &sv); t && c.n_sizes < FP_RUN_MAX_SIZES;
		     t = strtok_r(NULL, ",", &sv)) {
			char *eq = strchr(t, '=');

			if (!eq)
				return -EINVAL;
			*eq = '\0';
			c.sizes[c.n_sizes].table = t;
			c.sizes[c.n_sizes].entries = (uint32_t)strtoul(eq + 1, NULL, 10);
			c.n_sizes++;
		}
	}
	/* Quiet: the bench prints its own lines. */
	fp_log_set_level(FP_LOG_WARN);
	err = fp_run_start(&c, &r);
	fp_log_set_level(lvl);
	if (err)
		return err;
	ctx->priv = r;
	return 0;
}

int bench_nf_count(struct bench_ctx *ctx, uint64_t *packets)
{
	const struct bench_nf_arg *a = ctx->variant->arg;
	uint64_t c[FP_CNT_MAX];
	int err;

	if (a->count_returned)
		return bench_return_count(ctx, packets);
	err = fp_run_counters(ctx->priv, c);
	if (err)
		return err;
	/* Each packet ends with one verdict, in whichever world ran it. */
	*packets = c[FP_CNT_DROP] + c[FP_CNT_TX] + c[FP_CNT_PASS] +
		   c[FP_CNT_REDIRECT] + c[FP_CNT_PASS_DROPPED];
	return 0;
}

void bench_nf_teardown(struct bench_ctx *ctx)
{
	fp_run_stop(ctx->priv);
	ctx->priv = NULL;
}

/* --- the sink on the generator's side ------------------------------------ */

static struct fp_sink *return_sink;

struct sink_open_arg {
	const char *iface;
	int err;
};

static int open_in_ns(void *p)
{
	struct sink_open_arg *a = p;
	struct fp_sink_opts o = { .pass = false };

	o.xdp.mode = FP_XDP_MODE_NATIVE;
	o.ifindex = (int)if_nametoindex(a->iface);
	if (!o.ifindex)
		return -ENODEV;
	return fp_sink_open(&o, &return_sink);
}

int bench_return_sink_open(const struct bench_scenario *s)
{
	struct sink_open_arg a = { .iface = s->gen_iface };

	return fp_netns_run(s->gen_ns, open_in_ns, &a);
}

void bench_return_sink_close(const struct bench_scenario *s)
{
	fp_sink_close(return_sink);
	return_sink = NULL;
}

int bench_return_count(struct bench_ctx *ctx, uint64_t *packets)
{
	struct fp_sink_counters c;
	int err;

	if (!return_sink)
		return -ENODEV;
	err = fp_sink_read(return_sink, &c);
	if (!err)
		*packets = c.packets;
	return err;
}
