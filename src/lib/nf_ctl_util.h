/* SPDX-License-Identifier: MIT */
/*
 * What the NFs' control commands (nf_*_ctl.c) parse and print alike:
 * decimal numbers, addresses with ports in the same notation, and one
 * error line per failed command, prefixed with the NF's name.
 */
#ifndef FASTPATH_NF_CTL_UTIL_H
#define FASTPATH_NF_CTL_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "fastpath/compat.h"

/* Decimal only, no sign, no spaces: rules files should not surprise.
 * -EINVAL, or -ERANGE above @max. */
int nf_ctl_parse_dec(const char *s, uint64_t max, uint64_t *out);
/* IPv4 or IPv6 into 16 bytes (IPv4 in the first 4); @family FP_AF_*. */
int nf_ctl_parse_ip(const char *s, uint8_t *family, uint8_t addr[16]);
/* "198.18.0.1:9" or "[2001:2::1]:9"; the port in network order. */
int nf_ctl_parse_addr_port(const char *s, uint8_t *family, uint8_t addr[16],
			   __be16 *port);
/* The same notation back. */
void nf_ctl_print_addr_port(FILE *out, uint8_t family, const uint8_t *a,
			    __be16 port);
/* "NF: message\n" on @out (nothing when @out is NULL); returns @err. */
int nf_ctl_err(FILE *out, const char *nf, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
