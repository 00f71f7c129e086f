# SPDX-License-Identifier: MIT
"""`fastpath bench` end to end, with short windows.

Nothing here asserts a rate (benchmarks are not tests): the checks are that
every variant measured something in every run, that the report's medians and
ratios follow from its runs, and that the bench leaves nothing behind: no
nftables table, no XDP program, no testbed it brought up, also when it is
interrupted.
"""
import json
import signal
import statistics
import time

from conftest import fp, fp_namespaces, nsexec, run, spawn, wait_for

SHORT = ["--window", "300ms", "--warmup", "100ms"]

def nft_tables(ns):
    return nsexec(ns, "nft list tables").stdout

def test_list_names_every_variant():
    out = fp("bench", "list").stdout
    for name in ("gen", "drop", "gen-alone", "linux-nft", "fastpath-xdp"):
        assert name in out

def test_drop_report_follows_from_runs(tmp_path):
    assert not [n for n in fp_namespaces() if n.startswith("fp-pair-")]
    out = fp("bench", *SHORT, "--out", tmp_path, "drop", timeout=120).stdout
    assert "fastpath-xdp" in out and "wrote" in out
    rep = json.loads((tmp_path / "drop.json").read_text())
    assert rep["scenario"] == "drop"
    assert rep["config"]["runs"] == 3 and rep["config"]["frame_size"] == 64
    by = {v["name"]: v for v in rep["variants"]}
    assert set(by) == {"gen-alone", "linux-nft", "fastpath-xdp"}
    for v in by.values():
        assert len(v["runs_pps"]) == 3
        assert all(r > 0 for r in v["runs_pps"]), v
        assert abs(v["median_pps"] - statistics.median(v["runs_pps"])) <= 1
        assert abs(v["ns_per_pkt"] - 1e9 / v["median_pps"]) < 0.01
    assert by["linux-nft"]["ratio_to_baseline"] == 1.0
    want = by["fastpath-xdp"]["median_pps"] / by["linux-nft"]["median_pps"]
    assert abs(by["fastpath-xdp"]["ratio_to_baseline"] - want) < 1e-3
    # The bench brought the testbed up, so it took it down.
    assert not [n for n in fp_namespaces() if n.startswith("fp-pair-")]

def test_existing_testbed_is_kept_and_clean(testbed, tmp_path):
    testbed("pair")
    fp("bench", *SHORT, "--no-json", "drop", timeout=120)
    assert "fp-pair-dut" in fp_namespaces()
    assert "fp_bench" not in nft_tables("fp-pair-dut")
    link = nsexec("fp-pair-dut", "ip link show dut0").stdout
    assert "xdp" not in link
    gro = nsexec("fp-pair-dut", "ethtool -k dut0").stdout
    assert "generic-receive-offload: on" in gro

def test_interrupt_removes_what_it_set_up(testbed):
    testbed("pair")
    p = spawn(["bench", "--window", "30s", "--warmup", "100ms", "--no-json", "drop"])
    # Wait until the first variant is being measured, then interrupt.
    time.sleep(2.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 1, (out, err)
    assert "interrupted" in err
    assert "fp_bench" not in nft_tables("fp-pair-dut")
    assert "xdp" not in nsexec("fp-pair-dut", "ip link show dut0").stdout
    gro = nsexec("fp-pair-dut", "ethtool -k dut0").stdout
    assert "generic-receive-offload: on" in gro

def test_bad_options_fail_with_one_line():
    for args, word in ((["--runs", "2", "drop"], "--runs"),
                       (["--window", "10ms", "drop"], "--window"),
                       (["--size", "9000", "drop"], "--size"),
                       (["nosuch"], "unknown scenario"),
                       ([], "name a scenario")):
        p = fp("bench", *args, check=False)
        assert p.returncode == 1
        assert word in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
