// SPDX-License-Identifier: MIT
/*
 * `fastpath ctl IFACE COMMAND...`: send one control line to the
 * `fastpath run` serving IFACE and print its answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/nfrun.h"
#include "fastpath/opts.h"
#include "cli/commands.h"

enum { OPT_SOCKET = 's' };

static const struct fp_opt ctl_opts[] = {
	{ "socket", OPT_SOCKET, FP_OPT_VALUE, "PATH",
	  "control socket (default " FP_RUN_CTL_DIR "/IFACE.sock)" },
	{ 0 },
};

static const struct fp_cmd_help ctl_help = {
	.usage = "fastpath ctl [--socket PATH] IFACE COMMAND...",
	.summary =
	"Send one control line to the 'fastpath run' on IFACE: a command of\n"
	"one of its NFs, prefixed with the NF's name, or 'stats' ('stats json')\n"
	"or 'help' (the commands of the chain).  Changes apply to every world\n"
	"the chain runs in (XDP maps and user-space tables) at once.\n"
	"Exit status: 0 when the command succeeded, 1 otherwise.",
	.examples =
	"  fastpath ctl dut0 help\n"
	"  fastpath ctl dut0 firewall rule add 7 drop udp 198.18.0.1:9 198.18.0.2:9\n"
	"  fastpath ctl dut0 firewall rule list\n"
	"  fastpath ctl dut0 lb backend add 198.18.0.100:80/tcp 198.18.1.1:8080 02:fa:00:00:01:01\n"
	"  fastpath ctl dut0 stats json",
};

static int on_opt(int key, const char *arg, void *ctx)
{
	const char **path = ctx;

	if (key == OPT_SOCKET) {
		*path = arg;
		return 0;
	}
	return -EINVAL;
}

int cmd_ctl(int argc, char **argv)
{
	const char *path = NULL;
	char def[128], line[4096] = "";
	char *reply = NULL;
	size_t len = 0, used = 0;
	int first, i, err, status = 0;
	FILE *out;

	err = fp_opts_parse(argc, argv, ctl_opts, &ctl_help, on_opt, &path, &first);
	if (err)
		return err > 0 ? 0 : 1;
	if (argc - first < 2) {
		fp_err("usage: fastpath ctl IFACE COMMAND...; 'fastpath ctl IFACE help' lists the commands");
		return 1;
	}
	if (!path) {
		fp_run_ctl_default_path(argv[first], def, sizeof(def));
		path = def;
	}
	for (i = first + 1; i < argc; i++) {
		int n = snprintf(line + used, sizeof(line) - used, "%s%s",
				 i > first + 1 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(line) - used) {
			fp_err("ctl: the command is longer than %zu bytes", sizeof(line) - 1);
			return 1;
		}
		used += (size_t)n;
	}
	out = open_memstream(&reply, &len);
	if (!out)
		return 1;
	err = fp_run_ctl_send(path, line, out, &status);
	fclose(out);
	if (err) {
		fp_err("ctl: cannot reach %s: %s; is 'fastpath run' running on %s (as root)?",
		       path, strerror(-err), argv[first]);
		free(reply);
		return 1;
	}
	fputs(reply, status ? stderr : stdout);
	free(reply);
	return status ? 1 : 0;
}
