/* SPDX-License-Identifier: MIT */
/*
 * Incremental Internet checksum updates (RFC 1624), both worlds.
 *
 * When an NF rewrites an address or a port, the IPv4 header checksum and
 * the TCP/UDP checksum (whose pseudo-header covers the addresses) are
 * updated from the old and new bytes only: HC' = ~(~HC + ~m + m').  The
 * one's complement sum does not care about byte order as long as every
 * word is taken the same way, so words are summed as they lie in memory.
 * No helper calls: the same arithmetic runs in XDP and in user space, so
 * both produce the same bytes.
 */
#ifndef FASTPATH_NF_CSUM_H
#define FASTPATH_NF_CSUM_H

#include "fastpath/compat.h"

FP_INLINE __u16 fp_nf_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Replace @len bytes (even, a small constant) in data covered by @check. */
FP_INLINE void fp_csum_replace(__sum16 *check, const void *from,
			       const void *to, __u32 len)
{
	const __u8 *a = from, *b = to;
	__u32 sum = (__u16)~*check;
	__u32 i;

	for (i = 0; i + 1 < len; i += 2) {
		__u16 wa, wb;

		__builtin_memcpy(&wa, a + i, 2);
		__builtin_memcpy(&wb, b + i, 2);
		sum += (__u16)~wa;
		sum += wb;
	}
	*check = (__sum16)~fp_nf_csum_fold(sum);
}

/*
 * The same for a UDP checksum: 0 means "none" over IPv4 and stays 0; a
 * computed 0 is sent as 0xffff (RFC 768).  Over IPv6 the checksum is
 * mandatory, so @ipv4 = 0 always updates.
 */
FP_INLINE void fp_csum_replace_udp(__sum16 *check, const void *from,
				   const void *to, __u32 len, int ipv4)
{
	if (ipv4 && *check == 0)
		return;
	fp_csum_replace(check, from, to, len);
	if (*check == 0)
		*check = (__sum16)0xffff;
}

#endif
