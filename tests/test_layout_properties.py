"""Property: the same content reads to the same canonical document, however it is laid out.

Each example writes one document of each of the four kinds in a shipped layout (`perflint
template`'s reference, national and provincial layouts), with a random mix of what published forms
add: the label aliases of rules/aliases.toml, decorated level names, operator spellings, unit styles
(元 or 万元, in the cell or in a 单位：元 note), blank optional amounts, and on target sheets a filled
中长期指标值 column beside the annual one; and compares what the reader makes of it with the plain
rendering of the same content in the reference layout.
"""
from __future__ import annotations

import copy
import dataclasses
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixturelib import approx_numbers, base_document
from perflint import template
from perflint.model import thaw
from perflint.readers import ReaderOptions, read_path
from perflint.vocabulary import vocabulary

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# label keys of the template's layouts → the canonical label whose shipped aliases may stand there
LABEL_ALIASES = {"name": "项目名称", "department": "主管部门", "unit": "实施单位", "an_goal": "年度目标",
                 "an_total": "年度资金总额"}
HEADER_ALIASES = {"name": "三级指标", "value": "年度指标值"}
# aliases that are safe wherever their canonical label stands (others, such as 总额 or 单位, are
# meant for a particular block)
SAFE = {"项目名称": ["项目支出名称", "项目全称"],
        "主管部门": ["主管部门及编码", "主管部门及其编码", "项目主管部门", "主管单位"],
        "实施单位": ["项目执行单位", "项目实施单位", "项目负责单位"],
        "年度目标": ["本年度绩效目标", "年度绩效目标", "当年绩效目标"],
        "年度资金总额": ["本年度资金合计", "当年资金总额"],
        "三级指标": ["指标内容", "指标名称"],
        "年度指标值": ["年度数值", "目标值"]}
OPERATOR_SPELLINGS = {"≥": ["≥", ">=", "≧", "＞＝", "大于等于", "不低于", "不少于"],
                      "≤": ["≤", "<=", "≦", "小于等于", "不高于", "不超过"],
                      "=": ["=", "═", "﹦", "等于"]}
DECORATIONS = [lambda n: n, lambda n: f"一、{n}", lambda n: f"{n}(50分)", lambda n: f"{n}（30）", lambda n: f"{n}等",
               lambda n: n[:-2] + "值" if n.endswith("指标") else n]
KINDS = ("project_target", "project_selfeval", "dept_target", "dept_selfeval")
# a long-term value column as target sheets with a multi-year plan carry it, before or after the annual one
LONG_TERM_HEADERS = ["中长期指标值", "长期指标值", "中期指标值"]


def test_the_safe_aliases_are_shipped():
    labels = vocabulary().labels
    for canon, aliases in SAFE.items():
        assert set(aliases) <= set(labels[canon]), canon


@st.composite
def presentations(draw, kind: str):
    layout = draw(st.sampled_from(template.LAYOUTS))
    labels = {k: draw(st.sampled_from([None] + SAFE[c])) for k, c in LABEL_ALIASES.items()}
    headers = {k: draw(st.sampled_from([None] + SAFE[c])) for k, c in HEADER_ALIASES.items()}
    levels = {name: draw(st.sampled_from(DECORATIONS)) for name in vocabulary().level_names}
    ops = {op: draw(st.sampled_from(spellings)) for op, spellings in OPERATOR_SPELLINGS.items()}
    units = draw(st.sampled_from(["note", "wan-in-cell", "yuan-in-cell"]))
    yuan = draw(st.booleans())
    blank_optional = draw(st.booleans())
    long_term = None
    if kind.endswith("target"):
        long_term = draw(st.sampled_from([None, *[(h, side) for h in LONG_TERM_HEADERS for side in ("after", "before")]]))
    return layout, labels, headers, levels, ops, units, yuan, blank_optional, long_term


def _content(kind: str, blank_optional: bool) -> dict:
    doc = base_document(kind)
    if blank_optional:
        if kind == "project_target":
            doc["project"]["attribute"] = "新增"
            doc["project"].pop("prior_year_budget", None)
            doc["funds"]["annual"]["other"] = None
            doc["funds"]["annual"]["total"] = doc["funds"]["annual"]["fiscal"]
        elif kind == "project_selfeval":
            for col in ("initial", "adjusted", "executed"):
                doc["funds"]["carryover"][col] = None
        elif kind == "dept_target":
            doc["funds"]["other"] = None
            doc["funds"]["total"] = doc["funds"]["fiscal"]
            doc["funds"]["basic"] = doc["funds"]["fiscal"] - doc["funds"]["project"]
        else:  # a department's 年初预算数 left blank (a budget added during the year)
            doc["funds"]["initial"] = None
    return doc


def _dress(doc: dict, kind: str, levels, ops, units: str) -> dict:
    doc = copy.deepcopy(doc)
    for ind in doc["indicators"]:
        for key in ("level1", "level2"):
            if ind.get(key) in levels:
                ind[key] = levels[ind[key]](ind[key])
        if ind.get("operator") in ops:
            ind["operator"] = ops[ind["operator"]]
    if units != "note":
        def unit(v):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return v
            return f"{v:g}万元" if units == "wan-in-cell" else f"{v * 10000:,.0f}元"
        funds = doc["funds"]
        blocks = {"project_target": lambda: [funds[b] for b in ("medium_term", "annual")],
                  "project_selfeval": lambda: [funds[r] for r in ("total", "fiscal_current", "carryover", "other")],
                  "dept_target": lambda: [funds] + doc.get("tasks", []),
                  "dept_selfeval": lambda: []}[kind]()
        money = {"total", "fiscal", "other", "basic", "project", "amount", "initial", "adjusted", "executed"}
        if kind == "dept_selfeval":
            blocks = [{k: funds[k] for k in money & set(funds)}]
            for k, v in blocks[0].items():
                funds[k] = unit(v)
        for block in blocks:
            for k in list(block):
                if k in money:
                    block[k] = unit(block[k])
    return doc


def _write(doc: dict, kind: str, layout: str, path: Path, labels=None, headers=None, yuan=None,
           long_term=None) -> Path:
    base = template.LAYOUT[layout]
    changed = dataclasses.replace(
        base,
        labels={**base.labels, **{k: v for k, v in (labels or {}).items() if v}},
        headers={**base.headers, **{k: v for k, v in (headers or {}).items() if v}},
        yuan=base.yuan if yuan is None else yuan)
    template.LAYOUT[layout] = changed
    try:
        sheet = template.build_sheet(kind, doc, layout)
        if long_term:
            _long_term_column(sheet, doc, *long_term)
        template.write_sheets([sheet], path)
    finally:
        template.LAYOUT[layout] = base
    return path


def _long_term_column(sheet, doc: dict, header: str, side: str) -> None:
    """Insert a filled long-term value column beside the annual one, from the table's header row
    down, as a department inserts it in Excel: cells and merges right of it move one column on."""
    first, vc = sheet.locations["/indicators/0/value"]
    hr = first - 1  # the header row is right above the first indicator
    at = vc + 1 if side == "after" else vc

    def moved(r: int, c: int) -> tuple[int, int]:
        return (r, c + 1) if r >= hr and c >= at else (r, c)

    sheet.cells = {moved(r, c): v for (r, c), v in sheet.cells.items()}
    sheet.merges = [(r1, c1 + (r1 >= hr and c1 >= at), r2, c2 + (r1 >= hr and c2 >= at))
                    for r1, c1, r2, c2 in sheet.merges]
    sheet.locations = {p: moved(*rc) for p, rc in sheet.locations.items()}
    sheet.dropdowns = [(vals, [(r1, c1 + (c1 >= at), r2, c2 + (c2 >= at)) for r1, c1, r2, c2 in ranges])
                       for vals, ranges in sheet.dropdowns]
    sheet.put(hr, at, header, "header")
    for i, ind in enumerate(doc["indicators"]):
        r = sheet.locations[f"/indicators/{i}/value"][0]
        value = ind.get("value")
        sheet.put(r, at, value * 3 if isinstance(value, (int, float)) else f"持续{value}", "center")


def _read(path: Path) -> dict:
    outcome = read_path(str(path), ReaderOptions())
    assert len(outcome.documents) == 1, outcome.hits
    doc = outcome.documents[0]
    assert not [c for c, _ in doc.reader_hits if c in ("F003", "F004")], doc.reader_hits
    return thaw(doc.data)


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory(prefix="perflint-layouts-") as d:
        yield Path(d)


@pytest.mark.parametrize("kind", KINDS)
def test_any_layout_and_spelling_reads_to_the_same_document(kind, folder):
    @SETTINGS
    @given(p=presentations(kind))
    def check(p):
        layout, labels, headers, levels, ops, units, yuan, blank_optional, long_term = p
        content = _content(kind, blank_optional)
        plain = _read(_write(content, kind, "reference", folder / "plain.xlsx", yuan=False))
        dressed = _dress(content, kind, levels, ops, units)
        got = _read(_write(dressed, kind, layout, folder / "dressed.xlsx", labels, headers, yuan, long_term))
        # what a layout cannot carry is not the reader's to find: the reference layout has no 备注,
        # the provincial one writes the period its own way; both read to the same period
        assert got == approx_numbers(plain)

    check()


@pytest.mark.parametrize("kind", ("project_target", "dept_target"))
@pytest.mark.parametrize("layout", template.LAYOUTS)
@pytest.mark.parametrize("side", ("before", "after"))
def test_a_filled_long_term_column_beside_the_annual_one_is_never_read(kind, layout, side, folder):
    """Every layout with the long-term column on either side (the property draws only some)."""
    content = _content(kind, False)
    plain = _read(_write(content, kind, "reference", folder / "plain.xlsx", yuan=False))
    got = _read(_write(content, kind, layout, folder / "long.xlsx", long_term=("中长期指标值", side)))
    assert got == approx_numbers(plain)
