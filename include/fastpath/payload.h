/* SPDX-License-Identifier: MIT */
/*
 * The payload `fastpath gen` puts in every UDP/TCP packet and `fastpath sink
 * --check` verifies.  Both worlds: the generator's BPF program writes it, the
 * sink's BPF program and the user-space checker read it.
 *
 * Layout (network byte order), right after the L4 header:
 *
 *   0       2       4               8       10
 *   +-------+-------+---------------+-------+---------------------------+
 *   | magic | stream|      seq      | csum  | pattern: byte i = i & 0xff |
 *   +-------+-------+---------------+-------+---------------------------+
 *
 * stream: one sequence space per generator thread, so threads never share
 *         a counter (no atomics in the data path).
 * seq:    0, 1, 2, ... per stream; wraps at 2^32 (checkers use serial
 *         number arithmetic).
 * csum:   chosen so that the 16-bit ones' complement sum of the whole payload
 *         (header and pattern, up to the end of the L4 payload) is 0xffff.
 *         The pattern never changes, so the generator only adds the words
 *         that do (stream and seq) to a precomputed sum of the rest.
 *
 * Frames too short for the 10-byte header carry a truncated pattern only;
 * the sink counts them but cannot check them.
 */
#ifndef FASTPATH_PAYLOAD_H
#define FASTPATH_PAYLOAD_H

#include "fastpath/compat.h"

#define FP_PAYLOAD_MAGIC 0xfa57		/* "fast" */
#define FP_PAYLOAD_HDR_LEN 10

struct fp_payload_hdr {
	__be16 magic;
	__be16 stream;
	__be32 seq;
	__be16 csum;
} __attribute__((packed));

/* Byte @i of the payload past the header. */
FP_INLINE __u8 fp_payload_pattern_byte(__u32 i)
{
	return (__u8)(i & 0xff);
}

FP_INLINE __u16 fp_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * Ones' complement sum (unfolded, in host order words read as big endian)
 * of the pattern that follows the header, for a payload of @payload_len
 * bytes in total.  User space computes it once and hands it to the
 * generator program; it depends only on the length.
 */
FP_INLINE __u64 fp_payload_pattern_sum(__u32 payload_len)
{
	__u64 sum = 0;
	__u32 i, n;

	if (payload_len <= FP_PAYLOAD_HDR_LEN)
		return 0;
	n = payload_len - FP_PAYLOAD_HDR_LEN;
	/* The pattern starts at an even offset (10), so word boundaries of
	 * the payload and of the pattern coincide. */
	for (i = 0; i + 1 < n; i += 2)
		sum += ((__u32)fp_payload_pattern_byte(i) << 8) |
		       fp_payload_pattern_byte(i + 1);
	if (n & 1)
		sum += (__u32)fp_payload_pattern_byte(n - 1) << 8;
	return sum;
}

/* The csum field (host order) for a given stream/seq and pattern sum. */
FP_INLINE __u16 fp_payload_csum(__u16 stream, __u32 seq, __u64 pattern_sum)
{
	__u64 sum = pattern_sum + FP_PAYLOAD_MAGIC + stream + (seq >> 16) +
		    (seq & 0xffff);

	return (__u16)~fp_csum_fold(sum);
}

#endif
