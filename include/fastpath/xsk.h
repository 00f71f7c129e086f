/* SPDX-License-Identifier: MIT */
/*
 * The AF_XDP runtime: UMEM and frames, sockets on one or several queues
 * and interfaces, a batched data path, and pinned worker threads.  The NF
 * engine (`fastpath run`), the function invoker (`serve`) and the latency
 * lab (`ping`, `reflect`) build on it.  docs/xsk.md explains the design
 * and what each knob does; this comment is the contract.
 *
 * Layers.  libxdp's <xdp/xsk.h> gives the ring helpers and the socket
 * plumbing (xsk_umem__create, xsk_socket__create_shared); the policy is
 * here.  libxdp never loads its default XDP program
 * (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): callers own their XDP program and
 * put the sockets in their own XSKMAP (fp_xsk_set_fill_xskmap(); the
 * program src/bpf/xsk_steer.bpf.c is a ready one).
 *
 * One memory area per set.  A set (struct fp_xsk_set) holds every socket
 * of a configuration and one UMEM area that they all share, so a frame
 * received on any socket can be transmitted on any other, on any
 * interface of the set, without a copy.  Each (interface, queue) has its
 * own fill and completion ring (the kernel requires one pair per queue);
 * the sockets of one queue share them through XDP_SHARED_UMEM.  (Each
 * queue registers the same area with the kernel: libxdp can only share a
 * kernel UMEM registration on the first socket's queue, and separate
 * registrations also let a zero-copy NIC and a copy-mode veth share
 * frames.  docs/xsk.md has the measurements.)
 *
 * Frame ownership.  Every frame is always in exactly one place:
 *   free       in the set's allocator (a cache per queue, a locked pool);
 *   rx_kernel  given to the kernel on a fill ring, not received yet;
 *   app        handed to the caller by fp_xsk_rx() or fp_xsk_alloc_tx();
 *   tx         on a TX ring, its completion not seen yet.
 * A frame the caller holds goes back exactly once, by fp_xsk_tx() or
 * fp_xsk_recycle().  fp_xsk_set_frames() counts each place; with
 * config.check_frames every transition is checked per frame (a double
 * recycle or a foreign address prints one line and is ignored).
 *
 * TX never loses a frame.  fp_xsk_tx() queues what fits on the TX ring
 * and, while frames are left, drains completions (when the caller owns
 * them), wakes the kernel and goes on as long as the kernel makes room;
 * after 16 rounds without any room the frames left go back to the
 * allocator, counted in tx_dropped (tx_ring_full counts the batches that
 * did not fit at once).  Descriptors the kernel would consume without a
 * completion (empty, or not inside one frame) are refused the same way
 * (tx_invalid).  A caller that must not drop sizes its batches with
 * fp_xsk_tx_room().
 *
 * Threads.  The data path of a queue (its fill and completion rings, and
 * the RX rings of its sockets) belongs to ONE thread, its owner: the
 * worker it is assigned to, or else the first thread that calls
 * fp_xsk_rx(), fp_xsk_complete(), fp_xsk_alloc_tx() or fp_xsk_wait() on
 * one of its sockets.  fp_xsk_tx() and fp_xsk_recycle() may be called by
 * other threads on a socket only when the socket is shared
 * (fp_xsk_set_shared_tx(), which workers do when there are several):
 * its TX ring then has a lock.  fp_xsk_stats(), fp_xsk_set_frames() and
 * the accessors may be called from any thread.
 *
 * Wait modes (config.wait):
 *   SPIN      busy loop on the rings; the driver runs in softirq, on
 *             interrupts; wakeups only when the rings ask (need_wakeup);
 *   POLL      poll() on the socket fds before each batch;
 *   BUSYPOLL  SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET on
 *             each socket: the worker's own recvfrom()/sendto() (with
 *             MSG_DONTWAIT) run the driver's NAPI; napi_defer_hard_irqs
 *             and gro_flush_timeout are set on each interface and restored
 *             on close, at exit and on SIGINT/SIGTERM/SIGHUP (napi_tune.h).
 *
 * Errors: every function that can fail for a user-visible reason prints
 * one line with fp_err() (naming the option as the command line spells it,
 * see FP_XSK_OPT_*) and returns a negative errno.
 */
#ifndef FASTPATH_XSK_H
#define FASTPATH_XSK_H

/* --- shared with src/bpf/xsk_steer.bpf.c (both worlds) ------------------ */

#include "fastpath/compat.h"

/* Default size of xsk_steer's XSKMAP, and the queues it round-robins on. */
#define FP_XSK_STEER_MAX_KEYS	256
#define FP_XSK_STEER_MAX_QUEUES	64

/* xsk_steer's per-CPU counters (one PERCPU_ARRAY slot). */
struct fp_xsk_steer_pcpu {
	__u64 redirected;	/* handed to bpf_redirect_map() with a socket */
	__u64 passed_not_ip;	/* ip_only: not IPv4/IPv6, to Linux */
	__u64 passed_no_socket;	/* no socket at the key, to Linux */
};

#ifndef __bpf__

#include <stdbool.h>
#include <stdint.h>

#define FP_XSK_MAX_QUEUES		64
#define FP_XSK_MAX_SOCKETS_PER_QUEUE	16
#define FP_XSK_MAX_SOCKETS		128	/* per set, all interfaces */
#define FP_XSK_MAX_IFACES		8	/* per set */
#define FP_XSK_MAX_BATCH		256
#define FP_XSK_MAX_WORKERS		64

enum fp_xsk_bind_mode {
	FP_XSK_BIND_AUTO = 0,	/* zero-copy, else copy (announced once) */
	FP_XSK_BIND_COPY,
	FP_XSK_BIND_ZEROCOPY,	/* refuse with one line if not available */
};

enum fp_xsk_wait {
	FP_XSK_WAIT_SPIN = 0,
	FP_XSK_WAIT_POLL,
	FP_XSK_WAIT_BUSYPOLL,
};

/*
 * Every field is a knob; the option names below are how commands spell
 * them (error messages use these names):
 *   --iface --queues --sockets-per-queue --frame-size --headroom --frames
 *   --umem-frames --rx-size --tx-size --fill-size --comp-size --batch
 *   --bind --need-wakeup / --no-need-wakeup --wait --busy-poll-usecs
 *   --busy-poll-budget --poll-timeout --napi-defer-hard-irqs
 *   --gro-flush-timeout --irq-coalesce-usecs --check-frames
 */
struct fp_xsk_config {
	int ifindex;
	uint32_t queues[FP_XSK_MAX_QUEUES];	/* queue ids */
	uint32_t n_queues;		/* default 1: queue 0 */
	uint32_t sockets_per_queue;	/* default 1; >1: XDP_SHARED_UMEM */
	uint32_t frame_size;		/* 2048 (default) or 4096 */
	uint32_t headroom;		/* UMEM headroom, default 0 */
	uint32_t frames_per_socket;	/* default 4096 */
	/* Frames in the set's area; 0 (default) = frames_per_socket x the
	 * sockets of this config.  Only fp_xsk_set_open() reads it: set it
	 * large enough for the interfaces fp_xsk_set_add_iface() adds. */
	uint32_t umem_frames;
	uint32_t rx_size, tx_size;	/* powers of 2, default 2048 */
	uint32_t fill_size, comp_size;	/* powers of 2, default 2048 */
	uint32_t batch;			/* default 64, max 256 */
	enum fp_xsk_bind_mode bind;	/* default AUTO */
	bool need_wakeup;		/* default true */
	enum fp_xsk_wait wait;		/* default POLL */
	uint32_t busy_poll_usecs;	/* BUSYPOLL: SO_BUSY_POLL, default 20 */
	uint32_t busy_poll_budget;	/* BUSYPOLL: default 0 = batch */
	int poll_timeout_ms;		/* POLL: default 1000, -1 = forever */
	uint32_t napi_defer_hard_irqs;	/* BUSYPOLL: default 2 */
	uint64_t gro_flush_timeout_ns;	/* BUSYPOLL: default 200000 */
	/* BUSYPOLL: interrupt coalescing rx-usecs to set (ethtool), -1
	 * (default) leaves it; "not applicable" where the driver has none
	 * (veth). */
	int32_t irq_coalesce_usecs;
	bool check_frames;		/* debug: check every frame transition */
};

void fp_xsk_config_init(struct fp_xsk_config *c);
/*
 * Validate every field, printing one fp_err line naming the option
 * ("--batch must be 1..256") for the first bad one; -EINVAL.  Nothing is
 * created.  Checks that need the interface (queue ids exist) happen in
 * fp_xsk_set_open().
 */
int fp_xsk_config_check(const struct fp_xsk_config *c);

/* "auto" | "copy" | "zerocopy" (alias "zc"); prints an error line. */
int fp_xsk_bind_mode_parse(const char *s, enum fp_xsk_bind_mode *out);
const char *fp_xsk_bind_mode_str(enum fp_xsk_bind_mode m);
/* "spin" | "poll" | "busypoll" (alias "busy-poll"); prints an error line. */
int fp_xsk_wait_parse(const char *s, enum fp_xsk_wait *out);
const char *fp_xsk_wait_str(enum fp_xsk_wait w);

/* --- sets and sockets ---------------------------------------------------- */

struct fp_xsk_set;
struct fp_xsk;

/*
 * Create the area, the sockets (n_queues x sockets_per_queue, bound in
 * queue order) and fill each queue's fill ring.  A bind that finds the
 * queue still held by a socket closed less than a second ago (EBUSY) is
 * retried for up to 3 s.  In BUSYPOLL mode also sets the socket options
 * and tunes the interface's NAPI (restored by fp_xsk_set_close()).
 */
int fp_xsk_set_open(const struct fp_xsk_config *c, struct fp_xsk_set **out);
/*
 * Add the sockets of another interface to @s, in the same area: frames
 * then move between interfaces without a copy.  frame_size, headroom and
 * wait must equal the set's; the area must have room (umem_frames).
 */
int fp_xsk_set_add_iface(struct fp_xsk_set *s, const struct fp_xsk_config *c);
uint32_t fp_xsk_set_count(const struct fp_xsk_set *s);
/* Socket @i in creation order (interface, then queue, then k), or NULL. */
struct fp_xsk *fp_xsk_set_socket(struct fp_xsk_set *s, uint32_t i);
/* The socket of (@ifindex, @queue, @k), or NULL. */
struct fp_xsk *fp_xsk_set_find(struct fp_xsk_set *s, int ifindex,
			       uint32_t queue, uint32_t k);
/* Stops workers still running on @s, closes every socket, restores NAPI
 * settings, frees the area.  NULL is a no-op. */
void fp_xsk_set_close(struct fp_xsk_set *s);

/*
 * Put the sockets of @ifindex into an XSKMAP at key
 * queue * sockets_per_queue + k (xsk_steer's layout).  Prints one line if
 * the map is too small.  fp_xsk_set_fill_xskmap() is the same for a set
 * with one interface.
 */
int fp_xsk_set_fill_xskmap_iface(struct fp_xsk_set *s, int ifindex,
				 int xskmap_fd);
int fp_xsk_set_fill_xskmap(struct fp_xsk_set *s, int xskmap_fd);

/* Take a TX lock on every fp_xsk_tx() of every socket of @s, so any
 * thread may transmit on any socket (FORWARD across workers). */
void fp_xsk_set_shared_tx(struct fp_xsk_set *s, bool shared);

int fp_xsk_fd(const struct fp_xsk *x);
int fp_xsk_ifindex(const struct fp_xsk *x);
uint32_t fp_xsk_queue(const struct fp_xsk *x);
/* Index among the sockets of its queue (0..sockets_per_queue-1). */
uint32_t fp_xsk_index_in_queue(const struct fp_xsk *x);
/* Index in the set (fp_xsk_set_socket() order). */
uint32_t fp_xsk_index(const struct fp_xsk *x);
/* As the kernel reports it (XDP_OPTIONS). */
bool fp_xsk_zerocopy(const struct fp_xsk *x);
const struct fp_xsk_config *fp_xsk_config(const struct fp_xsk *x);

/* --- data path (see "Threads" above) ------------------------------------ */

/*
 * A frame handed to the caller.  @data points into the frame and may be
 * moved within it (push or pull headers); @len may change, as long as
 * [data, data + len) stays inside the frame.  @addr identifies the frame
 * and must not be changed.
 */
struct fp_xsk_pkt {
	uint8_t *data;
	uint32_t len;
	uint64_t addr;
};

/* Receive up to @max (<= FP_XSK_MAX_BATCH) frames; refills the queue's
 * fill ring with as many, and wakes the driver if it asks. */
uint32_t fp_xsk_rx(struct fp_xsk *x, struct fp_xsk_pkt *pkts, uint32_t max);
/*
 * Queue @n frames for transmission on @x (they may come from any socket
 * of the set) and wake the kernel if needed.  Returns the number queued;
 * the others were invalid (tx_invalid) or did not fit (tx_dropped) and are
 * back in the allocator.  The caller no longer owns any of the @n.
 */
uint32_t fp_xsk_tx(struct fp_xsk *x, const struct fp_xsk_pkt *pkts, uint32_t n);
/* Free slots on @x's TX ring now (a lower bound). */
uint32_t fp_xsk_tx_room(struct fp_xsk *x);
/* Give frames back without sending them (they go to the fill ring next). */
void fp_xsk_recycle(struct fp_xsk *x, const struct fp_xsk_pkt *pkts,
		    uint32_t n);
/*
 * For senders: up to @n free frames, each with data at the frame's start
 * plus the headroom and len = the room there; write the packet, set len
 * and pass them to fp_xsk_tx() (or fp_xsk_recycle()).
 */
uint32_t fp_xsk_alloc_tx(struct fp_xsk *x, struct fp_xsk_pkt *pkts, uint32_t n);
/* Wake the kernel's TX if frames wait on the ring and it needs a wakeup
 * (always without need_wakeup); 0 or a negative errno (transient errors
 * such as EAGAIN are 0). */
int fp_xsk_kick(struct fp_xsk *x);
/*
 * Before a batch, per config.wait: SPIN returns at once; POLL waits in
 * poll() up to poll_timeout_ms for a frame; BUSYPOLL runs the driver with
 * recvfrom(MSG_DONTWAIT).  First it kicks frames still waiting on the TX
 * ring (copy mode sends at most 32 per kick): whoever waits for answers
 * must have sent its questions.  Returns > 0 when frames may be ready, 0
 * on a timeout, or a negative errno (-EINTR on a signal).
 */
int fp_xsk_wait(struct fp_xsk *x);
/* Drain the queue's completion ring into the allocator (owner only). */
void fp_xsk_complete(struct fp_xsk *x);

struct fp_xsk_stats {
	/* XDP_STATISTICS (the fill-ring figure is the queue's) */
	uint64_t rx_dropped, rx_invalid_descs, tx_invalid_descs,
		 rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs;
	/* ours */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, recycled,
		 rx_batches, empty_polls, tx_wakeups, fill_wakeups,
		 tx_ring_full;
	uint64_t tx_dropped;	/* frames recycled because TX stayed full */
	uint64_t tx_invalid;	/* frames refused: data/len outside the frame */
	uint64_t busy_polls;	/* BUSYPOLL: recvfrom() calls run for NAPI */
	uint64_t completed;	/* TX completions seen, for the queue */
};

/* Readable from any thread; the XDP_STATISTICS part is read at once. */
int fp_xsk_stats(struct fp_xsk *x, struct fp_xsk_stats *st);

/* Where the set's frames are (see "Frame ownership"); exact when no data
 * path runs, approximate while it does. */
struct fp_xsk_frame_count {
	uint64_t total;
	uint64_t free;
	uint64_t rx_kernel;
	uint64_t app;
	uint64_t tx;
	uint64_t errors;	/* check_frames: transitions refused */
};

int fp_xsk_set_frames(struct fp_xsk_set *s, struct fp_xsk_frame_count *fc);

/* --- workers ------------------------------------------------------------ */

/*
 * n threads, each pinned to cpus[i], each owning the sockets of some
 * queues.  Sockets that share a fill/completion ring (same interface and
 * queue) always belong to the same worker; an explicit assignment that
 * splits them is refused.  Default assignment: the queues with the same
 * position in each interface's queue list go to the same worker (so
 * forwarding between interfaces stays on one thread), positions
 * round-robin over workers; with more workers than positions, queues
 * round-robin.  More workers than queues is refused.
 *
 * Each loop iteration: wait per config.wait (POLL: one poll() over all
 * the worker's sockets), then per socket: drain completions, receive a
 * batch, call fn, and carry out each packet's action: DROP recycles, TX
 * transmits on the receiving socket, FORWARD transmits on out[i] (any
 * socket of the set).  action[] starts as DROP.  The loop ends on
 * fp_xsk_workers_stop() or fp_run_should_stop(); before a worker returns
 * it waits (up to 1 s) for its TX completions, so no frame is left in
 * flight.
 */
enum fp_xsk_action {
	FP_XSK_DROP = 0,
	FP_XSK_TX,
	FP_XSK_FORWARD,		/* tx on out[i] */
};

struct fp_xsk_batch {
	struct fp_xsk *rx;
	struct fp_xsk_pkt *pkts;
	uint32_t n;
	uint8_t *action;	/* enum fp_xsk_action per packet */
	struct fp_xsk **out;	/* for FORWARD */
};

typedef void (*fp_xsk_batch_fn)(struct fp_xsk_batch *b, void *ctx,
				uint32_t worker);
typedef void (*fp_xsk_worker_hook)(void *ctx, uint32_t worker);

struct fp_xsk_workers_opts {
	const int *cpus;	/* n_workers CPUs; NULL: not pinned */
	uint32_t n_workers;
	fp_xsk_batch_fn fn;
	void *ctx;
	/* Optional, all on the worker thread: before the loop (e.g.
	 * rcu_register_thread), after every iteration (e.g.
	 * rcu_quiescent_state), after the loop (rcu_unregister_thread). */
	fp_xsk_worker_hook thread_init;
	fp_xsk_worker_hook iteration;
	fp_xsk_worker_hook thread_exit;
	/* Optional: worker of each socket (fp_xsk_set_socket() order). */
	const uint32_t *socket_worker;
};

struct fp_xsk_workers;

int fp_xsk_workers_start_opts(struct fp_xsk_set *s,
			      const struct fp_xsk_workers_opts *o,
			      struct fp_xsk_workers **out);
int fp_xsk_workers_start(struct fp_xsk_set *s, const int *cpus,
			 uint32_t n_workers, fp_xsk_batch_fn fn, void *ctx,
			 struct fp_xsk_workers **out);
/* The worker that owns @x, or -1. */
int fp_xsk_workers_owner(const struct fp_xsk_workers *w,
			 const struct fp_xsk *x);
/* Iterations run so far by worker @i (any thread). */
uint64_t fp_xsk_workers_iterations(const struct fp_xsk_workers *w,
				   uint32_t i);
/* Stop and join every worker; idempotent. */
void fp_xsk_workers_stop(struct fp_xsk_workers *w);
/* Stop, join and free; NULL is a no-op. */
void fp_xsk_workers_free(struct fp_xsk_workers *w);

#endif /* !__bpf__ */

#endif
