// SPDX-License-Identifier: MIT
/* Maglev table population (see fastpath/maglev.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath/maglev.h"
#include "fastpath/nf_hash.h"

/* Two unrelated hashes of a name: murmur3 mixing, two seeds. */
#define MAGLEV_SEED_OFFSET	0x6d61676cu	/* "magl" */
#define MAGLEV_SEED_SKIP	0x65763031u	/* "ev01" */

static uint32_t name_hash(const struct fp_maglev_backend *b, uint32_t seed)
{
	uint8_t buf[FP_MAGLEV_NAME_MAX + 3] = { 0 };
	uint32_t h = seed, w, i;

	memcpy(buf, b->name, b->name_len);
	for (i = 0; i < b->name_len; i += 4) {
		memcpy(&w, buf + i, 4);
		h = fp_hash_mix(h, w);
	}
	return fp_hash_final(h, b->name_len);
}

void fp_maglev_name(struct fp_maglev_backend *b, const uint8_t *addr,
		    uint32_t addr_len, uint16_t port)
{
	if (addr_len > FP_MAGLEV_NAME_MAX - 2)
		addr_len = FP_MAGLEV_NAME_MAX - 2;
	memset(b->name, 0, sizeof(b->name));
	memcpy(b->name, addr, addr_len);
	b->name[addr_len] = (uint8_t)(port >> 8);
	b->name[addr_len + 1] = (uint8_t)port;
	b->name_len = addr_len + 2;
}

static int is_prime(uint32_t m)
{
	uint32_t d;

	if (m < 2)
		return 0;
	for (d = 2; (uint64_t)d * d <= m; d++)
		if (m % d == 0)
			return 0;
	return 1;
}

static int cmp_name(const void *a, const void *b)
{
	const struct fp_maglev_backend *x = a, *y = b;
	uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

int fp_maglev_build(const struct fp_maglev_backend *b, uint32_t n,
		    uint32_t *table, uint32_t m)
{
	struct fp_maglev_backend *s = NULL;
	uint32_t *offset = NULL, *skip = NULL, *next = NULL;
	uint8_t *taken = NULL;
	uint32_t i, filled = 0;
	int err = -ENOMEM;

	if (!is_prime(m) || n > m)
		return -EINVAL;
	memset(table, 0, (size_t)m * sizeof(*table));
	if (!n)
		return 0;
	s = malloc((size_t)n * sizeof(*s));
	offset = malloc((size_t)n * sizeof(*offset));
	skip = malloc((size_t)n * sizeof(*skip));
	next = calloc(n, sizeof(*next));
	taken = calloc(m, 1);
	if (!s || !offset || !skip || !next || !taken)
		goto out;

	/* Sorted, so that the same set gives the same table whatever the
	 * order the backends were added in. */
	memcpy(s, b, (size_t)n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_name);
	for (i = 0; i < n; i++) {
		offset[i] = name_hash(&s[i], MAGLEV_SEED_OFFSET) % m;
		skip[i] = name_hash(&s[i], MAGLEV_SEED_SKIP) % (m - 1) + 1;
	}
	/* Round-robin turns; each claims the next free slot of that
	 * backend's permutation.  next[i] < m always holds: a permutation
	 * visits every slot, and a free slot exists while filled < m. */
	for (;;) {
		for (i = 0; i < n; i++) {
			uint64_t c;

			do {
				c = (offset[i] + (uint64_t)next[i]++ * skip[i])
				    % m;
			} while (taken[c]);
			taken[c] = 1;
			table[c] = s[i].id;
			if (++filled == m) {
				err = 0;
				goto out;
			}
		}
	}
out:
	free(s);
	free(offset);
	free(skip);
	free(next);
	free(taken);
	return err;
}
