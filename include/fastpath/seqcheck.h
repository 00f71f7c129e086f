/* SPDX-License-Identifier: MIT */
/*
 * Sequence checker: what happened to the packets of one stream, judged from
 * the sequence numbers that arrive (see payload.h for where they come from).
 *
 * Both worlds: the sink's XDP program runs it on every checked packet, under
 * a bpf_spin_lock because several CPUs may deliver one stream; user space
 * runs the very same code in the unit tests and in any user-space receiver.
 * So it is pure code over one struct: no allocation, no helpers, no loops
 * (a bpf_spin_lock section may not call anything, and a loop-free body
 * costs the verifier nothing).
 *
 * The state is an anti-replay window as in IPsec (RFC 4303 3.4.3): the
 * highest sequence number seen (top) and a bitmap of the FP_SEQ_WINDOW
 * numbers at and below it, bit d standing for top - d.  Sequence numbers
 * wrap at 2^32, so "ahead" and "behind" use serial number arithmetic
 * (RFC 1982): seq is ahead of top when (s32)(seq - top) > 0.
 *
 * Classification of a packet with sequence number seq:
 *   - first packet of the stream: it starts the stream, whatever its value
 *     (a sink may start after the generator, so seq need not be 0);
 *   - ahead by d:  the d - 1 numbers skipped are counted lost now;
 *   - behind by d < FP_SEQ_WINDOW, bit clear: a late arrival.  It counts as
 *     reordered and fills its gap, so lost goes down by one: "lost" is the
 *     number of gaps not filled (yet).  A number from before the first
 *     packet (the stream started with a packet that overtook it) is
 *     reordered but never was lost;
 *   - behind by d < FP_SEQ_WINDOW, bit set (or equal to top): duplicate;
 *   - behind by d >= FP_SEQ_WINDOW: too old.  The window no longer remembers
 *     that number, so a late packet and a duplicate of an old one look the
 *     same here.  It is counted as reordered and too_old, and lost is left
 *     alone: if it was a late packet its gap stays counted.  So with
 *     too_old > 0, lost is an upper bound and lost - too_old a lower bound
 *     of the true loss.
 *
 * Corrupted packets (payload checksum wrong) are counted by
 * fp_seq_corrupt() and do not touch the window: their sequence number
 * cannot be trusted.  A stream whose generator restarts (its seq falls back
 * to 0) looks like a flood of too-old packets: start a new sink per run.
 */
#ifndef FASTPATH_SEQCHECK_H
#define FASTPATH_SEQCHECK_H

#include "fastpath/compat.h"

/* Bits in the window: how far back a late or duplicate packet is still
 * recognised.  64 keeps the window one register wide and the code free of
 * loops. */
#define FP_SEQ_WINDOW 64

struct fp_seq_state {
	__u64 window;		/* bit d: top - d was seen */
	__u32 top;		/* highest sequence number seen */
	__u32 span;		/* min(top - first, FP_SEQ_WINDOW): how far back
				 * the window reaches inside the stream */
	__u64 received;		/* packets given to fp_seq_update(); 0 means
				 * the stream has not started */
	__u64 lost;		/* gaps not filled (yet) */
	__u64 dup;		/* duplicates seen inside the window */
	__u64 reordered;	/* arrived after a higher number (too_old too) */
	__u64 too_old;		/* arrived beyond the window: late or duplicate */
	__u64 corrupted;	/* payload checksum wrong */
};

/* What fp_seq_update() decided about one packet. */
enum fp_seq_verdict {
	FP_SEQ_FIRST = 0,	/* started the stream */
	FP_SEQ_NEXT,		/* top + 1 */
	FP_SEQ_GAP,		/* ahead by more than one: numbers lost */
	FP_SEQ_LATE,		/* behind, inside the window, not seen before */
	FP_SEQ_DUP,		/* seen before, inside the window */
	FP_SEQ_TOO_OLD,		/* behind by FP_SEQ_WINDOW or more */
};

FP_INLINE enum fp_seq_verdict fp_seq_update(struct fp_seq_state *s, __u32 seq)
{
	__u64 bit;
	__u32 d;

	if (!s->received) {
		s->received = 1;
		s->top = seq;
		s->window = 1;
		s->span = 0;
		return FP_SEQ_FIRST;
	}
	s->received++;

	d = seq - s->top;
	if ((__s32)d > 0) {
		s->lost += d - 1;
		s->window = d < FP_SEQ_WINDOW ? (s->window << d) | 1 : 1;
		/* span <= FP_SEQ_WINDOW and d < 2^31: the sum cannot wrap. */
		s->span = s->span + d < FP_SEQ_WINDOW ? s->span + d
						      : FP_SEQ_WINDOW;
		s->top = seq;
		return d == 1 ? FP_SEQ_NEXT : FP_SEQ_GAP;
	}

	d = s->top - seq;	/* 0 .. 2^31 */
	if (d >= FP_SEQ_WINDOW) {
		s->reordered++;
		s->too_old++;
		return FP_SEQ_TOO_OLD;
	}
	bit = 1ULL << d;
	if (s->window & bit) {
		s->dup++;
		return FP_SEQ_DUP;
	}
	s->window |= bit;
	s->reordered++;
	/* Only numbers at or after the first packet were ever counted lost. */
	if (d <= s->span)
		s->lost--;
	return FP_SEQ_LATE;
}

FP_INLINE void fp_seq_corrupt(struct fp_seq_state *s)
{
	s->corrupted++;
}

/* Add the counters of @s to @acc (the window fields of @acc are unused). */
FP_INLINE void fp_seq_sum(struct fp_seq_state *acc, const struct fp_seq_state *s)
{
	acc->received += s->received;
	acc->lost += s->lost;
	acc->dup += s->dup;
	acc->reordered += s->reordered;
	acc->too_old += s->too_old;
	acc->corrupted += s->corrupted;
}

#endif
