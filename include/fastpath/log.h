/* SPDX-License-Identifier: MIT */
/*
 * Messages for users.  Every user-caused failure is reported as one line
 * "fastpath: <what failed>: <what to do>" on stderr; the caller then returns
 * a negative errno.  Verbosity is process-wide: -v raises it.
 */
#ifndef FASTPATH_LOG_H
#define FASTPATH_LOG_H

#include <stdarg.h>

enum fp_log_level {
	FP_LOG_ERROR = 0,
	FP_LOG_WARN,
	FP_LOG_INFO,
	FP_LOG_DEBUG,
	FP_LOG_TRACE,	/* -vv: also libbpf's debug output */
};

void fp_log_set_level(enum fp_log_level level);
enum fp_log_level fp_log_get_level(void);

/* Prefix printed before each line, "fastpath" unless changed. */
void fp_log_set_prefix(const char *prefix);

void fp_log(enum fp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fp_vlog(enum fp_log_level level, const char *fmt, va_list ap);

#define fp_err(...)   fp_log(FP_LOG_ERROR, __VA_ARGS__)
#define fp_warn(...)  fp_log(FP_LOG_WARN, __VA_ARGS__)
#define fp_info(...)  fp_log(FP_LOG_INFO, __VA_ARGS__)
#define fp_dbg(...)   fp_log(FP_LOG_DEBUG, __VA_ARGS__)

/*
 * Route libbpf's own messages through fp_log: warnings only at -v, debug
 * output at -vv.  Verifier logs are captured separately by the loader.
 */
void fp_log_hook_libbpf(void);

#endif
