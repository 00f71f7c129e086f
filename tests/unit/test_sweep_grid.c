// SPDX-License-Identifier: MIT
/*
 * The sweep grid file (sweep.h): expansion to the cartesian product in
 * nested-loop order, options for each side, and one FILE:LINE error line
 * per problem, all of them in one pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastpath/sweep.h"

/* Run the parser with stderr captured into @out. */
static int parse_capture(const char *text, struct fp_sweep_grid *g,
			 char *out, size_t cap)
{
	char path[] = "/tmp/fp-test-sweep-grid-XXXXXX";
	int fd = mkstemp(path), saved = dup(2), err;
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	err = fp_sweep_grid_parse(text, "g.grid", g);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return err;
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_product(void **state)
{
	struct fp_sweep_grid g;
	char err[1024];

	assert_int_equal(parse_capture(
		"# a comment\n"
		"wait = spin, poll, busypoll   # trailing comment\n"
		"\n"
		"  need_wakeup=on,off\n"
		"batch = 1, 16, 64\n"
		"mode = afxdp\n"
		"count = 500\n"
		"runs = 1\n", &g, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(g.n_axes, 4);
	assert_int_equal(g.n_configs, 18);
	assert_int_equal(g.count, 500);
	assert_int_equal(g.runs, 1);
	/* First axis slowest, last fastest. */
	assert_string_equal(fp_sweep_grid_value(&g, 0, 0), "spin");
	assert_string_equal(fp_sweep_grid_value(&g, 0, 2), "1");
	assert_string_equal(fp_sweep_grid_value(&g, 1, 2), "16");
	assert_string_equal(fp_sweep_grid_value(&g, 3, 1), "off");
	assert_string_equal(fp_sweep_grid_value(&g, 3, 2), "1");
	assert_string_equal(fp_sweep_grid_value(&g, 6, 0), "poll");
	assert_string_equal(fp_sweep_grid_value(&g, 17, 0), "busypoll");
	assert_string_equal(fp_sweep_grid_value(&g, 17, 1), "off");
	assert_string_equal(fp_sweep_grid_value(&g, 17, 2), "64");
}

static void test_defaults(void **state)
{
	struct fp_sweep_grid g;
	char err[256];

	assert_int_equal(parse_capture("# nothing\n", &g, err, sizeof(err)), 0);
	assert_int_equal(g.n_configs, 1);
	assert_int_equal(g.count, 20000);
	assert_int_equal(g.runs, 3);
}

static void test_argv(void **state)
{
	struct fp_sweep_grid g;
	const char *argv[FP_SWEEP_MAX_ARGS];
	char err[256];
	size_t n = 0;

	assert_int_equal(parse_capture(
		"mode = afxdp, socket\n"
		"need_wakeup = on, off\n"
		"wait = busypoll\n"
		"napi_defer_hard_irqs = 2\n"
		"size = 64\n", &g, err, sizeof(err)), 0);
	/* config 3: socket, off */
	assert_int_equal(fp_sweep_grid_argv(&g, 3, FP_SWEEP_PING, argv,
					    FP_SWEEP_MAX_ARGS, &n), 0);
	/* NAPI settings go to both ends: each busy-polls its own veth. */
	assert_int_equal(n, 8);
	assert_string_equal(argv[0], "--socket");
	assert_string_equal(argv[1], "--no-need-wakeup");
	assert_string_equal(argv[2], "--wait");
	assert_string_equal(argv[3], "busypoll");
	assert_string_equal(argv[4], "--napi-defer-hard-irqs");
	assert_string_equal(argv[5], "2");
	assert_string_equal(argv[6], "--size");
	assert_string_equal(argv[7], "64");

	n = 0;
	assert_int_equal(fp_sweep_grid_argv(&g, 0, FP_SWEEP_REFLECT, argv,
					    FP_SWEEP_MAX_ARGS, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(argv[0], "--wait");
	assert_string_equal(argv[2], "--napi-defer-hard-irqs");
	assert_string_equal(argv[3], "2");

	n = 0;
	assert_int_equal(fp_sweep_grid_argv(&g, 0, FP_SWEEP_PING, argv, 2, &n),
			 -E2BIG);
}

static void test_errors(void **state)
{
	struct fp_sweep_grid g;
	char err[4096];

	assert_int_equal(parse_capture(
		"wait = spin, sleep\n"		/* 1 bad word */
		"flux = 1\n"			/* 2 unknown */
		"batch = 1, , 2\n"		/* 3 empty value */
		"batch = 0\n"			/* 4 out of range */
		"good line without equals\n"	/* 5 */
		"mode = afxdp, afxdp\n"		/* 6 duplicate value */
		"count = many\n"		/* 7 */
		"bind = copy\n"			/* 8 fine */
		"bind = zerocopy\n"		/* 9 given twice */
		"interval = soon\n",		/* 10 */
		&g, err, sizeof(err)), -EINVAL);
	assert_int_equal(count_lines(err), 9);
	assert_non_null(strstr(err, "g.grid:1: wait 'sleep' is not valid; use one of spin, poll, busypoll"));
	assert_non_null(strstr(err, "g.grid:2: unknown knob 'flux'"));
	assert_non_null(strstr(err, "g.grid:3: batch has an empty value"));
	assert_non_null(strstr(err, "g.grid:4: batch '0' is not valid; use a number in 1..256"));
	assert_non_null(strstr(err, "g.grid:5: expected"));
	assert_non_null(strstr(err, "g.grid:6: mode lists 'afxdp' twice"));
	assert_non_null(strstr(err, "g.grid:7: count 'many'"));
	assert_null(strstr(err, "g.grid:8:"));
	assert_non_null(strstr(err, "g.grid:9: bind is given twice"));
	assert_non_null(strstr(err, "g.grid:10: interval 'soon'"));
}

static void test_too_big(void **state)
{
	struct fp_sweep_grid g;
	char err[1024];

	assert_int_equal(parse_capture(
		"batch = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
		"rx_size = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
		"tx_size = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
		"mode = afxdp, socket\n",
		&g, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "more than 4096 configurations"));
}

static void test_load(void **state)
{
	struct fp_sweep_grid g;

	assert_int_equal(fp_sweep_grid_load("/nonexistent/fp.grid", &g),
			 -ENOENT);
}

/* ping's --json object, nested config included, is read by key. */
static void test_parse_ping(void **state)
{
	static const char ok[] =
		"{\"mode\":\"afxdp\",\"config\":{\"mean_ns\":1,\"wait\":\"spin\",\"x\":[1,{\"a\":\"}\"}]},"
		"\"sent\":500,\"received\":499,\"lost\":1,\"dup\":0,"
		"\"min_ns\":5000,\"mean_ns\":7000.5,\"std_ns\":300,\"q1_ns\":6500,"
		"\"p50_ns\":6900,\"q3_ns\":7200,\"p90_ns\":8000,\"p99_ns\":9000,"
		"\"p999_ns\":12000,\"max_ns\":30000,"
		"\"hist\":[[4096,10],[6144, 400], [8192,89]]}\n";
	struct fp_sweep_result r = { 0 };

	assert_int_equal(fp_sweep_parse_ping(ok, &r), 0);
	assert_true(r.st[FP_ST_MEAN] == 7000.5);
	assert_true(r.st[FP_ST_MAX] == 30000);
	assert_int_equal(r.received, 499);
	assert_int_equal(r.lost, 1);
	assert_int_equal(r.n_hist, 3);
	assert_true(r.hist[1].lower_ns == 6144);
	assert_int_equal(r.hist[2].count, 89);
	free(r.hist);

	memset(&r, 0, sizeof(r));
	assert_int_equal(fp_sweep_parse_ping("{\"min_ns\":null}", &r), -EINVAL);
	assert_string_equal(r.error, "ping's JSON has no number min_ns");
	assert_int_equal(fp_sweep_parse_ping("fastpath: no reply", &r), -EINVAL);
	assert_string_equal(r.error, "ping printed no JSON object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_product),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_parse_ping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
