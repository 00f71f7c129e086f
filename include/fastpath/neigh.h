/* SPDX-License-Identifier: MIT */
/*
 * Which MAC address must frames for a destination carry?  Linux already
 * knows: the route to the destination gives the next hop (its gateway, or
 * the destination itself when it is on-link), and the neighbour table gives
 * the next hop's MAC.  We ask Linux (rtnetlink) instead of speaking ARP/ND
 * ourselves; when the entry is missing we make Linux resolve it by sending
 * one UDP datagram to the next hop's discard port from a socket bound to
 * the interface, then watch the table for up to a second.
 */
#ifndef FASTPATH_NEIGH_H
#define FASTPATH_NEIGH_H

#include <stdint.h>

#include "fastpath/opts.h"	/* struct fp_addr */

/*
 * Next hop towards @dst leaving through @ifindex: the route's gateway, or
 * @dst when the route is on-link.  -ENETUNREACH when no route leaves
 * through @ifindex, -EADDRNOTAVAIL when @dst is an address of this host.
 * Quiet (no logging): callers phrase the error for their user.
 */
int fp_route_nexthop(int ifindex, const struct fp_addr *dst,
		     struct fp_addr *nexthop);

/*
 * MAC address of @addr in the neighbour table of @ifindex, without
 * triggering resolution: 0 if a usable entry exists, -ENOENT if not.
 */
int fp_neigh_lookup(int ifindex, const struct fp_addr *addr, uint8_t mac[6]);

/*
 * Destination MAC for frames to @dst on @ifindex: route lookup, neighbour
 * table, resolution triggered if needed (waits up to @timeout_ms).  Prints
 * one line naming what failed and suggesting --dst-mac on failure.
 */
int fp_neigh_resolve(int ifindex, const struct fp_addr *dst, int timeout_ms,
		     uint8_t mac[6]);

#endif
