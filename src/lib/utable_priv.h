/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the fp_utable files: the table struct, the per-type
 * entry points utable.c dispatches to, the key hash, and the helpers that
 * bring a control thread online for one call.
 */
#ifndef FASTPATH_UTABLE_PRIV_H
#define FASTPATH_UTABLE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "fastpath/utable.h"

/* Limits of the syscall (kernel 6.18, measured), so that create fails
 * alike: see test_create in tests/prog/test_utable_vs_bpf.c. */
#define UT_LPM_DATA_MAX		256		/* LPM_DATA_SIZE_MAX */
#define UT_KMALLOC_MAX		(4u << 20)	/* KMALLOC_MAX_SIZE on x86-64 */
#define UT_HTAB_ELEM		48		/* sizeof(struct htab_elem) */
#define UT_HTAB_MAX_ENTRIES	(1u << 27)	/* 2^28 buckets overflow u32 */
#define UT_LPM_NODE		24		/* sizeof(struct lpm_trie_node) */
#define UT_PCPU_UNIT_MAX	(32u << 10)	/* PCPU_MIN_UNIT_SIZE */

#define UT_ROUND8(x)		(((x) + 7u) & ~7u)

struct ut_hash {
	struct cds_lfht *ht;
	uint64_t seed;
	uint32_t koff;		/* value offset inside an element */
	uint32_t count;		/* elements present (atomic) */
};

struct ut_lpm {
	struct cds_lfht *ht;
	uint64_t seed;
	uint32_t max_plen;	/* data bytes * 8 */
	uint32_t data_size;
	uint32_t voff;		/* value offset inside an element */
	uint32_t n_entries;	/* under lock */
	uint32_t nwords;	/* words in len_bits */
	/* Writers are serialized, like the kernel's trie->lock: the per-length
	 * counts and the bitmap must change together with the table. */
	pthread_mutex_t lock;
	uint32_t *len_count;	/* elements per prefix length, under lock */
	uint64_t *len_bits;	/* lengths present, read by lookups */
	struct ut_filter *filter;	/* RCU pointer, see utable_lpm.c */
	uint32_t stale;		/* filter bits of deleted elements, under lock */
};

struct ut_array {
	/* One RCU pointer per (slot, index), slot-major so that a worker's
	 * slot is contiguous and workers do not share cache lines. */
	void **vals;
	uint8_t *init;		/* zeroed initial values, never freed early */
	size_t init_size;
	uint32_t stride;	/* bytes per value: value_size or round8 */
	uint32_t slot_span;	/* bytes per slot in init (cache-line aligned) */
};

struct fp_utable {
	enum fp_utable_type type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t nslots;	/* 1 except PERCPU_ARRAY */
	union {
		struct ut_hash hash;
		struct ut_lpm lpm;
		struct ut_array array;
	};
};

/* Element freed after a grace period: the rcu_head comes first. */
struct ut_rcu_block {
	struct rcu_head rcu;
	uint8_t data[] __attribute__((aligned(8)));
};

static inline struct ut_rcu_block *ut_block_of(void *data)
{
	return (struct ut_rcu_block *)((uint8_t *)data -
				       offsetof(struct ut_rcu_block, data));
}

extern __thread uint32_t fp_utable_tls_slot;

/* Bring the calling thread online for one control-path call if it is not
 * already; ut_rcu_leave() undoes exactly that. */
bool ut_rcu_enter(void);
void ut_rcu_leave(bool entered);
void ut_free_block_cb(struct rcu_head *head);

/* 64x64 -> 128 multiply, folded: the mixing step of our hashes. */
static inline uint64_t ut_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t ut_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t ut_random_seed(void);
unsigned long ut_pow2_roundup(unsigned long x);
struct cds_lfht *ut_lfht_new(uint32_t max_entries);
void ut_lfht_destroy(struct cds_lfht *ht);

int ut_hash_init(struct fp_utable *t);
void ut_hash_fini(struct fp_utable *t);
void *ut_hash_lookup(struct fp_utable *t, const void *key);
int ut_hash_update(struct fp_utable *t, const void *key, const void *value,
		   uint64_t flags);
int ut_hash_delete(struct fp_utable *t, const void *key);
int ut_hash_next(struct fp_utable *t, const void *key, void *next);

int ut_lpm_init(struct fp_utable *t);
void ut_lpm_fini(struct fp_utable *t);
void *ut_lpm_lookup(struct fp_utable *t, const void *key);
int ut_lpm_update(struct fp_utable *t, const void *key, const void *value,
		  uint64_t flags);
int ut_lpm_delete(struct fp_utable *t, const void *key);
int ut_lpm_next(struct fp_utable *t, const void *key, void *next);

int ut_array_init(struct fp_utable *t);
void ut_array_fini(struct fp_utable *t);
int ut_array_update(struct fp_utable *t, const void *key, const void *value,
		    uint64_t flags);
int ut_array_read(struct fp_utable *t, const void *key, void *out);
int ut_array_next(struct fp_utable *t, const void *key, void *next);

/* Array lookup is two loads; inline it into the dispatcher. */
static inline void *ut_array_lookup(struct fp_utable *t, const void *key,
				    uint32_t slot)
{
	uint32_t idx;

	__builtin_memcpy(&idx, key, sizeof(idx));
	if (idx >= t->max_entries || slot >= t->nslots)
		return NULL;
	/* Acquire pairs with the writer's release: the value's bytes are
	 * seen complete (a consume load; free on x86). */
	return __atomic_load_n(&t->array.vals[(size_t)slot * t->max_entries + idx],
			       __ATOMIC_ACQUIRE);
}

#endif
