/* SPDX-License-Identifier: MIT */
/*
 * The latency lab's shared pieces and its reflector (`fastpath reflect`).
 *
 * Steering: both ends of a latency measurement receive on AF_XDP, so both
 * attach xsk_steer (ip_only: ARP and other non-IP frames still reach
 * Linux, which keeps neighbour resolution working) and put their sockets
 * in its XSKMAP.  struct fp_lat_steer is that pair of steps.
 *
 * The reflector turns a UDP frame around in place: it swaps the MAC
 * addresses, the IP addresses and the UDP ports.  Checksums stay valid
 * without being touched, because the IP and UDP checksums are sums over
 * 16-bit words and swapping two words (or two equal-length fields) does
 * not change a sum.  IP frames that are not UDP cannot be handed back to
 * Linux from an AF_XDP socket: they are dropped and counted (non-IP never
 * reaches the socket).
 *
 * Option helpers: ping and reflect take the same AF_XDP knobs; the table
 * entries and their parser live here so the two commands spell them the
 * same way.
 */
#ifndef FASTPATH_REFLECT_H
#define FASTPATH_REFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastpath/opts.h"
#include "fastpath/xsk.h"

struct fp_xdp_link;
struct fp_xsk_steer;

struct fp_lat_steer {
	struct fp_xsk_steer *skel;
	struct fp_xdp_link *link;
};

/* Load xsk_steer (ip_only), attach it to @ifindex (native, else generic)
 * and put the sockets of @set in its XSKMAP. */
int fp_lat_steer_attach(struct fp_lat_steer *st, int ifindex,
			struct fp_xsk_set *set);
/* Detach and free; safe on a zeroed or half-attached @st. */
void fp_lat_steer_detach(struct fp_lat_steer *st);

/* --- option table entries shared by ping and reflect -------------------- */

enum {
	FP_LAT_OPT_QUEUE = 400,
	FP_LAT_OPT_BIND,
	FP_LAT_OPT_NO_WAKEUP,
	FP_LAT_OPT_WAIT,
	FP_LAT_OPT_BATCH,
	FP_LAT_OPT_RX_SIZE,
	FP_LAT_OPT_TX_SIZE,
	FP_LAT_OPT_FILL_SIZE,
	FP_LAT_OPT_COMP_SIZE,
	FP_LAT_OPT_FRAME_SIZE,
	FP_LAT_OPT_BP_USECS,
	FP_LAT_OPT_BP_BUDGET,
	FP_LAT_OPT_NAPI_DEFER,
	FP_LAT_OPT_GRO_FLUSH,
	FP_LAT_OPT_COALESCE,
	FP_LAT_OPT_CPU,
};

#define FP_LAT_XSK_OPTS \
	{ "queue", FP_LAT_OPT_QUEUE, FP_OPT_VALUE, "Q", \
	  "RX/TX queue to bind (default 0)" }, \
	{ "bind", FP_LAT_OPT_BIND, FP_OPT_VALUE, "MODE", \
	  "auto, copy or zerocopy (default auto: zero-copy if the driver can)" }, \
	{ "no-need-wakeup", FP_LAT_OPT_NO_WAKEUP, FP_OPT_FLAG, NULL, \
	  "bind without XDP_USE_NEED_WAKEUP: the kernel is kicked on every TX" }, \
	{ "wait", FP_LAT_OPT_WAIT, FP_OPT_VALUE, "MODE", \
	  "spin, poll or busypoll: how to wait for frames (default poll)" }, \
	{ "batch", FP_LAT_OPT_BATCH, FP_OPT_VALUE, "N", \
	  "frames per RX/TX batch, 1..256 (default 64; ping: 1)" }, \
	{ "rx-size", FP_LAT_OPT_RX_SIZE, FP_OPT_VALUE, "N", \
	  "RX ring entries, a power of 2 (default 2048)" }, \
	{ "tx-size", FP_LAT_OPT_TX_SIZE, FP_OPT_VALUE, "N", \
	  "TX ring entries (default 2048)" }, \
	{ "fill-size", FP_LAT_OPT_FILL_SIZE, FP_OPT_VALUE, "N", \
	  "fill ring entries (default 2048)" }, \
	{ "comp-size", FP_LAT_OPT_COMP_SIZE, FP_OPT_VALUE, "N", \
	  "completion ring entries (default 2048)" }, \
	{ "frame-size", FP_LAT_OPT_FRAME_SIZE, FP_OPT_VALUE, "BYTES", \
	  "UMEM frame size, 2048 or 4096 (default 2048)" }, \
	{ "busy-poll-usecs", FP_LAT_OPT_BP_USECS, FP_OPT_VALUE, "US", \
	  "busypoll: SO_BUSY_POLL (default 20)" }, \
	{ "busy-poll-budget", FP_LAT_OPT_BP_BUDGET, FP_OPT_VALUE, "N", \
	  "busypoll: SO_BUSY_POLL_BUDGET (default 0: --batch)" }, \
	{ "napi-defer-hard-irqs", FP_LAT_OPT_NAPI_DEFER, FP_OPT_VALUE, "N", \
	  "busypoll: the interface's napi_defer_hard_irqs (default 2; restored)" }, \
	{ "gro-flush-timeout", FP_LAT_OPT_GRO_FLUSH, FP_OPT_VALUE, "NS", \
	  "busypoll: the interface's gro_flush_timeout (default 200000; restored)" }, \
	{ "irq-coalesce-usecs", FP_LAT_OPT_COALESCE, FP_OPT_VALUE, "US", \
	  "busypoll: the interface's rx-usecs interrupt coalescing (probed; not applicable on veth; restored)" }, \
	{ "cpu", FP_LAT_OPT_CPU, FP_OPT_VALUE, "C", \
	  "pin the data path thread to CPU C (default: not pinned)" }

/*
 * Parse one of the FP_LAT_XSK_OPTS into @c (and *@cpu for --cpu).
 * Returns 0, a negative errno after printing one line, or 1 when @key is
 * not one of them.
 */
int fp_lat_xsk_opt(int key, const char *arg, struct fp_xsk_config *c,
		   int *cpu);
/* The knobs as JSON members, without braces: "\"queue\":0,...". */
int fp_lat_xsk_json(const struct fp_xsk_config *c, char *buf, size_t len);

/* --- the reflector ------------------------------------------------------- */

/*
 * Turn a frame around in place if it is Ethernet [VLAN] / IPv4|IPv6 / UDP:
 * returns true when it was swapped (send it back), false otherwise.
 */
bool fp_reflect_frame(uint8_t *data, uint32_t len);

struct fp_reflect_opts {
	struct fp_xsk_config xsk;	/* ifindex, knobs */
	int cpu;			/* -1: not pinned */
};

struct fp_reflect_stats {
	uint64_t reflected;	/* UDP frames sent back */
	uint64_t dropped;	/* IP, not UDP (or truncated): dropped */
};

struct fp_reflect;

/* Open the sockets, attach the steering program, start the worker. */
int fp_reflect_start(const struct fp_reflect_opts *o, struct fp_reflect **out);
void fp_reflect_read(struct fp_reflect *r, struct fp_reflect_stats *st);
bool fp_reflect_zerocopy(struct fp_reflect *r);
const char *fp_reflect_xdp_mode(struct fp_reflect *r);
/* Stop the worker, detach, close; the final counters go to @final (may
 * be NULL).  NULL @r is a no-op. */
void fp_reflect_stop(struct fp_reflect *r, struct fp_reflect_stats *final);

/*
 * The kernel baseline: a UDP socket on @port (all addresses) that sends
 * every datagram back to where it came from, until fp_run_should_stop()
 * or @duration_ns (0: no limit).  @cpu >= 0 pins the calling thread.
 * @stats counts reflected datagrams.  0 or a negative errno.
 */
int fp_reflect_socket_run(uint16_t port, int cpu, uint64_t duration_ns,
			  struct fp_reflect_stats *stats);

#endif
