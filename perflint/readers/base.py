"""What every reader shares: the limits, options and outcome of a read, the file signatures, and
the Book/Sheet interface through which the form reader sees any tabular format.

A format (xlsx/xlsm/xls through python-calamine, an HTML table saved as .xls, …) is read by giving
`readers.excel.read_book` a Book: its sheets' names and visibility, each sheet's cell values from
its first used cell, its merged ranges, and what the format knows beyond values (percent formats,
formulas without a value, error cells). Nothing here knows rules or forms.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

from ..model import Document, Hit

# the first bytes of a compound file (legacy .xls, WPS .et, an encrypted OOXML package) and of a zip
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK"


@dataclass(frozen=True)
class Limits:
    """Bounds enforced before and while parsing; exceeding one is F007 naming the limit."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_decompressed_bytes: int = 200 * 1024 * 1024
    max_part_bytes: int = 100 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_rows: int = 20_000
    max_columns: int = 200
    max_json_depth: int = 64

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object], source: str = "config") -> "Limits":
        from ..data import DataError

        known = {f for f in cls.__dataclass_fields__}
        values = {}
        for key, value in raw.items():
            if key not in known:
                raise DataError(source, f"limits.{key}", f"unknown limit (known: {', '.join(sorted(known))})")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise DataError(source, f"limits.{key}", "must be a positive number")
            values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class ReaderOptions:
    limits: Limits = field(default_factory=Limits)
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # extra label aliases from the profile
    explain: bool = False  # keep how each sheet was read (perflint convert --explain)


@dataclass
class ReadOutcome:
    documents: list[Document] = field(default_factory=list)
    hits: list[tuple[str, Hit]] = field(default_factory=list)  # file-level
    explanations: list[dict] = field(default_factory=list)  # per sheet, with ReaderOptions(explain=True)

    def fail(self, code: str, ptr: str = "", variant: str | None = None, *, on_sheet: str | None = None,
             **args) -> "ReadOutcome":
        """Say a file-level finding; `on_sheet`: the sheet it concerns (its location, not a message value)."""
        hit = Hit.at(ptr, variant=variant, **args)
        self.hits.append((code, hit.on(on_sheet) if on_sheet else hit))
        return self


def read_bytes(path: str, options: ReaderOptions, outcome: ReadOutcome) -> bytes | None:
    """The file's bytes (one past the size limit at most), or None with F001 said on `outcome`."""
    try:
        with open(path, "rb") as fh:
            return fh.read(options.limits.max_file_bytes + 1)
    except OSError as exc:
        outcome.fail("F001", variant="io", error=exc.strerror or str(exc))
        return None


# ---- the Book/Sheet interface -------------------------------------------------------------------
@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool = False
    chart: bool = False  # a chart sheet: no cells


@dataclass
class SheetExtras:
    """What a format knows about a sheet beyond its values (python-calamine reports none of it)."""

    percent: set[tuple[int, int]] = field(default_factory=set)  # (row, col) with a percent format
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # formulas without a cached value
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # error values (#DIV/0!), as text


@dataclass(frozen=True)
class HiddenLines:
    """Rows and columns a sheet hides (0-based): a template keeps its dropdowns' lists there, and a
    reviewer never sees them."""

    rows: frozenset[int] = frozenset()
    columns: tuple[tuple[int, int], ...] = ()  # (first, last) ranges, inclusive

    def __bool__(self) -> bool:
        return bool(self.rows or self.columns)


class PartTooLarge(Exception):
    """A part of the file (an xlsx sheet's XML) is larger than the limits allow."""

    def __init__(self, part: str, size: int) -> None:
        super().__init__(part)
        self.part, self.size = part, size


Range = tuple[tuple[int, int], tuple[int, int]]  # (top-left, bottom-right), 0-based (row, col)


class Sheet(Protocol):
    height: int  # rows and columns of the used area
    width: int
    start: tuple[int, int]  # (row, col) of the used area's first cell, 0-based

    def rows(self) -> list[list[Any]]:
        """The used area's values row by row from `start`; a blank cell is "" or None."""

    def merges(self) -> Sequence[Range]:
        """Merged ranges; a merged range's value is in its top-left cell."""


class Book(Protocol):
    def sheets(self) -> list[SheetInfo]:
        """The sheets in workbook order."""

    def sheet(self, name: str) -> Sheet:
        """One sheet; raises on a sheet the format cannot read (the others stay readable)."""

    def extras(self, name: str) -> SheetExtras | None:
        """Percent formats, formulas without a value and error cells of a sheet, when the format has
        them; PartTooLarge when reading them would pass the limits."""

    def hidden_lines(self, name: str) -> HiddenLines | None:
        """The rows and columns a sheet hides, None when it hides none or the format cannot tell."""

    def close(self) -> None:
        ...
