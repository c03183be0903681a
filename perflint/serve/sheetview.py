"""A workbook as the page draws it: each sheet's cells as Excel shows them, merged ranges, and where
the findings point. Only for files the check could read (the sniffer has vetted them by then); big
sheets are cut to their top-left corner, which is where forms keep what the findings point at."""
from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..readers import Limits
    from ..readers.base import Sheet

MAX_ROWS = 400
MAX_COLS = 60
MAX_SHEETS = 20
MAX_TEXT = 2000  # characters of one cell shown


def workbook_view(path: str, limits: Limits | None = None) -> list[dict] | None:
    """[{name, rows, cols, cells: [[row, col, text, numeric]], merges: [[r1, c1, r2, c2]], truncated}],
    0-based; None when the file is no workbook or cannot be drawn."""
    suffix = path.rsplit(".", 1)[-1].lower()
    if suffix not in ("xlsx", "xlsm", "xls"):
        return None
    try:
        from ..readers.excel import open_book

        with open(path, "rb") as fh:
            book = open_book(fh.read(), limits)
        try:
            formats = _number_formats(path) if suffix in ("xlsx", "xlsm") else {}
            return [_sheet(info.name, book.sheet(info.name), formats.get(info.name, {}))
                    for info in book.sheets()[:MAX_SHEETS]]
        finally:
            book.close()
    except Exception:  # a view is a courtesy: the report stands without it
        return None
    except BaseException as exc:  # python-calamine's Rust panics
        if type(exc).__name__ != "PanicException":
            raise
        return None


def _sheet(name: str, sheet: Sheet, formats: dict) -> dict:
    r0, c0 = sheet.start
    cells = []
    rows = cols = 0
    truncated = False
    for i, row in enumerate(sheet.rows()):
        r = r0 + i
        if r >= MAX_ROWS:
            truncated = True
            break
        for j, value in enumerate(row):
            c = c0 + j
            if c >= MAX_COLS:
                truncated = truncated or value not in ("", None)
                break
            if value in ("", None):
                continue
            text, numeric = excel_text(value, formats.get((r, c)))
            cells.append([r, c, text[:MAX_TEXT], numeric])
            rows, cols = max(rows, r + 1), max(cols, c + 1)
    merges = []
    for (a, b), (y, x) in sheet.merges():
        if a < MAX_ROWS and b < MAX_COLS and (y > a or x > b):
            y, x = min(y, MAX_ROWS - 1), min(x, MAX_COLS - 1)
            merges.append([a, b, y, x])
            rows, cols = max(rows, y + 1), max(cols, x + 1)
    return {"name": name, "rows": rows, "cols": cols, "cells": cells, "merges": merges, "truncated": truncated}


def _number_formats(path: str) -> dict[str, dict[tuple[int, int], str]]:
    """Each sheet's non-General number formats by (row, col), from the top-left corner shown."""
    from openpyxl import load_workbook

    out: dict[str, dict[tuple[int, int], str]] = {}
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets[:MAX_SHEETS]:
            found: dict[tuple[int, int], str] = {}
            for row in ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS):
                for cell in row:
                    fmt = getattr(cell, "number_format", None)
                    if fmt and fmt != "General" and getattr(cell, "row", None):
                        found[(cell.row - 1, cell.column - 1)] = fmt
            out[ws.title] = found
    finally:
        wb.close()
    return out


# ---- Excel's number formats, the common ones --------------------------------------------------

_QUOTED = re.compile(r'"[^"]*"|\\.')
_DATE_TOKENS = re.compile(r"yyyy|yy|mm|m|dd|d|hh|h|ss|s", re.I)


def excel_text(value: Any, fmt: str | None) -> tuple[str, bool]:
    """(the text Excel shows, whether it is a number): General, fixed decimals, thousands separators,
    percentages, dates; a format this does not know shows the value as General does."""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, (_dt.datetime, _dt.date)):
        return _date_text(value, fmt), False
    if isinstance(value, (_dt.time, _dt.timedelta)):
        return str(value), False
    if isinstance(value, (int, float)):
        if fmt:
            shown = _number_text(float(value), fmt)
            if shown is not None:
                return shown, True
        return _general(value), True
    return str(value), False


def _general(value: float | int) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.10g}"
        return text
    return str(value)


def _number_text(value: float, fmt: str) -> str | None:
    section = fmt.split(";")[0]
    if value < 0 and ";" in fmt:
        neg = fmt.split(";")[1]
        return _number_text(-value, neg)  # its own sign, if any, is a literal of that section
    plain = _QUOTED.sub("", section)
    plain = re.sub(r"\[[^\]]*\]", "", plain)  # colours, locales
    if _DATE_TOKENS.fullmatch(plain.strip()) or re.search(r"[ymd]", plain, re.I):
        return None  # a date format on a number: shown as General
    if not re.search(r"[0#?]", plain):
        return None
    percent = "%" in plain
    if percent:
        value *= 100
    m = re.search(r"[0#?,]*(?:\.([0#?]+))?", plain[re.search(r"[0#?]", plain).start():])
    decimals = len(m.group(1)) if m and m.group(1) else 0
    thousands = "," in plain.split(".")[0]
    text = f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    prefix, suffix = _affixes(section)
    return f"{prefix}{text}{'%' if percent else ''}{suffix}"


def _affixes(section: str) -> tuple[str, str]:
    """Literal text around the number: "¥"#,##0.00 or 0.00"万元"."""
    first = re.search(r'[0#?]', _QUOTED.sub(lambda m: "\x00" * len(m.group()), section))
    if not first:
        return "", ""
    head, tail = section[:first.start()], section[first.start():]

    def literal(part: str) -> str:
        part = re.sub(r"\[[^\]]*\]", "", part)
        bits = re.findall(r'"([^"]*)"|\\(.)|([¥$€£()\- ])', part)
        return "".join(a or b or c for a, b, c in bits)

    tail_literal = literal(re.sub(r"^[0#?,.%]*", "", tail))
    return literal(head), tail_literal


def _date_text(value: Any, fmt: str | None) -> str:
    has_time = isinstance(value, _dt.datetime) and (value.hour or value.minute or value.second)
    if fmt and fmt != "General":
        plain = re.sub(r"\[[^\]]*\]", "", fmt.split(";")[0]).lower()
        if "年" in plain and "月" in plain and "日" in plain:
            return f"{value.year}年{value.month}月{value.day}日"
        if "年" in plain and "月" in plain:
            return f"{value.year}年{value.month}月"
        if "yyyy/m/d" in plain or "yyyy/mm/dd" in plain:
            return f"{value.year}/{value.month}/{value.day}"
    text = f"{value.year}-{value.month:02d}-{value.day:02d}"
    if has_time:
        text += f" {value.hour:02d}:{value.minute:02d}"
    return text
