// SPDX-License-Identifier: MIT
/*
 * FP_UTABLE_HASH: exact match on fixed-size keys over liburcu's lock-free
 * resizable hash table (cds_lfht), with BPF_MAP_TYPE_HASH semantics.
 *
 * Writers do not lock: every update is a lookup followed by one atomic
 * commit (add_unique or replace) and is retried when a concurrent writer
 * got there first, so each call behaves as if it ran alone at one instant.
 * The element count is reserved before an insert becomes visible, so the
 * table never holds more than max_entries elements, even transiently.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "utable_priv.h"

struct ut_hnode {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	uint8_t kv[] __attribute__((aligned(8)));	/* key, pad to 8, value */
};

struct ut_hkey {
	const void *key;
	uint32_t size;
};

#define hnode_of(n) caa_container_of(n, struct ut_hnode, node)

static inline bool key_equal(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint64_t x, y, x2, y2;
	uint32_t u, v;

	/* The common sizes (IPv4, MAC + pad, IPv6 / 5-tuple) without a call. */
	switch (n) {
	case 4:
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	case 8:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x == y;
	case 16:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&x2, a + 8, 8);
		memcpy(&y2, b + 8, 8);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	default:
		return memcmp(a, b, n) == 0;
	}
}

static int hash_match(struct cds_lfht_node *node, const void *arg)
{
	const struct ut_hkey *k = arg;

	return key_equal(hnode_of(node)->kv, k->key, k->size);
}

static void hnode_free_cb(struct rcu_head *head)
{
	free(caa_container_of(head, struct ut_hnode, rcu));
}

static struct ut_hnode *hnode_new(struct fp_utable *t, const void *key,
				  const void *value)
{
	struct ut_hnode *n = malloc(sizeof(*n) + t->hash.koff + t->value_size);

	if (!n)
		return NULL;
	cds_lfht_node_init(&n->node);
	memcpy(n->kv, key, t->key_size);
	memcpy(n->kv + t->hash.koff, value, t->value_size);
	return n;
}

static bool count_reserve(struct fp_utable *t)
{
	uint32_t c = __atomic_load_n(&t->hash.count, __ATOMIC_RELAXED);

	do {
		if (c >= t->max_entries)
			return false;
	} while (!__atomic_compare_exchange_n(&t->hash.count, &c, c + 1, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static void count_release(struct fp_utable *t)
{
	__atomic_fetch_sub(&t->hash.count, 1, __ATOMIC_RELAXED);
}

int ut_hash_init(struct fp_utable *t)
{
	t->hash.koff = UT_ROUND8(t->key_size);
	t->hash.seed = ut_random_seed();
	t->hash.ht = ut_lfht_new(t->max_entries);
	return t->hash.ht ? 0 : -ENOMEM;
}

void ut_hash_fini(struct fp_utable *t)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	bool entered = ut_rcu_enter();

	/* No reader is left, but the table's resize worker may still walk
	 * the chains: free through call_rcu (fp_utable_free waits). */
	cds_lfht_for_each(t->hash.ht, &it, node) {
		if (!cds_lfht_del(t->hash.ht, node))
			urcu_qsbr_call_rcu(&hnode_of(node)->rcu, hnode_free_cb);
	}
	ut_rcu_leave(entered);
	ut_lfht_destroy(t->hash.ht);
}

void *ut_hash_lookup(struct fp_utable *t, const void *key)
{
	struct ut_hkey k = { key, t->key_size };
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->hash.ht, ut_hash_bytes(key, t->key_size, t->hash.seed),
			hash_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? hnode_of(node)->kv + t->hash.koff : NULL;
}

int ut_hash_update(struct fp_utable *t, const void *key, const void *value,
		   uint64_t flags)
{
	unsigned long h = ut_hash_bytes(key, t->key_size, t->hash.seed);
	struct ut_hkey k = { key, t->key_size };
	struct ut_hnode *nw = NULL;
	struct cds_lfht_node *got;
	struct cds_lfht_iter it;
	int ret;

	for (;;) {
		cds_lfht_lookup(t->hash.ht, h, hash_match, &k, &it);
		got = cds_lfht_iter_get_node(&it);
		/* Flags before capacity, as htab_map_update_elem does. */
		if (got && flags == FP_UTABLE_NOEXIST) {
			ret = -EEXIST;
			break;
		}
		if (!got && flags == FP_UTABLE_EXIST) {
			ret = -ENOENT;
			break;
		}
		if (!nw && !(nw = hnode_new(t, key, value))) {
			ret = -ENOMEM;
			break;
		}
		if (got) {
			/* Replace, never copy into a live element: readers see
			 * the old value or the new one, never a mix. */
			if (!cds_lfht_replace(t->hash.ht, &it, h, hash_match, &k,
					      &nw->node)) {
				urcu_qsbr_call_rcu(&hnode_of(got)->rcu,
						   hnode_free_cb);
				return 0;
			}
			continue;	/* deleted or replaced meanwhile */
		}
		if (!count_reserve(t)) {
			ret = -E2BIG;
			break;
		}
		got = cds_lfht_add_unique(t->hash.ht, h, hash_match, &k,
					  &nw->node);
		if (got == &nw->node)
			return 0;
		/* A concurrent insert of the same key won: judge the flags
		 * again against its element. */
		count_release(t);
	}
	free(nw);
	return ret;
}

int ut_hash_delete(struct fp_utable *t, const void *key)
{
	unsigned long h = ut_hash_bytes(key, t->key_size, t->hash.seed);
	struct ut_hkey k = { key, t->key_size };
	struct cds_lfht_node *got;
	struct cds_lfht_iter it;

	for (;;) {
		cds_lfht_lookup(t->hash.ht, h, hash_match, &k, &it);
		got = cds_lfht_iter_get_node(&it);
		if (!got)
			return -ENOENT;
		if (!cds_lfht_del(t->hash.ht, got))
			break;
		/* Replaced by a concurrent update: the key is still there. */
	}
	count_release(t);
	urcu_qsbr_call_rcu(&hnode_of(got)->rcu, hnode_free_cb);
	return 0;
}

int ut_hash_next(struct fp_utable *t, const void *key, void *next)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node = NULL;
	struct ut_hkey k = { key, t->key_size };

	/* Like htab_map_get_next_key: a key that is not there restarts. */
	if (key) {
		cds_lfht_lookup(t->hash.ht,
				ut_hash_bytes(key, t->key_size, t->hash.seed),
				hash_match, &k, &it);
		if (cds_lfht_iter_get_node(&it)) {
			cds_lfht_next(t->hash.ht, &it);
			node = cds_lfht_iter_get_node(&it);
			goto out;
		}
	}
	cds_lfht_first(t->hash.ht, &it);
	node = cds_lfht_iter_get_node(&it);
out:
	if (!node)
		return -ENOENT;
	memcpy(next, hnode_of(node)->kv, t->key_size);
	return 0;
}
