/* SPDX-License-Identifier: MIT */
/*
 * What user space knows of each NF beyond its packet code: its tables, its
 * control commands (the same text at start from a rules file and live from
 * `fastpath ctl`), periodic work (the LB's session expiry) and its
 * counters for `fastpath run` and `stats`.
 *
 * Control commands are words, like a shell line:
 *
 *	firewall: rule add 7 drop udp 198.18.0.1:9 198.18.0.2:9
 *	lb:       backend add 198.18.0.100:80/tcp 198.18.1.1:8080 02:fa:00:00:01:01
 *
 * Each NF documents its own in docs/nf/NAME.md.  A handler writes its
 * reply (or one error line saying what is wrong) to @out and returns 0 or a
 * negative errno; it runs on the control thread only, so NF state needs no
 * locks; the data path sees each table update atomically.
 */
#ifndef FASTPATH_NF_INFO_H
#define FASTPATH_NF_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fastpath/nf.h"
#include "fastpath/nf_table.h"

struct fp_nf_inst {
	const struct fp_nf_info *info;
	struct fp_tables *tables;	/* every table of the chain */
	void *state;			/* the NF's own control state */
};

struct fp_nf_info {
	const char *name;		/* "firewall" */
	enum fp_nf_id id;
	const char *summary;		/* one line, for --help and list */
	const char *ctl_help;		/* its commands, one per line */
	const struct fp_table_desc *tables;
	unsigned int n_tables;
	bool need_time;			/* uses fp_pkt.now_ns */
	bool early_ok;			/* may run in the early XDP stage */
	/* After the tables exist, before traffic: defaults, state. */
	int (*init)(struct fp_nf_inst *nf);
	int (*ctl)(struct fp_nf_inst *nf, int argc, char **argv, FILE *out);
	/* About once a second on the control thread. */
	void (*tick)(struct fp_nf_inst *nf, uint64_t now_ns);
	/* Counters as "name value" lines, or JSON members separated by
	 * commas, none after the last ("\"a\":1,\"b\":2"). */
	void (*stats)(struct fp_nf_inst *nf, FILE *out, bool json);
	void (*fini)(struct fp_nf_inst *nf);
};

extern const struct fp_nf_info fp_nf_macswap_info;
extern const struct fp_nf_info fp_nf_firewall_info;
extern const struct fp_nf_info fp_nf_lb_info;

const struct fp_nf_info *fp_nf_find(const char *name);
const struct fp_nf_info *fp_nf_get(enum fp_nf_id id);

/*
 * Split @line into words (spaces and tabs; '#' starts a comment) in place,
 * then hand them to @nf's ctl.  Empty lines are fine.  Used for rules files
 * and for the control socket alike.
 */
int fp_nf_ctl_line(struct fp_nf_inst *nf, char *line, FILE *out);

/*
 * The packet code built for user space (src/lib/nf_user.c): parse, then
 * the chain.  Returns the verdict (FP_NEXT when every NF went on), or
 * -EINVAL for a frame too broken to parse (callers drop it).  The tables
 * it reads are the twins listed below, created by the engine.
 */
int fp_nf_user_run(struct fp_pkt *p, const uint32_t *chain, uint32_t n);

extern const struct fp_table_desc fp_nf_macswap_tables[];
extern const struct fp_table_desc fp_nf_firewall_tables[];
extern const struct fp_table_desc fp_nf_lb_tables[];
extern const unsigned int fp_nf_firewall_n_tables, fp_nf_lb_n_tables;

#endif
