// SPDX-License-Identifier: MIT
/*
 * The NF packet corpus (see nf_corpus.h).  Good frames come from pktbuild
 * (correct checksums, so the LB's incremental updates start from real
 * values); every odd frame is a good one changed in one place, so a
 * difference between worlds points at that place.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/pktbuild.h"
#include "lib/nf_corpus.h"

const char *const nf_corpus_fw_rules[] = {
	"rule add 1 drop udp 198.18.0.1:9 198.18.0.2:9",
	"rule add 2 drop tcp 198.18.0.1:1000 198.18.0.2:80",
	"rule add 3 drop udp [2001:2::1]:9 [2001:2::2]:9",
	"rule add 4 drop tcp [2001:2::1]:1000 [2001:2::2]:80",
	/* An exact accept inside a source prefix drop: most specific wins. */
	"rule add 5 accept tcp 198.18.64.5:7 198.18.0.2:7",
	/* Flows to LB services that the firewall drops first. */
	"rule add 6 drop tcp 198.18.0.7:40000 198.18.0.100:80",
	"rule add 7 drop udp [2001:2::7]:40000 [2001:2::100]:53",
	"rule add 10 drop src 198.18.64.0/18",
	"rule add 11 drop src 2001:2:0:bad::/64",
	"rule add 20 accept dst 198.18.0.0/24",
	"rule add 21 accept dst 2001:2::/64",
	"policy drop",
	NULL,
};

const char *const nf_corpus_lb_rules[] = {
	"service add 198.18.0.100:80/tcp",
	"backend add 198.18.0.100:80/tcp 198.18.1.1:8080 02:fa:00:00:01:01",
	"backend add 198.18.0.100:80/tcp 198.18.1.2:8080 02:fa:00:00:01:02",
	"backend add 198.18.0.100:80/tcp 198.18.1.3:8080 02:fa:00:00:01:03",
	"service add 198.18.0.100:53/udp",
	"backend add 198.18.0.100:53/udp 198.18.1.1:5353 02:fa:00:00:01:01",
	"backend add 198.18.0.100:53/udp 198.18.1.2:5353 02:fa:00:00:01:02",
	"backend add 198.18.0.100:53/udp 198.18.1.3:5353 02:fa:00:00:01:03",
	"service add [2001:2::100]:80/tcp",
	"backend add [2001:2::100]:80/tcp [2001:2:0:1::1]:8080 02:fa:00:00:01:01",
	"backend add [2001:2::100]:80/tcp [2001:2:0:1::2]:8080 02:fa:00:00:01:02",
	"backend add [2001:2::100]:80/tcp [2001:2:0:1::3]:8080 02:fa:00:00:01:03",
	"service add [2001:2::100]:53/udp",
	"backend add [2001:2::100]:53/udp [2001:2:0:1::1]:5353 02:fa:00:00:01:01",
	"backend add [2001:2::100]:53/udp [2001:2:0:1::2]:5353 02:fa:00:00:01:02",
	"backend add [2001:2::100]:53/udp [2001:2:0:1::3]:5353 02:fa:00:00:01:03",
	NULL,
};

static const uint8_t MAC_GEN[6] = { 0x02, 0xfa, 0, 0, 0, 0x01 };
static const uint8_t MAC_DUT[6] = { 0x02, 0xfa, 0, 0, 0, 0x02 };
static const uint8_t MAC_BE[6] = { 0x02, 0xfa, 0, 0, 1, 0x01 };

#define ETH_ARP		0x0806
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8

/* Addresses by role, [0] IPv4 and [1] IPv6 (see the rules above). */
enum role {
	R_CLIENT,	/* exact rules and LB clients */
	R_CLIENT7,	/* the client whose LB flows the firewall drops */
	R_RULE_DST,	/* destination of the exact rules */
	R_SRC_DROP,	/* inside a source prefix drop */
	R_POL_SRC,	/* matches no rule: the policy decides */
	R_POL_DST,
	R_VIP,
	R_BE1,		/* R_BE1 + n: backend n + 1 */
	R_BE2,
	R_BE3,
	R_ROLES,
};

static const char *const addrs[R_ROLES][2] = {
	[R_CLIENT] = { "198.18.0.1", "2001:2::1" },
	[R_CLIENT7] = { "198.18.0.7", "2001:2::7" },
	[R_RULE_DST] = { "198.18.0.2", "2001:2::2" },
	[R_SRC_DROP] = { "198.18.64.5", "2001:2:0:bad::5" },
	[R_POL_SRC] = { "198.18.200.1", "2001:2:ff::1" },
	[R_POL_DST] = { "198.18.201.1", "2001:2:fe::1" },
	[R_VIP] = { "198.18.0.100", "2001:2::100" },
	[R_BE1] = { "198.18.1.1", "2001:2:0:1::1" },
	[R_BE2] = { "198.18.1.2", "2001:2:0:1::2" },
	[R_BE3] = { "198.18.1.3", "2001:2:0:1::3" },
};

/* How the IP header is carried. */
struct encap {
	const char *name;
	uint8_t nvlan;
	bool qinq;		/* the outer of two tags is 802.1ad */
	uint8_t opts;		/* IPv4 option bytes */
	bool v4_only;
};

static const struct encap encaps[] = {
	{ "plain", 0, false, 0, false },
	{ "vlan1", 1, false, 0, false },
	{ "vlan2", 2, true, 0, false },
	{ "opts8", 0, false, 8, true },
	{ "opts40+vlan2", 2, true, 40, true },
};

/* ---- the list ------------------------------------------------------------ */

static int add(struct nf_corpus *c, const void *data, size_t len,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int add(struct nf_corpus *c, const void *data, size_t len,
	       const char *fmt, ...)
{
	struct nf_corpus_frame *f;
	va_list ap;

	if (len < NF_CORPUS_MIN_LEN || len > NF_CORPUS_MAX_LEN)
		return 0;	/* XDP test runs refuse them: not ours */
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 512;

		f = realloc(c->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		c->f = f;
		c->cap = cap;
	}
	f = &c->f[c->n];
	f->data = malloc(len);
	if (!f->data)
		return -ENOMEM;
	memcpy(f->data, data, len);
	f->len = (uint16_t)len;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	c->n++;
	return 0;
}

void nf_corpus_free(struct nf_corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
	memset(c, 0, sizeof(*c));
}

/* splitmix64: small, and the same sequence everywhere. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- good frames ----------------------------------------------------------- */

struct frame {
	uint8_t b[NF_CORPUS_MAX_LEN];
	size_t len;
	struct fp_pkt_layout l;
	char what[60];
};

static void set_addr(struct fp_addr *a, int v6, enum role r)
{
	memset(a, 0, sizeof(*a));
	a->family = v6 ? AF_INET6 : AF_INET;
	inet_pton(a->family, addrs[r][v6], v6 ? (void *)&a->v6 : (void *)&a->v4);
}

/*
 * A good frame: @v6, @tcp, @e, from role @src:@sport to @dst:@dport;
 * @extra payload bytes after the headers.
 */
static int build(struct frame *f, int v6, int tcp, const struct encap *e,
		 enum role src, uint16_t sport, enum role dst, uint16_t dport,
		 size_t extra, const char *what)
{
	struct fp_pkt_spec s = { 0 };
	bool reply = src >= R_BE1;

	memcpy(s.dst_mac, MAC_DUT, 6);
	memcpy(s.src_mac, reply ? MAC_BE : MAC_GEN, 6);
	s.nvlan = e->nvlan;
	s.vlan_tci[0] = 100;
	s.vlan_tci[1] = 200;
	if (e->qinq)
		s.vlan_tpid[0] = ETH_QINQ;
	set_addr(&s.src, v6, src);
	set_addr(&s.dst, v6, dst);
	s.proto = tcp ? 6 : 17;
	s.sport = sport;
	s.dport = dport;
	s.ip_opts_len = v6 ? 0 : e->opts;
	s.tcp_seq = 1;
	s.tcp_ack = 1;
	s.frame_len = (uint16_t)(fp_pkt_headers_len(&s) + extra);
	s.seq = 1;
	if (fp_pkt_build(&s, f->b, sizeof(f->b), &f->l))
		return -EINVAL;
	f->len = s.frame_len;
	snprintf(f->what, sizeof(f->what), "v%d/%s/%s/%s", v6 ? 6 : 4,
		 tcp ? "tcp" : "udp", e->name, what);
	return 0;
}

static void ip4_csum(struct frame *f)
{
	uint8_t *ip = f->b + f->l.l3_off;
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	if (hl < 20 || f->l.l3_off + hl > f->len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, fp_csum_finish(fp_csum_partial(ip, hl, 0)));
}

/* Payload sizes, rotated so that lengths vary (0: headers only). */
static const size_t extras[] = { 0, 18, 64, 300, 7 };

/*
 * Every flow of the rules for one family, protocol and encapsulation.
 * The order matters for the LB: forward frames create sessions that the
 * replies after them then find.
 */
static int add_flows(struct nf_corpus *c, int v6, int tcp,
		     const struct encap *e, unsigned int *k)
{
	uint16_t eport_s = tcp ? 1000 : 9, eport_d = tcp ? 80 : 9;
	uint16_t svc = tcp ? 80 : 53, be_port = tcp ? 8080 : 5353;
	struct frame f;
	unsigned int i, b;
	int err = 0;

#define FLOW(src, sp, dst, dp, desc)					\
	do {								\
		if (!err && !(err = build(&f, v6, tcp, e, src, sp, dst, dp, \
					  extras[(*k)++ % 5], desc)))	\
			err = add(c, f.b, f.len, "%s", f.what);		\
	} while (0)

	FLOW(R_CLIENT, eport_s, R_RULE_DST, eport_d, "exact-drop");
	FLOW(R_CLIENT, eport_s + 1, R_RULE_DST, eport_d, "dst-accept");
	FLOW(R_SRC_DROP, 7, R_RULE_DST, 7, "src-drop");
	FLOW(R_POL_SRC, 1234, R_POL_DST, 5678, "policy");
	for (i = 0; i < 4; i++)
		FLOW(R_CLIENT, (uint16_t)(40000 + i), R_VIP, svc, "vip");
	FLOW(R_CLIENT, 40000, R_VIP, 81, "vip-other-port");
	FLOW(R_CLIENT7, 40000, R_VIP, svc, "vip-fw-drop");
	/* Replies from every backend: those of the backend the session
	 * chose are NATed back, the others are not the LB's. */
	for (b = 0; b < 3; b++)
		for (i = 0; i < 4; i++)
			FLOW((enum role)(R_BE1 + b), be_port, R_CLIENT,
			     (uint16_t)(40000 + i), "reply");
#undef FLOW
	return err;
}

/* ---- odd frames ------------------------------------------------------------ */

static int add_truncations(struct nf_corpus *c, const struct frame *f)
{
	size_t len;
	int err = 0;

	for (len = NF_CORPUS_MIN_LEN; len < f->len && !err; len++)
		err = add(c, f->b, len, "trunc %zu of %s", len, f->what);
	return err;
}

/* IPv4 fragments: first (MF, offset 0), middle, last, and MF with DF. */
static int add_fragments(struct nf_corpus *c, const struct frame *good)
{
	static const struct {
		uint16_t frag_off;
		const char *name;
	} fr[] = {
		{ 0x2000, "frag-first" },
		{ 0x2000 | 185, "frag-middle" },
		{ 370, "frag-last" },
		{ 0x4000 | 0x2000, "frag-first+df" },
		{ 1, "frag-last-8" },
	};
	struct frame f;
	unsigned int i;
	int err = 0;

	for (i = 0; i < sizeof(fr) / sizeof(fr[0]) && !err; i++) {
		f = *good;
		put16(f.b + f.l.l3_off + 6, fr[i].frag_off);
		ip4_csum(&f);
		err = add(c, f.b, f.len, "%s %s", fr[i].name, f.what);
	}
	return err;
}

/* Version, IHL and total length that do not hold together. */
static int add_bad_ip4(struct nf_corpus *c, const struct frame *good)
{
	static const uint8_t vers[] = { 0, 5, 6, 15 };
	static const uint8_t ihls[] = { 0, 1, 4, 6, 7, 15 };
	static const uint16_t tot[] = { 0, 1, 19, 20, 27, 65535 };
	struct frame f;
	unsigned int i;
	int err = 0;

	for (i = 0; i < sizeof(vers) && !err; i++) {
		f = *good;
		f.b[f.l.l3_off] = (uint8_t)((vers[i] << 4) | 5);
		err = add(c, f.b, f.len, "ver %u %s", vers[i], f.what);
	}
	for (i = 0; i < sizeof(ihls) && !err; i++) {
		f = *good;
		f.b[f.l.l3_off] = (uint8_t)(0x40 | ihls[i]);
		err = add(c, f.b, f.len, "ihl %u %s", ihls[i], f.what);
	}
	for (i = 0; i < sizeof(tot) / sizeof(tot[0]) && !err; i++) {
		f = *good;
		put16(f.b + f.l.l3_off + 2, tot[i]);
		ip4_csum(&f);
		err = add(c, f.b, f.len, "totlen %u %s", tot[i], f.what);
	}
	/* Other protocols: no ports, the firewall's prefixes still apply. */
	for (i = 0; i < 3 && !err; i++) {
		static const uint8_t protos[] = { 1, 47, 132 };

		f = *good;
		f.b[f.l.l3_off + 9] = protos[i];
		ip4_csum(&f);
		err = add(c, f.b, f.len, "proto %u %s", protos[i], f.what);
	}
	return err;
}

/* A UDP frame with checksum 0 ("none" over IPv4; invalid over IPv6). */
static int add_udp_csum0(struct nf_corpus *c, const struct frame *good)
{
	struct frame f = *good;

	put16(f.b + f.l.l4_off + 6, 0);
	return add(c, f.b, f.len, "udp-csum0 %s", f.what);
}

/* Version of an IPv6 frame wrong, and next headers we do not walk. */
static int add_ip6_odd(struct nf_corpus *c, const struct frame *good)
{
	static const uint8_t vers[] = { 0, 4, 7 };
	static const uint8_t nh[] = { 0, 43, 44, 50, 51, 60, 135, 139, 140,
				      58, 59, 253 };
	uint8_t *ip6;
	struct frame f;
	unsigned int i;
	size_t l4;
	int err = 0;

	for (i = 0; i < sizeof(vers) && !err; i++) {
		f = *good;
		ip6 = f.b + f.l.l3_off;
		ip6[0] = (uint8_t)((vers[i] << 4) | (ip6[0] & 0x0f));
		err = add(c, f.b, f.len, "ver %u %s", vers[i], f.what);
	}
	/* An 8-byte extension header in front of the L4 header. */
	for (i = 0; i < sizeof(nh) && !err; i++) {
		f = *good;
		l4 = f.l.l4_off;
		if (f.len + 8 > sizeof(f.b))
			break;
		memmove(f.b + l4 + 8, f.b + l4, f.len - l4);
		memset(f.b + l4, 0, 8);
		ip6 = f.b + f.l.l3_off;
		f.b[l4] = ip6[6];		/* next: the old L4 protocol */
		if (nh[i] == 44)		/* fragment header: offset 0, M */
			f.b[l4 + 3] = 1;
		ip6[6] = nh[i];
		f.len += 8;
		put16(ip6 + 4, (uint16_t)(f.len - f.l.l3_off - 40));
		err = add(c, f.b, f.len, "nexthdr %u %s", nh[i], f.what);
	}
	/* A later fragment: offset 8, no M. */
	if (!err) {
		f = *good;
		l4 = f.l.l4_off;
		memmove(f.b + l4 + 8, f.b + l4, f.len - l4);
		memset(f.b + l4, 0, 8);
		ip6 = f.b + f.l.l3_off;
		f.b[l4] = ip6[6];
		f.b[l4 + 2] = 0;
		f.b[l4 + 3] = 8;
		ip6[6] = 44;
		f.len += 8;
		put16(ip6 + 4, (uint16_t)(f.len - f.l.l3_off - 40));
		err = add(c, f.b, f.len, "frag-later %s", f.what);
	}
	return err;
}

/* ARP, other EtherTypes, tags with nothing after them. */
static int add_l2_odd(struct nf_corpus *c)
{
	static const uint16_t types[] = { 0x88cc, 0x8847, 0x0000, 0xffff,
					  0x9100, 0x0806 };
	uint8_t b[128];
	unsigned int i;
	int err = 0;

	memset(b, 0, sizeof(b));
	memset(b, 0xff, 6);			/* ARP request, broadcast */
	memcpy(b + 6, MAC_GEN, 6);
	put16(b + 12, ETH_ARP);
	put16(b + 14, 1);			/* Ethernet */
	put16(b + 16, 0x0800);
	b[18] = 6;
	b[19] = 4;
	put16(b + 20, 1);			/* request */
	memcpy(b + 22, MAC_GEN, 6);
	inet_pton(AF_INET, "198.18.0.1", b + 28);
	inet_pton(AF_INET, "198.18.0.2", b + 38);
	err = add(c, b, 42, "arp request");
	if (!err)
		err = add(c, b, 60, "arp request padded");
	if (!err)
		err = add(c, b, 18, "arp truncated");
	/* The same in a VLAN. */
	if (!err) {
		uint8_t v[128];

		memcpy(v, b, 12);
		put16(v + 12, ETH_VLAN);
		put16(v + 14, 100);
		memcpy(v + 16, b + 12, 42 - 12);
		err = add(c, v, 46, "arp in vlan1");
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]) && !err; i++) {
		put16(b + 12, types[i]);
		err = add(c, b, 60, "ethertype 0x%04x", types[i]);
	}
	/* Tags: cut inside, complete with nothing after, three of them. */
	memset(b + 12, 0, sizeof(b) - 12);
	put16(b + 12, ETH_VLAN);
	if (!err)
		err = add(c, b, 14, "vlan tag cut at 14");
	if (!err)
		err = add(c, b, 16, "vlan tag cut at 16");
	put16(b + 14, 100);
	put16(b + 16, 0x0800);
	if (!err)
		err = add(c, b, 18, "vlan then nothing (ipv4)");
	put16(b + 16, 0x86dd);
	if (!err)
		err = add(c, b, 18, "vlan then nothing (ipv6)");
	put16(b + 12, ETH_QINQ);
	put16(b + 16, ETH_VLAN);
	put16(b + 18, 200);
	put16(b + 20, ETH_VLAN);
	put16(b + 22, 300);
	put16(b + 24, 0x0800);
	b[26] = 0x45;
	if (!err)
		err = add(c, b, 80, "three vlan tags");
	put16(b + 20, 0x0800);
	if (!err)
		err = add(c, b, 22, "vlan2 then nothing");
	return err;
}

/* Good frames with 1..4 bytes of their headers changed at random. */
static int add_flips(struct nf_corpus *c, const struct frame *goods,
		     size_t ngood, uint64_t *rs, unsigned int n)
{
	struct frame f;
	unsigned int i, j, nflip;
	size_t span, pos;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		f = goods[rnd(rs) % ngood];
		nflip = 1 + (unsigned int)(rnd(rs) % 4);
		span = (size_t)f.l.payload_off + 4;
		if (span > f.len)
			span = f.len;
		for (j = 0; j < nflip; j++) {
			pos = rnd(rs) % span;
			f.b[pos] ^= (uint8_t)(1 + rnd(rs) % 255);
		}
		err = add(c, f.b, f.len, "flip%u %s", nflip, f.what);
	}
	return err;
}

/* Random bytes after an Ethernet header, with a plausible first byte
 * often enough that the IP parsers get past the version check. */
static int add_random(struct nf_corpus *c, uint64_t *rs, unsigned int n)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, ETH_VLAN, ETH_QINQ,
					  0x0800, 0x86dd };
	uint8_t b[256];
	unsigned int i;
	size_t len, j, l3;
	uint16_t type;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		len = NF_CORPUS_MIN_LEN + rnd(rs) % (sizeof(b) - 13);
		memcpy(b, MAC_DUT, 6);
		memcpy(b + 6, MAC_GEN, 6);
		type = rnd(rs) % 8 ? types[rnd(rs) % 6] : (uint16_t)rnd(rs);
		put16(b + 12, type);
		for (j = 14; j < len; j++)
			b[j] = (uint8_t)rnd(rs);
		l3 = 14;
		if ((type == ETH_VLAN || type == ETH_QINQ) && len >= 18) {
			put16(b + 16, rnd(rs) % 2 ? 0x0800 : 0x86dd);
			type = (uint16_t)((b[16] << 8) | b[17]);
			l3 = 18;
		}
		if (l3 < len && rnd(rs) % 2) {
			if (type == 0x0800)
				b[l3] = (uint8_t)(0x45 + rnd(rs) % 3 * 0x01);
			else if (type == 0x86dd)
				b[l3] = 0x60;
		}
		if (type == 0x0800 && l3 + 9 < len && rnd(rs) % 2)
			b[l3 + 9] = rnd(rs) % 2 ? 17 : 6;
		if (type == 0x86dd && l3 + 6 < len && rnd(rs) % 2)
			b[l3 + 6] = rnd(rs) % 2 ? 17 : 6;
		err = add(c, b, len, "random %u type 0x%04x", i, type);
	}
	return err;
}

int nf_corpus_build(struct nf_corpus *c, uint64_t seed)
{
	static const struct encap plain = { "plain", 0, false, 0, false };
	static const struct encap vlan1 = { "vlan1", 1, false, 0, false };
	static const struct encap vlan2 = { "vlan2", 2, true, 0, false };
	static const struct encap opts40 = { "opts40+vlan2", 2, true, 40, true };
	struct frame *goods = NULL, f;
	uint64_t rs = seed;
	unsigned int k = 0, v6, tcp, i;
	size_t ng = 0, e;
	int err = 0;

	memset(c, 0, sizeof(*c));
	/* 1. Every flow in every encapsulation. */
	for (v6 = 0; v6 < 2 && !err; v6++)
		for (tcp = 0; tcp < 2 && !err; tcp++)
			for (e = 0; e < sizeof(encaps) / sizeof(encaps[0]) &&
				    !err; e++)
				if (!v6 || !encaps[e].v4_only)
					err = add_flows(c, v6, tcp, &encaps[e],
							&k);

	/* Good frames to mutate, kept aside. */
	goods = calloc(16, sizeof(*goods));
	if (!goods)
		err = -ENOMEM;
#define GOOD(v6_, tcp_, e_, src, sp, dst, dp, extra, desc)		\
	do {								\
		if (!err && !(err = build(&goods[ng], v6_, tcp_, e_, src, sp, \
					  dst, dp, extra, desc)))	\
			ng++;						\
	} while (0)
	GOOD(0, 0, &plain, R_CLIENT, 9, R_RULE_DST, 9, 4, "exact-drop");
	GOOD(0, 1, &plain, R_CLIENT, 40000, R_VIP, 80, 6, "vip");
	GOOD(0, 0, &vlan1, R_CLIENT, 40001, R_VIP, 53, 3, "vip");
	GOOD(0, 1, &opts40, R_CLIENT, 40002, R_VIP, 80, 2, "vip");
	GOOD(1, 1, &vlan2, R_CLIENT, 40000, R_VIP, 80, 5, "vip");
	GOOD(1, 0, &plain, R_CLIENT, 40003, R_VIP, 53, 4, "vip");
	GOOD(1, 0, &vlan1, R_CLIENT, 9, R_RULE_DST, 9, 0, "exact-drop");
	GOOD(0, 0, &plain, R_BE2, 5353, R_CLIENT, 40001, 8, "reply");
	GOOD(1, 1, &plain, R_BE1, 8080, R_CLIENT, 40000, 8, "reply");
	GOOD(0, 1, &vlan2, R_SRC_DROP, 7, R_RULE_DST, 7, 10, "src-drop");
#undef GOOD

	/* 2. Every truncation of a few frames. */
	for (i = 0; i < 5 && !err; i++)
		err = add_truncations(c, &goods[i]);
	/* 3. IPv4 fragments and broken IPv4 headers. */
	for (i = 0; i < ng && !err; i++) {
		if (goods[i].b[goods[i].l.l3_off] >> 4 != 4)
			continue;
		err = add_fragments(c, &goods[i]);
		if (!err && i < 3)
			err = add_bad_ip4(c, &goods[i]);
	}
	/* 4. UDP without checksum, both families (the LB rewrites them). */
	if (!err)
		err = add_udp_csum0(c, &goods[2]);
	if (!err)
		err = add_udp_csum0(c, &goods[5]);
	if (!err)
		err = add_udp_csum0(c, &goods[7]);
	/* 5. IPv6 oddities. */
	if (!err)
		err = add_ip6_odd(c, &goods[4]);
	if (!err)
		err = add_ip6_odd(c, &goods[5]);
	/* A header that claims more than the frame has. */
	if (!err) {
		f = goods[0];
		f.b[f.l.l3_off] = 0x4f;		/* IHL 15: 60 bytes */
		err = add(c, f.b, f.len, "ihl 15 past the end %s", f.what);
	}
	/* 6. Not IP. */
	if (!err)
		err = add_l2_odd(c);
	/* 7. Bit flips and random bytes. */
	if (!err)
		err = add_flips(c, goods, ng, &rs, 300);
	if (!err)
		err = add_random(c, &rs, 300);
	free(goods);
	if (err)
		nf_corpus_free(c);
	return err;
}
