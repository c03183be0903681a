"""Percent number formats and hidden rows and columns of a legacy .xls, which python-calamine does
not report.

A percent-formatted 0.96 means 96 %. The BIFF8 Workbook stream lists number formats (FORMAT),
cell styles (XF) and the sheets (BOUNDSHEET) before the sheets' own records, so the walk stops
early when no style is a percent one, which is the common case. The compound file is opened with
the same minimal, hardened reader as the sniffer's (readers/cfb.py). Hidden rows (ROW) and columns
(COLINFO) are looked for by one search of the stream, and the records walked only when it finds one.
"""
from __future__ import annotations

import re
import struct

from ..sniff import boundsheet_name

_BUILTIN_PERCENT = {9, 10}
_FORMAT, _XF, _BOUNDSHEET, _BOF, _EOF = 0x041E, 0x00E0, 0x0085, 0x0809, 0x000A
_ONE_CELL = {0x0203, 0x027E, 0x0006}  # NUMBER, RK, FORMULA: row, col, xf first
_MULRK = 0x00BD


def _workbook_stream(source: str | bytes) -> bytes:
    import io

    from ..cfb import CompoundFile

    with (open(source, "rb") if isinstance(source, str) else io.BytesIO(source)) as fh:
        cfb = CompoundFile(fh)
        return cfb.read("workbook" if "workbook" in cfb.streams else "book")


def _records(data: bytes):
    """(offset, type, body offset, size) of each BIFF record, up to one that would run past the stream."""
    pos, end = 0, len(data)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, size = unpack("<HH", data, pos)
        body = pos + 4
        if body + size > end:
            return
        yield pos, rtype, body, size
        pos = body + size


def _walk(data: bytes) -> dict[str, set[tuple[int, int]]]:
    formats = set(_BUILTIN_PERCENT)
    xf_formats: list[int] = []
    sheets: dict[int, str] = {}
    percent_xf: frozenset[int] | None = None
    out: dict[str, set[tuple[int, int]]] = {}
    current: set[tuple[int, int]] | None = None
    unpack = struct.unpack_from
    for pos, rtype, body, size in _records(data):
        if percent_xf is None:  # the workbook globals
            if rtype == _FORMAT and size > 5:
                if b"%" in data[body + 5: body + size]:
                    formats.add(unpack("<H", data, body)[0])
            elif rtype == _XF and size >= 4:
                xf_formats.append(unpack("<H", data, body + 2)[0])
            elif rtype == _BOUNDSHEET and size >= 8:
                sheets[unpack("<I", data, body)[0]] = boundsheet_name(data, body)
            elif rtype == _EOF:
                percent_xf = frozenset(i for i, f in enumerate(xf_formats) if f in formats)
                if not percent_xf:
                    return {}
        elif rtype == _BOF:
            name = sheets.get(pos)
            current = out.setdefault(name, set()) if name is not None else None
        elif current is not None:
            if rtype in _ONE_CELL and size >= 6:
                row, col, xf = unpack("<HHH", data, body)
                if xf in percent_xf:
                    current.add((row, col))
            elif rtype == _MULRK and size >= 6:
                row, first = unpack("<HH", data, body)
                for i in range((size - 6) // 6):
                    if unpack("<H", data, body + 4 + 6 * i)[0] in percent_xf:
                        current.add((row, first + i))
    return {k: v for k, v in out.items() if v}


_ROW, _COLINFO = 0x0208, 0x007D
# a ROW record whose options have fDyZero (0x20) set, a COLINFO record whose options have fHidden
# (0x01): searching the stream for them tells whether any sheet hides a line before a record is
# walked; two patterns with a literal start are searched many times faster than their alternation
_HIDDEN_RECORDS = (
    re.compile(rb"\x08\x02\x10\x00.{12}[" + b"".join(re.escape(bytes([b])) for b in range(256) if b & 0x20) + rb"]",
               re.S),
    re.compile(rb"\x7d\x00\x0c\x00.{8}[" + b"".join(re.escape(bytes([b])) for b in range(256) if b & 0x01) + rb"]",
               re.S),
    # a row no higher, a column no wider than nothing is as hidden
    re.compile(rb"\x08\x02\x10\x00.{6}\x00[\x00\x80]", re.S),
    re.compile(rb"\x7d\x00\x0c\x00.{4}\x00\x00", re.S),
)


def hidden_lines(data: bytes) -> dict[str, tuple[set[int], list[tuple[int, int]]]]:
    """Sheet name → (hidden rows, hidden column ranges), 0-based, from its ROW and COLINFO records:
    hidden, or of zero height or width."""
    if all(p.search(data) is None for p in _HIDDEN_RECORDS):
        return {}
    sheets: dict[int, str] = {}
    out: dict[str, tuple[set[int], list[tuple[int, int]]]] = {}
    current = None
    unpack = struct.unpack_from
    for pos, rtype, body, size in _records(data):
        if rtype == _BOUNDSHEET and size >= 8:
            sheets[unpack("<I", data, body)[0]] = boundsheet_name(data, body)
        elif rtype == _BOF:
            name = sheets.get(pos)
            current = out.setdefault(name, (set(), [])) if name is not None else None
        elif current is not None and rtype == _ROW and size >= 16:
            if unpack("<H", data, body + 12)[0] & 0x20 or not unpack("<H", data, body + 6)[0] & 0x7FFF:
                current[0].add(unpack("<H", data, body)[0])
        elif current is not None and rtype == _COLINFO and size >= 10:
            first, last, width, _xf, options = unpack("<HHHHH", data, body)
            if (options & 0x01 or width == 0) and first <= last:
                current[1].append((first, last))
    return {k: v for k, v in out.items() if v[0] or v[1]}


class XlsParts:
    """The .xls counterpart of XlsxParts: percent cells per sheet (a .xls always caches formula results)."""

    def __init__(self, source: str | bytes, biff: bytes | None = None) -> None:
        """`source`: the file's path or bytes; `biff`: its Workbook stream, when the sniffer read it."""
        self._biff = biff if biff is not None else _workbook_stream(source)
        self._percent = _walk(self._biff)
        self._hidden: dict | None = None

    def extras(self, sheet_name: str):
        from ..base import SheetExtras

        return SheetExtras(percent=self._percent.get(sheet_name, set()))

    def hidden_lines(self, sheet_name: str):
        from ..base import HiddenLines

        if self._hidden is None:
            self._hidden = hidden_lines(self._biff)
        found = self._hidden.get(sheet_name)
        return HiddenLines(frozenset(found[0]), tuple(found[1])) if found else None

    def close(self) -> None:
        self._biff = None
