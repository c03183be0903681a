"""`--annotate DIR`: the submitter's own workbook with its problem cells marked."""
from __future__ import annotations

import hashlib
import re
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perflint.annotate import FILL, annotate_workbook, annotated_name
from perflint.api import check_paths
from perflint.check_cli import main as check_main
from perflint.model import FileResult, Finding, Location

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
XLSX = SAMPLES / "xlsx" / "2024_城镇老旧小区改造_项目支出绩效自评表.xlsx"
XLSM = SAMPLES / "xlsx" / "2025_城乡供水一体化_绩效目标表.xlsm"
XLS = SAMPLES / "xls" / "2025_农村公路养护工程_绩效目标申报表.xls"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown(result: FileResult) -> list[Finding]:
    return [f for f in result.all_findings() if f.severity != "info" and f.code != "H500"]


@pytest.mark.parametrize("source", [XLSX, XLSM, XLS], ids=["xlsx", "xlsm", "xls"])
def test_every_finding_cell_is_filled_and_commented(source, tmp_path):
    before = _digest(source)
    result = check_paths([str(source)])[0]
    assert _shown(result), "the sample must have findings for this test to mean anything"
    wb = load_workbook(io.BytesIO(annotate_workbook(source, result)))
    assert _digest(source) == before  # the original is only read
    assert wb.sheetnames[0] == "审核意见" and wb.active.title == "审核意见"
    cells = 0
    for f in _shown(result):
        if not f.location.cell:
            continue
        cell = wb[f.location.sheet][f.location.cell]
        if type(cell).__name__ == "MergedCell":  # marked at the first cell of its merged range
            rng = next(r for r in wb[f.location.sheet].merged_cells.ranges if f.location.cell in r)
            cell = wb[f.location.sheet].cell(rng.min_row, rng.min_col)
        assert cell.comment is not None and f.code in cell.comment.text and f.message in cell.comment.text
        assert "整改建议" in cell.comment.text
        if not f.waived:
            assert cell.fill.fgColor.rgb.endswith(FILL["error"] if any(
                g.severity == "error" and g.location.cell == f.location.cell for g in _shown(result)) else FILL[f.severity])
        cells += 1
    assert cells
    review = wb["审核意见"]
    rows = list(review.iter_rows(values_only=True))
    assert rows[2][:2] == ("审核结论", "退回" if result.verdict == "return" else "通过")
    codes = [r[2] for r in rows if r and isinstance(r[0], int)]
    assert sorted(codes) == sorted(f.code for f in _shown(result))
    links = [c.hyperlink.location for row in review.iter_rows() for c in row if c.hyperlink is not None]
    assert any(f"!{f.location.cell}" in link for link in links for f in _shown(result) if f.location.cell)


def test_the_original_sheets_values_merges_formats_and_widths_are_kept():
    result = check_paths([str(XLSX)])[0]
    original = load_workbook(XLSX)
    copy = load_workbook(io.BytesIO(annotate_workbook(XLSX, result)))
    assert copy.sheetnames[1:] == original.sheetnames
    for ws in original.worksheets:
        cw = copy[ws.title]
        assert {str(r) for r in ws.merged_cells.ranges} == {str(r) for r in cw.merged_cells.ranges}
        for row in ws.iter_rows():
            for c in row:
                if type(c).__name__ == "MergedCell":
                    continue
                twin = cw[c.coordinate]
                assert (twin.value, twin.number_format) == (c.value, c.number_format)
        for key, dim in ws.column_dimensions.items():
            assert cw.column_dimensions[key].width == dim.width


def test_an_xls_gives_an_xlsx_with_its_values_and_merges():
    from python_calamine import CalamineWorkbook

    result = check_paths([str(XLS)])[0]
    data = annotate_workbook(XLS, result)
    assert data[:2] == b"PK" and annotated_name(str(XLS)).endswith("绩效目标申报表.审核.xlsx")
    copy = load_workbook(io.BytesIO(data))
    book = CalamineWorkbook.from_path(str(XLS))
    name = book.sheet_names[0]
    sheet = book.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value not in ("", None):
                assert copy[name].cell(r, c).value == value
    assert len(copy[name].merged_cells.ranges) == len(sheet.merged_cell_ranges)


def test_a_finding_without_a_cell_is_listed_with_where_the_field_was_expected():
    result = check_paths([str(XLSX)])[0]
    doc = result.documents[0]
    missing = Finding("B104", "missing-project-code", "warning", "项目编码为空", Location("/project/code", doc.sheet, None))
    result = FileResult(result.path, (type(doc)(*[getattr(doc, f) for f in doc.__slots__[:6]],
                                                 doc.findings + (missing,), doc.verdict, doc.grade),),
                        result.findings, result.verdict)
    wb = load_workbook(io.BytesIO(annotate_workbook(XLSX, result)))
    row = next(r for r in wb["审核意见"].iter_rows(values_only=True) if r[2] == "B104")
    assert "应填于" in row[3] and "项目编码" in row[3] and doc.sheet in row[3]


def test_cli_writes_a_copy_per_workbook_and_says_once_that_json_gets_none(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for p in (XLSX, XLS, SAMPLES / "json" / "2024_学前教育幼儿资助_项目自评表_得分不符.json",
              SAMPLES / "json" / "2024_城乡居民医保补助_项目自评表_超预算执行.json"):
        (src / p.name).write_bytes(p.read_bytes())
    before = {p.name: _digest(p) for p in src.iterdir()}
    out = tmp_path / "marked"
    code = check_main([str(src), "--annotate", str(out), "--format", "text", "--no-cache"])
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([annotated_name(XLSX.name), annotated_name(XLS.name)])
    assert {p.name: _digest(p) for p in src.iterdir()} == before
    err = capsys.readouterr().err
    assert err.count("JSON") == 1 and "2 份 JSON" in err
    assert "已写出 2 份标注副本" in err


def test_submission_text_in_a_comment_is_never_a_formula(tmp_path):
    result = check_paths([str(XLSX)])[0]
    doc = result.documents[0]
    evil = Finding("B101", "missing-name", "error", "=HYPERLINK(\"http://x\")\x07", Location("/project/name", doc.sheet, "B3"))
    result = FileResult(result.path, (type(doc)(*[getattr(doc, f) for f in doc.__slots__[:6]],
                                                 (evil,), "return", "中"),), (), "return")
    wb = load_workbook(io.BytesIO(annotate_workbook(XLSX, result)))
    cells = [c for row in wb["审核意见"].iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and "\x07" not in c.value for c in cells)


def _xls_with(cells: dict[tuple[int, int], str], path: Path) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("项目支出绩效目标表")
    for (r, c), value in cells.items():
        sheet.write(r, c, value)
    book.save(str(path))
    return path


def test_text_from_the_submission_is_never_a_formula_in_the_copy(tmp_path):
    from openpyxl import Workbook

    formula = '=HYPERLINK("http://evil.example","点击")'
    xls = _xls_with({(0, 0): "项目名称", (0, 1): formula, (1, 0): "+1+2", (1, 1): "坏\x1b[31m字\x85符"},
                    tmp_path / "=cmd.xls")
    wb = Workbook()
    wb.active.title = "项目支出绩效目标表"
    wb.active["B1"] = formula
    wb.active["B1"].data_type = "s"  # text in the original, as a submitter typed it with a leading '
    wb.save(tmp_path / "=cmd.xlsx")
    for source in (xls, tmp_path / "=cmd.xlsx"):
        where = Location("/project/name", "项目支出绩效目标表", "B1")
        f = Finding("B101", "missing-name", "error", f"项目名称“{formula}”不是名称\x9b2J", where)
        result = FileResult(str(source), (), (f,), "return")
        copy = load_workbook(io.BytesIO(annotate_workbook(source, result)))
        cell = copy["项目支出绩效目标表"]["B1"]
        assert (cell.value, cell.data_type) == (formula, "s")
        assert "\x9b" not in cell.comment.text and formula in cell.comment.text
        texts = [c for ws in copy.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert not [c.coordinate for c in texts if c.data_type == "f"]  # nothing became a formula
        assert not [c.value for c in texts if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", c.value)]
        assert ("文件", "=cmd" + source.suffix) in set(copy["审核意见"].iter_rows(values_only=True, max_col=2))
    rebuilt = load_workbook(io.BytesIO(annotate_workbook(xls, FileResult(str(xls), (), (), "pass"))))
    assert rebuilt.worksheets[1]["A2"].value == "+1+2" and rebuilt.worksheets[1]["A2"].data_type == "s"
    assert rebuilt.worksheets[1]["B2"].value == "坏[31m字符"


@pytest.mark.parametrize("location, expected", [
    (Location("/funds/total/executed"), "未定位到单元格，应填于：年度资金总额 · 全年执行数"),
    (Location("/indicators/2/unit", "项目支出绩效目标表"), "项目支出绩效目标表 · 未定位到单元格，应填于：指标 3 · 度量单位"),
    (Location(""), "未定位到单元格，应填于：整个文件"),
])
def test_each_finding_without_a_cell_says_where_the_field_was_expected(location, expected):
    result = check_paths([str(XLSX)])[0]
    doc = result.documents[0]
    f = Finding("B104", "missing-project-code", "warning", "缺少该项", location)
    result = FileResult(result.path, (type(doc)(*[getattr(doc, n) for n in doc.__slots__[:6]], (f,), "pass", "优"),),
                        (), "pass")
    rows = [r for r in load_workbook(io.BytesIO(annotate_workbook(XLSX, result)))["审核意见"].iter_rows(values_only=True)
            if r[2] == "B104"]
    assert [r[3] for r in rows] == [expected]


def test_several_findings_on_one_cell_share_one_comment_and_the_worst_colour():
    result = check_paths([str(XLSX)])[0]
    doc = result.documents[0]
    where = Location("/project/name", doc.sheet, "B3")
    warning = Finding("B104", "missing-project-code", "warning", "第一条提醒", where)
    error = Finding("B101", "missing-name", "error", "第二条错误", where)
    result = FileResult(result.path, (type(doc)(*[getattr(doc, n) for n in doc.__slots__[:6]], (warning, error),
                                                 "return", "中"),), (), "return")
    ws = load_workbook(io.BytesIO(annotate_workbook(XLSX, result)))[doc.sheet]
    rng = next((r for r in ws.merged_cells.ranges if "B3" in r), None)  # marked at a merge's first cell
    cell = ws.cell(rng.min_row, rng.min_col) if rng else ws["B3"]
    text = cell.comment.text
    assert text.index("[B104] 第一条提醒") < text.index("[B101] 第二条错误")
    assert text.count("整改建议") == 2
    assert cell.fill.fgColor.rgb.endswith(FILL["error"])


def test_the_review_sheet_prints_with_its_header_repeated_and_rows_that_show_their_text():
    from perflint.annotate import _WIDTHS, _display_width

    result = check_paths([str(XLSX)])[0]
    ws = load_workbook(io.BytesIO(annotate_workbook(XLSX, result)))["审核意见"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "序号")
    assert [c.value for c in ws[head]] == ["序号", "级别", "规则", "位置", "说明", "整改建议"]
    assert all(c.fill.fgColor.rgb.endswith("DDEBF7") and c.font.b for c in ws[head])  # the styled row is the header
    assert ws.print_title_rows == f"${head}:${head}" and ws.freeze_panes == f"A{head + 1}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    rows = list(ws.iter_rows(min_row=head + 1))
    assert rows
    for row in rows:
        for cell, width in zip(row, _WIDTHS):
            if isinstance(cell.value, str):
                assert cell.alignment.wrap_text
                lines = -(-_display_width(cell.value) // int(width - 1.5))
                assert (ws.row_dimensions[cell.row].height or 15) >= 15 * lines, (cell.coordinate, cell.value)
    assert {str(r) for r in ws.merged_cells.ranges} >= {"B2:F2", "B3:F3"}  # file name and verdict span the table


def _xls_sheet_named(name: str, path: Path) -> Path:
    """A legacy workbook whose sheet has a name Excel itself would refuse (xlwt checks; other tools don't)."""
    import sys

    import xlwt

    sys.path.insert(0, str(Path(__file__).parent))
    from excel_workbooks import project_target, save
    from fixturelib import FAULTY

    lay = project_target(FAULTY)
    lay.sheet = "placeholder"
    original = xlwt.Workbook.add_sheet

    def add_sheet(self, _name, cell_overwrite_ok=False):
        ws = original(self, "placeholder", cell_overwrite_ok)
        ws._Worksheet__name = name
        return ws

    xlwt.Workbook.add_sheet = add_sheet
    try:
        return save([lay], path)
    finally:
        xlwt.Workbook.add_sheet = original


@pytest.mark.parametrize("sheet", ["项目支出绩效目标表[1]:*?", "A" * 40, "审核意见", "'引号'"])
def test_an_xls_sheet_name_excel_refuses_still_gets_its_marked_copy(sheet, tmp_path):
    source = _xls_sheet_named(sheet, tmp_path / "in.xls")
    result = check_paths([str(source)])[0]
    assert any(f.location.sheet == sheet and f.location.cell for f in _shown(result))
    wb = load_workbook(io.BytesIO(annotate_workbook(source, result)))
    assert len(wb.sheetnames) == 2 and wb.sheetnames[0].startswith("审核意见")
    copy = wb.worksheets[1]
    assert not re.search(r"[\\/?*:\[\]]", copy.title) and len(copy.title) <= 31 and not copy.title.startswith("'")
    marked = [c for row in copy.iter_rows() for c in row if c.comment is not None]
    assert marked and all(c.fill.fgColor.rgb.endswith(FILL["error"]) for c in marked if "A201" in c.comment.text)
    links = [c.hyperlink.location for row in wb.worksheets[0].iter_rows() for c in row if c.hyperlink is not None]
    assert links and all(link.startswith(f"'{copy.title}'!") for link in links)


def test_a_workbook_that_cannot_be_marked_costs_its_own_copy_only(tmp_path, monkeypatch, capsys):
    import perflint.annotate as annotate

    real = annotate._review_sheet

    def explode(wb, names, result, *a, **k):
        if "bad" in result.path:
            raise ValueError("something openpyxl refuses")
        return real(wb, names, result, *a, **k)

    monkeypatch.setattr(annotate, "_review_sheet", explode)
    (tmp_path / "in").mkdir()
    for name in ("bad.xlsx", "good.xlsx"):
        (tmp_path / "in" / name).write_bytes(XLSX.read_bytes())
    code = check_main([str(tmp_path / "in" / "bad.xlsx"), str(tmp_path / "in" / "good.xlsx"), "--format", "text",
                       "--annotate", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.审核.xlsx"]
    assert "bad.xlsx" in err and "something openpyxl refuses" in err


@pytest.mark.parametrize("where", [".", "in", "in/sub", "link"])
def test_copies_never_go_into_a_folder_the_run_checks(where, tmp_path, monkeypatch, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(XLSX.read_bytes())
    (tmp_path / "link").symlink_to(tmp_path / "in")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in (tmp_path / "in").rglob("*"))
    code = check_main(["in" if where != "." else ".", "--format", "text", "--annotate", where])
    err = capsys.readouterr().err
    assert code == 2 and "--annotate" in err and "nothing was written" in err
    assert sorted(p.name for p in (tmp_path / "in").rglob("*")) == before


def test_a_copy_never_replaces_a_file_the_run_has_still_to_read(tmp_path, monkeypatch, capsys):
    # a.xlsx's copy would be a.审核.xlsx, which is itself a submission of the run, named after it
    (tmp_path / "a.xlsx").write_bytes(XLSX.read_bytes())
    (tmp_path / "a.审核.xlsx").write_bytes(XLSM.read_bytes())
    before = _digest(tmp_path / "a.审核.xlsx")
    monkeypatch.chdir(tmp_path)
    code = check_main(["a.xlsx", "a.审核.xlsx", "--format", "text", "--annotate", "."])
    err = capsys.readouterr().err
    assert code == 1 and _digest(tmp_path / "a.审核.xlsx") == before
    assert "a.审核.xlsx is a checked file" in err
