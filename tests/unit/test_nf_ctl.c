// SPDX-License-Identifier: MIT
/*
 * NF control commands (nf_registry.c, nf_fw_ctl.c, nf_lb_ctl.c): every
 * error is exactly one line and a negative errno; every good command
 * leaves exactly the keys and values the packet code expects, read back
 * from each world (BPF maps made with bpf_map_create and user-space
 * twins).  The firewall's keys are checked against fp_parse() of real
 * frames, and both NFs are run on frames in user space (fp_nf_user_run)
 * with the tables the commands filled.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/nf_info.h"
#include "fastpath/nf_parse.h"
#include "fastpath/nf_table.h"
#include "fastpath/pktbuild.h"
#include "fastpath/utable.h"
/* The NFs' types; their tables and packet code are nf_user.c's. */
#define FP_NF_TYPES_ONLY
#include "nf/firewall.h"
#include "nf/lb.h"

#define NSLOTS 2

/* ---- fixtures ------------------------------------------------------------ */

struct env {
	struct fp_tables ts;
	struct fp_nf_inst nf;
};

static enum bpf_map_type bpf_type(enum fp_table_kind k)
{
	switch (k) {
	case FP_TABLE_HASH: return BPF_MAP_TYPE_HASH;
	case FP_TABLE_LPM: return BPF_MAP_TYPE_LPM_TRIE;
	case FP_TABLE_ARRAY: return BPF_MAP_TYPE_ARRAY;
	case FP_TABLE_PERCPU_ARRAY: return BPF_MAP_TYPE_PERCPU_ARRAY;
	}
	return BPF_MAP_TYPE_UNSPEC;
}

static enum fp_utable_type ut_type(enum fp_table_kind k)
{
	switch (k) {
	case FP_TABLE_HASH: return FP_UTABLE_HASH;
	case FP_TABLE_LPM: return FP_UTABLE_LPM;
	case FP_TABLE_ARRAY: return FP_UTABLE_ARRAY;
	case FP_TABLE_PERCPU_ARRAY: return FP_UTABLE_PERCPU_ARRAY;
	}
	return 0;
}

/*
 * Every table of @info in both worlds, as the engine makes them; @small
 * names one table made with @small_max entries.  The twins are also
 * handed to the packet code (nf_user.c), as the engine does.
 */
static struct env *env_new(const struct fp_nf_info *info, const char *small,
			   uint32_t small_max)
{
	struct env *e = calloc(1, sizeof(*e));
	unsigned int i;

	assert_non_null(e);
	e->ts.ncpus = (unsigned int)libbpf_num_possible_cpus();
	e->ts.nslots = NSLOTS;
	for (i = 0; i < info->n_tables; i++) {
		const struct fp_table_desc *d = &info->tables[i];
		struct fp_table *t = &e->ts.t[i];
		LIBBPF_OPTS(bpf_map_create_opts, o);

		t->desc = d;
		t->max_entries = small && !strcmp(small, d->name) ? small_max
								  : d->max_entries;
		o.map_flags = d->kind == FP_TABLE_LPM ? BPF_F_NO_PREALLOC : 0;
		t->fd = bpf_map_create(bpf_type(d->kind), d->name, d->key_size,
				       d->value_size, t->max_entries, &o);
		assert_true(t->fd >= 0);
		assert_int_equal(fp_utable_create(ut_type(d->kind), d->key_size,
						  d->value_size, t->max_entries,
						  NSLOTS, &t->ut), 0);
		*d->ut = t->ut;
	}
	e->ts.n = info->n_tables;
	e->nf.info = info;
	e->nf.tables = &e->ts;
	assert_int_equal(info->init(&e->nf), 0);
	return e;
}

static void env_free(struct env *e)
{
	unsigned int i;

	e->nf.info->fini(&e->nf);
	for (i = 0; i < e->ts.n; i++) {
		close(e->ts.t[i].fd);
		*e->ts.t[i].desc->ut = NULL;
		fp_utable_free(e->ts.t[i].ut);
	}
	free(e);
}

static struct fp_table *tab(struct env *e, const char *name)
{
	struct fp_table *t = fp_tables_find(&e->ts, name);

	assert_non_null(t);
	return t;
}

/* Table @name seen through one world: 0 BPF, 1 twin. */
static struct fp_table world(struct env *e, const char *name, int w)
{
	struct fp_table o = *tab(e, name);

	if (w == 0)
		o.ut = NULL;
	else
		o.fd = -1;
	return o;
}

static char outbuf[1 << 20];

/* Run one control line; its reply lands in outbuf. */
static int ctl(struct env *e, const char *line)
{
	char *copy = strdup(line);
	FILE *f = fmemopen(outbuf, sizeof(outbuf), "w");
	int rc;

	assert_non_null(copy);
	assert_non_null(f);
	rc = fp_nf_ctl_line(&e->nf, copy, f);
	fclose(f);
	free(copy);
	return rc;
}

static unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void ok(struct env *e, const char *line)
{
	int rc = ctl(e, line);

	if (rc)
		fail_msg("'%s' failed (%d): %s", line, rc, outbuf);
}

/* An error: non-zero, exactly one line, starting with the NF's name and
 * containing @what. */
static void bad(struct env *e, const char *line, const char *what)
{
	char prefix[32];
	int rc = ctl(e, line);

	snprintf(prefix, sizeof(prefix), "%s: ", e->nf.info->name);
	if (rc >= 0 || lines(outbuf) != 1 || strncmp(outbuf, prefix,
						       strlen(prefix)) ||
	    !strstr(outbuf, what))
		fail_msg("'%s': rc %d, reply '%s' (want one line with '%s')",
			 line, rc, outbuf, what);
}

/* ---- frames ---------------------------------------------------------------- */

static size_t frame(uint8_t *buf, const char *src, const char *dst,
		    uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct fp_pkt_spec s = { 0 };
	struct fp_pkt_layout l;

	assert_int_equal(fp_parse_addr(src, "src", &s.src), 0);
	assert_int_equal(fp_parse_addr(dst, "dst", &s.dst), 0);
	memcpy(s.src_mac, "\x02\xfa\x00\x00\x00\x01", 6);
	memcpy(s.dst_mac, "\x02\xfa\x00\x00\x00\x02", 6);
	s.proto = proto;
	s.sport = sport;
	s.dport = dport;
	s.frame_len = (uint16_t)(fp_pkt_headers_len(&s) + 16);
	assert_int_equal(fp_pkt_build(&s, buf, 256, &l), 0);
	return l.frame_len;
}

/* fp_parse()'s tuple of such a frame: what the data path looks up. */
static struct fp_tuple tuple(const char *src, const char *dst, uint8_t proto,
			     uint16_t sport, uint16_t dport)
{
	uint8_t buf[256];
	size_t len = frame(buf, src, dst, proto, sport, dport);
	struct fp_pkt p = { .data = buf, .data_end = buf + len };
	struct fp_hdrs h;

	assert_int_equal(fp_parse(&p, &h), 0);
	assert_true(h.flags & FP_H_PORTS);
	return h.t;
}

/* Run the user-space chain of one NF on a frame. */
static int run_user(enum fp_nf_id nf, uint8_t *buf, size_t len, uint64_t now)
{
	uint32_t chain[1] = { nf };
	struct fp_pkt p = { .data = buf, .data_end = buf + len, .now_ns = now };
	int v;

	fp_rcu_thread_online();
	v = fp_nf_user_run(&p, chain, 1);
	fp_rcu_quiescent();
	fp_rcu_thread_offline();
	return v;
}

/* ---- registry ---------------------------------------------------------------- */

static void test_registry(void **state)
{
	struct env *e;

	assert_ptr_equal(fp_nf_find("firewall"), &fp_nf_firewall_info);
	assert_ptr_equal(fp_nf_find("lb"), &fp_nf_lb_info);
	assert_ptr_equal(fp_nf_find("macswap"), &fp_nf_macswap_info);
	assert_null(fp_nf_find("nat"));
	assert_null(fp_nf_find(NULL));
	assert_ptr_equal(fp_nf_get(FP_NF_FIREWALL), &fp_nf_firewall_info);
	assert_ptr_equal(fp_nf_get(FP_NF_LB), &fp_nf_lb_info);
	assert_ptr_equal(fp_nf_get(FP_NF_MACSWAP), &fp_nf_macswap_info);
	assert_null(fp_nf_get(FP_NF_COUNT));
	assert_int_equal(fp_nf_firewall_info.n_tables, fp_nf_firewall_n_tables);
	assert_int_equal(fp_nf_lb_info.n_tables, fp_nf_lb_n_tables);
	assert_true(fp_nf_firewall_info.early_ok);
	assert_true(fp_nf_lb_info.need_time);

	e = env_new(&fp_nf_firewall_info, NULL, 0);
	/* Empty lines and comments do nothing and say nothing. */
	assert_int_equal(ctl(e, ""), 0);
	assert_int_equal(ctl(e, " \t "), 0);
	assert_int_equal(ctl(e, "# a comment"), 0);
	assert_int_equal(ctl(e, "   # indented comment\n"), 0);
	assert_string_equal(outbuf, "");
	/* help prints the NF's text as it is. */
	assert_int_equal(ctl(e, "help"), 0);
	assert_string_equal(outbuf, fp_nf_firewall_info.ctl_help);
	assert_int_equal(ctl(e, "\thelp  # comment"), 0);
	assert_string_equal(outbuf, fp_nf_firewall_info.ctl_help);
	bad(e, "frob", "unknown command 'frob'; see 'fastpath ctl IFACE "
	    "firewall help'");
	bad(e, "a b c d e f g h i j k l m n o p q", "too many words");
	/* Tabs separate words; a comment ends a line. */
	ok(e, "policy\tdrop # the default");
	assert_int_equal(ctl(e, "policy"), 0);
	assert_string_equal(outbuf, "firewall policy drop\n");
	env_free(e);
}

static void test_macswap(void **state)
{
	struct fp_nf_inst nf = { .info = &fp_nf_macswap_info };
	char line[32];
	FILE *f;
	int rc;

	assert_int_equal(fp_nf_macswap_info.n_tables, 0);
	strcpy(line, "help");
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	assert_int_equal(fp_nf_ctl_line(&nf, line, f), 0);
	fclose(f);
	assert_string_equal(outbuf, fp_nf_macswap_info.ctl_help);
	strcpy(line, "rule add 1");
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	rc = fp_nf_ctl_line(&nf, line, f);
	fclose(f);
	assert_true(rc < 0);
	assert_int_equal(lines(outbuf), 1);
	assert_string_equal(outbuf, "macswap: unknown command 'rule'; see "
			    "'fastpath ctl IFACE macswap help'\n");
}

/* ---- firewall ------------------------------------------------------------- */

static void check_rule(struct env *e, const char *table, const void *key,
		       uint32_t id, uint32_t action)
{
	struct fp_fw_rule r;
	int w;

	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, table, w);

		memset(&r, 0xee, sizeof(r));
		assert_int_equal(fp_table_lookup(&t, key, &r), 0);
		assert_int_equal(r.id, id);
		assert_int_equal(r.action, action);
	}
}

static void check_absent(struct env *e, const char *table, const void *key)
{
	struct fp_fw_rule r;
	int w;

	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, table, w);

		assert_int_equal(fp_table_lookup(&t, key, &r), -ENOENT);
	}
}

static uint64_t count(struct env *e, const char *table, int w)
{
	struct fp_table t = world(e, table, w);
	uint64_t n;

	assert_int_equal(fp_table_count(&t, &n), 0);
	return n;
}

static struct fp_fw_lpm_key prefix(const char *addr, uint32_t plen)
{
	struct fp_fw_lpm_key k;

	memset(&k, 0, sizeof(k));
	if (strchr(addr, ':')) {
		k.family = FP_AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, k.addr), 1);
	} else {
		k.family = FP_AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, k.addr), 1);
	}
	k.prefixlen = FP_FW_FAMILY_BITS + plen;
	return k;
}

static void test_fw_errors(void **state)
{
	struct env *e = env_new(&fp_nf_firewall_info, NULL, 0);

	bad(e, "rule", "usage: rule add|del|list");
	bad(e, "rule frob", "unknown command 'rule frob'");
	bad(e, "rule add", "usage: rule add ID");
	bad(e, "rule add 1 drop", "usage: rule add ID");
	bad(e, "rule add 0 drop src 198.18.0.0/15", "rule id 0 is out of "
	    "range; use 1..65536");
	bad(e, "rule add 65537 drop src 198.18.0.0/15", "rule id 65537 is "
	    "above 65536, the most fw_hits (65537 entries) counts; start with "
	    "--table-size fw_hits=65538");
	bad(e, "rule add 2000000 drop src 198.18.0.0/15", "out of range");
	bad(e, "rule add 99999999999999999999999 drop src 198.18.0.0/15",
	    "out of range");
	bad(e, "rule add x drop src 198.18.0.0/15", "rule id 'x' is not a "
	    "number");
	bad(e, "rule add -1 drop src 198.18.0.0/15", "not a number");
	bad(e, "rule add 1 reject src 198.18.0.0/15", "action 'reject' is not "
	    "accept or drop");
	bad(e, "rule add 1 drop icmp 198.18.0.1:9 198.18.0.2:9", "match "
	    "'icmp' is not udp, tcp, src or dst");
	bad(e, "rule add 1 drop udp 198.18.0.1:9", "usage: rule add ID "
	    "accept|drop udp SRC:SPORT DST:DPORT");
	bad(e, "rule add 1 drop udp 198.18.0.1 198.18.0.2:9", "'198.18.0.1' "
	    "is not ADDR:PORT");
	bad(e, "rule add 1 drop udp 198.18.0.1:70000 198.18.0.2:9",
	    "is not ADDR:PORT");
	bad(e, "rule add 1 drop udp 198.18.0.1:9 198.18.0.2:", "is not "
	    "ADDR:PORT");
	bad(e, "rule add 1 drop tcp 2001:2::1:9 [2001:2::2]:9", "is not "
	    "ADDR:PORT");
	bad(e, "rule add 1 drop tcp [2001:2::1]9 [2001:2::2]:9", "is not "
	    "ADDR:PORT");
	bad(e, "rule add 1 drop tcp [198.18.0.1]:9 198.18.0.2:9", "is not "
	    "ADDR:PORT");
	bad(e, "rule add 1 drop udp 198.18.0.1:9 [2001:2::1]:9", "are not of "
	    "the same family");
	bad(e, "rule add 1 drop src", "usage: rule add ID accept|drop src "
	    "PREFIX");
	bad(e, "rule add 1 drop src 198.18.0.0/15 extra", "usage");
	bad(e, "rule add 1 drop src 198.18.0.1/15", "198.18.0.1/15 has bits "
	    "set past its length");
	bad(e, "rule add 1 drop dst 198.18.0.0/33", "is not a prefix");
	bad(e, "rule add 1 drop dst 198.18.0.0/", "is not a prefix");
	bad(e, "rule add 1 drop dst 2001:2::/129", "is not a prefix");
	bad(e, "rule add 1 drop dst 2001:2::1/48", "bits set past");
	bad(e, "rule add 1 drop dst example.com/8", "is not a prefix");
	ok(e, "rule add 1 drop src 198.18.0.0/15");
	bad(e, "rule add 1 drop dst 198.18.0.0/15", "rule 1 exists; delete it "
	    "first with 'rule del 1'");
	bad(e, "rule add 2 accept src 198.18.0.0/15", "rule 2 matches the "
	    "same packets as rule 1");
	bad(e, "rule del", "usage: rule del ID");
	bad(e, "rule del 1 2", "usage: rule del ID");
	bad(e, "rule del 2", "rule 2 does not exist");
	bad(e, "rule del 70000", "above 65536");
	bad(e, "rule list all", "usage: rule list");
	bad(e, "policy reject", "usage: policy accept|drop");
	bad(e, "policy drop now", "usage: policy accept|drop");
	bad(e, "flush all", "usage: flush");
	/* Nothing of the failures reached a table. */
	assert_int_equal(count(e, "fw_src", 0), 1);
	assert_int_equal(count(e, "fw_src", 1), 1);
	assert_int_equal(count(e, "fw_dst", 0), 0);
	assert_int_equal(count(e, "fw_dst", 1), 0);
	assert_int_equal(count(e, "fw_exact", 0), 0);
	assert_int_equal(count(e, "fw_exact", 1), 0);
	env_free(e);
}

static void test_fw_full(void **state)
{
	struct env *e = env_new(&fp_nf_firewall_info, "fw_exact", 4);
	char line[128];
	int i;

	for (i = 1; i <= 4; i++) {
		snprintf(line, sizeof(line), "rule add %d drop udp "
			 "198.18.0.1:%d 198.18.0.2:9", i, i);
		ok(e, line);
	}
	bad(e, "rule add 5 drop udp 198.18.0.1:5 198.18.0.2:9",
	    "firewall: table fw_exact is full (4 entries); start with "
	    "--table-size fw_exact=8");
	/* The index did not keep the failed rule. */
	bad(e, "rule del 5", "does not exist");
	env_free(e);

	/* A smaller fw_hits means fewer ids. */
	e = env_new(&fp_nf_firewall_info, "fw_hits", 101);
	ok(e, "rule add 100 drop dst 198.18.0.0/15");
	bad(e, "rule add 101 drop dst 198.19.0.0/16", "rule id 101 is above "
	    "100, the most fw_hits (101 entries) counts; start with "
	    "--table-size fw_hits=102");
	env_free(e);
}

static void test_fw_keys(void **state)
{
	struct env *e = env_new(&fp_nf_firewall_info, NULL, 0);
	struct fp_tuple t4, t6;
	struct fp_fw_lpm_key k;
	struct fp_fw_config cfg;
	uint32_t zero = 0;
	int w;

	/* Exact rules: the key is fp_parse()'s tuple of such a frame. */
	ok(e, "rule add 7 drop udp 198.18.0.1:9 198.18.0.2:53");
	t4 = tuple("198.18.0.1", "198.18.0.2", FP_IPPROTO_UDP, 9, 53);
	check_rule(e, "fw_exact", &t4, 7, FP_FW_DROP);
	ok(e, "rule add 8 accept tcp [2001:2::1]:40000 [2001:2::2]:80");
	t6 = tuple("2001:2::1", "2001:2::2", FP_IPPROTO_TCP, 40000, 80);
	check_rule(e, "fw_exact", &t6, 8, FP_FW_ACCEPT);
	/* The same 5-tuple in the other protocol is another rule. */
	ok(e, "rule add 9 accept tcp 198.18.0.1:9 198.18.0.2:53");
	t4.proto = FP_IPPROTO_TCP;
	check_rule(e, "fw_exact", &t4, 9, FP_FW_ACCEPT);

	/* Prefixes: family bits, then the address's. */
	ok(e, "rule add 10 drop src 198.18.0.0/15");
	k = prefix("198.18.0.0", 15);
	check_rule(e, "fw_src", &k, 10, FP_FW_DROP);
	ok(e, "rule add 11 accept src 0.0.0.0/0");
	k = prefix("0.0.0.0", 0);
	assert_int_equal(k.prefixlen, FP_FW_FAMILY_BITS);
	check_rule(e, "fw_src", &k, 11, FP_FW_ACCEPT);
	ok(e, "rule add 12 drop dst 2001:2::/48");
	k = prefix("2001:2::", 48);
	check_rule(e, "fw_dst", &k, 12, FP_FW_DROP);
	ok(e, "rule add 13 accept dst ::/0");
	k = prefix("::", 0);
	check_rule(e, "fw_dst", &k, 13, FP_FW_ACCEPT);
	/* A bare address is a host prefix. */
	ok(e, "rule add 14 drop dst 198.18.5.5");
	k = prefix("198.18.5.5", 32);
	check_rule(e, "fw_dst", &k, 14, FP_FW_DROP);
	/* IPv4 0/0 and IPv6 ::/0 differ by family. */
	k = prefix("::", 0);
	check_rule(e, "fw_dst", &k, 13, FP_FW_ACCEPT);

	/* The data path's lookup (a full-length key) finds the longest. */
	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, "fw_src", w);
		struct fp_fw_rule *r, got;

		k = prefix("198.19.7.7", 128);
		if (w == 0) {
			assert_int_equal(bpf_map_lookup_elem(t.fd, &k, &got),
					 0);
		} else {
			fp_rcu_thread_online();
			r = fp_utable_lookup(t.ut, &k);
			assert_non_null(r);
			got = *r;
			fp_rcu_thread_offline();
		}
		assert_int_equal(got.id, 10);
		k = prefix("203.0.113.1", 128);
		if (w == 0) {
			assert_int_equal(bpf_map_lookup_elem(t.fd, &k, &got),
					 0);
			assert_int_equal(got.id, 11);
		}
	}

	ok(e, "policy drop");
	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, "fw_config", w);

		assert_int_equal(fp_table_lookup(&t, &zero, &cfg), 0);
		assert_int_equal(cfg.default_action, FP_FW_DROP);
	}
	ok(e, "policy accept");
	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, "fw_config", w);

		assert_int_equal(fp_table_lookup(&t, &zero, &cfg), 0);
		assert_int_equal(cfg.default_action, FP_FW_ACCEPT);
	}

	/* del: gone from every world, and the id is free again. */
	ok(e, "rule del 7");
	t4.proto = FP_IPPROTO_UDP;
	check_absent(e, "fw_exact", &t4);
	ok(e, "rule add 7 drop dst 198.18.9.0/24");
	k = prefix("198.18.9.0", 24);
	check_rule(e, "fw_dst", &k, 7, FP_FW_DROP);

	/* flush: every rule goes, the policy stays. */
	ok(e, "policy drop");
	ok(e, "flush");
	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, "fw_config", w);

		assert_int_equal(count(e, "fw_exact", w), 0);
		assert_int_equal(count(e, "fw_src", w), 0);
		assert_int_equal(count(e, "fw_dst", w), 0);
		assert_int_equal(fp_table_lookup(&t, &zero, &cfg), 0);
		assert_int_equal(cfg.default_action, FP_FW_DROP);
	}
	ok(e, "rule list");
	assert_string_equal(outbuf, "firewall policy drop # hits 0\n");
	/* Ids are free after a flush. */
	ok(e, "rule add 7 drop dst 198.18.9.0/24");
	env_free(e);
}

static const char *const fw_rules =
	"firewall rule add 1 drop udp 198.18.0.1:9 198.18.0.2:53\n"
	"firewall rule add 2 accept tcp [2001:2::1]:1 [2001:2::2]:80\n"
	"firewall rule add 3 drop src 198.18.0.0/15\n"
	"firewall rule add 4 accept src 198.18.1.0/24\n"
	"firewall rule add 5 drop dst 2001:2::/48\n"
	"firewall rule add 6 accept dst 0.0.0.0/0\n";

/* Lines of a rules file, each prefixed with the NF's name, as
 * fp_run_ctl() hands them over: the name stripped. */
static void load(struct env *e, const char *text)
{
	char *copy = strdup(text), *line, *save;
	size_t n = strlen(e->nf.info->name);

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		assert_memory_equal(line, e->nf.info->name, n);
		assert_int_equal(line[n], ' ');
		ok(e, line + n + 1);
	}
	free(copy);
}

static void test_fw_list_and_run(void **state)
{
	struct env *e = env_new(&fp_nf_firewall_info, NULL, 0);
	static const char *const fw_list0 =
	"firewall rule add 1 drop udp 198.18.0.1:9 198.18.0.2:53 # hits 0\n"
	"firewall rule add 2 accept tcp [2001:2::1]:1 [2001:2::2]:80 # hits 0\n"
	"firewall rule add 3 drop src 198.18.0.0/15 # hits 0\n"
	"firewall rule add 4 accept src 198.18.1.0/24 # hits 0\n"
	"firewall rule add 5 drop dst 2001:2::/48 # hits 0\n"
	"firewall rule add 6 accept dst 0.0.0.0/0 # hits 0\n";
	struct env *e2;
	char expect[2048], list1[2048];
	uint8_t buf[256];
	size_t len;

	load(e, fw_rules);
	ok(e, "rule list");
	snprintf(expect, sizeof(expect),
		 "%s"
		 "firewall policy accept # hits 0\n", fw_list0);
	assert_string_equal(outbuf, expect);

	/* The packet code in user space, on the tables the commands
	 * filled: the most specific rule wins. */
	len = frame(buf, "198.18.0.1", "198.18.0.2", FP_IPPROTO_UDP, 9, 53);
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_DROP);
	len = frame(buf, "198.18.1.7", "198.18.0.2", FP_IPPROTO_UDP, 9, 53);
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_NEXT);
	len = frame(buf, "198.18.2.7", "198.18.0.2", FP_IPPROTO_UDP, 9, 53);
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_DROP);
	len = frame(buf, "2001:2::1", "2001:2::2", FP_IPPROTO_TCP, 1, 80);
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_NEXT);
	len = frame(buf, "2001:2::1", "2001:2::2", FP_IPPROTO_TCP, 2, 80);
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_DROP);
	len = frame(buf, "2001:3::1", "2001:4::2", FP_IPPROTO_UDP, 2, 80);
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_NEXT);
	ok(e, "policy drop");
	assert_int_equal(run_user(FP_NF_FIREWALL, buf, len, 0), FP_DROP);

	ok(e, "rule list");
	assert_non_null(strstr(outbuf, "firewall rule add 1 drop udp "
			       "198.18.0.1:9 198.18.0.2:53 # hits 1\n"));
	assert_non_null(strstr(outbuf, "firewall rule add 3 drop src "
			       "198.18.0.0/15 # hits 1\n"));
	assert_non_null(strstr(outbuf, "firewall rule add 4 accept src "
			       "198.18.1.0/24 # hits 1\n"));
	assert_non_null(strstr(outbuf, "firewall policy drop # hits 2\n"));
	strcpy(list1, outbuf);

	/* What list prints loads again as it is. */
	e2 = env_new(&fp_nf_firewall_info, NULL, 0);
	env_free(e);
	load(e2, list1);
	ok(e2, "rule list");
	snprintf(expect, sizeof(expect), "%sfirewall policy drop # hits 0\n",
		 fw_list0);
	assert_string_equal(outbuf, expect);
	env_free(e2);
}

/* A reused id starts with no hits. */
static void test_fw_hits_reset(void **state)
{
	struct env *e = env_new(&fp_nf_firewall_info, NULL, 0);
	struct fp_table *hits = tab(e, "fw_hits");
	uint64_t sum, three = 3;
	uint32_t id = 5;

	ok(e, "rule add 5 drop dst 198.18.0.0/15");
	assert_int_equal(fp_table_update(hits, &id, &three, FP_ANY), 0);
	assert_int_equal(fp_table_sum(hits, id, &sum), 0);
	assert_true(sum > 0);
	ok(e, "rule del 5");
	ok(e, "rule add 5 drop dst 198.18.0.0/15");
	assert_int_equal(fp_table_sum(hits, id, &sum), 0);
	assert_int_equal(sum, 0);
	env_free(e);
}

static void test_fw_stats(void **state)
{
	struct env *e = env_new(&fp_nf_firewall_info, NULL, 0);
	FILE *f;

	load(e, fw_rules);
	ok(e, "policy drop");
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	e->nf.info->stats(&e->nf, f, false);
	fclose(f);
	assert_string_equal(outbuf, "rules 6\nrules_exact 2\nrules_src 2\n"
			    "rules_dst 2\npolicy_drop 1\npolicy_hits 0\n");
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	e->nf.info->stats(&e->nf, f, true);
	fclose(f);
	assert_string_equal(outbuf, "\"rules\":6,\"rules_exact\":2,"
			    "\"rules_src\":2,\"rules_dst\":2,\"policy_drop\":1,"
			    "\"policy_hits\":0");
	env_free(e);
}

/* ---- lb ------------------------------------------------------------------ */

static struct fp_lb_vip_key vip(const char *addr, uint8_t proto, uint16_t port)
{
	struct fp_lb_vip_key k;

	memset(&k, 0, sizeof(k));
	k.family = strchr(addr, ':') ? FP_AF_INET6 : FP_AF_INET;
	assert_int_equal(inet_pton(k.family == FP_AF_INET ? AF_INET : AF_INET6,
				   addr, k.addr), 1);
	k.proto = proto;
	k.port = htons(port);
	return k;
}

static void check_service(struct env *e, const struct fp_lb_vip_key *k,
			  uint32_t id, uint32_t backends)
{
	struct fp_lb_service s;
	int w;

	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, "lb_vips", w);

		assert_int_equal(fp_table_lookup(&t, k, &s), 0);
		assert_int_equal(s.id, id);
		assert_int_equal(s.backends, backends);
	}
}

static struct fp_lb_backend backend_of(struct env *e, uint32_t id, int w)
{
	struct fp_table t = world(e, "lb_backends", w);
	struct fp_lb_backend b;

	assert_int_equal(fp_table_lookup(&t, &id, &b), 0);
	return b;
}

/* Slots of service @svc's ring per backend id (@cnt[0] = empty). */
static void ring_counts(struct env *e, uint32_t svc, int w, uint32_t *cnt,
			uint32_t n)
{
	struct fp_table t = world(e, "lb_ring", w);
	uint32_t i, idx, v;

	memset(cnt, 0, n * sizeof(*cnt));
	for (i = 0; i < FP_LB_RING_SIZE; i++) {
		idx = svc * FP_LB_RING_SIZE + i;
		assert_int_equal(fp_table_lookup(&t, &idx, &v), 0);
		assert_true(v < n);
		cnt[v]++;
	}
}

static void test_lb_errors(void **state)
{
	struct env *e = env_new(&fp_nf_lb_info, NULL, 0);
	char line[128];
	int i;

	bad(e, "frob", "lb: unknown command 'frob'; see 'fastpath ctl IFACE "
	    "lb help'");
	bad(e, "service", "usage: service add|del VIP:PORT/udp|tcp");
	bad(e, "service list", "usage: service add|del");
	bad(e, "service add", "usage: service add|del");
	bad(e, "service add 198.18.0.100:80", "'198.18.0.100:80' is not "
	    "VIP:PORT/udp|tcp");
	bad(e, "service add 198.18.0.100:80/icmp", "is not VIP:PORT/udp|tcp");
	bad(e, "service add 198.18.0.100/tcp", "is not VIP:PORT/udp|tcp");
	bad(e, "service add 198.18.0.100:99999/tcp", "is not VIP:PORT");
	bad(e, "service add 2001:2::100:80/tcp", "is not VIP:PORT");
	bad(e, "service del 198.18.0.100:80/tcp", "service 198.18.0.100:80/tcp "
	    "does not exist");
	ok(e, "service add 198.18.0.100:80/tcp");
	bad(e, "service add 198.18.0.100:80/tcp", "service "
	    "198.18.0.100:80/tcp exists");
	bad(e, "backend", "usage: backend add VIP:PORT/PROTO BIP:BPORT MAC");
	bad(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080", "usage: "
	    "backend add");
	bad(e, "backend del 198.18.0.100:80/tcp 198.18.1.1:8080 "
	    "02:fa:00:00:01:01", "usage: backend add");
	bad(e, "backend add 198.18.0.100:81/tcp 198.18.1.1:8080 "
	    "02:fa:00:00:01:01", "service 198.18.0.100:81/tcp does not exist; "
	    "add it first");
	bad(e, "backend add 198.18.0.100:80/tcp 198.18.1.1 02:fa:00:00:01:01",
	    "'198.18.1.1' is not BIP:BPORT");
	bad(e, "backend add 198.18.0.100:80/tcp [2001:2::1]:8080 "
	    "02:fa:00:00:01:01", "backend [2001:2::1]:8080 is not of the "
	    "family of service 198.18.0.100:80/tcp");
	bad(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080 02:fa:00:00:01",
	    "'02:fa:00:00:01' is not a MAC address");
	bad(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080 "
	    "02:fa:00:00:01:zz", "is not a MAC address");
	bad(e, "backend del 198.18.0.100:80/tcp 198.18.1.1:8080", "198.18.1.1:"
	    "8080 is not a backend of 198.18.0.100:80/tcp");
	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080 "
	   "02:fa:00:00:01:01");
	bad(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080 "
	    "02:fa:00:00:01:02", "198.18.1.1:8080 is a backend of "
	    "198.18.0.100:80/tcp already");
	bad(e, "timeout 0", "usage: timeout SECONDS (1..86400)");
	bad(e, "timeout 86401", "usage: timeout SECONDS");
	bad(e, "timeout 1m", "usage: timeout SECONDS");
	bad(e, "timeout 1 2", "usage: timeout SECONDS");
	bad(e, "list all", "usage: list");
	/* 64 services at most. */
	for (i = 1; i < FP_LB_MAX_SERVICES; i++) {
		snprintf(line, sizeof(line), "service add 198.18.0.100:%d/udp",
			 1000 + i);
		ok(e, line);
	}
	bad(e, "service add 198.18.0.101:80/tcp", "64 services already; "
	    "delete one first");
	env_free(e);

	/* Backend ids: lb_backends' size minus id 0. */
	e = env_new(&fp_nf_lb_info, "lb_backends", 3);
	ok(e, "service add 198.18.0.100:80/tcp");
	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:80 "
	   "02:fa:00:00:01:01");
	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.2:80 "
	   "02:fa:00:00:01:02");
	bad(e, "backend add 198.18.0.100:80/tcp 198.18.1.3:80 "
	    "02:fa:00:00:01:03", "2 backends already; delete one first");
	env_free(e);
}

static void test_lb_tables(void **state)
{
	struct env *e = env_new(&fp_nf_lb_info, NULL, 0);
	struct fp_lb_vip_key k4 = vip("198.18.0.100", FP_IPPROTO_TCP, 80);
	struct fp_lb_vip_key k6 = vip("2001:2::100", FP_IPPROTO_UDP, 53);
	uint32_t cnt[8];
	uint8_t a[16] = { 198, 18, 1, 1 };
	int w;

	ok(e, "service add 198.18.0.100:80/tcp");
	check_service(e, &k4, 0, 0);
	ok(e, "service add [2001:2::100]:53/udp");
	check_service(e, &k6, 1, 0);
	for (w = 0; w < 2; w++) {
		ring_counts(e, 0, w, cnt, 8);
		assert_int_equal(cnt[0], FP_LB_RING_SIZE);
	}

	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080 "
	   "02:fa:00:00:01:01");
	check_service(e, &k4, 0, 1);
	for (w = 0; w < 2; w++) {
		struct fp_lb_backend b = backend_of(e, 1, w);

		assert_int_equal(b.family, FP_AF_INET);
		assert_int_equal(b.active, 1);
		assert_int_equal(b.port, htons(8080));
		assert_memory_equal(b.addr, a, 16);
		assert_memory_equal(b.mac, "\x02\xfa\x00\x00\x01\x01", 6);
		ring_counts(e, 0, w, cnt, 8);
		assert_int_equal(cnt[1], FP_LB_RING_SIZE);
		/* The other service's ring is untouched. */
		ring_counts(e, 1, w, cnt, 8);
		assert_int_equal(cnt[0], FP_LB_RING_SIZE);
	}

	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.2:8080 "
	   "02:fa:00:00:01:02");
	check_service(e, &k4, 0, 2);
	for (w = 0; w < 2; w++) {
		ring_counts(e, 0, w, cnt, 8);
		assert_int_equal(cnt[0], 0);
		assert_int_equal(cnt[1] + cnt[2], FP_LB_RING_SIZE);
		assert_true(cnt[1] == FP_LB_RING_SIZE / 2 ||
			    cnt[2] == FP_LB_RING_SIZE / 2);
	}
	ok(e, "backend add [2001:2::100]:53/udp [2001:2::1:1]:5353 "
	   "02:fa:00:00:01:03");
	check_service(e, &k6, 1, 1);
	for (w = 0; w < 2; w++) {
		struct fp_lb_backend b = backend_of(e, 3, w);
		uint8_t a6[16];

		inet_pton(AF_INET6, "2001:2::1:1", a6);
		assert_int_equal(b.family, FP_AF_INET6);
		assert_memory_equal(b.addr, a6, 16);
		ring_counts(e, 1, w, cnt, 8);
		assert_int_equal(cnt[3], FP_LB_RING_SIZE);
	}

	/* del: inactive and out of the ring; its sessions swept. */
	{
		struct fp_tuple s1 = tuple("198.18.9.9", "198.18.0.100",
					   FP_IPPROTO_TCP, 1000, 80);
		struct fp_tuple s2 = s1;
		struct fp_lb_session v1 = { .backend = 1, .last_ns = 5 };
		struct fp_lb_session v2 = { .backend = 2, .last_ns = 5 };

		s2.sport = htons(1001);
		assert_int_equal(fp_table_update(tab(e, "lb_sessions"), &s1,
						 &v1, FP_ANY), 0);
		assert_int_equal(fp_table_update(tab(e, "lb_sessions"), &s2,
						 &v2, FP_ANY), 0);
		ok(e, "backend del 198.18.0.100:80/tcp 198.18.1.1:8080");
		check_service(e, &k4, 0, 1);
		for (w = 0; w < 2; w++) {
			struct fp_table t = world(e, "lb_sessions", w);
			struct fp_lb_session got;

			assert_int_equal(backend_of(e, 1, w).active, 0);
			ring_counts(e, 0, w, cnt, 8);
			assert_int_equal(cnt[2], FP_LB_RING_SIZE);
			assert_int_equal(fp_table_lookup(&t, &s1, &got),
					 -ENOENT);
			assert_int_equal(fp_table_lookup(&t, &s2, &got), 0);
		}
	}

	/* Ids go round: the next backend gets 4, not the freed 1. */
	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.3:8080 "
	   "02:fa:00:00:01:04");
	assert_int_equal(backend_of(e, 4, 0).active, 1);
	assert_int_equal(backend_of(e, 1, 0).active, 0);

	/* Sessions of the service's backends go with it, others stay. */
	{
		struct fp_tuple s2 = tuple("198.18.9.9", "198.18.0.100",
					   FP_IPPROTO_TCP, 1001, 80);
		struct fp_tuple s3 = tuple("2001:2::9", "2001:2::100",
					   FP_IPPROTO_UDP, 1001, 53);
		struct fp_lb_session v3 = { .backend = 3, .last_ns = 5 };
		struct fp_lb_session got;

		assert_int_equal(fp_table_update(tab(e, "lb_sessions"), &s3,
						 &v3, FP_ANY), 0);
		ok(e, "service del 198.18.0.100:80/tcp");
		for (w = 0; w < 2; w++) {
			struct fp_table t = world(e, "lb_sessions", w);

			assert_int_equal(fp_table_lookup(&t, &s2, &got),
					 -ENOENT);
			assert_int_equal(fp_table_lookup(&t, &s3, &got), 0);
		}
	}
	for (w = 0; w < 2; w++) {
		struct fp_table t = world(e, "lb_vips", w);
		struct fp_lb_service s;

		assert_int_equal(fp_table_lookup(&t, &k4, &s), -ENOENT);
		ring_counts(e, 0, w, cnt, 8);
		assert_int_equal(cnt[0], FP_LB_RING_SIZE);
		assert_int_equal(backend_of(e, 2, w).active, 0);
		assert_int_equal(backend_of(e, 4, w).active, 0);
		assert_int_equal(backend_of(e, 3, w).active, 1);
	}
	/* Its id is free for the next service, with an empty ring. */
	ok(e, "service add 198.18.0.200:80/tcp");
	k4 = vip("198.18.0.200", FP_IPPROTO_TCP, 80);
	check_service(e, &k4, 0, 0);
	env_free(e);
}

static void test_lb_list_and_run(void **state)
{
	struct env *e = env_new(&fp_nf_lb_info, NULL, 0);
	struct fp_tuple st, rt;
	struct fp_lb_session s;
	struct fp_lb_reverse r;
	uint8_t buf[256], back[4] = { 198, 18, 1, 1 };
	char list1[4096];
	size_t len;
	int w;

	ok(e, "service add 198.18.0.100:80/tcp");
	ok(e, "backend add 198.18.0.100:80/tcp 198.18.1.1:8080 "
	   "02:fa:00:00:01:01");
	ok(e, "service add [2001:2::100]:53/udp");
	ok(e, "timeout 5");
	ok(e, "timeout");
	assert_string_equal(outbuf, "lb timeout 5\n");
	ok(e, "list");
	assert_string_equal(outbuf,
		"lb service add 198.18.0.100:80/tcp # id 0, 1 backends\n"
		"lb backend add 198.18.0.100:80/tcp 198.18.1.1:8080 "
		"02:fa:00:00:01:01 # id 1\n"
		"lb service add [2001:2::100]:53/udp # id 1, 0 backends\n"
		"lb timeout 5\n"
		"# sessions xdp 0 user 0\n");
	strcpy(list1, outbuf);

	/* A flow to the VIP in user space: NAT to the backend, a session
	 * and its reverse in the twin. */
	len = frame(buf, "198.18.9.9", "198.18.0.100", FP_IPPROTO_TCP, 1000,
		    80);
	assert_int_equal(run_user(FP_NF_LB, buf, len, 1000), FP_TX);
	assert_memory_equal(buf, "\x02\xfa\x00\x00\x01\x01", 6);
	assert_memory_equal(buf + 14 + 16, back, 4);
	ok(e, "list");
	assert_non_null(strstr(outbuf, "# sessions xdp 0 user 1\n"));
	st = tuple("198.18.9.9", "198.18.0.100", FP_IPPROTO_TCP, 1000, 80);
	rt = tuple("198.18.1.1", "198.18.9.9", FP_IPPROTO_TCP, 8080, 1000);
	assert_int_equal(fp_table_lookup(tab(e, "lb_sessions"), &st, &s), 0);
	assert_int_equal(s.backend, 1);
	assert_int_equal(fp_table_lookup(tab(e, "lb_reverse"), &rt, &r), 0);

	/* Expiry: nothing before the timeout; a reply keeps the flow; both
	 * directions idle end it. */
	e->nf.info->tick(&e->nf, 1000 + 5 * 1000000000ull);
	assert_int_equal(fp_table_lookup(tab(e, "lb_sessions"), &st, &s), 0);
	len = frame(buf, "198.18.1.1", "198.18.9.9", FP_IPPROTO_TCP, 8080,
		    1000);
	assert_int_equal(run_user(FP_NF_LB, buf, len, 4000000000ull), FP_TX);
	e->nf.info->tick(&e->nf, 1000 + 6 * 1000000000ull);
	assert_int_equal(fp_table_lookup(tab(e, "lb_sessions"), &st, &s), 0);
	assert_int_equal(fp_table_lookup(tab(e, "lb_reverse"), &rt, &r), 0);
	e->nf.info->tick(&e->nf, 10 * 1000000000ull);
	for (w = 0; w < 2; w++) {
		assert_int_equal(count(e, "lb_sessions", w), 0);
		assert_int_equal(count(e, "lb_reverse", w), 0);
	}

	/* The same in the BPF world: entries put there by hand. */
	s.backend = 1;
	s.pad = 0;
	s.last_ns = 20 * 1000000000ull;
	memset(&r, 0, sizeof(r));
	r.last_ns = 20 * 1000000000ull;
	memcpy(r.vip, (uint8_t[]){ 198, 18, 0, 100 }, 4);
	r.vip_port = htons(80);
	{
		struct fp_table bs = world(e, "lb_sessions", 0);
		struct fp_table br = world(e, "lb_reverse", 0);

		assert_int_equal(fp_table_update(&bs, &st, &s, FP_ANY), 0);
		assert_int_equal(fp_table_update(&br, &rt, &r, FP_ANY), 0);
		ok(e, "list");
		assert_non_null(strstr(outbuf, "# sessions xdp 1 user 0\n"));
		e->nf.info->tick(&e->nf, 24 * 1000000000ull);
		assert_int_equal(count(e, "lb_sessions", 0), 1);
		e->nf.info->tick(&e->nf, 26 * 1000000000ull);
		assert_int_equal(count(e, "lb_sessions", 0), 0);
		assert_int_equal(count(e, "lb_reverse", 0), 0);
	}

	/* What list prints loads again. */
	{
		struct env *e2 = env_new(&fp_nf_lb_info, NULL, 0);

		env_free(e);
		load(e2, list1);
		ok(e2, "list");
		assert_string_equal(outbuf, list1);
		env_free(e2);
	}
}

static void test_lb_stats(void **state)
{
	struct env *e = env_new(&fp_nf_lb_info, NULL, 0);
	uint8_t buf[256];
	size_t len;
	FILE *f;

	ok(e, "service add 198.18.0.100:80/udp");
	len = frame(buf, "198.18.9.9", "198.18.0.100", FP_IPPROTO_UDP, 1000,
		    80);
	/* No backend yet: dropped and counted. */
	assert_int_equal(run_user(FP_NF_LB, buf, len, 1), FP_DROP);
	ok(e, "backend add 198.18.0.100:80/udp 198.18.1.1:8080 "
	   "02:fa:00:00:01:01");
	assert_int_equal(run_user(FP_NF_LB, buf, len, 2), FP_TX);
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	e->nf.info->stats(&e->nf, f, false);
	fclose(f);
	assert_string_equal(outbuf, "forward 1\nreply 0\nnew_session 1\n"
			    "session_full 0\nno_backend 1\nservices 1\n"
			    "backends 1\n");
	f = fmemopen(outbuf, sizeof(outbuf), "w");
	e->nf.info->stats(&e->nf, f, true);
	fclose(f);
	assert_string_equal(outbuf, "\"forward\":1,\"reply\":0,"
			    "\"new_session\":1,\"session_full\":0,"
			    "\"no_backend\":1,\"services\":1,\"backends\":1");
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_macswap),
		cmocka_unit_test(test_fw_errors),
		cmocka_unit_test(test_fw_full),
		cmocka_unit_test(test_fw_keys),
		cmocka_unit_test(test_fw_list_and_run),
		cmocka_unit_test(test_fw_hits_reset),
		cmocka_unit_test(test_fw_stats),
		cmocka_unit_test(test_lb_errors),
		cmocka_unit_test(test_lb_tables),
		cmocka_unit_test(test_lb_list_and_run),
		cmocka_unit_test(test_lb_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
