"""HTML tables saved as .xls: what old finance systems export and Excel opens without complaint.

Each <table> becomes a grid of raw cell values laid out as Excel shows it when it opens the file
(merged cells keep their value in the top-left cell), so the workbook reader can treat it like a
sheet. Only the stdlib html.parser is used: it knows no DTDs, so no entity can be declared or
expanded; spans are clamped to the row and column limits so a hostile colspan cannot allocate.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from .base import Limits, ReadOutcome, ReaderOptions, SheetExtras, SheetInfo, read_bytes

_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class TooLarge(Exception):
    def __init__(self, limit: str, value: int, maximum: int) -> None:
        super().__init__(limit)
        self.limit, self.value, self.maximum = limit, value, maximum


class _Table:
    def __init__(self) -> None:
        self.rows: dict[int, dict[int, object]] = {}
        self.taken: set[tuple[int, int]] = set()
        self.row = -1
        self.col = 0
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def new_row(self) -> None:
        self.row += 1
        self.col = 0

    def put(self, value: object, colspan: int, rowspan: int, limits: Limits) -> None:
        if self.row < 0:
            self.new_row()
        while (self.row, self.col) in self.taken:
            self.col += 1
        if self.col + colspan > limits.max_columns:
            raise TooLarge("max_columns", self.col + colspan, limits.max_columns)
        if self.row + rowspan > limits.max_rows:
            raise TooLarge("max_rows", self.row + rowspan, limits.max_rows)
        if value not in (None, ""):
            self.rows.setdefault(self.row, {})[self.col] = value
        if colspan > 1 or rowspan > 1:
            self.merged.append(((self.row, self.col), (self.row + rowspan - 1, self.col + colspan - 1)))
            for r in range(self.row, self.row + rowspan):
                for c in range(self.col, self.col + colspan):
                    self.taken.add((r, c))
        self.col += colspan

    def grid(self) -> list[list[object]]:
        if not self.rows:
            return []
        height = max(self.rows) + 1
        width = max(max(r) for r in self.rows.values()) + 1
        return [[self.rows.get(r, {}).get(c) for c in range(width)] for r in range(height)]


class _TableParser(HTMLParser):
    def __init__(self, limits: Limits) -> None:
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.tables: list[_Table] = []
        self.stack: list[_Table] = []
        self.cell: list[str] | None = None
        self.cell_attrs: dict[str, str | None] = {}
        self.title: list[str] | None = None
        self.title_text = ""
        self.skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "title":
            self.title = []
        elif tag == "table":
            self._end_cell()
            table = _Table()
            self.tables.append(table)
            self.stack.append(table)
        elif not self.stack:
            return
        elif tag == "tr":
            self._end_cell()
            self.stack[-1].new_row()
        elif tag in ("td", "th"):
            self._end_cell()
            self.cell = []
            self.cell_attrs = dict(attrs)
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "title" and self.title is not None:
            self.title_text = "".join(self.title).strip()
            self.title = None
        elif tag == "table" and self.stack:
            self._end_cell()
            self.stack.pop()
        elif tag in ("td", "th", "tr"):
            self._end_cell()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.title is not None:
            self.title.append(data)
        if self.cell is not None:
            self.cell.append(data)

    def _end_cell(self) -> None:
        if self.cell is None or not self.stack:
            self.cell = None
            return
        text = "\n".join(" ".join(part.split()) for part in "".join(self.cell).replace("\xa0", " ").split("\n"))
        text = text.strip()
        attrs = self.cell_attrs
        self.cell = None
        value: object = text
        raw_num = attrs.get("x:num")  # Excel's own HTML export keeps the unformatted number here
        if raw_num and _NUMBER.match(raw_num.strip()):
            value = _number(raw_num.strip())
        elif _NUMBER.match(text.replace(",", "")) and text:
            value = _number(text.replace(",", ""))
        self.stack[-1].put(value, _span(attrs.get("colspan"), self.limits.max_columns),
                           _span(attrs.get("rowspan"), self.limits.max_rows), self.limits)


def _span(raw: str | None, cap: int) -> int:
    try:
        n = int(str(raw).strip()) if raw is not None else 1
    except ValueError:
        return 1
    return min(max(n, 1), cap + 1)  # one past the cap still trips the limit check, nothing more


def _number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < 2 ** 53 and re.match(r"^[+-]?\d+$", text):
        return int(text)
    return value


def decode_html(raw: bytes, guess: str | None) -> str:
    m = _CHARSET.search(raw[:4096])
    declared = m.group(1).decode("ascii", "replace").lower() if m else None
    if declared in ("gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936"):
        declared = "gb18030"  # the superset: what those labels mean in practice
    for enc in (declared, guess, "utf-8", "gb18030"):
        if not enc:
            continue
        try:
            return raw.decode(enc).lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", "replace").lstrip("\ufeff")


def parse_tables(text: str, limits: Limits) -> tuple[str, list[list[list[object]]]]:
    """The page title and the non-empty tables as grids of raw values. Raises TooLarge."""
    title, tables = _parse(text, limits)
    return title, [grid for grid, _merged in tables]


def _parse(text: str, limits: Limits) -> tuple[str, list[tuple[list[list[object]], list]]]:
    parser = _TableParser(limits)
    parser.feed(text)
    parser.close()
    parser._end_cell()
    return parser.title_text, [(t.grid(), t.merged) for t in parser.tables if t.rows]


class TableSheet:
    """One table as a Sheet: its cells as Excel lays them out when it opens the page."""

    def __init__(self, grid: list[list[object]], merged: list) -> None:
        self._grid = grid
        self._merged = merged
        self.height = len(grid)
        self.width = max((len(r) for r in grid), default=0)
        self.start = (0, 0)

    def rows(self) -> list[list[object]]:
        return [[("" if v is None else v) for v in row] for row in self._grid]

    def merges(self) -> list:
        return self._merged


class HtmlBook:
    """The page's tables as a Book, one sheet per table (Sheet1, Sheet2…); a page has no percent
    formats, formulas or error cells of its own."""

    def __init__(self, tables: list[tuple[list[list[object]], list]]) -> None:
        names = ["Sheet1"] if len(tables) == 1 else [f"Sheet{i}" for i in range(1, len(tables) + 1)]
        self._sheets = {n: TableSheet(g, m) for n, (g, m) in zip(names, tables)}

    def sheets(self) -> list[SheetInfo]:
        return [SheetInfo(n) for n in self._sheets]

    def sheet(self, name: str) -> TableSheet:
        return self._sheets[name]

    def extras(self, name: str) -> SheetExtras | None:
        return None

    def hidden_lines(self, name: str) -> None:
        return None

    def close(self) -> None:
        pass


def read_html(path: str, options: ReaderOptions, encoding: str | None = None, suffix: str = ".xls",
              data: bytes | None = None) -> ReadOutcome:
    outcome = ReadOutcome()
    raw = data if data is not None else read_bytes(path, options, outcome)
    if raw is None:
        return outcome
    try:
        _title, tables = _parse(decode_html(raw, encoding), options.limits)
    except TooLarge as exc:
        return outcome.fail("F007", variant=exc.limit, limit=exc.limit, value=exc.value, maximum=exc.maximum)
    if not tables:
        return outcome.fail("F001", variant="html_no_table", suffix=suffix)
    try:
        # the form reader (labels, forms, skipped sheets, waivers) reads any Book
        from .excel import read_book
    except ImportError:
        return outcome.fail("F001", variant="is_html", suffix=suffix)
    return read_book(HtmlBook(tables), path, options, outcome)
