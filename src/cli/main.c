// SPDX-License-Identifier: MIT
/* `fastpath`: one command, subcommands dispatched from a table. */
#include <stdio.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/xdp.h"
#include "cli/commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "doctor",  cmd_doctor,  "probe what this machine and its interfaces support" },
	{ "testbed", cmd_testbed, "build or tear down a namespace testbed (pair, bridge, router)" },
	{ "gen",     cmd_gen,     "generate traffic (XDP live frames, or AF_XDP)" },
	{ "sink",    cmd_sink,    "count, check and drop (or pass) traffic with XDP" },
	{ "run",     cmd_run,     "run network functions (macswap, firewall, lb) in XDP, AF_XDP or both" },
	{ "ctl",     cmd_ctl,     "change the rules of a running 'fastpath run' live" },
	{ "reflect", cmd_reflect, "send UDP frames back (AF_XDP or kernel socket), for ping" },
	{ "ping",    cmd_ping,    "measure UDP round trips to a reflector: AF_XDP or kernel socket" },
	{ "sweep",   cmd_sweep,   "run a grid of ping configurations and cluster them by latency" },
	{ "bench",   cmd_bench,   "run benchmark scenarios: Linux and fastpath in one run" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "Usage: fastpath COMMAND [OPTIONS]\n\n"
		   "fastpath makes Linux packet processing fast with XDP and AF_XDP,\n"
		   "keeping Linux as the slow path and the source of truth.\n\n"
		   "Commands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nRun 'fastpath COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	const struct command *c;
	char name[64];

	fp_log_hook_libbpf();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name))
			continue;
		snprintf(name, sizeof(name), "fastpath %s", c->name);
		argv[1] = name;
		return c->run(argc - 1, argv + 1);
	}
	fp_err("unknown command '%s'; run 'fastpath --help' for the list",
	       argv[1]);
	return 2;
}
