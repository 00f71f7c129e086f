// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Conntrack kfunc probe.  Its own object because the kfunc is a strong
 * extern: on a kernel without it libbpf refuses the whole object at load,
 * which must not take the other probes (probe.bpf.c) down with it.
 *
 * Run on a TCP/IPv4 frame that belongs to no connection, a working lookup
 * returns NULL with opts.error == -ENOENT; ct_error keeps that for user
 * space to check that the kfunc really ran.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx,
				  struct bpf_sock_tuple *bpf_tuple,
				  __u32 tuple__sz, struct bpf_ct_opts *opts,
				  __u32 opts__sz) __ksym;
void bpf_ct_release(struct nf_conn *ct) __ksym;

int ct_error = 1;	/* 1: the program did not run */

SEC("xdp")
int probe_ct(struct xdp_md *ctx)
{
	struct bpf_ct_opts opts = { .netns_id = -1, .l4proto = IPPROTO_TCP };
	struct bpf_sock_tuple tup = {};
	struct nf_conn *ct;

	tup.ipv4.saddr = bpf_htonl(0xc6120001);	/* 198.18.0.1 */
	tup.ipv4.daddr = bpf_htonl(0xc6120002);	/* 198.18.0.2 */
	tup.ipv4.sport = bpf_htons(9);
	tup.ipv4.dport = bpf_htons(9);
	ct = bpf_xdp_ct_lookup(ctx, &tup, sizeof(tup.ipv4), &opts, sizeof(opts));
	if (ct) {
		bpf_ct_release(ct);
		ct_error = 0;
	} else {
		ct_error = opts.error;
	}
	return XDP_PASS;
}
