# SPDX-License-Identifier: MIT
"""Shared fixtures for the netns tests.

Every test that builds a topology does it through the `testbed` fixture,
which always tears it down (also when the test fails), and checks that
nothing named fp-* is left behind.  Traffic stays inside the namespaces.
"""
import json
import os
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FASTPATH = os.environ.get("FASTPATH", os.path.join(ROOT, "build", "fastpath"))


def run(cmd, check=True, timeout=60, **kw):
    """Run a command (list or string); return CompletedProcess with text."""
    shell = isinstance(cmd, str)
    p = subprocess.run(cmd, shell=shell, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd!r} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def fp(*args, ns=None, check=True, timeout=60):
    """Run the fastpath binary, optionally inside namespace `ns`."""
    cmd = [FASTPATH, *map(str, args)]
    if ns:
        cmd = ["ip", "netns", "exec", ns, *cmd]
    return run(cmd, check=check, timeout=timeout)


def fp_json(*args, ns=None, timeout=60):
    return json.loads(fp(*args, ns=ns, timeout=timeout).stdout)


def nsexec(ns, cmd, check=True, timeout=60):
    if isinstance(cmd, str):
        return run(f"ip netns exec {ns} {cmd}", check=check, timeout=timeout)
    return run(["ip", "netns", "exec", ns, *cmd], check=check, timeout=timeout)


def spawn(args, ns=None):
    """Start fastpath in the background; the caller must stop it."""
    cmd = [FASTPATH, *map(str, args)]
    if ns:
        cmd = ["ip", "netns", "exec", ns, *cmd]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def fp_namespaces():
    out = run(["ip", "netns", "list"]).stdout
    return sorted(line.split()[0] for line in out.splitlines()
                  if line.startswith("fp-"))


def wait_for(pred, timeout=5.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


@pytest.fixture
def testbed():
    """testbed(topology) brings a topology up; it is torn down afterwards."""
    made = []

    def up(topology):
        fp("testbed", "up", topology)
        made.append(topology)
        return fp_json("testbed", "show", topology, "--json")

    yield up
    for topo in made:
        fp("testbed", "down", topo, check=False)
    leftover = [n for n in fp_namespaces() if any(n.startswith(f"fp-{t}-") for t in made)]
    assert not leftover, f"namespaces left behind: {leftover}"


