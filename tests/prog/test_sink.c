// SPDX-License-Identifier: MIT
/*
 * The sink's XDP program run with BPF_PROG_TEST_RUN on crafted frames:
 * verdicts, exact counters, what --check accepts, rejects and cannot
 * check, and a differential run: the same random packet sequence through
 * the BPF program and through seqcheck.h in user space must leave the same
 * per-stream state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/payload.h"
#include "fastpath/pktbuild.h"
#include "fastpath/seqcheck.h"
#include "fastpath/sink.h"
#include "sink_xdp.skel.h"

#define XDP_DROP_V 1
#define XDP_PASS_V 2

static struct fp_sink_xdp *load(bool pass, bool check)
{
	struct fp_sink_xdp *skel = fp_sink_xdp__open();

	assert_non_null(skel);
	skel->rodata->pass = pass;
	skel->rodata->check = check;
	assert_int_equal(fp_sink_xdp__load(skel), 0);
	return skel;
}

/* Run one frame @repeat times; the sink must never change its bytes. */
static int run(struct fp_sink_xdp *skel, const void *frame, size_t len,
	       int repeat)
{
	uint8_t out[4096];
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = (__u32)len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = repeat,
	);

	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.fp_sink), &o), 0);
	assert_int_equal(o.data_size_out, len);
	assert_memory_equal(out, frame, len);
	return (int)o.retval;
}

static void pcpu(struct fp_sink_xdp *skel, struct fp_sink_pcpu *sum)
{
	int n = libbpf_num_possible_cpus(), i;
	struct fp_sink_pcpu *v = calloc((size_t)n, sizeof(*v));
	__u32 key = 0;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(
		bpf_map__fd(skel->maps.sink_counters), &key, v), 0);
	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
		sum->checked += v[i].checked;
		sum->unchecked += v[i].unchecked;
		sum->corrupted += v[i].corrupted;
	}
	free(v);
}

/* The state of stream @id, read under its lock; -ENOENT beyond the table. */
static int stream(struct fp_sink_xdp *skel, __u32 id, struct fp_seq_state *st)
{
	struct fp_sink_stream v;

	if (bpf_map_lookup_elem_flags(bpf_map__fd(skel->maps.sink_streams),
				      &id, &v, BPF_F_LOCK))
		return -errno;
	*st = v.seq;
	return 0;
}

static void addr4(struct fp_addr *a, const char *s)
{
	a->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, &a->v4), 1);
}

static void addr6(struct fp_addr *a, const char *s)
{
	a->family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, s, &a->v6), 1);
}

static struct fp_pkt_spec spec_v4(uint8_t proto, uint16_t frame_len)
{
	struct fp_pkt_spec s = {
		.dst_mac = { 0x02, 0xfa, 0, 0, 0, 2 },
		.src_mac = { 0x02, 0xfa, 0, 0, 0, 1 },
		.proto = proto,
		.sport = 1024,
		.dport = 9,
		.frame_len = frame_len,
	};

	addr4(&s.src, "198.18.0.1");
	addr4(&s.dst, "198.18.0.2");
	return s;
}

static struct fp_pkt_spec spec_v6(uint8_t proto, uint16_t frame_len)
{
	struct fp_pkt_spec s = spec_v4(proto, frame_len);

	addr6(&s.src, "2001:2::1");
	addr6(&s.dst, "2001:2::2");
	return s;
}

static size_t build(const struct fp_pkt_spec *s, uint8_t *buf, size_t cap,
		    struct fp_pkt_layout *l)
{
	struct fp_pkt_layout tmp;

	assert_int_equal(fp_pkt_build(s, buf, cap, l ? l : &tmp), 0);
	return s->frame_len;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* --- verdicts and counters ----------------------------------------------- */

static void test_drop_and_pass(void **state)
{
	struct fp_pkt_spec s = spec_v4(IPPROTO_UDP, 64);
	struct fp_sink_xdp *skel;
	struct fp_sink_pcpu c;
	uint8_t f[64];

	build(&s, f, sizeof(f), NULL);

	skel = load(false, false);
	assert_int_equal(run(skel, f, sizeof(f), 1000), XDP_DROP_V);
	assert_int_equal(run(skel, f, 60, 7), XDP_DROP_V);
	pcpu(skel, &c);
	assert_int_equal(c.packets, 1007);
	assert_int_equal(c.bytes, 1000 * 64 + 7 * 60);
	/* Without check nothing else moves and no stream appears. */
	assert_int_equal(c.checked + c.unchecked + c.corrupted, 0);
	fp_sink_xdp__destroy(skel);

	skel = load(true, false);
	assert_int_equal(run(skel, f, sizeof(f), 3), XDP_PASS_V);
	pcpu(skel, &c);
	assert_int_equal(c.packets, 3);
	fp_sink_xdp__destroy(skel);

	skel = load(true, true);
	assert_int_equal(run(skel, f, sizeof(f), 1), XDP_PASS_V);
	fp_sink_xdp__destroy(skel);
	skel = load(false, true);
	assert_int_equal(run(skel, f, sizeof(f), 1), XDP_DROP_V);
	fp_sink_xdp__destroy(skel);
}

static uint32_t xlated_insns(struct fp_sink_xdp *skel)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(
		bpf_program__fd(skel->progs.fp_sink), &info, &len), 0);
	return info.xlated_prog_len / 8;
}

/*
 * Specialisation: with check off the verifier drops the parser.  The plain
 * sink is an inlined per-CPU lookup, two adds and a constant verdict (35
 * instructions on kernel 6.18); the parser and checker add about 300.
 */
static void test_check_off_is_pruned(void **state)
{
	struct fp_sink_xdp *skel;
	uint32_t off, on;

	skel = load(false, false);
	off = xlated_insns(skel);
	fp_sink_xdp__destroy(skel);
	skel = load(false, true);
	on = xlated_insns(skel);
	fp_sink_xdp__destroy(skel);
	print_message("sink instructions: check off %u, check on %u\n", off, on);
	assert_true(off > 0 && off <= 40);
	assert_true(on >= off + 200);
}

/* --- what --check accepts ------------------------------------------------ */

struct expect {
	uint64_t checked, unchecked, corrupted_beyond;
};

static void assert_pcpu(struct fp_sink_xdp *skel, uint64_t packets,
			const struct expect *e)
{
	struct fp_sink_pcpu c;

	pcpu(skel, &c);
	assert_int_equal(c.packets, packets);
	assert_int_equal(c.checked, e->checked);
	assert_int_equal(c.unchecked, e->unchecked);
	assert_int_equal(c.corrupted, e->corrupted_beyond);
}

/* One good frame of @s is checked and starts stream s->stream. */
static void check_good(const struct fp_pkt_spec *s)
{
	struct fp_sink_xdp *skel = load(false, true);
	const struct expect e = { .checked = 1 };
	struct fp_seq_state st;
	uint8_t f[FP_PKT_MAX_FRAME];
	size_t len = build(s, f, sizeof(f), NULL);

	assert_int_equal(run(skel, f, len, 1), XDP_DROP_V);
	assert_pcpu(skel, 1, &e);
	assert_int_equal(stream(skel, s->stream, &st), 0);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.top, s->seq);
	assert_int_equal(st.corrupted, 0);
	fp_sink_xdp__destroy(skel);
}

static void test_good_frames(void **state)
{
	struct fp_pkt_spec s;
	uint16_t len;

	s = spec_v4(IPPROTO_UDP, 64);
	s.stream = 3;
	s.seq = 0xdeadbeef;
	check_good(&s);

	/* Every tail length (payload length mod 4), even and odd. */
	for (len = 52; len < 60; len++) {
		s = spec_v4(IPPROTO_UDP, len);
		s.stream = len;
		s.seq = len * 1000u;
		check_good(&s);
	}

	s = spec_v4(IPPROTO_UDP, 64);
	s.ip_opts_len = 8;
	check_good(&s);
	s = spec_v4(IPPROTO_UDP, 128);
	s.ip_opts_len = 40;		/* IHL 15, the longest */
	check_good(&s);

	s = spec_v4(IPPROTO_UDP, 70);
	s.nvlan = 1;
	s.vlan_tci[0] = 100;
	check_good(&s);
	s = spec_v4(IPPROTO_TCP, 90);
	s.nvlan = 2;			/* QinQ: 802.1ad outside, 802.1Q inside */
	s.vlan_tpid[0] = 0x88a8;
	s.vlan_tci[0] = 10;
	s.vlan_tci[1] = 20;
	check_good(&s);

	s = spec_v4(IPPROTO_TCP, 64);
	check_good(&s);
	s = spec_v6(IPPROTO_UDP, 100);
	s.stream = FP_SINK_MAX_STREAMS - 1;	/* the last slot */
	check_good(&s);
	s = spec_v6(IPPROTO_TCP, 101);
	check_good(&s);

	/* Full-size frames: the checksum loop walks the whole payload. */
	s = spec_v4(IPPROTO_UDP, 1514);
	check_good(&s);
	s = spec_v6(IPPROTO_TCP, 1514);
	check_good(&s);
	/* The longest payload checked: exactly FP_SINK_MAX_CHECK_LEN. */
	s = spec_v4(IPPROTO_UDP, 14 + 20 + 8 + FP_SINK_MAX_CHECK_LEN);
	check_good(&s);
}

/* Ethernet padding after the IP datagram is not part of the payload. */
static void test_padding_excluded(void **state)
{
	struct fp_pkt_spec s = spec_v4(IPPROTO_UDP, 14 + 20 + 8 + 11);
	struct fp_sink_xdp *skel = load(false, true);
	const struct expect e = { .checked = 1 };
	uint8_t f[60];

	memset(f, 0xa5, sizeof(f));	/* padding that would spoil the sum */
	build(&s, f, sizeof(f), NULL);
	assert_int_equal(run(skel, f, sizeof(f), 1), XDP_DROP_V);
	assert_pcpu(skel, 1, &e);
	fp_sink_xdp__destroy(skel);
}

/* TCP with options (data offset 8): the payload starts after them. */
static void test_tcp_options(void **state)
{
	struct fp_pkt_spec s = spec_v4(IPPROTO_TCP, 100);
	struct fp_sink_xdp *skel = load(false, true);
	const struct expect e = { .checked = 1 };
	struct fp_pkt_layout l;
	uint8_t f[200], g[200];
	size_t len = build(&s, f, sizeof(f), &l);

	/* Insert 12 bytes of NOP options between TCP header and payload. */
	memcpy(g, f, l.payload_off);
	memset(g + l.payload_off, 1, 12);
	memcpy(g + l.payload_off + 12, f + l.payload_off, l.payload_len);
	g[l.l4_off + 12] = (uint8_t)((20 + 12) / 4) << 4;
	put16(g + l.l3_off + 2, (uint16_t)(get16(f + l.l3_off + 2) + 12));
	assert_int_equal(run(skel, g, len + 12, 1), XDP_DROP_V);
	assert_pcpu(skel, 1, &e);
	fp_sink_xdp__destroy(skel);
}

/* --- what --check rejects or cannot check -------------------------------- */

static void test_corrupted(void **state)
{
	struct fp_pkt_spec s = spec_v4(IPPROTO_UDP, 64);
	struct fp_sink_xdp *skel = load(false, true);
	struct expect e = { 0 };
	struct fp_pkt_layout l;
	struct fp_seq_state st;
	uint8_t f[1514], bad[1514];
	uint16_t len;
	size_t n;

	s.stream = 9;
	s.seq = 100;
	n = build(&s, f, sizeof(f), &l);
	/* Before its stream started a corrupted frame is counted but does
	 * not start it. */
	memcpy(bad, f, n);
	bad[l.payload_off + 12] ^= 0x40;
	run(skel, bad, n, 1);
	e.checked = 1;
	assert_pcpu(skel, 1, &e);
	assert_int_equal(stream(skel, 9, &st), 0);
	assert_int_equal(st.corrupted, 1);
	assert_int_equal(st.received, 0);

	run(skel, f, n, 1);
	e.checked = 2;
	assert_pcpu(skel, 2, &e);

	/* Corruption anywhere in the payload, header included, with every
	 * tail length, is found. */
	for (len = 60; len < 64; len++) {
		s.frame_len = len;
		n = build(&s, f, sizeof(f), &l);
		memcpy(bad, f, n);
		bad[n - 1] ^= 0x01;		/* the last byte */
		run(skel, bad, n, 1);
		memcpy(bad, f, n);
		bad[l.payload_off + 4] ^= 0x80;	/* the seq field */
		run(skel, bad, n, 1);
	}
	s.frame_len = 1514;
	n = build(&s, f, sizeof(f), &l);
	memcpy(bad, f, n);
	bad[1000] ^= 0xff;
	run(skel, bad, n, 1);
	e.checked = 2 + 9;
	assert_pcpu(skel, 2 + 9, &e);
	assert_int_equal(stream(skel, 9, &st), 0);
	assert_int_equal(st.corrupted, 1 + 9);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.top, 100);
	assert_true(st.window == 1);

	/* A corrupted stream id beyond the table: corrupted all the same. */
	s.frame_len = 64;
	s.stream = 40000;
	n = build(&s, f, sizeof(f), &l);
	f[n - 2] ^= 0x04;
	run(skel, f, n, 1);
	e.checked++;
	e.corrupted_beyond = 1;
	assert_pcpu(skel, 2 + 9 + 1, &e);
	fp_sink_xdp__destroy(skel);
}

/* Each frame here is counted but not checked. */
static void expect_unchecked(const uint8_t *f, size_t len)
{
	struct fp_sink_xdp *skel = load(false, true);
	const struct expect e = { .unchecked = 1 };

	assert_int_equal(run(skel, f, len, 1), XDP_DROP_V);
	assert_pcpu(skel, 1, &e);
	fp_sink_xdp__destroy(skel);
}

static void test_unchecked(void **state)
{
	struct fp_pkt_spec s = spec_v4(IPPROTO_UDP, 64);
	struct fp_pkt_layout l;
	uint8_t f[2100], g[2100];
	size_t n;

	n = build(&s, f, sizeof(f), &l);

	/* truncated: the frame ends before the IP datagram does */
	expect_unchecked(f, n - 1);
	/* no magic */
	memcpy(g, f, n);
	g[l.payload_off] = 0;
	expect_unchecked(g, n);
	/* not IP: ARP */
	memcpy(g, f, n);
	put16(g + 12, 0x0806);
	expect_unchecked(g, n);
	/* not UDP/TCP: ICMP */
	memcpy(g, f, n);
	g[l.l3_off + 9] = 1;
	expect_unchecked(g, n);
	/* fragments: the first one (MF) and a later one (offset) */
	memcpy(g, f, n);
	put16(g + l.l3_off + 6, 0x2000);
	expect_unchecked(g, n);
	memcpy(g, f, n);
	put16(g + l.l3_off + 6, 0x0010);
	expect_unchecked(g, n);
	/* a frame shorter than its IP header (test runs refuse frames
	 * shorter than an Ethernet header, and so do drivers) */
	expect_unchecked(f, l.l3_off + 19);

	/* a payload one byte shorter than its header */
	s = spec_v4(IPPROTO_UDP, 14 + 20 + 8 + FP_PAYLOAD_HDR_LEN - 1);
	n = build(&s, f, sizeof(f), &l);
	expect_unchecked(f, n);

	/* IPv6 with an extension header (hop-by-hop) in front of UDP */
	s = spec_v6(IPPROTO_UDP, 100);
	n = build(&s, f, sizeof(f), &l);
	memcpy(g, f, l.l4_off);
	g[l.l3_off + 6] = 0;			/* next header: hop-by-hop */
	put16(g + l.l3_off + 4, (uint16_t)(get16(f + l.l3_off + 4) + 8));
	memset(g + l.l4_off, 0, 8);
	g[l.l4_off] = IPPROTO_UDP;		/* its next header; length 0 */
	g[l.l4_off + 2] = 1;			/* PadN */
	g[l.l4_off + 3] = 4;
	memcpy(g + l.l4_off + 8, f + l.l4_off, n - l.l4_off);
	expect_unchecked(g, n + 8);

	/* a payload longer than FP_SINK_MAX_CHECK_LEN */
	s = spec_v4(IPPROTO_UDP, 14 + 20 + 8 + FP_SINK_MAX_CHECK_LEN + 1);
	n = build(&s, f, sizeof(f), &l);
	expect_unchecked(f, n);

	/* an IPv4 header with a bad IHL (4) */
	s = spec_v4(IPPROTO_UDP, 64);
	n = build(&s, f, sizeof(f), &l);
	f[l.l3_off] = 0x44;
	expect_unchecked(f, n);
}

/* Stream ids beyond the table are counted unchecked. */
static void test_stream_ids_beyond_table(void **state)
{
	struct fp_pkt_spec s = spec_v4(IPPROTO_UDP, 64);
	struct fp_sink_xdp *skel = load(false, true);
	const struct expect e = { .checked = 4, .unchecked = 8 };
	struct fp_seq_state st;
	uint8_t f[64];
	__u32 i;

	for (i = FP_SINK_MAX_STREAMS - 4; i < FP_SINK_MAX_STREAMS + 7; i++) {
		s.stream = (uint16_t)i;
		build(&s, f, sizeof(f), NULL);
		run(skel, f, sizeof(f), 1);
	}
	s.stream = 0xffff;
	build(&s, f, sizeof(f), NULL);
	run(skel, f, sizeof(f), 1);
	assert_pcpu(skel, 12, &e);
	for (i = FP_SINK_MAX_STREAMS - 4; i < FP_SINK_MAX_STREAMS; i++) {
		assert_int_equal(stream(skel, i, &st), 0);
		assert_int_equal(st.received, 1);
	}
	assert_int_equal(stream(skel, FP_SINK_MAX_STREAMS, &st), -ENOENT);
	fp_sink_xdp__destroy(skel);
}

/* --- differential: BPF program vs user-space checker --------------------- */

struct rng {
	uint64_t x;
};

static uint64_t rng_next(struct rng *r)
{
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dULL;
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

#define DIFF_STREAMS 3
#define DIFF_SENT    1500

struct diff_event {
	uint32_t seq;
	uint16_t stream;
	bool corrupt;
};

static struct diff_event devents[DIFF_STREAMS * DIFF_SENT * 2];

static void differential(uint64_t seed, uint32_t start)
{
	struct fp_seq_state user[DIFF_STREAMS], bpf_st, tot = { 0 };
	struct fp_sink_xdp *skel = load(false, true);
	struct rng r = { seed };
	struct fp_sink_pcpu c;
	size_t ne = 0, i;
	uint32_t k;
	int st;

	memset(user, 0, sizeof(user));
	/* loss 5%, duplicates 5%, corruption 2%, then 20% of the packets
	 * swapped with one up to 300 places later (some beyond the window) */
	for (k = 0; k < DIFF_SENT; k++) {
		for (st = 0; st < DIFF_STREAMS; st++) {
			struct diff_event e = {
				.seq = start + k,
				.stream = (uint16_t)(st * 100 + 1),
			};

			if (rng_below(&r, 100) < 5)
				continue;
			e.corrupt = rng_below(&r, 100) < 2;
			devents[ne++] = e;
			if (rng_below(&r, 100) < 5)
				devents[ne++] = e;
		}
	}
	for (i = 0; i + 1 < ne; i++) {
		size_t j = i + 1 + rng_below(&r, 300);
		struct diff_event t;

		if (rng_below(&r, 100) >= 20 || j >= ne)
			continue;
		t = devents[i];
		devents[i] = devents[j];
		devents[j] = t;
	}

	for (i = 0; i < ne; i++) {
		struct fp_pkt_spec s = spec_v4(IPPROTO_UDP, 64 + (uint16_t)(i % 7));
		struct fp_pkt_layout l;
		uint8_t f[128];
		size_t n;

		s.stream = devents[i].stream;
		s.seq = devents[i].seq;
		n = build(&s, f, sizeof(f), &l);
		st = devents[i].stream / 100;
		if (devents[i].corrupt) {
			f[l.payload_off + 10 + i % 10] ^= 0x10;
			fp_seq_corrupt(&user[st]);
		} else {
			fp_seq_update(&user[st], devents[i].seq);
		}
		assert_int_equal(run(skel, f, n, 1), XDP_DROP_V);
	}

	for (st = 0; st < DIFF_STREAMS; st++) {
		assert_int_equal(stream(skel, (uint32_t)st * 100 + 1, &bpf_st), 0);
		assert_memory_equal(&bpf_st, &user[st], sizeof(bpf_st));
		fp_seq_sum(&tot, &user[st]);
	}
	pcpu(skel, &c);
	assert_int_equal(c.packets, ne);
	assert_int_equal(c.corrupted, 0);
	assert_int_equal(c.checked, tot.received + tot.corrupted);
	assert_int_equal(c.unchecked, 0);
	/* the pattern really exercised every counter */
	assert_true(tot.lost && tot.dup && tot.reordered > tot.too_old &&
		    tot.too_old && tot.corrupted);
	fp_sink_xdp__destroy(skel);
}

static void test_differential(void **state)
{
	differential(0x1234567887654321ULL, 0);
	differential(0x0badc0ffee0ddf00ULL, 0xffffffffu - DIFF_SENT / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_and_pass),
		cmocka_unit_test(test_check_off_is_pruned),
		cmocka_unit_test(test_good_frames),
		cmocka_unit_test(test_padding_excluded),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_unchecked),
		cmocka_unit_test(test_stream_ids_beyond_table),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
