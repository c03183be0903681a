"""I — indicators (绩效指标): the tree, and each 三级指标's name, operator, value and unit.

Target sheets carry the value in `value`; self-evaluations carry the same 年度指标值 in `target`,
so every rule here reads `value_key(doc)`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Iterator

from . import rule
from ..model import MAPPINGS, SELFEVAL_KINDS, Hit, pointer
from ..profiles import fold_indicator_name
from ..values import extract_date, halfwidth, is_placeholder, is_quantitative
from ..vocabulary import OPERATORS, POSITIVE
from ._util import blank, num, text

MEASURED_LEVEL2 = frozenset({"数量指标", "质量指标", "时效指标", "成本指标", "经济成本指标"})
COST_LEVEL2 = frozenset({"成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标"})
SATISFACTION = "满意度指标"
_DIGIT = re.compile(r"\d")


def value_key(doc) -> str:
    return "target" if doc.kind in SELFEVAL_KINDS else "value"


def _fold(name: Any, ctx, table: str) -> str:
    """The 指标 form of a category name, through the profile's `[aliases.level1]`/`[aliases.level2]`."""
    aliases = ctx.profile.aliases.get(table) if ctx is not None else None
    if not aliases:
        return fold_indicator_name(name)
    folded = _folded_aliases(aliases)
    if type(name) is str:
        try:
            return folded[name]  # the raw spelling is kept too: asked for on every indicator by several rules
        except KeyError:
            pass
    canon = fold_indicator_name(name)
    out = folded.get(canon, canon)
    if type(name) is str and len(folded) < _MAX_FOLDED:
        folded[name] = out
    return out


_ALIAS_TABLES: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}
_MAX_FOLDED = 20_000


def _folded_aliases(aliases: Mapping[str, str]) -> dict[str, str]:
    """{folded alias: folded canonical}, worked out once per profile table (the table is kept with
    its entry, so its id cannot be taken by another while the entry stands); raw spellings asked for
    are added as they come."""
    entry = _ALIAS_TABLES.get(id(aliases))
    if entry is None or entry[0] is not aliases:
        table: dict[str, str] = {}
        for alias, canonical in aliases.items():
            table.setdefault(fold_indicator_name(alias), fold_indicator_name(canonical))  # the first alias wins
        if len(_ALIAS_TABLES) > 64:  # profiles loaded again and again (tests, a long-lived process)
            _ALIAS_TABLES.clear()
        entry = _ALIAS_TABLES[id(aliases)] = (aliases, table)
    return entry[1]


def level1(ind: Mapping[str, Any], ctx=None) -> str:
    return _fold(ind.get("level1"), ctx, "level1")


def level2(ind: Mapping[str, Any], ctx=None) -> str:
    return _fold(ind.get("level2"), ctx, "level2")


def is_date_value(value: Any) -> bool:
    return extract_date(value) is not None


def counts_as_quantitative(ind: Mapping[str, Any], key: str) -> bool:
    """A number, or a date (时效 deadlines are measurable), unless the operator says 定性."""
    op, value = ind.get("operator"), ind.get(key)
    if op == "定性":
        return False
    return is_quantitative(op, value) or is_date_value(value)


def is_cost(ind: Mapping[str, Any], ctx=None) -> bool:
    return level1(ind, ctx) == "成本指标" or level2(ind, ctx) in COST_LEVEL2


@rule("I301")
def missing_level1(doc, ctx) -> Iterator[Hit]:
    present = {level1(ind, ctx) for _, ind in doc.indicators()}
    for l1 in ctx.profile.mandatory_level1:
        if l1 not in present:
            yield Hit.at("/indicators", level1=l1)


@rule("I302")
def unknown_level2(doc, ctx) -> Iterator[Hit]:
    tree = ctx.profile.tree
    for i, ind in doc.indicators():
        l1, l2 = level1(ind, ctx), level2(ind, ctx)
        if not l1:
            continue  # no 一级 at all is I316's; its 二级 cannot be placed without one
        elif l1 not in tree:
            yield Hit.at(pointer("indicators", i, "level1"), variant="unknown_level1", level1=ind.get("level1"),
                         allowed=list(tree))
        elif not l2:
            yield Hit.at(pointer("indicators", i, "level2"), variant="blank_level2", name=text(ind.get("name")),
                         level1=l1)
        elif l2 not in tree[l1]:
            yield Hit.at(pointer("indicators", i, "level2"), level2=ind.get("level2"), level1=l1,
                         allowed=list(tree[l1]))


@rule("I303")
def missing_level2(doc, ctx) -> Iterator[Hit]:
    first: dict[str, int] = {}
    present: set[tuple[str, str]] = set()
    for i, ind in doc.indicators():
        first.setdefault(level1(ind, ctx), i)
        present.add((level1(ind, ctx), level2(ind, ctx)))
    for l1, required in ctx.profile.mandatory_level2.items():
        if l1 not in first:
            continue  # an absent 一级 is I301's finding
        for l2 in required:
            if (l1, l2) not in present:
                yield Hit.at(pointer("indicators", first[l1], "level1"), level1=l1, level2=l2)


@rule("I304")
def missing_indicator_name(doc, ctx) -> Iterator[Hit]:
    for i, ind in doc.indicators():
        if blank(ind.get("name")):
            yield Hit.at(pointer("indicators", i, "name"), level1=level1(ind, ctx) or None, level2=level2(ind, ctx) or None)


@rule("I305")
def missing_indicator_value(doc, ctx) -> Iterator[Hit]:
    key = value_key(doc)
    for i, ind in doc.indicators():
        if blank(ind.get(key)):
            yield Hit.at(pointer("indicators", i, key), name=text(ind.get("name")))


@rule("I306")
def placeholder_value(doc, ctx) -> Iterator[Hit]:
    keys = (value_key(doc), "actual") if doc.kind in SELFEVAL_KINDS else ("value",)
    for i, ind in doc.indicators():
        for key in keys:
            if is_placeholder(ind.get(key)):
                yield Hit.at(pointer("indicators", i, key), name=text(ind.get("name")), value=ind.get(key).strip())


# `受益学生人数（人）`: forms without a unit column put the unit in brackets after the name
_UNIT_IN_NAME = re.compile(r"[(（]\s*([^()（）\d]{1,6})\s*[)）]\s*$")


def unit_in_name(name: Any) -> bool:
    return isinstance(name, str) and _UNIT_IN_NAME.search(halfwidth(name).strip()) is not None


@rule("I307")
def missing_unit(doc, ctx) -> Iterator[Hit]:
    key = value_key(doc)
    for i, ind in doc.indicators():
        value = ind.get(key)
        if is_quantitative(ind.get("operator"), value) and blank(ind.get("unit")) and not unit_in_name(ind.get("name")):
            yield Hit.at(pointer("indicators", i, "unit"), name=text(ind.get("name")), value=value)


@rule("I308")
def vague_quantity(doc, ctx) -> Iterator[Hit]:
    key = value_key(doc)
    for i, ind in doc.indicators():
        if level2(ind, ctx) not in MEASURED_LEVEL2:
            continue
        value = ind.get(key)
        if blank(value) or num(value) is not None or is_placeholder(value):
            continue  # empty: I305; a placeholder: I306
        if isinstance(value, str) and not _DIGIT.search(halfwidth(value)):
            yield Hit.at(pointer("indicators", i, key), name=text(ind.get("name")), level2=level2(ind, ctx),
                         value=value.strip())


@rule("I309")
def duplicate_indicator(doc, ctx) -> Iterator[Hit]:
    seen: dict[tuple[str, str, str], int] = {}
    for i, ind in doc.indicators():
        name = "".join(text(ind.get("name")).split())
        if not name:
            continue
        key = (level1(ind, ctx), level2(ind, ctx), name)
        if key in seen:
            yield Hit.at(pointer("indicators", i, "name"), name=name, level2=level2(ind, ctx) or None, first=seen[key] + 1)
        else:
            seen[key] = i


@rule("I310")
def percent_over_100(doc, ctx) -> Iterator[Hit]:
    key = value_key(doc)
    for i, ind in doc.indicators():
        value = num(ind.get(key))
        if value is not None and value > 100 and text(ind.get("unit")) in ("%", "％"):
            yield Hit.at(pointer("indicators", i, key), name=text(ind.get("name")), value=value)


@rule("I311")
def cost_lower_bound(doc, ctx) -> Iterator[Hit]:
    for i, ind in doc.indicators():
        if is_cost(ind, ctx) and ind.get("operator") in POSITIVE:
            yield Hit.at(pointer("indicators", i, "operator"), name=text(ind.get("name")), operator=ind.get("operator"))


@rule("I312")
def too_few_indicators(doc, ctx) -> Iterator[Hit]:
    key = value_key(doc)
    inds = [ind for _, ind in doc.indicators()]
    minimum = ctx.param("min_indicators")
    if len(inds) < minimum:
        yield Hit.at("/indicators", count=len(inds), minimum=minimum)
    if not inds:
        return
    quantitative = sum(1 for ind in inds if counts_as_quantitative(ind, key))
    share = quantitative / len(inds)
    wanted = ctx.param("min_quantitative_share")
    if share < wanted - 1e-9:
        yield Hit.at("/indicators", variant="share", quantitative=quantitative, count=len(inds),
                     share=share * 100, minimum=wanted * 100)


def _period_end(doc) -> tuple[int, str] | None:
    """The last year a 时效 date may fall in, and what set it (项目期 end, else the fiscal year).

    A fiscal year after the period's end is B107's finding; the later of the two is used here so
    that one wrong year is not reported again on every deadline.
    """
    year = num(doc.data.get("fiscal_year"))
    year = int(year) if year is not None and year.is_integer() else None
    period = doc.owner.get("period") if doc.kind.startswith("project") else None
    if isinstance(period, MAPPINGS):
        end = num(period.get("end"))
        if end is not None and end.is_integer() and (year is None or end >= year):
            return int(end), "period"
    return (year, "fiscal_year") if year is not None else None


@rule("I313")
def deadline_outside_period(doc, ctx) -> Iterator[Hit]:
    limit = _period_end(doc)
    if limit is None:
        return
    end, basis = limit
    key = value_key(doc)
    for i, ind in doc.indicators():
        if level2(ind, ctx) != "时效指标":
            continue
        date = extract_date(ind.get(key))
        if date is not None and date > (end, 12, 31):
            yield Hit.at(pointer("indicators", i, key), variant=None if basis == "period" else "fiscal_year",
                         name=text(ind.get("name")), value=ind.get(key).strip(), end=end)


@rule("I314")
def bad_operator(doc, ctx) -> Iterator[Hit]:
    for i, ind in doc.indicators():
        op = ind.get("operator")
        if isinstance(op, str) and op.strip() and op not in OPERATORS:
            yield Hit.at(pointer("indicators", i, "operator"), name=text(ind.get("name")), operator=op,
                         allowed=list(OPERATORS))


@rule("I315")
def satisfaction_not_percent(doc, ctx) -> Iterator[Hit]:
    key = value_key(doc)
    for i, ind in doc.indicators():
        if level1(ind, ctx) != SATISFACTION:
            continue
        value = ind.get(key)
        if blank(value) or is_placeholder(value):
            continue
        unit = text(ind.get("unit"))
        if unit in ("%", "％"):
            continue
        if num(value) is not None and unit:
            yield Hit.at(pointer("indicators", i, key), variant="unit", name=text(ind.get("name")), value=value, unit=unit)
        else:
            yield Hit.at(pointer("indicators", i, key), name=text(ind.get("name")), value=value)


@rule("I316")
def missing_indicator_level1(doc, ctx) -> Iterator[Hit]:
    """A 三级指标 row with no 一级指标: it cannot be placed in the tree, weighted or scored."""
    for i, ind in doc.indicators():
        if not level1(ind, ctx):
            yield Hit.at(pointer("indicators", i, "level1"), name=text(ind.get("name")))
