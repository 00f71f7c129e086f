// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/capability.h>
#include <time.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "fastpath/run.h"

static atomic_bool stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, true);
}

int fp_run_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking calls return EINTR so loops notice. */
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -errno;
	return 0;
}

bool fp_run_should_stop(void)
{
	return atomic_load_explicit(&stop_requested, memory_order_relaxed);
}

void fp_run_request_stop(void)
{
	atomic_store(&stop_requested, true);
}

uint64_t fp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int fp_run_sleep_ns(uint64_t ns)
{
	const uint64_t slice = 50 * 1000000ULL;	/* notice a stop within 50 ms */
	uint64_t end = fp_now_ns() + ns, now;

	while ((now = fp_now_ns()) < end) {
		uint64_t left = end - now;
		struct timespec ts;

		if (fp_run_should_stop())
			return -EINTR;
		if (left > slice)
			left = slice;
		ts.tv_sec = (time_t)(left / 1000000000ULL);
		ts.tv_nsec = (long)(left % 1000000000ULL);
		nanosleep(&ts, NULL);
	}
	return fp_run_should_stop() ? -EINTR : 0;
}

int fp_run_pin_cpu(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err) {
		fp_err("cannot pin to CPU %d: %s; pick a CPU listed in 'nproc'",
		       cpu, strerror(err));
		return -err;
	}
	return 0;
}

static bool has_cap(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	return caps && !cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) &&
	       v == CAP_SET;
}

int fp_run_require_admin(const char *what)
{
	cap_t caps = cap_get_proc();
	bool ok = has_cap(caps, CAP_NET_ADMIN) &&
		  (has_cap(caps, CAP_BPF) || has_cap(caps, CAP_SYS_ADMIN));

	if (caps)
		cap_free(caps);
	if (!ok) {
		fp_err("%s needs CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN); run it as root (sudo)",
		       what);
		return -EPERM;
	}
	return 0;
}
