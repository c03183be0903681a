"""`perflint template` and the workbook writer: the reference workbooks and the round trip."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from perflint.api import check_paths
from perflint.model import KINDS, SELFEVAL_KINDS, thaw
from perflint.readers import read_path
from perflint.template import LAYOUTS, build_sheet, write_template, write_workbook
from tests.fixturelib import base_document

ROOT = Path(__file__).resolve().parent.parent


def _canonical(path: Path) -> dict:
    """What a reader makes of a file, without the empty fields (a blank cell and no key are the same)."""
    outcome = read_path(str(path))
    assert len(outcome.documents) == 1, outcome.hits
    return _prune(thaw(outcome.documents[0].data))


def _prune(value):
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and k != "waivers"}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _json_canonical(doc: dict, tmp_path: Path) -> dict:
    src = tmp_path / "doc.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return _canonical(src)


@pytest.mark.parametrize("kind", KINDS)
def test_blank_template_has_dropdowns_merges_and_instructions(kind, tmp_path):
    path = tmp_path / f"{kind}.xlsx"
    write_template(kind, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == "填报说明"
    notes = wb["填报说明"]
    assert notes["A1"].value == "填报说明"
    assert sum(1 for row in notes.iter_rows(min_row=3, values_only=True) if row[0] and row[1]) >= 6
    ws = wb[wb.sheetnames[0]]
    assert re.search(r"（\d{4}年度）", ws["A1"].value)
    lists = {dv.formula1.strip('"'): str(dv.sqref) for dv in ws.data_validations.dataValidation}
    level1 = next(v for k, v in lists.items() if k.startswith("产出指标"))
    level2 = next(v for k, v in lists.items() if "服务对象满意度指标" in k)
    operators = next(v for k, v in lists.items() if k.split(",") == ["≥", ">", "=", "≤", "<", "定性"])
    header = next(r for r in ws.iter_rows() if r[0].value == "一级指标")
    assert [c.value for c in header[:3]] == ["一级指标", "二级指标", "三级指标"]
    assert level1.startswith(f"A{header[0].row + 1}:")
    assert level2.startswith(f"B{header[0].row + 1}:")
    assert operators.startswith(f"D{header[0].row + 1}:")
    if kind == "project_target":
        assert "新增,延续" in lists
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert any(r.startswith("A1:") for r in merged), "the title spans the form"
    # 一级 and 二级 of the spare rows are merged downwards, as the national templates do
    assert any(re.fullmatch(rf"A{header[0].row + 1}:A\d+", r) for r in merged)
    assert ws.column_dimensions["C"].width >= 20
    amount_formats = {c.number_format for row in ws.iter_rows() for c in row if c.number_format == "#,##0.00"}
    assert amount_formats, "amount cells carry a number format"
    if kind in SELFEVAL_KINDS:
        labels = {c.value for row in ws.iter_rows() for c in row}
        assert {"总分", "评价等级", "年度资金总额", "偏差原因分析及改进措施"} <= labels


@pytest.mark.parametrize("kind", KINDS)
def test_blank_template_reads_as_its_form(kind, tmp_path):
    path = tmp_path / f"{kind}.xlsx"
    write_template(kind, path)
    outcome = read_path(str(path))
    assert [d.kind for d in outcome.documents] == [kind]
    doc = outcome.documents[0]
    assert isinstance(doc.data.get("fiscal_year"), int)
    assert not doc.data.get("indicators"), "the placeholder rows 指标1/指标2/…… are no indicators"


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS)
def test_filled_workbook_reads_back_into_the_same_document(kind, layout, suffix, tmp_path):
    doc = base_document(kind)
    path = tmp_path / f"{kind}_{layout}{suffix}"
    write_template(kind, path, doc, layout)
    assert _canonical(path) == _json_canonical(doc, tmp_path)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", KINDS)
def test_values_come_from_the_cells_the_writer_used(kind, layout, tmp_path):
    doc = base_document(kind)
    path = tmp_path / f"{kind}.xlsx"
    write_template(kind, path, doc, layout)
    sheet = build_sheet(kind, doc, layout)
    read = read_path(str(path)).documents[0]
    from openpyxl.utils import get_column_letter

    checked = 0
    for ptr, (r, c) in sheet.locations.items():
        located = read.locate(ptr)
        if read.get(ptr) is None or ptr == "/fiscal_year":
            continue
        # operator and unit split out of ≥32000人 come from that cell too
        assert (located.sheet, located.cell) == (sheet.name, f"{get_column_letter(c)}{r}"), ptr
        checked += 1
    assert checked > 20


def test_two_forms_on_two_sheets_and_instructions(tmp_path):
    path = tmp_path / "two.xlsx"
    target, dept = base_document("project_target"), base_document("dept_target")
    write_workbook(path, [(target, "reference"), (dept, "national")], sheet_names=["项目", "部门"])
    assert openpyxl.load_workbook(path).sheetnames == ["项目", "部门", "填报说明"]
    outcome = read_path(str(path))
    assert [(d.kind, d.sheet) for d in outcome.documents] == [("project_target", "项目"), ("dept_target", "部门")]
    assert _prune(thaw(outcome.documents[1].data)) == _json_canonical(dept, tmp_path)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    doc = base_document("project_target")
    doc["indicators"][0]["value"] = "=32000"
    path = tmp_path / "eq.xlsx"
    write_template("project_target", path, doc)
    cell = next(c for row in openpyxl.load_workbook(path).worksheets[0].iter_rows() for c in row if c.value == "=32000")
    assert cell.data_type == "s"


def test_unknown_kind_or_layout_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_template("budget", tmp_path / "x.xlsx")
    with pytest.raises(ValueError):
        write_template("project_target", tmp_path / "x.xlsx", layout="county")
    with pytest.raises(ValueError):
        write_template("project_target", tmp_path / "x.xlsx", base_document("dept_target"))


def test_cli_template_writes_the_workbook(tmp_path):
    out = tmp_path / "申报表.xlsx"
    run = subprocess.run([sys.executable, "-m", "perflint", "template", "project_selfeval", "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert out.exists() and str(out) in run.stdout
    assert openpyxl.load_workbook(out).sheetnames == ["项目支出绩效自评表", "填报说明"]


def test_cli_template_in_another_layout_and_as_xls(tmp_path):
    out = tmp_path / "自评表.xls"
    run = subprocess.run([sys.executable, "-m", "perflint", "template", "dept_selfeval", "--layout", "provincial",
                          "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert [d.kind for d in read_path(str(out)).documents] == ["dept_selfeval"]
    bad = subprocess.run([sys.executable, "-m", "perflint", "template", "dept_selfeval", "--layout", "county"],
                         cwd=tmp_path, capture_output=True, text=True, env={**__import__("os").environ,
                                                                             "PYTHONPATH": str(ROOT)})
    assert bad.returncode == 2 and "county" in bad.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_a_document_that_is_not_canonical_is_still_written(kind, tmp_path):
    odd = {"form": kind, "fiscal_year": "二〇二五", "project": {"department": "示例区教育局", "period": "2022-2026"},
           "department": "示例区教育局", "funds": {"total": "约5000", "annual": None, "medium_term": {"total": [1, 2]}},
           "goals": "全年目标", "tasks": "无", "indicators": [None, {"name": "受益人数", "value": {"min": 1}}]}
    for layout in LAYOUTS:
        for suffix in (".xlsx", ".xls"):
            path = tmp_path / f"{layout}{suffix}"
            write_template(kind, path, odd, layout)
            assert read_path(str(path)).documents or read_path(str(path)).hits
    if kind == "project_target":
        cells = {c.value for row in openpyxl.load_workbook(tmp_path / "reference.xlsx").worksheets[0].iter_rows()
                 for c in row}
        assert {"2022-2026", "示例区教育局"} <= cells, "values of another shape are written as they were given"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_fields_left_empty_read_back_empty(layout, tmp_path):
    """A new project leaves 上年预算数 and 事前绩效评估 blank; a blank stays a blank, whatever is below it."""
    doc = base_document("project_target")
    doc["project"]["attribute"] = "新增"
    del doc["project"]["prior_year_budget"], doc["project"]["ex_ante_assessment"]
    path = tmp_path / "new.xlsx"
    write_template("project_target", path, doc, layout)
    read = _canonical(path)
    assert "ex_ante_assessment" not in read["project"], "an empty 事前绩效评估 takes no text from the row below it"
    assert read == _json_canonical(doc, tmp_path)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_missing_goal_points_at_the_cell_left_for_it(layout, tmp_path):
    """中期目标 | 年度目标 side by side with their texts below: a missing 中期目标 is not the 年度目标 header."""
    doc = base_document("project_target")
    del doc["goals"]["medium_term"]
    path = tmp_path / "goal.xlsx"
    write_template("project_target", path, doc, layout)
    r, c = build_sheet("project_target", doc, layout).locations["/goals/medium_term"]
    from openpyxl.utils import get_column_letter

    (result,) = check_paths([str(path)])
    (finding,) = [f for f in result.documents[0].findings if f.code == "B109"]
    # the empty cell under 中期目标, or the 中期目标 label itself — not its neighbour 年度目标
    assert finding.location.cell in (f"{get_column_letter(c)}{r}", f"{get_column_letter(c)}{r - 1}")


def test_xlsm_output_is_a_macro_enabled_package(tmp_path):
    import zipfile

    path = tmp_path / "目标表.xlsm"
    write_template("dept_target", path, base_document("dept_target"))
    assert b"macroEnabled.main+xml" in zipfile.ZipFile(path).read("[Content_Types].xml")
    assert _canonical(path) == _json_canonical(base_document("dept_target"), tmp_path)
