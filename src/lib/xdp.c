// SPDX-License-Identifier: MIT
/*
 * XDP attachment through bpf_links owned by this process (see xdp.h for
 * the policy).  Links are created with bpf_link_create() rather than
 * bpf_program__attach_xdp() because libbpf 1.1's helper passes no flags:
 * the kernel would then pick the mode silently, and we want to ask for
 * native explicitly and announce the fallback ourselves.
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/probe.h"
#include "fastpath/xdp.h"

struct fp_xdp_link {
	int fd;
	int ifindex;
	enum fp_xdp_mode mode;
	struct fp_xdp_link *next;
};

/* Every link this process holds, so that exit can detach what is left. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fp_xdp_link *registry;
static pthread_once_t atexit_once = PTHREAD_ONCE_INIT;

int fp_xdp_mode_parse(const char *s, enum fp_xdp_mode *out)
{
	if (s && !strcmp(s, "auto"))
		*out = FP_XDP_MODE_AUTO;
	else if (s && (!strcmp(s, "native") || !strcmp(s, "drv")))
		*out = FP_XDP_MODE_NATIVE;
	else if (s && (!strcmp(s, "generic") || !strcmp(s, "skb")))
		*out = FP_XDP_MODE_GENERIC;
	else {
		fp_err("--xdp-mode '%s' is not a mode; use auto, native (drv) or generic (skb)",
		       s ? s : "");
		return -EINVAL;
	}
	return 0;
}

const char *fp_xdp_mode_str(enum fp_xdp_mode mode)
{
	switch (mode) {
	case FP_XDP_MODE_NATIVE:
		return "native";
	case FP_XDP_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

static const char *ifname_of(int ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %d", ifindex);
	return buf;
}

static int prog_name_of(uint32_t id, char *name, size_t len)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	int fd, err;

	name[0] = '\0';
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	close(fd);
	if (err)
		return -errno;
	snprintf(name, len, "%s", info.name[0] ? info.name : "(no name)");
	return 0;
}

static uint32_t prog_id_of_fd(int prog_fd)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len))
		return 0;
	return info.id;
}

/*
 * The XDP link that holds @prog_id on @ifindex.  Link info names the
 * interface by index only, and indexes repeat across namespaces, so a
 * match needs the program id too; *ambiguous reports two candidates.
 */
static uint32_t find_xdp_link(int ifindex, uint32_t prog_id, bool *ambiguous)
{
	struct bpf_link_info info;
	uint32_t id = 0, found = 0, len;
	int fd;

	*ambiguous = false;
	while (!bpf_link_get_next_id(id, &id)) {
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone meanwhile */
		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_LINK_TYPE_XDP &&
		    info.xdp.ifindex == (uint32_t)ifindex &&
		    info.prog_id == prog_id) {
			if (found)
				*ambiguous = true;
			found = id;
		}
		close(fd);
	}
	return found;
}

int fp_xdp_query(int ifindex, struct fp_xdp_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	bool ambiguous;
	int err;

	memset(info, 0, sizeof(*info));
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.drv_prog_id) {
		info->prog_id = q.drv_prog_id;
		info->mode = FP_XDP_MODE_NATIVE;
	} else if (q.skb_prog_id) {
		info->prog_id = q.skb_prog_id;
		info->mode = FP_XDP_MODE_GENERIC;
	} else if (q.hw_prog_id) {
		info->prog_id = q.hw_prog_id;
		info->mode = FP_XDP_MODE_NATIVE;
		info->offload = true;
	}
	if (!info->prog_id)
		return 0;
	prog_name_of(info->prog_id, info->prog_name, sizeof(info->prog_name));
	info->link_id = find_xdp_link(ifindex, info->prog_id, &ambiguous);
	info->via_link = info->link_id != 0;
	return 0;
}

/* Is bpf_link @id one of ours?  Then the caller wants fp_xdp_replace(). */
static bool own_link(uint32_t id)
{
	struct bpf_link_info info;
	struct fp_xdp_link *l;
	uint32_t len;
	bool mine = false;

	pthread_mutex_lock(&registry_lock);
	for (l = registry; l && !mine; l = l->next) {
		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		mine = !bpf_obj_get_info_by_fd(l->fd, &info, &len) &&
		       info.id == id;
	}
	pthread_mutex_unlock(&registry_lock);
	return mine;
}

static const char *info_mode_str(const struct fp_xdp_info *info)
{
	return info->offload ? "offload" : fp_xdp_mode_str(info->mode);
}

static void refuse(const char *ifname, const struct fp_xdp_info *info)
{
	if (info->via_link && own_link(info->link_id))
		fp_err("%s already has XDP program '%s' (id %u) attached by this process; switch programs with fp_xdp_replace() instead",
		       ifname, info->prog_name, info->prog_id);
	else if (info->via_link)
		fp_err("%s already has XDP program '%s' (id %u, %s mode) held by bpf_link %u of another process; stop that process, or use --force to detach it",
		       ifname, info->prog_name, info->prog_id,
		       info_mode_str(info), info->link_id);
	else
		fp_err("%s already has XDP program '%s' (id %u, %s mode); remove it with 'ip link set dev %s xdp off', or use --force to replace it",
		       ifname, info->prog_name, info->prog_id,
		       info_mode_str(info), ifname);
}

static uint32_t mode_flag(const struct fp_xdp_info *info)
{
	if (info->offload)
		return XDP_FLAGS_HW_MODE;
	return info->mode == FP_XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
						 : XDP_FLAGS_DRV_MODE;
}

/*
 * --force: a program attached through netlink goes with bpf_xdp_detach();
 * the kernel refuses that (EBUSY) for one held by a link, which must be
 * detached through the link itself (BPF_LINK_DETACH), found by id.
 */
static int detach_foreign(int ifindex, const char *ifname,
			  const struct fp_xdp_info *info)
{
	bool ambiguous;
	uint32_t link_id;
	int err, fd;

	err = bpf_xdp_detach(ifindex, mode_flag(info), NULL);
	if (err == -EBUSY) {
		link_id = find_xdp_link(ifindex, info->prog_id, &ambiguous);
		if (!link_id || ambiguous) {
			fp_err("--force: cannot tell which bpf_link holds program '%s' (id %u) on %s; stop the process that attached it",
			       info->prog_name, info->prog_id, ifname);
			return -EBUSY;
		}
		fd = bpf_link_get_fd_by_id(link_id);
		err = fd < 0 ? -errno : bpf_link_detach(fd);
		if (fd >= 0)
			close(fd);
	}
	if (err) {
		fp_err("--force: cannot detach program '%s' (id %u) from %s: %s",
		       info->prog_name, info->prog_id, ifname, strerror(-err));
		return err;
	}
	fp_warn("--force: detached XDP program '%s' (id %u, %s mode) from %s",
		info->prog_name, info->prog_id, info_mode_str(info), ifname);
	return 0;
}

static int link_create(int prog_fd, int ifindex, enum fp_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo,
		    .flags = mode == FP_XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE
							: XDP_FLAGS_SKB_MODE);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);

	return fd < 0 ? -errno : fd;
}

/* Errors that generic mode would hit as well: no point falling back. */
static bool fatal_for_both_modes(int err)
{
	return err == -EPERM || err == -EACCES || err == -EBUSY ||
	       err == -EEXIST || err == -ENODEV || err == -ENOMEM;
}

static void attach_failed(const char *prog, const char *ifname, int ifindex,
			  enum fp_xdp_mode want, enum fp_xdp_mode mode, int err)
{
	char drv[32];

	if (err == -EPERM || err == -EACCES)
		fp_err("cannot attach '%s' to %s: %s; run as root (CAP_NET_ADMIN and CAP_BPF)",
		       prog, ifname, strerror(-err));
	else if (err == -EEXIST)
		fp_err("cannot attach '%s' to %s: an upper device (bridge, bond) has an XDP program, or one was attached meanwhile; check 'ip -d link show'",
		       prog, ifname);
	else if (err == -EBUSY)
		fp_err("cannot attach '%s' to %s: another XDP program was attached meanwhile; check 'ip link show dev %s'",
		       prog, ifname, ifname);
	else if (mode == FP_XDP_MODE_NATIVE && err == -EOPNOTSUPP)
		fp_err("cannot attach '%s' to %s in native mode: driver '%s' has no native XDP; use --xdp-mode generic (or auto)",
		       prog, ifname,
		       fp_probe_driver(ifindex, drv, sizeof(drv)) ? "?" : drv);
	else if (want == FP_XDP_MODE_AUTO)
		fp_err("cannot attach '%s' to %s in native or generic mode: %s; run with -v for libbpf's report",
		       prog, ifname, strerror(-err));
	else
		fp_err("cannot attach '%s' to %s in %s mode: %s; try --xdp-mode auto",
		       prog, ifname, fp_xdp_mode_str(mode), strerror(-err));
}

static pid_t registry_pid;

/*
 * Only in the process that attached: a forked child that calls exit()
 * shares the link fds and would otherwise detach its parent's programs.
 */
static void detach_all_at_exit(void)
{
	if (getpid() == registry_pid)
		fp_xdp_detach_all();
}

static void register_atexit(void)
{
	registry_pid = getpid();
	atexit(detach_all_at_exit);
}

static int attach_in_mode(int prog_fd, const char *prog, int ifindex,
			  const char *ifname, enum fp_xdp_mode want,
			  enum fp_xdp_mode *got)
{
	char drv[32];
	int fd;

	if (want == FP_XDP_MODE_GENERIC) {
		*got = FP_XDP_MODE_GENERIC;
		return link_create(prog_fd, ifindex, FP_XDP_MODE_GENERIC);
	}
	*got = FP_XDP_MODE_NATIVE;
	fd = link_create(prog_fd, ifindex, FP_XDP_MODE_NATIVE);
	if (fd >= 0 || want == FP_XDP_MODE_NATIVE || fatal_for_both_modes(fd))
		return fd;
	fp_warn("%s: native XDP is not available (driver '%s': %s); falling back to generic XDP, which runs after the kernel has built an skb and is several times slower",
		ifname, fp_probe_driver(ifindex, drv, sizeof(drv)) ? "?" : drv,
		strerror(-fd));
	*got = FP_XDP_MODE_GENERIC;
	return link_create(prog_fd, ifindex, FP_XDP_MODE_GENERIC);
}

int fp_xdp_attach(struct bpf_program *prog, int ifindex,
		  const struct fp_xdp_attach_opts *opts,
		  struct fp_xdp_link **out)
{
	static const struct fp_xdp_attach_opts defaults;
	const char *name = bpf_program__name(prog);
	struct fp_xdp_info info;
	char ifname[IF_NAMESIZE];
	struct fp_xdp_link *link;
	enum fp_xdp_mode got;
	int prog_fd, fd, err;

	if (!opts)
		opts = &defaults;
	*out = NULL;
	prog_fd = bpf_program__fd(prog);
	if (prog_fd < 0) {
		fp_err("cannot attach '%s': the program is not loaded (fp_bpf_load() first)",
		       name);
		return -EINVAL;
	}
	ifname_of(ifindex, ifname);
	err = fp_xdp_query(ifindex, &info);
	if (err) {
		fp_err("cannot query XDP on %s: %s", ifname, strerror(-err));
		return err;
	}
	if (info.prog_id) {
		if (!opts->force) {
			refuse(ifname, &info);
			return -EBUSY;
		}
		err = detach_foreign(ifindex, ifname, &info);
		if (err)
			return err;
	}

	link = calloc(1, sizeof(*link));
	if (!link)
		return -ENOMEM;
	fd = attach_in_mode(prog_fd, name, ifindex, ifname, opts->mode, &got);
	if (fd < 0) {
		attach_failed(name, ifname, ifindex, opts->mode, got, fd);
		free(link);
		return fd;
	}
	link->fd = fd;
	link->ifindex = ifindex;
	link->mode = got;

	pthread_once(&atexit_once, register_atexit);
	pthread_mutex_lock(&registry_lock);
	link->next = registry;
	registry = link;
	pthread_mutex_unlock(&registry_lock);
	fp_dbg("attached XDP program '%s' to %s in %s mode", name, ifname,
	       fp_xdp_mode_str(got));
	*out = link;
	return 0;
}

/*
 * Atomic: the link points at the old program until the kernel swaps the
 * pointer, so no packet ever meets an interface without a program.  This
 * is the BPF_LINK_UPDATE that bpf_link__update_program() issues; we hold
 * the raw link fd, which libbpf 1.1 cannot wrap in a struct bpf_link.
 */
int fp_xdp_replace(struct fp_xdp_link *link, struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);
	char ifname[IF_NAMESIZE];
	int prog_fd = bpf_program__fd(prog);
	int err;

	if (!link)
		return -EINVAL;
	ifname_of(link->ifindex, ifname);
	if (prog_fd < 0) {
		fp_err("cannot switch %s to '%s': the program is not loaded (fp_bpf_load() first)",
		       ifname, name);
		return -EINVAL;
	}
	err = bpf_link_update(link->fd, prog_fd, NULL);
	if (err) {
		err = -errno;
		fp_err("cannot switch %s to XDP program '%s': %s; the previous program stays attached",
		       ifname, name, strerror(-err));
		return err;
	}
	fp_dbg("switched %s to XDP program '%s' (id %u)", ifname, name,
	       prog_id_of_fd(prog_fd));
	return 0;
}

enum fp_xdp_mode fp_xdp_link_mode(const struct fp_xdp_link *link)
{
	return link->mode;
}

int fp_xdp_link_ifindex(const struct fp_xdp_link *link)
{
	return link->ifindex;
}

static bool unregister(struct fp_xdp_link *link)
{
	struct fp_xdp_link **p;
	bool found = false;

	pthread_mutex_lock(&registry_lock);
	for (p = &registry; *p; p = &(*p)->next) {
		if (*p == link) {
			*p = link->next;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return found;
}

/*
 * BPF_LINK_DETACH before close: another holder of the link (a pinned copy,
 * an fd taken by id) would otherwise keep the program attached.
 */
static void release(struct fp_xdp_link *link)
{
	char ifname[IF_NAMESIZE];

	if (bpf_link_detach(link->fd) && errno != EINVAL)
		fp_warn("detaching XDP from %s: %s",
			ifname_of(link->ifindex, ifname), strerror(errno));
	close(link->fd);
	free(link);
}

void fp_xdp_detach(struct fp_xdp_link *link)
{
	if (link && unregister(link))
		release(link);
}

void fp_xdp_detach_all(void)
{
	struct fp_xdp_link *list, *next;

	pthread_mutex_lock(&registry_lock);
	list = registry;
	registry = NULL;
	pthread_mutex_unlock(&registry_lock);
	for (; list; list = next) {
		next = list->next;
		release(list);
	}
}
