// SPDX-License-Identifier: MIT
/* Parsing and printing shared by the NFs' control commands. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "fastpath/nf_parse.h"
#include "lib/nf_ctl_util.h"

int nf_ctl_parse_dec(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

int nf_ctl_parse_ip(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = FP_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = FP_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int nf_ctl_parse_addr_port(const char *s, uint8_t *family, uint8_t addr[16],
			   __be16 *port)
{
	char buf[64], *colon, *as = buf;
	uint8_t want = FP_AF_INET;
	uint64_t p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (buf[0] == '[') {
		colon = strchr(buf, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		*colon++ = '\0';
		as = buf + 1;
		want = FP_AF_INET6;
	} else {
		colon = strrchr(buf, ':');
		if (!colon)
			return -EINVAL;
	}
	*colon = '\0';
	if (nf_ctl_parse_ip(as, family, addr) || *family != want ||
	    nf_ctl_parse_dec(colon + 1, 65535, &p))
		return -EINVAL;
	*port = fp_htons((uint16_t)p);
	return 0;
}

void nf_ctl_print_addr_port(FILE *out, uint8_t family, const uint8_t *a,
			    __be16 port)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family == FP_AF_INET ? AF_INET : AF_INET6, a, s, sizeof(s));
	fprintf(out, family == FP_AF_INET ? "%s:%u" : "[%s]:%u", s,
		fp_ntohs(port));
}

int nf_ctl_err(FILE *out, const char *nf, int err, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return err;
	fprintf(out, "%s: ", nf);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	return err;
}
