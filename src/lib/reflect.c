// SPDX-License-Identifier: MIT
/*
 * The reflector of the latency lab (reflect.h): xsk_steer on the
 * interface, one AF_XDP socket per queue, one worker that swaps addresses
 * and ports in place and transmits on the receiving socket.  Also the
 * shared steering and option helpers, and the kernel-socket baseline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/reflect.h"
#include "fastpath/run.h"
#include "fastpath/xdp.h"
#include "xsk_steer.skel.h"

/* --- steering ------------------------------------------------------------ */

int fp_lat_steer_attach(struct fp_lat_steer *st, int ifindex,
			struct fp_xsk_set *set)
{
	struct fp_xdp_attach_opts ao = { .mode = FP_XDP_MODE_AUTO };
	int err;

	memset(st, 0, sizeof(*st));
	st->skel = fp_xsk_steer__open();
	if (!st->skel) {
		fp_err("cannot open the xsk_steer BPF object: %s", strerror(errno));
		return -errno ? -errno : -ENOMEM;
	}
	st->skel->rodata->socks_per_queue = 1;
	/* ARP must still reach Linux, or neighbours expire mid-run. */
	st->skel->rodata->ip_only = true;
	err = fp_bpf_load(st->skel->obj, "xsk_steer");
	if (err)
		goto fail;
	/* Sockets first: a frame the program sees before its socket is in
	 * the map would go to Linux and answer with a port unreachable. */
	err = fp_xsk_set_fill_xskmap(set, bpf_map__fd(st->skel->maps.xsks));
	if (err)
		goto fail;
	err = fp_xdp_attach(st->skel->progs.xsk_steer, ifindex, &ao, &st->link);
	if (err)
		goto fail;
	return 0;
fail:
	fp_lat_steer_detach(st);
	return err;
}

void fp_lat_steer_detach(struct fp_lat_steer *st)
{
	fp_xdp_detach(st->link);
	st->link = NULL;
	fp_xsk_steer__destroy(st->skel);
	st->skel = NULL;
}

/* --- options ------------------------------------------------------------- */

int fp_lat_xsk_opt(int key, const char *arg, struct fp_xsk_config *c,
		   int *cpu)
{
	uint32_t v;

	switch (key) {
	case FP_LAT_OPT_QUEUE:
		if (fp_parse_u32(arg, 0, FP_XSK_MAX_QUEUES - 1, "--queue", &v))
			return -EINVAL;
		c->queues[0] = v;
		c->n_queues = 1;
		return 0;
	case FP_LAT_OPT_BIND:
		return fp_xsk_bind_mode_parse(arg, &c->bind);
	case FP_LAT_OPT_NO_WAKEUP:
		c->need_wakeup = false;
		return 0;
	case FP_LAT_OPT_WAIT:
		return fp_xsk_wait_parse(arg, &c->wait);
	case FP_LAT_OPT_BATCH:
		return fp_parse_u32(arg, 1, FP_XSK_MAX_BATCH, "--batch", &c->batch);
	case FP_LAT_OPT_RX_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--rx-size", &c->rx_size);
	case FP_LAT_OPT_TX_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--tx-size", &c->tx_size);
	case FP_LAT_OPT_FILL_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--fill-size", &c->fill_size);
	case FP_LAT_OPT_COMP_SIZE:
		return fp_parse_u32(arg, 1, 1u << 16, "--comp-size", &c->comp_size);
	case FP_LAT_OPT_FRAME_SIZE:
		return fp_parse_u32(arg, 2048, 4096, "--frame-size", &c->frame_size);
	case FP_LAT_OPT_BP_USECS:
		return fp_parse_u32(arg, 0, 1000000, "--busy-poll-usecs",
				    &c->busy_poll_usecs);
	case FP_LAT_OPT_BP_BUDGET:
		return fp_parse_u32(arg, 0, 65535, "--busy-poll-budget",
				    &c->busy_poll_budget);
	case FP_LAT_OPT_NAPI_DEFER:
		return fp_parse_u32(arg, 0, 1000000, "--napi-defer-hard-irqs",
				    &c->napi_defer_hard_irqs);
	case FP_LAT_OPT_GRO_FLUSH:
		if (fp_parse_u32(arg, 0, UINT32_MAX, "--gro-flush-timeout", &v))
			return -EINVAL;
		c->gro_flush_timeout_ns = v;
		return 0;
	case FP_LAT_OPT_COALESCE:
		if (fp_parse_u32(arg, 0, 1000000, "--irq-coalesce-usecs", &v))
			return -EINVAL;
		c->irq_coalesce_usecs = (int32_t)v;
		return 0;
	case FP_LAT_OPT_CPU:
		return fp_parse_cpu(arg, "--cpu", cpu);
	}
	return 1;
}

int fp_lat_xsk_json(const struct fp_xsk_config *c, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len,
		     "\"queue\":%u,\"bind\":\"%s\",\"need_wakeup\":%s,"
		     "\"wait\":\"%s\",\"batch\":%u,\"rx_size\":%u,"
		     "\"tx_size\":%u,\"fill_size\":%u,\"comp_size\":%u,"
		     "\"frame_size\":%u,\"busy_poll_usecs\":%u,"
		     "\"busy_poll_budget\":%u,\"napi_defer_hard_irqs\":%u,"
		     "\"gro_flush_timeout\":%llu,\"irq_coalesce_usecs\":%d",
		     c->queues[0], fp_xsk_bind_mode_str(c->bind),
		     c->need_wakeup ? "true" : "false", fp_xsk_wait_str(c->wait),
		     c->batch, c->rx_size, c->tx_size, c->fill_size,
		     c->comp_size, c->frame_size, c->busy_poll_usecs,
		     c->busy_poll_budget ? c->busy_poll_budget : c->batch,
		     c->napi_defer_hard_irqs,
		     (unsigned long long)c->gro_flush_timeout_ns,
		     (int)c->irq_coalesce_usecs);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* --- the frame swap ------------------------------------------------------ */

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

bool fp_reflect_frame(uint8_t *d, uint32_t len)
{
	uint32_t off = 14, l4, alen;
	uint16_t proto;
	int i;

	if (len < off)
		return false;
	proto = (uint16_t)(d[12] << 8 | d[13]);
	for (i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8); i++) {
		if (len < off + 4)
			return false;
		proto = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
		off += 4;
	}
	if (proto == 0x0800) {
		if (len < off + 20 || (d[off] >> 4) != 4 || d[off + 9] != IPPROTO_UDP)
			return false;
		l4 = off + (uint32_t)(d[off] & 0xf) * 4;
		alen = 4;
		off += 12;	/* source address */
	} else if (proto == 0x86dd) {
		/* Extension headers are not followed: UDP right after. */
		if (len < off + 40 || d[off + 6] != IPPROTO_UDP)
			return false;
		l4 = off + 40;
		alen = 16;
		off += 8;
	} else {
		return false;
	}
	if (len < l4 + 8)
		return false;
	swap_bytes(d, d + 6, 6);
	swap_bytes(d + off, d + off + alen, alen);
	swap_bytes(d + l4, d + l4 + 2, 2);
	return true;
}

/* --- the AF_XDP reflector ------------------------------------------------ */

struct fp_reflect {
	struct fp_xsk_set *set;
	struct fp_lat_steer steer;
	struct fp_xsk_workers *w;
	int cpu;
	uint64_t reflected, dropped;	/* written by the worker only */
};

static void reflect_batch(struct fp_xsk_batch *b, void *ctx, uint32_t worker)
{
	struct fp_reflect *r = ctx;
	uint64_t ok = 0;
	uint32_t i;

	(void)worker;
	for (i = 0; i < b->n; i++) {
		if (fp_reflect_frame(b->pkts[i].data, b->pkts[i].len)) {
			b->action[i] = FP_XSK_TX;
			ok++;
		}
	}
	__atomic_store_n(&r->reflected, r->reflected + ok, __ATOMIC_RELAXED);
	__atomic_store_n(&r->dropped, r->dropped + (b->n - ok), __ATOMIC_RELAXED);
}

int fp_reflect_start(const struct fp_reflect_opts *o, struct fp_reflect **out)
{
	struct fp_reflect *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cpu = o->cpu;
	err = fp_xsk_set_open(&o->xsk, &r->set);
	if (err)
		goto fail;
	err = fp_lat_steer_attach(&r->steer, o->xsk.ifindex, r->set);
	if (err)
		goto fail;
	err = fp_xsk_workers_start(r->set, o->cpu >= 0 ? &r->cpu : NULL, 1,
				   reflect_batch, r, &r->w);
	if (err) {
		fp_err("cannot start the reflector thread: %s", strerror(-err));
		goto fail;
	}
	*out = r;
	return 0;
fail:
	fp_reflect_stop(r, NULL);
	return err;
}

void fp_reflect_read(struct fp_reflect *r, struct fp_reflect_stats *st)
{
	st->reflected = __atomic_load_n(&r->reflected, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
}

bool fp_reflect_zerocopy(struct fp_reflect *r)
{
	return fp_xsk_zerocopy(fp_xsk_set_socket(r->set, 0));
}

const char *fp_reflect_xdp_mode(struct fp_reflect *r)
{
	return fp_xdp_mode_str(fp_xdp_link_mode(r->steer.link));
}

void fp_reflect_stop(struct fp_reflect *r, struct fp_reflect_stats *final)
{
	if (!r)
		return;
	fp_xsk_workers_free(r->w);
	if (final)
		fp_reflect_read(r, final);
	/* Detach first: frames must stop arriving before the sockets go. */
	fp_lat_steer_detach(&r->steer);
	fp_xsk_set_close(r->set);
	free(r);
}

/* --- the kernel baseline ------------------------------------------------- */

int fp_reflect_socket_run(uint16_t port, int cpu, uint64_t duration_ns,
			  struct fp_reflect_stats *stats)
{
	/* The timeout only bounds how late a stop is noticed. */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_storage from;
	socklen_t flen;
	uint8_t buf[9216];
	int fd, zero = 0, err = 0;
	uint64_t end = duration_ns ? fp_now_ns() + duration_ns : 0;
	ssize_t n;

	memset(stats, 0, sizeof(*stats));
	if (cpu >= 0 && fp_run_pin_cpu(cpu))
		return -EINVAL;
	/* One dual-stack socket answers IPv4 and IPv6. */
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0) {
		err = -errno;
		fp_err("cannot create a UDP socket: %s", strerror(errno));
		return err;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		fp_err("cannot bind UDP port %u: %s (is another reflector running?)",
		       port, strerror(errno));
		close(fd);
		return err;
	}
	while (!fp_run_should_stop() && !(end && fp_now_ns() >= end)) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				continue;
			err = -errno;
			fp_err("recvfrom on UDP port %u failed: %s", port, strerror(errno));
			break;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) == n)
			stats->reflected++;
		else
			stats->dropped++;
	}
	close(fd);
	return err;
}
