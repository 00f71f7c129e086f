/* SPDX-License-Identifier: MIT */
/*
 * A chain of NFs, run the same way in both worlds: parse once, call each
 * NF in turn until one returns a verdict other than FP_NEXT.
 *
 * In XDP the chain is made of .rodata constants, so the loop is unrolled
 * and the verifier removes every NF the chain does not use; in user space
 * it is a small array.  `early` (hybrid by rule) stops at the first NF
 * that cannot run early (one that changes the packet or keeps state).
 */
#ifndef FASTPATH_NF_CHAIN_H
#define FASTPATH_NF_CHAIN_H

#include "fastpath/nf.h"
#include "fastpath/nf_parse.h"
#include "nf/firewall.h"
#include "nf/lb.h"
#include "nf/macswap.h"

/* Internal: the early stage stopped; reported as FP_NEXT. */
#define FP_CHAIN_STOP FP_VERDICT_MAX

/* Stateless and read-only NFs: may run in the early (XDP) stage. */
FP_INLINE int fp_nf_early_ok(__u32 nf)
{
	return nf == FP_NF_FIREWALL;
}

FP_INLINE int fp_nf_call(__u32 nf, struct fp_pkt *p, struct fp_hdrs *h)
{
	switch (nf) {
	case FP_NF_MACSWAP:
		return fp_nf_macswap(p, h);
	case FP_NF_FIREWALL:
		return fp_nf_firewall(p, h);
	case FP_NF_LB:
		return fp_nf_lb(p, h);
	}
	return FP_DROP;
}

/* One link of the chain: FP_NEXT goes on to the next. */
FP_INLINE int fp_chain_step(struct fp_pkt *p, struct fp_hdrs *h, __u32 nf,
			    int v)
{
	if (v != FP_NEXT)
		return v;
	/* The early stage ends at the first NF that may not run early. */
	if (p->stage == FP_STAGE_EARLY && !fp_nf_early_ok(nf))
		return FP_CHAIN_STOP;
	return fp_nf_call(nf, p, h);
}

/*
 * Run @n NFs of @chain on the parsed packet.  Returns the first verdict
 * that is not FP_NEXT, or FP_NEXT when all went on.  Written out rather
 * than as a loop so clang lays it flat for the verifier.
 */
FP_INLINE int fp_chain_run(struct fp_pkt *p, struct fp_hdrs *h,
			   const volatile __u32 *chain, __u32 n)
{
	int v = FP_NEXT;

	if (n > 0)
		v = fp_chain_step(p, h, chain[0], v);
	if (n > 1)
		v = fp_chain_step(p, h, chain[1], v);
	if (n > 2)
		v = fp_chain_step(p, h, chain[2], v);
	if (n > 3)
		v = fp_chain_step(p, h, chain[3], v);
	return v == FP_CHAIN_STOP ? FP_NEXT : v;
}

#endif
