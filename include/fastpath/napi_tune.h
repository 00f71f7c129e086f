/* SPDX-License-Identifier: MIT */
/*
 * NAPI tuning for preferred busy polling, applied for a while and always
 * given back.
 *
 * With SO_PREFER_BUSY_POLL, an application's recvfrom()/sendto() run the
 * driver's NAPI; two per-interface settings keep interrupts from taking it
 * back in between: napi_defer_hard_irqs (how many empty NAPI polls to
 * wait before re-enabling hard interrupts) and gro_flush_timeout (a timer,
 * in ns, that runs NAPI if the application does not).  Both live under
 * /sys/class/net/IF/.  Interrupt coalescing (ethtool rx-usecs) is the
 * third knob; devices without it (veth: ETHTOOL_GCOALESCE answers
 * EOPNOTSUPP) report it as "not applicable" rather than an error.
 *
 * Every change is recorded with the previous value and restored by
 * fp_napi_tune_restore(), at exit (atexit), and on SIGINT/SIGTERM/SIGHUP
 * when nobody else handles those signals (a handler that restores and
 * re-raises; with fp_run_install_signals() the program unwinds and
 * restores through its normal cleanup instead).
 *
 * sysfs shows the network namespace of whoever mounted /sys: inside a
 * namespace entered with setns() it may show other devices.  The
 * interface's ifindex file is checked, and a mismatch is one clear error
 * (mount sysfs inside the namespace, as `ip netns exec` does).
 */
#ifndef FASTPATH_NAPI_TUNE_H
#define FASTPATH_NAPI_TUNE_H

#include <stdint.h>

/* What to set; a negative value leaves that setting alone. */
struct fp_napi_settings {
	int64_t defer_hard_irqs;	/* 0..2147483647 */
	int64_t gro_flush_timeout_ns;
	int64_t coalesce_rx_usecs;	/* ethtool rx-usecs */
};

/* What an interface has now. */
struct fp_napi_state {
	uint32_t defer_hard_irqs;
	uint64_t gro_flush_timeout_ns;
	/* 0 if read; -EOPNOTSUPP: the device has no interrupt coalescing
	 * (not applicable, e.g. veth); another negative errno on failure. */
	int coalesce;
	uint32_t coalesce_rx_usecs;
};

struct fp_napi_tune;

/* Read the current values of @ifindex (sysfs and ETHTOOL_GCOALESCE). */
int fp_napi_read(int ifindex, struct fp_napi_state *st);

/*
 * Record the current values of @ifindex and set @s.  Prints one line on
 * failure (and changes nothing then).  A coalescing request on a device
 * without coalescing is not an error: the summary says "not applicable".
 */
int fp_napi_tune_apply(int ifindex, const struct fp_napi_settings *s,
		       struct fp_napi_tune **out);
/* Put the recorded values back and free @t; NULL is a no-op. */
void fp_napi_tune_restore(struct fp_napi_tune *t);
/* Restore everything still applied (also runs at exit). */
void fp_napi_tune_restore_all(void);
/* One line for people: "dut0: napi_defer_hard_irqs 0 -> 2,
 * gro_flush_timeout 0 -> 200000 ns, interrupt coalescing not applicable". */
const char *fp_napi_tune_summary(const struct fp_napi_tune *t);

#endif
