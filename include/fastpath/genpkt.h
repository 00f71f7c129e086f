/* SPDX-License-Identifier: MIT */
/*
 * The generator's per-packet work, written once for both worlds: the XDP
 * live-frames program (src/bpf/gen.bpf.c) and the AF_XDP engine
 * (src/lib/gen_afxdp.c) call the same fp_genpkt_write().
 *
 * Design: everything that depends on the flow is precomputed in user space.
 * For each flow (a 5-tuple of the configured ranges) pktbuild builds the
 * complete frame once, and the first copy_len bytes of it (all headers with
 * their checksums, rounded up to 8 bytes) become that flow's entry.  Per
 * packet the writer only
 *   1. copies the flow entry over the frame, 8 bytes at a time, which
 *      restores anything a device under test rewrote (MACs, TTL, addresses,
 *      ports, checksums): live frames recycle pages without restoring them;
 *   2. writes the payload header (magic, stream, seq, csum).
 * No checksum is updated per packet: payload.h's csum field makes the
 * payload's ones' complement sum 0xffff whatever stream and seq are, so the
 * UDP/TCP checksum of a flow is a constant and the precomputed one stays
 * valid.  The only arithmetic left is fp_payload_csum() (a few adds).
 * This is cheaper than incremental checksum updates and has no special
 * cases (IPv4/IPv6, UDP/TCP, short frames are all "copy N bytes").
 *
 * The configuration is a struct that the BPF program keeps in .rodata (set
 * by user space before load, so the verifier sees constants, prunes the
 * unused branches and bounds every packet access) and the AF_XDP engine
 * keeps in memory.
 */
#ifndef FASTPATH_GENPKT_H
#define FASTPATH_GENPKT_H

#include "fastpath/compat.h"
#include "fastpath/payload.h"

#ifndef __bpf__
#include <string.h>
#endif

/* Ethernet 14 + IPv6 40 + TCP 20 = 74, rounded up to a multiple of 8. */
#define FP_GENPKT_COPY_MAX 80

/* First bytes of one flow's frame: headers with checksums. */
struct fp_genpkt_flow {
	__u8 bytes[FP_GENPKT_COPY_MAX];
};

struct fp_genpkt_cfg {
	__u32 frame_len;	/* every frame has this length */
	__u32 copy_len;		/* bytes of the flow entry copied, 8..80 */
	__u32 pl_off;		/* payload header offset; 0: frame too short */
	__u32 flows;		/* entries in the flow table, >= 1 */
	__u64 pattern_sum;	/* fp_payload_pattern_sum(payload length) */
};

/*
 * Per-CPU state of the BPF engine (one PERCPU_ARRAY slot): the sequence
 * space of stream = CPU id and the authoritative packet/byte counters.
 * Kept per CPU so the data path needs no atomics.
 */
struct fp_gen_cpu {
	__u64 packets;
	__u64 bytes;
	__u64 next_ns;		/* pacing: departure time of the next frame */
	__u64 last_ns;		/* pacing: departure time of the last frame */
	__u32 next_frac;	/* pacing: fraction of a ns, in 1/2^32 */
	__u32 seq;		/* next payload sequence number */
	__u32 flow;		/* next flow index (== seq % flows) */
	__u32 pad;
};

/* Limits per CPU id for the paced engine (see gen_xdp.bpf.c). */
#define FP_GEN_MAX_CPUS 1024

#ifdef __bpf__
/* The BPF side reads the configuration from .rodata (const volatile). */
#define FP_GENPKT_CFG const volatile struct fp_genpkt_cfg
/* x86 and arm64 JITs do unaligned stores; the verifier allows them there. */
#define fp_genpkt_st16(p, v) (*(__u16 *)(p) = (v))
#define fp_genpkt_st32(p, v) (*(__u32 *)(p) = (v))
#define fp_genpkt_cp64(d, s) (*(__u64 *)(d) = *(const __u64 *)(s))
#define FP_GENPKT_UNROLL _Pragma("unroll")
#else
#define FP_GENPKT_CFG const struct fp_genpkt_cfg
/* memcpy keeps C's alignment rules; gcc emits one mov each. */
#define fp_genpkt_st16(p, v) do { __u16 v_ = (v); memcpy((p), &v_, 2); } while (0)
#define fp_genpkt_st32(p, v) do { __u32 v_ = (v); memcpy((p), &v_, 4); } while (0)
#define fp_genpkt_cp64(d, s) memcpy((d), (s), 8)
#define FP_GENPKT_UNROLL _Pragma("GCC unroll 10")
#endif

/* Flow index that follows @flow. */
FP_INLINE __u32 fp_genpkt_next_flow(FP_GENPKT_CFG *cfg, __u32 flow)
{
	flow++;
	return flow >= cfg->flows ? 0 : flow;
}

/*
 * Rewrite the frame at @data for one packet of @flow with payload header
 * (@stream, @seq).  Returns 0, or -1 if the frame is shorter than
 * cfg->frame_len (never for frames the generator made; the check is what
 * lets the verifier accept the stores).
 */
FP_INLINE int fp_genpkt_write(__u8 *data, const __u8 *data_end,
			      FP_GENPKT_CFG *cfg,
			      const struct fp_genpkt_flow *flow,
			      __u16 stream, __u32 seq)
{
	__u32 copy = cfg->copy_len;
	__u32 pl = cfg->pl_off;
	__u32 i;

	if (data + cfg->frame_len > data_end || copy < 8 ||
	    copy > FP_GENPKT_COPY_MAX || copy > cfg->frame_len)
		return -1;
	FP_GENPKT_UNROLL
	for (i = 0; i < FP_GENPKT_COPY_MAX / 8; i++) {
		if (i * 8 + 8 > copy)
			break;
		fp_genpkt_cp64(data + i * 8, flow->bytes + i * 8);
	}
	/* A length that is not a multiple of 8 ends with one overlapping
	 * word: the bytes it rewrites twice are the same. */
	if (copy & 7)
		fp_genpkt_cp64(data + copy - 8, flow->bytes + copy - 8);

	if (pl && pl + FP_PAYLOAD_HDR_LEN <= cfg->frame_len) {
		__u8 *h = data + pl;

		fp_genpkt_st32(h, fp_htonl((__u32)FP_PAYLOAD_MAGIC << 16 | stream));
		fp_genpkt_st32(h + 4, fp_htonl(seq));
		fp_genpkt_st16(h + 8, fp_htons(fp_payload_csum(stream, seq,
							       cfg->pattern_sum)));
	}
	return 0;
}

#endif
