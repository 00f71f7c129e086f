// SPDX-License-Identifier: MIT
/*
 * The steps that build one testbed namespace, through libnl-route-3 and the
 * ethtool ioctl rather than by running `ip`: no dependence on a tool's
 * output format, and errors come back as errno values.  See testbed_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>

#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "lib/testbed_int.h"

int tb_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:			return 0;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NODEV:		return -ENODEV;
	case NLE_BUSY:		return -EBUSY;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_PERM:		return -EPERM;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	case NLE_NOADDR:	return -EADDRNOTAVAIL;
	default:		return -EIO;
	}
}

int tb_nl_open(struct nl_sock **skp)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	*skp = NULL;
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err) {
		nl_socket_free(sk);
		return tb_nl_errno(err);
	}
	*skp = sk;
	return 0;
}

int tb_sysctl_write(const char *key, const char *value)
{
	char path[PATH_MAX], *p;
	size_t len = strlen(value);
	ssize_t n;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "/proc/sys/%s", key) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	/* Opened after setns: /proc/sys/net resolves in the thread's netns. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int set_mac(struct rtnl_link *link, const uint8_t mac[6])
{
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);

	if (!a)
		return -ENOMEM;
	rtnl_link_set_addr(link, a);
	nl_addr_put(a);
	return 0;
}

int tb_veth_create(struct nl_sock *sk, const struct fp_topo_iface *a,
		   const struct fp_topo_iface *b, int peer_ns_fd)
{
	struct rtnl_link *link, *peer;
	int err;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, a->name);
	rtnl_link_set_name(peer, b->name);
	err = set_mac(link, a->mac);
	if (!err)
		err = set_mac(peer, b->mac);
	/* The peer is born in its namespace (IFLA_NET_NS_FD inside the peer's
	 * info): one request, so no veth ever exists in between. */
	rtnl_link_set_ns_fd(peer, peer_ns_fd);
	if (a->ifindex > 0)
		rtnl_link_set_ifindex(link, a->ifindex);
	if (b->ifindex > 0)
		rtnl_link_set_ifindex(peer, b->ifindex);
	if (!err)
		err = tb_nl_errno(rtnl_link_add(sk, link,
						NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	return err;
}

int tb_bridge_create(struct nl_sock *sk, const struct fp_topo_iface *br)
{
	struct rtnl_link *link;
	int err;

	link = rtnl_link_bridge_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, br->name);
	if (br->ifindex > 0)
		rtnl_link_set_ifindex(link, br->ifindex);
	/* A set MAC also keeps the bridge from taking a port's. */
	err = set_mac(link, br->mac);
	if (!err)
		err = tb_nl_errno(rtnl_link_add(sk, link,
						NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(link);
	return err;
}

static int get_link(struct nl_sock *sk, const char *name,
		    struct rtnl_link **link)
{
	int err = rtnl_link_get_kernel(sk, 0, name, link);

	if (err)
		*link = NULL;
	return tb_nl_errno(err);
}

int tb_link_ifindex(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int err, ifindex;

	err = get_link(sk, name, &link);
	if (err)
		return err;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex > 0 ? ifindex : -ENODEV;
}

int tb_link_set_master(struct nl_sock *sk, const char *name,
		       const char *master)
{
	int port, br;

	port = tb_link_ifindex(sk, name);
	if (port < 0)
		return port;
	br = tb_link_ifindex(sk, master);
	if (br < 0)
		return br;
	return tb_nl_errno(rtnl_link_enslave_ifindex(sk, br, port));
}

int tb_link_set_up(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link, *change;
	int err;

	err = get_link(sk, name, &link);
	if (err)
		return err;
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return -ENOMEM;
	}
	rtnl_link_set_flags(change, IFF_UP);
	err = tb_nl_errno(rtnl_link_change(sk, link, change, 0));
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err;
}

static int ethtool_value(int fd, const char *name, __u32 cmd, __u32 *data)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *data };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return -errno;
	*data = ev.data;
	return 0;
}

int tb_gro_on(const char *name)
{
	__u32 on = 1, now = 0;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = ethtool_value(fd, name, ETHTOOL_SGRO, &on);
	if (!err)
		err = ethtool_value(fd, name, ETHTOOL_GGRO, &now);
	if (!err && !now)
		err = -EOPNOTSUPP;	/* the driver kept it off */
	close(fd);
	return err;
}

int tb_addr_add(struct nl_sock *sk, const char *name, const char *cidr)
{
	struct rtnl_addr *addr;
	struct nl_addr *local;
	int ifindex, err;

	ifindex = tb_link_ifindex(sk, name);
	if (ifindex < 0)
		return ifindex;
	err = tb_nl_errno(nl_addr_parse(cidr, AF_UNSPEC, &local));
	if (err)
		return err;
	addr = rtnl_addr_alloc();
	if (!addr) {
		nl_addr_put(local);
		return -ENOMEM;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	err = tb_nl_errno(rtnl_addr_set_local(addr, local));
	rtnl_addr_set_prefixlen(addr, nl_addr_get_prefixlen(local));
	/* accept_dad=0 already covers it; the flag makes it independent of
	 * the order in which sysctls and addresses were set. */
	if (nl_addr_get_family(local) == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	if (!err)
		err = tb_nl_errno(rtnl_addr_add(sk, addr, NLM_F_EXCL));
	rtnl_addr_put(addr);
	nl_addr_put(local);
	return err;
}

int tb_route_add(struct nl_sock *sk, const struct fp_topo_route *rt)
{
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *gw = NULL, *dst = NULL;
	int ifindex, family, err;

	ifindex = tb_link_ifindex(sk, rt->dev);
	if (ifindex < 0)
		return ifindex;
	err = tb_nl_errno(nl_addr_parse(rt->via, AF_UNSPEC, &gw));
	if (err)
		return err;
	family = nl_addr_get_family(gw);
	/* "default" parses as the family's zero-length prefix. */
	err = tb_nl_errno(nl_addr_parse(rt->dst, family, &dst));
	if (err)
		goto out;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		err = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(route, (uint8_t)family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(route, RTN_UNICAST);
	err = tb_nl_errno(rtnl_route_set_dst(route, dst));
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(route, nh);
	if (!err)
		err = tb_nl_errno(rtnl_route_add(sk, route, NLM_F_EXCL));
out:
	if (route)
		rtnl_route_put(route);
	if (dst)
		nl_addr_put(dst);
	nl_addr_put(gw);
	return err;
}

int tb_delete_stray_veth(struct nl_sock *sk, const struct fp_topo_iface *ifc)
{
	struct rtnl_link *link;
	struct nl_addr *mac;
	const char *type;
	bool ours;
	int err;

	if (ifc->kind != FP_TOPO_VETH || get_link(sk, ifc->name, &link))
		return 0;
	type = rtnl_link_get_type(link);
	mac = rtnl_link_get_addr(link);
	ours = type && !strcmp(type, "veth") && mac &&
	       nl_addr_get_len(mac) == 6 &&
	       !memcmp(nl_addr_get_binary_addr(mac), ifc->mac, 6);
	err = ours ? tb_nl_errno(rtnl_link_delete(sk, link)) : 0;
	rtnl_link_put(link);
	return err ? err : ours;
}
