"""The national scoring formulas at their band edges."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixturelib import base_document
from perflint import scoring
from perflint.catalogue import default_catalogue
from perflint.checks import indicators as indicator_rules
from perflint.checks import scoring as scoring_rules
from perflint.engine import Context
from perflint.model import Document
from perflint.profiles import load_profile
from perflint.scoring import (ACHIEVED, PARTIAL, POOR, budget_score, direction, grade, in_qualitative_band,
                              indicator_score, misses_target, normalise_grade, overachieved, qualitative_result,
                              round2, score_equal, score_positive, score_reverse)


# ---- positive -------------------------------------------------------------------------------
def test_positive_b_equal_a_is_full_marks():
    assert score_positive(95, 95, 20) == 20


def test_positive_overachievement_is_capped_at_the_weight():
    assert score_positive(95, 150, 20) == 20


def test_positive_shortfall_is_the_share_to_two_decimals():
    assert score_positive(98, 95, 15) == 14.54  # 14.5408…
    assert score_positive(30000, 20000, 20) == 13.33  # 13.333…
    assert score_positive(3, 2, 10) == 6.67  # 6.666…, rounded up


def test_rounding_is_half_up_as_on_the_forms():
    # 0.125 × 10 = 1.25 exactly; 1.005 is stored as 1.00499…, still written 1.01 on a form
    assert score_positive(8, 1, 10) == 1.25
    assert round2(1.005) == 1.01
    assert round2(2.675) == 2.68  # Python's round() gives 2.67
    assert round2(1e300) == 1e300 and round2(float("inf")) == float("inf")
    assert in_qualitative_band(ACHIEVED, 1e308, 1e308)


def test_positive_negative_actual_scores_zero_and_undefined_ratio_is_none():
    assert score_positive(10, -5, 10) == 0
    assert score_positive(0, -1, 10) is None
    assert score_positive(0, 0, 10) == 10


# ---- equal ----------------------------------------------------------------------------------
def test_equal_with_zero_target():
    assert score_equal(0, 0, 5) == 5
    assert score_equal(0, -1, 5) == 5
    assert score_equal(0, 1, 5) == 0
    assert score_equal(0, 0.01, 5) == 0


def test_equal_otherwise_as_positive():
    assert score_equal(100, 100, 10) == 10
    assert score_equal(100, 95, 10) == 9.5
    assert score_equal(100, 120, 10) == 10


# ---- reverse --------------------------------------------------------------------------------
def test_reverse_at_and_below_target_is_full_marks():
    assert score_reverse(5, 5, 5) == 5
    assert score_reverse(5, 3, 5) == 5


def test_reverse_between_a_and_2a_loses_in_proportion():
    assert score_reverse(5, 6, 5) == 4
    assert score_reverse(120, 150, 10) == 7.5
    assert score_reverse(3, 4, 10) == 6.67  # (1 − 1/3) × 10


def test_reverse_at_2a_and_beyond_is_zero():
    assert score_reverse(5, 10, 5) == 0
    assert score_reverse(5, 9.99, 5) == 0.01
    assert score_reverse(5, 50, 5) == 0


def test_reverse_zero_target():
    assert score_reverse(0, 0, 5) == 5
    assert score_reverse(0, 1, 5) == 0


# ---- direction and dispatch -----------------------------------------------------------------
@pytest.mark.parametrize("op,target,expected", [
    ("≥", 1, "positive"), (">", 1, "positive"), ("≤", 1, "reverse"), ("<", 1, "reverse"),
    ("=", 1, "equal"), ("定性", "明显改善", "qualitative"), (None, 95, "positive"), ("", 95, "positive"),
    (None, "明显改善", "qualitative"), ("约等于", 1, None), (None, None, None),
])
def test_direction(op, target, expected):
    assert direction(op, target) == expected


def test_indicator_score_dispatches_and_refuses_what_it_cannot_score():
    assert indicator_score("≥", 32000, 16000, 20) == 10
    assert indicator_score(None, 32000, 16000, 20) == 10  # no operator with a number → positive
    assert indicator_score("≤", 5, 10, 5) == 0
    assert indicator_score("=", 0, 1, 5) == 0
    assert indicator_score("定性", "明显改善", "达成年度指标", 15) is None
    assert indicator_score("≥", "95%", 90, 10) is None
    assert indicator_score("≥", 95, None, 10) is None
    assert indicator_score("≥", True, 1, 10) is None
    assert indicator_score("约等于", 95, 90, 10) is None


# ---- qualitative bands ----------------------------------------------------------------------
@pytest.mark.parametrize("text,result", [
    ("达成年度指标", ACHIEVED), ("已达成", ACHIEVED), ("达成年度指标。", ACHIEVED),
    ("部分达成年度指标并具有一定效果", PARTIAL), ("部分达成", PARTIAL),
    ("未达成年度指标且效果较差", POOR), ("未达成", POOR),
    ("明显改善", None), (95, None), (None, None),
])
def test_qualitative_result(text, result):
    assert qualitative_result(text) == result


def test_achieved_band_is_80_to_100_percent_inclusive():
    assert in_qualitative_band(ACHIEVED, 12, 15)  # exactly 80 %
    assert in_qualitative_band(ACHIEVED, 15, 15)
    assert not in_qualitative_band(ACHIEVED, 11.99, 15)
    assert not in_qualitative_band(ACHIEVED, 15.01, 15)


def test_partial_band_is_60_to_80_percent_excluding_80():
    assert in_qualitative_band(PARTIAL, 9, 15)  # exactly 60 %
    assert in_qualitative_band(PARTIAL, 11.99, 15)
    assert not in_qualitative_band(PARTIAL, 12, 15)  # 80 % belongs to 达成
    assert not in_qualitative_band(PARTIAL, 8.99, 15)


def test_poor_band_is_below_60_percent():
    assert in_qualitative_band(POOR, 0, 15)
    assert in_qualitative_band(POOR, 8.99, 15)
    assert not in_qualitative_band(POOR, 9, 15)  # 60 % belongs to 部分达成


# ---- budget, total, grade -------------------------------------------------------------------
def test_budget_score():
    assert budget_score(1200, 1250, 10) == 9.6
    assert budget_score(1250, 1250, 10) == 10
    assert budget_score(1300, 1250, 10) == 10  # min(rate, 1)
    assert budget_score(0, 1250, 10) == 0
    assert budget_score(100, 0, 10) is None
    assert budget_score(None, 1250, 10) is None
    assert scoring.execution_rate(1062.5, 1250) == 85.0


@pytest.mark.parametrize("total,expected", [
    (100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差"),
])
def test_grade_edges(total, expected):
    assert grade(total) == expected


def test_grade_of_non_number_is_none_and_written_grades_normalise():
    assert grade(None) is None and grade("90") is None
    assert [normalise_grade(t) for t in ("优", "优秀", "良好", "中等", "较差", "", None)] == ["优", "优", "良", "中", "差", None, None]


# ---- deviation triggers ---------------------------------------------------------------------
def test_misses_target_by_direction():
    assert misses_target("positive", 98, 97) and not misses_target("positive", 98, 98)
    assert misses_target("reverse", 5, 6) and not misses_target("reverse", 5, 5)
    assert misses_target("equal", 100, 99) and misses_target("equal", 100, 101)
    assert misses_target("qualitative", "明显改善", PARTIAL) and not misses_target("qualitative", "明显改善", ACHIEVED)
    assert not misses_target("positive", "较好", 1)


def test_a_deadline_met_late_is_a_miss():
    assert misses_target("reverse", "2024年11月底前", "2024年12月")
    assert not misses_target("reverse", "2024年11月底前", "2024年11月")
    assert misses_target(direction(None, "2024年11月底前"), "2024年11月底前", "2025-01-10")
    assert not misses_target("reverse", "2024年11月底前", "按期完成")


def test_overachieved_at_the_ratio():
    assert overachieved("positive", 32000, 41600, 1.3)
    assert not overachieved("positive", 32000, 41599, 1.3)
    assert not overachieved("reverse", 5, 50, 1.3)
    assert not overachieved("positive", 0, 5, 1.3)


# ---- properties -----------------------------------------------------------------------------
finite = st.floats(min_value=0.01, max_value=1e7, allow_nan=False, allow_infinity=False)
weights = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)


@given(a=finite, b=st.floats(min_value=0, max_value=1e8, allow_nan=False, allow_infinity=False), w=weights)
def test_scores_stay_within_zero_and_the_weight(a, b, w):
    for op in ("≥", "=", "≤"):
        s = indicator_score(op, a, b, w)
        assert s is not None and 0 <= s <= w


@given(a=finite, b1=finite, b2=finite, w=weights)
def test_positive_is_monotone_and_reverse_antitone(a, b1, b2, w):
    lo, hi = sorted((b1, b2))
    assert score_positive(a, lo, w) <= score_positive(a, hi, w)
    assert score_reverse(a, lo, w) >= score_reverse(a, hi, w)


RULES = {fn.code: fn for mod in (indicator_rules, scoring_rules) for fn in vars(mod).values() if hasattr(fn, "code")}


# ---- the I and S rules never raise on wrong types (F003 reports those) -----------------------
ODD = st.sampled_from([None, "", " ", "abc", "**%", "2025年13月", "达成年度指标", "部分达成", [], {}, True, 0, -1, 1e308,
                       -1e308, 0.0, 1e-300, "≥", "≤", "=", "定性", "约等于"])
FIELDS = st.sampled_from(["level1", "level2", "name", "operator", "value", "target", "actual", "unit", "weight",
                          "score", "deviation"])


@given(kind=st.sampled_from(["project_target", "dept_target", "project_selfeval", "dept_selfeval"]),
       edits=st.lists(st.tuples(st.integers(0, 6), FIELDS, ODD), max_size=6),
       top=st.sampled_from([None, "x", [], {}, 5]),
       top_field=st.sampled_from(["funds", "total_score", "grade", "fiscal_year", "project", "department", "indicators"]))
def test_indicator_and_scoring_rules_never_raise(kind, edits, top, top_field):
    data = base_document(kind)
    for i, key, value in edits:
        if i < len(data["indicators"]):
            data["indicators"][i][key] = value
    data_top = dict(data, **{top_field: top})
    ctx = Context(load_profile("national", default_catalogue()))
    for doc_data in (data, data_top):
        doc = Document.build(kind, doc_data)
        for code, fn in RULES.items():
            list(fn(doc, ctx))
