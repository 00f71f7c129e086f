# SPDX-License-Identifier: MIT
"""End to end: `fastpath gen` into `fastpath sink --check` across the pair testbed.

The sink is our instrument for "nothing lost": at a paced rate every packet the
generator sends must arrive exactly once, in order, with an intact payload.
"""
import json
import signal

import pytest

from conftest import fp_json, run, spawn, wait_for

GEN_NS, DUT_NS = "fp-pair-gen", "fp-pair-dut"


def xdp_attached(ns, ifname):
    out = run(["ip", "-n", ns, "-d", "link", "show", ifname]).stdout
    return "prog/xdp" in out


def start_sink(*extra):
    p = spawn(["sink", "--iface", "dut0", "--check", "--pass", "--json", "--quiet",
               "--duration", "60", *extra], ns=DUT_NS)
    if not wait_for(lambda: xdp_attached(DUT_NS, "dut0") or p.poll() is not None, 10):
        p.kill()
        pytest.fail("sink did not attach within 10 s")
    if p.poll() is not None:
        pytest.fail(f"sink exited early: {p.stderr.read()}")
    return p


def stop_sink(p):
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=15)
    assert p.returncode in (0, 3), err
    assert not xdp_attached(DUT_NS, "dut0"), "sink left its XDP program behind"
    return json.loads(out)


@pytest.mark.parametrize("args,streams", [
    (["--dst-ip", "198.18.0.2"], 1),
    (["--dst-ip", "198.18.0.2", "--size", "1514", "--flows", "64",
      "--src-port", "1000-1063"], 1),
    (["--dst-ip", "2001:2::2", "--size", "128", "--proto", "tcp"], 1),
    (["--dst-ip", "198.18.0.2", "--threads", "2", "--cpus", "0,1"], 2),
], ids=["ipv4-udp-64", "ipv4-udp-1514-flows", "ipv6-tcp-128", "two-threads"])
def test_paced_count_arrives_exactly(testbed, args, streams):
    testbed("pair")
    count = 100000
    sink = start_sink()
    try:
        gen = fp_json("gen", "--iface", "gen0", "--count", count, "--rate", "100k",
                      "--json", *args, ns=GEN_NS, timeout=60)
    finally:
        # Let the last frames land before the sink stops counting.
        wait_for(lambda: False, 0.3)
        res = stop_sink(sink)
    assert gen["packets"] == count
    assert res["checked"] == count, res
    assert res["streams"] == streams, res
    for k in ("lost", "dup", "reordered", "corrupted"):
        assert res[k] == 0, (k, res)
    assert res["clean"] is True


def test_flat_out_count_is_exact_at_the_generator(testbed):
    """Unpaced, the generator still stops at exactly --count."""
    testbed("pair")
    sink = start_sink()
    try:
        gen = fp_json("gen", "--iface", "gen0", "--dst-ip", "198.18.0.2",
                      "--count", 1000000, "--json", ns=GEN_NS, timeout=60)
    finally:
        wait_for(lambda: False, 0.3)
        res = stop_sink(sink)
    assert gen["packets"] == 1000000
    # Whatever arrived must be intact and in order; with one CPU doing
    # generator and sink in turn, nothing is lost either.
    assert res["corrupted"] == 0 and res["dup"] == 0 and res["reordered"] == 0
    assert res["checked"] == 1000000, res
