// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the NFs' packet code as built for user space (the
 * code the AF_XDP workers run): fp_nf_user_run() on each input, with the
 * tables (user-space twins) filled by the control lines the corpus is
 * written against (tests/lib/nf_corpus.c).  One binary per chain, chosen
 * at compile time:
 *
 *	clang -fsanitize=fuzzer,address,undefined -DFUZZ_CHAIN=FP_NF_LB ...
 *	-DFUZZ_CHAIN=FP_NF_FIREWALL,FP_NF_LB     (a chain: a list of ids)
 *
 * (tests/fuzz/fuzz.mk builds them.)  Besides what the sanitizers catch,
 * each input checks what nf.h promises, and aborts (a crash for libFuzzer)
 * when it does not hold:
 *   - the verdict is one of enum fp_verdict, or -EINVAL for a broken frame;
 *   - a frame that is not transmitted is not changed; macswap changes only
 *     the MACs; the LB keeps valid IPv4 and TCP/UDP checksums valid;
 *   - the early stage (hybrid by rule) never changes the frame, only says
 *     FP_NEXT or FP_DROP, and drops only what the full chain drops;
 *   - the data path never changes the rule tables (checked by count on
 *     every input, by content every 2^16 inputs).
 *
 * The fuzzer's thread is the data path: an RCU reader, quiescent after
 * each input.  It also plays the control thread for the LB's session
 * expiry (the tick), every 1024 inputs on a clock of its own (see
 * NS_PER_INPUT), so that sessions come and go while the fuzzer runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/nf.h"
#include "fastpath/nf_info.h"
#include "fastpath/nf_parse.h"
#include "fastpath/nf_table.h"
#include "fastpath/pktbuild.h"
#include "fastpath/utable.h"
#include "lib/nf_corpus.h"

#ifndef FUZZ_CHAIN
#error "build with -DFUZZ_CHAIN=FP_NF_MACSWAP (or FP_NF_FIREWALL, FP_NF_LB, a list)"
#endif

#define MIN_LEN		14
#define MAX_LEN		4096
#define TICK_EVERY	1024
#define CHECK_EVERY	65536
/*
 * The LB's sessions: a small table (as with --table-size lb_sessions=1024)
 * and a clock of 250 us per input with a 600 s timeout, so that 2.4M
 * inputs pass before an idle session expires.  The fuzzer finds a new flow
 * every few hundred inputs: the table fills (new flows are balanced but not
 * pinned), then expiry empties it, again and again.
 */
#define LB_SESSIONS	1024
#define NS_PER_INPUT	250000ull

static const char *const lb_extra[] = { "timeout 600", NULL };

/*
 * Where the frame starts in its buffer.  The NF code reads headers through
 * struct pointers (nf_parse.h), and an IPv4 or IPv6 header right after a
 * 14-byte Ethernet header is only 2-byte aligned: UBSan's alignment check
 * reports that on every IP frame.  Starting the frame 2 bytes into the
 * buffer (NET_IP_ALIGN) aligns every header the code reads; the end of the
 * frame is still the end of the allocation, so ASan still sees any read
 * past data_end.  -DFUZZ_IP_ALIGN=0 shows the misaligned accesses.
 */
#ifndef FUZZ_IP_ALIGN
#define FUZZ_IP_ALIGN	2
#endif

static const uint32_t chain[] = { FUZZ_CHAIN };
#define CHAIN_LEN ((uint32_t)(sizeof(chain) / sizeof(chain[0])))

static struct fp_tables tables;
static struct fp_nf_inst inst[FP_NF_COUNT];
static bool has[FP_NF_COUNT];
static uint64_t inputs;
/* Transmitted frames whose checksums were valid before, so checked after. */
static uint64_t checked_ip, checked_l4;
static uint32_t rule_count[FP_TABLES_MAX];
static uint64_t config_hash;

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* A broken promise: one line, then a crash for libFuzzer to report. */
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz_nf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- set-up ------------------------------------------------------------------ */

static void apply(enum fp_nf_id id, const char *const *lines)
{
	char buf[256];
	int err;

	for (; *lines; lines++) {
		snprintf(buf, sizeof(buf), "%s", *lines);
		err = fp_nf_ctl_line(&inst[id], buf, stderr);
		if (err)
			die("control line '%s' failed: %d", *lines, err);
	}
}

/* Tables the data path only reads: the rules and the LB's config. */
static bool is_config(const struct fp_table *t)
{
	static const char *const names[] = { "fw_exact", "fw_src", "fw_dst",
		"fw_config", "lb_vips", "lb_backends", "lb_ring" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(t->desc->name, names[i]))
			return true;
	return false;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* A hash of every config table's contents, independent of the order the
 * twins iterate in (entries' hashes are added). */
static uint64_t hash_config(void)
{
	uint8_t key[256], next[256], val[256];
	uint64_t sum = 0;
	unsigned int i;
	uint32_t k;

	for (i = 0; i < tables.n; i++) {
		struct fp_table *t = &tables.t[i];
		const struct fp_table_desc *d = t->desc;

		if (!is_config(t))
			continue;
		if (d->kind == FP_TABLE_ARRAY) {
			for (k = 0; k < t->max_entries; k++) {
				if (fp_utable_read(t->ut, &k, val))
					die("%s: read failed at %u", d->name, k);
				sum += fnv(fnv(0xcbf29ce484222325ull, &k, 4),
					   val, d->value_size);
			}
			continue;
		}
		if (fp_utable_get_next_key(t->ut, NULL, key))
			continue;
		do {
			if (fp_utable_read(t->ut, key, val))
				die("%s: a key vanished during the walk", d->name);
			sum += fnv(fnv(0xcbf29ce484222325ull, key, d->key_size),
				   val, d->value_size);
		} while (!fp_utable_get_next_key(t->ut, key, next) &&
			 memcpy(key, next, d->key_size));
	}
	return sum;
}

/*
 * At exit, everything goes, so that LeakSanitizer's final check sees only
 * real leaks: the twins' hash tables keep their buckets in mmap()ed memory
 * (liburcu's cds_lfht sized with a maximum), which LSan does not scan, so
 * every element still in a table would otherwise look leaked.
 */
static void cleanup(void)
{
	unsigned int i;

	fp_rcu_thread_offline();
	/* What the NFs saw, for the log. */
	fprintf(stderr, "fuzz_nf: %llu frames; checksums kept valid: %llu "
		"IPv4 headers, %llu TCP/UDP\n", (unsigned long long)inputs,
		(unsigned long long)checked_ip, (unsigned long long)checked_l4);
	for (i = 0; i < FP_NF_COUNT; i++)
		if (inst[i].info && inst[i].info->stats)
			inst[i].info->stats(&inst[i], stderr, false);
	for (i = 0; i < FP_NF_COUNT; i++)
		if (inst[i].info && inst[i].info->fini)
			inst[i].info->fini(&inst[i]);
	for (i = 0; i < tables.n; i++)
		fp_table_twin_free(&tables.t[i]);
}

static void setup(void)
{
	unsigned int i, k, id;

	tables.ncpus = 1;
	tables.nslots = 1;
	for (i = 0; i < CHAIN_LEN; i++)
		has[chain[i]] = true;
	for (id = 0; id < FP_NF_COUNT; id++) {
		const struct fp_nf_info *nf = fp_nf_get((enum fp_nf_id)id);

		if (!has[id])
			continue;
		for (k = 0; k < nf->n_tables; k++) {
			const struct fp_table_desc *d = &nf->tables[k];
			struct fp_table *t = &tables.t[tables.n++];

			t->desc = d;
			t->max_entries = d->max_entries;
			if (!strcmp(d->name, "lb_sessions") ||
			    !strcmp(d->name, "lb_reverse"))
				t->max_entries = LB_SESSIONS;
			t->fd = -1;
			if (fp_table_twin_create(t, 1))
				die("cannot create table %s", d->name);
		}
	}
	for (id = 0; id < FP_NF_COUNT; id++) {
		if (!has[id])
			continue;
		inst[id].info = fp_nf_get((enum fp_nf_id)id);
		inst[id].tables = &tables;
		if (inst[id].info->init && inst[id].info->init(&inst[id]))
			die("cannot init %s", inst[id].info->name);
	}
	if (has[FP_NF_FIREWALL])
		apply(FP_NF_FIREWALL, nf_corpus_fw_rules);
	if (has[FP_NF_LB]) {
		apply(FP_NF_LB, nf_corpus_lb_rules);
		apply(FP_NF_LB, lb_extra);
	}
	for (i = 0; i < tables.n; i++)
		if (tables.t[i].desc->kind == FP_TABLE_HASH ||
		    tables.t[i].desc->kind == FP_TABLE_LPM)
			rule_count[i] = fp_utable_count(tables.t[i].ut);
	config_hash = hash_config();
	atexit(cleanup);
	fp_rcu_thread_online();
}

/* ---- checksums -------------------------------------------------------------- */

struct csums {
	bool ip_ok;		/* IPv4 header checksum verifies */
	bool l4_ok;		/* TCP/UDP checksum over a whole segment verifies */
	bool udp_none;		/* UDP over IPv4 without a checksum */
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct csums csums_of(const uint8_t *b, size_t len)
{
	struct fp_pkt p = { .data = (void *)b, .data_end = (void *)(b + len) };
	struct csums c = { false, false, false };
	struct fp_hdrs h;
	const uint8_t *ip;
	size_t seg, ihl;
	uint64_t sum;

	if (fp_parse(&p, &h) || !(h.flags & FP_H_PORTS))
		return c;
	ip = b + h.l3_off;
	if (h.t.family == FP_AF_INET) {
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		c.ip_ok = fp_csum_finish(fp_csum_partial(ip, ihl, 0)) == 0;
		if (get16(ip + 2) < ihl || h.l3_off + get16(ip + 2) > len)
			return c;
		seg = get16(ip + 2) - ihl;
		sum = fp_csum_partial(ip + 12, 8, 0);
	} else {
		seg = get16(ip + 4);
		if (h.l3_off + 40 + seg > len)
			return c;
		sum = fp_csum_partial(ip + 8, 32, 0);
	}
	if (seg < (h.t.proto == FP_IPPROTO_TCP ? 20u : 8u))
		return c;
	if (h.t.proto == FP_IPPROTO_UDP && h.t.family == FP_AF_INET &&
	    get16(b + h.l4_off + 6) == 0) {
		c.udp_none = true;
		return c;
	}
	sum += h.t.proto + seg;
	c.l4_ok = fp_csum_finish(fp_csum_partial(b + h.l4_off, seg, sum)) == 0;
	return c;
}

/* ---- one input ----------------------------------------------------------------- */

static int run(uint8_t *frame, size_t size, uint32_t stage)
{
	struct fp_pkt p = {
		.data = frame,
		.data_end = frame + size,
		.now_ns = inputs * NS_PER_INPUT,
		.ifindex = 1,
		.stage = stage,
	};

	return fp_nf_user_run(&p, chain, CHAIN_LEN);
}

static void check_tables(void)
{
	unsigned int i;

	for (i = 0; i < tables.n; i++)
		if (rule_count[i] && is_config(&tables.t[i]) &&
		    fp_utable_count(tables.t[i].ut) != rule_count[i])
			die("table %s changed size: %u entries, not %u",
			    tables.t[i].desc->name,
			    fp_utable_count(tables.t[i].ut), rule_count[i]);
	if (inputs % CHECK_EVERY == 0 && hash_config() != config_hash)
		die("a rule table (fw_*, lb_vips, lb_backends, lb_ring) "
		    "changed after %llu inputs", (unsigned long long)inputs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t *buf, *frame;
	struct csums before, after;
	int early, v;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < MIN_LEN || size > MAX_LEN)
		return 0;
	inputs++;
	buf = malloc(size + FUZZ_IP_ALIGN);
	if (!buf)
		return 0;
	frame = buf + FUZZ_IP_ALIGN;

	/* The early stage first: it must not change the frame. */
	memcpy(frame, data, size);
	early = run(frame, size, FP_STAGE_EARLY);
	if (early != FP_NEXT && early != FP_DROP && early != -EINVAL)
		die("early stage: verdict %d", early);
	if (memcmp(frame, data, size))
		die("early stage changed the frame (verdict %d)", early);

	/* (On the copy: it is where headers are aligned.) */
	before = csums_of(frame, size);
	v = run(frame, size, FP_STAGE_FULL);
	if (v != -EINVAL && (v < 0 || v >= FP_VERDICT_MAX || v == FP_REDIRECT))
		die("verdict %d is not one an NF gives", v);
	if ((early == -EINVAL) != (v == -EINVAL))
		die("early and full parse differ: %d, %d", early, v);
	if (early == FP_DROP && v != FP_DROP)
		die("the early stage drops what the full chain does not (%d)",
		    v);
	if (v != FP_TX) {
		if (memcmp(frame, data, size))
			die("a frame not transmitted was changed (verdict %d)",
			    v);
	} else if (has[FP_NF_MACSWAP] && CHAIN_LEN == 1) {
		if (memcmp(frame, data + 6, 6) || memcmp(frame + 6, data, 6) ||
		    memcmp(frame + 12, data + 12, size - 12))
			die("macswap changed more than the MACs");
	} else {
		after = csums_of(frame, size);
		if (before.ip_ok && !after.ip_ok)
			die("the IPv4 header checksum went bad");
		if (before.l4_ok && !after.l4_ok)
			die("the TCP/UDP checksum went bad");
		checked_ip += before.ip_ok;
		checked_l4 += before.l4_ok;
		if (before.udp_none && !after.udp_none)
			die("a UDP checksum 0 (none) was changed");
	}
	free(buf);

	check_tables();
	if (has[FP_NF_LB] && inputs % TICK_EVERY == 0)
		inst[FP_NF_LB].info->tick(&inst[FP_NF_LB],
					  inputs * NS_PER_INPUT);
	fp_rcu_quiescent();
	return 0;
}
