/* SPDX-License-Identifier: MIT */
/*
 * Loader: load libbpf objects (skeletons) with a readable verifier report,
 * and attach XDP programs through bpf_links owned by this process.
 *
 * Why links: a link dies with the process that owns it, so a crashed or
 * killed fastpath tool never leaves a program behind (fail-safe), and a link
 * can be retargeted atomically with bpf_link_update() (no window without a
 * program).  Links are never pinned unless a caller asks explicitly.
 *
 * Policy:
 *   - an interface that already has an XDP program is refused, naming the
 *     program, unless opts.force (then the foreign program is detached first,
 *     and that is announced);
 *   - FP_XDP_MODE_AUTO tries native (driver) mode and, if the driver cannot,
 *     announces the fallback and uses generic (skb) mode;
 *   - SIGINT/SIGTERM handled with fp_run_install_signals() let commands
 *     unwind and detach; fp_xdp_detach_all() runs at exit for anything left.
 */
#ifndef FASTPATH_XDP_H
#define FASTPATH_XDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_program;

enum fp_xdp_mode {
	FP_XDP_MODE_AUTO = 0,
	FP_XDP_MODE_NATIVE,
	FP_XDP_MODE_GENERIC,
};

/* "auto", "native" (alias "drv"), "generic" (alias "skb"). Prints an error. */
int fp_xdp_mode_parse(const char *s, enum fp_xdp_mode *out);
const char *fp_xdp_mode_str(enum fp_xdp_mode mode);

/*
 * Load every program and map of @obj (typically skel->obj after the caller
 * has set .rodata switches).  On a verifier rejection prints one line naming
 * the program and the verifier's last complaint, and the full log at -v.
 * @what names the object for messages ("sink").  Returns 0, the kernel's
 * error for a rejection (-EACCES or -EINVAL), -EPERM without privileges.
 * After a load, skel->bss / skel->data are shared with the kernel's maps,
 * exactly as after fp_NAME__load().
 */
int fp_bpf_load(struct bpf_object *obj, const char *what);

/*
 * The same load, silent: for probes that are expected to fail on some
 * kernels.  On failure @why (if not NULL) receives a one-line reason, e.g.
 * "verifier: R1 offset is outside of the packet, at probe.bpf.c:80".
 */
int fp_bpf_load_quiet(struct bpf_object *obj, char *why, size_t why_len);

struct fp_xdp_attach_opts {
	enum fp_xdp_mode mode;
	bool force;		/* replace a foreign program (announced) */
};

struct fp_xdp_link;

int fp_xdp_attach(struct bpf_program *prog, int ifindex,
		  const struct fp_xdp_attach_opts *opts,
		  struct fp_xdp_link **out);
/* Swap the program behind @link atomically (bpf_link_update). */
int fp_xdp_replace(struct fp_xdp_link *link, struct bpf_program *prog);
/* Mode actually in use (native or generic, never auto). */
enum fp_xdp_mode fp_xdp_link_mode(const struct fp_xdp_link *link);
int fp_xdp_link_ifindex(const struct fp_xdp_link *link);
/* Detach and free; NULL is a no-op. */
void fp_xdp_detach(struct fp_xdp_link *link);
/* Detach every link this process still holds (also registered atexit). */
void fp_xdp_detach_all(void);

/*
 * What is attached to @ifindex: program id (0 if none), its name and the
 * mode ("native", "generic", "offload") and whether it is held by a
 * bpf_link.  Used for refusal messages and by `doctor`.
 */
struct fp_xdp_info {
	uint32_t prog_id;
	char prog_name[16];
	enum fp_xdp_mode mode;
	bool offload;
	bool via_link;
	uint32_t link_id;	/* the bpf_link holding it, 0 if none/unknown */
};

int fp_xdp_query(int ifindex, struct fp_xdp_info *info);

#endif
