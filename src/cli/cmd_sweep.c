// SPDX-License-Identifier: MIT
/*
 * `fastpath sweep`: run every configuration of a grid file as a
 * `fastpath reflect` in fp-pair-dut and a `fastpath ping --json` in
 * fp-pair-gen, then cluster the results (sweep.h, kmeans.h).
 *
 * reflect and ping run as child processes of this binary, through
 * `ip netns exec`, so a crash or a stuck socket in one configuration
 * cannot take the sweep down, and each child restores the device settings
 * it changed.  The sweep checks that they did: it reads dut0's
 * napi_defer_hard_irqs and gro_flush_timeout before and after every
 * configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/run.h"
#include "fastpath/sweep.h"
#include "fastpath/testbed.h"
#include "cli/commands.h"

#define DUT_NS		"fp-pair-dut"
#define GEN_NS		"fp-pair-gen"
#define DUT_IF		"dut0"
#define REFLECT_READY_NS	10000000000ULL	/* reflect bound, at most */
#define STOP_WAIT_NS		5000000000ULL

enum {
	OPT_GRID = 'g',
	OPT_OUT = 'o',
	OPT_TESTBED = 256,
	OPT_SEED,
	OPT_FROM_JSON,
};

struct sweep_cli {
	const char *grid;
	const char *out;
	const char *testbed;
	const char *from_json;
	uint64_t seed;
	char self[PATH_MAX];
};

static const struct fp_opt sweep_opts[] = {
	{ "grid", OPT_GRID, FP_OPT_VALUE, "FILE",
	  "the grid of configurations (see docs/cmd/sweep.md)" },
	{ "testbed", OPT_TESTBED, FP_OPT_VALUE, "NAME",
	  "testbed to run on (default and only: pair; brought up if needed)" },
	{ "out", OPT_OUT, FP_OPT_VALUE, "DIR",
	  "where to write sweep.json and sweep.svg (default sweep-out)" },
	{ "seed", OPT_SEED, FP_OPT_VALUE, "S",
	  "seed of the k-means PRNG (default 1): same seed, same clusters" },
	{ "from-json", OPT_FROM_JSON, FP_OPT_VALUE, "FILE",
	  "re-analyse a previous sweep.json instead of running a grid" },
	{ 0 },
};

static const struct fp_cmd_help sweep_help = {
	.usage = "fastpath sweep --grid FILE [--testbed pair] [--out DIR] [--seed S]\n"
		 "       fastpath sweep --from-json sweep.json [--out DIR] [--seed S]",
	.summary =
	"Run every configuration of a grid of AF_XDP knobs: for each, start\n"
	"'fastpath reflect' in fp-pair-dut and run 'fastpath ping --json' in\n"
	"fp-pair-gen, 'runs' times (the median of each statistic is kept).\n"
	"Then cluster the configurations with k-means over mean, median,\n"
	"standard deviation and quartiles (z-scores), choosing k in\n"
	"2..min(8, n-1) by the silhouette score, and print the clusters ranked\n"
	"by mean latency with the parameters constant inside each.  Writes\n"
	"DIR/sweep.json and DIR/sweep.svg (one box plot per cluster).  A failed\n"
	"configuration is reported and counted, never skipped silently.\n"
	"Exit status 1 if any configuration failed or a device setting of dut0\n"
	"was not restored.  Needs root.",
	.examples =
	"  fastpath sweep --grid sweep.grid --out /tmp/sweep\n"
	"  fastpath sweep --from-json /tmp/sweep/sweep.json --seed 7",
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct sweep_cli *o = ctx;

	switch (key) {
	case OPT_GRID:
		o->grid = arg;
		return 0;
	case OPT_OUT:
		o->out = arg;
		return 0;
	case OPT_TESTBED:
		if (strcmp(arg, "pair")) {
			fp_err("--testbed %s: sweep runs on the pair testbed only; use --testbed pair",
			       arg);
			return -EINVAL;
		}
		o->testbed = arg;
		return 0;
	case OPT_SEED:
		return fp_parse_u64(arg, 0, UINT64_MAX, "--seed", &o->seed);
	case OPT_FROM_JSON:
		o->from_json = arg;
		return 0;
	}
	return -EINVAL;
}

/* Split @s at spaces into @argv (pointers into @s, which is modified). */
static int split_words(char *s, const char **argv, size_t cap, size_t *n)
{
	char *save = NULL, *w;

	for (w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (*n >= cap)
			return -E2BIG;
		argv[(*n)++] = w;
	}
	return 0;
}

/* Start @argv with stdout to @out_fd (or /dev/null) and stderr to @err_fd. */
static pid_t spawn(const char **argv, int out_fd, int err_fd)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (out_fd < 0)
		out_fd = open("/dev/null", O_WRONLY);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	setpgid(0, 0);	/* Ctrl-C on the sweep reaches the sweep only */
	execvp(argv[0], (char **)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait up to @ns for @pid; 0 and *status, or -ETIMEDOUT. */
static int wait_for(pid_t pid, uint64_t ns, int *status)
{
	uint64_t end = fp_now_ns() + ns;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		if (fp_now_ns() >= end)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

/* SIGINT (so the child restores the device), then SIGKILL if it hangs. */
static void stop_child(pid_t pid)
{
	int st;

	kill(pid, SIGINT);
	if (wait_for(pid, STOP_WAIT_NS, &st)) {
		fp_warn("sweep: child %d ignored SIGINT for 5 s; killing it", pid);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

/* The last non-empty line of the file behind @fd, for error messages. */
static void last_line(int fd, char *out, size_t cap)
{
	char buf[4096], *p, *e;
	ssize_t n;
	off_t end = lseek(fd, 0, SEEK_END);

	out[0] = '\0';
	if (end <= 0)
		return;
	lseek(fd, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0,
	      SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	p = strrchr(buf, '\n');
	p = p ? p + 1 : buf;
	e = p + strlen(p);
	snprintf(out, cap, "%.*s", (int)(e - p), p);
}

static int tmpfile_fd(void)
{
	char path[] = "/tmp/fp-sweep-XXXXXX";
	/* CLOEXEC: a child must not hold another child's pipe or file. */
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Read a device setting of dut0 inside fp-pair-dut; -1 if unreadable. */
static long long read_dev(const struct sweep_cli *o, const char *attr)
{
	char path[128], buf[64] = "";
	const char *argv[] = { "ip", "netns", "exec", DUT_NS, "cat", path, NULL };
	int p[2], st;
	pid_t pid;
	ssize_t n;

	(void)o;
	snprintf(path, sizeof(path), "/sys/class/net/" DUT_IF "/%s", attr);
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = spawn(argv, p[1], p[1]);
	close(p[1]);
	n = pid > 0 ? read(p[0], buf, sizeof(buf) - 1) : -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/* Read ping's stdout until EOF, for at most @ns. */
static int read_all(int fd, char *buf, size_t cap, uint64_t ns)
{
	uint64_t end = fp_now_ns() + ns;
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = fp_now_ns();
		ssize_t n;

		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)((end - now) / 1000000 + 1)) < 0 &&
		    errno != EINTR)
			return -errno;
		if (!pfd.revents)
			continue;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += n;
		if (len == cap - 1)
			break;
	}
	buf[len] = '\0';
	return 0;
}

/*
 * reflect announces "... stop with Ctrl-C" on stderr once its socket is
 * bound; ping must not start before, or its first packets are lost.  Wait
 * for that line (or the child's exit) up to REFLECT_READY_NS, then give it
 * a moment more: the socket mode prints the line just before binding.
 */
static void wait_ready(pid_t pid, int err_fd)
{
	uint64_t end = fp_now_ns() + REFLECT_READY_NS;
	siginfo_t info;
	char buf[4096];
	ssize_t n;

	while (fp_now_ns() < end) {
		n = pread(err_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (strstr(buf, "stop with Ctrl-C"))
			break;
		/* Exited?  Leave it to the caller to reap and report. */
		memset(&info, 0, sizeof(info));
		if (!waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) &&
		    info.si_pid == pid)
			return;
		usleep(10000);
	}
	usleep(50000);
}

/* One run of configuration @cfg; fills @r or sets @r->error. */
static int run_once(const struct sweep_cli *o, const struct fp_sweep_grid *g,
		    size_t cfg, struct fp_sweep_result *r)
{
	char rargs[FP_SWEEP_ARGS_LEN], pargs[FP_SWEEP_ARGS_LEN], count[16];
	const char *ra[FP_SWEEP_MAX_ARGS], *pa[FP_SWEEP_MAX_ARGS];
	size_t rn = 0, pn = 0;
	int rerr = tmpfile_fd(), perr = tmpfile_fd(), out[2] = { -1, -1 };
	char *json = NULL, line[200];
	pid_t rp = -1, pp = -1;
	int st, err = -EINVAL;
	uint64_t limit;

	r->ok = false;
	snprintf(rargs, sizeof(rargs), "%s", g->reflect_args);
	snprintf(pargs, sizeof(pargs), "%s", g->ping_args);
	snprintf(count, sizeof(count), "%u", g->count);
	ra[rn++] = "ip"; ra[rn++] = "netns"; ra[rn++] = "exec";
	ra[rn++] = DUT_NS; ra[rn++] = o->self; ra[rn++] = "reflect";
	pa[pn++] = "ip"; pa[pn++] = "netns"; pa[pn++] = "exec";
	pa[pn++] = GEN_NS; pa[pn++] = o->self; pa[pn++] = "ping";
	pa[pn++] = "--json"; pa[pn++] = "--count"; pa[pn++] = count;
	/* A stray reflector must not outlive the sweep by much. */
	ra[rn++] = "--duration"; ra[rn++] = "30m";
	if (split_words(rargs, ra, FP_SWEEP_MAX_ARGS - 1, &rn) ||
	    split_words(pargs, pa, FP_SWEEP_MAX_ARGS - 1, &pn) ||
	    fp_sweep_grid_argv(g, cfg, FP_SWEEP_REFLECT, ra,
			       FP_SWEEP_MAX_ARGS - 1, &rn) ||
	    fp_sweep_grid_argv(g, cfg, FP_SWEEP_PING, pa,
			       FP_SWEEP_MAX_ARGS - 1, &pn)) {
		snprintf(r->error, sizeof(r->error), "too many options");
		goto out;
	}
	ra[rn] = NULL;
	pa[pn] = NULL;
	json = malloc(1 << 20);
	if (rerr < 0 || perr < 0 || !json || pipe2(out, O_CLOEXEC)) {
		snprintf(r->error, sizeof(r->error), "out of resources: %s",
			 strerror(errno));
		goto out;
	}
	rp = spawn(ra, -1, rerr);
	if (rp < 0) {
		snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
		goto out;
	}
	wait_ready(rp, rerr);
	if (waitpid(rp, &st, WNOHANG) == rp) {
		rp = -1;
		last_line(rerr, line, sizeof(line));
		snprintf(r->error, sizeof(r->error), "reflect exited: %s", line);
		goto out;
	}
	pp = spawn(pa, out[1], perr);
	close(out[1]);
	out[1] = -1;
	if (pp < 0) {
		snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
		goto out;
	}
	/* Generous: 60 s plus 1 ms per round trip. */
	limit = 60000000000ULL + (uint64_t)g->count * 1000000ULL;
	if (read_all(out[0], json, 1 << 20, limit)) {
		snprintf(r->error, sizeof(r->error),
			 "ping did not finish within %llu s; killed",
			 (unsigned long long)(limit / 1000000000ULL));
		kill(pp, SIGKILL);
	}
	waitpid(pp, &st, 0);
	pp = -1;
	if (r->error[0])
		goto out;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		last_line(perr, line, sizeof(line));
		snprintf(r->error, sizeof(r->error), "ping failed: %s", line);
		goto out;
	}
	err = fp_sweep_parse_ping(json, r);
	if (!err)
		r->ok = true;
out:
	if (rp > 0)
		stop_child(rp);
	if (pp > 0) {
		kill(pp, SIGKILL);
		waitpid(pp, &st, 0);
	}
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (rerr >= 0)
		close(rerr);
	if (perr >= 0)
		close(perr);
	free(json);
	return r->ok ? 0 : -EIO;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median of each statistic over @n runs into @dst; the histogram and the
 * counters come from the run whose median latency is the median.
 */
static void median_runs(struct fp_sweep_result *runs, unsigned int n,
			struct fp_sweep_result *dst)
{
	double v[100];
	unsigned int i, s, pick = 0;

	for (s = 0; s < FP_ST_N; s++) {
		for (i = 0; i < n; i++)
			v[i] = runs[i].st[s];
		qsort(v, n, sizeof(v[0]), cmp_double);
		dst->st[s] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	}
	for (i = 1; i < n; i++)
		if (fabs(runs[i].st[FP_ST_P50] - dst->st[FP_ST_P50]) <
		    fabs(runs[pick].st[FP_ST_P50] - dst->st[FP_ST_P50]))
			pick = i;
	dst->sent = runs[pick].sent;
	dst->received = runs[pick].received;
	dst->lost = runs[pick].lost;
	dst->hist = runs[pick].hist;
	dst->n_hist = runs[pick].n_hist;
	runs[pick].hist = NULL;
	dst->ok = true;
}

static int run_grid(struct sweep_cli *o, struct fp_sweep_grid *g,
		    struct fp_sweep_result *res, unsigned int *mismatches)
{
	static const char *const attrs[] = { "napi_defer_hard_irqs",
					     "gro_flush_timeout" };
	struct fp_sweep_result runs[100];
	long long before[2], after;
	unsigned int a, i, j;
	size_t cfg;

	for (j = 0; j < 2; j++)
		before[j] = read_dev(o, attrs[j]);
	for (cfg = 0; cfg < g->n_configs && !fp_run_should_stop(); cfg++) {
		struct fp_sweep_result *r = &res[cfg];
		char desc[512] = "";
		size_t off = 0;

		r->n_params = g->n_axes;
		for (a = 0; a < g->n_axes; a++) {
			snprintf(r->param_name[a], FP_SWEEP_VALUE_LEN, "%s",
				 g->axis[a].knob->name);
			snprintf(r->param_value[a], FP_SWEEP_VALUE_LEN, "%s",
				 fp_sweep_grid_value(g, cfg, a));
			off += snprintf(desc + off, sizeof(desc) - off, " %s=%s",
					r->param_name[a], r->param_value[a]);
		}
		fprintf(stderr, "[%zu/%zu]%s\n", cfg + 1, g->n_configs, desc);
		memset(runs, 0, sizeof(runs));
		for (i = 0; i < g->runs; i++)
			if (run_once(o, g, cfg, &runs[i]))
				break;
		if (i == g->runs) {
			median_runs(runs, g->runs, r);
			fprintf(stderr, "        mean %.2f us, median %.2f us, lost %llu\n",
				r->st[FP_ST_MEAN] / 1e3, r->st[FP_ST_P50] / 1e3,
				(unsigned long long)r->lost);
		} else {
			snprintf(r->error, sizeof(r->error), "run %u of %u: %s",
				 i + 1, g->runs, runs[i].error);
			fp_err("sweep: configuration %zu failed: %s", cfg,
			       r->error);
		}
		for (i = 0; i < g->runs; i++)
			free(runs[i].hist);
		for (j = 0; j < 2; j++) {
			after = read_dev(o, attrs[j]);
			if (after == before[j])
				continue;
			if (after < 0)
				fp_err("sweep: after configuration %zu, dut0 %s cannot be read in " DUT_NS " (was %lld): is the testbed still up?",
				       cfg, attrs[j], before[j]);
			else
				fp_err("sweep: after configuration %zu, dut0 %s is %lld, was %lld: a child did not restore it; reset it with 'echo %lld > /sys/class/net/dut0/%s' in " DUT_NS,
				       cfg, attrs[j], after, before[j],
				       before[j], attrs[j]);
			(*mismatches)++;
			before[j] = after;	/* report each change once */
		}
	}
	for (; cfg < g->n_configs; cfg++) {
		snprintf(res[cfg].error, sizeof(res[cfg].error),
			 "not run: the sweep was interrupted");
		res[cfg].n_params = g->n_axes;
		for (a = 0; a < g->n_axes; a++) {
			snprintf(res[cfg].param_name[a], FP_SWEEP_VALUE_LEN,
				 "%s", g->axis[a].knob->name);
			snprintf(res[cfg].param_value[a], FP_SWEEP_VALUE_LEN,
				 "%s", fp_sweep_grid_value(g, cfg, a));
		}
	}
	return 0;
}

static int report(const struct sweep_cli *o, struct fp_sweep_result *res,
		  size_t n)
{
	struct fp_sweep_analysis an;
	char path[PATH_MAX];
	int err;

	err = fp_sweep_analyse(res, n, o->seed, &an);
	if (err)
		return err;
	fp_sweep_print(stdout, res, n, &an);
	if (mkdir(o->out, 0755) && errno != EEXIST) {
		err = -errno;
		fp_err("cannot create --out directory %s: %s", o->out,
		       strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/sweep.json", o->out);
	err = fp_sweep_write_json(path, res, n, &an, o->seed);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/sweep.svg", o->out);
	err = fp_sweep_write_svg(path, res, n, &an);
	if (err)
		return err;
	printf("\nwrote %s/sweep.json and %s/sweep.svg\n", o->out, o->out);
	return an.n_failed ? -EIO : 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_cli o = { .out = "sweep-out", .testbed = "pair", .seed = 1 };
	const struct fp_topology *topo;
	struct fp_sweep_result *res = NULL;
	struct fp_sweep_grid g;
	unsigned int mismatches = 0;
	bool brought_up = false;
	int optind_out, err;
	ssize_t len;
	size_t n;

	err = fp_opts_parse(argc, argv, sweep_opts, &sweep_help, on_opt, &o,
			    &optind_out);
	if (err)
		return err > 0 ? 0 : 2;
	if (optind_out < argc) {
		fp_err("unexpected argument '%s'; see 'fastpath sweep --help'",
		       argv[optind_out]);
		return 2;
	}
	if (!o.grid == !o.from_json) {
		fp_err("give --grid FILE to run a sweep or --from-json FILE to re-analyse one (one of them)");
		return 2;
	}
	if (o.from_json) {
		err = fp_sweep_read_json(o.from_json, &res, &n);
		if (err)
			return 1;
		err = report(&o, res, n);
		fp_sweep_results_free(res, n);
		return cmd_exit(err);
	}
	err = fp_sweep_grid_load(o.grid, &g);
	if (err)
		return 1;
	if (fp_run_require_admin("fastpath sweep"))
		return 1;
	len = readlink("/proc/self/exe", o.self, sizeof(o.self) - 1);
	if (len <= 0) {
		fp_err("cannot find this program's path (/proc/self/exe): %s",
		       strerror(errno));
		return 1;
	}
	o.self[len] = '\0';
	topo = fp_testbed_find(o.testbed);
	if (!topo)
		return 1;
	if (!fp_testbed_is_up(topo)) {
		fp_info("sweep: bringing the %s testbed up", topo->name);
		if (fp_testbed_up(topo))
			return 1;
		brought_up = true;
	}
	err = fp_run_install_signals();
	if (err) {
		fp_err("cannot install signal handlers: %s", strerror(-err));
		return 1;
	}
	res = calloc(g.n_configs, sizeof(*res));
	if (!res)
		return 1;
	n = g.n_configs;
	fprintf(stderr, "sweep: %zu configurations x %u runs of %u round trips\n",
		n, g.runs, g.count);
	run_grid(&o, &g, res, &mismatches);
	/* Leave the machine as we found it: a testbed we made goes away. */
	if (brought_up && fp_testbed_down(topo))
		fp_warn("sweep: could not take the %s testbed down; run 'fastpath testbed down %s'",
			topo->name, topo->name);
	err = report(&o, res, n);
	fp_sweep_results_free(res, n);
	if (mismatches)
		fp_err("sweep: %u device setting change(s) of dut0 were not restored (see above)",
		       mismatches);
	return err || mismatches ? 1 : 0;
}
