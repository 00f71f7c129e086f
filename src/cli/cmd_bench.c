// SPDX-License-Identifier: MIT
/* TEMPORARY: replaced by the real command in this session. */
#include "fastpath/log.h"
#include "cli/commands.h"

int cmd_bench(int argc, char **argv)
{
	fp_err("bench: not built yet");
	return 1;
}
