# SPDX-License-Identifier: MIT
"""`fastpath ping` against `fastpath reflect` on the pair testbed.

The reflector runs in fp-pair-dut on dut0 and the pinger in fp-pair-gen on
gen0: AF_XDP in each wait mode, and the kernel-socket baseline.  Every
count is bounded (a few hundred packets, a timeout on every process);
timings are never asserted, the machine is shared.
"""
import json
import signal
import subprocess
import time

import pytest

from conftest import fp, run, spawn, wait_for

GEN, DUT = "fp-pair-gen", "fp-pair-dut"
DST = "198.18.0.2"
FIELDS = ["mode", "config", "sent", "received", "lost", "dup", "min_ns",
          "mean_ns", "std_ns", "q1_ns", "p50_ns", "q3_ns", "p90_ns",
          "p99_ns", "p999_ns", "max_ns", "hist"]


def has_xdp(ns, dev):
    out = run(["ip", "netns", "exec", ns, "ip", "-d", "link", "show", "dev", dev]).stdout
    return "prog/xdp" in out


def start_reflector(*args):
    """Reflector in the dut namespace, ready once its program is attached."""
    p = spawn(["reflect", *args, "--duration", "60"], ns=DUT)
    if "--socket" in args:
        ok = wait_for(lambda: "7000" in run(
            ["ip", "netns", "exec", DUT, "ss", "-uln"]).stdout, timeout=10)
    else:
        ok = wait_for(lambda: has_xdp(DUT, "dut0"), timeout=10)
    if not ok:
        p.kill()
        out, err = p.communicate()
        pytest.fail(f"reflector did not start: {err}")
    return p


def stop(p):
    """SIGINT, as a user would; returns (rc, stdout, stderr)."""
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        pytest.fail(f"reflector did not stop on SIGINT: {err}")
    return p.returncode, out, err


def ping(*args, check_rc=(0,), timeout=60):
    r = fp("ping", "--dst-ip", DST, "--json", "--quiet", *args, ns=GEN,
           check=False, timeout=timeout)
    assert r.returncode in check_rc, r.stderr
    return json.loads(r.stdout)


def check_complete(j, count):
    for k in FIELDS:
        assert k in j, k
    assert j["sent"] == count
    assert j["received"] == count
    assert j["lost"] == 0
    assert j["dup"] == 0
    assert 0 < j["min_ns"] <= j["q1_ns"] <= j["p50_ns"] <= j["q3_ns"] <= j["max_ns"]
    assert j["p50_ns"] <= j["p90_ns"] <= j["p99_ns"] <= j["p999_ns"] <= j["max_ns"]
    assert j["min_ns"] <= j["mean_ns"] <= j["max_ns"]
    assert sum(n for _, n in j["hist"]) == count
    lows = [lo for lo, _ in j["hist"]]
    assert lows == sorted(lows)


@pytest.mark.parametrize("wait", ["spin", "poll", "busypoll"])
def test_afxdp_every_reply_matched(testbed, wait):
    testbed("pair")
    r = start_reflector("--iface", "dut0", "--wait", wait)
    try:
        j = ping("--iface", "gen0", "--count", 300, "--batch", 4,
                 "--wait", wait, "--timeout", "500ms")
    finally:
        rc, out, err = stop(r)
    assert rc == 0, err
    check_complete(j, 300)
    assert j["mode"] == "afxdp"
    c = j["config"]
    assert c["wait"] == wait and c["batch"] == 4 and c["count"] == 300
    assert not has_xdp(DUT, "dut0")
    assert not has_xdp(GEN, "gen0")


def test_afxdp_knobs_and_csv(testbed, tmp_path):
    testbed("pair")
    r = start_reflector("--iface", "dut0", "--no-need-wakeup", "--batch", 1,
                        "--rx-size", 512, "--tx-size", 512, "--cpu", 1)
    csv = tmp_path / "samples.csv"
    try:
        j = ping("--iface", "gen0", "--count", 200, "--interval", "200us",
                 "--size", 128, "--no-need-wakeup", "--fill-size", 1024,
                 "--frame-size", 4096, "--cpu", 0, "--csv", csv)
    finally:
        stop(r)
    check_complete(j, 200)
    c = j["config"]
    assert c["need_wakeup"] is False and c["size"] == 128
    assert c["interval_ns"] == 200000 and c["frame_size"] == 4096
    lines = csv.read_text().split()
    assert lines[0] == "seq,rtt_ns" and len(lines) == 201
    assert all(l.split(",")[1] for l in lines[1:])


def test_socket_mode(testbed):
    testbed("pair")
    r = start_reflector("--socket", "--port", 7000)
    try:
        j = ping("--socket", "--count", 300, "--batch", 2, "--timeout", "500ms")
    finally:
        rc, out, err = stop(r)
    assert rc == 0, err
    check_complete(j, 300)
    assert j["mode"] == "socket"
    assert "reflected 300" in out


def test_socket_ping_to_afxdp_reflector(testbed):
    """The swap keeps checksums valid: the kernel accepts the replies.

    veth hands a locally sent UDP datagram over with CHECKSUM_PARTIAL (the
    field holds only the pseudo-header sum) and the AF_XDP copy keeps it
    that way, so the reflected frame would fail the check on the way back:
    the sender computes full checksums here (tx checksum offload off)."""
    testbed("pair")
    run(["ip", "netns", "exec", GEN, "ethtool", "-K", "gen0", "tx", "off"])
    r = start_reflector("--iface", "dut0")
    try:
        j = ping("--socket", "--count", 100, "--timeout", "200ms")
    finally:
        stop(r)
    check_complete(j, 100)


@pytest.mark.parametrize("mode", ["afxdp", "socket"])
def test_reflector_stopped_mid_run_counts_lost(testbed, mode):
    testbed("pair")
    args = ["--iface", "dut0"] if mode == "afxdp" else ["--socket"]
    r = start_reflector(*args)
    extra = ["--iface", "gen0"] if mode == "afxdp" else ["--socket"]
    p = spawn(["ping", "--dst-ip", DST, "--json", "--quiet", *extra,
               "--count", 300, "--interval", "10ms", "--timeout", "50ms"], ns=GEN)
    try:
        time.sleep(1.0)
        stop(r)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 3, err
    j = json.loads(out)
    assert j["sent"] == 300
    assert 0 < j["received"] < 300
    assert j["lost"] == 300 - j["received"] > 0
    assert j["dup"] == 0


def test_sigint_leaves_no_program(testbed):
    testbed("pair")
    r = start_reflector("--iface", "dut0", "--wait", "busypoll")
    rc, out, err = stop(r)
    assert rc == 0, err
    assert "reflected" in out
    assert not has_xdp(DUT, "dut0")
    # busypoll tuned dut0's NAPI settings: restored on the way out.
    napi = run(["ip", "netns", "exec", DUT, "cat",
                "/sys/class/net/dut0/napi_defer_hard_irqs"], check=False)
    if napi.returncode == 0:
        assert napi.stdout.strip() == "0"


@pytest.mark.parametrize("cmd,args,what", [
    ("ping", ["--iface", "lo", "--count", 1], "--dst-ip"),
    ("ping", ["--iface", "lo", "--dst-ip", DST], "--count"),
    ("ping", ["--dst-ip", DST, "--count", 1], "--iface"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 0], "--count"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--wait", "nap"], "--wait"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--batch", 0], "--batch"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--batch", 300], "--batch"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--size", 20], "--size"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--size", 4000], "--size"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--bind", "fast"], "--bind"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--rx-size", 1000], "--rx-size"),
    ("ping", ["--iface", "nope0", "--dst-ip", DST, "--count", 1], "--iface"),
    ("ping", ["--iface", "lo", "--dst-ip", "not-an-ip", "--count", 1], "--dst-ip"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--dst-mac", "xx"], "--dst-mac"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--timeout", "0"], "--timeout"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--interval", "2x"], "--interval"),
    ("ping", ["--iface", "lo", "--dst-ip", DST, "--count", 1, "--interval", "61s"], "--interval"),
    ("ping", ["--iface", "lo", "--dst-ip", "2001:2::1", "--count", 1], "IPv4"),
    ("reflect", [], "--iface"),
    ("reflect", ["--iface", "lo", "--wait", "nap"], "--wait"),
    ("reflect", ["--socket", "--port", 0], "--port"),
    ("reflect", ["--iface", "lo", "--cpu", 999], "--cpu"),
    ("reflect", ["--iface", "lo", "stray"], "stray"),
])
def test_bad_options_one_line(cmd, args, what):
    """Refused while parsing, before anything is attached: loopback in the
    test's own namespace is enough."""
    r = fp(cmd, *args, check=False, timeout=20)
    assert r.returncode == 1, r.stderr
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    assert what in lines[0], lines[0]
    assert "prog/xdp" not in run(["ip", "-d", "link", "show", "dev", "lo"]).stdout
