// SPDX-License-Identifier: MIT
/*
 * fp_utable against the kernel's own maps: the same seeded random sequence
 * of 10,000 operations (update with every flag, valid or not, delete,
 * lookup, get_next_key; keys drawn from a pool larger than max_entries so
 * that tables fill up) is applied to a BPF map made with bpf_map_create()
 * and to the utable of the same type and sizes.  Every return code must be
 * equal, every value read must be equal, and at the end both must hold the
 * same keys with the same values.  Covered: hash (preallocated and
 * BPF_F_NO_PREALLOC), LPM trie with IPv4 and IPv6 keys (random bits beyond
 * the prefix length included), array, per-CPU array (one slot per possible
 * CPU), and the size checks of map creation.
 *
 * Iteration order is not compared for hash and LPM: it is unspecified, and
 * ours differs.  Each run prints how often each result occurred, and the
 * test fails if an interesting one (-E2BIG, -ENOSPC, -EEXIST, ...) never
 * did, so a change of parameters cannot silently make it trivial.
 * FP_UTABLE_SEED=n in the environment runs other sequences.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/utable.h"

#define NOPS 10000
#define POOL 96

struct diff {
	const char *name;
	enum bpf_map_type btype;
	enum fp_utable_type utype;
	uint32_t ks, vs, max, map_flags;
	uint32_t nslots;	/* per-CPU: possible CPUs; else 1 */
	size_t vbuf;		/* bytes of a value as the syscall moves it */
	int fd;
	struct fp_utable *t;
	uint64_t rng;
	uint8_t pool[POOL][20];
	/* results seen: [op][errno] */
	unsigned long seen[4][64];
};

enum { OP_UPDATE, OP_DELETE, OP_LOOKUP, OP_NEXT };
static const char *const op_names[] = { "update", "delete", "lookup", "next" };

static uint64_t rnd(struct diff *d)
{
	/* xorshift64*: reproducible from the seed, good enough here. */
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return d->rng * 0x2545f4914f6cdd1dULL;
}

static void note(struct diff *d, int op, int ret)
{
	d->seen[op][ret < 0 && ret > -64 ? -ret : 0]++;
}

/* --- keys --------------------------------------------------------------------- */

static void fill_pool(struct diff *d)
{
	static const uint32_t v4len[] = { 0, 1, 7, 8, 9, 15, 16, 17, 23, 24,
					  25, 31, 32, 32, 32, 33 };
	static const uint32_t v6len[] = { 0, 1, 32, 47, 48, 48, 49, 63, 64,
					  64, 65, 96, 127, 128, 128, 129 };
	uint32_t i, j, plen;
	uint8_t *k;

	for (i = 0; i < POOL; i++) {
		k = d->pool[i];
		memset(k, 0, sizeof(d->pool[i]));
		switch (d->utype) {
		case FP_UTABLE_HASH:
			for (j = 0; j < d->ks; j++)
				k[j] = (uint8_t)rnd(d);
			break;
		case FP_UTABLE_LPM:
			if (d->ks == 8) {
				plen = v4len[rnd(d) % 16];
				/* 198.18-19.0-3.x: small enough to overlap */
				k[4] = 198;
				k[5] = 18 | (rnd(d) & 1);
				k[6] = rnd(d) % 4;
				k[7] = (uint8_t)rnd(d);
			} else {
				plen = v6len[rnd(d) % 16];
				k[4] = 0x20;
				k[5] = 0x01;
				k[7] = 0x02;
				k[9] = rnd(d) % 4;
				for (j = 10; j < 20; j++)
					k[j] = rnd(d) % 3 ? 0 : (uint8_t)rnd(d);
			}
			memcpy(k, &plen, 4);
			break;
		default:
			/* Indexes around max_entries, and one far out. */
			j = i == POOL - 1 ? UINT32_MAX : i % (d->max + 10);
			memcpy(k, &j, 4);
			break;
		}
	}
}

/* A key to look up: from the pool, or for LPM often an address (/32, /128). */
static void lookup_key(struct diff *d, uint8_t *k)
{
	uint32_t plen;

	memcpy(k, d->pool[rnd(d) % POOL], d->ks);
	if (d->utype != FP_UTABLE_LPM || rnd(d) % 3 == 0)
		return;
	plen = rnd(d) % 5 ? (d->ks - 4) * 8 : (uint32_t)(rnd(d) % ((d->ks - 4) * 8 + 2));
	memcpy(k, &plen, 4);
	k[4 + (rnd(d) % (d->ks - 4))] ^= (uint8_t)rnd(d);
}

static uint64_t random_flags(struct diff *d)
{
	static const uint64_t bad[] = { 3, 4, 5, 8, 16, 1ULL << 32 };

	if (rnd(d) % 8)
		return rnd(d) % 3;	/* ANY, NOEXIST, EXIST */
	return bad[rnd(d) % 6];
}

/* --- one run -------------------------------------------------------------- */

static void setup(struct diff *d, uint64_t seed)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = d->map_flags);
	int n;

	d->rng = seed;
	d->nslots = 1;
	d->vbuf = d->vs;
	if (d->utype == FP_UTABLE_PERCPU_ARRAY) {
		n = libbpf_num_possible_cpus();
		assert_true(n > 0);
		d->nslots = (uint32_t)n;
		d->vbuf = (size_t)n * ((d->vs + 7) & ~7u);
	}
	d->fd = bpf_map_create(d->btype, NULL, d->ks, d->vs, d->max, &o);
	if (d->fd < 0)
		fail_msg("bpf_map_create(%s): %s (run as root)", d->name,
			 strerror(-d->fd));
	assert_int_equal(fp_utable_create(d->utype, d->ks, d->vs, d->max,
					  d->nslots, &d->t), 0);
	fill_pool(d);
}

static int keycmp_len;

static int keycmp(const void *a, const void *b)
{
	return memcmp(a, b, (size_t)keycmp_len);
}

/* Every key of both, sorted; equal sets, equal values. */
static void compare_contents(struct diff *d)
{
	uint8_t *kk = calloc(d->max + 1, d->ks), *uk = calloc(d->max + 1, d->ks);
	uint8_t *kv = malloc(d->vbuf), *uv = malloc(d->vbuf);
	uint8_t cur[20], nxt[20];
	uint32_t nk = 0, nu = 0, i;
	int ret;

	assert_true(kk && uk && kv && uv);
	for (ret = bpf_map_get_next_key(d->fd, NULL, nxt); !ret;
	     ret = bpf_map_get_next_key(d->fd, cur, nxt)) {
		assert_true(nk < d->max);
		memcpy(kk + (size_t)nk++ * d->ks, nxt, d->ks);
		memcpy(cur, nxt, d->ks);
	}
	assert_int_equal(ret, -ENOENT);
	for (ret = fp_utable_get_next_key(d->t, NULL, nxt); !ret;
	     ret = fp_utable_get_next_key(d->t, cur, nxt)) {
		assert_true(nu < d->max);
		memcpy(uk + (size_t)nu++ * d->ks, nxt, d->ks);
		memcpy(cur, nxt, d->ks);
	}
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(nk, nu);
	assert_int_equal(fp_utable_count(d->t), nk);
	keycmp_len = (int)d->ks;
	qsort(kk, nk, d->ks, keycmp);
	qsort(uk, nu, d->ks, keycmp);
	assert_memory_equal(kk, uk, (size_t)nk * d->ks);
	for (i = 0; i < nk; i++) {
		assert_int_equal(bpf_map_lookup_elem(d->fd, kk + (size_t)i * d->ks, kv), 0);
		assert_int_equal(fp_utable_read(d->t, kk + (size_t)i * d->ks, uv), 0);
		assert_memory_equal(kv, uv, d->vbuf);
	}
	print_message("  %s: %u keys at the end, equal\n", d->name, nk);
	free(kk);
	free(uk);
	free(kv);
	free(uv);
}

static bool is_array(const struct diff *d)
{
	return d->utype == FP_UTABLE_ARRAY || d->utype == FP_UTABLE_PERCPU_ARRAY;
}

static void step(struct diff *d, int i)
{
	uint8_t key[20], nk_k[20], nk_u[20];
	uint8_t *val = malloc(d->vbuf), *kv = malloc(d->vbuf), *uv = malloc(d->vbuf);
	uint64_t r = rnd(d) % 100, flags;
	const void *kp;
	int kret, uret, op;
	size_t j;

	assert_true(val && kv && uv);
	memcpy(key, d->pool[rnd(d) % POOL], d->ks);
	if (r < 50) {
		op = OP_UPDATE;
		for (j = 0; j < d->vbuf; j++)
			val[j] = (uint8_t)rnd(d);
		flags = random_flags(d);
		kret = bpf_map_update_elem(d->fd, key, val, flags);
		uret = fp_utable_update(d->t, key, val, flags);
	} else if (r < 68) {
		op = OP_DELETE;
		kret = bpf_map_delete_elem(d->fd, key);
		uret = fp_utable_delete(d->t, key);
	} else if (r < 92) {
		op = OP_LOOKUP;
		lookup_key(d, key);
		kret = bpf_map_lookup_elem(d->fd, key, kv);
		uret = fp_utable_read(d->t, key, uv);
		if (!kret && !uret && memcmp(kv, uv, d->vbuf))
			fail_msg("%s op %d: lookup values differ", d->name, i);
	} else {
		op = OP_NEXT;
		kp = rnd(d) % 4 ? key : NULL;
		kret = bpf_map_get_next_key(d->fd, kp, nk_k);
		uret = fp_utable_get_next_key(d->t, kp, nk_u);
		if (!is_array(d) && kp && fp_utable_count(d->t)) {
			/* The successor depends on the (unspecified) order:
			 * only check ours names a key that exists. */
			if (!uret)
				assert_int_equal(bpf_map_lookup_elem(d->fd, nk_u, kv), 0);
			note(d, op, uret);
			goto out;
		}
		if (!kret && !uret && !is_array(d) && !kp)
			assert_int_equal(bpf_map_lookup_elem(d->fd, nk_u, kv), 0);
		else if (!kret && !uret && memcmp(nk_k, nk_u, d->ks))
			fail_msg("%s op %d: next key differs", d->name, i);
	}
	if (kret != uret)
		fail_msg("%s op %d: %s: kernel %d (%s), utable %d (%s)", d->name,
			 i, op_names[op], kret, strerror(-kret), uret,
			 strerror(-uret));
	note(d, op, kret);
out:
	free(val);
	free(kv);
	free(uv);
}

static void report(struct diff *d)
{
	char line[512];
	size_t n;
	int op, e;

	for (op = 0; op < 4; op++) {
		n = (size_t)snprintf(line, sizeof(line), "  %s %s:", d->name,
				     op_names[op]);
		for (e = 0; e < 64; e++)
			if (d->seen[op][e] && n < sizeof(line))
				n += (size_t)snprintf(line + n, sizeof(line) - n,
						      " %s%s=%lu", e ? "-" : "",
						      e ? strerrorname_np(e) : "0",
						      d->seen[op][e]);
		print_message("%s\n", line);
	}
}

static void run(struct diff *d, uint64_t seed)
{
	const char *env = getenv("FP_UTABLE_SEED");
	int i;

	/* FP_UTABLE_SEED=n replays the runs with other sequences. */
	if (env)
		seed ^= strtoull(env, NULL, 0) * 0x9e3779b97f4a7c15ULL;
	setup(d, seed);
	for (i = 0; i < NOPS; i++)
		step(d, i);
	report(d);
	compare_contents(d);
	close(d->fd);
	fp_utable_free(d->t);
}

/* The results a run must have met at least once. */
static void expect_seen(struct diff *d, int op, int err)
{
	if (!d->seen[op][err])
		fail_msg("%s: %s never returned %s: the run did not test it",
			 d->name, op_names[op], err ? strerrorname_np(err) : "0");
}

static void expect_update_flags(struct diff *d)
{
	expect_seen(d, OP_UPDATE, 0);
	expect_seen(d, OP_UPDATE, EINVAL);
	expect_seen(d, OP_UPDATE, EEXIST);
	expect_seen(d, OP_LOOKUP, 0);
	expect_seen(d, OP_LOOKUP, ENOENT);
}

static void test_hash(void **state)
{
	struct diff d = { .name = "hash", .btype = BPF_MAP_TYPE_HASH,
			  .utype = FP_UTABLE_HASH, .ks = 12, .vs = 20, .max = 64 };

	run(&d, 0x1234);
	expect_update_flags(&d);
	expect_seen(&d, OP_UPDATE, E2BIG);
	expect_seen(&d, OP_UPDATE, ENOENT);
	expect_seen(&d, OP_DELETE, 0);
	expect_seen(&d, OP_DELETE, ENOENT);
}

static void test_hash_no_prealloc(void **state)
{
	struct diff d = { .name = "hash-noprealloc", .btype = BPF_MAP_TYPE_HASH,
			  .utype = FP_UTABLE_HASH, .ks = 5, .vs = 3, .max = 40,
			  .map_flags = BPF_F_NO_PREALLOC };

	run(&d, 0x99);
	expect_update_flags(&d);
	expect_seen(&d, OP_UPDATE, E2BIG);
}

static void test_lpm_ipv4(void **state)
{
	struct diff d = { .name = "lpm-ipv4", .btype = BPF_MAP_TYPE_LPM_TRIE,
			  .utype = FP_UTABLE_LPM, .ks = 8, .vs = 8, .max = 24,
			  .map_flags = BPF_F_NO_PREALLOC };

	run(&d, 0xfeed);
	expect_update_flags(&d);
	expect_seen(&d, OP_UPDATE, ENOSPC);
	expect_seen(&d, OP_UPDATE, ENOENT);
	expect_seen(&d, OP_DELETE, 0);
	expect_seen(&d, OP_DELETE, ENOENT);
	expect_seen(&d, OP_DELETE, EINVAL);
}

static void test_lpm_ipv6(void **state)
{
	struct diff d = { .name = "lpm-ipv6", .btype = BPF_MAP_TYPE_LPM_TRIE,
			  .utype = FP_UTABLE_LPM, .ks = 20, .vs = 5, .max = 32,
			  .map_flags = BPF_F_NO_PREALLOC };

	run(&d, 0xbeef);
	expect_update_flags(&d);
	expect_seen(&d, OP_UPDATE, ENOSPC);
	expect_seen(&d, OP_DELETE, 0);
	expect_seen(&d, OP_DELETE, EINVAL);
}

static void test_array(void **state)
{
	struct diff d = { .name = "array", .btype = BPF_MAP_TYPE_ARRAY,
			  .utype = FP_UTABLE_ARRAY, .ks = 4, .vs = 20, .max = 50 };

	run(&d, 0x5eed);
	expect_update_flags(&d);
	expect_seen(&d, OP_UPDATE, E2BIG);
	expect_seen(&d, OP_DELETE, EINVAL);
	expect_seen(&d, OP_NEXT, 0);
	expect_seen(&d, OP_NEXT, ENOENT);
}

static void test_percpu_array(void **state)
{
	struct diff d = { .name = "percpu-array", .btype = BPF_MAP_TYPE_PERCPU_ARRAY,
			  .utype = FP_UTABLE_PERCPU_ARRAY, .ks = 4, .vs = 12,
			  .max = 20 };

	run(&d, 0xc0ffee);
	expect_update_flags(&d);
	expect_seen(&d, OP_UPDATE, E2BIG);
	expect_seen(&d, OP_DELETE, EINVAL);
}

/* Map creation: the sizes the kernel refuses, ours refuses alike. */
static void test_create(void **state)
{
	static const struct {
		enum bpf_map_type btype;
		enum fp_utable_type utype;
		uint32_t ks, vs, max, flags;
	} c[] = {
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 0, 8, 10, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 4, 0, 10, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 4, 8, 0, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 512, 8, 10, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 513, 8, 10, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 4096, 8, 10, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 4, (4u << 20) - 53, 1, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 4, (4u << 20) - 52, 1, 0 },
		{ BPF_MAP_TYPE_HASH, FP_UTABLE_HASH, 4, 8, 1u << 28, 0 },
		{ BPF_MAP_TYPE_ARRAY, FP_UTABLE_ARRAY, 4, 1u << 31, 1, 0 },
		{ BPF_MAP_TYPE_ARRAY, FP_UTABLE_ARRAY, 8, 8, 10, 0 },
		{ BPF_MAP_TYPE_ARRAY, FP_UTABLE_ARRAY, 4, 0, 10, 0 },
		{ BPF_MAP_TYPE_ARRAY, FP_UTABLE_ARRAY, 4, 8, 0, 0 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, FP_UTABLE_PERCPU_ARRAY, 4, 32768, 2, 0 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, FP_UTABLE_PERCPU_ARRAY, 4, 32769, 2, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 4, 8, 10, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 5, 8, 10, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 260, 8, 10, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 261, 8, 10, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 8, 0, 10, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 8, 8, 0, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 8, (4u << 20) - 280, 1, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_LPM_TRIE, FP_UTABLE_LPM, 8, (4u << 20) - 279, 1, BPF_F_NO_PREALLOC },
	};
	struct fp_utable *t;
	size_t i;
	int kret, uret, saved, devnull;

	/* Our refusals print one line each; keep the output readable. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	devnull = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && devnull >= 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = c[i].flags);

		kret = bpf_map_create(c[i].btype, NULL, c[i].ks, c[i].vs,
				      c[i].max, &o);
		if (kret >= 0) {
			close(kret);
			kret = 0;
		}
		dup2(devnull, STDERR_FILENO);
		uret = fp_utable_create(c[i].utype, c[i].ks, c[i].vs, c[i].max,
					2, &t);
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		fp_utable_free(t);
		if (kret != uret)
			fail_msg("create case %zu (type %d, key %u, value %u, max %u): kernel %d, utable %d",
				 i, c[i].btype, c[i].ks, c[i].vs, c[i].max,
				 kret, uret);
	}
	close(devnull);
	close(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_hash_no_prealloc),
		cmocka_unit_test(test_lpm_ipv4),
		cmocka_unit_test(test_lpm_ipv6),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_percpu_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
