// SPDX-License-Identifier: MIT
/*
 * fp_utable: creation, freeing, dispatch by type, the RCU (QSBR) helpers
 * for data-path and control threads, and the key hash shared by the hash
 * and LPM tables.  See fastpath/utable.h for the semantics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fastpath/log.h"
#include "utable_priv.h"

/* --- RCU ------------------------------------------------------------------ */

/*
 * A thread is in one of three states.  Workers go NONE -> ONLINE with
 * fp_rcu_thread_online() and back with fp_rcu_thread_offline().  A control
 * thread that never registered is registered on its first table call and
 * then kept OFFLINE between calls, so that it never holds up a grace
 * period while it does something else.  Any thread we registered is
 * unregistered when it exits (pthread key destructor).
 */
enum { UT_RCU_NONE = 0, UT_RCU_OFFLINE, UT_RCU_ONLINE };

static __thread int rcu_state;
static pthread_key_t rcu_exit_key;
static pthread_once_t rcu_exit_once = PTHREAD_ONCE_INIT;

__thread uint32_t fp_utable_tls_slot;

static void rcu_thread_exit(void *arg)
{
	(void)arg;
	if (rcu_state != UT_RCU_NONE)
		urcu_qsbr_unregister_thread();
	rcu_state = UT_RCU_NONE;
}

static void rcu_exit_key_init(void)
{
	/* Cannot fail in practice (PTHREAD_KEYS_MAX is 1024); if it does,
	 * implicitly registered threads simply stay registered. */
	(void)pthread_key_create(&rcu_exit_key, rcu_thread_exit);
}

void fp_rcu_thread_online(void)
{
	switch (rcu_state) {
	case UT_RCU_NONE:
		/* Unregistered at exit even if the worker forgets to go
		 * offline: a dead thread left in liburcu's registry would
		 * hang (or crash) the next grace period. */
		pthread_once(&rcu_exit_once, rcu_exit_key_init);
		urcu_qsbr_register_thread();	/* registers online */
		pthread_setspecific(rcu_exit_key, (void *)1);
		break;
	case UT_RCU_OFFLINE:
		urcu_qsbr_thread_online();
		break;
	default:
		return;
	}
	rcu_state = UT_RCU_ONLINE;
}

void fp_rcu_quiescent(void)
{
	/* On a thread that is not online it would mark it as a reader. */
	if (rcu_state == UT_RCU_ONLINE)
		urcu_qsbr_quiescent_state();
}

void fp_rcu_thread_offline(void)
{
	if (rcu_state == UT_RCU_NONE)
		return;
	urcu_qsbr_unregister_thread();
	rcu_state = UT_RCU_NONE;
	pthread_once(&rcu_exit_once, rcu_exit_key_init);
	pthread_setspecific(rcu_exit_key, NULL);
}

bool ut_rcu_enter(void)
{
	switch (rcu_state) {
	case UT_RCU_ONLINE:
		return false;
	case UT_RCU_NONE:
		pthread_once(&rcu_exit_once, rcu_exit_key_init);
		urcu_qsbr_register_thread();
		pthread_setspecific(rcu_exit_key, (void *)1);
		break;
	default:
		urcu_qsbr_thread_online();
		break;
	}
	rcu_state = UT_RCU_ONLINE;
	return true;
}

void ut_rcu_leave(bool entered)
{
	if (!entered)
		return;
	urcu_qsbr_thread_offline();
	rcu_state = UT_RCU_OFFLINE;
}

void ut_free_block_cb(struct rcu_head *head)
{
	free(caa_container_of(head, struct ut_rcu_block, rcu));
}

void fp_utable_set_slot(uint32_t slot)
{
	fp_utable_tls_slot = slot;
}

/* --- key hash -------------------------------------------------------------- */

/*
 * A multiply-fold hash for short fixed-size keys (4 to 64 bytes in
 * practice): 16 bytes per 64x64->128 multiply, the tail read with two
 * overlapping loads instead of a byte loop.  Both operands of every
 * multiply are mixed with the table's random seed: a key chosen to zero an
 * operand (and so erase what came before) cannot be built without knowing
 * the seed, which matters because session keys come from packets.
 */
#define UT_C1 0x9e3779b97f4a7c15ULL
#define UT_C2 0xc2b2ae3d27d4eb4fULL
#define UT_C3 0x165667b19e3779f9ULL
#define UT_C4 0xd6e8feb86659fd93ULL

static inline uint64_t ut_ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t ut_ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t ut_hash_bytes(const void *key, size_t n, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t s1 = seed ^ UT_C2;
	uint64_t s2 = ((seed << 32) | (seed >> 32)) ^ UT_C3;
	uint64_t h = seed ^ ((uint64_t)n * UT_C1);
	uint64_t a, b;

	while (n > 16) {
		h = ut_mum(ut_ld64(p) ^ s1, ut_ld64(p + 8) ^ s2 ^ h);
		p += 16;
		n -= 16;
	}
	if (n > 8) {
		a = ut_ld64(p);
		b = ut_ld64(p + n - 8);
	} else if (n >= 4) {
		a = ut_ld32(p);
		b = ut_ld32(p + n - 4);
	} else if (n > 0) {
		a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
		b = 0;
	} else {
		a = b = 0;
	}
	h = ut_mum(a ^ s1, b ^ s2 ^ h);
	return ut_mum(h ^ UT_C4, s1 ^ UT_C1);
}

uint64_t ut_random_seed(void)
{
	uint64_t s;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	/* Early boot without entropy: a weaker seed still spreads keys. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ut_mum((uint64_t)ts.tv_nsec ^ UT_C1,
		      (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&s ^ UT_C2);
}

unsigned long ut_pow2_roundup(unsigned long x)
{
	unsigned long p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/*
 * cds_lfht sized for @max_entries up front, one bucket per possible element
 * as the kernel's hash map does (n_buckets = roundup_pow_of_two(max)), up
 * to 2^20 buckets (16 MB); a bigger table starts there and grows with its
 * element count.  Why not start small and let it grow: cds_lfht grows in a
 * worker thread that needs grace periods, and when the inserting thread is
 * a control thread going online and offline around each call (as ours do),
 * growing from 1024 to 1M buckets took seconds to tens of seconds here,
 * during which lookups walked chains of hundreds of elements (38 us per
 * lookup at 1M entries instead of 0.1-0.2 us).
 */
#define UT_LFHT_PRESIZE_MAX (1ul << 20)

struct cds_lfht *ut_lfht_new(uint32_t max_entries)
{
	unsigned long max = ut_pow2_roundup(max_entries);
	unsigned long init = max < UT_LFHT_PRESIZE_MAX ? max : UT_LFHT_PRESIZE_MAX;

	return cds_lfht_new_flavor(init, init, max,
				   CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				   &urcu_qsbr_flavor, NULL);
}

void ut_lfht_destroy(struct cds_lfht *ht)
{
	int ret = cds_lfht_destroy(ht, NULL);

	/* Only fails on a table that still holds elements: our bug. */
	if (ret)
		fp_err("utable: destroying a hash table failed (%s); this is a bug in fastpath",
		       strerror(-ret));
}

/* --- create / free ---------------------------------------------------------- */

static const char *type_name(enum fp_utable_type type)
{
	switch (type) {
	case FP_UTABLE_HASH:		return "hash";
	case FP_UTABLE_LPM:		return "lpm";
	case FP_UTABLE_ARRAY:		return "array";
	case FP_UTABLE_PERCPU_ARRAY:	return "percpu array";
	}
	return "?";
}

/* Same checks, in the same order, as the kernel's map_alloc_check. */
static int check_sizes(enum fp_utable_type type, uint32_t key_size,
		       uint32_t value_size, uint32_t max_entries,
		       uint32_t nslots)
{
	const char *what = type_name(type);

	switch (type) {
	case FP_UTABLE_HASH:
		if (!max_entries || !key_size || !value_size) {
			fp_err("utable %s: key size, value size and max entries must be non-zero (got %u, %u, %u)",
			       what, key_size, value_size, max_entries);
			return -EINVAL;
		}
		/* The kernel has no key size limit of its own here (keys
		 * above 512 bytes only cannot come from a BPF stack). */
		if ((uint64_t)key_size + value_size >= UT_KMALLOC_MAX - UT_HTAB_ELEM) {
			fp_err("utable %s: key plus value (%u + %u bytes) is too big for a BPF hash map; keep it under 4 MB",
			       what, key_size, value_size);
			return -E2BIG;
		}
		if (max_entries > UT_HTAB_MAX_ENTRIES) {
			fp_err("utable %s: %u entries is more than a BPF hash map can hold (%u)",
			       what, max_entries, UT_HTAB_MAX_ENTRIES);
			return -E2BIG;
		}
		return 0;
	case FP_UTABLE_LPM:
		if (!max_entries || key_size < 4 + 1 ||
		    key_size > 4 + UT_LPM_DATA_MAX || !value_size ||
		    value_size > UT_KMALLOC_MAX - UT_LPM_DATA_MAX - UT_LPM_NODE) {
			fp_err("utable %s: key size must be 4 + 1..%u bytes (got %u), value size and max entries non-zero (got %u, %u)",
			       what, UT_LPM_DATA_MAX, key_size, value_size,
			       max_entries);
			return -EINVAL;
		}
		return 0;
	case FP_UTABLE_ARRAY:
	case FP_UTABLE_PERCPU_ARRAY:
		if (!max_entries || key_size != 4 || !value_size) {
			fp_err("utable %s: keys are 4 bytes (got %u); value size and max entries must be non-zero (got %u, %u)",
			       what, key_size, value_size, max_entries);
			return -EINVAL;
		}
		if (value_size > INT32_MAX) {
			fp_err("utable %s: value size %u is above 2 GB; use a smaller value",
			       what, value_size);
			return -E2BIG;
		}
		if (type == FP_UTABLE_PERCPU_ARRAY) {
			if (UT_ROUND8(value_size) > UT_PCPU_UNIT_MAX) {
				fp_err("utable %s: value size %u is above %u bytes, which per-CPU maps refuse",
				       what, value_size, UT_PCPU_UNIT_MAX);
				return -E2BIG;
			}
			if (!nslots) {
				fp_err("utable %s: needs at least one slot (one per worker thread)",
				       what);
				return -EINVAL;
			}
		}
		return 0;
	}
	fp_err("utable: unknown table type %d", (int)type);
	return -EINVAL;
}

int fp_utable_create(enum fp_utable_type type, uint32_t key_size,
		     uint32_t value_size, uint32_t max_entries,
		     uint32_t nslots, struct fp_utable **out)
{
	struct fp_utable *t;
	int ret;

	*out = NULL;
	ret = check_sizes(type, key_size, value_size, max_entries, nslots);
	if (ret)
		return ret;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->type = type;
	t->key_size = key_size;
	t->value_size = value_size;
	t->max_entries = max_entries;
	t->nslots = type == FP_UTABLE_PERCPU_ARRAY ? nslots : 1;
	switch (type) {
	case FP_UTABLE_HASH:
		ret = ut_hash_init(t);
		break;
	case FP_UTABLE_LPM:
		ret = ut_lpm_init(t);
		break;
	default:
		ret = ut_array_init(t);
		break;
	}
	if (ret) {
		free(t);
		goto nomem;
	}
	*out = t;
	return 0;
nomem:
	fp_err("utable %s: out of memory for %u entries of %u + %u bytes; lower max_entries",
	       type_name(type), max_entries, key_size, value_size);
	return -ENOMEM;
}

void fp_utable_free(struct fp_utable *t)
{
	bool was_online = rcu_state == UT_RCU_ONLINE;

	if (!t)
		return;
	/* Destroying a cds_lfht waits for its resize worker, which may wait
	 * for a grace period: an online caller would wait for itself. */
	if (was_online) {
		urcu_qsbr_thread_offline();
		rcu_state = UT_RCU_OFFLINE;
	}
	switch (t->type) {
	case FP_UTABLE_HASH:
		ut_hash_fini(t);
		break;
	case FP_UTABLE_LPM:
		ut_lpm_fini(t);
		break;
	default:
		ut_array_fini(t);
		break;
	}
	/* Values replaced earlier are still queued for call_rcu; wait for
	 * them so that freeing a table frees everything it owned (and leaves
	 * nothing behind for valgrind).  rcu_barrier goes offline itself if
	 * this thread is online. */
	urcu_qsbr_barrier();
	free(t);
	if (was_online) {
		urcu_qsbr_thread_online();
		rcu_state = UT_RCU_ONLINE;
	}
}

/* --- dispatch --------------------------------------------------------------- */

void *fp_utable_lookup(struct fp_utable *t, const void *key)
{
	switch (t->type) {
	case FP_UTABLE_HASH:
		return ut_hash_lookup(t, key);
	case FP_UTABLE_LPM:
		return ut_lpm_lookup(t, key);
	case FP_UTABLE_ARRAY:
		return ut_array_lookup(t, key, 0);
	case FP_UTABLE_PERCPU_ARRAY:
		return ut_array_lookup(t, key, fp_utable_tls_slot);
	}
	return NULL;
}

int fp_utable_update(struct fp_utable *t, const void *key, const void *value,
		     uint64_t flags)
{
	bool entered;
	int ret;

	/* Unknown flags first, as the kernel does for every map type. */
	if (flags > FP_UTABLE_EXIST)
		return -EINVAL;
	entered = ut_rcu_enter();
	switch (t->type) {
	case FP_UTABLE_HASH:
		ret = ut_hash_update(t, key, value, flags);
		break;
	case FP_UTABLE_LPM:
		ret = ut_lpm_update(t, key, value, flags);
		break;
	default:
		ret = ut_array_update(t, key, value, flags);
		break;
	}
	ut_rcu_leave(entered);
	return ret;
}

int fp_utable_delete(struct fp_utable *t, const void *key)
{
	bool entered;
	int ret;

	if (t->type == FP_UTABLE_ARRAY || t->type == FP_UTABLE_PERCPU_ARRAY)
		return -EINVAL;		/* array entries always exist */
	entered = ut_rcu_enter();
	if (t->type == FP_UTABLE_HASH)
		ret = ut_hash_delete(t, key);
	else
		ret = ut_lpm_delete(t, key);
	ut_rcu_leave(entered);
	return ret;
}

int fp_utable_get_next_key(struct fp_utable *t, const void *key, void *next)
{
	bool entered;
	int ret;

	if (t->type == FP_UTABLE_ARRAY || t->type == FP_UTABLE_PERCPU_ARRAY)
		return ut_array_next(t, key, next);
	entered = ut_rcu_enter();
	if (t->type == FP_UTABLE_HASH)
		ret = ut_hash_next(t, key, next);
	else
		ret = ut_lpm_next(t, key, next);
	ut_rcu_leave(entered);
	return ret;
}

int fp_utable_read(struct fp_utable *t, const void *key, void *value_out)
{
	bool entered = ut_rcu_enter();
	void *v;
	int ret;

	switch (t->type) {
	case FP_UTABLE_ARRAY:
	case FP_UTABLE_PERCPU_ARRAY:
		ret = ut_array_read(t, key, value_out);
		break;
	default:
		/* LPM: longest-prefix match, as BPF_MAP_LOOKUP_ELEM does. */
		v = t->type == FP_UTABLE_HASH ? ut_hash_lookup(t, key) :
						ut_lpm_lookup(t, key);
		if (v)
			memcpy(value_out, v, t->value_size);
		ret = v ? 0 : -ENOENT;
		break;
	}
	ut_rcu_leave(entered);
	return ret;
}

uint32_t fp_utable_count(const struct fp_utable *t)
{
	switch (t->type) {
	case FP_UTABLE_HASH:
		return __atomic_load_n(&t->hash.count, __ATOMIC_RELAXED);
	case FP_UTABLE_LPM:
		return __atomic_load_n(&t->lpm.n_entries, __ATOMIC_RELAXED);
	default:
		return t->max_entries;
	}
}

uint32_t fp_utable_nslots(const struct fp_utable *t)
{
	return t->type == FP_UTABLE_PERCPU_ARRAY ? t->nslots : 1;
}
