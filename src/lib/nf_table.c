// SPDX-License-Identifier: MIT
/*
 * NF tables for the control path: every operation goes to every world the
 * table lives in, the BPF map (by fd, through the bpf(2) syscalls) and the
 * user-space twin (fastpath/utable.h).
 *
 * Per-CPU values: the syscall wants one value per possible CPU, each
 * rounded up to 8 bytes; the twin wants one per worker slot, laid out the
 * same way.  Callers of fp_table_update() pass one value and it is written
 * to every CPU and slot (the control path only ever resets counters).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/nf_table.h"
#include "fastpath/utable.h"
/* Only for the number of worker slots of a PERCPU_ARRAY twin, which the
 * public utable API does not report (see ut_nslots()). */

#define ROUND8(x)	(((x) + 7u) & ~(size_t)7u)
/* Keys per batch syscall (lookup of hash maps, update of arrays). */
#define BATCH_KEYS	1024u
/* The kernel's "operation not supported" for a missing map op (the
 * kernel-internal ENOTSUPP, which libc does not name). */
#define ENOTSUPP_KERNEL	524

struct fp_table *fp_tables_find(struct fp_tables *ts, const char *name)
{
	unsigned int i;

	for (i = 0; i < ts->n; i++)
		if (ts->t[i].desc && !strcmp(ts->t[i].desc->name, name))
			return &ts->t[i];
	return NULL;
}

/* Batch ops came in 5.6, and not for every map type. */
static bool no_batch(int err)
{
	return err == -EINVAL || err == -ENOTSUPP_KERNEL || err == -EOPNOTSUPP;
}

static bool is_percpu(const struct fp_table *t)
{
	return t->desc->kind == FP_TABLE_PERCPU_ARRAY;
}

static bool is_array(const struct fp_table *t)
{
	return t->desc->kind == FP_TABLE_ARRAY ||
	       t->desc->kind == FP_TABLE_PERCPU_ARRAY;
}

static unsigned int bpf_ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? (unsigned int)n : 1;
}

static unsigned int ut_nslots(const struct fp_table *t)
{
	return fp_utable_nslots(t->ut);
}

/* Bytes of one value as the world's syscall-like API wants it. */
static size_t bpf_vsize(const struct fp_table *t)
{
	if (is_percpu(t))
		return ROUND8(t->desc->value_size) * bpf_ncpus();
	return t->desc->value_size;
}

static size_t ut_vsize(const struct fp_table *t)
{
	if (is_percpu(t))
		return ROUND8(t->desc->value_size) * ut_nslots(t);
	return t->desc->value_size;
}

/* @val copied to each of @n slots of @stride bytes (the rest zero). */
static void *replicate(const void *val, size_t size, size_t stride,
		       unsigned int n)
{
	uint8_t *buf = calloc(n, stride);
	unsigned int i;

	if (!buf)
		return NULL;
	for (i = 0; i < n; i++)
		memcpy(buf + i * stride, val, size);
	return buf;
}

int fp_table_update(struct fp_table *t, const void *key, const void *val,
		    uint64_t flags)
{
	size_t vs = t->desc->value_size, st = ROUND8(vs);
	void *bval = (void *)val, *uval = (void *)val, *old = NULL;
	bool both = t->fd >= 0 && t->ut, had_old = false;
	int err = 0;

	if (is_percpu(t)) {
		if (t->fd >= 0 && !(bval = replicate(val, vs, st, bpf_ncpus())))
			return -ENOMEM;
		if (t->ut && !(uval = replicate(val, vs, st, ut_nslots(t)))) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (t->ut) {
		/* The twin goes first: if the kernel then refuses, the twin
		 * is put back from this copy, in user space, at no syscall. */
		if (both) {
			old = malloc(ut_vsize(t));
			if (!old) {
				err = -ENOMEM;
				goto out;
			}
			had_old = fp_utable_read(t->ut, key, old) == 0;
		}
		err = fp_utable_update(t->ut, key, uval, flags);
		if (err)
			goto out;
	}
	if (t->fd >= 0) {
		err = bpf_map_update_elem(t->fd, key, bval, flags);
		if (err && both) {
			if (had_old)
				fp_utable_update(t->ut, key, old,
						 FP_UTABLE_ANY);
			else
				fp_utable_delete(t->ut, key);
		}
	}
out:
	free(old);
	if (bval != val)
		free(bval);
	if (uval != val)
		free(uval);
	return err;
}

int fp_table_delete(struct fp_table *t, const void *key)
{
	bool found = false;
	int err = 0, e;

	if (t->fd >= 0) {
		e = bpf_map_delete_elem(t->fd, key);
		if (!e)
			found = true;
		else if (e != -ENOENT)
			err = e;
	}
	if (t->ut) {
		e = fp_utable_delete(t->ut, key);
		if (!e)
			found = true;
		else if (e != -ENOENT && !err)
			err = e;
	}
	if (err)
		return err;
	return found ? 0 : -ENOENT;
}

int fp_table_lookup(struct fp_table *t, const void *key, void *val)
{
	int err = -ENOENT;

	/* One value cannot say what CPUs and workers hold: fp_table_sum. */
	if (is_percpu(t))
		return -EINVAL;
	if (t->fd >= 0) {
		err = bpf_map_lookup_elem(t->fd, key, val);
		if (err != -ENOENT)
			return err;
	}
	if (t->ut)
		err = fp_utable_read(t->ut, key, val);
	return err;
}

static uint64_t sum_u64(const uint8_t *buf, unsigned int n)
{
	uint64_t s = 0, v;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memcpy(&v, buf + i * 8, 8);
		s += v;
	}
	return s;
}

int fp_table_sum(struct fp_table *t, uint32_t index, uint64_t *sum)
{
	uint64_t stackbuf[64];
	uint8_t *buf = (uint8_t *)stackbuf;
	unsigned int n = 1;
	int err = 0;

	if (!is_percpu(t) || t->desc->value_size != sizeof(uint64_t))
		return -EINVAL;
	*sum = 0;
	if (t->fd >= 0)
		n = bpf_ncpus();
	if (t->ut && ut_nslots(t) > n)
		n = ut_nslots(t);
	if (n > 64 && !(buf = malloc((size_t)n * 8)))
		return -ENOMEM;
	if (t->fd >= 0) {
		err = bpf_map_lookup_elem(t->fd, &index, buf);
		if (err)
			goto out;
		*sum += sum_u64(buf, bpf_ncpus());
	}
	if (t->ut) {
		err = fp_utable_read(t->ut, &index, buf);
		if (err)
			goto out;
		*sum += sum_u64(buf, ut_nslots(t));
	}
out:
	if (buf != (uint8_t *)stackbuf)
		free(buf);
	return err;
}

/* Keys to delete, gathered during a walk and deleted after it. */
struct keylist {
	uint8_t *keys;
	size_t n, cap;
	uint32_t ks;
};

static int keylist_add(struct keylist *l, const void *key)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		uint8_t *k = realloc(l->keys, cap * l->ks);

		if (!k)
			return -ENOMEM;
		l->keys = k;
		l->cap = cap;
	}
	memcpy(l->keys + l->n++ * l->ks, key, l->ks);
	return 0;
}

/*
 * Walk a BPF map with BPF_MAP_LOOKUP_BATCH: one syscall per BATCH_KEYS
 * entries instead of two per entry.  A hash map is walked bucket by bucket
 * (the position is a bucket index) and a batch never splits a bucket:
 * -ENOSPC says one holds more than the buffer, which then grows.  Other
 * maps (LPM) are walked by the kernel's get_next_key, the position being
 * the last key.  Errors that mean "no batch ops" are returned as they are,
 * for the caller to walk key by key.
 */
static int bpf_collect_batch(struct fp_table *t, fp_table_drop_fn drop,
			     void *ctx, struct keylist *l)
{
	uint32_t ks = t->desc->key_size, cap = BATCH_KEYS, i, cnt;
	uint32_t tok = ks > 8 ? ks : 8;
	size_t vs = bpf_vsize(t);
	uint8_t *keys = NULL, *vals = NULL;
	uint8_t *in = calloc(2, tok), *out = in ? in + tok : NULL;
	bool first = true;
	int err;

	if (!in)
		return -ENOMEM;
	for (;;) {
		if (!keys) {
			keys = malloc((size_t)cap * ks);
			vals = malloc((size_t)cap * vs);
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		cnt = cap;
		err = bpf_map_lookup_batch(t->fd, first ? NULL : in, out,
					   keys, vals, &cnt, NULL);
		if (err && err != -ENOENT) {
			if (err == -ENOSPC && cap < (1u << 20)) {
				cap *= 4;
				free(keys);
				free(vals);
				keys = vals = NULL;
				continue;
			}
			break;
		}
		for (i = 0; i < cnt; i++) {
			if (!drop(keys + (size_t)i * ks, vals + (size_t)i * vs,
				  ctx))
				continue;
			if (keylist_add(l, keys + (size_t)i * ks)) {
				err = -ENOMEM;
				goto out;
			}
		}
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		memcpy(in, out, tok);
		first = false;
	}
out:
	free(keys);
	free(vals);
	free(in);
	return err;
}

/* Walk one world with get_next_key and a lookup per key. */
static int collect_walk(struct fp_table *t, bool bpf, fp_table_drop_fn drop,
			void *ctx, struct keylist *l)
{
	uint32_t ks = t->desc->key_size;
	uint8_t *a = malloc(ks), *b = malloc(ks), *tmp;
	void *v = malloc(bpf ? bpf_vsize(t) : ut_vsize(t));
	uint64_t steps = 0, guard = 4ull * t->max_entries + 16;
	int err, e;

	if (!a || !b || !v) {
		err = -ENOMEM;
		goto out;
	}
	err = bpf ? bpf_map_get_next_key(t->fd, NULL, a)
		  : fp_utable_get_next_key(t->ut, NULL, a);
	while (!err && steps++ < guard) {
		e = bpf ? bpf_map_lookup_elem(t->fd, a, v)
			: fp_utable_read(t->ut, a, v);
		if (!e && drop(a, v, ctx) && (err = keylist_add(l, a)))
			goto out;
		err = bpf ? bpf_map_get_next_key(t->fd, a, b)
			  : fp_utable_get_next_key(t->ut, a, b);
		tmp = a;
		a = b;
		b = tmp;
	}
	if (err == -ENOENT)
		err = 0;
out:
	free(a);
	free(b);
	free(v);
	return err;
}

/*
 * Delete the listed keys from the BPF map, BATCH_KEYS per syscall.  The
 * kernel stops a batch at the first key that fails and reports how many
 * went before it; a key already gone (-ENOENT) is skipped, not an error.
 */
static int bpf_delete_keys(struct fp_table *t, const struct keylist *l,
			   uint64_t *deleted)
{
	size_t off = 0;
	uint32_t cnt;
	int err;

	while (off < l->n) {
		cnt = l->n - off < BATCH_KEYS ? (uint32_t)(l->n - off)
					      : BATCH_KEYS;
		err = bpf_map_delete_batch(t->fd, l->keys + off * l->ks, &cnt,
					   NULL);
		if (no_batch(err))	/* before 5.6: one by one */
			break;
		*deleted += cnt;
		off += cnt;
		if (err == -ENOENT)
			off++;
		else if (err)
			return err;
	}
	for (; off < l->n; off++) {
		err = bpf_map_delete_elem(t->fd, l->keys + off * l->ks);
		if (!err)
			(*deleted)++;
		else if (err != -ENOENT)
			return err;
	}
	return 0;
}

static int sweep_world(struct fp_table *t, bool bpf, fp_table_drop_fn drop,
		       void *ctx, uint64_t *deleted)
{
	struct keylist l = { .ks = t->desc->key_size };
	size_t i;
	int err = -EOPNOTSUPP, e;

	if (bpf) {
		err = bpf_collect_batch(t, drop, ctx, &l);
		if (no_batch(err)) {
			l.n = 0;
			err = -EOPNOTSUPP;
		}
	}
	if (err == -EOPNOTSUPP)
		err = collect_walk(t, bpf, drop, ctx, &l);
	/* Keys are deleted only now: deleting the key a BPF walk stands on
	 * would send it back to the first key. */
	if (!err && bpf)
		err = bpf_delete_keys(t, &l, deleted);
	for (i = 0; !err && !bpf && i < l.n; i++) {
		e = fp_utable_delete(t->ut, l.keys + i * l.ks);
		if (!e)
			(*deleted)++;
		else if (e != -ENOENT)	/* gone meanwhile: fine */
			err = e;
	}
	free(l.keys);
	return err;
}

int fp_table_sweep(struct fp_table *t, fp_table_drop_fn drop, void *ctx,
		   uint64_t *deleted)
{
	uint64_t n = 0;
	int err = 0, e;

	if (is_array(t))
		return -EINVAL;
	if (t->fd >= 0)
		err = sweep_world(t, true, drop, ctx, &n);
	if (t->ut) {
		e = sweep_world(t, false, drop, ctx, &n);
		if (!err)
			err = e;
	}
	if (deleted)
		*deleted = n;
	return err;
}

static bool count_one(const void *key, const void *val, void *ctx)
{
	(*(uint64_t *)ctx)++;
	return false;
}

int fp_table_count(struct fp_table *t, uint64_t *count)
{
	struct keylist l = { .ks = t->desc->key_size };
	uint64_t n = 0;
	int err;

	if (is_array(t))
		return -EINVAL;
	*count = 0;
	if (t->fd < 0) {
		if (t->ut)
			*count = fp_utable_count(t->ut);
		return 0;
	}
	/* The kernel keeps no count we can read: walk, in batches. */
	err = bpf_collect_batch(t, count_one, &n, &l);
	if (no_batch(err)) {
		n = 0;
		err = collect_walk(t, true, count_one, &n, &l);
	}
	free(l.keys);
	if (err)
		return err;
	*count = n > t->max_entries ? t->max_entries : n;
	return 0;
}

static bool drop_all(const void *key, const void *val, void *ctx)
{
	return true;
}

/* Zero every index of a BPF array, BATCH_KEYS per syscall. */
static int bpf_array_zero(struct fp_table *t)
{
	size_t vsz = bpf_vsize(t);
	uint32_t *keys = malloc(BATCH_KEYS * sizeof(*keys));
	uint8_t *zero = calloc(BATCH_KEYS, vsz);
	uint32_t i, j, n;
	int err = 0;

	if (!keys || !zero) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < t->max_entries && !err; i += n) {
		n = t->max_entries - i < BATCH_KEYS ? t->max_entries - i
						    : BATCH_KEYS;
		for (j = 0; j < n; j++)
			keys[j] = i + j;
		err = bpf_map_update_batch(t->fd, keys, zero, &n, NULL);
		if (no_batch(err)) {
			for (j = 0, err = 0; j < n && !err; j++)
				err = bpf_map_update_elem(t->fd, &keys[j],
							  zero, 0);
		}
	}
out:
	free(keys);
	free(zero);
	return err;
}

static int ut_array_zero(struct fp_table *t)
{
	void *zero = calloc(1, ut_vsize(t));
	uint32_t i;
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (i = 0; i < t->max_entries && !err; i++)
		err = fp_utable_update(t->ut, &i, zero, FP_UTABLE_ANY);
	free(zero);
	return err;
}

int fp_table_clear(struct fp_table *t)
{
	int err = 0, e;

	if (!is_array(t))
		return fp_table_sweep(t, drop_all, NULL, NULL);
	if (t->fd >= 0)
		err = bpf_array_zero(t);
	if (t->ut) {
		e = ut_array_zero(t);
		if (!err)
			err = e;
	}
	return err;
}

static enum fp_utable_type twin_type(enum fp_table_kind k)
{
	switch (k) {
	case FP_TABLE_HASH:
		return FP_UTABLE_HASH;
	case FP_TABLE_LPM:
		return FP_UTABLE_LPM;
	case FP_TABLE_ARRAY:
		return FP_UTABLE_ARRAY;
	case FP_TABLE_PERCPU_ARRAY:
		break;
	}
	return FP_UTABLE_PERCPU_ARRAY;
}

int fp_table_twin_create(struct fp_table *t, uint32_t nslots)
{
	const struct fp_table_desc *d = t->desc;
	int err;

	err = fp_utable_create(twin_type(d->kind), d->key_size, d->value_size,
			       t->max_entries, nslots, &t->ut);
	if (err)
		return err;
	*d->ut = t->ut;
	return 0;
}

void fp_table_twin_free(struct fp_table *t)
{
	if (!t->ut)
		return;
	*t->desc->ut = NULL;
	fp_utable_free(t->ut);
	t->ut = NULL;
}
