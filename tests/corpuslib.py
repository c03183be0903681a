"""The real-form corpus (tests/corpus/forms/*.toml): load a transcribed form, write it as a
workbook, and say what perflint is expected to find in it. The format is described in
tests/corpus/README.md."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# where tests/test_corpus.py records, per form file, whether it was read exactly (for the summary line)
RESULTS = pytest.StashKey[dict]()
CORPUS = Path(__file__).parent / "corpus"
FORMS = CORPUS / "forms"
KINDS = ("project_target", "dept_target", "project_selfeval", "dept_selfeval")
# compared: errors and warnings of every family but H (history rules need other documents; the
# corpus is checked without a history source). Info findings are not compared.
COMPARED_SEVERITIES = ("error", "warning")
# what a form shows, for the measures: a required amount left blank; amounts in 元; the published
# blank template itself, sent back unfilled
TAGS = {"blank-required-amount", "amounts-in-yuan", "blank-template"}
_LOCATION = re.compile(r"^(?:[^!]+![A-Z]{1,3}[1-9][0-9]*|/.*|)$")
_CODE = re.compile(r"^[FBAISW][0-9]{3}$")


@dataclass(frozen=True)
class Form:
    path: Path
    source: dict[str, Any]
    sheets: list[dict[str, Any]]
    verdict: str
    findings: frozenset[tuple[str, str]]
    xfail: str | None
    formats: tuple[str, ...]
    tags: frozenset[str]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def kind(self) -> str:
        return self.source["kind"]


def load(path: Path) -> Form:
    """Read and validate one form file; a malformed file fails loudly, naming the file and key."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    where = path.name

    def need(table: dict, key: str, kind: type, ctx: str) -> Any:
        if key not in table or not isinstance(table[key], kind):
            raise ValueError(f"{where}: [{ctx}] {key} missing or not a {kind.__name__}")
        return table[key]

    source = need(data, "source", dict, "")
    for key in ("province", "unit", "title", "page", "kind", "notes"):
        need(source, key, str, "source")
    need(source, "year", int, "source")
    if source["kind"] not in KINDS:
        raise ValueError(f"{where}: [source] kind {source['kind']!r} is not one of {KINDS}")
    sheets = need(data, "sheets", list, "")
    if not sheets:
        raise ValueError(f"{where}: no [[sheets]]")
    for i, sheet in enumerate(sheets):
        need(sheet, "name", str, f"sheets.{i}")
        rows = need(sheet, "rows", list, f"sheets.{i}")
        for r, row in enumerate(rows):
            if not isinstance(row, list):
                raise ValueError(f"{where}: sheets.{i} row {r + 1} is not an array")
            for v in row:
                if not isinstance(v, (str, int, float)) or isinstance(v, bool):
                    raise ValueError(f"{where}: sheets.{i} row {r + 1} holds {v!r}: cells are strings or numbers")
        for m in sheet.get("merges", []):
            if not re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]*:[A-Z]{1,3}[1-9][0-9]*", m):
                raise ValueError(f"{where}: sheets.{i} merge {m!r} is not like A1:H1")
    expected = need(data, "expected", dict, "")
    verdict = need(expected, "verdict", str, "expected")
    if verdict not in ("pass", "return"):
        raise ValueError(f"{where}: [expected] verdict must be pass or return")
    pairs = []
    for item in need(expected, "findings", list, "expected"):
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
                and _CODE.match(item[0]) and _LOCATION.match(item[1])):
            raise ValueError(f"{where}: [expected] finding {item!r} is not [\"CODE\", \"Sheet!C7\" or \"/pointer\"]")
        pairs.append((item[0], item[1]))
    if len(set(pairs)) != len(pairs):
        raise ValueError(f"{where}: [expected] findings repeat a pair")
    xfail = expected.get("xfail")
    if xfail is not None and (not isinstance(xfail, str) or not xfail.strip()):
        raise ValueError(f"{where}: [expected] xfail must be a non-empty reason")
    formats = tuple(expected.get("formats", ["xlsx"]))
    if not formats or set(formats) - {"xlsx", "xls"}:
        raise ValueError(f"{where}: [expected] formats must be a list of xlsx, xls")
    tags = expected.get("tags", [])
    if not isinstance(tags, list) or set(tags) - TAGS:
        raise ValueError(f"{where}: [expected] tags must be a list of {sorted(TAGS)}")
    return Form(path, source, sheets, verdict, frozenset(pairs), xfail, formats, frozenset(tags))


def all_forms() -> list[Form]:
    return [load(p) for p in sorted(FORMS.glob("*.toml"))]


def cell_position(ref: str) -> tuple[int, int]:
    """'C7' -> (row 7, column 3), 1-based."""
    m = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def write(form: Form, folder: Path, fmt: str = "xlsx") -> Path:
    """Write the form as a real workbook: one sheet per [[sheets]], numbers as numbers, blank cells
    left empty, merges applied."""
    path = folder / f"{form.name}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        wb.remove(wb.active)
        for sheet in form.sheets:
            ws = wb.create_sheet(sheet["name"])
            for r, row in enumerate(sheet["rows"], start=1):
                for c, value in enumerate(row, start=1):
                    if value != "":
                        cell = ws.cell(row=r, column=c, value=value)
                        if isinstance(value, str) and value.startswith("="):
                            cell.data_type = "s"  # text as typed (=100百分比), never a formula
            for m in sheet.get("merges", []):
                ws.merge_cells(m)
        wb.save(path)
    elif fmt == "xls":
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        for sheet in form.sheets:
            ws = wb.add_sheet(sheet["name"])
            rows = sheet["rows"]

            def value_at(r: int, c: int) -> Any:
                return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else ""

            covered = set()
            for m in sheet.get("merges", []):
                a, b = m.split(":")
                (r1, c1), (r2, c2) = cell_position(a), cell_position(b)
                covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
                top_left = value_at(r1, c1)
                if top_left == "":
                    ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1)
                else:
                    ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, top_left)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value != "" and (r, c) not in covered:
                        ws.write(r - 1, c - 1, value)
        wb.save(str(path))
    else:
        raise ValueError(fmt)
    return path


@dataclass(frozen=True)
class Seen:
    """A finding perflint gave, as the corpus compares it."""

    code: str
    cell: str  # "Sheet1!F12", or "" when the finding has no cell
    pointer: str
    message: str

    def matches(self, code: str, location: str) -> bool:
        """A cell location matches the finding's cell. A pointer names something the form lacks, which
        has no cell of its own: it matches the finding's pointer whatever cell the reader shows it at,
        or a block above it that is missing as a whole (F003 at /funds/annual for a form with no
        年度资金总额 row says the same as at /funds/annual/total)."""
        if code != self.code:
            return False
        if "!" in location:
            return location == self.cell
        return location == self.pointer or bool(self.pointer) and location.startswith(self.pointer + "/")


def seen(findings) -> list[Seen]:
    """The findings the corpus compares: errors and warnings, no H codes."""
    out = []
    for f in findings:
        if f.severity in COMPARED_SEVERITIES and not f.code.startswith("H"):
            loc = f.location
            out.append(Seen(f.code, f"{loc.sheet}!{loc.cell}" if loc.sheet and loc.cell else "", loc.pointer, f.message))
    return out


def diff(form: Form, verdict: str, kinds: list[str], got: list[Seen]) -> str:
    """A readable account of where the read differs from the form's expectation ('' when it does not)."""
    lines = []
    if verdict != form.verdict:
        lines.append(f"verdict: expected {form.verdict}, got {verdict}")
    if kinds != [form.kind]:
        lines.append(f"documents read: expected one {form.kind}, got {kinds or 'none'}")
    for code, location in sorted(form.findings):
        if not any(s.matches(code, location) for s in got):
            lines.append(f"  missing    {code} at {location}")
    for s in sorted(got, key=lambda s: (s.code, s.cell, s.pointer)):
        if not any(s.matches(code, location) for code, location in form.findings):
            lines.append(f"  unexpected {s.code} at {s.cell or s.pointer} ({s.pointer}): {s.message}")
    if lines:
        lines.insert(0, f"{form.name} ({form.source['province']}, {form.source['unit']}, {form.source['title']}):")
    return "\n".join(lines)
