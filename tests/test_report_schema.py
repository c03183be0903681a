"""The JSON report's published contract, schemas/report.schema.json: what `perflint check samples/`
writes meets it, and so does a batch with every kind of finding (an unreadable file, waivers,
cross-document findings with related files). The schema is strict (no unknown member anywhere), so
a field added to the report without being added to the schema fails here: add it to both."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from perflint.check_cli import main as check_main
from perflint.data import data_dir
from test_batch import make_batch

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((data_dir("schemas") / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _problems(validator, report) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(report)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_perflint_check_samples_meets_the_schema(validator, tmp_path, lang):
    env = {**os.environ, "PERFLINT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", "samples/", "--format", "json", "--lang", lang],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert _problems(validator, report) == []
    verdicts = {f["verdict"] for f in report["files"]}
    assert verdicts == {"pass", "return"} and report["summary"]["files"] == len(report["files"]) > 10


def test_a_batch_with_every_kind_of_finding_meets_the_schema(validator, tmp_path):
    batch = make_batch(tmp_path)
    out = tmp_path / "r.json"
    assert check_main([str(batch), "--isolated", "--no-cache", "--format", "text", "-q", "-o", f"json:{out}"]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert _problems(validator, report) == []
    findings = [f for file in report["files"] for d in file["documents"] for f in d["findings"]]
    assert any(f.get("related") for f in findings) and any(f["waived"] for f in findings)
    assert any(not file["documents"] and file["findings"] for file in report["files"]), "an unreadable file"


def test_the_schema_refuses_what_the_contract_does_not_have(validator, tmp_path):
    report = json.loads((ROOT / "tests" / "snapshots" / "samples_json.json").read_text(encoding="utf-8"))
    assert _problems(validator, report) == [], "the samples' snapshot"
    report["summary"]["surprise"] = 1
    report["files"][0]["verdict"] = "maybe"
    report["files"][0]["documents"][0]["findings"].append({"code": "A201"})
    problems = _problems(validator, report)
    assert any(p.startswith("summary: ") and "surprise" in p for p in problems), problems
    assert any(p.startswith("files/0/verdict: ") for p in problems)
    assert any(p.startswith("files/0/documents/0/findings/") and "'slug' is a required" in p for p in problems)
