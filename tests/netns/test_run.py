# SPDX-License-Identifier: MIT
"""`fastpath run` in every I/O mode on the pair testbed, with real frames.

Frames are built with scapy, sent from the generator namespace with an
AF_PACKET socket (pkt_exchange.py) and what comes back is compared byte for
byte with what the NF must produce, computed here independently (scapy
recomputes checksums).  The same expectations hold in every mode: the NF
code is written once.  Each `fastpath run` is stopped with SIGINT and must
leave no XDP program and no control socket behind.
"""
import json
import os
import signal
import subprocess
import time

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from conftest import FASTPATH, fp, nsexec, run, spawn, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
GEN_NS, DUT_NS = "fp-pair-gen", "fp-pair-dut"
GEN_MAC, DUT_MAC = "02:fa:00:00:00:01", "02:fa:00:00:00:02"
GEN_IP, DUT_IP = "198.18.0.1", "198.18.0.2"
GEN_IP6, DUT_IP6 = "2001:2::1", "2001:2::2"
MODES = ["xdp", "xdp-sk", "afxdp", "afxdp-busypoll", "afxdp-poll", "hybrid",
         "hybrid-queue"]
# veth has one queue (0): queue 1 in XDP means every frame goes to user space.
MODE_ARGS = {"hybrid-queue": ["--xdp-queues", "1"]}


def xdp_on(ns, iface):
    return "xdp" in nsexec(ns, f"ip link show {iface}").stdout


class Run:
    """A `fastpath run` in the DUT namespace; stopped with SIGINT."""

    def __init__(self, chain, mode, *extra):
        args = ["run", chain, "-i", "dut0", "--mode", mode, "--quiet",
                *MODE_ARGS.get(mode, []), *extra]
        self.p = spawn(args, ns=DUT_NS)
        ok = wait_for(lambda: self.p.poll() is not None or
                      self.ctl("help", check=False).returncode == 0, timeout=10)
        if self.p.poll() is not None or not ok:
            out, err = self.stop()
            raise AssertionError(f"fastpath run did not come up:\n{out}\n{err}")

    def ctl(self, *words, check=True):
        return fp("ctl", "dut0", *words, ns=DUT_NS, check=check)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        try:
            out, err = self.p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
        return out, err


@pytest.fixture
def pair(testbed):
    """The pair testbed, with an XDP program passing everything on gen0.

    veth quirk: frames a native XDP program sends back with XDP_TX are
    queued on the peer and its NAPI is kicked only if the peer has an XDP
    program of its own; otherwise they wait for the peer's next packet.
    (Frames sent with ndo_xdp_xmit, as the generator's, are flushed
    anyway.)  `fastpath sink --pass` is such a program, and counts."""
    testbed("pair")
    sink = spawn(["sink", "-i", "gen0", "--pass", "--quiet"], ns=GEN_NS)
    assert wait_for(lambda: xdp_on(GEN_NS, "gen0"), timeout=5)
    yield
    sink.send_signal(signal.SIGINT)
    sink.communicate(timeout=10)
    assert not xdp_on(DUT_NS, "dut0")


@pytest.fixture
def running():
    runs = []

    def start(chain, mode, *extra):
        r = Run(chain, mode, *extra)
        runs.append(r)
        return r

    yield start
    for r in runs:
        out, err = r.stop()
        assert r.p.returncode == 0, (out, err)
    assert not xdp_on(DUT_NS, "dut0")
    assert not os.path.exists("/run/fastpath/dut0.sock")


def exchange(frames, expect, timeout=1.5):
    req = {"iface": "gen0", "frames": [bytes(f).hex() for f in frames],
           "expect": expect, "timeout": timeout, "gap_us": 200}
    p = subprocess.run(["ip", "netns", "exec", GEN_NS, "/usr/bin/python3",
                        os.path.join(HERE, "pkt_exchange.py")],
                       input=json.dumps(req), capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    got = [bytes.fromhex(h) for h in json.loads(p.stdout)["received"]]
    # Only the frames the tests send come back: UDP/TCP, IPv4 or IPv6.
    keep = []
    for g in got:
        e = Ether(g)
        if (IP in e or IPv6 in e) and (UDP in e or TCP in e):
            keep.append(g)
    return keep


def udp4(sport=1000, dport=9, src=GEN_IP, dst=DUT_IP, payload=b"x" * 18,
         vlan=None):
    e = Ether(src=GEN_MAC, dst=DUT_MAC)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan)
    return e / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)


def tcp6(sport=1000, dport=80, src=GEN_IP6, dst=DUT_IP6):
    return (Ether(src=GEN_MAC, dst=DUT_MAC) / IPv6(src=src, dst=dst) /
            TCP(sport=sport, dport=dport, flags="A") / Raw(b"y" * 20))


def swapped(f):
    b = bytearray(bytes(f))
    b[0:6], b[6:12] = bytes(f)[6:12], bytes(f)[0:6]
    return bytes(b)


@pytest.mark.parametrize("mode", MODES)
def test_macswap_reflects_every_frame(pair, running, mode):
    running("macswap", mode)
    frames = [udp4(sport=1000 + i, payload=bytes([i]) * 20) for i in range(40)]
    frames += [tcp6(sport=2000 + i) for i in range(20)]
    frames += [udp4(sport=3000 + i, vlan=7) for i in range(10)]
    got = exchange(frames, expect=len(frames))
    assert sorted(got) == sorted(swapped(f) for f in frames)


RULES_FW = """\
firewall policy accept
firewall rule add 1 drop udp 198.18.0.1:1001 198.18.0.2:9
firewall rule add 2 drop src 198.18.0.0/24
firewall rule add 3 accept udp 198.18.0.1:1002 198.18.0.2:9
firewall rule add 4 drop dst 2001:2::2/128
"""


@pytest.mark.parametrize("mode", MODES)
def test_firewall_same_verdicts_in_every_mode(pair, running, tmp_path, mode):
    rules = tmp_path / "fw.rules"
    rules.write_text(RULES_FW)
    r = running("firewall,macswap", mode, "--rules", rules)
    # 1002 is accepted by an exact rule inside the dropped /24; 1001 and
    # the rest of the /24 are dropped; IPv6 to 2001:2::2 is dropped; a
    # source outside the /24 is accepted by the default policy.
    frames = {
        "exact-drop": udp4(sport=1001),
        "exact-accept": udp4(sport=1002),
        "prefix-drop": udp4(sport=1003),
        "default": udp4(sport=1004, src="198.18.1.1"),
        "v6-drop": tcp6(),
        "vlan-exact-accept": udp4(sport=1002, vlan=3),
    }
    sent = list(frames.values()) * 5
    got = exchange(sent, expect=15, timeout=1.5)
    want = [swapped(frames[k]) for k in ("exact-accept", "default",
                                          "vlan-exact-accept")] * 5
    assert sorted(got) == sorted(want)
    listing = r.ctl("firewall", "rule", "list").stdout
    # Hits counted once per packet, whatever world ran the rule.
    # Lines are rules-file lines with their hits: "firewall rule add 1 ...
    # # hits 5", so a listing loads again with --rules.
    hits = {}
    for line in listing.splitlines():
        words = line.split()
        if words[:3] == ["firewall", "rule", "add"] and "hits" in words:
            hits[int(words[3])] = int(words[-1])
    assert hits == {1: 5, 2: 5, 3: 10, 4: 5}, listing


def lb_rules(proto="udp"):
    return (f"lb service add 198.18.0.100:80/{proto}\n"
            f"lb backend add 198.18.0.100:80/{proto} 198.18.1.1:8080 02:fa:00:00:01:01\n"
            f"lb backend add 198.18.0.100:80/{proto} 198.18.1.2:8080 02:fa:00:00:01:02\n")


BACKENDS = {"198.18.1.1": "02:fa:00:00:01:01", "198.18.1.2": "02:fa:00:00:01:02"}


@pytest.mark.parametrize("mode", MODES)
def test_lb_balances_and_rewrites(pair, running, tmp_path, mode):
    rules = tmp_path / "lb.rules"
    rules.write_text(lb_rules())
    r = running("lb", mode, "--rules", rules)
    flows = [udp4(sport=5000 + i, dst="198.18.0.100", dport=80,
                  payload=bytes([i]) * 24) for i in range(32)]
    got = exchange(flows + flows, expect=64)
    assert len(got) == 64, r.ctl("stats").stdout
    chosen = {}
    for g in got:
        e = Ether(g)
        assert e[IP].dst in BACKENDS and e[UDP].dport == 8080
        assert e.dst == BACKENDS[e[IP].dst] and e.src == DUT_MAC
        # Checksums as a fresh computation gives them.
        ref = Ether(g)
        del ref[IP].chksum
        del ref[UDP].chksum
        assert bytes(Ether(bytes(ref))) == g
        # A flow sticks to its backend.
        assert chosen.setdefault(e[UDP].sport, e[IP].dst) == e[IP].dst
    assert set(chosen.values()) == set(BACKENDS)
    # The backend's reply leaves from the VIP, to the client's MAC.
    be = list(chosen.items())[0]
    reply = (Ether(src=BACKENDS[be[1]], dst=DUT_MAC) /
             IP(src=be[1], dst=GEN_IP) / UDP(sport=8080, dport=be[0]) /
             Raw(b"r" * 10))
    got = exchange([reply], expect=1)
    assert len(got) == 1
    e = Ether(got[0])
    assert (e[IP].src, e[UDP].sport, e.dst) == ("198.18.0.100", 80, GEN_MAC)


@pytest.mark.parametrize("mode", MODES)
def test_live_rule_applies_within_100ms(pair, running, mode):
    r = running("firewall,macswap", mode)
    probe = udp4(sport=1111)
    assert len(exchange([probe] * 3, expect=3, timeout=0.5)) == 3
    r.ctl("firewall", "rule", "add", "9", "drop", "udp",
          "198.18.0.1:1111", "198.18.0.2:9")
    time.sleep(0.1)
    assert exchange([probe] * 3, expect=3, timeout=0.3) == []
    r.ctl("firewall", "rule", "del", "9")
    time.sleep(0.1)
    assert len(exchange([probe] * 3, expect=3, timeout=0.5)) == 3


@pytest.mark.parametrize("mode", MODES)
def test_backend_change_never_half_applied(pair, running, tmp_path, mode):
    """Flip a backend's address, port and MAC while traffic flows: every
    frame out carries one backend's triple, never a mix."""
    rules = tmp_path / "lb.rules"
    rules.write_text("lb service add 198.18.0.100:80/udp\n"
                     "lb backend add 198.18.0.100:80/udp 198.18.1.1:8080 02:fa:00:00:01:01\n")
    r = running("lb", mode, "--rules", rules)
    flows = [udp4(sport=6000 + i, dst="198.18.0.100", dport=80)
             for i in range(400)]
    p = subprocess.Popen(["ip", "netns", "exec", GEN_NS, "/usr/bin/python3",
                          os.path.join(HERE, "pkt_exchange.py")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdin.write(json.dumps({"iface": "gen0", "expect": 400, "timeout": 1.5,
                              "gap_us": 2000,
                              "frames": [bytes(f).hex() for f in flows]}))
    p.stdin.close()
    flips = 0
    while p.poll() is None and flips < 40:
        # New sessions go to the new backend; both triples are valid.
        r.ctl("lb", "backend", "del", "198.18.0.100:80/udp", "198.18.1.1:8080")
        r.ctl("lb", "backend", "add", "198.18.0.100:80/udp", "198.18.1.2:9090",
              "02:fa:00:00:01:02")
        r.ctl("lb", "backend", "del", "198.18.0.100:80/udp", "198.18.1.2:9090")
        r.ctl("lb", "backend", "add", "198.18.0.100:80/udp", "198.18.1.1:8080",
              "02:fa:00:00:01:01")
        flips += 1
    out = json.loads(p.stdout.read())["received"]
    p.wait(timeout=30)
    valid = {("198.18.1.1", 8080, "02:fa:00:00:01:01"),
             ("198.18.1.2", 9090, "02:fa:00:00:01:02")}
    n = 0
    for h in out:
        e = Ether(bytes.fromhex(h))
        if UDP not in e:
            continue
        n += 1
        assert (e[IP].dst, e[UDP].dport, e.dst) in valid
    assert n > 0 and flips > 0


def test_errors_are_one_line(pair):
    for args, word in ((["run", "nosuch", "-i", "dut0"], "unknown NF"),
                       (["run", "firewall", "-i", "dut0", "--mode", "fast"], "--mode"),
                       (["run", "firewall", "-i", "dut0", "--mode", "hybrid-queue"],
                        "--xdp-queues"),
                       (["run", "firewall", "-i", "nosuch0"], "nosuch0"),
                       (["run", "firewall", "-i", "dut0", "--batch", "0"], "--batch"),
                       (["run", "firewall", "-i", "dut0", "--table-size", "nope=5"],
                        "nope"),
                       (["ctl", "dut0", "help"], "cannot reach")):
        p = fp(*args, ns=DUT_NS, check=False)
        assert p.returncode == 1, (args, p.stderr)
        assert word in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not xdp_on(DUT_NS, "dut0")


def test_rules_file_error_names_the_line(pair, tmp_path):
    rules = tmp_path / "bad.rules"
    rules.write_text("firewall policy drop\nfirewall rule add x drop src 1.2.3.0/24\n")
    p = fp("run", "firewall", "-i", "dut0", "--rules", rules, ns=DUT_NS, check=False)
    assert p.returncode == 1
    assert f"{rules}:2:" in p.stderr
    assert not xdp_on(DUT_NS, "dut0")


def test_foreign_program_is_refused(pair):
    p = spawn(["sink", "-i", "dut0", "--quiet"], ns=DUT_NS)
    try:
        assert wait_for(lambda: xdp_on(DUT_NS, "dut0"), timeout=5)
        r = fp("run", "firewall", "-i", "dut0", ns=DUT_NS, check=False)
        assert r.returncode == 1 and "--force" in r.stderr
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=10)
