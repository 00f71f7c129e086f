// SPDX-License-Identifier: MIT
/* The log-linear latency histogram of fastpath/hist.h. */
#include <math.h>
#include <string.h>

#include "fastpath/hist.h"

void fp_hist_init(struct fp_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint32_t fp_hist_bucket(uint64_t ns)
{
	uint32_t k;

	if (ns < FP_HIST_SUB)
		return (uint32_t)ns;
	k = 63 - (uint32_t)__builtin_clzll(ns);	/* ns in [2^k, 2^(k+1)) */
	/* The 5 bits below the leading one pick the sub-bucket. */
	return FP_HIST_SUB + (k - FP_HIST_SUB_BITS) * FP_HIST_HALF +
	       (uint32_t)((ns >> (k - (FP_HIST_SUB_BITS - 1))) & (FP_HIST_HALF - 1));
}

void fp_hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi)
{
	uint32_t k, sub, shift;

	if (b < FP_HIST_SUB) {
		*lo = *hi = b;
		return;
	}
	k = (b - FP_HIST_SUB) / FP_HIST_HALF + FP_HIST_SUB_BITS;
	sub = (b - FP_HIST_SUB) % FP_HIST_HALF;
	shift = k - (FP_HIST_SUB_BITS - 1);
	*lo = (1ULL << k) + ((uint64_t)sub << shift);
	*hi = *lo + ((1ULL << shift) - 1);
}

void fp_hist_record(struct fp_hist *h, uint64_t ns)
{
	double d = (double)ns;

	h->buckets[fp_hist_bucket(ns)]++;
	if (!h->count || ns < h->min)
		h->min = ns;
	if (!h->count || ns > h->max)
		h->max = ns;
	h->count++;
	h->sum += d;
	h->sum_sq += d * d;
}

void fp_hist_merge(struct fp_hist *dst, const struct fp_hist *src)
{
	uint32_t i;

	if (!src->count)
		return;
	for (i = 0; i < FP_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	dst->sum_sq += src->sum_sq;
}

uint64_t fp_hist_count(const struct fp_hist *h)
{
	return h->count;
}

uint64_t fp_hist_min(const struct fp_hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t fp_hist_max(const struct fp_hist *h)
{
	return h->count ? h->max : 0;
}

double fp_hist_mean(const struct fp_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}

double fp_hist_stddev(const struct fp_hist *h)
{
	double m, var;

	if (h->count < 2)
		return 0.0;
	m = fp_hist_mean(h);
	var = h->sum_sq / (double)h->count - m * m;
	/* Cancellation can make a tiny variance slightly negative. */
	return var > 0 ? sqrt(var) : 0.0;
}

uint64_t fp_hist_percentile(const struct fp_hist *h, double p)
{
	uint64_t rank, seen = 0, lo, hi, v;
	uint32_t b;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (b = 0; b < FP_HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			break;
	}
	fp_hist_bucket_range(b, &lo, &hi);
	v = lo + (hi - lo) / 2;
	/* The exact extremes are known: never report beyond them. */
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

void fp_hist_quartiles(const struct fp_hist *h, uint64_t *q1, uint64_t *q2,
		       uint64_t *q3)
{
	*q1 = fp_hist_percentile(h, 25);
	*q2 = fp_hist_percentile(h, 50);
	*q3 = fp_hist_percentile(h, 75);
}

bool fp_hist_next(const struct fp_hist *h, uint32_t *it, uint64_t *lo,
		  uint64_t *hi, uint64_t *n)
{
	uint32_t b;

	for (b = *it; b < FP_HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		fp_hist_bucket_range(b, lo, hi);
		*n = h->buckets[b];
		*it = b + 1;
		return true;
	}
	*it = FP_HIST_BUCKETS;
	return false;
}
