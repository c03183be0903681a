"""JUnit and GitHub annotations as CI platforms read them: JUnit test cases named by what a document
is (so fixing it keeps its history) with totals on the root; GitHub annotations within the limits
GitHub shows, the most important first, line numbers for JSON, and the rest in the job summary."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from fixturelib import report_through
from perflint.check_cli import main as check_main
from perflint.formatters import make_formatter
from perflint.model import DocumentResult, FileResult, Finding, Location
from perflint.report import ReportMeta

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
META = ReportMeta("0.1.0", "national")


def _doc(verdict: str, grade: str, findings=(), code="511703250012", name="义务教育学生营养改善计划") -> DocumentResult:
    return DocumentResult("project_target", None, 2025, code, name, "示例区教育局", tuple(findings), verdict, grade)


def _junit(results) -> ET.Element:
    out = io.StringIO()
    report_through(make_formatter("junit", out, None, META), results)
    return ET.fromstring(out.getvalue())


def test_junit_names_survive_fixing_a_submission():
    bad = Finding("A201", "annual-funds-unbalanced", "error", "年度资金总额不平衡", Location("/funds/annual/total"))
    before = _junit([FileResult("a.json", (_doc("return", "中", [bad]),), (), "return")])
    after = _junit([FileResult("a.json", (_doc("pass", "优"),), (), "pass")])
    (case_before,), (case_after,) = before.iter("testcase"), after.iter("testcase")
    assert case_before.get("name") == case_after.get("name") == "项目支出绩效目标表 2025年度 511703250012"
    assert case_before.get("classname") == case_after.get("classname") == "a.json"
    assert case_before.find("failure") is not None and case_after.find("failure") is None
    for word in ("退回", "通过", "中", "优"):
        assert word not in case_before.get("name")
    assert "退回" in case_before.find("system-out").text and "优" in case_after.find("system-out").text


def test_junit_root_carries_the_totals(tmp_path):
    out = tmp_path / "r.xml"
    report = tmp_path / "r.json"
    code = check_main([str(SAMPLES), "--isolated", "--no-cache", "--format", "text", "-q",
                       "-o", f"junit:{out}", "-o", f"json:{report}"])
    assert code == 1
    root = ET.parse(out).getroot()
    suites = root.findall("testsuite")
    assert set(root.attrib) == {"name", "tests", "failures", "errors", "time"}  # as Jenkins' schema allows
    for attr in ("tests", "failures", "errors"):
        assert int(root.get(attr)) == sum(int(s.get(attr)) for s in suites), attr
    assert float(root.get("time")) >= 0
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    assert int(root.get("failures")) == summary["return"] > 0
    for suite in suites:  # names are unique within a suite: a dashboard keys its history on them
        names = [c.get("name") for c in suite.findall("testcase")]
        assert len(names) == len(set(names))


def test_junit_tells_alike_documents_apart():
    root = _junit([FileResult("a.xlsx", (_doc("pass", "优"), _doc("pass", "优")), (), "pass")])
    assert [c.get("name") for c in root.iter("testcase")] == ["项目支出绩效目标表 2025年度 511703250012",
                                                            "项目支出绩效目标表 2025年度 511703250012 #2"]


def _finding(code: str, severity: str, ptr: str = "/funds/annual/total") -> Finding:
    return Finding(code, "slug", severity, f"{code} 的说明", Location(ptr))


def _annotations(results, **env) -> tuple[list[str], str]:
    out = io.StringIO()
    fmt = make_formatter("github", out, None, META)
    summary = report_through(fmt, results)
    return [ln for ln in out.getvalue().splitlines() if ln.startswith("::")], fmt.markdown(summary, 0)


def test_github_keeps_to_the_limits_most_important_first():
    many = FileResult("many.json", (_doc("return", "差", [_finding("A201", "error")] * 15 + [_finding("B103", "warning")] * 15),),
                      (), "return")
    one = FileResult("one.json", (_doc("return", "中", [_finding("A202", "error")]),), (), "return")
    info = FileResult("info.json", (_doc("pass", "优", [_finding("F009", "info")]),), (), "pass")
    lines, _ = _annotations([many, one, info])
    errors = [ln for ln in lines if ln.startswith("::error ")]
    warnings = [ln for ln in lines if ln.startswith("::warning ")]
    assert len(errors) == 10 and len(warnings) == 10 and len(lines) == 20
    assert lines[:10] == errors, "errors first"
    assert errors[0].startswith("::error file=many.json") and errors[1].startswith("::error file=one.json"), \
        "the first error of each returned file before a second one of any"
    assert not any("F009" in ln for ln in lines), "info findings are not annotated"


def test_github_job_summary_lists_every_returned_file_with_its_reasons(tmp_path):
    """The samples under Actions: the default format is github, annotations within the limits, and
    the job summary names every returned file (the JSON report's) with its main reasons."""
    step = tmp_path / "summary.md"
    report = tmp_path / "r.json"
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step),
           "PERFLINT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", "samples/", "--isolated", "-o", f"json:{report}"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    annotations = [ln for ln in lines if ln.startswith("::")]
    assert sum(ln.startswith("::error ") for ln in annotations) <= 10
    assert sum(ln.startswith("::warning ") for ln in annotations) <= 10
    assert 0 < len(annotations) <= 20 and not any(ln.startswith("::notice") for ln in annotations)
    assert any("其余见作业摘要" in ln for ln in lines if not ln.startswith("::"))
    data = json.loads(report.read_text(encoding="utf-8"))
    returned = [f for f in data["files"] if f["verdict"] == "return"]
    text = step.read_text(encoding="utf-8")
    assert "### 退回的文件" in text
    rows = [ln for ln in text.splitlines() if ln.startswith("| samples/")]
    assert len(rows) == len(returned) > 0
    for row, file in zip(rows, returned):
        assert re.sub(r"\\(.)", r"\1", row).startswith(f"| {file['path']} |")
        codes = [f["code"] for d in file["documents"] for f in d["findings"]] + [f["code"] for f in file["findings"]]
        assert any(code in row for code in codes)
    # JSON annotations carry the line and column of the value they point at
    with_line = [ln for ln in annotations if ",line=" in ln]
    assert with_line and all(".json," in ln for ln in with_line)
    for ln in with_line:
        path = ln.split("file=", 1)[1].split(",", 1)[0]
        line = int(ln.split(",line=", 1)[1].split(",", 1)[0])
        col = int(ln.split(",col=", 1)[1].split(",", 1)[0])
        text_lines = (ROOT / path).read_text(encoding="utf-8").split("\n")
        assert text_lines[line - 1][col - 1] in '"-0123456789[{tfn', (path, line, col)
    assert not any(",line=" in ln for ln in annotations if ".xls" in ln.split(",", 1)[0]), "a workbook has no lines"


def test_github_job_summary_is_plain_text():
    nasty = Finding("B101", "missing-name", "error", "<img src=x onerror=alert(1)> | [点我](http://x) **粗**\n第二行",
                    Location("/project/name"))
    _, md = _annotations([FileResult("a|b.json", (_doc("return", "中", [nasty]),), (), "return")])
    row = [ln for ln in md.splitlines() if "a\\|b.json" in ln][0]
    assert not re.search(r"(?<!\\)[<>\[\]*]", row) and "\\<img" in row and "\\[点我\\](http://x)" in row and "\\*\\*粗\\*\\*" in row
    assert "第二行" in row and row.count("|") - row.count("\\|") == 4, "one row of three cells"


def test_help_lists_every_format_and_the_workbook_is_refused_alike(capsys, tmp_path):
    from perflint.check_cli import build_parser

    text = build_parser().format_help()
    for name in ("rich", "text", "json", "sarif", "junit", "github", "html", "--report", "--sarif-info"):
        assert name in text, name
    sample = str(SAMPLES / "json")
    assert check_main([sample, "--isolated", "--format", "xlsx"]) == 2
    by_format = capsys.readouterr().err
    assert check_main([sample, "--isolated", "-o", f"xlsx:{tmp_path / 'r.xlsx'}"]) == 2
    by_output = capsys.readouterr().err
    reason = "the 审核意见 workbook is not a --format or -o format: write it with --report FILE.xlsx"
    assert reason in by_format and reason in by_output
    assert not (tmp_path / "r.xlsx").exists()
    assert check_main([sample, "--isolated", "--format", "nope"]) == 2
    assert "unknown format 'nope'" in capsys.readouterr().err
