// SPDX-License-Identifier: MIT
/*
 * Capability reports: run the probes in a fixed order and say, for each
 * item, what was found and what a "no" costs.  The order and the keys are
 * part of `fastpath doctor --json`, so they only ever grow.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <linux/bpf.h>

#include "fastpath/probe.h"
#include "fastpath/run.h"
#include "fastpath/xdp.h"

const char *fp_probe_status_str(enum fp_probe_status status)
{
	switch (status) {
	case FP_PROBE_YES:
		return "yes";
	case FP_PROBE_NO:
		return "no";
	default:
		return "n/a";
	}
}

static struct fp_probe_item *item(struct fp_probe_report *r, const char *key,
				  const char *label, const char *cost)
{
	struct fp_probe_item *it;

	/* The lists below are fixed; FP_PROBE_MAX_ITEMS has room for them. */
	if (r->n < FP_PROBE_MAX_ITEMS)
		it = &r->items[r->n++];
	else
		it = &r->items[FP_PROBE_MAX_ITEMS - 1];
	memset(it, 0, sizeof(*it));
	it->key = key;
	it->label = label;
	it->cost = cost;
	return it;
}

__attribute__((format(printf, 3, 4)))
static void set(struct fp_probe_item *it, enum fp_probe_status status,
		const char *fmt, ...)
{
	va_list ap;

	it->status = status;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

/*
 * Yes when @err is 0, else no; the probe already wrote its why, and may
 * have written what it saw on success, else @done says what was done.
 */
static void verdict(struct fp_probe_item *it, int err, const char *done)
{
	it->status = err ? FP_PROBE_NO : FP_PROBE_YES;
	if (!err && !it->detail[0])
		snprintf(it->detail, sizeof(it->detail), "%s", done);
}

const struct fp_probe_item *fp_probe_find(const struct fp_probe_report *r,
					  const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->items[i].key, key))
			return &r->items[i];
	return NULL;
}

const char *fp_probe_missing(const struct fp_probe_report *r)
{
	const struct fp_probe_item *native, *generic;
	int i;

	for (i = 0; i < r->n; i++)
		if (r->items[i].required && r->items[i].status != FP_PROBE_YES)
			return r->items[i].label;
	/* An interface report: XDP in either mode is enough. */
	native = fp_probe_find(r, "xdp_native");
	generic = fp_probe_find(r, "xdp_generic");
	if (native && generic && native->status != FP_PROBE_YES &&
	    generic->status != FP_PROBE_YES)
		return "XDP (native or generic)";
	return NULL;
}

#define STOP_CHECK() do { if (fp_run_should_stop()) return -EINTR; } while (0)

int fp_probe_machine(struct fp_probe_report *r)
{
	struct fp_probe_item *it;
	struct utsname uts;
	uint32_t ntypes = 0;
	int err, lo;

	memset(r, 0, sizeof(*r));
	it = item(r, "kernel", "kernel release", NULL);
	if (uname(&uts))
		set(it, FP_PROBE_NA, "uname: %s", strerror(errno));
	else
		set(it, FP_PROBE_YES, "%s", uts.release);

	it = item(r, "bpf", "BPF program load",
		  "fastpath cannot run: it needs root (CAP_BPF and CAP_NET_ADMIN)");
	it->required = true;
	verdict(it, fp_probe_bpf_load(it->detail, sizeof(it->detail)),
		"loaded an XDP program");
	STOP_CHECK();

	it = item(r, "btf", "BTF (vmlinux)",
		  "fastpath's programs (CO-RE) cannot load; use a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	it->required = true;
	err = fp_probe_btf(&ntypes, it->detail, sizeof(it->detail));
	if (err)
		verdict(it, err, "");
	else
		set(it, FP_PROBE_YES, "/sys/kernel/btf/vmlinux, %u types",
		    ntypes);

	it = item(r, "jit", "BPF JIT",
		  "programs run in the interpreter, several times slower");
	verdict(it, fp_probe_jit(it->detail, sizeof(it->detail)), "");
	STOP_CHECK();

	it = item(r, "bpffs", "bpffs at /sys/fs/bpf",
		  "nothing can be pinned; fastpath does not need it (its links live with the process)");
	err = fp_probe_bpffs("/sys/fs/bpf", it->detail, sizeof(it->detail));
	if (err)
		verdict(it, err, "");
	else
		set(it, FP_PROBE_YES, "mounted");

	it = item(r, "fib_lookup", "bpf_fib_lookup helper",
		  "routed traffic cannot be forwarded in XDP and takes the Linux path");
	verdict(it, fp_probe_xdp_helper(BPF_FUNC_fib_lookup, it->detail,
					sizeof(it->detail)),
		"the verifier accepts it in XDP programs");
	STOP_CHECK();

	it = item(r, "ct_kfuncs", "conntrack kfuncs (bpf_xdp_ct_lookup)",
		  "XDP cannot consult Linux conntrack; stateful traffic takes the Linux path");
	verdict(it, fp_probe_ct_kfunc(it->detail, sizeof(it->detail)),
		"a lookup ran in an XDP program");
	STOP_CHECK();

	it = item(r, "tail_calls", "tail calls",
		  "no hooks and no program chains: each interface runs one program");
	verdict(it, fp_probe_tail_call(it->detail, sizeof(it->detail)),
		"a jump through a program array ran its target");
	STOP_CHECK();

	it = item(r, "freplace", "freplace (BPF_PROG_TYPE_EXT)",
		  "hooks use tail calls instead (no cost)");
	verdict(it, fp_probe_freplace(it->detail, sizeof(it->detail)),
		"an extension replaced a function of a running program");
	STOP_CHECK();

	it = item(r, "live_frames", "XDP live-frames test run",
		  "`fastpath gen` cannot send from the kernel; only its AF_XDP mode works");
	it->required = true;
	lo = (int)if_nametoindex("lo");
	if (!lo)
		set(it, FP_PROBE_NO, "no loopback interface to run on");
	else
		verdict(it, fp_probe_live_frames(lo, it->detail,
						 sizeof(it->detail)),
			"an XDP_DROP program ran on a live frame on lo");
	STOP_CHECK();

	it = item(r, "bpf_loop", "bpf_loop helper",
		  "programs cannot loop cheaply: the generator cannot pace inside the kernel");
	verdict(it, fp_probe_xdp_helper(BPF_FUNC_loop, it->detail,
					sizeof(it->detail)),
		"the verifier accepts it in XDP programs");

	it = item(r, "ringbuf", "ring buffer map",
		  "events go through per-CPU perf buffers (more copies, reordering)");
	verdict(it, fp_probe_ringbuf(it->detail, sizeof(it->detail)),
		"created one");
	return 0;
}

static void iface_info(int ifindex, struct fp_probe_report *r)
{
	struct fp_probe_item *it;
	const char *source;
	uint64_t features;
	uint32_t rx, tx;
	char buf[128];
	int err;

	it = item(r, "driver", "driver", NULL);
	if (fp_probe_driver(ifindex, buf, sizeof(buf)))
		set(it, FP_PROBE_NA, "not reported by ethtool or rtnetlink");
	else
		set(it, FP_PROBE_YES, "%s", buf);

	it = item(r, "queues", "RX/TX queues", NULL);
	err = fp_probe_queues(ifindex, &rx, &tx, &source);
	if (err)
		set(it, FP_PROBE_NA, "%s", strerror(-err));
	else
		set(it, FP_PROBE_YES, "rx %u, tx %u (%s)", rx, tx, source);

	it = item(r, "xdp_features", "advertised xdp-features", NULL);
	err = fp_probe_xdp_features(ifindex, &features);
	if (err == -EOPNOTSUPP) {
		set(it, FP_PROBE_NA, "no netdev genetlink family (Linux < 6.3)");
	} else if (err) {
		set(it, FP_PROBE_NA, "%s", strerror(-err));
	} else {
		fp_probe_xdp_features_str(features, buf, sizeof(buf));
		set(it, FP_PROBE_YES, "%s", buf);
	}
}

/*
 * Never attach over somebody's program: when one is there, the mode it
 * runs in is proven, the other mode is not probed.
 */
static void iface_xdp(int ifindex, struct fp_probe_report *r)
{
	struct fp_probe_item *cur, *native, *generic;
	struct fp_xdp_info info;
	char in_use[128];
	int err;

	cur = item(r, "xdp_attached", "XDP program attached", NULL);
	native = item(r, "xdp_native", "XDP native mode", NULL);
	generic = item(r, "xdp_generic", "XDP generic mode", NULL);
	err = fp_xdp_query(ifindex, &info);
	if (err) {
		set(cur, FP_PROBE_NA, "query failed: %s", strerror(-err));
		set(native, FP_PROBE_NA, "not probed");
		set(generic, FP_PROBE_NA, "not probed");
		return;
	}
	if (!info.prog_id) {
		set(cur, FP_PROBE_NO, "none");
		verdict(native, fp_probe_xdp_attach(ifindex, true, native->detail,
						    sizeof(native->detail)),
			"attached and detached a program through a bpf_link");
		verdict(generic, fp_probe_xdp_attach(ifindex, false,
						     generic->detail,
						     sizeof(generic->detail)),
			"attached and detached a program through a bpf_link");
		/* What a "no" costs depends on the other mode. */
		if (generic->status == FP_PROBE_NO &&
		    native->status == FP_PROBE_NO)
			generic->cost = "no XDP on this interface: fastpath cannot run on it";
		else if (native->status == FP_PROBE_NO)
			native->cost = "XDP runs in generic mode, after the kernel built an skb: several times slower";
		else if (generic->status == FP_PROBE_NO)
			generic->cost = "none while native mode works";
		return;
	}
	snprintf(in_use, sizeof(in_use), "%s (id %u, %s mode%s)",
		 info.prog_name, info.prog_id,
		 info.offload ? "offload" : fp_xdp_mode_str(info.mode),
		 info.via_link ? ", held by a bpf_link" : "");
	set(cur, FP_PROBE_YES, "%s", in_use);
	if (info.mode == FP_XDP_MODE_GENERIC && !info.offload) {
		set(generic, FP_PROBE_YES, "in use by %s", info.prog_name);
		set(native, FP_PROBE_NA, "not probed: in use by %s", in_use);
	} else {
		set(native, FP_PROBE_YES, "in use by %s", info.prog_name);
		set(generic, FP_PROBE_NA, "not probed: in use by %s", in_use);
	}
}

static void xsk_item(struct fp_probe_item *it, int err, const char *yes,
		     bool have_socket)
{
	if (!have_socket)
		set(it, FP_PROBE_NA, "needs an AF_XDP socket");
	else if (!err)
		set(it, FP_PROBE_YES, "%s", yes);
	else if (err == -EBUSY)
		set(it, FP_PROBE_NA, "queue 0 is in use by another AF_XDP socket");
	else
		set(it, FP_PROBE_NO, "bind: %s", strerror(-err));
}

static int iface_xsk(int ifindex, struct fp_probe_report *r)
{
	struct fp_probe_item *copy, *zc, *wake, *busy;
	struct fp_xsk_caps caps;
	bool have;
	int err;

	copy = item(r, "xsk_copy", "AF_XDP copy mode",
		    "no AF_XDP on this interface: fastpath's user-space I/O modes cannot use it");
	zc = item(r, "xsk_zerocopy", "AF_XDP zero-copy",
		  "AF_XDP runs in copy mode (one copy per packet)");
	wake = item(r, "need_wakeup", "AF_XDP need_wakeup",
		    "the application must kick the kernel with a syscall for every batch");
	busy = item(r, "busy_poll", "busy-poll socket options",
		    "AF_XDP cannot use preferred busy polling: it waits for interrupts (higher latency)");
	err = fp_probe_xsk(ifindex, 0, &caps);
	if (err == -ENODEV)
		return err;
	xsk_item(copy, caps.copy, "bound queue 0 with XDP_COPY", true);
	have = !caps.copy;
	xsk_item(zc, caps.zerocopy, "bound queue 0 with XDP_ZEROCOPY",
		 caps.copy != -EBUSY);
	xsk_item(wake, caps.need_wakeup, "bound with XDP_USE_NEED_WAKEUP",
		 have);
	if (!have)
		set(busy, FP_PROBE_NA, "needs an AF_XDP socket");
	else if (caps.busy_poll)
		set(busy, FP_PROBE_NO, "%s: %s", caps.busy_poll_opt,
		    strerror(-caps.busy_poll));
	else
		set(busy, FP_PROBE_YES,
		    "SO_PREFER_BUSY_POLL, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET set");
	return err;
}

int fp_probe_iface(int ifindex, struct fp_probe_report *r)
{
	char ifname[IF_NAMESIZE];

	memset(r, 0, sizeof(*r));
	if (!if_indextoname((unsigned int)ifindex, ifname))
		return -ENODEV;
	iface_info(ifindex, r);
	STOP_CHECK();
	iface_xdp(ifindex, r);
	STOP_CHECK();
	return iface_xsk(ifindex, r);
}
