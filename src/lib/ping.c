// SPDX-License-Identifier: MIT
/*
 * `fastpath ping` (ping.h): rounds of B UDP packets to a reflector over an
 * AF_XDP socket (with xsk_steer on our own interface for the replies) or a
 * kernel UDP socket, every reply matched by sequence number.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <sys/sdt.h>

#include "fastpath/log.h"
#include "fastpath/neigh.h"
#include "fastpath/ping.h"
#include "fastpath/pktbuild.h"
#include "fastpath/reflect.h"
#include "fastpath/run.h"
#include "fastpath/xdp.h"

/* Below this much time left, sleeping would overshoot: spin instead. */
#define SPIN_NS 200000ULL

void fp_ping_opts_init(struct fp_ping_opts *o)
{
	memset(o, 0, sizeof(*o));
	fp_xsk_config_init(&o->xsk);
	o->xsk.batch = 1;
	o->port = 7000;
	o->sport = 7001;
	o->count = 100;
	o->interval_ns = 0;
	o->size = 64;
	o->timeout_ns = 1000000000ULL;
	o->cpu = -1;
}

void fp_ping_result_free(struct fp_ping_result *res)
{
	free(res->rtt_ns);
	res->rtt_ns = NULL;
}

static uint32_t random_tag(void)
{
	uint64_t t = fp_now_ns() ^ ((uint64_t)getpid() << 32);

	/* splitmix64 finaliser: any bit of time or pid changes the tag. */
	t = (t ^ (t >> 30)) * 0xbf58476d1ce4e5b9ULL;
	t = (t ^ (t >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(t ^ (t >> 31));
}

/* Wait until @when: sleep most of it, spin the end. */
static void wait_until(uint64_t when)
{
	uint64_t now = fp_now_ns();

	if (when > now + SPIN_NS)
		fp_run_sleep_ns(when - now - SPIN_NS);
	while (fp_now_ns() < when && !fp_run_should_stop())
		;
}

/*
 * A reply: record its round trip.  Returns true when it is ours (matched
 * or a duplicate), false for a foreign frame.
 */
static bool match(struct fp_ping_result *res, const uint64_t *send_ts,
		  uint32_t tag, const struct fp_ping_hdr *h, uint64_t t_rx)
{
	uint32_t seq;

	if (h->tag != tag || h->seq >= res->n_rtt || !send_ts[h->seq])
		return false;
	seq = h->seq;
	if (res->rtt_ns[seq]) {
		res->dup++;
		return true;
	}
	/* 0 means "no reply": a round trip is at least 1 ns. */
	res->rtt_ns[seq] = t_rx > send_ts[seq] ? t_rx - send_ts[seq] : 1;
	fp_hist_record(&res->hist, res->rtt_ns[seq]);
	res->received++;
	DTRACE_PROBE2(fastpath, ping_recv, seq, t_rx);
	return true;
}

/* --- AF_XDP -------------------------------------------------------------- */

static int iface_mac_ip(int ifindex, uint8_t mac[6], struct fp_addr *ip)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	struct ifreq ifr;
	int fd, err;

	if (!if_indextoname((unsigned int)ifindex, name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	err = ioctl(fd, SIOCGIFHWADDR, &ifr) ? -errno : 0;
	close(fd);
	if (err) {
		fp_err("cannot read the MAC address of %s: %s", name, strerror(-err));
		return err;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (getifaddrs(&ifa))
		return -errno;
	err = -EADDRNOTAVAIL;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, name))
			continue;
		memset(ip, 0, sizeof(*ip));
		ip->family = AF_INET;
		ip->v4 = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		err = 0;
		break;
	}
	freeifaddrs(ifa);
	if (err)
		fp_err("%s has no IPv4 address: add one (ip addr add ... dev %s)",
		       name, name);
	return err;
}

/* Offset of the UDP payload in one of our replies, or 0. */
static uint32_t reply_payload(const uint8_t *d, uint32_t len, uint16_t port)
{
	uint32_t l4;

	if (len < 14 + 20 + 8 + sizeof(struct fp_ping_hdr) ||
	    d[12] != 0x08 || d[13] != 0x00 || (d[14] >> 4) != 4 ||
	    d[14 + 9] != IPPROTO_UDP)
		return 0;
	l4 = 14 + (uint32_t)(d[14] & 0xf) * 4;
	if (len < l4 + 8 + sizeof(struct fp_ping_hdr) ||
	    (uint16_t)(d[l4 + 2] << 8 | d[l4 + 3]) != port)
		return 0;
	return l4 + 8;
}

struct xdp_ping {
	const struct fp_ping_opts *o;
	struct fp_ping_result *res;
	struct fp_xsk *x;
	uint8_t tmpl[FP_PKT_MAX_FRAME];
	uint32_t payload_off;
	uint32_t tag;
	uint64_t *send_ts;
};

/* Receive what is there; returns replies of [lo, hi) matched. */
static uint32_t xdp_collect(struct xdp_ping *p, uint64_t lo, uint64_t hi)
{
	struct fp_xsk_pkt rx[FP_XSK_MAX_BATCH];
	struct fp_ping_hdr h;
	uint32_t n, i, off, got = 0;
	uint64_t t_rx, before;

	n = fp_xsk_rx(p->x, rx, FP_XSK_MAX_BATCH);
	t_rx = fp_now_ns();
	for (i = 0; i < n; i++) {
		off = reply_payload(rx[i].data, rx[i].len, p->o->sport);
		if (!off) {
			p->res->foreign++;
			continue;
		}
		memcpy(&h, rx[i].data + off, sizeof(h));
		before = p->res->received;
		if (!match(p->res, p->send_ts, p->tag, &h, t_rx))
			p->res->foreign++;
		else if (p->res->received > before && h.seq >= lo && h.seq < hi)
			got++;
	}
	if (n)
		fp_xsk_recycle(p->x, rx, n);
	return got;
}

static int xdp_round(struct xdp_ping *p, uint64_t seq0, uint32_t want)
{
	struct fp_xsk_pkt tx[FP_XSK_MAX_BATCH];
	struct fp_ping_hdr h = { .tag = p->tag };
	uint32_t n, i, queued, pending, got;
	uint64_t t, deadline;
	int r;

	fp_xsk_complete(p->x);
	n = fp_xsk_alloc_tx(p->x, tx, want);
	if (n < want) {
		if (n)
			fp_xsk_recycle(p->x, tx, n);
		fp_err("ping: no free AF_XDP frame to send (raise --fill-size or lower --batch)");
		return -ENOBUFS;
	}
	for (i = 0; i < n; i++) {
		memcpy(tx[i].data, p->tmpl, p->o->size);
		h.seq = (uint32_t)(seq0 + i);
		h.ts_ns = fp_now_ns();
		memcpy(tx[i].data + p->payload_off, &h, sizeof(h));
		tx[i].len = p->o->size;
	}
	/* The send time: right before the ring write and kick. */
	t = fp_now_ns();
	for (i = 0; i < n; i++) {
		p->send_ts[seq0 + i] = t;
		DTRACE_PROBE2(fastpath, ping_send, seq0 + i, t);
	}
	queued = fp_xsk_tx(p->x, tx, n);
	/* fp_xsk_tx() queues in order: the ones after @queued never left. */
	for (i = queued; i < n; i++)
		p->send_ts[seq0 + i] = 0;
	p->res->sent += queued;
	pending = queued;
	deadline = t + p->o->timeout_ns;
	while (pending && !fp_run_should_stop()) {
		r = fp_xsk_wait(p->x);
		if (r < 0 && r != -EINTR) {
			fp_err("ping: waiting for replies failed: %s", strerror(-r));
			return r;
		}
		got = xdp_collect(p, seq0, seq0 + queued);
		pending -= got < pending ? got : pending;
		fp_xsk_complete(p->x);
		if (fp_now_ns() >= deadline)
			break;
	}
	return 0;
}

static int xdp_build_template(struct xdp_ping *p)
{
	const struct fp_ping_opts *o = p->o;
	struct fp_pkt_spec spec = { 0 };
	struct fp_pkt_layout lay;
	struct fp_addr src;
	int err;

	err = iface_mac_ip(o->xsk.ifindex, spec.src_mac, &src);
	if (err)
		return err;
	if (o->have_dst_mac) {
		memcpy(spec.dst_mac, o->dst_mac, 6);
	} else {
		err = fp_neigh_resolve(o->xsk.ifindex, &o->dst, 1000, spec.dst_mac);
		if (err)
			return err;
	}
	spec.src = src;
	spec.dst = o->dst;
	spec.proto = IPPROTO_UDP;
	spec.sport = o->sport;
	spec.dport = o->port;
	spec.frame_len = (uint16_t)o->size;
	err = fp_pkt_build(&spec, p->tmpl, sizeof(p->tmpl), &lay);
	if (err) {
		fp_err("ping: cannot build a %u-byte frame: %s", o->size,
		       strerror(-err));
		return err;
	}
	/* The payload changes per packet; a zero UDP checksum ("none") is
	 * valid for IPv4 and saves summing every frame. */
	p->tmpl[lay.l4_off + 6] = 0;
	p->tmpl[lay.l4_off + 7] = 0;
	p->payload_off = lay.payload_off;
	return 0;
}

static int ping_xdp(const struct fp_ping_opts *o, struct fp_ping_result *res,
		    uint64_t *send_ts)
{
	struct fp_lat_steer steer = { 0 };
	struct fp_xsk_set *set = NULL;
	struct xdp_ping *p;
	uint64_t seq = 0, next;
	uint32_t want;
	int err;

	if (o->dst.family != AF_INET) {
		fp_err("ping: AF_XDP mode sends IPv4 only: give an IPv4 --dst-ip, or use --socket");
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->o = o;
	p->res = res;
	p->tag = random_tag();
	p->send_ts = send_ts;
	err = xdp_build_template(p);
	if (err)
		goto out;
	err = fp_xsk_set_open(&o->xsk, &set);
	if (err)
		goto out;
	p->x = fp_xsk_set_socket(set, 0);
	res->zerocopy = fp_xsk_zerocopy(p->x);
	err = fp_lat_steer_attach(&steer, o->xsk.ifindex, set);
	if (err)
		goto out;
	res->xdp_mode = fp_xdp_mode_str(fp_xdp_link_mode(steer.link));
	next = fp_now_ns();
	while (seq < o->count && !fp_run_should_stop()) {
		if (o->interval_ns) {
			wait_until(next);
			next += o->interval_ns;
		}
		want = o->count - seq < o->xsk.batch ? (uint32_t)(o->count - seq)
						      : o->xsk.batch;
		err = xdp_round(p, seq, want);
		if (err)
			break;
		seq += want;
	}
	/* Let the TX ring drain so no frame is in flight at close. */
	fp_xsk_complete(p->x);
out:
	res->stopped = fp_run_should_stop();
	fp_lat_steer_detach(&steer);
	fp_xsk_set_close(set);
	free(p);
	return err;
}

/* --- kernel socket ------------------------------------------------------- */

static int ping_socket(const struct fp_ping_opts *o, struct fp_ping_result *res,
		       uint64_t *send_ts)
{
	struct sockaddr_storage ss = { 0 };
	struct fp_ping_hdr h;
	uint8_t buf[FP_PKT_MAX_FRAME];
	uint32_t hdrs, plen, i, want, pending, tag = random_tag();
	uint64_t seq = 0, next, t, deadline, before, left;
	socklen_t slen;
	ssize_t n;
	struct pollfd pfd;
	int fd, err = 0;

	if (o->dst.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(o->port);
		a->sin_addr = o->dst.v4;
		slen = sizeof(*a);
		hdrs = 14 + 20 + 8;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(o->port);
		a->sin6_addr = o->dst.v6;
		slen = sizeof(*a);
		hdrs = 14 + 40 + 8;
	}
	/* --size is the frame length in both modes, so they compare. */
	plen = o->size > hdrs + sizeof(h) ? o->size - hdrs : sizeof(h);
	memset(buf, 0, sizeof(buf));
	fd = socket(o->dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		fp_err("ping: cannot create a UDP socket: %s", strerror(errno));
		return err;
	}
	if (connect(fd, (struct sockaddr *)&ss, slen)) {
		err = -errno;
		fp_err("ping: cannot connect a UDP socket to the destination: %s",
		       strerror(errno));
		goto out;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	next = fp_now_ns();
	while (seq < o->count && !fp_run_should_stop()) {
		if (o->interval_ns) {
			wait_until(next);
			next += o->interval_ns;
		}
		want = o->count - seq < o->xsk.batch ? (uint32_t)(o->count - seq)
						      : o->xsk.batch;
		pending = 0;
		h.tag = tag;
		t = 0;
		for (i = 0; i < want; i++) {
			h.seq = (uint32_t)(seq + i);
			h.ts_ns = fp_now_ns();
			memcpy(buf, &h, sizeof(h));
			t = fp_now_ns();
			send_ts[seq + i] = t;
			DTRACE_PROBE2(fastpath, ping_send, seq + i, t);
			if (send(fd, buf, plen, 0) != (ssize_t)plen) {
				/* ECONNREFUSED: an ICMP error of an earlier
				 * packet; this one did not leave. */
				send_ts[seq + i] = 0;
				continue;
			}
			res->sent++;
			pending++;
		}
		deadline = (t ? t : fp_now_ns()) + o->timeout_ns;
		while (pending && !fp_run_should_stop()) {
			t = fp_now_ns();
			if (t >= deadline)
				break;
			left = deadline - t;
			/* --wait spin: the client never sleeps (as the
			 * AF_XDP client spins); otherwise poll() bounds the
			 * wait by the round's deadline. */
			if (o->xsk.wait != FP_XSK_WAIT_SPIN &&
			    poll(&pfd, 1, (int)((left + 999999) / 1000000)) <= 0)
				continue;
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			t = fp_now_ns();
			if (n < (ssize_t)sizeof(h))
				continue;	/* an ICMP error, or a runt */
			memcpy(&h, buf, sizeof(h));
			before = res->received;
			if (!match(res, send_ts, tag, &h, t))
				res->foreign++;
			else if (res->received > before && h.seq >= seq &&
				 h.seq < seq + want)
				pending--;
		}
		seq += want;
	}
out:
	res->stopped = fp_run_should_stop();
	close(fd);
	return err;
}

int fp_ping_run(const struct fp_ping_opts *o, struct fp_ping_result *res)
{
	uint64_t *send_ts;
	int err;

	memset(res, 0, sizeof(*res));
	fp_hist_init(&res->hist);
	if (o->size < FP_PING_MIN_SIZE || o->size > FP_PKT_MAX_FRAME) {
		fp_err("--size must be %u..%u bytes", FP_PING_MIN_SIZE,
		       FP_PKT_MAX_FRAME);
		return -EINVAL;
	}
	if (o->count > UINT32_MAX) {
		fp_err("--count must be at most %u", UINT32_MAX);
		return -EINVAL;
	}
	res->rtt_ns = calloc(o->count, sizeof(*res->rtt_ns));
	send_ts = calloc(o->count, sizeof(*send_ts));
	if (!res->rtt_ns || !send_ts) {
		free(send_ts);
		fp_ping_result_free(res);
		fp_err("ping: no memory for %llu samples",
		       (unsigned long long)o->count);
		return -ENOMEM;
	}
	res->n_rtt = o->count;
	if (o->cpu >= 0) {
		err = fp_run_pin_cpu(o->cpu);
		if (err)
			goto out;
	}
	err = o->socket ? ping_socket(o, res, send_ts)
			: ping_xdp(o, res, send_ts);
	res->lost = res->sent - res->received;
out:
	free(send_ts);
	return err;
}
