"""What a reviewer does not see is not part of the form: the cells of hidden rows and columns.

County templates keep their dropdowns' lists in hidden columns (or rows) beside the form; read as
cells, a list's entry becomes the value of the blank field in its row. Those cells are blanked
before the form is read, and the sheet says once which hidden rows and columns held something.
A merged cell whose range reaches a shown row and column stays: the reviewer sees its value.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..base import HiddenLines, Range
from .grid import a1, col_letters


class Unseen:
    """The hidden cells of a sheet that held something: their rows and columns (0-based) and the
    first of them, for the note's location."""

    def __init__(self, hidden_rows: set[int] = frozenset(), hidden_cols: set[int] = frozenset(),
                 shown: set[tuple[int, int]] = frozenset()) -> None:
        self.rows: set[int] = set()
        self.columns: set[int] = set()
        self.cells: set[tuple[int, int]] = set()
        self._hidden_rows, self._hidden_cols, self._shown = hidden_rows, hidden_cols, shown

    def covers(self, r: int, c: int) -> bool:
        """Whether the cell is one the reviewer does not see."""
        return (r in self._hidden_rows or c in self._hidden_cols) and (r, c) not in self._shown

    def variant(self) -> str | None:
        return None if self.rows and self.columns else "rows" if self.rows else "columns"

    def add(self, r: int, c: int) -> None:
        self.cells.add((r, c))
        if r in self._hidden_rows:
            self.rows.add(r)
        if c in self._hidden_cols:
            self.columns.add(c)

    def first(self) -> str:
        return a1(*min(self.cells))

    def args(self) -> dict[str, str]:
        out = {}
        if self.columns:
            out["columns"] = _runs(sorted(self.columns), col_letters)
        if self.rows:
            out["rows"] = _runs(sorted(self.rows), lambda r: str(r + 1))
        return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def hide(rows: list[list[Any]], start: tuple[int, int], merged: Sequence[Range], lines: HiddenLines,
         also: Sequence[tuple[int, int]] = ()) -> tuple[list[list[Any]], Unseen]:
    """`rows` (the used area from `start`) with the cells of hidden lines blanked, and what they held.
    `also`: cells the format knows more of (formulas without a value, error values) that count as held."""
    r0, c0 = start
    height = len(rows)
    width = max((len(row) for row in rows), default=0)
    hidden_rows = {r for r in lines.rows if r0 <= r < r0 + height}
    hidden_cols = {c for first, last in lines.columns
                   for c in range(max(first, c0), min(last, c0 + width - 1) + 1)}
    if not hidden_rows and not hidden_cols:
        return rows, Unseen()

    def is_hidden(r: int, c: int) -> bool:
        return r in hidden_rows or c in hidden_cols

    shown = set()
    for (mr1, mc1), (mr2, mc2) in _ranges(merged):
        if is_hidden(mr1, mc1) and any(r not in hidden_rows for r in range(mr1, mr2 + 1)) \
                and any(c not in hidden_cols for c in range(mc1, mc2 + 1)):
            shown.add((mr1, mc1))
    unseen = Unseen(hidden_rows, hidden_cols, shown)
    out = [list(row) for row in rows]

    def clear(r: int, c: int, row: list) -> None:
        if (r, c) in shown:
            return
        if not _blank(row[c - c0]):
            unseen.add(r, c)
        row[c - c0] = ""

    for r in sorted(hidden_rows):
        row = out[r - r0]
        for c in range(c0, c0 + len(row)):
            clear(r, c, row)
    for c in sorted(hidden_cols):
        for r in range(r0, r0 + height):
            row = out[r - r0]
            if r not in hidden_rows and c - c0 < len(row):
                clear(r, c, row)
    for r, c in also:
        if unseen.covers(r, c):
            unseen.add(r, c)
    return out, unseen


def _ranges(merged: Sequence[Range]):
    for m in merged or ():
        try:
            (a, b), (c, d) = m
            yield (int(a), int(b)), (int(c), int(d))
        except (TypeError, ValueError):
            continue  # malformed: Grid ignores it too


def _runs(values: list[int], show) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    parts, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        parts.append(show(values[i]) if i == j else f"{show(values[i])}–{show(values[j])}")
        i = j + 1
    return ", ".join(parts)
