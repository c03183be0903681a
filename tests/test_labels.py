"""Label normalisation, label aliases and the parsing of numbers, operators and inline values."""
from __future__ import annotations

import pytest

from perflint.readers.excel.forms import kind_of_title, parse_period, split_code
from perflint.readers.excel.labels import LabelBook, label_book, normalise_label
from perflint.values import NotANumber, normalise_operator, parse_number, split_inline


@pytest.mark.parametrize("text, label, note", [
    ("项目名称", "项目名称", None),
    ("项目名称：", "项目名称", None),
    ("项目名称:", "项目名称", None),
    ("项 目 名 称", "项目名称", None),
    ("项目\n名称", "项目名称", None),
    ("\u3000项目名称\u3000", "项目名称", None),
    ("全年预算数（A）", "全年预算数", "A"),
    ("全年预算数(A)", "全年预算数", "A"),
    ("执行率（B/A）", "执行率", "B/A"),
    ("资金总额（万元）：", "资金总额", "万元"),
    ("中期目标（2025年-2027年）", "中期目标", "2025年-2027年"),
    ("其中：当年财政拨款", "当年财政拨款", None),
    ("其中:财政拨款", "财政拨款", None),
    ("全年(调整)预算数", "全年(调整)预算数", None),  # a parenthetical inside the label is part of it
    ("ＡＢＣ１２３", "ABC123", None),
])
def test_normalise_label(text, label, note):
    assert normalise_label(text) == (label, note)


def test_non_text_is_no_label():
    assert normalise_label(12.5) == ("", None)
    assert normalise_label(None) == ("", None)


@pytest.mark.parametrize("spelling, canonical", [
    ("全年预算数（A）", "全年预算数"),
    ("调整后预算数", "全年预算数"),
    ("全年（调整）预算数", "全年预算数"),
    ("预算执行数", "全年执行数"),
    ("全年执行数（B）", "全年执行数"),
    ("预算执行率", "执行率"),
    ("年度指标值（A）", "年度指标值"),
    ("指标值", "年度指标值"),
    ("实际完成值（B）", "实际完成值"),
    ("完成值", "实际完成值"),
    ("全年完成值", "实际完成值"),
    ("权重", "分值"),
    ("未完成原因分析", "偏差原因分析及改进措施"),
    ("偏差原因", "偏差原因分析及改进措施"),
    ("计量单位", "度量单位"),
    ("单位", "度量单位"),
    ("计算符号", "指标性质"),
    ("其中：本年财政拨款", "当年财政拨款"),
    ("资金总额", "年度资金总额"),
    ("主管部门及代码", "主管部门"),
    ("主管预算部门：", "主管部门"),
    ("项目代码", "项目编码"),
    ("上年预算", "上年预算数"),
    ("自评等级", "评价等级"),
    ("指标名称", "三级指标"),
])
def test_shipped_aliases(spelling, canonical):
    book = label_book()
    assert book(spelling)[0] == canonical


def test_text_that_is_no_label():
    book = label_book()
    assert book("义务教育学生营养改善计划") == (None, None)
    assert book("单位：元")[0] is None  # a unit note, not the 单位 column header


def test_profile_aliases_extend_the_shipped_ones():
    plain = label_book()
    assert plain("调整后预算")[0] is None
    book = label_book({"labels": {"调整后预算": "全年预算数", "项目负责单位": "实施单位（单位）"}})
    assert book("调整后预算：")[0] == "全年预算数"
    assert book("项目负责单位")[0] == "实施单位"
    assert book("调整后预算数")[0] == "全年预算数"  # the shipped aliases still hold
    assert label_book()("调整后预算")[0] is None  # and the shipped book is not changed


def test_profile_alias_may_name_a_canonical_label_by_an_alias():
    book = LabelBook({"全年预算数": ["调整后预算数"]}, {"调整预算": "调整后预算数"})
    assert book("调整预算")[0] == "全年预算数"


def test_profile_alias_to_an_unknown_label_has_no_effect():
    book = LabelBook({"全年预算数": []}, {"某某": "不存在的标签"})
    assert book("某某")[0] is None
    assert book.problems == ["某某 → 不存在的标签"]


@pytest.mark.parametrize("raw, number", [
    (1234.5, 1234.5), ("1,234.50", 1234.5), ("９６", 96), ("96%", 96), ("96％", 96), (" 12 ", 12),
    ("-3.5", -3.5), ("１，２３４", 1234), (None, None), ("", None),
])
def test_parse_number(raw, number):
    assert parse_number(raw) == number


def test_percent_fraction():
    assert parse_number(0.96, percent_fraction=True) == pytest.approx(96)


@pytest.mark.parametrize("raw", ["约100", "1OO", "一百", "1.2.3", "100万", True])
def test_not_a_number(raw):
    with pytest.raises(NotANumber):
        parse_number(raw)


@pytest.mark.parametrize("raw, expected", [
    ("≥95%", ("≥", 95, "%")),
    ("≤ 120万元", ("≤", 120, "万元")),
    ("＝100 台", ("=", 100, "台")),
    ("≥32000人", ("≥", 32000, "人")),
    (">=90%", ("≥", 90, "%")),
    ("不低于90%", ("≥", 90, "%")),
    ("95%以上", ("≥", 95, "%")),
    ("2024年12月底前", (None, "2024年12月底前", None)),
    ("≤2025年8月底前", ("≤", "2025年8月底前", None)),
    ("明显改善", (None, "明显改善", None)),
    (32000, (None, 32000, None)),
])
def test_split_inline(raw, expected):
    assert split_inline(raw) == expected


@pytest.mark.parametrize("raw, op", [
    ("≥", "≥"), (">=", "≥"), ("＞＝", "≥"), ("大于等于", "≥"), ("不少于", "≥"), ("正向", "≥"), ("正向指标", "≥"),
    ("≤", "≤"), ("不超过", "≤"), ("反向", "≤"), ("反向指标", "≤"), ("等于", "="), ("定性", "定性"), ("", None),
])
def test_normalise_operator(raw, op):
    assert normalise_operator(raw) == op


@pytest.mark.parametrize("raw, code, name", [
    ("[511703101]示例区教育局", "511703101", "示例区教育局"),
    ("【511703101】示例区教育局", "511703101", "示例区教育局"),
    ("511703101 示例区教育局", "511703101", "示例区教育局"),
    ("511703101-示例区教育局（本级）", "511703101", "示例区教育局（本级）"),
    ("示例区教育局", None, "示例区教育局"),
    ("511703101", "511703101", None),
])
def test_department_code_and_name(raw, code, name):
    assert split_code(raw) == (code, name)


@pytest.mark.parametrize("raw, period", [
    ("2022-2026", {"start": 2022, "end": 2026}),
    ("2022年-2026年", {"start": 2022, "end": 2026}),
    ("2022年至2026年", {"start": 2022, "end": 2026}),
    ("２０２２—２０２６年", {"start": 2022, "end": 2026}),
    ("2025年", {"start": 2025, "end": 2025}),
    (2025, {"start": 2025, "end": 2025}),
    ("长期", {"start": "长期", "end": None}),  # kept so that the Normaliser names it (F004)
])
def test_project_period(raw, period):
    assert parse_period(raw) == period


@pytest.mark.parametrize("title, kind", [
    ("项目支出绩效目标表（2025年度）", "project_target"),
    ("2025年度项目支出绩效目标申报表", "project_target"),
    ("部门（单位）整体支出绩效目标表", "dept_target"),
    ("项目支出绩效自评表", "project_selfeval"),
    ("部门整体支出绩效自评表", "dept_selfeval"),
    ("项目支出绩效目标表填报说明", None),
    ("预算批复表", None),
])
def test_kind_of_title(title, kind):
    assert kind_of_title(title) == kind


def test_quantitative_marker_leaves_the_sign_to_the_value():
    from perflint.readers.normalise import Normaliser

    assert normalise_operator("定量") is None
    data = {"form": "project_target", "indicators": [{"operator": "定量", "value": "≥95%", "unit": None}]}
    assert Normaliser("project_target").run(data)["indicators"][0] == {"operator": "≥", "value": 95, "unit": "%"}
