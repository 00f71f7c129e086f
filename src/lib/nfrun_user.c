// SPDX-License-Identifier: MIT
/*
 * The user-space half of `fastpath run`: AF_XDP workers run the chain on
 * every frame of a batch (the same packet code as XDP, src/nf/), then the
 * runtime transmits, forwards or recycles the frames (fastpath/xsk.h).
 *
 * Each worker is an RCU reader of the tables (liburcu QSBR): online for
 * its life, quiescent after every batch, so a table update's old value is
 * freed only once no batch can still hold it.  The control thread is not a
 * reader: utable brings it online only for the length of each call.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fastpath/log.h"
#include "fastpath/run.h"
#include "fastpath/utable.h"
#include "lib/nfrun_priv.h"

static void worker_init(void *ctx, uint32_t worker)
{
	fp_rcu_thread_online();
	fp_utable_set_slot(worker);
}

static void worker_iteration(void *ctx, uint32_t worker)
{
	fp_rcu_quiescent();
}

static void worker_exit(void *ctx, uint32_t worker)
{
	fp_rcu_thread_offline();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void batch(struct fp_xsk_batch *b, void *ctx, uint32_t worker)
{
	struct fp_run *r = ctx;
	uint64_t *c = r->wstats[worker].c;
	struct fp_pkt p = {
		.ifindex = (uint32_t)fp_xsk_ifindex(b->rx),
		.rx_queue = fp_xsk_queue(b->rx),
		.stage = FP_STAGE_FULL,
	};
	uint32_t i;

	/* One clock read per batch: sessions need "now" to the ms, not ns. */
	p.now_ns = now_ns();
	for (i = 0; i < b->n; i++) {
		int v;

		p.data = b->pkts[i].data;
		p.data_end = b->pkts[i].data + b->pkts[i].len;
		p.out_ifindex = 0;
		v = fp_nf_user_run(&p, r->chain_ids, r->cfg.n);
		if (v < 0) {
			c[FP_CNT_MALFORMED]++;
			v = FP_DROP;
		} else if (v == FP_NEXT) {
			v = (int)r->cfg.then;
		}
		switch (v) {
		case FP_TX:
			c[FP_CNT_TX]++;
			b->action[i] = FP_XSK_TX;
			break;
		case FP_REDIRECT:
			b->out[i] = r->then_xsk;
			if (b->out[i]) {
				c[FP_CNT_REDIRECT]++;
				b->action[i] = FP_XSK_FORWARD;
			} else {
				c[FP_CNT_REDIRECT_ERR]++;
				b->action[i] = FP_XSK_DROP;
			}
			break;
		case FP_PASS:
			c[FP_CNT_PASS_DROPPED]++;
			b->action[i] = FP_XSK_DROP;
			break;
		default:
			c[FP_CNT_DROP]++;
			b->action[i] = FP_XSK_DROP;
			break;
		}
	}
}

int fp_run_user_start(struct fp_run *r)
{
	struct fp_xsk_workers_opts o = {
		.cpus = r->cfg.n_workers ? r->cfg.cpus : NULL,
		.n_workers = r->n_workers,
		.fn = batch,
		.ctx = r,
		.thread_init = worker_init,
		.iteration = worker_iteration,
		.thread_exit = worker_exit,
	};
	/* It says what failed itself. */
	return fp_xsk_workers_start_opts(r->xsks, &o, &r->workers);
}

void fp_run_user_stop(struct fp_run *r)
{
	fp_xsk_workers_free(r->workers);
	r->workers = NULL;
}
