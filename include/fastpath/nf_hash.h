/* SPDX-License-Identifier: MIT */
/*
 * A flow hash for both worlds (load balancer backend choice).  It must give
 * the same value in XDP and in user space, so it is plain arithmetic on the
 * tuple's bytes (murmur3's 32-bit mixing and finalizer; no helper, no
 * table).  The tuple is hashed as it is keyed: family, protocol, ports and
 * both 16-byte addresses.
 */
#ifndef FASTPATH_NF_HASH_H
#define FASTPATH_NF_HASH_H

#include "fastpath/nf_parse.h"

FP_INLINE __u32 fp_rotl32(__u32 x, __u32 r)
{
	return (x << r) | (x >> (32 - r));
}

FP_INLINE __u32 fp_hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = fp_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = fp_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

FP_INLINE __u32 fp_hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

FP_INLINE __u32 fp_tuple_hash(const struct fp_tuple *t, __u32 seed)
{
	const __u8 *b = (const __u8 *)t;
	__u32 h = seed, i;

	for (i = 0; i < sizeof(*t); i += 4) {
		__u32 w;

		__builtin_memcpy(&w, b + i, 4);
		h = fp_hash_mix(h, w);
	}
	return fp_hash_final(h, sizeof(*t));
}

#endif
