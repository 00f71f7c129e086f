/* SPDX-License-Identifier: MIT */
/*
 * firewall: a stateless 5-tuple ACL, written once for XDP and user space.
 *
 * Rules come in three kinds, looked up in this order; the first that
 * matches decides (the most specific wins):
 *
 *   1. exact 5-tuple (protocol, addresses, ports) in a hash table, for
 *      UDP and TCP packets that are not fragments;
 *   2. the longest source prefix, in an LPM table;
 *   3. the longest destination prefix, in another LPM table;
 *
 * and when none matches, the default policy.  A rule says accept (the
 * packet goes on down the chain) or drop.  Each rule has an id and a hit
 * counter per CPU (id 0 counts the default policy).  IPv4 and IPv6 share
 * the tables: the family is part of every key.  Frames that are not IP
 * are not the firewall's business and go on down the chain.
 *
 * With FP_NF_TYPES_ONLY defined, only the types are seen (control path,
 * tests); otherwise the tables and the packet code too.
 */
#ifndef FASTPATH_NF_FIREWALL_H
#define FASTPATH_NF_FIREWALL_H

#include "fastpath/nf_map.h"
#include "fastpath/nf_parse.h"

#define FP_FW_MAX_RULES		(1u << 20)	/* ids 1..FP_FW_MAX_RULES */
#define FP_FW_DEFAULT_SIZE	65536		/* entries per table */
/* An LPM key's prefix covers the family byte, then the address bits. */
#define FP_FW_FAMILY_BITS	8

enum fp_fw_action {
	FP_FW_ACCEPT = 0,
	FP_FW_DROP = 1,
};

struct fp_fw_rule {
	__u32 id;		/* 1.., the index of its hit counter */
	__u32 action;		/* enum fp_fw_action */
};

struct fp_fw_lpm_key {
	__u32 prefixlen;	/* FP_FW_FAMILY_BITS + address prefix */
	__u8 family;
	__u8 addr[16];
	__u8 pad[3];
};

struct fp_fw_config {
	__u32 default_action;	/* enum fp_fw_action; zero = accept */
	__u32 pad;
};

#define FP_FW_TABLES(T)							\
	T(fw_exact, HASH, struct fp_tuple, struct fp_fw_rule, FP_FW_DEFAULT_SIZE) \
	T(fw_src, LPM, struct fp_fw_lpm_key, struct fp_fw_rule, FP_FW_DEFAULT_SIZE) \
	T(fw_dst, LPM, struct fp_fw_lpm_key, struct fp_fw_rule, FP_FW_DEFAULT_SIZE) \
	T(fw_hits, PERCPU_ARRAY, __u32, __u64, FP_FW_DEFAULT_SIZE + 1)	\
	T(fw_config, ARRAY, __u32, struct fp_fw_config, 1)

#ifndef FP_NF_TYPES_ONLY

FP_FW_TABLES(FP_TABLE_DEFINE)

FP_INLINE struct fp_fw_rule *fp_fw_prefix(void *table, __u8 family,
					  const __u8 *addr)
{
	struct fp_fw_lpm_key k;

	k.prefixlen = FP_FW_FAMILY_BITS + 128;
	k.family = family;
	fp_copy16(k.addr, addr);
	k.pad[0] = k.pad[1] = k.pad[2] = 0;
	return fp_map_lookup_ref(table, &k);
}

FP_INLINE int fp_nf_firewall(struct fp_pkt *p, struct fp_hdrs *h)
{
	struct fp_fw_rule *r = (void *)0;
	struct fp_fw_config *cfg;
	__u32 action, id = 0, zero = 0;

	if (!(h->flags & FP_H_IP))
		return FP_NEXT;
	if (h->flags & FP_H_PORTS)
		r = fp_map_lookup(fw_exact, &h->t);
	if (!r)
		r = fp_fw_prefix(FP_TABLE_REF(fw_src), h->t.family, h->t.saddr);
	if (!r)
		r = fp_fw_prefix(FP_TABLE_REF(fw_dst), h->t.family, h->t.daddr);
	if (r) {
		action = r->action;
		id = r->id;
	} else {
		cfg = fp_map_lookup(fw_config, &zero);
		action = cfg ? cfg->default_action : FP_FW_ACCEPT;
	}
	/* Early (hybrid) runs only decide drops; user space counts the
	 * rest when it runs the whole chain. */
	if (p->stage == FP_STAGE_EARLY && action != FP_FW_DROP)
		return FP_NEXT;
	fp_map_count(fw_hits, id, 1);
	return action == FP_FW_DROP ? FP_DROP : FP_NEXT;
}

#endif /* !FP_NF_TYPES_ONLY */

#endif
