// SPDX-License-Identifier: MIT
/* macswap: no tables, no state, no commands (see docs/nf/macswap.md). */
#include "fastpath/nf_info.h"

const struct fp_nf_info fp_nf_macswap_info = {
	.name = "macswap",
	.id = FP_NF_MACSWAP,
	.summary = "reflector: swaps the MACs of UDP/TCP frames and sends "
		   "them back out",
	.ctl_help = "macswap has no commands: it keeps no state\n",
	.tables = fp_nf_macswap_tables,
	.n_tables = 0,
};
