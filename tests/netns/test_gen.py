# SPDX-License-Identifier: MIT
"""`fastpath gen` in the pair testbed (fp-pair-gen gen0 <-> fp-pair-dut dut0).

What arrives on dut0 is counted by an nftables counter on dut0's ingress
hook that matches only the generator's frames (so ARP/ND and IPv6 noise do
not count), and a raw AF_PACKET capture checks frames byte by byte with
scapy.  Every run is bounded by --count or --duration and a timeout.
"""
import json
import signal
import struct
import subprocess
import time

import pytest

from conftest import FASTPATH, fp, fp_namespaces, nsexec, run

GEN_NS, DUT_NS = "fp-pair-gen", "fp-pair-dut"
GEN_MAC, DUT_MAC = "02:fa:00:00:00:01", "02:fa:00:00:00:02"
DUT4, DUT6 = "198.18.0.2", "2001:2::2"
MAGIC = 0xFA57


@pytest.fixture(scope="module")
def pair():
    """The pair testbed for the whole module; always torn down."""
    fp("testbed", "up", "pair")
    # Workaround: `testbed up` sets GRO on dut0 while dut0 is down, and
    # this kernel then never marks gen0 as able to transmit XDP frames
    # (xdp-features lacks ndo-xmit; gen would fall back to AF_XDP).
    # Setting GRO again with the link up does it.  Reported to the
    # testbed's owner; harmless once fixed.
    nsexec(DUT_NS, "ethtool -K dut0 gro off")
    nsexec(DUT_NS, "ethtool -K dut0 gro on")
    try:
        yield
    finally:
        fp("testbed", "down", "pair", check=False)
        left = [n for n in fp_namespaces() if n.startswith("fp-pair-")]
        assert not left, f"namespaces left behind: {left}"


@pytest.fixture
def counter(pair):
    """nft counters on dut0 ingress: counter('udp4') -> packets so far."""
    rules = {
        # The payload magic: the datagram that triggers ARP/ND is not ours.
        "udp4": "ip saddr 198.18.0.1 udp dport 9 @th,64,16 0xfa57",
        "tcp6": "ip6 saddr 2001:2::1 tcp dport 9 @th,160,16 0xfa57",
        "udp4_ports": "ip saddr 198.18.0.1 udp dport 7000-7003 @th,64,16 0xfa57",
    }
    body = "\n".join(f"counter {name} {{}}" for name in rules)
    chain = "\n".join(f"{m} counter name {name}" for name, m in rules.items())
    nft = (f"table netdev fpgen {{\n{body}\n"
           f"chain in {{ type filter hook ingress device \"dut0\" priority 0; policy accept;\n"
           f"{chain}\n}}\n}}\n")
    nsexec(DUT_NS, "nft delete table netdev fpgen", check=False)
    run(["ip", "netns", "exec", DUT_NS, "nft", "-f", "-"], input=nft)

    def read(name):
        out = nsexec(DUT_NS, f"nft -j list counter netdev fpgen {name}").stdout
        for item in json.loads(out)["nftables"]:
            if "counter" in item:
                return item["counter"]["packets"]
        raise AssertionError(f"no counter {name} in {out}")

    yield read
    nsexec(DUT_NS, "nft delete table netdev fpgen", check=False)


def gen(*args, check=True, timeout=60):
    return fp("gen", "--iface", "gen0", *args, ns=GEN_NS, check=check,
              timeout=timeout)


def gen_json(*args, timeout=60):
    return json.loads(gen(*args, "--json", timeout=timeout).stdout)


def test_count_exact_ipv4_udp(counter):
    before = counter("udp4")
    out = gen_json("--dst-ip", DUT4, "--count", "200000")
    assert out["engine"] == "live"
    assert out["packets"] == 200000
    assert out["bytes"] == 200000 * 64
    assert counter("udp4") - before == 200000


def test_count_exact_ipv6_tcp_large(counter):
    before = counter("tcp6")
    out = gen_json("--dst-ip", DUT6, "--proto", "tcp", "--size", "1514",
                   "--count", "30001")
    assert out["packets"] == 30001 and out["size"] == 1514
    assert counter("tcp6") - before == 30001


def test_threads_split_count_exactly(pair):
    # Both CPUs send; the quotas add up to --count exactly.  (Delivery
    # is not checked: dut0 has one RX queue, which two CPUs overrun.)
    out = gen_json("--dst-ip", DUT4, "--cpus", "0,1", "--count", "100001")
    assert out["threads"] == 2 and out["cpus"] == [0, 1]
    assert out["packets"] == 100001


def test_rate_pacing(counter):
    before = counter("udp4")
    out = gen_json("--dst-ip", DUT4, "--rate", "20k", "--duration", "2",
                   timeout=30)
    # The rate holds within 2 % over the sending time; the count is the
    # rate times that time (2 s minus the few ms the first call needs).
    assert abs(out["pps"] - 20000) / 20000 < 0.02, out
    assert 1.9 < out["elapsed_s"] <= 2.01, out
    assert 38000 <= out["packets"] <= 40100, out
    assert counter("udp4") - before == out["packets"]


def test_low_rate_with_count(counter):
    before = counter("udp4")
    t0 = time.monotonic()
    out = gen_json("--dst-ip", DUT4, "--rate", "200", "--count", "100",
                   timeout=30)
    took = time.monotonic() - t0
    assert out["packets"] == 100
    assert 0.45 < out["elapsed_s"] < 0.6, out      # 100 frames at 200/s
    assert took < 5
    assert counter("udp4") - before == 100


def capture(count, timeout=15):
    """Start a raw capture of UDP/TCP frames to port range on dut0."""
    script = r"""
import socket, sys, time, binascii
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("dut0", 0))
s.settimeout(0.2)
print("ready", flush=True)
want, end, got = int(sys.argv[1]), time.monotonic() + float(sys.argv[2]), 0
while got < want and time.monotonic() < end:
    try:
        f, addr = s.recvfrom(4096)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING or f[6:12] != bytes.fromhex("02fa00000001"):
        continue
    if f[12:14] not in (b"\x08\x00", b"\x86\xdd"):
        continue
    print(binascii.hexlify(f).decode(), flush=True)
    got += 1
"""
    p = subprocess.Popen(["ip", "netns", "exec", DUT_NS, "/usr/bin/python3",
                          "-c", script, str(count), str(timeout)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def test_frames_on_the_wire(pair):
    """Headers, flows, checksums and payload as the sink will see them."""
    from scapy.all import Ether, IP, UDP

    cap = capture(8)
    out = gen_json("--dst-ip", DUT4, "--dst-port", "7000-7003", "--src-port",
                   "5000", "--count", "8", "--rate", "100", "--size", "100",
                   "--cpus", "1")
    assert out["flows"] == 4 and out["packets"] == 8
    frames, err = cap.communicate(timeout=20)
    frames = [bytes.fromhex(line) for line in frames.split()]
    assert len(frames) == 8, err
    for i, raw in enumerate(frames):
        assert len(raw) == 100
        pkt = Ether(raw)
        assert pkt.src == GEN_MAC and pkt.dst == DUT_MAC   # resolved by ARP
        assert pkt[IP].src == "198.18.0.1" and pkt[IP].dst == DUT4
        assert pkt[IP].ttl == 64 and pkt[IP].len == 86
        assert pkt[UDP].sport == 5000
        assert pkt[UDP].dport == 7000 + i % 4                # flow = seq % 4
        # Checksums: scapy recomputes them from scratch.
        again = Ether(raw)
        del again[IP].chksum, again[UDP].chksum
        again = Ether(bytes(again))
        assert again[IP].chksum == pkt[IP].chksum
        assert again[UDP].chksum == pkt[UDP].chksum
        payload = bytes(pkt[UDP].payload)
        magic, stream, seq, _ = struct.unpack("!HHIH", payload[:10])
        assert magic == MAGIC and stream == 1                # CPU 1
        if i:
            assert seq == prev + 1
        prev = seq
        assert payload[10:] == bytes(range(len(payload) - 10))
        words = struct.unpack(f"!{len(payload) // 2}H", payload)
        total = sum(words)
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        assert total == 0xFFFF


def test_flows_reach_every_port(counter):
    before = counter("udp4_ports")
    out = gen_json("--dst-ip", DUT4, "--dst-port", "7000-7003", "--count",
                   "4000")
    assert out["flows"] == 4
    assert counter("udp4_ports") - before == 4000


def test_afxdp_engine(counter):
    before = counter("udp4")
    p = gen("--dst-ip", DUT4, "--engine", "afxdp", "--count", "20000",
            "--json")
    out = json.loads(p.stdout)
    assert out["engine"] == "afxdp" and out["packets"] == 20000
    assert "copy mode" in p.stderr          # veth: the fallback is announced
    assert counter("udp4") - before == 20000


def test_warns_when_frames_cannot_leave(counter):
    """With neither GRO nor XDP on dut0, gen0 has no ndo_xdp_xmit: the run
    still works (it measures the generator alone) but says so."""
    before = counter("udp4")
    nsexec(DUT_NS, "ethtool -K dut0 gro off")
    try:
        p = gen("--dst-ip", DUT4, "--count", "1000", "--json")
    finally:
        nsexec(DUT_NS, "ethtool -K dut0 gro on")
    assert json.loads(p.stdout)["packets"] == 1000
    assert "cannot transmit XDP frames" in p.stderr
    assert "GRO on" in p.stderr            # what to do, on veth
    assert counter("udp4") == before


def test_sigint_stops_cleanly(counter):
    before = counter("udp4")
    cmd = ["ip", "netns", "exec", GEN_NS, FASTPATH, "gen", "--iface", "gen0",
           "--dst-ip", DUT4, "--json"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    res = json.loads(out)
    assert res["packets"] > 0 and 1.0 < res["elapsed_s"] < 3
    assert counter("udp4") - before == res["packets"]


def one_line_error(args, pattern, ns=GEN_NS):
    p = fp("gen", *args, ns=ns, check=False, timeout=30)
    assert p.returncode == 1, (p.stdout, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("fastpath: ")
    assert pattern in lines[0], lines[0]
    assert p.stdout == ""


@pytest.mark.parametrize("args,pattern", [
    (["--iface", "nosuch0", "--dst-ip", DUT4], "no interface 'nosuch0'"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--size", "63"], "--size"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--size", "1515"], "--size"),
    (["--iface", "gen0", "--dst-ip", DUT6, "--size", "64", "--proto", "tcp"],
     "too small for IPv6/TCP"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--rate", "0"], "--rate"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--rate", "5G"], "--rate"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--rate", "fast"], "--rate"),
    (["--iface", "gen0", "--dst-ip", DUT6, "--src-ip", "198.18.0.1"],
     "IPv4 but --dst-ip is IPv6"),
    (["--iface", "gen0", "--dst-ip", "198.18.0.99"],
     "cannot resolve the MAC address of 198.18.0.99"),
    (["--iface", "gen0"], "--dst-ip"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--count", "0"], "--count"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--cpus", "0,0"], "twice"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--flows", "2"],
     "exceeds the 1 distinct"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--engine", "dpdk"], "--engine"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--duration", "soon"], "--duration"),
    (["--iface", "gen0", "--dst-ip", DUT4, "--engine", "afxdp", "--threads", "2"],
     "one TX queue per thread"),
])
def test_bad_input(pair, args, pattern):
    one_line_error(args, pattern)


def test_size_above_mtu(pair):
    # Not below 1280: IPv6 would drop gen0's addresses for good.
    nsexec(GEN_NS, "ip link set gen0 mtu 1300")
    try:
        one_line_error(["--iface", "gen0", "--dst-ip", DUT4, "--size", "1315"],
                       "does not fit the MTU 1300 of gen0")
        out = gen_json("--dst-ip", DUT4, "--size", "1314", "--count", "10")
        assert out["packets"] == 10
    finally:
        nsexec(GEN_NS, "ip link set gen0 mtu 1500")


def test_unresolvable_mac_is_quick(pair):
    t0 = time.monotonic()
    one_line_error(["--iface", "gen0", "--dst-ip", "2001:2::99"],
                   "give --dst-mac")
    assert time.monotonic() - t0 < 5
