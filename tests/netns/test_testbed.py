# SPDX-License-Identifier: MIT
"""`fastpath testbed`: every topology comes up as its table says (names,
MACs, addresses, routes, sysctls, GRO), carries traffic, and goes away
completely, also after the creator was killed in the middle of `up`."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import FASTPATH, fp, fp_json, fp_namespaces, nsexec, run

# The contract other code relies on: (namespace, role) -> interfaces as
# (name, mac, ipv4, ipv6, peer, peer_ns, master).
TOPOLOGIES = {
    "pair": [
        ("fp-pair-gen", "gen", [
            ("gen0", "02:fa:00:00:00:01", "198.18.0.1/24", "2001:2::1/64", "dut0", "fp-pair-dut", None)]),
        ("fp-pair-dut", "dut", [
            ("dut0", "02:fa:00:00:00:02", "198.18.0.2/24", "2001:2::2/64", "gen0", "fp-pair-gen", None)]),
    ],
    "bridge": [
        ("fp-bridge-gen", "gen", [
            ("gen0", "02:fa:01:00:00:01", "198.18.1.1/24", "2001:2:0:1::1/64", "dut0", "fp-bridge-dut", None)]),
        ("fp-bridge-dut", "dut", [
            ("br0", "02:fa:01:00:00:10", None, None, None, None, None),
            ("dut0", "02:fa:01:00:00:02", None, None, "gen0", "fp-bridge-gen", "br0"),
            ("dut1", "02:fa:01:00:00:03", None, None, "sink0", "fp-bridge-sink", "br0")]),
        ("fp-bridge-sink", "sink", [
            ("sink0", "02:fa:01:00:00:04", "198.18.1.2/24", "2001:2:0:1::2/64", "dut1", "fp-bridge-dut", None)]),
    ],
    "router": [
        ("fp-router-gen", "gen", [
            ("gen0", "02:fa:02:00:00:01", "198.18.2.1/24", "2001:2:0:2::1/64", "dut0", "fp-router-dut", None)]),
        ("fp-router-dut", "dut", [
            ("dut0", "02:fa:02:00:00:02", "198.18.2.254/24", "2001:2:0:2::fe/64", "gen0", "fp-router-gen", None),
            ("dut1", "02:fa:02:00:00:03", "198.18.3.254/24", "2001:2:0:3::fe/64", "sink0", "fp-router-sink", None)]),
        ("fp-router-sink", "sink", [
            ("sink0", "02:fa:02:00:00:04", "198.18.3.1/24", "2001:2:0:3::1/64", "dut1", "fp-router-dut", None)]),
    ],
}
DEFAULT_ROUTES = {
    "fp-router-gen": ("198.18.2.254", "2001:2:0:2::fe", "gen0"),
    "fp-router-sink": ("198.18.3.254", "2001:2:0:3::fe", "sink0"),
}
ALL_MACS = {i[1] for t in TOPOLOGIES.values() for _, _, ifs in t for i in ifs}


@pytest.fixture
def clean():
    """For tests that drive `up`/`down` themselves: nothing before, nothing after."""
    fp("testbed", "down", "--all")
    yield
    fp("testbed", "down", "--all", check=False)
    assert not [n for n in fp_namespaces() if n.split("-")[1] in TOPOLOGIES]


def links(ns):
    return {l["ifname"]: l for l in json.loads(run(["ip", "-n", ns, "-j", "-d", "addr", "show"]).stdout)}


def addrs(link, family):
    return {f'{a["local"]}/{a["prefixlen"]}' for a in link.get("addr_info", [])
            if a["family"] == family and a.get("scope") == "global"}


def root_leftovers():
    """Links in the root namespace that carry a testbed MAC."""
    return [l["ifname"] for l in json.loads(run(["ip", "-j", "link", "show"]).stdout)
            if l.get("address") in ALL_MACS]


def sysctl(ns, key):
    return nsexec(ns, ["sysctl", "-n", key]).stdout.strip()


def gro_on(ns, ifname):
    out = nsexec(ns, ["ethtool", "-k", ifname]).stdout
    return "generic-receive-offload: on" in out


def ping(ns, addr, count=2):
    """Bounded: `count` echoes, at most 2 s each."""
    return nsexec(ns, ["ping", "-c", str(count), "-i", "0.2", "-W", "2", addr],
                  check=False, timeout=15)


def assert_gone(topo):
    assert not [n for n in fp_namespaces() if n.startswith(f"fp-{topo}-")]
    assert not [f for f in os.listdir("/run/netns") if f.startswith(f"fp-{topo}-")]
    assert root_leftovers() == []
    assert fp_json("testbed", "show", topo, "--json")["state"] == "down"


def state_of(topo):
    return {t["topology"]: t["state"] for t in fp_json("testbed", "list", "--json")}[topo]


# --- up / show / down ------------------------------------------------------

@pytest.mark.parametrize("topo", list(TOPOLOGIES))
def test_up_show_down(testbed, topo):
    shown = testbed(topo)
    assert shown["topology"] == topo
    assert shown["up"] is True and shown["state"] == "up"
    assert [(n["name"], n["role"]) for n in shown["namespaces"]] == \
        [(n, r) for n, r, _ in TOPOLOGIES[topo]]
    for (ns, _, ifaces), nshow in zip(TOPOLOGIES[topo], shown["namespaces"]):
        assert nshow["exists"] is True
        live = links(ns)
        assert live["lo"]["operstate"] == "UNKNOWN" and "UP" in live["lo"]["flags"]
        assert sysctl(ns, "net.ipv6.conf.all.accept_dad") == "0"
        assert sysctl(ns, "net.ipv6.conf.default.accept_dad") == "0"
        # Resolution starts cold: no static neighbour entries.
        assert run(["ip", "-n", ns, "neigh", "show", "nud", "permanent"]).stdout.strip() == ""
        for (name, mac, v4, v6, peer, peer_ns, master), ishow in zip(ifaces, nshow["interfaces"]):
            assert (ishow["name"], ishow["mac"], ishow["ipv4"], ishow["ipv6"],
                    ishow["peer"], ishow["peer_ns"]) == (name, mac, v4, v6, peer, peer_ns)
            assert ishow["state"] == "up" and ishow["ifindex"] == live[name]["ifindex"]
            link = live[name]
            assert link["address"] == mac
            assert link["operstate"] == "UP", (ns, name, link["operstate"])
            assert link["ifindex"] == 16 + int(mac[-2:], 16)
            assert addrs(link, "inet") == ({v4} if v4 else set())
            assert addrs(link, "inet6") == ({v6} if v6 else set())
            assert link.get("master") == master
            if peer:
                assert link["linkinfo"]["info_kind"] == "veth"
                assert gro_on(ns, name), f"GRO off on {ns}/{name}"
            else:
                info = link["linkinfo"]["info_data"]
                assert link["linkinfo"]["info_kind"] == "bridge"
                assert info["stp_state"] == 0
                assert info["ageing_time"] == 30000  # the kernel's default, 300 s
    text = fp("testbed", "show", topo).stdout
    assert text.startswith(f"testbed {topo}: up")
    for ns, _, ifaces in TOPOLOGIES[topo]:
        assert ns in text
        for i in ifaces:
            assert i[1] in text
    assert state_of(topo) == "up"

    fp("testbed", "down", topo)
    assert_gone(topo)


def test_router_namespaces_route_and_forward(testbed):
    testbed("router")
    assert sysctl("fp-router-dut", "net.ipv4.ip_forward") == "1"
    assert sysctl("fp-router-dut", "net.ipv6.conf.all.forwarding") == "1"
    for ns, (gw4, gw6, dev) in DEFAULT_ROUTES.items():
        r4 = json.loads(run(["ip", "-n", ns, "-j", "-4", "route", "show", "default"]).stdout)
        r6 = json.loads(run(["ip", "-n", ns, "-j", "-6", "route", "show", "default"]).stdout)
        assert [(r["gateway"], r["dev"]) for r in r4] == [(gw4, dev)]
        assert [(r["gateway"], r["dev"]) for r in r6] == [(gw6, dev)]


def test_show_when_down(clean):
    shown = fp_json("testbed", "show", "router", "--json")
    assert shown["up"] is False and shown["state"] == "down"
    for n in shown["namespaces"]:
        assert n["exists"] is False and n["leftover"] is False
        assert all(i["state"] == "missing" and i["ifindex"] == 0 for i in n["interfaces"])
    assert "does not exist" in fp("testbed", "show", "router").stdout


def test_list(clean):
    listed = fp_json("testbed", "list", "--json")
    assert [t["topology"] for t in listed] == list(TOPOLOGIES)
    assert all(t["state"] == "down" and t["up"] is False for t in listed)
    fp("testbed", "up", "pair")
    assert state_of("pair") == "up" and state_of("router") == "down"
    text = fp("testbed", "list").stdout.splitlines()
    assert [l.split()[:2] for l in text] == [["pair", "up"], ["bridge", "down"], ["router", "down"]]


def test_down_all(clean):
    for t in TOPOLOGIES:
        fp("testbed", "up", t)
    assert len([n for n in fp_namespaces() if n.split("-")[1] in TOPOLOGIES]) == 8
    fp("testbed", "down", "--all")
    for t in TOPOLOGIES:
        assert_gone(t)


# --- traffic ---------------------------------------------------------------

def test_ping_pair(testbed):
    testbed("pair")
    for addr in ("198.18.0.2", "2001:2::2"):
        p = ping("fp-pair-gen", addr)
        assert p.returncode == 0, p.stdout + p.stderr


def test_ping_bridge(testbed):
    testbed("bridge")
    for addr in ("198.18.1.2", "2001:2:0:1::2"):
        p = ping("fp-bridge-gen", addr)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "ttl=64" in p.stdout  # switched, not routed
    # The frames crossed br0: it learned both hosts on the right ports.
    fdb = json.loads(run(["bridge", "-n", "fp-bridge-dut", "-j", "fdb", "show", "br", "br0"]).stdout)
    learned = {(e["mac"], e["ifname"]) for e in fdb if e.get("state") != "permanent"}
    assert ("02:fa:01:00:00:01", "dut0") in learned
    assert ("02:fa:01:00:00:04", "dut1") in learned


def test_ping_router(testbed):
    testbed("router")
    for addr in ("198.18.3.1", "2001:2:0:3::1"):
        p = ping("fp-router-gen", addr)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "ttl=63" in p.stdout  # one routed hop
    # Neighbours were resolved from cold, not preset.
    neigh = json.loads(run(["ip", "-n", "fp-router-gen", "-j", "neigh", "show"]).stdout)
    assert {n["dst"] for n in neigh} >= {"198.18.2.254", "2001:2:0:2::fe"}
    assert not [n for n in neigh if "PERMANENT" in n.get("state", [])]


# --- idempotence, crashes, interruptions -----------------------------------

def test_up_twice_rebuilds(testbed):
    testbed("pair")
    ino = os.stat("/run/netns/fp-pair-gen").st_ino
    p = fp("testbed", "up", "pair")
    assert "already up; removing it and building it again" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert os.stat("/run/netns/fp-pair-gen").st_ino != ino  # a new namespace
    assert state_of("pair") == "up"
    assert ping("fp-pair-gen", "198.18.0.2").returncode == 0


def test_concurrent_ups_serialize(clean):
    procs = [subprocess.Popen([FASTPATH, "testbed", "up", "pair"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    assert state_of("pair") == "up"
    assert ping("fp-pair-gen", "2001:2::2").returncode == 0


def wait_path(path, proc, timeout=5.0):
    end = time.monotonic() + timeout
    while not os.path.exists(path) and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.0001)


# (file whose appearance triggers the kill, extra delay in seconds)
KILL_POINTS = [(None, 0.0), (None, 0.002), (None, 0.005)] + [
    (f"/run/netns/fp-router-{role}", d)
    for role in ("gen", "dut", "sink") for d in (0.0, 0.001, 0.003, 0.006)]


def test_kill9_during_up_then_down(clean):
    states = []
    for i, (trigger, delay) in enumerate(KILL_POINTS):
        p = subprocess.Popen([FASTPATH, "testbed", "up", "router"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if trigger:
            wait_path(trigger, p)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        states.append(state_of("router"))
        if trigger:
            # The kill came after a namespace existed: never reads as down.
            assert states[-1] in ("partial", "up"), (trigger, delay, states[-1])
        if i % 2:
            # `up` over the wreck rebuilds it whole.
            fp("testbed", "up", "router")
            assert state_of("router") == "up"
        fp("testbed", "down", "router")
        assert_gone("router")
    # Some kills landed in the middle (the point of the test).
    assert "partial" in states, states
    fp("testbed", "up", "router")
    assert ping("fp-router-gen", "198.18.3.1").returncode == 0


def test_sigint_during_up_leaves_nothing_half_built(clean):
    for role in ("gen", "sink"):
        p = subprocess.Popen([FASTPATH, "testbed", "up", "router"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        wait_path(f"/run/netns/fp-router-{role}", p)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        if p.returncode == 0:
            assert state_of("router") == "up"   # it had finished
        else:
            assert "interrupted" in err and len(err.strip().splitlines()) == 1, err
            assert_gone("router")
        fp("testbed", "down", "router")


def test_leftover_file_is_cleaned(clean):
    # What a kill between reserving the name and mounting the namespace leaves.
    open("/run/netns/fp-pair-gen", "w").close()
    shown = fp_json("testbed", "show", "pair", "--json")
    assert shown["state"] == "partial"
    assert shown["namespaces"][0]["leftover"] is True
    p = fp("testbed", "up", "pair")
    assert "already partial" in p.stderr
    assert state_of("pair") == "up"
    open("/run/netns/fp-bridge-sink", "w").close()
    fp("testbed", "down", "bridge")
    assert_gone("bridge")


def test_down_removes_stray_veth_with_our_mac_only(clean):
    """`down` deletes a veth left in the caller's namespace only if it has
    the table's name AND MAC.  Checked in a scratch namespace standing in for
    the root one, so the real root namespace is never touched."""
    scratch = "fp-tbtest-scratch"
    run(["ip", "netns", "add", scratch])
    try:
        run(["ip", "-n", scratch, "link", "add", "gen0", "address", "02:fa:00:00:00:01",
             "type", "veth", "peer", "name", "dut0", "address", "02:fa:00:00:00:02"])
        run(["ip", "-n", scratch, "link", "add", "sink0", "type", "veth", "peer", "name", "other0"])
        nsexec(scratch, [FASTPATH, "testbed", "down", "pair"])
        nsexec(scratch, [FASTPATH, "testbed", "down", "bridge"])  # sink0's MAC is not ours
        left = set(links(scratch))
        assert "gen0" not in left and "dut0" not in left
        assert {"sink0", "other0"} <= left
    finally:
        run(["ip", "netns", "del", scratch], check=False)


# --- errors ----------------------------------------------------------------

def test_unknown_topology():
    p = fp("testbed", "up", "nope", check=False)
    assert p.returncode == 1
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown topology 'nope'" in lines[0] and "router" in lines[0]


@pytest.mark.parametrize("args", [["frob", "pair"], ["up"], ["up", "pair", "extra"],
                                  ["down", "--all", "pair"], ["up", "--json", "pair"], []])
def test_usage_errors(args):
    p = fp("testbed", *args, check=False)
    assert p.returncode == 1
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_not_root(clean):
    # A copy anyone may execute, wherever the build directory is.
    d = tempfile.mkdtemp()
    try:
        os.chmod(d, 0o755)
        exe = os.path.join(d, "fastpath")
        shutil.copy(FASTPATH, exe)
        os.chmod(exe, 0o755)
        for action in (["up", "pair"], ["down", "pair"], ["list"]):
            p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                     "--inh-caps=-all", exe, "testbed", *action], check=False)
            assert p.returncode == 1, p
            lines = p.stderr.strip().splitlines()
            assert len(lines) == 1 and "root" in lines[0], p.stderr
    finally:
        shutil.rmtree(d)
    assert state_of("pair") == "down"
