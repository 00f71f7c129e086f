// SPDX-License-Identifier: MIT
/* Destination MAC from Linux's own tables: route -> next hop -> neighbour. */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/neighbour.h>

#include "fastpath/log.h"
#include "fastpath/neigh.h"
#include "fastpath/run.h"

#define DISCARD_PORT 9
#define POLL_NS (20 * 1000000ULL)

static size_t addr_len(const struct fp_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static const void *addr_bytes(const struct fp_addr *a)
{
	return a->family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6;
}

struct route_reply {
	const struct fp_addr *dst;
	struct fp_addr *nexthop;
	int err;
	bool got;
};

static int route_valid_cb(struct nl_msg *msg, void *arg)
{
	struct route_reply *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm = nlmsg_data(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return NL_SKIP;
	r->got = true;
	if (rtm->rtm_type == RTN_LOCAL) {
		r->err = -EADDRNOTAVAIL;
		return NL_STOP;
	}
	if (rtm->rtm_type != RTN_UNICAST) {
		r->err = -ENETUNREACH;
		return NL_STOP;
	}
	*r->nexthop = *r->dst;
	if (tb[RTA_GATEWAY] &&
	    nla_len(tb[RTA_GATEWAY]) == (int)addr_len(r->dst)) {
		memset(r->nexthop, 0, sizeof(*r->nexthop));
		r->nexthop->family = r->dst->family;
		memcpy((void *)addr_bytes(r->nexthop), nla_data(tb[RTA_GATEWAY]),
		       addr_len(r->dst));
	}
	r->err = 0;
	return NL_STOP;
}

static int route_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct route_reply *r = arg;

	r->got = true;
	r->err = e->error ? e->error : -ENETUNREACH;
	return NL_STOP;
}

int fp_route_nexthop(int ifindex, const struct fp_addr *dst,
		     struct fp_addr *nexthop)
{
	struct route_reply r = { .dst = dst, .nexthop = nexthop,
				 .err = -ENETUNREACH };
	struct rtmsg rtm = {
		.rtm_family = (unsigned char)dst->family,
		.rtm_dst_len = (unsigned char)(addr_len(dst) * 8),
	};
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	struct nl_cb *cb = NULL;
	int err = -ENOMEM;

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		err = -EIO;
		goto out;
	}
	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb)
		goto out;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, (int)addr_len(dst), addr_bytes(dst)) < 0 ||
	    nla_put_u32(msg, RTA_OIF, (uint32_t)ifindex) < 0)
		goto out;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, route_valid_cb, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, route_err_cb, &r);
	if (nl_send_auto(sk, msg) < 0) {
		err = -EIO;
		goto out;
	}
	/* One reply: the route, or an error (ENETUNREACH, ...). */
	while (!r.got && nl_recvmsgs(sk, cb) >= 0)
		;
	err = r.err;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err;
}

static bool state_usable(int state)
{
	/* INCOMPLETE and FAILED have no (valid) link-layer address; STALE,
	 * DELAY and PROBE still carry the last known one, which is what the
	 * kernel itself would use. */
	return state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
			NUD_PERMANENT | NUD_NOARP);
}

static int neigh_find(struct nl_cache *cache, int ifindex,
		      const struct fp_addr *addr, uint8_t mac[6])
{
	struct nl_addr *a = nl_addr_build(addr->family, addr_bytes(addr),
					  addr_len(addr));
	struct rtnl_neigh *n;
	struct nl_addr *ll;
	int err = -ENOENT;

	if (!a)
		return -ENOMEM;
	n = rtnl_neigh_get(cache, ifindex, a);
	nl_addr_put(a);
	if (!n)
		return -ENOENT;
	ll = rtnl_neigh_get_lladdr(n);
	if (state_usable(rtnl_neigh_get_state(n)) && ll &&
	    nl_addr_get_len(ll) == 6) {
		memcpy(mac, nl_addr_get_binary_addr(ll), 6);
		err = 0;
	}
	rtnl_neigh_put(n);
	return err;
}

static int neigh_open(struct nl_sock **sk, struct nl_cache **cache)
{
	*cache = NULL;
	*sk = nl_socket_alloc();
	if (!*sk)
		return -ENOMEM;
	if (nl_connect(*sk, NETLINK_ROUTE) < 0 ||
	    rtnl_neigh_alloc_cache(*sk, cache) < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return -EIO;
	}
	return 0;
}

static void neigh_close(struct nl_sock *sk, struct nl_cache *cache)
{
	nl_cache_free(cache);
	nl_socket_free(sk);
}

int fp_neigh_lookup(int ifindex, const struct fp_addr *addr, uint8_t mac[6])
{
	struct nl_cache *cache;
	struct nl_sock *sk;
	int err;

	err = neigh_open(&sk, &cache);
	if (err)
		return err;
	err = neigh_find(cache, ifindex, addr, mac);
	neigh_close(sk, cache);
	return err;
}

/* Make Linux resolve @nh: any datagram routed to it queues an ARP request
 * or a neighbour solicitation.  Port 9 (discard) is harmless if it lands. */
static int neigh_trigger(int ifindex, const struct fp_addr *nh)
{
	struct sockaddr_storage ss;
	char ifname[IF_NAMESIZE];
	socklen_t slen;
	int fd, err = 0;

	memset(&ss, 0, sizeof(ss));
	if (nh->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(DISCARD_PORT);
		sin->sin_addr = nh->v4;
		slen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(DISCARD_PORT);
		sin6->sin6_addr = nh->v6;
		sin6->sin6_scope_id = (uint32_t)ifindex;	/* link-local gw */
		slen = sizeof(*sin6);
	}
	if (!if_indextoname((unsigned int)ifindex, ifname))
		return -errno;
	fd = socket(nh->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname) + 1) ||
	    sendto(fd, "", 1, MSG_DONTWAIT, (struct sockaddr *)&ss, slen) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int wait_neigh(int ifindex, const struct fp_addr *nh, int timeout_ms,
		      uint8_t mac[6])
{
	uint64_t end = fp_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct nl_cache *cache;
	struct nl_sock *sk;
	int err;

	err = neigh_open(&sk, &cache);
	if (err)
		return err;
	err = neigh_find(cache, ifindex, nh, mac);
	if (err == -ENOENT) {
		/* Resolution failures show up below as a timeout; a send
		 * error (e.g. interface down) is worth reporting as is. */
		int terr = neigh_trigger(ifindex, nh);

		if (terr && terr != -EAGAIN)
			err = terr;
	}
	while (err == -ENOENT && fp_now_ns() < end && !fp_run_should_stop()) {
		fp_run_sleep_ns(POLL_NS);
		if (nl_cache_refill(sk, cache) < 0) {
			err = -EIO;
			break;
		}
		err = neigh_find(cache, ifindex, nh, mac);
	}
	neigh_close(sk, cache);
	return err;
}

int fp_neigh_resolve(int ifindex, const struct fp_addr *dst, int timeout_ms,
		     uint8_t mac[6])
{
	char dbuf[INET6_ADDRSTRLEN], nbuf[INET6_ADDRSTRLEN];
	char ifname[IF_NAMESIZE] = "?";
	struct fp_addr nh;
	int err;

	if_indextoname((unsigned int)ifindex, ifname);
	inet_ntop(dst->family, addr_bytes(dst), dbuf, sizeof(dbuf));
	err = fp_route_nexthop(ifindex, dst, &nh);
	if (err == -EADDRNOTAVAIL) {
		fp_err("%s is an address of this host, not a destination on %s; pick another --dst-ip",
		       dbuf, ifname);
		return err;
	}
	if (err) {
		fp_err("no route to %s through %s (%s); add one, or give --dst-mac",
		       dbuf, ifname, strerror(-err));
		return err;
	}
	inet_ntop(nh.family, addr_bytes(&nh), nbuf, sizeof(nbuf));
	err = wait_neigh(ifindex, &nh, timeout_ms, mac);
	if (err == -ENOENT) {
		fp_err("cannot resolve the MAC address of %s%s%s on %s (no %s reply within %d ms); give --dst-mac",
		       nbuf, strcmp(nbuf, dbuf) ? ", the gateway to " : "",
		       strcmp(nbuf, dbuf) ? dbuf : "", ifname,
		       nh.family == AF_INET ? "ARP" : "neighbour discovery",
		       timeout_ms);
		return err;
	}
	if (err) {
		fp_err("cannot resolve the MAC address of %s on %s: %s; give --dst-mac",
		       nbuf, ifname, strerror(-err));
		return err;
	}
	return 0;
}
