"""How forms write numbers, operators and units, turned into canonical values.

Shared by every reader (JSON and workbooks) so that the same text means the same value everywhere.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from .vocabulary import VALUE_PLACEHOLDERS, Vocabulary, vocabulary

_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})
# the small-form and full-width signs NFKC would fold, for values whose units NFKC must not touch (㎡)
_SIGNS = str.maketrans({"﹦": "=", "﹤": "<", "﹥": ">", "﹢": "+", "﹣": "-"})

_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")
_LEADING_NUMBER_RE = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*(.*)$")
# a month with no year (9月前, 11月底前, 7月): a point in the fiscal year, never a quantity of 月
_MONTH_RE = re.compile(r"^\s*(\d{1,2})\s*月\s*(?:份)?\s*(?:底|末|中旬|上旬|下旬|初)?\s*(?:前|之前|以前|内|止)?\s*$")
_DATE_RE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?(?:\s*(\d{1,2})\s*日)?|(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?")


class NotANumber(ValueError):
    """Text that stands where a number must be but is not one (`约100`, `1OO`)."""


def halfwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def is_placeholder(value: Any) -> bool:
    """*, xx, 待定: a value left for later (vocabulary.VALUE_PLACEHOLDERS), however it is spaced or wide."""
    return isinstance(value, str) and "".join(halfwidth(value).split()).lower() in VALUE_PLACEHOLDERS


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


# a unit after the number (in brackets or not), then perhaps a bracketed breakdown: 854万(其中…)
_AMOUNT_UNIT = re.compile(r"^(.*?)\(?(亿元|万元|千元|元|亿|万)\)?(?:\([^()]*\))?$")
_UNIT_FACTOR = {"亿元": 10000, "亿": 10000, "万元": 1, "万": 1, "千元": 0.1, "元": 0.0001}


def parse_amount(value: Any) -> float | int | None:
    """An amount in 万元: a number, or a number with its unit in the cell (`10000万元`, `1.2亿元`,
    `12,000元`, `43.2（万元）`), converted. NotANumber for anything else."""
    try:
        return parse_number(value)
    except NotANumber:
        if not isinstance(value, str):
            raise
    m = _AMOUNT_UNIT.match(halfwidth(value).strip().replace(" ", ""))
    if not m or not m.group(1):
        raise NotANumber(value)
    number = parse_number(m.group(1))
    if number is None or m.group(1).endswith("%"):
        raise NotANumber(value)
    factor = _UNIT_FACTOR[m.group(2)]
    return number * factor if factor == 1 else round(number * factor, 6)


def normalise_operator(value: Any, voc: Vocabulary | None = None) -> str | None:
    """The canonical operator for a spelling (rules/aliases.toml [operators], or as a profile extends
    them), None for blank or 定量, the stripped text if unknown."""
    if is_blank(value):
        return None
    known, canon = (voc or vocabulary()).operator_of(str(value))
    if known:
        return canon
    return halfwidth(str(value)).strip().replace(" ", "")


def split_inline(value: Any, voc: Vocabulary | None = None) -> tuple[str | None, Any, str | None]:
    """Split `≥95%`, `≤ 120万元`, `＝100 台`, `不低于90%` into (operator, value, unit).

    Returns the value unchanged (operator and unit None) when it is not of that shape; qualitative
    text and dates stay text. `voc`: the vocabulary as a profile extends it (default: the shipped).
    """
    if not isinstance(value, str):
        return None, value, None
    return _split_text(value, voc or vocabulary())


@lru_cache(maxsize=8192)  # indicator values repeat across a bureau's returns (≥95%, 100%, 是)
def _split_text(value: str, voc: Vocabulary) -> tuple[str | None, Any, str | None]:
    text = halfwidth(value).translate(_SIGNS).strip()
    if not text:
        return None, None, None
    op = None
    for spelling, canon in voc.prefix_operators():
        if text.startswith(spelling):
            op, text = canon, text[len(spelling):].strip()
            break
    if op is None:
        for spelling, canon in voc.suffix_operators:
            if text.endswith(spelling) and _LEADING_NUMBER_RE.match(text[: -len(spelling)].strip()):
                op, text = canon, text[: -len(spelling)].strip()
                break
    m = _LEADING_NUMBER_RE.match(text.replace(" ", "") if op else text)
    if m and _MONTH_RE.match(text) and 1 <= int(m.group(1).split(".")[0] or 0) <= 12 and "." not in m.group(1):
        return op, text, None  # 9月前: a deadline in the year, kept as text like 2024年9月
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
        mm = _MONTH_RE.match(re.sub(r"^(?:[^\d\u4e00-\u9fff]|不晚于|不迟于|早于)*", "", halfwidth(value)))
        if mm and 1 <= int(mm.group(1)) <= 12:
            return 0, int(mm.group(1)), 31  # the year unsaid: comparable with another month of it
        return None
    year = int(m.group(1) or m.group(4))
    month = int(m.group(2) or m.group(5) or 12)
    day = m.group(3) or m.group(6)
    if not 1 <= month <= 12:
        return None
    return year, month, int(day) if day else 31


def is_quantitative(operator: str | None, value: Any) -> bool:
    return operator != "定性" and isinstance(value, (int, float)) and not isinstance(value, bool)
