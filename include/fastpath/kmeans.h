/* SPDX-License-Identifier: MIT */
/*
 * k-means for `fastpath sweep`: group configurations by their latency
 * statistics, as Castillon du Perron et al. (ICC'24) did.
 *
 * The points are standardized per dimension first (z-scores), so a
 * dimension measured in large numbers (a mean of 20000 ns) does not drown
 * a small one (a standard deviation of 300 ns).  A dimension that is
 * constant gets z = 0 everywhere: it cannot separate anything.
 *
 * Seeding is k-means++ from a seeded PRNG (xorshift64*), then Lloyd
 * iterations; several restarts keep the lowest inertia.  Everything is
 * deterministic for a given seed: ties go to the lowest index.
 *
 * k is chosen in 2..min(8, n-1) by the mean silhouette score (Rousseeuw
 * 1987): for each point, (b - a) / max(a, b), with a the mean distance to
 * its own cluster and b the mean distance to the nearest other cluster.
 * The highest mean wins; on a tie the smaller k.  With fewer than 3
 * points, or fewer than 2 distinct points, the answer is k = 1.
 */
#ifndef FASTPATH_KMEANS_H
#define FASTPATH_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#define FP_KMEANS_MAX_K		8
#define FP_KMEANS_RESTARTS	10
#define FP_KMEANS_MAX_ITER	100

/* z-scores of @in (n rows of @dim) into @out (may equal @in). */
void fp_kmeans_standardize(const double *in, size_t n, size_t dim,
			   double *out);

/*
 * Cluster @x (n rows of @dim, used as given) into @k clusters: @assign[n]
 * gets each point's cluster, @centroids[k * dim] (may be NULL) the
 * centres, *@inertia (may be NULL) the sum of squared distances.
 * 0, or -EINVAL when k is 0 or larger than n, -ENOMEM.
 */
int fp_kmeans(const double *x, size_t n, size_t dim, unsigned int k,
	      uint64_t seed, unsigned int restarts, unsigned int *assign,
	      double *centroids, double *inertia);

/* Mean silhouette of a clustering of @x into @k clusters, in [-1, 1]. */
double fp_kmeans_silhouette(const double *x, size_t n, size_t dim,
			    const unsigned int *assign, unsigned int k);

struct fp_kmeans_result {
	unsigned int k;		/* chosen */
	unsigned int *assign;	/* [n], 0..k-1 */
	double silhouette;	/* of the chosen k; 0 when k = 1 */
	double inertia;		/* in z-score space */
	/* silhouette for each k tried, index k; NAN where not tried */
	double score[FP_KMEANS_MAX_K + 1];
	const char *why_one;	/* when k = 1: why no clustering was done */
};

/*
 * Standardize @x and choose k by the silhouette (see above).  @res->assign
 * is allocated; release with fp_kmeans_result_free().  0, -EINVAL when n
 * or dim is 0 (printing why), -ENOMEM.
 */
int fp_kmeans_auto(const double *x, size_t n, size_t dim, uint64_t seed,
		   struct fp_kmeans_result *res);
void fp_kmeans_result_free(struct fp_kmeans_result *res);

#endif
