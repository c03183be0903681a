"""One sheet as a sparse grid of non-empty cells, with its labels found and indexed."""
from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from typing import Any, Iterable

from ...model import Cell
from .labels import LabelBook



@lru_cache(maxsize=None)  # bounded by the sheet width limit; asked for on every located value
def col_letters(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# (sheet name, (row, col)) -> its Cell: a bureau's returns put the same fields in the same cells of
# the same sheet names, and a Cell is a frozen value, so one serves every workbook
_CELLS: dict[tuple[str, tuple[int, int]], Cell] = {}
_MAX_CELLS = 50_000


def a1(row: int, col: int) -> str:
    return f"{col_letters(col)}{row + 1}"


def _clean(value: Any) -> Any:
    """A value that is no string as the forms mean it (strings: LabelBook.classify)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if isinstance(value, _dt.datetime):
        if value.hour or value.minute or value.second:
            return f"{value.year}年{value.month}月{value.day}日 {value.hour:02d}:{value.minute:02d}"
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, _dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, (_dt.time, _dt.timedelta)):
        return str(value)
    return value


class Grid:
    def __init__(self, name: str, rows: Iterable[list], origin: tuple[int, int], book: LabelBook,
                 merged: Iterable | None = None) -> None:
        self.name = name
        self.book = book
        self.cells: dict[tuple[int, int], Any] = {}
        self.labels: dict[tuple[int, int], str] = {}
        self.notes: dict[tuple[int, int], str] = {}
        self.by_label: dict[str, list[tuple[int, int]]] = {}
        self.texts: dict[tuple[int, int], str] = {}  # normalised text of every short string cell
        self.inline: dict[tuple[int, int], str] = {}  # label cells that also hold their value
        r0, c0 = origin
        classify = book.classify
        cells, texts, labels, notes, inline, by_label = \
            self.cells, self.texts, self.labels, self.notes, self.inline, self.by_label
        last_row = -1
        for i, row in enumerate(rows):
            r = r0 + i
            for j, value in enumerate(row):
                if type(value) is str:
                    if not value:
                        continue  # most of a sheet: its empty cells
                    info = classify(value)
                    if info is None:
                        continue  # blank, or a dash or slash that says "not applicable"
                    key = (r, c0 + j)
                    cells[key] = value
                    last_row = r
                    norm, canon, note, held = info
                    if norm is not None:
                        texts[key] = norm
                    if canon is not None:
                        labels[key] = canon
                        if note:
                            notes[key] = note
                        if held is not None:
                            inline[key] = held
                        by_label.setdefault(canon, []).append(key)
                    continue
                if value is None:
                    continue
                value = _clean(value)
                if value is None:
                    continue
                key = (r, c0 + j)
                cells[key] = value
                last_row = r
        self.last_row = last_row
        # merged ranges: top-left → bottom-right, and each covered cell → its top-left
        self.merge_end: dict[tuple[int, int], tuple[int, int]] = {}
        self.covered: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in merged or ():
            try:
                (ra, ca), (rb, cb) = rng
            except (TypeError, ValueError):
                continue
            if (rb - ra + 1) * (cb - ca + 1) > 10_000:  # a whole-column merge: only its top-left matters
                self.merge_end[(ra, ca)] = (rb, cb)
                continue
            self.merge_end[(ra, ca)] = (rb, cb)
            for r in range(ra, rb + 1):
                for c in range(ca, cb + 1):
                    if (r, c) != (ra, ca):
                        self.covered[(r, c)] = (ra, ca)
        self._row_cols: dict[int, list[int]] | None = None
        self._rows: list[int] | None = None

    def add_values(self, values: dict[tuple[int, int], Any]) -> None:
        """Values calamine could not give (error cells), as text; they are never labels."""
        for key, value in values.items():
            if key not in self.cells:
                self.cells[key] = value
                self.last_row = max(self.last_row, key[0])
        self._row_cols = self._rows = None

    # ---- addressing ---------------------------------------------------------------------
    def cell(self, key: tuple[int, int]) -> Cell:
        found = _CELLS.get((self.name, key))
        if found is None:
            if len(_CELLS) >= _MAX_CELLS:
                _CELLS.clear()
            found = _CELLS[(self.name, key)] = Cell(self.name, a1(*key))
        return found

    def get(self, key: tuple[int, int]) -> Any:
        return self.cells.get(key)

    def row_cols(self, r: int) -> list[int]:
        """Columns of the non-empty cells of row r, left to right."""
        if self._row_cols is None:
            index: dict[int, list[int]] = {}
            for (rr, cc) in self.cells:
                index.setdefault(rr, []).append(cc)
            for cols in index.values():
                cols.sort()
            self._row_cols = index
        return self._row_cols.get(r, [])

    def rows(self) -> list[int]:
        """The rows holding a cell, top to bottom (a new list each time: callers slice and keep it)."""
        if self._rows is None:
            self.row_cols(0)
            self._rows = sorted(self._row_cols or ())
        return list(self._rows)

    def is_label(self, key: tuple[int, int]) -> bool:
        return key in self.labels

    # ---- values next to labels ----------------------------------------------------------
    def span_end_col(self, key: tuple[int, int]) -> int:
        end = self.merge_end.get(key)
        return end[1] if end else key[1]

    def span_end_row(self, key: tuple[int, int]) -> int:
        end = self.merge_end.get(key)
        return end[0] if end else key[0]

    def right_of(self, key: tuple[int, int]) -> tuple[tuple[int, int] | None, bool]:
        """(the next non-empty cell to the right, whether the label's value area ends there empty).

        A label's value is never another label, and a blank value area is blank: when the cell
        right after the label is an empty merged range, or the next non-empty cell is a label, the
        field is blank and nothing further along the row is its value."""
        r, c = key
        after = self.span_end_col(key) + 1
        first = (r, after)
        if first not in self.cells and (first in self.merge_end or first in self.covered):
            return None, True  # the label's own (merged) value cell, left empty
        for cc in self.row_cols(r):
            if cc <= c:
                continue
            k = (r, cc)
            if k in self.labels:
                return None, True
            return k, False
        return None, False

    def below(self, key: tuple[int, int]) -> tuple[int, int] | None:
        k = (self.span_end_row(key) + 1, key[1])
        if k in self.cells and k not in self.labels:
            return k
        return None

    def value(self, key: tuple[int, int] | None) -> Any:
        """A cell's value; for a label cell that holds its value too, that value."""
        if key is None:
            return None
        inline = self.inline.get(key)
        return inline if inline is not None else self.cells.get(key)

    def value_cell(self, key: tuple[int, int]) -> tuple[int, int] | None:
        """The value of a label: to its right; below it only for the blocks that put their text
        there (goals), or when the label stands in a header row over a row of values. A label whose
        value area is blank has no value: it never takes the next label, nor the heading below."""
        if key in self.inline:
            return key
        right, blocked = self.right_of(key)
        if right is not None:
            return right
        if self.labels.get(key) in self.book.below:
            r, c = key
            first = (r, self.span_end_col(key) + 1)
            if first not in self.cells and (first in self.merge_end or first in self.covered):
                return None  # a goal written to the right of its label, in a merged area left blank
            return self.below(key)
        if blocked and (key[0], self.span_end_col(key) + 1) not in self.cells:
            return None  # label | (blank) | label: its value area is the blank cell, not the row below
        if self._heads_column(key):
            return self.below(key)
        return None

    def _heads_column(self, key: tuple[int, int]) -> bool:
        """A header row over its values (资金总额 | 财政拨款 | … | 项目支出, amounts in the row
        below): every cell of the label's row is a label, and the row below holds no label right of
        the row's first label."""
        r, c = key
        cols = self.row_cols(r)
        if len(cols) < 2 or any((r, cc) not in self.labels for cc in cols):
            return False
        below = self.span_end_row(key) + 1
        first = min((cc for cc in cols if self.labels.get((r, cc)) not in self.book.headings), default=c)
        return not any((below, cc) in self.labels for cc in self.row_cols(below) if cc >= first)

    def blank_target(self, key: tuple[int, int]) -> tuple[int, int]:
        """Where the value of an unfilled label belongs: right after it, or under it where the text
        goes below (goals) or the next cell is another label."""
        nxt = (key[0], self.span_end_col(key) + 1)
        if nxt in self.merge_end and nxt not in self.cells:
            return nxt  # its own merged value area, left blank
        if nxt in self.labels or self.labels.get(key) in self.book.below:
            return self.span_end_row(key) + 1, key[1]
        return nxt

    def find(self, canon: str) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(label cell, value cell) of the first occurrence of a label that has a value."""
        hits = self.by_label.get(canon)
        if not hits:
            return None, None
        if len(hits) > 1:
            # the label spelled as such wins over an alias that means it on other forms (项目属性
            # beside a 项目类型 that lists 运转类/特定目标类)
            hits = sorted(hits, key=lambda k: self.texts.get(k) != canon)
        for key in hits:
            v = self.value_cell(key)
            if v is not None:
                return key, v
        # none filled: point at the label spelled as such (中期目标) rather than a heading alias (总体目标)
        exact = [k for k in hits if self.texts.get(k) == canon]
        return (exact or hits)[0], None


_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*[)）]?\s*年度")
_YEAR_OF_TABLE = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_PERIOD_IN_TITLE = re.compile(r"(?:19|20)\d{2}\D{0,3}?[-－—–~～至到]\D{0,3}?(?:19|20)\d{2}年?")


def title_year(text: str) -> int | None:
    """The year of a title: （2025年度）, 2025年度…, or 2025年…表 (2023年项目支出绩效目标申报表);
    not a period (2022年-2026年) nor a date (2025年6月)."""
    m = _YEAR_IN_TITLE.search(text)
    if m:
        return int(m.group(1))
    if "表" in text:
        text = _PERIOD_IN_TITLE.sub("", text)
        m = _YEAR_OF_TABLE.search(text)
        if m and "表" in text[m.end():]:
            return int(m.group(1))
    return None
