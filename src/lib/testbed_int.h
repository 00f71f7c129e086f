/* SPDX-License-Identifier: MIT */
/*
 * Internal to the testbed: the netlink, ioctl and /proc/sys steps that build
 * one namespace.  Each works in the CALLING THREAD's current namespace, so
 * the caller enters the namespace (fp_netns_enter) and opens the netlink
 * socket there; the socket stays bound to that namespace.  They are quiet
 * and return a negative errno: the caller names the step in its one line.
 */
#ifndef FASTPATH_LIB_TESTBED_INT_H
#define FASTPATH_LIB_TESTBED_INT_H

#include <netlink/netlink.h>

#include "fastpath/testbed.h"

/* A libnl error code as a negative errno. */
int tb_nl_errno(int nlerr);
/* A NETLINK_ROUTE socket in the current namespace. */
int tb_nl_open(struct nl_sock **sk);

/* Write @value to /proc/sys/KEY, KEY in sysctl's dotted form. */
int tb_sysctl_write(const char *key, const char *value);

/* Create veth @a here with its peer @b already in namespace @peer_ns_fd. */
int tb_veth_create(struct nl_sock *sk, const struct fp_topo_iface *a,
		   const struct fp_topo_iface *b, int peer_ns_fd);
/* Create bridge @br (STP off as the kernel's default for new bridges). */
int tb_bridge_create(struct nl_sock *sk, const struct fp_topo_iface *br);
int tb_link_ifindex(struct nl_sock *sk, const char *name);
int tb_link_set_master(struct nl_sock *sk, const char *name,
		       const char *master);
int tb_link_set_up(struct nl_sock *sk, const char *name);
/* GRO on through the ethtool ioctl, then read back. */
int tb_gro_on(const char *name);
/* Add "ADDR/PLEN" on @name (IPv6 without DAD). */
int tb_addr_add(struct nl_sock *sk, const char *name, const char *cidr);
int tb_route_add(struct nl_sock *sk, const struct fp_topo_route *rt);
/*
 * Delete veth @ifc if a link by its name exists here with the table's MAC
 * (a leftover of ours, not someone else's interface).  1 if deleted.
 */
int tb_delete_stray_veth(struct nl_sock *sk, const struct fp_topo_iface *ifc);

#endif
