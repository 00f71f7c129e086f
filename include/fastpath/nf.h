/* SPDX-License-Identifier: MIT */
/*
 * Network functions written once (both worlds).
 *
 * A network function (NF) is a header under src/nf/ holding one packet
 * function and the tables it uses.  clang compiles it into the XDP program
 * (src/bpf/nf_xdp.bpf.c), gcc into the AF_XDP workers of `fastpath run`;
 * the code is the same, only the few macros of this header and nf_map.h
 * differ between the two worlds.
 *
 * A packet function has the shape
 *
 *	FP_INLINE int fp_nf_NAME(struct fp_pkt *p, struct fp_hdrs *h);
 *
 * where @h is the parsed view of the frame (nf_parse.h, parsed once per
 * packet and shared by every NF of a chain) and the return value is a
 * verdict:
 *
 *	FP_NEXT      not mine / accepted: continue with the next NF; after
 *	             the last one the chain's final action applies
 *	             (`fastpath run --then`)
 *	FP_DROP      drop the frame
 *	FP_PASS      hand it to Linux (in AF_XDP modes Linux cannot get it
 *	             back: counted and dropped, announced at start)
 *	FP_TX        transmit on the interface it came in on
 *	FP_REDIRECT  transmit on p->out_ifindex
 *
 * An NF that rewrites a header keeps @h true (addresses and ports), so the
 * next NF of the chain sees the packet as it now is.  NFs never change the
 * frame's length.
 */
#ifndef FASTPATH_NF_H
#define FASTPATH_NF_H

#include "fastpath/compat.h"

enum fp_verdict {
	FP_NEXT = 0,
	FP_DROP,
	FP_PASS,
	FP_TX,
	FP_REDIRECT,
	FP_VERDICT_MAX,
};

/*
 * Where the chain runs.  FULL: the whole chain, this world has the last
 * word.  EARLY: hybrid by rule; XDP runs the stateless NFs at the front of
 * the chain to drop what they drop at the driver, and everything else goes
 * to user space, which runs the whole chain again.  An NF run EARLY must
 * not change the packet or any state, and counts only what it drops.
 */
enum fp_stage {
	FP_STAGE_FULL = 0,
	FP_STAGE_EARLY,
};

struct fp_pkt {
	void *data;
	void *data_end;
	__u64 now_ns;		/* CLOCK_MONOTONIC (= bpf_ktime_get_ns) */
	__u32 ifindex;		/* where it came in */
	__u32 rx_queue;
	__u32 out_ifindex;	/* FP_REDIRECT: where it goes */
	__u32 stage;		/* enum fp_stage */
};

/* The NFs fastpath ships, in the order of the chain switch in nf_xdp. */
enum fp_nf_id {
	FP_NF_MACSWAP = 0,
	FP_NF_FIREWALL,
	FP_NF_LB,
	FP_NF_COUNT,
};

#define FP_CHAIN_MAX 4

/*
 * What the XDP program does with a frame, per I/O mode of `fastpath run`:
 *   XDP        run the chain in XDP (modes xdp and xdp-sk)
 *   USER       UDP/TCP datagrams to the AF_XDP sockets (afxdp,
 *              afxdp-busypoll, afxdp-poll)
 *   EARLY      run the chain's stateless front in XDP; what it drops dies
 *              there, the rest goes to the sockets (hybrid by rule)
 *   BY_QUEUE   queues in the mask run the chain in XDP, the others go to
 *              the sockets (hybrid by RX queue)
 * In every path, frames that are not whole UDP/TCP datagrams (ARP, ICMP,
 * neighbour discovery, fragments) run the chain in XDP: what it passes
 * must reach Linux, which AF_XDP cannot do.  So the tables always live in
 * XDP, and also in user space where workers run the chain.
 */
enum fp_nf_path {
	FP_PATH_XDP = 0,
	FP_PATH_USER,
	FP_PATH_EARLY,
	FP_PATH_BY_QUEUE,
};

/*
 * Per-CPU (per-worker) counters of the engine itself, in both worlds: what
 * the chain decided, why packets did not reach an NF.
 */
enum fp_nf_counter {
	FP_CNT_RX = 0,		/* frames seen: the sum of XDP's outcomes */
	FP_CNT_DROP,
	FP_CNT_PASS,
	FP_CNT_TX,
	FP_CNT_REDIRECT,
	FP_CNT_MALFORMED,	/* truncated or inconsistent headers */
	FP_CNT_TO_USER,		/* XDP handed the frame to an AF_XDP socket */
	FP_CNT_PASS_DROPPED,	/* AF_XDP: FP_PASS cannot reach Linux */
	FP_CNT_REDIRECT_ERR,	/* redirect target missing */
	FP_CNT_MAX,
};

#endif
