// SPDX-License-Identifier: MIT
/*
 * fp_table_* (fastpath/nf_table.h) against real BPF maps (bpf_map_create)
 * and user-space twins (fp_utable_create), alone and together: update,
 * delete, lookup, sum, count, sweep and clear must give the same results
 * in every world, reach every world, and leave the two worlds of a table
 * with the same contents.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/nf_info.h"
#include "fastpath/nf_table.h"
#include "fastpath/utable.h"

#define W_BPF	1
#define W_UT	2
#define W_BOTH	(W_BPF | W_UT)
#define NSLOTS	3

static const int worlds[] = { W_BPF, W_UT, W_BOTH };

static const char *wname(int w)
{
	return w == W_BPF ? "bpf" : w == W_UT ? "twin" : "both";
}

static enum bpf_map_type bpf_type(enum fp_table_kind k)
{
	switch (k) {
	case FP_TABLE_HASH: return BPF_MAP_TYPE_HASH;
	case FP_TABLE_LPM: return BPF_MAP_TYPE_LPM_TRIE;
	case FP_TABLE_ARRAY: return BPF_MAP_TYPE_ARRAY;
	case FP_TABLE_PERCPU_ARRAY: return BPF_MAP_TYPE_PERCPU_ARRAY;
	}
	return BPF_MAP_TYPE_UNSPEC;
}

static enum fp_utable_type ut_type(enum fp_table_kind k)
{
	switch (k) {
	case FP_TABLE_HASH: return FP_UTABLE_HASH;
	case FP_TABLE_LPM: return FP_UTABLE_LPM;
	case FP_TABLE_ARRAY: return FP_UTABLE_ARRAY;
	case FP_TABLE_PERCPU_ARRAY: return FP_UTABLE_PERCPU_ARRAY;
	}
	return 0;
}

/* One table of @d in worlds @w; @bpf_max / @ut_max 0: the default. */
static void make2(struct fp_table *t, const struct fp_table_desc *d, int w,
		  uint32_t bpf_max, uint32_t ut_max)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);

	memset(t, 0, sizeof(*t));
	t->desc = d;
	t->fd = -1;
	t->max_entries = bpf_max ? bpf_max : d->max_entries;
	if (w & W_BPF) {
		o.map_flags = d->kind == FP_TABLE_LPM ? BPF_F_NO_PREALLOC : 0;
		t->fd = bpf_map_create(bpf_type(d->kind), d->name, d->key_size,
				       d->value_size, t->max_entries, &o);
		assert_true(t->fd >= 0);
	}
	if (w & W_UT)
		assert_int_equal(fp_utable_create(ut_type(d->kind), d->key_size,
			d->value_size, ut_max ? ut_max : t->max_entries,
			NSLOTS, &t->ut), 0);
}

static void make(struct fp_table *t, const struct fp_table_desc *d, int w,
		 uint32_t max)
{
	make2(t, d, w, max, max);
}

static void drop(struct fp_table *t)
{
	if (t->fd >= 0)
		close(t->fd);
	fp_utable_free(t->ut);
	t->fd = -1;
	t->ut = NULL;
}

/* The same table seen through one world only. */
static struct fp_table only(const struct fp_table *t, int w)
{
	struct fp_table o = *t;

	if (w == W_BPF)
		o.ut = NULL;
	else
		o.fd = -1;
	return o;
}

static const struct fp_table_desc *desc(const struct fp_table_desc *d,
					unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	fail_msg("no table %s", name);
	return NULL;
}

#define FW(name) desc(fp_nf_firewall_tables, fp_nf_firewall_n_tables, name)
#define LB(name) desc(fp_nf_lb_tables, fp_nf_lb_n_tables, name)

/* A small hash table of our own: u32 -> u64. */
static const struct fp_table_desc d_hash = {
	"t_hash", FP_TABLE_HASH, 4, 8, 64, NULL,
};

/* Every key of @t in world @w, as a sorted array of u32 (hash of u32). */
static uint32_t keys_u32(struct fp_table *t, int w, uint32_t *out,
			 uint32_t cap)
{
	uint32_t k, n = 0;
	int err;
	bool first = true;

	for (;;) {
		if (w == W_BPF)
			err = bpf_map_get_next_key(t->fd, first ? NULL : &k, &k);
		else
			err = fp_utable_get_next_key(t->ut, first ? NULL : &k,
						     &k);
		if (err)
			break;
		first = false;
		assert_true(n < cap);
		out[n++] = k;
	}
	assert_int_equal(err, -ENOENT);
	return n;
}

static void test_hash_semantics(void **state)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		int w = worlds[i];
		struct fp_table t;
		uint64_t v = 7, got, n;
		uint32_t k;

		print_message("world %s\n", wname(w));
		make(&t, &d_hash, w, 4);
		k = 1;
		assert_int_equal(fp_table_update(&t, &k, &v, FP_NOEXIST), 0);
		assert_int_equal(fp_table_update(&t, &k, &v, FP_NOEXIST),
				 -EEXIST);
		k = 2;
		assert_int_equal(fp_table_update(&t, &k, &v, FP_EXIST),
				 -ENOENT);
		assert_int_equal(fp_table_lookup(&t, &k, &got), -ENOENT);
		v = 9;
		k = 1;
		assert_int_equal(fp_table_update(&t, &k, &v, FP_EXIST), 0);
		assert_int_equal(fp_table_lookup(&t, &k, &got), 0);
		assert_int_equal(got, 9);
		for (k = 2; k <= 4; k++)
			assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY),
					 0);
		/* Full: the syscall's -E2BIG, in every world. */
		k = 5;
		assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), -E2BIG);
		assert_int_equal(fp_table_count(&t, &n), 0);
		assert_int_equal(n, 4);
		k = 3;
		assert_int_equal(fp_table_delete(&t, &k), 0);
		assert_int_equal(fp_table_delete(&t, &k), -ENOENT);
		assert_int_equal(fp_table_count(&t, &n), 0);
		assert_int_equal(n, 3);
		/* Bad flags are refused alike. */
		assert_int_equal(fp_table_update(&t, &k, &v, 8), -EINVAL);
		/* Arrays refuse delete; count is for hash and LPM. */
		drop(&t);
	}
}

static void test_every_world(void **state)
{
	struct fp_table t, b, u;
	uint64_t v = 5, got;
	uint32_t k = 10;

	make(&t, &d_hash, W_BOTH, 16);
	b = only(&t, W_BPF);
	u = only(&t, W_UT);
	assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), 0);
	assert_int_equal(fp_table_lookup(&b, &k, &got), 0);
	assert_int_equal(got, 5);
	assert_int_equal(fp_table_lookup(&u, &k, &got), 0);
	assert_int_equal(got, 5);

	/* A key in the twin only: lookup finds it there, delete succeeds
	 * (one world had it), a second delete does not. */
	k = 11;
	v = 6;
	assert_int_equal(fp_utable_update(t.ut, &k, &v, FP_UTABLE_ANY), 0);
	assert_int_equal(fp_table_lookup(&t, &k, &got), 0);
	assert_int_equal(got, 6);
	assert_int_equal(fp_table_delete(&t, &k), 0);
	assert_int_equal(fp_table_delete(&t, &k), -ENOENT);
	assert_int_equal(fp_table_lookup(&u, &k, &got), -ENOENT);

	k = 10;
	assert_int_equal(fp_table_delete(&t, &k), 0);
	assert_int_equal(fp_table_lookup(&b, &k, &got), -ENOENT);
	assert_int_equal(fp_table_lookup(&u, &k, &got), -ENOENT);
	drop(&t);
}

/* When the kernel refuses, the twin is put back as it was. */
static void test_rollback(void **state)
{
	struct fp_table t, u;
	uint64_t v = 1, got, n;
	uint32_t k;

	/* BPF holds 4, the twin 8: the fifth key fails in BPF only. */
	make2(&t, &d_hash, W_BOTH, 4, 8);
	u = only(&t, W_UT);
	for (k = 1; k <= 4; k++)
		assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), 0);
	k = 5;
	assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), -E2BIG);
	assert_int_equal(fp_table_lookup(&u, &k, &got), -ENOENT);
	assert_int_equal(fp_table_count(&u, &n), 0);
	assert_int_equal(n, 4);

	/* A replace the kernel refuses (key missing there, EXIST): the
	 * twin keeps its old value. */
	k = 6;
	v = 60;
	assert_int_equal(fp_utable_update(t.ut, &k, &v, FP_UTABLE_ANY), 0);
	v = 61;
	assert_int_equal(fp_table_update(&t, &k, &v, FP_EXIST), -ENOENT);
	assert_int_equal(fp_table_lookup(&u, &k, &got), 0);
	assert_int_equal(got, 60);
	drop(&t);
}

static void test_lpm(void **state)
{
	const struct fp_table_desc *d = FW("fw_src");
	struct { uint32_t plen; uint8_t fam; uint8_t a[16]; uint8_t pad[3]; }
		k = { 0 };
	struct { uint32_t id, action; } r = { 3, 1 }, got;
	size_t i;

	assert_int_equal(d->key_size, sizeof(k));
	for (i = 0; i < 3; i++) {
		struct fp_table t;
		uint64_t n;

		make(&t, d, worlds[i], 0);
		k.plen = 8 + 15;
		k.fam = 2;
		k.a[0] = 198;
		k.a[1] = 18;
		assert_int_equal(fp_table_update(&t, &k, &r, FP_NOEXIST), 0);
		assert_int_equal(fp_table_update(&t, &k, &r, FP_NOEXIST),
				 -EEXIST);
		assert_int_equal(fp_table_lookup(&t, &k, &got), 0);
		assert_int_equal(got.id, 3);
		k.plen = 8;	/* the family alone: 0.0.0.0/0 */
		memset(k.a, 0, sizeof(k.a));
		assert_int_equal(fp_table_update(&t, &k, &r, FP_NOEXIST), 0);
		/* Longer than the key's bits: refused by both. */
		k.plen = 8 * 20 + 1;
		assert_int_equal(fp_table_update(&t, &k, &r, FP_ANY), -EINVAL);
		assert_int_equal(fp_table_count(&t, &n), 0);
		assert_int_equal(n, 2);
		assert_int_equal(fp_table_clear(&t), 0);
		assert_int_equal(fp_table_count(&t, &n), 0);
		assert_int_equal(n, 0);
		drop(&t);
	}
}

static void test_percpu_sum(void **state)
{
	const struct fp_table_desc *d = FW("fw_hits");
	int ncpus = libbpf_num_possible_cpus();
	size_t i;

	assert_true(ncpus > 0);
	for (i = 0; i < 3; i++) {
		int w = worlds[i];
		uint64_t *bv = calloc((size_t)ncpus, 8), uv[NSLOTS], sum, n;
		uint64_t expect = 0, v = 5;
		struct fp_table t;
		uint32_t k = 42;
		int c;

		assert_non_null(bv);
		make(&t, d, w, 0);
		/* One value through fp_table_update: every CPU and slot. */
		assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), 0);
		assert_int_equal(fp_table_sum(&t, k, &sum), 0);
		assert_int_equal(sum, (uint64_t)((w & W_BPF ? ncpus : 0) +
						 (w & W_UT ? NSLOTS : 0)) * 5);
		/* Distinct per-CPU and per-slot values add up. */
		if (w & W_BPF) {
			for (c = 0; c < ncpus; c++)
				expect += bv[c] = 100u + (uint64_t)c;
			assert_int_equal(bpf_map_update_elem(t.fd, &k, bv, 0),
					 0);
		}
		if (w & W_UT) {
			for (c = 0; c < NSLOTS; c++)
				expect += uv[c] = 1000u * (uint64_t)(c + 1);
			assert_int_equal(fp_utable_update(t.ut, &k, uv, 0), 0);
		}
		assert_int_equal(fp_table_sum(&t, k, &sum), 0);
		assert_int_equal(sum, expect);
		/* One value cannot stand for all CPUs; arrays have no count. */
		assert_int_equal(fp_table_lookup(&t, &k, &v), -EINVAL);
		assert_int_equal(fp_table_count(&t, &n), -EINVAL);
		assert_int_equal(fp_table_delete(&t, &k), -EINVAL);
		k = d->max_entries;
		assert_int_equal(fp_table_sum(&t, k, &sum), -ENOENT);
		assert_int_equal(fp_table_clear(&t), 0);
		k = 42;
		assert_int_equal(fp_table_sum(&t, k, &sum), 0);
		assert_int_equal(sum, 0);
		free(bv);
		drop(&t);
	}
	/* fp_table_sum is for u64 per-CPU arrays only. */
	{
		struct fp_table t;
		uint64_t sum;

		make(&t, &d_hash, W_BPF, 4);
		assert_int_equal(fp_table_sum(&t, 0, &sum), -EINVAL);
		drop(&t);
	}
}

static bool odd(const void *key, const void *val, void *ctx)
{
	uint64_t v;

	memcpy(&v, val, 8);
	(*(unsigned int *)ctx)++;
	return v & 1;
}

/* Sweep: every entry visited once per world, the chosen ones gone from
 * every world, the others all there. */
static void test_sweep(void **state)
{
	static const uint32_t sizes[] = { 10, 3000, 40000 };
	const uint32_t cap = 40000;
	uint32_t *keys = malloc(cap * sizeof(*keys));
	size_t i, s;

	assert_non_null(keys);
	for (s = 0; s < 3; s++) {
		uint32_t n = sizes[s];

		for (i = 0; i < 3; i++) {
			int w = worlds[i], nw = w == W_BOTH ? 2 : 1;
			unsigned int visits = 0;
			struct fp_table t;
			uint64_t v, deleted = 0, cnt;
			uint32_t k, got, j;

			make(&t, &d_hash, w, cap);
			for (k = 0; k < n; k++) {
				v = k;
				assert_int_equal(fp_table_update(&t, &k, &v,
								 FP_NOEXIST), 0);
			}
			assert_int_equal(fp_table_sweep(&t, odd, &visits,
							&deleted), 0);
			assert_int_equal(visits, n * nw);
			assert_int_equal(deleted, (n / 2) * nw);
			for (j = 0; j < 2; j++) {
				struct fp_table o;

				if (!(w & (j ? W_UT : W_BPF)))
					continue;
				o = only(&t, j ? W_UT : W_BPF);
				assert_int_equal(fp_table_count(&o, &cnt), 0);
				assert_int_equal(cnt, n - n / 2);
				got = keys_u32(&t, j ? W_UT : W_BPF, keys, cap);
				assert_int_equal(got, n - n / 2);
				for (k = 0; k < got; k++)
					assert_int_equal(keys[k] & 1, 0);
			}
			assert_int_equal(fp_table_clear(&t), 0);
			assert_int_equal(fp_table_count(&t, &cnt), 0);
			assert_int_equal(cnt, 0);
			drop(&t);
		}
	}
	free(keys);
}

/* Clear of arrays writes zeros everywhere, at lb_ring's size too. */
static void test_clear_array(void **state)
{
	const struct fp_table_desc *d = LB("lb_ring");
	size_t i;

	for (i = 0; i < 3; i++) {
		struct fp_table t, o;
		uint32_t k, v, got;

		make(&t, d, worlds[i], 0);
		for (k = 0; k < d->max_entries; k += 997) {
			v = k + 1;
			assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), 0);
		}
		k = d->max_entries - 1;
		v = 5;
		assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), 0);
		k = d->max_entries;
		assert_int_equal(fp_table_update(&t, &k, &v, FP_ANY), -E2BIG);
		assert_int_equal(fp_table_clear(&t), 0);
		for (int j = 0; j < 2; j++) {
			if (!(worlds[i] & (j ? W_UT : W_BPF)))
				continue;
			o = only(&t, j ? W_UT : W_BPF);
			for (k = 0; k < d->max_entries; k += 997) {
				assert_int_equal(fp_table_lookup(&o, &k, &got),
						 0);
				assert_int_equal(got, 0);
			}
			k = d->max_entries - 1;
			assert_int_equal(fp_table_lookup(&o, &k, &got), 0);
			assert_int_equal(got, 0);
		}
		drop(&t);
	}
}

/*
 * Differential: a seeded random sequence of updates and deletes through
 * fp_table_* on a table in both worlds gives the same return values as on
 * a BPF-only and a twin-only table, and the two worlds end up equal.
 */
static void test_random_same(void **state)
{
	struct fp_table both, b, u;
	uint32_t *kb = malloc(256 * 4), *ku = malloc(256 * 4), nb, nu, i;
	unsigned int seed = 12345;

	assert_non_null(kb);
	assert_non_null(ku);
	make(&both, &d_hash, W_BOTH, 64);
	make(&b, &d_hash, W_BPF, 64);
	make(&u, &d_hash, W_UT, 64);
	for (i = 0; i < 10000; i++) {
		uint32_t k = (uint32_t)rand_r(&seed) % 100;
		uint64_t v = (uint64_t)rand_r(&seed), flags;
		int op = rand_r(&seed) % 3, r1, r2, r3;

		flags = (uint64_t)(rand_r(&seed) % 3);
		if (op < 2) {
			r1 = fp_table_update(&both, &k, &v, flags);
			r2 = fp_table_update(&b, &k, &v, flags);
			r3 = fp_table_update(&u, &k, &v, flags);
		} else {
			r1 = fp_table_delete(&both, &k);
			r2 = fp_table_delete(&b, &k);
			r3 = fp_table_delete(&u, &k);
		}
		if (r1 != r2 || r2 != r3)
			fail_msg("op %u: both %d, bpf %d, twin %d", i, r1, r2,
				 r3);
	}
	nb = keys_u32(&both, W_BPF, kb, 256);
	nu = keys_u32(&both, W_UT, ku, 256);
	assert_int_equal(nb, nu);
	for (i = 0; i < nb; i++) {
		uint64_t vb, vu;
		struct fp_table ob = only(&both, W_BPF), ou = only(&both, W_UT);

		assert_int_equal(fp_table_lookup(&ob, &kb[i], &vb), 0);
		assert_int_equal(fp_table_lookup(&ou, &kb[i], &vu), 0);
		assert_int_equal(vb, vu);
	}
	drop(&both);
	drop(&b);
	drop(&u);
	free(kb);
	free(ku);
}

static void test_find(void **state)
{
	struct fp_tables ts = { 0 };
	unsigned int i;

	for (i = 0; i < fp_nf_lb_n_tables; i++) {
		ts.t[i].desc = &fp_nf_lb_tables[i];
		ts.t[i].fd = -1;
	}
	ts.n = i;
	assert_ptr_equal(fp_tables_find(&ts, "lb_ring"), &ts.t[2]);
	assert_null(fp_tables_find(&ts, "fw_exact"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_hash_semantics),
		cmocka_unit_test(test_every_world),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_lpm),
		cmocka_unit_test(test_percpu_sum),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_clear_array),
		cmocka_unit_test(test_random_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
