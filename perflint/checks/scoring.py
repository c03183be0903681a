"""S — self-evaluation scoring: weights, each score against its formula, the total and the grade."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterator

from . import rule
from .. import scoring
from ..model import MAPPINGS, Hit, pointer
from ._util import blank, differs, num, text
from .indicators import level1

_EPS = 1e-9


def budget_block(doc) -> tuple[Any, Any]:
    """(全年执行数, 全年预算数): the 年度资金总额 row of a project, the funds block of a department."""
    funds = doc.data.get("funds")
    if not isinstance(funds, MAPPINGS):
        return None, None
    row = funds.get("total") if doc.kind == "project_selfeval" else funds
    if not isinstance(row, MAPPINGS):
        return None, None
    return row.get("executed"), row.get("adjusted")


def budget_weight(doc, ctx) -> float:
    w = num(doc.get("/funds/weight"))
    return ctx.profile.budget_weight if w is None else w


def _direction(ind: Mapping[str, Any]) -> str | None:
    return scoring.direction(ind.get("operator"), ind.get("target"))


@rule("S401")
def weights_not_100(doc, ctx) -> Iterator[Hit]:
    budget = num(doc.get("/funds/weight"))
    weights = [num(ind.get("weight")) for _, ind in doc.indicators()]
    if budget is None or not weights or any(w is None for w in weights):
        return  # a missing or non-numeric weight is F003/F004's finding, not a wrong sum
    total = budget + sum(weights)
    if abs(total - 100) > 1e-6:
        yield Hit.at("/indicators", total=total, budget=budget, indicators=sum(weights))


@rule("S402")
def level1_weights(doc, ctx) -> Iterator[Hit]:
    profile = ctx.profile
    budget = num(doc.get("/funds/weight"))
    if budget is not None and abs(budget - profile.budget_weight) > 1e-6:
        yield Hit.at("/funds/weight", variant="budget", actual=budget, expected=profile.budget_weight)
    sums: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, ind in doc.indicators():
        l1 = level1(ind, ctx)
        l1 = profile.count_with.get(l1, l1)
        w = num(ind.get("weight"))
        if w is None:
            return
        sums[l1] = sums.get(l1, 0.0) + w
        first.setdefault(l1, i)
    expected = dict(profile.level1_weights)
    for absent, heir in profile.when_absent.items():
        if absent in expected and absent not in sums and heir in expected:
            expected[heir] += expected.pop(absent)
    for l1, want in expected.items():
        if l1 in sums and abs(sums[l1] - want) > 1e-6:
            yield Hit.at(pointer("indicators", first[l1], "weight"), level1=l1, actual=sums[l1], expected=want)


@rule("S403")
def score_over_weight(doc, ctx) -> Iterator[Hit]:
    score, weight = num(doc.get("/funds/score")), num(doc.get("/funds/weight"))
    if score is not None and weight is not None and score > weight + _EPS:
        yield Hit.at("/funds/score", variant="budget", score=score, weight=weight)
    for i, ind in doc.indicators():
        score, weight = num(ind.get("score")), num(ind.get("weight"))
        if score is not None and weight is not None and score > weight + _EPS:
            yield Hit.at(pointer("indicators", i, "score"), name=text(ind.get("name")), score=score, weight=weight)


@rule("S404")
def indicator_score_mismatch(doc, ctx) -> Iterator[Hit]:
    tolerance = ctx.param("score_tolerance")
    for i, ind in doc.indicators():
        declared = num(ind.get("score"))
        expected = scoring.indicator_score(ind.get("operator"), ind.get("target"), ind.get("actual"), ind.get("weight"))
        if declared is None or expected is None:
            continue
        if differs(declared, expected, tolerance):
            yield Hit.at(pointer("indicators", i, "score"), name=text(ind.get("name")), score=declared,
                         expected=expected, operator=text(ind.get("operator")), target=ind.get("target"),
                         actual=ind.get("actual"), weight=ind.get("weight"), tolerance=tolerance)


@rule("S405")
def budget_score_mismatch(doc, ctx) -> Iterator[Hit]:
    executed, adjusted = budget_block(doc)
    weight = budget_weight(doc, ctx)
    expected = scoring.budget_score(executed, adjusted, weight)
    declared = num(doc.get("/funds/score"))
    if expected is None or declared is None:
        return
    if differs(declared, expected, ctx.param("score_tolerance")):
        yield Hit.at("/funds/score", score=declared, expected=expected, executed=executed, adjusted=adjusted,
                     rate=scoring.execution_rate(executed, adjusted), weight=weight)


@rule("S406")
def total_mismatch(doc, ctx) -> Iterator[Hit]:
    declared = num(doc.data.get("total_score"))
    if declared is None:
        return
    parts = [num(doc.get("/funds/score"))] + [num(ind.get("score")) for _, ind in doc.indicators()]
    if any(p is None for p in parts):
        return  # a missing score is F003/F004's finding; the sum of the rest would mislead
    expected = round(sum(parts), 2)
    if differs(declared, expected, ctx.param("score_tolerance")):
        yield Hit.at("/total_score", total=declared, expected=expected, budget=parts[0],
                     indicators=round(sum(parts[1:]), 2))


@rule("S407")
def grade_mismatch(doc, ctx) -> Iterator[Hit]:
    total = num(doc.data.get("total_score"))
    stated = doc.data.get("grade")
    if total is None or blank(stated):
        return
    expected = scoring.grade(total)
    if scoring.normalise_grade(stated) != expected:
        yield Hit.at("/grade", grade=text(stated) if isinstance(stated, str) else stated, expected=expected,
                     total=total)


@rule("S408")
def missing_deviation_reason(doc, ctx) -> Iterator[Hit]:
    ratio = ctx.param("overachievement_ratio")
    on_over = ctx.param("deviation_on_overachievement")
    for i, ind in doc.indicators():
        if not blank(ind.get("deviation")):
            continue
        d = _direction(ind)
        score, weight = num(ind.get("score")), num(ind.get("weight"))
        target, actual = ind.get("target"), ind.get("actual")
        args = dict(name=text(ind.get("name")), target=target, actual=actual, score=score, weight=weight)
        if score is not None and weight is not None and score < weight - _EPS:
            yield Hit.at(pointer("indicators", i, "deviation"), **args)
        elif scoring.misses_target(d, target, actual):
            yield Hit.at(pointer("indicators", i, "deviation"), variant="missed", **args)
        elif on_over and scoring.overachieved(d, target, actual, ratio):
            yield Hit.at(pointer("indicators", i, "deviation"), variant="over", ratio=ratio * 100, **args)


@rule("S409")
def missing_actual(doc, ctx) -> Iterator[Hit]:
    for i, ind in doc.indicators():
        if blank(ind.get("actual")):
            yield Hit.at(pointer("indicators", i, "actual"), name=text(ind.get("name")), target=ind.get("target"))


@rule("S410")
def qualitative_score_band(doc, ctx) -> Iterator[Hit]:
    for i, ind in doc.indicators():
        if _direction(ind) != scoring.QUALITATIVE_DIR:
            continue
        result = scoring.qualitative_result(ind.get("actual"))
        score, weight = num(ind.get("score")), num(ind.get("weight"))
        if result is None or score is None or weight is None:
            continue
        if not scoring.in_qualitative_band(result, score, weight):
            lo, hi, inclusive = scoring.qualitative_band(result, weight)
            yield Hit.at(pointer("indicators", i, "score"), name=text(ind.get("name")), result=result,
                         score=score, weight=weight, low=lo, high=hi, close="]" if inclusive else ")")


@rule("S411")
def overachievement_unexplained(doc, ctx) -> Iterator[Hit]:
    if ctx.param("deviation_on_overachievement"):
        return  # then S408 owes the explanation, as an error
    ratio = ctx.param("overachievement_ratio")
    for i, ind in doc.indicators():
        if blank(ind.get("deviation")) and scoring.overachieved(_direction(ind), ind.get("target"), ind.get("actual"), ratio):
            yield Hit.at(pointer("indicators", i, "actual"), name=text(ind.get("name")), target=ind.get("target"),
                         actual=ind.get("actual"), ratio=ratio * 100,
                         achieved=num(ind.get("actual")) / num(ind.get("target")) * 100)


@rule("S412")
def low_execution(doc, ctx) -> Iterator[Hit]:
    executed, adjusted = budget_block(doc)
    rate = scoring.execution_rate(executed, adjusted)
    if rate is None:
        rate = num(doc.get("/funds/execution_rate"))
    if rate is None:
        return
    floor = ctx.param("low_execution_rate")
    if rate < floor - _EPS:
        yield Hit.at("/funds/execution_rate", rate=rate, floor=floor, executed=executed, adjusted=adjusted)
