// SPDX-License-Identifier: MIT
/*
 * Building and removing testbeds from their tables (see testbed.h).
 *
 * `up` goes in phases so every step finds what it needs: (1) all namespaces,
 * with their sysctls set before any interface exists (new interfaces copy
 * conf/default, so accept_dad=0 reaches them) and lo up; (2) every veth
 * pair, created in one namespace with the peer born in the other; (3) per
 * namespace: bridges, ports, addresses, links up, GRO, then routes (a
 * gateway must be reachable through an up link); (4) wait until the kernel
 * has finished bringing the links up.  Any failure or a stop
 * request removes what was built.  A lock file serializes concurrent
 * up/down; flock() locks die with their process, so a kill -9 never leaves
 * the lock held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "fastpath/netns.h"
#include "fastpath/run.h"
#include "lib/testbed_int.h"

#define LOCK_PATH	"/run/fastpath-testbed.lock"
#define LOCK_WAIT_NS	(30 * 1000000000ULL)
#define READY_WAIT_NS	(5 * 1000000000ULL)

static int lock_take(const struct fp_topology *topo)
{
	uint64_t end = fp_now_ns() + LOCK_WAIT_NS;
	int fd;

	fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fp_err("testbed %s: cannot open %s: %s; run as root", topo->name,
		       LOCK_PATH, strerror(errno));
		return -errno;
	}
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fp_err("testbed %s: cannot lock %s: %s", topo->name,
			       LOCK_PATH, strerror(errno));
			close(fd);
			return -ENOLCK;
		}
		if (fp_now_ns() > end) {
			fp_err("testbed %s: another 'fastpath testbed' has held %s for 30 s; wait for it or stop it",
			       topo->name, LOCK_PATH);
			close(fd);
			return -EBUSY;
		}
		usleep(20000);
	}
	return fd;
}

static void lock_release(int fd)
{
	flock(fd, LOCK_UN);
	close(fd);
}

/* --- running a step inside a namespace ------------------------------------ */

typedef int (*ns_step_fn)(const struct fp_topology *topo,
			  const struct fp_topo_ns *ns, struct nl_sock *sk,
			  void *arg);

static int in_ns(const struct fp_topology *topo, const struct fp_topo_ns *ns,
		 ns_step_fn fn, void *arg)
{
	struct nl_sock *sk;
	int saved, err, left;

	err = fp_netns_enter(ns->name, &saved);
	if (err) {
		fp_err("testbed %s: cannot enter namespace %s: %s",
		       topo->name, ns->name, strerror(-err));
		return err;
	}
	/* Opened after entering: the socket belongs to this namespace. */
	err = tb_nl_open(&sk);
	if (err) {
		fp_err("testbed %s: cannot open a netlink socket in %s: %s",
		       topo->name, ns->name, strerror(-err));
	} else {
		err = fn(topo, ns, sk, arg);
		nl_socket_free(sk);
	}
	left = fp_netns_leave(saved);
	if (left) {
		fp_err("testbed %s: cannot return from namespace %s: %s",
		       topo->name, ns->name, strerror(-left));
		return left;
	}
	return err;
}

static int step_fail(const struct fp_topology *topo,
		     const struct fp_topo_ns *ns, const char *what,
		     const char *obj, int err)
{
	fp_err("testbed %s: cannot %s %s in %s: %s", topo->name, what, obj,
	       ns->name, strerror(-err));
	return err;
}

/* --- phase 1: namespace-wide settings ------------------------------------- */

/* Every namespace: addresses usable at once (no DAD), as the tests and
 * generators send the moment `up` returns. */
static const struct fp_topo_sysctl common_sysctls[] = {
	{ "net.ipv6.conf.all.accept_dad", "0" },
	{ "net.ipv6.conf.default.accept_dad", "0" },
};

static int set_sysctl(const struct fp_topology *topo,
		      const struct fp_topo_ns *ns,
		      const struct fp_topo_sysctl *sc)
{
	char what[128];
	int err = tb_sysctl_write(sc->key, sc->value);

	if (!err)
		return 0;
	snprintf(what, sizeof(what), "%s=%s", sc->key, sc->value);
	return step_fail(topo, ns, "set", what, err);
}

static int prepare_ns(const struct fp_topology *topo,
		      const struct fp_topo_ns *ns, struct nl_sock *sk,
		      void *arg)
{
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(common_sysctls) / sizeof(common_sysctls[0]); i++) {
		err = set_sysctl(topo, ns, &common_sysctls[i]);
		if (err)
			return err;
	}
	for (i = 0; i < ns->n_sysctls; i++) {
		err = set_sysctl(topo, ns, &ns->sysctls[i]);
		if (err)
			return err;
	}
	err = tb_link_set_up(sk, "lo");
	return err ? step_fail(topo, ns, "bring up", "lo", err) : 0;
}

/* --- phase 2: veth pairs --------------------------------------------------- */

static int ns_index(const struct fp_topology *topo, const char *name)
{
	unsigned int i;

	for (i = 0; i < topo->n_ns; i++)
		if (!strcmp(topo->ns[i].name, name))
			return (int)i;
	return -1;
}

static int create_veths(const struct fp_topology *topo,
			const struct fp_topo_ns *ns, struct nl_sock *sk,
			void *arg)
{
	int self = ns_index(topo, ns->name);
	unsigned int i;
	int err;

	for (i = 0; i < ns->n_ifaces; i++) {
		const struct fp_topo_iface *ifc = &ns->ifaces[i], *peer;
		int pidx, fd;
		char what[64];

		if (ifc->kind != FP_TOPO_VETH)
			continue;
		/* Each pair once: from the namespace listed first. */
		pidx = ns_index(topo, ifc->peer_ns);
		if (pidx <= self)
			continue;
		peer = fp_testbed_iface(&topo->ns[pidx], ifc->peer);
		snprintf(what, sizeof(what), "veth %s <-> %s@%s", ifc->name,
			 ifc->peer, ifc->peer_ns);
		fd = fp_netns_open(ifc->peer_ns);
		if (fd < 0)
			return step_fail(topo, ns, "create", what, fd);
		err = tb_veth_create(sk, ifc, peer, fd);
		close(fd);
		if (err)
			return step_fail(topo, ns, "create", what, err);
	}
	return 0;
}

/* --- phase 3: everything else, one namespace at a time --------------------- */

static int configure_iface(const struct fp_topology *topo,
			   const struct fp_topo_ns *ns, struct nl_sock *sk,
			   const struct fp_topo_iface *ifc)
{
	int err;

	if (ifc->master) {
		err = tb_link_set_master(sk, ifc->name, ifc->master);
		if (err)
			return step_fail(topo, ns, "enslave", ifc->name, err);
	}
	if (ifc->ipv4) {
		err = tb_addr_add(sk, ifc->name, ifc->ipv4);
		if (err)
			return step_fail(topo, ns, "add address", ifc->ipv4, err);
	}
	if (ifc->ipv6) {
		err = tb_addr_add(sk, ifc->name, ifc->ipv6);
		if (err)
			return step_fail(topo, ns, "add address", ifc->ipv6, err);
	}
	return 0;
}

static int configure_ns(const struct fp_topology *topo,
			const struct fp_topo_ns *ns, struct nl_sock *sk,
			void *arg)
{
	unsigned int i;
	int err;

	/* Bridges first: the table lists a bridge before its ports. */
	for (i = 0; i < ns->n_ifaces; i++) {
		if (ns->ifaces[i].kind != FP_TOPO_BRIDGE)
			continue;
		err = tb_bridge_create(sk, &ns->ifaces[i]);
		if (err)
			return step_fail(topo, ns, "create bridge",
					 ns->ifaces[i].name, err);
	}
	for (i = 0; i < ns->n_ifaces; i++) {
		err = configure_iface(topo, ns, sk, &ns->ifaces[i]);
		if (err)
			return err;
	}
	for (i = 0; i < ns->n_ifaces; i++) {
		err = tb_link_set_up(sk, ns->ifaces[i].name);
		if (err)
			return step_fail(topo, ns, "bring up",
					 ns->ifaces[i].name, err);
	}
	/*
	 * GRO only after the links are up: veth sets up the receive NAPI that
	 * accepts XDP frames (XDP_TX and redirects from the peer) when GRO is
	 * switched on while the device runs; switched on before, the flag
	 * shows "on" but frames from the peer's XDP are dropped until it is
	 * toggled (seen on 6.18).
	 */
	for (i = 0; i < ns->n_ifaces; i++) {
		if (ns->ifaces[i].kind != FP_TOPO_VETH)
			continue;
		err = tb_gro_on(ns->ifaces[i].name);
		if (err)
			return step_fail(topo, ns, "enable GRO on",
					 ns->ifaces[i].name, err);
	}
	for (i = 0; i < ns->n_routes; i++) {
		char what[96];

		err = tb_route_add(sk, &ns->routes[i]);
		if (!err)
			continue;
		snprintf(what, sizeof(what), "route %s via %s", ns->routes[i].dst,
			 ns->routes[i].via);
		return step_fail(topo, ns, "add", what, err);
	}
	return 0;
}

/* --- down ------------------------------------------------------------------ */

static int remove_strays(const struct fp_topology *topo)
{
	struct nl_sock *sk;
	unsigned int i, j;
	int err;

	/* Veths are never created here, but a table or kernel change could
	 * make that untrue; remove only links with our name AND our MAC. */
	err = tb_nl_open(&sk);
	if (err) {
		fp_err("testbed %s: cannot open a netlink socket: %s",
		       topo->name, strerror(-err));
		return err;
	}
	for (i = 0; i < topo->n_ns; i++) {
		for (j = 0; j < topo->ns[i].n_ifaces; j++) {
			const struct fp_topo_iface *ifc = &topo->ns[i].ifaces[j];

			err = tb_delete_stray_veth(sk, ifc);
			if (err < 0) {
				fp_err("testbed %s: cannot delete leftover veth %s: %s; delete it with 'ip link del %s'",
				       topo->name, ifc->name, strerror(-err),
				       ifc->name);
				break;
			}
			err = 0;
		}
		if (err)
			break;
	}
	nl_socket_free(sk);
	return err;
}

static int down_locked(const struct fp_topology *topo)
{
	unsigned int i;
	int err, first = 0;

	for (i = 0; i < topo->n_ns; i++) {
		err = fp_netns_delete(topo->ns[i].name);
		if (err && err != -ENOENT) {
			fp_err("testbed %s: cannot remove namespace %s: %s; try 'ip netns del %s'",
			       topo->name, topo->ns[i].name, strerror(-err),
			       topo->ns[i].name);
			if (!first)
				first = err;
		}
	}
	err = remove_strays(topo);
	return first ? first : err;
}

int fp_testbed_down(const struct fp_topology *topo)
{
	int lock, err;

	lock = lock_take(topo);
	if (lock < 0)
		return lock;
	err = down_locked(topo);
	lock_release(lock);
	return err;
}

/* --- up -------------------------------------------------------------------- */

static int stopped(const struct fp_topology *topo)
{
	if (!fp_run_should_stop())
		return 0;
	fp_err("testbed %s: interrupted; removed what was built", topo->name);
	return -EINTR;
}

static int build(const struct fp_topology *topo)
{
	unsigned int i;
	int err;

	for (i = 0; i < topo->n_ns; i++) {
		err = fp_netns_create(topo->ns[i].name);
		if (err) {
			fp_err("testbed %s: cannot create namespace %s: %s; is something else using that name ('ip netns list')?",
			       topo->name, topo->ns[i].name, strerror(-err));
			return err;
		}
		err = in_ns(topo, &topo->ns[i], prepare_ns, NULL);
		if (!err)
			err = stopped(topo);
		if (err)
			return err;
	}
	for (i = 0; i < topo->n_ns; i++) {
		err = in_ns(topo, &topo->ns[i], create_veths, NULL);
		if (!err)
			err = stopped(topo);
		if (err)
			return err;
	}
	for (i = 0; i < topo->n_ns; i++) {
		err = in_ns(topo, &topo->ns[i], configure_ns, NULL);
		if (!err)
			err = stopped(topo);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The kernel finishes bringing a veth up asynchronously (linkwatch sets the
 * operational state, and IPv6 adds its multicast route and link-local
 * address only then, up to a second later); until then neighbour
 * solicitations are dropped.  Return when everything is in place.
 */
static int wait_ready(const struct fp_topology *topo)
{
	uint64_t end = fp_now_ns() + READY_WAIT_NS;
	struct fp_testbed_status st;
	int err;

	for (;;) {
		err = fp_testbed_status(topo, &st);
		if (err || st.state == FP_TESTBED_UP)
			return err;
		err = stopped(topo);
		if (err)
			return err;
		if (fp_now_ns() > end)
			break;
		usleep(10000);
	}
	fp_err("testbed %s: built, but not every interface was ready after 5 s; see 'fastpath testbed show %s'",
	       topo->name, topo->name);
	return -ETIMEDOUT;
}

int fp_testbed_up(const struct fp_topology *topo)
{
	struct fp_testbed_status st;
	int lock, err;

	err = fp_testbed_validate(topo);
	if (err)
		return err;
	lock = lock_take(topo);
	if (lock < 0)
		return lock;
	err = fp_testbed_status(topo, &st);
	if (err)
		goto out;
	if (st.state != FP_TESTBED_DOWN)
		fp_warn("testbed %s: already %s; removing it and building it again",
			topo->name, fp_testbed_state_name(st.state));
	/* Also when "down": a leftover veth in this namespace is not a state
	 * the status sees. */
	err = down_locked(topo);
	if (err)
		goto out;
	err = build(topo);
	if (!err)
		err = wait_ready(topo);
	if (err)
		down_locked(topo);
out:
	lock_release(lock);
	return err;
}
