// SPDX-License-Identifier: MIT
/* TEMPORARY: replaced by the real command in this session. */
#include "fastpath/log.h"
#include "cli/commands.h"

int cmd_sink(int argc, char **argv)
{
	fp_err("sink: not built yet");
	return 1;
}
