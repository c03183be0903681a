"""Submission text is data in every output: never a formula, never markup or a terminal control
sequence, never a line break in a one-line format, never a control character in a written file.

One small module so that every formatter escapes the same way:
- `strip_controls`: C0/C1 controls (all but tab and line breaks) and non-characters removed, for
  files (workbooks, HTML, XML) that cannot or should not carry them;
- `cell_text` / `text_cell`: a workbook cell's value, always a string cell, never a formula;
- `neutralise_formulas`: the same for a sheet filled by someone else (pandas);
- `csv_cell`: the OWASP defence against CSV injection;
- `one_line`: one finding is one line (line breaks and controls escaped as \\n, \\x1b, …);
- `terminal_text`: controls escaped, for a terminal; with rich, pass `rich_text` (never markup);
- `html_text`: escaped HTML without control characters.
"""
from __future__ import annotations

import re
from typing import Any

# every control character but tab, LF and CR; DEL and C1 controls; XML's non-characters
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# what may end a line somewhere (str.splitlines, terminals, editors), every other control, and the
# lone surrogates that stand for the bytes of a file name that is not UTF-8
_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match) -> str:
    ch = match.group()
    if "\udc80" <= ch <= "\udcff":  # a file name's byte that is not UTF-8 (surrogateescape): that byte
        return f"\\x{ord(ch) - 0xdc00:02x}"
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def strip_controls(text: str) -> str:
    """`text` without control characters other than tab and line breaks (NUL, U+0001, ESC, BEL…), and
    with U+FFFD for a byte of a non-UTF-8 file name (which no UTF-8 file can carry)."""
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))


def one_line(text: Any) -> str:
    """`text` on one line: line breaks, tabs and every control character shown as escapes."""
    return _BREAKING.sub(_escape, str(text))


def terminal_text(text: Any) -> str:
    """`text` safe to print on a terminal: no escape sequence, bell or line break can act."""
    return one_line(text)


def rich_text(text: Any, style: str = ""):
    """A rich Text that shows `text` literally: `[/]` or `[link=…]` stay characters, controls escaped."""
    from rich.text import Text

    return Text(terminal_text(text), style=style)


def html_text(text: Any, quote: bool = True) -> str:
    """HTML-escaped `text` without control characters."""
    import html  # only the HTML report needs it, never a one-file check

    return html.escape(strip_controls(str(text)), quote=quote)


def cell_text(value: Any) -> Any:
    """A value for a workbook cell: text without the control characters a workbook cannot hold
    (openpyxl refuses them). Numbers and None pass unchanged. Write it with `text_cell`, or set the
    cell's data_type to "s", so that text starting with "=" stays text."""
    if isinstance(value, str):
        return strip_controls(value)
    return value


def text_cell(cell: Any, value: Any) -> Any:
    """Put `value` into an openpyxl cell so that a string is always a string cell, never a formula."""
    value = cell_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def neutralise_formulas(ws: Any) -> None:
    """Every formula cell of a sheet filled from submission data made a string cell again."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text starting with = + - @, tab or CR gets a leading ' (OWASP), so a
    spreadsheet opening the file shows it as text instead of evaluating it; controls are removed."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return strip_controls(value)
