// SPDX-License-Identifier: MIT
/*
 * `fastpath testbed up|down|show|list`: build, remove and inspect the
 * namespace topologies of include/fastpath/testbed.h.  The JSON of `show`
 * is read by tests and scripts; its shape is documented in
 * docs/cmd/testbed.md and only grows.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"
#include "fastpath/run.h"
#include "fastpath/testbed.h"
#include "cli/commands.h"

enum { OPT_JSON = 256, OPT_ALL };

struct testbed_opts {
	bool json;
	bool all;
};

static const struct fp_opt testbed_opts[] = {
	{ "json", OPT_JSON, FP_OPT_FLAG, NULL,
	  "show/list: print JSON instead of text" },
	{ "all", OPT_ALL, FP_OPT_FLAG, NULL,
	  "down: remove every topology (no TOPOLOGY then)" },
	{ 0 },
};

static const struct fp_cmd_help testbed_help = {
	.usage = "fastpath testbed up|down|show [--json] TOPOLOGY\n"
		 "       fastpath testbed down --all\n"
		 "       fastpath testbed list [--json]",
	.summary =
	"Build, remove and inspect network-namespace testbeds joined by veth\n"
	"pairs, with fixed names, MACs and addresses (see docs/cmd/testbed.md).\n"
	"Topologies: pair (gen <-> dut), bridge (gen <-> br0 <-> sink),\n"
	"router (gen <-> forwarding dut <-> sink, IPv4 and IPv6).  Namespaces\n"
	"are named fp-TOPOLOGY-ROLE and work with 'ip netns exec'.  'up' on a\n"
	"topology that exists, even half-built, removes it and builds it again.",
	.examples =
	"  fastpath testbed up router\n"
	"  ip netns exec fp-router-gen ping -c1 198.18.3.1\n"
	"  fastpath testbed show --json router\n"
	"  fastpath testbed list\n"
	"  fastpath testbed down --all",
};

static int on_opt(int key, const char *arg, void *ctx)
{
	struct testbed_opts *o = ctx;

	switch (key) {
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_ALL:
		o->all = true;
		return 0;
	}
	return -EINVAL;
}

/* Namespaces and bind mounts need CAP_SYS_ADMIN, links CAP_NET_ADMIN. */
static int require_privileges(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps;
	int err;

	err = fp_run_require_admin("fastpath testbed");
	if (err)
		return err;
	caps = cap_get_proc();
	if (caps)
		cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
	cap_free(caps);
	if (v != CAP_SET) {
		fp_err("fastpath testbed needs CAP_SYS_ADMIN to create namespaces; run it as root (sudo)");
		return -EPERM;
	}
	return 0;
}

/* --- output ---------------------------------------------------------------- */

static void json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static const char *iface_state(const struct fp_topo_iface_status *st)
{
	if (st->ifindex <= 0)
		return "missing";
	return st->admin_up ? "up" : "down";
}

static void show_json_iface(const struct fp_topo_iface *ifc,
			    const struct fp_topo_iface_status *st)
{
	char mac[18];

	printf("{\"name\":");
	json_str(ifc->name);
	printf(",\"kind\":\"%s\",\"mac\":\"%s\",\"ipv4\":",
	       ifc->kind == FP_TOPO_BRIDGE ? "bridge" : "veth",
	       mac_str(ifc->mac, mac, sizeof(mac)));
	json_str(ifc->ipv4);
	printf(",\"ipv6\":");
	json_str(ifc->ipv6);
	printf(",\"peer\":");
	json_str(ifc->peer);
	printf(",\"peer_ns\":");
	json_str(ifc->peer_ns);
	printf(",\"master\":");
	json_str(ifc->master);
	printf(",\"ifindex\":%d,\"state\":\"%s\",\"carrier\":%s,"
	       "\"ready\":%s,\"mac_ok\":%s,\"addrs_ok\":%s,"
	       "\"master_ok\":%s}",
	       st->ifindex, iface_state(st), st->carrier ? "true" : "false",
	       st->ready ? "true" : "false",
	       st->mac_ok ? "true" : "false", st->addrs_ok ? "true" : "false",
	       st->master_ok ? "true" : "false");
}

static void show_json(const struct fp_topology *t,
		      const struct fp_testbed_status *st)
{
	unsigned int i, j;

	printf("{\"topology\":");
	json_str(t->name);
	printf(",\"up\":%s,\"state\":\"%s\",\"namespaces\":[",
	       st->state == FP_TESTBED_UP ? "true" : "false",
	       fp_testbed_state_name(st->state));
	for (i = 0; i < t->n_ns; i++) {
		const struct fp_topo_ns *ns = &t->ns[i];

		printf("%s{\"name\":", i ? "," : "");
		json_str(ns->name);
		printf(",\"role\":");
		json_str(ns->role);
		printf(",\"exists\":%s,\"leftover\":%s,\"routes_ok\":%s,"
		       "\"interfaces\":[",
		       st->ns[i].exists ? "true" : "false",
		       st->ns[i].leftover ? "true" : "false",
		       st->ns[i].routes_ok ? "true" : "false");
		for (j = 0; j < ns->n_ifaces; j++) {
			if (j)
				putchar(',');
			show_json_iface(&ns->ifaces[j], &st->ns[i].ifaces[j]);
		}
		printf("],\"routes\":[");
		for (j = 0; j < ns->n_routes; j++) {
			printf("%s{\"dst\":", j ? "," : "");
			json_str(ns->routes[j].dst);
			printf(",\"via\":");
			json_str(ns->routes[j].via);
			printf(",\"dev\":");
			json_str(ns->routes[j].dev);
			putchar('}');
		}
		printf("]}");
	}
	printf("]}\n");
}

static void show_text_iface(const struct fp_topo_iface *ifc,
			    const struct fp_topo_iface_status *st)
{
	char mac[18], live[18];

	printf("    %-6s %s  %-7s", ifc->name, mac_str(ifc->mac, mac, sizeof(mac)),
	       iface_state(st));
	if (ifc->ipv4)
		printf(" %s", ifc->ipv4);
	if (ifc->ipv6)
		printf(" %s", ifc->ipv6);
	if (ifc->kind == FP_TOPO_BRIDGE)
		printf(" bridge");
	if (ifc->master)
		printf(" port of %s", ifc->master);
	if (ifc->peer)
		printf(" peer %s@%s", ifc->peer, ifc->peer_ns);
	if (st->ifindex > 0) {
		if (!st->carrier && st->admin_up)
			printf(" [no carrier]");
		else if (!st->ready && st->admin_up)
			printf(" [not ready]");
		if (!st->mac_ok)
			printf(" [MAC is %s]", mac_str(st->mac, live, sizeof(live)));
		if (!st->addrs_ok)
			printf(" [addresses missing]");
		if (!st->master_ok)
			printf(" [not enslaved as listed]");
	}
	putchar('\n');
}

static void show_text(const struct fp_topology *t,
		      const struct fp_testbed_status *st)
{
	unsigned int i, j;

	printf("testbed %s: %s\n", t->name, fp_testbed_state_name(st->state));
	for (i = 0; i < t->n_ns; i++) {
		const struct fp_topo_ns *ns = &t->ns[i];
		const struct fp_topo_ns_status *nst = &st->ns[i];

		printf("  %s (%s)%s\n", ns->name, ns->role,
		       nst->exists ? "" : nst->leftover ?
		       ": leftover file, no namespace" : ": does not exist");
		if (!nst->exists)
			continue;
		for (j = 0; j < ns->n_ifaces; j++)
			show_text_iface(&ns->ifaces[j], &nst->ifaces[j]);
		for (j = 0; j < ns->n_routes; j++)
			printf("    route %s via %s dev %s%s\n", ns->routes[j].dst,
			       ns->routes[j].via, ns->routes[j].dev,
			       nst->routes_ok ? "" : " [routes incomplete]");
	}
}

/* --- actions --------------------------------------------------------------- */

static int do_show(const struct fp_topology *t, bool json)
{
	struct fp_testbed_status st;
	int err = fp_testbed_status(t, &st);

	if (err)
		return err;
	if (json)
		show_json(t, &st);
	else
		show_text(t, &st);
	return 0;
}

static int do_list(bool json)
{
	const struct fp_topology *t;
	struct fp_testbed_status st;
	unsigned int i;
	int err;

	if (json)
		putchar('[');
	for (i = 0; (t = fp_testbed_get(i)); i++) {
		err = fp_testbed_status(t, &st);
		if (err)
			return err;
		if (json) {
			printf("%s{\"topology\":", i ? "," : "");
			json_str(t->name);
			printf(",\"up\":%s,\"state\":\"%s\",\"summary\":",
			       st.state == FP_TESTBED_UP ? "true" : "false",
			       fp_testbed_state_name(st.state));
			json_str(t->summary);
			putchar('}');
		} else {
			printf("%-8s %-8s %s\n", t->name,
			       fp_testbed_state_name(st.state), t->summary);
		}
	}
	if (json)
		printf("]\n");
	return 0;
}

static int do_up(const struct fp_topology *t)
{
	unsigned int i;
	int err;

	/* A Ctrl-C between steps removes what was built instead of leaving
	 * half a testbed (a kill -9 leaves it for 'down' or the next 'up'). */
	fp_run_install_signals();
	err = fp_testbed_up(t);
	if (err)
		return err;
	printf("testbed %s: up:", t->name);
	for (i = 0; i < t->n_ns; i++)
		printf(" %s", t->ns[i].name);
	putchar('\n');
	return 0;
}

static int do_down(const struct fp_topology *t)
{
	int err = fp_testbed_down(t);

	if (!err)
		printf("testbed %s: down\n", t->name);
	return err;
}

static int do_down_all(void)
{
	const struct fp_topology *t;
	unsigned int i;
	int err, first = 0;

	for (i = 0; (t = fp_testbed_get(i)); i++) {
		err = do_down(t);
		if (err && !first)
			first = err;
	}
	return first;
}

static int run(const char *action, const char *name,
	       const struct testbed_opts *o)
{
	const struct fp_topology *t = NULL;
	bool is_list = !strcmp(action, "list");
	bool is_down = !strcmp(action, "down");

	if (!is_list && !is_down && strcmp(action, "up") &&
	    strcmp(action, "show")) {
		fp_err("testbed: unknown action '%s'; use up, down, show or list",
		       action);
		return -EINVAL;
	}
	if (o->all && !is_down) {
		fp_err("testbed: --all goes with 'down' only");
		return -EINVAL;
	}
	if (o->json && strcmp(action, "show") && !is_list) {
		fp_err("testbed: --json goes with 'show' and 'list' only");
		return -EINVAL;
	}
	if (is_list || o->all) {
		if (name) {
			fp_err("testbed %s: takes no TOPOLOGY%s", action,
			       o->all ? " with --all" : "");
			return -EINVAL;
		}
	} else {
		if (!name) {
			fp_err("testbed %s: name a TOPOLOGY (%s)", action,
			       fp_testbed_names());
			return -EINVAL;
		}
		t = fp_testbed_find(name);
		if (!t) {
			fp_err("testbed: unknown topology '%s'; choose one of: %s",
			       name, fp_testbed_names());
			return -ENOENT;
		}
	}
	if (require_privileges())
		return -EPERM;
	if (is_list)
		return do_list(o->json);
	if (o->all)
		return do_down_all();
	if (is_down)
		return do_down(t);
	if (!strcmp(action, "up"))
		return do_up(t);
	return do_show(t, o->json);
}

int cmd_testbed(int argc, char **argv)
{
	struct testbed_opts o = { 0 };
	int err, first;

	err = fp_opts_parse(argc, argv, testbed_opts, &testbed_help, on_opt,
			    &o, &first);
	if (err)
		return err > 0 ? 0 : 1;
	if (first >= argc) {
		fp_err("testbed: name an action: up, down, show or list; see 'fastpath testbed --help'");
		return 1;
	}
	if (argc - first > 2) {
		fp_err("testbed: too many arguments ('%s'); see 'fastpath testbed --help'",
		       argv[first + 2]);
		return 1;
	}
	return cmd_exit(run(argv[first], first + 1 < argc ? argv[first + 1] : NULL,
			    &o));
}
