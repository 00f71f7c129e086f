/* SPDX-License-Identifier: MIT */
/*
 * Capability probes: what this kernel and each interface can do.
 *
 * Every answer comes from doing the thing for real (load a program, attach
 * it, run it, bind a socket), never from version numbers: distributions
 * backport features, drivers differ, and security policies can forbid what
 * the kernel has.  A probe undoes what it did before it returns (programs
 * detached, sockets closed), so probing an interface leaves it as found.
 *
 * A report is a list of items, each "yes", "no" or "n/a" (not probed or
 * not applicable, with the reason), the value found, and for "no" what it
 * costs the user.  `fastpath doctor` prints reports; the rest of fastpath
 * calls the individual probes to pick its fallbacks.
 */
#ifndef FASTPATH_PROBE_H
#define FASTPATH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fp_probe_status {
	FP_PROBE_NA = 0,
	FP_PROBE_YES,
	FP_PROBE_NO,
};

const char *fp_probe_status_str(enum fp_probe_status status);

struct fp_probe_item {
	const char *key;	/* stable name for JSON, e.g. "xdp_native" */
	const char *label;	/* for people, e.g. "XDP native mode" */
	enum fp_probe_status status;
	bool required;		/* fastpath's core cannot run without it */
	const char *cost;	/* if "no": what the user loses */
	char detail[160];	/* the value found, or why not */
};

#define FP_PROBE_MAX_ITEMS 16

struct fp_probe_report {
	struct fp_probe_item items[FP_PROBE_MAX_ITEMS];
	int n;
};

/*
 * Machine-wide items: kernel release, BPF load, BTF, JIT, bpffs, helpers,
 * kfuncs, tail calls, freplace, live-frames test run, bpf_loop, ring buffer.
 * Returns 0 (the report is complete even when items are "no"), or -EINTR
 * when a stop was requested (fp_run_should_stop()) and the report is partial.
 */
int fp_probe_machine(struct fp_probe_report *report);

/*
 * Items of interface @ifindex: driver, queues, advertised xdp-features, the
 * XDP program attached, XDP native and generic (only when nothing is
 * attached), AF_XDP copy / zero-copy / need_wakeup / busy-poll options.
 * Returns 0, -ENODEV if the interface vanished, or -EINTR as above.
 */
int fp_probe_iface(int ifindex, struct fp_probe_report *report);

/* The item called @key, or NULL. */
const struct fp_probe_item *fp_probe_find(const struct fp_probe_report *report,
					  const char *key);

/*
 * The first required capability @report lacks, as a label ("BTF (vmlinux)",
 * "XDP (native or generic)"), or NULL when fastpath's core can run.
 */
const char *fp_probe_missing(const struct fp_probe_report *report);

/* --- individual probes; 0 = yes, negative errno = no (why in @why) ----- */

/* Can this process load a BPF program at all? */
int fp_probe_bpf_load(char *why, size_t len);
/* vmlinux BTF loads; *ntypes gets its type count. */
int fp_probe_btf(uint32_t *ntypes, char *why, size_t len);
/* A loaded program has JITed code. */
int fp_probe_jit(char *why, size_t len);
/* bpffs is mounted at @path. */
int fp_probe_bpffs(const char *path, char *why, size_t len);
/* XDP programs may call helper @helper (enum bpf_func_id). */
int fp_probe_xdp_helper(int helper, char *why, size_t len);
/* The ring buffer map type exists. */
int fp_probe_ringbuf(char *why, size_t len);
/* A tail call jumps (program run with BPF_PROG_TEST_RUN). */
int fp_probe_tail_call(char *why, size_t len);
/* An XDP program calling bpf_xdp_ct_lookup() loads and runs. */
int fp_probe_ct_kfunc(char *why, size_t len);
/* A BPF_PROG_TYPE_EXT program loads and attaches to an XDP program. */
int fp_probe_freplace(char *why, size_t len);
/* BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs on @ifindex. */
int fp_probe_live_frames(int ifindex, char *why, size_t len);

/*
 * A trivial XDP program attaches to @ifindex through a bpf_link in native
 * (@native) or generic mode; it is detached at once.  The caller checks
 * first that nothing is attached (fp_xdp_query()).
 */
int fp_probe_xdp_attach(int ifindex, bool native, char *why, size_t len);

struct fp_xsk_caps {
	int copy;		/* 0 or negative errno of a bind with XDP_COPY */
	int zerocopy;		/* ... with XDP_ZEROCOPY */
	int need_wakeup;	/* ... with XDP_USE_NEED_WAKEUP */
	int busy_poll;		/* 0 or the first failing setsockopt's errno */
	const char *busy_poll_opt; /* which option failed */
};

/* Bind AF_XDP sockets to queue @queue of @ifindex in each mode. */
int fp_probe_xsk(int ifindex, uint32_t queue, struct fp_xsk_caps *caps);

/* Driver name (ETHTOOL_GDRVINFO, else the rtnetlink link kind). */
int fp_probe_driver(int ifindex, char *buf, size_t len);
/* RX/TX queue counts (ETHTOOL_GCHANNELS, else /sys/class/net/IF/queues). */
int fp_probe_queues(int ifindex, uint32_t *rx, uint32_t *tx,
		    const char **source);

/* NETDEV_XDP_ACT_* bits the driver advertises (netdev genetlink family). */
int fp_probe_xdp_features(int ifindex, uint64_t *features);
/* "basic redirect ..." for NETDEV_XDP_ACT_* bits. */
void fp_probe_xdp_features_str(uint64_t features, char *buf, size_t len);

#endif
