/* SPDX-License-Identifier: MIT */
/*
 * Internals of the AF_XDP runtime (fastpath/xsk.h), shared by xsk_umem.c
 * (area and frame allocator), xsk_socket.c (sets, sockets, options),
 * xsk_io.c (data path) and xsk_worker.c (threads).
 *
 * Counters written on the data path have ONE writer (the owner thread of
 * the queue, or the holder of a socket's TX lock) and are read by any
 * thread: the writer stores with relaxed atomics (a plain store on x86),
 * readers load with relaxed atomics.  No read-modify-write on the hot path.
 */
#ifndef FASTPATH_XSK_PRIV_H
#define FASTPATH_XSK_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <xdp/xsk.h>

#include "fastpath/xsk.h"

struct fp_napi_tune;

#define FP_XSK_LIKELY(x)	__builtin_expect(!!(x), 1)
#define FP_XSK_UNLIKELY(x)	__builtin_expect(!!(x), 0)

/* Single-writer counters. */
#define FP_XSK_ADD(field, n) \
	__atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define FP_XSK_READ(field)	__atomic_load_n(&(field), __ATOMIC_RELAXED)

/* --- frames (xsk_umem.c) --------------------------------------------------- */

/* Where a frame is; only tracked with check_frames. */
enum fp_xsk_frame_state {
	FP_XSK_FRAME_FREE = 0,	/* allocator: pool or a queue's cache */
	FP_XSK_FRAME_FILL,	/* given to the kernel on a fill ring */
	FP_XSK_FRAME_APP,	/* held by the caller */
	FP_XSK_FRAME_TX,	/* on a TX ring, not completed */
	FP_XSK_FRAME_NSTATES,
};

/*
 * The allocator of one area: a locked pool (a stack of frame addresses)
 * that per-queue caches draw from and flush to in batches, so the data
 * path takes the lock only when a queue runs short or overflows (frames
 * moving between queues, e.g. RX on one interface and TX on another).
 */
struct fp_xsk_frames {
	uint8_t *area;
	uint64_t size;
	uint64_t base_mask;	/* ~(frame_size - 1) */
	uint32_t frame_size;
	uint32_t shift;
	uint32_t n_frames;
	pthread_mutex_t lock;
	uint64_t *pool;
	uint32_t n_pool;
	uint8_t *state;		/* check_frames: one state per frame */
	uint64_t errors;	/* refused transitions (atomic) */
	uint32_t reported;	/* error lines printed (atomic) */
};

/* A queue's private stack of free frames (one thread). */
struct fp_xsk_cache {
	uint64_t *addr;
	uint32_t n;
	uint32_t cap;
};

int fp_xsk_frames_init(struct fp_xsk_frames *f, void *area, uint64_t size,
		       uint32_t frame_size, bool check);
void fp_xsk_frames_fini(struct fp_xsk_frames *f);
/* From the pool, each frame moving FREE -> @to. */
uint32_t fp_xsk_frames_get(struct fp_xsk_frames *f, uint64_t *addrs,
			   uint32_t n, enum fp_xsk_frame_state to);
/* To the pool, each frame moving @from -> FREE; returns how many were
 * accepted (check_frames refuses wrong transitions and foreign addresses). */
uint32_t fp_xsk_frames_put(struct fp_xsk_frames *f, const uint64_t *addrs,
			   uint32_t n, enum fp_xsk_frame_state from);
/* Frames in the pool (not counting caches). */
uint32_t fp_xsk_frames_pool_count(struct fp_xsk_frames *f);
/* check_frames: frames in state @s (a scan), else 0. */
uint64_t fp_xsk_frames_count_state(struct fp_xsk_frames *f,
				   enum fp_xsk_frame_state s);
uint64_t fp_xsk_frames_errors(const struct fp_xsk_frames *f);
const char *fp_xsk_frame_state_str(enum fp_xsk_frame_state s);

/* Report a refused transition (rate limited) and count it. */
void fp_xsk_frames_bad(struct fp_xsk_frames *f, uint64_t addr,
		       enum fp_xsk_frame_state want, const char *what);

/* Frame base of any address inside it. */
static inline uint64_t fp_xsk_frame_base(const struct fp_xsk_frames *f,
					 uint64_t addr)
{
	return addr & f->base_mask;
}

/* check_frames: move one frame @from -> @to, or report and refuse. */
static inline bool fp_xsk_frame_move(struct fp_xsk_frames *f, uint64_t addr,
				     enum fp_xsk_frame_state from,
				     enum fp_xsk_frame_state to,
				     const char *what)
{
	uint64_t i;

	if (FP_XSK_LIKELY(!f->state))
		return true;
	i = addr >> f->shift;
	if (addr >= f->size || f->state[i] != from) {
		fp_xsk_frames_bad(f, addr, from, what);
		return false;
	}
	f->state[i] = (uint8_t)to;
	return true;
}

int fp_xsk_cache_init(struct fp_xsk_cache *c, uint32_t cap);
void fp_xsk_cache_fini(struct fp_xsk_cache *c);
/* Up to @n frames, FREE -> @to, refilling from the pool when short. */
uint32_t fp_xsk_cache_get(struct fp_xsk_frames *f, struct fp_xsk_cache *c,
			  uint64_t *addrs, uint32_t n,
			  enum fp_xsk_frame_state to);
/* @n frames @from -> FREE; flushes half the cache to the pool when full. */
void fp_xsk_cache_put(struct fp_xsk_frames *f, struct fp_xsk_cache *c,
		      const uint64_t *addrs, uint32_t n,
		      enum fp_xsk_frame_state from);
/* Everything back to the pool (close). */
void fp_xsk_cache_flush(struct fp_xsk_frames *f, struct fp_xsk_cache *c);

/* --- sockets and queues ------------------------------------------------ */

/* One (interface, queue): its UMEM registration, fill and completion
 * rings, and the sockets bound to it. */
struct fp_xsk_q {
	/* hot, owner thread only */
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct fp_xsk_cache cache;
	uint64_t fill_posted;	/* frames put on the fill ring, ever */
	uint64_t rx_taken;	/* frames received on its sockets, ever */
	uint64_t completed;	/* TX completions drained, ever */
	uint32_t fill_target;	/* frames the kernel should hold for RX */
	uint32_t comp_size;
	uint32_t owner;		/* thread token; 0 = unclaimed */
	bool need_wakeup;
	/* cold */
	struct fp_xsk_set *set;
	struct xsk_umem *umem;
	bool umem_rings_ours;	/* no socket yet: we unmap fill/comp */
	int ifindex;
	uint32_t queue;
	uint32_t pos;		/* index in its config's queue list */
	uint32_t iface;		/* index in the set's interfaces */
	uint32_t index;		/* index in the set's queues */
	uint32_t share;		/* frames this queue brought to the set */
	struct fp_xsk *socks[FP_XSK_MAX_SOCKETS_PER_QUEUE];
	uint32_t n_socks;
};

/* Our counters of one socket (single writer each, see above). */
struct fp_xsk_counters {
	uint64_t rx_packets, rx_bytes, rx_batches, empty_polls, fill_wakeups,
		 busy_polls, recycled;
	/* under the TX lock when shared */
	uint64_t tx_packets, tx_bytes, tx_wakeups, tx_ring_full, tx_dropped,
		 tx_invalid;
};

struct fp_xsk {
	/* hot */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct fp_xsk_q *q;
	struct fp_xsk_frames *frames;
	uint8_t *area;
	uint32_t frame_size;
	uint32_t headroom;
	int fd;
	enum fp_xsk_wait wait;
	bool need_wakeup;
	bool shared_tx;
	int poll_timeout_ms;
	pthread_spinlock_t tx_lock;
	struct fp_xsk_counters c;
	/* cold */
	struct xsk_socket *xsk;
	struct fp_xsk_set *set;
	const struct fp_xsk_config *cfg;	/* the interface's */
	int ifindex;
	uint32_t queue;
	uint32_t k;
	uint32_t index;
	bool zerocopy;
};

struct fp_xsk_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	struct fp_xsk_config cfg;
	struct fp_napi_tune *tune;
	bool zerocopy_refused;	/* AUTO fell back: later queues go copy */
};

struct fp_xsk_set {
	struct fp_xsk_frames frames;
	void *area;
	uint64_t area_size;
	uint64_t committed;	/* frames brought by the queues so far */
	struct fp_xsk_iface ifaces[FP_XSK_MAX_IFACES];
	uint32_t n_ifaces;
	struct fp_xsk_q *qs[FP_XSK_MAX_SOCKETS];
	uint32_t n_qs;
	struct fp_xsk *socks[FP_XSK_MAX_SOCKETS];
	uint32_t n_socks;
	struct fp_xsk_workers *workers;	/* running on this set, or NULL */
};

/* xsk_umem.c: the area and each queue's registration of it */
int fp_xsk_area_alloc(struct fp_xsk_set *s, uint64_t frames,
		      uint32_t frame_size, bool check);
void fp_xsk_area_free(struct fp_xsk_set *s);
int fp_xsk_q_umem_create(struct fp_xsk_set *s, struct fp_xsk_q *q,
			 const struct fp_xsk_config *c);
void fp_xsk_q_umem_delete(struct fp_xsk_q *q);
/* Take the queue's frames from the pool and fill its fill ring. */
int fp_xsk_q_prime(struct fp_xsk_set *s, struct fp_xsk_q *q);

/* xsk_io.c */
uint32_t fp_xsk_thread_token(void);
/* Claim @q for the calling thread if nobody owns it; true if it is ours. */
bool fp_xsk_q_claim(struct fp_xsk_q *q);
/* Top the fill ring up to its target from the cache. */
void fp_xsk_q_refill(struct fp_xsk_q *q);
/* Drain the completion ring; returns completions. */
uint32_t fp_xsk_q_complete(struct fp_xsk_q *q);
/* Frames on the TX ring the kernel has not consumed yet. */
uint32_t fp_xsk_tx_pending(const struct fp_xsk *x);

/* xsk_worker.c: fp_xsk_set_close() stops workers still running */
void fp_xsk_workers_detach_set(struct fp_xsk_workers *w);

#endif
