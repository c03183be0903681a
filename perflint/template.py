"""Workbooks of the four forms: the blank reference template, and any canonical document laid out
the way real forms are (reference, national, provincial), as .xlsx (openpyxl) or .xls (xlwt).

A form is first laid out as a neutral `Sheet` (cells, merges, widths, dropdowns) and then rendered,
so that every layout can be written in both file formats. The layouts themselves are data,
rules/layouts.toml, which the workbook reader takes its hints from too. The reader finds fields by
label, never by address, so the layouts differ the way real templates differ: title rows, label
spellings, column order, inline values, merged or repeated 一级/二级 cells.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Iterable, Sequence

from .layouts import layouts
from .model import KIND_NAMES_ZH, KINDS, SELFEVAL_KINDS
from .vocabulary import ATTRIBUTES, GRADES, OPERATORS, grade_band_text, vocabulary

# the dropdowns offer the level names of rules/aliases.toml, the vocabulary the reader reads with
LEVEL1 = vocabulary().level1
LEVEL2 = vocabulary().level2
EX_ANTE = ("已开展", "未开展")

# the rows a blank template offers, from rules/layouts.toml
_SKELETON = layouts().blank


# ---------------------------------------------------------------------------------------------
# the neutral sheet
# ---------------------------------------------------------------------------------------------
@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], tuple[Any, str]] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    # (allowed values, [(r1, c1, r2, c2)…]) — xlsx only: xlwt cannot write data validation
    dropdowns: list[tuple[Sequence[str], list[tuple[int, int, int, int]]]] = field(default_factory=list)
    # JSON pointer → (row, column) of the cell that holds it, so tests and waivers can name cells
    locations: dict[str, tuple[int, int]] = field(default_factory=dict)
    row: int = 1  # the next free row while laying out

    def put(self, r: int, c: int, value: Any, style: str = "text", *, to_col: int | None = None,
            to_row: int | None = None, ptr: str | None = None) -> None:
        """Write a value (None leaves the cell empty but styled); merge to (to_row, to_col)."""
        self.cells[(r, c)] = (value, style)
        if ptr is not None:
            self.locations[ptr] = (r, c)
        r2, c2 = to_row or r, to_col or c
        if (r2, c2) != (r, c):
            for rr in range(r, r2 + 1):
                for cc in range(c, c2 + 1):
                    if (rr, cc) != (r, c):
                        self.cells.setdefault((rr, cc), (None, style))
            self.merges.append((r, c, r2, c2))

    def dropdown(self, values: Sequence[str], r1: int, c1: int, r2: int, c2: int) -> None:
        for vals, ranges in self.dropdowns:
            if tuple(vals) == tuple(values):
                ranges.append((r1, c1, r2, c2))
                return
        self.dropdowns.append((values, [(r1, c1, r2, c2)]))


# ---------------------------------------------------------------------------------------------
# layouts
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """One layout of rules/layouts.toml, which describes its fields."""
    name: str
    labels: Mapping[str, str]
    target_columns: tuple[str, ...]
    selfeval_columns: tuple[str, ...]
    headers: Mapping[str, str]
    inline_values: bool = False
    merge_levels: bool = True
    spare_rows: bool = False
    dept_cell: str = "[{code}]{name}"
    period: str = "{start}年-{end}年"
    full_marks: bool = False
    yuan: bool = False
    rate: str = "number"
    sheet_name: str | None = None
    heading: tuple[str, ...] = ("{title}{year}",)
    titles: Mapping[str, str] = field(default_factory=dict)


LAYOUT = {name: Layout(**spec) for name, spec in layouts().layouts.items()}
LAYOUTS = tuple(LAYOUT)
_WIDTH = layouts().widths


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def _get(doc: Mapping[str, Any] | None, *path: str | int) -> Any:
    node: Any = doc
    for token in path:
        if isinstance(node, Mapping):
            node = node.get(token)
        elif isinstance(node, (list, tuple)) and isinstance(token, int) and 0 <= token < len(node):
            node = node[token]
        else:
            return None
    return node


def _block(doc: Mapping[str, Any] | None, *path: str) -> Mapping[str, Any]:
    """A sub-object of the document, or {} when it is missing or not an object."""
    node = _get(doc, *path)
    return node if isinstance(node, Mapping) else {}


def _fmt_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _inline(op: Any, value: Any, unit: Any, *, with_operator: bool = True) -> Any:
    """`≥32000人` as the national form writes it; qualitative text stays as it is."""
    if value is None or value == "":
        return None
    text = _fmt_number(value) if isinstance(value, (int, float)) else str(value)
    if with_operator and op and op != "定性":
        # Excel turns a typed "=100%" into a formula, so forms write the full-width ＝
        text = f"{'＝' if op == '=' else op}{text}"
    if unit and isinstance(value, (int, float)):
        text = f"{text}{unit}"
    return text


def _department(dep: Any, layout: Layout) -> Any:
    if not isinstance(dep, Mapping):
        return dep
    code, name = dep.get("code"), dep.get("name")
    if code and name:
        return layout.dept_cell.format(code=code, name=name)
    return name or code


def _period(period: Any, layout: Layout) -> Any:
    if isinstance(period, Mapping):
        if period.get("start") and period.get("end"):
            return layout.period.format(start=period["start"], end=period["end"])
        return None
    return period  # written as it was given (`2022-2026`): the reader parses the usual spellings


def _default_year(kind: str) -> int:
    # targets are filed for next year's budget, self-evaluations for the year just closed
    year = _dt.date.today().year
    return year + 1 if kind not in SELFEVAL_KINDS else year - 1


# ---------------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------------
def _title(sh: Sheet, kind: str, year: Any, layout: Layout, ncols: int, unit_note: bool = True) -> None:
    title = layout.titles[kind]
    year_text = f"（{year}年度）" if year else "（    年度）"
    for r, line in enumerate(layout.heading, start=1):
        text = line.format(title=title, year=year_text)
        if "{title}" in line:
            sh.put(r, 1, text, "title", to_col=ncols, ptr="/fiscal_year" if "{year}" in line else None)
            sh.heights[r] = 30
        elif "{year}" in line:
            sh.put(r, 1, text, "subtitle", to_col=ncols, ptr="/fiscal_year")
        else:  # an attachment number above the title (附件2)
            sh.put(r, 1, text, "plain")
    sh.row = len(layout.heading) + 1
    if unit_note:
        sh.put(sh.row, ncols - 1, "单位：元" if layout.yuan else "金额单位：万元", "note", to_col=ncols)
        sh.row += 1


def _pairs(sh: Sheet, pairs: list[tuple[str, Any, str, str]], ncols: int, *, single_first: bool = False) -> dict:
    """Label/value pairs, two to a row (label, value, label, value); a pair's value spans its half.

    Each pair is (label, value, style, JSON pointer of the value)."""
    where: dict[str, tuple[int, int]] = {}
    half = ncols // 2
    items = list(pairs)
    if single_first and items:
        label, value, style, ptr = items.pop(0)
        sh.put(sh.row, 1, label, "label")
        sh.put(sh.row, 2, value, style, to_col=ncols, ptr=ptr)
        where[label] = (sh.row, 2)
        sh.row += 1
    for i in range(0, len(items), 2):
        for j, (label, value, style, ptr) in enumerate(items[i:i + 2]):
            c = 1 + j * half
            sh.put(sh.row, c, label, "label")
            sh.put(sh.row, c + 1, value, style, to_col=c + half - 1 if half > 2 else None, ptr=ptr)
            where[label] = (sh.row, c + 1)
        sh.row += 1
    return where


def _text_blocks(sh: Sheet, block: str | None, blocks: list[tuple[str, Any, str]], ncols: int) -> None:
    """Goal texts under their labels: 中期目标 | 年度目标 side by side, the text in the row below."""
    r = sh.row
    first = 1
    if block:
        sh.put(r, 1, block, "label", to_row=r + 1)
        first = 2
    span = (ncols - first + 1) // len(blocks)
    for i, (label, text, ptr) in enumerate(blocks):
        c1 = first + i * span
        c2 = ncols if i == len(blocks) - 1 else c1 + span - 1
        sh.put(r, c1, label, "header", to_col=c2)
        sh.put(r + 1, c1, text, "wrap", to_col=c2, ptr=ptr)
    sh.heights[r + 1] = 72
    sh.row = r + 2


def _indicator_rows(doc: Mapping[str, Any] | None, kind: str, layout: Layout) -> list[dict]:
    inds = [dict(i, _index=n) for n, i in enumerate(_get(doc, "indicators") or []) if isinstance(i, Mapping)]
    if doc is None:
        tree = _SKELETON["selfeval" if kind in SELFEVAL_KINDS else "target"]
        return [{"level1": l1, "level2": l2, "name": n, "_spare": n != "指标1"}
                for l1, l2s in tree for l2 in l2s for n in ("指标1", "指标2", "……")]
    if not layout.spare_rows:
        return inds
    rows: list[dict] = []
    for i, ind in enumerate(inds):
        rows.append(ind)
        last_of_l1 = i + 1 == len(inds) or inds[i + 1].get("level1") != ind.get("level1")
        if last_of_l1:  # real returns keep the template's spare row at the end of each group
            rows.append({"level1": ind.get("level1"), "level2": ind.get("level2"), "name": "……", "_spare": True})
    return rows


def _cell_value(ind: Mapping[str, Any], col: str, layout: Layout, selfeval: bool) -> tuple[Any, str]:
    if ind.get("_spare"):
        if col in ("level1", "level2", "name"):
            return ind.get(col), "text"
        return None, "center"
    if col in ("weight", "score"):
        return ind.get(col), "score"
    if col == "deviation":
        return ind.get(col), "wrap"
    if col in ("operator", "unit"):
        return ind.get(col), "center"
    if col == "note":
        return None, "text"
    if col in ("value", "target"):
        raw = ind.get("target" if selfeval else "value")
        if layout.inline_values:
            return _inline(ind.get("operator"), raw, ind.get("unit")), "center"
        return raw, "center"
    if col == "actual":
        if layout.inline_values:
            return _inline(None, ind.get("actual"), ind.get("unit"), with_operator=False), "center"
        return ind.get("actual"), "center"
    return ind.get(col), "text"


def _value_fields(selfeval: bool, layout: Layout) -> tuple[str, ...]:
    own = ("target",) if selfeval else ("value",)
    return own + ("operator", "unit") if layout.inline_values else own


_FIELDS_OF_COLUMN = {
    "level1": lambda s, l: ("level1",), "level2": lambda s, l: ("level2",), "name": lambda s, l: ("name",),
    "operator": lambda s, l: ("operator",), "unit": lambda s, l: ("unit",), "value": _value_fields,
    "target": _value_fields, "actual": lambda s, l: ("actual",), "weight": lambda s, l: ("weight",),
    "score": lambda s, l: ("score",), "deviation": lambda s, l: ("deviation",), "note": lambda s, l: (),
}


def _indicator_table(sh: Sheet, doc: Mapping[str, Any] | None, kind: str, layout: Layout) -> int:
    selfeval = kind in SELFEVAL_KINDS
    cols = layout.selfeval_columns if selfeval else layout.target_columns
    headers = dict(layout.headers)
    if selfeval and "value" in cols:  # a provincial self-evaluation names its target column 指标值
        headers["value"] = "指标值"
    hr = sh.row
    for c, col in enumerate(cols, start=1):
        sh.put(hr, c, headers[col], "header")
        sh.widths[c] = max(sh.widths.get(c, 0), _WIDTH[col])
    sh.heights[hr] = 30
    rows = _indicator_rows(doc, kind, layout)
    if selfeval and "value" in cols:
        rows = [dict(r, value=r.get("target")) if not r.get("_spare") else r for r in rows]
    first = hr + 1
    for k, ind in enumerate(rows):
        for c, col in enumerate(cols, start=1):
            value, style = _cell_value(ind, col, layout, selfeval and "value" not in cols)
            sh.put(first + k, c, value, style)
            if "_index" in ind:
                for key in _FIELDS_OF_COLUMN[col](selfeval, layout):
                    sh.locations[f"/indicators/{ind['_index']}/{key}"] = (first + k, c)
    last = first + len(rows) - 1
    if layout.merge_levels and rows:
        for c, keys in ((1, ("level1",)), (2, ("level1", "level2"))):
            start = 0
            for k in range(1, len(rows) + 1):
                if k == len(rows) or tuple(rows[k].get(x) for x in keys) != tuple(rows[start].get(x) for x in keys):
                    for kk in range(start + 1, k):
                        sh.cells[(first + kk, c)] = (None, "text")
                        if "_index" in rows[kk]:  # a merged cell's value lives in its top-left cell
                            sh.locations[f"/indicators/{rows[kk]['_index']}/{keys[-1]}"] = (first + start, c)
                    if k - start > 1:
                        sh.merges.append((first + start, c, first + k - 1, c))
                    start = k
    # dropdowns over the table's rows; a row inserted inside the table inherits them
    end = max(last, first)
    sh.dropdown(LEVEL1, first, 1, end, 1)
    sh.dropdown(LEVEL2, first, 2, end, 2)
    if "operator" in cols:
        c = cols.index("operator") + 1
        sh.dropdown(OPERATORS, first, c, end, c)
    sh.row = last + 1
    return len(cols)


def _funds_grid(sh: Sheet, doc: Mapping[str, Any] | None, kind: str, layout: Layout, ncols: int) -> None:
    """Rows 年度资金总额/其中：当年财政拨款/上年结转资金/其他资金 × columns 年初预算数…得分."""
    L = layout.labels
    if kind == "project_selfeval":
        rows = [("row_total", "total"), ("row_fiscal", "fiscal_current"), ("row_carry", "carryover"),
                ("row_other", "other")]
    else:
        rows = [("row_total", None)]
    r0 = sh.row
    sh.put(r0, 1, L["funds_block"] if kind == "project_selfeval" else L["dept_grid_block"], "label",
           to_row=r0 + len(rows))
    label_to = max(2, ncols - 6)
    sh.put(r0, 2, None, "header", to_col=label_to)
    cols = ["initial", "adjusted", "executed", "weight", "rate", "score"]
    for j, key in enumerate(cols):
        sh.put(r0, label_to + 1 + j, L[key], "header")
    funds = _block(doc, "funds")
    for i, (label_key, key) in enumerate(rows, start=1):
        r = r0 + i
        sh.put(r, 2, L[label_key], "label", to_col=label_to)
        src = funds.get(key) if key else funds
        src = src if isinstance(src, Mapping) else {}
        for j, col in enumerate(("initial", "adjusted", "executed")):
            sh.put(r, label_to + 1 + j, src.get(col), "amount",
                   ptr=f"/funds/{key}/{col}" if key else f"/funds/{col}")
        if i == 1:
            weight = funds.get("weight") if doc is not None else 10
            rate, rate_style = funds.get("execution_rate"), "rate"
            if isinstance(rate, (int, float)) and not isinstance(rate, bool):
                if layout.rate == "text":
                    rate = f"{rate:.2f}%"
                elif layout.rate == "percent":
                    rate, rate_style = round(rate / 100, 6), "percent"
            sh.put(r, label_to + 4, weight, "score", ptr="/funds/weight")
            sh.put(r, label_to + 5, rate, rate_style, ptr="/funds/execution_rate")
            sh.put(r, label_to + 6, funds.get("score"), "score", ptr="/funds/score")
        else:
            for j in range(3):  # the national form marks the cells that do not apply
                sh.put(r, label_to + 4 + j, "—" if layout.full_marks and doc is not None else None, "score")
    sh.row = r0 + len(rows) + 1


def _totals(sh: Sheet, doc: Mapping[str, Any] | None, layout: Layout, ncols: int, cols: tuple[str, ...]) -> None:
    L = layout.labels
    score_col = cols.index("score") + 1
    weight_col = cols.index("weight") + 1 if "weight" in cols else None
    for label, value, style, ptr in ((L["total_score"], _get(doc, "total_score"), "score", "/total_score"),
                                     (L["grade"], _get(doc, "grade"), "center", "/grade")):
        if layout.full_marks and weight_col == score_col - 1 and ptr == "/total_score":
            # the national form prints the full marks, 100, in the 分值 column beside the total
            sh.put(sh.row, 1, label, "label", to_col=weight_col - 1)
            sh.put(sh.row, weight_col, 100, "score")
        else:
            sh.put(sh.row, 1, label, "label", to_col=score_col - 1)
        sh.put(sh.row, score_col, value, style, ptr=ptr)
        if score_col < ncols:
            sh.put(sh.row, score_col + 1, None, "text", to_col=ncols)
        sh.row += 1
    sh.dropdown(GRADES, sh.row - 1, score_col, sh.row - 1, score_col)


def _signature(sh: Sheet, ncols: int) -> None:
    sh.row += 1
    sh.put(sh.row, 1, "填表人：            联系电话：            填报日期：", "plain", to_col=ncols)
    sh.row += 1


# ---------------------------------------------------------------------------------------------
# the four forms
# ---------------------------------------------------------------------------------------------
def _project_target(doc: Mapping[str, Any] | None, layout: Layout, name: str) -> Sheet:
    sh = Sheet(name)
    L, kind = layout.labels, "project_target"
    ncols = max(len(layout.target_columns), 6)
    _title(sh, kind, _get(doc, "fiscal_year") if doc is not None else _default_year(kind), layout, ncols)
    p = _block(doc, "project")
    where = _pairs(sh, [
        (L["name"], p.get("name"), "text", "/project/name"),
        (L["code"], p.get("code"), "text", "/project/code"),
        (L["attribute"], p.get("attribute"), "text", "/project/attribute"),
        (L["department"], _department(p.get("department"), layout), "text", "/project/department"),
        (L["unit"], p.get("implementing_unit"), "text", "/project/implementing_unit"),
        (L["period"], _period(p.get("period"), layout), "text", "/project/period"),
        (L["prior"], p.get("prior_year_budget"), "amount", "/project/prior_year_budget"),
        (L["ex_ante"], p.get("ex_ante_assessment"), "text", "/project/ex_ante_assessment"),
    ], ncols, single_first=True)
    r, c = where[L["attribute"]]
    sh.dropdown(ATTRIBUTES, r, c, r, c)
    r, c = where[L["ex_ante"]]
    sh.dropdown(EX_ANTE, r, c, r, c)
    # 中期 and 年度 funds side by side, each with 其中：财政拨款 / 其他资金 below
    r0 = sh.row
    sh.put(r0, 1, L["funds_block"], "label", to_row=r0 + 2)
    half = (ncols - 1) // 2
    for j, (block, total_label) in enumerate((("medium_term", L["mt_total"]), ("annual", L["an_total"]))):
        c = 2 + j * half
        c_end = ncols if j == 1 else c + half - 1
        f = _block(doc, "funds", block)
        for i, (label, key) in enumerate(((total_label, "total"), (L["fiscal"], "fiscal"), (L["other"], "other"))):
            sh.put(r0 + i, c, label, "label")
            sh.put(r0 + i, c + 1, f.get(key), "amount", to_col=c_end if c_end > c + 1 else None,
                   ptr=f"/funds/{block}/{key}")
    sh.row = r0 + 3
    period = _block(p, "period")
    mt_label = L["mt_goal"]
    if period.get("start") and period.get("end"):
        mt_label = f"{mt_label}（{period['start']}年-{period['end']}年）"
    _text_blocks(sh, L["goals_block"], [(mt_label, _get(doc, "goals", "medium_term"), "/goals/medium_term"),
                                        (L["an_goal"], _get(doc, "goals", "annual"), "/goals/annual")], ncols)
    _indicator_table(sh, doc, kind, layout)
    _signature(sh, ncols)
    sh.widths[1] = max(sh.widths.get(1, 0), 16)
    return sh


def _dept_target(doc: Mapping[str, Any] | None, layout: Layout, name: str) -> Sheet:
    sh = Sheet(name)
    L, kind = layout.labels, "dept_target"
    ncols = max(len(layout.target_columns), 6)
    _title(sh, kind, _get(doc, "fiscal_year") if doc is not None else _default_year(kind), layout, ncols)
    _pairs(sh, [(L["dept_name"], _department(_get(doc, "department"), layout), "text", "/department")], ncols, single_first=True)
    # 年度预算: headers in a row, amounts below
    r0 = sh.row
    sh.put(r0, 1, L["dept_funds_block"], "label", to_row=r0 + 1)
    funds = _block(doc, "funds")
    for j, (label, key) in enumerate(((L["d_total"], "total"), (L["d_fiscal"], "fiscal"), (L["d_other"], "other"),
                                      (L["d_basic"], "basic"), (L["d_project"], "project"))):
        sh.put(r0, 2 + j, label, "header")
        sh.put(r0 + 1, 2 + j, funds.get(key), "amount", ptr=f"/funds/{key}")
    sh.row = r0 + 2
    # 年度主要任务: 任务名称 | 主要内容 | 预算金额
    tasks = [t for t in (_get(doc, "tasks") or []) if isinstance(t, Mapping)] if doc is not None else [{}, {}]
    r0 = sh.row
    sh.put(r0, 1, L["tasks_block"], "label", to_row=r0 + max(len(tasks), 1))
    sh.put(r0, 2, L["task_name"], "header")
    sh.put(r0, 3, L["task_desc"], "header", to_col=ncols - 1)
    sh.put(r0, ncols, L["task_amount"], "header")
    for i, task in enumerate(tasks or [{}], start=1):
        sh.put(r0 + i, 2, task.get("name"), "text", ptr=f"/tasks/{i - 1}/name")
        sh.put(r0 + i, 3, task.get("description"), "wrap", to_col=ncols - 1, ptr=f"/tasks/{i - 1}/description")
        sh.put(r0 + i, ncols, task.get("amount"), "amount", ptr=f"/tasks/{i - 1}/amount")
    sh.row = r0 + max(len(tasks), 1) + 1
    _text_blocks(sh, None, [(L["dept_goal"], _get(doc, "goals", "annual"), "/goals/annual")], ncols)
    _indicator_table(sh, doc, kind, layout)
    _signature(sh, ncols)
    sh.widths[1] = max(sh.widths.get(1, 0), 16)
    return sh


def _selfeval(doc: Mapping[str, Any] | None, layout: Layout, name: str, kind: str) -> Sheet:
    sh = Sheet(name)
    L = layout.labels
    cols = layout.selfeval_columns
    ncols = len(cols)
    _title(sh, kind, _get(doc, "fiscal_year") if doc is not None else _default_year(kind), layout, ncols)
    if kind == "project_selfeval":
        _selfeval_pairs(sh, _block(doc, "project"), layout, ncols)
    else:
        _pairs(sh, [(L["dept_name"], _department(_get(doc, "department"), layout), "text", "/department")], ncols, single_first=True)
    _funds_grid(sh, doc, kind, layout, ncols)
    _text_blocks(sh, L["selfeval_goals_block"], [(L["expected"], _get(doc, "goals", "expected"), "/goals/expected"),
                                                 (L["actual"], _get(doc, "goals", "actual"), "/goals/actual")], ncols)
    _indicator_table(sh, doc, kind, layout)
    _totals(sh, doc, layout, ncols, cols)
    _signature(sh, ncols)
    sh.widths[1] = max(sh.widths.get(1, 0), 14)
    return sh


def _selfeval_pairs(sh: Sheet, p: Mapping[str, Any], layout: Layout, ncols: int) -> None:
    L = layout.labels
    _pairs(sh, [(L["name"], p.get("name"), "text", "/project/name")], ncols, single_first=True)
    _pairs(sh, [(L["code"], p.get("code"), "text", "/project/code"),
                (L["unit"], p.get("implementing_unit"), "text", "/project/implementing_unit")], ncols)
    _pairs(sh, [(L["department"], _department(p.get("department"), layout), "text", "/project/department")], ncols,
           single_first=True)


def build_sheet(kind: str, document: Mapping[str, Any] | None = None, layout: str = "reference",
                sheet_name: str | None = None) -> Sheet:
    """Lay one form out as a neutral sheet."""
    if kind not in KINDS:
        raise ValueError(f"unknown form kind {kind!r}")
    if layout not in LAYOUT:
        raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
    lay = LAYOUT[layout]
    name = sheet_name or lay.sheet_name or KIND_NAMES_ZH[kind]
    if kind == "project_target":
        sheet = _project_target(document, lay, name)
    elif kind == "dept_target":
        sheet = _dept_target(document, lay, name)
    else:
        sheet = _selfeval(document, lay, name, kind)
    if lay.yuan:
        for at, (value, style) in sheet.cells.items():
            if style == "amount" and isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.cells[at] = (round(value * 10000, 2), style)
    return sheet


# ---------------------------------------------------------------------------------------------
# 填报说明
# ---------------------------------------------------------------------------------------------
_COMMON_NOTES = [
    ("金额", "金额以万元为单位，保留两位小数；如按元填报，须在表头注明“单位：元”。"),
    ("一级/二级指标", "从下拉列表选择：一级指标为产出指标、成本指标、效益指标、满意度指标；二级指标写全称（如“社会效益指标”）。"
                "同一一级指标下的多行可合并单元格。"),
    ("三级指标", "填写具体、可衡量的指标名称，每行一个；不用的模板行（指标2、……）可保留空白或删除。"),
    ("指标性质", "从下拉列表选择 ≥ > = ≤ < 或 定性；定量指标的指标值填数字，百分比可写 95 或 95%；"
             "定性指标的指标值填文字（如“明显改善”）。"),
    ("度量单位", "定量指标须填写计量单位（人、%、万元、台、所等）。"),
]
_KIND_NOTES = {
    "project_target": [
        ("项目属性", "从下拉列表选择 新增 或 延续；延续项目须填写上年预算数。"),
        ("项目期", "写作“2022年-2026年”。"),
        ("项目资金", "中期资金总额、年度资金总额分别等于其中财政拨款与其他资金之和；年度资金不超过中期资金。"),
        ("总体目标", "中期目标、年度目标写在各自标题下方的单元格内，说明做什么、为谁、达到什么效果。"),
    ],
    "dept_target": [
        ("部门（单位）名称", "写作“[部门编码]部门名称”，如“[511703101]示例区教育局”。"),
        ("年度预算", "资金总额等于财政拨款与其他资金之和，也等于基本支出与项目支出之和。"),
        ("年度主要任务", "每行一项任务，预算金额以万元计。"),
        ("年度目标", "写在标题下方的单元格内。"),
    ],
    "project_selfeval": [
        ("项目资金", "年度资金总额等于当年财政拨款、上年结转资金与其他资金之和；执行率 = 全年执行数 / 全年预算数，"
                  "预算执行得分 = 执行率 × 分值（最高为分值）。"),
        ("实际完成值", "填写实际达到的数值或定性结论（达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差）。"),
        ("得分", "正向指标完成即得满分，未完成按 实际完成值 / 年度指标值 × 分值 计分；反向指标按偏离程度扣分。"),
        ("偏差原因分析及改进措施", "得分低于分值或未完成年度指标的，必须说明原因和改进措施。"),
        ("总分与评价等级", f"总分 = 预算执行得分 + 各指标得分；{grade_band_text()}。"),
    ],
    "dept_selfeval": [
        ("部门（单位）名称", "写作“[部门编码]部门名称”。"),
        ("年度预算资金", "执行率 = 全年执行数 / 全年预算数，预算执行得分 = 执行率 × 分值（最高为分值）。"),
        ("偏差原因分析及改进措施", "得分低于分值或未完成年度指标的，必须说明原因和改进措施。"),
        ("总分与评价等级", f"总分 = 预算执行得分 + 各指标得分；{grade_band_text()}。"),
    ],
}


def instructions_sheet(kinds: Iterable[str], name: str = "填报说明") -> Sheet:
    sh = Sheet(name)
    sh.put(1, 1, "填报说明", "title", to_col=2)
    sh.put(2, 1, "请在各表中按标签填写，勿改动标签文字；合并单元格只在左上角填写内容。填好后可运行 "
                 "perflint check 文件名.xlsx 自查，问题会指出工作表和单元格。", "wrap", to_col=2)
    sh.heights[2] = 36
    r = 3
    seen: set[str] = set()
    notes = []
    for kind in kinds:
        notes += [n for n in _KIND_NOTES[kind] if n[0] not in seen]
        seen.update(n[0] for n in _KIND_NOTES[kind])
    for label, text in [n for n in _COMMON_NOTES if n[0] not in seen] + notes:
        sh.put(r, 1, label, "label")
        sh.put(r, 2, text, "wrap")
        sh.heights[r] = 32
        r += 1
    sh.widths[1], sh.widths[2] = 20, 90
    return sh


# ---------------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------------
_NUMBER_FORMATS = {"amount": "#,##0.00", "rate": "0.00", "percent": "0.00%", "score": "General"}


def _render_xlsx(sheets: list[Sheet], path: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    fonts = {"title": Font(name="宋体", size=16, bold=True), "subtitle": Font(name="宋体", size=11),
             "label": Font(name="宋体", size=10, bold=True), "header": Font(name="宋体", size=10, bold=True)}
    plain_font = Font(name="宋体", size=10)
    align = {
        "title": Alignment(horizontal="center", vertical="center"),
        "subtitle": Alignment(horizontal="center", vertical="center"),
        "note": Alignment(horizontal="right", vertical="center"),
        "label": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "header": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(horizontal="left", vertical="top", wrap_text=True),
        "amount": Alignment(horizontal="right", vertical="center"),
        "rate": Alignment(horizontal="right", vertical="center"),
        "percent": Alignment(horizontal="right", vertical="center"),
        "score": Alignment(horizontal="center", vertical="center"),
        "text": Alignment(horizontal="left", vertical="center", wrap_text=True),
        "plain": Alignment(horizontal="left", vertical="center"),
    }
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for (r, c), (value, style) in sorted(spec.cells.items()):
            cell = ws.cell(row=r, column=c)
            if value is not None:
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that starts with = stays text, not a formula
            cell.font = fonts.get(style, plain_font)
            cell.alignment = align.get(style, align["text"])
            if style not in ("title", "subtitle", "note", "plain"):
                cell.border = box
            if style in _NUMBER_FORMATS:
                cell.number_format = _NUMBER_FORMATS[style]
        for r1, c1, r2, c2 in spec.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        for c, w in spec.widths.items():
            ws.column_dimensions[get_column_letter(c)].width = w
        for r, h in spec.heights.items():
            ws.row_dimensions[r].height = h
        for values, ranges in spec.dropdowns:
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="请从下拉列表选择",
                                error="可选：" + "、".join(values))
            for r1, c1, r2, c2 in ranges:
                dv.add(f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
            ws.add_data_validation(dv)
        ws.sheet_view.showGridLines = spec.name in ("填报说明",)
    from .output import open_output

    with open_output(path, binary=True) as fh:  # whole or not at all
        wb.save(fh)


def _render_xls(sheets: list[Sheet], path: str) -> None:
    import xlwt

    borders = "borders: left thin, right thin, top thin, bottom thin;"
    base = "font: name 宋体, height 200;"
    styles = {
        "title": xlwt.easyxf("font: name 宋体, height 320, bold on; align: horiz center, vert center"),
        "subtitle": xlwt.easyxf("font: name 宋体, height 220; align: horiz center, vert center"),
        "note": xlwt.easyxf(base + "align: horiz right, vert center"),
        "plain": xlwt.easyxf(base + "align: horiz left, vert center"),
        "label": xlwt.easyxf("font: name 宋体, height 200, bold on; align: horiz center, vert center, wrap on;" + borders),
        "header": xlwt.easyxf("font: name 宋体, height 200, bold on; align: horiz center, vert center, wrap on;" + borders),
        "center": xlwt.easyxf(base + "align: horiz center, vert center, wrap on;" + borders),
        "wrap": xlwt.easyxf(base + "align: horiz left, vert top, wrap on;" + borders),
        "amount": xlwt.easyxf(base + "align: horiz right, vert center;" + borders, num_format_str="#,##0.00"),
        "rate": xlwt.easyxf(base + "align: horiz right, vert center;" + borders, num_format_str="0.00"),
        "percent": xlwt.easyxf(base + "align: horiz right, vert center;" + borders, num_format_str="0.00%"),
        "score": xlwt.easyxf(base + "align: horiz center, vert center;" + borders),
        "text": xlwt.easyxf(base + "align: horiz left, vert center, wrap on;" + borders),
    }
    wb = xlwt.Workbook(encoding="utf-8")
    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        merged_at = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in spec.merges}
        covered = {(r, c) for r1, c1, r2, c2 in spec.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                   if (r, c) != (r1, c1)}
        for (r, c), (value, style) in sorted(spec.cells.items()):
            if (r, c) in covered:
                continue
            st = styles.get(style, styles["text"])
            val = "" if value is None else value
            if (r, c) in merged_at:
                r2, c2 = merged_at[(r, c)]
                ws.write_merge(r - 1, r2 - 1, c - 1, c2 - 1, val, st)
            else:
                ws.write(r - 1, c - 1, val, st)
        for c, w in spec.widths.items():
            ws.col(c - 1).width = int(256 * w)
        for r, h in spec.heights.items():
            row = ws.row(r - 1)
            row.height_mismatch = True
            row.height = int(h * 20)
    from .output import open_output

    with open_output(path, binary=True) as fh:  # whole or not at all
        wb.save(fh)


def waiver_sheet(forms: Sequence[tuple[Mapping[str, Any], Sheet]], name: str = "审核豁免") -> Sheet | None:
    """The 审核豁免 sheet (规则 / 位置 / 理由) of the documents' JSON waivers, or None if there are none.

    A waiver's pointer becomes the cell its value was written to; a pointer to a whole block
    (/project) has no one cell and becomes the form's sheet name, the nearest a workbook can say.
    """
    rows = []
    for doc, sheet in forms:
        for waiver in doc.get("waivers") or ():
            if not isinstance(waiver, Mapping):
                continue
            where = str(waiver.get("where") or "")
            if where.startswith("/"):
                from openpyxl.utils import get_column_letter

                cell = sheet.locations.get(where)
                where = f"{get_column_letter(cell[1])}{cell[0]}" if cell else sheet.name
            if len(forms) > 1 and where and "!" not in where and where != sheet.name:
                where = f"{sheet.name}!{where}"
            rows.append((waiver.get("rule"), where or None, waiver.get("reason")))
    if not rows:
        return None
    sh = Sheet(name)
    for c, (label, width) in enumerate((("规则", 10), ("位置", 16), ("理由", 60)), start=1):
        sh.put(1, c, label, "header")
        sh.widths[c] = width
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sh.put(r, c, value, "wrap" if c == 3 else "center")
    return sh


def _scalar(value: Any) -> Any:
    # a document that is not canonical (a list where a number belongs) is still written, as text
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def write_sheets(sheets: list[Sheet], path: str | os.PathLike) -> None:
    """Write laid-out sheets as .xls (xlwt) or, for any other suffix, .xlsx/.xlsm (openpyxl)."""
    path = os.fspath(path)
    for sheet in sheets:
        for at, (value, style) in sheet.cells.items():
            if not (value is None or isinstance(value, (str, int, float, bool))):
                sheet.cells[at] = (_scalar(value), style)
    if path.lower().endswith(".xls"):
        _render_xls(sheets, path)
    else:
        _render_xlsx(sheets, path)
        if path.lower().endswith(".xlsm"):
            macro_enabled(path)


def macro_enabled(path: str) -> None:
    """Excel refuses an .xlsm whose package says plain .xlsx; a macro-free .xlsm only differs in that type."""
    import zipfile

    with zipfile.ZipFile(path) as zin:
        parts = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            zout.writestr(info, data)


def write_workbook(path: str | os.PathLike, forms: Sequence[tuple[Mapping[str, Any], str]],
                   *, sheet_names: Sequence[str] | None = None, instructions: bool = True) -> None:
    """Several filled forms in one workbook, one sheet each: `forms` = [(document, layout), …]."""
    sheets = []
    for i, (doc, layout) in enumerate(forms):
        name = sheet_names[i] if sheet_names else f"{KIND_NAMES_ZH[doc['form']]}"
        sheets.append(build_sheet(doc["form"], doc, layout, name))
    waivers = waiver_sheet([(doc, sheet) for (doc, _), sheet in zip(forms, sheets)])
    if waivers is not None:
        sheets.append(waivers)
    if instructions:
        sheets.append(instructions_sheet(dict.fromkeys(doc["form"] for doc, _ in forms)))
    write_sheets(sheets, path)


def write_template(kind: str, path: str | os.PathLike, document: Mapping[str, Any] | None = None,
                   layout: str = "reference") -> None:
    """The workbook of one form: blank (document=None) or filled with a canonical document.

    `.xls` paths are written with xlwt (merges and number formats, no dropdowns). The document's
    waivers, if any, go to a 审核豁免 sheet.
    """
    if document is not None and document.get("form") not in (None, kind):
        raise ValueError(f"document is a {document.get('form')!r}, not a {kind!r}")
    sheet = build_sheet(kind, document, layout)
    waivers = waiver_sheet([(document, sheet)]) if document is not None else None
    write_sheets([sheet] + ([waivers] if waivers else []) + [instructions_sheet([kind])], path)
