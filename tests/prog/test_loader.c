// SPDX-License-Identifier: MIT
/*
 * The loader (fastpath/xdp.h) against the real kernel: attach modes and
 * fallback, refusal and --force for foreign programs, atomic replace,
 * detach, verifier reports, and global data after fp_bpf_load().
 *
 * Runs in a network namespace of its own (unshare at start), so every
 * device and program it creates dies with the process, even on a crash.
 * Devices: a veth pair (native XDP) and an ifb (no native XDP).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "fastpath/log.h"
#include "fastpath/xdp.h"
#include "probe.skel.h"
#include "lib/capture.h"

#define VETH0 "fplv0"
#define VETH1 "fplv1"
#define IFB   "fplifb0"

static int veth_idx, ifb_idx;
/* Two loaded programs (ours: A and B) and a third playing the foreigner. */
static struct fp_probe *ours, *foreign;

/* --- helpers ------------------------------------------------------------ */

static uint32_t prog_id(struct bpf_program *prog)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info,
						&len), 0);
	return info.id;
}

static uint32_t link_ifindex(int link_fd)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(link_fd, &info, &len), 0);
	return info.xdp.ifindex;
}

static struct fp_xdp_info query(int ifindex)
{
	struct fp_xdp_info info;

	assert_int_equal(fp_xdp_query(ifindex, &info), 0);
	return info;
}

static void assert_nothing_attached(int ifindex)
{
	struct fp_xdp_info info = query(ifindex);

	assert_int_equal(info.prog_id, 0);
	assert_false(info.via_link);
}

/* A fresh probe object with only @names enabled (NULL-terminated). */
static struct fp_probe *open_with(const char *const *names)
{
	struct bpf_program *prog;
	struct fp_probe *skel = fp_probe__open();

	assert_non_null(skel);
	bpf_object__for_each_program(prog, skel->obj) {
		const char *const *n;
		bool on = false;

		for (n = names; *n; n++)
			on |= !strcmp(*n, bpf_program__name(prog));
		bpf_program__set_autoload(prog, on);
	}
	return skel;
}

static int make_links(void)
{
	struct rtnl_link *link;
	struct nl_sock *sk;
	int err;

	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE))
		return -1;
	err = rtnl_link_veth_add(sk, VETH0, VETH1, getpid());
	link = rtnl_link_alloc();
	rtnl_link_set_name(link, IFB);
	err = err ?: rtnl_link_set_type(link, "ifb");
	err = err ?: rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	nl_socket_free(sk);
	if (err) {
		fprintf(stderr, "creating test devices: %s\n", nl_geterror(err));
		return -1;
	}
	veth_idx = (int)if_nametoindex(VETH0);
	ifb_idx = (int)if_nametoindex(IFB);
	return veth_idx && ifb_idx ? 0 : -1;
}

static int setup(void **state)
{
	static const char *const ab[] = { "probe_pass", "probe_drop", NULL };
	static const char *const one[] = { "probe_pass", NULL };

	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (make_links())
		return -1;
	ours = open_with(ab);
	foreign = open_with(one);
	if (fp_bpf_load(ours->obj, "loader-test") ||
	    fp_bpf_load(foreign->obj, "loader-test"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	fp_xdp_detach_all();
	fp_probe__destroy(ours);
	fp_probe__destroy(foreign);
	return 0;
}

#define PROG_A (ours->progs.probe_pass)
#define PROG_B (ours->progs.probe_drop)
#define PROG_F (foreign->progs.probe_pass)

/* --- tests -------------------------------------------------------------- */

static void test_mode_parse(void **state)
{
	enum fp_xdp_mode m;
	struct capture c;
	const char *err;

	assert_int_equal(fp_xdp_mode_parse("auto", &m), 0);
	assert_int_equal(m, FP_XDP_MODE_AUTO);
	assert_int_equal(fp_xdp_mode_parse("drv", &m), 0);
	assert_int_equal(m, FP_XDP_MODE_NATIVE);
	assert_int_equal(fp_xdp_mode_parse("native", &m), 0);
	assert_int_equal(m, FP_XDP_MODE_NATIVE);
	assert_int_equal(fp_xdp_mode_parse("skb", &m), 0);
	assert_int_equal(m, FP_XDP_MODE_GENERIC);
	assert_int_equal(fp_xdp_mode_parse("generic", &m), 0);
	assert_int_equal(m, FP_XDP_MODE_GENERIC);
	capture_start(&c);
	assert_int_equal(fp_xdp_mode_parse("offload", &m), -EINVAL);
	assert_int_equal(fp_xdp_mode_parse(NULL, &m), -EINVAL);
	err = capture_end(&c);
	assert_int_equal(count_lines(err), 2);
	assert_non_null(strstr(err, "'offload' is not a mode; use auto, native (drv) or generic (skb)"));
	assert_string_equal(fp_xdp_mode_str(FP_XDP_MODE_GENERIC), "generic");
}

static void test_native_on_veth(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE };
	struct fp_xdp_link *link;
	struct fp_xdp_info info;

	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), 0);
	assert_int_equal(fp_xdp_link_mode(link), FP_XDP_MODE_NATIVE);
	assert_int_equal(fp_xdp_link_ifindex(link), veth_idx);
	info = query(veth_idx);
	assert_int_equal(info.prog_id, prog_id(PROG_A));
	assert_int_equal(info.mode, FP_XDP_MODE_NATIVE);
	assert_string_equal(info.prog_name, "probe_pass");
	assert_true(info.via_link);
	assert_true(info.link_id > 0);
	fp_xdp_detach(link);
	assert_nothing_attached(veth_idx);
}

static void test_auto_on_veth_is_native_and_quiet(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_AUTO };
	struct fp_xdp_link *link;
	struct capture c;
	const char *err;

	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), 0);
	err = capture_end(&c);
	assert_string_equal(err, "");
	assert_int_equal(fp_xdp_link_mode(link), FP_XDP_MODE_NATIVE);
	fp_xdp_detach(link);
	assert_nothing_attached(veth_idx);
}

static void test_auto_falls_back_to_generic(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_AUTO };
	struct fp_xdp_link *link;
	struct capture c;
	const char *err;

	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, ifb_idx, &o, &link), 0);
	err = capture_end(&c);
	assert_int_equal(fp_xdp_link_mode(link), FP_XDP_MODE_GENERIC);
	assert_int_equal(query(ifb_idx).mode, FP_XDP_MODE_GENERIC);
	assert_int_equal(query(ifb_idx).prog_id, prog_id(PROG_A));
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "warning: " IFB ": native XDP is not available"));
	assert_non_null(strstr(err, "driver 'ifb'"));
	assert_non_null(strstr(err, "falling back to generic XDP"));
	fp_xdp_detach(link);
	assert_nothing_attached(ifb_idx);
}

static void test_native_only_fails_clearly(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE };
	struct fp_xdp_link *link = (void *)1;
	struct capture c;
	const char *err;

	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, ifb_idx, &o, &link), -EOPNOTSUPP);
	err = capture_end(&c);
	assert_null(link);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "fastpath: cannot attach 'probe_pass' to " IFB " in native mode"));
	assert_non_null(strstr(err, "driver 'ifb' has no native XDP"));
	assert_non_null(strstr(err, "--xdp-mode generic"));
	assert_nothing_attached(ifb_idx);
}

static void test_refuses_foreign_netlink_program(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_AUTO };
	struct fp_xdp_link *link;
	struct capture c;
	char want[160];
	const char *err;

	assert_int_equal(bpf_xdp_attach(veth_idx, bpf_program__fd(PROG_F),
					XDP_FLAGS_DRV_MODE, NULL), 0);
	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), -EBUSY);
	err = capture_end(&c);
	assert_int_equal(count_lines(err), 1);
	snprintf(want, sizeof(want),
		 "fastpath: " VETH0 " already has XDP program 'probe_pass' (id %u, native mode)",
		 prog_id(PROG_F));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "'ip link set dev " VETH0 " xdp off'"));
	assert_non_null(strstr(err, "--force"));
	/* The foreign program is still there, untouched. */
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_F));
	assert_false(query(veth_idx).via_link);
	assert_int_equal(bpf_xdp_detach(veth_idx, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_nothing_attached(veth_idx);
}

static void test_refuses_foreign_link(void **state)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_DRV_MODE);
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE };
	struct fp_xdp_link *link;
	struct capture c;
	const char *err;
	int fd;

	fd = bpf_link_create(bpf_program__fd(PROG_F), veth_idx, BPF_XDP, &lo);
	assert_true(fd >= 0);
	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), -EBUSY);
	err = capture_end(&c);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "held by bpf_link"));
	assert_non_null(strstr(err, "--force"));
	assert_null(strstr(err, "ip link set"));	/* would not work */
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_F));
	assert_true(query(veth_idx).via_link);
	close(fd);
	assert_nothing_attached(veth_idx);
}

static void test_force_replaces_netlink_program(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE, .force = true };
	struct fp_xdp_link *link;
	struct capture c;
	const char *err;

	assert_int_equal(bpf_xdp_attach(veth_idx, bpf_program__fd(PROG_F),
					XDP_FLAGS_DRV_MODE, NULL), 0);
	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), 0);
	err = capture_end(&c);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "warning: --force: detached XDP program 'probe_pass'"));
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_A));
	assert_true(query(veth_idx).via_link);
	fp_xdp_detach(link);
	assert_nothing_attached(veth_idx);
}

static void test_force_replaces_foreign_link(void **state)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_SKB_MODE);
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_AUTO, .force = true };
	struct fp_xdp_link *link;
	struct capture c;
	const char *err;
	int fd;

	/* Generic on purpose: --force then must clear the other mode too. */
	fd = bpf_link_create(bpf_program__fd(PROG_F), veth_idx, BPF_XDP, &lo);
	assert_true(fd >= 0);
	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), 0);
	err = capture_end(&c);
	assert_non_null(strstr(err, "--force: detached XDP program 'probe_pass'"));
	assert_non_null(strstr(err, "generic mode"));
	assert_int_equal(fp_xdp_link_mode(link), FP_XDP_MODE_NATIVE);
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_A));
	/* The foreign link still exists but holds nothing any more. */
	assert_int_equal(link_ifindex(fd), 0);
	close(fd);
	fp_xdp_detach(link);
	assert_nothing_attached(veth_idx);
}

struct watcher {
	atomic_bool stop;
	atomic_int gaps;	/* queries that saw no program */
	atomic_int seen;
};

static void *watch(void *arg)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct watcher *w = arg;

	while (!atomic_load(&w->stop)) {
		if (bpf_xdp_query(veth_idx, 0, &q) || !q.drv_prog_id)
			atomic_fetch_add(&w->gaps, 1);
		atomic_fetch_add(&w->seen, 1);
	}
	return NULL;
}

static void test_replace_is_atomic(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE };
	struct watcher w = { 0 };
	struct fp_xdp_link *link;
	uint32_t link_id;
	pthread_t t;
	int i;

	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), 0);
	link_id = query(veth_idx).link_id;
	assert_true(link_id > 0);

	assert_int_equal(pthread_create(&t, NULL, watch, &w), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(fp_xdp_replace(link, i & 1 ? PROG_A : PROG_B), 0);
	atomic_store(&w.stop, true);
	pthread_join(t, NULL);

	/* The same link now holds B: swapped in place, never re-created. */
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_A));
	assert_int_equal(fp_xdp_replace(link, PROG_B), 0);
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_B));
	assert_int_equal(query(veth_idx).link_id, link_id);
	assert_true(atomic_load(&w.seen) > 0);
	assert_int_equal(atomic_load(&w.gaps), 0);
	fp_xdp_detach(link);
	assert_nothing_attached(veth_idx);
}

static void test_attach_twice_is_refused(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE };
	struct fp_xdp_link *link, *again;
	struct capture c;
	const char *err;

	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &link), 0);
	capture_start(&c);
	assert_int_equal(fp_xdp_attach(PROG_B, veth_idx, &o, &again), -EBUSY);
	err = capture_end(&c);
	assert_non_null(strstr(err, "attached by this process"));
	assert_non_null(strstr(err, "fp_xdp_replace()"));
	fp_xdp_detach(link);
	assert_nothing_attached(veth_idx);
}

static void test_detach_all(void **state)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_AUTO };
	struct fp_xdp_link *a, *b;
	struct capture c;

	assert_int_equal(fp_xdp_attach(PROG_A, veth_idx, &o, &a), 0);
	capture_start(&c);	/* the ifb fallback warning */
	assert_int_equal(fp_xdp_attach(PROG_B, ifb_idx, &o, &b), 0);
	capture_end(&c);
	assert_int_equal(query(veth_idx).prog_id, prog_id(PROG_A));
	assert_int_equal(query(ifb_idx).prog_id, prog_id(PROG_B));
	fp_xdp_detach_all();
	assert_nothing_attached(veth_idx);
	assert_nothing_attached(ifb_idx);
}

static void test_unloaded_program_is_refused(void **state)
{
	static const char *const none[] = { NULL };
	struct fp_xdp_attach_opts o = { 0 };
	struct fp_probe *skel = open_with(none);
	struct fp_xdp_link *link;
	struct capture c;
	const char *err;

	capture_start(&c);
	assert_int_equal(fp_xdp_attach(skel->progs.probe_pass, veth_idx, &o,
				       &link), -EINVAL);
	err = capture_end(&c);
	assert_non_null(strstr(err, "not loaded"));
	fp_probe__destroy(skel);
	assert_nothing_attached(veth_idx);
}

static void test_verifier_rejection_one_line(void **state)
{
	static const char *const bad[] = { "probe_bad_oob", NULL };
	struct fp_probe *skel = open_with(bad);
	struct capture c;
	const char *err;
	int ret;

	capture_start(&c);
	ret = fp_bpf_load(skel->obj, "loader-test");
	err = capture_end(&c);
	assert_true(ret == -EACCES || ret == -EINVAL);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "fastpath: loader-test: the verifier rejected program probe_bad_oob: "));
	assert_non_null(strstr(err, "outside of the packet"));
	assert_non_null(strstr(err, ", at probe.bpf.c:"));
	assert_non_null(strstr(err, "(run with -v for the full log)\n"));
	fp_probe__destroy(skel);
}

static void test_verifier_full_log_at_v(void **state)
{
	static const char *const bad[] = { "probe_bad_oob", NULL };
	struct fp_probe *skel = open_with(bad);
	enum fp_log_level old = fp_log_get_level();
	struct capture c;
	const char *err;

	fp_log_set_level(FP_LOG_DEBUG);
	capture_start(&c);
	assert_true(fp_bpf_load(skel->obj, "loader-test") < 0);
	err = capture_end(&c);
	fp_log_set_level(old);
	assert_true(count_lines(err) > 4);
	assert_non_null(strstr(err, "verifier log of program probe_bad_oob:"));
	assert_non_null(strstr(err, "processed "));	/* the kernel's statistics */
	assert_non_null(strstr(err, "(full log above)\n"));
	fp_probe__destroy(skel);
}

static void test_quiet_load_gives_reason(void **state)
{
	static const char *const bad[] = { "probe_bad_oob", NULL };
	struct fp_probe *skel = open_with(bad);
	struct capture c;
	char why[256] = "";
	const char *err;

	capture_start(&c);
	assert_true(fp_bpf_load_quiet(skel->obj, why, sizeof(why)) < 0);
	err = capture_end(&c);
	assert_string_equal(err, "");
	assert_non_null(strstr(why, "verifier: "));
	assert_non_null(strstr(why, "outside of the packet"));
	fp_probe__destroy(skel);
}

static void test_global_data_is_shared(void **state)
{
	static const char *const drop[] = { "probe_drop", NULL };
	static const unsigned char frame[64] = { 0x02 };
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = 3);
	struct fp_probe *skel = open_with(drop);

	assert_int_equal(fp_bpf_load(skel->obj, "loader-test"), 0);
	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.probe_drop), &run), 0);
	assert_int_equal(run.retval, XDP_DROP);
	/* skel->bss must be the kernel's map, as after a skeleton load. */
	assert_int_equal(skel->bss->probe_drops, 3);
	skel->bss->probe_drops = 100;
	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.probe_drop), &run), 0);
	assert_int_equal(skel->bss->probe_drops, 103);
	fp_probe__destroy(skel);
}

/* Without capabilities: one line saying what is missing, and -EPERM. */
static void test_not_root(void **state)
{
	static const char *const pass[] = { "probe_pass", NULL };
	struct capture c;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct fp_probe *skel = open_with(pass);
		cap_t none = cap_init();
		const char *err;
		int ret;

		if (cap_set_proc(none))
			_exit(10);
		capture_start(&c);
		ret = fp_bpf_load(skel->obj, "loader-test");
		err = capture_end(&c);
		if (ret != -EPERM)
			_exit(11);
		if (count_lines(err) != 1 || !strstr(err, "CAP_BPF") ||
		    !strstr(err, "root"))
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test(test_native_on_veth),
		cmocka_unit_test(test_auto_on_veth_is_native_and_quiet),
		cmocka_unit_test(test_auto_falls_back_to_generic),
		cmocka_unit_test(test_native_only_fails_clearly),
		cmocka_unit_test(test_refuses_foreign_netlink_program),
		cmocka_unit_test(test_refuses_foreign_link),
		cmocka_unit_test(test_force_replaces_netlink_program),
		cmocka_unit_test(test_force_replaces_foreign_link),
		cmocka_unit_test(test_replace_is_atomic),
		cmocka_unit_test(test_attach_twice_is_refused),
		cmocka_unit_test(test_detach_all),
		cmocka_unit_test(test_unloaded_program_is_refused),
		cmocka_unit_test(test_verifier_rejection_one_line),
		cmocka_unit_test(test_verifier_full_log_at_v),
		cmocka_unit_test(test_quiet_load_gives_reason),
		cmocka_unit_test(test_global_data_is_shared),
		cmocka_unit_test(test_not_root),
	};

	fp_log_hook_libbpf();
	return cmocka_run_group_tests_name("loader", tests, setup, teardown);
}
