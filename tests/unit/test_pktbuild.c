// SPDX-License-Identifier: MIT
/*
 * Frame builder: the bytes it builds are compared with frames that scapy
 * built (an independent implementation of every header and checksum; the
 * payload computed from payload.h's definition in Python).  The vectors
 * were generated once with /usr/bin/python3 + scapy 2.5 and pasted here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fastpath/payload.h"
#include "fastpath/pktbuild.h"

/* Ether(02:fa:00:00:00:02 <- 02:fa:00:00:00:01)/IP(DF, ttl 64,
 * 198.18.0.1 > 198.18.0.2)/UDP(1234 > 9), 64 bytes, stream 3, seq 0x01020304 */
static const uint8_t v4_udp_64[] = {
	0x02, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x32, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xae, 0x93, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x04, 0xd2,
	0x00, 0x09, 0x00, 0x1e, 0x6e, 0xaf, 0xfa, 0x57, 0x00, 0x03, 0x01, 0x02,
	0x03, 0x04, 0xe3, 0x7a, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b,
};

/* IPv6 2001:2::1 > 2001:2::2 hop limit 64, UDP 40000 > 9, 100 bytes,
 * stream 0xfffe, seq 0xfffffffe */
static const uint8_t v6_udp_100[] = {
	0x02, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x2e, 0x11, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x09, 0x00, 0x2e,
	0x23, 0x40, 0xfa, 0x57, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe, 0x4e, 0xe5,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b,
};

/* 802.1Q (prio 5, VLAN 100)/IPv4 ttl 17 198.18.0.1 > 198.18.1.200/TCP ACK
 * 5555 > 80 seq 1000 ack 2000 window 65535, 80 bytes, stream 1, seq 7 */
static const uint8_t v4_tcp_vlan_80[] = {
	0x02, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0xa0, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3e, 0x00, 0x00,
	0x40, 0x00, 0x11, 0x06, 0xdb, 0xcc, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
	0x01, 0xc8, 0x15, 0xb3, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
	0x07, 0xd0, 0x50, 0x10, 0xff, 0xff, 0x00, 0x16, 0x00, 0x00, 0xfa, 0x57,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0xe7, 0x7b, 0x00, 0x01, 0x02, 0x03,
	0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
};

/* IPv6/TCP ACK 1 > 2, 74 bytes: headers only, empty payload */
static const uint8_t v6_tcp_74[] = {
	0x02, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x10, 0xff, 0xff, 0x6f, 0xc9,
	0x00, 0x00,
};

/* IPv4 with 8 NOP option bytes, UDP 9 > 9, 57 bytes: a 7-byte payload,
 * too short for the payload header, carries the pattern only */
static const uint8_t v4opt_udp_57[] = {
	0x02, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x47, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xa8, 0x96, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x09, 0x00, 0x09, 0x00, 0x0f,
	0x67, 0x8d, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
};

/* IPv4/UDP 29569 > 9, 64 bytes, stream 0 seq 0: the computed UDP checksum
 * is 0, which must go on the wire as 0xffff */
static const uint8_t v4_udp_zero_csum[] = {
	0x02, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x32, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xae, 0x93, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x73, 0x81,
	0x00, 0x09, 0x00, 0x1e, 0xff, 0xff, 0xfa, 0x57, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xe7, 0x83, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b,
};

static const uint8_t mac_dut[6] = { 0x02, 0xfa, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t mac_gen[6] = { 0x02, 0xfa, 0x00, 0x00, 0x00, 0x01 };

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
	struct fp_pkt_spec s;

	memset(&s, 0, sizeof(s));
	memcpy(s.dst_mac, mac_dut, 6);
	memcpy(s.src_mac, mac_gen, 6);
	addr(src, &s.src);
	addr(dst, &s.dst);
	s.proto = (uint8_t)proto;
	s.sport = sport;
	s.dport = dport;
	s.frame_len = len;
	return s;
}

static void build_and_compare(const struct fp_pkt_spec *s, const uint8_t *want,
			      size_t want_len, struct fp_pkt_layout *lay)
{
	uint8_t buf[256];

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(fp_pkt_build(s, buf, sizeof(buf), lay), 0);
	assert_int_equal(lay->frame_len, want_len);
	assert_memory_equal(buf, want, want_len);
	/* Nothing written past the frame. */
	assert_int_equal(buf[want_len], 0xa5);
}

static void test_ipv4_udp(void **state)
{
	struct fp_pkt_spec s = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP,
				    1234, 9, 64);
	struct fp_pkt_layout lay;

	s.stream = 3;
	s.seq = 0x01020304;
	build_and_compare(&s, v4_udp_64, sizeof(v4_udp_64), &lay);
	assert_int_equal(lay.l3_off, 14);
	assert_int_equal(lay.l4_off, 34);
	assert_int_equal(lay.payload_off, 42);
	assert_int_equal(lay.payload_len, 22);
	assert_true(lay.has_payload_hdr);
	assert_int_equal(fp_pkt_headers_len(&s), 42);
}

static void test_ipv6_udp(void **state)
{
	struct fp_pkt_spec s = spec("2001:2::1", "2001:2::2", IPPROTO_UDP,
				    40000, 9, 100);
	struct fp_pkt_layout lay;

	s.stream = 0xfffe;
	s.seq = 0xfffffffe;
	build_and_compare(&s, v6_udp_100, sizeof(v6_udp_100), &lay);
	assert_int_equal(lay.l4_off, 54);
	assert_int_equal(lay.payload_off, 62);
}

static void test_vlan_ipv4_tcp(void **state)
{
	struct fp_pkt_spec s = spec("198.18.0.1", "198.18.1.200", IPPROTO_TCP,
				    5555, 80, 80);
	struct fp_pkt_layout lay;

	s.nvlan = 1;
	s.vlan_tci[0] = (5 << 13) | 100;
	s.ttl = 17;
	s.tcp_seq = 1000;
	s.tcp_ack = 2000;
	s.stream = 1;
	s.seq = 7;
	build_and_compare(&s, v4_tcp_vlan_80, sizeof(v4_tcp_vlan_80), &lay);
	assert_int_equal(lay.l3_off, 18);
	assert_int_equal(lay.l4_off, 38);
	assert_int_equal(lay.payload_off, 58);
}

static void test_ipv6_tcp_no_payload(void **state)
{
	struct fp_pkt_spec s = spec("2001:2::1", "2001:2::2", IPPROTO_TCP, 1, 2,
				    74);
	struct fp_pkt_layout lay;

	build_and_compare(&s, v6_tcp_74, sizeof(v6_tcp_74), &lay);
	assert_int_equal(lay.payload_len, 0);
	assert_false(lay.has_payload_hdr);
}

static void test_ipv4_options_short_payload(void **state)
{
	struct fp_pkt_spec s = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9,
				    9, 57);
	struct fp_pkt_layout lay;

	s.ip_opts_len = 8;
	build_and_compare(&s, v4opt_udp_57, sizeof(v4opt_udp_57), &lay);
	assert_int_equal(lay.l4_off, 42);
	assert_int_equal(lay.payload_len, 7);
	assert_false(lay.has_payload_hdr);
}

static void test_udp_zero_checksum(void **state)
{
	struct fp_pkt_spec s = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP,
				    29569, 9, 64);
	struct fp_pkt_layout lay;

	build_and_compare(&s, v4_udp_zero_csum, sizeof(v4_udp_zero_csum), &lay);
}

/* The payload sums to 0xffff for any stream and seq (payload.h's promise),
 * so the L4 checksum of a flow does not depend on them. */
static void test_payload_sum_invariant(void **state)
{
	static const uint32_t seqs[] = { 0, 1, 0xffff, 0x10000, 0xfffffffe,
					 0xffffffff, 0x12345678 };
	static const uint16_t streams[] = { 0, 1, 0xffff, 0x8000 };
	static const size_t lens[] = { 10, 11, 22, 23, 1472 };
	uint8_t p[1500];
	size_t i, j, k;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (j = 0; j < sizeof(seqs) / sizeof(seqs[0]); j++)
			for (k = 0; k < sizeof(streams) / sizeof(streams[0]); k++) {
				fp_pkt_fill_payload(p, lens[i], streams[k], seqs[j]);
				assert_int_equal(fp_csum_fold(fp_csum_partial(p, lens[i], 0)),
						 0xffff);
				assert_int_equal(p[0] << 8 | p[1], FP_PAYLOAD_MAGIC);
				assert_int_equal(p[2] << 8 | p[3], streams[k]);
				assert_int_equal((uint32_t)p[4] << 24 | p[5] << 16 |
						 p[6] << 8 | p[7], seqs[j]);
				if (lens[i] > FP_PAYLOAD_HDR_LEN)
					assert_int_equal(p[lens[i] - 1],
							 (lens[i] - 11) & 0xff);
			}
}

static void test_rejections(void **state)
{
	struct fp_pkt_spec s = spec("198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9,
				    9, 64);
	struct fp_pkt_spec t;
	uint8_t buf[128];

	t = s;
	t.frame_len = 41;		/* < 42 bytes of headers */
	assert_int_equal(fp_pkt_build(&t, buf, sizeof(buf), NULL), -EINVAL);
	t = s;
	addr("2001:2::2", &t.dst);	/* mixed families */
	assert_int_equal(fp_pkt_build(&t, buf, sizeof(buf), NULL), -EINVAL);
	t = s;
	t.proto = IPPROTO_ICMP;
	assert_int_equal(fp_pkt_build(&t, buf, sizeof(buf), NULL), -EINVAL);
	t = s;
	t.ip_opts_len = 6;		/* not a multiple of 4 */
	assert_int_equal(fp_pkt_build(&t, buf, sizeof(buf), NULL), -EINVAL);
	t = s;
	t.nvlan = 3;
	assert_int_equal(fp_pkt_build(&t, buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(fp_pkt_build(&s, buf, 63, NULL), -ENOSPC);
	s.frame_len = 42;		/* exactly the headers: accepted */
	assert_int_equal(fp_pkt_build(&s, buf, sizeof(buf), NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv6_udp),
		cmocka_unit_test(test_vlan_ipv4_tcp),
		cmocka_unit_test(test_ipv6_tcp_no_payload),
		cmocka_unit_test(test_ipv4_options_short_payload),
		cmocka_unit_test(test_udp_zero_checksum),
		cmocka_unit_test(test_payload_sum_invariant),
		cmocka_unit_test(test_rejections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
