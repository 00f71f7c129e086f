// SPDX-License-Identifier: MIT
/*
 * The NFs' packet code compiled for user space.  This is the only file
 * that includes src/nf/ outside BPF: the tables the code names are
 * file-local pointers (nf_map.h) that the engine fills through the
 * descriptors below before any worker runs.
 */
#include <errno.h>

#include "fastpath/nf_info.h"
#include "nf/chain.h"

/* macswap keeps no table: an empty list (one entry so C allows it). */
const struct fp_table_desc fp_nf_macswap_tables[1];

const struct fp_table_desc fp_nf_firewall_tables[] = {
	FP_FW_TABLES(FP_TABLE_DESC)
};
const unsigned int fp_nf_firewall_n_tables =
	sizeof(fp_nf_firewall_tables) / sizeof(fp_nf_firewall_tables[0]);

const struct fp_table_desc fp_nf_lb_tables[] = {
	FP_LB_TABLES(FP_TABLE_DESC)
};
const unsigned int fp_nf_lb_n_tables =
	sizeof(fp_nf_lb_tables) / sizeof(fp_nf_lb_tables[0]);

int fp_nf_user_run(struct fp_pkt *p, const uint32_t *chain, uint32_t n)
{
	struct fp_hdrs h;

	if (fp_parse(p, &h))
		return -EINVAL;
	return fp_chain_run(p, &h, chain, n);
}
