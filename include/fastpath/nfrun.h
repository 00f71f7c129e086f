/* SPDX-License-Identifier: MIT */
/*
 * Running a chain of network functions on an interface in one of the I/O
 * modes of the CCR 2023 study (`fastpath run`):
 *
 *   xdp             the chain runs in XDP
 *   xdp-sk          the chain runs in XDP, with AF_XDP sockets bound on
 *                   the same queues (the cost of having them there)
 *   afxdp           the chain runs in user-space workers over AF_XDP; the
 *                   workers spin on the rings, the driver runs in softirq
 *   afxdp-busypoll  the same with preferred busy polling: the driver is
 *                   run by the workers' syscalls
 *   afxdp-poll      the same, the workers sleeping in poll()
 *   hybrid          hybrid by rule: the chain's stateless front (the
 *                   firewall) drops in XDP, user space runs the rest
 *   hybrid-queue    hybrid by RX queue: queues in --xdp-queues run the
 *                   chain in XDP, the others in user space
 *
 * The tables of the chain live in every world that runs NF code, and one
 * control path fills them (nf_table.h): from --rules at start and live
 * through a control socket (`fastpath ctl`).
 */
#ifndef FASTPATH_NFRUN_H
#define FASTPATH_NFRUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fastpath/nf.h"
#include "fastpath/nf_info.h"
#include "fastpath/xdp.h"
#include "fastpath/xsk.h"

#define FP_RUN_MAX_WORKERS 64
#define FP_RUN_MAX_SIZES 16
#define FP_RUN_CTL_DIR "/run/fastpath"

enum fp_run_mode {
	FP_RUN_XDP = 0,
	FP_RUN_XDP_SK,
	FP_RUN_AFXDP,
	FP_RUN_AFXDP_BUSYPOLL,
	FP_RUN_AFXDP_POLL,
	FP_RUN_HYBRID,
	FP_RUN_HYBRID_QUEUE,
	FP_RUN_MODE_COUNT,
};

struct fp_run_size {
	const char *table;
	uint32_t entries;
};

struct fp_run_config {
	int ifindex;
	char ifname[IF_NAMESIZE];
	const struct fp_nf_info *chain[FP_CHAIN_MAX];
	uint32_t n;
	enum fp_run_mode mode;
	/* What "every NF went on" means: FP_PASS (default), FP_TX, FP_DROP
	 * or FP_REDIRECT to then_ifindex. */
	enum fp_verdict then;
	int then_ifindex;
	struct fp_xdp_attach_opts xdp;
	struct fp_xsk_config xsk;	/* AF_XDP modes */
	int cpus[FP_RUN_MAX_WORKERS];	/* one worker per entry */
	uint32_t n_workers;		/* 0: one, on the first allowed CPU */
	uint64_t xdp_queues;		/* hybrid-queue: bit q = queue q in XDP */
	const char *rules;		/* file of control lines, or NULL */
	const char *ctl_path;		/* NULL: FP_RUN_CTL_DIR/IFNAME.sock */
	struct fp_run_size sizes[FP_RUN_MAX_SIZES];
	uint32_t n_sizes;
};

struct fp_run;

const char *fp_run_mode_str(enum fp_run_mode m);
/* Prints one error line naming --mode and the choices. */
int fp_run_mode_parse(const char *s, enum fp_run_mode *out);
bool fp_run_mode_xdp(enum fp_run_mode m);	/* NF code in XDP */
bool fp_run_mode_user(enum fp_run_mode m);	/* NF code in user space */

void fp_run_config_init(struct fp_run_config *c);

/* Load, attach, create the tables, apply --rules, open the sockets and
 * start the workers, open the control socket.  Prints what failed. */
int fp_run_start(const struct fp_run_config *c, struct fp_run **out);

/* Serve the control socket and call NF ticks until a stop request;
 * @tick (may be NULL) is called once a second. */
typedef void (*fp_run_tick_fn)(struct fp_run *r, void *ctx);
int fp_run_loop(struct fp_run *r, fp_run_tick_fn tick, void *ctx);

/* Counters of the chain (enum fp_nf_counter) summed over XDP and the
 * workers. */
int fp_run_counters(struct fp_run *r, uint64_t out[FP_CNT_MAX]);
void fp_run_print_stats(struct fp_run *r, FILE *out, bool json);

/* One control line ("firewall rule add ..."), as from the socket. */
int fp_run_ctl(struct fp_run *r, char *line, FILE *out);

/* Stop workers, close sockets, detach, free, remove the socket file. */
void fp_run_stop(struct fp_run *r);

/* Client side (`fastpath ctl`): send @line to the socket at @path and
 * copy the reply to @out.  Returns 0 when the server answered, with its
 * status (0 or -errno) in *@status, or a negative errno when it could not
 * be reached. */
int fp_run_ctl_send(const char *path, const char *line, FILE *out,
		    int *status);
void fp_run_ctl_default_path(const char *ifname, char *buf, size_t len);

#endif
