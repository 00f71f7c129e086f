// SPDX-License-Identifier: MIT
/*
 * Load a bpf_object and turn a verifier rejection into one readable line.
 *
 * How the log is captured: every program gets a log buffer with
 * bpf_program__set_log_buf() and keeps log_level 0.  libbpf then loads each
 * program without a log (no cost on success) and, only when the kernel
 * refuses one, loads it again with log_level 1 into our buffer.  The other
 * option, parsing libbpf's "-- BEGIN PROG LOAD LOG --" warning from the
 * print callback, would mean swapping a process-wide callback and parsing
 * text meant for humans.
 *
 * One buffer serves every program: libbpf stops at the first program the
 * kernel rejects, so only that program ever writes to it.  The buffer lives
 * as long as the process because libbpf keeps the pointer in the program;
 * a mutex serialises loads that capture into it.  Since Linux 6.4 the
 * kernel's log is a ring by default, so when the log does not fit the
 * buffer, the end (where the reason is) survives.
 *
 * Global data: a skeleton's skel->bss / skel->data point at libbpf's copy
 * of each global-data map.  bpf_object__load_skeleton() replaces that copy
 * with a shared mapping of the kernel map; plain bpf_object__load() in
 * libbpf 1.1 does not (later libbpf versions do it in load).  Callers pass
 * skel->obj here, so after a load we map global data the same way, or
 * counters read through skel->bss would stay zero forever.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "fastpath/log.h"
#include "fastpath/run.h"
#include "fastpath/xdp.h"

#define VLOG_SIZE (4u << 20)

static pthread_mutex_t vlog_lock = PTHREAD_MUTEX_INITIALIZER;
static char *vlog_buf;

struct load_failure {
	const char *prog;	/* the program the kernel refused, or NULL */
	const char *log;	/* its verifier log ("" if none) */
	char reason[320];	/* last meaningful verifier line */
	char where[96];		/* "file.bpf.c:42" of the last source line */
};

/* Lines the verifier prints after the reason: statistics, not causes. */
static bool vlog_noise(const char *line, size_t len)
{
	static const char *const prefixes[] = {
		"processed ", "verification time ", "stack depth ",
		"mark_read ", "Func#", "func#",
	};
	size_t i;

	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (!len)
		return true;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void copy_line(char *dst, size_t size, const char *src, size_t len)
{
	while (len && (src[len - 1] == ' ' || src[len - 1] == '\t'))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Walk the log backwards: the reason is the last line that is not
 * statistics; the location is the "@ file:line" of the last source line
 * ("; code @ file.c:12") the verifier printed before it.
 */
static void vlog_summarise(const char *log, struct load_failure *f)
{
	const char *end = log + strlen(log), *start, *at;
	size_t len;

	f->reason[0] = '\0';
	f->where[0] = '\0';
	while (end > log) {
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		len = (size_t)(end - start);
		if (!f->reason[0] && !vlog_noise(start, len)) {
			copy_line(f->reason, sizeof(f->reason), start, len);
		} else if (f->reason[0] && start[0] == ';') {
			at = memmem(start, len, " @ ", 3);
			if (at)
				copy_line(f->where, sizeof(f->where), at + 3,
					  len - (size_t)(at + 3 - start));
			break;
		}
		end = start > log ? start - 1 : log;
	}
}

static void vlog_print(const struct load_failure *f)
{
	const char *p = f->log, *nl;

	fp_dbg("verifier log of program %s:", f->prog);
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fp_dbg("  %.*s", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/* Lend the shared log buffer to every program that has none of its own. */
static void vlog_lend(struct bpf_object *obj)
{
	struct bpf_program *prog;
	size_t size;

	if (!vlog_buf)
		vlog_buf = malloc(VLOG_SIZE);
	if (!vlog_buf)
		return;	/* still loads; only the report is poorer */
	vlog_buf[0] = '\0';
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) ||
		    bpf_program__log_buf(prog, &size))
			continue;
		bpf_program__set_log_buf(prog, vlog_buf, VLOG_SIZE);
	}
}

/*
 * libbpf loads programs in object order and stops at the first refusal:
 * the culprit is the first program to load that has no fd.  Its log is
 * empty when libbpf failed before asking the kernel (maps, relocations).
 */
static void find_failure(struct bpf_object *obj, struct load_failure *f)
{
	struct bpf_program *prog;
	const char *log;
	size_t size;

	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog) || bpf_program__fd(prog) >= 0)
			continue;
		log = bpf_program__log_buf(prog, &size);
		if (!log || !log[0])
			return;
		f->prog = bpf_program__name(prog);
		f->log = log;
		vlog_summarise(log, f);
		return;
	}
}

/* What bpf_object__load_skeleton() does for each global-data map. */
static int map_global_data(struct bpf_object *obj)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size, vsize;
	struct bpf_map *map;
	void *cur, *p;
	int prot;

	bpf_object__for_each_map(map, obj) {
		/* libbpf 1.1 hands out its own copy as const; we replace it. */
		cur = (void *)bpf_map__initial_value(map, &vsize);
		if (!cur || !(bpf_map__map_flags(map) & BPF_F_MMAPABLE) ||
		    bpf_map__fd(map) < 0)	/* not created (autocreate off) */
			continue;
		size = ((vsize + 7) & ~(size_t)7) * bpf_map__max_entries(map);
		size = (size + page - 1) & ~(page - 1);
		prot = bpf_map__map_flags(map) & BPF_F_RDONLY_PROG ?
		       PROT_READ : PROT_READ | PROT_WRITE;
		p = mmap(cur, size, prot, MAP_SHARED | MAP_FIXED,
			 bpf_map__fd(map), 0);
		if (p == MAP_FAILED)
			return -errno;
	}
	return 0;
}

static bool btf_missing(void)
{
	return access("/sys/kernel/btf/vmlinux", R_OK) != 0;
}

/*
 * A truncated log makes the kernel answer ENOSPC instead of the verifier's
 * own error; it is still a rejection, and EINVAL says so to the caller.
 */
static int verdict_err(int err)
{
	return err == -ENOSPC ? -EINVAL : err;
}

static int load(struct bpf_object *obj, struct load_failure *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->log = "";
	pthread_mutex_lock(&vlog_lock);
	vlog_lend(obj);
	err = bpf_object__load(obj);
	if (err) {
		find_failure(obj, f);
		return err;	/* the caller reads f->log, then unlocks */
	}
	err = map_global_data(obj);
	if (err)
		snprintf(f->reason, sizeof(f->reason),
			 "cannot map global data: %s", strerror(-err));
	return err;
}

int fp_bpf_load(struct bpf_object *obj, const char *what)
{
	struct load_failure f;
	int err = load(obj, &f);

	if (!err)
		goto out;
	if (f.reason[0] && !f.prog) {
		fp_err("%s: %s", what, f.reason);
	} else if (f.prog) {
		if (fp_log_get_level() >= FP_LOG_DEBUG)
			vlog_print(&f);
		fp_err("%s: the verifier rejected program %s: %s%s%s (%s)",
		       what, f.prog, f.reason[0] ? f.reason : "no reason given",
		       f.where[0] ? ", at " : "", f.where,
		       fp_log_get_level() >= FP_LOG_DEBUG ?
		       "full log above" : "run with -v for the full log");
		err = verdict_err(err);
	} else if (err == -EPERM) {
		/* Not root prints its own line; otherwise the kernel said no. */
		if (!fp_run_require_admin(what))
			fp_err("%s: the kernel refused to load BPF programs (%s); a lockdown or security module policy may forbid BPF, see 'dmesg'",
			       what, strerror(EPERM));
	} else if (btf_missing()) {
		fp_err("%s: this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); fastpath needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		       what);
	} else {
		fp_err("%s: loading the BPF object failed: %s (run with -v for libbpf's report)",
		       what, strerror(-err));
	}
out:
	pthread_mutex_unlock(&vlog_lock);
	return err;
}

int fp_bpf_load_quiet(struct bpf_object *obj, char *why, size_t why_len)
{
	struct load_failure f;
	int err = load(obj, &f);

	if (err && why && why_len) {
		if (f.reason[0] && !f.prog) {
			snprintf(why, why_len, "%s", f.reason);
		} else if (f.prog) {
			snprintf(why, why_len, "verifier: %s%s%s", f.reason,
				 f.where[0] ? ", at " : "", f.where);
			err = verdict_err(err);
		} else if (err != -EPERM && btf_missing()) {
			snprintf(why, why_len, "no kernel BTF");
		} else {
			snprintf(why, why_len, "%s", strerror(-err));
		}
	}
	pthread_mutex_unlock(&vlog_lock);
	return err;
}
