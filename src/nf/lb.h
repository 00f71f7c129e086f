/* SPDX-License-Identifier: MIT */
/*
 * lb: a one-armed L4 load balancer (NAT), written once for XDP and user
 * space.
 *
 * A service is a VIP, port and protocol.  A new flow to a service gets a
 * backend from the service's Maglev table (consistent hashing of the flow
 * 5-tuple, built by the control path, nf_lb_ctl.c), and a session that pins
 * it there; later packets follow the session even when the backends
 * change.  Forward packets (client -> VIP) get the backend's address and
 * port as destination; return packets (backend -> client), found by a
 * reverse session, get the VIP's back as source.  Both leave by the
 * interface they came in on (FP_TX), the MACs set for the next hop: the
 * backend's MAC forward, the client's (learned from its first packet) back.
 * IPv4 header and TCP/UDP checksums are updated incrementally.
 *
 * Sessions record when they were last used; the control path deletes
 * those idle longer than the timeout, in every world.  When the session
 * table is full, a new flow is still balanced (by the Maglev table, the
 * same backend a session would have given while the backends stay the
 * same) but not pinned.  Fragments and packets without ports go on down
 * the chain: only whole UDP/TCP datagrams are balanced.
 */
#ifndef FASTPATH_NF_LB_H
#define FASTPATH_NF_LB_H

#include "fastpath/nf_csum.h"
#include "fastpath/nf_hash.h"
#include "fastpath/nf_map.h"
#include "fastpath/nf_parse.h"

#define FP_LB_MAX_SERVICES	64
#define FP_LB_RING_SIZE		8191	/* prime: Maglev's table size */
#define FP_LB_MAX_BACKENDS	4096	/* ids 1..4095; 0 = none */
#define FP_LB_SESSIONS		65536	/* default; --table-size */
#define FP_LB_HASH_SEED		0x5eed1b00u

struct fp_lb_vip_key {
	__u8 family;
	__u8 proto;
	__be16 port;
	__u8 addr[16];
};

struct fp_lb_service {
	__u32 id;		/* 0..FP_LB_MAX_SERVICES-1: its ring */
	__u32 backends;		/* active backends (0: drop new flows) */
};

struct fp_lb_backend {
	__u8 family;
	__u8 active;
	__be16 port;
	__u8 addr[16];
	__u8 mac[6];
	__u8 pad[2];
};

struct fp_lb_session {
	__u32 backend;
	__u32 pad;
	__u64 last_ns;
};

struct fp_lb_reverse {
	__u8 vip[16];
	__be16 vip_port;
	__u8 client_mac[6];
	__u64 last_ns;
};

#define FP_LB_TABLES(T)							\
	T(lb_vips, HASH, struct fp_lb_vip_key, struct fp_lb_service, FP_LB_MAX_SERVICES) \
	T(lb_backends, ARRAY, __u32, struct fp_lb_backend, FP_LB_MAX_BACKENDS) \
	T(lb_ring, ARRAY, __u32, __u32, FP_LB_MAX_SERVICES * FP_LB_RING_SIZE) \
	T(lb_sessions, HASH, struct fp_tuple, struct fp_lb_session, FP_LB_SESSIONS) \
	T(lb_reverse, HASH, struct fp_tuple, struct fp_lb_reverse, FP_LB_SESSIONS) \
	T(lb_stats, PERCPU_ARRAY, __u32, __u64, FP_LB_STAT_MAX)

enum fp_lb_stat {
	FP_LB_FORWARD = 0,	/* client -> backend */
	FP_LB_REPLY,		/* backend -> client */
	FP_LB_NEW_SESSION,
	FP_LB_SESSION_FULL,	/* balanced but not pinned */
	FP_LB_NO_BACKEND,	/* service without an active backend: drop */
	FP_LB_STAT_MAX,
};

#ifndef FP_NF_TYPES_ONLY

FP_LB_TABLES(FP_TABLE_DEFINE)

/*
 * Rewrite the destination (@dst) or source address and port with their
 * checksums: the IPv4 header's, and the L4 one whose pseudo-header holds
 * the address.
 */
FP_INLINE int fp_lb_rewrite(struct fp_pkt *p, const struct fp_hdrs *h,
			    int dst, const __u8 *addr, __be16 port)
{
	__sum16 *l4sum;
	__be16 *pp;

	/* One bounds check per protocol, each with a constant length: the
	 * verifier cannot follow a length that depends on the protocol. */
	if (h->t.proto == FP_IPPROTO_TCP) {
		struct fp_tcp *tcp = fp_hdr_at(p, h->l4_off, sizeof(*tcp));

		if (!tcp)
			return -1;
		l4sum = &tcp->check;
		pp = dst ? &tcp->dest : &tcp->source;
	} else {
		struct fp_udp *udp = fp_hdr_at(p, h->l4_off, sizeof(*udp));

		if (!udp)
			return -1;
		l4sum = &udp->check;
		pp = dst ? &udp->dest : &udp->source;
	}

	if (h->t.family == FP_AF_INET) {
		struct fp_ipv4 *ip = fp_hdr_at(p, h->l3_off, sizeof(*ip));
		__be32 *a;

		if (!ip)
			return -1;
		a = dst ? &ip->daddr : &ip->saddr;
		if (h->t.proto == FP_IPPROTO_TCP)
			fp_csum_replace(l4sum, a, addr, 4);
		else
			fp_csum_replace_udp(l4sum, a, addr, 4, 1);
		fp_csum_replace(&ip->check, a, addr, 4);
		__builtin_memcpy(a, addr, 4);
		if (h->t.proto == FP_IPPROTO_TCP)
			fp_csum_replace(l4sum, pp, &port, 2);
		else
			fp_csum_replace_udp(l4sum, pp, &port, 2, 1);
	} else {
		struct fp_ipv6 *ip6 = fp_hdr_at(p, h->l3_off, sizeof(*ip6));
		__u8 *a;

		if (!ip6)
			return -1;
		a = dst ? ip6->daddr : ip6->saddr;
		fp_csum_replace(l4sum, a, addr, 16);
		fp_csum_replace(l4sum, pp, &port, 2);
		if (h->t.proto == FP_IPPROTO_UDP && *l4sum == 0)
			*l4sum = (__sum16)0xffff;
		fp_copy16(a, addr);
	}
	*pp = port;
	return 0;
}

FP_INLINE void fp_lb_set_macs(struct fp_pkt *p, const __u8 *dst)
{
	struct fp_eth *eth = p->data;

	if ((void *)(eth + 1) > p->data_end)
		return;
	/* We were the frame's destination: we are its source now. */
	__builtin_memcpy(eth->src, eth->dst, 6);
	__builtin_memcpy(eth->dst, dst, 6);
}

/* Backend -> client: undo the NAT if this is a reply of a session. */
FP_INLINE int fp_lb_reply(struct fp_pkt *p, struct fp_hdrs *h)
{
	struct fp_lb_reverse *r = fp_map_lookup(lb_reverse, &h->t);
	__u8 vip[16];
	__u8 mac[6];
	__be16 vip_port;

	if (!r)
		return FP_NEXT;
	r->last_ns = p->now_ns;
	/* Copy out first: the entry may be replaced while we write. */
	fp_copy16(vip, r->vip);
	__builtin_memcpy(mac, r->client_mac, 6);
	vip_port = r->vip_port;
	if (fp_lb_rewrite(p, h, 0, vip, vip_port))
		return FP_DROP;
	fp_copy16(h->t.saddr, vip);
	h->t.sport = vip_port;
	fp_lb_set_macs(p, mac);
	fp_map_count(lb_stats, FP_LB_REPLY, 1);
	return FP_TX;
}

FP_INLINE struct fp_lb_backend *fp_lb_pick(const struct fp_lb_service *svc,
					   const struct fp_tuple *t, __u32 *id)
{
	__u32 slot = fp_tuple_hash(t, FP_LB_HASH_SEED) % FP_LB_RING_SIZE;
	__u32 idx = (svc->id % FP_LB_MAX_SERVICES) * FP_LB_RING_SIZE + slot;
	__u32 *be = fp_map_lookup(lb_ring, &idx);
	struct fp_lb_backend *b;

	if (!be || !*be)
		return (void *)0;
	*id = *be;
	b = fp_map_lookup(lb_backends, id);
	return b && b->active ? b : (void *)0;
}

FP_INLINE int fp_nf_lb(struct fp_pkt *p, struct fp_hdrs *h)
{
	struct fp_lb_vip_key vk;
	struct fp_lb_service *svc;
	struct fp_lb_session *s, ns;
	struct fp_lb_reverse rs;
	struct fp_lb_backend *b = (void *)0, be;
	struct fp_tuple rk;
	struct fp_eth *eth = p->data;
	__u32 id = 0;

	if (!(h->flags & FP_H_PORTS) || p->stage == FP_STAGE_EARLY)
		return FP_NEXT;
	vk.family = h->t.family;
	vk.proto = h->t.proto;
	vk.port = h->t.dport;
	fp_copy16(vk.addr, h->t.daddr);
	svc = fp_map_lookup(lb_vips, &vk);
	if (!svc)
		return fp_lb_reply(p, h);

	s = fp_map_lookup(lb_sessions, &h->t);
	if (s) {
		id = s->backend;
		b = fp_map_lookup(lb_backends, &id);
		if (b && b->active)
			s->last_ns = p->now_ns;
		else
			b = (void *)0;	/* its backend went: re-balance */
	}
	if (!b) {
		b = fp_lb_pick(svc, &h->t, &id);
		if (!b) {
			fp_map_count(lb_stats, FP_LB_NO_BACKEND, 1);
			return FP_DROP;
		}
		ns.backend = id;
		ns.pad = 0;
		ns.last_ns = p->now_ns;
		if (fp_map_update(lb_sessions, &h->t, &ns, FP_ANY)) {
			fp_map_count(lb_stats, FP_LB_SESSION_FULL, 1);
		} else {
			fp_map_count(lb_stats, FP_LB_NEW_SESSION, 1);
			if ((void *)(eth + 1) > p->data_end)
				return FP_DROP;
			/* The reply's tuple: backend -> client. */
			rk = h->t;
			__builtin_memcpy(&be, b, sizeof(be));
			fp_copy16(rk.saddr, be.addr);
			rk.sport = be.port;
			fp_copy16(rk.daddr, h->t.saddr);
			rk.dport = h->t.sport;
			fp_copy16(rs.vip, h->t.daddr);
			rs.vip_port = h->t.dport;
			__builtin_memcpy(rs.client_mac, eth->src, 6);
			rs.last_ns = p->now_ns;
			fp_map_update(lb_reverse, &rk, &rs, FP_ANY);
		}
	}
	/* Copy the backend out: the control path may replace it. */
	__builtin_memcpy(&be, b, sizeof(be));
	if (fp_lb_rewrite(p, h, 1, be.addr, be.port))
		return FP_DROP;
	fp_copy16(h->t.daddr, be.addr);
	h->t.dport = be.port;
	fp_lb_set_macs(p, be.mac);
	fp_map_count(lb_stats, FP_LB_FORWARD, 1);
	return FP_TX;
}

#endif /* !FP_NF_TYPES_ONLY */

#endif
