"""rules/aliases.toml: one place for the label knowledge, shared by the reader and the template."""
from __future__ import annotations

import pytest

from perflint import template, vocabulary as voc
from perflint.data import DataError
from perflint.readers.excel.labels import label_book, normalise_label
from perflint.values import normalise_operator, split_inline


def test_the_shipped_file_loads_and_covers_the_published_spellings():
    v = voc.vocabulary()
    for canon, spellings in {
        "项目名称": ["项目支出名称", "项目全称"],
        "主管部门": ["主管部门及编码", "主管部门及其编码", "项目主管部门", "主管单位"],
        "实施单位": ["项目执行单位", "项目实施单位", "项目负责单位"],
        "年度目标": ["本年度绩效目标", "年度绩效目标", "当年绩效目标"],
        "年度指标值": ["指标值及单位", "年度数值", "目标值"],
        "三级指标": ["指标内容"],
        "年度资金总额": ["本年度资金合计", "当年资金总额"],
    }.items():
        assert set(spellings) <= set(v.labels[canon]), canon
    book = label_book()
    assert book("项目负责单位")[0] == "实施单位"
    assert book("*指标值")[0] == "年度指标值"  # a leading * (required) is no part of the label


@pytest.mark.parametrize("text, name", [("一、产出指标", "产出指标"), ("产出指标(50分)", "产出指标"),
                                        ("产出指标（50）", "产出指标"), ("服务对象满意度指标等", "服务对象满意度指标"),
                                        ("产出值", "产出指标"), ("数量值", "数量指标"), ("成本指标(0-20)分", "成本指标"),
                                        ("特色指标", "特色指标"), ("指标值", "指标值")])
def test_level_decorations(text, name):
    assert voc.level_name(text) == name


@pytest.mark.parametrize("text, op", [("﹦", "="), ("═", "="), ("≧", "≥"), ("≦", "≤"), ("＞＝", "≥"), ("＜", "<"),
                                      ("大于等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不高于", "≤"), ("不超过", "≤"),
                                      ("正向", "≥"), ("定量", None)])
def test_operator_spellings(text, op):
    assert normalise_operator(text) == op


def test_operators_after_a_number_and_inline():
    assert split_inline("95%以上") == ("≥", 95, "%")
    assert split_inline("10人以下") == ("≤", 10, "人")
    assert split_inline("═100台") == ("=", 100, "台")
    assert split_inline("100㎡") == (None, 100, "㎡")  # NFKC is for operators, never for units


@pytest.mark.parametrize("text", ["指标1", "指标2:", "指标2：", "……", "…", "/", "—", "无", "  指标 3 "])
def test_placeholders(text):
    assert voc.is_placeholder_name(text)


@pytest.mark.parametrize("text", ["受益学生人数", "指标完成率", "无障碍设施数"])
def test_real_names_are_no_placeholders(text):
    assert not voc.is_placeholder_name(text)


def test_a_broken_file_is_a_data_error_naming_file_and_key(tmp_path, monkeypatch):
    bad = tmp_path / "aliases.toml"
    bad.write_text('[labels]\n"项目名称" = "项目全称"\n', encoding="utf-8")
    monkeypatch.setattr(voc, "_path", lambda: bad)
    voc.vocabulary.cache_clear()
    try:
        with pytest.raises(DataError) as err:
            voc.vocabulary()
        assert "aliases.toml" in str(err.value) and "labels.项目名称" in str(err.value)
        bad.write_text('[placeholders]\npatterns = ["(("]\n', encoding="utf-8")
        voc.vocabulary.cache_clear()
        with pytest.raises(DataError, match=r"placeholders.patterns\[0\]"):
            voc.vocabulary()
        bad.write_text('[operators]\n"≈" = ["约"]\n', encoding="utf-8")
        voc.vocabulary.cache_clear()
        with pytest.raises(DataError, match="operators.≈"):
            voc.vocabulary()
    finally:
        voc.vocabulary.cache_clear()


def test_a_profile_extends_the_labels():
    book = label_book({"labels": {"项目承担单位": "实施单位"}})
    assert book("项目承担单位")[0] == "实施单位"
    assert label_book()("项目承担单位")[0] is None


def test_the_template_writes_with_the_same_vocabulary():
    v = voc.vocabulary()
    assert template.LEVEL1 == v.level1 and template.LEVEL2 == v.level2
    assert template.OPERATORS == voc.OPERATORS
    book = label_book()
    for layout in template.LAYOUT.values():
        for key, text in list(layout.labels.items()) + list(layout.headers.items()):
            if key in ("note",):
                continue
            norm = normalise_label(text)[0]
            assert book(text)[0] is not None or norm in book.headings, (layout.name, key, text)
    for spare in ("指标1", "指标2", "……"):  # the blank template's spare rows are placeholders to the reader
        assert voc.is_placeholder_name(spare)


@pytest.mark.parametrize("total, grade", [(100, "优"), (90, "优"), (89.99999999999, "优"), (89.99, "良"), (80, "良"),
                                          (79.5, "中"), (60, "中"), (59.99, "差"), (0, "差"), (-5, "差"), (None, None)])
def test_one_set_of_grade_bands(total, grade):
    from perflint import scoring

    assert voc.grade_of_score(total) == grade
    assert scoring.grade(total) == grade


@pytest.mark.parametrize("text, grade", [("优秀", "优"), ("良 好", "良"), ("中等", "中"), ("较差", "差"), ("—", None), (85, None)])
def test_a_stated_grade(text, grade):
    assert voc.grade_named(text) == grade


def test_the_template_states_the_bands_it_grades_by():
    assert voc.grade_band_text() == "90 分（含）以上为优，80–90 为良，60–80 为中，60 分以下为差"


@pytest.mark.parametrize("spelling, kind", [("新增", "new"), ("一次性项目", "new"), ("延续", "continuing"),
                                            ("经常性项目", "continuing"), ("其他", None)])
def test_project_attributes(spelling, kind):
    from perflint.checks.basic import attribute_kind

    assert attribute_kind(spelling) == kind
    assert set(voc.ATTRIBUTES) <= set(voc.ATTRIBUTE_KINDS)
