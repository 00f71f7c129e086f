// SPDX-License-Identifier: MIT
/*
 * `fastpath bench`: run benchmark scenarios (bench/scenarios/) and report
 * Linux and fastpath side by side.  The measuring is bench_runner.c's; this
 * file parses options, picks the scenarios and places the runner on a CPU
 * away from the generator.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/run.h"
#include "cli/bench.h"
#include "cli/commands.h"

#define NS_PER_S 1000000000ULL

enum {
	OPT_RUNS = 'r',
	OPT_WINDOW = 'w',
	OPT_SIZE = 's',
	OPT_CPU = 'c',
	OPT_OUT = 'o',
	OPT_VERBOSE = 'v',
	OPT_WARMUP = 256,
	OPT_NO_JSON,
	OPT_KEEP,
};

static const struct fp_opt bench_opts_table[] = {
	{ "runs", OPT_RUNS, FP_OPT_VALUE, "N",
	  "runs per variant, 3..50; the median is reported (default 3)" },
	{ "window", OPT_WINDOW, FP_OPT_VALUE, "D",
	  "measured window of each run, 100ms..10m (default 5s)" },
	{ "warmup", OPT_WARMUP, FP_OPT_VALUE, "D",
	  "traffic before each window opens, up to 1m (default 1s)" },
	{ "size", OPT_SIZE, FP_OPT_VALUE, "BYTES",
	  "frame size without FCS, 64..1514 (default 64)" },
	{ "cpu", OPT_CPU, FP_OPT_VALUE, "CPU",
	  "CPU of the generator and of the DUT's softirq (default 0)" },
	{ "out", OPT_OUT, FP_OPT_VALUE, "DIR",
	  "write SCENARIO.json here (default bench/results)" },
	{ "no-json", OPT_NO_JSON, FP_OPT_FLAG, NULL,
	  "do not write JSON" },
	{ "keep-testbed", OPT_KEEP, FP_OPT_FLAG, NULL,
	  "leave up a testbed the bench brought up" },
	{ "verbose", OPT_VERBOSE, FP_OPT_FLAG, NULL,
	  "show the commands variants run" },
	{ 0 },
};

static const struct fp_cmd_help bench_help = {
	.usage = "fastpath bench [OPTIONS] SCENARIO...|all|list",
	.summary =
	"Measure Linux and fastpath in the same run.  For each scenario the\n"
	"testbed is brought up if needed; then, for each run, every variant is\n"
	"measured in turn with the same generator (the generator alone, the\n"
	"Linux baseline, fastpath): set up, warm up, count the packets the\n"
	"device under test handled in the window, tear down.  Prints each\n"
	"variant's median rate, its cost per packet with the generator's own\n"
	"cost subtracted (DUT ns/pkt), and its ratio to the Linux baseline;\n"
	"writes bench/results/SCENARIO.json.  The method is in bench/README.md.\n"
	"\n"
	"Exit status: 0 when every scenario ran, 1 otherwise.",
	.examples =
	"  fastpath bench list\n"
	"  fastpath bench drop\n"
	"  fastpath bench --runs 5 --window 10s --size 1514 drop\n"
	"  fastpath bench all",
};

struct bench_cli {
	struct bench_opts o;
	bool json;
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct bench_cli *c = ctx;
	int err;

	switch (key) {
	case OPT_RUNS:
		return fp_parse_u32(arg, BENCH_MIN_RUNS, BENCH_MAX_RUNS, "--runs",
				    &c->o.runs);
	case OPT_WINDOW:
		err = fp_parse_duration(arg, "--window", &c->o.window_ns);
		if (!err && (c->o.window_ns < NS_PER_S / 10 ||
			     c->o.window_ns > 600 * NS_PER_S)) {
			fp_err("--window must be between 100ms and 10m, not '%s'", arg);
			return -EINVAL;
		}
		return err;
	case OPT_WARMUP:
		err = fp_parse_duration(arg, "--warmup", &c->o.warmup_ns);
		if (!err && c->o.warmup_ns > 60 * NS_PER_S) {
			fp_err("--warmup must be at most 1m, not '%s'", arg);
			return -EINVAL;
		}
		return err;
	case OPT_SIZE:
		return fp_parse_u32(arg, FP_GEN_MIN_SIZE, FP_GEN_MAX_SIZE, "--size",
				    &c->o.size);
	case OPT_CPU:
		return fp_parse_cpu(arg, "--cpu", &c->o.cpu);
	case OPT_OUT:
		c->o.out_dir = arg;
		return 0;
	case OPT_NO_JSON:
		c->json = false;
		return 0;
	case OPT_KEEP:
		c->o.keep_testbed = true;
		return 0;
	case OPT_VERBOSE:
		fp_log_set_level(FP_LOG_DEBUG);
		return 0;
	}
	return -EINVAL;
}

static void list(void)
{
	const struct bench_scenario *const *s;
	int i;

	for (s = bench_scenarios; *s; s++) {
		printf("%-10s %s (testbed %s)\n", (*s)->name, (*s)->summary,
		       (*s)->topology);
		for (i = 0; i < (*s)->n_variants; i++)
			printf("  %-14s %-9s %s\n", (*s)->variants[i].name,
			       bench_role_name((*s)->variants[i].role),
			       (*s)->variants[i].summary);
	}
}

static const struct bench_scenario *find(const char *name)
{
	const struct bench_scenario *const *s;

	for (s = bench_scenarios; *s; s++)
		if (!strcmp((*s)->name, name))
			return *s;
	return NULL;
}

/*
 * The runner sleeps between counter reads; keep it off the generator's CPU
 * so its wake-ups never take time from the measured path.  With one CPU it
 * cannot be, and says so.
 */
static int place_runner(int gen_cpu)
{
	cpu_set_t allowed;
	int cpu;

	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		fp_err("bench: cannot read the CPUs this process may use: %s",
		       strerror(errno));
		return -errno;
	}
	if (!CPU_ISSET(gen_cpu, &allowed)) {
		fp_err("--cpu %d: this process may not run there; pick one of 'taskset -pc $$'",
		       gen_cpu);
		return -EINVAL;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (cpu != gen_cpu && CPU_ISSET(cpu, &allowed))
			return fp_run_pin_cpu(cpu);
	fp_warn("bench: one CPU only: the runner shares CPU %d with the generator (small error in the rates)",
		gen_cpu);
	return 0;
}

/*
 * A mount namespace of our own, as `ip netns exec` makes: the runner
 * mounts the DUT namespace's sysfs on /sys (bench_runner.c), so that
 * per-interface settings under /sys/class/net (busy polling's
 * napi_defer_hard_irqs, gro_flush_timeout) reach the DUT's devices.
 * Done first, while the process has one thread.
 */
static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL)) {
		fp_err("bench: cannot make a private mount namespace: %s",
		       strerror(errno));
		return -errno;
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	const struct bench_scenario *todo[BENCH_MAX_VARIANTS * 4];
	struct bench_cli c = {
		.o = {
			.runs = BENCH_MIN_RUNS,
			.window_ns = 5 * NS_PER_S,
			.warmup_ns = NS_PER_S,
			.size = FP_GEN_MIN_SIZE,
			.cpu = 0,
			.out_dir = "bench/results",
		},
		.json = true,
	};
	struct bench_report rep;
	int first, i, n = 0, err;

	err = fp_opts_parse(argc, argv, bench_opts_table, &bench_help, on_opt, &c,
			    &first);
	if (err)
		return err > 0 ? 0 : 1;
	if (first >= argc) {
		fp_err("name a scenario, 'all' or 'list'; see 'fastpath bench --help'");
		return 1;
	}
	if (!strcmp(argv[first], "list") && first + 1 == argc) {
		list();
		return 0;
	}
	for (i = first; i < argc; i++) {
		const struct bench_scenario *const *s;

		if (!strcmp(argv[i], "all")) {
			for (s = bench_scenarios; *s && n < (int)(sizeof(todo) / sizeof(todo[0])); s++)
				todo[n++] = *s;
			continue;
		}
		if (!find(argv[i])) {
			fp_err("unknown scenario '%s'; 'fastpath bench list' shows them",
			       argv[i]);
			return 1;
		}
		if (n < (int)(sizeof(todo) / sizeof(todo[0])))
			todo[n++] = find(argv[i]);
	}
	if (!c.json)
		c.o.out_dir = NULL;
	if (fp_run_require_admin("fastpath bench"))
		return 1;
	err = private_mounts();
	if (!err)
		err = fp_run_install_signals();
	if (!err)
		err = place_runner(c.o.cpu);
	if (err)
		return 1;

	for (i = 0; i < n; i++) {
		err = bench_run(todo[i], &c.o, &rep);
		if (err)
			return 1;
		bench_print(&rep);
		if (c.o.out_dir && bench_write_json(&rep, c.o.out_dir))
			return 1;
	}
	return 0;
}
