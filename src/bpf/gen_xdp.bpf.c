// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `fastpath gen`, engine 1: an XDP program run by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES.  Each run of the program handles one frame:
 * it rewrites the recycled frame (genpkt.h), counts it and returns XDP_TX,
 * and the kernel sends it out of the interface given as ingress_ifindex.
 *
 * Everything that is fixed for a run lives in .rodata, set by user space
 * before load (the verifier then sees constants and prunes what is off).
 * The per-CPU state (seq, flow, counters, pacing clock) lives in a
 * PERCPU_ARRAY: one thread per CPU, stream = CPU id, no atomics.
 *
 * Pacing (paced = 1): the program decides whether this run sends.  A frame
 * whose departure time is at most spin_max_ns away is held back by spinning
 * with bpf_loop() on bpf_ktime_get_ns(); a frame further away is not sent
 * (XDP_DROP, not counted) and the kernel's test-run loop calls us again.
 * So long gaps (low rates) never hold the CPU with bottom halves off for
 * more than spin_max_ns, while short gaps are timed to the nanosecond.
 * User space runs paced traffic with batch_size = 1, so each frame is
 * flushed when it is sent instead of in bursts of 64.  Because runs that
 * wait are not frames, a paced test run cannot be sized by its repeat
 * count: gen_limit[cpu] caps the frames this CPU may send, and user space
 * interrupts the run (a signal) once the cap is reached or time is up.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "fastpath/genpkt.h"

const volatile struct fp_genpkt_cfg gen_cfg = {};
const volatile __u32 paced = 0;
/* Gap between two frames of one CPU: ns plus a fraction (1/2^32 ns), so
 * 3 Mpps per CPU (333.33 ns) does not round to 3.003 Mpps. */
const volatile __u64 pace_ns = 0;
const volatile __u32 pace_frac = 0;
/* Longest wait done by spinning; longer ones return and come back. */
const volatile __u64 spin_max_ns = 50000;
/* How far the clock may fall behind before the debt is forgiven: a short
 * stall is caught up, a long one is not turned into a burst. */
const volatile __u64 pace_max_lag_ns = 1000000;

/* Paced runs: this CPU stops sending when its packet counter reaches
 * gen_limit[cpu] (user space writes it through the mmap-ed .bss). */
__u64 gen_limit[FP_GEN_MAX_CPUS] = {};
/* Paced runs: departure time of the first frame after user space zeroed
 * it, so the measured rate does not include the test run's setup. */
__u64 gen_first[FP_GEN_MAX_CPUS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_gen_cpu);
} gen_state SEC(".maps");

/* One entry per flow; max_entries is set to the flow count before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_genpkt_flow);
} gen_flows SEC(".maps");

struct spin_ctx {
	__u64 until;
	__u64 now;
};

static long spin_cb(__u64 index, void *data)
{
	struct spin_ctx *s = data;

	s->now = bpf_ktime_get_ns();
	return s->now >= s->until;	/* 1 ends the loop */
}

/* 0: send now (st->last_ns is the departure time); 1: not yet. */
static __always_inline int pace(struct fp_gen_cpu *st)
{
	struct spin_ctx s = { .until = st->next_ns };
	__u64 frac;

	s.now = bpf_ktime_get_ns();
	if (s.now > s.until + pace_max_lag_ns) {
		st->next_ns = s.now;
	} else if (s.now < s.until) {
		if (s.until - s.now > spin_max_ns)
			return 1;
		/* Bounded far beyond spin_max_ns (~25 ns per round). */
		bpf_loop(1 << 20, spin_cb, &s, 0);
	}
	st->last_ns = s.now;
	frac = (__u64)st->next_frac + pace_frac;
	st->next_ns += pace_ns + (frac >> 32);
	st->next_frac = (__u32)frac;
	return 0;
}

SEC("xdp")
int fp_gen_xdp(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *data_end = (__u8 *)(long)ctx->data_end;
	__u32 cpu = bpf_get_smp_processor_id();
	struct fp_genpkt_flow *flow;
	struct fp_gen_cpu *st;
	__u32 zero = 0, fi, seq;

	st = bpf_map_lookup_elem(&gen_state, &zero);
	if (!st)
		return XDP_ABORTED;
	if (paced) {
		__u32 slot = cpu & (FP_GEN_MAX_CPUS - 1);

		if (st->packets >= gen_limit[slot] || pace(st))
			return XDP_DROP;
		if (!gen_first[slot])
			gen_first[slot] = st->last_ns;
	}
	fi = st->flow;
	flow = bpf_map_lookup_elem(&gen_flows, &fi);
	if (!flow)
		return XDP_ABORTED;

	seq = st->seq;
	if (fp_genpkt_write(data, data_end, &gen_cfg, flow, (__u16)cpu, seq))
		return XDP_ABORTED;

	st->seq = seq + 1;
	/* flow == seq % flows, also across the 2^32 wrap of seq. */
	st->flow = seq + 1 ? fp_genpkt_next_flow(&gen_cfg, fi) : 0;
	st->packets++;
	st->bytes += gen_cfg.frame_len;
	return XDP_TX;
}

/* Probe for BPF_F_TEST_XDP_LIVE_FRAMES: dropped, so nothing is sent. */
SEC("xdp")
int fp_gen_probe(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
