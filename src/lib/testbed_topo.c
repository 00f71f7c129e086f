// SPDX-License-Identifier: MIT
/*
 * The testbed topologies as tables, and lookups over them.  Names, MACs and
 * addresses here are a contract: bench, tests and docs/cmd/testbed.md use
 * them.  MACs are 02:fa:TT:00:00:NN with TT the topology's number, and
 * ifindexes 16 + NN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/testbed.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* MAC 02:fa:TT:00:00:NN and ifindex 16 + NN (see struct fp_topo_iface). */
#define HW(tt, nn)  .mac = { 0x02, 0xfa, (tt), 0x00, 0x00, (nn) }, \
		    .ifindex = 16 + (nn)
#define IFACES(a)   .ifaces = (a), .n_ifaces = ARRAY_SIZE(a)
#define ROUTES(a)   .routes = (a), .n_routes = ARRAY_SIZE(a)
#define SYSCTLS(a)  .sysctls = (a), .n_sysctls = ARRAY_SIZE(a)

/* --- pair (TT=00): gen0 <-> dut0 ---------------------------------------- */

static const struct fp_topo_iface pair_gen_if[] = {
	{ .name = "gen0", HW(0x00, 0x01),
	  .ipv4 = "198.18.0.1/24", .ipv6 = "2001:2::1/64",
	  .peer = "dut0", .peer_ns = "fp-pair-dut" },
};
static const struct fp_topo_iface pair_dut_if[] = {
	{ .name = "dut0", HW(0x00, 0x02),
	  .ipv4 = "198.18.0.2/24", .ipv6 = "2001:2::2/64",
	  .peer = "gen0", .peer_ns = "fp-pair-gen" },
};
static const struct fp_topo_ns pair_ns[] = {
	{ .name = "fp-pair-gen", .role = "gen", IFACES(pair_gen_if) },
	{ .name = "fp-pair-dut", .role = "dut", IFACES(pair_dut_if) },
};

/* --- bridge (TT=01): gen0 <-> dut0 [br0] dut1 <-> sink0 ----------------- */

static const struct fp_topo_iface bridge_gen_if[] = {
	{ .name = "gen0", HW(0x01, 0x01),
	  .ipv4 = "198.18.1.1/24", .ipv6 = "2001:2:0:1::1/64",
	  .peer = "dut0", .peer_ns = "fp-bridge-dut" },
};
static const struct fp_topo_iface bridge_dut_if[] = {
	{ .name = "br0", .kind = FP_TOPO_BRIDGE, HW(0x01, 0x10) },
	{ .name = "dut0", HW(0x01, 0x02),
	  .peer = "gen0", .peer_ns = "fp-bridge-gen", .master = "br0" },
	{ .name = "dut1", HW(0x01, 0x03),
	  .peer = "sink0", .peer_ns = "fp-bridge-sink", .master = "br0" },
};
static const struct fp_topo_iface bridge_sink_if[] = {
	{ .name = "sink0", HW(0x01, 0x04),
	  .ipv4 = "198.18.1.2/24", .ipv6 = "2001:2:0:1::2/64",
	  .peer = "dut1", .peer_ns = "fp-bridge-dut" },
};
static const struct fp_topo_ns bridge_ns[] = {
	{ .name = "fp-bridge-gen", .role = "gen", IFACES(bridge_gen_if) },
	{ .name = "fp-bridge-dut", .role = "dut", IFACES(bridge_dut_if) },
	{ .name = "fp-bridge-sink", .role = "sink", IFACES(bridge_sink_if) },
};

/* --- router (TT=02): gen0 <-> dut0 (forwarding) dut1 <-> sink0 ---------- */

static const struct fp_topo_iface router_gen_if[] = {
	{ .name = "gen0", HW(0x02, 0x01),
	  .ipv4 = "198.18.2.1/24", .ipv6 = "2001:2:0:2::1/64",
	  .peer = "dut0", .peer_ns = "fp-router-dut" },
};
static const struct fp_topo_route router_gen_rt[] = {
	{ .dst = "default", .via = "198.18.2.254", .dev = "gen0" },
	{ .dst = "default", .via = "2001:2:0:2::fe", .dev = "gen0" },
};
static const struct fp_topo_iface router_dut_if[] = {
	{ .name = "dut0", HW(0x02, 0x02),
	  .ipv4 = "198.18.2.254/24", .ipv6 = "2001:2:0:2::fe/64",
	  .peer = "gen0", .peer_ns = "fp-router-gen" },
	{ .name = "dut1", HW(0x02, 0x03),
	  .ipv4 = "198.18.3.254/24", .ipv6 = "2001:2:0:3::fe/64",
	  .peer = "sink0", .peer_ns = "fp-router-sink" },
};
static const struct fp_topo_sysctl router_dut_sc[] = {
	{ "net.ipv4.ip_forward", "1" },
	{ "net.ipv6.conf.all.forwarding", "1" },
};
static const struct fp_topo_iface router_sink_if[] = {
	{ .name = "sink0", HW(0x02, 0x04),
	  .ipv4 = "198.18.3.1/24", .ipv6 = "2001:2:0:3::1/64",
	  .peer = "dut1", .peer_ns = "fp-router-dut" },
};
static const struct fp_topo_route router_sink_rt[] = {
	{ .dst = "default", .via = "198.18.3.254", .dev = "sink0" },
	{ .dst = "default", .via = "2001:2:0:3::fe", .dev = "sink0" },
};
static const struct fp_topo_ns router_ns[] = {
	{ .name = "fp-router-gen", .role = "gen", IFACES(router_gen_if),
	  ROUTES(router_gen_rt) },
	{ .name = "fp-router-dut", .role = "dut", IFACES(router_dut_if),
	  SYSCTLS(router_dut_sc) },
	{ .name = "fp-router-sink", .role = "sink", IFACES(router_sink_if),
	  ROUTES(router_sink_rt) },
};

static const struct fp_topology topologies[] = {
	{ .name = "pair",
	  .summary = "gen0 <-> dut0: one veth pair between two namespaces",
	  .ns = pair_ns, .n_ns = ARRAY_SIZE(pair_ns) },
	{ .name = "bridge",
	  .summary = "gen0 <-> dut0 [br0] dut1 <-> sink0: a Linux bridge between generator and sink",
	  .ns = bridge_ns, .n_ns = ARRAY_SIZE(bridge_ns) },
	{ .name = "router",
	  .summary = "gen0 <-> dut0 (IPv4/IPv6 forwarding) dut1 <-> sink0: a Linux router between two subnets",
	  .ns = router_ns, .n_ns = ARRAY_SIZE(router_ns) },
};

const struct fp_topology *fp_testbed_get(unsigned int i)
{
	return i < ARRAY_SIZE(topologies) ? &topologies[i] : NULL;
}

const struct fp_topology *fp_testbed_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(topologies); i++)
		if (!strcmp(topologies[i].name, name))
			return &topologies[i];
	return NULL;
}

const char *fp_testbed_names(void)
{
	return "pair, bridge, router";
}

const struct fp_topo_ns *fp_testbed_ns(const struct fp_topology *topo,
				       const char *role)
{
	unsigned int i;

	for (i = 0; topo && role && i < topo->n_ns; i++)
		if (!strcmp(topo->ns[i].role, role))
			return &topo->ns[i];
	return NULL;
}

const struct fp_topo_iface *fp_testbed_iface(const struct fp_topo_ns *ns,
					     const char *name)
{
	unsigned int i;

	for (i = 0; ns && name && i < ns->n_ifaces; i++)
		if (!strcmp(ns->ifaces[i].name, name))
			return &ns->ifaces[i];
	return NULL;
}

int fp_testbed_addr(const char *cidr, struct fp_addr *addr,
		    unsigned int *prefixlen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long plen;
	unsigned int max;

	if (!cidr || strlen(cidr) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, cidr);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, buf, &addr->v4) == 1) {
		addr->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &addr->v6) == 1) {
		addr->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash) {
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || plen > max)
			return -EINVAL;
	}
	if (prefixlen)
		*prefixlen = (unsigned int)plen;
	return 0;
}

/* --- validation ------------------------------------------------------------ */

static const struct fp_topo_ns *ns_by_name(const struct fp_topology *topo,
					   const char *name)
{
	unsigned int i;

	for (i = 0; name && i < topo->n_ns; i++)
		if (!strcmp(topo->ns[i].name, name))
			return &topo->ns[i];
	return NULL;
}

static int bad(const struct fp_topology *topo, const char *where,
	       const char *what)
{
	fp_err("testbed %s: %s: %s; fix the table in src/lib/testbed_topo.c",
	       topo->name, where, what);
	return -EINVAL;
}

static int check_addr(const char *cidr, int family)
{
	struct fp_addr a;

	return !cidr || (!fp_testbed_addr(cidr, &a, NULL) &&
			 a.family == family);
}

static int validate_iface(const struct fp_topology *topo,
			  const struct fp_topo_ns *ns,
			  const struct fp_topo_iface *ifc)
{
	const struct fp_topo_ns *pns;
	const struct fp_topo_iface *peer, *master;
	unsigned int i;

	if (!ifc->name || strlen(ifc->name) >= IFNAMSIZ)
		return bad(topo, ns->name, "interface name missing or too long");
	/* 1 is lo's; 0 lets the kernel choose. */
	if (ifc->ifindex < 0 || ifc->ifindex == 1)
		return bad(topo, ifc->name, "bad ifindex");
	for (i = 0; i < ns->n_ifaces; i++)
		if (&ns->ifaces[i] != ifc && ifc->ifindex &&
		    ns->ifaces[i].ifindex == ifc->ifindex)
			return bad(topo, ifc->name, "ifindex used twice");
	if (!check_addr(ifc->ipv4, AF_INET) || !check_addr(ifc->ipv6, AF_INET6))
		return bad(topo, ifc->name, "bad address");
	if (ifc->master) {
		master = fp_testbed_iface(ns, ifc->master);
		if (!master || master->kind != FP_TOPO_BRIDGE)
			return bad(topo, ifc->name,
				   "master is not a bridge of the same namespace");
	}
	if (ifc->kind == FP_TOPO_BRIDGE)
		return ifc->peer ? bad(topo, ifc->name, "a bridge has no peer")
				 : 0;
	pns = ns_by_name(topo, ifc->peer_ns);
	peer = fp_testbed_iface(pns, ifc->peer);
	if (!peer || peer->kind != FP_TOPO_VETH || !peer->peer_ns ||
	    strcmp(peer->peer_ns, ns->name) || strcmp(peer->peer, ifc->name))
		return bad(topo, ifc->name, "veth peer missing or not pointing back");
	if (pns == ns)
		return bad(topo, ifc->name, "both ends of a veth in one namespace");
	return 0;
}

static int validate_route(const struct fp_topology *topo,
			  const struct fp_topo_ns *ns,
			  const struct fp_topo_route *rt)
{
	struct fp_addr via, dst;

	if (fp_testbed_addr(rt->via, &via, NULL))
		return bad(topo, ns->name, "bad route gateway");
	if (!rt->dst || (strcmp(rt->dst, "default") &&
			 (fp_testbed_addr(rt->dst, &dst, NULL) ||
			  dst.family != via.family)))
		return bad(topo, ns->name, "bad route destination");
	if (!fp_testbed_iface(ns, rt->dev))
		return bad(topo, ns->name, "route through an unknown interface");
	return 0;
}

int fp_testbed_validate(const struct fp_topology *topo)
{
	unsigned int i, j;
	int err;

	if (!topo->n_ns || topo->n_ns > FP_TOPO_MAX_NS)
		return bad(topo, topo->name, "too many or no namespaces");
	for (i = 0; i < topo->n_ns; i++) {
		const struct fp_topo_ns *ns = &topo->ns[i];

		if (!ns->name || strlen(ns->name) >= NAME_MAX ||
		    ns_by_name(topo, ns->name) != ns)
			return bad(topo, topo->name, "namespace name missing, too long or repeated");
		if (!ns->n_ifaces || ns->n_ifaces > FP_TOPO_MAX_IFACES)
			return bad(topo, ns->name, "too many or no interfaces");
		for (j = 0; j < ns->n_ifaces; j++) {
			if (fp_testbed_iface(ns, ns->ifaces[j].name) !=
			    &ns->ifaces[j])
				return bad(topo, ns->name, "interface name repeated");
			err = validate_iface(topo, ns, &ns->ifaces[j]);
			if (err)
				return err;
		}
		for (j = 0; j < ns->n_routes; j++) {
			err = validate_route(topo, ns, &ns->routes[j]);
			if (err)
				return err;
		}
		for (j = 0; j < ns->n_sysctls; j++)
			if (!ns->sysctls[j].key || strchr(ns->sysctls[j].key, '/') ||
			    !ns->sysctls[j].value)
				return bad(topo, ns->name, "bad sysctl");
	}
	return 0;
}
