/* SPDX-License-Identifier: MIT */
/*
 * Process life cycle: SIGINT/SIGTERM set a stop flag that every loop polls,
 * so commands unwind through their normal cleanup (detach programs, delete
 * what they created) instead of dying in the middle.
 */
#ifndef FASTPATH_RUN_H
#define FASTPATH_RUN_H

#include <stdbool.h>
#include <stdint.h>

/* Install handlers for SIGINT, SIGTERM and SIGHUP; idempotent. */
int fp_run_install_signals(void);
bool fp_run_should_stop(void);
/* Ask loops to stop as if a signal had arrived. */
void fp_run_request_stop(void);
/* Sleep up to @ns, returning early (-EINTR) when a stop is requested. */
int fp_run_sleep_ns(uint64_t ns);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t fp_now_ns(void);
/* Pin the calling thread to @cpu. */
int fp_run_pin_cpu(int cpu);
/* 0 if the process may load BPF and administer networking, else -EPERM
 * after printing what is missing. */
int fp_run_require_admin(const char *what);

#endif
