/* SPDX-License-Identifier: MIT */
/*
 * A log-linear latency histogram (HdrHistogram style) for round-trip
 * times in nanoseconds.
 *
 * Layout.  Values below FP_HIST_SUB (64) have one bucket each (exact).
 * Above, every power of two [2^k, 2^(k+1)) is split into FP_HIST_SUB / 2
 * (32) linear sub-buckets of width 2^k / 32, so a bucket's width is at
 * most 1/32 of its lower bound.  FP_HIST_BUCKETS covers every uint64_t.
 *
 * Error bound.  fp_hist_percentile() returns the midpoint of the bucket
 * that holds the exact percentile (clamped to [min, max]); the midpoint is
 * at most half a bucket width away from any value in the bucket, so the
 * relative error is at most 1 / 64 = 1.5625% (FP_HIST_REL_ERR), and 0
 * below 64 ns.  min, max, mean and stddev are exact (running sums).
 *
 * Percentile definition: the value of rank ceil(p / 100 * count) (1-based,
 * at least 1) in the sorted samples -- the "nearest rank" method; the
 * tests compare against exactly that on sorted arrays.
 */
#ifndef FASTPATH_HIST_H
#define FASTPATH_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define FP_HIST_SUB_BITS	6
#define FP_HIST_SUB		(1u << FP_HIST_SUB_BITS)	/* 64 */
#define FP_HIST_HALF		(FP_HIST_SUB / 2)		/* 32 */
/* 64 exact buckets, then 32 per power of two for 2^6 .. 2^63. */
#define FP_HIST_BUCKETS		(FP_HIST_SUB + (64 - FP_HIST_SUB_BITS) * FP_HIST_HALF)
#define FP_HIST_REL_ERR		(1.0 / FP_HIST_SUB)

struct fp_hist {
	uint64_t buckets[FP_HIST_BUCKETS];
	uint64_t count;
	uint64_t min, max;	/* valid when count > 0 */
	double sum, sum_sq;	/* mean and stddev; doubles: no overflow */
};

void fp_hist_init(struct fp_hist *h);
void fp_hist_record(struct fp_hist *h, uint64_t ns);
/* Add @src into @dst (same layout, always). */
void fp_hist_merge(struct fp_hist *dst, const struct fp_hist *src);

uint64_t fp_hist_count(const struct fp_hist *h);
/* 0 when empty. */
uint64_t fp_hist_min(const struct fp_hist *h);
uint64_t fp_hist_max(const struct fp_hist *h);
double fp_hist_mean(const struct fp_hist *h);
/* Population standard deviation; 0 with fewer than two values. */
double fp_hist_stddev(const struct fp_hist *h);
/* @p in [0, 100]; 0 when empty.  Within FP_HIST_REL_ERR (see above). */
uint64_t fp_hist_percentile(const struct fp_hist *h, double p);
/* 25th, 50th and 75th percentiles. */
void fp_hist_quartiles(const struct fp_hist *h, uint64_t *q1, uint64_t *q2,
		       uint64_t *q3);

/* Bucket of a value, and the bucket's range [lo, hi] (inclusive). */
uint32_t fp_hist_bucket(uint64_t ns);
void fp_hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi);

/*
 * Iterate over the non-empty buckets in increasing order:
 *   uint32_t it = 0; uint64_t lo, hi, n;
 *   while (fp_hist_next(h, &it, &lo, &hi, &n)) ...
 * Returns false when there are no more.
 */
bool fp_hist_next(const struct fp_hist *h, uint32_t *it, uint64_t *lo,
		  uint64_t *hi, uint64_t *n);

#endif
