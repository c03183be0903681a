"""Bring a raw canonical-shaped dict to canonical values, whatever format it came from.

Numbers written as text become numbers; text that should be a number and is not becomes F004 and
is dropped (None), so that the schema does not report it a second time; operators and units are
split out of inline indicator values (`≥95%`).
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ..model import Hit, pointer
from ..values import NotANumber, halfwidth, is_placeholder, normalise_operator, parse_amount, parse_number, split_inline
from ..vocabulary import Vocabulary, vocabulary

_AMOUNT_FIELDS = {
    "project_target": [("project", "prior_year_budget")]
    + [("funds", blk, k) for blk in ("medium_term", "annual") for k in ("total", "fiscal", "other")],
    "dept_target": [("funds", k) for k in ("total", "fiscal", "other", "basic", "project")],
    "project_selfeval": [("funds", row, col) for row in ("total", "fiscal_current", "carryover", "other")
                         for col in ("initial", "adjusted", "executed")]
    + [("funds", k) for k in ("weight", "execution_rate", "score")] + [("total_score",)],
    "dept_selfeval": [("funds", k) for k in ("initial", "adjusted", "executed", "weight", "execution_rate", "score")]
    + [("total_score",)],
}
# money, as opposed to weights, rates and scores: a unit written in the cell (1.2亿元) is converted
_MONEY_KEYS = frozenset({"total", "fiscal", "other", "basic", "project", "initial", "adjusted", "executed",
                         "prior_year_budget", "amount"})
# points, as forms write them: 分值 20分, 得分 9.6分, 总分 98.6分
_POINT_KEYS = frozenset({"weight", "score", "total_score"})
_POINTS = re.compile(r"^(.*?\d)\s*分$")
_INTEGER_FIELDS = [("fiscal_year",), ("project", "period", "start"), ("project", "period", "end")]
_VAGUE_NUMBER = re.compile(r"(约|大约|大概|左右|上下|接近|估计)")
_DIGIT_LOOKALIKE_UNIT = re.compile(r"^[OoIlZS]+")


class Normaliser:
    def __init__(self, kind: str, locate: Callable[[str], dict] | None = None, reported: frozenset = frozenset(),
                 voc: Vocabulary | None = None) -> None:
        self.kind = kind
        self.voc = voc or vocabulary()  # the shipped one, or as the profile extends it
        self.reported = reported  # pointers a reader has already reported (a formula without a value)
        self.hits: list[tuple[str, Hit]] = []
        self._locate = locate or (lambda ptr: {})

    # `tokens` of the value's pointer: made into one only for a finding (most values are fine)
    def f004(self, tokens: tuple, raw: Any, what: str) -> None:
        ptr = pointer(*tokens)
        self.hits.append(("F004", Hit.at(ptr, field=what, value=str(raw), **self._locate(ptr))))

    def number(self, container: dict, key: str, tokens: tuple, what: str, money: bool = False) -> None:
        raw = container.get(key)
        if raw is None or isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return
        text = raw
        if key in _POINT_KEYS and isinstance(raw, str):
            m = _POINTS.match(raw.strip())
            text = m.group(1) if m else raw
        try:
            container[key] = parse_amount(text) if money else parse_number(text)
        except NotANumber:
            self.f004(tokens, raw, what)
            container[key] = None

    def indicator_value(self, ind: dict, key: str, tokens: tuple, what: str) -> None:
        raw = ind.get(key)
        if not isinstance(raw, str):
            return
        if raw.strip() in _bare_units(self.voc):  # only the unit, the number never filled in
            ind.setdefault("unit", raw.strip()) if not ind.get("unit") else None
            ind[key] = None
            return
        op, value, unit = split_inline(raw, self.voc)
        if op and not ind.get("operator"):
            ind["operator"] = op
        if op and isinstance(value, str) and value.strip() in _bare_units(self.voc):  # ≧ %: no number
            ind.setdefault("unit", value.strip()) if not ind.get("unit") else None
            ind[key] = None
            return
        if unit and not ind.get("unit"):
            ind["unit"] = unit
        quantitative = normalise_operator(ind.get("operator"), self.voc) not in (None, "定性") or op is not None
        if isinstance(value, (int, float)):
            if unit and _DIGIT_LOOKALIKE_UNIT.match(unit):  # `1OO`: letters standing in for digits
                self.f004(tokens, raw, what)
                ind[key] = None
                return
            ind[key] = value
        elif quantitative and isinstance(value, str) and any(ch.isdigit() for ch in halfwidth(value)) \
                and _VAGUE_NUMBER.search(value):
            self.f004(tokens, raw, what)
            ind[key] = None
        else:
            ind[key] = value

    def blank_amounts(self, data: dict, blank: list[tuple]) -> None:
        """A required amount left blank is F003 at its cell: never a zero, never a pass. Which amounts
        are required is the schema's `required`; those of an optional block (中期资金, a 上年结转
        row) only once something in that block is filled."""
        for path in blank:
            rule = _required_amounts(self.kind).get(path)
            if rule is None:
                continue
            field, block_required = rule
            parent = data
            for token in path[:-1]:
                parent = parent.get(token) if isinstance(parent, dict) else None
            if not isinstance(parent, dict) or parent.get(path[-1]) is not None:
                continue
            if not block_required and not any(isinstance(v, (int, float)) for v in parent.values()):
                continue
            ptr = pointer(*path)
            if ptr in self.reported:
                continue
            self.hits.append(("F003", Hit.at(ptr, variant="blank", field=field, **self._locate(ptr))))

    def run(self, data: dict) -> dict:
        blank = []
        for path in _AMOUNT_FIELDS.get(self.kind, ()) + _INTEGER_FIELDS:
            parent = data
            for token in path[:-1]:
                parent = parent.get(token) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and path[-1] in parent:
                raw = parent[path[-1]]
                if is_placeholder(raw):  # an amount not given yet is as blank as an empty cell
                    raw = parent[path[-1]] = None  # a template's * in the total: still to be filled in
                if raw is None or isinstance(raw, str) and not raw.strip():
                    blank.append(path)
                self.number(parent, path[-1], path, path[-1], money=path[-1] in _MONEY_KEYS)
                if path in _INTEGER_FIELDS and isinstance(parent.get(path[-1]), float) and parent[path[-1]].is_integer():
                    parent[path[-1]] = int(parent[path[-1]])
        self.blank_amounts(data, blank)
        tasks = data.get("tasks")
        if isinstance(tasks, list):
            for i, task in enumerate(tasks):
                if isinstance(task, dict):
                    self.number(task, "amount", ("tasks", i, "amount"), "amount", money=True)
        inds = data.get("indicators")
        if isinstance(inds, list):
            for i, ind in enumerate(inds):
                if not isinstance(ind, dict):
                    continue
                if isinstance(ind.get("operator"), str):
                    ind["operator"] = normalise_operator(ind["operator"], self.voc)
                for key in ("value", "target", "actual"):
                    self.indicator_value(ind, key, ("indicators", i, key), key)
                for key in ("weight", "score"):
                    self.number(ind, key, ("indicators", i, key), key)
                for key in ("level1", "level2", "name", "unit"):
                    if isinstance(ind.get(key), str):
                        ind[key] = ind[key].strip()
                if isinstance(ind.get("unit"), str) and ind["unit"] in _percent_units(self.voc):
                    ind["unit"] = "%"
                for key in ("level1", "level2"):  # 一、产出指标, 产出指标(50分), 产出值 → 产出指标
                    if isinstance(ind.get(key), str) and ind[key]:
                        ind[key] = self.voc.level_name(ind[key])
                l1 = ind.get("level1")
                if isinstance(l1, str) and l1 and ind.get("level2") in (None, "", l1) and self.voc.level_parent(l1):
                    ind["level1"], ind["level2"] = self.voc.level_parent(l1), l1
        return data


_REQUIRED: dict[str, dict[tuple, tuple[str, bool]]] = {}


def _percent_units(voc: Vocabulary) -> tuple[str, ...]:
    return voc.layout_of("percent_units")


def _bare_units(voc: Vocabulary) -> tuple[str, ...]:
    return voc.layout_of("bare_units")


# Amounts that may not be left blank where their label stands (年度资金总额, 财政拨款,
# 全年预算数, 全年执行数): a blank cell is F003 at that cell. A form that has no such row at all
# is the schema's to judge (it requires only the totals); the amounts of an optional block
# (中期资金) are required only once something in that block is filled.
_BLANK_REQUIRED = {
    "project_target": [("funds", "annual", "total"), ("funds", "annual", "fiscal"),
                       ("funds", "medium_term", "total"), ("funds", "medium_term", "fiscal")],
    "dept_target": [("funds", "total"), ("funds", "fiscal")],
    "project_selfeval": [("funds", row, col) for row in ("total", "fiscal_current") for col in ("adjusted", "executed")],
    "dept_selfeval": [("funds", "adjusted"), ("funds", "executed")],
}
_OPTIONAL_BLOCKS = frozenset({("funds", "medium_term")})


def _required_amounts(kind: str) -> dict[tuple, tuple[str, bool]]:
    """{amount path: (its title from the schema, whether its block is required too)}, once per kind."""
    out = _REQUIRED.get(kind)
    if out is not None:
        return out
    from ..schema import load_schema

    out = {}
    try:
        schema = load_schema(kind)
    except (OSError, ValueError):
        schema = {}
    for path in _BLANK_REQUIRED.get(kind, ()):
        node, titles = schema, []
        for token in path:
            node = (node.get("properties") or {}).get(token) if isinstance(node, dict) else None
            titles.append(re.sub(r"^其中[:：]", "", str((node or {}).get("title", token))))
        field = titles[-1] if len(titles) < 3 or titles[-1] == titles[-2] else f"{titles[-2]}·{titles[-1]}"
        out[path] = (field, path[:-1] not in _OPTIONAL_BLOCKS)
    _REQUIRED[kind] = out
    return out
