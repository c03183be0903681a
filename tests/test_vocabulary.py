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


# ---- a profile extends the vocabulary -----------------------------------------------------------
PROVINCE = '''extends = "national"

[aliases.labels]
"项目承担单位" = "实施单位"

[aliases.operators]
"不得低于" = "≥"
"控制在" = "≤"
"按定量" = "定量"

[aliases.placeholders]
names = ["暂无指标"]
patterns = ['^备用[0-9]*$']

[aliases.levels]
trailing = ["类"]
ordinal_prefix = '[A-Z][.．]'
weight_suffix = '\\[[0-9]+\\]'
parent = { "群众满意度指标" = "满意度指标" }

[aliases.headings]
names = ["资金安排"]

[aliases.layout]
table_ends = ["备注说明"]
'''


def _province(tmp_path):
    from perflint.catalogue import default_catalogue
    from perflint.profiles import load_profile

    path = tmp_path / "province.toml"
    path.write_text(PROVINCE, encoding="utf-8")
    return path, load_profile(str(path), default_catalogue())


def test_a_profile_extends_operators_placeholders_levels_headings_and_hints(tmp_path):
    _, profile = _province(tmp_path)
    v = voc.vocabulary_for(profile.aliases)
    assert normalise_operator("不得低于", v) == "≥" and normalise_operator("不得低于") == "不得低于"
    assert split_inline("控制在5%以内", v)[0] == "≤" and split_inline("不得低于90%", v) == ("≥", 90, "%")
    assert normalise_operator("按定量", v) is None
    assert v.is_placeholder_name("暂无指标") and v.is_placeholder_name("备用3") and v.is_placeholder_name("指标2")
    assert not voc.is_placeholder_name("备用3")
    assert v.level_name("A.产出类") == "产出指标" and v.level_name("产出指标[40]") == "产出指标"
    assert v.level_name("一、产出指标(50分)") == "产出指标"  # the shipped decorations still apply
    assert voc.level_name("产出类") == "产出类"
    assert v.level_parent("群众满意度指标") == "满意度指标"
    assert "资金安排" in label_book(profile.aliases).headings and "资金安排" not in label_book().headings
    assert "备注说明" in v.layout_of("table_ends") and "总分" in v.layout_of("table_ends")
    assert voc.vocabulary_for(profile.aliases) is v  # built once per profile
    assert voc.vocabulary_for({"labels": {"x": "项目名称"}}) is voc.vocabulary()


def test_a_workbook_read_with_the_profiles_vocabulary(tmp_path):
    from openpyxl import Workbook

    from perflint.api import check_paths

    path, _ = _province(tmp_path)
    wb = Workbook()
    ws = wb.active
    for row in [["2025年项目支出绩效目标表"],
                ["项目名称", "乡村公路养护", "项目编码", "511703250031"],
                ["主管部门", "示例区交通运输局", "项目承担单位", "示例区公路养护中心"],
                ["项目属性", "延续", "项目期", "2025-2025"],
                ["年度资金总额", 300, "其中：财政拨款", 300],
                ["年度目标", "完成120公里农村公路日常养护"],
                ["一级指标", "二级指标", "三级指标", "指标值"],
                ["A.产出类", "数量指标", "日常养护里程", "不得低于120公里"],
                ["", "质量指标", "优良路率", "不得低于85%"],
                ["", "时效指标", "养护完成时间", "2025年12月"],
                ["", "", "备用1", ""],
                ["效益类", "社会效益指标", "群众出行条件", "明显改善"],
                ["满意度类", "服务对象满意度指标", "沿线群众满意度", "不得低于90%"]]:
        ws.append(row)
    book = tmp_path / "form.xlsx"
    wb.save(book)

    def errors(profile):
        (result,) = check_paths([str(book)], profile=profile)
        return {(f.code, f.location.cell) for f in result.all_findings() if f.severity in ("error", "warning")
                and not f.code.startswith("H")}

    assert errors(str(path)) == set()
    # the shipped vocabulary alone: 项目承担单位 unknown, 不得低于 no operator, levels unknown
    shipped = errors("national")
    assert {"B103", "I312"} <= {code for code, _ in shipped}, shipped


@pytest.mark.parametrize("table, key", [
    ('[aliases.operators]\n"约" = "≈"', "aliases.operators.约"),
    ('[aliases.placeholders]\npatterns = ["(("]', r"aliases.placeholders.patterns\[0\]"),
    ('[aliases.placeholders]\nnames = "暂无"', "aliases.placeholders.names"),
    ('[aliases.levels]\ntrailing = [1]', "aliases.levels.trailing"),
    ('[aliases.levels]\nordinal_prefix = "[A-"', "aliases.levels.ordinal_prefix"),
    ('[aliases.levels]\nsuffixes = ["类"]', "aliases.levels.suffixes"),
    ('[aliases.levels]\nparent = { "群众满意度指标" = "满意度" }', "aliases.levels.parent"),
    ('[aliases.layout]\nnowhere = ["x"]', "aliases.layout.nowhere"),
    ('[aliases.spellings]\n"x" = "y"', "aliases.spellings"),
    ('[aliases.labels]\n"x" = 1', "aliases.labels.x"),
])
def test_a_broken_profile_vocabulary_names_the_file_and_key(table, key, tmp_path):
    from perflint.catalogue import default_catalogue
    from perflint.profiles import load_profile

    path = tmp_path / "bad.toml"
    path.write_text('extends = "national"\n' + table + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=key) as err:
        load_profile(str(path), default_catalogue())
    assert "bad.toml" in str(err.value)


def test_a_broken_profile_vocabulary_is_exit_2_on_the_command_line(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.toml"
    path.write_text('extends = "national"\n[aliases.operators]\n"约" = "≈"\n', encoding="utf-8")
    form = tmp_path / "x.json"
    form.write_text("{}", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "perflint", "check", str(form), "--profile", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "bad.toml" in proc.stderr and "aliases.operators.约" in proc.stderr, proc.stderr


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


@pytest.mark.parametrize("text", ["(50分)", "（30分）", "(10)"])
def test_a_level_cell_holding_only_its_weight_names_no_level(text):
    assert voc.level_name(text) == ""


@pytest.mark.parametrize("text, spare", [("指标1:/", True), ("指标2：……", True), ("指标1:完成灌区改造项目数量", False)])
def test_a_numbered_prefix_before_a_placeholder(text, spare):
    assert voc.is_placeholder_name(text) is spare


@pytest.mark.parametrize("attribute, start, continuing", [
    ("经常性项目", 2025, True),     # a recurring project continues, whatever its period says
    ("一次性项目", 2020, False),    # a one-off project is new
    ("延续项目", 2025, True), ("新增", 2020, False),
    ("新增（2025年）", 2020, False), ("延续性", 2025, True),  # spellings no table lists, read loosely
    (None, 2020, True), (None, 2025, False),               # no attribute: the period decides
])
def test_the_history_rules_read_the_project_attribute_as_the_basic_rules_do(attribute, start, continuing):
    from perflint.checks.history import _continuing
    from perflint.history.records import Record

    rec = Record("project_target", 2025, "511700000001", "项目", "局", None, "a.json", ("a.json", None, 0),
                 attribute=attribute, period_start=start)
    assert _continuing(rec) is continuing
