// SPDX-License-Identifier: MIT
/*
 * What an interface says about itself: driver (ethtool), queue counts
 * (ethtool channels, or sysfs) and the XDP features its driver advertises
 * through the netdev genetlink family (Linux 6.3+).  These are claims, not
 * proofs; the doctor shows them next to what the probes actually achieved.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link.h>

#include "fastpath/probe.h"

/*
 * From <linux/netdev.h> (Linux 6.3), which Debian 12's headers predate.
 * The values are UAPI and cannot change.
 */
#define FP_NETDEV_FAMILY		"netdev"
#define FP_NETDEV_VERSION		1
#define FP_NETDEV_CMD_DEV_GET		1
#define FP_NETDEV_A_DEV_IFINDEX		1
#define FP_NETDEV_A_DEV_XDP_FEATURES	3
#define FP_NETDEV_A_DEV_MAX		6

static int ethtool_ioctl(int ifindex, void *cmd)
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname((unsigned int)ifindex, ifr.ifr_name))
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ifr.ifr_data = cmd;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	return err;
}

/* Virtual devices (ifb, dummy, ...) may have no ethtool driver info. */
static int link_kind(int ifindex, char *buf, size_t len)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	const char *kind;
	int err = -ENOENT;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) ||
	    rtnl_link_get_kernel(sk, ifindex, NULL, &link)) {
		err = -ENODEV;
		goto out;
	}
	kind = rtnl_link_get_type(link);
	if (kind && *kind) {
		snprintf(buf, len, "%s", kind);
		err = 0;
	}
	rtnl_link_put(link);
out:
	nl_socket_free(sk);
	return err;
}

int fp_probe_driver(int ifindex, char *buf, size_t len)
{
	struct ethtool_drvinfo info;

	memset(&info, 0, sizeof(info));
	info.cmd = ETHTOOL_GDRVINFO;
	if (!ethtool_ioctl(ifindex, &info) && info.driver[0]) {
		snprintf(buf, len, "%.*s", (int)sizeof(info.driver),
			 info.driver);
		return 0;
	}
	return link_kind(ifindex, buf, len);
}

/*
 * sysfs shows the namespace of whoever mounted /sys, which is not ours
 * after a bare setns() or unshare(); the ifindex file tells.
 */
static int sysfs_queues(int ifindex, uint32_t *rx, uint32_t *tx)
{
	char ifname[IF_NAMESIZE], path[96];
	struct dirent *de;
	FILE *f;
	DIR *d;
	int idx = -1;

	if (!if_indextoname((unsigned int)ifindex, ifname))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", ifname);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%d", &idx) != 1)
		idx = -1;
	fclose(f);
	if (idx != ifindex)
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return -errno;
	*rx = *tx = 0;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "rx-", 3))
			(*rx)++;
		else if (!strncmp(de->d_name, "tx-", 3))
			(*tx)++;
	}
	closedir(d);
	return 0;
}

int fp_probe_queues(int ifindex, uint32_t *rx, uint32_t *tx,
		    const char **source)
{
	struct ethtool_channels ch;

	memset(&ch, 0, sizeof(ch));
	ch.cmd = ETHTOOL_GCHANNELS;
	if (!ethtool_ioctl(ifindex, &ch) &&
	    ch.rx_count + ch.combined_count > 0) {
		*rx = ch.rx_count + ch.combined_count;
		*tx = ch.tx_count + ch.combined_count;
		*source = "ethtool";
		return 0;
	}
	*source = "sysfs";
	return sysfs_queues(ifindex, rx, tx);
}

struct features_ctx {
	uint64_t features;
	bool found;
};

static int features_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[FP_NETDEV_A_DEV_MAX + 1];
	struct features_ctx *ctx = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FP_NETDEV_A_DEV_MAX, NULL))
		return NL_SKIP;
	if (tb[FP_NETDEV_A_DEV_XDP_FEATURES]) {
		ctx->features = nla_get_u64(tb[FP_NETDEV_A_DEV_XDP_FEATURES]);
		ctx->found = true;
	}
	return NL_OK;
}

/* -EOPNOTSUPP: the kernel has no netdev family (before Linux 6.3). */
int fp_probe_xdp_features(int ifindex, uint64_t *features)
{
	struct features_ctx ctx = { 0 };
	struct nl_msg *msg = NULL;
	struct nl_sock *sk;
	int family, err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = genl_connect(sk);
	if (err) {
		err = -EIO;
		goto out;
	}
	family = genl_ctrl_resolve(sk, FP_NETDEV_FAMILY);
	if (family < 0) {
		err = -EOPNOTSUPP;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg) {
		err = -ENOMEM;
		goto out;
	}
	/* No ACK: the reply (or an error) is the only message to read. */
	nl_socket_disable_auto_ack(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, features_cb, &ctx);
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			 FP_NETDEV_CMD_DEV_GET, FP_NETDEV_VERSION) ||
	    nla_put_u32(msg, FP_NETDEV_A_DEV_IFINDEX, (uint32_t)ifindex)) {
		err = -ENOMEM;
		goto out;
	}
	if (nl_send_auto(sk, msg) < 0 || nl_recvmsgs_default(sk) < 0) {
		err = -EIO;
		goto out;
	}
	err = ctx.found ? 0 : -ENODATA;
	*features = ctx.features;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err;
}

void fp_probe_xdp_features_str(uint64_t features, char *buf, size_t len)
{
	/* NETDEV_XDP_ACT_* bit order. */
	static const char *const names[] = {
		"basic", "redirect", "ndo-xmit", "xsk-zerocopy",
		"hw-offload", "rx-sg", "ndo-xmit-sg",
	};
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++) {
		if (!(features & (1ULL << i)))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? " " : "",
			     names[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
