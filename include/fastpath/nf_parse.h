/* SPDX-License-Identifier: MIT */
/*
 * Parsing a frame once for a whole chain of NFs (both worlds).
 *
 * The header structs are our own, not the kernel's: vmlinux.h and the
 * uapi headers do not mix, and the wire layout is all we need.  Every
 * access is bounds-checked against data_end in a form the verifier follows.
 *
 * What is understood: Ethernet, up to two VLAN tags (802.1Q, 802.1ad),
 * IPv4 (options skipped by IHL), IPv6 without extension headers, and the
 * ports of UDP and TCP.  IPv4 fragments are flagged and have no ports (not
 * even the first, so all fragments of a datagram meet the same rules); IPv6 with any extension header (a fragment header included) is
 * flagged FP_H_EXT and has no ports.  Anything else is "not IP" and NFs let
 * it through to the next stage.
 */
#ifndef FASTPATH_NF_PARSE_H
#define FASTPATH_NF_PARSE_H

#include "fastpath/nf.h"

#define FP_ETH_P_IP	0x0800
#define FP_ETH_P_IPV6	0x86DD
#define FP_ETH_P_8021Q	0x8100
#define FP_ETH_P_8021AD	0x88A8
#define FP_IPPROTO_TCP	6
#define FP_IPPROTO_UDP	17
#define FP_AF_INET	2
#define FP_AF_INET6	10

struct fp_eth {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct fp_vlan {
	__be16 tci;
	__be16 proto;
};

struct fp_ipv4 {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
};

struct fp_ipv6 {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct fp_udp {
	__be16 source;
	__be16 dest;
	__be16 len;
	__sum16 check;
};

struct fp_tcp {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff_res;
	__u8 flags;
	__be16 window;
	__sum16 check;
	__be16 urg_ptr;
};

#define FP_IP4_MF_OFFSET 0x3fff		/* more fragments + offset */

/* fp_hdrs.flags */
#define FP_H_IP		0x01	/* IPv4 or IPv6 header present and sane */
#define FP_H_PORTS	0x02	/* UDP or TCP ports valid */
#define FP_H_FRAG	0x04	/* IPv4 fragment (first or later) */
#define FP_H_EXT	0x08	/* IPv6 extension header: not parsed */
#define FP_H_VLAN	0x10

/*
 * Addresses are 16 bytes in both families, IPv4 in the first 4 (the rest
 * zero), so one key layout serves both; @family tells them apart.
 */
struct fp_tuple {
	__u8 family;		/* FP_AF_INET or FP_AF_INET6, 0 if not IP */
	__u8 proto;		/* IP protocol */
	__be16 sport;		/* network order; 0 without FP_H_PORTS */
	__be16 dport;
	__u16 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct fp_hdrs {
	__u16 l3_off;		/* from data */
	__u16 l4_off;
	__u16 flags;
	__u16 pad;
	struct fp_tuple t;
};

/* The headers as pointers, re-derived from the offsets where an NF needs
 * to write: pointers do not survive being stored on the BPF stack across
 * helpers in every kernel, offsets do. */
FP_INLINE void *fp_hdr_at(const struct fp_pkt *p, __u32 off, __u32 len)
{
	/* Headers start within the first 96 bytes (two VLAN tags, an IPv4
	 * header with 40 bytes of options); the mask tells the verifier
	 * so, or it refuses a pointer that might leave the packet range. */
	__u8 *h = (__u8 *)p->data + (off & 0x1ff);

	if ((void *)(h + len) > p->data_end)
		return (void *)0;
	return h;
}

FP_INLINE void fp_copy16(__u8 *dst, const __u8 *src)
{
	__builtin_memcpy(dst, src, 16);
}

/*
 * Ethernet and up to two VLAN tags (802.1Q, 802.1ad): the EtherType inside
 * and where the L3 header starts.  0, or -1 when the frame is cut short.
 * Every XDP program of ours that looks past Ethernet starts here.
 */
FP_INLINE int fp_parse_eth(void *data, void *data_end, __be16 *proto,
			   __u8 **l3)
{
	struct fp_eth *eth = data;
	__u8 *cur = (__u8 *)data + sizeof(*eth);
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	*proto = eth->proto;
#ifdef __bpf__
#pragma unroll
#endif
	for (i = 0; i < 2; i++) {
		struct fp_vlan *v = (struct fp_vlan *)cur;

		if (*proto != fp_htons(FP_ETH_P_8021Q) &&
		    *proto != fp_htons(FP_ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > data_end)
			return -1;
		*proto = v->proto;
		cur += sizeof(*v);
	}
	*l3 = cur;
	return 0;
}

/*
 * Fill @h from the frame.  Returns 0, or -1 when the frame is truncated or
 * its IP header is inconsistent (callers drop those).  Non-IP frames
 * return 0 with flags 0.
 */
FP_INLINE int fp_parse(const struct fp_pkt *p, struct fp_hdrs *h)
{
	__u8 *cur;
	__be16 proto;
	__u8 l4proto = 0;

	__builtin_memset(h, 0, sizeof(*h));
	if (fp_parse_eth(p->data, p->data_end, &proto, &cur))
		return -1;
	if (cur - (__u8 *)p->data > (long)sizeof(struct fp_eth))
		h->flags |= FP_H_VLAN;
	h->l3_off = (__u16)(cur - (__u8 *)p->data);

	if (proto == fp_htons(FP_ETH_P_IP)) {
		struct fp_ipv4 *ip = (struct fp_ipv4 *)cur;
		__u32 ihl;

		if ((void *)(ip + 1) > p->data_end)
			return -1;
		ihl = (ip->ver_ihl & 0x0f) * 4u;
		if ((ip->ver_ihl >> 4) != 4 || ihl < sizeof(*ip) ||
		    fp_ntohs(ip->tot_len) < ihl)
			return -1;
		if ((void *)(cur + ihl) > p->data_end)
			return -1;
		h->t.family = FP_AF_INET;
		h->t.proto = ip->protocol;
		__builtin_memcpy(h->t.saddr, &ip->saddr, 4);
		__builtin_memcpy(h->t.daddr, &ip->daddr, 4);
		h->flags |= FP_H_IP;
		/* Fragments get no ports, the first one included: every
		 * fragment of a datagram must meet the same rules, and only
		 * the first carries the L4 header. */
		if (ip->frag_off & fp_htons(FP_IP4_MF_OFFSET)) {
			h->flags |= FP_H_FRAG;
			return 0;
		}
		l4proto = ip->protocol;
		cur += ihl;
	} else if (proto == fp_htons(FP_ETH_P_IPV6)) {
		struct fp_ipv6 *ip6 = (struct fp_ipv6 *)cur;

		if ((void *)(ip6 + 1) > p->data_end)
			return -1;
		if ((fp_ntohl(ip6->ver_tc_flow) >> 28) != 6)
			return -1;
		h->t.family = FP_AF_INET6;
		h->t.proto = ip6->nexthdr;
		fp_copy16(h->t.saddr, ip6->saddr);
		fp_copy16(h->t.daddr, ip6->daddr);
		h->flags |= FP_H_IP;
		if (ip6->nexthdr != FP_IPPROTO_TCP &&
		    ip6->nexthdr != FP_IPPROTO_UDP) {
			/* Hop-by-hop 0, routing 43, fragment 44, dst opts
			 * 60, ...: we do not walk extension headers. */
			if (ip6->nexthdr == 0 || ip6->nexthdr == 43 ||
			    ip6->nexthdr == 44 || ip6->nexthdr == 60 ||
			    ip6->nexthdr == 51 || ip6->nexthdr == 50 ||
			    ip6->nexthdr == 135 || ip6->nexthdr == 139 ||
			    ip6->nexthdr == 140)
				h->flags |= FP_H_EXT;
			return 0;
		}
		l4proto = ip6->nexthdr;
		cur += sizeof(*ip6);
	} else {
		return 0;
	}

	h->l4_off = (__u16)(cur - (__u8 *)p->data);
	if (l4proto == FP_IPPROTO_UDP) {
		struct fp_udp *udp = (struct fp_udp *)cur;

		if ((void *)(udp + 1) > p->data_end)
			return -1;
		h->t.sport = udp->source;
		h->t.dport = udp->dest;
		h->flags |= FP_H_PORTS;
	} else if (l4proto == FP_IPPROTO_TCP) {
		struct fp_tcp *tcp = (struct fp_tcp *)cur;

		if ((void *)(tcp + 1) > p->data_end)
			return -1;
		h->t.sport = tcp->source;
		h->t.dport = tcp->dest;
		h->flags |= FP_H_PORTS;
	}
	return 0;
}

#endif
