// SPDX-License-Identifier: MIT
/*
 * The generator's XDP program run with BPF_PROG_TEST_RUN, WITHOUT live
 * frames: every run gets a frame (often poisoned, as a device under test
 * would leave it) and must turn it into exactly the frame pktbuild makes
 * for that packet's flow, stream (the CPU) and seq.  Checksums are also
 * verified here with a separate RFC 1071 implementation, so a shared bug
 * in pktbuild and the program cannot hide.  Pacing, the paced cap and the
 * flow mapping of gen_flows.c are tested too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/gen.h"
#include "fastpath/genpkt.h"
#include "fastpath/payload.h"
#include "fastpath/pktbuild.h"
#include "gen_xdp.skel.h"

#define XDP_DROP_V 1
#define XDP_TX_V 3
#define MAX_FLOWS 4

static int test_cpu;

struct setup {
	struct fp_pkt_spec flow[MAX_FLOWS];
	uint32_t nflows;
	struct fp_genpkt_cfg cfg;
	struct fp_gen_xdp *skel;
};

static void addr(const char *s, struct fp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, s, &a->v6), 1);
	a->family = AF_INET6;
}

static struct fp_pkt_spec spec(const char *src, const char *dst, int proto,
			       uint16_t sport, uint16_t dport, uint16_t len)
{
	static const uint8_t dmac[6] = { 0x02, 0xfa, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t smac[6] = { 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01 };
	struct fp_pkt_spec s;

	memset(&s, 0, sizeof(s));
	memcpy(s.dst_mac, dmac, 6);
	memcpy(s.src_mac, smac, 6);
	addr(src, &s.src);
	addr(dst, &s.dst);
	s.proto = (uint8_t)proto;
	s.sport = sport;
	s.dport = dport;
	s.tcp_seq = 1;
	s.tcp_ack = 1;
	s.frame_len = len;
	return s;
}

/* Derive the program's configuration the way gen_flows.c does, but
 * written out here: copy = headers rounded up to 8, capped by the frame. */
static void load(struct setup *su, bool paced, uint64_t gap_ns,
		 uint64_t spin_max_ns)
{
	struct fp_pkt_layout lay;
	uint8_t frame[FP_PKT_MAX_FRAME];
	uint32_t i, copy;
	int fd;

	assert_int_equal(fp_pkt_build(&su->flow[0], frame, sizeof(frame), &lay), 0);
	copy = (lay.payload_off + 7u) & ~7u;
	if (copy > lay.frame_len)
		copy = lay.frame_len;
	su->cfg = (struct fp_genpkt_cfg){
		.frame_len = lay.frame_len,
		.copy_len = copy,
		.pl_off = lay.has_payload_hdr ? lay.payload_off : 0,
		.flows = su->nflows,
		.pattern_sum = fp_payload_pattern_sum(lay.payload_len),
	};
	su->skel = fp_gen_xdp__open();
	assert_non_null(su->skel);
	memcpy((void *)&su->skel->rodata->gen_cfg, &su->cfg, sizeof(su->cfg));
	if (paced) {
		su->skel->rodata->paced = 1;
		su->skel->rodata->pace_ns = gap_ns;
		su->skel->rodata->spin_max_ns = spin_max_ns;
		su->skel->rodata->pace_max_lag_ns = 1000000000ULL;
	}
	assert_int_equal(bpf_map__set_max_entries(su->skel->maps.gen_flows,
						  su->nflows), 0);
	assert_int_equal(fp_gen_xdp__load(su->skel), 0);
	fd = bpf_map__fd(su->skel->maps.gen_flows);
	for (i = 0; i < su->nflows; i++) {
		struct fp_genpkt_flow f;

		memset(&f, 0, sizeof(f));
		assert_int_equal(fp_pkt_build(&su->flow[i], frame, sizeof(frame),
					      NULL), 0);
		memcpy(f.bytes, frame, copy);
		assert_int_equal(bpf_map_update_elem(fd, &i, &f, BPF_ANY), 0);
	}
}

/* One program run on @in; returns the verdict, output in @out. */
static int run(struct setup *su, const uint8_t *in, uint8_t *out, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = su->cfg.frame_len,
		.data_out = out,
		.data_size_out = FP_PKT_MAX_FRAME,
		.repeat = repeat,
	);

	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(su->skel->progs.fp_gen_xdp), &o), 0);
	assert_int_equal(o.data_size_out, su->cfg.frame_len);
	return (int)o.retval;
}

static struct fp_gen_cpu cpu_state(struct setup *su)
{
	int n = libbpf_num_possible_cpus();
	struct fp_gen_cpu *v = calloc((size_t)n, sizeof(*v)), r;
	uint32_t key = 0;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(
		bpf_map__fd(su->skel->maps.gen_state), &key, v), 0);
	r = v[test_cpu];
	free(v);
	return r;
}

static void set_cpu_state(struct setup *su, uint32_t seq, uint32_t flow)
{
	int n = libbpf_num_possible_cpus(), i;
	struct fp_gen_cpu *v = calloc((size_t)n, sizeof(*v));
	uint32_t key = 0;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i].seq = seq;
		v[i].flow = flow;
	}
	assert_int_equal(bpf_map_update_elem(
		bpf_map__fd(su->skel->maps.gen_state), &key, v, BPF_ANY), 0);
	free(v);
}

/* --- an RFC 1071 checker that shares no code with pktbuild ------------- */

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
	while (len > 1) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static void verify_checksums(const uint8_t *f, size_t len)
{
	uint16_t ethertype = (uint16_t)(f[12] << 8 | f[13]);
	const uint8_t *l3 = f + 14, *l4;
	uint32_t pseudo = 0, l4len;
	uint8_t proto;
	size_t i;

	if (ethertype == 0x0800) {
		size_t ihl = (size_t)(l3[0] & 0xf) * 4;

		assert_int_equal(sum16(l3, ihl, 0), 0xffff);
		proto = l3[9];
		l4 = l3 + ihl;
		l4len = (uint32_t)(len - 14 - ihl);
		for (i = 12; i < 20; i += 2)
			pseudo += (uint32_t)(l3[i] << 8 | l3[i + 1]);
	} else {
		assert_int_equal(ethertype, 0x86dd);
		proto = l3[6];
		l4 = l3 + 40;
		l4len = (uint32_t)(len - 54);
		for (i = 8; i < 40; i += 2)
			pseudo += (uint32_t)(l3[i] << 8 | l3[i + 1]);
	}
	pseudo += proto + l4len;
	assert_int_equal(sum16(l4, l4len, pseudo), 0xffff);
	/* The payload after a full header sums to 0xffff on its own. */
	if (l4len >= (proto == IPPROTO_TCP ? 20u : 8u) + FP_PAYLOAD_HDR_LEN) {
		const uint8_t *pl = l4 + (proto == IPPROTO_TCP ? 20 : 8);
		size_t pllen = l4len - (size_t)(pl - l4);

		assert_int_equal(pl[0] << 8 | pl[1], FP_PAYLOAD_MAGIC);
		assert_int_equal(sum16(pl, pllen, 0), 0xffff);
	}
}

/* Run @n packets through poisoned frames; each must come out as the
 * frame of flow (first_flow + i) % nflows, stream = our CPU, seq. */
static void expect_packets(struct setup *su, uint32_t first_seq,
			   const uint32_t *flows, int n)
{
	uint8_t in[FP_PKT_MAX_FRAME], out[FP_PKT_MAX_FRAME], want[FP_PKT_MAX_FRAME];
	int i;

	for (i = 0; i < n; i++) {
		struct fp_pkt_spec s = su->flow[flows[i]];

		/* Poison: the pattern stays (no device rewrites payloads),
		 * everything the program owns is trashed, as a DUT that
		 * rewrote MACs, TTL, addresses... would leave it. */
		assert_int_equal(fp_pkt_build(&su->flow[0], in, sizeof(in), NULL), 0);
		memset(in, 0xee, su->cfg.pl_off ? su->cfg.pl_off + FP_PAYLOAD_HDR_LEN
						: su->cfg.copy_len);
		in[0] ^= (uint8_t)i;

		s.stream = (uint16_t)test_cpu;
		s.seq = first_seq + (uint32_t)i;
		assert_int_equal(fp_pkt_build(&s, want, sizeof(want), NULL), 0);
		assert_int_equal(run(su, in, out, 1), XDP_TX_V);
		assert_memory_equal(out, want, su->cfg.frame_len);
		verify_checksums(out, su->cfg.frame_len);
	}
}

static void unload(struct setup *su)
{
	fp_gen_xdp__destroy(su->skel);
	su->skel = NULL;
}

static void test_ipv4_udp_flows(void **state)
{
	static const uint32_t order[] = { 0, 1, 2, 0, 1, 2, 0 };
	struct setup su = { .nflows = 3 };
	struct fp_gen_cpu st;

	su.flow[0] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1000, 9, 64);
	su.flow[1] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1001, 9, 64);
	su.flow[2] = spec("198.18.0.7", "198.18.0.9", IPPROTO_UDP, 1000, 7, 64);
	load(&su, false, 0, 0);
	assert_int_equal(su.cfg.copy_len, 48);
	assert_int_equal(su.cfg.pl_off, 42);
	expect_packets(&su, 0, order, 7);
	st = cpu_state(&su);
	assert_int_equal(st.packets, 7);
	assert_int_equal(st.bytes, 7 * 64);
	assert_int_equal(st.seq, 7);
	assert_int_equal(st.flow, 1);
	unload(&su);
}

static void test_ipv6_tcp_large(void **state)
{
	static const uint32_t order[] = { 0, 1, 0, 1 };
	struct setup su = { .nflows = 2 };

	su.flow[0] = spec("2001:2::1", "2001:2::2", IPPROTO_TCP, 40000, 80, 1514);
	su.flow[1] = spec("2001:2::1", "2001:2:0:1::ff", IPPROTO_TCP, 40000, 80, 1514);
	load(&su, false, 0, 0);
	assert_int_equal(su.cfg.copy_len, 80);	/* 74 rounded up */
	expect_packets(&su, 0, order, 4);
	unload(&su);
}

/* Headers end at 54 (IPv4/TCP): 55 bytes leave one payload byte, no
 * room for the payload header, and a copy length (55) that is not a
 * multiple of 8: the tail word overlaps. */
static void test_short_frames(void **state)
{
	static const uint32_t order[] = { 0, 0, 0 };
	struct setup su = { .nflows = 1 };

	su.flow[0] = spec("198.18.0.1", "198.18.0.2", IPPROTO_TCP, 5, 6, 55);
	load(&su, false, 0, 0);
	assert_int_equal(su.cfg.copy_len, 55);
	assert_int_equal(su.cfg.pl_off, 0);
	expect_packets(&su, 0, order, 3);
	unload(&su);

	/* IPv6/UDP in 64 bytes: 2 payload bytes, pattern only. */
	su.flow[0] = spec("2001:2::1", "2001:2::2", IPPROTO_UDP, 9, 9, 64);
	load(&su, false, 0, 0);
	assert_int_equal(su.cfg.copy_len, 64);
	assert_int_equal(su.cfg.pl_off, 0);
	expect_packets(&su, 0, order, 3);
	unload(&su);

	/* IPv4/UDP in 57 bytes: a 15-byte payload, header included; copy 48. */
	su.flow[0] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9, 57);
	load(&su, false, 0, 0);
	assert_int_equal(su.cfg.copy_len, 48);
	assert_int_equal(su.cfg.pl_off, 42);
	expect_packets(&su, 0, order, 3);
	unload(&su);
}

/* flow == seq % flows, also when seq wraps at 2^32. */
static void test_seq_wrap(void **state)
{
	/* 0xfffffffe % 3 = 2, 0xffffffff % 3 = 0, 0 % 3 = 0, 1 % 3 = 1 */
	static const uint32_t order[] = { 2, 0, 0, 1 };
	struct setup su = { .nflows = 3 };
	struct fp_gen_cpu st;

	su.flow[0] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1, 9, 80);
	su.flow[1] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 2, 9, 80);
	su.flow[2] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 3, 9, 80);
	load(&su, false, 0, 0);
	set_cpu_state(&su, 0xfffffffe, 2);
	expect_packets(&su, 0xfffffffe, order, 4);
	st = cpu_state(&su);
	assert_int_equal(st.seq, 2);
	assert_int_equal(st.flow, 2);
	unload(&su);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Paced: short gaps are spun inside the program, long ones return "not
 * yet" (XDP_DROP, nothing written or counted), and the cap holds. */
static void test_pacing(void **state)
{
	uint8_t in[FP_PKT_MAX_FRAME], out[FP_PKT_MAX_FRAME];
	struct setup su = { .nflows = 1 };
	struct fp_gen_cpu st;
	uint64_t t0, dt;

	su.flow[0] = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1, 9, 64);
	assert_int_equal(fp_pkt_build(&su.flow[0], in, sizeof(in), NULL), 0);

	/* Gap 2 ms, spun: 5 frames take at least 4 gaps. */
	load(&su, true, 2000000, 5000000);
	su.skel->bss->gen_limit[test_cpu] = UINT64_MAX;
	t0 = now_ns();
	assert_int_equal(run(&su, in, out, 5), XDP_TX_V);
	dt = now_ns() - t0;
	assert_true(dt >= 8000000);
	assert_true(dt < 500000000);
	st = cpu_state(&su);
	assert_int_equal(st.packets, 5);
	assert_int_equal(st.seq, 5);
	assert_true(su.skel->bss->gen_first[test_cpu] != 0);
	assert_true(st.last_ns - su.skel->bss->gen_first[test_cpu] >= 8000000);
	unload(&su);

	/* Gap 1 s, no spinning: the first frame goes, the next is not due. */
	load(&su, true, 1000000000, 10000);
	su.skel->bss->gen_limit[test_cpu] = UINT64_MAX;
	assert_int_equal(run(&su, in, out, 1), XDP_TX_V);
	memset(in, 0xab, 64);
	assert_int_equal(run(&su, in, out, 1), XDP_DROP_V);
	assert_memory_equal(out, in, 64);	/* untouched */
	st = cpu_state(&su);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.seq, 1);
	unload(&su);

	/* The cap: with gen_limit reached nothing is sent. */
	assert_int_equal(fp_pkt_build(&su.flow[0], in, sizeof(in), NULL), 0);
	load(&su, true, 1000, 100000);
	su.skel->bss->gen_limit[test_cpu] = 3;
	assert_int_equal(run(&su, in, out, 10), XDP_DROP_V);
	st = cpu_state(&su);
	assert_int_equal(st.packets, 3);
	unload(&su);
}

/* gen_flows.c: flow i is the i-th tuple, source port fastest. */
static void test_flow_tuples(void **state)
{
	struct fp_gen_config c;
	struct fp_gen_tuple t;
	char buf[INET6_ADDRSTRLEN];

	fp_gen_config_init(&c);
	c.sport_lo = 1000;
	c.sport_hi = 1001;
	addr("198.18.0.1", &c.src_lo);
	addr("198.18.0.2", &c.src_hi);
	addr("198.18.0.10", &c.dst_lo);
	addr("198.18.0.12", &c.dst_hi);
	assert_int_equal(fp_gen_tuple_count(&c), 2 * 1 * 2 * 3);

	fp_gen_flow_tuple(&c, 0, &t);
	assert_int_equal(t.sport, 1000);
	assert_int_equal(t.dport, 9);
	assert_string_equal(inet_ntop(AF_INET, &t.src.v4, buf, sizeof(buf)), "198.18.0.1");
	assert_string_equal(inet_ntop(AF_INET, &t.dst.v4, buf, sizeof(buf)), "198.18.0.10");
	fp_gen_flow_tuple(&c, 1, &t);
	assert_int_equal(t.sport, 1001);
	fp_gen_flow_tuple(&c, 2, &t);
	assert_int_equal(t.sport, 1000);
	assert_string_equal(inet_ntop(AF_INET, &t.src.v4, buf, sizeof(buf)), "198.18.0.2");
	fp_gen_flow_tuple(&c, 11, &t);
	assert_int_equal(t.sport, 1001);
	assert_string_equal(inet_ntop(AF_INET, &t.src.v4, buf, sizeof(buf)), "198.18.0.2");
	assert_string_equal(inet_ntop(AF_INET, &t.dst.v4, buf, sizeof(buf)), "198.18.0.12");

	/* IPv6: offsets carry across bytes; huge ranges saturate. */
	fp_gen_config_init(&c);
	addr("2001:2::ffff", &c.src_lo);
	addr("2001:2::1:1", &c.src_hi);
	addr("2001:2::", &c.dst_lo);
	addr("2001:2::ffff:ffff:ffff", &c.dst_hi);
	assert_int_equal(fp_gen_tuple_count(&c), 3ULL << 32);
	fp_gen_flow_tuple(&c, 1, &t);
	assert_string_equal(inet_ntop(AF_INET6, &t.src.v6, buf, sizeof(buf)), "2001:2::1:0");
	fp_gen_flow_tuple(&c, 5, &t);	/* 5 = 2 + 1 * 3 */
	assert_string_equal(inet_ntop(AF_INET6, &t.src.v6, buf, sizeof(buf)), "2001:2::1:1");
	assert_string_equal(inet_ntop(AF_INET6, &t.dst.v6, buf, sizeof(buf)), "2001:2::1");
}

static int pin(void **state)
{
	cpu_set_t set;

	/* The highest CPU, so the stream id is not 0 on machines with
	 * more than one: a zero stream would hide a missing write. */
	test_cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&set);
	CPU_SET(test_cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp_flows),
		cmocka_unit_test(test_ipv6_tcp_large),
		cmocka_unit_test(test_short_frames),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_pacing),
		cmocka_unit_test(test_flow_tuples),
	};

	return cmocka_run_group_tests(tests, pin, NULL);
}
