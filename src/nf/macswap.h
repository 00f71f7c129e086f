/* SPDX-License-Identifier: MIT */
/*
 * macswap: the reflector.  Swaps the Ethernet addresses of UDP and TCP
 * frames and sends them back out of the interface they came in on: pure
 * I/O, the cost of the mode and nothing else (the paper's baseline NF).
 * Everything else (ARP, ICMP, neighbour discovery) goes on down the chain,
 * so the host behind it keeps working.
 */
#ifndef FASTPATH_NF_MACSWAP_H
#define FASTPATH_NF_MACSWAP_H

#include "fastpath/nf_parse.h"

FP_INLINE int fp_nf_macswap(struct fp_pkt *p, struct fp_hdrs *h)
{
	struct fp_eth *eth = p->data;
	__u8 tmp[6];

	if (!(h->flags & FP_H_PORTS))
		return FP_NEXT;
	if ((void *)(eth + 1) > p->data_end)
		return FP_DROP;
	if (p->stage == FP_STAGE_EARLY)
		return FP_NEXT;
	__builtin_memcpy(tmp, eth->dst, 6);
	__builtin_memcpy(eth->dst, eth->src, 6);
	__builtin_memcpy(eth->src, tmp, 6);
	return FP_TX;
}

#endif
