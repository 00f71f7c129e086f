// SPDX-License-Identifier: MIT
/*
 * Named namespaces: create/delete like `ip netns`, enter/leave per thread
 * and always back.  Needs root (as all of `make test`); the namespace it
 * makes is named after the process and removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fastpath/netns.h"

static char name[64];

static ino_t my_netns(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

static ino_t named_netns(void)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int setup(void **state)
{
	snprintf(name, sizeof(name), "fp-unit-netns-%d", (int)getpid());
	fp_netns_delete(name);
	return fp_netns_create(name);
}

static int teardown(void **state)
{
	char other[80];

	/* Also what a failed test may have left. */
	snprintf(other, sizeof(other), "%s-t", name);
	fp_netns_delete(other);
	snprintf(other, sizeof(other), "%s-d", name);
	fp_netns_delete(other);
	return fp_netns_delete(name);
}

static void test_create_exists(void **state)
{
	assert_true(fp_netns_exists(name));
	assert_int_equal(fp_netns_create(name), -EEXIST);
	assert_false(fp_netns_exists("fp-unit-no-such-ns"));
	assert_int_equal(fp_netns_create("a/b"), -EINVAL);
	assert_int_equal(fp_netns_create(".."), -EINVAL);
	assert_int_equal(fp_netns_create(""), -EINVAL);
	/* A different namespace from ours. */
	assert_true(named_netns() != my_netns());
}

static void test_enter_leave(void **state)
{
	ino_t home = my_netns();
	int saved;

	assert_int_equal(fp_netns_enter(name, &saved), 0);
	assert_true(saved >= 0);
	assert_true(my_netns() == named_netns());
	assert_int_equal(fp_netns_leave(saved), 0);
	assert_true(my_netns() == home);

	assert_int_equal(fp_netns_enter("fp-unit-no-such-ns", &saved), -ENOENT);
	assert_int_equal(saved, -1);
	assert_true(my_netns() == home);
	assert_int_equal(fp_netns_leave(-1), -EBADF);
}

static int inside(void *arg)
{
	*(ino_t *)arg = my_netns();
	return 42;
}

static void test_run(void **state)
{
	ino_t home = my_netns(), seen = 0;

	assert_int_equal(fp_netns_run(name, inside, &seen), 42);
	assert_true(seen == named_netns());
	assert_true(my_netns() == home);
	assert_int_equal(fp_netns_run("fp-unit-no-such-ns", inside, &seen),
			 -ENOENT);
}

static void *thread_enter(void *arg)
{
	int saved;

	if (fp_netns_enter(name, &saved))
		return NULL;
	*(ino_t *)arg = my_netns();
	/* Stay inside: leaving is not needed for the main thread to be home. */
	close(saved);
	return arg;
}

static void test_per_thread(void **state)
{
	ino_t home = my_netns(), seen = 0;
	pthread_t t;
	void *ret;

	assert_int_equal(pthread_create(&t, NULL, thread_enter, &seen), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_non_null(ret);
	assert_true(seen == named_netns());
	assert_true(my_netns() == home);
}

/* A namespace made by a non-main thread is that thread's, not the
 * thread group leader's (the /proc/thread-self vs /proc/self trap). */
static void *thread_create(void *arg)
{
	char *nm = arg;

	return fp_netns_create(nm) ? NULL : arg;
}

static void test_create_from_thread(void **state)
{
	char other[80];
	ino_t home = my_netns();
	pthread_t t;
	void *ret;
	int saved;

	snprintf(other, sizeof(other), "%s-t", name);
	fp_netns_delete(other);
	assert_int_equal(pthread_create(&t, NULL, thread_create, other), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_non_null(ret);
	assert_int_equal(fp_netns_enter(other, &saved), 0);
	assert_true(my_netns() != home);
	assert_int_equal(fp_netns_leave(saved), 0);
	assert_int_equal(fp_netns_delete(other), 0);
}

static int find_cb(const char *n, void *ctx)
{
	return strcmp(n, name) ? 0 : 7;
}

static void test_foreach(void **state)
{
	assert_int_equal(fp_netns_foreach(find_cb, NULL), 7);
}

static void test_delete(void **state)
{
	char other[80], path[128];
	int fd;

	snprintf(other, sizeof(other), "%s-d", name);
	assert_int_equal(fp_netns_create(other), 0);
	assert_int_equal(fp_netns_delete(other), 0);
	assert_false(fp_netns_exists(other));
	assert_int_equal(fp_netns_delete(other), -ENOENT);
	/* The leftover of a create killed before it mounted the namespace. */
	snprintf(path, sizeof(path), "/run/netns/%s", other);
	fd = open(path, O_CREAT | O_WRONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_false(fp_netns_exists(other));
	assert_int_equal(fp_netns_delete(other), 0);
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_exists),
		cmocka_unit_test(test_enter_leave),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_per_thread),
		cmocka_unit_test(test_create_from_thread),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_delete),
	};

	return cmocka_run_group_tests_name("netns", tests, setup, teardown);
}
