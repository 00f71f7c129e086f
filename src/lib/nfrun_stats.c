// SPDX-License-Identifier: MIT
/*
 * Counters of a running chain: the XDP program's per-CPU counters plus the
 * workers' own, summed on read (enum fp_nf_counter); the AF_XDP sockets'
 * statistics; and each NF's counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/nfrun_priv.h"
#include "nf_xdp.skel.h"

static const char *const counter_names[FP_CNT_MAX] = {
	[FP_CNT_RX] = "rx",
	[FP_CNT_DROP] = "drop",
	[FP_CNT_PASS] = "pass",
	[FP_CNT_TX] = "tx",
	[FP_CNT_REDIRECT] = "redirect",
	[FP_CNT_MALFORMED] = "malformed",
	[FP_CNT_TO_USER] = "to_user",
	[FP_CNT_PASS_DROPPED] = "pass_dropped",
	[FP_CNT_REDIRECT_ERR] = "redirect_err",
};

static int xdp_counters(struct fp_run *r, uint64_t out[FP_CNT_MAX])
{
	int ncpus = libbpf_num_possible_cpus(), fd, i;
	uint64_t vals[512];
	uint32_t c;

	if (ncpus <= 0 || ncpus > 512)
		return -EINVAL;
	fd = bpf_map__fd(r->skel->maps.nf_counters);
	for (c = 0; c < FP_CNT_MAX; c++) {
		if (bpf_map_lookup_elem(fd, &c, vals))
			return -errno;
		for (i = 0; i < ncpus; i++)
			out[c] += vals[i];
	}
	return 0;
}

int fp_run_counters(struct fp_run *r, uint64_t out[FP_CNT_MAX])
{
	uint64_t x[FP_CNT_MAX] = { 0 };
	uint32_t w, c;
	int err;

	/*
	 * Frames seen are counted on the way out, not in: every frame ends in
	 * one XDP outcome (drop, pass, tx, redirect, a failed redirect, or
	 * handed to user space), so rx is their sum, and an rx counter would
	 * cost every packet one more increment.  A worker's outcomes subdivide
	 * "to user space".
	 */
	err = xdp_counters(r, x);
	memcpy(out, x, sizeof(x));
	for (w = 0; w < r->n_workers; w++)
		for (c = 0; c < FP_CNT_MAX; c++)
			out[c] += __atomic_load_n(&r->wstats[w].c[c],
						  __ATOMIC_RELAXED);
	out[FP_CNT_RX] = x[FP_CNT_DROP] + x[FP_CNT_PASS] + x[FP_CNT_TX] +
			 x[FP_CNT_REDIRECT] + x[FP_CNT_REDIRECT_ERR] +
			 x[FP_CNT_TO_USER];
	return err;
}

static void xsk_totals(struct fp_run *r, struct fp_xsk_stats *t)
{
	uint32_t i, n = r->xsks ? fp_xsk_set_count(r->xsks) : 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		struct fp_xsk_stats st;

		if (fp_xsk_stats(fp_xsk_set_socket(r->xsks, i), &st))
			continue;
		t->rx_packets += st.rx_packets;
		t->tx_packets += st.tx_packets;
		t->rx_dropped += st.rx_dropped;
		t->rx_ring_full += st.rx_ring_full;
		t->rx_fill_ring_empty_descs += st.rx_fill_ring_empty_descs;
		t->tx_ring_empty_descs += st.tx_ring_empty_descs;
		t->rx_invalid_descs += st.rx_invalid_descs;
		t->tx_invalid_descs += st.tx_invalid_descs;
		t->tx_dropped += st.tx_dropped;
		t->rx_batches += st.rx_batches;
		t->empty_polls += st.empty_polls;
		t->tx_wakeups += st.tx_wakeups;
		t->busy_polls += st.busy_polls;
	}
}

void fp_run_print_stats(struct fp_run *r, FILE *out, bool json)
{
	uint64_t c[FP_CNT_MAX];
	struct fp_xsk_stats x;
	uint32_t i, k, shown = 0;

	fp_run_counters(r, c);
	xsk_totals(r, &x);
	if (json)
		fprintf(out, "{\"iface\":\"%s\",\"mode\":\"%s\",\"chain\":{",
			r->cfg.ifname, fp_run_mode_str(r->cfg.mode));
	else
		fprintf(out, "iface %s mode %s\n", r->cfg.ifname,
			fp_run_mode_str(r->cfg.mode));
	for (k = 0; k < FP_CNT_MAX; k++) {
		if (json)
			fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "",
				counter_names[k], c[k]);
		else
			fprintf(out, "chain %s %" PRIu64 "\n", counter_names[k], c[k]);
	}
	if (json)
		fprintf(out, "},\"xsk\":{\"rx\":%" PRIu64 ",\"tx\":%" PRIu64
			",\"rx_dropped\":%" PRIu64 ",\"rx_ring_full\":%" PRIu64
			",\"fill_ring_empty\":%" PRIu64 ",\"tx_ring_empty\":%" PRIu64
			",\"invalid\":%" PRIu64 ",\"tx_dropped\":%" PRIu64
			",\"batches\":%" PRIu64 ",\"empty_polls\":%" PRIu64
			",\"tx_wakeups\":%" PRIu64 ",\"busy_polls\":%" PRIu64 "},\"nf\":{",
			x.rx_packets, x.tx_packets, x.rx_dropped, x.rx_ring_full,
			x.rx_fill_ring_empty_descs, x.tx_ring_empty_descs,
			x.rx_invalid_descs + x.tx_invalid_descs, x.tx_dropped,
			x.rx_batches, x.empty_polls, x.tx_wakeups, x.busy_polls);
	else if (r->xsks)
		fprintf(out, "xsk rx %" PRIu64 " tx %" PRIu64 " rx_dropped %" PRIu64
			" rx_ring_full %" PRIu64 " fill_ring_empty %" PRIu64
			" tx_ring_empty %" PRIu64 " invalid %" PRIu64
			" tx_dropped %" PRIu64 " batches %" PRIu64
			" empty_polls %" PRIu64 " tx_wakeups %" PRIu64
			" busy_polls %" PRIu64 "\n",
			x.rx_packets, x.tx_packets, x.rx_dropped, x.rx_ring_full,
			x.rx_fill_ring_empty_descs, x.tx_ring_empty_descs,
			x.rx_invalid_descs + x.tx_invalid_descs, x.tx_dropped,
			x.rx_batches, x.empty_polls, x.tx_wakeups, x.busy_polls);
	for (i = 0; i < r->cfg.n; i++) {
		uint32_t j;
		bool repeat = false;

		for (j = 0; j < i; j++)
			repeat |= r->cfg.chain[j] == r->cfg.chain[i];
		if (repeat || !r->nf[i].info->stats)
			continue;	/* a repeated NF is shown once */
		if (json)
			fprintf(out, "%s\"%s\":{", shown++ ? "," : "",
				r->nf[i].info->name);
		r->nf[i].info->stats(&r->nf[i], out, json);
		if (json)
			fprintf(out, "}");
	}
	if (json)
		fprintf(out, "}}\n");
}
