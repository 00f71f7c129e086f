// SPDX-License-Identifier: MIT
/* Named network namespaces the way iproute2 makes them (see netns.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/nsfs.h>

#include "fastpath/netns.h"

/* /proc/self would name the thread-group leader's namespace, not ours. */
#define THREAD_NETNS "/proc/thread-self/ns/net"

static int netns_path(const char *name, char *buf, size_t len)
{
	int n;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", FP_NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Make /run/netns a shared mount point, binding it onto itself first if it
 * is not a mount point yet (mount --make-shared fails with EINVAL then).
 */
static int make_run_dir_shared(void)
{
	bool bound = false;

	if (mkdir(FP_NETNS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	while (mount("", FP_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(FP_NETNS_RUN_DIR, FP_NETNS_RUN_DIR, "none",
			  MS_BIND | MS_REC, NULL))
			return -errno;
		bound = true;
	}
	return 0;
}

int fp_netns_create(const char *name)
{
	char path[PATH_MAX];
	int fd, saved, err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	err = make_run_dir_shared();
	if (err)
		return err;
	/* O_EXCL: the file is the name's reservation, as in iproute2. */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	saved = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = -errno;
		goto out_unlink;
	}
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		close(saved);
		goto out_unlink;
	}
	err = 0;
	if (mount(THREAD_NETNS, path, "none", MS_BIND, NULL))
		err = -errno;
	/* Back to where we were whatever happened; failing here would leave
	 * the thread in the new namespace, so it wins over other errors. */
	if (setns(saved, CLONE_NEWNET))
		err = -errno;
	close(saved);
	if (!err)
		return 0;
	umount2(path, MNT_DETACH);
out_unlink:
	unlink(path);
	return err;
}

int fp_netns_delete(const char *name)
{
	char path[PATH_MAX];
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	/* EINVAL: a leftover file that was never mounted; unlink it anyway. */
	if (umount2(path, MNT_DETACH) && errno != EINVAL)
		return -errno;
	if (unlink(path))
		return -errno;
	return 0;
}

int fp_netns_open(const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool fp_netns_exists(const char *name)
{
	struct statfs sfs;
	bool ok;
	int fd;

	fd = fp_netns_open(name);
	if (fd < 0)
		return false;
	ok = !fstatfs(fd, &sfs) && sfs.f_type == NSFS_MAGIC &&
	     ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
	close(fd);
	return ok;
}

int fp_netns_enter(const char *name, int *saved_fd)
{
	int fd, saved, err = 0;

	*saved_fd = -1;
	fd = fp_netns_open(name);
	if (fd < 0)
		return fd;
	saved = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		close(saved);
		close(fd);
		return err;
	}
	close(fd);
	*saved_fd = saved;
	return 0;
}

int fp_netns_leave(int saved_fd)
{
	int err = 0;

	if (saved_fd < 0)
		return -EBADF;
	if (setns(saved_fd, CLONE_NEWNET))
		err = -errno;
	close(saved_fd);
	return err;
}

int fp_netns_run(const char *name, int (*fn)(void *arg), void *arg)
{
	int saved, ret, err;

	err = fp_netns_enter(name, &saved);
	if (err)
		return err;
	ret = fn(arg);
	err = fp_netns_leave(saved);
	return err ? err : ret;
}

static int skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int fp_netns_foreach(int (*cb)(const char *name, void *ctx), void *ctx)
{
	struct dirent **list;
	int n, i, ret = 0;

	n = scandir(FP_NETNS_RUN_DIR, &list, skip_dots, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (i = 0; i < n; i++) {
		if (!ret)
			ret = cb(list[i]->d_name, ctx);
		free(list[i]);
	}
	free(list);
	return ret;
}
