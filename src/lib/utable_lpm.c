// SPDX-License-Identifier: MIT
/*
 * FP_UTABLE_LPM: longest prefix match with BPF_MAP_TYPE_LPM_TRIE
 * semantics, built as one exact-match hash over (prefix length, prefix
 * bits) plus a bitmap of the prefix lengths present.
 *
 * A lookup probes the lengths present from the key's prefix length
 * downwards and stops at the first hit: its cost depends on how many
 * distinct lengths the table holds (at most 33 for IPv4, 129 for IPv6,
 * typically a handful), never on how many prefixes.  A trie walk would
 * touch up to 32 or 128 nodes, each a cache miss at 1M entries.
 *
 * Keys are stored as given, bits beyond the prefix length included, and
 * get_next_key returns them so: the kernel does the same (it copies the
 * key's data into the node).  Matching ignores those bits.
 *
 * Most probes miss, and at 1M elements a miss in the hash table costs
 * two or three cache misses (bucket, chain).  A filter (a blocked Bloom
 * filter: two bits in one 64-bit word per element, 16 bits per possible
 * element) answers "certainly absent" from one word that usually sits in
 * cache, so only the probes that can hit touch the table.  The filter only
 * ever has false positives: bits are set before an element is inserted and
 * are not cleared on delete; when deleted elements' bits outnumber the live
 * ones, the writer rebuilds the filter and swaps it in under RCU.
 *
 * Writers take one mutex per table, as the kernel takes trie->lock: an
 * update changes the hash, the per-length count, the bitmap and the filter
 * together.  Readers take nothing.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "utable_priv.h"

struct ut_lnode {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	/* raw key (u32 prefixlen + data), pad to 8, value */
	uint8_t kv[] __attribute__((aligned(8)));
};

struct ut_filter {
	struct rcu_head rcu;
	uint64_t mask;		/* words - 1 */
	uint64_t w[];
};

/* A probe: prefix length and the key's bytes (bits past plen ignored). */
struct ut_lkey {
	const uint8_t *data;
	uint32_t plen;
};

#define lnode_of(n) caa_container_of(n, struct ut_lnode, node)

#define UT_PLEN_SEED 0x8cb92ba72f3d8dd7ULL
#define UT_HUGE_PAGE (2u << 20)

static inline uint8_t tail_mask(uint32_t plen)
{
	return (uint8_t)(0xff00u >> (plen & 7));
}

static inline uint32_t node_plen(const struct ut_lnode *n)
{
	uint32_t plen;

	memcpy(&plen, n->kv, sizeof(plen));
	return plen;
}

static int lpm_match(struct cds_lfht_node *node, const void *arg)
{
	const struct ut_lkey *k = arg;
	const struct ut_lnode *n = lnode_of(node);
	const uint8_t *nd = n->kv + 4;
	uint32_t full = k->plen / 8;

	if (node_plen(n) != k->plen || memcmp(nd, k->data, full))
		return 0;
	return !(k->plen & 7) || !((nd[full] ^ k->data[full]) & tail_mask(k->plen));
}

/* The top @n bits of a 64-bit word. */
static inline uint64_t top_bits(uint32_t n)
{
	return n >= 64 ? ~0ULL : n ? ~0ULL << (64 - n) : 0;
}

/* Hash of (plen, the first plen bits of the 128-bit key w0:w1). */
static inline unsigned long lpm_hash_words(const struct ut_lpm *l,
					   uint64_t w0, uint64_t w1,
					   uint32_t plen)
{
	uint64_t s = l->seed ^ ((uint64_t)(plen + 1) * UT_PLEN_SEED);

	w0 &= top_bits(plen);
	w1 &= top_bits(plen > 64 ? plen - 64 : 0);
	return ut_mum(ut_mum(w0 ^ s, w1 ^ (s >> 29) ^ l->seed) ^ plen, s | 1);
}

static inline void load_words(const uint8_t *buf, uint64_t *w0, uint64_t *w1)
{
	memcpy(w0, buf, sizeof(*w0));
	memcpy(w1, buf + 8, sizeof(*w1));
	*w0 = be64toh(*w0);
	*w1 = be64toh(*w1);
}

/*
 * Hash of (plen, first plen bits of @buf); @buf holds at least 16 readable
 * bytes (callers use UT_LPM_DATA_MAX buffers).  Keys of up to 128 bits
 * (IPv4, IPv6) take the fast way: two big-endian words masked to the
 * prefix and two multiplies, no byte loop; a lookup hashes once per length
 * present, so this is most of its arithmetic.  Wider keys hash the prefix
 * bytes, the partial one masked for the time of the call.
 */
static unsigned long lpm_hash(const struct ut_lpm *l, uint8_t *buf,
			      uint32_t plen)
{
	uint64_t s = l->seed ^ ((uint64_t)(plen + 1) * UT_PLEN_SEED);
	uint64_t w0, w1;
	unsigned long h;
	uint8_t saved;

	if (l->data_size <= 16) {
		load_words(buf, &w0, &w1);
		return lpm_hash_words(l, w0, w1, plen);
	}
	if (!(plen & 7))
		return ut_hash_bytes(buf, plen / 8, s);
	saved = buf[plen / 8];
	buf[plen / 8] &= tail_mask(plen);
	h = ut_hash_bytes(buf, plen / 8 + 1, s);
	buf[plen / 8] = saved;
	return h;
}

/* The filter's word and bits for a hash: word from the high bits (the
 * table's buckets use the low ones), two bits from the middle. */
static inline uint64_t filter_bits(unsigned long h)
{
	return (1ULL << ((h >> 20) & 63)) | (1ULL << ((h >> 26) & 63));
}

static inline uint64_t *filter_word(struct ut_filter *f, unsigned long h)
{
	return &f->w[(h >> 32) & f->mask];
}

static struct ut_filter *filter_new(uint32_t max_entries)
{
	/* 16 bits per possible element: about 1.5% false positives when
	 * full; 2 MB for 1M elements, at most 32 MB (beyond 16M elements
	 * the rate grows). */
	unsigned long words = ut_pow2_roundup(max_entries / 4 + 1);
	struct ut_filter *f;
	size_t size;
	void *p;

	if (words > (1ul << 22))
		words = 1ul << 22;
	size = sizeof(*f) + words * sizeof(uint64_t);
	if (size < UT_HUGE_PAGE) {
		p = calloc(1, size);
	} else {
		/* Lookups read it at random: huge pages spare a TLB miss. */
		if (posix_memalign(&p, UT_HUGE_PAGE, size))
			return NULL;
		madvise(p, size, MADV_HUGEPAGE);
		memset(p, 0, size);
	}
	f = p;
	if (f)
		f->mask = words - 1;
	return f;
}

static void filter_free_cb(struct rcu_head *head)
{
	free(caa_container_of(head, struct ut_filter, rcu));
}

/* Probe (plen, data) with its hash; a probe the filter @f rules out does
 * not touch the table.  @data's partial byte need not be masked. */
static inline struct cds_lfht_node *lpm_probe_h(struct ut_lpm *l,
						struct ut_filter *f,
						const uint8_t *data,
						uint32_t plen, unsigned long h,
						struct cds_lfht_iter *it)
{
	struct ut_lkey k = { data, plen };
	uint64_t m = filter_bits(h);

	if (f && (__atomic_load_n(filter_word(f, h), __ATOMIC_RELAXED) & m) != m)
		return NULL;
	cds_lfht_lookup(l->ht, h, lpm_match, &k, it);
	return cds_lfht_iter_get_node(it);
}

static struct cds_lfht_node *lpm_probe(struct ut_lpm *l, uint8_t *buf,
				       uint32_t plen, struct cds_lfht_iter *it)
{
	return lpm_probe_h(l, NULL, buf, plen, lpm_hash(l, buf, plen), it);
}

/* Highest prefix length present that is <= @plen, or -1. */
static inline int len_at_or_below(const struct ut_lpm *l, int plen)
{
	int w = plen >> 6;
	uint64_t m = __atomic_load_n(&l->len_bits[w], __ATOMIC_ACQUIRE) &
		     ((2ULL << (plen & 63)) - 1);

	for (;;) {
		if (m)
			return (w << 6) + 63 - __builtin_clzll(m);
		if (--w < 0)
			return -1;
		m = __atomic_load_n(&l->len_bits[w], __ATOMIC_ACQUIRE);
	}
}

int ut_lpm_init(struct fp_utable *t)
{
	struct ut_lpm *l = &t->lpm;

	l->data_size = t->key_size - 4;
	l->max_plen = l->data_size * 8;
	l->voff = UT_ROUND8(t->key_size);
	l->nwords = (l->max_plen + 1 + 63) / 64;
	l->seed = ut_random_seed();
	l->len_count = calloc(l->max_plen + 1, sizeof(*l->len_count));
	l->len_bits = calloc(l->nwords, sizeof(*l->len_bits));
	l->filter = filter_new(t->max_entries);
	l->ht = ut_lfht_new(t->max_entries);
	if (!l->len_count || !l->len_bits || !l->filter || !l->ht) {
		if (l->ht)
			ut_lfht_destroy(l->ht);
		free(l->len_count);
		free(l->len_bits);
		free(l->filter);
		return -ENOMEM;
	}
	pthread_mutex_init(&l->lock, NULL);
	return 0;
}

static void lnode_free_cb(struct rcu_head *head)
{
	free(caa_container_of(head, struct ut_lnode, rcu));
}

void ut_lpm_fini(struct fp_utable *t)
{
	struct ut_lpm *l = &t->lpm;
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	bool entered = ut_rcu_enter();

	cds_lfht_for_each(l->ht, &it, node) {
		if (!cds_lfht_del(l->ht, node))
			urcu_qsbr_call_rcu(&lnode_of(node)->rcu, lnode_free_cb);
	}
	ut_rcu_leave(entered);
	ut_lfht_destroy(l->ht);
	pthread_mutex_destroy(&l->lock);
	free(l->len_count);
	free(l->len_bits);
	free(l->filter);
}

void *ut_lpm_lookup(struct fp_utable *t, const void *key)
{
	struct ut_lpm *l = &t->lpm;
	const struct fp_utable_lpm_key *k = key;
	uint8_t buf[UT_LPM_DATA_MAX];
	struct cds_lfht_node *node;
	struct cds_lfht_iter it;
	struct ut_filter *f;
	uint64_t w0 = 0, w1 = 0;
	uint32_t plen;
	int len;

	memcpy(&plen, &k->prefixlen, sizeof(plen));
	if (plen > l->max_plen)
		return NULL;	/* as trie_lookup_elem */
	f = __atomic_load_n(&l->filter, __ATOMIC_ACQUIRE);
	if (l->data_size <= 16) {
		/* Load and byte-swap the key once, mask per length. */
		memset(buf, 0, 16);
		memcpy(buf, k->data, (plen + 7) / 8);
		load_words(buf, &w0, &w1);
		for (len = len_at_or_below(l, (int)plen); len >= 0;
		     len = len ? len_at_or_below(l, len - 1) : -1) {
			node = lpm_probe_h(l, f, buf, (uint32_t)len,
					   lpm_hash_words(l, w0, w1, (uint32_t)len),
					   &it);
			if (node)
				return lnode_of(node)->kv + l->voff;
		}
		return NULL;
	}
	memcpy(buf, k->data, (plen + 7) / 8);
	for (len = len_at_or_below(l, (int)plen); len >= 0;
	     len = len ? len_at_or_below(l, len - 1) : -1) {
		node = lpm_probe_h(l, f, buf, (uint32_t)len,
				   lpm_hash(l, buf, (uint32_t)len), &it);
		if (node)
			return lnode_of(node)->kv + l->voff;
	}
	return NULL;
}

static void len_add(struct ut_lpm *l, uint32_t plen)
{
	if (l->len_count[plen]++ == 0)
		__atomic_fetch_or(&l->len_bits[plen / 64], 1ULL << (plen % 64),
				  __ATOMIC_RELEASE);
}

static void len_del(struct ut_lpm *l, uint32_t plen)
{
	if (--l->len_count[plen] == 0)
		__atomic_fetch_and(&l->len_bits[plen / 64],
				   ~(1ULL << (plen % 64)), __ATOMIC_RELEASE);
}

/* Under the writer lock, online. */
static void filter_rebuild(struct fp_utable *t)
{
	struct ut_lpm *l = &t->lpm;
	struct ut_filter *nf = filter_new(t->max_entries), *old = l->filter;
	uint8_t buf[UT_LPM_DATA_MAX];
	struct cds_lfht_node *node;
	struct cds_lfht_iter it;
	unsigned long h;
	uint32_t plen;

	if (!nf)
		return;		/* keep the old one: only more positives */
	cds_lfht_for_each(l->ht, &it, node) {
		const struct ut_lnode *n = lnode_of(node);

		plen = node_plen(n);
		memcpy(buf, n->kv + 4, l->data_size);
		h = lpm_hash(l, buf, plen);
		*filter_word(nf, h) |= filter_bits(h);	/* not yet shared */
	}
	__atomic_store_n(&l->filter, nf, __ATOMIC_RELEASE);
	l->stale = 0;
	urcu_qsbr_call_rcu(&old->rcu, filter_free_cb);
}

int ut_lpm_update(struct fp_utable *t, const void *key, const void *value,
		  uint64_t flags)
{
	struct ut_lpm *l = &t->lpm;
	const struct fp_utable_lpm_key *k = key;
	uint8_t buf[UT_LPM_DATA_MAX];
	struct cds_lfht_node *got;
	struct cds_lfht_iter it;
	struct ut_lnode *nw;
	uint32_t plen;
	int ret = 0;

	memcpy(&plen, &k->prefixlen, sizeof(plen));
	if (plen > l->max_plen)
		return -EINVAL;
	/* Allocated before the lock, as the kernel does. */
	nw = malloc(sizeof(*nw) + l->voff + t->value_size);
	if (!nw)
		return -ENOMEM;
	cds_lfht_node_init(&nw->node);
	memcpy(nw->kv, key, t->key_size);
	memcpy(nw->kv + l->voff, value, t->value_size);
	memcpy(buf, k->data, l->data_size);

	pthread_mutex_lock(&l->lock);
	got = lpm_probe(l, buf, plen, &it);
	if (got) {
		if (flags == FP_UTABLE_NOEXIST) {
			ret = -EEXIST;
		} else {
			struct ut_lkey lk = { buf, plen };

			ret = cds_lfht_replace(l->ht, &it, lpm_hash(l, buf, plen),
					       lpm_match, &lk, &nw->node);
			if (!ret) {
				urcu_qsbr_call_rcu(&lnode_of(got)->rcu,
						   lnode_free_cb);
				nw = NULL;
			}
		}
	} else if (flags == FP_UTABLE_EXIST) {
		ret = -ENOENT;
	} else if (l->n_entries >= t->max_entries) {
		ret = -ENOSPC;		/* the LPM trie's "full", not -E2BIG */
	} else {
		/* Length bit first: a reader that finds the element has
		 * probed its length; one that misses the bit ran before. */
		unsigned long h;

		len_add(l, plen);
		h = lpm_hash(l, buf, plen);
		/* Filter bits before the element: never a false negative. */
		__atomic_fetch_or(filter_word(l->filter, h), filter_bits(h),
				  __ATOMIC_RELAXED);
		cds_lfht_add(l->ht, h, &nw->node);
		__atomic_store_n(&l->n_entries, l->n_entries + 1,
				 __ATOMIC_RELAXED);
		nw = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	free(nw);
	return ret;
}

int ut_lpm_delete(struct fp_utable *t, const void *key)
{
	struct ut_lpm *l = &t->lpm;
	const struct fp_utable_lpm_key *k = key;
	uint8_t buf[UT_LPM_DATA_MAX];
	struct cds_lfht_node *got;
	struct cds_lfht_iter it;
	uint32_t plen;
	int ret = 0;

	memcpy(&plen, &k->prefixlen, sizeof(plen));
	if (plen > l->max_plen)
		return -EINVAL;
	memcpy(buf, k->data, l->data_size);
	pthread_mutex_lock(&l->lock);
	got = lpm_probe(l, buf, plen, &it);
	if (!got || cds_lfht_del(l->ht, got)) {
		ret = -ENOENT;
	} else {
		/* Bit cleared after the element left: no reader misses an
		 * element because of the bitmap. */
		len_del(l, plen);
		__atomic_store_n(&l->n_entries, l->n_entries - 1,
				 __ATOMIC_RELAXED);
		urcu_qsbr_call_rcu(&lnode_of(got)->rcu, lnode_free_cb);
		/* Rebuilding costs one pass over the elements; doing it once
		 * stale bits outnumber live elements keeps it O(1) per delete. */
		if (++l->stale > l->n_entries && l->stale >= 64)
			filter_rebuild(t);
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int ut_lpm_next(struct fp_utable *t, const void *key, void *next)
{
	struct ut_lpm *l = &t->lpm;
	const struct fp_utable_lpm_key *k = key;
	uint8_t buf[UT_LPM_DATA_MAX];
	struct cds_lfht_node *node;
	struct cds_lfht_iter it;
	uint32_t plen;

	/* As trie_get_next_key: no key, an invalid one or one not in the
	 * table restarts from the first element. */
	if (k) {
		memcpy(&plen, &k->prefixlen, sizeof(plen));
		if (plen <= l->max_plen) {
			memcpy(buf, k->data, l->data_size);
			if (lpm_probe(l, buf, plen, &it)) {
				cds_lfht_next(l->ht, &it);
				node = cds_lfht_iter_get_node(&it);
				goto out;
			}
		}
	}
	cds_lfht_first(l->ht, &it);
	node = cds_lfht_iter_get_node(&it);
out:
	if (!node)
		return -ENOENT;
	memcpy(next, lnode_of(node)->kv, t->key_size);
	return 0;
}
