/* SPDX-License-Identifier: MIT */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI'16, section 3.4): the
 * lookup table of a load-balanced service.
 *
 * Each backend has a permutation of the table's M slots, from two hashes
 * of its name (here its address and port): offset = h1 % M, skip =
 * h2 % (M - 1) + 1, slot j of its permutation = (offset + j * skip) % M.
 * Backends take turns claiming the next free slot of their permutation
 * until the table is full.  With M prime every permutation visits every
 * slot, and the properties that follow are what the load balancer relies
 * on (tests/unit/test_maglev.c checks them):
 *
 *   - every slot holds a backend (as long as there is one);
 *   - each backend holds floor(M/N) or ceil(M/N) slots: the turns are
 *     strictly round-robin and a turn always claims a slot;
 *   - removing one of N backends moves its own slots and only few others,
 *     so flows that are not pinned by a session mostly stay where they
 *     were.
 *
 * The table depends only on the set of backends, not on the order they
 * are given in: they are sorted by name first.
 */
#ifndef FASTPATH_MAGLEV_H
#define FASTPATH_MAGLEV_H

#include <stdint.h>

#define FP_MAGLEV_NAME_MAX 20

struct fp_maglev_backend {
	uint8_t name[FP_MAGLEV_NAME_MAX];	/* what is hashed */
	uint32_t name_len;
	uint32_t id;				/* what the table holds */
};

/*
 * Fill @table (@m slots, @m prime) from @n backends; names must differ.
 * With no backend every slot is 0.  Returns 0, -EINVAL (@m not prime, or
 * more backends than slots) or -ENOMEM.
 */
int fp_maglev_build(const struct fp_maglev_backend *b, uint32_t n,
		    uint32_t *table, uint32_t m);

/* A backend's name from an address (4 or 16 bytes) and a port. */
void fp_maglev_name(struct fp_maglev_backend *b, const uint8_t *addr,
		    uint32_t addr_len, uint16_t port);

#endif
