// SPDX-License-Identifier: MIT
/*
 * AF_XDP probes: bind a real socket to a queue in each mode and try the
 * busy-poll socket options on it.  No XDP program is loaded
 * (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): binding alone proves the mode,
 * and the interface's XDP setup stays untouched.
 *
 * The kernel releases a closed socket's hold on the queue a little later
 * (deferred work), so a bind right after a close can fail with EBUSY for
 * about a second; binds after our own first one retry through that.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/if_xdp.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "fastpath/log.h"
#include "fastpath/probe.h"
#include "fastpath/run.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define PROBE_RING	64
#define PROBE_AREA	((size_t)64 * XSK_UMEM__DEFAULT_FRAME_SIZE)
#define REBIND_WAIT_NS	(3 * 1000000000ULL)

struct xsk_probe {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
};

static void xsk_probe_close(struct xsk_probe *p)
{
	if (p->xsk)
		xsk_socket__delete(p->xsk);
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->area && p->area != MAP_FAILED)
		munmap(p->area, PROBE_AREA);
	memset(p, 0, sizeof(*p));
}

static int xsk_probe_bind(const char *ifname, uint32_t queue,
			  uint16_t bind_flags, struct xsk_probe *p)
{
	const struct xsk_umem_config ucfg = {
		.fill_size = PROBE_RING,
		.comp_size = PROBE_RING,
		.frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE,
	};
	const struct xsk_socket_config scfg = {
		.rx_size = PROBE_RING,
		.tx_size = PROBE_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = bind_flags,
	};
	int err;

	memset(p, 0, sizeof(*p));
	p->area = mmap(NULL, PROBE_AREA, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->area == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&p->umem, p->area, PROBE_AREA, &p->fill,
			       &p->comp, &ucfg);
	if (err) {
		p->umem = NULL;
		goto fail;
	}
	err = xsk_socket__create(&p->xsk, ifname, queue, p->umem, &p->rx,
				 &p->tx, &scfg);
	if (err) {
		p->xsk = NULL;
		goto fail;
	}
	return 0;
fail:
	xsk_probe_close(p);
	return err;
}

/* Bind, retrying while a socket we closed still holds the queue. */
static int xsk_probe_rebind(const char *ifname, uint32_t queue,
			    uint16_t bind_flags, struct xsk_probe *p)
{
	uint64_t end = fp_now_ns() + REBIND_WAIT_NS;
	int err;

	for (;;) {
		err = xsk_probe_bind(ifname, queue, bind_flags, p);
		if (err != -EBUSY || fp_now_ns() >= end)
			return err;
		if (fp_run_sleep_ns(50 * 1000000ULL))
			return -EINTR;
	}
}

static int try_sockopt(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_SOCKET, opt, &val, sizeof(val)) ? -errno : 0;
}

static void probe_busy_poll(struct xsk_probe *p, struct fp_xsk_caps *caps)
{
	int fd = xsk_socket__fd(p->xsk);

	caps->busy_poll_opt = "SO_PREFER_BUSY_POLL";
	caps->busy_poll = try_sockopt(fd, SO_PREFER_BUSY_POLL, 1);
	if (caps->busy_poll)
		return;
	caps->busy_poll_opt = "SO_BUSY_POLL";
	caps->busy_poll = try_sockopt(fd, SO_BUSY_POLL, 20);
	if (caps->busy_poll)
		return;
	caps->busy_poll_opt = "SO_BUSY_POLL_BUDGET";
	caps->busy_poll = try_sockopt(fd, SO_BUSY_POLL_BUDGET, 64);
	if (!caps->busy_poll)
		caps->busy_poll_opt = NULL;
}

/* libxdp warns on stderr about failures we provoke on purpose. */
static int xsk_print(enum libxdp_print_level level, const char *fmt,
		     va_list ap)
{
	if (fp_log_get_level() >= FP_LOG_TRACE)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/*
 * Copy mode and need_wakeup share one bind: a kernel without need_wakeup
 * rejects the flag with EINVAL, and then copy mode is tried alone.  Each
 * bind saved is a deferred release we do not wait for.
 */
int fp_probe_xsk(int ifindex, uint32_t queue, struct fp_xsk_caps *caps)
{
	libxdp_print_fn_t old_print;
	char ifname[IF_NAMESIZE];
	struct xsk_probe p;
	int err;

	memset(caps, 0, sizeof(*caps));
	if (!if_indextoname((unsigned int)ifindex, ifname))
		return -ENODEV;
	old_print = libxdp_set_print(xsk_print);

	err = xsk_probe_bind(ifname, queue, XDP_COPY | XDP_USE_NEED_WAKEUP, &p);
	caps->copy = caps->need_wakeup = err;
	if (err == -EINVAL) {
		err = xsk_probe_rebind(ifname, queue, XDP_COPY, &p);
		caps->copy = err;
	}
	caps->busy_poll = caps->copy;
	if (!caps->copy) {
		probe_busy_poll(&p, caps);
		xsk_probe_close(&p);
	}
	/* Someone else's socket on the queue: zero-copy cannot be tried. */
	if (caps->copy == -EBUSY) {
		caps->zerocopy = -EBUSY;
		goto out;
	}
	err = xsk_probe_rebind(ifname, queue, XDP_ZEROCOPY, &p);
	caps->zerocopy = err;
	if (!err)
		xsk_probe_close(&p);
out:
	libxdp_set_print(old_print);
	return caps->copy == -EINTR || caps->zerocopy == -EINTR ? -EINTR : 0;
}
