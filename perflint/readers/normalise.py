"""Bring a raw canonical-shaped dict to canonical values, whatever format it came from.

Numbers written as text become numbers; text that should be a number and is not becomes F004 and
is dropped (None), so that the schema does not report it a second time; operators and units are
split out of inline indicator values (`≥95%`).
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ..model import Hit, pointer
from ..values import NotANumber, halfwidth, normalise_operator, parse_number, split_inline

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
_INTEGER_FIELDS = [("fiscal_year",), ("project", "period", "start"), ("project", "period", "end")]
_VAGUE_NUMBER = re.compile(r"(约|大约|大概|左右|上下|接近|估计)")
_DIGIT_LOOKALIKE_UNIT = re.compile(r"^[OoIlZS]+")


class Normaliser:
    def __init__(self, kind: str, locate: Callable[[str], dict] | None = None) -> None:
        self.kind = kind
        self.hits: list[tuple[str, Hit]] = []
        self._locate = locate or (lambda ptr: {})

    # `tokens` of the value's pointer: made into one only for a finding (most values are fine)
    def f004(self, tokens: tuple, raw: Any, what: str) -> None:
        ptr = pointer(*tokens)
        self.hits.append(("F004", Hit.at(ptr, field=what, value=str(raw), **self._locate(ptr))))

    def number(self, container: dict, key: str, tokens: tuple, what: str) -> None:
        raw = container.get(key)
        if raw is None or isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return
        try:
            container[key] = parse_number(raw)
        except NotANumber:
            self.f004(tokens, raw, what)
            container[key] = None

    def indicator_value(self, ind: dict, key: str, tokens: tuple, what: str) -> None:
        raw = ind.get(key)
        if not isinstance(raw, str):
            return
        op, value, unit = split_inline(raw)
        if op and not ind.get("operator"):
            ind["operator"] = op
        if unit and not ind.get("unit"):
            ind["unit"] = unit
        quantitative = normalise_operator(ind.get("operator")) not in (None, "定性") or op is not None
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

    def run(self, data: dict) -> dict:
        for path in _AMOUNT_FIELDS.get(self.kind, ()) + _INTEGER_FIELDS:
            parent = data
            for token in path[:-1]:
                parent = parent.get(token) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and path[-1] in parent:
                self.number(parent, path[-1], path, path[-1])
                if path in _INTEGER_FIELDS and isinstance(parent.get(path[-1]), float) and parent[path[-1]].is_integer():
                    parent[path[-1]] = int(parent[path[-1]])
        tasks = data.get("tasks")
        if isinstance(tasks, list):
            for i, task in enumerate(tasks):
                if isinstance(task, dict):
                    self.number(task, "amount", ("tasks", i, "amount"), "amount")
        inds = data.get("indicators")
        if isinstance(inds, list):
            for i, ind in enumerate(inds):
                if not isinstance(ind, dict):
                    continue
                if isinstance(ind.get("operator"), str):
                    ind["operator"] = normalise_operator(ind["operator"])
                for key in ("value", "target", "actual"):
                    self.indicator_value(ind, key, ("indicators", i, key), key)
                for key in ("weight", "score"):
                    self.number(ind, key, ("indicators", i, key), key)
                for key in ("level1", "level2", "name", "unit"):
                    if isinstance(ind.get(key), str):
                        ind[key] = ind[key].strip()
        return data
