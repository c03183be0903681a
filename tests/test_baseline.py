"""Baselines: record today's findings, then report only new ones."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixturelib import CLEAN, FAULTY, apply_patch, write
from perflint.baseline import BaselineWriter, load_baseline
from perflint.check_cli import main as check
from perflint.engine import finish_file, judge
from perflint.model import DocumentResult, FileResult, Finding, Location


def run(argv, capsys) -> tuple[int, dict | None, str]:
    # no history in these repositories: H500 would note on every file that cross-year rules went unanswered
    code = check([*argv, "--format", "json", "--ignore", "H500"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def findings_of(report: dict) -> list[tuple[str, str]]:
    out = []
    for f in report["files"]:
        for x in f["findings"]:
            out.append((f["path"], x["code"]))
        for d in f["documents"]:
            out.extend((f["path"], x["code"]) for x in d["findings"])
    return out


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "returns" / "old.json", FAULTY)
    write(tmp_path / "returns" / "fine.json", CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_write_then_check_against_the_baseline(repo, capsys):
    code, report, _ = run(["returns", "--write-baseline", "perflint-baseline.json"], capsys)
    assert code == 0  # the findings are recorded: with this baseline the run passes
    assert findings_of(report) == [("returns/old.json", "A201")]  # writing still reports everything
    saved = json.loads((repo / "perflint-baseline.json").read_text(encoding="utf-8"))
    assert saved["perflint"] and saved["baseline_version"] == 1
    assert saved["findings"] == [{"file": "returns/old.json", "code": "A201", "pointer": "/funds/annual/total",
                                  "count": 1}]

    code, report, err = run(["returns", "--baseline", "perflint-baseline.json"], capsys)
    assert code == 0 and findings_of(report) == []
    assert "基线 perflint-baseline.json 已记录的 1 个问题未列出" in err  # on stderr: the report stays clean
    old = next(f for f in report["files"] if f["path"] == "returns/old.json")
    assert old["verdict"] == "pass" and old["documents"][0]["verdict"] == "pass"
    assert old["documents"][0]["grade"] == "优"
    assert report["summary"]["return"] == 0 and report["summary"]["by_rule"] == {}

    # a new faulty submission is reported; the old one stays quiet
    write(repo / "returns" / "new.json", apply_patch(CLEAN, [{"set": "/funds/annual/other", "value": 30}]))
    code, report, _ = run(["returns", "--baseline", "perflint-baseline.json"], capsys)
    assert code == 1
    assert findings_of(report) == [("returns/new.json", "A201")]
    assert report["summary"]["return"] == 1


def test_matching_ignores_message_text_and_language(repo, capsys):
    run(["returns", "--write-baseline", "b.json"], capsys)
    # the amounts change (so does the message), the pointer does not: still the recorded finding
    write(repo / "returns" / "old.json", apply_patch(CLEAN, [{"set": "/funds/annual/other", "value": 10}]))
    code, report, err = run(["returns", "--baseline", "b.json", "--lang", "en"], capsys)
    assert code == 0 and findings_of(report) == []
    assert "1 finding(s) recorded in the baseline b.json are not shown" in err


def test_a_different_location_is_new(repo, capsys):
    run(["returns", "--write-baseline", "b.json"], capsys)
    # old.json fixed, but fine.json now has the same fault: a different file is a different finding
    write(repo / "returns" / "old.json", CLEAN)
    write(repo / "returns" / "fine.json", FAULTY)
    code, report, _ = run(["returns", "--baseline", "b.json"], capsys)
    assert code == 1 and findings_of(report) == [("returns/fine.json", "A201")]


def test_file_paths_are_relative_to_the_baseline_folder(repo, capsys, monkeypatch):
    write(repo / "ci" / "keep.txt", "")
    run(["returns", "--write-baseline", "ci/baseline.json"], capsys)
    saved = json.loads((repo / "ci" / "baseline.json").read_text(encoding="utf-8"))
    assert saved["findings"][0]["file"] == "../returns/old.json"
    monkeypatch.chdir(repo / "returns")  # another working folder, another spelling of the same files
    code, report, _ = run(["old.json", "--baseline", "../ci/baseline.json"], capsys)
    assert code == 0 and findings_of(report) == []


def test_baseline_output_is_stable_and_sorted(repo, capsys):
    write(repo / "returns" / "a.json", FAULTY)
    write(repo / "returns" / "z.json", apply_patch(CLEAN, [{"remove": "/project/name"},
                                                           {"set": "/funds/annual/other", "value": 40}]))
    run(["returns", "--write-baseline", "one.json"], capsys)
    run(["returns/z.json", "returns/fine.json", "returns/a.json", "returns/old.json", "--write-baseline", "two.json"],
        capsys)
    one = (repo / "one.json").read_bytes()
    assert one == (repo / "two.json").read_bytes()
    entries = json.loads(one)["findings"]
    keys = [(e["file"], e["code"], e["pointer"], e.get("sheet", "")) for e in entries]
    assert keys == sorted(keys) and len(keys) >= 3


def test_baselined_waived_findings(repo, capsys):
    waived = apply_patch(FAULTY, [{"set": "/waivers", "value": [
        {"rule": "A201", "where": "/funds/annual/total", "reason": "经财政局同意，待年中调整"}]}])
    write(repo / "returns" / "waived.json", waived)
    run(["returns", "--write-baseline", "b.json"], capsys)
    saved = json.loads((repo / "b.json").read_text(encoding="utf-8"))
    assert {"file": "returns/waived.json", "code": "A201", "pointer": "/funds/annual/total", "count": 1} \
        in saved["findings"]
    code, report, _ = run(["returns", "--baseline", "b.json"], capsys)
    assert code == 0 and findings_of(report) == []


def test_baseline_named_in_config_is_used_and_not_checked(repo, capsys):
    write(repo / "perflint.toml", 'paths = ["."]\nbaseline = "perflint-baseline.json"\n')
    code, _, _ = run(["--write-baseline", "perflint-baseline.json"], capsys)
    assert code == 0
    code, report, _ = run([], capsys)
    assert code == 0
    assert sorted(f["path"] for f in report["files"]) == ["returns/fine.json", "returns/old.json"]
    # --write-baseline refreshes it rather than filtering through the old one
    write(repo / "returns" / "new.json", FAULTY)
    code, report, _ = run(["--write-baseline", "perflint-baseline.json"], capsys)
    assert ("returns/old.json", "A201") in findings_of(report) and ("returns/new.json", "A201") in findings_of(report)
    assert run([], capsys)[0] == 0


@pytest.mark.parametrize("content, key", [
    (None, "not found"),
    ("{", "not a readable JSON baseline"),
    ('{"baseline_version": 1}', "findings"),
    ('{"baseline_version": 9, "findings": []}', "baseline_version"),
    ('{"baseline_version": 1, "findings": [{"file": "a.json", "code": "A201"}]}', "findings[0].pointer"),
    ('{"baseline_version": 1, "findings": [{"file": "a", "code": "A201", "pointer": "", "count": 0}]}',
     "findings[0].count"),
])
def test_a_broken_baseline_stops_the_run(repo, capsys, content, key):
    if content is not None:
        write(repo / "b.json", content)
    code, report, err = run(["returns", "--baseline", "b.json"], capsys)
    assert code == 2 and report is None
    assert "b.json" in err and key in err


def test_baseline_and_write_baseline_together_is_a_usage_error(repo, capsys):
    code, _, err = run(["returns", "--baseline", "a.json", "--write-baseline", "b.json"], capsys)
    assert code == 2 and "--write-baseline" in err


# ---- counting, sheets and verdicts, on results built by hand -------------------------------

def _finding(code: str, ptr: str, sheet: str | None = None, severity: str = "error", message: str = "m") -> Finding:
    return Finding(code, code.lower(), severity, message, Location(ptr, sheet, "C7" if sheet else None))


def _doc(findings: list[Finding], sheet: str | None = None) -> DocumentResult:
    verdict, grade = judge(findings)
    return DocumentResult("project_target", sheet, 2025, "P1", "项目", "部门", tuple(findings), verdict, grade)


def _result(path: str, docs: list[DocumentResult], file_findings: list[Finding] = ()) -> FileResult:
    return finish_file(path, tuple(docs), list(file_findings))


def test_counts_per_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    twice = _result("a.xlsx", [_doc([_finding("I301", "/indicators", "目标表"), _finding("I301", "/indicators", "目标表")])])
    writer = BaselineWriter(tmp_path / "b.json")
    writer.file(twice)
    writer.close()
    saved = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert saved["findings"] == [{"file": "a.xlsx", "code": "I301", "pointer": "/indicators", "sheet": "目标表",
                                  "count": 2}]
    base = load_baseline(tmp_path / "b.json")
    assert base.filter(twice).verdict == "pass"
    thrice = _result("a.xlsx", [_doc([_finding("I301", "/indicators", "目标表", message=str(i)) for i in range(3)])])
    left = base.filter(thrice)
    assert [f.code for f in left.all_findings()] == ["I301"] and left.verdict == "return"
    assert base.suppressed == 4


def test_the_sheet_is_part_of_the_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = BaselineWriter(tmp_path / "b.json")
    writer.file(_result("a.xlsx", [_doc([_finding("A201", "/funds/annual/total", "2024年")], "2024年")]))
    writer.close()
    moved = _result("a.xlsx", [_doc([_finding("A201", "/funds/annual/total", "2025年")], "2025年")])
    assert base_left(tmp_path, moved) == ["A201"]
    same = _result("a.xlsx", [_doc([_finding("A201", "/funds/annual/total", "2024年")], "2024年")])
    assert base_left(tmp_path, same) == []


def base_left(folder: Path, result: FileResult) -> list[str]:
    return [f.code for f in load_baseline(folder / "b.json").filter(result).all_findings()]


def test_an_unreadable_file_passes_only_when_all_its_findings_are_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    broken = _result("old.xls", [], [_finding("F001", "")])
    assert broken.verdict == "return"
    writer = BaselineWriter(tmp_path / "b.json")
    writer.file(broken)
    writer.close()
    base = load_baseline(tmp_path / "b.json")
    assert base.filter(broken).verdict == "pass"
    worse = _result("old.xls", [], [_finding("F001", ""), _finding("F007", "")])
    assert base.filter(worse).verdict == "return"
    assert base.filter(_result("other.xls", [], [_finding("F001", "")])).verdict == "return"


def test_warnings_left_after_the_baseline_keep_their_grade(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = BaselineWriter(tmp_path / "b.json")
    writer.file(_result("a.json", [_doc([_finding("A201", "/funds/annual/total")])]))
    writer.close()
    mixed = _result("a.json", [_doc([_finding("A201", "/funds/annual/total"), _finding("W902", "/waivers/0",
                                                                                       severity="warning")])])
    left = load_baseline(tmp_path / "b.json").filter(mixed)
    assert left.verdict == "pass" and left.documents[0].grade == "良"
