// SPDX-License-Identifier: MIT
/* Value parsers for options: strict, with one-line errors naming the option. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"

int fp_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what,
		 uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		goto bad;
	if (v < min || v > max) {
		fp_err("%s %s is out of range; use %" PRIu64 "..%" PRIu64, what,
		       s, min, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
bad:
	fp_err("%s '%s' is not a number; use %" PRIu64 "..%" PRIu64, what,
	       s ? s : "", min, max);
	return -EINVAL;
}

int fp_parse_u32(const char *s, uint32_t min, uint32_t max, const char *what,
		 uint32_t *out)
{
	uint64_t v;
	int err = fp_parse_u64(s, min, max, what, &v);

	if (!err)
		*out = (uint32_t)v;
	return err;
}

int fp_parse_rate(const char *s, const char *what, uint64_t *out)
{
	const uint64_t max = 1000000000ULL;	/* 1 Gpps is far beyond any NIC */
	char num[32], *end;
	uint64_t mult = 1;
	double v;
	size_t n;

	if (!s || !*s || strlen(s) >= sizeof(num))
		goto bad;
	strcpy(num, s);
	n = strlen(num);
	switch (num[n - 1]) {
	case 'k': case 'K': mult = 1000; break;
	case 'M': mult = 1000000; break;
	case 'G': mult = 1000000000; break;
	}
	if (mult > 1)
		num[--n] = '\0';
	if (!n || !(isdigit((unsigned char)num[0]) || num[0] == '.'))
		goto bad;
	errno = 0;
	v = strtod(num, &end);
	if (errno || *end || v <= 0)
		goto bad;
	v *= (double)mult;
	if (v < 1 || v > (double)max) {
		fp_err("%s %s is out of range; use 1..1G per second", what, s);
		return -ERANGE;
	}
	*out = (uint64_t)(v + 0.5);
	return 0;
bad:
	fp_err("%s '%s' is not a rate; use a positive number with an optional k, M or G suffix",
	       what, s ? s : "");
	return -EINVAL;
}

int fp_parse_duration(const char *s, const char *what, uint64_t *ns_out)
{
	const double max_s = 7 * 24 * 3600.0;
	char num[32], *end;
	double v, scale = 1e9;
	size_t n;

	if (!s || !*s || strlen(s) >= sizeof(num))
		goto bad;
	strcpy(num, s);
	n = strlen(num);
	if (n > 2 && !strcmp(num + n - 2, "ms")) {
		scale = 1e6;
		num[n - 2] = '\0';
	} else if (num[n - 1] == 's') {
		num[n - 1] = '\0';
	} else if (num[n - 1] == 'm') {
		scale = 60e9;
		num[n - 1] = '\0';
	}
	if (!isdigit((unsigned char)num[0]) && num[0] != '.')
		goto bad;
	errno = 0;
	v = strtod(num, &end);
	if (errno || *end || v <= 0)
		goto bad;
	if (v * scale > max_s * 1e9 || v * scale < 1e6) {
		fp_err("%s %s is out of range; use 1ms..7 days", what, s);
		return -ERANGE;
	}
	*ns_out = (uint64_t)(v * scale);
	return 0;
bad:
	fp_err("%s '%s' is not a duration; use seconds, e.g. 5, 2.5s, 500ms, 1m",
	       what, s ? s : "");
	return -EINVAL;
}

int fp_fine_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *sfx; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e9 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].sfx))
			continue;
		v *= units[i].mul;
		if (v > FP_FINE_DURATION_MAX_NS)
			return -ERANGE;
		*ns = (uint64_t)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}

int fp_parse_fine_duration(const char *s, const char *what, uint64_t *ns)
{
	if (!fp_fine_duration(s, ns))
		return 0;
	fp_err("%s '%s' is not a duration of 0..60 s; use e.g. 100us, 2ms, 0.5s, 500ns",
	       what, s ? s : "");
	return -EINVAL;
}

int fp_parse_mac(const char *s, const char *what, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
			 &b[3], &b[4], &b[5], &tail) != 6 || strlen(s) != 17) {
		fp_err("%s '%s' is not a MAC address; use aa:bb:cc:dd:ee:ff",
		       what, s ? s : "");
		return -EINVAL;
	}
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

int fp_parse_ifname(const char *s, const char *what, int *ifindex_out)
{
	unsigned int idx;

	if (!s || !*s || strlen(s) >= IF_NAMESIZE) {
		fp_err("%s '%s' is not a valid interface name", what,
		       s ? s : "");
		return -EINVAL;
	}
	idx = if_nametoindex(s);
	if (!idx) {
		fp_err("%s: no interface '%s' in this network namespace; check 'ip link' (or run inside the right namespace with 'ip netns exec')",
		       what, s);
		return -ENODEV;
	}
	*ifindex_out = (int)idx;
	return 0;
}

int fp_parse_cpu(const char *s, const char *what, int *cpu_out)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	uint64_t v;
	int err;

	if (ncpu < 1)
		ncpu = CPU_SETSIZE;
	err = fp_parse_u64(s, 0, (uint64_t)ncpu - 1, what, &v);
	if (!err)
		*cpu_out = (int)v;
	return err;
}

int fp_parse_u32_list(const char *s, uint32_t max, const char *what,
		      uint32_t *out, uint32_t cap, uint32_t *n)
{
	char buf[256], *tok, *save = NULL;

	*n = 0;
	if (!s || strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint32_t lo, hi, v;

		if (dash)
			*dash = '\0';
		if (fp_parse_u32(tok, 0, max, what, &lo))
			return -EINVAL;
		hi = lo;
		if (dash && fp_parse_u32(dash + 1, 0, max, what, &hi))
			return -EINVAL;
		if (hi < lo)
			goto bad;
		for (v = lo; v <= hi; v++) {
			if (*n >= cap) {
				fp_err("%s: at most %u entries", what, cap);
				return -E2BIG;
			}
			out[(*n)++] = v;
		}
	}
	if (*n)
		return 0;
bad:
	fp_err("%s '%s' is not a list; use e.g. 0 or 0,1 or 0-3", what,
	       s ? s : "");
	return -EINVAL;
}

int fp_parse_cpu_list(const char *s, const char *what, int *cpus,
		      uint32_t cap, uint32_t *n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	uint32_t vals[CPU_SETSIZE], i;
	int err;

	if (ncpu < 1)
		ncpu = CPU_SETSIZE;
	if (cap > CPU_SETSIZE)
		cap = CPU_SETSIZE;
	err = fp_parse_u32_list(s, (uint32_t)ncpu - 1, what, vals, cap, n);
	for (i = 0; !err && i < *n; i++)
		cpus[i] = (int)vals[i];
	return err;
}

int fp_parse_addr(const char *s, const char *what, struct fp_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s && inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (s && inet_pton(AF_INET6, s, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	fp_err("%s '%s' is not an IPv4 or IPv6 address", what, s ? s : "");
	return -EINVAL;
}

static int addr_cmp(const struct fp_addr *a, const struct fp_addr *b)
{
	if (a->family == AF_INET)
		return memcmp(&a->v4, &b->v4, sizeof(a->v4));
	return memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

int fp_parse_addr_range(const char *s, const char *what, struct fp_addr *lo,
			struct fp_addr *hi)
{
	char buf[2 * INET6_ADDRSTRLEN + 2];
	char *dash;
	int err;

	if (!s || strlen(s) >= sizeof(buf)) {
		fp_err("%s '%s' is not an address or range A-B", what,
		       s ? s : "");
		return -EINVAL;
	}
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	err = fp_parse_addr(buf, what, lo);
	if (err)
		return err;
	if (!dash) {
		*hi = *lo;
		return 0;
	}
	err = fp_parse_addr(dash + 1, what, hi);
	if (err)
		return err;
	if (lo->family != hi->family || addr_cmp(lo, hi) > 0) {
		fp_err("%s '%s': both ends must be of one family and the first not above the second",
		       what, s);
		return -EINVAL;
	}
	return 0;
}

int fp_parse_port_range(const char *s, const char *what, uint16_t *lo,
			uint16_t *hi)
{
	char buf[16], *dash;
	uint64_t a, b;
	int err;

	if (!s || strlen(s) >= sizeof(buf)) {
		fp_err("%s '%s' is not a port or range P-Q", what, s ? s : "");
		return -EINVAL;
	}
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	err = fp_parse_u64(buf, 1, 65535, what, &a);
	if (err)
		return err;
	b = a;
	if (dash) {
		err = fp_parse_u64(dash + 1, 1, 65535, what, &b);
		if (err)
			return err;
		if (b < a) {
			fp_err("%s '%s': the first port must not be above the second",
			       what, s);
			return -EINVAL;
		}
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}
