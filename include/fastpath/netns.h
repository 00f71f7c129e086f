/* SPDX-License-Identifier: MIT */
/*
 * Named network namespaces, compatible with `ip netns`.
 *
 * A named namespace is a bind mount of a namespace file on /run/netns/NAME,
 * exactly as iproute2 makes it, so `ip netns exec NAME ...` and fastpath see
 * the same namespaces.  /run/netns is made a shared mount point first (as
 * iproute2 does) so that deleting a namespace unmounts it in every mount
 * namespace, and the namespace is really freed.
 *
 * Entering a namespace is per thread: setns(CLONE_NEWNET) moves only the
 * calling thread, so a process can work in several namespaces in turn (and
 * other threads keep theirs).  Sockets remember the namespace they were
 * created in, so open netlink or ioctl sockets AFTER entering.  /proc/sys/net
 * follows the calling thread's namespace too.  Every enter must be paired
 * with a leave on every path; fp_netns_run() does the pairing for a callback.
 */
#ifndef FASTPATH_NETNS_H
#define FASTPATH_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#define FP_NETNS_RUN_DIR "/run/netns"

/*
 * Create namespace @name; -EEXIST if /run/netns/NAME already exists (also
 * when it is a leftover that is not a namespace: delete it first).  The
 * calling thread stays in its own namespace.
 */
int fp_netns_create(const char *name);

/*
 * Unmount and remove /run/netns/NAME; -ENOENT if there is nothing by that
 * name.  Also removes an unmounted leftover file from an interrupted create.
 * Interfaces in the namespace go away with it once no process or socket
 * holds it any more.
 */
int fp_netns_delete(const char *name);

/* True if /run/netns/NAME is a live network namespace (not a leftover). */
bool fp_netns_exists(const char *name);

/* Open the namespace file (O_RDONLY | O_CLOEXEC); fd or a negative errno. */
int fp_netns_open(const char *name);

/*
 * Move the calling thread into namespace @name.  *saved_fd receives a file
 * descriptor for the namespace the thread was in, to hand to
 * fp_netns_leave().  On error nothing changed and *saved_fd is -1.
 */
int fp_netns_enter(const char *name, int *saved_fd);

/* Move the calling thread back to @saved_fd's namespace and close it. */
int fp_netns_leave(int saved_fd);

/*
 * Run @fn(@arg) with the calling thread inside namespace @name and come
 * back.  Returns @fn's result, or a negative errno if entering or leaving
 * failed.
 */
int fp_netns_run(const char *name, int (*fn)(void *arg), void *arg);

/*
 * Call @cb for every entry of /run/netns (sorted by name), live or not.
 * Stops at the first non-zero return of @cb and returns it.
 */
int fp_netns_foreach(int (*cb)(const char *name, void *ctx), void *ctx);

#endif
