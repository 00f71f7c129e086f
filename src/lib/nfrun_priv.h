/* SPDX-License-Identifier: MIT */
/*
 * Inside `fastpath run` (nfrun.h): the state shared by its files.
 *   nfrun.c         modes, start and stop
 *   nfrun_tables.c  the chain's tables in each world
 *   nfrun_user.c    the AF_XDP workers' per-batch function
 *   nfrun_ctl.c     the control socket, rules files, the loop
 *   nfrun_stats.c   counters and their printing
 */
#ifndef FASTPATH_NFRUN_PRIV_H
#define FASTPATH_NFRUN_PRIV_H

#include <stdatomic.h>

#include "fastpath/nfrun.h"

struct fp_nf_xdp;

/* Per-worker counters, on their own cache lines. */
struct fp_run_wstats {
	uint64_t c[FP_CNT_MAX];
} __attribute__((aligned(64)));

struct fp_run {
	struct fp_run_config cfg;
	struct fp_nf_xdp *skel;
	struct fp_xdp_link *link;
	struct fp_xsk_set *xsks;
	struct fp_xsk_workers *workers;
	struct fp_xsk *then_xsk;	/* --redirect: the target's socket (shared TX) */
	uint32_t chain_ids[FP_CHAIN_MAX];
	struct fp_tables tables;
	struct fp_nf_inst nf[FP_CHAIN_MAX];
	struct fp_run_wstats *wstats;	/* n_workers entries */
	uint32_t n_workers;
	int ctl_fd;
	char ctl_path[108];
};

/* Before load: map sizes (and --table-size checks); after: fds, twins,
 * NF instances. */
int fp_run_tables_size(struct fp_run *r);
int fp_run_tables_create(struct fp_run *r);
void fp_run_tables_free(struct fp_run *r);

int fp_run_user_start(struct fp_run *r);
void fp_run_user_stop(struct fp_run *r);

int fp_run_ctl_open(struct fp_run *r);
void fp_run_ctl_close(struct fp_run *r);
int fp_run_rules_file(struct fp_run *r, const char *path);

#endif
