// SPDX-License-Identifier: MIT
/*
 * `fastpath run`: modes, start and stop.  The XDP program (nf_xdp) is
 * specialized for the chain and the mode before load; in AF_XDP modes it
 * only steers IP frames to the sockets, and the chain runs in the workers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/probe.h"
#include "fastpath/run.h"
#include "lib/nfrun_priv.h"
#include "nf_xdp.skel.h"

static const char *const mode_names[FP_RUN_MODE_COUNT] = {
	[FP_RUN_XDP] = "xdp",
	[FP_RUN_XDP_SK] = "xdp-sk",
	[FP_RUN_AFXDP] = "afxdp",
	[FP_RUN_AFXDP_BUSYPOLL] = "afxdp-busypoll",
	[FP_RUN_AFXDP_POLL] = "afxdp-poll",
	[FP_RUN_HYBRID] = "hybrid",
	[FP_RUN_HYBRID_QUEUE] = "hybrid-queue",
};

const char *fp_run_mode_str(enum fp_run_mode m)
{
	return m < FP_RUN_MODE_COUNT ? mode_names[m] : "?";
}

int fp_run_mode_parse(const char *s, enum fp_run_mode *out)
{
	int i;

	for (i = 0; i < FP_RUN_MODE_COUNT; i++) {
		if (!strcmp(s, mode_names[i])) {
			*out = (enum fp_run_mode)i;
			return 0;
		}
	}
	fp_err("--mode '%s' is not one of xdp, xdp-sk, afxdp, afxdp-busypoll, afxdp-poll, hybrid, hybrid-queue",
	       s);
	return -EINVAL;
}

bool fp_run_mode_xdp(enum fp_run_mode m)
{
	/* Even in AF_XDP modes, frames other than UDP/TCP run the chain in
	 * XDP (nf.h), so every mode has its tables there. */
	return m < FP_RUN_MODE_COUNT;
}

bool fp_run_mode_user(enum fp_run_mode m)
{
	return m != FP_RUN_XDP && m != FP_RUN_XDP_SK;
}

/* Sockets exist in every mode but xdp. */
static bool mode_sockets(enum fp_run_mode m)
{
	return m != FP_RUN_XDP;
}

static enum fp_nf_path mode_path(enum fp_run_mode m)
{
	switch (m) {
	case FP_RUN_AFXDP:
	case FP_RUN_AFXDP_BUSYPOLL:
	case FP_RUN_AFXDP_POLL:
		return FP_PATH_USER;
	case FP_RUN_HYBRID:
		return FP_PATH_EARLY;
	case FP_RUN_HYBRID_QUEUE:
		return FP_PATH_BY_QUEUE;
	default:
		return FP_PATH_XDP;
	}
}

void fp_run_config_init(struct fp_run_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = FP_RUN_XDP;
	c->then = FP_PASS;
	fp_xsk_config_init(&c->xsk);
	c->xsk.wait = FP_XSK_WAIT_SPIN;
	/*
	 * Two bytes of headroom put received frames at 2 mod 4, so the IP
	 * header after a 14-byte Ethernet header (and any VLAN tags) is
	 * 4-byte aligned, as the header structs of the packet code require
	 * in C (the kernel's NET_IP_ALIGN trick).  UBSan found the
	 * misaligned loads at headroom 0; x86 tolerates them, C does not.
	 */
	c->xsk.headroom = 2;
}

static int specialize(struct fp_run *r)
{
	const struct fp_run_config *c = &r->cfg;
	struct fp_nf_xdp *skel = r->skel;
	bool time = false;
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		r->chain_ids[i] = c->chain[i]->id;
		skel->rodata->chain[i] = c->chain[i]->id;
		time |= c->chain[i]->need_time;
	}
	skel->rodata->chain_len = c->n;
	skel->rodata->path = mode_path(c->mode);
	skel->rodata->final_verdict = c->then;
	skel->rodata->final_ifindex = (uint32_t)c->then_ifindex;
	skel->rodata->need_time = time;
	skel->rodata->socks_per_queue = c->xsk.sockets_per_queue ?
					c->xsk.sockets_per_queue : 1;
	skel->rodata->xdp_queue_mask = c->xdp_queues;
	return 0;
}

/* The user-space side can only transmit: say what it does with FP_PASS
 * (only UDP/TCP reach it; the rest is passed from XDP as usual). */
static void announce(const struct fp_run *r)
{
	const struct fp_run_config *c = &r->cfg;

	if (fp_run_mode_user(c->mode) && c->then == FP_PASS)
		fp_warn("run: in mode %s, UDP/TCP packets the chain passes on in user space cannot go back to Linux: they are dropped and counted (pass_dropped); use --then tx|drop|redirect IFACE, or mode xdp",
			fp_run_mode_str(c->mode));
}

/* Can frames leave by XDP_TX?  Then a veth needs something on its peer. */
static bool may_tx(const struct fp_run_config *c)
{
	uint32_t i;

	if (c->then == FP_TX)
		return true;
	for (i = 0; i < c->n; i++)
		if (c->chain[i]->id == FP_NF_MACSWAP || c->chain[i]->id == FP_NF_LB)
			return true;
	return false;
}

/*
 * veth flushes frames an XDP program sends back with XDP_TX to its peer
 * only if the peer runs an XDP program too (docs/architecture.md); the
 * peer may be in another namespace, out of our sight: say it once.
 */
static void announce_veth(const struct fp_run *r)
{
	char drv[32] = "";

	if (fp_run_mode_xdp(r->cfg.mode) && may_tx(&r->cfg) &&
	    !fp_probe_driver(r->cfg.ifindex, drv, sizeof(drv)) &&
	    !strcmp(drv, "veth"))
		fp_info("run: %s is a veth: frames sent back from XDP reach its peer only if the peer has an XDP program too (e.g. 'fastpath sink --pass' on it)",
			r->cfg.ifname);
}

static int open_sockets(struct fp_run *r)
{
	struct fp_run_config *c = &r->cfg;
	struct fp_xsk_config xc = c->xsk;
	int err;

	xc.ifindex = c->ifindex;
	if (c->then == FP_REDIRECT && c->then_ifindex != c->ifindex) {
		/* Room for the target's sockets in the one shared UMEM. */
		uint32_t spq = xc.sockets_per_queue ? xc.sockets_per_queue : 1;
		uint32_t nq = xc.n_queues ? xc.n_queues : 1;

		xc.umem_frames = xc.frames_per_socket * (spq * nq + 1);
	}
	err = fp_xsk_set_open(&xc, &r->xsks);
	if (err)
		return err;
	if (c->then == FP_REDIRECT && c->then_ifindex != c->ifindex) {
		struct fp_xsk_config tc = xc;

		tc.ifindex = c->then_ifindex;
		tc.n_queues = 1;
		tc.queues[0] = 0;
		tc.sockets_per_queue = 1;
		err = fp_xsk_set_add_iface(r->xsks, &tc);
		if (err)
			return err;
		/* Workers of every queue transmit on this one socket. */
		fp_xsk_set_shared_tx(r->xsks, true);
		r->then_xsk = fp_xsk_set_find(r->xsks, c->then_ifindex, 0, 0);
	}
	return fp_xsk_set_fill_xskmap_iface(r->xsks, c->ifindex,
					    bpf_map__fd(r->skel->maps.xsks));
}

int fp_run_start(const struct fp_run_config *c, struct fp_run **out)
{
	struct fp_run *r;
	int err;

	if (!c->n) {
		fp_err("run: name at least one NF (macswap, firewall, lb)");
		return -EINVAL;
	}
	if (fp_run_mode_user(c->mode)) {
		err = fp_xsk_config_check(&c->xsk);
		if (err)
			return err;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *c;
	r->ctl_fd = -1;
	r->n_workers = c->n_workers ? c->n_workers : 1;
	r->wstats = aligned_alloc(64, sizeof(*r->wstats) * r->n_workers);
	if (!r->wstats) {
		free(r);
		return -ENOMEM;
	}
	memset(r->wstats, 0, sizeof(*r->wstats) * r->n_workers);

	r->skel = fp_nf_xdp__open();
	if (!r->skel) {
		err = -errno;
		fp_err("run: cannot open the NF program: %s", strerror(-err));
		goto fail;
	}
	specialize(r);
	/* Sizes are set before load; tables of NFs not in the chain shrink
	 * to one entry (their code is gone, their maps would only cost). */
	err = fp_run_tables_size(r);
	if (err)
		goto fail;
	announce(r);
	announce_veth(r);

	err = fp_bpf_load(r->skel->obj, "nf_xdp");
	if (err)
		goto fail;
	err = fp_run_tables_create(r);
	if (err)
		goto fail;
	if (c->then == FP_REDIRECT) {
		uint32_t k = (uint32_t)c->then_ifindex, v = k;

		if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.tx_ports),
					&k, &v, 0)) {
			err = -errno;
			fp_err("run: cannot redirect to ifindex %u: %s", k,
			       strerror(-err));
			goto fail;
		}
	}
	err = fp_xdp_attach(r->skel->progs.fp_nf, c->ifindex, &c->xdp, &r->link);
	if (err)
		goto fail;
	if (c->rules) {
		err = fp_run_rules_file(r, c->rules);
		if (err)
			goto fail;
	}
	if (mode_sockets(c->mode)) {
		err = open_sockets(r);
		if (err)
			goto fail;
		err = fp_run_user_start(r);
		if (err)
			goto fail;
	}
	err = fp_run_ctl_open(r);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	fp_run_stop(r);
	return err;
}

void fp_run_stop(struct fp_run *r)
{
	uint32_t i;

	if (!r)
		return;
	fp_run_ctl_close(r);
	fp_run_user_stop(r);
	fp_xsk_set_close(r->xsks);
	r->xsks = NULL;
	fp_xdp_detach(r->link);
	r->link = NULL;
	for (i = 0; i < r->cfg.n; i++)
		if (r->nf[i].state && r->nf[i].info->fini)
			r->nf[i].info->fini(&r->nf[i]);
	fp_run_tables_free(r);
	fp_nf_xdp__destroy(r->skel);
	free(r->wstats);
	free(r);
}
