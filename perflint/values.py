"""How forms write numbers, operators and units, turned into canonical values.

Shared by every reader (JSON and workbooks) so that the same text means the same value everywhere.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

OPERATORS = ("≥", ">", "=", "≤", "<", "定性")
POSITIVE = ("≥", ">")
REVERSE = ("≤", "<")

_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})

# longest spellings first so that 大于等于 wins over 大于
_OPERATOR_SPELLINGS = sorted({
    "≥": "≥", ">=": "≥", "=>": "≥", "≧": "≥", "大于等于": "≥", "大于或等于": "≥", "不低于": "≥", "不少于": "≥",
    "不小于": "≥", "至少": "≥", "以上": "≥",
    ">": ">", "大于": ">", "高于": ">", "多于": ">", "超过": ">",
    "=": "=", "==": "=", "等于": "=",
    "≤": "≤", "<=": "≤", "=<": "≤", "≦": "≤", "小于等于": "≤", "小于或等于": "≤", "不高于": "≤", "不超过": "≤",
    "不大于": "≤", "不多于": "≤", "以内": "≤", "以下": "≤",
    "<": "<", "小于": "<", "低于": "<", "少于": "<",
    "定性": "定性", "定性指标": "定性",
    # provincial forms' 指标性质 column names the direction instead of the sign
    "正向": "≥", "正向指标": "≥", "反向": "≤", "反向指标": "≤",
    # 定量 says only "a number follows": the sign is the one written with the value (≥95%), if any
    "定量": None, "定量指标": None,
}.items(), key=lambda kv: -len(kv[0]))
_OPERATOR_MAP = dict(_OPERATOR_SPELLINGS)
_PREFIX_OPERATORS = [(k, v) for k, v in _OPERATOR_SPELLINGS
                     if v is not None and k not in ("以上", "以内", "以下", "定性", "定性指标", "正向", "正向指标",
                                                      "反向", "反向指标")]
_SUFFIX_OPERATORS = [("以上", "≥"), ("以内", "≤"), ("以下", "≤")]

_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")
_LEADING_NUMBER_RE = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*(.*)$")
_DATE_RE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?(?:\s*(\d{1,2})\s*日)?|(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?")


class NotANumber(ValueError):
    """Text that stands where a number must be but is not one (`约100`, `1OO`)."""


def halfwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value: Any, *, percent_fraction: bool = False) -> float | int | None:
    """A number from a cell or JSON value; None for blank; NotANumber for anything else.

    `"1,234.50"`, `"９６"`, `"96%"` (→ 96) all parse. A trailing `%` keeps the 0–100 scale.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise NotANumber(str(value))
        return value * 100 if percent_fraction else value
    if not isinstance(value, str):
        raise NotANumber(repr(value))
    text = halfwidth(value).strip().replace(" ", "")
    if not text:
        return None
    if text.endswith("%"):
        text = text[:-1]
    if not text or not _NUMBER_RE.match(text) or text in ("+", "-", "."):
        raise NotANumber(value)
    number = float(text.replace(",", ""))
    if not math.isfinite(number):
        raise NotANumber(value)
    return int(number) if number.is_integer() and "." not in text else number


def normalise_operator(value: Any) -> str | None:
    """The canonical operator for a spelling, None for blank, the stripped text if unknown."""
    if is_blank(value):
        return None
    text = halfwidth(str(value)).strip().replace(" ", "")
    return _OPERATOR_MAP.get(text, text)


def split_inline(value: Any) -> tuple[str | None, Any, str | None]:
    """Split `≥95%`, `≤ 120万元`, `＝100 台`, `不低于90%` into (operator, value, unit).

    Returns the value unchanged (operator and unit None) when it is not of that shape; qualitative
    text and dates stay text.
    """
    if not isinstance(value, str):
        return None, value, None
    return _split_text(value)


@lru_cache(maxsize=8192)  # indicator values repeat across a bureau's returns (≥95%, 100%, 是)
def _split_text(value: str) -> tuple[str | None, Any, str | None]:
    text = halfwidth(value).strip()
    if not text:
        return None, None, None
    op = None
    for spelling, canon in _PREFIX_OPERATORS:
        if text.startswith(spelling):
            op, text = canon, text[len(spelling):].strip()
            break
    if op is None:
        for spelling, canon in _SUFFIX_OPERATORS:
            if text.endswith(spelling) and _LEADING_NUMBER_RE.match(text[: -len(spelling)].strip()):
                op, text = canon, text[: -len(spelling)].strip()
                break
    m = _LEADING_NUMBER_RE.match(text.replace(" ", "") if op else text)
    if m and not _DATE_RE.match(text):
        number_text, unit = m.group(1), m.group(2).strip()
        try:
            number = parse_number(number_text)
        except NotANumber:
            return op, text, None
        if unit and not _looks_like_unit(unit):
            return op, value.strip() if op is None else text, None
        return op, number, unit or None
    return op, text if op else value.strip(), None


def _looks_like_unit(text: str) -> bool:
    # a unit is short and has no digits (万元, %, 人次, 台/套, 平方米); longer text is a description
    return len(text) <= 8 and not any(ch.isdigit() for ch in text)


def extract_date(value: Any) -> tuple[int, int, int] | None:
    """(year, month, day) of the first date in a value such as `2024年12月底前` or `2025-06-30`.

    A missing month means December; a missing day means the month's end (底/末 or nothing).
    """
    if not isinstance(value, str):
        return None
    m = _DATE_RE.search(halfwidth(value))
    if not m:
        return None
    year = int(m.group(1) or m.group(4))
    month = int(m.group(2) or m.group(5) or 12)
    day = m.group(3) or m.group(6)
    if not 1 <= month <= 12:
        return None
    return year, month, int(day) if day else 31


def is_quantitative(operator: str | None, value: Any) -> bool:
    return operator != "定性" and isinstance(value, (int, float)) and not isinstance(value, bool)
