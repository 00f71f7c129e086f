// SPDX-License-Identifier: MIT
/*
 * The sink's XDP program: count, optionally check, then drop or pass.
 *
 * Named sink_xdp (skeleton struct fp_sink_xdp) because the library's
 * public handle is already called struct fp_sink.
 *
 * The two switches are .rodata constants set before load.  With check off
 * the verifier sees a constant condition, never visits the parser and
 * removes it, so the plain sink is a handful of instructions (the program
 * test measures it).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath/nf_parse.h"
#include "fastpath/payload.h"
#include "fastpath/seqcheck.h"
#include "fastpath/sink.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define IP_MF_OFFSET	0x3fff	/* "more fragments" and the fragment offset */

const volatile bool pass = false;
const volatile bool check = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_sink_pcpu);
} sink_counters SEC(".maps");

/* An array, not a hash: its lookup is inlined and there is no race to
 * create an entry (a hash lookup cost 25 ns more per packet here). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FP_SINK_MAX_STREAMS);
	__type(key, __u32);
	__type(value, struct fp_sink_stream);
} sink_streams SEC(".maps");

/*
 * Find the payload header.  Returns its pointer and the L4 payload length
 * taken from the IP header (so Ethernet padding is not part of it), or NULL
 * if the frame cannot be checked.
 */
static __always_inline struct fp_payload_hdr *
find_payload(void *data, void *data_end, __u32 *len_out)
{
	struct tcphdr *th;
	__u8 *l3;
	void *p;
	__u32 l4len, hl;
	__be16 proto;
	__u8 l4proto;

	if (fp_parse_eth(data, data_end, &proto, &l3))
		return NULL;
	p = l3;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = p;
		__u32 tot;

		if ((void *)(ip + 1) > data_end || ip->version != 4)
			return NULL;
		/* A fragment holds part of the payload only, the first one
		 * too: its checksum cannot add up. */
		if (ip->frag_off & bpf_htons(IP_MF_OFFSET))
			return NULL;
		hl = ip->ihl * 4;
		tot = bpf_ntohs(ip->tot_len);
		if (hl < sizeof(*ip) || tot < hl)
			return NULL;
		l4len = tot - hl;
		l4proto = ip->protocol;
		p += hl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = p;

		if ((void *)(ip6 + 1) > data_end)
			return NULL;
		/* Extension headers are not walked: the next header must be
		 * the transport itself. */
		l4len = bpf_ntohs(ip6->payload_len);
		l4proto = ip6->nexthdr;
		p = ip6 + 1;
	} else {
		return NULL;
	}

	if (l4proto == IPPROTO_UDP) {
		hl = sizeof(struct udphdr);
	} else if (l4proto == IPPROTO_TCP) {
		th = p;
		if ((void *)(th + 1) > data_end)
			return NULL;
		hl = th->doff * 4;
		if (hl < sizeof(*th))
			return NULL;
	} else {
		return NULL;
	}
	if (l4len < hl + FP_PAYLOAD_HDR_LEN || l4len - hl > FP_SINK_MAX_CHECK_LEN)
		return NULL;
	*len_out = l4len - hl;
	p += hl;
	/* Truncated: the IP header promises more than the frame holds. */
	if (p + *len_out > data_end ||
	    p + sizeof(struct fp_payload_hdr) > data_end)
		return NULL;
	if (((struct fp_payload_hdr *)p)->magic != bpf_htons(FP_PAYLOAD_MAGIC))
		return NULL;
	return p;
}

/*
 * True if the ones' complement sum of the @len payload bytes at @p folds to
 * 0xffff.  Words are read in host order: a byte-swapped ones' complement
 * sum is the sum of the byte-swapped words, and 0xffff is its own swap.
 * The odd tail is summed first so that no packet pointer is live after the
 * loop: the loop's exits then look alike to the verifier and are pruned.
 */
static __always_inline bool payload_sum_ok(void *p, void *data_end, __u32 len)
{
	__u32 quads = len / 4, i;
	__u64 sum = 0;
	void *t;

	if (len & 2) {
		t = p + (len & ~3u);
		if (t + 2 > data_end)
			return false;
		sum += *(__u16 *)t;
	}
	if (len & 1) {
		/* The odd last byte is the high byte of a big-endian word,
		 * so the low byte of a host-order one. */
		t = p + len - 1;
		if (t + 1 > data_end)
			return false;
		sum += *(__u8 *)t;
	}
#pragma clang loop unroll(disable)
	for (i = 0; i < FP_SINK_MAX_CHECK_LEN / 4; i++) {
		if (i >= quads)
			break;
		/* Keep clang from folding the two exits into one trip
		 * count computed with pointer arithmetic the verifier
		 * refuses. */
		asm volatile("" : "+r"(p));
		if (p + 4 > data_end)
			return false;
		sum += *(__u32 *)p;
		p += 4;
	}
	return fp_csum_fold(sum) == 0xffff;
}

static __always_inline void check_frame(struct xdp_md *ctx,
					struct fp_sink_pcpu *c)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fp_sink_stream *st;
	struct fp_payload_hdr *h;
	__u32 len = 0, key, seq;
	bool ok;

	h = find_payload(data, data_end, &len);
	if (!h) {
		c->unchecked++;
		return;
	}
	key = bpf_ntohs(h->stream);
	seq = bpf_ntohl(h->seq);
	ok = payload_sum_ok(h, data_end, len);
	st = bpf_map_lookup_elem(&sink_streams, &key);
	if (!st) {
		/* A stream id beyond the table.  A bad checksum still
		 * counts (the id itself may be what got corrupted). */
		if (ok) {
			c->unchecked++;
		} else {
			c->checked++;
			c->corrupted++;
		}
		return;
	}
	c->checked++;
	/* The lock makes each update whole and orders the arrivals of one
	 * stream from several CPUs.  It is most of --check's cost (about
	 * 55 ns per packet on the development VM), and the price of
	 * correct counts when RSS spreads a stream over queues. */
	bpf_spin_lock(&st->lock);
	if (ok)
		fp_seq_update(&st->seq, seq);
	else
		fp_seq_corrupt(&st->seq);
	bpf_spin_unlock(&st->lock);
}

SEC("xdp")
int fp_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct fp_sink_pcpu *c = bpf_map_lookup_elem(&sink_counters, &zero);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
		if (check)
			check_frame(ctx, c);
	}
	return pass ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
