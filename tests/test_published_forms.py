"""Each way published forms were misread, reproduced on a small workbook with its exact findings.

The forms below follow what counties publish rather than perflint's template: titles like
2025年项目支出绩效目标申报表, merged value cells, block headings such as 项目资金（万元）, labels of
other provinces, decorated levels, units in the cells. Compared: errors and warnings of every family
but H (no history source is configured here), as (code, Sheet!Cell).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from perflint.api import check_paths
from perflint.readers import ReaderOptions, read_path

SHEET = "Sheet1"


def write(rows: list[list[Any]], path: Path, merges: tuple[str, ...] = (), sheet: str = SHEET) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value not in ("", None):
                ws.cell(row=r, column=c, value=value)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def findings(path: Path) -> set[tuple[str, str]]:
    (result,) = check_paths([str(path)])
    out = set()
    for f in result.all_findings():
        if f.severity in ("error", "warning") and not f.code.startswith("H"):
            loc = f.location
            out.add((f.code, f"{loc.sheet}!{loc.cell}" if loc.cell else (loc.sheet or loc.pointer)))
    return out


def verdict(path: Path) -> str:
    (result,) = check_paths([str(path)])
    return result.verdict


def document(path: Path):
    outcome = read_path(str(path), ReaderOptions())
    assert len(outcome.documents) == 1, outcome.hits
    return outcome.documents[0]


# ---- a county's project target sheet ------------------------------------------------------------
def project_target(**change: Any) -> tuple[list[list[Any]], tuple[str, ...]]:
    """A clean 项目支出绩效目标申报表 in a county's layout; `change` replaces cells by A1 name."""
    rows = [
        ["2025年项目支出绩效目标申报表", "", "", "", "", ""],
        ["", "", "", "", "", "单位：万元"],
        ["项目名称", "乡村公路日常养护", "", "", "项目编码", "511703250031"],
        ["主管部门", "[511703108]示例区交通运输局", "", "", "实施单位", "示例区公路养护中心"],
        ["项目属性", "延续", "", "", "项目期", "2024-2026"],
        ["上年预算数", 300, "", "", "事前绩效评估", "已开展"],
        ["项目资金（万元）", "中期资金总额", 900, "", "年度资金总额", 300],
        ["", "其中：财政拨款", 900, "", "其中：财政拨款", 300],
        ["", "其他资金", 0, "", "其他资金", 0],
        ["绩效目标", "中期目标", "", "", "年度目标", ""],
        ["", "三年内全区农村公路优良路率稳定在85%以上", "", "", "2025年完成120公里农村公路日常养护", ""],
        ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"],
        ["产出指标", "数量指标", "日常养护里程", "≥", 120, "公里"],
        ["", "质量指标", "优良路率", "≥", 85, "%"],
        ["", "时效指标", "养护完成时间", "≤", "2025年12月", ""],
        ["效益指标", "社会效益指标", "群众出行条件", "定性", "明显改善", ""],
        ["满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥", 90, "%"],
    ]
    merges = ("A1:F1", "B3:D3", "B4:D4", "B5:D5", "B6:D6", "A7:A9", "A10:A11", "B10:D10", "E10:F10",
              "B11:D11", "E11:F11", "A13:A15")
    for ref, value in change.items():
        col = ord(ref[0]) - 65
        row = int(ref[1:]) - 1
        while len(rows) <= row:
            rows.append([""] * 6)
        rows[row][col] = value
    return rows, merges


def sheet(tmp_path: Path, name: str = "form", **change: Any) -> Path:
    rows, merges = project_target(**change)
    return write(rows, tmp_path / f"{name}.xlsx", merges)


def test_the_clean_county_form_reads_clean(tmp_path):
    path = sheet(tmp_path)
    assert findings(path) == set()
    doc = document(path)
    assert doc.data["fiscal_year"] == 2025  # from 2025年…申报表, not B105
    assert doc.data["project"]["department"]["name"] == "示例区交通运输局"


# ---- a blank value borrows a neighbour ----------------------------------------------------------
def test_a_blank_merged_department_is_blank_not_the_next_label_or_the_heading_below(tmp_path):
    path = sheet(tmp_path, B4="")
    assert findings(path) == {("B102", "Sheet1!B4")}
    assert "department" not in document(path).data["project"] or \
        document(path).data["project"]["department"]["name"] is None


def test_blank_department_and_unit_are_two_blanks(tmp_path):
    path = sheet(tmp_path, B4="", F4="")
    assert findings(path) == {("B102", "Sheet1!B4"), ("B103", "Sheet1!F4")}


def test_a_blank_prior_budget_of_a_new_project_is_absent_not_the_heading_below(tmp_path):
    # 上年预算数 | (blank) | 事前绩效评估 | 已开展, and 项目资金（万元） right under it
    path = sheet(tmp_path, B5="新增", B6="", E5="项目期", F5="2025-2027")
    assert findings(path) == set()
    assert "prior_year_budget" not in document(path).data["project"]


# ---- blank amounts ------------------------------------------------------------------------------
def test_a_blank_annual_total_is_returned_at_its_cell(tmp_path):
    path = sheet(tmp_path, F7="")
    assert findings(path) == {("F003", "Sheet1!F7")}
    assert verdict(path) == "return"


def test_a_blank_fiscal_appropriation_is_not_a_zero(tmp_path):
    path = sheet(tmp_path, F8="")
    assert findings(path) == {("F003", "Sheet1!F8")}


def test_all_six_fund_cells_blank_is_returned(tmp_path):
    path = sheet(tmp_path, C7="", C8="", C9="", F7="", F8="", F9="")
    # 中期资金 left wholly blank reads as no medium-term funds; the annual ones are required
    assert findings(path) == {("F003", "Sheet1!F7"), ("F003", "Sheet1!F8")}
    assert verdict(path) == "return"


def test_blank_optional_amounts_are_simply_absent(tmp_path):
    path = sheet(tmp_path, C9="", F9="")
    assert findings(path) == set()
    funds = document(path).data["funds"]
    assert funds["annual"].get("other") is None


def test_perflints_own_sample_with_a_blank_annual_total_is_returned(tmp_path):
    import shutil

    from openpyxl import load_workbook

    root = Path(__file__).resolve().parent.parent
    src = root / "samples" / "xlsx" / "2025_义务教育学生营养改善计划_绩效目标表.xlsx"
    wb = load_workbook(src)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "年度资金总额")
    target = ws.cell(row=cell.row, column=cell.column + 1)
    assert isinstance(target.value, (int, float))
    target.value = None
    path = tmp_path / "sample.xlsx"
    wb.save(path)
    assert ("F003", f"{ws.title}!{target.coordinate}") in findings(path)
    assert verdict(path) == "return"
    shutil.rmtree(tmp_path, ignore_errors=True)
