// SPDX-License-Identifier: MIT
/*
 * NAPI tuning for busy polling, restored on every way out (napi_tune.h).
 *
 * Records live in a static table, not on the heap, because the signal
 * handler restores them: it may only use async-signal-safe calls (open,
 * write, close, ioctl), so each record keeps its sysfs paths, the old
 * values as text, and an ioctl socket opened in the interface's network
 * namespace (sockets remember their namespace; the thread that restores
 * may be elsewhere by then).  A record is claimed by an atomic exchange,
 * so a restore by close, at exit and from a signal never runs twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "fastpath/log.h"
#include "fastpath/napi_tune.h"

#define MAX_TUNES	32
#define PATH_LEN	96
#define VAL_LEN		24

struct fp_napi_tune {
	int active;		/* 1 while applied (atomic) */
	int ifindex;
	char ifname[IF_NAMESIZE];
	char defer_path[PATH_LEN];
	char gro_path[PATH_LEN];
	char old_defer[VAL_LEN];	/* "" = not changed */
	char old_gro[VAL_LEN];
	int coalesce;			/* as fp_napi_state.coalesce */
	int ioctl_fd;			/* -1 unless coalescing was changed */
	struct ethtool_coalesce old_ec;
	char summary[256];
};

static struct fp_napi_tune tunes[MAX_TUNES];
static pthread_mutex_t tunes_lock = PTHREAD_MUTEX_INITIALIZER;
static int atexit_done;

/* --- sysfs ------------------------------------------------------------------ */

static int sysfs_path(const char *ifname, const char *attr, char *buf,
		      size_t len)
{
	int n = snprintf(buf, len, "/sys/class/net/%s/%s", ifname, attr);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

/* Async-signal-safe: the restore path uses it from a handler. */
static int write_text(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * /sys/class/net/IF must be OUR namespace's IF: sysfs shows the namespace
 * of its mounter, and the same name may exist there.
 */
static int check_sysfs_ns(int ifindex, const char *ifname)
{
	char path[PATH_LEN], val[VAL_LEN];
	int err;

	err = sysfs_path(ifname, "ifindex", path, sizeof(path));
	if (!err)
		err = read_text(path, val, sizeof(val));
	if (err || atoi(val) != ifindex) {
		fp_err("%s: /sys/class/net shows another network namespace, so its NAPI settings cannot be changed; mount sysfs inside this namespace (as 'ip netns exec' does)",
		       ifname);
		return -ENOENT;
	}
	return 0;
}

/* --- ethtool ----------------------------------------------------------------- */

static int coalesce_ioctl(int fd, const char *ifname, struct ethtool_coalesce *ec)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
	ifr.ifr_data = (void *)ec;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

static int coalesce_get(int fd, const char *ifname, struct ethtool_coalesce *ec)
{
	memset(ec, 0, sizeof(*ec));
	ec->cmd = ETHTOOL_GCOALESCE;
	return coalesce_ioctl(fd, ifname, ec);
}

int fp_napi_read(int ifindex, struct fp_napi_state *st)
{
	char ifname[IF_NAMESIZE], path[PATH_LEN], val[VAL_LEN];
	struct ethtool_coalesce ec;
	int err, fd;

	memset(st, 0, sizeof(*st));
	if (!if_indextoname((unsigned int)ifindex, ifname))
		return -ENODEV;
	err = check_sysfs_ns(ifindex, ifname);
	if (err)
		return err;
	err = sysfs_path(ifname, "napi_defer_hard_irqs", path, sizeof(path));
	err = err ?: read_text(path, val, sizeof(val));
	if (err)
		return err;
	st->defer_hard_irqs = (uint32_t)strtoul(val, NULL, 10);
	err = sysfs_path(ifname, "gro_flush_timeout", path, sizeof(path));
	err = err ?: read_text(path, val, sizeof(val));
	if (err)
		return err;
	st->gro_flush_timeout_ns = strtoull(val, NULL, 10);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	st->coalesce = coalesce_get(fd, ifname, &ec);
	if (!st->coalesce)
		st->coalesce_rx_usecs = ec.rx_coalesce_usecs;
	close(fd);
	return 0;
}

/* --- restore, also from a signal handler ------------------------------------- */

static void restore_one(struct fp_napi_tune *t)
{
	if (!__atomic_exchange_n(&t->active, 0, __ATOMIC_ACQ_REL))
		return;
	if (t->old_defer[0])
		write_text(t->defer_path, t->old_defer);
	if (t->old_gro[0])
		write_text(t->gro_path, t->old_gro);
	if (t->ioctl_fd >= 0) {
		t->old_ec.cmd = ETHTOOL_SCOALESCE;
		coalesce_ioctl(t->ioctl_fd, t->ifname, &t->old_ec);
		close(t->ioctl_fd);
		t->ioctl_fd = -1;
	}
}

static void restore_all_unlocked(void)
{
	int i;

	/* Newest first: two records of one interface unwind in order. */
	for (i = MAX_TUNES - 1; i >= 0; i--)
		restore_one(&tunes[i]);
}

void fp_napi_tune_restore_all(void)
{
	pthread_mutex_lock(&tunes_lock);
	restore_all_unlocked();
	pthread_mutex_unlock(&tunes_lock);
}

static void on_fatal_signal(int sig)
{
	restore_all_unlocked();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Our handler only where nobody else handles the signal: a program that
 * uses fp_run_install_signals() unwinds and restores on its own. */
static void install_hooks(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i;

	/* Checked on every apply, not once: a forked child inherits our
	 * registrations but may have reset its signal handlers. */
	if (!atexit_done) {
		atexit_done = 1;
		atexit(fp_napi_tune_restore_all);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* --- apply ------------------------------------------------------------------- */

static int set_sysfs(struct fp_napi_tune *t, const char *attr, char *path,
		     char *old, int64_t val, char *line, size_t len)
{
	char now[VAL_LEN], want[VAL_LEN];
	size_t used = strlen(line);
	int err;

	if (val < 0)
		return 0;
	err = sysfs_path(t->ifname, attr, path, PATH_LEN);
	err = err ?: read_text(path, now, sizeof(now));
	if (err) {
		fp_err("%s: cannot read %s: %s; this kernel may lack it (busy polling needs Linux 5.11+)",
		       t->ifname, path, strerror(-err));
		return err;
	}
	snprintf(want, sizeof(want), "%lld", (long long)val);
	err = write_text(path, want);
	if (err) {
		fp_err("%s: cannot write %s to %s: %s; run as root (CAP_NET_ADMIN)",
		       t->ifname, want, path, strerror(-err));
		return err;
	}
	memcpy(old, now, VAL_LEN);
	snprintf(line + used, len - used, "%s%s %s -> %s%s", used ? ", " : "",
		 attr, now, want, !strcmp(attr, "gro_flush_timeout") ? " ns" : "");
	return 0;
}

static int set_coalesce(struct fp_napi_tune *t, int64_t usecs)
{
	size_t used = strlen(t->summary);
	struct ethtool_coalesce ec;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	t->coalesce = coalesce_get(fd, t->ifname, &ec);
	if (t->coalesce == -EOPNOTSUPP) {
		snprintf(t->summary + used, sizeof(t->summary) - used,
			 ", interrupt coalescing not applicable (the device has none)");
		close(fd);
		return 0;
	}
	if (t->coalesce) {
		err = t->coalesce;
		fp_err("%s: cannot read interrupt coalescing (ETHTOOL_GCOALESCE): %s",
		       t->ifname, strerror(-err));
		close(fd);
		return err;
	}
	if (usecs < 0) {
		snprintf(t->summary + used, sizeof(t->summary) - used,
			 ", rx-usecs %u (left)", ec.rx_coalesce_usecs);
		close(fd);
		return 0;
	}
	t->old_ec = ec;
	ec.cmd = ETHTOOL_SCOALESCE;
	ec.rx_coalesce_usecs = (uint32_t)usecs;
	err = coalesce_ioctl(fd, t->ifname, &ec);
	if (err) {
		fp_err("%s: cannot set interrupt coalescing rx-usecs %lld: %s; use --irq-coalesce-usecs -1 to leave it",
		       t->ifname, (long long)usecs, strerror(-err));
		close(fd);
		return err;
	}
	t->ioctl_fd = fd;	/* kept: restores in this namespace */
	snprintf(t->summary + used, sizeof(t->summary) - used,
		 ", rx-usecs %u -> %lld", t->old_ec.rx_coalesce_usecs,
		 (long long)usecs);
	return 0;
}

int fp_napi_tune_apply(int ifindex, const struct fp_napi_settings *s,
		       struct fp_napi_tune **out)
{
	struct fp_napi_tune *t = NULL;
	char ifname[IF_NAMESIZE];
	int i, err;

	*out = NULL;
	if (!if_indextoname((unsigned int)ifindex, ifname)) {
		fp_err("napi tuning: no interface with index %d", ifindex);
		return -ENODEV;
	}
	if (s->defer_hard_irqs > 2147483647) {
		fp_err("--napi-defer-hard-irqs must be 0..2147483647");
		return -EINVAL;
	}
	err = check_sysfs_ns(ifindex, ifname);
	if (err)
		return err;

	pthread_mutex_lock(&tunes_lock);
	for (i = 0; i < MAX_TUNES; i++) {
		if (!__atomic_load_n(&tunes[i].active, __ATOMIC_ACQUIRE) &&
		    !tunes[i].ifindex) {
			t = &tunes[i];
			break;
		}
	}
	if (!t) {
		pthread_mutex_unlock(&tunes_lock);
		fp_err("napi tuning: more than %d interfaces tuned at once", MAX_TUNES);
		return -ENOSPC;
	}
	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;	/* reserves the slot */
	t->ioctl_fd = -1;
	memcpy(t->ifname, ifname, sizeof(ifname));
	snprintf(t->summary, sizeof(t->summary), "%s: ", ifname);

	{
		char line[192] = "";

		err = set_sysfs(t, "napi_defer_hard_irqs", t->defer_path,
				t->old_defer, s->defer_hard_irqs, line,
				sizeof(line));
		/* Restorable from here on, also if what follows fails. */
		__atomic_store_n(&t->active, 1, __ATOMIC_RELEASE);
		if (!err)
			err = set_sysfs(t, "gro_flush_timeout", t->gro_path,
					t->old_gro, s->gro_flush_timeout_ns,
					line, sizeof(line));
		if (!err)
			snprintf(t->summary + strlen(t->summary),
				 sizeof(t->summary) - strlen(t->summary),
				 "%s", line[0] ? line : "NAPI settings left");
	}
	if (!err)
		err = set_coalesce(t, s->coalesce_rx_usecs);
	if (err) {
		restore_one(t);
		t->ifindex = 0;
		pthread_mutex_unlock(&tunes_lock);
		return err;
	}
	install_hooks();
	pthread_mutex_unlock(&tunes_lock);
	*out = t;
	return 0;
}

void fp_napi_tune_restore(struct fp_napi_tune *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&tunes_lock);
	restore_one(t);
	t->ifindex = 0;		/* frees the slot */
	pthread_mutex_unlock(&tunes_lock);
}

const char *fp_napi_tune_summary(const struct fp_napi_tune *t)
{
	return t ? t->summary : "";
}
