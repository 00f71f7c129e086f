// SPDX-License-Identifier: MIT
/*
 * The live state of a testbed, compared with its table: which namespaces
 * exist, and in each, whether every interface is there with the table's
 * MAC, master, addresses and routes.  "Up" means all of it, so an `up` that
 * was interrupted at any step reads as partial, never as up.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/route.h>

#include "fastpath/log.h"
#include "fastpath/netns.h"
#include "lib/testbed_int.h"

/* The kernel's IF_READY (include/net/if_inet6.h, not in uapi): IPv6 has
 * seen the link operational and set up its routes and groups. */
#define TB_INET6_IF_READY 0x80000000U

struct ns_caches {
	struct nl_cache *links;
	struct nl_cache *addrs;
	struct nl_cache *routes;
};

static bool nl_addr_is(struct nl_addr *a, const struct fp_addr *want,
		       unsigned int plen, bool check_plen)
{
	size_t len = want->family == AF_INET ? 4 : 16;

	return a && nl_addr_get_family(a) == want->family &&
	       nl_addr_get_len(a) == len &&
	       !memcmp(nl_addr_get_binary_addr(a), &want->v6, len) &&
	       (!check_plen || nl_addr_get_prefixlen(a) == plen);
}

static bool has_addr(struct nl_cache *addrs, int ifindex, const char *cidr)
{
	struct nl_object *obj;
	struct fp_addr want;
	unsigned int plen;

	if (!cidr)
		return true;
	if (fp_testbed_addr(cidr, &want, &plen))
		return false;
	for (obj = nl_cache_get_first(addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;

		if (rtnl_addr_get_ifindex(a) == ifindex &&
		    rtnl_addr_get_prefixlen(a) == (int)plen &&
		    nl_addr_is(rtnl_addr_get_local(a), &want, plen, false))
			return true;
	}
	return false;
}

static bool route_matches(struct rtnl_route *r, const struct fp_addr *dst,
			  unsigned int dst_plen, const struct fp_addr *gw,
			  int ifindex)
{
	struct nl_addr *d = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;

	if (rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    rtnl_route_get_family(r) != gw->family ||
	    rtnl_route_get_nnexthops(r) != 1)
		return false;
	if (dst_plen == 0) {
		if (d && nl_addr_get_prefixlen(d) != 0)
			return false;
	} else if (!nl_addr_is(d, dst, dst_plen, true)) {
		return false;
	}
	nh = rtnl_route_nexthop_n(r, 0);
	return nh && rtnl_route_nh_get_ifindex(nh) == ifindex &&
	       nl_addr_is(rtnl_route_nh_get_gateway(nh), gw, 0, false);
}

static bool has_route(struct ns_caches *c, const struct fp_topo_route *rt)
{
	struct fp_addr dst = { 0 }, gw;
	unsigned int dst_plen = 0;
	struct nl_object *obj;
	int ifindex;

	ifindex = rtnl_link_name2i(c->links, rt->dev);
	if (ifindex <= 0 || fp_testbed_addr(rt->via, &gw, NULL))
		return false;
	if (strcmp(rt->dst, "default") &&
	    fp_testbed_addr(rt->dst, &dst, &dst_plen))
		return false;
	for (obj = nl_cache_get_first(c->routes); obj;
	     obj = nl_cache_get_next(obj))
		if (route_matches((struct rtnl_route *)obj, &dst, dst_plen,
				  &gw, ifindex))
			return true;
	return false;
}

static bool link_ready(struct rtnl_link *link)
{
	uint32_t flags = 0;

	if (rtnl_link_get_operstate(link) != IF_OPER_UP)
		return false;
	/* No IPv6 on the link: nothing more to wait for. */
	if (rtnl_link_inet6_get_flags(link, &flags))
		return true;
	return flags & TB_INET6_IF_READY;
}

static void iface_status(struct ns_caches *c, const struct fp_topo_iface *ifc,
			 struct fp_topo_iface_status *st)
{
	struct rtnl_link *link;
	struct nl_addr *mac;
	int master = 0;

	link = rtnl_link_get_by_name(c->links, ifc->name);
	if (!link)
		return;
	st->ifindex = rtnl_link_get_ifindex(link);
	st->admin_up = rtnl_link_get_flags(link) & IFF_UP;
	st->carrier = rtnl_link_get_flags(link) & IFF_LOWER_UP;
	st->ready = link_ready(link);
	mac = rtnl_link_get_addr(link);
	if (mac && nl_addr_get_len(mac) == 6) {
		memcpy(st->mac, nl_addr_get_binary_addr(mac), 6);
		st->mac_ok = !memcmp(st->mac, ifc->mac, 6);
	}
	if (ifc->master)
		master = rtnl_link_name2i(c->links, ifc->master);
	st->master_ok = rtnl_link_get_master(link) == master &&
			(!ifc->master || master > 0);
	st->addrs_ok = has_addr(c->addrs, st->ifindex, ifc->ipv4) &&
		       has_addr(c->addrs, st->ifindex, ifc->ipv6);
	rtnl_link_put(link);
}

static int read_ns(const struct fp_topo_ns *ns, struct fp_topo_ns_status *st)
{
	struct ns_caches c = { 0 };
	struct nl_sock *sk;
	unsigned int i;
	int err, saved;

	st->exists = fp_netns_exists(ns->name);
	if (!st->exists) {
		/* An interrupted create leaves the file without the mount. */
		err = fp_netns_open(ns->name);
		st->leftover = err >= 0;
		if (err >= 0)
			close(err);
		return 0;
	}
	err = fp_netns_enter(ns->name, &saved);
	if (err)
		return err;
	err = tb_nl_open(&sk);
	if (err)
		goto out;
	err = tb_nl_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &c.links));
	if (!err)
		err = tb_nl_errno(rtnl_addr_alloc_cache(sk, &c.addrs));
	if (!err)
		err = tb_nl_errno(rtnl_route_alloc_cache(sk, AF_UNSPEC, 0,
							 &c.routes));
	if (!err) {
		for (i = 0; i < ns->n_ifaces; i++)
			iface_status(&c, &ns->ifaces[i], &st->ifaces[i]);
		st->routes_ok = true;
		for (i = 0; i < ns->n_routes; i++)
			st->routes_ok &= has_route(&c, &ns->routes[i]);
	}
	if (c.routes)
		nl_cache_free(c.routes);
	if (c.addrs)
		nl_cache_free(c.addrs);
	if (c.links)
		nl_cache_free(c.links);
	nl_socket_free(sk);
out:
	/* Leaving wins: a thread stuck in the namespace is worse. */
	saved = fp_netns_leave(saved);
	return saved ? saved : err;
}

static bool iface_ok(const struct fp_topo_iface_status *st)
{
	return st->ifindex > 0 && st->admin_up && st->ready && st->mac_ok &&
	       st->addrs_ok && st->master_ok;
}

int fp_testbed_status(const struct fp_topology *topo,
		      struct fp_testbed_status *st)
{
	unsigned int i, j, exist = 0;
	bool all_ok = true;
	int err;

	memset(st, 0, sizeof(*st));
	if (topo->n_ns > FP_TOPO_MAX_NS)
		return -EINVAL;
	for (i = 0; i < topo->n_ns; i++) {
		const struct fp_topo_ns *ns = &topo->ns[i];
		struct fp_topo_ns_status *ns_st = &st->ns[i];

		if (ns->n_ifaces > FP_TOPO_MAX_IFACES)
			return -EINVAL;
		err = read_ns(ns, ns_st);
		if (err) {
			fp_err("testbed %s: cannot read the state of namespace %s: %s; check 'ip netns list'",
			       topo->name, ns->name, strerror(-err));
			return err;
		}
		if (!ns_st->exists) {
			exist += ns_st->leftover;
			all_ok = false;
			continue;
		}
		exist++;
		all_ok &= ns_st->routes_ok;
		for (j = 0; j < ns->n_ifaces; j++)
			all_ok &= iface_ok(&ns_st->ifaces[j]);
	}
	st->state = !exist ? FP_TESTBED_DOWN :
		    all_ok ? FP_TESTBED_UP : FP_TESTBED_PARTIAL;
	return 0;
}

bool fp_testbed_is_up(const struct fp_topology *topo)
{
	struct fp_testbed_status st;

	return !fp_testbed_status(topo, &st) && st.state == FP_TESTBED_UP;
}

const char *fp_testbed_state_name(enum fp_testbed_state state)
{
	switch (state) {
	case FP_TESTBED_DOWN:		return "down";
	case FP_TESTBED_PARTIAL:	return "partial";
	case FP_TESTBED_UP:		return "up";
	}
	return "?";
}
