# SPDX-License-Identifier: MIT
"""`fastpath sweep`: clustering, ranking and the SVG from a sweep.json
(--from-json, no traffic), grid errors, and a tiny end-to-end grid on the
pair testbed when `fastpath ping` is built."""
import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import FASTPATH, fp, fp_namespaces, nsexec, run

SVG = "{http://www.w3.org/2000/svg}"


def config(wait, wakeup, base, i, ok=True):
    """A synthetic configuration around latency `base` ns."""
    c = {"params": {"wait": wait, "need_wakeup": wakeup}, "ok": ok,
         "error": "" if ok else "ping failed: no reply"}
    if ok:
        m = base + 30 * i
        c.update({"sent": 500, "received": 500, "lost": 0,
                  "min_ns": m * 0.7, "mean_ns": m, "std_ns": base * 0.1,
                  "q1_ns": m * 0.9, "p50_ns": m * 0.98, "q3_ns": m * 1.1,
                  "p90_ns": m * 1.3, "p99_ns": m * 1.8, "p999_ns": m * 2.5,
                  "max_ns": m * 4,
                  "hist": [[int(m * 0.7), 10], [int(m * 0.9), 200],
                           [int(m), 200], [int(m * 1.2), 80],
                           [int(m * 2), 10]]})
    return c


def synthetic(tmp_path, failed=False):
    """Three groups: busypoll ~7 us, spin ~12 us, poll ~40 us."""
    configs = []
    for wait, base in (("poll", 40000), ("busypoll", 7000), ("spin", 12000)):
        for i, wakeup in enumerate(("on", "off", "on", "off")):
            configs.append(config(wait, wakeup, base, i))
    if failed:
        configs.append(config("spin", "on", 0, 0, ok=False))
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"configs": configs}))
    return path


def sweep(*args, check=True):
    return fp("sweep", *args, check=check)


def test_from_json_ranks_clusters(tmp_path):
    out = tmp_path / "out"
    p = sweep("--from-json", synthetic(tmp_path), "--out", out, "--seed", 3)
    assert "k = 3, chosen by the silhouette score" in p.stdout
    rows = [l.split() for l in p.stdout.splitlines()
            if l[:1].isdigit() and "wait=" in l]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert [r[-1] for r in rows] == ["wait=busypoll", "wait=spin", "wait=poll"]
    assert [r[1] for r in rows] == ["4", "4", "4"]
    # means (us) ascending
    means = [float(r[2]) for r in rows]
    assert means == sorted(means) and 7 < means[0] < 8

    doc = json.loads((out / "sweep.json").read_text())
    assert doc["k"] == 3 and doc["criterion"] == "silhouette"
    assert doc["measured"] == 12 and doc["failed"] == 0
    assert [c["constant"] for c in doc["clusters"]] == [
        {"wait": "busypoll"}, {"wait": "spin"}, {"wait": "poll"}]
    assert {c["cluster"] for c in doc["configs"]} == {1, 2, 3}
    assert all(c["hist"] for c in doc["configs"])

    svg = ET.parse(out / "sweep.svg").getroot()
    assert svg.tag == SVG + "svg"
    boxes = [r for r in svg.iter(SVG + "rect") if r.get("fill") == "#8ab"]
    assert len(boxes) == 3
    # the fastest cluster's box is left of the slowest one's
    assert float(boxes[0].get("x")) < float(boxes[2].get("x"))


def test_from_json_round_trip_and_seed(tmp_path):
    """Its own sweep.json reads back to the same table; a seed is stable."""
    a, b = tmp_path / "a", tmp_path / "b"
    p1 = sweep("--from-json", synthetic(tmp_path), "--out", a, "--seed", 9)
    p2 = sweep("--from-json", a / "sweep.json", "--out", b, "--seed", 9)
    strip = lambda s: [l for l in s.splitlines() if not l.startswith("wrote")]
    assert strip(p1.stdout) == strip(p2.stdout)
    assert (a / "sweep.svg").read_text() == (b / "sweep.svg").read_text()


def test_failed_config_is_counted_not_skipped(tmp_path):
    out = tmp_path / "out"
    p = sweep("--from-json", synthetic(tmp_path, failed=True), "--out", out,
              check=False)
    assert p.returncode == 1
    assert "13 configurations: 12 measured, 1 failed" in p.stdout
    assert "failed: config 12: ping failed: no reply" in p.stdout
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["failed"] == 1
    bad = [c for c in doc["configs"] if not c["ok"]]
    assert len(bad) == 1 and bad[0]["cluster"] == 0
    assert bad[0]["error"] == "ping failed: no reply"


def test_too_few_points_is_k1(tmp_path):
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"configs": [
        config("spin", "on", 7000, 0), config("poll", "on", 40000, 0)]}))
    p = sweep("--from-json", path, "--out", tmp_path / "o")
    assert "k = 1 (fewer than 3 points)" in p.stdout


def test_bad_inputs_one_line_each(tmp_path):
    grid = tmp_path / "bad.grid"
    grid.write_text("wait = spin, nap\nbatch = 0\n# fine\nmode = afxdp\n")
    p = sweep("--grid", grid, check=False)
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("bad.grid:1: wait 'nap' is not valid; use one of spin, poll, busypoll")
    assert "bad.grid:2: batch '0' is not valid" in lines[1]

    p = sweep(check=False)
    assert p.returncode == 2 and "--grid FILE" in p.stderr
    p = sweep("--from-json", tmp_path / "none.json", check=False)
    assert p.returncode == 1 and "cannot open" in p.stderr
    notsweep = tmp_path / "x.json"
    notsweep.write_text('{"a": 1}')
    p = sweep("--from-json", notsweep, check=False)
    assert p.returncode == 1 and "not a sweep.json" in p.stderr
    p = sweep("--grid", grid, "--testbed", "router", check=False)
    assert p.returncode == 2 and "pair testbed only" in p.stderr


def have_ping():
    return run([FASTPATH, "ping", "--help"], check=False).returncode == 0


def dev(attr):
    return nsexec("fp-pair-dut", f"cat /sys/class/net/dut0/{attr}").stdout.strip()


@pytest.mark.skipif(not have_ping(), reason="fastpath ping is not built yet")
def test_tiny_grid_end_to_end(testbed, tmp_path):
    testbed("pair")
    before = (dev("napi_defer_hard_irqs"), dev("gro_flush_timeout"))
    grid = tmp_path / "tiny.grid"
    grid.write_text("# 2x2\nwait = spin, busypoll\nneed_wakeup = on, off\n"
                    "bind = copy\ncount = 500\nruns = 1\n")
    out = tmp_path / "out"
    p = fp("sweep", "--grid", grid, "--out", out, "--seed", 1, timeout=300)
    assert "4 configurations: 4 measured, 0 failed" in p.stdout
    doc = json.loads((out / "sweep.json").read_text())
    assert len(doc["configs"]) == 4
    for c in doc["configs"]:
        assert c["ok"] and c["received"] + c["lost"] == 500
        assert c["hist"] and 0 < c["min_ns"] <= c["p50_ns"] <= c["max_ns"]
    assert {tuple(sorted(c["params"].items())) for c in doc["configs"]} == {
        (("bind", "copy"), ("need_wakeup", w), ("wait", m))
        for m in ("spin", "busypoll") for w in ("on", "off")}
    assert (dev("napi_defer_hard_irqs"), dev("gro_flush_timeout")) == before
    assert "not restored" not in p.stderr
    ET.parse(out / "sweep.svg")


@pytest.mark.skipif(not have_ping(), reason="fastpath ping is not built yet")
def test_failing_config_end_to_end(tmp_path):
    """zero-copy is refused on veth: that configuration is reported and
    counted, the other measured; a testbed the sweep brought up goes away."""
    before = [n for n in fp_namespaces() if n.startswith("fp-pair-")]
    grid = tmp_path / "zc.grid"
    grid.write_text("bind = copy, zerocopy\nwait = spin\ncount = 200\nruns = 1\n")
    out = tmp_path / "out"
    try:
        p = fp("sweep", "--grid", grid, "--out", out, check=False,
               timeout=300)
    finally:
        if not before:
            fp("testbed", "down", "pair", check=False)
    assert p.returncode == 1, p.stderr
    assert "2 configurations: 1 measured, 1 failed" in p.stdout
    assert "configuration 1 failed: run 1 of 1: reflect exited:" in p.stderr
    assert "zero-copy" in p.stderr
    doc = json.loads((out / "sweep.json").read_text())
    assert [c["ok"] for c in doc["configs"]] == [True, False]
    assert "zero-copy" in doc["configs"][1]["error"]
    assert [n for n in fp_namespaces() if n.startswith("fp-pair-")] == before
