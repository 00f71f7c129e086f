// SPDX-License-Identifier: MIT
/*
 * The AF_XDP frame allocator (src/lib/xsk_umem.c) on plain memory, no
 * kernel: exhaustion, per-queue caches that overflow into and refill from
 * the pool, every frame accounted after random traffic, no frame handed
 * out twice, double frees and foreign addresses refused with one line
 * each under check_frames (and still caught, counted, without it when
 * the pool would overflow), and two threads passing frames between their
 * caches the way RX on one queue and TX on another do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "lib/xsk_priv.h"
#include "lib/capture.h"

#define FRAME 2048u
#define NFRAMES 1024u

static uint8_t *area;

/* --- helpers ------------------------------------------------------------ */

static void init(struct fp_xsk_frames *f, bool check)
{
	assert_int_equal(fp_xsk_frames_init(f, area, (uint64_t)NFRAMES * FRAME,
					    FRAME, check), 0);
	assert_int_equal(f->n_frames, NFRAMES);
	assert_int_equal(fp_xsk_frames_pool_count(f), NFRAMES);
}

/* Every address is a distinct frame base of the area. */
static void assert_distinct(const uint64_t *a, uint32_t n)
{
	static uint8_t seen[NFRAMES];
	uint32_t i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		assert_int_equal(a[i] % FRAME, 0);
		assert_true(a[i] < (uint64_t)NFRAMES * FRAME);
		assert_int_equal(seen[a[i] / FRAME], 0);
		seen[a[i] / FRAME] = 1;
	}
}

/* --- tests ---------------------------------------------------------------- */

static void test_init_rejects(void **state)
{
	struct fp_xsk_frames f;

	assert_int_equal(fp_xsk_frames_init(&f, area, 4096, 3000, false), -EINVAL);
	assert_int_equal(fp_xsk_frames_init(&f, area, 1024, 2048, false), -EINVAL);
	assert_int_equal(fp_xsk_frames_init(&f, area, 0, 2048, false), -EINVAL);
}

static void test_exhaustion(void **state)
{
	static uint64_t a[NFRAMES + 8];
	struct fp_xsk_frames f;
	uint32_t got;

	init(&f, false);
	got = fp_xsk_frames_get(&f, a, 100, FP_XSK_FRAME_APP);
	assert_int_equal(got, 100);
	/* Asking for more than is left gives what is left, then nothing. */
	got += fp_xsk_frames_get(&f, a + got, NFRAMES, FP_XSK_FRAME_APP);
	assert_int_equal(got, NFRAMES);
	assert_int_equal(fp_xsk_frames_pool_count(&f), 0);
	assert_int_equal(fp_xsk_frames_get(&f, a + got, 8, FP_XSK_FRAME_APP), 0);
	assert_distinct(a, NFRAMES);
	/* The first frames handed out are the first of the area. */
	assert_int_equal(a[0], 0);
	assert_int_equal(a[1], FRAME);
	assert_int_equal(fp_xsk_frames_put(&f, a, NFRAMES, FP_XSK_FRAME_APP),
			 NFRAMES);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	assert_int_equal(fp_xsk_frames_errors(&f), 0);
	fp_xsk_frames_fini(&f);
}

static void test_addresses_inside_frames(void **state)
{
	struct fp_xsk_frames f;
	uint64_t a[2], b[2];

	init(&f, true);
	assert_int_equal(fp_xsk_frames_get(&f, a, 2, FP_XSK_FRAME_APP), 2);
	/* An RX descriptor's address points past the headroom; giving it
	 * back frees the frame it is in. */
	b[0] = a[0] + 256;
	b[1] = a[1] + FRAME - 1;
	assert_int_equal(fp_xsk_frame_base(&f, b[0]), a[0]);
	assert_int_equal(fp_xsk_frames_put(&f, b, 2, FP_XSK_FRAME_APP), 2);
	assert_int_equal(fp_xsk_frames_count_state(&f, FP_XSK_FRAME_FREE), NFRAMES);
	assert_int_equal(fp_xsk_frames_errors(&f), 0);
	fp_xsk_frames_fini(&f);
}

static void test_double_free_checked(void **state)
{
	struct fp_xsk_frames f;
	struct fp_xsk_cache c;
	struct capture cap;
	uint64_t a[4], foreign = (uint64_t)NFRAMES * FRAME + 64;
	const char *err;

	init(&f, true);
	assert_int_equal(fp_xsk_cache_init(&c, 512), 0);
	assert_int_equal(fp_xsk_cache_get(&f, &c, a, 4, FP_XSK_FRAME_APP), 4);
	assert_int_equal(fp_xsk_frames_count_state(&f, FP_XSK_FRAME_APP), 4);

	fp_xsk_cache_put(&f, &c, a, 1, FP_XSK_FRAME_APP);
	capture_start(&cap);
	fp_xsk_cache_put(&f, &c, a, 1, FP_XSK_FRAME_APP);	/* again */
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "is free, not held by the application (given back twice?); ignored"));
	assert_int_equal(fp_xsk_frames_errors(&f), 1);

	/* Through the pool too, and an address outside the area. */
	assert_int_equal(fp_xsk_frames_put(&f, a + 1, 1, FP_XSK_FRAME_APP), 1);
	capture_start(&cap);
	assert_int_equal(fp_xsk_frames_put(&f, a + 1, 1, FP_XSK_FRAME_APP), 0);
	assert_int_equal(fp_xsk_frames_put(&f, &foreign, 1, FP_XSK_FRAME_APP), 0);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 2);
	assert_non_null(strstr(err, "is not a frame of this set"));
	assert_int_equal(fp_xsk_frames_errors(&f), 3);

	/* A frame on its way out cannot be recycled as if the app held it. */
	assert_true(fp_xsk_frame_move(&f, a[2], FP_XSK_FRAME_APP, FP_XSK_FRAME_TX,
				      "transmit"));
	capture_start(&cap);
	fp_xsk_cache_put(&f, &c, a + 2, 1, FP_XSK_FRAME_APP);
	assert_false(fp_xsk_frame_move(&f, a[2], FP_XSK_FRAME_APP,
				       FP_XSK_FRAME_TX, "transmit"));
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 2);
	assert_non_null(strstr(err, "is on a TX ring, not held by the application"));
	fp_xsk_cache_put(&f, &c, a + 2, 1, FP_XSK_FRAME_TX);	/* completion */
	fp_xsk_cache_put(&f, &c, a + 3, 1, FP_XSK_FRAME_APP);

	/* Nothing was lost or duplicated by the refusals. */
	fp_xsk_cache_flush(&f, &c);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	assert_int_equal(fp_xsk_frames_count_state(&f, FP_XSK_FRAME_FREE), NFRAMES);
	assert_int_equal(fp_xsk_frames_errors(&f), 5);
	fp_xsk_cache_fini(&c);
	fp_xsk_frames_fini(&f);
}

static void test_reports_are_limited(void **state)
{
	struct fp_xsk_frames f;
	struct capture cap;
	uint64_t a;
	const char *err;
	int i;

	init(&f, true);
	assert_int_equal(fp_xsk_frames_get(&f, &a, 1, FP_XSK_FRAME_APP), 1);
	assert_int_equal(fp_xsk_frames_put(&f, &a, 1, FP_XSK_FRAME_APP), 1);
	capture_start(&cap);
	for (i = 0; i < 100; i++)
		fp_xsk_frames_put(&f, &a, 1, FP_XSK_FRAME_APP);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 8);
	assert_non_null(strstr(err, "further errors only counted"));
	assert_int_equal(fp_xsk_frames_errors(&f), 100);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	fp_xsk_frames_fini(&f);
}

static void test_double_free_unchecked_never_overflows(void **state)
{
	struct fp_xsk_frames f;
	struct capture cap;
	uint64_t a;
	const char *err;

	init(&f, false);
	assert_null(f.state);
	assert_int_equal(fp_xsk_frames_get(&f, &a, 1, FP_XSK_FRAME_APP), 1);
	assert_int_equal(fp_xsk_frames_put(&f, &a, 1, FP_XSK_FRAME_APP), 1);
	/* Without checking, a double free into a full pool is still caught:
	 * the stack never holds more than every frame. */
	capture_start(&cap);
	assert_int_equal(fp_xsk_frames_put(&f, &a, 1, FP_XSK_FRAME_APP), 0);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "given back twice?"));
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	fp_xsk_frames_fini(&f);
}

static void test_cache_refill_and_overflow(void **state)
{
	static uint64_t a[NFRAMES];
	struct fp_xsk_frames f;
	struct fp_xsk_cache c;
	uint32_t got;

	init(&f, false);
	assert_int_equal(fp_xsk_cache_init(&c, 600), 0);
	assert_int_equal(c.cap, 600);
	/* An empty cache draws half a cache from the pool at once. */
	assert_int_equal(fp_xsk_cache_get(&f, &c, a, 10, FP_XSK_FRAME_APP), 10);
	assert_int_equal(c.n, 290);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES - 300);
	/* Taking everything: the cache keeps drawing until the pool is dry. */
	got = 10;
	while (got < NFRAMES) {
		uint32_t g = fp_xsk_cache_get(&f, &c, a + got, 64, FP_XSK_FRAME_APP);

		if (!g)
			break;
		got += g;
	}
	assert_int_equal(got, NFRAMES);
	assert_int_equal(c.n, 0);
	assert_int_equal(fp_xsk_cache_get(&f, &c, a, 1, FP_XSK_FRAME_APP), 0);
	assert_distinct(a, NFRAMES);
	/* Giving everything back overflows the cache into the pool. */
	fp_xsk_cache_put(&f, &c, a, 500, FP_XSK_FRAME_APP);
	assert_int_equal(c.n, 500);
	fp_xsk_cache_put(&f, &c, a + 500, 200, FP_XSK_FRAME_APP);
	assert_true(c.n <= c.cap);
	assert_int_equal(c.n + fp_xsk_frames_pool_count(&f), 700);
	/* A batch larger than the whole cache goes straight to the pool. */
	fp_xsk_cache_put(&f, &c, a + 700, NFRAMES - 700, FP_XSK_FRAME_APP);
	assert_int_equal(c.n + fp_xsk_frames_pool_count(&f), NFRAMES);
	fp_xsk_cache_flush(&f, &c);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	fp_xsk_cache_fini(&c);
	fp_xsk_frames_fini(&f);
}

/* Random traffic over two caches and the pool, checked frame by frame. */
static void test_random_accounting(void **state)
{
	static uint64_t held[NFRAMES];
	struct fp_xsk_frames f;
	struct fp_xsk_cache c[2];
	uint32_t nheld = 0, round;
	unsigned int seed = 12345;

	init(&f, true);
	assert_int_equal(fp_xsk_cache_init(&c[0], 512), 0);
	assert_int_equal(fp_xsk_cache_init(&c[1], 512), 0);
	for (round = 0; round < 20000; round++) {
		uint32_t which = (uint32_t)rand_r(&seed) & 1;
		uint32_t n = (uint32_t)rand_r(&seed) % 80;

		if (rand_r(&seed) & 1) {
			if (n > NFRAMES - nheld)
				n = NFRAMES - nheld;
			nheld += fp_xsk_cache_get(&f, &c[which], held + nheld,
						  n, FP_XSK_FRAME_APP);
		} else {
			if (n > nheld)
				n = nheld;
			/* Give back from the middle: order does not matter. */
			nheld -= n;
			fp_xsk_cache_put(&f, &c[which], held + nheld, n,
					 FP_XSK_FRAME_APP);
		}
		assert_int_equal(fp_xsk_frames_pool_count(&f) + c[0].n + c[1].n +
				 nheld, NFRAMES);
	}
	assert_distinct(held, nheld);
	assert_int_equal(fp_xsk_frames_count_state(&f, FP_XSK_FRAME_APP), nheld);
	fp_xsk_cache_put(&f, &c[0], held, nheld, FP_XSK_FRAME_APP);
	fp_xsk_cache_flush(&f, &c[0]);
	fp_xsk_cache_flush(&f, &c[1]);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	assert_int_equal(fp_xsk_frames_count_state(&f, FP_XSK_FRAME_FREE), NFRAMES);
	assert_int_equal(fp_xsk_frames_errors(&f), 0);
	fp_xsk_cache_fini(&c[0]);
	fp_xsk_cache_fini(&c[1]);
	fp_xsk_frames_fini(&f);
}

/*
 * Two threads, each with its own cache: A takes frames and hands them to
 * B through a small locked queue (RX on one queue, TX on another); B
 * gives them back into its cache, which overflows into the pool that A's
 * cache draws from.
 */
struct handoff {
	struct fp_xsk_frames *f;
	pthread_mutex_t lock;
	uint64_t q[256];
	uint32_t head, tail;
	bool done;
	uint64_t moved;
};

static void *producer(void *arg)
{
	struct handoff *h = arg;
	struct fp_xsk_cache c;
	uint64_t a[32];
	uint32_t i, n;
	uint64_t sent = 0;

	fp_xsk_cache_init(&c, 512);
	while (sent < 200000) {
		n = fp_xsk_cache_get(h->f, &c, a, 32, FP_XSK_FRAME_APP);
		for (i = 0; i < n; ) {
			pthread_mutex_lock(&h->lock);
			while (i < n && h->head - h->tail < 256)
				h->q[h->head++ % 256] = a[i++];
			pthread_mutex_unlock(&h->lock);
		}
		sent += n;
	}
	pthread_mutex_lock(&h->lock);
	h->done = true;
	h->moved = sent;
	pthread_mutex_unlock(&h->lock);
	fp_xsk_cache_flush(h->f, &c);
	fp_xsk_cache_fini(&c);
	return NULL;
}

static void *consumer(void *arg)
{
	struct handoff *h = arg;
	struct fp_xsk_cache c;
	uint64_t a[256];
	uint32_t n;
	bool done = false;

	fp_xsk_cache_init(&c, 512);
	while (!done) {
		pthread_mutex_lock(&h->lock);
		for (n = 0; h->tail != h->head; n++)
			a[n] = h->q[h->tail++ % 256];
		done = h->done && !n;
		pthread_mutex_unlock(&h->lock);
		fp_xsk_cache_put(h->f, &c, a, n, FP_XSK_FRAME_APP);
	}
	fp_xsk_cache_flush(h->f, &c);
	fp_xsk_cache_fini(&c);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct fp_xsk_frames f;
	struct handoff h;
	pthread_t a, b;

	init(&f, true);
	memset(&h, 0, sizeof(h));
	h.f = &f;
	pthread_mutex_init(&h.lock, NULL);
	assert_int_equal(pthread_create(&b, NULL, consumer, &h), 0);
	assert_int_equal(pthread_create(&a, NULL, producer, &h), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_true(h.moved >= 200000);
	assert_int_equal(fp_xsk_frames_pool_count(&f), NFRAMES);
	assert_int_equal(fp_xsk_frames_count_state(&f, FP_XSK_FRAME_FREE), NFRAMES);
	assert_int_equal(fp_xsk_frames_errors(&f), 0);
	pthread_mutex_destroy(&h.lock);
	fp_xsk_frames_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_addresses_inside_frames),
		cmocka_unit_test(test_double_free_checked),
		cmocka_unit_test(test_reports_are_limited),
		cmocka_unit_test(test_double_free_unchecked_never_overflows),
		cmocka_unit_test(test_cache_refill_and_overflow),
		cmocka_unit_test(test_random_accounting),
		cmocka_unit_test(test_two_threads),
	};
	int ret;

	area = malloc((size_t)NFRAMES * FRAME);
	if (!area)
		return 1;
	ret = cmocka_run_group_tests_name("xsk_umem", tests, NULL, NULL);
	free(area);
	return ret;
}
