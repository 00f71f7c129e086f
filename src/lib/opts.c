// SPDX-License-Identifier: MIT
/* Option tables to getopt_long(), and --help generated from the same table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"

#define FP_OPTS_MAX 64

void fp_opts_print_help(const struct fp_opt *opts,
			const struct fp_cmd_help *help)
{
	const struct fp_opt *o;
	char left[64];

	printf("Usage: %s\n\n", help->usage);
	if (help->summary)
		printf("%s\n\n", help->summary);
	printf("Options:\n");
	for (o = opts; o->name; o++) {
		int n = 0;

		if (o->key > 0 && o->key < 256)
			n = snprintf(left, sizeof(left), "-%c, --%s", o->key,
				     o->name);
		else
			n = snprintf(left, sizeof(left), "    --%s", o->name);
		if (o->arg == FP_OPT_VALUE && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - n, " %s",
				 o->metavar ? o->metavar : "VALUE");
		printf("  %-28s %s\n", left, o->help);
	}
	printf("  %-28s %s\n", "-v, --verbose", "more detail (repeat for libbpf debug output)");
	printf("  %-28s %s\n", "-h, --help", "show this help");
	if (help->examples)
		printf("\nExamples:\n%s\n", help->examples);
}

int fp_opts_parse(int argc, char **argv, const struct fp_opt *opts,
		  const struct fp_cmd_help *help, fp_opt_cb cb, void *ctx,
		  int *optind_out)
{
	struct option lopts[FP_OPTS_MAX + 3];
	char sopts[FP_OPTS_MAX * 2 + 8];
	const struct fp_opt *o;
	int n = 0, s = 0, c, err;

	for (o = opts; o->name; o++) {
		if (n >= FP_OPTS_MAX)
			return -E2BIG;
		lopts[n].name = o->name;
		lopts[n].has_arg = o->arg == FP_OPT_VALUE ? required_argument
							  : no_argument;
		lopts[n].flag = NULL;
		lopts[n].val = o->key;
		n++;
		if (o->key > 0 && o->key < 256) {
			sopts[s++] = (char)o->key;
			if (o->arg == FP_OPT_VALUE)
				sopts[s++] = ':';
		}
	}
	lopts[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	lopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[n] = (struct option){ 0 };
	sopts[s++] = 'v';
	sopts[s++] = 'h';
	sopts[s] = '\0';

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fp_opts_print_help(opts, help);
			return 1;
		case 'v':
			fp_log_set_level(fp_log_get_level() + 1);
			break;
		case '?':
			/* getopt saw an unknown option or a missing value. */
			if (optopt && strchr(sopts, optopt))
				fp_err("option -%c needs a value; see '%s --help'",
				       optopt, argv[0]);
			else if (optopt)
				fp_err("unknown option -%c; see '%s --help'",
				       optopt, argv[0]);
			else
				fp_err("unknown option or missing value: '%s'; see '%s --help'",
				       argv[optind - 1], argv[0]);
			return -EINVAL;
		default:
			err = cb(c, optarg, ctx);
			if (err)
				return err < 0 ? err : -EINVAL;
		}
	}
	if (optind_out)
		*optind_out = optind;
	return 0;
}
