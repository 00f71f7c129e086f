// SPDX-License-Identifier: MIT
/*
 * Control of a running chain: one text line per request, the same lines a
 * rules file holds ("firewall rule add 1 drop src 198.18.9.0/24"), plus
 * "stats" and "help".
 *
 * The socket is a Unix stream socket, FP_RUN_CTL_DIR/IFNAME.sock, mode
 * 0600 (root's).  A client connects, writes one line and shuts its side
 * down; the server answers with a header (status as a negative errno or 0,
 * then the length of the text) and the text, and closes.  Requests are
 * served one at a time on the control thread, which also runs the NFs'
 * ticks, so control state needs no locks.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "fastpath/run.h"
#include "lib/nfrun_priv.h"

#define CTL_MAX_LINE 4096
#define CTL_IO_TIMEOUT_MS 2000
#define NS_PER_S 1000000000ULL

struct ctl_hdr {
	int32_t status;
	uint32_t len;
};

void fp_run_ctl_default_path(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.sock", FP_RUN_CTL_DIR, ifname);
}

static struct fp_nf_inst *find_nf(struct fp_run *r, const char *name)
{
	uint32_t i;

	for (i = 0; i < r->cfg.n; i++)
		if (!strcmp(r->cfg.chain[i]->name, name))
			return &r->nf[i];
	return NULL;
}

static void help(struct fp_run *r, FILE *out)
{
	uint32_t i, j;

	fprintf(out, "stats                 the chain's counters\n"
		     "help                  this text\n");
	for (i = 0; i < r->cfg.n; i++) {
		bool dup = false;

		for (j = 0; j < i; j++)
			dup |= r->cfg.chain[j] == r->cfg.chain[i];
		if (!dup)
			fprintf(out, "%s commands (prefix each with '%s'):\n%s",
				r->cfg.chain[i]->name, r->cfg.chain[i]->name,
				r->cfg.chain[i]->ctl_help);
	}
}

int fp_run_ctl(struct fp_run *r, char *line, FILE *out)
{
	struct fp_nf_inst *nf;
	char *word, *rest;

	line += strspn(line, " \t");
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line || *line == '#')
		return 0;
	word = line;
	rest = line + strcspn(line, " \t");
	if (*rest)
		*rest++ = '\0';
	if (!strcmp(word, "stats")) {
		fp_run_print_stats(r, out, !strcmp(rest, "json"));
		return 0;
	}
	if (!strcmp(word, "help")) {
		help(r, out);
		return 0;
	}
	nf = find_nf(r, word);
	if (!nf) {
		fprintf(out, "error: '%s' is not an NF of this chain, nor stats or help\n",
			word);
		return -EINVAL;
	}
	return fp_nf_ctl_line(nf, rest, out);
}

int fp_run_rules_file(struct fp_run *r, const char *path)
{
	char line[CTL_MAX_LINE];
	unsigned int n = 0;
	int err = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		err = -errno;
		fp_err("--rules %s: %s", path, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		char *msg = NULL;
		size_t len = 0;
		FILE *out;

		n++;
		out = open_memstream(&msg, &len);
		if (!out) {
			err = -ENOMEM;
			break;
		}
		err = fp_run_ctl(r, line, out);
		fclose(out);
		if (err) {
			/* The NF's own line says what is wrong. */
			fp_err("%s:%u: %s", path, n, msg && *msg ?
			       strtok(msg, "\n") : strerror(-err));
			free(msg);
			break;
		}
		free(msg);
	}
	fclose(f);
	if (!err)
		fp_info("run: %u lines of %s applied", n, path);
	return err;
}

int fp_run_ctl_open(struct fp_run *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (r->cfg.ctl_path)
		snprintf(r->ctl_path, sizeof(r->ctl_path), "%s", r->cfg.ctl_path);
	else
		fp_run_ctl_default_path(r->cfg.ifname, r->ctl_path,
					sizeof(r->ctl_path));
	if (!r->cfg.ctl_path && mkdir(FP_RUN_CTL_DIR, 0700) && errno != EEXIST) {
		err = -errno;
		fp_err("run: cannot create %s: %s", FP_RUN_CTL_DIR, strerror(-err));
		return err;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A live server answers; a dead one left only its file. */
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fp_err("run: %s is in use: is 'fastpath run' already running on %s?",
		       r->ctl_path, r->cfg.ifname);
		r->ctl_path[0] = '\0';
		return -EADDRINUSE;
	}
	unlink(r->ctl_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(r->ctl_path, 0600) || listen(fd, 8)) {
		err = -errno;
		fp_err("run: cannot listen on %s: %s", r->ctl_path, strerror(-err));
		close(fd);
		r->ctl_path[0] = '\0';
		return err;
	}
	r->ctl_fd = fd;
	return 0;
}

void fp_run_ctl_close(struct fp_run *r)
{
	if (r->ctl_fd >= 0) {
		close(r->ctl_fd);
		r->ctl_fd = -1;
	}
	if (r->ctl_path[0]) {
		unlink(r->ctl_path);
		r->ctl_path[0] = '\0';
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void serve_one(struct fp_run *r, int fd)
{
	struct timeval tv = { .tv_sec = CTL_IO_TIMEOUT_MS / 1000 };
	char line[CTL_MAX_LINE];
	struct ctl_hdr h = { 0 };
	char *msg = NULL;
	size_t len = 0, got = 0;
	FILE *out;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(line) - 1) {
		ssize_t n = recv(fd, line + got, sizeof(line) - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	out = open_memstream(&msg, &len);
	if (!out)
		return;
	h.status = got ? fp_run_ctl(r, line, out) : -EINVAL;
	fclose(out);
	h.len = (uint32_t)len;
	if (!write_all(fd, &h, sizeof(h)))
		write_all(fd, msg, len);
	free(msg);
}

int fp_run_loop(struct fp_run *r, fp_run_tick_fn tick, void *ctx)
{
	uint64_t next = fp_now_ns() + NS_PER_S;
	uint32_t i;

	while (!fp_run_should_stop()) {
		struct pollfd pfd = { .fd = r->ctl_fd, .events = POLLIN };
		uint64_t now = fp_now_ns();
		int timeout = now >= next ? 0 : (int)((next - now) / 1000000) + 1;

		if (poll(&pfd, 1, timeout) > 0 && (pfd.revents & POLLIN)) {
			int fd = accept4(r->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				serve_one(r, fd);
				close(fd);
			}
		}
		now = fp_now_ns();
		if (now < next)
			continue;
		next += NS_PER_S;
		if (next < now)
			next = now + NS_PER_S;
		for (i = 0; i < r->cfg.n; i++)
			if (r->nf[i].state && r->nf[i].info->tick)
				r->nf[i].info->tick(&r->nf[i], now);
		if (tick)
			tick(r, ctx);
	}
	return 0;
}

int fp_run_ctl_send(const char *path, const char *line, FILE *out,
		    int *status)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_hdr h;
	char buf[65536];
	size_t got = 0;
	int fd, err;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	err = write_all(fd, line, strlen(line));
	if (!err)
		err = write_all(fd, "\n", 1);
	shutdown(fd, SHUT_WR);
	while (!err && got < sizeof(h)) {
		ssize_t n = recv(fd, (char *)&h + got, sizeof(h) - got, 0);

		if (n <= 0)
			err = n < 0 ? -errno : -EPROTO;
		else
			got += (size_t)n;
	}
	while (!err && h.len) {
		ssize_t n = recv(fd, buf, h.len < sizeof(buf) ? h.len : sizeof(buf), 0);

		if (n <= 0) {
			err = n < 0 ? -errno : -EPROTO;
			break;
		}
		fwrite(buf, 1, (size_t)n, out);
		h.len -= (uint32_t)n;
	}
	close(fd);
	if (!err)
		*status = h.status;
	return err;
}
