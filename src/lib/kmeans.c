// SPDX-License-Identifier: MIT
/*
 * k-means with k-means++ seeding, Lloyd iterations and restarts, and the
 * choice of k by silhouette.  Sizes are small (a sweep has hundreds of
 * configurations at most), so the O(n^2) silhouette is fine and clarity
 * wins over speed.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/kmeans.h"
#include "fastpath/log.h"

/* xorshift64*: tiny, good enough for seeding, same stream everywhere. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static double dist2(const double *a, const double *b, size_t dim)
{
	double d = 0;
	size_t j;

	for (j = 0; j < dim; j++)
		d += (a[j] - b[j]) * (a[j] - b[j]);
	return d;
}

void fp_kmeans_standardize(const double *in, size_t n, size_t dim,
			   double *out)
{
	size_t i, j;

	for (j = 0; j < dim; j++) {
		double mean = 0, var = 0, sd;

		for (i = 0; i < n; i++)
			mean += in[i * dim + j];
		mean /= n ? n : 1;
		for (i = 0; i < n; i++)
			var += (in[i * dim + j] - mean) * (in[i * dim + j] - mean);
		sd = n ? sqrt(var / n) : 0;
		for (i = 0; i < n; i++) {
			/* Relative threshold: rounding noise is not spread. */
			if (sd <= 1e-12 * (fabs(mean) + 1))
				out[i * dim + j] = 0;
			else
				out[i * dim + j] = (in[i * dim + j] - mean) / sd;
		}
	}
}

/* k-means++: each next centre drawn with probability ~ D(x)^2. */
static void seed_pp(const double *x, size_t n, size_t dim, unsigned int k,
		    uint64_t *rng, double *c, double *d2)
{
	unsigned int m;
	size_t i, pick;

	pick = rng_next(rng) % n;
	memcpy(c, x + pick * dim, dim * sizeof(*c));
	for (i = 0; i < n; i++)
		d2[i] = dist2(x + i * dim, c, dim);
	for (m = 1; m < k; m++) {
		double sum = 0, r;

		for (i = 0; i < n; i++)
			sum += d2[i];
		if (sum <= 0) {
			/* All points sit on centres already: any will do. */
			pick = rng_next(rng) % n;
		} else {
			r = rng_unit(rng) * sum;
			for (pick = 0; pick < n - 1; pick++) {
				r -= d2[pick];
				if (r < 0)
					break;
			}
		}
		memcpy(c + m * dim, x + pick * dim, dim * sizeof(*c));
		for (i = 0; i < n; i++) {
			double d = dist2(x + i * dim, c + m * dim, dim);

			if (d < d2[i])
				d2[i] = d;
		}
	}
}

static double lloyd(const double *x, size_t n, size_t dim, unsigned int k,
		    double *c, unsigned int *assign, size_t *count)
{
	unsigned int it, m;
	double inertia = 0;
	size_t i, j;

	for (i = 0; i < n; i++)
		assign[i] = k;	/* none yet: the first pass always changes */
	for (it = 0; it < FP_KMEANS_MAX_ITER; it++) {
		bool changed = false;

		inertia = 0;
		for (i = 0; i < n; i++) {
			unsigned int best = 0;
			double bd = dist2(x + i * dim, c, dim);

			for (m = 1; m < k; m++) {
				double d = dist2(x + i * dim, c + m * dim, dim);

				if (d < bd) {
					bd = d;
					best = m;
				}
			}
			if (assign[i] != best)
				changed = true;
			assign[i] = best;
			inertia += bd;
		}
		if (!changed)
			break;
		memset(c, 0, k * dim * sizeof(*c));
		memset(count, 0, k * sizeof(*count));
		for (i = 0; i < n; i++) {
			count[assign[i]]++;
			for (j = 0; j < dim; j++)
				c[assign[i] * dim + j] += x[i * dim + j];
		}
		for (m = 0; m < k; m++) {
			size_t far = 0;
			double fd = -1;

			if (count[m]) {
				for (j = 0; j < dim; j++)
					c[m * dim + j] /= count[m];
				continue;
			}
			/*
			 * An empty cluster takes the point farthest from its
			 * centre, so k clusters stay k clusters.
			 */
			for (i = 0; i < n; i++) {
				double d = dist2(x + i * dim,
						 c + assign[i] * dim, dim);

				if (count[assign[i]] > 1 && d > fd) {
					fd = d;
					far = i;
				}
			}
			count[assign[far]]--;
			assign[far] = m;
			count[m] = 1;
			memcpy(c + m * dim, x + far * dim, dim * sizeof(*c));
		}
	}
	return inertia;
}

int fp_kmeans(const double *x, size_t n, size_t dim, unsigned int k,
	      uint64_t seed, unsigned int restarts, unsigned int *assign,
	      double *centroids, double *inertia)
{
	double *c, *d2, best = INFINITY;
	unsigned int *a, r;
	uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	size_t *count;
	int err = 0;

	if (!k || k > n || !dim)
		return -EINVAL;
	if (!restarts)
		restarts = 1;
	c = calloc(k * dim, sizeof(*c));
	d2 = calloc(n, sizeof(*d2));
	a = calloc(n, sizeof(*a));
	count = calloc(k, sizeof(*count));
	if (!c || !d2 || !a || !count) {
		err = -ENOMEM;
		goto out;
	}
	if (!rng)
		rng = 1;	/* xorshift has a fixed point at 0 */
	for (r = 0; r < restarts; r++) {
		double in;

		seed_pp(x, n, dim, k, &rng, c, d2);
		in = lloyd(x, n, dim, k, c, a, count);
		if (in < best) {
			best = in;
			memcpy(assign, a, n * sizeof(*a));
			if (centroids)
				memcpy(centroids, c, k * dim * sizeof(*c));
		}
	}
	if (inertia)
		*inertia = best;
out:
	free(c);
	free(d2);
	free(a);
	free(count);
	return err;
}

double fp_kmeans_silhouette(const double *x, size_t n, size_t dim,
			    const unsigned int *assign, unsigned int k)
{
	double *sum, total = 0;
	size_t *count, i, p;
	unsigned int m;

	sum = calloc(k, sizeof(*sum));
	count = calloc(k, sizeof(*count));
	if (!sum || !count || k < 2) {
		free(sum);
		free(count);
		return 0;
	}
	for (i = 0; i < n; i++)
		count[assign[i]]++;
	for (i = 0; i < n; i++) {
		double a, b = INFINITY, mx;

		memset(sum, 0, k * sizeof(*sum));
		for (p = 0; p < n; p++)
			if (p != i)
				sum[assign[p]] += sqrt(dist2(x + i * dim,
							     x + p * dim, dim));
		/* A point alone in its cluster scores 0 by definition. */
		if (count[assign[i]] < 2)
			continue;
		a = sum[assign[i]] / (count[assign[i]] - 1);
		for (m = 0; m < k; m++)
			if (m != assign[i] && count[m] && sum[m] / count[m] < b)
				b = sum[m] / count[m];
		mx = a > b ? a : b;
		if (mx > 0 && isfinite(b))
			total += (b - a) / mx;
	}
	free(sum);
	free(count);
	return total / n;
}

/* Number of distinct rows, capped at @cap (enough to bound k). */
static size_t distinct_rows(const double *z, size_t n, size_t dim, size_t cap)
{
	size_t i, p, d = 0;

	for (i = 0; i < n && d < cap; i++) {
		for (p = 0; p < i; p++)
			if (dist2(z + i * dim, z + p * dim, dim) == 0)
				break;
		if (p == i)
			d++;
	}
	return d;
}

/*
 * Relabel clusters 0.. in order of first appearance and drop empty ones:
 * labels then do not depend on seeding order, and every label is used.
 */
static void compact(unsigned int *assign, size_t n, unsigned int *k)
{
	unsigned int map[FP_KMEANS_MAX_K], next = 0, c;
	size_t i;

	for (c = 0; c < FP_KMEANS_MAX_K; c++)
		map[c] = FP_KMEANS_MAX_K;
	for (i = 0; i < n; i++) {
		if (map[assign[i]] == FP_KMEANS_MAX_K)
			map[assign[i]] = next++;
		assign[i] = map[assign[i]];
	}
	*k = next;
}

int fp_kmeans_auto(const double *x, size_t n, size_t dim, uint64_t seed,
		   struct fp_kmeans_result *res)
{
	unsigned int k, kmax, *a = NULL;
	double *z;
	size_t distinct;
	int err = 0;

	memset(res, 0, sizeof(*res));
	for (k = 0; k <= FP_KMEANS_MAX_K; k++)
		res->score[k] = NAN;
	if (!n || !dim) {
		fp_err("kmeans: no data to cluster (%zu points of %zu dimensions)",
		       n, dim);
		return -EINVAL;
	}
	z = calloc(n * dim, sizeof(*z));
	res->assign = calloc(n, sizeof(*res->assign));
	a = calloc(n, sizeof(*a));
	if (!z || !res->assign || !a) {
		err = -ENOMEM;
		goto out;
	}
	fp_kmeans_standardize(x, n, dim, z);
	res->k = 1;
	if (n < 3) {
		res->why_one = "fewer than 3 points";
		goto out;
	}
	distinct = distinct_rows(z, n, dim, FP_KMEANS_MAX_K + 1);
	if (distinct < 2) {
		res->why_one = "all points are identical";
		goto out;
	}
	kmax = n - 1 < FP_KMEANS_MAX_K ? n - 1 : FP_KMEANS_MAX_K;
	if (kmax > distinct)
		kmax = distinct;
	if (kmax < 2) {
		res->why_one = "fewer than 2 distinct points";
		goto out;
	}
	res->silhouette = -INFINITY;
	for (k = 2; k <= kmax; k++) {
		double in, s;

		err = fp_kmeans(z, n, dim, k, seed, FP_KMEANS_RESTARTS, a,
				NULL, &in);
		if (err)
			goto out;
		s = fp_kmeans_silhouette(z, n, dim, a, k);
		res->score[k] = s;
		/* Strictly better: a tie keeps the smaller k. */
		if (s > res->silhouette + 1e-12) {
			res->silhouette = s;
			res->k = k;
			res->inertia = in;
			memcpy(res->assign, a, n * sizeof(*a));
		}
	}
	compact(res->assign, n, &res->k);
out:
	free(z);
	free(a);
	if (err) {
		free(res->assign);
		res->assign = NULL;
	}
	return err;
}

void fp_kmeans_result_free(struct fp_kmeans_result *res)
{
	free(res->assign);
	res->assign = NULL;
}
