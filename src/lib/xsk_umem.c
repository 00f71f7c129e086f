// SPDX-License-Identifier: MIT
/*
 * The UMEM area of a set and its frame allocator.
 *
 * One anonymous mapping holds every frame of a set.  Each (interface,
 * queue) registers the WHOLE area with the kernel (xsk_umem__create), so a
 * frame address means the same bytes on every socket of the set and a
 * frame received on one queue can be sent on any other without a copy.
 * Why not one kernel registration shared by every socket: libxdp binds
 * every XDP_SHARED_UMEM socket against the registering socket, and the
 * kernel only shares fill/completion rings between sockets of the SAME
 * queue as that socket, so a second socket on any other queue fails with
 * EINVAL (measured, docs/xsk.md).  Separate registrations of one area also
 * let each interface pick copy or zero-copy on its own.
 *
 * The allocator: a pool (a stack of frame addresses under a mutex) and a
 * cache per queue that only the queue's owner thread touches.  Frames
 * recycled on a queue go to its cache and back to its fill ring without a
 * lock; the pool is touched only when a cache runs dry or overflows,
 * in batches of half a cache.
 *
 * check_frames keeps one state byte per frame (free, fill, app, tx) and
 * refuses any transition that does not start from the expected state: a
 * double recycle, a frame transmitted twice, an address that is not a
 * frame of the set.  Each refusal prints one line (the first few) and is
 * counted; the frame is left where it was, so the allocator stays sound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/if_xdp.h>

#include "fastpath/log.h"
#include "lib/xsk_priv.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define MAX_REPORTS 8

static const char *const state_names[FP_XSK_FRAME_NSTATES] = {
	[FP_XSK_FRAME_FREE] = "free",
	[FP_XSK_FRAME_FILL] = "on a fill ring",
	[FP_XSK_FRAME_APP] = "held by the application",
	[FP_XSK_FRAME_TX] = "on a TX ring",
};

const char *fp_xsk_frame_state_str(enum fp_xsk_frame_state s)
{
	return (unsigned int)s < FP_XSK_FRAME_NSTATES ? state_names[s] : "?";
}

int fp_xsk_frames_init(struct fp_xsk_frames *f, void *area, uint64_t size,
		       uint32_t frame_size, bool check)
{
	uint32_t i;

	memset(f, 0, sizeof(*f));
	if (!frame_size || (frame_size & (frame_size - 1)) ||
	    size < frame_size || size / frame_size > UINT32_MAX)
		return -EINVAL;
	f->area = area;
	f->frame_size = frame_size;
	f->shift = (uint32_t)__builtin_ctz(frame_size);
	f->n_frames = (uint32_t)(size / frame_size);
	f->size = (uint64_t)f->n_frames * frame_size;
	f->base_mask = ~((uint64_t)frame_size - 1);
	f->pool = malloc((size_t)f->n_frames * sizeof(*f->pool));
	if (!f->pool)
		return -ENOMEM;
	if (check) {
		f->state = calloc(f->n_frames, 1);	/* all FREE */
		if (!f->state) {
			free(f->pool);
			f->pool = NULL;
			return -ENOMEM;
		}
	}
	/* Low addresses on top: the first frames handed out are the first
	 * of the area (easier to read in traces). */
	for (i = 0; i < f->n_frames; i++)
		f->pool[i] = (uint64_t)(f->n_frames - 1 - i) << f->shift;
	f->n_pool = f->n_frames;
	pthread_mutex_init(&f->lock, NULL);
	return 0;
}

void fp_xsk_frames_fini(struct fp_xsk_frames *f)
{
	if (!f->pool)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->pool);
	free(f->state);
	f->pool = NULL;
	f->state = NULL;
}

void fp_xsk_frames_bad(struct fp_xsk_frames *f, uint64_t addr,
		       enum fp_xsk_frame_state want, const char *what)
{
	uint32_t n;

	__atomic_fetch_add(&f->errors, 1, __ATOMIC_RELAXED);
	n = __atomic_fetch_add(&f->reported, 1, __ATOMIC_RELAXED);
	if (n >= MAX_REPORTS)
		return;
	if (!f->state && addr < f->size)
		fp_err("xsk: %s: frame 0x%llx comes back while every frame is free (given back twice?); ignored%s",
		       what, (unsigned long long)addr,
		       n + 1 == MAX_REPORTS ? " (further errors only counted)" : "");
	else if (addr >= f->size)
		fp_err("xsk: %s: address 0x%llx is not a frame of this set (area of %llu bytes); ignored%s",
		       what, (unsigned long long)addr,
		       (unsigned long long)f->size,
		       n + 1 == MAX_REPORTS ? " (further errors only counted)" : "");
	else
		fp_err("xsk: %s: frame 0x%llx is %s, not %s (given back twice?); ignored%s",
		       what, (unsigned long long)fp_xsk_frame_base(f, addr),
		       fp_xsk_frame_state_str(f->state[addr >> f->shift]),
		       fp_xsk_frame_state_str(want),
		       n + 1 == MAX_REPORTS ? " (further errors only counted)" : "");
}

uint64_t fp_xsk_frames_errors(const struct fp_xsk_frames *f)
{
	return __atomic_load_n(&f->errors, __ATOMIC_RELAXED);
}

uint32_t fp_xsk_frames_get(struct fp_xsk_frames *f, uint64_t *addrs,
			   uint32_t n, enum fp_xsk_frame_state to)
{
	uint32_t i;

	pthread_mutex_lock(&f->lock);
	if (n > f->n_pool)
		n = f->n_pool;
	for (i = 0; i < n; i++)
		addrs[i] = f->pool[--f->n_pool];
	pthread_mutex_unlock(&f->lock);
	if (f->state)
		for (i = 0; i < n; i++)
			f->state[addrs[i] >> f->shift] = (uint8_t)to;
	return n;
}

uint32_t fp_xsk_frames_put(struct fp_xsk_frames *f, const uint64_t *addrs,
			   uint32_t n, enum fp_xsk_frame_state from)
{
	uint32_t i, done = 0;

	pthread_mutex_lock(&f->lock);
	for (i = 0; i < n; i++) {
		uint64_t base = fp_xsk_frame_base(f, addrs[i]);

		if (f->state) {
			/* Under the lock: two threads giving back the
			 * same frame cannot both succeed. */
			if (!fp_xsk_frame_move(f, base, from, FP_XSK_FRAME_FREE,
					       "give back"))
				continue;
		} else if (FP_XSK_UNLIKELY(base >= f->size ||
					   f->n_pool >= f->n_frames)) {
			/* Cheap guards even without checking: never let
			 * the stack overflow or hold foreign addresses. */
			fp_xsk_frames_bad(f, base, from, "give back");
			continue;
		}
		f->pool[f->n_pool++] = base;
		done++;
	}
	pthread_mutex_unlock(&f->lock);
	return done;
}

uint32_t fp_xsk_frames_pool_count(struct fp_xsk_frames *f)
{
	uint32_t n;

	pthread_mutex_lock(&f->lock);
	n = f->n_pool;
	pthread_mutex_unlock(&f->lock);
	return n;
}

uint64_t fp_xsk_frames_count_state(struct fp_xsk_frames *f,
				   enum fp_xsk_frame_state s)
{
	uint64_t n = 0;
	uint32_t i;

	if (!f->state)
		return 0;
	for (i = 0; i < f->n_frames; i++)
		n += __atomic_load_n(&f->state[i], __ATOMIC_RELAXED) == s;
	return n;
}

/* --- per-queue caches --------------------------------------------------- */

int fp_xsk_cache_init(struct fp_xsk_cache *c, uint32_t cap)
{
	c->n = 0;
	c->cap = cap < 16 ? 16 : cap;
	c->addr = malloc((size_t)c->cap * sizeof(*c->addr));
	return c->addr ? 0 : -ENOMEM;
}

void fp_xsk_cache_fini(struct fp_xsk_cache *c)
{
	free(c->addr);
	c->addr = NULL;
	c->n = c->cap = 0;
}

uint32_t fp_xsk_cache_get(struct fp_xsk_frames *f, struct fp_xsk_cache *c,
			  uint64_t *addrs, uint32_t n,
			  enum fp_xsk_frame_state to)
{
	uint32_t i, got, cn = c->n;

	if (FP_XSK_UNLIKELY(cn < n)) {
		/* Refill to half a cache (at least @n) in one locked step. */
		uint32_t want = c->cap / 2 > n ? c->cap / 2 : n;

		if (want > c->cap)
			want = c->cap;
		cn += fp_xsk_frames_get(f, c->addr + cn, want - cn,
					FP_XSK_FRAME_FREE);
	}
	got = cn < n ? cn : n;
	for (i = 0; i < got; i++)
		addrs[i] = c->addr[--cn];
	__atomic_store_n(&c->n, cn, __ATOMIC_RELAXED);
	if (f->state)
		for (i = 0; i < got; i++)
			f->state[addrs[i] >> f->shift] = (uint8_t)to;
	return got;
}

void fp_xsk_cache_put(struct fp_xsk_frames *f, struct fp_xsk_cache *c,
		      const uint64_t *addrs, uint32_t n,
		      enum fp_xsk_frame_state from)
{
	uint32_t i, cn = c->n;

	if (FP_XSK_UNLIKELY(cn + n > c->cap)) {
		/* Overflow: frames are piling up here (they came from other
		 * queues).  Give the pool half a cache back, oldest first. */
		uint32_t keep = c->cap / 2, out = cn > keep ? cn - keep : 0;

		if (out) {
			fp_xsk_frames_put(f, c->addr, out, FP_XSK_FRAME_FREE);
			memmove(c->addr, c->addr + out, (size_t)keep * sizeof(*c->addr));
			cn = keep;
		}
		if (cn + n > c->cap) {	/* a huge @n: straight to the pool */
			fp_xsk_frames_put(f, addrs, n, from);
			__atomic_store_n(&c->n, cn, __ATOMIC_RELAXED);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t base = fp_xsk_frame_base(f, addrs[i]);

		if (f->state) {
			if (!fp_xsk_frame_move(f, base, from, FP_XSK_FRAME_FREE,
					       "give back"))
				continue;
		} else if (FP_XSK_UNLIKELY(base >= f->size)) {
			fp_xsk_frames_bad(f, base, from, "give back");
			continue;
		}
		c->addr[cn++] = base;
	}
	__atomic_store_n(&c->n, cn, __ATOMIC_RELAXED);
}

void fp_xsk_cache_flush(struct fp_xsk_frames *f, struct fp_xsk_cache *c)
{
	if (c->n)
		fp_xsk_frames_put(f, c->addr, c->n, FP_XSK_FRAME_FREE);
	__atomic_store_n(&c->n, 0, __ATOMIC_RELAXED);
}

/* --- the area and the queues' registrations ----------------------------- */

int fp_xsk_area_alloc(struct fp_xsk_set *s, uint64_t frames,
		      uint32_t frame_size, bool check)
{
	uint64_t size = frames * frame_size;
	void *p;
	int err;

	/* MAP_POPULATE: the kernel pins every page at registration anyway;
	 * faulting them in here keeps that cost out of the first bind. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		fp_err("xsk: cannot map %llu MiB for the UMEM: %s; lower --frames or --umem-frames",
		       (unsigned long long)(size >> 20), strerror(-err));
		return err;
	}
	err = fp_xsk_frames_init(&s->frames, p, size, frame_size, check);
	if (err) {
		munmap(p, size);
		return err;
	}
	s->area = p;
	s->area_size = size;
	return 0;
}

void fp_xsk_area_free(struct fp_xsk_set *s)
{
	fp_xsk_frames_fini(&s->frames);
	if (s->area)
		munmap(s->area, s->area_size);
	s->area = NULL;
}

int fp_xsk_q_umem_create(struct fp_xsk_set *s, struct fp_xsk_q *q,
			 const struct fp_xsk_config *c)
{
	const struct xsk_umem_config ucfg = {
		.fill_size = c->fill_size,
		.comp_size = c->comp_size,
		.frame_size = c->frame_size,
		.frame_headroom = c->headroom,
		.flags = 0,
	};
	int err;

	err = xsk_umem__create(&q->umem, s->area, s->area_size, &q->fill,
			       &q->comp, &ucfg);
	if (err) {
		q->umem = NULL;
		return err;
	}
	q->umem_rings_ours = true;
	return 0;
}

/*
 * libxdp unmaps a queue's fill and completion rings when the last socket
 * using them goes; if no socket ever bound, nobody would, and the mapping
 * would keep the registration (and its pinned pages) alive.
 */
static void unmap_umem_rings(struct fp_xsk_q *q)
{
	struct xdp_mmap_offsets off;
	socklen_t len = sizeof(off);
	int fd = xsk_umem__fd(q->umem);

	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) ||
	    len != sizeof(off))
		return;
	munmap((uint8_t *)q->fill.ring - off.fr.desc,
	       off.fr.desc + (size_t)q->fill.size * sizeof(uint64_t));
	munmap((uint8_t *)q->comp.ring - off.cr.desc,
	       off.cr.desc + (size_t)q->comp.size * sizeof(uint64_t));
}

void fp_xsk_q_umem_delete(struct fp_xsk_q *q)
{
	if (!q->umem)
		return;
	if (q->umem_rings_ours)
		unmap_umem_rings(q);
	xsk_umem__delete(q->umem);
	q->umem = NULL;
}

int fp_xsk_q_prime(struct fp_xsk_set *s, struct fp_xsk_q *q)
{
	uint64_t addrs[FP_XSK_MAX_BATCH];
	uint32_t left, n, i, idx;
	int err;

	/* Half the queue's frames wait for RX on the fill ring, the other
	 * half are for TX and for the frames the application holds. */
	q->fill_target = q->share / 2;
	if (q->fill_target > q->fill.size / 2)
		q->fill_target = q->fill.size / 2;
	if (!q->fill_target)
		q->fill_target = 1;
	/* The cache holds at most the rest of the queue's share: frames
	 * that pile up beyond it (completions of frames received on other
	 * queues) flow back to the pool, where the queues that received
	 * them find them again. */
	err = fp_xsk_cache_init(&q->cache, q->share - q->fill_target);
	if (err)
		return err;
	for (left = q->fill_target; left; left -= n) {
		n = left < FP_XSK_MAX_BATCH ? left : FP_XSK_MAX_BATCH;
		n = fp_xsk_frames_get(&s->frames, addrs, n, FP_XSK_FRAME_FILL);
		if (!n || xsk_ring_prod__reserve(&q->fill, n, &idx) != n) {
			fp_xsk_frames_put(&s->frames, addrs, n, FP_XSK_FRAME_FILL);
			return -ENOSPC;	/* cannot happen: sizes were checked */
		}
		for (i = 0; i < n; i++)
			*xsk_ring_prod__fill_addr(&q->fill, idx + i) = addrs[i];
		xsk_ring_prod__submit(&q->fill, n);
		FP_XSK_ADD(q->fill_posted, n);
	}
	/* The rest of the queue's share waits in its cache. */
	left = q->share - q->fill_target;
	if (left > q->cache.cap)
		left = q->cache.cap;
	q->cache.n = fp_xsk_frames_get(&s->frames, q->cache.addr, left,
				       FP_XSK_FRAME_FREE);
	return 0;
}

/* --- accounting ------------------------------------------------------------ */

int fp_xsk_set_frames(struct fp_xsk_set *s, struct fp_xsk_frame_count *fc)
{
	struct fp_xsk_frames *f = &s->frames;
	uint64_t free_n, rx_kernel = 0, tx_sub = 0, completed = 0;
	uint32_t i;

	memset(fc, 0, sizeof(*fc));
	fc->total = f->n_frames;
	fc->errors = fp_xsk_frames_errors(f);
	if (f->state) {
		/* The truth, frame by frame. */
		fc->free = fp_xsk_frames_count_state(f, FP_XSK_FRAME_FREE);
		fc->rx_kernel = fp_xsk_frames_count_state(f, FP_XSK_FRAME_FILL);
		fc->app = fp_xsk_frames_count_state(f, FP_XSK_FRAME_APP);
		fc->tx = fp_xsk_frames_count_state(f, FP_XSK_FRAME_TX);
		return 0;
	}
	free_n = fp_xsk_frames_pool_count(f);
	for (i = 0; i < s->n_qs; i++) {
		struct fp_xsk_q *q = s->qs[i];

		free_n += FP_XSK_READ(q->cache.n);
		rx_kernel += FP_XSK_READ(q->fill_posted) -
			     FP_XSK_READ(q->rx_taken);
		completed += FP_XSK_READ(q->completed);
	}
	for (i = 0; i < s->n_socks; i++)
		tx_sub += FP_XSK_READ(s->socks[i]->c.tx_packets);
	fc->free = free_n;
	fc->rx_kernel = rx_kernel;
	fc->tx = tx_sub > completed ? tx_sub - completed : 0;
	/* What is neither free nor with the kernel is the application's
	 * (the counters are read one after the other: clamp a transient
	 * overlap while the data path runs). */
	fc->app = fc->free + fc->rx_kernel + fc->tx < fc->total ?
		  fc->total - fc->free - fc->rx_kernel - fc->tx : 0;
	return 0;
}
