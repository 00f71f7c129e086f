// SPDX-License-Identifier: MIT
/*
 * Sets of AF_XDP sockets: configuration, binding (copy / zero-copy and the
 * announced fallback), socket options, XSKMAP filling, XDP_STATISTICS.
 *
 * Binding.  libxdp creates and binds (xsk_socket__create_shared) and never
 * loads its XDP program (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD).  The first
 * socket of a queue binds with our flags; the others on that queue join it
 * with XDP_SHARED_UMEM and inherit its mode (the kernel refuses mode flags
 * on a shared bind).  A queue released by a socket closed moments ago
 * answers EBUSY for about a second: binds retry for up to 3 s.  AUTO tries
 * zero-copy once per interface; when the driver refuses, it says so in one
 * warning and the interface's queues bind in copy mode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <xdp/libxdp.h>

#include "fastpath/log.h"
#include "fastpath/napi_tune.h"
#include "fastpath/probe.h"
#include "fastpath/run.h"
#include "lib/xsk_priv.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define XDP_HEADROOM		256	/* the kernel's XDP_PACKET_HEADROOM */
#define BIND_RETRY_NS		(3 * 1000000000ULL)
#define BIND_RETRY_STEP_NS	(5 * 1000000ULL)
#define MAX_GRO_FLUSH_NS	10000000000ULL	/* 10 s */

/* --- configuration -------------------------------------------------------- */

void fp_xsk_config_init(struct fp_xsk_config *c)
{
	memset(c, 0, sizeof(*c));
	c->n_queues = 1;
	c->queues[0] = 0;
	c->sockets_per_queue = 1;
	c->frame_size = 2048;
	c->headroom = 0;
	c->frames_per_socket = 4096;
	c->rx_size = c->tx_size = 2048;
	c->fill_size = c->comp_size = 2048;
	c->batch = 64;
	c->bind = FP_XSK_BIND_AUTO;
	c->need_wakeup = true;
	c->wait = FP_XSK_WAIT_POLL;
	c->busy_poll_usecs = 20;
	c->busy_poll_budget = 0;
	c->poll_timeout_ms = 1000;
	c->napi_defer_hard_irqs = 2;
	c->gro_flush_timeout_ns = 200000;
	c->irq_coalesce_usecs = -1;
}

static bool ring_size_ok(uint32_t v)
{
	return v >= 16 && v <= 65536 && !(v & (v - 1));
}

#define CHECK(cond, ...)				\
	do {						\
		if (!(cond)) {				\
			fp_err(__VA_ARGS__);		\
			return -EINVAL;			\
		}					\
	} while (0)

int fp_xsk_config_check(const struct fp_xsk_config *c)
{
	uint64_t socks, frames;
	uint32_t i, j;

	CHECK(c->ifindex > 0, "--iface: no interface given");
	CHECK(c->n_queues >= 1 && c->n_queues <= FP_XSK_MAX_QUEUES,
	      "--queues: give 1 to %d queue ids", FP_XSK_MAX_QUEUES);
	for (i = 0; i < c->n_queues; i++) {
		CHECK(c->queues[i] < 65536, "--queues: %u is not a queue id",
		      c->queues[i]);
		for (j = 0; j < i; j++)
			CHECK(c->queues[j] != c->queues[i],
			      "--queues: queue %u is listed twice", c->queues[i]);
	}
	CHECK(c->sockets_per_queue >= 1 &&
	      c->sockets_per_queue <= FP_XSK_MAX_SOCKETS_PER_QUEUE,
	      "--sockets-per-queue must be 1..%d", FP_XSK_MAX_SOCKETS_PER_QUEUE);
	socks = (uint64_t)c->n_queues * c->sockets_per_queue;
	CHECK(socks <= FP_XSK_MAX_SOCKETS,
	      "--queues x --sockets-per-queue makes %llu sockets; at most %d",
	      (unsigned long long)socks, FP_XSK_MAX_SOCKETS);
	CHECK(c->frame_size == 2048 || c->frame_size == 4096,
	      "--frame-size must be 2048 or 4096");
	CHECK(c->headroom < c->frame_size - XDP_HEADROOM,
	      "--headroom must be below %u (the frame size minus the kernel's %u bytes of XDP headroom)",
	      c->frame_size - XDP_HEADROOM, XDP_HEADROOM);
	CHECK(c->frames_per_socket >= 64 && c->frames_per_socket <= (1u << 20),
	      "--frames must be 64..1048576 (frames per socket)");
	frames = (uint64_t)c->frames_per_socket * socks;
	CHECK(!c->umem_frames || (c->umem_frames >= frames &&
				  c->umem_frames <= (1u << 24)),
	      "--umem-frames must be 0 (auto) or %llu..16777216 (--frames x %llu sockets at least)",
	      (unsigned long long)frames, (unsigned long long)socks);
	CHECK(frames <= (1u << 24), "--frames x sockets makes %llu frames; at most 16777216",
	      (unsigned long long)frames);
	CHECK(ring_size_ok(c->rx_size), "--rx-size must be a power of 2 from 16 to 65536");
	CHECK(ring_size_ok(c->tx_size), "--tx-size must be a power of 2 from 16 to 65536");
	CHECK(ring_size_ok(c->fill_size), "--fill-size must be a power of 2 from 16 to 65536");
	CHECK(ring_size_ok(c->comp_size), "--comp-size must be a power of 2 from 16 to 65536");
	CHECK(c->batch >= 1 && c->batch <= FP_XSK_MAX_BATCH,
	      "--batch must be 1..%d", FP_XSK_MAX_BATCH);
	CHECK((unsigned int)c->bind <= FP_XSK_BIND_ZEROCOPY,
	      "--bind must be auto, copy or zerocopy");
	CHECK((unsigned int)c->wait <= FP_XSK_WAIT_BUSYPOLL,
	      "--wait must be spin, poll or busypoll");
	CHECK(c->poll_timeout_ms >= -1 && c->poll_timeout_ms <= 3600000,
	      "--poll-timeout must be -1 (forever) or 0..3600000 ms");
	CHECK(c->irq_coalesce_usecs >= -1 && c->irq_coalesce_usecs <= 1000000,
	      "--irq-coalesce-usecs must be -1 (leave) or 0..1000000");
	if (c->wait == FP_XSK_WAIT_BUSYPOLL) {
		CHECK(c->busy_poll_usecs >= 1 && c->busy_poll_usecs <= 1000000,
		      "--busy-poll-usecs must be 1..1000000 with --wait busypoll");
		CHECK(c->busy_poll_budget <= 65535,
		      "--busy-poll-budget must be 0 (= --batch) or 1..65535");
		CHECK(c->napi_defer_hard_irqs <= 2147483647u,
		      "--napi-defer-hard-irqs must be 0..2147483647");
		CHECK(c->gro_flush_timeout_ns <= MAX_GRO_FLUSH_NS,
		      "--gro-flush-timeout must be 0..10000000000 ns");
	}
	return 0;
}

int fp_xsk_bind_mode_parse(const char *s, enum fp_xsk_bind_mode *out)
{
	if (s && !strcmp(s, "auto"))
		*out = FP_XSK_BIND_AUTO;
	else if (s && !strcmp(s, "copy"))
		*out = FP_XSK_BIND_COPY;
	else if (s && (!strcmp(s, "zerocopy") || !strcmp(s, "zc")))
		*out = FP_XSK_BIND_ZEROCOPY;
	else {
		fp_err("--bind: '%s' is not a mode; use auto, copy or zerocopy",
		       s ? s : "");
		return -EINVAL;
	}
	return 0;
}

const char *fp_xsk_bind_mode_str(enum fp_xsk_bind_mode m)
{
	switch (m) {
	case FP_XSK_BIND_AUTO: return "auto";
	case FP_XSK_BIND_COPY: return "copy";
	case FP_XSK_BIND_ZEROCOPY: return "zerocopy";
	}
	return "?";
}

int fp_xsk_wait_parse(const char *s, enum fp_xsk_wait *out)
{
	if (s && !strcmp(s, "spin"))
		*out = FP_XSK_WAIT_SPIN;
	else if (s && !strcmp(s, "poll"))
		*out = FP_XSK_WAIT_POLL;
	else if (s && (!strcmp(s, "busypoll") || !strcmp(s, "busy-poll")))
		*out = FP_XSK_WAIT_BUSYPOLL;
	else {
		fp_err("--wait: '%s' is not a mode; use spin, poll or busypoll",
		       s ? s : "");
		return -EINVAL;
	}
	return 0;
}

const char *fp_xsk_wait_str(enum fp_xsk_wait w)
{
	switch (w) {
	case FP_XSK_WAIT_SPIN: return "spin";
	case FP_XSK_WAIT_POLL: return "poll";
	case FP_XSK_WAIT_BUSYPOLL: return "busypoll";
	}
	return "?";
}

/* --- binding ---------------------------------------------------------------- */

/* libxdp reports on stderr failures we handle (zero-copy probes). */
static int libxdp_quiet(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	if (fp_log_get_level() >= FP_LOG_TRACE)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int bind_once(struct fp_xsk_iface *ifc, struct fp_xsk_q *q,
		     struct fp_xsk *x, uint16_t flags)
{
	const struct xsk_socket_config scfg = {
		.rx_size = ifc->cfg.rx_size,
		.tx_size = ifc->cfg.tx_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = flags,
	};
	uint64_t end = fp_now_ns() + BIND_RETRY_NS;
	int err;

	for (;;) {
		err = xsk_socket__create_shared(&x->xsk, ifc->name, q->queue,
						q->umem, &x->rx, &x->tx,
						&q->fill, &q->comp, &scfg);
		if (!err)
			return 0;
		x->xsk = NULL;
		if (err != -EBUSY || fp_now_ns() >= end)
			return err;
		fp_dbg("xsk: %s queue %u is busy (a socket closed moments ago?); retrying",
		       ifc->name, q->queue);
		if (fp_run_sleep_ns(BIND_RETRY_STEP_NS))
			return -EINTR;
	}
}

static const char *bind_hint(int err)
{
	switch (err) {
	case -EBUSY:
		return "; another AF_XDP socket holds this queue";
	case -EINVAL:
		return "; check --queues against the interface's queues (ethtool -l)";
	case -ENOMEM:
	case -ENOBUFS:
		return "; lower --frames or the ring sizes";
	case -EPERM:
		return "; run as root (CAP_NET_RAW and CAP_NET_ADMIN)";
	default:
		return "";
	}
}

static int sock_bind(struct fp_xsk_iface *ifc, struct fp_xsk_q *q,
		     struct fp_xsk *x)
{
	const struct fp_xsk_config *c = &ifc->cfg;
	uint16_t wake = c->need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
	char driver[32] = "?";
	int err;

	if (q->n_socks) {
		/* Joins the queue's first socket (XDP_SHARED_UMEM), whose
		 * mode it inherits; libxdp ignores the flags here. */
		err = bind_once(ifc, q, x, 0);
		goto out;
	}
	if (c->bind == FP_XSK_BIND_COPY ||
	    (c->bind == FP_XSK_BIND_AUTO && ifc->zerocopy_refused)) {
		err = bind_once(ifc, q, x, XDP_COPY | wake);
		goto out;
	}
	err = bind_once(ifc, q, x, XDP_ZEROCOPY | wake);
	/* EBUSY: another socket holds the queue, whatever the mode. */
	if (!err || err == -EINTR || err == -EBUSY)
		goto out;
	fp_probe_driver(ifc->ifindex, driver, sizeof(driver));
	if (c->bind == FP_XSK_BIND_ZEROCOPY) {
		if (err == -EINVAL)
			goto out;	/* not about zero-copy */
		fp_err("%s queue %u: AF_XDP zero-copy is not available (driver '%s': %s); use --bind auto or --bind copy",
		       ifc->name, q->queue, driver, strerror(-err));
		return err;
	}
	{
		int zc_err = err;

		err = bind_once(ifc, q, x, XDP_COPY | wake);
		if (!err) {
			ifc->zerocopy_refused = true;
			fp_warn("%s: AF_XDP zero-copy is not available (driver '%s': %s); using copy mode (one copy per packet)",
				ifc->name, driver, strerror(-zc_err));
		}
	}
out:
	if (err && err != -EINTR)
		fp_err("%s queue %u: cannot bind an AF_XDP socket: %s%s",
		       ifc->name, q->queue, strerror(-err), bind_hint(err));
	return err;
}

static int set_opt(struct fp_xsk *x, const char *name, int opt, int val)
{
	int err;

	if (!setsockopt(x->fd, SOL_SOCKET, opt, &val, sizeof(val)))
		return 0;
	err = -errno;
	fp_err("%s queue %u: --wait busypoll: %s(%d) failed: %s; this kernel lacks preferred busy polling (Linux 5.11+): use --wait poll or spin",
	       x->set->ifaces[x->q->iface].name, x->queue, name, val,
	       strerror(-err));
	return err;
}

static int set_busy_poll(struct fp_xsk *x, const struct fp_xsk_config *c)
{
	int budget = (int)(c->busy_poll_budget ? c->busy_poll_budget : c->batch);

	return set_opt(x, "SO_PREFER_BUSY_POLL", SO_PREFER_BUSY_POLL, 1) ?:
	       set_opt(x, "SO_BUSY_POLL", SO_BUSY_POLL, (int)c->busy_poll_usecs) ?:
	       set_opt(x, "SO_BUSY_POLL_BUDGET", SO_BUSY_POLL_BUDGET, budget);
}

static bool query_zerocopy(int fd)
{
	struct xdp_options o = { 0 };
	socklen_t len = sizeof(o);

	return !getsockopt(fd, SOL_XDP, XDP_OPTIONS, &o, &len) &&
	       (o.flags & XDP_OPTIONS_ZEROCOPY);
}

static void sock_free(struct fp_xsk *x)
{
	if (!x)
		return;
	xsk_socket__delete(x->xsk);
	pthread_spin_destroy(&x->tx_lock);
	free(x);
}

static int sock_create(struct fp_xsk_set *s, struct fp_xsk_iface *ifc,
		       struct fp_xsk_q *q, uint32_t k)
{
	const struct fp_xsk_config *c = &ifc->cfg;
	struct fp_xsk *x;
	int err;

	if (posix_memalign((void **)&x, 64, sizeof(*x)))
		return -ENOMEM;
	memset(x, 0, sizeof(*x));
	pthread_spin_init(&x->tx_lock, PTHREAD_PROCESS_PRIVATE);
	x->q = q;
	x->set = s;
	x->cfg = c;
	x->frames = &s->frames;
	x->area = s->area;
	x->frame_size = c->frame_size;
	x->headroom = c->headroom;
	x->wait = c->wait;
	x->need_wakeup = c->need_wakeup;
	x->poll_timeout_ms = c->poll_timeout_ms;
	x->ifindex = ifc->ifindex;
	x->queue = q->queue;
	x->k = k;
	x->index = s->n_socks;

	err = sock_bind(ifc, q, x);
	if (err) {
		sock_free(x);
		return err;
	}
	/* From the first bind on, libxdp unmaps the queue's rings. */
	q->umem_rings_ours = false;
	x->fd = xsk_socket__fd(x->xsk);
	x->zerocopy = query_zerocopy(x->fd);
	q->socks[q->n_socks++] = x;
	s->socks[s->n_socks++] = x;
	if (c->wait == FP_XSK_WAIT_BUSYPOLL)
		return set_busy_poll(x, c);
	return 0;
}

/* --- sets --------------------------------------------------------------------- */

static int check_queues(const struct fp_xsk_iface *ifc)
{
	const struct fp_xsk_config *c = &ifc->cfg;
	const char *src;
	uint32_t rx = 0, tx = 0, n, i;

	if (fp_probe_queues(ifc->ifindex, &rx, &tx, &src) || !rx || !tx)
		return 0;	/* unknown: the bind will tell */
	n = rx < tx ? rx : tx;
	for (i = 0; i < c->n_queues; i++)
		CHECK(c->queues[i] < n,
		      "--queues: %s has %u queue%s (0..%u); queue %u does not exist",
		      ifc->name, n, n == 1 ? "" : "s", n - 1, c->queues[i]);
	return 0;
}

static int iface_tune(struct fp_xsk_iface *ifc)
{
	const struct fp_xsk_config *c = &ifc->cfg;
	const struct fp_napi_settings ns = {
		.defer_hard_irqs = c->napi_defer_hard_irqs,
		.gro_flush_timeout_ns = (int64_t)c->gro_flush_timeout_ns,
		.coalesce_rx_usecs = c->irq_coalesce_usecs,
	};
	int err;

	err = fp_napi_tune_apply(ifc->ifindex, &ns, &ifc->tune);
	if (!err)
		fp_dbg("xsk: %s", fp_napi_tune_summary(ifc->tune));
	return err;
}

static int add_iface(struct fp_xsk_set *s, const struct fp_xsk_config *c)
{
	uint64_t need = (uint64_t)c->frames_per_socket * c->n_queues *
			c->sockets_per_queue;
	libxdp_print_fn_t old_print;
	struct fp_xsk_iface *ifc;
	uint32_t p, k;
	int err = 0;

	if (s->n_ifaces >= FP_XSK_MAX_IFACES) {
		fp_err("--iface: a set holds at most %d interfaces", FP_XSK_MAX_IFACES);
		return -E2BIG;
	}
	for (p = 0; p < s->n_ifaces; p++) {
		if (s->ifaces[p].ifindex == c->ifindex) {
			fp_err("--iface: %s is already in this set", s->ifaces[p].name);
			return -EEXIST;
		}
	}
	if (s->n_qs + c->n_queues > FP_XSK_MAX_SOCKETS ||
	    s->n_socks + c->n_queues * c->sockets_per_queue > FP_XSK_MAX_SOCKETS) {
		fp_err("--queues: a set holds at most %d sockets", FP_XSK_MAX_SOCKETS);
		return -E2BIG;
	}
	ifc = &s->ifaces[s->n_ifaces];
	memset(ifc, 0, sizeof(*ifc));
	if (!if_indextoname((unsigned int)c->ifindex, ifc->name)) {
		fp_err("--iface: no interface with index %d in this network namespace",
		       c->ifindex);
		return -ENODEV;
	}
	if (s->n_ifaces) {
		const struct fp_xsk_config *f = &s->ifaces[0].cfg;

		CHECK(c->frame_size == f->frame_size,
		      "%s: --frame-size must be the same on every interface of a set (%u)",
		      ifc->name, f->frame_size);
		CHECK(c->headroom == f->headroom,
		      "%s: --headroom must be the same on every interface of a set (%u)",
		      ifc->name, f->headroom);
		CHECK(c->wait == f->wait,
		      "%s: --wait must be the same on every interface of a set (%s)",
		      ifc->name, fp_xsk_wait_str(f->wait));
		CHECK(c->check_frames == f->check_frames,
		      "%s: --check-frames must be the same on every interface of a set",
		      ifc->name);
	}
	if (s->committed + need > s->frames.n_frames) {
		fp_err("%s: the set's UMEM has no room for %llu more frames (%llu of %u taken); open the set with --umem-frames %llu or more",
		       ifc->name, (unsigned long long)need,
		       (unsigned long long)s->committed, s->frames.n_frames,
		       (unsigned long long)(s->committed + need));
		return -ENOSPC;
	}
	ifc->ifindex = c->ifindex;
	ifc->cfg = *c;
	err = check_queues(ifc);
	if (err)
		return err;
	s->n_ifaces++;		/* from here on, close cleans up */

	old_print = libxdp_set_print(libxdp_quiet);
	for (p = 0; p < c->n_queues && !err; p++) {
		struct fp_xsk_q *q;

		if (posix_memalign((void **)&q, 64, sizeof(*q))) {
			err = -ENOMEM;
			break;
		}
		memset(q, 0, sizeof(*q));
		q->set = s;
		q->ifindex = c->ifindex;
		q->queue = c->queues[p];
		q->pos = p;
		q->iface = s->n_ifaces - 1;
		q->index = s->n_qs;
		q->need_wakeup = c->need_wakeup;
		q->comp_size = c->comp_size;
		q->share = c->frames_per_socket * c->sockets_per_queue;
		s->qs[s->n_qs++] = q;
		err = fp_xsk_q_umem_create(s, q, c);
		if (err) {
			fp_err("%s queue %u: cannot register the UMEM: %s%s",
			       ifc->name, q->queue, strerror(-err),
			       err == -ENOMEM || err == -ENOBUFS ?
			       "; lower --frames or --umem-frames" : "");
			break;
		}
		for (k = 0; k < c->sockets_per_queue && !err; k++)
			err = sock_create(s, ifc, q, k);
		if (!err) {
			err = fp_xsk_q_prime(s, q);
			s->committed += q->share;
		}
	}
	libxdp_set_print(old_print);
	if (!err && c->wait == FP_XSK_WAIT_BUSYPOLL)
		err = iface_tune(ifc);
	return err;
}

int fp_xsk_set_open(const struct fp_xsk_config *c, struct fp_xsk_set **out)
{
	struct fp_xsk_set *s;
	uint64_t frames;
	int err;

	*out = NULL;
	err = fp_xsk_config_check(c);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	frames = c->umem_frames ? c->umem_frames :
		 (uint64_t)c->frames_per_socket * c->n_queues *
		 c->sockets_per_queue;
	err = fp_xsk_area_alloc(s, frames, c->frame_size, c->check_frames);
	if (!err)
		err = add_iface(s, c);
	if (err) {
		fp_xsk_set_close(s);
		return err;
	}
	*out = s;
	return 0;
}

int fp_xsk_set_add_iface(struct fp_xsk_set *s, const struct fp_xsk_config *c)
{
	int err = fp_xsk_config_check(c);

	if (err)
		return err;
	if (s->workers) {
		fp_err("xsk: add interfaces before starting workers");
		return -EBUSY;
	}
	return add_iface(s, c);
}

void fp_xsk_set_close(struct fp_xsk_set *s)
{
	uint32_t i;

	if (!s)
		return;
	if (s->workers)
		fp_xsk_workers_detach_set(s->workers);
	for (i = 0; i < s->n_socks; i++)
		sock_free(s->socks[i]);
	for (i = 0; i < s->n_qs; i++) {
		fp_xsk_q_umem_delete(s->qs[i]);
		fp_xsk_cache_fini(&s->qs[i]->cache);
		free(s->qs[i]);
	}
	for (i = 0; i < s->n_ifaces; i++)
		fp_napi_tune_restore(s->ifaces[i].tune);
	fp_xsk_area_free(s);
	free(s);
}

uint32_t fp_xsk_set_count(const struct fp_xsk_set *s)
{
	return s->n_socks;
}

struct fp_xsk *fp_xsk_set_socket(struct fp_xsk_set *s, uint32_t i)
{
	return i < s->n_socks ? s->socks[i] : NULL;
}

struct fp_xsk *fp_xsk_set_find(struct fp_xsk_set *s, int ifindex,
			       uint32_t queue, uint32_t k)
{
	uint32_t i;

	for (i = 0; i < s->n_socks; i++) {
		struct fp_xsk *x = s->socks[i];

		if (x->ifindex == ifindex && x->queue == queue && x->k == k)
			return x;
	}
	return NULL;
}

void fp_xsk_set_shared_tx(struct fp_xsk_set *s, bool shared)
{
	uint32_t i;

	for (i = 0; i < s->n_socks; i++)
		s->socks[i]->shared_tx = shared;
}

/* --- XSKMAP ----------------------------------------------------------------- */

int fp_xsk_set_fill_xskmap_iface(struct fp_xsk_set *s, int ifindex,
				 int xskmap_fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info), i, n = 0;
	int err;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(xskmap_fd, &info, &len) ||
	    info.type != BPF_MAP_TYPE_XSKMAP) {
		fp_err("xsk: fd %d is not an XSKMAP", xskmap_fd);
		return -EINVAL;
	}
	for (i = 0; i < s->n_socks; i++) {
		struct fp_xsk *x = s->socks[i];
		uint32_t spq = x->cfg->sockets_per_queue;
		uint32_t key = x->queue * spq + x->k;

		if (x->ifindex != ifindex)
			continue;
		if (key >= info.max_entries) {
			fp_err("%s: XSKMAP '%s' has %u entries but queue %u socket %u needs key %u; size the map to %u or more",
			       s->ifaces[x->q->iface].name, info.name,
			       info.max_entries, x->queue, x->k, key,
			       (x->queue + 1) * spq);
			return -E2BIG;
		}
		if (bpf_map_update_elem(xskmap_fd, &key, &x->fd, 0)) {
			err = -errno;
			fp_err("%s: cannot put queue %u socket %u into XSKMAP '%s': %s",
			       s->ifaces[x->q->iface].name, x->queue, x->k,
			       info.name, strerror(-err));
			return err;
		}
		n++;
	}
	if (!n) {
		fp_err("xsk: the set has no socket on interface index %d", ifindex);
		return -ENOENT;
	}
	return 0;
}

int fp_xsk_set_fill_xskmap(struct fp_xsk_set *s, int xskmap_fd)
{
	if (s->n_ifaces != 1) {
		fp_err("xsk: the set has %u interfaces: fill one XSKMAP per interface (fp_xsk_set_fill_xskmap_iface)",
		       s->n_ifaces);
		return -EINVAL;
	}
	return fp_xsk_set_fill_xskmap_iface(s, s->ifaces[0].ifindex, xskmap_fd);
}

/* --- accessors and statistics ------------------------------------------------ */

int fp_xsk_fd(const struct fp_xsk *x)
{
	return x->fd;
}

int fp_xsk_ifindex(const struct fp_xsk *x)
{
	return x->ifindex;
}

uint32_t fp_xsk_queue(const struct fp_xsk *x)
{
	return x->queue;
}

uint32_t fp_xsk_index_in_queue(const struct fp_xsk *x)
{
	return x->k;
}

uint32_t fp_xsk_index(const struct fp_xsk *x)
{
	return x->index;
}

bool fp_xsk_zerocopy(const struct fp_xsk *x)
{
	return x->zerocopy;
}

const struct fp_xsk_config *fp_xsk_config(const struct fp_xsk *x)
{
	return x->cfg;
}

int fp_xsk_stats(struct fp_xsk *x, struct fp_xsk_stats *st)
{
	struct xdp_statistics ks;
	socklen_t len = sizeof(ks);
	const struct fp_xsk_counters *c = &x->c;

	memset(st, 0, sizeof(*st));
	memset(&ks, 0, sizeof(ks));
	if (getsockopt(x->fd, SOL_XDP, XDP_STATISTICS, &ks, &len))
		return -errno;
	/* Older kernels fill only the first three fields (len tells). */
	st->rx_dropped = ks.rx_dropped;
	st->rx_invalid_descs = ks.rx_invalid_descs;
	st->tx_invalid_descs = ks.tx_invalid_descs;
	st->rx_ring_full = ks.rx_ring_full;
	st->rx_fill_ring_empty_descs = ks.rx_fill_ring_empty_descs;
	st->tx_ring_empty_descs = ks.tx_ring_empty_descs;
	st->rx_packets = FP_XSK_READ(c->rx_packets);
	st->rx_bytes = FP_XSK_READ(c->rx_bytes);
	st->rx_batches = FP_XSK_READ(c->rx_batches);
	st->empty_polls = FP_XSK_READ(c->empty_polls);
	st->fill_wakeups = FP_XSK_READ(c->fill_wakeups);
	st->busy_polls = FP_XSK_READ(c->busy_polls);
	st->recycled = FP_XSK_READ(c->recycled);
	st->tx_packets = FP_XSK_READ(c->tx_packets);
	st->tx_bytes = FP_XSK_READ(c->tx_bytes);
	st->tx_wakeups = FP_XSK_READ(c->tx_wakeups);
	st->tx_ring_full = FP_XSK_READ(c->tx_ring_full);
	st->tx_dropped = FP_XSK_READ(c->tx_dropped);
	st->tx_invalid = FP_XSK_READ(c->tx_invalid);
	st->completed = FP_XSK_READ(x->q->completed);
	return 0;
}
