// SPDX-License-Identifier: MIT
/*
 * The AF_XDP runtime (fastpath/xsk.h) with real sockets on veths.
 *
 * The process creates namespace fp-test-xsk-<pid> and forks: the child
 * enters it, mounts its own sysfs there (as `ip netns exec` does, so
 * /sys/class/net shows the test's devices), builds two veth pairs with two
 * queues each (xa0-xb0 and xc0-xd0, GRO on after they are up, IPv6 off so
 * Linux sends nothing of its own) and runs the tests.  The parent only
 * waits and deletes the namespace, so the namespace, the veths and the
 * XDP programs (links owned by the child) go away even when a test fails
 * or the child crashes.
 *
 * Frames are real: a raw AF_PACKET socket on the peer sends them with
 * PACKET_QDISC_BYPASS from a thread pinned to a CPU (veth then picks RX
 * queue CPU % queues), and an AF_PACKET socket on the peer receives what
 * the sockets transmit.  Every frame carries a sequence number and a
 * pattern derived from it, so each one is checked byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/napi_tune.h"
#include "fastpath/netns.h"
#include "fastpath/run.h"
#include "fastpath/xdp.h"
#include "fastpath/xsk.h"
#include "xsk_steer.skel.h"
#include "lib/capture.h"

#define NS_PER_S	1000000000ULL
#define MAGIC		0x46505853u	/* "FPXS" */
#define HDR_LEN		(14 + 20 + 8)	/* Ethernet, IPv4, UDP */
#define SEQ_OFF		(HDR_LEN + 4)
#define MARK_OFF	(HDR_LEN + 8)	/* written by forwarders in place */

static char ns_name[32];
static int ifa, ifb, ifc, ifd;	/* xa0, xb0, xc0, xd0 */
static const uint8_t mac_a[6] = { 0x02, 0xfa, 0x77, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0xfa, 0x77, 0, 0, 0x0b };

/* --- helpers: commands, stderr capture ----------------------------------- */

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st)
		fprintf(stderr, "command failed (%d): %s\n", st, cmd);
	return st;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtol(buf, NULL, 10);
	close(fd);
	return v;
}

/* --- frames ----------------------------------------------------------------- */

static uint32_t frame_len(uint32_t seq)
{
	return 60 + (seq * 37) % 940;	/* 60..999 bytes */
}

/* The frame the peer sends with sequence number @seq. */
static uint32_t build_frame(uint8_t *f, uint32_t seq)
{
	uint32_t len = frame_len(seq), i, v;

	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	f[12] = 0x08;		/* IPv4 */
	f[13] = 0x00;
	memset(f + 14, 0, 28);
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[22] = 64;
	f[23] = 17;		/* UDP */
	f[26] = 198; f[27] = 18; f[28] = 0; f[29] = 1;
	f[30] = 198; f[31] = 18; f[32] = 0; f[33] = 2;
	f[35] = 9;
	f[37] = 9;
	f[38] = (uint8_t)((len - 34) >> 8);
	f[39] = (uint8_t)(len - 34);
	v = htonl(MAGIC);
	memcpy(f + HDR_LEN, &v, 4);
	v = htonl(seq);
	memcpy(f + SEQ_OFF, &v, 4);
	for (i = MARK_OFF; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	return len;
}

/* Sequence number of one of our frames, or -1. */
static int64_t frame_seq(const uint8_t *f, uint32_t len)
{
	uint32_t v;

	if (len < MARK_OFF + 1)
		return -1;
	memcpy(&v, f + HDR_LEN, 4);
	if (ntohl(v) != MAGIC)
		return -1;
	memcpy(&v, f + SEQ_OFF, 4);
	return ntohl(v);
}

/* Exactly the frame sent with its sequence number? */
static bool frame_ok(const uint8_t *f, uint32_t len)
{
	uint8_t want[2048];
	int64_t seq = frame_seq(f, len);

	return seq >= 0 && build_frame(want, (uint32_t)seq) == len &&
	       !memcmp(want, f, len);
}

static void swap_macs(uint8_t *f)
{
	uint8_t t[6];

	memcpy(t, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, t, 6);
}

/* --- the peer: send and receive with AF_PACKET ------------------------------ */

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int fd, one = 1, big = 16 << 20;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(fd >= 0);
	/* Queue chosen by the sending CPU (veth), not by a flow hash. */
	assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
				    sizeof(one)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

struct sender {
	int ifindex;
	int cpu;
	uint32_t first, n;
	uint64_t bytes;
	uint32_t sent;
	pthread_t t;
};

static void *send_main(void *arg)
{
	struct sender *s = arg;
	uint64_t end = fp_now_ns() + 10 * NS_PER_S;
	uint8_t f[2048];
	uint32_t i, len;
	cpu_set_t set;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		return NULL;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return NULL;
	{
		struct sockaddr_ll sll = {
			.sll_family = AF_PACKET,
			.sll_protocol = htons(ETH_P_ALL),
			.sll_ifindex = s->ifindex,
		};
		int one = 1;

		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
		bind(fd, (struct sockaddr *)&sll, sizeof(sll));
	}
	for (i = 0; i < s->n && fp_now_ns() < end; ) {
		len = build_frame(f, s->first + i);
		if (send(fd, f, len, 0) == (ssize_t)len) {
			s->bytes += len;
			s->sent++;
			i++;
		} else if (errno == ENOBUFS || errno == EAGAIN ||
			   errno == EBUSY) {
			usleep(100);	/* the device queue is full: retry */
		} else {
			break;
		}
	}
	close(fd);
	return NULL;
}

static void send_start(struct sender *s, int ifindex, int cpu,
		       uint32_t first, uint32_t n)
{
	memset(s, 0, sizeof(*s));
	s->ifindex = ifindex;
	s->cpu = cpu;
	s->first = first;
	s->n = n;
	assert_int_equal(pthread_create(&s->t, NULL, send_main, s), 0);
}

static void send_join(struct sender *s)
{
	pthread_join(s->t, NULL);
	assert_int_equal(s->sent, s->n);
}

/* Send and wait: n frames from @cpu on @ifindex. */
static uint64_t send_frames(int ifindex, int cpu, uint32_t first, uint32_t n)
{
	struct sender s;

	send_start(&s, ifindex, cpu, first, n);
	send_join(&s);
	return s.bytes;
}

enum xform { XF_NONE, XF_SWAP, XF_SWAP_MARK };

struct peer_result {
	uint32_t ok, bad, other;
	uint64_t bytes;
};

/*
 * Receive on a peer socket until @want of our frames arrived (each
 * compared with what was sent, transformed by @xf), or 2 s pass without
 * any, or 10 s in all.
 */
static struct peer_result peer_collect(int fd, uint32_t want, enum xform xf)
{
	uint64_t end = fp_now_ns() + 10 * NS_PER_S, quiet = fp_now_ns() + 2 * NS_PER_S;
	struct peer_result r = { 0 };
	uint8_t buf[4096], exp[2048];

	while (r.ok + r.bad < want && fp_now_ns() < end && fp_now_ns() < quiet) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;
		int64_t seq;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		quiet = fp_now_ns() + 2 * NS_PER_S;
		seq = frame_seq(buf, (uint32_t)n);
		if (seq < 0) {
			r.other++;
			continue;
		}
		build_frame(exp, (uint32_t)seq);
		if (xf != XF_NONE)
			swap_macs(exp);
		if (xf == XF_SWAP_MARK)
			exp[MARK_OFF] = 0xee;
		if ((uint32_t)n == frame_len((uint32_t)seq) &&
		    !memcmp(exp, buf, (size_t)n)) {
			r.ok++;
			r.bytes += (uint64_t)n;
		} else {
			r.bad++;
		}
	}
	return r;
}

/* --- the rig: steering program, set, workers; torn down after each test --- */

struct rig {
	struct fp_xsk_steer *steer;
	struct fp_xdp_link *link;
	struct fp_xsk_set *set;
	struct fp_xsk_workers *w;
	int peer_fd;
};

static struct rig rig;

static void rig_steer(int ifindex, uint32_t spq, uint32_t map_size)
{
	struct fp_xdp_attach_opts o = { .mode = FP_XDP_MODE_NATIVE };

	rig.steer = fp_xsk_steer__open();
	assert_non_null(rig.steer);
	rig.steer->rodata->socks_per_queue = spq;
	rig.steer->rodata->ip_only = true;
	if (map_size)
		assert_int_equal(bpf_map__set_max_entries(rig.steer->maps.xsks,
							  map_size), 0);
	assert_int_equal(fp_bpf_load(rig.steer->obj, "xsk_steer"), 0);
	assert_int_equal(fp_xdp_attach(rig.steer->progs.xsk_steer, ifindex, &o,
				       &rig.link), 0);
}

static void rig_open(const struct fp_xsk_config *c)
{
	assert_int_equal(fp_xsk_set_open(c, &rig.set), 0);
	assert_non_null(rig.set);
}

static int rig_teardown(void **state)
{
	fp_xsk_workers_free(rig.w);
	fp_xdp_detach(rig.link);
	fp_xsk_set_close(rig.set);
	fp_xsk_steer__destroy(rig.steer);
	if (rig.peer_fd > 0)
		close(rig.peer_fd);
	memset(&rig, 0, sizeof(rig));
	return 0;
}

static void base_config(struct fp_xsk_config *c, int ifindex)
{
	fp_xsk_config_init(c);
	c->ifindex = ifindex;
	c->bind = FP_XSK_BIND_COPY;
	c->check_frames = true;
	c->poll_timeout_ms = 100;
}

/* After the data path stopped: nothing held, nothing in flight, no
 * error; every frame is free or waiting on a fill ring for RX. */
static void assert_frames_home(struct fp_xsk_set *s)
{
	struct fp_xsk_frame_count fc;

	assert_int_equal(fp_xsk_set_frames(s, &fc), 0);
	assert_int_equal(fc.errors, 0);
	assert_int_equal(fc.app, 0);
	assert_int_equal(fc.tx, 0);
	assert_int_equal(fc.free + fc.rx_kernel, fc.total);
	assert_true(fc.free > 0);
}

/* The batch function of most tests. */
struct counts {
	atomic_uint_fast64_t pkts[FP_XSK_MAX_SOCKETS];
	atomic_uint_fast64_t bytes, bad, inits, iters, exits;
	enum fp_xsk_action act;
	struct fp_xsk *to;
	enum xform xf;
};

static void count_fn(struct fp_xsk_batch *b, void *ctx, uint32_t worker)
{
	struct counts *c = ctx;
	uint64_t bytes = 0;
	uint32_t i;

	for (i = 0; i < b->n; i++) {
		struct fp_xsk_pkt *p = &b->pkts[i];

		if (!frame_ok(p->data, p->len))
			atomic_fetch_add(&c->bad, 1);
		bytes += p->len;
		if (c->xf != XF_NONE)
			swap_macs(p->data);
		if (c->xf == XF_SWAP_MARK)
			p->data[MARK_OFF] = 0xee;	/* in place: no copy */
		b->action[i] = (uint8_t)c->act;
		b->out[i] = c->to;
	}
	atomic_fetch_add(&c->pkts[fp_xsk_index(b->rx)], b->n);
	atomic_fetch_add(&c->bytes, bytes);
}

static void hook_init(void *ctx, uint32_t w) { atomic_fetch_add(&((struct counts *)ctx)->inits, 1); }
static void hook_iter(void *ctx, uint32_t w) { atomic_fetch_add(&((struct counts *)ctx)->iters, 1); }
static void hook_exit(void *ctx, uint32_t w) { atomic_fetch_add(&((struct counts *)ctx)->exits, 1); }

static uint64_t counted(struct counts *c)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < FP_XSK_MAX_SOCKETS; i++)
		n += atomic_load(&c->pkts[i]);
	return n;
}

/* Wait until the workers counted @want frames (bounded). */
static void wait_counted(struct counts *c, uint64_t want)
{
	uint64_t end = fp_now_ns() + 10 * NS_PER_S;

	while (counted(c) < want && fp_now_ns() < end)
		usleep(1000);
}

/* --- tests -------------------------------------------------------------------- */

static const char *const bad_configs[] = {
	"--batch must be 1..256",
	"--batch must be 1..256",
	"--frame-size must be 2048 or 4096",
	"--rx-size must be a power of 2",
	"--fill-size must be a power of 2",
	"--sockets-per-queue must be 1..16",
	"--queues: queue 0 is listed twice",
	"--headroom must be below 1792",
	"--frames must be 64..1048576",
	"--iface: no interface given",
	"--busy-poll-usecs must be 1..1000000 with --wait busypoll",
	"--poll-timeout must be -1",
};

static void make_bad(struct fp_xsk_config *c, size_t i)
{
	switch (i) {
	case 0: c->batch = 0; break;
	case 1: c->batch = 257; break;
	case 2: c->frame_size = 3000; break;
	case 3: c->rx_size = 1000; break;
	case 4: c->fill_size = 8; break;
	case 5: c->sockets_per_queue = 0; break;
	case 6: c->n_queues = 2; c->queues[1] = 0; break;
	case 7: c->headroom = 1792; break;
	case 8: c->frames_per_socket = 10; break;
	case 9: c->ifindex = 0; break;
	case 10: c->wait = FP_XSK_WAIT_BUSYPOLL; c->busy_poll_usecs = 0; break;
	case 11: c->poll_timeout_ms = -2; break;
	}
}

static void test_config_check(void **state)
{
	struct fp_xsk_config c;
	struct capture cap;
	enum fp_xsk_wait w;
	enum fp_xsk_bind_mode m;
	const char *err;
	size_t i;

	base_config(&c, ifa);
	assert_int_equal(fp_xsk_config_check(&c), 0);
	for (i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		base_config(&c, ifa);
		make_bad(&c, i);
		capture_start(&cap);
		assert_int_equal(fp_xsk_config_check(&c), -EINVAL);
		err = capture_end(&cap);
		assert_int_equal(count_lines(err), 1);
		if (!strstr(err, bad_configs[i]))
			fail_msg("case %zu: got '%s', want '%s'", i, err, bad_configs[i]);
	}
	/* A queue the device does not have: found at open, nothing made. */
	base_config(&c, ifa);
	c.queues[0] = 5;
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_open(&c, &rig.set), -EINVAL);
	err = capture_end(&cap);
	assert_null(rig.set);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "--queues: xa0 has 2 queues (0..1); queue 5 does not exist"));

	assert_int_equal(fp_xsk_wait_parse("busy-poll", &w), 0);
	assert_int_equal(w, FP_XSK_WAIT_BUSYPOLL);
	assert_int_equal(fp_xsk_bind_mode_parse("zc", &m), 0);
	assert_int_equal(m, FP_XSK_BIND_ZEROCOPY);
	capture_start(&cap);
	assert_int_equal(fp_xsk_wait_parse("sleep", &w), -EINVAL);
	err = capture_end(&cap);
	assert_non_null(strstr(err, "--wait: 'sleep' is not a mode; use spin, poll or busypoll"));
}

/* Copy mode RX through the plain API: N in, exactly N out, same bytes. */
static void test_copy_rx(void **state)
{
	const uint32_t N = 1000;
	struct fp_xsk_pkt pkts[64];
	struct fp_xsk_config c;
	struct fp_xsk_stats st;
	struct fp_xsk *x;
	struct sender s;
	uint64_t bytes = 0, end;
	uint32_t got = 0, bad = 0, n, i;

	base_config(&c, ifa);
	rig_steer(ifa, 1, 0);
	rig_open(&c);
	assert_int_equal(fp_xsk_set_count(rig.set), 1);
	x = fp_xsk_set_socket(rig.set, 0);
	assert_false(fp_xsk_zerocopy(x));
	assert_int_equal(fp_xsk_queue(x), 0);
	assert_int_equal(fp_xsk_ifindex(x), ifa);
	assert_int_equal(fp_xsk_set_fill_xskmap(rig.set,
			 bpf_map__fd(rig.steer->maps.xsks)), 0);

	send_start(&s, ifb, 0, 0, N);	/* CPU 0: queue 0 */
	end = fp_now_ns() + 10 * NS_PER_S;
	while (got < N && fp_now_ns() < end) {
		assert_true(fp_xsk_wait(x) >= 0);
		n = fp_xsk_rx(x, pkts, 64);
		for (i = 0; i < n; i++) {
			bad += !frame_ok(pkts[i].data, pkts[i].len);
			bytes += pkts[i].len;
		}
		fp_xsk_recycle(x, pkts, n);
		got += n;
	}
	send_join(&s);
	usleep(20000);		/* nothing more may come */
	got += n = fp_xsk_rx(x, pkts, 64);
	fp_xsk_recycle(x, pkts, n);
	assert_int_equal(got, N);
	assert_int_equal(bad, 0);
	assert_int_equal(bytes, s.bytes);

	assert_int_equal(fp_xsk_stats(x, &st), 0);
	assert_int_equal(st.rx_packets, N);
	assert_int_equal(st.rx_bytes, s.bytes);
	assert_int_equal(st.recycled, N);
	assert_int_equal(st.rx_dropped, 0);
	assert_int_equal(st.rx_ring_full, 0);
	assert_int_equal(st.rx_invalid_descs, 0);
	assert_true(st.rx_batches >= 1 && st.rx_batches <= N);
	assert_frames_home(rig.set);
}

/* TX: frames written by the application arrive on the peer, exactly. */
static void test_tx_to_peer(void **state)
{
	const uint32_t N = 600;
	struct fp_xsk_pkt pkts[64];
	struct fp_xsk_frame_count fc;
	struct fp_xsk_config c;
	struct fp_xsk_stats st;
	struct peer_result r;
	struct fp_xsk *x;
	uint32_t sent = 0, n, i;
	uint64_t end;

	base_config(&c, ifa);
	rig_open(&c);
	x = fp_xsk_set_socket(rig.set, 0);
	rig.peer_fd = packet_socket(ifb);
	while (sent < N) {
		n = fp_xsk_alloc_tx(x, pkts, N - sent < 64 ? N - sent : 64);
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(pkts[i].len, 2048);
			pkts[i].len = build_frame(pkts[i].data, sent + i);
			swap_macs(pkts[i].data);	/* as if reflected */
		}
		assert_int_equal(fp_xsk_tx(x, pkts, n), n);
		sent += n;
		fp_xsk_complete(x);
	}
	end = fp_now_ns() + 5 * NS_PER_S;
	do {
		fp_xsk_kick(x);
		fp_xsk_complete(x);
		assert_int_equal(fp_xsk_set_frames(rig.set, &fc), 0);
	} while (fc.tx && fp_now_ns() < end);
	r = peer_collect(rig.peer_fd, N, XF_SWAP);
	assert_int_equal(r.ok, N);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.other, 0);
	assert_int_equal(fp_xsk_stats(x, &st), 0);
	assert_int_equal(st.tx_packets, N);
	assert_int_equal(st.tx_bytes, r.bytes);
	assert_int_equal(st.completed, N);
	assert_int_equal(st.tx_invalid_descs, 0);
	assert_true(st.tx_wakeups > 0);		/* copy mode: sendto drives TX */
	assert_frames_home(rig.set);
}

/* A TX ring far smaller than a batch, and frames that are not valid. */
static void test_tx_ring_full_and_invalid(void **state)
{
	const uint32_t N = 500;
	struct fp_xsk_pkt pkts[N], bad[2];
	struct fp_xsk_config c;
	struct fp_xsk_stats st;
	struct peer_result r;
	struct fp_xsk *x;
	uint32_t got = 0, i, done;
	uint64_t end;

	base_config(&c, ifa);
	c.tx_size = 16;
	rig_open(&c);
	x = fp_xsk_set_socket(rig.set, 0);
	rig.peer_fd = packet_socket(ifb);
	while (got < N) {
		uint32_t n = fp_xsk_alloc_tx(x, pkts + got, N - got);

		assert_true(n > 0);
		got += n;
	}
	for (i = 0; i < N; i++) {
		pkts[i].len = build_frame(pkts[i].data, i);
		swap_macs(pkts[i].data);
	}
	/* 500 frames through a ring of 16: pushed as the kernel drains. */
	done = fp_xsk_tx(x, pkts, N);
	assert_int_equal(fp_xsk_stats(x, &st), 0);
	assert_int_equal(done + st.tx_dropped, N);
	assert_true(st.tx_ring_full > 0);
	r = peer_collect(rig.peer_fd, done, XF_SWAP);
	assert_int_equal(r.ok, done);
	assert_int_equal(r.bad, 0);
	assert_true(done >= N / 2);

	/* Invalid descriptors never reach the kernel (whose answer would be
	 * to lose the frame): they come back, counted. */
	assert_int_equal(fp_xsk_alloc_tx(x, bad, 2), 2);
	bad[0].len = 0;
	bad[1].data += 2000;	/* runs past the end of its frame */
	bad[1].len = 100;
	assert_int_equal(fp_xsk_tx(x, bad, 2), 0);
	assert_int_equal(fp_xsk_stats(x, &st), 0);
	assert_int_equal(st.tx_invalid, 2);
	assert_int_equal(st.tx_invalid_descs, 0);
	end = fp_now_ns() + 5 * NS_PER_S;
	do {
		fp_xsk_kick(x);
		fp_xsk_complete(x);
		assert_int_equal(fp_xsk_stats(x, &st), 0);
	} while (st.completed < done && fp_now_ns() < end);
	assert_frames_home(rig.set);
}

/* A reflector on a worker: every frame comes back, MACs swapped. */
static void test_reflector(void **state)
{
	const uint32_t N = 1000;
	static struct counts cnt;
	struct fp_xsk_workers_opts o;
	struct fp_xsk_config c;
	struct peer_result r;
	int cpu = 1;

	memset(&cnt, 0, sizeof(cnt));
	cnt.act = FP_XSK_TX;
	cnt.xf = XF_SWAP;
	base_config(&c, ifa);
	rig_steer(ifa, 1, 0);
	rig_open(&c);
	assert_int_equal(fp_xsk_set_fill_xskmap(rig.set,
			 bpf_map__fd(rig.steer->maps.xsks)), 0);
	rig.peer_fd = packet_socket(ifb);
	memset(&o, 0, sizeof(o));
	o.cpus = &cpu;
	o.n_workers = 1;
	o.fn = count_fn;
	o.ctx = &cnt;
	o.thread_init = hook_init;
	o.iteration = hook_iter;
	o.thread_exit = hook_exit;
	assert_int_equal(fp_xsk_workers_start_opts(rig.set, &o, &rig.w), 0);
	assert_int_equal(fp_xsk_workers_owner(rig.w, fp_xsk_set_socket(rig.set, 0)), 0);

	send_frames(ifb, 0, 0, N);
	r = peer_collect(rig.peer_fd, N, XF_SWAP);
	assert_int_equal(r.ok, N);
	assert_int_equal(r.bad, 0);
	assert_int_equal(counted(&cnt), N);
	assert_int_equal(atomic_load(&cnt.bad), 0);
	fp_xsk_workers_stop(rig.w);
	fp_xsk_workers_stop(rig.w);	/* idempotent */
	assert_int_equal(atomic_load(&cnt.inits), 1);
	assert_int_equal(atomic_load(&cnt.exits), 1);
	assert_true(atomic_load(&cnt.iters) > 0);
	assert_true(fp_xsk_workers_iterations(rig.w, 0) > 0);
	assert_frames_home(rig.set);
}

/* AUTO on veth: copy mode, one warning for the whole interface. */
static void test_auto_falls_back_to_copy(void **state)
{
	struct fp_xsk_config c;
	struct capture cap;
	const char *err;
	uint32_t i;

	base_config(&c, ifa);
	c.bind = FP_XSK_BIND_AUTO;
	c.n_queues = 2;
	c.queues[1] = 1;
	c.sockets_per_queue = 2;
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_open(&c, &rig.set), 0);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "fastpath: warning: xa0: AF_XDP zero-copy is not available (driver 'veth': Operation not supported); using copy mode (one copy per packet)"));
	assert_int_equal(fp_xsk_set_count(rig.set), 4);
	for (i = 0; i < 4; i++)
		assert_false(fp_xsk_zerocopy(fp_xsk_set_socket(rig.set, i)));
}

/* ZEROCOPY on veth: refused in one line, nothing left behind. */
static void test_zerocopy_refused(void **state)
{
	struct fp_xsk_config c;
	struct capture cap;
	const char *err;

	base_config(&c, ifa);
	c.bind = FP_XSK_BIND_ZEROCOPY;
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_open(&c, &rig.set), -EOPNOTSUPP);
	err = capture_end(&cap);
	assert_null(rig.set);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "fastpath: xa0 queue 0: AF_XDP zero-copy is not available (driver 'veth': Operation not supported); use --bind auto or --bind copy"));
	/* The queue is free again: copy mode binds. */
	base_config(&c, ifa);
	rig_open(&c);
}

/* Every wait mode, with and without need_wakeup, reflects every frame. */
static void run_mode(enum fp_xsk_wait wait, bool need_wakeup)
{
	const uint32_t N = 400;
	static struct counts cnt;
	struct fp_xsk_config c;
	struct fp_xsk_stats st;
	struct peer_result r;
	int cpu = 1;

	memset(&cnt, 0, sizeof(cnt));
	cnt.act = FP_XSK_TX;
	cnt.xf = XF_SWAP;
	base_config(&c, ifa);
	c.wait = wait;
	c.need_wakeup = need_wakeup;
	rig_steer(ifa, 1, 0);
	rig_open(&c);
	assert_int_equal(fp_xsk_set_fill_xskmap(rig.set,
			 bpf_map__fd(rig.steer->maps.xsks)), 0);
	rig.peer_fd = packet_socket(ifb);
	assert_int_equal(fp_xsk_workers_start(rig.set, &cpu, 1, count_fn, &cnt,
					      &rig.w), 0);
	send_frames(ifb, 0, 0, N);
	r = peer_collect(rig.peer_fd, N, XF_SWAP);
	if (r.ok != N)
		fail_msg("--wait %s, need_wakeup %d: %u of %u frames came back",
			 fp_xsk_wait_str(wait), need_wakeup, r.ok, N);
	assert_int_equal(r.bad, 0);
	fp_xsk_workers_stop(rig.w);
	assert_int_equal(fp_xsk_stats(fp_xsk_set_socket(rig.set, 0), &st), 0);
	assert_int_equal(st.rx_packets, N);
	assert_int_equal(st.tx_packets, N);
	if (wait == FP_XSK_WAIT_BUSYPOLL)
		assert_true(st.busy_polls > 0);
	assert_frames_home(rig.set);
	rig_teardown(NULL);
}

static void test_wait_modes(void **state)
{
	run_mode(FP_XSK_WAIT_SPIN, true);
	run_mode(FP_XSK_WAIT_SPIN, false);
	run_mode(FP_XSK_WAIT_POLL, true);
	run_mode(FP_XSK_WAIT_POLL, false);
	run_mode(FP_XSK_WAIT_BUSYPOLL, true);
	run_mode(FP_XSK_WAIT_BUSYPOLL, false);
}

/* Two queues, two sockets each, round-robin in xsk_steer, two workers. */
static void test_two_queues_two_sockets(void **state)
{
	const uint32_t N = 2000;
	static struct counts cnt;
	static const int cpus[2] = { 0, 1 };
	struct fp_xsk_config c;
	struct sender s0, s1;
	struct fp_xsk *x;
	uint32_t i, k;

	memset(&cnt, 0, sizeof(cnt));
	cnt.act = FP_XSK_DROP;
	base_config(&c, ifa);
	c.n_queues = 2;
	c.queues[1] = 1;
	c.sockets_per_queue = 2;
	rig_steer(ifa, 2, 4);
	rig_open(&c);
	assert_int_equal(fp_xsk_set_count(rig.set), 4);
	for (i = 0; i < 4; i++) {
		x = fp_xsk_set_socket(rig.set, i);
		assert_int_equal(fp_xsk_queue(x), i / 2);
		assert_int_equal(fp_xsk_index_in_queue(x), i % 2);
		assert_ptr_equal(fp_xsk_set_find(rig.set, ifa, i / 2, i % 2), x);
	}
	assert_int_equal(fp_xsk_set_fill_xskmap(rig.set,
			 bpf_map__fd(rig.steer->maps.xsks)), 0);
	assert_int_equal(fp_xsk_workers_start(rig.set, cpus, 2, count_fn, &cnt,
					      &rig.w), 0);
	/* Queue 0 (both sockets) on worker 0, queue 1 on worker 1. */
	for (i = 0; i < 4; i++)
		assert_int_equal(fp_xsk_workers_owner(rig.w,
				 fp_xsk_set_socket(rig.set, i)), (int)(i / 2));

	send_start(&s0, ifb, 0, 0, N / 2);	/* CPU 0 -> queue 0 */
	send_start(&s1, ifb, 1, N / 2, N / 2);	/* CPU 1 -> queue 1 */
	send_join(&s0);
	send_join(&s1);
	wait_counted(&cnt, N);
	fp_xsk_workers_stop(rig.w);
	assert_int_equal(counted(&cnt), N);
	assert_int_equal(atomic_load(&cnt.bad), 0);
	assert_int_equal(atomic_load(&cnt.bytes), s0.bytes + s1.bytes);
	for (i = 0; i < 4; i++) {
		k = (uint32_t)atomic_load(&cnt.pkts[i]);
		if (!k)
			fail_msg("socket %u (queue %u) received nothing", i, i / 2);
	}
	/* Per queue, the round-robin alternates between its two sockets. */
	assert_int_equal(atomic_load(&cnt.pkts[0]) + atomic_load(&cnt.pkts[1]), N / 2);
	assert_int_equal(atomic_load(&cnt.pkts[2]) + atomic_load(&cnt.pkts[3]), N / 2);
	assert_frames_home(rig.set);
}

/* Sockets sharing a queue's rings cannot be split between workers; an
 * XSKMAP too small for the layout is refused. */
static void test_worker_rules(void **state)
{
	static struct counts cnt;
	static const uint32_t split[4] = { 0, 1, 1, 1 };
	struct fp_xsk_workers_opts o;
	struct fp_xsk_config c;
	struct capture cap;
	const char *err;
	int cpus[3] = { 0, 1, 0 };

	base_config(&c, ifa);
	c.n_queues = 2;
	c.queues[1] = 1;
	c.sockets_per_queue = 2;
	rig_open(&c);
	memset(&o, 0, sizeof(o));
	o.cpus = cpus;
	o.n_workers = 2;
	o.fn = count_fn;
	o.ctx = &cnt;
	o.socket_worker = split;
	capture_start(&cap);
	assert_int_equal(fp_xsk_workers_start_opts(rig.set, &o, &rig.w), -EINVAL);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "sockets 0 and 1 share the fill and completion rings of xa0 queue 0: they must belong to the same worker"));
	o.socket_worker = NULL;
	o.n_workers = 3;
	capture_start(&cap);
	assert_int_equal(fp_xsk_workers_start_opts(rig.set, &o, &rig.w), -EINVAL);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "3 workers but only 2 queues"));

	rig_steer(ifa, 2, 2);	/* room for queue 0 only */
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_fill_xskmap(rig.set,
			 bpf_map__fd(rig.steer->maps.xsks)), -E2BIG);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "has 2 entries but queue 1 socket 0 needs key 2; size the map to 4 or more"));
}

/*
 * Two interfaces in one set: RX on xa0, FORWARD on xc0, marked in place;
 * the frames arrive on xd0.  Small queues force frames through the pool
 * (xa0's frames come back on xc0's completion ring).
 */
static void test_shared_umem_forward(void **state)
{
	const uint32_t N = 64 * 47;
	static struct counts cnt;
	struct fp_xsk_config c, c2;
	struct fp_xsk_stats st;
	struct peer_result r;
	struct capture cap;
	const char *err;
	uint32_t sent;
	int cpu = 1;

	memset(&cnt, 0, sizeof(cnt));
	base_config(&c, ifa);
	c.frames_per_socket = 256;
	c.umem_frames = 512;
	base_config(&c2, ifc);
	c2.frames_per_socket = 256;
	rig_steer(ifa, 1, 0);
	rig_open(&c);
	/* Same area: frame size and wait mode must agree. */
	c2.frame_size = 4096;
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_add_iface(rig.set, &c2), -EINVAL);
	err = capture_end(&cap);
	assert_non_null(strstr(err, "xc0: --frame-size must be the same on every interface of a set (2048)"));
	c2.frame_size = 2048;
	assert_int_equal(fp_xsk_set_add_iface(rig.set, &c2), 0);
	assert_int_equal(fp_xsk_set_count(rig.set), 2);
	/* No room for a third share of frames. */
	c2.ifindex = ifd;
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_add_iface(rig.set, &c2), -ENOSPC);
	err = capture_end(&cap);
	assert_non_null(strstr(err, "xd0: the set's UMEM has no room for 256 more frames (512 of 512 taken); open the set with --umem-frames 768 or more"));
	capture_start(&cap);
	assert_int_equal(fp_xsk_set_fill_xskmap(rig.set, 0), -EINVAL);
	capture_end(&cap);
	assert_int_equal(fp_xsk_set_fill_xskmap_iface(rig.set, ifa,
			 bpf_map__fd(rig.steer->maps.xsks)), 0);

	cnt.act = FP_XSK_FORWARD;
	cnt.to = fp_xsk_set_find(rig.set, ifc, 0, 0);
	cnt.xf = XF_SWAP_MARK;
	assert_non_null(cnt.to);
	rig.peer_fd = packet_socket(ifd);
	assert_int_equal(fp_xsk_workers_start(rig.set, &cpu, 1, count_fn, &cnt,
					      &rig.w), 0);
	/* In windows of 64: with 128 frames on xa0's fill ring, a burst
	 * would meet an empty fill ring and the kernel would drop
	 * (rx_fill_ring_empty_descs), as it should. */
	for (sent = 0; sent < N; sent += 64) {
		send_frames(ifb, 0, sent, 64);
		wait_counted(&cnt, sent + 64);
	}
	r = peer_collect(rig.peer_fd, N, XF_SWAP_MARK);
	fp_xsk_workers_stop(rig.w);
	assert_int_equal(fp_xsk_stats(fp_xsk_set_socket(rig.set, 0), &st), 0);
	if (counted(&cnt) != N)
		fail_msg("forwarded %llu of %u: fill ring empty %llu times",
			 (unsigned long long)counted(&cnt), N,
			 (unsigned long long)st.rx_fill_ring_empty_descs);
	assert_int_equal(r.ok, N);
	assert_int_equal(r.bad, 0);
	assert_int_equal(fp_xsk_stats(cnt.to, &st), 0);
	assert_int_equal(st.tx_packets, N);
	assert_int_equal(st.completed, N);
	assert_int_equal(st.rx_packets, 0);
	/* Far more frames than the area holds went through: recycled. */
	assert_frames_home(rig.set);
}

/* BUSYPOLL sets napi_defer_hard_irqs and gro_flush_timeout, and puts
 * them back on close, at exit and on a signal. */
static void test_napi_busypoll_restore(void **state)
{
	struct fp_napi_settings ns = { 5, 100000, 10 };
	struct fp_napi_state st;
	struct fp_xsk_config c;
	struct fp_napi_tune *t;
	int status, i;
	pid_t pid;

	assert_int_equal(read_long("/sys/class/net/xa0/napi_defer_hard_irqs"), 0);
	assert_int_equal(read_long("/sys/class/net/xa0/gro_flush_timeout"), 0);
	assert_int_equal(fp_napi_read(ifa, &st), 0);
	assert_int_equal(st.coalesce, -EOPNOTSUPP);	/* veth: not applicable */

	base_config(&c, ifa);
	c.wait = FP_XSK_WAIT_BUSYPOLL;
	c.irq_coalesce_usecs = 10;	/* not applicable on veth: no error */
	rig_open(&c);
	assert_int_equal(read_long("/sys/class/net/xa0/napi_defer_hard_irqs"), 2);
	assert_int_equal(read_long("/sys/class/net/xa0/gro_flush_timeout"), 200000);
	fp_xsk_set_close(rig.set);
	rig.set = NULL;
	assert_int_equal(read_long("/sys/class/net/xa0/napi_defer_hard_irqs"), 0);
	assert_int_equal(read_long("/sys/class/net/xa0/gro_flush_timeout"), 0);

	assert_int_equal(fp_napi_tune_apply(ifa, &ns, &t), 0);
	assert_non_null(strstr(fp_napi_tune_summary(t), "xa0: napi_defer_hard_irqs 0 -> 5, gro_flush_timeout 0 -> 100000 ns, interrupt coalescing not applicable"));
	fp_napi_tune_restore(t);
	assert_int_equal(read_long("/sys/class/net/xa0/napi_defer_hard_irqs"), 0);

	/* A process that exits, and one killed by SIGTERM, restore too. */
	for (i = 0; i < 2; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			signal(SIGTERM, SIG_DFL);
			if (fp_napi_tune_apply(ifa, &ns, &t) ||
			    read_long("/sys/class/net/xa0/napi_defer_hard_irqs") != 5)
				_exit(3);
			if (i)
				raise(SIGTERM);
			exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (i)
			assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
		else
			assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_int_equal(read_long("/sys/class/net/xa0/napi_defer_hard_irqs"), 0);
		assert_int_equal(read_long("/sys/class/net/xa0/gro_flush_timeout"), 0);
	}
}

/* Frames refused by check_frames: one line each, nothing corrupted. */
static void test_double_recycle_detected(void **state)
{
	struct fp_xsk_frame_count fc;
	struct fp_xsk_pkt p[2];
	struct fp_xsk_config c;
	struct capture cap;
	struct fp_xsk *x;
	const char *err;

	base_config(&c, ifa);
	rig_open(&c);
	x = fp_xsk_set_socket(rig.set, 0);
	assert_int_equal(fp_xsk_alloc_tx(x, p, 2), 2);
	fp_xsk_recycle(x, p, 1);
	capture_start(&cap);
	fp_xsk_recycle(x, p, 1);
	err = capture_end(&cap);
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "given back twice?"));
	fp_xsk_recycle(x, p + 1, 1);
	assert_int_equal(fp_xsk_set_frames(rig.set, &fc), 0);
	assert_int_equal(fc.errors, 1);
	assert_int_equal(fc.app, 0);
	assert_int_equal(fc.free + fc.rx_kernel, fc.total);
}

/* --- the process: namespace, sysfs, devices --------------------------------- */

static int wait_carrier(const char *ifname)
{
	char path[96];
	uint64_t end = fp_now_ns() + 5 * NS_PER_S;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	while (fp_now_ns() < end) {
		if (read_long(path) == 1)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int group_setup(void **state)
{
	/* Linux must not send anything of its own on the test devices. */
	if (write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") ||
	    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1"))
		return -1;
	if (sh("ip link add xa0 address 02:fa:77:00:00:0a numrxqueues 2 numtxqueues 2 "
	       "type veth peer name xb0 address 02:fa:77:00:00:0b numrxqueues 2 numtxqueues 2") ||
	    sh("ip link add xc0 address 02:fa:77:00:00:0c numrxqueues 2 numtxqueues 2 "
	       "type veth peer name xd0 address 02:fa:77:00:00:0d numrxqueues 2 numtxqueues 2") ||
	    sh("ip link set xa0 up && ip link set xb0 up && ip link set xc0 up && ip link set xd0 up") ||
	    /* GRO after up (docs/architecture.md). */
	    sh("for i in xa0 xb0 xc0 xd0; do ethtool -K $i gro on || exit 1; done"))
		return -1;
	ifa = (int)if_nametoindex("xa0");
	ifb = (int)if_nametoindex("xb0");
	ifc = (int)if_nametoindex("xc0");
	ifd = (int)if_nametoindex("xd0");
	if (!ifa || !ifb || !ifc || !ifd || wait_carrier("xa0") ||
	    wait_carrier("xc0"))
		return -1;
	fp_log_hook_libbpf();
	return 0;
}

/* Child: enter the namespace with a sysfs of its own, run the tests. */
static int child(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_config_check, rig_teardown),
		cmocka_unit_test_teardown(test_copy_rx, rig_teardown),
		cmocka_unit_test_teardown(test_tx_to_peer, rig_teardown),
		cmocka_unit_test_teardown(test_tx_ring_full_and_invalid, rig_teardown),
		cmocka_unit_test_teardown(test_reflector, rig_teardown),
		cmocka_unit_test_teardown(test_auto_falls_back_to_copy, rig_teardown),
		cmocka_unit_test_teardown(test_zerocopy_refused, rig_teardown),
		cmocka_unit_test_teardown(test_wait_modes, rig_teardown),
		cmocka_unit_test_teardown(test_two_queues_two_sockets, rig_teardown),
		cmocka_unit_test_teardown(test_worker_rules, rig_teardown),
		cmocka_unit_test_teardown(test_shared_umem_forward, rig_teardown),
		cmocka_unit_test_teardown(test_napi_busypoll_restore, rig_teardown),
		cmocka_unit_test_teardown(test_double_recycle_detected, rig_teardown),
	};
	int fd;

	if (unshare(CLONE_NEWNS) ||
	    mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		perror("private mount namespace");
		return 1;
	}
	fd = fp_netns_open(ns_name);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		perror("entering the test namespace");
		return 1;
	}
	close(fd);
	if (umount2("/sys", MNT_DETACH) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL)) {
		perror("mounting sysfs in the test namespace");
		return 1;
	}
	return cmocka_run_group_tests_name("xsk", tests, group_setup, NULL);
}

int main(void)
{
	int status = 0, err;
	pid_t pid;

	if (geteuid()) {
		fprintf(stderr, "test_xsk needs root (namespaces, XDP, AF_XDP)\n");
		return 1;
	}
	snprintf(ns_name, sizeof(ns_name), "fp-test-xsk-%d", (int)getpid());
	err = fp_netns_create(ns_name);
	if (err) {
		fprintf(stderr, "creating namespace %s: %s\n", ns_name, strerror(-err));
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(child());
	/* Ctrl-C reaches the child too; we stay to clean up. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	err = fp_netns_delete(ns_name);
	if (err)
		fprintf(stderr, "deleting namespace %s: %s\n", ns_name, strerror(-err));
	if (pid < 0)
		return 1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "test_xsk: the test process died of signal %d\n",
			WTERMSIG(status));
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
