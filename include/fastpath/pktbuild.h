/* SPDX-License-Identifier: MIT */
/*
 * Frame builder: complete Ethernet / [802.1Q] / IPv4|IPv6 / UDP|TCP frames
 * with correct checksums and the payload of payload.h, built in user space.
 *
 * Why one builder: the generator derives everything it sends from frames
 * built here (its BPF program only copies precomputed bytes), and the
 * program tests build their expected bytes here.  A checksum bug therefore
 * shows up once, in one place, and tests/unit/test_pktbuild.c pins the
 * output to bytes produced by an independent implementation (scapy).
 *
 * Conventions: addresses and ports in struct fp_pkt_spec are in host order
 * (ports) or as struct fp_addr (network order inside); frame_len is the L2
 * length without FCS; the L3/L4 headers and the payload fill the frame
 * exactly (no Ethernet padding), so IP total length = frame_len - L2 header.
 */
#ifndef FASTPATH_PKTBUILD_H
#define FASTPATH_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastpath/opts.h"	/* struct fp_addr */

#define FP_PKT_MAX_VLANS 2
#define FP_PKT_ETH_HLEN 14
#define FP_PKT_VLAN_HLEN 4
#define FP_PKT_IPV4_HLEN 20
#define FP_PKT_IPV6_HLEN 40
#define FP_PKT_UDP_HLEN 8
#define FP_PKT_TCP_HLEN 20
#define FP_PKT_MAX_FRAME 9216

struct fp_pkt_spec {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint8_t nvlan;				/* 0..FP_PKT_MAX_VLANS tags */
	uint16_t vlan_tpid[FP_PKT_MAX_VLANS];	/* 0 means 0x8100 */
	uint16_t vlan_tci[FP_PKT_MAX_VLANS];	/* outermost first */
	struct fp_addr src, dst;		/* one family: IPv4 or IPv6 */
	uint8_t proto;				/* IPPROTO_UDP or IPPROTO_TCP */
	uint16_t sport, dport;
	uint8_t ttl;				/* TTL / hop limit; 0 means 64 */
	uint8_t ip_opts_len;			/* IPv4: NOP options, 0..40, x4 */
	uint32_t tcp_seq, tcp_ack;		/* TCP: an ACK segment */
	uint16_t frame_len;			/* L2 bytes without FCS */
	uint16_t stream;			/* payload header (payload.h) */
	uint32_t seq;
};

/* Where things landed in a built frame (byte offsets from the start). */
struct fp_pkt_layout {
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t payload_off;	/* == headers length */
	uint16_t payload_len;
	uint16_t frame_len;
	bool has_payload_hdr;	/* payload_len >= FP_PAYLOAD_HDR_LEN */
};

/* Bytes of headers @s needs (the smallest frame_len it accepts). */
size_t fp_pkt_headers_len(const struct fp_pkt_spec *s);

/*
 * Build the frame described by @s into @buf (capacity @cap).  Returns 0, or
 * -EINVAL for an inconsistent spec (mixed families, unknown protocol, frame
 * shorter than its headers, bad option length) and -ENOSPC if @cap is too
 * small.  Pure: no logging, so tests can probe the rejections.
 */
int fp_pkt_build(const struct fp_pkt_spec *s, void *buf, size_t cap,
		 struct fp_pkt_layout *layout);

/*
 * Write the payload of payload.h into @payload (@len bytes): the header with
 * @stream/@seq and its csum, then the pattern; a payload shorter than the
 * header carries the pattern only.
 */
void fp_pkt_fill_payload(void *payload, size_t len, uint16_t stream,
			 uint32_t seq);

/*
 * RFC 1071 Internet checksum pieces.  fp_csum_partial() adds @len bytes
 * (big-endian words; an odd trailing byte is padded with zero) to the
 * running 32-bit-or-wider @sum; fp_csum_fold() (payload.h) folds it and
 * fp_csum_finish() returns the complemented 16-bit checksum in host order.
 * @buf must start at an even offset of the checksummed data.
 */
uint64_t fp_csum_partial(const void *buf, size_t len, uint64_t sum);
uint16_t fp_csum_finish(uint64_t sum);

/* Sum of the IPv4/IPv6 pseudo header for an L4 segment of @l4_len bytes. */
uint64_t fp_csum_pseudo(const struct fp_addr *src, const struct fp_addr *dst,
			uint8_t proto, uint32_t l4_len);

#endif
