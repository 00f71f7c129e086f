// SPDX-License-Identifier: MIT
/* Testbed tables: every topology is consistent, and the names, MACs and
 * addresses others rely on are the documented ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fastpath/log.h"
#include "fastpath/testbed.h"

static void test_all_valid(void **state)
{
	const struct fp_topology *t;
	unsigned int i;

	for (i = 0; (t = fp_testbed_get(i)); i++) {
		assert_int_equal(fp_testbed_validate(t), 0);
		assert_ptr_equal(fp_testbed_find(t->name), t);
	}
	assert_int_equal(i, 3);
	assert_null(fp_testbed_find("nope"));
	assert_null(fp_testbed_find(NULL));
}

static void test_validate_rejects(void **state)
{
	static const struct fp_topo_iface a[] = {
		{ .name = "a0", .peer = "b0", .peer_ns = "fp-x-b" },
	};
	static const struct fp_topo_iface b_wrong_peer[] = {
		{ .name = "b0", .peer = "zz", .peer_ns = "fp-x-a" },
	};
	static const struct fp_topo_iface b_ok[] = {
		{ .name = "b0", .peer = "a0", .peer_ns = "fp-x-a",
		  .ipv4 = "198.18.9.1/33" },
	};
	static const struct fp_topo_iface b_lo[] = {
		{ .name = "b0", .peer = "a0", .peer_ns = "fp-x-a", .ifindex = 1 },
	};
	struct fp_topo_ns ns[2] = {
		{ .name = "fp-x-a", .role = "a", .ifaces = a, .n_ifaces = 1 },
		{ .name = "fp-x-b", .role = "b", .ifaces = b_wrong_peer,
		  .n_ifaces = 1 },
	};
	struct fp_topology t = { .name = "x", .ns = ns, .n_ns = 2 };

	assert_int_equal(fp_testbed_validate(&t), -EINVAL);
	ns[1].ifaces = b_ok;	/* peers fine, but a /33 */
	assert_int_equal(fp_testbed_validate(&t), -EINVAL);
	ns[1].ifaces = b_lo;	/* lo's ifindex */
	assert_int_equal(fp_testbed_validate(&t), -EINVAL);
	t.n_ns = 1;		/* peer namespace missing */
	assert_int_equal(fp_testbed_validate(&t), -EINVAL);
}

static void test_router_contract(void **state)
{
	static const uint8_t gen_mac[6] = { 0x02, 0xfa, 0x02, 0, 0, 0x01 };
	const struct fp_topology *t = fp_testbed_find("router");
	const struct fp_topo_ns *gen, *dut;
	const struct fp_topo_iface *ifc;

	assert_non_null(t);
	gen = fp_testbed_ns(t, "gen");
	dut = fp_testbed_ns(t, "dut");
	assert_non_null(gen);
	assert_non_null(dut);
	assert_null(fp_testbed_ns(t, "nope"));
	assert_string_equal(gen->name, "fp-router-gen");
	ifc = fp_testbed_iface(gen, "gen0");
	assert_non_null(ifc);
	assert_memory_equal(ifc->mac, gen_mac, 6);
	assert_int_equal(ifc->ifindex, 17);
	assert_string_equal(ifc->ipv4, "198.18.2.1/24");
	assert_string_equal(ifc->ipv6, "2001:2:0:2::1/64");
	assert_string_equal(ifc->peer_ns, "fp-router-dut");
	assert_non_null(fp_testbed_iface(dut, "dut1"));
	assert_null(fp_testbed_iface(dut, "gen0"));
	assert_int_equal(gen->n_routes, 2);
	assert_string_equal(gen->routes[0].via, "198.18.2.254");
}

static void test_bridge_contract(void **state)
{
	const struct fp_topology *t = fp_testbed_find("bridge");
	const struct fp_topo_ns *dut = fp_testbed_ns(t, "dut");
	const struct fp_topo_iface *br = fp_testbed_iface(dut, "br0");

	assert_non_null(br);
	assert_int_equal(br->kind, FP_TOPO_BRIDGE);
	assert_int_equal(br->mac[5], 0x10);
	assert_null(br->ipv4);
	assert_string_equal(fp_testbed_iface(dut, "dut0")->master, "br0");
	assert_string_equal(fp_testbed_iface(dut, "dut1")->master, "br0");
}

static void test_addr(void **state)
{
	struct fp_addr a;
	unsigned int plen;
	struct in_addr v4;

	assert_int_equal(fp_testbed_addr("198.18.0.1/24", &a, &plen), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(plen, 24);
	inet_pton(AF_INET, "198.18.0.1", &v4);
	assert_memory_equal(&a.v4, &v4, 4);
	assert_int_equal(fp_testbed_addr("2001:2::1/64", &a, &plen), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(plen, 64);
	assert_int_equal(fp_testbed_addr("198.18.0.1", &a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(fp_testbed_addr("198.18.0.1/33", &a, &plen), -EINVAL);
	assert_int_equal(fp_testbed_addr("198.18.0.1/", &a, &plen), -EINVAL);
	assert_int_equal(fp_testbed_addr("2001:2::1/129", &a, &plen), -EINVAL);
	assert_int_equal(fp_testbed_addr("default", &a, &plen), -EINVAL);
	assert_int_equal(fp_testbed_addr(NULL, &a, &plen), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_valid),
		cmocka_unit_test(test_validate_rejects),
		cmocka_unit_test(test_router_contract),
		cmocka_unit_test(test_bridge_contract),
		cmocka_unit_test(test_addr),
	};

	/* The rejections print their one-line errors; keep the rest quiet. */
	fp_log_set_level(FP_LOG_ERROR);
	return cmocka_run_group_tests_name("testbed", tests, NULL, NULL);
}
