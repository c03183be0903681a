"""What python-calamine does not tell: percent number formats and formulas without a cached value.

Read from the xlsx package with zipfile and regular expressions over the raw XML bytes. No XML
parser runs, so no entity is ever expanded (a DTD cannot blow up); the five predefined escapes are
undone by hand where text is shown. Each part's size is checked against the limits before it is
decompressed, and a sheet part is decompressed only when the workbook has percent formats or the
sheet has a formula.
"""
from __future__ import annotations

import posixpath
import re
import zipfile

from ..base import HiddenLines, PartTooLarge, SheetExtras  # noqa: F401 - raised and returned here

_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_NUMFMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*?)/?>")
_CELLXFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)(?:/>|>)")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
# where _FORMULA could match at all (a data validation's <formula1> is no cell formula); two
# patterns with a literal start are searched much faster than one with an optional prefix
_FORMULA_STARTS = (re.compile(rb"<f\b"), re.compile(rb":f\b"))
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]+)</(?:\w+:)?v>")
_STYLE = re.compile(rb'\bs="([0-9]{1,9})"')
_NUMFMT_ID = re.compile(rb'(?:^|\s)(?:\w+:)?numFmtId\s*=\s*"([0-9]{1,9})"')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_BUILTIN_PERCENT = {9, 10}
_TRUE = rb"""\s*=\s*["'](?:1|true)["']"""
_HIDDEN = re.compile(rb"\bhidden" + _TRUE)
# no attribute holds a raw "<": a tag left open ends at the next one, never scans on to a far ">"
_COL = re.compile(rb"<(?:\w+:)?col\b([^<>]*?)/?>")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^<>]*?)/?>")
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b([^<>]*?\bhidden" + _TRUE + rb"[^<>]*?)/?>")
# a line shrunk to nothing is as hidden as one marked so; a sheet whose rows are zero high by default
# (zeroHeight) shows only the rows given a height of their own. Each pattern starts with a literal:
# found by a fast scan, and most sheets have none of them.
_ZERO_SIZE = tuple(re.compile(name + rb"""\s*=\s*["']0*(?:\.0*)?["']""") for name in (rb"width", rb"ht"))
_ZERO_HEIGHT = re.compile(rb"<(?:\w+:)?sheetFormatPr\b[^<>]*?\bzeroHeight" + _TRUE)
_MAX_COLUMN = 16384
# (workbook.xml, its relationships, styles.xml) -> (sheet parts, percent styles)
_BOOK_PARTS: dict[tuple, tuple[dict[str, str], frozenset[int]]] = {}
_KEPT_BYTES = 256 * 1024
_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def unescape(text: str) -> str:
    if "&" not in text:  # nearly every attribute and formula: nothing to undo
        return text
    for esc, ch in _ESCAPES:
        text = text.replace(esc, ch)
    return text


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().rsplit(":", 1)[-1] if k != b"r:id" else "r:id": unescape(v.decode("utf-8", "replace"))
            for k, v in _ATTR.findall(raw)}


_STYLE_PATTERNS: dict[frozenset[int], re.Pattern] = {}


def _percent_style_pattern(styles: frozenset[int]) -> re.Pattern:
    """What every cell _STYLE finds a percent style in has somewhere in the sheet (leading zeros
    included, as int() reads them)."""
    found = _STYLE_PATTERNS.get(styles)
    if found is None:
        if len(_STYLE_PATTERNS) >= 64:
            _STYLE_PATTERNS.clear()
        found = _STYLE_PATTERNS[styles] = re.compile(
            rb'\bs="0*(?:' + b"|".join(b"%d" % i for i in sorted(styles)) + rb')"')
    return found


def cell_index(ref: str) -> tuple[int, int] | None:
    """0-based (row, column) of an A1 reference."""
    m = _REF.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


class XlsxParts:
    """`source`: the package's path or bytes; `parts`: what the sniffer decompressed of it already
    (name -> bytes, or None for a part it did not read whole), so a small workbook is not unzipped twice."""

    def __init__(self, source: str | bytes, max_part_bytes: int, parts: dict[str, bytes | None] | None = None) -> None:
        self._source = source
        self._zip: zipfile.ZipFile | None = None
        self._max = max_part_bytes
        self._parts = parts
        self._sheet_xml: tuple[str, bytes | None] | None = None  # the last sheet part read
        self._names = set(parts) if parts is not None else set(self._open().namelist())
        book = self._read("xl/workbook.xml")
        rels = self._read("xl/_rels/workbook.xml.rels")
        styles = self._read("xl/styles.xml")
        # workbooks filled in from one template share these parts byte for byte
        key = (book, rels, styles)
        known = _BOOK_PARTS.get(key)
        if known is None:
            known = (self._sheet_parts(book, rels), self._percent_styles(styles))
            if sum(len(part or b"") for part in key) <= _KEPT_BYTES:
                if len(_BOOK_PARTS) >= 64:
                    _BOOK_PARTS.clear()
                _BOOK_PARTS[key] = known
        self.sheet_parts, self.percent_styles = known

    def _open(self) -> zipfile.ZipFile:
        if self._zip is None:
            import io

            self._zip = zipfile.ZipFile(self._source if isinstance(self._source, str) else io.BytesIO(self._source))
        return self._zip

    def close(self) -> None:
        self._sheet_xml = None
        if self._zip is not None:
            self._zip.close()

    def _read(self, name: str) -> bytes | None:
        if name not in self._names:
            return None
        whole = self._parts.get(name) if self._parts is not None else None
        if whole is not None:
            return whole
        size = self._open().getinfo(name).file_size
        if size > self._max:
            raise PartTooLarge(name, size)
        return self._open().read(name)

    def _sheet(self, part: str) -> bytes | None:
        """A sheet part, decompressed once for its hidden lines and its extras."""
        if self._sheet_xml is None or self._sheet_xml[0] != part:
            self._sheet_xml = (part, self._read(part))
        return self._sheet_xml[1]

    @staticmethod
    def _sheet_parts(book: bytes | None, rels: bytes | None) -> dict[str, str]:
        if not book or not rels:
            return {}
        targets = {}
        for raw in _REL.findall(rels):
            a = _attrs(raw)
            target = a.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            targets[a.get("Id")] = target
        out = {}
        for raw in _SHEET.findall(book):
            a = _attrs(raw)
            if "name" in a and a.get("r:id") in targets:
                out[a["name"]] = targets[a["r:id"]]
        return out

    @staticmethod
    def _percent_styles(styles: bytes | None) -> frozenset[int]:
        if not styles:
            return frozenset()
        percent_fmts = set(_BUILTIN_PERCENT)
        for raw in _NUMFMT.findall(styles):
            a = _attrs(raw)
            code = a.get("formatCode", "")
            if "%" in code.replace("\\%", "").replace('"%"', "") and a.get("numFmtId", "").isdigit():
                percent_fmts.add(int(a["numFmtId"]))
        m = _CELLXFS.search(styles)
        if not m:
            return frozenset()
        out = set()
        for i, raw in enumerate(_XF.findall(m.group(1))):
            fm = _NUMFMT_ID.search(raw)  # the only attribute wanted of each of the (many) cell formats
            if fm is not None and int(fm.group(1)) in percent_fmts:
                out.add(i)
        return frozenset(out)

    def extras(self, sheet_name: str) -> SheetExtras:
        out = SheetExtras()
        part = self.sheet_parts.get(sheet_name)
        if part is None:
            return out
        data = self._sheet(part)
        if not data:
            return out
        has_formula = any(p.search(data) is not None for p in _FORMULA_STARTS)
        has_error = b't="e"' in data
        pct = self.percent_styles
        if not has_formula and not has_error and (not pct or _percent_style_pattern(pct).search(data) is None):
            return out  # no cell of the sheet could be told apart: the usual case, said without a walk
        for attrs_raw, inner in _CELL.findall(data):
            formula = has_formula and inner and (b"<f" in inner or b":f" in inner)
            if has_error and b't="e"' in attrs_raw:
                rm = _CELL_REF.search(attrs_raw)
                vm = _VALUE.search(inner or b"")
                idx = cell_index(rm.group(1).decode()) if rm else None
                if idx is not None and vm is not None:
                    out.errors[idx] = unescape(vm.group(1).decode("utf-8", "replace")).strip()
                    continue
            styled = False
            if pct:
                sm = _STYLE.search(attrs_raw)
                styled = sm is not None and int(sm.group(1)) in pct
            if not (formula or styled):
                continue
            rm = _CELL_REF.search(attrs_raw)
            idx = cell_index(rm.group(1).decode()) if rm else None
            if idx is None:
                continue
            if styled:
                out.percent.add(idx)
            if formula:
                fm = _FORMULA.search(inner)
                if fm is not None and not _VALUE.search(inner):
                    text = unescape((fm.group(1) or b"").decode("utf-8", "replace")).strip()
                    out.formulas[idx] = "=" + text if text else "（共享公式）"
        return out

    def hidden_lines(self, sheet_name: str) -> HiddenLines | None:
        """The rows and columns of a sheet a reviewer does not see: `hidden="1"`, zero width or height,
        or no height of their own on a sheet whose rows are zero high by default; None when none."""
        part = self.sheet_parts.get(sheet_name)
        data = self._sheet(part) if part is not None else None
        self._sheet_xml = None  # read after the sheet's extras: no one needs the part again
        if not data:
            return None
        marked = data.find(b"hidden") >= 0 and _HIDDEN.search(data) is not None
        zero_size = any(p.search(data) is not None for p in _ZERO_SIZE)
        head = data[:data.find(b"sheetData")] if b"sheetData" in data else data
        zero_default = b"zeroHeight" in head and _ZERO_HEIGHT.search(head) is not None
        if not (marked or zero_size or zero_default):
            return None  # the usual case, said by a few searches of the bytes
        columns = []
        for raw in _COL.findall(head):
            a = _attrs(raw)
            if not (_true(a.get("hidden")) or _zero(a.get("width"))):
                continue
            first, last = a.get("min", ""), a.get("max", "")
            if first.isdigit() and last.isdigit() and 1 <= int(first) <= int(last):
                columns.append((int(first) - 1, min(int(last), _MAX_COLUMN) - 1))
        rows = set()
        for raw in (_ROW if zero_size or zero_default else _HIDDEN_ROW).findall(data):
            a = _attrs(raw)
            r = a.get("r", "")
            if r.isdigit() and int(r) >= 1 and _row_hidden(a, zero_default):
                rows.add(int(r) - 1)
        lines = HiddenLines(frozenset(rows), tuple(columns))
        return lines or None


def _true(value: str | None) -> bool:
    return value in ("1", "true")


def _zero(value: str | None) -> bool:
    try:
        return value is not None and float(value) == 0
    except ValueError:
        return False


def _row_hidden(a: dict[str, str], zero_default: bool) -> bool:
    if _true(a.get("hidden")):
        return True
    height = a.get("ht")
    if height is None:
        return zero_default
    # a height Excel was not told to keep (no customHeight) is refitted when shown, never zero
    return _zero(height) and (zero_default or _true(a.get("customHeight")))
