"""The batch ledger: one row per document, its pandera table checks, and the same findings with or without it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perflint.api import check_paths
from perflint.ledger import COLUMNS, build_table, rows_of
from batchlib import index_read_first
from perflint.files import collect_files

ROOT = Path(__file__).resolve().parent.parent
RETURNS = ROOT / "samples" / "returns"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFLINT_CACHE_DIR", str(tmp_path / "cache"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perflint", "check", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CI": "1"})


def test_table_checks_agree_with_the_findings_over_a_batch():
    """Without history the table-wide checks and H505/H508 see the same documents: row for row equal."""
    files = collect_files([str(RETURNS)])
    index = index_read_first(files)
    results = check_paths([str(RETURNS)])
    table = build_table([row for r in results for row in rows_of(r, index)])
    assert len(table) == sum(len(r.documents) for r in results)
    for code in ("H505", "H508"):
        from_findings = sorted(r.path for r in results for d in r.documents if any(f.code == code for f in d.findings))
        from_table = sorted(table.loc[table["table_checks"].str.contains(code), "path"])
        assert from_findings and from_table == from_findings


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_ledger_files(tmp_path, suffix):
    import pandas as pd

    path = tmp_path / f"台账{suffix}"
    out = run_cli(str(RETURNS), "--history", "samples/archive", "--ledger", str(path), "--format", "json")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    if suffix == ".csv":
        table = pd.read_csv(path, dtype={"code": str})
    elif suffix == ".xlsx":
        table = pd.read_excel(path, dtype={"编码": str}, engine="calamine").rename(columns={"编码": "code", "审核结论": "verdict"})
    else:
        table = pd.read_parquet(path)
    assert len(table) == len(collect_files([str(RETURNS)]))
    if suffix != ".xlsx":
        assert list(table.columns) == [*COLUMNS, "table_checks"]
        row = table[table["code"] == "511703250021"].iloc[0]
        assert (row["kind"], row["year"], row["budget"], row["verdict"]) == ("project_target", 2025, 600.0, "return")
        assert {"H501", "H502"} <= set(row["findings"].split())
    # the workbook is for people: its values in Chinese (--lang zh); the CSV and parquet keep the codes
    assert set(table["verdict"]) == ({"通过", "退回"} if suffix == ".xlsx" else {"pass", "return"})


def test_ledger_does_not_change_the_findings(tmp_path):
    plain = json.loads(run_cli(str(RETURNS), "--history", "samples/archive", "--format", "json").stdout)
    with_ledger = json.loads(run_cli(str(RETURNS), "--history", "samples/archive", "--format", "json",
                                     "--ledger", str(tmp_path / "l.csv")).stdout)
    assert plain["files"] == with_ledger["files"]


def test_an_unreadable_file_is_a_ledger_row(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    from perflint.api import check_paths as check

    (result,) = check([str(bad)])
    (row,) = rows_of(result)
    assert row["kind"] is None and row["verdict"] == "return" and "F001" in row["findings"]
    assert build_table([row])["verdict"].tolist() == ["return"]


def test_a_wrong_ledger_suffix_is_exit_2(tmp_path):
    out = run_cli(str(RETURNS), "--ledger", str(tmp_path / "ledger.txt"))
    assert out.returncode == 2 and ".csv, .xlsx or .parquet" in out.stderr
