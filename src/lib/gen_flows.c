// SPDX-License-Identifier: MIT
/* Flows of the generator: ranges -> 5-tuples -> precomputed header blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "fastpath/pktbuild.h"
#include "lib/gen_priv.h"

/* Addresses in [lo, hi], saturated at 2^32: no run cycles through more. */
static uint64_t addr_count(const struct fp_addr *lo, const struct fp_addr *hi)
{
	unsigned __int128 a = 0, b = 0;
	int i;

	if (lo->family == AF_INET)
		return (uint64_t)ntohl(hi->v4.s_addr) - ntohl(lo->v4.s_addr) + 1;
	for (i = 0; i < 16; i++) {
		a = a << 8 | lo->v6.s6_addr[i];
		b = b << 8 | hi->v6.s6_addr[i];
	}
	if (b < a)
		return 1;
	if (b - a >= (unsigned __int128)1 << 32)
		return 1ULL << 32;
	return (uint64_t)(b - a) + 1;
}

static void addr_add(struct fp_addr *a, uint64_t off)
{
	int i;

	if (a->family == AF_INET) {
		a->v4.s_addr = htonl(ntohl(a->v4.s_addr) + (uint32_t)off);
		return;
	}
	/* Big-endian 128-bit add, carrying from the last byte. */
	for (i = 15; i >= 0 && off; i--) {
		off += a->v6.s6_addr[i];
		a->v6.s6_addr[i] = (uint8_t)off;
		off >>= 8;
	}
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	if (a && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

uint64_t fp_gen_tuple_count(const struct fp_gen_config *cfg)
{
	uint64_t n = (uint64_t)cfg->sport_hi - cfg->sport_lo + 1;

	n = sat_mul(n, (uint64_t)cfg->dport_hi - cfg->dport_lo + 1);
	n = sat_mul(n, addr_count(&cfg->src_lo, &cfg->src_hi));
	return sat_mul(n, addr_count(&cfg->dst_lo, &cfg->dst_hi));
}

void fp_gen_flow_tuple(const struct fp_gen_config *cfg, uint32_t index,
		       struct fp_gen_tuple *t)
{
	uint64_t f = index, n;

	n = (uint64_t)cfg->sport_hi - cfg->sport_lo + 1;
	t->sport = (uint16_t)(cfg->sport_lo + f % n);
	f /= n;
	n = (uint64_t)cfg->dport_hi - cfg->dport_lo + 1;
	t->dport = (uint16_t)(cfg->dport_lo + f % n);
	f /= n;
	n = addr_count(&cfg->src_lo, &cfg->src_hi);
	t->src = cfg->src_lo;
	addr_add(&t->src, f % n);
	f /= n;
	n = addr_count(&cfg->dst_lo, &cfg->dst_hi);
	t->dst = cfg->dst_lo;
	addr_add(&t->dst, f % n);
}

static void flow_spec(const struct fp_gen *g, uint32_t index,
		      struct fp_pkt_spec *s)
{
	struct fp_gen_tuple t;

	fp_gen_flow_tuple(&g->cfg, index, &t);
	memset(s, 0, sizeof(*s));
	memcpy(s->dst_mac, g->cfg.dst_mac, 6);
	memcpy(s->src_mac, g->cfg.src_mac, 6);
	s->src = t.src;
	s->dst = t.dst;
	s->proto = g->cfg.proto;
	s->sport = t.sport;
	s->dport = t.dport;
	s->tcp_seq = 1;
	s->tcp_ack = 1;
	s->frame_len = (uint16_t)g->cfg.size;
}

/*
 * Build g->tmpl (flow 0, stream 0, seq 0), g->pkt and g->flow_tab.  Each
 * entry is the head of the complete frame of its flow as pktbuild makes it,
 * so its checksums are right for every stream and seq (see genpkt.h).
 */
int fp_gen_build_flows(struct fp_gen *g)
{
	struct fp_pkt_layout lay;
	struct fp_pkt_spec s;
	uint8_t *frame;
	uint32_t i, copy;
	int err = 0;

	g->tmpl = calloc(1, g->cfg.size);
	g->flow_tab = calloc(g->flows, sizeof(*g->flow_tab));
	frame = calloc(1, g->cfg.size);
	if (!g->tmpl || !g->flow_tab || !frame) {
		err = -ENOMEM;
		goto out;
	}
	flow_spec(g, 0, &s);
	err = fp_pkt_build(&s, g->tmpl, g->cfg.size, &lay);
	if (err)
		goto out;
	g->tmpl_len = g->cfg.size;

	copy = (lay.payload_off + 7u) & ~7u;
	if (copy > lay.frame_len)
		copy = lay.frame_len;
	g->pkt.frame_len = lay.frame_len;
	g->pkt.copy_len = copy;
	g->pkt.pl_off = lay.has_payload_hdr ? lay.payload_off : 0;
	g->pkt.flows = g->flows;
	g->pkt.pattern_sum = fp_payload_pattern_sum(lay.payload_len);

	for (i = 0; i < g->flows; i++) {
		flow_spec(g, i, &s);
		err = fp_pkt_build(&s, frame, g->cfg.size, NULL);
		if (err)
			goto out;
		memcpy(g->flow_tab[i].bytes, frame, copy);
	}
out:
	free(frame);
	return err;
}
