// SPDX-License-Identifier: MIT
/*
 * `fastpath doctor`: what this machine and its interfaces support, probed
 * for real (see fastpath/probe.h), as a table or as JSON.  The exit status
 * answers one question: can fastpath's core run here?
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/probe.h"
#include "fastpath/run.h"
#include "cli/commands.h"

#define MAX_IFACES 64

enum { OPT_JSON = 256 };

static const struct fp_opt doctor_opts[] = {
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL,
	  "print one JSON object instead of the table" },
	{ 0 },
};

static const struct fp_cmd_help doctor_help = {
	.usage = "fastpath doctor [--json] [IFACE...]",
	.summary =
	"Probe what this machine and its interfaces support, for real: load\n"
	"small BPF programs, run them, attach a trivial XDP_PASS program in each\n"
	"mode and detach it at once, bind AF_XDP sockets to queue 0.  Each \"no\"\n"
	"says what it costs.  Without IFACE, every interface that is up, except\n"
	"lo, is probed.  An interface that already has an XDP program is not\n"
	"touched: the doctor reports what is attached.  On some physical NICs\n"
	"a native XDP attach or an AF_XDP zero-copy bind resets the rings (a\n"
	"short pause in traffic).\n"
	"Exit status 0 when fastpath's core can run (BPF, BTF, live-frames test\n"
	"runs, XDP in some mode on each interface), 1 otherwise.  Needs root.",
	.examples =
	"  fastpath doctor\n"
	"  fastpath doctor veth0 eth1\n"
	"  fastpath doctor --json eth1 | jq .interfaces.eth1.items.xsk_zerocopy",
};

struct doctor {
	bool json;
	int n;
	int ifindex[MAX_IFACES];
	char name[MAX_IFACES][IF_NAMESIZE];
	struct fp_probe_report machine;
	struct fp_probe_report iface[MAX_IFACES];
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct doctor *d = ctx;

	if (key == OPT_JSON)
		d->json = true;
	return 0;
}

static int add_iface(struct doctor *d, int ifindex, const char *name)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->ifindex[i] == ifindex)
			return 0;
	if (d->n == MAX_IFACES) {
		fp_err("doctor: at most %d interfaces at a time; name fewer",
		       MAX_IFACES);
		return -E2BIG;
	}
	d->ifindex[d->n] = ifindex;
	snprintf(d->name[d->n], IF_NAMESIZE, "%s", name);
	d->n++;
	return 0;
}

static bool is_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return !ioctl(sock, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_UP);
}

/* Default: every interface that is up, except loopback. */
static int add_up_ifaces(struct doctor *d)
{
	struct if_nameindex *all, *i;
	int sock, err = 0;

	all = if_nameindex();
	if (!all) {
		fp_err("doctor: cannot list interfaces: %s", strerror(errno));
		return -errno;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = all; sock >= 0 && i->if_index && !err; i++)
		if (strcmp(i->if_name, "lo") && is_up(sock, i->if_name))
			err = add_iface(d, (int)i->if_index, i->if_name);
	if (sock >= 0)
		close(sock);
	if_freenameindex(all);
	return err;
}

/* --- table -------------------------------------------------------------- */

static void print_items(const struct fp_probe_report *r)
{
	const struct fp_probe_item *it;
	int i;

	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		printf("  %-38s %-4s %s\n", it->label,
		       fp_probe_status_str(it->status), it->detail);
		if (it->status == FP_PROBE_NO && it->cost)
			printf("  %-38s      costs: %s\n", "", it->cost);
	}
}

static void print_table(const struct doctor *d)
{
	int i;

	printf("Machine\n");
	print_items(&d->machine);
	for (i = 0; i < d->n; i++) {
		printf("\nInterface %s (ifindex %d)\n", d->name[i],
		       d->ifindex[i]);
		print_items(&d->iface[i]);
	}
	if (!d->n)
		printf("\nNo interface probed: none is up besides lo; name one, e.g. 'fastpath doctor eth0'.\n");
}

/* --- JSON --------------------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_items(const struct fp_probe_report *r, const char *indent)
{
	const struct fp_probe_item *it;
	int i;

	printf("{");
	for (i = 0; i < r->n; i++) {
		it = &r->items[i];
		printf("%s\n%s  ", i ? "," : "", indent);
		json_str(it->key);
		printf(": {\"label\": ");
		json_str(it->label);
		printf(", \"status\": ");
		json_str(fp_probe_status_str(it->status));
		printf(", \"detail\": ");
		json_str(it->detail);
		printf(", \"required\": %s, \"cost\": ",
		       it->required ? "true" : "false");
		if (it->status == FP_PROBE_NO && it->cost)
			json_str(it->cost);
		else
			printf("null");
		printf("}");
	}
	printf("\n%s}", indent);
}

static void print_json(const struct doctor *d, const char *missing[],
		       int nmissing)
{
	int i;

	printf("{\n  \"version\": 1,\n  \"machine\": ");
	json_items(&d->machine, "  ");
	printf(",\n  \"interfaces\": {");
	for (i = 0; i < d->n; i++) {
		printf("%s\n    ", i ? "," : "");
		json_str(d->name[i]);
		printf(": {\"ifindex\": %d, \"items\": ", d->ifindex[i]);
		json_items(&d->iface[i], "    ");
		printf("}");
	}
	printf("%s},\n  \"core_ok\": %s,\n  \"missing\": [", d->n ? "\n  " : "",
	       nmissing ? "false" : "true");
	for (i = 0; i < nmissing; i++) {
		printf("%s", i ? ", " : "");
		json_str(missing[i]);
	}
	printf("]\n}\n");
}

/* --- command ------------------------------------------------------------ */

static int probe_all(struct doctor *d)
{
	int i, err;

	err = fp_probe_machine(&d->machine);
	for (i = 0; i < d->n && !err; i++) {
		err = fp_probe_iface(d->ifindex[i], &d->iface[i]);
		if (err == -ENODEV) {
			fp_err("doctor: interface %s disappeared while being probed",
			       d->name[i]);
			return err;
		}
	}
	if (err == -EINTR)
		fp_err("doctor: interrupted; nothing is left attached");
	return err;
}

static const struct fp_probe_item *item_by_label(const struct fp_probe_report *r,
						 const char *label)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->items[i].label, label))
			return &r->items[i];
	return NULL;
}

int cmd_doctor(int argc, char **argv)
{
	static struct doctor d;	/* ~150 KiB of reports: not on the stack */
	static char missing_buf[MAX_IFACES + 1][80];
	const char *missing[MAX_IFACES + 1];
	const struct fp_probe_item *it;
	const char *m;
	char more[48];
	int i, first, err, nmissing = 0, ifindex;

	err = fp_opts_parse(argc, argv, doctor_opts, &doctor_help, on_opt, &d,
			    &first);
	if (err)
		return err > 0 ? 0 : 1;
	for (i = first; i < argc; i++) {
		err = fp_parse_ifname(argv[i], "doctor", &ifindex);
		if (!err)
			err = add_iface(&d, ifindex, argv[i]);
		if (err)
			return 1;
	}
	if (first == argc && add_up_ifaces(&d))
		return 1;
	if (fp_run_require_admin("fastpath doctor"))
		return 1;
	fp_run_install_signals();
	if (probe_all(&d))
		return 1;

	m = fp_probe_missing(&d.machine);
	if (m) {
		snprintf(missing_buf[nmissing], sizeof(missing_buf[0]), "%s", m);
		missing[nmissing] = missing_buf[nmissing];
		nmissing++;
	}
	for (i = 0; i < d.n; i++) {
		m = fp_probe_missing(&d.iface[i]);
		if (!m)
			continue;
		snprintf(missing_buf[nmissing], sizeof(missing_buf[0]),
			 "%s: %s", d.name[i], m);
		missing[nmissing] = missing_buf[nmissing];
		nmissing++;
	}
	if (d.json)
		print_json(&d, missing, nmissing);
	else
		print_table(&d);
	if (!nmissing) {
		if (!d.json)
			printf("\nfastpath can run here.\n");
		return 0;
	}
	it = item_by_label(&d.machine, missing[0]);
	snprintf(more, sizeof(more), " (and %d more)", nmissing - 1);
	fp_err("doctor: fastpath cannot run here: %s is missing%s%s%s",
	       missing[0], it && it->cost ? ": " : "",
	       it && it->cost ? it->cost : "", nmissing > 1 ? more : "");
	return 1;
}
