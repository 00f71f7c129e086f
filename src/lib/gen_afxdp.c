// SPDX-License-Identifier: MIT
/*
 * Generator engine 2: AF_XDP TX, for kernels without XDP live frames.
 *
 * One socket and one UMEM per worker, bound to queue = worker index (so a
 * run needs as many TX queues as threads: sockets sharing a queue would
 * share its rings and need a lock), TX ring only: sending needs no XDP
 * program, so libxdp is told not to load one.  Zero-copy is tried first and copy
 * mode is the announced fallback (veth only has copy mode).
 *
 * Every UMEM frame starts as the template; per packet fp_genpkt_write()
 * (the same code as the BPF engine, genpkt.h) rewrites the head of a frame
 * for its flow, stream and seq.  Frames cycle through a free stack that
 * the completion ring refills.  Descriptors go out in batches; the kernel is
 * kicked with sendto(MSG_DONTWAIT) when the ring asks for it (always in copy
 * mode, where transmission happens inside that call).  Pacing is done here
 * with a token count against the clock.  Packets are counted when the
 * kernel completes them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>

#include <xdp/xsk.h>

#include "fastpath/log.h"
#include "fastpath/run.h"
#include "lib/gen_priv.h"

#define NS_PER_S 1000000000ULL
#define NUM_FRAMES 4096
#define FRAME_SIZE 2048
#define RING_SIZE 2048
#define BATCH 64
#define BIND_RETRY_NS (2 * NS_PER_S)	/* EBUSY right after a close */
#define DRAIN_NS (NS_PER_S)		/* wait for the last completions */
#define MAX_LAG_NS (1000000ULL)
#define SPIN_NS (100 * 1000ULL)		/* sleep only for longer gaps */

struct xsk_tx {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_ring_prod tx;
	uint64_t free_addr[NUM_FRAMES];
	uint32_t nfree;
	uint32_t seq;		/* continues across runs */
	uint32_t flow;
	bool zerocopy;
};

struct afxdp {
	struct xsk_tx *socks[FP_GEN_MAX_THREADS];
	uint32_t nsocks;
};

static uint32_t tx_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	uint32_t n = 1;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if (!ioctl(fd, SIOCETHTOOL, &ifr)) {
		n = ch.tx_count > ch.combined_count ? ch.tx_count
						    : ch.combined_count;
		if (!n)
			n = 1;
	}
	close(fd);
	return n;
}

static void sock_close(struct xsk_tx *s)
{
	if (!s)
		return;
	xsk_socket__delete(s->xsk);
	if (s->umem)
		xsk_umem__delete(s->umem);
	if (s->area)
		munmap(s->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	free(s);
}

static int sock_try(struct fp_gen *g, struct xsk_tx *s, uint32_t queue,
		    uint16_t bind_flags)
{
	struct xsk_umem_config ucfg = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = 0,
		.tx_size = RING_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = bind_flags,
	};
	uint64_t end = fp_now_ns() + BIND_RETRY_NS;
	int err;

	for (;;) {
		err = xsk_umem__create(&s->umem, s->area,
				       (uint64_t)NUM_FRAMES * FRAME_SIZE,
				       &s->fq, &s->cq, &ucfg);
		if (err)
			return err;
		err = xsk_socket__create(&s->xsk, g->ifname, queue, s->umem,
					 NULL, &s->tx, &scfg);
		if (!err)
			return 0;
		s->xsk = NULL;
		xsk_umem__delete(s->umem);
		s->umem = NULL;
		if (err != -EBUSY || fp_now_ns() > end || fp_run_should_stop())
			return err;
		fp_run_sleep_ns(50 * 1000000ULL);
	}
}

static int sock_open(struct fp_gen *g, uint32_t queue, struct xsk_tx **out)
{
	struct xsk_tx *s;
	uint32_t i;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE,
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->area == MAP_FAILED) {
		s->area = NULL;
		free(s);
		return -ENOMEM;
	}
	for (i = 0; i < NUM_FRAMES; i++) {
		memcpy((uint8_t *)s->area + (size_t)i * FRAME_SIZE, g->tmpl,
		       g->tmpl_len);
		s->free_addr[i] = (uint64_t)i * FRAME_SIZE;
	}
	s->nfree = NUM_FRAMES;

	err = sock_try(g, s, queue, XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP);
	if (!err) {
		s->zerocopy = true;
	} else {
		err = sock_try(g, s, queue, XDP_COPY | XDP_USE_NEED_WAKEUP);
		if (!err && queue == 0)
			fp_warn("AF_XDP zero-copy is not available on %s; using copy mode (one copy per packet)",
				g->ifname);
	}
	if (err) {
		fp_err("gen: cannot open an AF_XDP socket on %s queue %u: %s",
		       g->ifname, queue, strerror(-err));
		sock_close(s);
		return err;
	}
	*out = s;
	return 0;
}

static int afxdp_prepare(struct fp_gen *g)
{
	struct afxdp *a;
	uint32_t i, nq = tx_queues(g->ifname);
	int err;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	g->eng = a;
	if (g->tmpl_len > FRAME_SIZE)
		return -EINVAL;
	/* Two sockets on one queue would have to share its fill and
	 * completion rings, i.e. a lock between the threads: refuse. */
	if (g->threads > nq) {
		fp_err("AF_XDP needs one TX queue per thread: %s has %u, --threads is %u; lower --threads or add queues (ethtool -L, or numtxqueues for veth)",
		       g->ifname, nq, g->threads);
		return -EINVAL;
	}
	for (i = 0; i < g->threads; i++) {
		err = sock_open(g, i, &a->socks[i]);
		if (err)
			return err;
		a->nsocks++;
	}
	return 0;
}

static void reap(struct xsk_tx *s, struct fp_gen_worker *w, uint32_t len)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&s->cq, RING_SIZE, &idx);
	if (!n)
		return;
	for (i = 0; i < n; i++)
		s->free_addr[s->nfree++] = *xsk_ring_cons__comp_addr(&s->cq, idx + i);
	xsk_ring_cons__release(&s->cq, n);
	atomic_fetch_add_explicit(&w->packets, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->bytes, (uint64_t)n * len,
				  memory_order_relaxed);
}

static int kick(struct xsk_tx *s)
{
	if (s->zerocopy && !xsk_ring_prod__needs_wakeup(&s->tx))
		return 0;
	if (sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	/* Ring busy or the device queue full: try again next round. */
	if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS ||
	    errno == EINTR)
		return 0;
	return -errno;
}

/* Frames the pacer allows now; 0 means wait (after sleeping a little). */
static uint64_t paced_budget(struct fp_gen *g, uint64_t *t0, uint64_t sent)
{
	double gap = (double)g->gap_ns + (double)g->gap_frac / 4294967296.0;
	uint64_t now = fp_now_ns();
	uint64_t due = (uint64_t)((double)(now - *t0) / gap) + 1;
	uint64_t lag = (uint64_t)(MAX_LAG_NS / gap) + BATCH;

	if (due > sent + lag)
		*t0 += (uint64_t)((double)(due - sent - lag) * gap);
	if (due > sent)
		return due - sent;
	/* Next frame at t0 + sent * gap. */
	{
		uint64_t next = *t0 + (uint64_t)((double)sent * gap);

		if (next > now + SPIN_NS)
			fp_run_sleep_ns(next - now - SPIN_NS / 2);
	}
	return 0;
}

static int afxdp_worker(struct fp_gen_worker *w)
{
	struct fp_gen *g = w->g;
	struct afxdp *a = g->eng;
	struct xsk_tx *s = a->socks[w->index];
	uint32_t len = g->tmpl_len, idx, i, n;
	uint64_t submitted = 0, t0 = fp_now_ns(), end;
	uint16_t stream = (uint16_t)w->cpu;
	int err = 0;

	while (!fp_gen_stopping(g)) {
		uint64_t budget = BATCH;

		if ((w->deadline_ns && fp_now_ns() >= w->deadline_ns) ||
		    (w->quota && submitted >= w->quota))
			break;
		reap(s, w, len);
		if (w->quota && w->quota - submitted < budget)
			budget = w->quota - submitted;
		if (g->cfg.rate) {
			uint64_t allowed = paced_budget(g, &t0, submitted);

			if (!allowed)
				continue;
			if (allowed < budget)
				budget = allowed;
		}
		if (budget > s->nfree)
			budget = s->nfree;
		n = budget ? xsk_ring_prod__reserve(&s->tx, (uint32_t)budget, &idx) : 0;
		for (i = 0; i < n; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);
			uint64_t addr = s->free_addr[--s->nfree];
			uint8_t *data = xsk_umem__get_data(s->area, addr);

			fp_genpkt_write(data, data + len, &g->pkt,
					&g->flow_tab[s->flow], stream, s->seq);
			s->seq++;
			s->flow = s->seq ? fp_genpkt_next_flow(&g->pkt, s->flow) : 0;
			d->addr = addr;
			d->len = len;
		}
		if (n) {
			xsk_ring_prod__submit(&s->tx, n);
			submitted += n;
		}
		err = kick(s);
		if (err)
			break;
	}

	/* Let the kernel finish what was submitted, so the counts are final. */
	end = fp_now_ns() + DRAIN_NS;
	while (s->nfree < NUM_FRAMES && fp_now_ns() < end) {
		int kerr = kick(s);

		if (kerr && !err)
			err = kerr;
		reap(s, w, len);
	}
	if (err)
		fp_err("gen: AF_XDP send on %s failed: %s", g->ifname,
		       strerror(-err));
	return err;
}

static void afxdp_read(struct fp_gen *g, uint64_t *packets, uint64_t *bytes)
{
	uint32_t i;

	*packets = *bytes = 0;
	for (i = 0; i < g->threads; i++) {
		*packets += atomic_load_explicit(&g->workers[i].packets,
						 memory_order_relaxed);
		*bytes += atomic_load_explicit(&g->workers[i].bytes,
					       memory_order_relaxed);
	}
}

static void afxdp_free(struct fp_gen *g)
{
	struct afxdp *a = g->eng;
	uint32_t i;

	if (!a)
		return;
	for (i = 0; i < a->nsocks; i++)
		sock_close(a->socks[i]);
	free(a);
	g->eng = NULL;
}

const struct fp_gen_engine_ops fp_gen_afxdp_ops = {
	.name = "afxdp",
	.prepare = afxdp_prepare,
	.worker = afxdp_worker,
	.read = afxdp_read,
	.free = afxdp_free,
};
