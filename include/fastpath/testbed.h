/* SPDX-License-Identifier: MIT */
/*
 * Namespace testbeds: small, fixed topologies of network namespaces joined
 * by veth pairs, for tests, demos and benchmarks.
 *
 * Topologies are DATA: static tables with deterministic names, MACs and
 * addresses that other code relies on (bench reads them through
 * fp_testbed_find() instead of parsing JSON).  One engine builds any table,
 * so adding a topology means adding a table, not code.
 *
 * Names:  namespaces fp-TOPO-ROLE; interfaces keep their names inside the
 *         namespaces (gen0, dut0, ...); MACs 02:fa:TT:00:00:NN;
 *         IPv4 from 198.18.0.0/15, IPv6 from 2001:2::/48.
 *
 * Crash safety comes from the deterministic names: down removes whatever
 * exists by name, so it cleans up after an `up` that was killed at any
 * point.  Each veth pair is created in one netlink request with both ends
 * already in their final namespaces, so no veth ever sits in the root
 * namespace.  `up` on a topology that (partly) exists tears it down and
 * rebuilds it, announcing it, so the result is always the table's.
 *
 * Every veth end gets GRO on: a frame sent by XDP_TX/XDP_REDIRECT into a
 * veth is dropped unless the receiving end has an XDP program or NAPI (GRO)
 * enabled, and placeholder XDP programs would clash with the loader's
 * refusal to replace foreign programs.  IPv6 DAD is off so addresses work
 * at once; there are no static neighbour entries (resolution starts cold).
 *
 * The functions that build, remove and read state print one line with
 * fp_err() on failure (what failed and what to do) and return a negative
 * errno; they need CAP_SYS_ADMIN and CAP_NET_ADMIN.
 */
#ifndef FASTPATH_TESTBED_H
#define FASTPATH_TESTBED_H

#include <stdbool.h>
#include <stdint.h>

#include "fastpath/opts.h"

#define FP_TOPO_MAX_NS		4	/* namespaces in one topology */
#define FP_TOPO_MAX_IFACES	4	/* interfaces in one namespace */

enum fp_topo_kind {
	FP_TOPO_VETH = 0,
	FP_TOPO_BRIDGE,
};

struct fp_topo_iface {
	const char *name;	/* inside its namespace */
	enum fp_topo_kind kind;
	/*
	 * Fixed ifindex (16 + the MAC's last byte).  Deterministic, and the
	 * two ends of a veth differ: the kernel delays carrier events of a
	 * device whose peer has the same ifindex by up to a second, which
	 * two fresh namespaces would otherwise give (2 and 2).
	 */
	int ifindex;
	uint8_t mac[6];
	const char *ipv4;	/* "198.18.0.1/24", or NULL */
	const char *ipv6;	/* "2001:2::1/64", or NULL */
	const char *peer;	/* veth: the other end's name */
	const char *peer_ns;	/* veth: the other end's namespace */
	const char *master;	/* bridge port: the bridge, in the same ns */
};

/* A route through a gateway on one of the namespace's interfaces. */
struct fp_topo_route {
	const char *dst;	/* "default" or a prefix "198.18.3.0/24" */
	const char *via;	/* gateway address; its family is the route's */
	const char *dev;
};

/* Written to /proc/sys inside the namespace, e.g. "net.ipv4.ip_forward". */
struct fp_topo_sysctl {
	const char *key;
	const char *value;
};

struct fp_topo_ns {
	const char *name;	/* "fp-router-dut" */
	const char *role;	/* "dut" */
	const struct fp_topo_iface *ifaces;
	unsigned int n_ifaces;
	const struct fp_topo_route *routes;
	unsigned int n_routes;
	const struct fp_topo_sysctl *sysctls;
	unsigned int n_sysctls;
};

struct fp_topology {
	const char *name;	/* "pair", "bridge", "router" */
	const char *summary;	/* one line */
	const struct fp_topo_ns *ns;
	unsigned int n_ns;
};

/* --- the tables (testbed_topo.c) ---------------------------------------- */

/* The topology called @name, or NULL. */
const struct fp_topology *fp_testbed_find(const char *name);
/* All topologies: @i from 0 until NULL. */
const struct fp_topology *fp_testbed_get(unsigned int i);
/* "pair, bridge, router", for messages. */
const char *fp_testbed_names(void);
/* The namespace with role @role ("gen", "dut", "sink"), or NULL. */
const struct fp_topo_ns *fp_testbed_ns(const struct fp_topology *topo,
				       const char *role);
/* Interface @name of namespace @ns, or NULL. */
const struct fp_topo_iface *fp_testbed_iface(const struct fp_topo_ns *ns,
					     const char *name);
/* Split "198.18.0.1/24" into an address and a prefix length. */
int fp_testbed_addr(const char *cidr, struct fp_addr *addr,
		    unsigned int *prefixlen);
/*
 * Check a table: names fit, every veth's peer exists and points back,
 * masters are bridges in the same namespace, addresses and routes parse.
 * 0 or -EINVAL (printing the first problem).
 */
int fp_testbed_validate(const struct fp_topology *topo);

/* --- building (testbed.c) ----------------------------------------------- */

/* Build @topo; an existing or half-built one is removed first. */
int fp_testbed_up(const struct fp_topology *topo);
/* Remove everything of @topo that exists; 0 also if nothing did. */
int fp_testbed_down(const struct fp_topology *topo);

/* --- reading the live state (testbed_status.c) -------------------------- */

enum fp_testbed_state {
	FP_TESTBED_DOWN = 0,	/* none of its namespaces exists */
	FP_TESTBED_PARTIAL,	/* some exist, or something is missing */
	FP_TESTBED_UP,		/* everything in the table is in place */
};

struct fp_topo_iface_status {
	int ifindex;		/* in its namespace; 0 if missing */
	bool admin_up;
	bool carrier;
	/* Operationally up and IPv6 set up on it: the kernel finishes a link's
	 * bring-up asynchronously (linkwatch), up to a second later. */
	bool ready;
	bool mac_ok;		/* the MAC is the table's */
	bool addrs_ok;		/* the table's addresses are configured */
	bool master_ok;		/* enslaved as the table says (or no master) */
	uint8_t mac[6];		/* live MAC */
};

struct fp_topo_ns_status {
	bool exists;		/* a live namespace by that name */
	bool leftover;		/* /run/netns/NAME is there but no namespace */
	bool routes_ok;		/* every route of the table is there */
	struct fp_topo_iface_status ifaces[FP_TOPO_MAX_IFACES];
};

struct fp_testbed_status {
	enum fp_testbed_state state;
	struct fp_topo_ns_status ns[FP_TOPO_MAX_NS];
};

/* Read the live state of @topo (quietly: a missing part is a state). */
int fp_testbed_status(const struct fp_topology *topo,
		      struct fp_testbed_status *st);
/* True if fp_testbed_status() says FP_TESTBED_UP. */
bool fp_testbed_is_up(const struct fp_topology *topo);
const char *fp_testbed_state_name(enum fp_testbed_state state);

#endif
