// SPDX-License-Identifier: MIT
/*
 * The NF program (src/bpf/nf_xdp.bpf.c) run with BPF_PROG_TEST_RUN on
 * crafted frames: every chain and path passes the verifier, .rodata
 * switches prune what is off (instruction counts), and the verdicts and
 * exact output bytes of macswap, firewall and lb, with tables written
 * directly as the control path would.  Expected frames are built
 * independently with pktbuild (full checksums), so the LB's incremental
 * checksum updates are checked byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/nf.h"
#include "fastpath/pktbuild.h"
#include "fastpath/xdp.h"
#include "nf_xdp.skel.h"

/* Types only: the packet code runs in the kernel here. */
#define FP_NF_TYPES_ONLY
#include "fastpath/nf_parse.h"
#include "nf/firewall.h"
#include "nf/lb.h"

#define V_DROP 1
#define V_PASS 2
#define V_TX 3

static const uint8_t MAC_GEN[6] = { 0x02, 0xfa, 0, 0, 0, 0x01 };
static const uint8_t MAC_DUT[6] = { 0x02, 0xfa, 0, 0, 0, 0x02 };
static const uint8_t MAC_BE[6] = { 0x02, 0xfa, 0, 0, 1, 0x01 };

struct cfg {
	uint32_t chain[FP_CHAIN_MAX];
	uint32_t n;
	uint32_t path;
	uint32_t final;
};

static struct fp_nf_xdp *load(const struct cfg *c)
{
	struct fp_nf_xdp *skel = fp_nf_xdp__open();
	uint32_t i;

	assert_non_null(skel);
	for (i = 0; i < c->n; i++)
		skel->rodata->chain[i] = c->chain[i];
	skel->rodata->chain_len = c->n;
	skel->rodata->path = c->path;
	skel->rodata->final_verdict = c->final ? c->final : FP_PASS;
	for (i = 0; i < c->n; i++)
		if (c->chain[i] == FP_NF_LB)
			skel->rodata->need_time = true;
	assert_int_equal(fp_bpf_load(skel->obj, "nf_xdp"), 0);
	return skel;
}

static uint32_t insns(struct fp_nf_xdp *skel)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.fp_nf),
						&info, &len), 0);
	return info.xlated_prog_len / 8;
}

/* Run @in; return the verdict, the output in @out (@out_len). */
static int run(struct fp_nf_xdp *skel, const void *in, size_t len, void *out,
	       uint32_t *out_len)
{
	uint8_t buf[2048];
	struct xdp_md ctx = { .data_end = (uint32_t)len,
			      .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = (uint32_t)len,
		.data_out = out ? out : buf,
		.data_size_out = sizeof(buf),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);

	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.fp_nf), &o), 0);
	if (out_len)
		*out_len = o.data_size_out;
	return (int)o.retval;
}

/* A per-CPU __u64 slot of @map, summed over the CPUs. */
static uint64_t pcpu_sum(struct bpf_map *map, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	uint64_t vals[256], sum = 0;

	assert_true(ncpu > 0 && ncpu <= 256);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(map), &key, vals), 0);
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

static uint64_t counter(struct fp_nf_xdp *skel, uint32_t c)
{
	return pcpu_sum(skel->maps.nf_counters, c);
}

static void addr(struct fp_addr *a, const char *s)
{
	assert_int_equal(fp_parse_addr(s, "test", a), 0);
}

static size_t frame(uint8_t *buf, const char *src, const char *dst,
		    uint8_t proto, uint16_t sport, uint16_t dport, int nvlan)
{
	struct fp_pkt_spec s = { 0 };
	struct fp_pkt_layout l;

	memcpy(s.dst_mac, MAC_DUT, 6);
	memcpy(s.src_mac, MAC_GEN, 6);
	addr(&s.src, src);
	addr(&s.dst, dst);
	s.proto = proto;
	s.sport = sport;
	s.dport = dport;
	s.nvlan = (uint8_t)nvlan;
	s.vlan_tci[0] = 100;
	s.vlan_tci[1] = 200;
	s.frame_len = 128;
	s.seq = 7;
	assert_int_equal(fp_pkt_build(&s, buf, 2048, &l), 0);
	return l.frame_len;
}

static void test_every_chain_and_path_loads(void **state)
{
	static const struct cfg chains[] = {
		{ { FP_NF_MACSWAP }, 1, 0, 0 },
		{ { FP_NF_FIREWALL }, 1, 0, 0 },
		{ { FP_NF_LB }, 1, 0, 0 },
		{ { FP_NF_FIREWALL, FP_NF_LB }, 2, 0, 0 },
		{ { FP_NF_FIREWALL, FP_NF_MACSWAP }, 2, 0, 0 },
		{ { FP_NF_FIREWALL, FP_NF_LB, FP_NF_MACSWAP, FP_NF_FIREWALL }, 4, 0, 0 },
	};
	static const uint32_t paths[] = { FP_PATH_XDP, FP_PATH_USER,
					  FP_PATH_EARLY, FP_PATH_BY_QUEUE };
	uint32_t mac = 0, fw = 0, fw_lb = 0;
	size_t i, j;

	for (i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
		for (j = 0; j < 4; j++) {
			struct cfg c = chains[i];
			struct fp_nf_xdp *skel;
			uint32_t n;

			c.path = paths[j];
			skel = load(&c);
			n = insns(skel);
			printf("# chain %zu path %u: %u insns\n", i, c.path, n);
			if (i == 1 && j == 0)
				fw = n;
			if (i == 3 && j == 0)
				fw_lb = n;
			if (i == 0 && j == 0)
				mac = n;
			fp_nf_xdp__destroy(skel);
		}
	}
	/* Specialization: what is off is not in the program. */
	assert_true(mac < fw);
	assert_true(fw < fw_lb);
}

static void test_macswap(void **state)
{
	struct cfg c = { { FP_NF_MACSWAP }, 1, FP_PATH_XDP, 0 };
	struct fp_nf_xdp *skel = load(&c);
	uint8_t in[2048], out[2048], arp[60] = { 0 };
	uint32_t olen;
	size_t len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9, 0);

	assert_int_equal(run(skel, in, len, out, &olen), V_TX);
	assert_int_equal(olen, len);
	assert_memory_equal(out, MAC_GEN, 6);
	assert_memory_equal(out + 6, MAC_DUT, 6);
	assert_memory_equal(out + 12, in + 12, len - 12);
	/* ARP is not reflected: the host keeps resolving. */
	memset(arp, 0xff, 6);
	memcpy(arp + 6, MAC_GEN, 6);
	arp[12] = 0x08;
	arp[13] = 0x06;
	assert_int_equal(run(skel, arp, sizeof(arp), NULL, NULL), V_PASS);
	/* A VLAN tag cut off is malformed. */
	in[12] = 0x81;
	in[13] = 0x00;
	assert_int_equal(run(skel, in, 16, NULL, NULL), V_DROP);
	assert_int_equal(counter(skel, FP_CNT_MALFORMED), 1);
	assert_int_equal(counter(skel, FP_CNT_TX), 1);
	fp_nf_xdp__destroy(skel);
}

static void fw_key(struct fp_tuple *t, const char *src, const char *dst,
		   uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct fp_addr s, d;

	memset(t, 0, sizeof(*t));
	addr(&s, src);
	addr(&d, dst);
	t->family = s.family == AF_INET ? FP_AF_INET : FP_AF_INET6;
	t->proto = proto;
	t->sport = htons(sport);
	t->dport = htons(dport);
	memcpy(t->saddr, &s.v4, s.family == AF_INET ? 4 : 16);
	memcpy(t->daddr, &d.v4, d.family == AF_INET ? 4 : 16);
}

static void fw_prefix(struct fp_nf_xdp *skel, bool src, const char *a,
		      unsigned int plen, uint32_t id, uint32_t action)
{
	struct fp_fw_lpm_key k = { 0 };
	struct fp_fw_rule r = { .id = id, .action = action };
	struct fp_addr x;

	addr(&x, a);
	k.prefixlen = FP_FW_FAMILY_BITS + plen;
	k.family = x.family == AF_INET ? FP_AF_INET : FP_AF_INET6;
	memcpy(k.addr, &x.v4, x.family == AF_INET ? 4 : 16);
	assert_int_equal(bpf_map_update_elem(src ? bpf_map__fd(skel->maps.fw_src)
						 : bpf_map__fd(skel->maps.fw_dst),
					     &k, &r, 0), 0);
}

static uint64_t fw_hits(struct fp_nf_xdp *skel, uint32_t id)
{
	return pcpu_sum(skel->maps.fw_hits, id);
}

static void test_firewall(void **state)
{
	struct cfg c = { { FP_NF_FIREWALL }, 1, FP_PATH_XDP, 0 };
	struct fp_nf_xdp *skel = load(&c);
	struct fp_fw_rule drop7 = { .id = 7, .action = FP_FW_DROP };
	struct fp_fw_rule acc8 = { .id = 8, .action = FP_FW_ACCEPT };
	struct fp_fw_config dflt = { .default_action = FP_FW_DROP };
	struct fp_tuple t;
	uint8_t in[2048], out[2048];
	uint32_t zero = 0, olen;
	size_t len;

	/* Default accept: goes on to Linux, untouched. */
	len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1000, 9, 0);
	assert_int_equal(run(skel, in, len, out, &olen), V_PASS);
	assert_memory_equal(out, in, len);
	assert_int_equal(fw_hits(skel, 0), 1);

	/* An exact rule drops that flow only. */
	fw_key(&t, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1000, 9);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.fw_exact),
					     &t, &drop7, 0), 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(fw_hits(skel, 7), 1);
	len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1001, 9, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_PASS);
	/* VLAN-tagged frames meet the same rules. */
	len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 1000, 9, 2);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(fw_hits(skel, 7), 2);

	/* Most specific wins: a /16 source drop, an exact accept inside. */
	fw_prefix(skel, true, "198.18.0.0", 16, 9, FP_FW_DROP);
	len = frame(in, "198.18.5.5", "198.18.0.2", IPPROTO_TCP, 5, 80, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(fw_hits(skel, 9), 1);
	fw_key(&t, "198.18.5.5", "198.18.0.2", IPPROTO_TCP, 5, 80);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.fw_exact),
					     &t, &acc8, 0), 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_PASS);
	assert_int_equal(fw_hits(skel, 8), 1);
	/* A longer source prefix beats a shorter one. */
	fw_prefix(skel, true, "198.18.7.0", 24, 10, FP_FW_ACCEPT);
	len = frame(in, "198.18.7.1", "198.18.0.2", IPPROTO_UDP, 5, 5, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_PASS);
	assert_int_equal(fw_hits(skel, 10), 1);

	/* Destination prefixes, IPv6, and the default policy. */
	fw_prefix(skel, false, "2001:2::", 64, 11, FP_FW_DROP);
	len = frame(in, "2001:2:1::1", "2001:2::2", IPPROTO_UDP, 5, 5, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(fw_hits(skel, 11), 1);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.fw_config),
					     &zero, &dflt, 0), 0);
	len = frame(in, "2001:2:1::1", "2001:2:9::2", IPPROTO_UDP, 5, 5, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	/* An IPv4 /0 does not match IPv6: the family is in the key. */
	fw_prefix(skel, false, "0.0.0.0", 0, 12, FP_FW_ACCEPT);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	len = frame(in, "203.0.113.1", "192.0.2.1", IPPROTO_UDP, 5, 5, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_PASS);
	assert_int_equal(fw_hits(skel, 12), 1);
	fp_nf_xdp__destroy(skel);
}

static void test_firewall_fragments_and_malformed(void **state)
{
	struct cfg c = { { FP_NF_FIREWALL }, 1, FP_PATH_XDP, 0 };
	struct fp_nf_xdp *skel = load(&c);
	struct fp_fw_rule drop7 = { .id = 7, .action = FP_FW_DROP };
	struct fp_tuple t;
	uint8_t in[2048];
	size_t len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9, 0);

	fw_key(&t, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.fw_exact),
					     &t, &drop7, 0), 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	/* The first fragment (MF set) has no ports for the firewall. */
	in[14 + 6] = 0x20;
	assert_int_equal(run(skel, in, len, NULL, NULL), V_PASS);
	/* Truncated IP header, bad IHL, bad version: malformed, dropped. */
	assert_int_equal(run(skel, in, 14 + 10, NULL, NULL), V_DROP);
	in[14] = 0x43;
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	in[14] = 0x65;
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(counter(skel, FP_CNT_MALFORMED), 3);
	/* UDP header cut off. */
	len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9, 0);
	assert_int_equal(run(skel, in, 14 + 20 + 4, NULL, NULL), V_DROP);
	fp_nf_xdp__destroy(skel);
}

static void lb_setup(struct fp_nf_xdp *skel, const char *vip, uint16_t port,
		     const char *be_ip, uint16_t be_port)
{
	struct fp_lb_vip_key vk = { 0 };
	struct fp_lb_service svc = { .id = 3, .backends = 1 };
	struct fp_lb_backend be = { 0 };
	struct fp_addr a;
	uint32_t id = 5, i;

	addr(&a, vip);
	vk.family = a.family == AF_INET ? FP_AF_INET : FP_AF_INET6;
	vk.proto = IPPROTO_TCP;
	vk.port = htons(port);
	memcpy(vk.addr, &a.v4, a.family == AF_INET ? 4 : 16);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.lb_vips),
					     &vk, &svc, 0), 0);
	addr(&a, be_ip);
	be.family = vk.family;
	be.active = 1;
	be.port = htons(be_port);
	memcpy(be.addr, &a.v4, a.family == AF_INET ? 4 : 16);
	memcpy(be.mac, MAC_BE, 6);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.lb_backends),
					     &id, &be, 0), 0);
	for (i = 0; i < FP_LB_RING_SIZE; i++) {
		uint32_t slot = 3 * FP_LB_RING_SIZE + i;

		assert_int_equal(bpf_map_update_elem(
			bpf_map__fd(skel->maps.lb_ring), &slot, &id, 0), 0);
	}
}

static size_t lb_frame(uint8_t *buf, const uint8_t *dmac, const uint8_t *smac,
		       const char *src, uint16_t sport, const char *dst,
		       uint16_t dport)
{
	struct fp_pkt_spec s = { 0 };
	struct fp_pkt_layout l;

	memcpy(s.dst_mac, dmac, 6);
	memcpy(s.src_mac, smac, 6);
	addr(&s.src, src);
	addr(&s.dst, dst);
	s.proto = IPPROTO_TCP;
	s.sport = sport;
	s.dport = dport;
	s.tcp_seq = 1;
	s.frame_len = 200;
	s.seq = 3;
	assert_int_equal(fp_pkt_build(&s, buf, 2048, &l), 0);
	return l.frame_len;
}

static void lb_roundtrip(const char *client, const char *vip, const char *be)
{
	struct cfg c = { { FP_NF_LB }, 1, FP_PATH_XDP, 0 };
	struct fp_nf_xdp *skel = load(&c);
	uint8_t in[2048], out[2048], want[2048];
	uint32_t olen;
	size_t len;

	lb_setup(skel, vip, 80, be, 8080);
	/* Client -> VIP becomes DUT -> backend at the backend's port. */
	len = lb_frame(in, MAC_DUT, MAC_GEN, client, 40000, vip, 80);
	lb_frame(want, MAC_BE, MAC_DUT, client, 40000, be, 8080);
	assert_int_equal(run(skel, in, len, out, &olen), V_TX);
	assert_int_equal(olen, len);
	assert_memory_equal(out, want, len);
	/* The same again follows the session. */
	assert_int_equal(run(skel, in, len, out, &olen), V_TX);
	assert_memory_equal(out, want, len);
	/* The backend's reply goes back to the client from the VIP. */
	len = lb_frame(in, MAC_DUT, MAC_BE, be, 8080, client, 40000);
	lb_frame(want, MAC_GEN, MAC_DUT, vip, 80, client, 40000);
	assert_int_equal(run(skel, in, len, out, &olen), V_TX);
	assert_memory_equal(out, want, len);
	/* Other traffic is not the LB's: on to Linux untouched. */
	len = lb_frame(in, MAC_DUT, MAC_GEN, client, 40000, vip, 81);
	assert_int_equal(run(skel, in, len, out, &olen), V_PASS);
	assert_memory_equal(out, in, len);
	fp_nf_xdp__destroy(skel);
}

static void test_lb_ipv4(void **state)
{
	lb_roundtrip("198.18.0.1", "198.18.0.100", "198.18.1.1");
}

static void test_lb_ipv6(void **state)
{
	lb_roundtrip("2001:2::1", "2001:2::100", "2001:2:1::1");
}

static void test_lb_no_backend_drops(void **state)
{
	struct cfg c = { { FP_NF_LB }, 1, FP_PATH_XDP, 0 };
	struct fp_nf_xdp *skel = load(&c);
	struct fp_lb_vip_key vk = { .family = FP_AF_INET, .proto = IPPROTO_TCP };
	struct fp_lb_service svc = { .id = 1 };
	uint8_t in[2048];
	size_t len;

	vk.port = htons(80);
	inet_pton(AF_INET, "198.18.0.100", vk.addr);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.lb_vips),
					     &vk, &svc, 0), 0);
	len = lb_frame(in, MAC_DUT, MAC_GEN, "198.18.0.1", 1, "198.18.0.100", 80);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	fp_nf_xdp__destroy(skel);
}

static void test_user_path_without_sockets(void **state)
{
	struct cfg c = { { FP_NF_FIREWALL }, 1, FP_PATH_USER, 0 };
	struct fp_nf_xdp *skel = load(&c);
	uint8_t in[2048], arp[60] = { 0 };
	size_t len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9, 0);

	/* IP goes to the sockets; with none bound the redirect fails. */
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(counter(skel, FP_CNT_REDIRECT_ERR), 1);
	/* Non-IP stays with Linux. */
	arp[12] = 0x08;
	arp[13] = 0x06;
	assert_int_equal(run(skel, arp, sizeof(arp), NULL, NULL), V_PASS);
	fp_nf_xdp__destroy(skel);
}

static void test_early_path_drops_in_xdp(void **state)
{
	struct cfg c = { { FP_NF_FIREWALL, FP_NF_LB }, 2, FP_PATH_EARLY, 0 };
	struct fp_nf_xdp *skel = load(&c);
	struct fp_fw_rule drop7 = { .id = 7, .action = FP_FW_DROP };
	struct fp_tuple t;
	uint8_t in[2048];
	size_t len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9, 0);

	fw_key(&t, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 9);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.fw_exact),
					     &t, &drop7, 0), 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(fw_hits(skel, 7), 1);
	assert_int_equal(counter(skel, FP_CNT_TO_USER) +
			 counter(skel, FP_CNT_REDIRECT_ERR), 0);
	/* Accepted: to user space (no socket here), not counted early. */
	len = frame(in, "198.18.0.1", "198.18.0.2", IPPROTO_UDP, 9, 10, 0);
	assert_int_equal(run(skel, in, len, NULL, NULL), V_DROP);
	assert_int_equal(counter(skel, FP_CNT_REDIRECT_ERR), 1);
	assert_int_equal(fw_hits(skel, 0), 0);
	fp_nf_xdp__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_chain_and_path_loads),
		cmocka_unit_test(test_macswap),
		cmocka_unit_test(test_firewall),
		cmocka_unit_test(test_firewall_fragments_and_malformed),
		cmocka_unit_test(test_lb_ipv4),
		cmocka_unit_test(test_lb_ipv6),
		cmocka_unit_test(test_lb_no_backend_drops),
		cmocka_unit_test(test_user_path_without_sockets),
		cmocka_unit_test(test_early_path_drops_in_xdp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
