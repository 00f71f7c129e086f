/* SPDX-License-Identifier: MIT */
/*
 * User-space twins of BPF maps.
 *
 * A network function is written once and runs either in XDP, where its
 * tables are BPF maps, or in user space over AF_XDP, where the same tables
 * are fp_utables: same operations, same flags, same return codes as the
 * bpf(2) syscall on kernel 6.18 (checked against the kernel by
 * tests/prog/test_utable_vs_bpf.c), shared by several worker threads and
 * changed live by a control thread while traffic flows.
 *
 *   FP_UTABLE_HASH          BPF_MAP_TYPE_HASH: exact match, fixed-size keys
 *   FP_UTABLE_LPM           BPF_MAP_TYPE_LPM_TRIE: keys are
 *                           struct fp_utable_lpm_key { u32 prefixlen; u8 data[] }
 *                           (same layout as struct bpf_lpm_trie_key_u8),
 *                           data in network order, 1..256 bytes
 *   FP_UTABLE_ARRAY         BPF_MAP_TYPE_ARRAY: u32 keys, every entry exists
 *                           and starts zeroed
 *   FP_UTABLE_PERCPU_ARRAY  BPF_MAP_TYPE_PERCPU_ARRAY with one slot per
 *                           worker instead of one per CPU
 *
 * Errors (negative errno, exactly as the syscall): hash full -> -E2BIG,
 * LPM full -> -ENOSPC, NOEXIST on a present key -> -EEXIST, EXIST on a
 * missing key -> -ENOENT, delete of a missing key -> -ENOENT, array index
 * >= max_entries -> -E2BIG on update (NULL / -ENOENT on lookup / read),
 * array delete -> -EINVAL, array NOEXIST -> -EEXIST, LPM prefixlen above
 * the key's bits -> -EINVAL (update, delete), flags other than ANY,
 * NOEXIST, EXIST -> -EINVAL.  The full table is in docs/tables.md.
 *
 * Concurrency: RCU, like the kernel's maps, with liburcu's QSBR flavour.
 *   - Readers never block and never see a torn element: update() of a
 *     present key publishes a new element (hash, LPM) or a new value block
 *     (arrays) and frees the old one after a grace period.  A reader sees
 *     the old value or the new one, never a mix.
 *   - A pointer returned by fp_utable_lookup() stays valid until the
 *     calling thread's next fp_rcu_quiescent() or fp_rcu_thread_offline().
 *     Writing through it (counters, last-seen times) is visible to every
 *     other reader of that element; a concurrent update() of the same key
 *     replaces the element, and writes into the old one are then lost (as
 *     with BPF hash maps).
 *
 * Who may call what:
 *   - fp_utable_lookup(): data path only, from a thread between
 *     fp_rcu_thread_online() and fp_rcu_thread_offline().  It does not
 *     check this (it is the per-packet path).
 *   - update, delete, get_next_key, read, count: any thread.  An online
 *     thread (a worker) calls them as they are; any other thread (the
 *     control thread) is brought online for the duration of the call,
 *     registered with liburcu on its first call and unregistered when it
 *     exits.
 *   - fp_utable_create(): any thread.  fp_utable_free(): once no thread
 *     uses the table any more and no reader holds a pointer into it; it
 *     waits for a grace period, so every online thread must keep passing
 *     quiescent states meanwhile (never call it from a worker between
 *     fp_rcu_thread_online() and the end of its loop while other workers
 *     are stopped without going offline).
 *   - A worker loop: fp_rcu_thread_online(); for each batch { lookups;
 *     fp_rcu_quiescent(); } fp_rcu_thread_offline().  A worker that waits
 *     (poll, sleep) should go offline around the wait, or it delays every
 *     free of replaced elements.
 */
#ifndef FASTPATH_UTABLE_H
#define FASTPATH_UTABLE_H

#include <stdint.h>

enum fp_utable_type {
	FP_UTABLE_HASH = 1,
	FP_UTABLE_LPM,
	FP_UTABLE_ARRAY,
	FP_UTABLE_PERCPU_ARRAY,
};

/* Update flags, same values as BPF_ANY, BPF_NOEXIST, BPF_EXIST. */
#define FP_UTABLE_ANY		0ULL
#define FP_UTABLE_NOEXIST	1ULL
#define FP_UTABLE_EXIST		2ULL

/* LPM key header, same layout as struct bpf_lpm_trie_key_u8. */
struct fp_utable_lpm_key {
	uint32_t prefixlen;
	uint8_t data[];
};

struct fp_utable;

/*
 * Create a table.  key_size: hash any non-zero, LPM 4 + (1..256), arrays 4.
 * nslots: number of worker slots for FP_UTABLE_PERCPU_ARRAY (ignored
 * otherwise).  Returns 0, -EINVAL / -E2BIG for sizes the kernel refuses
 * too (one error line printed), -ENOMEM.
 */
int fp_utable_create(enum fp_utable_type type, uint32_t key_size,
		     uint32_t value_size, uint32_t max_entries,
		     uint32_t nslots, struct fp_utable **out);
/* Free a table no one uses any more (see above).  NULL is a no-op. */
void fp_utable_free(struct fp_utable *t);

/*
 * Data path: a pointer to the value, or NULL.  LPM: longest prefix of at
 * most key->prefixlen bits.  PERCPU_ARRAY: the calling thread's slot (see
 * fp_utable_set_slot()).  Values are 8-byte aligned.
 */
void *fp_utable_lookup(struct fp_utable *t, const void *key);

/* Insert or replace (flags FP_UTABLE_ANY / NOEXIST / EXIST).  PERCPU_ARRAY:
 * @value holds nslots values of round_up(value_size, 8) bytes each, like the
 * syscall. */
int fp_utable_update(struct fp_utable *t, const void *key, const void *value,
		     uint64_t flags);
int fp_utable_delete(struct fp_utable *t, const void *key);

/*
 * Iteration like BPF_MAP_GET_NEXT_KEY: @key NULL (or a key not in the
 * table) -> the first key; -ENOENT after the last one or on an empty
 * table.  Every key present during the whole walk is visited exactly once;
 * the order is unspecified (it is not the kernel's order).
 */
int fp_utable_get_next_key(struct fp_utable *t, const void *key, void *next);

/* Control-path read that copies the value into @value_out (PERCPU_ARRAY:
 * nslots values of round_up(value_size, 8) bytes, like the syscall).
 * 0 or -ENOENT. */
int fp_utable_read(struct fp_utable *t, const void *key, void *value_out);

/* Elements present (arrays: max_entries, as every entry exists). */
uint32_t fp_utable_count(const struct fp_utable *t);
/* Values per key in update()/read(): nslots for PERCPU_ARRAY, else 1. */
uint32_t fp_utable_nslots(const struct fp_utable *t);

/* The PERCPU_ARRAY slot this thread's lookups use (default 0).  A slot >=
 * nslots makes lookups return NULL. */
void fp_utable_set_slot(uint32_t slot);

/*
 * RCU for data-path threads (QSBR): a thread that calls fp_utable_lookup()
 * comes online once (registering with liburcu), announces a quiescent state
 * between batches (it then holds no pointer from lookups), and goes offline
 * (unregistering) before it exits or blocks for long; it may come online
 * again later.  Calling online twice, offline twice, or quiescent while
 * offline is harmless; a thread that exits while online is unregistered.
 */
void fp_rcu_thread_online(void);
void fp_rcu_quiescent(void);
void fp_rcu_thread_offline(void);

#endif
