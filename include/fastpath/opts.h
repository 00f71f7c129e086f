/* SPDX-License-Identifier: MIT */
/*
 * Option tables.  A command describes its options once, in a table; the
 * table drives getopt_long() and prints --help, so help text can never drift
 * from what is parsed.  Values are converted with the fp_parse_*() helpers,
 * which print one line naming the option and the accepted range on error.
 */
#ifndef FASTPATH_OPTS_H
#define FASTPATH_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

enum fp_opt_arg {
	FP_OPT_FLAG = 0,	/* --name */
	FP_OPT_VALUE,		/* --name VALUE */
};

struct fp_opt {
	const char *name;	/* long name, without "--" */
	int key;		/* short letter, or a value > 255 for long only */
	enum fp_opt_arg arg;
	const char *metavar;	/* shown in help, e.g. "IFACE" */
	const char *help;	/* one line; mention the default */
};

struct fp_cmd_help {
	const char *usage;	/* "fastpath gen [OPTIONS] --iface IFACE" */
	const char *summary;	/* one paragraph */
	const char *examples;	/* optional, lines separated by \n */
};

/*
 * Parse argv with the option table @opts (terminated by a zero entry).
 * Calls @cb(key, optarg, ctx) for each option; @cb returns 0 or a negative
 * errno after printing its own error.  "-h/--help" prints help and returns 1.
 * On success *optind_out is the index of the first positional argument.
 */
typedef int (*fp_opt_cb)(int key, const char *arg, void *ctx);

int fp_opts_parse(int argc, char **argv, const struct fp_opt *opts,
		  const struct fp_cmd_help *help, fp_opt_cb cb, void *ctx,
		  int *optind_out);
void fp_opts_print_help(const struct fp_opt *opts,
			const struct fp_cmd_help *help);

/* Value parsers; @what names the option in error messages ("--rate"). */
int fp_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what,
		 uint64_t *out);
int fp_parse_u32(const char *s, uint32_t min, uint32_t max, const char *what,
		 uint32_t *out);
/* Accepts SI suffixes k, M, G (powers of 1000): "10M" is 10,000,000. */
int fp_parse_rate(const char *s, const char *what, uint64_t *out);
/* Seconds with an optional suffix ms/s/m; result in nanoseconds. */
int fp_parse_duration(const char *s, const char *what, uint64_t *ns_out);
/* Latency-scale durations: a number with ns, us, ms or s (no suffix:
 * seconds), 0..60 s.  fp_fine_duration() is the same without a message. */
#define FP_FINE_DURATION_MAX_NS 60e9
int fp_fine_duration(const char *s, uint64_t *ns);
int fp_parse_fine_duration(const char *s, const char *what, uint64_t *ns);
int fp_parse_mac(const char *s, const char *what, uint8_t mac[6]);
/* Interface must exist in the current namespace. */
int fp_parse_ifname(const char *s, const char *what, int *ifindex_out);
int fp_parse_cpu(const char *s, const char *what, int *cpu_out);
/* "0", "0,2", "0-3,8": each value 0..@max, at most @cap of them. */
int fp_parse_u32_list(const char *s, uint32_t max, const char *what,
		      uint32_t *out, uint32_t cap, uint32_t *n);
/* The same for CPUs of this machine. */
int fp_parse_cpu_list(const char *s, const char *what, int *cpus,
		      uint32_t cap, uint32_t *n);

struct fp_addr {
	int family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

int fp_parse_addr(const char *s, const char *what, struct fp_addr *out);
/* "A" or "A-B" (inclusive); both ends of one family, A <= B. */
int fp_parse_addr_range(const char *s, const char *what, struct fp_addr *lo,
			struct fp_addr *hi);
/* "P" or "P-Q" (inclusive), 0 < P <= Q <= 65535. */
int fp_parse_port_range(const char *s, const char *what, uint16_t *lo,
			uint16_t *hi);

#endif
