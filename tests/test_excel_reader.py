"""The workbook reader: real layouts in .xlsx and .xls read into the canonical documents of JSON."""
from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest

import excel_workbooks as xw
from fixturelib import approx_numbers
from perflint.api import check_paths
from perflint.model import thaw
from perflint.readers import Limits, ReaderOptions, read_path
from perflint.readers.excel import read_workbook
from perflint.readers.normalise import Normaliser

SUFFIXES = (".xlsx", ".xls")


def canonical(kind: str) -> dict:
    doc = xw._base(kind)
    return Normaliser(kind).run(copy.deepcopy(doc))


def read(layouts, tmp_path: Path, suffix: str = ".xlsx", options: ReaderOptions | None = None, name="input"):
    path = xw.save(layouts if isinstance(layouts, list) else [layouts], tmp_path / f"{name}{suffix}")
    return read_workbook(str(path), options or ReaderOptions()), path


def only_doc(outcome):
    assert len(outcome.documents) == 1, [(c, dict(h.args)) for c, h in outcome.hits]
    return outcome.documents[0]


def cells(doc) -> dict[str, str]:
    return {ptr: str(cell) for ptr, cell in doc.locations.items()}


LAYOUTS = [
    ("project_target", "reference", lambda d: xw.project_target(d)),
    ("project_target", "variant", lambda d: xw.project_target(d, "variant")),
    ("project_selfeval", "national", lambda d: xw.project_selfeval(d)),
    ("project_selfeval", "provincial", lambda d: xw.project_selfeval(d, "provincial")),
    ("dept_target", "reference", xw.dept_target),
    ("dept_selfeval", "reference", xw.dept_selfeval),
]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind, layout, build", LAYOUTS, ids=[f"{k}-{l}" for k, l, _ in LAYOUTS])
def test_layout_reads_into_the_json_document(kind, layout, build, suffix, tmp_path):
    outcome, _ = read(build(xw._base(kind)), tmp_path, suffix)
    doc = only_doc(outcome)
    assert outcome.hits == []
    assert doc.kind == kind
    assert doc.reader_hits == ()
    assert thaw(doc.data) == approx_numbers(canonical(kind))


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind, layout, build", LAYOUTS, ids=[f"{k}-{l}" for k, l, _ in LAYOUTS])
def test_layout_checks_like_its_json(kind, layout, build, suffix, tmp_path):
    """Same findings (code and pointer) from the workbook as from the JSON it was built from."""
    doc = xw._base(kind)
    # a fault the rules see: a target without its value, a total score that is not the sum
    if kind.endswith("selfeval"):
        doc["total_score"] = 80
        doc["indicators"][0]["score"] = 12
    else:
        doc["indicators"][0]["value"] = None
    src = tmp_path / "doc.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    path = xw.save([build(doc)], tmp_path / f"doc{suffix}")
    by_json, by_book = check_paths([str(src), str(path)])

    def pairs(result):
        return sorted((f.code, f.location.pointer) for f in result.all_findings() if not f.code.startswith("H"))

    assert pairs(by_book) == pairs(by_json)
    assert pairs(by_book), "the fault is found"
    located = [f for f in by_book.all_findings() if f.location.pointer.startswith("/indicators/0")]
    assert located and all(f.location.sheet and f.location.cell for f in located)


def test_every_value_keeps_its_cell(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    doc = only_doc(read(lay, tmp_path)[0])
    where = cells(doc)
    # title row 1, 单位 row 2, identification rows 3–6, funds rows 7–9 (中期 in B/C, 年度 in D/E)
    assert where["/fiscal_year"] == "Sheet1!A1"
    assert where["/project/name"] == "Sheet1!B3"
    assert where["/project/code"] == "Sheet1!E3"
    assert where["/project/department/code"] == "Sheet1!B4"
    assert where["/funds/medium_term/total"] == "Sheet1!C7"
    assert where["/funds/medium_term/fiscal"] == "Sheet1!C8"
    assert where["/funds/annual/total"] == "Sheet1!E7"
    assert where["/funds/annual/fiscal"] == "Sheet1!E8"
    assert where["/funds/annual/other"] == "Sheet1!E9"
    assert where["/goals/medium_term"] == "Sheet1!B11"
    assert where["/goals/annual"] == "Sheet1!D11"
    assert where["/indicators/0"] == "Sheet1!C13"
    assert where["/indicators/0/value"] == "Sheet1!E13"
    assert where["/indicators/2/level1"] == "Sheet1!A13"  # merged 一级: its top-left cell


def test_same_label_in_two_columns_is_told_apart_by_position(tmp_path):
    doc = only_doc(read(xw.project_target(xw._base("project_target")), tmp_path)[0])
    assert thaw(doc.data["funds"]) == {"medium_term": {"total": 6000, "fiscal": 5800, "other": 200},
                                       "annual": {"total": 1300, "fiscal": 1250, "other": 50}}


def test_funds_in_a_grid_of_headers_and_row_labels(tmp_path):
    lay = xw.Layout()
    lay.line("项目支出绩效目标表（2025年度）")
    lay.line("项目名称", "示例项目", "项目编码", "511703250012")
    lay.line(None, "中期资金总额", "年度资金总额")
    lay.line("资金总额", 6000, 1300)
    lay.line("其中：财政拨款", 5800, 1250)
    lay.line("其他资金", 200, 50)
    lay.line("一级指标", "二级指标", "三级指标", "指标值")
    lay.line("产出指标", "数量指标", "受益学生人数", "≥32000人")
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["funds"]) == {"medium_term": {"total": 6000, "fiscal": 5800, "other": 200},
                                       "annual": {"total": 1300, "fiscal": 1250, "other": 50}}
    assert cells(doc)["/funds/annual/fiscal"] == "Sheet1!C5"


def test_selfeval_funds_grid_and_percent_formatted_rate(tmp_path):
    doc = only_doc(read(xw.project_selfeval(xw._base("project_selfeval")), tmp_path)[0])
    funds = thaw(doc.data["funds"])
    assert funds["execution_rate"] == pytest.approx(96.0)  # 0.96 formatted 0.00%
    assert funds["carryover"] == {"initial": 0, "adjusted": 50, "executed": 40}
    where = cells(doc)
    assert where["/funds/total/adjusted"] == "Sheet1!D6"
    assert where["/funds/other/executed"] == "Sheet1!E9"
    assert where["/funds/execution_rate"] == "Sheet1!G6"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_rate_typed_as_a_fraction(suffix, tmp_path):
    """0.96 with no percent format is a percentage when 全年执行数 / 全年预算数 agrees."""
    lay = xw.project_selfeval(xw._base("project_selfeval"))
    lay.percent.clear()
    doc = only_doc(read(lay, tmp_path, suffix)[0])
    assert doc.data["funds"]["execution_rate"] == pytest.approx(96.0)


def test_amounts_in_yuan_become_wan(tmp_path):
    doc = only_doc(read(xw.project_selfeval(xw._base("project_selfeval"), "provincial"), tmp_path)[0])
    assert doc.data["funds"]["total"]["adjusted"] == pytest.approx(1250.0)
    assert doc.data["funds"]["execution_rate"] == pytest.approx(96.0)  # "96.0%" as text


def test_inline_values_are_split(tmp_path):
    doc = only_doc(read(xw.project_selfeval(xw._base("project_selfeval")), tmp_path)[0])
    first = thaw(doc.data["indicators"][0])
    assert (first["operator"], first["target"], first["actual"], first["unit"]) == ("≥", 32000, 32500, "人")
    assert cells(doc)["/indicators/0/target"] == "Sheet1!D13"
    qualitative = thaw(doc.data["indicators"][4])
    assert (qualitative["operator"], qualitative["target"]) == ("定性", "明显改善")


def test_two_forms_on_two_sheets_and_an_instructions_sheet(tmp_path):
    target = xw.project_target(xw._base("project_target"))
    target.sheet = "项目"
    dept = xw.dept_target(xw._base("dept_target"))
    blank = xw.Layout("Sheet3")
    outcome, _ = read([xw.instructions(), target, dept, blank], tmp_path)
    assert [(d.kind, d.sheet) for d in outcome.documents] == [("project_target", "项目"),
                                                            ("dept_target", "部门整体支出绩效目标表")]
    skipped = [(c, h.variant, h.args["sheet"]) for c, h in outcome.hits]
    assert skipped == [("F008", None, "填报说明"), ("F008", "blank", "Sheet3")]
    result = check_paths([str(tmp_path / "input.xlsx")])[0]
    f008 = [f for f in result.findings if f.code == "F008"]
    assert [f.severity for f in f008] == ["info", "info"]
    assert {f.location.sheet for f in f008} == {"填报说明", "Sheet3"}


def test_a_workbook_without_a_form_is_f002(tmp_path):
    outcome, path = read([xw.instructions(), xw.Layout("Sheet2")], tmp_path)
    assert outcome.documents == []
    assert [(c, h.variant) for c, h in outcome.hits] == [("F002", "no_form")]
    assert outcome.hits[0][1].args["sheets"] == "填报说明、Sheet2"


def test_spare_template_rows_are_skipped_and_said(tmp_path):
    lay = xw.project_target(xw._base("project_target"), spare_rows=3)
    doc = only_doc(read(lay, tmp_path)[0])
    n = len(xw._base("project_target")["indicators"])
    assert len(doc.data["indicators"]) == n
    first = 13 + n  # the indicator rows start on row 13
    assert [(c, h.cell) for c, h in doc.reader_hits] == [("F009", f"C{r}") for r in range(first, first + 3)]


def test_blank_rows_inside_a_merged_level1_do_not_end_the_table(tmp_path):
    lay = xw.Layout()
    lay.line("项目支出绩效目标表（2025年度）")
    lay.line("项目名称", "示例项目", "项目编码", "1")
    lay.line("一级指标", "二级指标", "三级指标", "指标值")
    lay.line("产出指标", "数量指标", "受益学生人数", "≥32000人")
    lay.line(None, None, None, None)  # a blank spare row, still under the merged 产出指标
    lay.line("效益指标", "社会效益指标", "学生营养状况", "明显改善")
    lay.line(None, None, None, None)
    lay.line("填表人：张三")
    lay.merge(3, 0, 4, 0)
    doc = only_doc(read(lay, tmp_path)[0])
    assert [i["name"] for i in doc.data["indicators"]] == ["受益学生人数", "学生营养状况"]
    assert [(c, h.args["row"]) for c, h in doc.reader_hits] == [("F009", 5)]


def test_table_ends_at_the_total_row(tmp_path):
    doc = only_doc(read(xw.project_selfeval(xw._base("project_selfeval")), tmp_path)[0])
    assert len(doc.data["indicators"]) == 7
    assert doc.data["total_score"] == 98.6
    assert cells(doc)["/total_score"] == "Sheet1!G20"
    assert doc.data["grade"] == "优"


def test_formula_without_cached_value_is_f005_not_zero(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    lay.cells.pop((6, 4))
    lay.formulas[(6, 4)] = "=E8+E9"
    doc = only_doc(read(lay, tmp_path)[0])
    assert "total" not in doc.data["funds"]["annual"] or doc.data["funds"]["annual"]["total"] is None
    [(code, hit)] = doc.reader_hits
    assert (code, hit.pointer, hit.cell, hit.args["formula"]) == ("F005", "/funds/annual/total", "E7",
                                                                           "=E8+E9")
    result = check_paths([str(tmp_path / "input.xlsx")])[0]
    f005 = [f for f in result.all_findings() if f.code == "F005"]
    assert [f.location.display() for f in f005] == ["Sheet1!E7"]
    assert result.verdict == "return"


def test_unparseable_number_is_f004_at_its_cell(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    lay.cells[(6, 4)] = "约1300"
    result = check_paths([str(xw.save([lay], tmp_path / "x.xlsx"))])[0]
    f004 = [f for f in result.all_findings() if f.code == "F004"]
    assert [(f.location.pointer, f.location.display()) for f in f004] == [("/funds/annual/total", "Sheet1!E7")]


def test_numbers_as_text_and_full_width(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    lay.cells[(6, 4)] = "1,300.00"
    lay.cells[(7, 4)] = "１２５０"
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["funds"]["annual"]) == {"total": 1300, "fiscal": 1250, "other": 50}


def test_waivers_sheet(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    lay.cells[(6, 4)] = 1400  # A201: total ≠ fiscal + other
    rows = [("A201", "E7", "中期调整后由财政局统一核定"), ("B101", "", "")]
    outcome, path = read([lay, xw.waivers(rows)], tmp_path)
    doc = only_doc(outcome)
    assert thaw(doc.data["waivers"]) == [{"rule": "A201", "where": "E7", "reason": "中期调整后由财政局统一核定"},
                                         {"rule": "B101", "where": "", "reason": ""}]
    assert cells(doc)["/waivers/1"] == "审核豁免!A3"
    result = check_paths([str(path)])[0]
    a201 = [f for f in result.all_findings() if f.code == "A201"]
    assert a201 and all(f.waived for f in a201)
    w901 = [f for f in result.all_findings() if f.code == "W901"]
    assert [f.location.display() for f in w901] == ["审核豁免!A3"]


def test_waiver_naming_a_sheet_belongs_to_that_sheet_only(tmp_path):
    target = xw.project_target(xw._base("project_target"))
    dept = xw.dept_target(xw._base("dept_target"))
    outcome, _ = read([target, dept, xw.waivers([("A201", "Sheet1!E7", "核定")], "perflint")], tmp_path)
    by_sheet = {d.sheet: d.data.get("waivers") for d in outcome.documents}
    assert by_sheet["Sheet1"] and by_sheet["部门整体支出绩效目标表"] is None


def test_bare_cell_waiver_goes_to_the_form_that_read_the_cell(tmp_path):
    target = xw.project_target(xw._base("project_target"))
    target.cells[(6, 4)] = 1400  # A201 at E7 of the project form
    dept = xw.dept_target(xw._base("dept_target"))
    rows = [("A201", "E7", "核定"), ("A201", "Z99", "无此单元格"), ("I305", "", "整表豁免")]
    outcome, path = read([dept, target, xw.waivers(rows)], tmp_path)
    by_sheet = {d.sheet: [w["where"] for w in d.data.get("waivers", ())] for d in outcome.documents}
    assert by_sheet == {"部门整体支出绩效目标表": ["Z99", ""], "Sheet1": ["E7", ""]}
    result = check_paths([str(path)])[0]
    assert all(f.waived for f in result.all_findings() if f.code == "A201")
    assert [f.location.display() for f in result.all_findings() if f.code == "W902"].count("审核豁免!A3") == 1


def test_row_and_column_limits_are_f007(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    outcome, _ = read(lay, tmp_path, options=ReaderOptions(limits=Limits(max_rows=10)))
    assert [(c, h.args["limit"], h.sheet) for c, h in outcome.hits] == [("F007", "max_rows", "Sheet1")]
    assert outcome.documents == []
    outcome, _ = read(lay, tmp_path, options=ReaderOptions(limits=Limits(max_columns=3)), name="b")
    assert [(c, h.args["limit"]) for c, h in outcome.hits] == [("F007", "max_columns")]


def test_profile_aliases_reach_the_reader(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    lay.cells[(2, 0)] = "项目全名"  # a local spelling of 项目名称
    outcome, _ = read(lay, tmp_path)
    assert "name" not in only_doc(outcome).data["project"]
    options = ReaderOptions(aliases={"labels": {"项目全名": "项目名称"}})
    outcome, _ = read(lay, tmp_path, options=options, name="b")
    assert only_doc(outcome).data["project"]["name"] == "义务教育学生营养改善计划"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_corrupt_workbook_is_f001_with_a_message(suffix, tmp_path):
    good = xw.save([xw.project_target(xw._base("project_target"))], tmp_path / f"good{suffix}")
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    outcome = read_workbook(str(bad), ReaderOptions())
    assert [(c, h.variant) for c, h in outcome.hits] == [("F001", "workbook")]
    assert outcome.hits[0][1].args["error"]
    assert [c for c, _ in read_path(str(bad)).hits] == ["F001"]  # and through the front door


def test_legacy_xls_renamed_xlsx_still_reads(tmp_path):
    xls = xw.save([xw.project_target(xw._base("project_target"))], tmp_path / "a.xls")
    renamed = tmp_path / "a.xlsx"
    renamed.write_bytes(xls.read_bytes())
    doc = only_doc(read_workbook(str(renamed), ReaderOptions()))
    assert doc.data["funds"]["annual"]["total"] == 1300


def test_xlsm_reads(tmp_path):
    path = xw.save([xw.dept_target(xw._base("dept_target"))], tmp_path / "a.xlsx")
    xlsm = tmp_path / "a.xlsm"
    xlsm.write_bytes(path.read_bytes())
    assert only_doc(read_workbook(str(xlsm), ReaderOptions())).kind == "dept_target"


def test_xml_entities_are_never_expanded(tmp_path):
    """The side reading of the package (percent formats, formulas) is regular expressions over bytes."""
    path = xw.save([xw.project_target(xw._base("project_target"))], tmp_path / "a.xlsx")
    from perflint.readers.excel.xlsxparts import XlsxParts

    parts = XlsxParts(str(path), 10_000_000)
    try:
        assert parts.sheet_parts == {"Sheet1": "xl/worksheets/sheet1.xml"}
    finally:
        parts.close()
    with zipfile.ZipFile(path) as zf:
        assert b"<!ENTITY" not in zf.read("xl/worksheets/sheet1.xml")


def test_finding_points_at_sheet_and_cell_in_json_output(tmp_path):
    lay = xw.project_target(xw._base("project_target"))
    lay.cells[(8, 4)] = 40  # 其他资金 40: total 1300 ≠ 1250 + 40
    result = check_paths([str(xw.save([lay], tmp_path / "x.xlsx"))])[0]
    [a201] = [f.to_json() for f in result.all_findings() if f.code == "A201"]
    assert a201["location"] == {"pointer": "/funds/annual/total", "sheet": "Sheet1", "cell": "E7"}


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_percent_formatted_indicator_values(suffix, tmp_path):
    lay = xw.Layout()
    lay.line("部门整体支出绩效目标表")
    lay.line("部门名称", "示例区教育局", "预算年度", "2025年")
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    r = lay.line("产出指标", "质量指标", "验收合格率", "≥", 0.95, None)
    lay.percent.add((r, 4))
    doc = only_doc(read(lay, tmp_path, suffix)[0])
    ind = thaw(doc.data["indicators"][0])
    assert (ind["value"], ind["unit"]) == (pytest.approx(95), "%")
    assert doc.data["fiscal_year"] == 2025  # from the 预算年度 label, as the title has no year
    assert cells(doc)["/fiscal_year"] == "Sheet1!D2"


def test_hidden_helper_sheets_are_skipped_silently(tmp_path):
    import openpyxl

    path = xw.save([xw.project_target(xw._base("project_target"))], tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    lists = wb.create_sheet("lists")
    lists["A1"] = "产出指标"
    lists.sheet_state = "hidden"
    wb.save(path)
    outcome = read_workbook(str(path), ReaderOptions())
    assert len(outcome.documents) == 1 and outcome.hits == []


def test_repeated_header_and_labels_left_of_values(tmp_path):
    """A header repeated on a new page is not an indicator; 一级/二级 written on every row also work."""
    lay = xw.Layout()
    lay.line("项目支出绩效目标表（2025年度）")
    lay.line("项目名称：", "示例项目")
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    lay.line("产出指标", "数量指标", "受益学生人数", "≥", 32000, "人")
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    lay.line("产出指标", "质量指标", "合格率", "=", "100%", None)
    lay.line("合计")
    lay.line("效益指标", "社会效益指标", "不是指标：表已结束", "定性", "好", None)
    doc = only_doc(read(lay, tmp_path)[0])
    assert [(i["level2"], i["name"], i["value"]) for i in doc.data["indicators"]] == [
        ("数量指标", "受益学生人数", 32000), ("质量指标", "合格率", 100)]
    assert doc.data["project"]["name"] == "示例项目"


def test_two_row_header_and_a_leftmost_merged_column(tmp_path):
    """绩效指标 merged down the left; 年度指标值 and 实际完成值 merged over the two header rows."""
    lay = xw.Layout()
    lay.line("项目支出绩效自评表（2024年度）")
    lay.line("项目名称", "示例项目", None, "项目编码", "1")
    top = lay.line("绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    sub = lay.line(None, None, None, None, None, None, None, None)
    lay.put(sub, 6, "（分）")
    r = lay.line(None, "产出指标", "数量指标", "总计划完成率", "≥90%", "95%", 50, 50)
    lay.line(None, "满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 40, 40)
    lay.merge(top, 0, r + 1, 0)
    for c in (1, 2, 3, 4, 5):
        lay.merge(top, c, sub, c)
    lay.line("总分", None, None, None, None, None, 90, 90)
    doc = only_doc(read(lay, tmp_path)[0])
    inds = [thaw(i) for i in doc.data["indicators"]]
    assert [(i["name"], i["target"], i["actual"], i["weight"]) for i in inds] == [
        ("总计划完成率", 90, 95, 50), ("满意度", 90, 92, 40)]
    assert doc.data["total_score"] == 90


def test_error_value_is_f004_not_blank(tmp_path):
    """calamine reads #DIV/0! as empty; the cell's error is read from the package and reported."""
    import re

    path = xw.save([xw.project_target(xw._base("project_target"))], tmp_path / "a.xlsx")
    broken = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(broken, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="E7"[^>]*?(?:/>|>.*?</c>)', b'<c r="E7" t="e"><f>E8/0</f><v>#DIV/0!</v></c>',
                              data, flags=re.S)
            zout.writestr(info, data)
    result = check_paths([str(broken)])[0]
    f004 = [(f.location.display(), f.args["value"]) for f in result.all_findings() if f.code == "F004"]
    assert f004 == [("Sheet1!E7", "#DIV/0!")]
    assert not [f for f in result.all_findings() if f.code == "F005"]  # it has a (error) value


def test_a_reader_bug_on_one_sheet_is_f001_and_the_other_sheets_still_read(tmp_path, monkeypatch):
    from perflint.readers.excel import forms

    real = forms.SheetForm.build

    def build(self):
        if self.kind == "dept_target":
            raise KeyError("boom")
        return real(self)

    monkeypatch.setattr(forms.SheetForm, "build", build)
    outcome, _ = read([xw.project_target(xw._base("project_target")), xw.dept_target(xw._base("dept_target"))],
                      tmp_path)
    assert [d.kind for d in outcome.documents] == ["project_target"]
    assert [(c, h.variant) for c, h in outcome.hits] == [("F001", "internal")]
    assert "部门整体支出绩效目标表" in outcome.hits[0][1].args["error"]


def test_tasks_under_a_split_amount_header(tmp_path):
    lay = xw.Layout("Sheet1")
    lay.line("部门整体支出绩效目标表（2025年度）")
    lay.line("部门名称", "[511703101]示例区教育局")
    lay.line("年度资金总额", 5200, "财政拨款", 5000, "其他资金", 200)
    r = lay.line("年度主要任务", "任务名称", "主要内容", "预算金额（万元）")
    lay.line(None, None, None, "总额", "财政拨款", "其他资金")
    lay.line(None, "学生营养改善", "营养膳食补助", 1300, 1300, None)
    lay.line(None, "校舍维修改造", "12所学校", 500, 450, 50)
    lay.merge(r, 1, r + 1, 1)
    lay.merge(r, 2, r + 1, 2)
    lay.merge(r, 3, r, 5)
    lay.line("年度总体目标", "保障学校运转")
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    lay.line("产出指标", "数量指标", "维修学校数", "≥", 12, "所")
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["tasks"]) == [
        {"name": "学生营养改善", "description": "营养膳食补助", "amount": 1300},
        {"name": "校舍维修改造", "description": "12所学校", "amount": 500}]
    assert thaw(doc.data["funds"]) == {"total": 5200, "fiscal": 5000, "other": 200}
    assert doc.data["goals"]["annual"] == "保障学校运转"
    assert cells(doc)["/tasks/1/amount"] == "Sheet1!D7"


def test_a_task_whose_text_is_a_label_is_still_a_task_and_the_next_block_ends_the_table(tmp_path):
    # 福建's 年度履职目标 table: a row whose 支出项目名称 is 基本支出 (a label elsewhere) is a task
    lay = xw.Layout("Sheet1")
    lay.line("部门整体支出绩效目标表（2025年度）")
    lay.line("部门名称", "[511703101]示例区教育局")
    lay.line("资金总额", 5200, "项目支出", 1800, "基本支出", 3400)
    lay.line("年度履职目标", "部门职能", "年度目标任务", "支出项目名称", "预算金额(万元)")
    lay.line(None, "教育保障", "学生营养改善", "营养改善计划经费", 1300)
    lay.line(None, "机关运转", "按时发放工资", "基本支出", 3400)
    lay.line("年度总体目标", "保障学校运转")
    lay.line("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
    lay.line("产出指标", "数量指标", "维修学校数", "≥", 12, "所")
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["tasks"]) == [
        {"name": "学生营养改善", "description": "营养改善计划经费", "amount": 1300},
        {"name": "按时发放工资", "description": "基本支出", "amount": 3400}]
    assert cells(doc)["/tasks/1/description"] == "Sheet1!D6"


def test_label_and_value_in_one_cell(tmp_path):
    lay = xw.Layout()
    lay.line("项目支出绩效目标表（2025年度）")
    lay.line("项目名称：义务教育学生营养改善计划", None, "项目编码：511703250012")
    lay.line("主管部门：[511703101]示例区教育局", None, None, "单位：万元")
    lay.line("一级指标", "二级指标", "三级指标", "指标值")
    lay.line("产出指标", "数量指标", "受益学生人数", "≥32000人")
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["project"]) == {"name": "义务教育学生营养改善计划", "code": "511703250012",
                                         "department": {"code": "511703101", "name": "示例区教育局"}}
    assert cells(doc)["/project/code"] == "Sheet1!C2"


def test_values_below_only_for_goals_and_header_rows(tmp_path):
    lay = xw.Layout()
    lay.line("部门整体支出绩效目标表（2025年度）")
    lay.line("部门名称", "示例区教育局", "部门编码", None)  # 部门编码 left empty
    lay.line("资金情况（万元）")  # a heading: never the value of the empty label above it
    lay.line("资金总额", "财政拨款", "其他资金", "基本支出", "项目支出")
    lay.line(5200, 5000, 200, 3200, 2000)
    lay.line("年度目标")
    lay.line("保障学校正常运转")
    lay.line("一级指标", "二级指标", "三级指标", "指标值")
    lay.line("产出指标", "数量指标", "维修学校数", "≥12所")
    doc = only_doc(read(lay, tmp_path)[0])
    assert doc.data["department"] == {"name": "示例区教育局", "code": None}
    assert cells(doc)["/department/code"] == "Sheet1!D2"
    assert thaw(doc.data["funds"]) == {"total": 5200, "fiscal": 5000, "other": 200, "basic": 3200, "project": 2000}
    assert cells(doc)["/funds/project"] == "Sheet1!E5"
    assert doc.data["goals"] == {"annual": "保障学校正常运转"}


def test_an_indicator_merged_over_two_rows_is_one_indicator(tmp_path):
    lay = xw.Layout()
    lay.line("项目支出绩效目标表（2025年度）")
    lay.line("项目名称", "示例项目")
    lay.line("一级指标", "二级指标", "三级指标", "指标值")
    r = lay.line("产出指标", "数量指标", "受益学生人数", "≥32000人")
    lay.line(None, None, None, None)
    lay.line(None, "质量指标", "合格率", "≥95%")
    for c in range(1, 4):
        lay.merge(r, c, r + 1, c)
    lay.merge(r, 0, r + 2, 0)
    doc = only_doc(read(lay, tmp_path)[0])
    assert [(i["level1"], i["name"]) for i in doc.data["indicators"]] == [("产出指标", "受益学生人数"),
                                                                         ("产出指标", "合格率")]
    assert doc.reader_hits == ()


@pytest.mark.parametrize("mark", ["—", "-", "／", "——"])
def test_a_dash_is_an_empty_cell(mark, tmp_path):
    lay = xw.project_selfeval(xw._base("project_selfeval"))
    carry = next(r for (r, c), v in lay.cells.items() if v == "上年结转资金")
    lay.cells[(carry, 2)] = mark  # 年初预算数 of 上年结转资金: not applicable
    doc = only_doc(read(lay, tmp_path)[0])
    assert doc.data["funds"]["carryover"]["initial"] is None
    assert not [c for c, _ in doc.reader_hits if c == "F004"]


def test_funds_one_line_per_block(tmp_path):
    lay = xw.Layout()
    lay.line("项目支出绩效目标申报表（2025年度）")
    lay.line("项目名称", "示例项目", None, "项目编码", "1")
    lay.line("中期资金总额", 6000, "其中：财政拨款", 5800, "其他资金", 200)
    lay.line("年度资金总额", 1300, "其中：财政拨款", 1250, "其他资金", 50)
    lay.line("一级指标", "二级指标", "三级指标", "指标值")
    lay.line("产出指标", "数量指标", "受益学生人数", "≥32000人")
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["funds"]) == {"medium_term": {"total": 6000, "fiscal": 5800, "other": 200},
                                       "annual": {"total": 1300, "fiscal": 1250, "other": 50}}
    assert cells(doc)["/funds/annual/other"] == "Sheet1!F4"


def test_dept_selfeval_funds_as_label_value_pairs(tmp_path):
    lay = xw.Layout()
    lay.line("部门整体支出绩效自评表（2024年度）")
    lay.line("部门名称", "示例区教育局")
    lay.line("年初预算数", 5000, "全年预算数", 5200, "全年执行数", 5044)
    lay.line("分值", 10, "执行率", "97%", "得分", 9.7)
    lay.line("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")
    lay.line("产出指标", "数量指标", "完成任务数", "≥12项", "12项", 20, 20)
    doc = only_doc(read(lay, tmp_path)[0])
    assert thaw(doc.data["funds"]) == {"initial": 5000, "adjusted": 5200, "executed": 5044, "weight": 10,
                                       "execution_rate": 97, "score": 9.7}
    assert cells(doc)["/funds/score"] == "Sheet1!F4"


def test_any_book_reads_as_the_workbook_does(tmp_path):
    """The form reader sees a format only through readers/base.py's Book: rows of values given by a
    plain Python Book read to the same document as the same rows saved as .xlsx."""
    from openpyxl import Workbook

    from perflint.readers import ReaderOptions, ReadOutcome, read_path
    from perflint.readers.base import SheetInfo
    from perflint.readers.excel import read_book

    grid = [["2025年项目支出绩效目标表"],
            ["项目名称", "乡村公路养护", "项目编码", "511703250031"],
            ["主管部门", "示例区交通运输局", "实施单位", "示例区公路养护中心"],
            ["项目属性", "延续", "项目期", "2025-2025"],
            ["年度资金总额", 300, "其中：财政拨款", 300],
            ["年度目标", "完成120公里农村公路日常养护"],
            ["一级指标", "二级指标", "三级指标", "指标值"],
            ["产出指标", "数量指标", "日常养护里程", "≥120公里"],
            ["", "质量指标", "优良路率", "≥85%"]]

    class Rows:
        height, width, start = len(grid), 4, (0, 0)

        def rows(self):
            return [r + [""] * (4 - len(r)) for r in grid]

        def merges(self):
            return [((7, 0), (8, 0))]

    class PlainBook:
        def sheets(self):
            return [SheetInfo("表1")]

        def sheet(self, name):
            return Rows()

        def extras(self, name):
            return None

        def close(self):
            pass

    got = read_book(PlainBook(), "plain", ReaderOptions(), ReadOutcome())
    wb = Workbook()
    ws = wb.active
    ws.title = "表1"
    for row in grid:
        ws.append(row)
    ws.merge_cells("A8:A9")
    wb.save(tmp_path / "same.xlsx")
    want = read_path(str(tmp_path / "same.xlsx"))
    assert [d.data for d in got.documents] == [d.data for d in want.documents]
    assert len(got.documents) == 1 and len(got.documents[0].data["indicators"]) == 2


def _side_parts(path: Path):
    from perflint.readers.excel.xlsxparts import XlsxParts
    from perflint.readers.sniff import sniff

    data = path.read_bytes()
    return XlsxParts(data, 10_000_000, sniff(str(path), ".xlsx", Limits(), data).parts)


def test_side_reading_tells_formulas_from_dropdowns_and_keeps_each_workbooks_styles(tmp_path):
    """A dropdown's <formula1> is no formula; percent formats and formulas are found whatever was
    read before (workbooks of one template share their parsed styles, others do not)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    def save(name: str, percent: bool, formula: bool) -> Path:
        wb = Workbook()
        ws = wb.active
        ws["A1"], ws["B2"] = "项目名称", 0.96
        if percent:
            ws["B2"].number_format = "0.00%"
        if formula:
            ws["C3"] = "=B2*2"
        dv = DataValidation(type="list", formula1='"优,良,中,差"')
        ws.add_data_validation(dv)
        dv.add("D4")
        path = tmp_path / name
        wb.save(path)
        return path

    plain, styled, computed = save("plain.xlsx", False, False), save("styled.xlsx", True, False), \
        save("computed.xlsx", True, True)
    for _ in range(2):  # the second time from what the first kept
        for path, percent, formulas in ((plain, set(), {}), (styled, {(1, 1)}, {}),
                                        (computed, {(1, 1)}, {(2, 2): "=B2*2"}), (plain, set(), {})):
            extras = _side_parts(path).extras("Sheet")
            assert (extras.percent, extras.formulas, extras.errors) == (percent, formulas, {}), path.name


def _blank_a_field_beside_its_label(lay, label: str) -> None:
    """Leave the value right of `label` blank: the field a hidden list in its row must not fill."""
    r, c = next(k for k, v in lay.cells.items() if v == label)
    lay.cells.pop((r, c + 1), None)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind, build, label", [
    ("project_target", xw.project_target, "主管部门"),
    ("project_selfeval", xw.project_selfeval, "主管部门"),
    ("dept_target", xw.dept_target, "其他资金"),
    ("dept_selfeval", xw.dept_selfeval, "部门名称"),
])
def test_hidden_rows_and_columns_are_not_read(kind, build, label, suffix, tmp_path):
    """A dropdown's lists in a hidden column beside the form and a hidden row under it: the form
    reads as it does without them (a blank field stays blank, the row is no indicator), and one info
    note names the hidden column and row."""
    plain = build(xw._base(kind))
    _blank_a_field_beside_its_label(plain, label)
    helper = xw.with_hidden_lists(copy.deepcopy(plain))
    (seen,) = check_paths([str(xw.save([plain], tmp_path / f"plain{suffix}"))])
    (got,) = check_paths([str(xw.save([helper], tmp_path / f"helper{suffix}"))])

    def found(result):
        return sorted((f.code, f.location.pointer or "", f.location.cell or "") for f in result.all_findings())

    col, row = max(helper.hidden_columns), max(helper.hidden_rows)
    letters = xw._letters(col)
    note = ("F012", "", f"{letters}1")
    assert got.verdict == seen.verdict
    read_data = [[thaw(d.data) for d in read_workbook(str(tmp_path / f"{n}{suffix}"), ReaderOptions()).documents]
                 for n in ("plain", "helper")]
    assert read_data[0] and read_data[1] == read_data[0]
    assert found(got) == sorted(found(seen) + [note])
    (f012,) = [f for f in got.all_findings() if f.code == "F012"]
    assert f012.severity == "info" and letters in f012.message and str(row + 1) in f012.message


def _shrink_xls(lay, path: Path) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(lay.sheet)
    for r1, c1, r2, c2 in lay.merges:
        ws.write_merge(r1, r2, c1, c2, lay.cells.get((r1, c1), ""))
    for (r, c), v in lay.cells.items():
        if not any((r, c) == (m[0], m[1]) for m in lay.merges):
            ws.write(r, c, v)
    for r in lay.hidden_rows:
        ws.row(r).height, ws.row(r).height_mismatch = 0, True
    for c in lay.hidden_columns:
        ws.col(c).width = 0
    wb.save(str(path))


@pytest.mark.parametrize("how", ["zero_size_xlsx", "zero_default_height_xlsx", "zero_size_xls"])
def test_lines_shrunk_to_nothing_are_hidden(how, tmp_path):
    """A column of width 0 and a row of height 0 (or, on a sheet whose rows are zero high by
    default, a row given no height) are as hidden to a reviewer as ones marked hidden: read alike."""
    lay = xw.with_hidden_lists(xw.dept_target(xw._base("dept_target")))
    suffix = ".xls" if how.endswith("xls") else ".xlsx"
    marked = xw.save([lay], tmp_path / f"marked{suffix}")
    shrunk = tmp_path / f"shrunk{suffix}"
    if suffix == ".xls":
        _shrink_xls(lay, shrunk)
    else:
        plain = copy.deepcopy(lay)
        plain.hidden_rows, plain.hidden_columns = set(), set()
        xw.save([plain], shrunk)
        xw.shrink_lines(shrunk, 1, lay.hidden_rows, lay.hidden_columns, how == "zero_default_height_xlsx")
    lines = (xw._letters(max(lay.hidden_columns)), str(max(lay.hidden_rows) + 1))
    got = {}
    for path in (marked, shrunk):
        (doc,) = read_workbook(str(path), ReaderOptions()).documents
        got[path.name] = (thaw(doc.data), [(c, h.cell) for c, h in doc.reader_hits])
        (check,) = check_paths([str(path)])
        (f012,) = [f for f in check.all_findings() if f.code == "F012"]
        assert all(line in f012.message for line in lines), f012.message
    assert got[shrunk.name] == got[marked.name]
    assert ("F012", f"{lines[0]}1") in got[marked.name][1]


def test_a_merged_cell_reaching_into_view_is_read(tmp_path):
    """A merged title whose first column is hidden still shows across the others: it is read."""
    lay = xw.project_target(xw._base("project_target"))
    lay.hidden_columns.add(0)
    plain = only_doc(read(xw.project_target(xw._base("project_target")), tmp_path, name="plain")[0])
    doc = only_doc(read(lay, tmp_path)[0])
    assert doc.data["fiscal_year"] == plain.data["fiscal_year"] == 2025  # from the merged A1:F1 title
    notes = [(c, h.cell) for c, h in doc.reader_hits if c == "F012"]
    assert notes and notes[0][1] == "A3"  # 项目名称 and the labels below it are hidden; A1 is not
