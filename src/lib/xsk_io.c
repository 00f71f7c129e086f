// SPDX-License-Identifier: MIT
/*
 * The batched data path: RX, TX, recycling, completions, wakeups, waits.
 *
 * Cost model: every call handles a batch; per packet there is only the
 * descriptor copy (and the frame-state check when check_frames is on).
 * System calls happen only when the kernel asks for them (need_wakeup),
 * always for TX without need_wakeup, and once per wait in POLL and
 * BUSYPOLL modes.
 *
 * Owners.  A queue's fill and completion rings and its sockets' RX rings
 * are touched by one thread.  The first data-path call claims an unowned
 * queue for the calling thread (a compare-and-swap, once); workers assign
 * owners explicitly.  A call from another thread is refused with one line
 * rather than allowed to corrupt a ring.  TX rings are the exception when
 * a socket is shared (fp_xsk_set_shared_tx): a spinlock serialises them.
 *
 * TX ring full: drain completions if we own them, wake the kernel, look
 * again, and go on as long as the kernel makes room; after TX_RETRIES
 * rounds without any room, the frames left go back to the allocator
 * (tx_dropped).  Nothing is kept behind the caller's back.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "fastpath/log.h"
#include "lib/xsk_priv.h"

#define TX_RETRIES 16

static uint32_t token_next;
static __thread uint32_t my_token;

uint32_t fp_xsk_thread_token(void)
{
	if (FP_XSK_UNLIKELY(!my_token))
		my_token = __atomic_add_fetch(&token_next, 1, __ATOMIC_RELAXED);
	return my_token;
}

bool fp_xsk_q_claim(struct fp_xsk_q *q)
{
	uint32_t me = fp_xsk_thread_token();
	uint32_t cur = __atomic_load_n(&q->owner, __ATOMIC_ACQUIRE);

	if (FP_XSK_LIKELY(cur == me))
		return true;
	if (cur)
		return false;
	return __atomic_compare_exchange_n(&q->owner, &cur, me, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static bool q_mine(const struct fp_xsk_q *q)
{
	return __atomic_load_n(&q->owner, __ATOMIC_ACQUIRE) ==
	       fp_xsk_thread_token();
}

static void not_owner(struct fp_xsk *x, const char *fn)
{
	static int reported;

	if (__atomic_exchange_n(&reported, 1, __ATOMIC_RELAXED))
		return;
	fp_err("xsk: %s on %s queue %u from a thread that does not own the queue; each queue's rings belong to one thread (see fastpath/xsk.h)",
	       fn, x->set->ifaces[x->q->iface].name, x->queue);
}

static int transient(int err)
{
	return err == EAGAIN || err == EBUSY || err == ENOBUFS ||
	       err == ENETDOWN || err == EINTR;
}

/* --- fill and completion --------------------------------------------------- */

void fp_xsk_q_refill(struct fp_xsk_q *q)
{
	struct fp_xsk_frames *f = &q->set->frames;
	uint64_t addrs[FP_XSK_MAX_BATCH];
	uint32_t want, n, i, idx = 0;
	uint64_t held;

	for (;;) {
		held = q->fill_posted - q->rx_taken;
		if (held >= q->fill_target)
			return;
		want = (uint32_t)(q->fill_target - held);
		if (want > FP_XSK_MAX_BATCH)
			want = FP_XSK_MAX_BATCH;
		/* The kernel publishes its consumer index lazily, so the
		 * ring may look fuller than it is: post what fits now, the
		 * rest next time. */
		n = xsk_prod_nb_free(&q->fill, want);
		if (n < want)
			want = n;
		if (!want)
			return;
		n = fp_xsk_cache_get(f, &q->cache, addrs, want,
				     FP_XSK_FRAME_FILL);
		if (!n)
			return;		/* every frame is in use */
		xsk_ring_prod__reserve(&q->fill, n, &idx);
		for (i = 0; i < n; i++)
			*xsk_ring_prod__fill_addr(&q->fill, idx + i) = addrs[i];
		xsk_ring_prod__submit(&q->fill, n);
		FP_XSK_ADD(q->fill_posted, n);
		if (n < want)
			return;
	}
}

uint32_t fp_xsk_q_complete(struct fp_xsk_q *q)
{
	struct fp_xsk_frames *f = &q->set->frames;
	uint64_t addrs[FP_XSK_MAX_BATCH];
	uint32_t n, i, idx, total = 0;

	do {
		n = xsk_ring_cons__peek(&q->comp, FP_XSK_MAX_BATCH, &idx);
		for (i = 0; i < n; i++)
			addrs[i] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
		if (!n)
			break;
		xsk_ring_cons__release(&q->comp, n);
		fp_xsk_cache_put(f, &q->cache, addrs, n, FP_XSK_FRAME_TX);
		total += n;
	} while (n == FP_XSK_MAX_BATCH);
	if (total)
		FP_XSK_ADD(q->completed, total);
	return total;
}

void fp_xsk_complete(struct fp_xsk *x)
{
	if (FP_XSK_UNLIKELY(!fp_xsk_q_claim(x->q))) {
		not_owner(x, "fp_xsk_complete");
		return;
	}
	fp_xsk_q_complete(x->q);
}

/* The driver stopped for want of fill entries and asked to be woken. */
static void fill_wakeup(struct fp_xsk *x)
{
	if (!x->need_wakeup || x->wait == FP_XSK_WAIT_BUSYPOLL ||
	    !xsk_ring_prod__needs_wakeup(&x->q->fill))
		return;
	recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	FP_XSK_ADD(x->c.fill_wakeups, 1);
}

/* --- RX ------------------------------------------------------------------------ */

uint32_t fp_xsk_rx(struct fp_xsk *x, struct fp_xsk_pkt *pkts, uint32_t max)
{
	struct fp_xsk_q *q = x->q;
	uint32_t n, i, idx;
	uint64_t bytes = 0;

	if (FP_XSK_UNLIKELY(!fp_xsk_q_claim(q))) {
		not_owner(x, "fp_xsk_rx");
		return 0;
	}
	if (max > FP_XSK_MAX_BATCH)
		max = FP_XSK_MAX_BATCH;
	n = xsk_ring_cons__peek(&x->rx, max, &idx);
	if (!n) {
		FP_XSK_ADD(x->c.empty_polls, 1);
		fp_xsk_q_refill(q);	/* frames may have come back */
		fill_wakeup(x);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + i);

		/* Aligned mode: addr already includes the data offset. */
		pkts[i].addr = d->addr;
		pkts[i].data = x->area + d->addr;
		pkts[i].len = d->len;
		bytes += d->len;
		__builtin_prefetch(pkts[i].data);
	}
	xsk_ring_cons__release(&x->rx, n);
	if (FP_XSK_UNLIKELY(x->frames->state))
		for (i = 0; i < n; i++)
			fp_xsk_frame_move(x->frames,
					  fp_xsk_frame_base(x->frames, pkts[i].addr),
					  FP_XSK_FRAME_FILL, FP_XSK_FRAME_APP,
					  "receive");
	FP_XSK_ADD(q->rx_taken, n);
	FP_XSK_ADD(x->c.rx_packets, n);
	FP_XSK_ADD(x->c.rx_bytes, bytes);
	FP_XSK_ADD(x->c.rx_batches, 1);
	fp_xsk_q_refill(q);
	fill_wakeup(x);
	return n;
}

/* --- TX ------------------------------------------------------------------------ */

uint32_t fp_xsk_tx_pending(const struct fp_xsk *x)
{
	return *x->tx.producer - __atomic_load_n(x->tx.consumer, __ATOMIC_ACQUIRE);
}

/* Caller holds the TX lock if the socket is shared. */
static int kick_locked(struct fp_xsk *x)
{
	if (x->need_wakeup && !xsk_ring_prod__needs_wakeup(&x->tx))
		return 0;
	FP_XSK_ADD(x->c.tx_wakeups, 1);
	if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0 ||
	    transient(errno))
		return 0;
	return -errno;
}

static void tx_lock(struct fp_xsk *x)
{
	if (x->shared_tx)
		pthread_spin_lock(&x->tx_lock);
}

static void tx_unlock(struct fp_xsk *x)
{
	if (x->shared_tx)
		pthread_spin_unlock(&x->tx_lock);
}

/* Frames that will not go out: back to the allocator, near us if we can. */
static void give_back(struct fp_xsk *x, const uint64_t *addrs, uint32_t n)
{
	if (!n)
		return;
	if (q_mine(x->q))
		fp_xsk_cache_put(x->frames, &x->q->cache, addrs, n,
				 FP_XSK_FRAME_APP);
	else
		fp_xsk_frames_put(x->frames, addrs, n, FP_XSK_FRAME_APP);
}

/* Is @p a valid TX descriptor for its frame (what the kernel checks in
 * aligned mode)?  A bad descriptor would be consumed without a completion,
 * and its frame lost. */
static bool tx_valid(const struct fp_xsk *x, const struct fp_xsk_pkt *p,
		     uint64_t base, uint64_t addr)
{
	return base < x->frames->size && p->len &&
	       addr - base + p->len <= x->frame_size;
}

/*
 * Room on the TX ring for @want descriptors, or less.  When the ring is
 * full: drain our completions if they are ours, wake the kernel, look
 * again; give up after TX_RETRIES rounds without any room.
 */
static uint32_t tx_room(struct fp_xsk *x, uint32_t want, bool mine)
{
	uint32_t room = xsk_prod_nb_free(&x->tx, want), tries;

	if (FP_XSK_LIKELY(room >= want))
		return want;
	/* The batch does not fit at once. */
	FP_XSK_ADD(x->c.tx_ring_full, 1);
	if (room)
		return room;
	for (tries = 0; tries < TX_RETRIES && !room; tries++) {
		if (mine)
			fp_xsk_q_complete(x->q);
		kick_locked(x);
		room = xsk_prod_nb_free(&x->tx, want);
	}
	return room < want ? room : want;
}

static uint32_t tx_chunk(struct fp_xsk *x, const struct fp_xsk_pkt *pkts,
			 uint32_t n)
{
	struct fp_xsk_frames *f = x->frames;
	uint64_t back[FP_XSK_MAX_BATCH], bytes = 0;
	uint32_t room = 0, i = 0, j, sent = 0, idx, nback = 0, invalid = 0;
	bool mine = q_mine(x->q);

	tx_lock(x);
	while (i < n) {
		room = tx_room(x, n - i, mine);
		if (!room)
			break;
		/* reserve(0) tells where the free space starts: descriptors
		 * are written there first and reserved once their number is
		 * known, so a refused frame leaves no hole. */
		xsk_ring_prod__reserve(&x->tx, 0, &idx);
		for (j = 0; j < room && i < n; i++) {
			const struct fp_xsk_pkt *p = &pkts[i];
			uint64_t base = fp_xsk_frame_base(f, p->addr);
			uint64_t addr = (uint64_t)(p->data - x->area);
			struct xdp_desc *d;

			if (FP_XSK_UNLIKELY(!tx_valid(x, p, base, addr))) {
				back[nback++] = p->addr;
				invalid++;
				continue;
			}
			if (FP_XSK_UNLIKELY(f->state) &&
			    !fp_xsk_frame_move(f, base, FP_XSK_FRAME_APP,
					       FP_XSK_FRAME_TX, "transmit"))
				continue;	/* not the caller's to send */
			d = xsk_ring_prod__tx_desc(&x->tx, idx + j);
			d->addr = addr;
			d->len = p->len;
			d->options = 0;
			bytes += p->len;
			j++;
		}
		if (j) {
			xsk_ring_prod__reserve(&x->tx, j, &idx);
			xsk_ring_prod__submit(&x->tx, j);
			/* Counted before any completion can be seen. */
			FP_XSK_ADD(x->c.tx_packets, j);
			sent += j;
			kick_locked(x);
		}
	}
	/* The kernel made no room: what is left goes back, counted. */
	for (; i < n; i++)
		back[nback++] = pkts[i].addr;
	if (sent)
		FP_XSK_ADD(x->c.tx_bytes, bytes);
	if (FP_XSK_UNLIKELY(nback)) {
		FP_XSK_ADD(x->c.tx_invalid, invalid);
		FP_XSK_ADD(x->c.tx_dropped, nback - invalid);
	}
	tx_unlock(x);
	give_back(x, back, nback);
	return sent;
}

uint32_t fp_xsk_tx(struct fp_xsk *x, const struct fp_xsk_pkt *pkts, uint32_t n)
{
	uint32_t done = 0, k;

	while (n) {
		k = n < FP_XSK_MAX_BATCH ? n : FP_XSK_MAX_BATCH;
		done += tx_chunk(x, pkts, k);
		pkts += k;
		n -= k;
	}
	return done;
}

uint32_t fp_xsk_tx_room(struct fp_xsk *x)
{
	uint32_t room;

	tx_lock(x);
	room = xsk_prod_nb_free(&x->tx, x->tx.size);
	tx_unlock(x);
	return room;
}

int fp_xsk_kick(struct fp_xsk *x)
{
	int err = 0;

	if (!fp_xsk_tx_pending(x))
		return 0;
	tx_lock(x);
	err = kick_locked(x);
	tx_unlock(x);
	return err;
}

/* --- recycle and allocate ---------------------------------------------------- */

void fp_xsk_recycle(struct fp_xsk *x, const struct fp_xsk_pkt *pkts,
		    uint32_t n)
{
	uint64_t addrs[FP_XSK_MAX_BATCH];
	bool mine = q_mine(x->q);
	uint32_t i, k;

	while (n) {
		k = n < FP_XSK_MAX_BATCH ? n : FP_XSK_MAX_BATCH;
		for (i = 0; i < k; i++)
			addrs[i] = pkts[i].addr;
		if (mine) {
			fp_xsk_cache_put(x->frames, &x->q->cache, addrs, k,
					 FP_XSK_FRAME_APP);
			FP_XSK_ADD(x->c.recycled, k);
		} else {
			fp_xsk_frames_put(x->frames, addrs, k, FP_XSK_FRAME_APP);
		}
		pkts += k;
		n -= k;
	}
}

uint32_t fp_xsk_alloc_tx(struct fp_xsk *x, struct fp_xsk_pkt *pkts, uint32_t n)
{
	uint64_t addrs[FP_XSK_MAX_BATCH];
	uint32_t got = 0, i, k, g;

	if (FP_XSK_UNLIKELY(!fp_xsk_q_claim(x->q))) {
		not_owner(x, "fp_xsk_alloc_tx");
		return 0;
	}
	while (got < n) {
		k = n - got < FP_XSK_MAX_BATCH ? n - got : FP_XSK_MAX_BATCH;
		g = fp_xsk_cache_get(x->frames, &x->q->cache, addrs, k,
				     FP_XSK_FRAME_APP);
		for (i = 0; i < g; i++) {
			struct fp_xsk_pkt *p = &pkts[got + i];

			p->addr = addrs[i] + x->headroom;
			p->data = x->area + p->addr;
			p->len = x->frame_size - x->headroom;
		}
		got += g;
		if (g < k)
			break;
	}
	return got;
}

/* --- waiting ------------------------------------------------------------------- */

int fp_xsk_wait(struct fp_xsk *x)
{
	struct pollfd p;
	int n;

	if (FP_XSK_UNLIKELY(!fp_xsk_q_claim(x->q))) {
		not_owner(x, "fp_xsk_wait");
		return -EPERM;
	}
	fp_xsk_kick(x);		/* no system call when nothing waits */
	switch (x->wait) {
	case FP_XSK_WAIT_SPIN:
		return 1;
	case FP_XSK_WAIT_BUSYPOLL:
		/* MSG_DONTWAIT: the kernel refuses a blocking read on an
		 * XDP socket; the call runs NAPI (busy poll) and returns. */
		recvfrom(x->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		FP_XSK_ADD(x->c.busy_polls, 1);
		return 1;
	case FP_XSK_WAIT_POLL:
		break;
	}
	/* Frames already there: no system call. */
	if (xsk_cons_nb_avail(&x->rx, 1))
		return 1;
	p.fd = x->fd;
	p.events = POLLIN;
	p.revents = 0;
	n = poll(&p, 1, x->poll_timeout_ms);
	if (n < 0)
		return -errno;
	return n;
}
