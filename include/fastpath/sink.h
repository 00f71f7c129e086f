/* SPDX-License-Identifier: MIT */
/*
 * The sink: an XDP program that counts every frame on an interface and
 * drops it (or passes it to Linux), and with --check also verifies the
 * payload of payload.h and tracks each stream's sequence numbers with
 * seqcheck.h.
 *
 * Why XDP and per-CPU counters: the sink must never be the bottleneck of a
 * benchmark, so the plain path is a per-CPU add and a verdict, and what
 * --check costs is switched off before load (a .rodata constant the
 * verifier prunes), not tested per packet.
 *
 * Why a spin-locked array for streams: one generator stream may arrive on
 * several CPUs (RSS spreads its flows over queues), and the checker's
 * verdict depends on the order of arrivals, so each stream's state is
 * updated under its own bpf_spin_lock.  The stream id indexes the array
 * directly (the generator uses its CPU number), so nothing is created or
 * looked up by hash on the packet path.  A stream starts with its first
 * good packet.
 *
 * The first part of this header is shared with src/bpf/sink_xdp.bpf.c (both
 * worlds); the API below it is user space only.
 */
#ifndef FASTPATH_SINK_H
#define FASTPATH_SINK_H

#include "fastpath/compat.h"
#include "fastpath/seqcheck.h"

#ifndef __VMLINUX_H__
#include <linux/bpf.h>		/* struct bpf_spin_lock */
#endif

/* Stream ids 0..FP_SINK_MAX_STREAMS-1 are tracked; good packets with a
 * higher id count unchecked. */
#define FP_SINK_MAX_STREAMS 1024
/* Longest L4 payload whose checksum is verified; longer ones (jumbo
 * frames) count unchecked.  Bounds the verifier's walk of the sum loop. */
#define FP_SINK_MAX_CHECK_LEN 1500

/* Per-CPU counters (one PERCPU_ARRAY slot). */
struct fp_sink_pcpu {
	__u64 packets;
	__u64 bytes;		/* frame bytes, L2 without FCS */
	__u64 checked;		/* payload checksum verified (good or bad) */
	__u64 unchecked;	/* no IPv4/IPv6 + UDP/TCP, fragment, IPv6
				 * extension header, no payload header or no
				 * magic, truncated, too long, stream id
				 * beyond the table */
	__u64 corrupted;	/* bad checksum, stream id beyond the table */
};

/* Slot of the stream array, indexed by the payload's stream id. */
struct fp_sink_stream {
	struct bpf_spin_lock lock;
	__u32 pad;
	struct fp_seq_state seq;
};

#ifndef __bpf__

#include <stdbool.h>
#include <stdint.h>

#include "fastpath/xdp.h"

struct fp_sink_opts {
	int ifindex;
	bool pass;		/* XDP_PASS instead of XDP_DROP */
	bool check;		/* verify payloads and sequence numbers */
	struct fp_xdp_attach_opts xdp;
	/* Pin the counter maps here while the sink runs (must be on bpffs;
	 * removed on close).  NULL: no pins. */
	const char *pin_dir;
};

/* Totals since fp_sink_open(), summed over CPUs and streams. */
struct fp_sink_counters {
	uint64_t packets;
	uint64_t bytes;
	/* Only with opts.check (zero otherwise): */
	uint64_t checked;	/* = received + corrupted */
	uint64_t unchecked;	/* could not be checked (see fp_sink_pcpu) */
	uint64_t received;	/* good payloads given to the checker */
	uint64_t lost;		/* gaps not filled (seqcheck.h) */
	uint64_t dup;
	uint64_t reordered;	/* includes too_old */
	uint64_t too_old;	/* beyond the window: late or duplicate */
	uint64_t corrupted;	/* payload checksum wrong */
	uint32_t streams;	/* streams with a packet (good or corrupted) */
};

struct fp_sink;

/*
 * Load the sink program specialised for @o and attach it to o->ifindex
 * (refusing an interface that has a program unless o->xdp.force; see
 * xdp.h).  Prints one line on failure and returns a negative errno.
 */
int fp_sink_open(const struct fp_sink_opts *o, struct fp_sink **out);
/* Read the totals; cheap enough to call every few milliseconds. */
int fp_sink_read(struct fp_sink *s, struct fp_sink_counters *c);
/* The XDP mode actually in use (native or generic). */
enum fp_xdp_mode fp_sink_xdp_mode(const struct fp_sink *s);
/* Instructions of the loaded program after the verifier's pruning. */
int fp_sink_prog_insns(const struct fp_sink *s, uint32_t *insns);
/* Detach and free; NULL is a no-op. */
void fp_sink_close(struct fp_sink *s);

#endif /* !__bpf__ */

#endif
