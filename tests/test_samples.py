"""End to end over samples/: a realistic mix of verdicts, every rule shown somewhere, stable reports."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perflint.api import check_paths
from perflint.catalogue import default_catalogue

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SNAPSHOTS = Path(__file__).parent / "snapshots"
# Codes no honest sample can show: a rule crash, a timeout, a killed worker.
NOT_IN_SAMPLES = {"F006", "F010", "F011"}


@pytest.fixture(scope="module")
def results():
    return check_paths([str(SAMPLES)])


def test_samples_show_both_verdicts(results):
    verdicts = {r.verdict for r in results}
    assert verdicts == {"pass", "return"}
    assert not [f for r in results for f in r.all_findings() if f.code == "F006"], "no rule crashes on a sample"


def test_samples_trigger_every_rule(results):
    seen = {f.code for r in results for f in r.all_findings()}
    history = check_paths([str(SAMPLES / "returns")], history=[str(SAMPLES / "archive")]) \
        if (SAMPLES / "returns").is_dir() else []
    seen |= {f.code for r in history for f in r.all_findings()}
    wanted = {c for c in default_catalogue().rules if c not in NOT_IN_SAMPLES}
    assert sorted(wanted - seen) == []


def _report(paths: list[str], *extra: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "perflint", "check", *paths, "--format", "json", "--no-cache", *extra],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, "CI": "1"})
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("name, paths, extra", [
    ("samples_json", ["samples/json"], []),
    ("samples_json_en", ["samples/json"], ["--lang", "en"]),
])
def test_report_snapshot(name, paths, extra):
    """The JSON report over the JSON samples, as committed; PERFLINT_UPDATE_SNAPSHOTS=1 rewrites it."""
    report = _report(paths, *extra)
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("PERFLINT_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
