// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "fastpath/log.h"

static enum fp_log_level log_level = FP_LOG_INFO;
static const char *log_prefix = "fastpath";

void fp_log_set_level(enum fp_log_level level)
{
	log_level = level;
}

enum fp_log_level fp_log_get_level(void)
{
	return log_level;
}

void fp_log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

void fp_vlog(enum fp_log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* Errors and warnings name their origin; info lines are plain output. */
	switch (level) {
	case FP_LOG_ERROR:
		fprintf(stderr, "%s: %s\n", log_prefix, line);
		break;
	case FP_LOG_WARN:
		fprintf(stderr, "%s: warning: %s\n", log_prefix, line);
		break;
	default:
		fprintf(stderr, "%s\n", line);
		break;
	}
}

void fp_log(enum fp_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fp_vlog(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* libbpf warns loudly about things we handle (probes that fail on
	 * purpose, fallbacks); show it only when the user asked for detail. */
	if (level == LIBBPF_DEBUG && log_level < FP_LOG_TRACE)
		return 0;
	if (log_level < FP_LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void fp_log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
