/* SPDX-License-Identifier: MIT */
/*
 * Tables of network functions, declared once for both worlds.
 *
 * An NF lists its tables in an X-macro:
 *
 *	#define FP_FW_TABLES(T)						\
 *		T(fw_exact, HASH, struct fp_tuple, struct fp_fw_rule, 65536) \
 *		T(fw_hits, PERCPU_ARRAY, __u32, __u64, 65537)
 *
 * and expands it with FP_TABLE_DEFINE where its code is compiled:
 *
 *   - for BPF, each entry becomes a map in ".maps" of that type, key,
 *     value and default size (the loader may resize before load);
 *   - for user space, each entry becomes a `struct fp_utable *` that the
 *     engine creates with the same sizes (fastpath/utable.h, liburcu),
 *     and FP_TABLE_DESC describes it to the control path.
 *
 * The packet code then uses fp_map_lookup()/fp_map_update()/
 * fp_map_delete()/fp_map_count() the same way in both worlds, with the
 * semantics of BPF maps (fastpath/utable.h lists them; a differential test
 * holds the two to it).  Value pointers stay valid for the packet being
 * processed; in-place writes (a counter, a last-seen time) are visible to
 * others, as with BPF maps.
 *
 * Types: HASH (exact match), LPM (longest prefix: keys start with a __u32
 * prefix length in bits, then the data), ARRAY (index, all entries exist
 * and start zeroed), PERCPU_ARRAY (a slot per CPU in BPF, per worker in
 * user space; fp_map_count adds to the caller's slot without atomics).
 */
#ifndef FASTPATH_NF_MAP_H
#define FASTPATH_NF_MAP_H

#include "fastpath/compat.h"

#define FP_ANY		0	/* = BPF_ANY */
#define FP_NOEXIST	1	/* = BPF_NOEXIST */
#define FP_EXIST	2	/* = BPF_EXIST */

#ifdef __bpf__

#define FP_MAP_TYPE_HASH		BPF_MAP_TYPE_HASH
#define FP_MAP_TYPE_LPM			BPF_MAP_TYPE_LPM_TRIE
#define FP_MAP_TYPE_ARRAY		BPF_MAP_TYPE_ARRAY
#define FP_MAP_TYPE_PERCPU_ARRAY	BPF_MAP_TYPE_PERCPU_ARRAY
/* The kernel requires LPM tries to be allocated on demand. */
#define FP_MAP_FLAGS_HASH
#define FP_MAP_FLAGS_LPM		__uint(map_flags, BPF_F_NO_PREALLOC);
#define FP_MAP_FLAGS_ARRAY
#define FP_MAP_FLAGS_PERCPU_ARRAY

#define FP_TABLE_DEFINE(name, kind, key_t, val_t, max)			\
	struct {							\
		__uint(type, FP_MAP_TYPE_##kind);			\
		__uint(max_entries, max);				\
		__type(key, key_t);					\
		__type(value, val_t);					\
		FP_MAP_FLAGS_##kind					\
	} name SEC(".maps");

#define fp_map_lookup(name, key)	bpf_map_lookup_elem(&(name), key)
#define fp_map_update(name, key, val, flags)				\
	bpf_map_update_elem(&(name), key, val, flags)
#define fp_map_delete(name, key)	bpf_map_delete_elem(&(name), key)
/* A table as a value, for helpers that work on any of several tables. */
#define FP_TABLE_REF(name)		((void *)&(name))
#define fp_map_lookup_ref(ref, key)	bpf_map_lookup_elem(ref, key)

#else /* user space */

/* Code that only needs the NFs' types (control path, tests) defines
 * FP_NF_TYPES_ONLY before including them; see the NF headers. */
#ifndef FP_NF_TYPES_ONLY
#include "fastpath/utable.h"
#endif
struct fp_utable;

#define FP_TABLE_DEFINE(name, kind, key_t, val_t, max)			\
	static struct fp_utable *name;

#define fp_map_lookup(name, key)	fp_utable_lookup(name, key)
#define fp_map_update(name, key, val, flags)				\
	fp_utable_update(name, key, val, flags)
#define fp_map_delete(name, key)	fp_utable_delete(name, key)
#define FP_TABLE_REF(name)		((void *)(name))
#define fp_map_lookup_ref(ref, key)	fp_utable_lookup(ref, key)

/* What the engine and the control path know of a table. */
enum fp_table_kind {
	FP_TABLE_HASH = 0,
	FP_TABLE_LPM,
	FP_TABLE_ARRAY,
	FP_TABLE_PERCPU_ARRAY,
};

struct fp_table_desc {
	const char *name;		/* the BPF map's name too */
	enum fp_table_kind kind;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;		/* default; --table-size overrides */
	struct fp_utable **ut;		/* the user-space twin */
};

#define FP_TABLE_DESC(name, kind, key_t, val_t, max)			\
	{ #name, FP_TABLE_##kind, sizeof(key_t), sizeof(val_t), max, &name },

#endif /* __bpf__ */

/* Add @n to the caller's slot of a PERCPU_ARRAY counter @idx. */
#define fp_map_count(name, idx, n)					\
	do {								\
		__u32 __k = (idx);					\
		__u64 *__v = fp_map_lookup(name, &__k);			\
		if (__v)						\
			*__v += (n);					\
	} while (0)

#endif
