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


# ---- decorated levels ---------------------------------------------------------------------------
def test_decorated_level_names_are_the_plain_levels(tmp_path):
    path = sheet(tmp_path, A13="一、产出指标(50分)", B13="数量值", B14="质量指标（20）", A16="效益指标等",
                 A17="满意度指标（10分）", B17="服务对象满意度指标等")
    assert findings(path) == set()
    levels = [(i["level1"], i["level2"]) for i in document(path).data["indicators"]]
    assert levels == [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"),
                      ("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标")]


def test_levels_written_with_value_for_indicator(tmp_path):
    path = sheet(tmp_path, A13="产出值", A16="效益值", A17="满意度值")
    assert findings(path) == set()


# ---- operators in every spelling ----------------------------------------------------------------
@pytest.mark.parametrize("spelling, canon", [("﹦", "="), ("═", "="), ("≧", "≥"), ("＞＝", "≥"), ("大于等于", "≥"),
                                             ("不低于", "≥"), ("不少于", "≥"), ("≦", "≤"), ("不高于", "≤"),
                                             ("不超过", "≤"), ("＜", "<")])
def test_operator_spellings_in_the_operator_column(spelling, canon, tmp_path):
    path = sheet(tmp_path, D13=spelling)
    assert document(path).data["indicators"][0]["operator"] == canon
    expected = set() if canon in ("≥", "=") else None
    if expected is not None:
        assert findings(path) == expected


@pytest.mark.parametrize("text, op, value", [("═120", "=", 120), ("≧120", "≥", 120), ("﹦120", "=", 120),
                                             ("120以上", "≥", 120), ("不少于120", "≥", 120)])
def test_operator_spellings_inline_with_the_value(text, op, value, tmp_path):
    path = sheet(tmp_path, D13="", E13=text)
    ind = document(path).data["indicators"][0]
    assert (ind["operator"], ind["value"], ind["unit"]) == (op, value, "公里")
    assert findings(path) == set()


# ---- the wrong column ---------------------------------------------------------------------------
def test_long_term_values_beside_the_annual_ones_are_not_read(tmp_path):
    rows, merges = project_target()
    for row in rows[11:]:
        row.insert(4, "")  # an empty 中长期指标值 column before 指标值
    rows[11][4], rows[11][5] = "中长期指标值", "年度指标值"
    path = write(rows, tmp_path / "long.xlsx", merges)
    assert findings(path) == set()
    assert [i["value"] for i in document(path).data["indicators"]] == [120, 85, "2025年12月", "明显改善", 90]


def test_an_all_blank_column_never_wins_over_a_filled_one(tmp_path):
    rows, merges = project_target()
    for row in rows[11:]:
        row.insert(4, "")
    rows[11][4], rows[11][5] = "指标值", "指标值"
    path = write(rows, tmp_path / "twice.xlsx", merges)
    assert findings(path) == set()
    assert document(path).data["indicators"][0]["value"] == 120


# ---- labels of other provinces ------------------------------------------------------------------
def test_other_provinces_labels_read_clean(tmp_path):
    path = sheet(tmp_path, A3="项目支出名称", A4="主管部门及编码", E4="项目执行单位", E10="本年度绩效目标",
                 C12="指标内容", E12="指标值及单位")
    assert findings(path) == set()
    doc = document(path)
    assert doc.data["project"]["implementing_unit"] == "示例区公路养护中心"
    assert doc.data["goals"]["annual"] == "2025年完成120公里农村公路日常养护"


@pytest.mark.parametrize("label", ["项目主管部门", "主管部门及其编码", "主管单位"])
def test_department_aliases(label, tmp_path):
    assert findings(sheet(tmp_path, A4=label)) == set()


def test_a_plainly_performance_form_with_other_labels_is_no_f002(tmp_path):
    path = sheet(tmp_path, A1="2025年度乡村公路养护项目绩效目标", A3="项目全称", A4="项目主管部门", E4="项目实施单位", C12="指标内容")
    assert findings(path) == set()


def test_a_form_without_its_level_columns_is_read_and_says_what_is_missing(tmp_path):
    rows, merges = project_target()
    for row in rows[11:]:
        del row[0:2]  # no 一级/二级 columns at all
    path = write(rows, tmp_path / "nolevels.xlsx", tuple(m for m in merges if m != "A13:A15"))
    found = findings(path)
    assert ("F002", SHEET) not in found and not any(code == "F002" for code, _ in found)
    assert ("I301", "Sheet1!A12") in found  # the table's first header cell
    assert len(document(path).data["indicators"]) == 5


# ---- years, amounts, placeholders, units --------------------------------------------------------
@pytest.mark.parametrize("title, year", [("2023年项目支出绩效目标申报表", 2023), ("项目支出绩效目标表（2024年度）", 2024),
                                         ("某县2025年度项目支出绩效目标表", 2025)])
def test_the_year_of_the_title(title, year, tmp_path):
    path = sheet(tmp_path, A1=title, F5=f"{year - 1}-{year + 1}", E15=f"{year}年12月")
    assert document(path).data["fiscal_year"] == year
    assert findings(path) == set()


def test_the_year_from_an_evaluation_year_label(tmp_path):
    path = sheet(tmp_path, A1="项目支出绩效目标申报表", A18="评价年度", B18="2025年")
    assert document(path).data["fiscal_year"] == 2025


@pytest.mark.parametrize("cell, wan", [("300万元", 300), ("0.03亿元", 300), ("3,000,000元", 300), ("300（万元）", 300)])
def test_amounts_with_their_unit_in_the_cell(cell, wan, tmp_path):
    path = sheet(tmp_path, F7=cell, F8=cell)
    assert document(path).data["funds"]["annual"]["total"] == pytest.approx(wan)
    assert findings(path) == set()


def test_ten_thousand_wan_is_no_f004(tmp_path):
    path = sheet(tmp_path, C7="10000万元", C8="10000万元", F7=300)
    assert document(path).data["funds"]["medium_term"]["total"] == 10000
    assert findings(path) == set()


@pytest.mark.parametrize("note", [{"F2": "金额单位：元"}, {"F2": "", "A2": "单位：元"}, {"F2": "（单位：元）"},
                                  {"F2": "", "A1": "2025年项目支出绩效目标申报表（单位：元）"},
                                  {"F2": "", "A1": "2025年项目支出绩效目标申报表(金额单位:元)"}])
def test_a_sheet_in_yuan_converts_every_amount(note, tmp_path):
    path = sheet(tmp_path, B6=3000000, C7=9000000, C8=9000000, F7=3000000, F8=3000000, **note)
    funds = document(path).data["funds"]
    assert (funds["medium_term"]["total"], funds["annual"]["total"]) == (pytest.approx(900), pytest.approx(300))
    assert document(path).data["project"]["prior_year_budget"] == pytest.approx(300)
    assert findings(path) == set()


@pytest.mark.parametrize("spare", ["指标1", "指标2:", "指标2：", "……", "…", "/", "—", "无", "3.", "3、"])
def test_template_spare_rows_are_skipped(spare, tmp_path):
    rows, merges = project_target(C18=spare)
    path = write(rows, tmp_path / "spare.xlsx", merges + ("A17:A18", "B17:B18"))
    assert findings(path) == set()
    assert len(document(path).data["indicators"]) == 5


# ---- what the reader could not place ------------------------------------------------------------
def _all(path: Path, lang: str = "zh"):
    (result,) = check_paths([str(path)], lang=lang)
    return list(result.all_findings())


def test_an_unrecognised_label_is_where_the_missing_field_points_with_the_alias_to_add(tmp_path):
    path = sheet(tmp_path, E4="项目承担单位")
    assert findings(path) == {("B103", "Sheet1!E4")}  # the unknown label, not an unrelated cell
    (b103,) = [f for f in _all(path) if f.code == "B103"]
    assert "项目承担单位（E4）" in b103.message
    assert '"项目承担单位" = "实施单位"' in b103.message
    (en,) = [f for f in _all(path, "en") if f.code == "B103"]
    assert '"项目承担单位" = "实施单位"' in en.message and "labels seen" in en.message


def test_the_hinted_alias_line_in_a_profile_fixes_the_form(tmp_path):
    path = sheet(tmp_path, E4="项目承担单位")
    profile = tmp_path / "county.toml"
    profile.write_text('extends = "national"\n[aliases.labels]\n"项目承担单位" = "实施单位"\n', encoding="utf-8")
    (result,) = check_paths([str(path)], profile=str(profile))
    assert not [f for f in result.all_findings() if f.code == "B103"]


def test_a_missing_department_names_the_labels_seen(tmp_path):
    path = sheet(tmp_path, A4="主办部门")
    assert findings(path) == {("B102", "Sheet1!A4")}
    (b102,) = [f for f in _all(path) if f.code == "B102"]
    assert "主办部门（A4）" in b102.message and '"主办部门" = "主管部门"' in b102.message


def test_convert_explain_prints_each_field_its_cell_and_label_and_the_labels_not_placed(tmp_path):
    import io

    from perflint.convert import explain_files

    path = sheet(tmp_path, E4="项目承担单位", A2="联系人", B2="张三")
    out = io.StringIO()
    assert explain_files([str(path)], stdout=out) == 0
    text = out.getvalue()
    assert "/project/name" in text and "B3" in text and "← 项目名称（A3） = 乡村公路日常养护" in text
    assert "/funds/annual/total                F7     ← 年度资金总额（E7） = 300" in text
    assert "/indicators/0/value                E13    ← 指标值（E12） = 120" in text
    assert "未找到标签“实施单位”" in text
    assert "未能放置的标签：" in text and "项目承担单位（E4）" in text and "联系人（A2）" in text
    assert not list(tmp_path.glob("*.json"))  # --explain writes nothing


def test_convert_explain_prints_a_label_with_line_breaks_on_one_line(tmp_path):
    import io

    from perflint.convert import explain_files

    # vertical labels, as 福建's forms write them; an unplaced one and a Latin one too
    path = sheet(tmp_path, A3="项目\n名称", E4="项目\r\n承担\n单位", A2="Contact\nperson")
    out = io.StringIO()
    assert explain_files([str(path)], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == str(path) and all(line.startswith("  ") for line in lines[1:])
    assert any(line.startswith("    /project/name ") and line.endswith("← 项目名称（A3） = 乡村公路日常养护")
               for line in lines)
    (unplaced,) = [line for line in lines if "未能放置的标签：" in line]
    assert "项目承担单位（E4）" in unplaced and "Contact person（A2）" in unplaced


def test_convert_explain_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from perflint.cli import app

    path = sheet(tmp_path)
    result = CliRunner().invoke(app, ["convert", "--explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "/project/department/name" in result.output and "← 主管部门（A4）" in result.output


@pytest.mark.parametrize("text, period", [("2025年1月至12月", (2025, 2025)), ("2025年4月-2026年2月", (2025, 2026)),
                                          ("2024年-2026年", (2024, 2026))])
def test_periods_written_with_months(text, period, tmp_path):
    path = sheet(tmp_path, F5=text)
    p = document(path).data["project"]["period"]
    assert (p["start"], p["end"]) == period
    assert not [f for f in findings(path) if f[0] == "F004"]


@pytest.mark.parametrize("target, actual", [("9月前", "7月"), ("11月底前", "10月")])
def test_a_month_deadline_is_a_date_not_a_quantity(target, actual):
    from perflint.values import extract_date, split_inline

    assert split_inline(target) == (None, target, None)
    assert extract_date(actual) < extract_date(target)


def test_a_field_with_no_place_on_the_sheet_points_at_the_sheet(tmp_path):
    import json

    path = sheet(tmp_path, E4="", F4="")  # no 实施单位 label and nothing like it
    (b103,) = [f for f in _all(path) if f.code == "B103"]
    assert (b103.location.sheet, b103.location.cell) == (SHEET, None)
    assert "cell" not in json.loads(json.dumps(b103.to_json()))["location"]


# ---- layouts of the Hunan and Zhejiang forms ----------------------------------------------------
def _heads_across(fiscal_parts: list[Any], total: Any = 7, other: Any = 0) -> list[list[Any]]:
    """本年度预计投入 | 财政资金 (split into 中央/省级/市级/本级) | 其他, the amounts in the row below."""
    rows, _ = project_target()
    funds = [["专项资金情况", "本年度预计投入(万元)", "财政资金(万元)", "", "", "", "其他"],
             ["", "", "中央", "省级", "市级资金", "本级"],
             ["", total, *fiscal_parts, other]]
    return rows[:6] + funds + rows[9:]


def test_fund_heads_across_with_split_fiscal_columns(tmp_path):
    merges = ("A7:A9", "B7:B8", "C7:F7", "G7:G8")
    path = write(_heads_across([0, 7, 0, 0]), tmp_path / "across.xlsx", merges)
    annual = document(path).data["funds"]["annual"]
    assert (annual["total"], annual["fiscal"], annual["other"]) == (7, 7, 0)
    assert findings(path) == set()


def test_fund_heads_across_blank_total_is_returned_at_its_cell(tmp_path):
    merges = ("A7:A9", "B7:B8", "C7:F7", "G7:G8")
    path = write(_heads_across([0, 7, 0, 0], total=""), tmp_path / "across.xlsx", merges)
    assert ("F003", "Sheet1!B9") in findings(path)


def test_fund_heads_across_a_part_that_is_no_number_is_named(tmp_path):
    merges = ("A7:A9", "B7:B8", "C7:F7", "G7:G8")
    path = write(_heads_across([0, "约7", 0, 0]), tmp_path / "across.xlsx", merges)
    assert ("F004", "Sheet1!D9") in findings(path)


def _sources_grid(total: Any = 300, fiscal: Any = 300) -> list[list[Any]]:
    """大庆's funds grid: sources down the left (合计, 财政拨款, 其他资金), 上年度 | 本年度 across."""
    rows, _ = project_target()
    funds = [["项目资金（万元）", "项目", "上年度预算安排", "上年度实际执行", "本年度申请金额"],
             ["", "合计", "*", "*", total],
             ["", "财政拨款", "——", "——", fiscal],
             ["", "其他资金", "——", "——", ""]]
    return rows[:6] + funds + rows[9:]


def test_a_sources_grid_reads_the_total_row_under_this_years_column(tmp_path):
    path = write(_sources_grid(), tmp_path / "grid.xlsx", ("A7:A10",))
    annual = document(path).data["funds"]["annual"]
    assert (annual["total"], annual["fiscal"], annual.get("other")) == (300, 300, None)


@pytest.mark.parametrize("total, fiscal, blank", [("*", 300, {"E8"}), (300, "", {"E9"}), ("", "", {"E8", "E9"})])
def test_a_sources_grid_with_its_amounts_left_blank_or_starred_is_returned_at_those_cells(total, fiscal, blank,
                                                                                        tmp_path):
    path = write(_sources_grid(total, fiscal), tmp_path / "grid.xlsx", ("A7:A10",))
    assert {cell for code, cell in findings(path) if code == "F003"} == {f"Sheet1!{c}" for c in blank}
    assert not {code for code, _ in findings(path)} & {"F004"}  # * is no misspelt number
    assert verdict(path) == "return"


def test_a_blank_name_beside_a_contact_label_is_blank(tmp_path):
    # 项目名称 | (blank) | 项目负责人 | (blank) | 项目编码, no merge: the name is blank, not 项目负责人
    rows, merges = project_target(B3="", C3="项目负责人")
    path = write(rows, tmp_path / "contact.xlsx", tuple(m for m in merges if m != "B3:D3"))
    assert findings(path) == {("B101", "Sheet1!B3")}
    assert document(path).data["project"].get("name") is None


def _zhejiang_table(names: list[str], kinds: list[str]) -> list[list[Any]]:
    rows, _ = project_target()
    table = [["指标类型", "指标名称", "指标值", "指标描述"]]
    values = ["120公里", "≥85%", "2025年12月", "明显改善", "≥90%"]
    for kind, name, value in zip(kinds, names, values):
        table.append([kind, name, value, "说明"])
    return rows[:11] + table


def test_a_type_column_of_level1_names_is_the_level1_column(tmp_path):
    kinds = ["产出指标", "", "", "效益指标", "满意度指标"]
    names = ["日常养护里程（公里）", "优良路率（%）", "养护完成时间", "群众出行条件", "沿线群众满意度"]
    path = write(_zhejiang_table(names, kinds), tmp_path / "zj.xlsx")
    inds = document(path).data["indicators"]
    assert [i["level1"] for i in inds] == ["产出指标"] * 3 + ["效益指标", "满意度指标"]
    assert [i["name"] for i in inds] == names


def test_a_type_column_of_other_words_is_no_level_column(tmp_path):
    kinds = ["定量", "定量", "定性", "定性", "定量"]
    names = ["日常养护里程（公里）", "优良路率（%）", "养护完成时间", "群众出行条件", "沿线群众满意度"]
    path = write(_zhejiang_table(names, kinds), tmp_path / "zj.xlsx")
    assert {i.get("level1") for i in document(path).data["indicators"]} == {None}


def test_a_name_column_of_level2_names_is_the_level2_column_and_names_are_missing(tmp_path):
    kinds = ["产出指标", "", "", "效益指标", "满意度指标"]
    names = ["数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标"]
    rows = _zhejiang_table(names, kinds) + [["最近年度绩效评价情况", "优秀□ 良好□ 合格□"]]
    path = write(rows, tmp_path / "zj.xlsx", ("A13:A15",))
    inds = document(path).data["indicators"]
    assert len(inds) == 5  # the 评价情况 row under the table is no indicator
    assert [i["level2"] for i in inds] == names and {i["name"] for i in inds} == {None}
    assert {code for code, _ in findings(path) if code.startswith("I")} == {"I304"}


def test_the_label_spelled_as_such_wins_over_an_alias(tmp_path):
    # 项目类型 (an alias of 项目属性 elsewhere) above the form's own 项目属性
    rows, merges = project_target(A5="项目类型", B5="其他运转类", A6="项目属性", B6="延续")
    path = write(rows, tmp_path / "attr.xlsx", merges)
    assert document(path).data["project"]["attribute"] == "延续"


def test_values_given_per_town_read_the_first_towns_column(tmp_path):
    rows, _ = project_target()
    table = [["一级指标", "二级指标", "三级指标", "指标解释", "指标方向", "笏石街道办", "埭头镇"],
             ["产出指标", "数量指标", "日常养护里程", "反映养护里程的完成情况", "≥", "120公里", "80公里"],
             ["", "质量指标", "优良路率", "反映养护质量", "≥", "85%", "90%"]]
    path = write(rows[:11] + table, tmp_path / "towns.xlsx")
    inds = document(path).data["indicators"]
    assert [(i["operator"], i["value"], i["unit"]) for i in inds] == [("≥", 120, "公里"), ("≥", 85, "%")]


def test_an_explanation_column_is_never_the_value(tmp_path):
    rows, _ = project_target()
    table = [["一级指标", "二级指标", "三级指标", "指标解释", "备注"],
             ["产出指标", "数量指标", "日常养护里程", "反映全区农村公路日常养护里程的完成情况", ""],
             ["", "质量指标", "优良路率", "反映全区农村公路养护工程的质量情况", ""]]
    path = write(rows[:11] + table, tmp_path / "explained.xlsx")
    assert {i.get("value") for i in document(path).data["indicators"]} == {None}


def test_a_level1_header_merged_over_a_section_column_reads_the_level_names(tmp_path):
    rows, _ = project_target()
    table = [["一级指标", "", "二级指标", "三级指标", "单位", "指标值"],
             ["绩效指标", "产出指标", "数量指标", "日常养护里程", "公里", "≥120"],
             ["", "效益指标", "社会效益指标", "群众出行条件", "", "明显改善"]]
    path = write(rows[:11] + table, tmp_path / "section.xlsx", ("A12:B12", "A13:A14"))
    assert [i["level1"] for i in document(path).data["indicators"]] == ["产出指标", "效益指标"]


# ---- a county's copy of the form: marks, check boxes ---------------------------------------------
@pytest.mark.parametrize("mark", ["*", "＊", "★", "※"])
def test_a_required_field_mark_before_a_label_is_no_part_of_it(mark, tmp_path):
    path = sheet(tmp_path, A3=f"{mark}项目名称", A4=f"{mark}主管部门", E4=f"{mark}实施单位")
    assert findings(path) == set()


@pytest.mark.parametrize("cell, attribute", [("新增□ 延续☑", "延续"), ("□新增 ■延续", "延续"),
                                             ("新增项目 √  延续项目 □", "新增项目"), ("☐新增 ☒延续", "延续")])
def test_project_attribute_ticked_in_a_check_box(cell, attribute, tmp_path):
    path = sheet(tmp_path, B5=cell, **({"B6": ""} if attribute.startswith("新增") else {}))
    assert findings(path) == set()
    assert document(path).data["project"]["attribute"] == attribute


def test_project_attribute_with_no_box_ticked_is_blank(tmp_path):
    path = sheet(tmp_path, B5="新增项目 □    延续项目 □")
    assert findings(path) == {("B106", "Sheet1!B5")}
    assert "attribute" not in document(path).data["project"]


def test_ex_ante_assessment_ticked_in_a_check_box(tmp_path):
    path = sheet(tmp_path, F6="已开展☑  未开展□")
    assert document(path).data["project"]["ex_ante_assessment"] == "已开展"


def test_weights_and_scores_written_with_points_read_as_numbers(tmp_path):
    from openpyxl import load_workbook

    root = Path(__file__).resolve().parent.parent
    wb = load_workbook(root / "samples" / "xlsx" / "2024_义务教育学生营养改善计划_绩效自评表.xlsx")
    ws = wb.worksheets[0]
    ws["F8"], ws["H8"], ws["F15"], ws["G15"], ws["G25"] = "10分", "9.6 分", "20分", "20分", "98.6分"
    wb.save(tmp_path / "points.xlsx")
    assert findings(tmp_path / "points.xlsx") == set()
    doc = document(tmp_path / "points.xlsx")
    assert (doc.data["funds"]["weight"], doc.data["indicators"][0]["score"], doc.data["total_score"]) == (10, 20, 98.6)
