// SPDX-License-Identifier: MIT
/*
 * k-means (kmeans.h): well separated gaussian clusters in 5 dimensions
 * must come back with the right k and the true grouping up to relabeling;
 * degenerate inputs give k = 1 or a clear error; a seed gives one answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/kmeans.h"

#define DIM 5

static uint64_t rng_state = 88172645463325252ULL;

static double unit(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Box-Muller. */
static double gauss(void)
{
	return sqrt(-2 * log(unit())) * cos(2 * M_PI * unit());
}

/*
 * @k clusters of @per points; centres on distinct axes scaled so they are
 * far apart relative to sigma 1, with dimensions of very different scales
 * (like ns means next to small stds) to exercise the standardization.
 */
static double *make(unsigned int k, unsigned int per, unsigned int *truth)
{
	static const double scale[DIM] = { 1000, 1, 50, 5, 0.1 };
	double *x = calloc((size_t)k * per * DIM, sizeof(*x));
	unsigned int c, i, j;

	for (c = 0; c < k; c++)
		for (i = 0; i < per; i++) {
			size_t row = (size_t)c * per + i;

			truth[row] = c;
			for (j = 0; j < DIM; j++) {
				double centre = (j == c % DIM ? 30.0 : 0.0) +
						(c >= DIM && j == 0 ? -30.0 : 0.0);

				x[row * DIM + j] = (centre + gauss()) * scale[j];
			}
		}
	return x;
}

/* The clustering equals the truth up to a bijective relabeling. */
static void assert_same_partition(const unsigned int *got,
				  const unsigned int *truth, size_t n,
				  unsigned int k)
{
	int map[FP_KMEANS_MAX_K], back[FP_KMEANS_MAX_K];
	size_t i;

	memset(map, -1, sizeof(map));
	memset(back, -1, sizeof(back));
	for (i = 0; i < n; i++) {
		assert_true(got[i] < k);
		if (map[truth[i]] < 0 && back[got[i]] < 0) {
			map[truth[i]] = got[i];
			back[got[i]] = truth[i];
		}
		assert_int_equal(map[truth[i]], got[i]);
		assert_int_equal(back[got[i]], truth[i]);
	}
}

static void check_k(unsigned int k, unsigned int per)
{
	struct fp_kmeans_result res;
	unsigned int *truth = calloc((size_t)k * per, sizeof(*truth));
	double *x = make(k, per, truth);

	assert_int_equal(fp_kmeans_auto(x, (size_t)k * per, DIM, 42, &res), 0);
	assert_int_equal(res.k, k);
	/* Noise-only dimensions get unit variance after z-scoring too. */
	assert_true(res.silhouette > 0.3);
	assert_same_partition(res.assign, truth, (size_t)k * per, k);
	fp_kmeans_result_free(&res);
	free(x);
	free(truth);
}

static void test_three(void **state)
{
	check_k(3, 30);
}

static void test_five(void **state)
{
	check_k(5, 20);
}

static void test_deterministic(void **state)
{
	struct fp_kmeans_result a, b;
	unsigned int truth[60];
	double *x = make(3, 20, truth);

	assert_int_equal(fp_kmeans_auto(x, 60, DIM, 7, &a), 0);
	assert_int_equal(fp_kmeans_auto(x, 60, DIM, 7, &b), 0);
	assert_int_equal(a.k, b.k);
	assert_memory_equal(a.assign, b.assign, 60 * sizeof(*a.assign));
	assert_true(a.inertia == b.inertia);
	fp_kmeans_result_free(&a);
	fp_kmeans_result_free(&b);
	free(x);
}

static void test_too_few(void **state)
{
	double x[2 * DIM] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct fp_kmeans_result res;

	assert_int_equal(fp_kmeans_auto(x, 2, DIM, 1, &res), 0);
	assert_int_equal(res.k, 1);
	assert_non_null(res.why_one);
	assert_int_equal(res.assign[0], 0);
	assert_int_equal(res.assign[1], 0);
	fp_kmeans_result_free(&res);

	assert_int_equal(fp_kmeans_auto(x, 0, DIM, 1, &res), -EINVAL);
	{
		unsigned int a[2];

		assert_int_equal(fp_kmeans(x, 2, DIM, 3, 1, 1, a,
					   NULL, NULL), -EINVAL);
	}
}

static void test_identical(void **state)
{
	struct fp_kmeans_result res;
	double x[10 * DIM];
	unsigned int i;

	for (i = 0; i < 10 * DIM; i++)
		x[i] = 1234.5 + (i % DIM);
	assert_int_equal(fp_kmeans_auto(x, 10, DIM, 1, &res), 0);
	assert_int_equal(res.k, 1);
	assert_non_null(res.why_one);
	for (i = 0; i < 10; i++)
		assert_int_equal(res.assign[i], 0);
	fp_kmeans_result_free(&res);
}

/* Two distinct values among many points: k cannot exceed 2. */
static void test_two_values(void **state)
{
	struct fp_kmeans_result res;
	double x[12 * DIM];
	unsigned int i;

	for (i = 0; i < 12 * DIM; i++)
		x[i] = (i / DIM) % 2 ? 10 : 20;
	assert_int_equal(fp_kmeans_auto(x, 12, DIM, 3, &res), 0);
	assert_int_equal(res.k, 2);
	for (i = 0; i < 12; i++)
		assert_int_equal(res.assign[i], res.assign[i % 2]);
	assert_int_not_equal(res.assign[0], res.assign[1]);
	fp_kmeans_result_free(&res);
}

static void test_standardize(void **state)
{
	double x[4 * 2] = { 1, 5, 2, 5, 3, 5, 4, 5 }, z[8];
	double sum = 0, sq = 0;
	unsigned int i;

	fp_kmeans_standardize(x, 4, 2, z);
	for (i = 0; i < 4; i++) {
		sum += z[i * 2];
		sq += z[i * 2] * z[i * 2];
		assert_true(z[i * 2 + 1] == 0);	/* constant dimension */
	}
	assert_true(fabs(sum) < 1e-9);
	assert_true(fabs(sq / 4 - 1) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three),
		cmocka_unit_test(test_five),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_too_few),
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_two_values),
		cmocka_unit_test(test_standardize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
