/* SPDX-License-Identifier: MIT */
/*
 * The control path's view of NF tables: one handle per table, whatever
 * the mode.  A table lives in one or two worlds: as a BPF map (when XDP
 * runs NF code: modes xdp, xdp-sk, hybrid) and as a user-space twin (when
 * AF_XDP workers run NF code: afxdp modes, hybrid).  Every change goes to
 * every world the table lives in, so one control path fills all modes,
 * from a rules file at start or live from `fastpath ctl`.
 *
 * Callers are the control thread only (one at a time); the data path reads
 * concurrently, and each single update is atomic for it (BPF map update,
 * RCU replace in the twin).
 */
#ifndef FASTPATH_NF_TABLE_H
#define FASTPATH_NF_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath/nf_map.h"

#define FP_TABLES_MAX 32

struct fp_table {
	const struct fp_table_desc *desc;
	uint32_t max_entries;		/* as created (--table-size) */
	int fd;				/* BPF map; -1 when not in XDP */
	struct fp_utable *ut;		/* twin; NULL when not in user space */
};

struct fp_tables {
	struct fp_table t[FP_TABLES_MAX];
	unsigned int n;
	unsigned int ncpus;		/* possible CPUs: per-CPU BPF values */
	unsigned int nslots;		/* workers: per-worker twin values */
};

struct fp_table *fp_tables_find(struct fp_tables *ts, const char *name);

/*
 * Create the user-space twin of @t from its descriptor and max_entries,
 * with @nslots per-worker slots for PERCPU_ARRAY, and hand it to the
 * packet code (*desc->ut).  Returns 0 or a negative errno, silently.
 * fp_table_twin_free() undoes it (after the workers have stopped).
 */
int fp_table_twin_create(struct fp_table *t, uint32_t nslots);
void fp_table_twin_free(struct fp_table *t);

/* To every world; returns the first error (BPF semantics: -EEXIST,
 * -ENOENT, -E2BIG, ...) without printing. */
int fp_table_update(struct fp_table *t, const void *key, const void *val,
		    uint64_t flags);
/* From every world; -ENOENT only when no world had the key. */
int fp_table_delete(struct fp_table *t, const void *key);
/* Copy a value out of the first world that has the key (BPF first);
 * -EINVAL for PERCPU_ARRAY tables (use fp_table_sum). */
int fp_table_lookup(struct fp_table *t, const void *key, void *val);
/* A PERCPU_ARRAY of __u64: the sum over CPUs and workers, both worlds. */
int fp_table_sum(struct fp_table *t, uint32_t index, uint64_t *sum);
/* Entries in the first world (BPF first); hash and LPM only. */
int fp_table_count(struct fp_table *t, uint64_t *count);

/*
 * Visit every entry of every world; delete those @drop says to (the LB's
 * idle sessions).  Keys are collected first and deleted after, so the
 * walk is not disturbed.  *@deleted counts deletions over all worlds.
 */
typedef bool (*fp_table_drop_fn)(const void *key, const void *val, void *ctx);
int fp_table_sweep(struct fp_table *t, fp_table_drop_fn drop, void *ctx,
		   uint64_t *deleted);

/* Remove every entry from every world (hash and LPM); arrays are zeroed. */
int fp_table_clear(struct fp_table *t);

#endif
