// SPDX-License-Identifier: MIT
/*
 * The NFs' two worlds against each other: the packet code written once
 * (src/nf/) runs in XDP (nf_xdp, BPF_PROG_TEST_RUN) and in user space
 * (fp_nf_user_run, the code the AF_XDP workers run) on the same corpus
 * (tests/lib/nf_corpus.c: good frames, truncated, fragmented, malformed,
 * random), with tables filled by the same control lines through one
 * control path (fp_nf_ctl_line -> fp_table_* -> BPF map and twin).
 *
 * For each chain, frame by frame and in the same order (the LB keeps
 * state): same action, same output bytes.  Then the state: same hit
 * counters, same LB sessions in both worlds, and the rule tables exactly
 * as the control lines left them.  Then hybrid by rule (FP_PATH_EARLY),
 * sharing the maps: a frame XDP drops is one the user world drops too,
 * and a frame XDP hands to user space (no socket here: a failed redirect,
 * counted FP_CNT_REDIRECT_ERR) is never one the firewall at the front of
 * the chain drops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "fastpath/nf.h"
#include "fastpath/nf_info.h"
#include "fastpath/nf_table.h"
#include "fastpath/utable.h"
#include "fastpath/xdp.h"
#include "lib/nf_corpus.h"
#include "nf_xdp.skel.h"

/* Types only: the packet code is nf_user.c's (and the kernel's). */
#define FP_NF_TYPES_ONLY
#include "fastpath/nf_parse.h"
#include "nf/firewall.h"
#include "nf/lb.h"

#define MAX_REPORTS	8	/* mismatches printed in full per chain */
#define MAX_RULE_ID	32	/* ids of nf_corpus_fw_rules are below */

struct world {
	const char *name;
	uint32_t chain[FP_CHAIN_MAX];
	uint32_t n;
	struct fp_nf_xdp *skel;		/* FP_PATH_XDP */
	struct fp_tables ts;
	struct fp_nf_inst inst[FP_NF_COUNT];	/* by NF id, once each */
	bool has[FP_NF_COUNT];
	struct nf_corpus corpus;
	int *user_act;			/* per frame, as an XDP action */
};

/* ---- set-up ----------------------------------------------------------------- */

static struct fp_nf_xdp *load(const struct world *w, uint32_t path,
			      const struct fp_nf_xdp *share)
{
	struct fp_nf_xdp *skel = fp_nf_xdp__open();
	unsigned int i;

	assert_non_null(skel);
	for (i = 0; i < w->n; i++)
		skel->rodata->chain[i] = w->chain[i];
	skel->rodata->chain_len = w->n;
	skel->rodata->path = path;
	skel->rodata->final_verdict = FP_PASS;
	skel->rodata->need_time = w->has[FP_NF_LB];
	/* The EARLY program works on the tables of the first. */
	for (i = 0; share && i < w->ts.n; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(
			skel->obj, w->ts.t[i].desc->name);

		assert_non_null(m);
		assert_int_equal(bpf_map__reuse_fd(m, w->ts.t[i].fd), 0);
	}
	assert_int_equal(fp_bpf_load(skel->obj, "nf_xdp"), 0);
	return skel;
}

static void ctl(struct world *w, enum fp_nf_id id, const char *const *lines)
{
	char buf[256], *out = NULL;
	size_t outlen = 0;
	FILE *f;
	int err;

	for (; *lines; lines++) {
		f = open_memstream(&out, &outlen);
		assert_non_null(f);
		snprintf(buf, sizeof(buf), "%s", *lines);
		err = fp_nf_ctl_line(&w->inst[id], buf, f);
		fclose(f);
		if (err)
			printf("# '%s': %d: %s", *lines, err, out);
		free(out);
		out = NULL;
		assert_int_equal(err, 0);
	}
}

static void setup(struct world *w, const char *name, const uint32_t *chain,
		  uint32_t n)
{
	unsigned int id, k, i;
	int ncpus = libbpf_num_possible_cpus();

	memset(w, 0, sizeof(*w));
	w->name = name;
	memcpy(w->chain, chain, n * sizeof(*chain));
	w->n = n;
	for (i = 0; i < n; i++)
		w->has[chain[i]] = true;
	w->skel = load(w, FP_PATH_XDP, NULL);

	assert_true(ncpus > 0);
	w->ts.ncpus = (unsigned int)ncpus;
	w->ts.nslots = 1;
	for (id = 0; id < FP_NF_COUNT; id++) {
		const struct fp_nf_info *nf = fp_nf_get((enum fp_nf_id)id);

		if (!w->has[id])
			continue;
		for (k = 0; k < nf->n_tables; k++) {
			const struct fp_table_desc *d = &nf->tables[k];
			struct fp_table *t = &w->ts.t[w->ts.n++];
			struct bpf_map *m;

			m = bpf_object__find_map_by_name(w->skel->obj, d->name);
			assert_non_null(m);
			assert_int_equal(bpf_map__max_entries(m), d->max_entries);
			t->desc = d;
			t->max_entries = d->max_entries;
			t->fd = bpf_map__fd(m);
			assert_int_equal(fp_table_twin_create(t, 1), 0);
		}
	}
	for (id = 0; id < FP_NF_COUNT; id++) {
		if (!w->has[id])
			continue;
		w->inst[id].info = fp_nf_get((enum fp_nf_id)id);
		w->inst[id].tables = &w->ts;
		if (w->inst[id].info->init)
			assert_int_equal(w->inst[id].info->init(&w->inst[id]), 0);
	}
	if (w->has[FP_NF_FIREWALL])
		ctl(w, FP_NF_FIREWALL, nf_corpus_fw_rules);
	if (w->has[FP_NF_LB])
		ctl(w, FP_NF_LB, nf_corpus_lb_rules);
	assert_int_equal(nf_corpus_build(&w->corpus, NF_CORPUS_SEED), 0);
	w->user_act = calloc(w->corpus.n, sizeof(int));
	assert_non_null(w->user_act);
}

static void teardown(struct world *w)
{
	unsigned int i;

	fp_rcu_thread_offline();
	for (i = 0; i < FP_NF_COUNT; i++)
		if (w->inst[i].info && w->inst[i].info->fini)
			w->inst[i].info->fini(&w->inst[i]);
	for (i = 0; i < w->ts.n; i++)
		fp_table_twin_free(&w->ts.t[i]);
	fp_nf_xdp__destroy(w->skel);
	nf_corpus_free(&w->corpus);
	free(w->user_act);
}

/* ---- running a frame ---------------------------------------------------------- */

static int xdp_run(struct fp_nf_xdp *skel, const struct nf_corpus_frame *f,
		   uint8_t *out)
{
	struct xdp_md ctx = { .data_end = f->len, .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = f->data,
		.data_size_in = f->len,
		.data_out = out,
		.data_size_out = NF_CORPUS_MAX_LEN,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);

	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.fp_nf), &o), 0);
	/* NFs never change the length (nf.h). */
	assert_int_equal(o.data_size_out, f->len);
	return (int)o.retval;
}

/*
 * The user world on a copy of @f in a buffer of exactly its size, mapped
 * to the XDP action the same verdict gives with --then pass, as nfrun
 * does: FP_NEXT -> pass, broken frame (negative) -> drop.
 */
static int user_run(const uint32_t *chain, uint32_t n, uint32_t stage,
		    const struct nf_corpus_frame *f, uint64_t now, uint8_t *out)
{
	uint8_t *buf = malloc(f->len);
	struct fp_pkt p = { .now_ns = now, .ifindex = 1, .stage = stage };
	int v;

	assert_non_null(buf);
	memcpy(buf, f->data, f->len);
	p.data = buf;
	p.data_end = buf + f->len;
	v = fp_nf_user_run(&p, chain, n);
	fp_rcu_quiescent();
	if (out)
		memcpy(out, buf, f->len);
	free(buf);
	if (v < 0)
		return XDP_DROP;
	switch (v) {
	case FP_NEXT:
	case FP_PASS:
		return XDP_PASS;
	case FP_DROP:
		return XDP_DROP;
	case FP_TX:
		return XDP_TX;
	}
	fail_msg("user world: unexpected verdict %d", v);
	return -1;
}

/* The first @max bytes: headers are where NFs differ. */
static void hexdump(const char *label, const uint8_t *b, size_t len,
		    size_t max)
{
	size_t i;

	printf("#   %s (%zu bytes%s):", label, len, len > max ? ", head" : "");
	for (i = 0; i < len && i < max; i++)
		printf("%s%02x", i % 16 ? " " : "\n#     ", b[i]);
	printf("\n");
}

static const char *act_name(int a)
{
	static const char *const n[] = { "aborted", "drop", "pass", "tx",
					 "redirect" };

	return a >= 0 && a <= 4 ? n[a] : "?";
}

/* ---- state of the tables ------------------------------------------------------- */

/* One world's view of a table. */
static struct fp_table only(const struct fp_table *t, bool bpf)
{
	struct fp_table one = *t;

	if (bpf)
		one.ut = NULL;
	else
		one.fd = -1;
	return one;
}

static uint64_t sum_in(struct world *w, const char *table, uint32_t idx,
		       bool bpf)
{
	struct fp_table *t = fp_tables_find(&w->ts, table), one;
	uint64_t v = 0;

	assert_non_null(t);
	one = only(t, bpf);
	assert_int_equal(fp_table_sum(&one, idx, &v), 0);
	return v;
}

/* A table's entries in one world: records of key + the first @vcmp bytes
 * of the value, sorted, so that two dumps compare with memcmp. */
struct dump {
	uint8_t *rec;
	size_t n, cap, rsize;
};

static size_t g_rsize;

static int rec_cmp(const void *a, const void *b)
{
	return memcmp(a, b, g_rsize);
}

static void dump_add(struct dump *d, const void *key, uint32_t ks,
		     const void *val)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->rec = realloc(d->rec, d->cap * d->rsize);
		assert_non_null(d->rec);
	}
	memcpy(d->rec + d->n * d->rsize, key, ks);
	memcpy(d->rec + d->n * d->rsize + ks, val, d->rsize - ks);
	d->n++;
}

/* Arrays: only entries that are not zero (they are big and sparse:
 * lb_ring has room for 64 services' rings). */
static void array_add(struct dump *d, uint32_t idx, const void *val,
		      uint32_t vs)
{
	static const uint8_t zero[256];

	if (memcmp(val, zero, vs))
		dump_add(d, &idx, 4, val);
}

/* A BPF array in batches: lb_ring is half a million entries. */
static void dump_bpf_array(const struct fp_table *t, struct dump *out)
{
	uint32_t vs = t->desc->value_size, n = 4096, cnt, i, in = 0, next = 0;
	uint32_t *keys = malloc(n * sizeof(*keys));
	uint8_t *vals = malloc((size_t)n * vs);
	bool first = true;
	int err;

	assert_true(keys && vals);
	do {
		cnt = n;
		err = bpf_map_lookup_batch(t->fd, first ? NULL : &in, &next,
					   keys, vals, &cnt, NULL);
		assert_true(err == 0 || err == -ENOENT);
		for (i = 0; i < cnt; i++)
			array_add(out, keys[i], vals + (size_t)i * vs, vs);
		in = next;
		first = false;
	} while (!err);
	free(keys);
	free(vals);
}

static struct dump dump_table(struct world *w, const char *name, bool bpf,
			      uint32_t vcmp)
{
	struct fp_table *t = fp_tables_find(&w->ts, name);
	const struct fp_table_desc *d;
	struct dump out = { 0 };
	uint8_t key[256], next[256], val[256];
	uint32_t i;
	int err;

	assert_non_null(t);
	d = t->desc;
	assert_true(d->key_size <= sizeof(key) && d->value_size <= sizeof(val));
	if (!vcmp)
		vcmp = d->value_size;
	out.rsize = d->key_size + vcmp;
	if (d->kind == FP_TABLE_ARRAY) {
		if (bpf)
			dump_bpf_array(t, &out);
		else
			for (i = 0; i < t->max_entries; i++) {
				assert_int_equal(fp_utable_read(t->ut, &i, val),
						 0);
				array_add(&out, i, val, d->value_size);
			}
		return out;
	}
	err = bpf ? bpf_map_get_next_key(t->fd, NULL, key)
		  : fp_utable_get_next_key(t->ut, NULL, key);
	while (!err) {
		err = bpf ? bpf_map_lookup_elem(t->fd, key, val)
			  : fp_utable_read(t->ut, key, val);
		assert_int_equal(err, 0);
		dump_add(&out, key, d->key_size, val);
		assert_true(out.n <= t->max_entries);
		err = bpf ? bpf_map_get_next_key(t->fd, key, next)
			  : fp_utable_get_next_key(t->ut, key, next);
		memcpy(key, next, d->key_size);
	}
	assert_int_equal(err, -ENOENT);
	g_rsize = out.rsize;
	if (out.n)
		qsort(out.rec, out.n, out.rsize, rec_cmp);
	return out;
}

static void dump_equal(const char *what, const struct dump *a,
		       const struct dump *b)
{
	if (a->n != b->n || (a->n && memcmp(a->rec, b->rec, a->n * a->rsize)))
		fail_msg("%s: %zu entries vs %zu, or different contents", what,
			 a->n, b->n);
}

static void dump_free(struct dump *d)
{
	free(d->rec);
	d->rec = NULL;
}

/* The configuration tables of the chain, in both worlds. */
#define N_CONFIG 7
static const char *const config_tables[N_CONFIG] = {
	"fw_exact", "fw_src", "fw_dst", "fw_config",
	"lb_vips", "lb_backends", "lb_ring",
};

static void snapshot(struct world *w, struct dump snap[N_CONFIG][2])
{
	unsigned int i, b;

	memset(snap, 0, sizeof(struct dump) * N_CONFIG * 2);
	for (i = 0; i < N_CONFIG; i++) {
		if (!fp_tables_find(&w->ts, config_tables[i]))
			continue;
		for (b = 0; b < 2; b++)
			snap[i][b] = dump_table(w, config_tables[i], b == 0, 0);
		dump_equal(config_tables[i], &snap[i][0], &snap[i][1]);
	}
}

static void snap_free(struct dump snap[N_CONFIG][2])
{
	unsigned int i;

	for (i = 0; i < N_CONFIG; i++) {
		dump_free(&snap[i][0]);
		dump_free(&snap[i][1]);
	}
}

/* ---- the comparisons ---------------------------------------------------------- */

static void report(struct world *w, size_t i, int xa, int ua,
		   const uint8_t *xout, const uint8_t *uout)
{
	const struct nf_corpus_frame *f = &w->corpus.f[i];
	size_t off = 0;

	while (off < f->len && xout[off] == uout[off])
		off++;
	printf("# %s: frame %zu (%s): xdp %s, user %s", w->name, i, f->what,
	       act_name(xa), act_name(ua));
	if (off < f->len)
		printf(", bytes differ from offset %zu", off);
	printf("\n");
	hexdump("in", f->data, f->len, 128);
	if (off < f->len) {
		hexdump("xdp out", xout, f->len, off + 32);
		hexdump("user out", uout, f->len, off + 32);
	}
}

/* Frame by frame, XDP then user space, in corpus order. */
static void compare_full(struct world *w)
{
	static uint8_t xout[NF_CORPUS_MAX_LEN], uout[NF_CORPUS_MAX_LEN];
	unsigned int acts[5] = { 0 }, bad = 0;
	size_t i;
	int xa, ua;

	fp_rcu_thread_online();
	for (i = 0; i < w->corpus.n; i++) {
		const struct nf_corpus_frame *f = &w->corpus.f[i];

		xa = xdp_run(w->skel, f, xout);
		ua = user_run(w->chain, w->n, FP_STAGE_FULL, f,
			      1000000000ull + i * 1000, uout);
		w->user_act[i] = ua;
		if (xa >= 0 && xa < 5)
			acts[xa]++;
		if (xa != ua || memcmp(xout, uout, f->len)) {
			if (bad++ < MAX_REPORTS)
				report(w, i, xa, ua, xout, uout);
		}
	}
	printf("# %s: %zu frames: drop %u, pass %u, tx %u; %u differ\n",
	       w->name, w->corpus.n, acts[XDP_DROP], acts[XDP_PASS],
	       acts[XDP_TX], bad);
	assert_int_equal(bad, 0);
	/* Not vacuous: the corpus exercises each outcome the chain has. */
	assert_true(acts[XDP_DROP] > 0);
	assert_true(acts[XDP_PASS] > 0 || w->has[FP_NF_FIREWALL]);
	if (w->has[FP_NF_MACSWAP] || w->has[FP_NF_LB])
		assert_true(acts[XDP_TX] > 0);
}

static void compare_counters(struct world *w)
{
	uint64_t a, b;
	uint32_t i;

	if (w->has[FP_NF_FIREWALL]) {
		for (i = 0; i < MAX_RULE_ID; i++) {
			a = sum_in(w, "fw_hits", i, true);
			b = sum_in(w, "fw_hits", i, false);
			if (a != b)
				fail_msg("fw_hits[%u]: xdp %llu, user %llu", i,
					 (unsigned long long)a,
					 (unsigned long long)b);
		}
		/* The policy and rules of each kind were hit. */
		assert_true(sum_in(w, "fw_hits", 0, false) > 0);
		assert_true(sum_in(w, "fw_hits", 1, false) > 0);
		assert_true(sum_in(w, "fw_hits", 5, false) > 0);
		assert_true(sum_in(w, "fw_hits", 10, false) > 0);
		assert_true(sum_in(w, "fw_hits", 21, false) > 0);
	}
	if (w->has[FP_NF_LB]) {
		for (i = 0; i < FP_LB_STAT_MAX; i++) {
			a = sum_in(w, "lb_stats", i, true);
			b = sum_in(w, "lb_stats", i, false);
			if (a != b)
				fail_msg("lb_stats[%u]: xdp %llu, user %llu", i,
					 (unsigned long long)a,
					 (unsigned long long)b);
		}
		assert_true(sum_in(w, "lb_stats", FP_LB_FORWARD, false) > 0);
		assert_true(sum_in(w, "lb_stats", FP_LB_REPLY, false) > 0);
		assert_true(sum_in(w, "lb_stats", FP_LB_NEW_SESSION, false) > 0);
	}
}

/* Sessions: same keys, same backends, same reverse entries (the times
 * differ: the kernel's clock against ours). */
static void compare_sessions(struct world *w)
{
	struct dump a, b;

	if (!w->has[FP_NF_LB])
		return;
	a = dump_table(w, "lb_sessions", true,
		       offsetof(struct fp_lb_session, pad));
	b = dump_table(w, "lb_sessions", false,
		       offsetof(struct fp_lb_session, pad));
	printf("# %s: %zu sessions in each world\n", w->name, a.n);
	assert_true(a.n > 0);
	dump_equal("lb_sessions", &a, &b);
	dump_free(&a);
	dump_free(&b);
	a = dump_table(w, "lb_reverse", true,
		       offsetof(struct fp_lb_reverse, last_ns));
	b = dump_table(w, "lb_reverse", false,
		       offsetof(struct fp_lb_reverse, last_ns));
	assert_true(a.n > 0);
	dump_equal("lb_reverse", &a, &b);
	dump_free(&a);
	dump_free(&b);
}

/* The configuration after the corpus is the one before, in each world,
 * and holds exactly what the control lines put in. */
static void compare_config(struct world *w, struct dump before[N_CONFIG][2])
{
	struct dump after[N_CONFIG][2];
	unsigned int i, b;

	snapshot(w, after);
	for (i = 0; i < N_CONFIG; i++)
		for (b = 0; b < 2; b++)
			dump_equal(config_tables[i], &before[i][b],
				   &after[i][b]);
	if (w->has[FP_NF_FIREWALL]) {
		assert_int_equal(after[0][0].n, NF_CORPUS_FW_EXACT);
		assert_int_equal(after[1][0].n, NF_CORPUS_FW_SRC);
		assert_int_equal(after[2][0].n, NF_CORPUS_FW_DST);
		assert_int_equal(after[3][0].n, 1);	/* policy drop */
	}
	if (w->has[FP_NF_LB]) {
		assert_int_equal(after[4][0].n, NF_CORPUS_LB_SERVICES);
		assert_int_equal(after[5][0].n, NF_CORPUS_LB_BACKENDS);
		/* Every slot of each service's ring names a backend. */
		assert_int_equal(after[6][0].n,
				 NF_CORPUS_LB_SERVICES * FP_LB_RING_SIZE);
	}
	snap_free(after);
}

static uint64_t counter(struct fp_nf_xdp *skel, uint32_t c)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t vals[256], sum = 0;

	assert_true(ncpu > 0 && ncpu <= 256);
	assert_int_equal(bpf_map_lookup_elem(
		bpf_map__fd(skel->maps.nf_counters), &c, vals), 0);
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

/*
 * Hybrid by rule: XDP runs the early (stateless) front of the chain on the
 * same maps.  What it drops, the whole chain in user space drops; what it
 * hands over, the front (run in full, in user space) does not drop.
 */
static void compare_early(struct world *w)
{
	static uint8_t xout[NF_CORPUS_MAX_LEN];
	struct fp_nf_xdp *early = load(w, FP_PATH_EARLY, w->skel);
	uint32_t front[FP_CHAIN_MAX], nfront = 0;
	unsigned int dropped = 0, to_user = 0, other = 0;
	uint64_t drop0, err0;
	size_t i;
	int xa, fa;

	/* The front: the NFs before the first that may not run early. */
	while (nfront < w->n && fp_nf_get(w->chain[nfront])->early_ok) {
		front[nfront] = w->chain[nfront];
		nfront++;
	}
	for (i = 0; i < w->corpus.n; i++) {
		const struct nf_corpus_frame *f = &w->corpus.f[i];

		drop0 = counter(early, FP_CNT_DROP);
		err0 = counter(early, FP_CNT_REDIRECT_ERR);
		xa = xdp_run(early, f, xout);
		fa = user_run(front, nfront, FP_STAGE_FULL, f, 0, NULL);
		if (counter(early, FP_CNT_REDIRECT_ERR) != err0) {
			to_user++;
			assert_int_equal(xa, XDP_DROP);
			if (fa == XDP_DROP)
				fail_msg("%s: frame %zu (%s): sent to user space "
					 "but the firewall drops it", w->name, i,
					 f->what);
		} else if (counter(early, FP_CNT_DROP) != drop0) {
			dropped++;
			assert_int_equal(xa, XDP_DROP);
			if (w->user_act[i] != XDP_DROP)
				fail_msg("%s: frame %zu (%s): dropped early but "
					 "user space gives %s", w->name, i,
					 f->what, act_name(w->user_act[i]));
			if (fa != XDP_DROP)
				fail_msg("%s: frame %zu (%s): dropped early but "
					 "the front does not drop it", w->name,
					 i, f->what);
		} else {
			/* Not IP: the whole chain ran in XDP. */
			other++;
			assert_int_equal(xa, w->user_act[i]);
		}
	}
	printf("# %s early: %u dropped in XDP, %u to user space, %u in XDP "
	       "to the end\n", w->name, dropped, to_user, other);
	assert_true(to_user > 0 && dropped > 0);
	fp_nf_xdp__destroy(early);
}

static void run_chain(const char *name, const uint32_t *chain, uint32_t n)
{
	struct dump before[N_CONFIG][2];
	struct world w;

	setup(&w, name, chain, n);
	snapshot(&w, before);
	compare_full(&w);
	compare_counters(&w);
	compare_sessions(&w);
	compare_config(&w, before);
	compare_early(&w);
	compare_config(&w, before);
	snap_free(before);
	teardown(&w);
}

static void test_macswap(void **state)
{
	static const uint32_t c[] = { FP_NF_MACSWAP };

	run_chain("macswap", c, 1);
}

static void test_firewall(void **state)
{
	static const uint32_t c[] = { FP_NF_FIREWALL };

	run_chain("firewall", c, 1);
}

static void test_lb(void **state)
{
	static const uint32_t c[] = { FP_NF_LB };

	run_chain("lb", c, 1);
}

static void test_firewall_lb(void **state)
{
	static const uint32_t c[] = { FP_NF_FIREWALL, FP_NF_LB };

	run_chain("firewall,lb", c, 2);
}

/* The corpus is the same on every run, and every frame fits a test run. */
static void test_corpus_deterministic(void **state)
{
	struct nf_corpus a, b;
	size_t i;

	assert_int_equal(nf_corpus_build(&a, NF_CORPUS_SEED), 0);
	assert_int_equal(nf_corpus_build(&b, NF_CORPUS_SEED), 0);
	assert_int_equal(a.n, b.n);
	assert_true(a.n >= 300 && a.n <= 5000);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.f[i].len, b.f[i].len);
		assert_memory_equal(a.f[i].data, b.f[i].data, a.f[i].len);
		assert_true(a.f[i].len >= NF_CORPUS_MIN_LEN &&
			    a.f[i].len <= NF_CORPUS_MAX_LEN);
	}
	nf_corpus_free(&a);
	nf_corpus_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_deterministic),
		cmocka_unit_test(test_macswap),
		cmocka_unit_test(test_firewall),
		cmocka_unit_test(test_lb),
		cmocka_unit_test(test_firewall_lb),
	};

	/* Our lines between cmocka's, in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
