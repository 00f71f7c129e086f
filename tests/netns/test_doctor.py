# SPDX-License-Identifier: MIT
"""`fastpath doctor` in a namespace made by the test: table, JSON, exit status,
refusal to touch an interface in use, and one-line errors for bad input."""
import json
import os
import subprocess

import pytest

from conftest import FASTPATH, fp, nsexec, run

MACHINE_KEYS = ["kernel", "bpf", "btf", "jit", "bpffs", "fib_lookup", "ct_kfuncs",
                "tail_calls", "freplace", "live_frames", "bpf_loop", "ringbuf"]
IFACE_KEYS = ["driver", "queues", "xdp_features", "xdp_attached", "xdp_native",
              "xdp_generic", "xsk_copy", "xsk_zerocopy", "need_wakeup", "busy_poll"]
ITEM_FIELDS = {"label", "status", "detail", "required", "cost"}

# A foreign XDP program, attached with `ip` as another tool would.
# Self-contained (no kernel headers): a foreign program from "someone else".
FOREIGN_PROG = r"""
struct xdp_md;
__attribute__((section("xdp"), used)) int fp_test_pass(struct xdp_md *ctx)
{
	return 2; /* XDP_PASS */
}
char _license[] __attribute__((section("license"), used)) = "GPL";
"""


@pytest.fixture
def ns():
    """Namespace with a veth pair (dA, dB) up and an ifb (dI, no native XDP)."""
    name = f"fp-test-doctor-{os.getpid()}"
    run(["ip", "netns", "add", name])
    try:
        nsexec(name, "ip link set lo up")
        nsexec(name, "ip link add dA type veth peer name dB")
        nsexec(name, "ip link add dI type ifb")
        for dev in ("dA", "dB", "dI"):
            nsexec(name, f"ip link set {dev} up")
        yield name
    finally:
        run(["ip", "netns", "del", name], check=False)


@pytest.fixture
def foreign_obj(tmp_path):
    src = tmp_path / "foreign.bpf.c"
    src.write_text(FOREIGN_PROG)
    obj = tmp_path / "foreign.bpf.o"
    run(["clang", "-O2", "-target", "bpf", "-c", str(src), "-o", str(obj)])
    return str(obj)


def doctor(ns, *args, check=False):
    return fp("doctor", *args, ns=ns, check=check)


def doctor_json(ns, *args):
    p = doctor(ns, "--json", *args)
    return p, json.loads(p.stdout)


def xdp_lines(ns):
    out = nsexec(ns, "ip -d link show").stdout
    return [line.strip() for line in out.splitlines() if "prog/xdp" in line]


def test_table_probes_up_interfaces_and_explains_costs(ns):
    p = doctor(ns)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    # Every interface that is up, except lo.
    for dev in ("dA", "dB", "dI"):
        assert f"Interface {dev} (ifindex " in out
    assert "Interface lo" not in out
    # A "no" is followed by what it costs.
    lines = out.splitlines()
    zc = [i for i, line in enumerate(lines) if line.strip().startswith("AF_XDP zero-copy")]
    assert len(zc) == 3
    for i in zc:
        assert lines[i].split()[2] == "no"  # veth and ifb: copy mode only
        assert "costs: AF_XDP runs in copy mode (one copy per packet)" in lines[i + 1]
    assert lines[-1] == "fastpath can run here."
    assert p.stderr == ""


def test_json_is_stable_and_complete(ns):
    p, d = doctor_json(ns, "dA", "dI")
    assert p.returncode == 0, p.stderr
    assert d["version"] == 1
    assert list(d["machine"]) == MACHINE_KEYS
    assert list(d["interfaces"]) == ["dA", "dI"]
    for items in [d["machine"]] + [i["items"] for i in d["interfaces"].values()]:
        for key, item in items.items():
            assert set(item) == ITEM_FIELDS, key
            assert item["status"] in ("yes", "no", "n/a"), key
            # Exactly the "no" rows carry a cost (when one is known).
            if item["cost"] is not None:
                assert item["status"] == "no", key

    m = d["machine"]
    assert m["kernel"]["detail"] == os.uname().release
    for key in ("bpf", "btf", "live_frames"):
        assert m[key]["required"] and m[key]["status"] == "yes", key
    for key in ("jit", "fib_lookup", "tail_calls", "bpf_loop", "ringbuf", "ct_kfuncs"):
        assert m[key]["status"] == "yes", (key, m[key]["detail"])
    # This project's machines refuse extensions; hooks then use tail calls.
    assert m["freplace"]["status"] == "no"
    assert m["freplace"]["cost"] == "hooks use tail calls instead (no cost)"
    assert "Operation not permitted" in m["freplace"]["detail"]
    # `ip netns exec` remounts /sys without bpffs.
    assert m["bpffs"]["status"] == "no"

    veth = d["interfaces"]["dA"]
    assert veth["ifindex"] == int(nsexec(ns, "cat /sys/class/net/dA/ifindex").stdout)
    v = veth["items"]
    assert list(v) == IFACE_KEYS
    assert v["driver"]["detail"] == "veth"
    assert v["queues"]["status"] == "yes" and v["queues"]["detail"].startswith("rx 1, tx 1")
    assert "basic" in v["xdp_features"]["detail"].split()
    assert v["xdp_attached"]["status"] == "no"
    assert v["xdp_native"]["status"] == "yes"
    assert v["xdp_generic"]["status"] == "yes"
    assert v["xsk_copy"]["status"] == "yes"
    assert v["xsk_zerocopy"]["status"] == "no"
    assert v["need_wakeup"]["status"] == "yes"
    assert v["busy_poll"]["status"] == "yes"

    i = d["interfaces"]["dI"]["items"]
    assert i["driver"]["detail"] == "ifb"
    assert i["xdp_features"]["detail"] == "none"
    assert i["xdp_native"]["status"] == "no"
    assert i["xdp_native"]["cost"].startswith("XDP runs in generic mode")
    assert i["xdp_generic"]["status"] == "yes"

    assert d["core_ok"] is True and d["missing"] == []
    # The probes leave nothing behind.
    assert xdp_lines(ns) == []


def test_interface_in_use_is_reported_not_touched(ns, foreign_obj):
    nsexec(ns, f"ip link set dev dB xdpgeneric obj {foreign_obj} sec xdp")
    before = xdp_lines(ns)
    assert len(before) == 1 and "name fp_test_pass" in before[0]
    p, d = doctor_json(ns, "dB")
    assert p.returncode == 0, p.stderr
    items = d["interfaces"]["dB"]["items"]
    assert items["xdp_attached"]["status"] == "yes"
    assert items["xdp_attached"]["detail"].startswith("fp_test_pass (id ")
    assert "generic mode" in items["xdp_attached"]["detail"]
    assert items["xdp_generic"]["status"] == "yes"
    assert items["xdp_generic"]["detail"] == "in use by fp_test_pass"
    assert items["xdp_native"]["status"] == "n/a"
    assert items["xdp_native"]["detail"].startswith("not probed: in use by fp_test_pass")
    # Same program, same id, still attached.
    assert xdp_lines(ns) == before


def test_missing_required_item_exits_1_and_says_which(ns, foreign_obj):
    # An XDP program on an upper device (bridge) blocks XDP on its ports.
    nsexec(ns, "ip link add dBr type bridge")
    nsexec(ns, "ip link set dA master dBr")
    nsexec(ns, f"ip link set dev dBr xdpgeneric obj {foreign_obj} sec xdp")
    p, d = doctor_json(ns, "dA")
    assert p.returncode == 1
    items = d["interfaces"]["dA"]["items"]
    assert items["xdp_native"]["status"] == "no"
    assert items["xdp_generic"]["status"] == "no"
    assert "upper device" in items["xdp_generic"]["detail"]
    assert d["core_ok"] is False
    assert d["missing"] == ["dA: XDP (native or generic)"]
    err = p.stderr.strip().splitlines()
    assert err == ["fastpath: doctor: fastpath cannot run here: dA: XDP (native or generic) is missing"]

    t = doctor(ns, "dA")
    assert t.returncode == 1
    assert t.stderr.strip().splitlines() == err


def test_unknown_interface_is_one_line_and_exit_1(ns):
    p = doctor(ns, "dA", "nope0")
    assert p.returncode == 1
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no interface 'nope0' in this network namespace" in lines[0]


def test_bad_option_is_one_line_and_exit_1(ns):
    p = doctor(ns, "--jsn")
    assert p.returncode == 1
    assert len(p.stderr.strip().splitlines()) == 1
    assert "see 'fastpath doctor --help'" in p.stderr


def test_help_lists_options_and_default(ns):
    p = doctor(ns, "--help")
    assert p.returncode == 0
    assert "--json" in p.stdout
    assert "every interface that is up, except\nlo" in p.stdout


def test_needs_root(ns):
    cmd = ["ip", "netns", "exec", ns, "setpriv", "--reuid=65534", "--regid=65534",
           "--clear-groups", "--inh-caps=-all", FASTPATH, "doctor", "dA"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "needs CAP_NET_ADMIN and CAP_BPF" in lines[0]
