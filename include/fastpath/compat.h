/* SPDX-License-Identifier: MIT */
/*
 * Headers under include/fastpath/ that say "both worlds" compile for BPF
 * (clang -target bpf, after vmlinux.h or <linux/bpf.h>) and for user space
 * (gcc).  This header gives them the fixed-size types and the few helpers
 * that differ between the two.
 */
#ifndef FASTPATH_COMPAT_H
#define FASTPATH_COMPAT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifdef __bpf__
#include <bpf/bpf_endian.h>
#define fp_htons(x) bpf_htons(x)
#define fp_ntohs(x) bpf_ntohs(x)
#define fp_htonl(x) bpf_htonl(x)
#define fp_ntohl(x) bpf_ntohl(x)
#define FP_INLINE static __always_inline
#else
#include <arpa/inet.h>
#define fp_htons(x) htons(x)
#define fp_ntohs(x) ntohs(x)
#define fp_htonl(x) htonl(x)
#define fp_ntohl(x) ntohl(x)
#define FP_INLINE static inline __attribute__((always_inline))
#endif

#endif
