/* SPDX-License-Identifier: MIT */
/*
 * `fastpath ping`: UDP round trips to a reflector (`fastpath reflect`),
 * over an AF_XDP socket or, for the baseline, a kernel UDP socket.
 *
 * Each round sends a batch of B packets, then waits until every reply of
 * the batch is in or the reply timeout has passed; with an interval the
 * rounds start every interval (late rounds start at once), without one
 * they run back to back.  A packet's payload starts with struct
 * fp_ping_hdr: a tag that is random per run (so replies of an earlier run
 * never match), the sequence number and the send timestamp.
 *
 * What is measured.  The send time is CLOCK_MONOTONIC read right before
 * the batch is handed to the kernel (fp_xsk_tx(), which queues and kicks;
 * send() per packet with --socket) and the receive time right after the
 * RX ring read (recv() returning with --socket).  Every reply is matched
 * by sequence number: the first one of a sequence number counts (a reply
 * from an earlier round that arrives late still counts, with its real
 * round trip), a second one is a duplicate, and the packets never
 * answered are lost (sent - received).  Frames that are not our replies
 * (wrong tag, out of range, not UDP to our port) are counted as foreign.
 *
 * USDT probes (<sys/sdt.h>): fastpath:ping_send(seq, ts_ns) per packet at
 * send and fastpath:ping_recv(seq, ts_ns) per matched reply, so perf or
 * bpftrace can correlate with kernel events:
 *   bpftrace -e 'usdt:./fastpath:fastpath:ping_recv { @[arg0] = arg1; }'
 */
#ifndef FASTPATH_PING_H
#define FASTPATH_PING_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath/hist.h"
#include "fastpath/opts.h"
#include "fastpath/xsk.h"

struct fp_ping_hdr {
	uint32_t tag;		/* random per run */
	uint32_t seq;
	uint64_t ts_ns;		/* CLOCK_MONOTONIC when built */
} __attribute__((packed));

#define FP_PING_MIN_SIZE	60	/* frame bytes without FCS */

struct fp_ping_opts {
	struct fp_xsk_config xsk;	/* ifindex, knobs; batch = B */
	bool socket;			/* kernel UDP socket instead */
	struct fp_addr dst;		/* AF_XDP: IPv4 only */
	bool have_dst_mac;
	uint8_t dst_mac[6];		/* else resolved through Linux */
	uint16_t port;			/* destination UDP port */
	uint16_t sport;			/* AF_XDP source port */
	uint64_t count;
	uint64_t interval_ns;		/* 0: back to back */
	uint32_t size;			/* frame bytes, L2 without FCS */
	uint64_t timeout_ns;		/* per round */
	int cpu;			/* -1: not pinned */
};

void fp_ping_opts_init(struct fp_ping_opts *o);

struct fp_ping_result {
	uint64_t sent, received, lost, dup, foreign;
	struct fp_hist hist;
	uint64_t *rtt_ns;	/* per sequence number, 0: no reply */
	uint64_t n_rtt;		/* entries of rtt_ns (= count) */
	bool zerocopy;		/* AF_XDP: as the kernel reports */
	const char *xdp_mode;	/* AF_XDP: "native" or "generic" */
	bool stopped;		/* a signal ended the run early */
};

/* Run the whole measurement; 0 or a negative errno after one line. */
int fp_ping_run(const struct fp_ping_opts *o, struct fp_ping_result *res);
void fp_ping_result_free(struct fp_ping_result *res);

#endif
