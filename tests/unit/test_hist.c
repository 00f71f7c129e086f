// SPDX-License-Identifier: MIT
/*
 * The latency histogram (hist.h): percentiles against the exact
 * nearest-rank percentiles of known data (sorted arrays: uniform,
 * exponential, bimodal), within the documented FP_HIST_REL_ERR; exact
 * min/max/mean/stddev; bucket layout; merge; edge cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/hist.h"

#define N 100000

static uint64_t vals[N];

/* xorshift64*: reproducible data without depending on libc's rand(). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double unit(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;	/* [0, 1) */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact_pct(const uint64_t *s, size_t n, double p)
{
	size_t rank;

	if (p <= 0)
		return s[0];
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return s[rank - 1];
}

static const double pcts[] = { 0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9,
			       99.99, 100 };

static void check_against_exact(uint64_t *v, size_t n)
{
	struct fp_hist h;
	double sum = 0, sq = 0, mean, sd;
	size_t i;

	fp_hist_init(&h);
	for (i = 0; i < n; i++) {
		fp_hist_record(&h, v[i]);
		sum += (double)v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	mean = sum / (double)n;
	for (i = 0; i < n; i++)
		sq += ((double)v[i] - mean) * ((double)v[i] - mean);
	sd = sqrt(sq / (double)n);

	assert_int_equal(fp_hist_count(&h), n);
	assert_int_equal(fp_hist_min(&h), v[0]);
	assert_int_equal(fp_hist_max(&h), v[n - 1]);
	assert_true(fabs(fp_hist_mean(&h) - mean) <= 1e-9 * mean + 1e-9);
	assert_true(fabs(fp_hist_stddev(&h) - sd) <= 1e-6 * sd + 1e-6);
	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t e = exact_pct(v, n, pcts[i]);
		uint64_t g = fp_hist_percentile(&h, pcts[i]);
		double err = fabs((double)g - (double)e);

		if (err > FP_HIST_REL_ERR * (double)e)
			fail_msg("p%g: got %llu, exact %llu (error %.4f%% > %.4f%%)",
				 pcts[i], (unsigned long long)g,
				 (unsigned long long)e, 100 * err / (double)e,
				 100 * FP_HIST_REL_ERR);
	}
}

static void test_uniform(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		vals[i] = 1000 + rng() % 99000;		/* 1 us .. 100 us */
	check_against_exact(vals, N);
}

static void test_exponential(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		vals[i] = 5000 + (uint64_t)(-log(1.0 - unit()) * 20000.0);
	check_against_exact(vals, N);
}

static void test_bimodal(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		vals[i] = (rng() & 7) ? 7000 + rng() % 500	/* fast path */
				      : 150000 + rng() % 50000;	/* slow tail */
	check_against_exact(vals, N);
}

static void test_small_values_exact(void **state)
{
	struct fp_hist h;
	uint64_t v;

	(void)state;
	fp_hist_init(&h);
	for (v = 0; v < 64; v++)
		fp_hist_record(&h, v);
	/* Below 64 every bucket holds one value: percentiles are exact. */
	assert_int_equal(fp_hist_percentile(&h, 50), 31);
	assert_int_equal(fp_hist_percentile(&h, 100), 63);
	assert_int_equal(fp_hist_percentile(&h, 0), 0);
	for (v = 1; v <= 64; v++)
		assert_int_equal(fp_hist_percentile(&h, (double)v * 100.0 / 64),
				 v - 1);
}

static void test_empty(void **state)
{
	struct fp_hist h;
	uint32_t it = 0;
	uint64_t lo, hi, n, q1, q2, q3;

	(void)state;
	fp_hist_init(&h);
	assert_int_equal(fp_hist_count(&h), 0);
	assert_int_equal(fp_hist_min(&h), 0);
	assert_int_equal(fp_hist_max(&h), 0);
	assert_true(fp_hist_mean(&h) == 0.0);
	assert_true(fp_hist_stddev(&h) == 0.0);
	assert_int_equal(fp_hist_percentile(&h, 50), 0);
	fp_hist_quartiles(&h, &q1, &q2, &q3);
	assert_int_equal(q1 | q2 | q3, 0);
	assert_false(fp_hist_next(&h, &it, &lo, &hi, &n));
}

static void test_one_value(void **state)
{
	struct fp_hist h;
	uint32_t it = 0;
	uint64_t lo, hi, n;
	double p;

	(void)state;
	fp_hist_init(&h);
	fp_hist_record(&h, 12345);
	/* Clamping to [min, max] makes every percentile exact here. */
	for (p = 0; p <= 100; p += 12.5)
		assert_int_equal(fp_hist_percentile(&h, p), 12345);
	assert_true(fp_hist_mean(&h) == 12345.0);
	assert_true(fp_hist_stddev(&h) == 0.0);
	assert_true(fp_hist_next(&h, &it, &lo, &hi, &n));
	assert_true(lo <= 12345 && 12345 <= hi);
	assert_int_equal(n, 1);
	assert_false(fp_hist_next(&h, &it, &lo, &hi, &n));
}

static void test_huge_values(void **state)
{
	struct fp_hist h;
	uint64_t big[] = { UINT64_MAX, UINT64_MAX - 1, 1ULL << 63,
			   (1ULL << 63) - 1, 1ULL << 40 };
	uint64_t lo, hi;
	size_t i;

	(void)state;
	fp_hist_init(&h);
	assert_int_equal(fp_hist_bucket(UINT64_MAX), FP_HIST_BUCKETS - 1);
	fp_hist_bucket_range(FP_HIST_BUCKETS - 1, &lo, &hi);
	assert_true(hi == UINT64_MAX);
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		fp_hist_record(&h, big[i]);
	assert_true(fp_hist_max(&h) == UINT64_MAX);
	assert_true(fp_hist_min(&h) == 1ULL << 40);
	assert_true(fp_hist_percentile(&h, 100) == UINT64_MAX);
	assert_true(fabs((double)fp_hist_percentile(&h, 50) - (double)(1ULL << 63)) <=
		    FP_HIST_REL_ERR * (double)(1ULL << 63));
}

/* Every value falls in a bucket whose range contains it, the ranges tile
 * the line without gaps, and each width is within the error bound. */
static void test_layout(void **state)
{
	uint64_t lo, hi, prev_hi = 0, v;
	uint32_t b;
	int i;

	(void)state;
	for (b = 0; b < FP_HIST_BUCKETS; b++) {
		fp_hist_bucket_range(b, &lo, &hi);
		if (b)
			assert_true(lo == prev_hi + 1);
		assert_true(hi >= lo);
		if (lo >= FP_HIST_SUB)
			assert_true((double)(hi - lo + 1) / (double)lo <=
				    2 * FP_HIST_REL_ERR + 1e-12);
		assert_int_equal(fp_hist_bucket(lo), b);
		assert_int_equal(fp_hist_bucket(hi), b);
		prev_hi = hi;
	}
	assert_true(prev_hi == UINT64_MAX);
	for (i = 0; i < 100000; i++) {
		v = rng() >> (rng() % 64);
		fp_hist_bucket_range(fp_hist_bucket(v), &lo, &hi);
		assert_true(lo <= v && v <= hi);
	}
}

static void test_merge(void **state)
{
	struct fp_hist a, b, all;
	uint64_t lo, hi, n, total = 0, v;
	uint32_t it = 0, i;

	(void)state;
	fp_hist_init(&a);
	fp_hist_init(&b);
	fp_hist_init(&all);
	for (i = 0; i < 10000; i++) {
		v = 100 + rng() % 1000000;
		fp_hist_record(i & 1 ? &a : &b, v);
		fp_hist_record(&all, v);
	}
	fp_hist_merge(&a, &b);
	assert_memory_equal(a.buckets, all.buckets, sizeof(a.buckets));
	assert_int_equal(a.count, all.count);
	assert_int_equal(a.min, all.min);
	assert_int_equal(a.max, all.max);
	assert_true(fabs(a.sum - all.sum) <= 1e-9 * all.sum);
	assert_int_equal(fp_hist_percentile(&a, 99), fp_hist_percentile(&all, 99));
	while (fp_hist_next(&a, &it, &lo, &hi, &n)) {
		assert_true(n > 0);
		total += n;
	}
	assert_int_equal(total, 10000);
	/* Merging into an empty histogram copies min and max. */
	fp_hist_init(&b);
	fp_hist_merge(&b, &all);
	assert_int_equal(b.min, all.min);
	assert_int_equal(b.max, all.max);
}

static void test_quartiles(void **state)
{
	struct fp_hist h;
	uint64_t q1, q2, q3, v;

	(void)state;
	fp_hist_init(&h);
	for (v = 1; v <= 1000; v++)
		fp_hist_record(&h, v * 100);
	fp_hist_quartiles(&h, &q1, &q2, &q3);
	assert_true(fabs((double)q1 - 25000) <= FP_HIST_REL_ERR * 25000);
	assert_true(fabs((double)q2 - 50000) <= FP_HIST_REL_ERR * 50000);
	assert_true(fabs((double)q3 - 75000) <= FP_HIST_REL_ERR * 75000);
	assert_true(q1 <= q2 && q2 <= q3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_bimodal),
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_value),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_quartiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
