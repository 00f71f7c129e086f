// SPDX-License-Identifier: MIT
/*
 * FP_UTABLE_ARRAY and FP_UTABLE_PERCPU_ARRAY: BPF_MAP_TYPE_ARRAY and
 * BPF_MAP_TYPE_PERCPU_ARRAY semantics, one slot per worker thread for the
 * per-CPU kind.
 *
 * Every (slot, index) is an RCU pointer to its value.  update() builds the
 * new value aside, publishes it with one atomic exchange and frees the old
 * one after a grace period: readers see the old value or the new one,
 * never a mix, and writes through a looked-up pointer stay visible to
 * every reader of that value.  A seqlock would also stop torn reads, but
 * only for readers that copy and retry; our readers get a pointer and keep
 * using it, which only RCU can make safe.  The price is one dependent load
 * per lookup, and that a write through an old pointer racing with update()
 * is lost (exactly as with hash elements).
 *
 * The initial zeroed values live in one block per slot (cache-line
 * aligned, so two workers never write the same line) and are never freed
 * before the table; values set by update() are separate allocations.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "utable_priv.h"

#define UT_CACHE_LINE 64

static inline bool in_init(const struct ut_array *a, const void *p)
{
	return (const uint8_t *)p >= a->init &&
	       (const uint8_t *)p < a->init + a->init_size;
}

static inline void **val_slot(struct fp_utable *t, uint32_t slot, uint32_t idx)
{
	return &t->array.vals[(size_t)slot * t->max_entries + idx];
}

int ut_array_init(struct fp_utable *t)
{
	struct ut_array *a = &t->array;
	size_t span = UT_ROUND8(t->value_size), per_slot, nptr, i;
	uint32_t s;

	/* Per-CPU values travel padded to 8 bytes, padding included, as the
	 * syscall copies them; plain array values are value_size bytes. */
	a->stride = t->type == FP_UTABLE_PERCPU_ARRAY ?
		    UT_ROUND8(t->value_size) : t->value_size;
	if (__builtin_mul_overflow(span, (size_t)t->max_entries, &per_slot) ||
	    __builtin_add_overflow(per_slot, UT_CACHE_LINE - 1, &per_slot))
		return -ENOMEM;
	per_slot &= ~(size_t)(UT_CACHE_LINE - 1);
	if (__builtin_mul_overflow(per_slot, (size_t)t->nslots, &a->init_size) ||
	    __builtin_mul_overflow((size_t)t->max_entries, (size_t)t->nslots, &nptr) ||
	    nptr > SIZE_MAX / sizeof(void *))
		return -ENOMEM;
	a->slot_span = (uint32_t)per_slot;
	if (posix_memalign((void **)&a->init, UT_CACHE_LINE, a->init_size))
		return -ENOMEM;
	memset(a->init, 0, a->init_size);
	a->vals = malloc(nptr * sizeof(void *));
	if (!a->vals) {
		free(a->init);
		return -ENOMEM;
	}
	for (s = 0; s < t->nslots; s++)
		for (i = 0; i < t->max_entries; i++)
			a->vals[(size_t)s * t->max_entries + i] =
				a->init + (size_t)s * per_slot + i * span;
	return 0;
}

void ut_array_fini(struct fp_utable *t)
{
	struct ut_array *a = &t->array;
	size_t i, n = (size_t)t->max_entries * t->nslots;

	/* No reader is left (caller's contract): current values go now;
	 * replaced ones are already queued for call_rcu. */
	for (i = 0; i < n; i++)
		if (!in_init(a, a->vals[i]))
			free(ut_block_of(a->vals[i]));
	free(a->vals);
	free(a->init);
}

int ut_array_update(struct fp_utable *t, const void *key, const void *value,
		    uint64_t flags)
{
	struct ut_array *a = &t->array;
	struct ut_rcu_block *one, **blk = &one;
	const uint8_t *src = value;
	uint32_t idx, s;
	void *old;

	memcpy(&idx, key, sizeof(idx));
	/* Order of array_map_update_elem: index, then NOEXIST. */
	if (idx >= t->max_entries)
		return -E2BIG;
	if (flags == FP_UTABLE_NOEXIST)
		return -EEXIST;		/* every entry exists */
	/* Allocate every slot's value first: an update either happens for
	 * all slots or fails as a whole. */
	if (t->nslots > 1 && !(blk = calloc(t->nslots, sizeof(*blk))))
		return -ENOMEM;
	for (s = 0; s < t->nslots; s++) {
		blk[s] = malloc(sizeof(struct ut_rcu_block) +
				UT_ROUND8(t->value_size));
		if (!blk[s]) {
			while (s--)
				free(blk[s]);
			if (blk != &one)
				free(blk);
			return -ENOMEM;
		}
		memcpy(blk[s]->data, src + (size_t)s * a->stride, a->stride);
	}
	for (s = 0; s < t->nslots; s++) {
		old = __atomic_exchange_n(val_slot(t, s, idx), blk[s]->data,
					  __ATOMIC_ACQ_REL);
		if (!in_init(a, old))
			urcu_qsbr_call_rcu(&ut_block_of(old)->rcu,
					   ut_free_block_cb);
	}
	if (blk != &one)
		free(blk);
	return 0;
}

int ut_array_read(struct fp_utable *t, const void *key, void *out)
{
	uint8_t *dst = out;
	uint32_t idx, s;

	memcpy(&idx, key, sizeof(idx));
	if (idx >= t->max_entries)
		return -ENOENT;
	for (s = 0; s < t->nslots; s++)
		memcpy(dst + (size_t)s * t->array.stride,
		       __atomic_load_n(val_slot(t, s, idx), __ATOMIC_ACQUIRE),
		       t->array.stride);
	return 0;
}

int ut_array_next(struct fp_utable *t, const void *key, void *next)
{
	uint32_t idx = UINT32_MAX;

	/* As array_map_get_next_key: no key or one out of range -> 0. */
	if (key)
		memcpy(&idx, key, sizeof(idx));
	if (idx >= t->max_entries)
		idx = 0;
	else if (idx == t->max_entries - 1)
		return -ENOENT;
	else
		idx++;
	memcpy(next, &idx, sizeof(idx));
	return 0;
}
