"""The self-evaluation scoring formulas (财预〔2020〕10号 and the national system), as pure functions.

A = 年度指标值 (target), B = 实际完成值 (actual), w = 分值 (weight). Scores are computed to two
decimals, rounding halves up as the national system and Excel's ROUND do (Python's round() would
turn 12.345 into 12.34 on some inputs because of binary floating point).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .values import extract_date, halfwidth
from .vocabulary import POSITIVE, REVERSE, grade_named, grade_of_score

POSITIVE_DIR = "positive"  # 正向 ≥ >
REVERSE_DIR = "reverse"  # 反向 ≤ <
EQUAL_DIR = "equal"  # =
QUALITATIVE_DIR = "qualitative"  # 定性

DIRECTION_NAMES = {
    "zh": {POSITIVE_DIR: "正向", REVERSE_DIR: "反向", EQUAL_DIR: "等于", QUALITATIVE_DIR: "定性"},
    "en": {POSITIVE_DIR: "positive", REVERSE_DIR: "reverse", EQUAL_DIR: "equal", QUALITATIVE_DIR: "qualitative"},
}

# The three results a qualitative indicator may report, with their share of the weight:
# (low, high, high_inclusive). 达成 is [80 %, 100 %]; the other two exclude their upper edge.
ACHIEVED = "达成年度指标"
PARTIAL = "部分达成年度指标并具有一定效果"
POOR = "未达成年度指标且效果较差"
QUALITATIVE_BANDS: dict[str, tuple[float, float, bool]] = {
    ACHIEVED: (0.8, 1.0, True),
    PARTIAL: (0.6, 0.8, False),
    POOR: (0.0, 0.6, False),
}


def round2(x: float) -> float:
    x = float(x)
    if not math.isfinite(x) or abs(x) >= 1e15:
        return x  # beyond cents' precision (and beyond any real weight): nothing to round
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x)


def direction(operator: Any, target: Any = None) -> str | None:
    """The scoring direction of an indicator; None when its operator is not one of the six.

    A number written with no operator is scored as positive (the national scoring rules); text with no operator
    is a qualitative target.
    """
    if operator is None or (isinstance(operator, str) and not operator.strip()):
        if _number(target) is not None:
            return POSITIVE_DIR
        return QUALITATIVE_DIR if isinstance(target, str) and target.strip() else None
    if operator in POSITIVE:
        return POSITIVE_DIR
    if operator in REVERSE:
        return REVERSE_DIR
    if operator == "=":
        return EQUAL_DIR
    if operator == "定性":
        return QUALITATIVE_DIR
    return None


def score_positive(a: float, b: float, w: float) -> float | None:
    """B ≥ A → w; else round(B / A × w, 2). None where the formula is undefined (A ≤ 0 and B < A)."""
    if b >= a:
        return float(w)
    if a <= 0:
        return None
    return min(float(w), max(0.0, round2(b / a * w)))


def score_equal(a: float, b: float, w: float) -> float | None:
    """A = 0 → (B ≤ 0 → w, else 0); otherwise as positive."""
    if a == 0:
        return float(w) if b <= 0 else 0.0
    return score_positive(a, b, w)


def score_reverse(a: float, b: float, w: float) -> float:
    """B ≤ A → w; A < B < 2A → round((1 − (B − A) / A) × w, 2); B ≥ 2A → 0."""
    if b <= a:
        return float(w)
    if b >= 2 * a:
        return 0.0
    return min(float(w), round2((1 - (b - a) / a) * w))


def indicator_score(operator: Any, target: Any, actual: Any, weight: Any) -> float | None:
    """The formula score of a quantitative indicator, or None when no formula applies

    (qualitative, unknown operator, a value that is not a number, or an undefined ratio).
    """
    a, b, w = _number(target), _number(actual), _number(weight)
    if a is None or b is None or w is None:
        return None
    d = direction(operator, target)
    if d == POSITIVE_DIR:
        return score_positive(a, b, w)
    if d == EQUAL_DIR:
        return score_equal(a, b, w)
    if d == REVERSE_DIR:
        return score_reverse(a, b, w)
    return None


def qualitative_result(actual: Any) -> str | None:
    """Which of the three qualitative results a 实际完成值 states, or None.

    Forms shorten the labels (`部分达成`, `未达成`, `已达成`); test the negations first because
    `未达成年度指标…` contains `达成年度指标`.
    """
    if not isinstance(actual, str):
        return None
    text = "".join(halfwidth(actual).split()).rstrip("。.;；")
    if text.startswith("未达成") or text.startswith("未完成"):
        return POOR
    if text.startswith("部分达成") or text.startswith("基本达成"):
        return PARTIAL
    if text in ("达成", "已达成", "全部达成", "完全达成") or text.startswith(ACHIEVED):
        return ACHIEVED
    return None


def qualitative_band(result: str, weight: float) -> tuple[float, float, bool]:
    """(lowest, highest, highest allowed?) score for a qualitative result and weight."""
    lo, hi, inclusive = QUALITATIVE_BANDS[result]
    return round2(lo * weight), round2(hi * weight), inclusive


def in_qualitative_band(result: str, score: float, weight: float) -> bool:
    lo, hi, inclusive = qualitative_band(result, weight)
    eps = 1e-9
    if score < lo - eps:
        return False
    return score <= hi + eps if inclusive else score < hi - eps


def execution_rate(executed: Any, adjusted: Any) -> float | None:
    """执行率 on the 0–100 scale: 全年执行数 / 全年预算数; None when the budget is not positive."""
    e, a = _number(executed), _number(adjusted)
    if e is None or a is None or a <= 0:
        return None
    return e / a * 100


def budget_score(executed: Any, adjusted: Any, weight: Any) -> float | None:
    """min(rate, 1) × weight, to two decimals."""
    rate, w = execution_rate(executed, adjusted), _number(weight)
    if rate is None or w is None:
        return None
    return round2(min(rate / 100, 1.0) * w)


def grade(total: Any) -> str | None:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60."""
    return grade_of_score(_number(total))


def normalise_grade(text: Any) -> str | None:
    """The grade a form states (`优`, `优秀`, `良好`, `中等`, `较差`), or None if it states none."""
    return grade_named(text)


def misses_target(direction_: str | None, target: Any, actual: Any) -> bool:
    """Whether B misses A in the indicator's direction (qualitative: partly or not achieved)."""
    if direction_ == QUALITATIVE_DIR and qualitative_result(actual) is not None:
        return qualitative_result(actual) in (PARTIAL, POOR)
    a, b = _number(target), _number(actual)
    if a is None or b is None:
        return _misses_date(direction_, target, actual)
    eps = 1e-9
    if direction_ == POSITIVE_DIR:
        return b < a - eps
    if direction_ == REVERSE_DIR:
        return b > a + eps
    if direction_ == EQUAL_DIR:
        return abs(b - a) > eps
    return False


def _misses_date(direction_: str | None, target: Any, actual: Any) -> bool:
    """A 时效 deadline (`2024年11月底前`) against the date it was met (`2024年12月`): late is a miss.

    `≥` on dates (不早于) is rare but reads the other way round.
    """
    a, b = extract_date(target), extract_date(actual)
    if a is None or b is None:
        return False
    return b < a if direction_ == POSITIVE_DIR else b > a


def overachieved(direction_: str | None, target: Any, actual: Any, ratio: float) -> bool:
    """B ≥ ratio × A on a positive indicator with A > 0."""
    a, b = _number(target), _number(actual)
    return direction_ == POSITIVE_DIR and a is not None and b is not None and a > 0 and b >= ratio * a - 1e-9
