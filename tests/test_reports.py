"""The reports a run writes: SARIF (validated against the 2.1.0 schema), JUnit, GitHub annotations,
the 审核意见 workbook (read back with openpyxl) and the self-contained HTML page.

tests/data/sarif-schema-2.1.0.json is the official SARIF 2.1.0 JSON schema, as published by OASIS
(docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json).
tests/test_sarif.py checks what code scanning needs beyond the schema.
"""
from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from fixturelib import report_through
from perflint.catalogue import default_catalogue
from perflint.check_cli import main as check_main
from perflint.formatters import make_formatter
from perflint.formatters.github import escape_property
from perflint.formatters.xlsx_report import FINDING_COLUMNS, split_path
from perflint.model import DocumentResult, FileResult, Finding, Location, Related
from perflint.report import ReportMeta, Summary
from test_batch import make_batch

DATA = Path(__file__).parent / "data"
META = ReportMeta("0.1.0", "national")
CATALOGUE_SUMMARY = {code: meta.summary["zh"] for code, meta in default_catalogue().rules.items()}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One CLI run over the batch writing every report, and the JSON report to compare with."""
    tmp = tmp_path_factory.mktemp("reports")
    batch = make_batch(tmp)
    out = {name: tmp / name for name in ("r.json", "r.sarif", "r.xml", "r.gh", "r.html", "审核意见.xlsx")}
    code = check_main([str(batch), "--isolated", "--no-cache", "-j", "2", "--format", "text", "-q",
                       "-o", f"json:{out['r.json']}", "-o", f"sarif:{out['r.sarif']}", "-o", f"junit:{out['r.xml']}",
                       "-o", f"github:{out['r.gh']}", "-o", f"html:{out['r.html']}",
                       "--report", str(out["审核意见.xlsx"]), "--report-split", "department"])
    report = json.loads(out["r.json"].read_text(encoding="utf-8"))
    return code, out, report, tmp


def _findings(report):
    for f in report["files"]:
        for finding in f["findings"]:
            yield f, None, finding
        for doc in f["documents"]:
            for finding in doc["findings"]:
                yield f, doc, finding


def _cell_result() -> FileResult:
    """A workbook's result: cell locations, a waived finding, a file-level note."""
    live = Finding("A201", "annual-funds-unbalanced", "error", "年度资金总额 1300.00 万元 ≠ 财政拨款 1250.00 + 其他资金 40.00",
                   Location("/funds/annual/total", "项目支出绩效目标表", "E9"))
    waived = Finding("B105", "project-period-invalid", "warning", "实施期限不完整", Location("/project/period", "项目支出绩效目标表", "C6"),
                     waived=True, waiver_reason="跨年项目，经财政局同意")
    note = Finding("F008", "sheet-skipped", "info", "工作表“说明”不是绩效表，已跳过", Location("", "说明", None))
    doc = DocumentResult("project_target", "项目支出绩效目标表", 2025, "511703250012", "义务教育学生营养改善计划",
                         "示例区教育局", (live, waived), "return", "中")
    return FileResult("returns/教育局/营养改善计划.xlsx", (doc,), (note,), "return", 0.2)


# ---- SARIF ----------------------------------------------------------------------------------

def _sarif_validator():
    import jsonschema

    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_sarif_is_valid_and_has_a_result_per_finding(run):
    _, out, report, _ = run
    sarif = json.loads(out["r.sarif"].read_text(encoding="utf-8"))
    errors = sorted(_sarif_validator().iter_errors(sarif), key=str)
    assert not errors, errors[0]
    (sarif_run,) = sarif["runs"]
    results = sarif_run["results"]
    expected = [item for item in _findings(report) if item[2]["severity"] != "info"]  # left out by default
    assert len(results) == len(expected) > 0
    rules = sarif_run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {f["code"] for _, _, f in expected}
    for r in rules:
        assert r["help"]["text"] and r["shortDescription"]["text"] and r["properties"]["source"]
    for res, (file, _, finding) in zip(results, expected):
        assert res["ruleId"] == finding["code"] and rules[res["ruleIndex"]]["id"] == finding["code"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), "relative to the repository's root"
        base = unquote(sarif_run["originalUriBaseIds"]["SRCROOT"]["uri"].removeprefix("file://"))
        assert os.path.normpath(os.path.join(base, unquote(uri))) == os.path.abspath(file["path"])


def test_sarif_names_sheet_and_cell_and_carries_waivers(tmp_path):
    path = tmp_path / "x.sarif"
    fmt = make_formatter("sarif", None, str(path), META, root=str(tmp_path))
    result = _cell_result()
    fmt.file(result)
    summary = Summary()
    summary.add(result)
    fmt.close(summary)
    sarif = json.loads(path.read_text(encoding="utf-8"))
    assert not list(_sarif_validator().iter_errors(sarif))
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    a201 = results["A201"]
    assert a201["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "项目支出绩效目标表!E9"
    assert a201["properties"]["cell"] == "E9" and a201["level"] == "error"
    assert "suppressions" not in a201
    assert results["B105"]["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                                 "justification": "跨年项目，经财政局同意"}]
    assert "F008" not in results, "info findings are left out of SARIF by default"


# ---- JUnit ----------------------------------------------------------------------------------

def test_junit_has_a_testcase_per_document_and_fails_returned_ones(run):
    _, out, report, _ = run
    root = ET.parse(out["r.xml"]).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f["path"] for f in report["files"]]
    for suite, file in zip(suites, report["files"]):
        cases = suite.findall("testcase")
        docs = file["documents"]
        own = 1 if file["findings"] or not docs else 0
        assert len(cases) == len(docs) + own == int(suite.get("tests"))
        for case, doc in zip(cases[own:], docs):
            assert (case.find("failure") is not None) == (doc["verdict"] == "return")
        if not docs:
            assert cases[0].find("failure") is not None  # an unreadable file fails
    failures = sum(int(s.get("failures")) for s in suites)
    assert failures == report["summary"]["return"]


# ---- GitHub ---------------------------------------------------------------------------------

def test_github_annotations(run):
    """Errors before warnings, the first of each returned file before a second of any, within GitHub's limits."""
    _, out, report, _ = run
    lines = out["r.gh"].read_text(encoding="utf-8").splitlines()
    annotations = [ln for ln in lines if ln.startswith("::")]
    live = [(file, f) for file, _, f in _findings(report) if not f["waived"] and f["severity"] != "info"]
    errors = [x for x in live if x[1]["severity"] == "error"]
    warnings = [x for x in live if x[1]["severity"] == "warning"]
    assert len(annotations) == min(10, len(errors)) + min(10, len(warnings)) > 0
    levels = [line.split(" ", 1)[0] for line in annotations]
    assert levels == sorted(levels, key=["::error", "::warning"].index)
    by_level = {"error": errors, "warning": warnings}
    for line in annotations:
        level = line[2:].split(" ", 1)[0]
        assert any(line.startswith(f"::{level} file={escape_property(file['path'])},") and f",title={f['code']} " in line
                   for file, f in by_level[level])
        assert "\n" not in line and line.split("::", 2)[2]
    shown_errors = [line for line in annotations if line.startswith("::error")]
    files_with_errors = list(dict.fromkeys(file["path"] for file, _ in errors))
    first = [line.split(",", 1)[0].split("file=", 1)[1] for line in shown_errors]
    assert first[:min(10, len(files_with_errors))] == [escape_property(p) for p in files_with_errors][:10]


def test_github_escapes_what_would_break_a_command():
    out = io.StringIO()
    fmt = make_formatter("github", out, None, META)
    f = Finding("A201", "annual-funds-unbalanced", "error", "第一行\n第二行 100%", Location("/x", "表,1", "E9"))
    fmt.file(FileResult("a:b,c.xlsx", (), (f,), "return"))
    fmt.file(FileResult(os.path.abspath("sub/x.json"), (), (f,), "return"))
    fmt.close(Summary())  # annotations are chosen at the end: the most important ones of the run
    line, second = out.getvalue().splitlines()[:2]
    assert line.startswith("::error file=a%3Ab%2Cc.xlsx,title=A201 annual-funds-unbalanced @ 表%2C1!E9::")
    assert second.startswith("::error file=sub/x.json,"), "relative to the repository root"
    assert line.endswith("第一行%0A第二行 100%25")


# ---- the 审核意见 workbook ----------------------------------------------------------------

def _department_facing(f):
    return f["severity"] != "info" and f["code"] != "H500"


def test_report_workbook_reads_back(run):
    from openpyxl import load_workbook

    _, out, report, _ = run
    wb = load_workbook(out["审核意见.xlsx"])
    names = wb.sheetnames
    assert names[0] == "审核意见" and names[-3:] == ["汇总", "问题清单", "审核结论"]
    assert sorted(names[1:-3]) == ["意见·示例区卫生健康局", "意见·示例区教育局"]
    ws = wb["问题清单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == FINDING_COLUMNS["zh"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:J{len(rows)}"
    # what a department is sent: no info notes, no H500, file names instead of the bureau's paths
    expected = [(file, doc, f) for file, doc, f in _findings(report) if _department_facing(f)]
    assert len(rows) - 1 == len(expected)
    for row, (file, doc, f) in zip(rows[1:], expected):
        assert row[0] == Path(file["path"]).name and row[5] == f["code"] and row[8].startswith(f["message"])
        assert row[9], "every finding says what to do"
        assert "/" not in row[0] and str(Path.cwd()) not in (row[8] or "")
        if doc is not None:
            assert row[1] == doc["department"]
    waived = [r for r in rows[1:] if "已豁免" in (r[6] or "")]
    assert waived and "年中追加，已报财政批准" in waived[0][8]
    verdicts = list(wb["审核结论"].iter_rows(values_only=True))
    assert len(verdicts) - 1 == sum(max(1, len(f["documents"])) for f in report["files"])
    summary = list(wb["汇总"].iter_rows(values_only=True))
    deps = {r[0]: r for r in summary if r[0] in ("示例区教育局", "示例区卫生健康局")}
    assert set(deps) == {"示例区教育局", "示例区卫生健康局"}
    total = [r for r in summary if r[0] == "合计"][0]
    # the department table counts documents; files and documents are each counted by verdict below it
    docs = report["summary"]["documents_by_verdict"]
    assert total[1:4] == (report["summary"]["documents"], docs["pass"], docs["return"])
    by_kind = {r[0]: r[1:4] for r in summary if r[0] in ("文件", "文档")}
    files = report["summary"]["files_by_verdict"]
    assert by_kind == {"文件": (len(report["files"]), files["pass"], files["return"]),
                       "文档": (report["summary"]["documents"], docs["pass"], docs["return"])}
    assert files["return"] == sum(f["verdict"] == "return" for f in report["files"])


def test_report_full_detail_keeps_every_finding_and_path(tmp_path):
    from openpyxl import load_workbook

    note = Finding("F008", "sheet-skipped", "info", "工作表“说明”不是绩效表，已跳过", Location("", "说明"))
    h500 = Finding("H500", "history-unavailable", "warning", "无法核验 H501", Location("/project/code"))
    error = Finding("A201", "annual-funds-unbalanced", "error", "年度资金总额不平衡", Location("/funds/annual/total"),
                    related=(Related("/bureau/archive/2024/营养改善计划.json", "/funds"),))
    doc = DocumentResult("project_target", None, 2025, "1", "营养改善计划", "示例区教育局", (h500, error), "return", "中")
    rows, summary = {}, {}
    for detail in ("department", "full"):
        path = tmp_path / f"{detail}.xlsx"
        fmt = make_formatter("xlsx", None, str(path), ReportMeta("0.1.0", "national", detail=detail))
        fmt.file(FileResult("/bureau/returns/教育局/营养改善计划.json", (doc,), (note,), "return"))
        fmt.close(Summary())
        wb = load_workbook(path)
        rows[detail] = list(wb["问题清单"].iter_rows(values_only=True))[1:]
        summary[detail] = list(wb["汇总"].iter_rows(values_only=True))
        assert wb["汇总"]["A1"].font.b and wb["汇总"]["A1"].font.color is None  # a title, not a 退回 in red
    # the summary counts what the sheets list: a department is not told of notes it cannot see
    for detail, codes in (("department", {"A201"}), ("full", {"A201", "F008", "H500"})):
        assert next(r[1] for r in summary[detail] if r[0] == "问题合计") == len(codes)
        top = summary[detail].index(next(r for r in summary[detail] if r[0] == "最常见问题"))
        assert {r[0] for r in summary[detail][top + 2:] if r[0]} == codes
        assert next(r for r in summary[detail] if r[0] == "示例区教育局")[4] == len(codes)
    assert [r[5] for r in rows["department"]] == ["A201"]
    assert rows["department"][0][0] == "营养改善计划.json" and "/bureau" not in rows["department"][0][8]
    assert "营养改善计划.json" in rows["department"][0][8]
    assert sorted(r[5] for r in rows["full"]) == ["A201", "F008", "H500"]
    assert {r[0] for r in rows["full"]} == {"/bureau/returns/教育局/营养改善计划.json"}
    assert any("/bureau/archive/2024/营养改善计划.json" in r[8] for r in rows["full"])


def test_report_cover_letters(run):
    import datetime

    from openpyxl import load_workbook

    _, out, report, _ = run
    wb = load_workbook(out["审核意见.xlsx"])
    text = "\n".join(str(r[0]) for r in wb["审核意见"].iter_rows(values_only=True) if r[0])
    files, returned = len(report["files"]), sum(f["verdict"] == "return" for f in report["files"])
    assert f"经审核，本次报送的 {files} 份材料中 {returned} 份需退回修改，主要问题如下：" in text
    today = datetime.date.today()
    assert f"{today.year}年{today.month}月{today.day}日" in text
    for dep in ("示例区教育局", "示例区卫生健康局"):
        letter = "\n".join(str(r[0]) for r in wb[f"意见·{dep}"].iter_rows(values_only=True) if r[0])
        mine = [f for f in report["files"] if any(d["department"] == dep for d in f["documents"])]
        back = sum(f["verdict"] == "return" for f in mine)
        assert letter.startswith(f"预算绩效审核意见\n{dep}：")
        assert (f"你单位报送的 {len(mine)} 份材料中 {back} 份需退回修改" if back else
                f"你单位报送的 {len(mine)} 份材料均符合要求") in letter
        if back:  # the main problems, by their rule, counted
            assert re.search(r"1\. .+（[A-Z]\d{3}，\d+ 处）", letter)


def test_report_bureau_name_from_the_config(tmp_path):
    from openpyxl import load_workbook

    batch = make_batch(tmp_path)
    (batch / "perflint.toml").write_text('bureau = "示例区财政局"\n', encoding="utf-8")
    path = tmp_path / "r.xlsx"
    check_main([str(batch), "--no-cache", "--format", "text", "-q", "--report", str(path)])
    cover = [r[0] for r in load_workbook(path)["审核意见"].iter_rows(values_only=True)]
    assert "示例区财政局" in cover


def test_report_prints_landscape_one_page_wide_with_rows_that_show_their_text(run):
    from openpyxl import load_workbook

    from perflint.formatters.xlsx_report import FINDING_WIDTHS, _display_width

    _, out, _, _ = run
    wb = load_workbook(out["审核意见.xlsx"])
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
    for name in ("问题清单", "审核结论"):
        assert wb[name].print_title_rows == "$1:$1"
    ws = wb["问题清单"]
    for row in ws.iter_rows(min_row=2):
        for cell, width in zip(row, FINDING_WIDTHS):
            if cell.column_letter in "ABCDHIJ" and isinstance(cell.value, str):
                assert cell.alignment.wrap_text
                lines = -(-_display_width(cell.value) // int(width - 1.5))
                height = ws.row_dimensions[cell.row].height or 15
                assert height >= lines * 15, (cell.coordinate, cell.value, height)
    # no column too narrow for what it holds: 位置 fits a sheet name and a cell on two lines at most
    for cell in ws["H"][1:]:
        assert _display_width(cell.value or "") <= 2 * (FINDING_WIDTHS[7] - 1.5) + 4, cell.value


def test_report_split_by_department(run):
    from openpyxl import load_workbook

    _, out, report, tmp = run
    main = out["审核意见.xlsx"]
    parts = sorted(p.name for p in tmp.glob("审核意见_*.xlsx"))
    assert parts == ["审核意见_未填部门.xlsx", "审核意见_示例区卫生健康局.xlsx", "审核意见_示例区教育局.xlsx"]
    health = load_workbook(tmp / "审核意见_示例区卫生健康局.xlsx")
    rows = list(health["问题清单"].iter_rows(values_only=True))[1:]
    assert rows and all(r[1] == "示例区卫生健康局" for r in rows)
    whole = len(list(load_workbook(main)["问题清单"].iter_rows())) - 1
    split = sum(len(list(load_workbook(tmp / p)["问题清单"].iter_rows())) - 1 for p in parts)
    assert whole == split
    assert split_path("/x/审核意见.xlsx", "a/b:c") == "/x/审核意见_a_b_c.xlsx"


def test_report_text_is_never_a_formula(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    fmt = make_formatter("xlsx", None, str(path), META)
    f = Finding("B101", "project-name-missing", "error", "=HYPERLINK(\"http://x\")", Location("/project/name"))
    doc = DocumentResult("project_target", None, 2025, "1", "=1+1", "部门", (f,), "return", "中")
    fmt.file(FileResult("=a.json", (doc,), (), "return"))
    fmt.close(Summary())
    ws = load_workbook(path)["问题清单"]
    row = [c for c in next(ws.iter_rows(min_row=2))]
    assert row[0].value == "=a.json" and row[0].data_type == "s"
    assert row[8].data_type == "s"


# ---- HTML -----------------------------------------------------------------------------------

def test_html_contains_every_file_and_finding(run):
    from html import escape

    _, out, report, _ = run
    page = out["r.html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    for file in report["files"]:
        assert escape(file["path"]) in page
    for _, _, f in _findings(report):
        assert escape(f["message"]) in page
    assert "示例区卫生健康局" in page and "退回" in page and "通过" in page
    # self-contained: no script, no resource from anywhere
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page


class _Page(HTMLParser):
    """The parts of a report page the tests look at: ids, links, the returned list, the cells with
    their tooltips, and every text node."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.returned: list[tuple[str, str, list[str]]] = []  # (href, path, reasons)
        self.where: list[tuple[str, str | None]] = []  # (text, title) of each location cell
        self.h2: list[str] = []
        self._stack: list[tuple[str, dict]] = []
        self._text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if any(t == "section" for t, _ in self._stack) and tag == "a":
            self.returned.append((attrs["href"], "", []))
        self._stack.append((tag, attrs))
        self._text = []

    def handle_endtag(self, tag):
        while self._stack:
            t, attrs = self._stack.pop()
            text = "".join(self._text)
            if t == "td" and "where" in attrs.get("class", ""):
                self.where.append((text, attrs.get("title")))
            elif t == "h2":
                self.h2.append(text)
            elif t == "a" and self.returned and not self.returned[-1][1]:
                self.returned[-1] = (self.returned[-1][0], text, [])
            elif t == "li" and self.returned and any(x == "ul" for x, _ in self._stack) and text.strip():
                self.returned[-1][2].append(text.strip())
            if t == tag:
                break
        self._text = []

    def handle_data(self, data):
        self._text.append(data)


def test_html_opens_with_the_returned_submissions_and_their_main_reasons(run):
    _, out, report, _ = run
    page = out["r.html"].read_text(encoding="utf-8")
    parsed = _Page(page)
    returned = {f["path"]: f for f in report["files"] if f["verdict"] == "return"}
    assert returned and len(returned) < len(report["files"])
    assert [path for _, path, _ in parsed.returned] == [f["path"] for f in report["files"] if f["verdict"] == "return"]
    assert parsed.h2[0].startswith(f"退回的材料（{len(returned)}）")  # before the department table and the files
    assert page.index('class="returned"') < page.index("逐个文件")
    for href, path, reasons in parsed.returned:
        assert href.startswith("#") and href[1:] in parsed.ids  # each links to its file's section
        section = page[page.index(f'id="{href[1:]}"'):]
        assert escape(path) in section[:section.index("</summary>")]
        errors = [f["code"] for _, _, f in _findings({"files": [returned[path]]})
                  if f["severity"] == "error" and not f.get("waived")]
        assert errors, path  # every returned file of the batch was returned for an error
        codes = [r.split()[0] for r in reasons]
        assert codes and set(codes) <= set(errors), (path, reasons)
        assert errors.count(codes[0]) == max(map(errors.count, errors))  # the most frequent first
        for code, reason in zip(codes, reasons):  # the rule's code and what it checks
            assert CATALOGUE_SUMMARY[code] in reason


def test_html_counts_files_and_documents_by_verdict(run):
    _, out, report, _ = run
    page = out["r.html"].read_text(encoding="utf-8")
    s = report["summary"]
    files, docs = s["files_by_verdict"], s["documents_by_verdict"]
    assert f"<b>{s['files']}</b>文件<br><small>通过 {files['pass']} · 退回 {files['return']}</small>" in page
    assert f"<b>{s['documents']}</b>文档<br><small>通过 {docs['pass']} · 退回 {docs['return']}</small>" in page


def test_html_locations_are_cells_or_field_names_with_the_pointer_as_tooltip(tmp_path):
    path = tmp_path / "x.html"
    fmt = make_formatter("html", None, str(path), META)
    fmt.file(_cell_result())
    score = Finding("S404", "score-formula-mismatch", "error", "得分 12 与公式不符", Location("/indicators/0/score"))
    doc = DocumentResult("project_selfeval", None, 2024, None, "学前教育幼儿资助", "示例区教育局", (score,), "return", "中")
    fmt.file(FileResult("returns/幼儿资助.json", (doc,), (), "return"))
    fmt.close(Summary())
    where = _Page(path.read_text(encoding="utf-8")).where
    assert ("项目支出绩效目标表!E9", "/funds/annual/total") in where
    assert ("指标 1 · 得分", "/indicators/0/score") in where
    assert ("说明", None) in where  # a sheet skipped: no pointer, no tooltip
    assert all(not text.startswith("/") for text, _ in where)  # never a bare pointer


def test_html_has_a_print_stylesheet(run):
    _, out, _, _ = run
    page = out["r.html"].read_text(encoding="utf-8")
    style = page[page.index("<style>"):page.index("</style>")]
    printed = style[style.index("@media print"):]
    assert "@page" in style and "landscape" in style
    # folded sections print unfolded, table heads repeat on each page, a row is never split
    assert "details" in printed and "display:table-header-group" in printed and "break-inside:avoid" in printed
    assert page.count("<thead>") >= page.count("<table>") > 0


def test_html_escapes_submission_text_and_carries_no_control_character(tmp_path):
    path = tmp_path / "x.html"
    fmt = make_formatter("html", None, str(path), META)
    f = Finding("B101", "project-name-missing", "error", "<img src=x onerror=alert(1)>\x1b[31m\x00\x07",
                Location('/indicators/0/name"><script>x</script>'))
    doc = DocumentResult("project_target", None, 2025, None, "<script>alert(2)</script>", "<b>局</b>\x0b",
                         (f,), "return", "差")
    fmt.file(FileResult("<b>\x01.json", (doc,), (f,), "return"))
    summary = Summary()
    summary.add(FileResult("<b>\x01.json", (doc,), (f,), "return"))
    fmt.close(summary)
    page = path.read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img src=x" in page and "&lt;b&gt;.json" in page
    assert "<script" not in page and "&lt;script&gt;alert(2)" in page and "<b>局" not in page
    assert 'title="/indicators/0/name&quot;&gt;&lt;script&gt;' in page  # the tooltip cannot end its attribute
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", page)


def test_html_works_offline(run):
    _, out, _, _ = run
    page = out["r.html"].read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<link" not in page.lower() and "<img" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", page, re.I)
    assert "@import" not in page and "url(" not in page and "@font-face" not in page
    assert all(link.startswith("#") for link in _Page(page).links)


# ---- the closing summary ----------------------------------------------------------------------

def test_rich_summary_by_department_rules_and_slowest(run):
    from rich.console import Console

    from perflint.formatters.rich_console import RichFormatter

    _, _, report, _ = run
    buf = io.StringIO()
    fmt = RichFormatter(None, None, META, quiet=True, console=Console(file=buf, width=160, color_system=None))
    report_through(fmt, (_cell_result(), FileResult("b.json", (), (), "return", 1.5)))
    text = buf.getvalue()
    for word in ("按部门", "示例区教育局", "最常见问题", "A201", "annual-funds-unbalanced", "最慢文件", "b.json", "1.50"):
        assert word in text, word


def test_samples_with_every_report(tmp_path, capsys):
    root = Path(__file__).resolve().parent.parent
    code = check_main([str(root / "samples"), "--isolated", "-j", "2", "--format", "text", "-q",
                       "-o", f"sarif:{tmp_path / 'x.sarif'}", "-o", f"html:{tmp_path / 'x.html'}",
                       "--report", str(tmp_path / "审核意见.xlsx")])
    assert code in (0, 1)
    sarif = json.loads((tmp_path / "x.sarif").read_text(encoding="utf-8"))
    assert not list(_sarif_validator().iter_errors(sarif))
    assert (tmp_path / "审核意见.xlsx").stat().st_size > 0 and (tmp_path / "x.html").stat().st_size > 0
    capsys.readouterr()


def test_a_report_that_cannot_be_written_is_a_clear_error(tmp_path, capsys):
    sample = str(Path(__file__).resolve().parent.parent / "samples" / "json" / "project_target_clean.json")
    assert check_main([sample, "--isolated", "-o", f"sarif:{tmp_path / 'no' / 'x.sarif'}"]) == 2
    assert "cannot write the sarif report" in capsys.readouterr().err
    assert check_main([sample, "--isolated", "--report", str(tmp_path / "审核意见.csv")]) == 2
    assert "FILE.xlsx" in capsys.readouterr().err
    (tmp_path / "busy.xlsx").mkdir()  # a folder where the workbook should go: refused before any file is read
    code = check_main([sample, "--isolated", "--format", "text", "--report", str(tmp_path / "busy.xlsx"),
                       "-o", f"json:{tmp_path / 'r.json'}"])
    assert code == 2 and "busy.xlsx" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()  # (a report failing at the end: tests/test_integrity.py)


def test_junit_survives_control_characters_from_a_damaged_file(tmp_path):
    path = tmp_path / "r.xml"
    fmt = make_formatter("junit", None, str(path), META)
    f = Finding("F001", "unreadable-file", "error", "坏字节\x01\x1f在这里", Location(""))
    fmt.file(FileResult("a\x02.json", (), (f,), "return"))
    fmt.close(Summary())
    case = ET.parse(path).getroot().find("testsuite/testcase")
    assert case.get("classname") == "a.json" and "坏字节在这里" in case.find("failure").text


# ---- --lang en --------------------------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# what the forms themselves say in Chinese and an officer writes so, in English output too: the
# grades, project attributes, the 定性 operator, the unit note, placeholders the rules quote
FORM_WORDS = ("优", "良", "中", "差", "新增", "延续", "新增项目", "延续项目", "延续性项目", "经常性项目", "一次性项目",
              "定性", "已开展", "单位：元", "元/万元", "万元", "指标", "待定", "另行确定", "较好", "显著提升", "……", "指标2")


def _data_strings(paths: list[Path]) -> list[str]:
    """Every string of the submissions (keys and values) and their file names: data stays as written."""
    from perflint.catalogue import default_catalogue as catalogue
    from perflint.profiles import load_profile

    found: set[str] = set()

    def walk(v):
        if isinstance(v, str):
            found.add(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                found.add(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for p in paths:
        walk(json.loads(p.read_text(encoding="utf-8")))
        found.update({str(p), p.name, p.stem})
    for level1, level2 in load_profile("national", catalogue()).tree.items():  # the profile's indicator tree
        for name in (level1, *level2):
            found.update({name, name.removesuffix("指标"), name.removesuffix("成本指标")})
    found.update(FORM_WORDS)
    return sorted((s for s in found if CJK.search(s)), key=len, reverse=True)


def _rich_en(paths: list[Path]) -> str:
    """The terminal's output in English, wide enough that no cell folds (a folded name is still data)."""
    from rich.console import Console

    from perflint.api import check_paths
    from perflint.formatters.rich_console import RichFormatter

    buf = io.StringIO()
    fmt = RichFormatter(None, None, ReportMeta("0", "national", "en"), console=Console(file=buf, width=1000,
                                                                                       color_system=None))
    report_through(fmt, check_paths([str(p) for p in paths], lang="en"))
    return buf.getvalue()


def test_english_outputs_leave_no_chinese_in_fixed_text(tmp_path, capsys):
    from openpyxl import load_workbook

    root = Path(__file__).resolve().parent.parent / "samples"
    paths = sorted([*(root / "json").glob("*.json"), *(root / "returns").glob("*.json")])
    code = check_main([*map(str, paths), "--isolated", "--no-cache", "--lang", "en", "--format", "text",
                       "-o", f"html:{tmp_path / 'r.html'}", "--report", str(tmp_path / "r.xlsx")])
    assert code == 1
    outputs = {"text": capsys.readouterr().out, "html": (tmp_path / "r.html").read_text(encoding="utf-8")}
    outputs["rich"] = _rich_en(paths)
    for ws in load_workbook(tmp_path / "r.xlsx").worksheets:
        outputs[ws.title] = "\n".join([ws.title, *(str(c) for row in ws.iter_rows(values_only=True)
                                                    for c in row if c is not None)])
    assert {"Review letter", "Summary", "Findings", "Verdicts"} <= set(outputs)
    data = _data_strings(paths)
    for name, text in outputs.items():
        assert "A201" in text or name not in ("text", "html", "rich", "Findings"), name  # the findings are there
        for line in text.splitlines():
            left = line
            for s in data:
                left = left.replace(s, "")
            assert not CJK.search(left), (name, line[:300], CJK.findall(left))
