// SPDX-License-Identifier: MIT
/*
 * fp_utable, the user-space twins of BPF maps: every operation on every
 * type with every flag and the exact error codes, iteration (each key once),
 * counts, longest-prefix match on hand-written IPv4 and IPv6 tables,
 * per-worker slots summed by fp_utable_read(), RCU replacement (a reader's
 * old pointer keeps the old value), and concurrency: two reader threads
 * look up in a loop while a writer thread (never registered with RCU
 * itself) replaces and deletes the same keys with values whose bytes all
 * equal a generation number; a reader must never see two generations in
 * one value.  tests/prog/test_utable_vs_bpf.c checks the same semantics
 * against the kernel's maps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastpath/utable.h"

static struct fp_utable *mk(enum fp_utable_type type, uint32_t ks,
			    uint32_t vs, uint32_t max, uint32_t nslots)
{
	struct fp_utable *t = NULL;

	assert_int_equal(fp_utable_create(type, ks, vs, max, nslots, &t), 0);
	assert_non_null(t);
	return t;
}

/* --- create --------------------------------------------------------------- */

static void test_create_errors(void **state)
{
	struct fp_utable *t = (void *)1;
	int saved, devnull;

	/* Expected errors print one line each; keep the test output quiet. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	devnull = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && devnull >= 0);
	dup2(devnull, STDERR_FILENO);
	close(devnull);
	assert_int_equal(fp_utable_create(FP_UTABLE_HASH, 0, 8, 10, 0, &t), -EINVAL);
	assert_null(t);
	assert_int_equal(fp_utable_create(FP_UTABLE_HASH, 4, 0, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_HASH, 4, 8, 0, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_HASH, 4, 4u << 20, 10, 0, &t), -E2BIG);
	assert_int_equal(fp_utable_create(FP_UTABLE_HASH, 4, 4, 1u << 28, 0, &t), -E2BIG);
	assert_int_equal(fp_utable_create(FP_UTABLE_ARRAY, 8, 8, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_ARRAY, 4, 0, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_ARRAY, 4, 8, 0, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_PERCPU_ARRAY, 4, 8, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_PERCPU_ARRAY, 4, 40000, 10, 2, &t), -E2BIG);
	assert_int_equal(fp_utable_create(FP_UTABLE_LPM, 4, 8, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_LPM, 4 + 257, 8, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create(FP_UTABLE_LPM, 8, 0, 10, 0, &t), -EINVAL);
	assert_int_equal(fp_utable_create((enum fp_utable_type)99, 4, 4, 10, 0, &t), -EINVAL);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fp_utable_free(NULL);
}

/* --- hash ------------------------------------------------------------------- */

static void test_hash_ops(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_HASH, 4, 8, 4, 0);
	uint32_t k = 7, k2 = 8, nk;
	uint64_t v = 100, out = 0, *p;

	assert_int_equal(fp_utable_count(t), 0);
	assert_null(fp_utable_lookup(t, &k));
	assert_int_equal(fp_utable_read(t, &k, &out), -ENOENT);
	assert_int_equal(fp_utable_get_next_key(t, NULL, &nk), -ENOENT);
	assert_int_equal(fp_utable_get_next_key(t, &k, &nk), -ENOENT);
	assert_int_equal(fp_utable_delete(t, &k), -ENOENT);

	/* EXIST on a missing key, NOEXIST to insert, NOEXIST again. */
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), -ENOENT);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), 0);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), -EEXIST);
	assert_int_equal(fp_utable_count(t), 1);
	fp_rcu_thread_online();
	p = fp_utable_lookup(t, &k);
	assert_non_null(p);
	assert_int_equal(*p, 100);
	assert_int_equal((uintptr_t)p % 8, 0);
	fp_rcu_thread_offline();

	/* EXIST and ANY replace. */
	v = 200;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), 0);
	assert_int_equal(fp_utable_read(t, &k, &out), 0);
	assert_int_equal(out, 200);
	v = 300;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), 0);
	assert_int_equal(fp_utable_read(t, &k, &out), 0);
	assert_int_equal(out, 300);
	assert_int_equal(fp_utable_update(t, &k2, &v, FP_UTABLE_ANY), 0);
	assert_int_equal(fp_utable_count(t), 2);

	/* Unknown flags, whatever the key's state. */
	assert_int_equal(fp_utable_update(t, &k, &v, 3), -EINVAL);
	assert_int_equal(fp_utable_update(t, &k, &v, 4), -EINVAL);	/* BPF_F_LOCK */
	assert_int_equal(fp_utable_update(t, &k, &v, ~0ULL), -EINVAL);
	assert_int_equal(fp_utable_update(t, &nk, &v, 8), -EINVAL);

	assert_int_equal(fp_utable_delete(t, &k), 0);
	assert_int_equal(fp_utable_delete(t, &k), -ENOENT);
	assert_int_equal(fp_utable_read(t, &k, &out), -ENOENT);
	assert_int_equal(fp_utable_count(t), 1);
	/* A missing key restarts iteration at the first key. */
	assert_int_equal(fp_utable_get_next_key(t, &k, &nk), 0);
	assert_int_equal(nk, k2);
	assert_int_equal(fp_utable_get_next_key(t, &k2, &nk), -ENOENT);
	fp_utable_free(t);
}

static void test_hash_full(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_HASH, 4, 4, 3, 0);
	uint32_t k, v = 1, out;

	for (k = 0; k < 3; k++)
		assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), 0);
	k = 3;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), -E2BIG);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), -E2BIG);
	/* Flags are judged before capacity. */
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), -ENOENT);
	k = 1;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), -EEXIST);
	/* Replacing in a full table works. */
	v = 9;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), 0);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), 0);
	assert_int_equal(fp_utable_read(t, &k, &out), 0);
	assert_int_equal(out, 9);
	assert_int_equal(fp_utable_count(t), 3);
	/* A delete makes room again. */
	assert_int_equal(fp_utable_delete(t, &k), 0);
	k = 3;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), 0);
	assert_int_equal(fp_utable_count(t), 3);
	fp_utable_free(t);
}

/* Walk with get_next_key; every key in [0, n) must come exactly once. */
static void walk_u32(struct fp_utable *t, uint32_t n, bool (*present)(uint32_t))
{
	uint8_t *seen = calloc(n, 1);
	uint32_t k, nk, visits = 0, expect = 0;
	int ret;

	assert_non_null(seen);
	for (ret = fp_utable_get_next_key(t, NULL, &nk); !ret;
	     ret = fp_utable_get_next_key(t, &k, &nk)) {
		assert_true(nk < n);
		assert_int_equal(seen[nk], 0);
		seen[nk] = 1;
		visits++;
		k = nk;
	}
	assert_int_equal(ret, -ENOENT);
	for (k = 0; k < n; k++) {
		assert_int_equal(seen[k], present(k));
		expect += present(k);
	}
	assert_int_equal(visits, expect);
	free(seen);
}

static bool all_keys(uint32_t k)
{
	return true;
}

static bool odd_keys(uint32_t k)
{
	return k & 1;
}

static void test_hash_iterate(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_HASH, 4, 4, 5000, 0);
	uint32_t k;

	for (k = 0; k < 3000; k++)
		assert_int_equal(fp_utable_update(t, &k, &k, FP_UTABLE_NOEXIST), 0);
	assert_int_equal(fp_utable_count(t), 3000);
	walk_u32(t, 3000, all_keys);
	for (k = 0; k < 3000; k += 2)
		assert_int_equal(fp_utable_delete(t, &k), 0);
	assert_int_equal(fp_utable_count(t), 1500);
	walk_u32(t, 3000, odd_keys);
	fp_utable_free(t);
}

/*
 * Key j: 0x5a bytes with j (16 bits) written at offset j % (size - 1), so
 * every byte position of every key size feeds the hash and the compare.
 * j whose bytes contain 0x5a are skipped: keys are then all distinct.
 */
static bool size_key(uint8_t *key, uint32_t ks, uint32_t j)
{
	memset(key, 0x5a, ks);
	if (ks == 1) {
		key[0] = (uint8_t)j;
		return true;
	}
	if ((j & 0xff) == 0x5a || (j >> 8) == 0x5a)
		return false;
	key[j % (ks - 1)] = (uint8_t)j;
	key[j % (ks - 1) + 1] = (uint8_t)(j >> 8);
	return true;
}

static void test_hash_key_sizes(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 15,
					  16, 17, 24, 31, 32, 33, 64, 100, 512 };
	uint8_t key[512], out[16];
	size_t i;
	uint32_t j, n, count;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t ks = sizes[i];
		struct fp_utable *t = mk(FP_UTABLE_HASH, ks, 16, 1000, 0);

		n = ks == 1 ? 160 : 900;	/* 0xa5 stays out */
		for (j = 0, count = 0; j < n; j++) {
			if (!size_key(key, ks, j))
				continue;
			memset(out, (int)(j & 0xff), sizeof(out));
			assert_int_equal(fp_utable_update(t, key, out, FP_UTABLE_NOEXIST), 0);
			count++;
		}
		assert_int_equal(fp_utable_count(t), count);
		for (j = 0; j < n; j++) {
			if (!size_key(key, ks, j))
				continue;
			assert_int_equal(fp_utable_read(t, key, out), 0);
			assert_int_equal(out[0], j & 0xff);
			assert_int_equal(out[15], j & 0xff);
		}
		memset(key, 0xa5, ks);
		assert_int_equal(fp_utable_read(t, key, out), -ENOENT);
		fp_utable_free(t);
	}
}

/*
 * update() of a present key publishes a new element: a pointer a reader got
 * before keeps showing the old value until the reader's quiescent state,
 * while writes through the current pointer are seen by later lookups.
 */
static void test_hash_replace_is_rcu(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_HASH, 8, 16, 16, 0);
	uint64_t k = 42, v[2] = { 1, 1 }, *old, *cur;

	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_ANY), 0);
	fp_rcu_thread_online();
	fp_rcu_thread_online();		/* twice is harmless */
	old = fp_utable_lookup(t, &k);
	assert_non_null(old);
	v[0] = v[1] = 2;
	/* From an online thread: no implicit online/offline. */
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_EXIST), 0);
	cur = fp_utable_lookup(t, &k);
	assert_ptr_not_equal(old, cur);
	assert_int_equal(old[0], 1);
	assert_int_equal(old[1], 1);
	assert_int_equal(cur[0], 2);
	cur[1] += 40;			/* a counter written in place */
	fp_rcu_quiescent();
	cur = fp_utable_lookup(t, &k);
	assert_int_equal(cur[1], 42);
	fp_rcu_thread_offline();
	fp_rcu_thread_offline();	/* twice is harmless */
	fp_utable_free(t);

	/* Freeing from an online thread must not wait for itself. */
	t = mk(FP_UTABLE_HASH, 8, 16, 1 << 12, 0);
	for (k = 0; k < 3000; k++)
		assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_ANY), 0);
	fp_rcu_thread_online();
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_ANY), 0);
	fp_utable_free(t);
	fp_rcu_quiescent();
	fp_rcu_thread_offline();
}

/* --- arrays ------------------------------------------------------------------ */

static void test_array_ops(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_ARRAY, 4, 12, 10, 0);
	uint32_t k = 3, nk, v[3] = { 1, 2, 3 }, out[3] = { 9, 9, 9 }, *old, *cur;

	assert_int_equal(fp_utable_count(t), 10);
	/* Every entry exists and starts zeroed. */
	assert_int_equal(fp_utable_read(t, &k, out), 0);
	assert_int_equal(out[0] | out[1] | out[2], 0);
	k = 10;
	assert_int_equal(fp_utable_read(t, &k, out), -ENOENT);
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_ANY), -E2BIG);
	/* Index before NOEXIST, flags before index. */
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_NOEXIST), -E2BIG);
	assert_int_equal(fp_utable_update(t, &k, v, 3), -EINVAL);
	k = 3;
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_NOEXIST), -EEXIST);
	assert_int_equal(fp_utable_update(t, &k, v, 4), -EINVAL);
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_EXIST), 0);
	assert_int_equal(fp_utable_read(t, &k, out), 0);
	assert_memory_equal(out, v, sizeof(v));
	assert_int_equal(fp_utable_delete(t, &k), -EINVAL);
	k = 99;
	assert_int_equal(fp_utable_delete(t, &k), -EINVAL);

	fp_rcu_thread_online();
	k = 3;
	old = fp_utable_lookup(t, &k);
	assert_non_null(old);
	assert_int_equal((uintptr_t)old % 8, 0);
	v[0] = 7;
	assert_int_equal(fp_utable_update(t, &k, v, FP_UTABLE_ANY), 0);
	cur = fp_utable_lookup(t, &k);
	assert_int_equal(old[0], 1);	/* replaced, not overwritten */
	assert_int_equal(cur[0], 7);
	cur[2] = 33;
	assert_int_equal(((uint32_t *)fp_utable_lookup(t, &k))[2], 33);
	k = 10;
	assert_null(fp_utable_lookup(t, &k));
	k = UINT32_MAX;
	assert_null(fp_utable_lookup(t, &k));
	fp_rcu_thread_offline();

	/* get_next_key: NULL or out of range -> 0, last -> -ENOENT. */
	assert_int_equal(fp_utable_get_next_key(t, NULL, &nk), 0);
	assert_int_equal(nk, 0);
	k = 4;
	assert_int_equal(fp_utable_get_next_key(t, &k, &nk), 0);
	assert_int_equal(nk, 5);
	k = 9;
	assert_int_equal(fp_utable_get_next_key(t, &k, &nk), -ENOENT);
	k = 10;
	assert_int_equal(fp_utable_get_next_key(t, &k, &nk), 0);
	assert_int_equal(nk, 0);
	walk_u32(t, 10, all_keys);
	fp_utable_free(t);
}

static void test_percpu_array(void **state)
{
	enum { SLOTS = 3 };
	struct fp_utable *t = mk(FP_UTABLE_PERCPU_ARRAY, 4, 4, 8, SLOTS);
	uint64_t in[SLOTS], out[SLOTS];	/* values padded to 8 bytes */
	uint32_t k = 5, s, *p, sum;

	assert_int_equal(fp_utable_count(t), 8);
	/* Each worker counts in its own slot, in place. */
	fp_rcu_thread_online();
	for (s = 0; s < SLOTS; s++) {
		fp_utable_set_slot(s);
		p = fp_utable_lookup(t, &k);
		assert_non_null(p);
		assert_int_equal(*p, 0);
		*p += 10 * (s + 1);
	}
	fp_utable_set_slot(SLOTS);
	assert_null(fp_utable_lookup(t, &k));
	fp_utable_set_slot(0);
	fp_rcu_thread_offline();

	/* The control path reads every slot, and sums them. */
	assert_int_equal(fp_utable_read(t, &k, out), 0);
	for (sum = 0, s = 0; s < SLOTS; s++) {
		assert_int_equal((uint32_t)out[s], 10 * (s + 1));
		sum += (uint32_t)out[s];
	}
	assert_int_equal(sum, 60);

	/* update() sets every slot, padding included (as the syscall). */
	for (s = 0; s < SLOTS; s++)
		in[s] = 0xabcd000000000000ULL | s;
	assert_int_equal(fp_utable_update(t, &k, in, FP_UTABLE_ANY), 0);
	assert_int_equal(fp_utable_read(t, &k, out), 0);
	assert_memory_equal(in, out, sizeof(in));
	fp_rcu_thread_online();
	fp_utable_set_slot(2);
	p = fp_utable_lookup(t, &k);
	assert_int_equal(*p, 2);
	fp_utable_set_slot(0);
	fp_rcu_thread_offline();
	assert_int_equal(fp_utable_update(t, &k, in, FP_UTABLE_NOEXIST), -EEXIST);
	k = 8;
	assert_int_equal(fp_utable_update(t, &k, in, FP_UTABLE_ANY), -E2BIG);
	assert_int_equal(fp_utable_read(t, &k, out), -ENOENT);
	assert_int_equal(fp_utable_delete(t, &k), -EINVAL);
	walk_u32(t, 8, all_keys);
	fp_utable_free(t);
}

/* --- LPM --------------------------------------------------------------------- */

struct k4 {
	uint32_t plen;
	uint8_t a[4];
};

struct k6 {
	uint32_t plen;
	uint8_t a[16];
};

static struct k4 v4(const char *addr, uint32_t plen)
{
	struct k4 k = { .plen = plen };

	assert_int_equal(inet_pton(AF_INET, addr, k.a), 1);
	return k;
}

static struct k6 v6(const char *addr, uint32_t plen)
{
	struct k6 k = { .plen = plen };

	assert_int_equal(inet_pton(AF_INET6, addr, k.a), 1);
	return k;
}

static uint32_t lpm_get(struct fp_utable *t, const void *key)
{
	uint32_t out;
	uint32_t *p;

	fp_rcu_thread_online();
	p = fp_utable_lookup(t, key);
	fp_rcu_thread_offline();
	if (fp_utable_read(t, key, &out))
		out = 0;
	/* The data-path lookup and the copy agree. */
	assert_int_equal(p ? *p : 0, out);
	return out;
}

static void add4(struct fp_utable *t, const char *a, uint32_t plen, uint32_t v)
{
	struct k4 k = v4(a, plen);

	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), 0);
}

static uint32_t get4(struct fp_utable *t, const char *a, uint32_t plen)
{
	struct k4 k = v4(a, plen);

	return lpm_get(t, &k);
}

static void test_lpm_ipv4(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_LPM, 8, 4, 16, 0);
	struct k4 k, nk;
	uint32_t v = 77;

	assert_int_equal(get4(t, "198.18.1.1", 32), 0);
	add4(t, "198.18.0.0", 15, 15);
	add4(t, "198.18.0.0", 16, 16);
	add4(t, "198.18.1.0", 24, 24);
	add4(t, "198.18.1.7", 32, 32);
	add4(t, "198.19.128.0", 17, 17);
	add4(t, "198.18.1.128", 25, 25);
	assert_int_equal(fp_utable_count(t), 6);

	assert_int_equal(get4(t, "198.18.1.7", 32), 32);
	assert_int_equal(get4(t, "198.18.1.8", 32), 24);
	assert_int_equal(get4(t, "198.18.1.200", 32), 25);
	assert_int_equal(get4(t, "198.18.2.1", 32), 16);
	assert_int_equal(get4(t, "198.19.0.1", 32), 15);
	assert_int_equal(get4(t, "198.19.200.1", 32), 17);
	assert_int_equal(get4(t, "198.20.0.1", 32), 0);
	assert_int_equal(get4(t, "10.0.0.1", 32), 0);
	/* The key's own prefix length bounds the match. */
	assert_int_equal(get4(t, "198.18.1.7", 31), 24);
	assert_int_equal(get4(t, "198.18.1.7", 23), 16);
	assert_int_equal(get4(t, "198.18.1.7", 15), 15);
	assert_int_equal(get4(t, "198.18.1.7", 14), 0);
	/* Longer than the key: not found (the kernel returns NULL too). */
	assert_int_equal(get4(t, "198.18.1.7", 33), 0);

	/* A default route catches the rest. */
	add4(t, "0.0.0.0", 0, 1);
	assert_int_equal(get4(t, "10.0.0.1", 32), 1);
	assert_int_equal(get4(t, "198.18.1.7", 0), 1);

	/* Bits beyond the prefix length do not matter for matching... */
	k = v4("198.18.1.99", 24);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), -EEXIST);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), 0);
	assert_int_equal(get4(t, "198.18.1.8", 32), 77);
	/* ...but the key is kept as given, as the kernel does. */
	k = v4("198.18.1.0", 24);
	for (assert_int_equal(fp_utable_get_next_key(t, NULL, &nk), 0);
	     nk.plen != 24;
	     assert_int_equal(fp_utable_get_next_key(t, &nk, &nk), 0))
		;
	assert_int_equal(nk.a[3], 99);

	/* EXIST / NOEXIST / delete like the hash. */
	k = v4("198.18.3.0", 24);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), -ENOENT);
	assert_int_equal(fp_utable_delete(t, &k), -ENOENT);
	k = v4("198.18.1.7", 32);
	assert_int_equal(fp_utable_delete(t, &k), 0);
	assert_int_equal(fp_utable_delete(t, &k), -ENOENT);
	assert_int_equal(get4(t, "198.18.1.7", 32), 77);
	k = v4("198.18.1.1", 24);	/* same prefix as 198.18.1.99/24 */
	assert_int_equal(fp_utable_delete(t, &k), 0);
	assert_int_equal(get4(t, "198.18.1.7", 32), 16);
	assert_int_equal(fp_utable_count(t), 5);

	/* Prefix length above 32: -EINVAL for update and delete. */
	k = v4("198.18.1.7", 33);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), -EINVAL);
	assert_int_equal(fp_utable_delete(t, &k), -EINVAL);
	assert_int_equal(fp_utable_update(t, &k, &v, 3), -EINVAL);
	/* ...and restarts iteration. */
	assert_int_equal(fp_utable_get_next_key(t, &k, &nk), 0);
	fp_utable_free(t);
}

static void test_lpm_full(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_LPM, 8, 4, 2, 0);
	struct k4 k;
	uint32_t v = 5;

	add4(t, "198.18.0.0", 16, 16);
	add4(t, "198.18.0.0", 24, 24);
	/* Full: the LPM trie says -ENOSPC where the hash says -E2BIG. */
	k = v4("198.18.0.0", 20);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), -ENOSPC);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), -ENOSPC);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_EXIST), -ENOENT);
	k = v4("198.18.0.0", 24);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), -EEXIST);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), 0);
	assert_int_equal(get4(t, "198.18.0.1", 32), 5);
	assert_int_equal(fp_utable_count(t), 2);
	fp_utable_free(t);
}

static void test_lpm_ipv6(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_LPM, 20, 4, 64, 0);
	static const struct {
		const char *a;
		uint32_t plen;
	} rt[] = {
		{ "::", 0 },
		{ "2001:2::", 48 },
		{ "2001:2:0:1::", 64 },
		{ "2001:2:0:1:8000::", 65 },
		{ "2001:2:0:1::1", 128 },
		{ "2001:2:0:1::2", 127 },
		{ "2001:2:0:ff00::", 56 },
		{ "2001:3::", 33 },
	};
	static const struct {
		const char *a;
		uint32_t plen, expect;
	} q[] = {
		{ "2001:2:0:1::1", 128, 128 },
		{ "2001:2:0:1::3", 128, 127 },
		{ "2001:2:0:1::4", 128, 64 },
		{ "2001:2:0:1:8000::9", 128, 65 },
		{ "2001:2:0:1:7fff::", 128, 64 },
		{ "2001:2:0:2::1", 128, 48 },
		{ "2001:2:0:ff12::1", 128, 56 },
		{ "2001:2:1::", 128, 0 + 1 },		/* only ::/0 */
		{ "2001:3:7fff::", 128, 33 },
		{ "2001:3:8000::", 128, 1 },
		{ "2001:4::", 128, 1 },
		{ "2001:2:0:1::1", 100, 64 },
		{ "2001:2:0:1::1", 47, 1 },
		{ "2001:2:0:1::1", 129, 0 },
	};
	struct k6 k;
	size_t i;
	uint32_t v;

	for (i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		k = v6(rt[i].a, rt[i].plen);
		v = rt[i].plen ? rt[i].plen : 1;
		assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), 0);
	}
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		k = v6(q[i].a, q[i].plen);
		if (lpm_get(t, &k) != q[i].expect)
			fail_msg("%s/%u: got %u, expected %u", q[i].a, q[i].plen,
				 lpm_get(t, &k), q[i].expect);
	}
	k = v6("2001:2::", 129);
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), -EINVAL);
	/* Removing the /64 uncovers the /48 below it. */
	k = v6("2001:2:0:1::", 64);
	assert_int_equal(fp_utable_delete(t, &k), 0);
	k = v6("2001:2:0:1::4", 128);
	assert_int_equal(lpm_get(t, &k), 48);
	fp_utable_free(t);
}

/* Keys of 256 bits (the kernel's limit is 2048): lengths in every word. */
static void test_lpm_wide_keys(void **state)
{
	struct {
		uint32_t plen;
		uint8_t a[32];
	} k;
	struct fp_utable *t = mk(FP_UTABLE_LPM, 36, 4, 300, 0);
	uint32_t plen, v;

	for (plen = 0; plen <= 256; plen += 3) {
		memset(k.a, 0xc3, sizeof(k.a));
		k.plen = plen;
		v = plen + 1000;
		assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_NOEXIST), 0);
	}
	for (plen = 0; plen <= 256; plen++) {
		memset(k.a, 0xc3, sizeof(k.a));
		k.plen = plen;
		assert_int_equal(lpm_get(t, &k), plen / 3 * 3 + 1000);
		/* Flip the bit right after a stored prefix: that prefix still
		 * matches, the longer ones do not. */
		if (plen < 256) {
			k.plen = 256;
			k.a[plen / 8] ^= (uint8_t)(0x80 >> (plen % 8));
			assert_int_equal(lpm_get(t, &k), plen / 3 * 3 + 1000);
		}
	}
	k.plen = 257;
	assert_int_equal(fp_utable_update(t, &k, &v, FP_UTABLE_ANY), -EINVAL);
	fp_utable_free(t);
}

static void test_lpm_iterate(void **state)
{
	struct fp_utable *t = mk(FP_UTABLE_LPM, 8, 4, 2000, 0);
	uint8_t *seen = calloc(1u << 16, 1);
	struct k4 k, nk;
	uint32_t i, n = 0, visits = 0;
	int ret;

	assert_non_null(seen);
	assert_int_equal(fp_utable_get_next_key(t, NULL, &nk), -ENOENT);
	/* 1500 prefixes: 198.18.x.y/(16 + i % 17). */
	for (i = 0; i < 1500; i++) {
		k.plen = 16 + i % 17;
		k.a[0] = 198;
		k.a[1] = 18;
		k.a[2] = (uint8_t)(i * 7);
		k.a[3] = (uint8_t)(i * 13);
		ret = fp_utable_update(t, &k, &i, FP_UTABLE_NOEXIST);
		assert_true(ret == 0 || ret == -EEXIST);
		n += ret == 0;
	}
	assert_int_equal(fp_utable_count(t), n);
	for (ret = fp_utable_get_next_key(t, NULL, &nk); !ret;
	     ret = fp_utable_get_next_key(t, &k, &nk)) {
		uint32_t id;

		assert_int_equal(fp_utable_read(t, &nk, &id), 0);
		assert_true(id < 1500);
		assert_int_equal(seen[id], 0);
		seen[id] = 1;
		visits++;
		k = nk;
	}
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(visits, n);
	free(seen);
	fp_utable_free(t);
}

/*
 * Random churn against a plain reference (a list scanned for the longest
 * match): prefixes of every length 0..32, inserts, replaces and deletes
 * with every flag, so the length bitmap, the per-length counts and the
 * filter (rebuilt after many deletes) are exercised together.
 */
struct ref4 {
	uint32_t plen, addr, val;
};

static uint32_t ref_mask(uint32_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

static int ref_find(const struct ref4 *r, int n, uint32_t plen, uint32_t addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].plen == plen && r[i].addr == (addr & ref_mask(plen)))
			return i;
	return -1;
}

static void test_lpm_churn_vs_reference(void **state)
{
	enum { MAX = 48, POOLN = 80, OPS = 30000 };
	struct fp_utable *t = mk(FP_UTABLE_LPM, 8, 4, MAX, 0);
	struct ref4 ref[MAX], pool[POOLN];
	uint64_t rs = 42;
	int n = 0, i, j, best, op;
	uint32_t v, out, *p, addr, plen;
	struct k4 k;
	uint64_t flags;
	int expect, ret;

	for (i = 0; i < POOLN; i++) {
		rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
		pool[i].plen = (uint32_t)(rs >> 33) % 33;
		/* 198.18.0.0/15 plus a few bits: prefixes overlap a lot */
		pool[i].addr = 0xc6120000u | ((uint32_t)(rs >> 13) & 0x1ffff);
	}
	for (op = 0; op < OPS; op++) {
		rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (int)((rs >> 33) % POOLN);
		k.plen = pool[i].plen;
		addr = htonl(pool[i].addr ^ ((uint32_t)(rs >> 50) & 0xff));
		memcpy(k.a, &addr, 4);
		addr = ntohl(addr);
		j = ref_find(ref, n, k.plen, addr);
		switch ((rs >> 20) % 4) {
		case 0:
		case 1:
			flags = (rs >> 24) % 3;
			v = (uint32_t)op;
			if (j >= 0)
				expect = flags == FP_UTABLE_NOEXIST ? -EEXIST : 0;
			else if (flags == FP_UTABLE_EXIST)
				expect = -ENOENT;
			else
				expect = n == MAX ? -ENOSPC : 0;
			ret = fp_utable_update(t, &k, &v, flags);
			assert_int_equal(ret, expect);
			if (!ret && j >= 0)
				ref[j].val = v;
			else if (!ret)
				ref[n++] = (struct ref4){ k.plen, addr & ref_mask(k.plen), v };
			break;
		case 2:
			ret = fp_utable_delete(t, &k);
			assert_int_equal(ret, j >= 0 ? 0 : -ENOENT);
			if (j >= 0)
				ref[j] = ref[--n];
			break;
		default:
			/* Look up an address, bounded by a random length. */
			plen = (uint32_t)(rs >> 24) % 40 < 33 ? 32 : (uint32_t)(rs >> 24) % 33;
			k.plen = plen;
			for (best = -1, j = 0; j < n; j++)
				if (ref[j].plen <= plen &&
				    ref[j].addr == (addr & ref_mask(ref[j].plen)) &&
				    (best < 0 || ref[j].plen > ref[best].plen))
					best = j;
			ret = fp_utable_read(t, &k, &out);
			assert_int_equal(ret, best >= 0 ? 0 : -ENOENT);
			if (best >= 0)
				assert_int_equal(out, ref[best].val);
			fp_rcu_thread_online();
			p = fp_utable_lookup(t, &k);
			assert_int_equal(p ? *p : ~0u, best >= 0 ? ref[best].val : ~0u);
			fp_rcu_thread_offline();
			break;
		}
		assert_int_equal(fp_utable_count(t), n);
	}
	fp_utable_free(t);
}

/* --- concurrency ---------------------------------------------------------------- */

#define VSIZE 64
#define NKEYS 16
#define RUN_MS 300

struct conc {
	struct fp_utable *t;
	enum fp_utable_type type;
	atomic_bool stop;
	atomic_ulong lookups, hits, torn, bad;
	atomic_ulong writes;
};

struct reader_arg {
	struct conc *c;
	uint32_t slot;
};

static struct k4 lpm_conc_prefix(uint32_t i)
{
	/* 198.18.0.0/15 always present; /16, /24, /28 come and go. */
	static const uint32_t plens[] = { 15, 16, 24, 28 };
	struct k4 k = { .plen = plens[i % 4], .a = { 198, 18, 1, 5 } };

	return k;
}

static void make_key(struct conc *c, uint32_t i, void *key)
{
	if (c->type == FP_UTABLE_LPM) {
		struct k4 k = lpm_conc_prefix(i);

		memcpy(key, &k, sizeof(k));
	} else {
		memcpy(key, &i, sizeof(i));
	}
}

/* A value: bytes all equal to @gen, except LPM's first byte = prefix len. */
static bool value_ok(const struct conc *c, const uint8_t *v)
{
	size_t i, from = c->type == FP_UTABLE_LPM ? 1 : 0;

	if (c->type == FP_UTABLE_LPM && v[0] != 15 && v[0] != 16 &&
	    v[0] != 24 && v[0] != 28)
		return false;
	for (i = from + 1; i < VSIZE; i++)
		if (v[i] != v[from])
			return false;
	return true;
}

static void *reader(void *arg)
{
	struct reader_arg *ra = arg;
	struct conc *c = ra->c;
	const uint8_t *held[NKEYS];
	unsigned long lookups = 0, hits = 0, torn = 0, bad = 0;
	struct k4 probe = { .plen = 32, .a = { 198, 18, 1, 5 } };
	uint8_t key[8];
	uint32_t i;

	fp_rcu_thread_online();
	fp_utable_set_slot(ra->slot);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		for (i = 0; i < NKEYS; i++) {
			if (c->type == FP_UTABLE_LPM)
				memcpy(key, &probe, sizeof(probe));
			else
				make_key(c, i, key);
			held[i] = fp_utable_lookup(c->t, key);
			lookups++;
			if (!held[i]) {
				/* /15 is never deleted; arrays always exist. */
				if (c->type != FP_UTABLE_HASH)
					bad++;
				continue;
			}
			hits++;
			if (!value_ok(c, held[i]))
				torn++;
		}
		/* Pointers stay valid until the quiescent state: re-check
		 * them after the writer has had time to replace them. */
		for (i = 0; i < NKEYS; i++)
			if (held[i] && !value_ok(c, held[i]))
				torn++;
		fp_rcu_quiescent();
	}
	fp_rcu_thread_offline();
	atomic_fetch_add(&c->lookups, lookups);
	atomic_fetch_add(&c->hits, hits);
	atomic_fetch_add(&c->torn, torn);
	atomic_fetch_add(&c->bad, bad);
	return NULL;
}

/* A writer thread that never registers with RCU: the table does it. */
static void *writer(void *arg)
{
	struct conc *c = arg;
	uint8_t key[8], val[VSIZE * 4], out[VSIZE * 4];
	unsigned long n = 0;
	uint32_t i, s, gen = 0;
	int ret;

	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		gen++;
		for (i = 0; i < NKEYS; i++) {
			make_key(c, i, key);
			memset(val, (int)(gen & 0xff), sizeof(val));
			if (c->type == FP_UTABLE_LPM)
				val[0] = key[0];	/* prefix length */
			if (c->type != FP_UTABLE_ARRAY &&
			    c->type != FP_UTABLE_PERCPU_ARRAY &&
			    (gen + i) % 3 == 0 && !(c->type == FP_UTABLE_LPM && key[0] == 15)) {
				ret = fp_utable_delete(c->t, key);
				if (ret && ret != -ENOENT)
					atomic_fetch_add(&c->bad, 1);
			} else {
				ret = fp_utable_update(c->t, key, val, FP_UTABLE_ANY);
				if (ret)
					atomic_fetch_add(&c->bad, 1);
			}
			/* The control path's copy is never torn either. */
			if (!fp_utable_read(c->t, key, out))
				for (s = 0; s < (c->type == FP_UTABLE_PERCPU_ARRAY ? 2u : 1u); s++)
					if (!value_ok(c, out + s * VSIZE))
						atomic_fetch_add(&c->torn, 1);
			n++;
		}
	}
	atomic_fetch_add(&c->writes, n);
	return NULL;
}

static void run_concurrent(enum fp_utable_type type)
{
	struct conc c = { .type = type };
	struct reader_arg ra[2] = { { &c, 0 }, { &c, 1 } };
	pthread_t r[2], w;
	struct timespec ts = { 0, RUN_MS * 1000000L };
	int i;

	switch (type) {
	case FP_UTABLE_HASH:
		c.t = mk(type, 4, VSIZE, NKEYS, 0);
		break;
	case FP_UTABLE_LPM:
		c.t = mk(type, 8, VSIZE, NKEYS, 0);
		break;
	default:
		c.t = mk(type, 4, VSIZE, NKEYS, 2);
		break;
	}
	if (type == FP_UTABLE_LPM) {
		struct k4 k = lpm_conc_prefix(0);
		uint8_t val[VSIZE];

		memset(val, 0, sizeof(val));
		val[0] = 15;
		assert_int_equal(fp_utable_update(c.t, &k, val, FP_UTABLE_ANY), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader, &ra[i]), 0);
	assert_int_equal(pthread_create(&w, NULL, writer, &c), 0);
	nanosleep(&ts, NULL);
	atomic_store(&c.stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	pthread_join(w, NULL);
	print_message("  %lu lookups (%lu hits), %lu writes, %lu torn\n",
		      (unsigned long)c.lookups, (unsigned long)c.hits,
		      (unsigned long)c.writes, (unsigned long)c.torn);
	assert_true(c.lookups > 0);
	assert_true(c.hits > 0);
	assert_true(c.writes > 0);
	assert_int_equal(c.torn, 0);
	assert_int_equal(c.bad, 0);
	fp_utable_free(c.t);
}

static void test_concurrent_hash(void **state)
{
	run_concurrent(FP_UTABLE_HASH);
}

static void test_concurrent_array(void **state)
{
	run_concurrent(FP_UTABLE_ARRAY);
}

static void test_concurrent_percpu(void **state)
{
	run_concurrent(FP_UTABLE_PERCPU_ARRAY);
}

static void test_concurrent_lpm(void **state)
{
	run_concurrent(FP_UTABLE_LPM);
}

/*
 * Several writers inserting and deleting disjoint and shared keys at once:
 * the count never exceeds max_entries and ends equal to what is present.
 */
struct mw {
	struct fp_utable *t;
	uint32_t base;
	atomic_ulong e2big, bad, over;
};

static void *multi_writer(void *arg)
{
	struct mw *m = arg;
	uint32_t i, k, v = 1;
	int ret;

	for (i = 0; i < 20000; i++) {
		k = (i * 2654435761u + m->base) % 96;
		ret = i % 3 ? fp_utable_update(m->t, &k, &v, FP_UTABLE_ANY) :
			      fp_utable_delete(m->t, &k);
		if (ret == -E2BIG)
			atomic_fetch_add(&m->e2big, 1);
		else if (ret && ret != -ENOENT)
			atomic_fetch_add(&m->bad, 1);
		/* No cmocka assertion in a thread: count, judge in main. */
		if (fp_utable_count(m->t) > 64)
			atomic_fetch_add(&m->over, 1);
	}
	return NULL;
}

static void test_concurrent_writers_count(void **state)
{
	struct mw m[2] = { { .base = 0 }, { .base = 7 } };
	pthread_t th[2];
	uint32_t k, nk, n = 0;
	int i, ret;

	m[0].t = m[1].t = mk(FP_UTABLE_HASH, 4, 4, 64, 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, multi_writer, &m[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(m[i].bad, 0);
		assert_int_equal(m[i].over, 0);
	}
	assert_true(m[0].e2big + m[1].e2big > 0);
	for (ret = fp_utable_get_next_key(m[0].t, NULL, &nk); !ret;
	     ret = fp_utable_get_next_key(m[0].t, &k, &nk)) {
		n++;
		k = nk;
	}
	assert_int_equal(n, fp_utable_count(m[0].t));
	assert_true(n <= 64);
	fp_utable_free(m[0].t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_hash_ops),
		cmocka_unit_test(test_hash_full),
		cmocka_unit_test(test_hash_iterate),
		cmocka_unit_test(test_hash_key_sizes),
		cmocka_unit_test(test_hash_replace_is_rcu),
		cmocka_unit_test(test_array_ops),
		cmocka_unit_test(test_percpu_array),
		cmocka_unit_test(test_lpm_ipv4),
		cmocka_unit_test(test_lpm_full),
		cmocka_unit_test(test_lpm_ipv6),
		cmocka_unit_test(test_lpm_wide_keys),
		cmocka_unit_test(test_lpm_iterate),
		cmocka_unit_test(test_lpm_churn_vs_reference),
		cmocka_unit_test(test_concurrent_hash),
		cmocka_unit_test(test_concurrent_array),
		cmocka_unit_test(test_concurrent_percpu),
		cmocka_unit_test(test_concurrent_lpm),
		cmocka_unit_test(test_concurrent_writers_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
