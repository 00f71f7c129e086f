// SPDX-License-Identifier: MIT
/* Helpers shared by the scenarios: shell-outs to Linux's own tools, counters. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fastpath/log.h"
#include "scenarios/scenario.h"

/*
 * Run a shell command in the calling thread's network namespace (a forked
 * child inherits the thread's namespace).  Baselines are configured with the
 * tools an operator would use (nft, ethtool, ip), on purpose.
 */
int bench_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fp_dbg("bench: %s", cmd);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc)) {
		fp_err("bench: command failed: %.200s", cmd);
		return -EIO;
	}
	return 0;
}

int bench_nft_counter(const char *family, const char *table,
		      const char *counter, uint64_t *packets)
{
	char cmd[256], line[512];
	int err = -ENOENT;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nft list counter %s %s %s 2>/dev/null",
		 family, table, counter);
	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "packets ");

		if (p && sscanf(p, "packets %" SCNu64, packets) == 1) {
			err = 0;
			break;
		}
	}
	pclose(f);
	if (err)
		fp_err("bench: cannot read nft counter %s %s %s", family, table,
		       counter);
	return err;
}

int bench_ifindex(const char *ifname, int *ifindex)
{
	unsigned int idx = if_nametoindex(ifname);

	if (!idx) {
		fp_err("bench: no interface %s in the device under test's namespace; is the testbed up?",
		       ifname);
		return -ENODEV;
	}
	*ifindex = (int)idx;
	return 0;
}

int bench_gen_count(struct bench_ctx *ctx, uint64_t *packets)
{
	struct fp_gen_stats st;
	int err = fp_gen_read(ctx->gen, &st);

	if (!err)
		*packets = st.packets;
	return err;
}

int bench_gen_alone_setup(struct bench_ctx *ctx)
{
	return bench_sh("ethtool -K %s gro off", ctx->scenario->dut_iface);
}

void bench_gen_alone_teardown(struct bench_ctx *ctx)
{
	bench_sh("ethtool -K %s gro on", ctx->scenario->dut_iface);
}
