# SPDX-License-Identifier: MIT
"""Send frames on an interface and capture what comes back (run it inside
a namespace with `ip netns exec NS /usr/bin/python3 pkt_exchange.py`).

stdin: JSON {"iface": "gen0", "frames": ["hex", ...], "expect": N,
             "timeout": S, "gap_us": U}
stdout: JSON {"received": ["hex", ...]} -- incoming UDP/TCP frames only (not
our own transmissions, not the kernel's chatter), in arrival order, stopping at `expect` frames or after
`timeout` seconds of silence, whichever comes first.  Bounded in count and
time, as every traffic loop of the tests.
"""
import json
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40


def with_vlan(data, ancdata):
    """The kernel strips a received VLAN tag into auxdata: put it back, so
    the frame is compared as it was on the wire."""
    for level, kind, cdata in ancdata:
        if level != SOL_PACKET or kind != PACKET_AUXDATA or len(cdata) < 20:
            continue
        status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", cdata[:20])
        if status & TP_STATUS_VLAN_VALID:
            if not status & TP_STATUS_VLAN_TPID_VALID:
                tpid = 0x8100
            return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


def is_udp_tcp(frame):
    """Only frames the tests send count: UDP or TCP over IPv4 or IPv6 (the
    kernel's own chatter, neighbour discovery say, must not use up the
    expected count)."""
    off, proto = 12, None
    while len(frame) >= off + 2:
        etype = struct.unpack("!H", frame[off:off + 2])[0]
        if etype in (0x8100, 0x88A8):
            off += 4
            continue
        if etype == 0x0800 and len(frame) > off + 11:
            proto = frame[off + 2 + 9]
        elif etype == 0x86DD and len(frame) > off + 8:
            proto = frame[off + 2 + 6]
        break
    return proto in (6, 17)


def main():
    req = json.load(sys.stdin)
    iface = req["iface"]
    frames = [bytes.fromhex(f) for f in req["frames"]]
    expect = int(req.get("expect", len(frames)))
    timeout = float(req.get("timeout", 2.0))
    gap = float(req.get("gap_us", 0)) / 1e6
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    got = []

    def drain(wait):
        end = time.monotonic() + wait
        while len(got) < expect:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return
            data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(64))
            if addr[2] == PACKET_OUTGOING:
                continue
            frame = with_vlan(data, anc)
            if is_udp_tcp(frame):
                got.append(frame.hex())
            end = time.monotonic() + wait

    for f in frames:
        s.send(f)
        if gap:
            time.sleep(gap)
        drain(0)
    drain(timeout)
    json.dump({"received": got}, sys.stdout)


if __name__ == "__main__":
    main()
