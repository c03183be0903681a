"""Submission text is data in every output: no formula, markup, terminal control, extra line or
control character gets through, whatever a department writes into its form."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.dom.minidom
from pathlib import Path

import pytest

from fixturelib import CLEAN, FAULTY, apply_patch, report_through, write
from perflint.check_cli import main as check

FORMULA = '=HYPERLINK("http://evil.example/","点此查看")'
NAME = ("营养改善[/]计划[link=https://evil.example/]点我[/link]\x1b[31m红\x1b]8;;http://evil.example/\x07链接\x07"
        "\n::add-mask::secret\r\x00\x01尾")
CONTROLS = ("\x00", "\x01", "\x1b", "\x07")


def hostile(doc: dict, department: str = FORMULA, name: str = NAME) -> dict:
    return apply_patch(doc, [{"set": "/project/department/name", "value": department},
                             {"set": "/project/name", "value": name}])


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "in" / "a.json", hostile(FAULTY))
    write(tmp_path / "in" / "b.json", hostile(apply_patch(CLEAN, [{"set": "/project/code", "value": "511703250077"}]),
                                              department="教育局\x00\x01"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def run(argv, capsys) -> tuple[int, str, str]:
    code = check(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def workbook_cells(path: Path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_no_submission_text_becomes_a_formula_in_the_report_or_the_ledger(run_dir, capsys):
    (run_dir / "out").mkdir()
    code, _, err = run(["in", "--format", "text", "--report", "out/审核意见.xlsx", "--report-split", "department",
                        "--ledger", "out/ledger.xlsx"], capsys)
    assert code == 1, err
    books = sorted((run_dir / "out").glob("*.xlsx"))
    assert len(books) == 4, books  # the report, two departments' reports, the ledger
    for book in books:
        cells = list(workbook_cells(book))
        assert not [c.coordinate for c in cells if c.data_type == "f"], book.name
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not any(ch in t for t in texts for ch in CONTROLS), book.name
    summary = [c.value for c in workbook_cells(run_dir / "out" / "审核意见.xlsx")]
    assert FORMULA in summary  # shown as the text it is, in 汇总 and 问题清单
    assert FORMULA in [c.value for c in workbook_cells(run_dir / "out" / "ledger.xlsx")]


def test_csv_ledger_neutralises_what_a_spreadsheet_would_evaluate():
    from perflint.ledger import COLUMNS, write_ledger

    starts = ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\ry", "plain", "中文=1"]
    rows = [{**{c: None for c in COLUMNS}, "path": f"f{i}.json", "department": text, "name": text,
             "review_grade": "中", "verdict": "return", "errors": 1, "warnings": 0, "findings": "A201"}
            for i, text in enumerate(starts)]
    out = Path(__import__("tempfile").mkdtemp()) / "ledger.csv"
    write_ledger(rows, str(out))
    with open(out, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    shown = [r["department"] for r in table]
    assert shown[:6] == ["'=1+2", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\ry"]
    assert shown[6:] == ["plain", "中文=1"]


def test_text_format_gives_one_line_per_finding_with_controls_escaped(run_dir, capsys):
    code, out, _ = run(["in", "--format", "text"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert not any(line.startswith("::") for line in lines), "a name started a GitHub workflow command"
    assert not any(ch in out for ch in CONTROLS + ("\r",))
    assert "\\n::add-mask::secret\\r" in out and "\\x1b[31m" in out and "\\x00\\x01" in out
    # every line is a file, a document or a finding: indented by 0, 2 or 4, never a stray continuation
    body = [line for line in lines if not line.startswith(("汇总", "in/", "未核验"))]  # summary lines
    assert body and all(line.startswith("  ") for line in body)
    findings = sum(1 for line in body if line.startswith("    "))
    report = json.loads(run(["in", "--format", "json"], capsys)[1])
    assert findings == sum(len(d["findings"]) for f in report["files"] for d in f["documents"])


def test_rich_output_shows_markup_literally_and_passes_no_control_sequence(run_dir):
    from rich.console import Console

    from perflint.api import check_paths
    from perflint.formatters.rich_console import RichFormatter
    from perflint.report import ReportMeta

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=200, highlight=False, color_system="standard")
    fmt = RichFormatter(None, None, ReportMeta("0", "national"), console=console)
    report_through(fmt, check_paths([str(run_dir / "in")]))  # a MarkupError here was the crash on `[/]`
    out = buf.getvalue()
    assert "[/]" in out and "[link=https://evil.example/]" in out
    assert "\x1b]8;" not in out, "a live terminal hyperlink"
    assert "\x07" not in out and "\x00" not in out and "\x01" not in out
    assert "\x1b[31m红" not in out and "\\x1b[31m红" in out  # the submission's escape is shown, not obeyed


def test_html_junit_sarif_json_carry_no_control_character(run_dir, capsys):
    (run_dir / "o").mkdir()
    code, _, err = run(["in", "--format", "text", "-o", "html:o/r.html", "-o", "junit:o/r.xml",
                        "-o", "sarif:o/r.sarif", "-o", "json:o/r.json"], capsys)
    assert code == 1, err
    html = (run_dir / "o" / "r.html").read_text(encoding="utf-8")
    assert not any(ch in html for ch in CONTROLS)
    assert "[link=https://evil.example/]" in html
    assert all(re.fullmatch(r"#f\d+", href) for href in re.findall(r"<a href=\"?([^\" >]*)", html))  # its own sections only
    assert "&quot;" in html  # the formula's quotes, escaped
    xml.dom.minidom.parse(str(run_dir / "o" / "r.xml"))
    json.loads((run_dir / "o" / "r.sarif").read_text(encoding="utf-8"))
    report = json.loads((run_dir / "o" / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["files"] == 2


def test_nul_in_a_name_never_stops_the_report(run_dir, capsys):
    code, _, err = run(["in", "--format", "text", "--report", "r.xlsx", "--report-split", "department"], capsys)
    assert code == 1, err
    names = sorted(p.name for p in run_dir.glob("r*.xlsx"))
    assert len(names) == 3 and "r_教育局.xlsx" in names, names


def test_the_escapes_themselves():
    from perflint.formatters.safe import cell_text, csv_cell, html_text, one_line, strip_controls

    assert one_line("a\nb\r\tc\x1b\x07\u2028\x85") == "a\\nb\\r\\tc\\x1b\\x07\\u2028\\x85"
    assert one_line("名\udcff") == "名\\xff"  # a file name's byte that is not UTF-8
    assert strip_controls("a\x00b\x01c\x7f\td\n") == "abc\td\n"
    assert cell_text(5) == 5 and cell_text("=x\x00") == "=x"
    assert csv_cell(-3) == -3 and csv_cell("-3") == "'-3"
    assert html_text('<b a="1">\x00') == "&lt;b a=&quot;1&quot;&gt;"


# departments whose names Excel refuses as sheet titles, or that only differ past the 31-character cut,
# by case or by width: each still gets its own letter in the report, on a sheet Excel opens unrepaired
AWKWARD_DEPARTMENTS = ["教育局[]:*?/\\", "[link=https://evil.example/]x[/link][/]", "'引号局'", "长" * 10000,
                       "长" * 10000 + "乙", "Abc局", "abc局", "ＡＢＣ局", "\t=1+1", "\r=1+1", "History"]


def test_every_department_name_gets_a_letter_on_a_sheet_excel_accepts(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git").mkdir()
    for i, dep in enumerate(AWKWARD_DEPARTMENTS):
        code = f"5117032500{i:02d}"
        write(tmp_path / "in" / f"{i:02d}.json", hostile(apply_patch(FAULTY, [{"set": "/project/code", "value": code}]),
                                                          department=dep, name=f"项目{i}"))
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["in", "--format", "text", "--no-cache", "--report", "r.xlsx", "--report-split", "department"],
                       capsys)
    assert code == 1 and "Traceback" not in err, err
    from openpyxl import load_workbook

    titles = load_workbook(tmp_path / "r.xlsx").sheetnames
    letters = [t for t in titles if t.startswith("意见·")]
    assert len(letters) == len(AWKWARD_DEPARTMENTS)
    folded = [__import__("unicodedata").normalize("NFKC", t).casefold() for t in titles]
    assert len(set(folded)) == len(folded)  # Excel tells sheets apart by neither case nor width
    for t in titles:
        assert len(t.encode("utf-16-le")) // 2 <= 31 and not re.search(r"[\\/?*:\[\]\x00-\x1f]", t), t
        assert not t.startswith("'") and not t.endswith("'"), t
    split = [p.name for p in tmp_path.glob("r_*.xlsx")]
    assert len(split) == len(AWKWARD_DEPARTMENTS)
    # apart on a file system that folds case (Windows) or composed forms (macOS) too
    assert len({__import__("unicodedata").normalize("NFKC", n).casefold() for n in split}) == len(split)


def test_sheet_title():
    from perflint.formatters.safe import sheet_title, taken_titles

    taken = taken_titles(["审核意见", "汇总"])
    assert sheet_title("审核意见", taken) == "审核意见(2)"
    assert sheet_title("a[b]:c*d?e/f\\g", taken) == "a_b_c_d_e_f_g"
    assert sheet_title("'x'", taken) == "x" and sheet_title("\x00\x07", taken) == "Sheet"
    assert sheet_title("history") == "history(2)"  # Excel keeps that name for itself
    long = sheet_title("长" * 40, taken)
    assert long == "长" * 31 and sheet_title("长" * 40, taken) == "长" * 28 + "(2)"
    assert sheet_title("ＡＢＣ", taken) == "ＡＢＣ" and sheet_title("abc", taken) == "abc(2)"
    assert sheet_title("𠀀" * 20) == "𠀀" * 15  # beyond the BMP a character counts two of the 31


def test_a_bidi_override_is_shown_escaped_on_a_terminal_and_removed_from_files(tmp_path, monkeypatch, capsys):
    # U+202E shows "gpj.exe" as "exe.jpg": never obeyed where a reviewer reads a name
    (tmp_path / ".git").mkdir()
    write(tmp_path / "in" / "a.json", hostile(FAULTY, department="\u2066局\u2069", name="\u202egpj.exe\u202c项目"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["in", "--format", "text", "--report", "r.xlsx", "-o", "html:r.html", "-o", "junit:r.xml",
                          "-o", "github:gh.txt"], capsys)
    assert code == 1, err
    bidi = re.compile("[\u202a-\u202e\u2066-\u2069]")
    assert not bidi.search(out) and "\\u202egpj.exe\\u202c项目" in out
    for name in ("r.html", "r.xml", "gh.txt"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert not bidi.search(text), name
    assert "gpj.exe项目" in (tmp_path / "r.html").read_text(encoding="utf-8")
    values = [c.value for c in workbook_cells(tmp_path / "r.xlsx") if isinstance(c.value, str)]
    assert "局" in values and not any(bidi.search(v) for v in values)


def test_junit_names_are_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "in" / "a\nb.json", hostile(FAULTY, department="部门", name="项目\n::error::假"))
    write(tmp_path / "in" / "c.json", hostile(apply_patch(FAULTY, [{"remove": "/project/code"}]), department="部门\u2028二",
                                              name="项目\r\n二\x85"))
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["in", "--format", "text", "-o", "junit:r.xml"], capsys)
    assert code == 1, err
    dom = xml.dom.minidom.parse(str(tmp_path / "r.xml"))
    attrs = [el.getAttribute(a) for tag in ("testsuite", "testcase", "failure")
             for el in dom.getElementsByTagName(tag) for a in ("name", "classname", "message") if el.hasAttribute(a)]
    assert any("a\\nb.json" in a for a in attrs) and any("项目\\r\\n二" in a for a in attrs), attrs
    assert not [a for a in attrs if re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", a)]
