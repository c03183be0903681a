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
- `html_text`: escaped HTML without control characters;
- `sheet_title`: a worksheet name Excel accepts, made from a department's (or a workbook's) name.

Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) count as controls: a name
holding U+202E shows "gpj.exe" as "exe.jpg" (the "Trojan Source" trick). They are escaped
(`\\u202e`) on a terminal and in one-line formats, and removed from workbooks, HTML and CSV.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

# every control character but tab, LF and CR; DEL and C1 controls; XML's non-characters
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}\ufffe\uffff]")
# what may end a line somewhere (str.splitlines, terminals, editors), every other control, and the
# lone surrogates that stand for the bytes of a file name that is not UTF-8
_BREAKING = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ufffe\uffff\ud800-\udfff]")
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


_SHEET_UNSAFE = re.compile(r"[\\/?*:\[\]]+")  # what Excel refuses in a sheet's name
_SHEET_CHARS = 31  # Excel's limit, in UTF-16 code units


def fold_name(title: str) -> str:
    """Excel compares sheet names without regard to case (and, in East Asian versions, to width)."""
    import unicodedata

    return unicodedata.normalize("NFKC", title).casefold()


def taken_titles(names: "Iterable[str]") -> "set[str]":
    """The sheet names a workbook already has, as `sheet_title` compares them."""
    return {fold_name(n) for n in names}


def sheet_title(text: str, taken: "set[str] | None" = None, fallback: str = "Sheet") -> str:
    """`text` as a worksheet name Excel opens without repairing the file: no control character and
    none of \\ / ? * : [ ], not starting or ending with an apostrophe, at most 31 characters (a
    character beyond the BMP counts two), and, given the names `taken` so far (folded, see `fold_name`),
    different from each of them: a name alike gets (2), (3) … within the 31. The name is added to
    `taken`."""
    title = _SHEET_UNSAFE.sub("_", strip_controls(str(text)).replace("\ufffd", "_")).strip().strip("'").strip()
    title = re.sub(r"[\n\r\t\u2028\u2029]+", " ", title) or fallback

    def cut(t: str, units: int) -> str:
        out, used = [], 0
        for ch in t:
            used += 2 if ord(ch) > 0xFFFF else 1
            if used > units:
                break
            out.append(ch)
        return "".join(out).rstrip().rstrip("'") or fallback

    candidate, n = cut(title, _SHEET_CHARS), 2
    while fold_name(candidate) == "history" or (taken is not None and fold_name(candidate) in taken):  # Excel's own
        suffix = f"({n})"
        candidate, n = cut(title, _SHEET_CHARS - len(suffix)) + suffix, n + 1
    if taken is not None:
        taken.add(fold_name(candidate))
    return candidate
