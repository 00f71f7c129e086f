// SPDX-License-Identifier: MIT
/* Option value parsers: accepted forms, ranges and rejections. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>

#include "fastpath/log.h"
#include "fastpath/opts.h"

static void test_u64(void **state)
{
	uint64_t v;

	assert_int_equal(fp_parse_u64("42", 0, 100, "--n", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(fp_parse_u64("0x10", 0, 100, "--n", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(fp_parse_u64("101", 0, 100, "--n", &v), -ERANGE);
	assert_int_equal(fp_parse_u64("-1", 0, 100, "--n", &v), -EINVAL);
	assert_int_equal(fp_parse_u64("12x", 0, 100, "--n", &v), -EINVAL);
	assert_int_equal(fp_parse_u64("", 0, 100, "--n", &v), -EINVAL);
	assert_int_equal(fp_parse_u64(" 1", 0, 100, "--n", &v), -EINVAL);
}

static void test_rate(void **state)
{
	uint64_t v;

	assert_int_equal(fp_parse_rate("10M", "--rate", &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(fp_parse_rate("2.5k", "--rate", &v), 0);
	assert_int_equal(v, 2500);
	assert_int_equal(fp_parse_rate("1", "--rate", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(fp_parse_rate("0", "--rate", &v), -EINVAL);
	assert_int_equal(fp_parse_rate("2G", "--rate", &v), -ERANGE);
	assert_int_equal(fp_parse_rate("fast", "--rate", &v), -EINVAL);
	assert_int_equal(fp_parse_rate("M", "--rate", &v), -EINVAL);
}

static void test_duration(void **state)
{
	uint64_t ns;

	assert_int_equal(fp_parse_duration("5", "--duration", &ns), 0);
	assert_int_equal(ns, 5000000000ULL);
	assert_int_equal(fp_parse_duration("250ms", "--duration", &ns), 0);
	assert_int_equal(ns, 250000000ULL);
	assert_int_equal(fp_parse_duration("1m", "--duration", &ns), 0);
	assert_int_equal(ns, 60000000000ULL);
	assert_int_equal(fp_parse_duration("0", "--duration", &ns), -EINVAL);
	assert_int_equal(fp_parse_duration("1us", "--duration", &ns), -EINVAL);
	assert_int_equal(fp_parse_duration("99999999", "--duration", &ns), -ERANGE);
}

static void test_mac(void **state)
{
	uint8_t mac[6];
	const uint8_t want[6] = { 0x02, 0xfa, 0x00, 0x00, 0x0a, 0xff };

	assert_int_equal(fp_parse_mac("02:fa:00:00:0a:ff", "--dst-mac", mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_int_equal(fp_parse_mac("02:fa:00:00:0a", "--dst-mac", mac), -EINVAL);
	assert_int_equal(fp_parse_mac("02:fa:00:00:0a:ff:01", "--dst-mac", mac), -EINVAL);
	assert_int_equal(fp_parse_mac("zz:fa:00:00:0a:ff", "--dst-mac", mac), -EINVAL);
}

static void test_addr_range(void **state)
{
	struct fp_addr lo, hi;

	assert_int_equal(fp_parse_addr_range("198.18.0.1-198.18.0.9", "--dst-ip", &lo, &hi), 0);
	assert_int_equal(lo.family, AF_INET);
	assert_int_equal(ntohl(hi.v4.s_addr) - ntohl(lo.v4.s_addr), 8);
	assert_int_equal(fp_parse_addr_range("2001:2::1", "--dst-ip", &lo, &hi), 0);
	assert_int_equal(lo.family, AF_INET6);
	assert_memory_equal(&lo.v6, &hi.v6, 16);
	assert_int_equal(fp_parse_addr_range("198.18.0.9-198.18.0.1", "--dst-ip", &lo, &hi), -EINVAL);
	assert_int_equal(fp_parse_addr_range("198.18.0.1-2001:2::1", "--dst-ip", &lo, &hi), -EINVAL);
	assert_int_equal(fp_parse_addr_range("300.1.1.1", "--dst-ip", &lo, &hi), -EINVAL);
}

static void test_port_range(void **state)
{
	uint16_t lo, hi;

	assert_int_equal(fp_parse_port_range("9-19", "--dst-port", &lo, &hi), 0);
	assert_int_equal(lo, 9);
	assert_int_equal(hi, 19);
	assert_int_equal(fp_parse_port_range("0", "--dst-port", &lo, &hi), -ERANGE);
	assert_int_equal(fp_parse_port_range("20-10", "--dst-port", &lo, &hi), -EINVAL);
	assert_int_equal(fp_parse_port_range("65536", "--dst-port", &lo, &hi), -ERANGE);
}

static void test_ifname(void **state)
{
	int idx;

	assert_int_equal(fp_parse_ifname("lo", "--iface", &idx), 0);
	assert_true(idx > 0);
	assert_int_equal(fp_parse_ifname("no-such-if0", "--iface", &idx), -ENODEV);
	assert_int_equal(fp_parse_ifname("waytoolonginterfacename", "--iface", &idx), -EINVAL);
}

static void test_fine_duration(void **state)
{
	uint64_t ns = 0;

	assert_int_equal(fp_fine_duration("0", &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(fp_fine_duration("500ns", &ns), 0);
	assert_int_equal(ns, 500);
	assert_int_equal(fp_fine_duration("100us", &ns), 0);
	assert_int_equal(ns, 100000);
	assert_int_equal(fp_fine_duration("2.5ms", &ns), 0);
	assert_int_equal(ns, 2500000);
	assert_int_equal(fp_fine_duration("1", &ns), 0);
	assert_int_equal(ns, 1000000000);
	assert_int_equal(fp_fine_duration("60s", &ns), 0);
	assert_int_equal(fp_fine_duration("61s", &ns), -ERANGE);
	assert_int_equal(fp_fine_duration("-1us", &ns), -EINVAL);
	assert_int_equal(fp_fine_duration("us", &ns), -EINVAL);
	assert_int_equal(fp_fine_duration("5 ms", &ns), -EINVAL);
	assert_int_equal(fp_fine_duration("5min", &ns), -EINVAL);
	assert_int_equal(fp_parse_fine_duration("x", "--interval", &ns), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_addr_range),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_fine_duration),
	};

	/* The parsers print their one-line errors; keep test output short. */
	fp_log_set_level(FP_LOG_ERROR);
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
