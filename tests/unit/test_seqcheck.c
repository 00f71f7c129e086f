// SPDX-License-Identifier: MIT
/*
 * The sequence checker (seqcheck.h) built for user space: hand-written
 * cases with exact counters, then long random streams with injected loss,
 * duplication, reordering and corruption compared with a reference model
 * (a plain set of seen numbers instead of a shifting bitmap) and, where no
 * packet fell out of the window, with the ground truth of what was sent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/seqcheck.h"

static enum fp_seq_verdict feed(struct fp_seq_state *s, uint32_t seq)
{
	return fp_seq_update(s, seq);
}

static void expect(const struct fp_seq_state *s, uint64_t received,
		   uint64_t lost, uint64_t dup, uint64_t reordered,
		   uint64_t too_old, uint64_t corrupted)
{
	assert_int_equal(s->received, received);
	assert_int_equal(s->lost, lost);
	assert_int_equal(s->dup, dup);
	assert_int_equal(s->reordered, reordered);
	assert_int_equal(s->too_old, too_old);
	assert_int_equal(s->corrupted, corrupted);
}

static void test_in_order(void **state)
{
	struct fp_seq_state s = { 0 };
	uint32_t i;

	assert_int_equal(feed(&s, 0), FP_SEQ_FIRST);
	for (i = 1; i < 1000; i++)
		assert_int_equal(feed(&s, i), FP_SEQ_NEXT);
	expect(&s, 1000, 0, 0, 0, 0, 0);
	assert_int_equal(s.top, 999);
	assert_true(s.window == ~0ULL);
}

static void test_loss(void **state)
{
	struct fp_seq_state s = { 0 };

	feed(&s, 0);
	feed(&s, 1);
	assert_int_equal(feed(&s, 4), FP_SEQ_GAP);	/* 2, 3 lost */
	assert_int_equal(feed(&s, 5), FP_SEQ_NEXT);
	assert_int_equal(feed(&s, 1005), FP_SEQ_GAP);	/* 999 more, beyond the window */
	assert_int_equal(s.window, 1);
	expect(&s, 5, 1001, 0, 0, 0, 0);
}

static void test_dup(void **state)
{
	struct fp_seq_state s = { 0 };

	feed(&s, 0);
	feed(&s, 1);
	assert_int_equal(feed(&s, 1), FP_SEQ_DUP);	/* the top itself */
	feed(&s, 2);
	assert_int_equal(feed(&s, 0), FP_SEQ_DUP);	/* inside the window */
	expect(&s, 5, 0, 2, 0, 0, 0);
}

static void test_reorder_fills_gap(void **state)
{
	struct fp_seq_state s = { 0 };

	feed(&s, 0);
	feed(&s, 2);
	feed(&s, 3);
	assert_int_equal(s.lost, 1);
	assert_int_equal(feed(&s, 1), FP_SEQ_LATE);	/* fills the gap */
	expect(&s, 4, 0, 0, 1, 0, 0);
	assert_int_equal(feed(&s, 1), FP_SEQ_DUP);	/* and is then known */
	/* The oldest number the window still holds. */
	feed(&s, 100);					/* 4..99 lost */
	assert_int_equal(s.lost, 96);
	assert_int_equal(feed(&s, 100 - (FP_SEQ_WINDOW - 1)), FP_SEQ_LATE);
	assert_int_equal(s.lost, 95);
	expect(&s, 7, 95, 1, 2, 0, 0);
}

static void test_too_old(void **state)
{
	struct fp_seq_state s = { 0 };
	uint32_t i;

	feed(&s, 0);
	for (i = 2; i <= 100; i++)
		feed(&s, i);				/* 1 lost */
	assert_int_equal(feed(&s, 100 - FP_SEQ_WINDOW), FP_SEQ_TOO_OLD);
	/* A late 1 cannot be told from a duplicate any more: its gap stays. */
	assert_int_equal(feed(&s, 1), FP_SEQ_TOO_OLD);
	expect(&s, 102, 1, 0, 2, 2, 0);
	assert_int_equal(s.top, 100);
}

static void test_wrap(void **state)
{
	struct fp_seq_state s = { 0 };
	uint32_t seq = 0xfffffff0u;
	int i;

	assert_int_equal(feed(&s, seq), FP_SEQ_FIRST);
	for (i = 0; i < 40; i++)
		assert_int_equal(feed(&s, ++seq), FP_SEQ_NEXT);
	assert_int_equal(s.top, 0x18);
	expect(&s, 41, 0, 0, 0, 0, 0);
	/* Across the wrap: skip 0x19, then 0xffffffff is a duplicate and a
	 * late 0x19 fills its gap. */
	assert_int_equal(feed(&s, 0x1a), FP_SEQ_GAP);
	assert_int_equal(s.lost, 1);
	assert_int_equal(feed(&s, 0xffffffffu), FP_SEQ_DUP);
	assert_int_equal(feed(&s, 0x19), FP_SEQ_LATE);
	expect(&s, 44, 0, 1, 1, 0, 0);
	/* Half the number space ahead is still ahead, exactly half is behind. */
	assert_int_equal(feed(&s, 0x1a + 0x7fffffffu), FP_SEQ_GAP);
	assert_int_equal(s.lost, 0x7ffffffeu);
	assert_int_equal(feed(&s, 0x1a + 0x7fffffffu + 0x80000000u), FP_SEQ_TOO_OLD);
}

static void test_start_mid_stream(void **state)
{
	struct fp_seq_state s = { 0 };

	assert_int_equal(feed(&s, 1000000), FP_SEQ_FIRST);
	expect(&s, 1, 0, 0, 0, 0, 0);
	feed(&s, 1000001);
	/* 999999 overtook nothing we counted: reordered, never lost. */
	assert_int_equal(feed(&s, 999999), FP_SEQ_LATE);
	expect(&s, 3, 0, 0, 1, 0, 0);
	assert_int_equal(feed(&s, 999999), FP_SEQ_DUP);
	/* Even once the stream has moved on, as long as the window holds it. */
	feed(&s, 1000010);				/* 8 lost */
	assert_int_equal(feed(&s, 999990), FP_SEQ_LATE);
	expect(&s, 6, 8, 1, 2, 0, 0);
	assert_int_equal(feed(&s, 1000005), FP_SEQ_LATE);
	expect(&s, 7, 7, 1, 3, 0, 0);
}

static void test_corrupt(void **state)
{
	struct fp_seq_state s = { 0 }, before;

	fp_seq_corrupt(&s);
	/* A corrupted packet does not start the stream ... */
	assert_int_equal(s.received, 0);
	feed(&s, 7);
	feed(&s, 8);
	before = s;
	fp_seq_corrupt(&s);
	/* ... nor move it. */
	assert_int_equal(s.top, before.top);
	assert_true(s.window == before.window);
	assert_int_equal(s.span, before.span);
	assert_int_equal(feed(&s, 9), FP_SEQ_NEXT);
	expect(&s, 3, 0, 0, 0, 0, 2);
}

static void test_streams_independent(void **state)
{
	struct fp_seq_state s[3] = { 0 }, sum = { 0 };
	uint32_t i;

	for (i = 0; i < 100; i++) {
		feed(&s[0], i);
		if (i % 10)
			feed(&s[1], 5000 + i);		/* 9 lost */
		feed(&s[2], 0xffffffc0u + i);
		if (i == 50)
			feed(&s[2], 0xffffffc0u + 45);	/* dup */
	}
	expect(&s[0], 100, 0, 0, 0, 0, 0);
	expect(&s[1], 90, 9, 0, 0, 0, 0);
	expect(&s[2], 101, 0, 1, 0, 0, 0);
	for (i = 0; i < 3; i++)
		fp_seq_sum(&sum, &s[i]);
	expect(&sum, 291, 9, 1, 0, 0, 0);
}

/* --- random streams against a reference model --------------------------- */

struct rng {
	uint64_t x;
};

static uint64_t rng_next(struct rng *r)
{
	/* xorshift64*: small, seeded, the same on every machine */
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dULL;
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

struct event {
	uint32_t seq;
	uint8_t stream;
	bool corrupted;
};

#define MAX_SENT   20000
#define MAX_EVENTS (3 * MAX_SENT)
#define NSTREAMS   3

/*
 * Reference model: the rules of seqcheck.h stated on an explicit set of
 * every number seen (index = seq - base), no bitmap, no shifting.
 */
struct ref {
	bool started;
	uint32_t base, first, top;
	uint8_t seen[MAX_SENT + 2 * FP_SEQ_WINDOW];
	struct fp_seq_state c;		/* counters only */
	/* ground truth from the sender's side */
	uint8_t delivered[MAX_SENT + 2 * FP_SEQ_WINDOW];
};

static bool serial_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void ref_update(struct ref *m, uint32_t seq)
{
	uint32_t idx = seq - m->base;

	assert_true(idx < sizeof(m->seen));
	m->c.received++;
	if (!m->started) {
		m->started = true;
		m->first = m->top = seq;
		m->seen[idx] = 1;
		return;
	}
	if (serial_after(seq, m->top)) {
		m->c.lost += seq - m->top - 1;
		m->top = seq;
		m->seen[idx] = 1;
		return;
	}
	if (m->top - seq >= FP_SEQ_WINDOW) {
		m->c.reordered++;
		m->c.too_old++;
		return;
	}
	if (m->seen[idx]) {
		m->c.dup++;
		return;
	}
	m->seen[idx] = 1;
	m->c.reordered++;
	if (!serial_after(m->first, seq))
		m->c.lost--;
}

static struct event events[MAX_EVENTS];
static struct ref refs[NSTREAMS];

/*
 * Send @n numbers per stream starting at @start (shifted per stream) with
 * the given per-mille rates of loss, duplication, reordering (a packet
 * swapped with one up to @dist places later) and corruption.
 */
static size_t make_events(struct rng *r, uint32_t start, uint32_t n,
			  unsigned loss, unsigned dupr, unsigned reorder,
			  unsigned corrupt, unsigned dist)
{
	size_t ne = 0, i;
	uint32_t k;
	int st;

	for (k = 0; k < n; k++) {
		for (st = 0; st < NSTREAMS; st++) {
			struct event e = {
				.seq = start + (uint32_t)st * 7919u + k,
				.stream = (uint8_t)st,
			};

			if (rng_below(r, 1000) < loss)
				continue;
			e.corrupted = rng_below(r, 1000) < corrupt;
			events[ne++] = e;
			if (rng_below(r, 1000) < dupr) {
				e.corrupted = rng_below(r, 1000) < corrupt;
				events[ne++] = e;
			}
		}
	}
	for (i = 0; i + 1 < ne; i++) {
		size_t j;
		struct event t;

		if (rng_below(r, 1000) >= reorder)
			continue;
		j = i + 1 + rng_below(r, dist);
		if (j >= ne)
			continue;
		t = events[i];
		events[i] = events[j];
		events[j] = t;
	}
	return ne;
}

/* Returns how many streams were also checked against the ground truth;
 * adds the checker's counters to @tot. */
static int run_random(uint64_t seed, uint32_t start, uint32_t n,
		      unsigned loss, unsigned dupr, unsigned reorder,
		      unsigned corrupt, unsigned dist, bool expect_exact,
		      struct fp_seq_state *tot)
{
	int exact = 0;
	struct fp_seq_state s[NSTREAMS];
	struct rng r = { seed };
	size_t ne, i;
	int st;

	memset(s, 0, sizeof(s));
	memset(refs, 0, sizeof(refs));
	for (st = 0; st < NSTREAMS; st++)
		/* room below the start for numbers that overtake the first */
		refs[st].base = start + (uint32_t)st * 7919u - FP_SEQ_WINDOW;

	ne = make_events(&r, start, n, loss, dupr, reorder, corrupt, dist);
	for (i = 0; i < ne; i++) {
		struct event *e = &events[i];
		struct ref *m = &refs[e->stream];

		if (e->corrupted) {
			fp_seq_corrupt(&s[e->stream]);
			m->c.corrupted++;
			continue;
		}
		fp_seq_update(&s[e->stream], e->seq);
		ref_update(m, e->seq);
		m->delivered[e->seq - m->base]++;
	}

	for (st = 0; st < NSTREAMS; st++) {
		struct ref *m = &refs[st];
		uint64_t missing = 0, dups = 0;
		uint32_t q;

		expect(&s[st], m->c.received, m->c.lost, m->c.dup,
		       m->c.reordered, m->c.too_old, m->c.corrupted);
		assert_int_equal(s[st].top, m->top);
		fp_seq_sum(tot, &s[st]);
		if (!expect_exact || m->c.too_old)
			continue;
		/* Nothing fell out of the window: the checker's counts are
		 * the truth about what arrived. */
		for (q = m->first; q != m->top + 1; q++) {
			if (!m->delivered[q - m->base])
				missing++;
		}
		for (i = 0; i < sizeof(m->delivered); i++)
			dups += m->delivered[i] > 1 ? m->delivered[i] - 1u : 0u;
		assert_int_equal(s[st].lost, missing);
		assert_int_equal(s[st].dup, dups);
		exact++;
	}
	return exact;
}

/* The patterns must really contain what they are meant to test. */
static void assert_all_kinds(const struct fp_seq_state *t)
{
	assert_true(t->lost > 0);
	assert_true(t->dup > 0);
	assert_true(t->reordered > t->too_old);
	assert_true(t->corrupted > 0);
}

static void test_random_mild(void **state)
{
	struct fp_seq_state tot = { 0 };
	uint64_t seed;
	int exact = 0;

	/* Displacements of a few places stay well inside the window. */
	for (seed = 1; seed <= 20; seed++)
		exact += run_random(seed * 0x9e3779b97f4a7c15ULL,
				    (uint32_t)seed * 1000, MAX_SENT,
				    20, 10, 30, 5, 8, true, &tot);
	assert_int_equal(exact, 20 * NSTREAMS);
	assert_int_equal(tot.too_old, 0);
	assert_all_kinds(&tot);
}

static void test_random_wrap(void **state)
{
	struct fp_seq_state tot = { 0 };
	uint64_t seed;
	int exact = 0;

	for (seed = 1; seed <= 10; seed++)
		exact += run_random(seed * 0x2545f4914f6cdd1dULL,
				    0xffffffffu - MAX_SENT / 2, MAX_SENT,
				    50, 50, 100, 20, 16, true, &tot);
	assert_int_equal(exact, 10 * NSTREAMS);
	assert_all_kinds(&tot);
}

static void test_random_heavy(void **state)
{
	struct fp_seq_state tot = { 0 };
	uint64_t seed;

	/* Long displacements: packets fall out of the window and the
	 * checker must still agree with the model rule for rule. */
	for (seed = 1; seed <= 10; seed++)
		run_random(seed * 0xbf58476d1ce4e5b9ULL, (uint32_t)seed << 20,
			   MAX_SENT, 100, 100, 300, 50, 400, false, &tot);
	assert_true(tot.too_old > 0);
	assert_all_kinds(&tot);
}

/* Guard the guard: the random comparison must notice a wrong checker. */
static void test_model_detects_difference(void **state)
{
	struct fp_seq_state s = { 0 };
	struct ref *m = &refs[0];

	memset(refs, 0, sizeof(refs));
	m->base = 0;
	feed(&s, 100);
	ref_update(m, 100);
	feed(&s, 102);
	ref_update(m, 102);
	/* Corrupt the checker's window: forget that 100 was seen. */
	s.window &= ~(1ULL << 2);
	feed(&s, 100);
	ref_update(m, 100);
	assert_int_not_equal(s.dup, m->c.dup);
	assert_int_not_equal(s.lost, m->c.lost);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_reorder_fills_gap),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_start_mid_stream),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_streams_independent),
		cmocka_unit_test(test_random_mild),
		cmocka_unit_test(test_random_wrap),
		cmocka_unit_test(test_random_heavy),
		cmocka_unit_test(test_model_detects_difference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
