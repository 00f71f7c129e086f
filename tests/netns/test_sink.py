# SPDX-License-Identifier: MIT
"""`fastpath sink` on a veth in namespaces made here.

Frames are crafted with scapy (payloads in the format of
include/fastpath/payload.h, built here independently of the C code) and
sent with a raw AF_PACKET socket from the peer namespace, so every count
below is exact.  IPv6 is disabled on both namespaces so Linux sends
nothing of its own (router solicitations, MLD) during a test, and static
neighbour entries keep ARP off the wire.
"""
import json
import os
import signal
import struct
import subprocess
import time

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from conftest import fp, run, spawn, wait_for

RX_NS = f"fp-test-sink-rx-{os.getpid()}"
TX_NS = f"fp-test-sink-tx-{os.getpid()}"
RX_IF = "fpsink0"
TX_IF = "fpsink1"
RX_MAC = "02:fa:0e:00:00:02"
TX_MAC = "02:fa:0e:00:00:01"
MAGIC = 0xFA57

SENDER = r"""
import socket, sys
frames = [bytes.fromhex(l) for l in sys.stdin.read().split()]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for f in frames:
    s.send(f)
"""


def csum_words(data):
    """Unfolded big-endian 16-bit word sum (odd byte padded)."""
    if len(data) % 2:
        data += b"\0"
    return sum(struct.unpack(f"!{len(data) // 2}H", data))


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def payload(stream, seq, length):
    """payload.h: magic, stream, seq, csum, then byte i = i & 0xff."""
    assert length >= 10
    pattern = bytes(i & 0xFF for i in range(length - 10))
    head = struct.pack("!HHI", MAGIC, stream, seq)
    csum = ~fold(csum_words(head) + csum_words(pattern)) & 0xFFFF
    data = head + struct.pack("!H", csum) + pattern
    assert fold(csum_words(data)) == 0xFFFF
    return data


def frame(stream, seq, size=64, v6=False, tcp=False, vlan=None):
    """An Ethernet frame of exactly `size` bytes carrying the payload."""
    eth = Ether(src=TX_MAC, dst=RX_MAC)
    if vlan is not None:
        eth = eth / Dot1Q(vlan=vlan)
    l3 = (IPv6(src="2001:2::1", dst="2001:2::2") if v6
          else IP(src="198.18.0.1", dst="198.18.0.2"))
    l4 = TCP(sport=1024, dport=9, flags="A") if tcp else UDP(sport=1024, dport=9)
    hdr = eth / l3 / l4
    n = size - len(hdr)
    return bytes(hdr / Raw(payload(stream, seq, n)))


def send(frames):
    """Send raw frames, in order, from the peer namespace (one CPU)."""
    data = "\n".join(f.hex() for f in frames)
    run(["ip", "netns", "exec", TX_NS, "taskset", "-c", "0",
         "/usr/bin/python3",
         "-c", SENDER, TX_IF], input=data)


def xdp_attached():
    out = run(["ip", "-n", RX_NS, "link", "show", "dev", RX_IF]).stdout
    return "prog/xdp" in out


@pytest.fixture
def veth():
    """Two namespaces joined by a veth pair; removed even on failure."""
    def cleanup():
        for ns in (RX_NS, TX_NS):
            run(["ip", "netns", "del", ns], check=False)

    cleanup()
    try:
        for ns in (RX_NS, TX_NS):
            run(["ip", "netns", "add", ns])
            for key in ("all", "default"):
                run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                     f"net.ipv6.conf.{key}.disable_ipv6=1"])
        run(["ip", "link", "add", RX_IF, "netns", RX_NS, "address", RX_MAC,
             "type", "veth", "peer", "name", TX_IF, "netns", TX_NS,
             "address", TX_MAC])
        run(["ip", "-n", RX_NS, "addr", "add", "198.18.0.2/24", "dev", RX_IF])
        run(["ip", "-n", TX_NS, "addr", "add", "198.18.0.1/24", "dev", TX_IF])
        # Static neighbours: with --pass Linux answers (ICMP port
        # unreachable) and must not ARP, whose reply would be counted.
        run(["ip", "-n", RX_NS, "neigh", "add", "198.18.0.1", "lladdr",
             TX_MAC, "dev", RX_IF, "nud", "permanent"])
        run(["ip", "-n", TX_NS, "neigh", "add", "198.18.0.2", "lladdr",
             RX_MAC, "dev", TX_IF, "nud", "permanent"])
        run(["ip", "-n", RX_NS, "link", "set", RX_IF, "up"])
        run(["ip", "-n", TX_NS, "link", "set", TX_IF, "up"])
        yield
    finally:
        cleanup()
    out = run(["ip", "netns", "list"]).stdout
    assert RX_NS not in out and TX_NS not in out


class Sink:
    """A sink running in RX_NS; always stopped (SIGTERM) at the end."""

    def __init__(self, *args):
        self.p = spawn(["sink", "--iface", RX_IF, *args], ns=RX_NS)
        if not wait_for(lambda: xdp_attached() or self.p.poll() is not None,
                        timeout=10):
            self.stop()
            raise AssertionError("sink did not attach within 10 s")
        if self.p.poll() is not None:
            out, err = self.p.communicate()
            raise AssertionError(f"sink exited {self.p.returncode}: {err}")

    def wait(self, timeout=15):
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        return self.p.returncode, out, err

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.communicate()


def sink_json(frames, *args, expect_rc=0):
    """Run a sink until it has seen all `frames`; return its JSON."""
    s = Sink("--count", len(frames), "--duration", "20", "--json", *args)
    try:
        send(frames)
        rc, out, err = s.wait()
    finally:
        s.stop()
    assert rc == expect_rc, f"rc {rc}\nstdout:{out}\nstderr:{err}"
    res = json.loads(out)
    assert res["stopped_by"] == "count", res
    assert not xdp_attached()
    return res


def udp_no_ports():
    out = run(["ip", "netns", "exec", RX_NS, "cat", "/proc/net/snmp"]).stdout
    lines = [l.split() for l in out.splitlines() if l.startswith("Udp:")]
    return int(lines[1][lines[0].index("NoPorts")])


# --- counting -----------------------------------------------------------------

def test_counts_exactly(veth):
    sizes = [60, 64, 65, 128, 511, 1000, 1514]
    frames = [frame(1, i, size=sizes[i % len(sizes)]) for i in range(700)]
    res = sink_json(frames)
    assert res["packets"] == 700
    assert res["bytes"] == sum(len(f) for f in frames)
    assert res["check"] is False and "lost" not in res
    assert res["action"] == "drop"
    assert res["xdp_mode"] == "native"


def test_drop_hides_from_linux_pass_does_not(veth):
    frames = [frame(1, i) for i in range(50)]
    before = udp_no_ports()
    sink_json(frames)
    assert udp_no_ports() == before
    res = sink_json(frames, "--pass")
    assert res["action"] == "pass" and res["packets"] == 50
    # Linux got them: UDP to a closed port.
    assert udp_no_ports() == before + 50


def test_generic_mode(veth):
    res = sink_json([frame(1, i) for i in range(20)], "--xdp-mode", "generic")
    assert res["xdp_mode"] == "generic" and res["packets"] == 20


# --- checking -----------------------------------------------------------------

def mixed_stream(n):
    """Streams 1..4 over IPv4/IPv6, UDP/TCP, VLAN, odd and even sizes."""
    kinds = [dict(), dict(v6=True), dict(tcp=True), dict(v6=True, tcp=True),
             dict(vlan=7)]
    seqs = {}
    out = []
    for i in range(n):
        stream = 1 + i % 4
        seq = seqs.get(stream, 1000 * stream)
        seqs[stream] = seq + 1
        k = kinds[i % len(kinds)]
        size = 90 + (i * 37) % 1400
        out.append((stream, seq, size, k))
    return out


def test_check_clean(veth):
    frames = [frame(st, seq, size, **k) for st, seq, size, k in mixed_stream(600)]
    res = sink_json(frames, "--check")
    assert res["packets"] == 600
    assert res["checked"] == 600 and res["received"] == 600
    assert res["unchecked"] == 0 and res["streams"] == 4
    for key in ("lost", "dup", "reordered", "too_old", "corrupted"):
        assert res[key] == 0, key
    assert res["clean"] is True


def test_check_catches_problems(veth):
    seqs = list(range(5000, 5300))
    # loss: 3 single packets and a run of 4
    for s in (5010, 5020, 5030, 5100, 5101, 5102, 5103):
        seqs.remove(s)
    # duplicates: 2 right away, 1 forty packets later
    seqs.insert(seqs.index(5050) + 1, 5050)
    seqs.insert(seqs.index(5060) + 1, 5060)
    seqs.insert(seqs.index(5110) + 40, 5110)
    # reordering inside the window: 2 adjacent swaps
    for s in (5200, 5250):
        i = seqs.index(s)
        seqs[i], seqs[i + 1] = seqs[i + 1], seqs[i]
    # one packet 100 behind: beyond the 64-packet window ("too old")
    i = seqs.index(5150)
    seqs.insert(i + 100, seqs.pop(i))
    frames = [frame(9, s, size=64 + s % 50) for s in seqs]
    # corruption: 2 packets with a flipped payload byte (their seq is
    # then never received, so each also counts as lost)
    for s in (5070, 5280):
        i = seqs.index(s)
        b = bytearray(frames[i])
        b[-3] ^= 0x20
        frames[i] = bytes(b)
    # and some frames that cannot be checked: no magic, and ARP
    nomagic = bytearray(frame(9, 1))
    nomagic[42] = 0
    arp = bytes(Ether(src=TX_MAC, dst="ff:ff:ff:ff:ff:ff", type=0x0806) / Raw(b"\0" * 46))
    frames += [bytes(nomagic), arp]

    res = sink_json(frames, "--check", expect_rc=3)
    assert res["packets"] == len(frames)
    assert res["unchecked"] == 2
    assert res["checked"] == len(frames) - 2
    assert res["corrupted"] == 2
    assert res["dup"] == 3
    # 2 swaps + 1 too old; the too-old packet's gap stays counted lost
    assert res["reordered"] == 3 and res["too_old"] == 1
    assert res["lost"] == 7 + 2 + 1
    assert res["streams"] == 1
    assert res["clean"] is False


def test_check_text_output(veth):
    s = Sink("--check", "--count", "3", "--duration", "20")
    try:
        send([frame(2, 0), frame(2, 2), frame(2, 3)])
        rc, out, err = s.wait()
    finally:
        s.stop()
    assert rc == 3
    assert "total: 3 packets" in out
    assert "3 checked, 0 unchecked, 1 stream: 1 lost, 0 duplicated" in out


# --- life cycle and errors ------------------------------------------------------

def test_sigint_detaches(veth):
    s = Sink("--check")
    try:
        send([frame(1, i) for i in range(10)])
        time.sleep(0.2)
        s.p.send_signal(signal.SIGINT)
        rc, out, err = s.wait(timeout=10)
    finally:
        s.stop()
    assert rc == 0, err
    assert "total: 10 packets" in out
    assert not xdp_attached()


def test_duration_stops(veth):
    t0 = time.monotonic()
    res = json.loads(fp("sink", "--iface", RX_IF, "--duration", "1200ms",
                        "--json", "--quiet", ns=RX_NS).stdout)
    took = time.monotonic() - t0
    assert res["stopped_by"] == "duration"
    assert 1.2 <= res["elapsed_s"] < 1.5 and took < 5
    assert res["packets"] == 0
    assert not xdp_attached()


def test_refuses_busy_interface(veth):
    s = Sink()
    try:
        p = fp("sink", "--iface", RX_IF, "--count", "1", ns=RX_NS, check=False)
        assert p.returncode == 1
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert "fp_sink" in p.stderr and "--force" in p.stderr
        assert xdp_attached()  # the first sink's program is untouched
    finally:
        s.stop()
    assert not xdp_attached()


@pytest.mark.parametrize("args, words", [
    (["--iface", "fp-nosuch0"], "no interface"),
    (["--iface", "lo", "--count", "0"], "--count"),
    (["--iface", "lo", "--duration", "nonsense"], "--duration"),
    (["--iface", "lo", "--xdp-mode", "fast"], "--xdp-mode"),
    (["--count", "5"], "--iface is required"),
    (["--iface", "lo", "extra"], "unexpected argument"),
])
def test_bad_input(args, words):
    p = fp("sink", *args, check=False)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], p.stderr
    assert p.stdout == ""


def test_help():
    p = fp("sink", "--help")
    assert "--check" in p.stdout and "Exit status" in p.stdout
