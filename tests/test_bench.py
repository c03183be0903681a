"""The benchmark in bench/: its statistics, and a whole small run of it."""
from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("perflint_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_speed_up_pairs_the_runs_of_each_round(bench):
    # the second round fell in a slow minute for both runs: it is one round out of three, not the
    # -j 2 median (ratio of medians 4 / 3 = 1.33)
    assert bench.paired_speedup([4.0, 6.0, 4.0], [2.0, 3.0, 3.0]) == pytest.approx(2.0)
    assert bench.paired_speedup([4.0, 4.4, 4.2], [2.5, 2.0, 2.1]) == pytest.approx(2.0)


def test_the_speed_up_needs_both_runs_of_every_round(bench):
    with pytest.raises(ValueError):
        bench.paired_speedup([4.0, 4.0], [2.0])


def test_rounds_alternate_which_run_goes_first(bench):
    assert bench.round_orders(4) == [(1, 2), (2, 1), (1, 2), (2, 1)]


def test_a_small_benchmark_runs_and_reports_every_measurement(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH), "--files", "8", "--repeat", "1", "--batch-repeat", "2",
                           "--out", str(tmp_path), "--markdown"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr  # 1: a target missed, which a tiny corpus may do
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["files"] == 8
    assert len(results["j1_runs_s"]) == len(results["j2_runs_s"]) == results["batch_rounds"] == 2
    assert len(results["floor_runs_s"]) == 3  # once before the rounds and once after each
    assert results["floor_s"] == min(results["floor_runs_s"]) > 0
    assert results["j2_speedup"] == pytest.approx(statistics.median(results["j2_speedup_rounds"]))
    assert results["j1_peak_mb"] > 0 and results["j2_peak_mb"] > 0
    # CPU time of each run's whole process tree (its workers included), and of the floor's read
    assert len(results["j1_cpu_runs_s"]) == len(results["j2_cpu_runs_s"]) == 2
    assert results["j1_cpu_s"] > 0 and results["j2_cpu_s"] > 0 and results["floor_cpu_s"] > 0
    assert "CPU time, user + system of the process tree" in proc.stdout
    assert set(results["targets_met"]) == {"one_file_s", "one_file_vs_frictionless", "batch_vs_floor_j2",
                                             "j2_speedup", "peak_mb"}
    assert (proc.returncode == 0) == all(results["targets_met"].values())
    assert "| -j 2 speed-up, median of the rounds' ratios |" in proc.stdout
    assert "this machine's own noise" in proc.stdout
