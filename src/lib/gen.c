// SPDX-License-Identifier: MIT
/* Generator: configuration, validation, engine selection, life cycle. */
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "fastpath/log.h"
#include "fastpath/neigh.h"
#include "fastpath/pktbuild.h"
#include "lib/gen_priv.h"

void fp_gen_config_init(struct fp_gen_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sport_lo = cfg->sport_hi = FP_GEN_DEFAULT_PORT;
	cfg->dport_lo = cfg->dport_hi = FP_GEN_DEFAULT_PORT;
	cfg->proto = IPPROTO_UDP;
	cfg->size = FP_GEN_MIN_SIZE;
	cfg->engine = FP_GEN_ENGINE_AUTO;
}

const char *fp_gen_engine_str(enum fp_gen_engine e)
{
	switch (e) {
	case FP_GEN_ENGINE_LIVE:
		return "live";
	case FP_GEN_ENGINE_AFXDP:
		return "afxdp";
	default:
		return "auto";
	}
}

int fp_gen_engine_parse(const char *s, enum fp_gen_engine *out)
{
	static const enum fp_gen_engine all[] = {
		FP_GEN_ENGINE_AUTO, FP_GEN_ENGINE_LIVE, FP_GEN_ENGINE_AFXDP,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (s && !strcmp(s, fp_gen_engine_str(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	fp_err("--engine '%s' is not an engine; use auto, live or afxdp",
	       s ? s : "");
	return -EINVAL;
}

/* --- the interface ------------------------------------------------------- */

struct iface {
	uint8_t mac[6];
	int mtu;
	bool up;
};

static int iface_get(const char *name, struct iface *ifc)
{
	struct ifreq ifr;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		goto out;
	}
	memcpy(ifc->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr)) {
		err = -errno;
		goto out;
	}
	ifc->mtu = ifr.ifr_mtu;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		err = -errno;
		goto out;
	}
	ifc->up = ifr.ifr_flags & IFF_UP;
out:
	close(fd);
	return err;
}

/* First address of @family on @name; for IPv6 a global one (a link-local
 * source towards a routed destination would be dropped on the way). */
static int iface_first_addr(const char *name, int family, struct fp_addr *out)
{
	struct ifaddrs *ifa, *i;
	int err = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family ||
		    strcmp(i->ifa_name, name))
			continue;
		memset(out, 0, sizeof(*out));
		out->family = family;
		if (family == AF_INET) {
			out->v4 = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		} else {
			out->v6 = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&out->v6))
				continue;
		}
		err = 0;
		break;
	}
	freeifaddrs(ifa);
	return err;
}

/* --- validation ---------------------------------------------------------- */

static const char *family_str(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static int check_sizes(struct fp_gen *g, const struct iface *ifc)
{
	struct fp_gen_config *c = &g->cfg;
	struct fp_pkt_spec s = { .proto = c->proto };
	size_t hdrs;

	if (c->size < FP_GEN_MIN_SIZE || c->size > FP_GEN_MAX_SIZE) {
		fp_err("--size %u is out of range; use %u..%u (Ethernet frame without FCS)",
		       c->size, FP_GEN_MIN_SIZE, FP_GEN_MAX_SIZE);
		return -ERANGE;
	}
	if (c->size > (uint32_t)ifc->mtu + 14) {
		fp_err("--size %u does not fit the MTU %d of %s; use at most %d or raise the MTU",
		       c->size, ifc->mtu, g->ifname, ifc->mtu + 14);
		return -ERANGE;
	}
	s.src.family = s.dst.family = c->dst_lo.family;
	hdrs = fp_pkt_headers_len(&s);
	if (c->size < hdrs) {
		fp_err("--size %u is too small for %s/%s headers; use at least %zu",
		       c->size, family_str(c->dst_lo.family),
		       c->proto == IPPROTO_TCP ? "TCP" : "UDP", hdrs);
		return -ERANGE;
	}
	return 0;
}

static int check_addrs(struct fp_gen *g)
{
	struct fp_gen_config *c = &g->cfg;
	char buf[INET6_ADDRSTRLEN];
	int err;

	if (c->dst_lo.family != AF_INET && c->dst_lo.family != AF_INET6) {
		fp_err("no destination: give --dst-ip ADDRESS or A-B");
		return -EINVAL;
	}
	if (c->dst_hi.family != c->dst_lo.family) {
		fp_err("--dst-ip: both ends of the range must be of one family");
		return -EINVAL;
	}
	if (c->has_src_ip) {
		if (c->src_lo.family != c->dst_lo.family ||
		    c->src_hi.family != c->dst_lo.family) {
			fp_err("--src-ip is %s but --dst-ip is %s; use one family",
			       family_str(c->src_lo.family),
			       family_str(c->dst_lo.family));
			return -EINVAL;
		}
		return 0;
	}
	err = iface_first_addr(g->ifname, c->dst_lo.family, &c->src_lo);
	if (err) {
		inet_ntop(c->dst_lo.family, &c->dst_lo.v6, buf, sizeof(buf));
		fp_err("%s has no %s address to send to %s from; give --src-ip",
		       g->ifname, family_str(c->dst_lo.family), buf);
		return err;
	}
	c->src_hi = c->src_lo;
	return 0;
}

static int check_ports(const struct fp_gen_config *c)
{
	if (!c->sport_lo || c->sport_lo > c->sport_hi || !c->dport_lo ||
	    c->dport_lo > c->dport_hi) {
		fp_err("ports must be 1..65535 and ranges P-Q with P <= Q");
		return -EINVAL;
	}
	if (c->proto != IPPROTO_UDP && c->proto != IPPROTO_TCP) {
		fp_err("--proto must be udp or tcp");
		return -EINVAL;
	}
	return 0;
}

static int check_flows(struct fp_gen *g)
{
	uint64_t n = fp_gen_tuple_count(&g->cfg);

	if (!g->cfg.flows) {
		g->flows = n > FP_GEN_AUTO_FLOWS ? FP_GEN_AUTO_FLOWS : (uint32_t)n;
		if (n > FP_GEN_AUTO_FLOWS)
			fp_warn("the ranges hold more than %u 5-tuples; cycling through the first %u (set --flows to choose, up to %u)",
				FP_GEN_AUTO_FLOWS, FP_GEN_AUTO_FLOWS, FP_GEN_MAX_FLOWS);
		return 0;
	}
	if (g->cfg.flows > FP_GEN_MAX_FLOWS) {
		fp_err("--flows %u is too many; use 1..%u", g->cfg.flows,
		       FP_GEN_MAX_FLOWS);
		return -ERANGE;
	}
	if (g->cfg.flows > n) {
		fp_err("--flows %u exceeds the %" PRIu64 " distinct 5-tuples of the address and port ranges; widen a range or lower --flows",
		       g->cfg.flows, n);
		return -ERANGE;
	}
	g->flows = g->cfg.flows;
	return 0;
}

static int check_cpus(struct fp_gen *g)
{
	struct fp_gen_config *c = &g->cfg;
	long nconf = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;
	uint32_t i, j, n = 0;

	if (c->threads > FP_GEN_MAX_THREADS || c->ncpus > FP_GEN_MAX_THREADS) {
		fp_err("--threads: at most %d", FP_GEN_MAX_THREADS);
		return -ERANGE;
	}
	if (c->threads && c->ncpus && c->threads != c->ncpus) {
		fp_err("--threads %u but --cpus lists %u CPUs; give one CPU per thread",
		       c->threads, c->ncpus);
		return -EINVAL;
	}
	g->threads = c->threads ? c->threads : c->ncpus ? c->ncpus : 1;
	if (c->ncpus) {
		for (i = 0; i < c->ncpus; i++) {
			if (c->cpus[i] < 0 || c->cpus[i] >= nconf) {
				fp_err("--cpus: there is no CPU %d; use 0..%ld",
				       c->cpus[i], nconf - 1);
				return -EINVAL;
			}
			for (j = 0; j < i; j++)
				if (c->cpus[j] == c->cpus[i]) {
					fp_err("--cpus lists CPU %d twice; each thread needs its own CPU (it is its stream id)",
					       c->cpus[i]);
					return -EINVAL;
				}
		}
		return 0;
	}
	/* Default: the first CPUs the caller may run on. */
	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	for (i = 0; i < CPU_SETSIZE && n < g->threads; i++)
		if (CPU_ISSET(i, &set))
			c->cpus[n++] = (int)i;
	if (n < g->threads) {
		fp_err("--threads %u needs %u CPUs but this process may use %d; lower --threads",
		       g->threads, g->threads, CPU_COUNT(&set));
		return -EINVAL;
	}
	c->ncpus = n;
	return 0;
}

static void set_rate(struct fp_gen *g)
{
	unsigned __int128 gap;

	g->gap_ns = 0;
	g->gap_frac = 0;
	if (!g->cfg.rate)
		return;
	/* Gap between two frames of one thread, 32.32 fixed point ns. */
	gap = ((unsigned __int128)g->threads * 1000000000ULL << 32) / g->cfg.rate;
	g->gap_ns = (uint64_t)(gap >> 32);
	g->gap_frac = (uint32_t)gap;
}

double fp_gen_thread_rate(const struct fp_gen *g)
{
	return g->cfg.rate ? (double)g->cfg.rate / g->threads : 0.0;
}

static int resolve(struct fp_gen *g)
{
	struct fp_gen_config *c = &g->cfg;
	struct iface ifc = { .mtu = 0 };
	int err;

	if (c->ifindex <= 0 || !if_indextoname((unsigned int)c->ifindex,
						 g->ifname)) {
		fp_err("no interface with index %d in this network namespace; check 'ip link'",
		       c->ifindex);
		return -ENODEV;
	}
	err = iface_get(g->ifname, &ifc);
	if (err) {
		fp_err("cannot read %s's settings: %s", g->ifname,
		       strerror(-err));
		return err;
	}
	if (!ifc.up) {
		fp_err("%s is down; bring it up with 'ip link set %s up'",
		       g->ifname, g->ifname);
		return -ENETDOWN;
	}
	if (c->rate > 1000000000ULL) {
		fp_err("--rate %" PRIu64 " is out of range; use 1..1G per second",
		       c->rate);
		return -ERANGE;
	}
	err = check_ports(c);
	if (!err)
		err = check_addrs(g);
	if (!err)
		err = check_sizes(g, &ifc);
	if (!err)
		err = check_cpus(g);
	if (!err)
		err = check_flows(g);
	if (err)
		return err;
	set_rate(g);
	if (!c->has_src_mac)
		memcpy(c->src_mac, ifc.mac, 6);
	if (!c->has_dst_mac)
		return fp_neigh_resolve(c->ifindex, &c->dst_lo,
					FP_GEN_RESOLVE_MS, c->dst_mac);
	return 0;
}

/* --- engine selection ---------------------------------------------------- */

static int try_live(struct fp_gen *g)
{
	char why[256];
	int err;

	g->ops = &fp_gen_live_ops;
	g->engine = FP_GEN_ENGINE_LIVE;
	err = g->ops->prepare(g);
	if (!err)
		err = fp_gen_live_probe(g);
	if (!err) {
		/* Frames leave through ndo_xdp_xmit; without it they die at
		 * once.  Still a run worth doing (it measures the generator
		 * alone), but the user must know nothing arrives. */
		if (fp_gen_live_check_xmit(g, why, sizeof(why)))
			fp_warn("%s: frames will be dropped before they leave",
				why);
		return 0;
	}
	if (err != -EOPNOTSUPP)
		return err;
	g->ops->free(g);
	g->ops = NULL;
	if (g->cfg.engine == FP_GEN_ENGINE_LIVE) {
		fp_err("this kernel cannot send XDP live frames (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18+); use --engine afxdp");
		return err;
	}
	fp_warn("this kernel cannot send XDP live frames; falling back to AF_XDP TX (much slower)");
	return -EAGAIN;
}

static int pick_engine(struct fp_gen *g)
{
	int err;

	if (g->cfg.engine != FP_GEN_ENGINE_AFXDP) {
		err = try_live(g);
		if (err != -EAGAIN)
			return err;
	}
	g->ops = &fp_gen_afxdp_ops;
	g->engine = FP_GEN_ENGINE_AFXDP;
	err = g->ops->prepare(g);
	if (err) {
		g->ops->free(g);
		g->ops = NULL;
	}
	return err;
}

int fp_gen_prepare(const struct fp_gen_config *cfg, struct fp_gen **out)
{
	struct fp_gen *g;
	int err;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	err = resolve(g);
	if (!err) {
		err = fp_gen_build_flows(g);
		if (err)
			fp_err("cannot build the frames: %s", strerror(-err));
	}
	if (!err)
		err = pick_engine(g);
	if (err) {
		fp_gen_free(g);
		return err;
	}
	*out = g;
	return 0;
}

void fp_gen_free(struct fp_gen *g)
{
	if (!g)
		return;
	if (g->ops)
		g->ops->free(g);
	free(g->flow_tab);
	free(g->tmpl);
	free(g);
}

enum fp_gen_engine fp_gen_engine(const struct fp_gen *g)
{
	return g->engine;
}

uint32_t fp_gen_flows(const struct fp_gen *g)
{
	return g->flows;
}

uint32_t fp_gen_threads(const struct fp_gen *g)
{
	return g->threads;
}

int fp_gen_cpu(const struct fp_gen *g, uint32_t thread)
{
	return thread < g->threads ? g->cfg.cpus[thread] : -1;
}

const uint8_t *fp_gen_template(const struct fp_gen *g, uint32_t *len)
{
	*len = g->tmpl_len;
	return g->tmpl;
}
