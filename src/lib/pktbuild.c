// SPDX-License-Identifier: MIT
/* Frame builder: Ethernet/[VLAN]/IPv4|IPv6/UDP|TCP with checksums + payload. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fastpath/payload.h"
#include "fastpath/pktbuild.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define IPV4_DF 0x4000
#define TCP_FLAG_ACK 0x10
#define TCP_WINDOW 65535

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint64_t fp_csum_partial(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t fp_csum_finish(uint64_t sum)
{
	return (uint16_t)~fp_csum_fold(sum);
}

uint64_t fp_csum_pseudo(const struct fp_addr *src, const struct fp_addr *dst,
			uint8_t proto, uint32_t l4_len)
{
	uint64_t sum = 0;

	if (src->family == AF_INET) {
		sum = fp_csum_partial(&src->v4, 4, sum);
		sum = fp_csum_partial(&dst->v4, 4, sum);
	} else {
		sum = fp_csum_partial(&src->v6, 16, sum);
		sum = fp_csum_partial(&dst->v6, 16, sum);
	}
	/* IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zero
	 * bytes, next header.  Both add up to the same words. */
	return sum + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

static size_t l2_len(const struct fp_pkt_spec *s)
{
	return FP_PKT_ETH_HLEN + (size_t)s->nvlan * FP_PKT_VLAN_HLEN;
}

static size_t l3_len(const struct fp_pkt_spec *s)
{
	if (s->src.family == AF_INET6)
		return FP_PKT_IPV6_HLEN;
	return FP_PKT_IPV4_HLEN + s->ip_opts_len;
}

static size_t l4_len(const struct fp_pkt_spec *s)
{
	return s->proto == IPPROTO_TCP ? FP_PKT_TCP_HLEN : FP_PKT_UDP_HLEN;
}

size_t fp_pkt_headers_len(const struct fp_pkt_spec *s)
{
	return l2_len(s) + l3_len(s) + l4_len(s);
}

static int spec_valid(const struct fp_pkt_spec *s)
{
	if (s->src.family != AF_INET && s->src.family != AF_INET6)
		return -EINVAL;
	if (s->dst.family != s->src.family)
		return -EINVAL;
	if (s->proto != IPPROTO_UDP && s->proto != IPPROTO_TCP)
		return -EINVAL;
	if (s->nvlan > FP_PKT_MAX_VLANS)
		return -EINVAL;
	if (s->ip_opts_len &&
	    (s->src.family != AF_INET || s->ip_opts_len > 40 ||
	     s->ip_opts_len % 4))
		return -EINVAL;
	if (s->frame_len < fp_pkt_headers_len(s) ||
	    s->frame_len > FP_PKT_MAX_FRAME)
		return -EINVAL;
	return 0;
}

void fp_pkt_fill_payload(void *payload, size_t len, uint16_t stream,
			 uint32_t seq)
{
	uint8_t *p = payload;
	size_t i, off = 0;

	if (len >= FP_PAYLOAD_HDR_LEN) {
		uint16_t csum = fp_payload_csum(stream, seq,
						fp_payload_pattern_sum((__u32)len));

		put16(p, FP_PAYLOAD_MAGIC);
		put16(p + 2, stream);
		put32(p + 4, seq);
		put16(p + 8, csum);
		off = FP_PAYLOAD_HDR_LEN;
	}
	for (i = 0; off + i < len; i++)
		p[off + i] = fp_payload_pattern_byte((__u32)i);
}

static uint8_t *build_l2(const struct fp_pkt_spec *s, uint8_t *p)
{
	unsigned int i;

	memcpy(p, s->dst_mac, 6);
	memcpy(p + 6, s->src_mac, 6);
	p += 12;
	for (i = 0; i < s->nvlan; i++) {
		put16(p, s->vlan_tpid[i] ? s->vlan_tpid[i] : ETH_P_8021Q);
		put16(p + 2, s->vlan_tci[i]);
		p += FP_PKT_VLAN_HLEN;
	}
	put16(p, s->src.family == AF_INET ? ETH_P_IPV4 : ETH_P_IPV6);
	return p + 2;
}

static void build_ipv4(const struct fp_pkt_spec *s, uint8_t *p,
		       uint16_t total_len)
{
	size_t hlen = l3_len(s);

	p[0] = (uint8_t)(0x40 | (hlen / 4));
	p[1] = 0;				/* DSCP/ECN */
	put16(p + 2, total_len);
	put16(p + 4, 0);			/* id: DF set, never fragmented */
	put16(p + 6, IPV4_DF);
	p[8] = s->ttl ? s->ttl : 64;
	p[9] = s->proto;
	put16(p + 10, 0);
	memcpy(p + 12, &s->src.v4, 4);
	memcpy(p + 16, &s->dst.v4, 4);
	memset(p + FP_PKT_IPV4_HLEN, 1, s->ip_opts_len);	/* 1 = NOP */
	put16(p + 10, fp_csum_finish(fp_csum_partial(p, hlen, 0)));
}

static void build_ipv6(const struct fp_pkt_spec *s, uint8_t *p,
		       uint16_t payload_len)
{
	put32(p, 6u << 28);			/* version, no class, no label */
	put16(p + 4, payload_len);
	p[6] = s->proto;
	p[7] = s->ttl ? s->ttl : 64;
	memcpy(p + 8, &s->src.v6, 16);
	memcpy(p + 24, &s->dst.v6, 16);
}

static void build_l4(const struct fp_pkt_spec *s, uint8_t *p, uint16_t len)
{
	uint16_t csum;
	size_t csum_off;

	put16(p, s->sport);
	put16(p + 2, s->dport);
	if (s->proto == IPPROTO_UDP) {
		put16(p + 4, len);
		csum_off = 6;
	} else {
		put32(p + 4, s->tcp_seq);
		put32(p + 8, s->tcp_ack);
		p[12] = (FP_PKT_TCP_HLEN / 4) << 4;
		p[13] = TCP_FLAG_ACK;
		put16(p + 14, TCP_WINDOW);
		put16(p + 18, 0);		/* urgent pointer */
		csum_off = 16;
	}
	put16(p + csum_off, 0);
	csum = fp_csum_finish(fp_csum_partial(p, len,
			fp_csum_pseudo(&s->src, &s->dst, s->proto, len)));
	/* UDP sends a computed zero as 0xffff: zero means "no checksum". */
	if (s->proto == IPPROTO_UDP && csum == 0)
		csum = 0xffff;
	put16(p + csum_off, csum);
}

int fp_pkt_build(const struct fp_pkt_spec *s, void *buf, size_t cap,
		 struct fp_pkt_layout *layout)
{
	uint8_t *frame = buf, *l3, *l4;
	size_t hdrs, l4len;
	int err;

	err = spec_valid(s);
	if (err)
		return err;
	if (cap < s->frame_len)
		return -ENOSPC;
	hdrs = fp_pkt_headers_len(s);
	l3 = build_l2(s, frame);
	l4 = l3 + l3_len(s);
	l4len = s->frame_len - (size_t)(l4 - frame);

	/* The payload first: the L4 checksum covers it. */
	fp_pkt_fill_payload(frame + hdrs, s->frame_len - hdrs, s->stream,
			    s->seq);
	if (s->src.family == AF_INET)
		build_ipv4(s, l3, (uint16_t)(s->frame_len - (l3 - frame)));
	else
		build_ipv6(s, l3, (uint16_t)l4len);
	build_l4(s, l4, (uint16_t)l4len);

	if (layout) {
		layout->l3_off = (uint16_t)(l3 - frame);
		layout->l4_off = (uint16_t)(l4 - frame);
		layout->payload_off = (uint16_t)hdrs;
		layout->payload_len = (uint16_t)(s->frame_len - hdrs);
		layout->frame_len = s->frame_len;
		layout->has_payload_hdr =
			layout->payload_len >= FP_PAYLOAD_HDR_LEN;
	}
	return 0;
}
