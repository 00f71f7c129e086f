// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Tiny programs used only to probe what the kernel can do (`fastpath doctor`,
 * the loader's tests).  Each probe opens this object on its own and enables
 * only the programs it needs, so one missing feature cannot fail the others.
 * Programs whose section starts with '?' are not loaded unless asked for.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Attach probes (native / generic XDP) and the JIT check. */
SEC("xdp")
int probe_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* Runs of probe_drop: lets tests see global data through the skeleton. */
__u32 probe_drops;

/* Live-frames test run: a frame dropped after the whole XDP path ran. */
SEC("?xdp")
int probe_drop(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&probe_drops, 1);
	return XDP_DROP;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} probe_jmp SEC(".maps");

/*
 * Tail-call probe: slot 0 holds probe_drop, so XDP_DROP proves the jump was
 * taken; XDP_PASS means the call fell through.
 */
SEC("?xdp")
int probe_tail(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &probe_jmp, 0);
	return XDP_PASS;
}

/*
 * freplace probe: a global (separately verified) function is what a
 * BPF_PROG_TYPE_EXT program may replace; probe_hooked gives it a caller.
 */
__attribute__((noinline)) int probe_hook(struct xdp_md *ctx)
{
	return ctx ? XDP_PASS : XDP_ABORTED;
}

SEC("?xdp")
int probe_hooked(struct xdp_md *ctx)
{
	return probe_hook(ctx);
}

SEC("?freplace/probe_hook")
int probe_ext(struct xdp_md *ctx)
{
	return XDP_DROP;
}

/*
 * Deliberately rejected by the verifier: it reads the packet without
 * checking data_end.  The loader's tests load it to check the one-line
 * report; nothing else enables it.
 */
SEC("?xdp")
int probe_bad_oob(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;

	return *(__u32 *)data ? XDP_PASS : XDP_DROP;
}
