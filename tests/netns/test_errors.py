# SPDX-License-Identifier: MIT
"""Bad input across commands: one line on stderr saying what to do, exit non-zero."""
import pytest

from conftest import FASTPATH, fp, nsexec, run

AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "--inh-caps=-all", "--bounding-set=-all"]


def one_line_error(p, *words):
    assert p.returncode != 0, p
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"want one line, got: {p.stderr!r}"
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


@pytest.mark.parametrize("args", [
    ["doctor", "lo"],
    ["testbed", "up", "pair"],
    ["gen", "--iface", "lo", "--dst-ip", "127.0.0.1", "--count", "1"],
    ["sink", "--iface", "lo", "--duration", "1"],
    ["bench", "drop"],
], ids=lambda a: a[0])
def test_not_root(args):
    p = run(AS_NOBODY + [FASTPATH, *args], check=False)
    one_line_error(p, "root")


def test_bpffs_missing(tmp_path):
    # `ip netns exec` remounts /sys without bpffs: exactly the trap users hit.
    ns = "fp-test-errors"
    run(["ip", "netns", "add", ns])
    try:
        p = nsexec(ns, [FASTPATH, "sink", "--iface", "lo", "--pin", "/sys/fs/bpf/fastpath"],
                   check=False)
        one_line_error(p, "bpf", "mount -t bpf bpf /sys/fs/bpf")
    finally:
        run(["ip", "netns", "del", ns])


@pytest.mark.parametrize("args,words", [
    (["no-such-command"], ["unknown command"]),
    (["testbed", "up", "mesh"], ["mesh"]),
    (["bench", "no-such-scenario"], ["unknown scenario"]),
    (["bench", "--runs", "2", "drop"], ["--runs"]),
    (["sink", "--iface", "no-such-if0"], ["no-such-if0"]),
    (["gen", "--iface", "lo", "--dst-ip", "127.0.0.1", "--size", "63"], ["--size"]),
    (["gen", "--iface", "lo", "--dst-ip", "127.0.0.1", "--size", "1515"], ["--size"]),
    (["gen", "--iface", "lo", "--dst-ip", "127.0.0.1", "--rate", "0"], ["--rate"]),
    (["gen", "--iface", "lo", "--dst-ip", "127.0.0.1", "--rate", "5G"], ["--rate"]),
    (["doctor", "no-such-if0"], ["no-such-if0"]),
], ids=lambda a: "-".join(a) if isinstance(a, list) else None)
def test_bad_input(args, words):
    p = fp(*args, check=False)
    one_line_error(p, *words)


@pytest.mark.parametrize("cmd", ["doctor", "testbed", "gen", "sink", "bench"])
def test_help(cmd):
    p = fp(cmd, "--help")
    assert p.stdout.startswith("Usage: fastpath " + cmd), p.stdout
    assert "Examples" in p.stdout
