// SPDX-License-Identifier: MIT
/*
 * The XDP side of `fastpath run`: one program for every chain and mode.
 *
 * The chain, the path (enum fp_nf_path) and the final action are .rodata
 * constants set before load, so the verifier keeps only the NFs and the
 * path in use (see the instruction counts in tests/prog/test_nf.c).  NF
 * code comes from src/nf/, shared with the user-space workers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "fastpath/nf.h"
#include "nf/chain.h"

const volatile __u32 chain_len = 0;
const volatile __u32 chain[FP_CHAIN_MAX] = { 0 };
const volatile __u32 path = FP_PATH_XDP;
/* What FP_NEXT at the end of the chain means: FP_PASS, FP_TX, FP_DROP or
 * FP_REDIRECT to final_ifindex. */
const volatile __u32 final_verdict = FP_PASS;
const volatile __u32 final_ifindex = 0;
/* AF_XDP: sockets per RX queue, and the queues that stay in XDP. */
const volatile __u32 socks_per_queue = 1;
const volatile __u64 xdp_queue_mask = 0;
/* Only the load balancer needs the time. */
const volatile bool need_time = false;

#define FP_MAX_QUEUES 64

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, FP_MAX_QUEUES * 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* Round-robin position per queue; per CPU, so no two CPUs race on it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsk_rr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nf_counters SEC(".maps");

static __always_inline void count(__u32 c)
{
	__u64 *v = bpf_map_lookup_elem(&nf_counters, &c);

	if (v)
		*v += 1;
}

static __always_inline int to_user(struct xdp_md *ctx)
{
	__u32 q = ctx->rx_queue_index, key = q * socks_per_queue;
	__u32 *rr;
	long act;

	if (socks_per_queue > 1) {
		rr = bpf_map_lookup_elem(&xsk_rr, &q);
		if (rr) {
			key += *rr % socks_per_queue;
			*rr += 1;
		}
	}
	act = bpf_redirect_map(&xsks, key, XDP_DROP);
	count(act == XDP_REDIRECT ? FP_CNT_TO_USER : FP_CNT_REDIRECT_ERR);
	return (int)act;
}

static __always_inline int act(int v, struct fp_pkt *p)
{
	long r;

	if (v == FP_NEXT)
		v = (int)final_verdict;
	switch (v) {
	case FP_TX:
		count(FP_CNT_TX);
		return XDP_TX;
	case FP_PASS:
		count(FP_CNT_PASS);
		return XDP_PASS;
	case FP_REDIRECT:
		r = bpf_redirect_map(&tx_ports, v == (int)final_verdict &&
				     !p->out_ifindex ? final_ifindex
						     : p->out_ifindex, XDP_DROP);
		count(r == XDP_REDIRECT ? FP_CNT_REDIRECT : FP_CNT_REDIRECT_ERR);
		return (int)r;
	}
	count(FP_CNT_DROP);
	return XDP_DROP;
}

SEC("xdp")
int fp_nf(struct xdp_md *ctx)
{
	struct fp_pkt p = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
		.ifindex = ctx->ingress_ifindex,
		.rx_queue = ctx->rx_queue_index,
		.stage = FP_STAGE_FULL,
	};
	struct fp_hdrs h;
	int v;

	/* No FP_CNT_RX here: every frame ends in exactly one counted
	 * outcome, and user space adds them up (nfrun_stats.c). */
	if (fp_parse(&p, &h)) {
		count(FP_CNT_MALFORMED);
		count(FP_CNT_DROP);
		return XDP_DROP;
	}
	/*
	 * Only whole UDP and TCP datagrams go to user space.  Everything else
	 * (ARP, ICMP, neighbour discovery, fragments) runs the same chain
	 * here, so that what the chain passes reaches Linux: AF_XDP could
	 * not hand it back, and the host must keep resolving addresses.
	 */
	if (path == FP_PATH_USER && (h.flags & FP_H_PORTS))
		return to_user(ctx);
	if (path == FP_PATH_BY_QUEUE && (h.flags & FP_H_PORTS) &&
	    !(p.rx_queue < 64 && (xdp_queue_mask >> p.rx_queue) & 1))
		return to_user(ctx);
	if (need_time)
		p.now_ns = bpf_ktime_get_ns();
	if (path == FP_PATH_EARLY) {
		p.stage = FP_STAGE_EARLY;
		v = fp_chain_run(&p, &h, chain, chain_len);
		if (v == FP_DROP) {
			count(FP_CNT_DROP);
			return XDP_DROP;
		}
		if (h.flags & FP_H_PORTS)
			return to_user(ctx);
		p.stage = FP_STAGE_FULL;
	}
	v = fp_chain_run(&p, &h, chain, chain_len);
	return act(v, &p);
}

char _license[] SEC("license") = "GPL";
