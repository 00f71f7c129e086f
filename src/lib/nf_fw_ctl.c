// SPDX-License-Identifier: MIT
/*
 * firewall: the control path (commands in docs/nf/firewall.md).
 *
 * Rules live in three tables (fw_exact, fw_src, fw_dst) keyed by what they
 * match, while commands name rules by id; the NF state keeps the other
 * direction, id -> (table, key), in an array indexed by id.  It grows to
 * the largest id in use (44 bytes an id), so a rules file of 1M rules
 * costs 44 MB here and one table update per rule.
 *
 * Hit counters (fw_hits[id]) are reset when an id is reused rather than
 * when its rule goes: packets that found the rule just before its delete
 * may still count, and loading a fresh rules file costs no extra syscall.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/nf_info.h"
#include "lib/nf_ctl_util.h"
/* The NF's types and sizes; its tables and packet code are nf_user.c's. */
#define FP_NF_TYPES_ONLY
#include "nf/firewall.h"

/* One error line per failed command, on the command's output. */
#define fw_err(out, err, ...) nf_ctl_err(out, "firewall", err, __VA_ARGS__)

enum fw_kind {
	FW_NONE = 0,
	FW_EXACT,
	FW_SRC,
	FW_DST,
	FW_KINDS,
};

static const char *const kind_table[FW_KINDS] = {
	[FW_EXACT] = "fw_exact", [FW_SRC] = "fw_src", [FW_DST] = "fw_dst",
};

struct fw_slot {
	uint8_t kind;		/* enum fw_kind; FW_NONE: free */
	uint8_t action;
	uint8_t stale;		/* fw_hits[id] may hold an old rule's hits */
	union {
		struct fp_tuple t;		/* FW_EXACT */
		struct fp_fw_lpm_key p;		/* FW_SRC, FW_DST */
	} key;
};

struct fw_state {
	struct fp_table *tab[FW_KINDS];	/* by enum fw_kind */
	struct fp_table *hits, *config;
	struct fw_slot *slots;		/* by id */
	uint32_t cap;			/* slots allocated */
	uint32_t max_id;
	uint32_t n_rules, n_kind[FW_KINDS];
	uint32_t policy;		/* enum fp_fw_action */
};

#define FW_HELP								\
"policy accept|drop      what happens when no rule matches (start: accept)\n" \
"policy                  print the policy\n"			\
"rule add ID accept|drop udp|tcp SRC:SPORT DST:DPORT\n"		\
"                        exact 5-tuple, e.g. 198.18.0.1:9 198.18.0.2:9\n" \
"                        or [2001:2::1]:9 [2001:2::2]:9\n"		\
"rule add ID accept|drop src PREFIX\n"				\
"                        source prefix, e.g. 198.18.0.0/15, 2001:2::/48,\n" \
"                        0.0.0.0/0 (a bare address is a host prefix)\n" \
"rule add ID accept|drop dst PREFIX\n"				\
"                        destination prefix\n"			\
"rule del ID             remove rule ID\n"				\
"rule list               every rule with its hits, then the policy, as\n" \
"                        lines of a rules file (hits in a comment)\n" \
"flush                   remove every rule; the policy stays\n"	\
"help                    this text\n"				\
"The most specific rule wins: exact 5-tuple, then the longest source\n" \
"prefix, then the longest destination prefix, then the policy.\n"	\
"IDs are 1..65536 with the default sizes: the largest is the size of\n" \
"fw_hits minus one (--table-size fw_hits=N), at most 1048576.\n"

/* ---- parsing ------------------------------------------------------------- */

static int parse_action(const char *s, uint32_t *action)
{
	if (!strcmp(s, "accept"))
		*action = FP_FW_ACCEPT;
	else if (!strcmp(s, "drop"))
		*action = FP_FW_DROP;
	else
		return -EINVAL;
	return 0;
}

/* "A/LEN" or "A" (a host prefix); bits past LEN must be zero. */
static int parse_prefix(const char *s, struct fp_fw_lpm_key *k, bool *host_bits)
{
	char buf[64], *slash;
	uint64_t plen;
	uint32_t max, i;

	*host_bits = false;
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(k, 0, sizeof(*k));
	if (nf_ctl_parse_ip(buf, &k->family, k->addr))
		return -EINVAL;
	max = k->family == FP_AF_INET ? 32 : 128;
	plen = max;
	if (slash && nf_ctl_parse_dec(slash + 1, max, &plen))
		return -EINVAL;
	for (i = (uint32_t)plen; i < 128; i++)
		if (k->addr[i / 8] & (0x80 >> (i % 8)))
			*host_bits = true;
	k->prefixlen = FP_FW_FAMILY_BITS + (uint32_t)plen;
	return 0;
}

/* ---- printing ------------------------------------------------------------ */

static void print_match(FILE *out, const struct fw_slot *r)
{
	char s[INET6_ADDRSTRLEN];

	if (r->kind == FW_EXACT) {
		const struct fp_tuple *t = &r->key.t;

		fputs(t->proto == FP_IPPROTO_TCP ? "tcp " : "udp ", out);
		nf_ctl_print_addr_port(out, t->family, t->saddr, t->sport);
		fputc(' ', out);
		nf_ctl_print_addr_port(out, t->family, t->daddr, t->dport);
		return;
	}
	inet_ntop(r->key.p.family == FP_AF_INET ? AF_INET : AF_INET6,
		  r->key.p.addr, s, sizeof(s));
	fprintf(out, "%s %s/%u", r->kind == FW_SRC ? "src" : "dst", s,
		r->key.p.prefixlen - FP_FW_FAMILY_BITS);
}

static const char *action_name(uint32_t a)
{
	return a == FP_FW_DROP ? "drop" : "accept";
}

/* ---- commands ------------------------------------------------------------ */

static int cmd_policy(struct fw_state *st, int argc, char **argv, FILE *out)
{
	struct fp_fw_config cfg = { 0 };
	uint32_t zero = 0, action;
	int err;

	if (argc == 1) {
		fprintf(out, "firewall policy %s\n", action_name(st->policy));
		return 0;
	}
	if (argc != 2 || parse_action(argv[1], &action))
		return fw_err(out, -EINVAL, "usage: policy accept|drop");
	cfg.default_action = action;
	err = fp_table_update(st->config, &zero, &cfg, FP_ANY);
	if (err)
		return fw_err(out, err, "cannot write fw_config: %s",
			      strerror(-err));
	st->policy = action;
	return 0;
}

static int parse_id(struct fw_state *st, const char *s, uint32_t *id,
		    FILE *out)
{
	uint64_t v = 0;
	int err = nf_ctl_parse_dec(s, UINT32_MAX, &v);

	if (err == -EINVAL)
		return fw_err(out, -EINVAL, "rule id '%s' is not a number; use "
			      "1..%u", s, st->max_id);
	if (err || v < 1 || v > st->max_id) {
		if (!err && v > st->max_id && v <= FP_FW_MAX_RULES)
			return fw_err(out, -ERANGE, "rule id %s is above %u, "
				      "the most fw_hits (%u entries) counts; "
				      "start with --table-size "
				      "fw_hits=%" PRIu64, s, st->max_id,
				      st->max_id + 1, v + 1);
		return fw_err(out, -ERANGE, "rule id %s is out of range; use "
			      "1..%u", s, st->max_id);
	}
	*id = (uint32_t)v;
	return 0;
}

static int grow(struct fw_state *st, uint32_t id)
{
	uint32_t cap = st->cap ? st->cap : 1024;
	struct fw_slot *s;

	while (cap <= id)
		cap *= 2;
	if (cap > st->max_id + 1)
		cap = st->max_id + 1;
	s = realloc(st->slots, (size_t)cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + st->cap, 0, (size_t)(cap - st->cap) * sizeof(*s));
	st->slots = s;
	st->cap = cap;
	return 0;
}

/* The table refused @key: say why in a way that tells what to do. */
static int add_failed(struct fw_state *st, struct fp_table *t,
		      const void *key, uint32_t id, int err, FILE *out)
{
	struct fp_fw_rule other;

	if (err == -E2BIG || err == -ENOSPC)
		return fw_err(out, -ENOSPC, "table %s is full (%u entries); "
			      "start with --table-size %s=%u", t->desc->name,
			      t->max_entries, t->desc->name,
			      t->max_entries * 2);
	if (err == -EEXIST && !fp_table_lookup(t, key, &other))
		return fw_err(out, -EEXIST, "rule %u matches the same packets "
			      "as rule %u; delete that one first", id,
			      other.id);
	return fw_err(out, err, "cannot add rule %u to %s: %s", id,
		      t->desc->name, strerror(-err));
}

static int cmd_rule_add(struct fw_state *st, int argc, char **argv, FILE *out)
{
	struct fw_slot r = { 0 };
	struct fp_fw_rule val;
	struct fp_table *t;
	uint32_t id, action;
	const void *key;
	bool host_bits;
	int err;

	if (argc < 5)
		return fw_err(out, -EINVAL, "usage: rule add ID accept|drop "
			      "udp|tcp SRC:SPORT DST:DPORT, or rule add ID "
			      "accept|drop src|dst PREFIX");
	if ((err = parse_id(st, argv[2], &id, out)))
		return err;
	if (parse_action(argv[3], &action))
		return fw_err(out, -EINVAL, "rule %u: action '%s' is not "
			      "accept or drop", id, argv[3]);
	r.action = (uint8_t)action;

	if (!strcmp(argv[4], "udp") || !strcmp(argv[4], "tcp")) {
		uint8_t fd;

		if (argc != 7)
			return fw_err(out, -EINVAL, "usage: rule add ID "
				      "accept|drop %s SRC:SPORT DST:DPORT",
				      argv[4]);
		r.kind = FW_EXACT;
		r.key.t.proto = argv[4][0] == 'u' ? FP_IPPROTO_UDP
						  : FP_IPPROTO_TCP;
		if (nf_ctl_parse_addr_port(argv[5], &r.key.t.family, r.key.t.saddr,
				    &r.key.t.sport))
			return fw_err(out, -EINVAL, "rule %u: '%s' is not "
				      "ADDR:PORT (198.18.0.1:9 or "
				      "[2001:2::1]:9)", id, argv[5]);
		if (nf_ctl_parse_addr_port(argv[6], &fd, r.key.t.daddr,
				    &r.key.t.dport))
			return fw_err(out, -EINVAL, "rule %u: '%s' is not "
				      "ADDR:PORT (198.18.0.1:9 or "
				      "[2001:2::1]:9)", id, argv[6]);
		if (fd != r.key.t.family)
			return fw_err(out, -EINVAL, "rule %u: %s and %s are "
				      "not of the same family", id, argv[5],
				      argv[6]);
		key = &r.key.t;
	} else if (!strcmp(argv[4], "src") || !strcmp(argv[4], "dst")) {
		if (argc != 6)
			return fw_err(out, -EINVAL, "usage: rule add ID "
				      "accept|drop %s PREFIX", argv[4]);
		r.kind = argv[4][0] == 's' ? FW_SRC : FW_DST;
		if (parse_prefix(argv[5], &r.key.p, &host_bits))
			return fw_err(out, -EINVAL, "rule %u: '%s' is not a "
				      "prefix (198.18.0.0/15, 2001:2::/48)",
				      id, argv[5]);
		if (host_bits)
			return fw_err(out, -EINVAL, "rule %u: %s has bits set "
				      "past its length; write the network "
				      "address", id, argv[5]);
		key = &r.key.p;
	} else {
		return fw_err(out, -EINVAL, "rule %u: match '%s' is not udp, "
			      "tcp, src or dst", id, argv[4]);
	}

	if (id >= st->cap && (err = grow(st, id)))
		return fw_err(out, err, "rule %u: out of memory", id);
	if (st->slots[id].kind != FW_NONE)
		return fw_err(out, -EEXIST, "rule %u exists; delete it first "
			      "with 'rule del %u'", id, id);
	if (st->slots[id].stale) {
		uint64_t zero = 0;

		err = fp_table_update(st->hits, &id, &zero, FP_ANY);
		if (err)
			return fw_err(out, err, "rule %u: cannot reset its "
				      "counter in fw_hits: %s", id,
				      strerror(-err));
	}
	t = st->tab[r.kind];
	val.id = id;
	val.action = action;
	err = fp_table_update(t, key, &val, FP_NOEXIST);
	if (err)
		return add_failed(st, t, key, id, err, out);
	st->slots[id] = r;
	st->n_rules++;
	st->n_kind[r.kind]++;
	return 0;
}

static int cmd_rule_del(struct fw_state *st, int argc, char **argv, FILE *out)
{
	struct fw_slot *r;
	uint32_t id;
	int err;

	if (argc != 3)
		return fw_err(out, -EINVAL, "usage: rule del ID");
	if ((err = parse_id(st, argv[2], &id, out)))
		return err;
	if (id >= st->cap || st->slots[id].kind == FW_NONE)
		return fw_err(out, -ENOENT, "rule %u does not exist; 'rule "
			      "list' shows the rules", id);
	r = &st->slots[id];
	err = fp_table_delete(st->tab[r->kind], &r->key);
	/* Not in the table: it went some other way; the index follows. */
	if (err && err != -ENOENT)
		return fw_err(out, err, "cannot delete rule %u from %s: %s",
			      id, kind_table[r->kind], strerror(-err));
	st->n_kind[r->kind]--;
	st->n_rules--;
	r->kind = FW_NONE;
	r->stale = 1;
	return 0;
}

static int cmd_rule_list(struct fw_state *st, int argc, char **argv, FILE *out)
{
	uint64_t hits;
	uint32_t id;

	if (argc != 2)
		return fw_err(out, -EINVAL, "usage: rule list");
	for (id = 1; id < st->cap; id++) {
		const struct fw_slot *r = &st->slots[id];

		if (r->kind == FW_NONE)
			continue;
		if (fp_table_sum(st->hits, id, &hits))
			hits = 0;
		fprintf(out, "firewall rule add %u %s ", id,
			action_name(r->action));
		print_match(out, r);
		fprintf(out, " # hits %" PRIu64 "\n", hits);
	}
	if (fp_table_sum(st->hits, 0, &hits))
		hits = 0;
	fprintf(out, "firewall policy %s # hits %" PRIu64 "\n",
		action_name(st->policy), hits);
	return 0;
}

static int cmd_flush(struct fw_state *st, int argc, char **argv, FILE *out)
{
	uint32_t id;
	int k, err;

	if (argc != 1)
		return fw_err(out, -EINVAL, "usage: flush");
	for (k = FW_EXACT; k < FW_KINDS; k++) {
		err = fp_table_clear(st->tab[k]);
		if (err)
			return fw_err(out, err, "cannot clear %s: %s",
				      kind_table[k], strerror(-err));
	}
	for (id = 1; id < st->cap; id++) {
		if (st->slots[id].kind != FW_NONE) {
			st->slots[id].kind = FW_NONE;
			st->slots[id].stale = 1;
		}
	}
	st->n_rules = 0;
	memset(st->n_kind, 0, sizeof(st->n_kind));
	return 0;
}

static int fw_ctl(struct fp_nf_inst *nf, int argc, char **argv, FILE *out)
{
	struct fw_state *st = nf->state;

	if (!strcmp(argv[0], "policy"))
		return cmd_policy(st, argc, argv, out);
	if (!strcmp(argv[0], "flush"))
		return cmd_flush(st, argc, argv, out);
	if (strcmp(argv[0], "rule"))
		return -EOPNOTSUPP;
	if (argc < 2)
		return fw_err(out, -EINVAL, "usage: rule add|del|list ...; see "
			      "'fastpath ctl IFACE firewall help'");
	if (!strcmp(argv[1], "add"))
		return cmd_rule_add(st, argc, argv, out);
	if (!strcmp(argv[1], "del"))
		return cmd_rule_del(st, argc, argv, out);
	if (!strcmp(argv[1], "list"))
		return cmd_rule_list(st, argc, argv, out);
	return fw_err(out, -EINVAL, "unknown command 'rule %s'; use rule add, "
		      "rule del or rule list; see 'fastpath ctl IFACE firewall "
		      "help'", argv[1]);
}

/* ---- life cycle ---------------------------------------------------------- */

static int fw_init(struct fp_nf_inst *nf)
{
	static const char *const names[] = { "fw_exact", "fw_src", "fw_dst",
					     "fw_hits", "fw_config" };
	struct fp_table *t[5];
	struct fp_fw_config cfg;
	struct fw_state *st;
	uint32_t zero = 0;
	unsigned int i;

	for (i = 0; i < 5; i++) {
		t[i] = fp_tables_find(nf->tables, names[i]);
		if (!t[i]) {
			fp_err("firewall: table %s is missing; the engine "
			       "must create every table of fp_nf_firewall_info",
			       names[i]);
			return -ENOENT;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->tab[FW_EXACT] = t[0];
	st->tab[FW_SRC] = t[1];
	st->tab[FW_DST] = t[2];
	st->hits = t[3];
	st->config = t[4];
	/* Rule ids index fw_hits, whose index 0 counts the policy. */
	st->max_id = st->hits->max_entries ? st->hits->max_entries - 1 : 0;
	if (st->max_id > FP_FW_MAX_RULES)
		st->max_id = FP_FW_MAX_RULES;
	st->policy = FP_FW_ACCEPT;
	if (!fp_table_lookup(st->config, &zero, &cfg))
		st->policy = cfg.default_action;
	nf->state = st;
	return 0;
}

/* JSON: members separated by commas, none after the last, for the caller
 * to wrap in an object. */
static void fw_stats(struct fp_nf_inst *nf, FILE *out, bool json)
{
	struct fw_state *st = nf->state;
	uint64_t hits = 0;

	fp_table_sum(st->hits, 0, &hits);
	if (json)
		fprintf(out, "\"rules\":%u,\"rules_exact\":%u,\"rules_src\":%u,"
			"\"rules_dst\":%u,\"policy_drop\":%u,"
			"\"policy_hits\":%" PRIu64, st->n_rules,
			st->n_kind[FW_EXACT], st->n_kind[FW_SRC],
			st->n_kind[FW_DST], st->policy == FP_FW_DROP, hits);
	else
		fprintf(out, "rules %u\nrules_exact %u\nrules_src %u\n"
			"rules_dst %u\npolicy_drop %u\npolicy_hits %" PRIu64
			"\n", st->n_rules, st->n_kind[FW_EXACT],
			st->n_kind[FW_SRC], st->n_kind[FW_DST],
			st->policy == FP_FW_DROP, hits);
}

static void fw_fini(struct fp_nf_inst *nf)
{
	struct fw_state *st = nf->state;

	if (st)
		free(st->slots);
	free(st);
	nf->state = NULL;
}

#define FW_ONE(...) + 1

const struct fp_nf_info fp_nf_firewall_info = {
	.name = "firewall",
	.id = FP_NF_FIREWALL,
	.summary = "stateless 5-tuple ACL: exact, source and destination "
		   "prefix rules, default policy",
	.ctl_help = FW_HELP,
	.tables = fp_nf_firewall_tables,
	.n_tables = 0 FP_FW_TABLES(FW_ONE),
	.need_time = false,
	.early_ok = true,
	.init = fw_init,
	.ctl = fw_ctl,
	.stats = fw_stats,
	.fini = fw_fini,
};
