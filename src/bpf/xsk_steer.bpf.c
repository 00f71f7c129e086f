// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsk_steer: a small, generic XDP program that hands frames to AF_XDP
 * sockets.  A frame that arrives on RX queue q goes to one of the
 * socks_per_queue sockets of that queue, round-robin, at XSKMAP key
 * q * socks_per_queue + k: the layout fp_xsk_set_fill_xskmap() writes.
 *
 * Knobs (.rodata, set before load; the verifier prunes what is off):
 *   socks_per_queue  sockets per queue (N of the round-robin), default 1;
 *   ip_only          only IPv4/IPv6 frames (also behind one or two VLAN
 *                    tags) go to the sockets; ARP, LLDP, ... go to Linux.
 * The XSKMAP's size is set with bpf_map__set_max_entries() before load
 * (default FP_XSK_STEER_MAX_KEYS).
 *
 * Why a per-CPU counter per queue: a frame must never be lost to a race.
 * The counter only picks which socket of the queue gets the frame, so a
 * racy shared counter would at worst skew the spread; a per-CPU slot has
 * no race at all and costs no atomic instruction.  One RX queue is served
 * by one NAPI context at a time, so per CPU is also per queue in practice.
 *
 * A key with no socket (not yet inserted, or a queue nobody listens on)
 * falls back to XDP_PASS through bpf_redirect_map()'s flags: the frame goes
 * to Linux, never to the floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath/nf_parse.h"
#include "fastpath/xsk.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u32 socks_per_queue = 1;
const volatile bool ip_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, FP_XSK_STEER_MAX_KEYS);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* Round-robin position, one slot per RX queue, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_XSK_STEER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} steer_rr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_xsk_steer_pcpu);
} steer_stats SEC(".maps");

static __always_inline bool is_ip(void *data, void *data_end)
{
	__be16 proto;
	__u8 *l3;

	return !fp_parse_eth(data, data_end, &proto, &l3) &&
	       (proto == bpf_htons(ETH_P_IP) || proto == bpf_htons(ETH_P_IPV6));
}

SEC("xdp")
int xsk_steer(struct xdp_md *ctx)
{
	__u32 zero = 0, q = ctx->rx_queue_index, key = q;
	struct fp_xsk_steer_pcpu *st;
	__u32 *rr;
	long ret;

	st = bpf_map_lookup_elem(&steer_stats, &zero);
	if (!st)
		return XDP_PASS;
	if (ip_only && !is_ip((void *)(long)ctx->data,
			      (void *)(long)ctx->data_end)) {
		st->passed_not_ip++;
		return XDP_PASS;
	}
	if (socks_per_queue > 1) {
		rr = bpf_map_lookup_elem(&steer_rr, &q);
		if (!rr) {	/* queue beyond the table */
			st->passed_no_socket++;
			return XDP_PASS;
		}
		key = q * socks_per_queue + *rr;
		*rr = *rr + 1 >= socks_per_queue ? 0 : *rr + 1;
	}
	ret = bpf_redirect_map(&xsks, key, XDP_PASS);
	if (ret == XDP_REDIRECT)
		st->redirected++;
	else
		st->passed_no_socket++;
	return (int)ret;
}
