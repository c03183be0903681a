"""Workbooks (.xlsx, .xlsm, .xls) read with python-calamine into canonical documents.

Each sheet that holds one of the four forms becomes one document; fields are found by their labels
(see labels.py, forms.py and rules/aliases.toml), and every value keeps the cell it came from. A
sheet named `perflint` or `审核豁免` carries waivers for the workbook's documents. Sheets that are
none of the four forms are skipped and said (F008); hidden sheets that are none of them (lists
behind a template's dropdowns) are skipped silently.

Percent formats, error values and formulas without a cached value are read from the xlsx package
itself (xlsxparts.py), since calamine reports none of them; a legacy .xls's percent formats from
its BIFF records (xlsparts.py; a .xls always stores a formula's result). An execution rate typed
as a plain fraction (0.96) is recognised when 全年执行数 / 全年预算数 agrees with it. The cells of
a visible sheet's hidden rows and columns (a template's dropdown lists) are no part of its form
(hidden.py); their flags come from the same package parts, read only for a sheet holding a form.
"""
from __future__ import annotations

import io
import os
import re

from ...model import Cell, Document, Hit
from ..base import OLE2_SIGNATURE, ZIP_SIGNATURE, Book, Limits, PartTooLarge, ReaderOptions, ReadOutcome, \
    SheetExtras, SheetInfo, read_bytes
from ...layouts import reader_hints
from ..normalise import Normaliser
from .forms import SheetForm, detect, later_titles
from .grid import Grid, a1
from .hidden import hide
from .labels import label_book, normalise_label
from .trace import explain, missing_hints, skipped_sheet

WAIVER_SHEETS = ("perflint", "审核豁免")
_WAIVER_COLUMNS = {
    "rule": ("规则", "规则代码", "规则编码", "代码", "rule", "code"),
    "where": ("位置", "单元格", "范围", "where", "location"),
    "reason": ("理由", "原因", "豁免理由", "说明", "reason"),
}


def read_workbook(path: str, options: ReaderOptions, data: bytes | None = None, sniffed=None) -> ReadOutcome:
    """`data`: the file's bytes, when read already; `sniffed`: what the sniffer decompressed of them."""
    import python_calamine as pc

    outcome = ReadOutcome()
    suffix = os.path.splitext(path)[1].lower()
    data = data if data is not None else read_bytes(path, options, outcome)
    if data is None:
        return outcome
    try:
        book = open_book(data, options.limits, sniffed)
    except pc.PasswordError:
        return outcome.fail("F001", variant="encrypted")
    except PartTooLarge as exc:
        return outcome.fail("F007", variant="max_part_bytes", limit="max_part_bytes", part=exc.part,
                            value=exc.size, maximum=options.limits.max_part_bytes)
    except Exception as exc:  # calamine's errors (zip, xml, format) all mean: not a readable workbook
        return outcome.fail("F001", variant="workbook", error=_describe(data, suffix, exc))
    try:
        return read_book(book, path, options, outcome)
    finally:
        book.close()


def open_book(data: bytes, limits: Limits | None = None, sniffed=None) -> "CalamineBook":
    """A workbook's bytes (xlsx, xlsm, xls) as a Book: values and merges through python-calamine, with
    the percent formats, formulas and error cells its package adds. Raises calamine's error for bytes
    that are no readable workbook, PartTooLarge for a package part beyond `limits`. Close it."""
    import python_calamine as pc

    # from the bytes, not the name: a legacy .xls renamed .xlsx (or a WPS .et) still reads
    book = CalamineBook(pc.CalamineWorkbook.from_filelike(io.BytesIO(data)))
    try:
        book.parts = _package_parts(data, limits or Limits(), sniffed)
    except BaseException:
        book.close()
        raise
    return book


def _package_parts(data: bytes, limits: Limits, sniffed):
    if data[:2] == ZIP_SIGNATURE:  # by content, not name: a renamed workbook still gets its formats read
        from .xlsxparts import XlsxParts

        try:
            return XlsxParts(data, limits.max_part_bytes, getattr(sniffed, "parts", None))
        except PartTooLarge:
            raise
        except Exception:  # noqa: BLE001 - calamine read it; without the extras we still read values
            return None
    from .xlsparts import XlsParts

    try:
        return XlsParts(data, getattr(sniffed, "biff", None))
    except Exception:  # noqa: BLE001 - as above: the values stand, percent formats are not known
        return None


class _CalamineSheet:
    def __init__(self, sheet) -> None:
        self._sheet = sheet
        self.height, self.width = sheet.height, sheet.width
        self.start = tuple(sheet.start or (0, 0))

    def rows(self) -> list[list]:
        return self._sheet.to_python(skip_empty_area=True)

    def merges(self):
        return self._sheet.merged_cell_ranges or ()


class CalamineBook:
    """A workbook python-calamine opened, with what its package adds (`parts`: XlsxParts or XlsParts):
    the Book of xlsx, xlsm and xls files."""

    def __init__(self, wb, parts=None) -> None:
        self._wb = wb
        self.parts = parts

    def sheets(self) -> list[SheetInfo]:
        import python_calamine as pc

        return [SheetInfo(m.name, hidden=m.visible != pc.SheetVisibleEnum.Visible,
                          chart=m.typ != pc.SheetTypeEnum.WorkSheet) for m in self._wb.sheets_metadata]

    def sheet(self, name: str) -> _CalamineSheet:
        return _CalamineSheet(self._wb.get_sheet_by_name(name))

    def extras(self, name: str) -> SheetExtras | None:
        return self.parts.extras(name) if self.parts is not None else None

    def hidden_lines(self, name: str):
        return self.parts.hidden_lines(name) if self.parts is not None else None

    def close(self) -> None:
        try:
            if self.parts is not None:
                self.parts.close()
        finally:
            self._wb.close()


def _describe(data: bytes, suffix: str, exc: Exception) -> str:
    head = data[:8]
    if suffix in (".xlsx", ".xlsm") and head == OLE2_SIGNATURE:
        return "文件已加密（设有打开密码），或是另存为 .xlsx 扩展名的旧版 .xls 文件"
    if suffix == ".xls" and head.startswith(ZIP_SIGNATURE):
        return "文件实际是 .xlsx 格式却使用了 .xls 扩展名"
    if not head:
        return "文件是空的"
    return f"文件损坏或不是 Excel 工作簿（{type(exc).__name__}: {str(exc)[:200]}）"


def read_book(wb: Book, path: str, options: ReaderOptions, outcome: ReadOutcome) -> ReadOutcome:
    """The forms in any Book (a calamine workbook, a page's HTML tables): each sheet that holds one
    of the four forms becomes a document; waiver sheets, skipped sheets and limits are said."""
    book = label_book(options.aliases)
    limits = options.limits
    metas = wb.sheets()
    names = [m.name for m in metas]
    waivers: list[tuple[dict, Cell]] = []
    waiver_sheets = [n for n in names if normalise_label(n)[0].lower() in WAIVER_SHEETS]
    found: list[tuple[str, SheetForm, dict, list, dict]] = []
    skipped: list[tuple[str, str]] = []  # (sheet, why)
    for meta in metas:
        name = meta.name
        if name in waiver_sheets:
            waivers.extend(_read_waivers(wb, name, limits, outcome))
            continue
        hidden = meta.hidden
        if meta.chart:
            if not hidden:
                skipped.append((name, "chart"))
            continue
        try:
            sheet = wb.sheet(name)
            if sheet.height > limits.max_rows:
                outcome.fail("F007", variant="max_rows", limit="max_rows", value=sheet.height,
                             maximum=limits.max_rows, on_sheet=name)
                continue
            if sheet.width > limits.max_columns:
                outcome.fail("F007", variant="max_columns", limit="max_columns", value=sheet.width,
                             maximum=limits.max_columns, on_sheet=name)
                continue
            rows = sheet.rows()
            merged = sheet.merges()
        except Exception as exc:  # noqa: BLE001 - one broken sheet does not hide the others
            outcome.fail("F001", variant="workbook", error=f"工作表“{name}”无法读取（{type(exc).__name__}: {exc}）")
            continue
        grid = Grid(name, rows, sheet.start, book, merged)
        kind, title = detect(grid)
        if kind is None:
            if not hidden:
                skipped.append((name, "blank" if not grid.cells else "other"))
                if options.explain:
                    outcome.explanations.append(skipped_sheet(grid))
            continue
        try:
            extras = wb.extras(name)
        except PartTooLarge as exc:
            outcome.fail("F007", variant="max_part_bytes", limit="max_part_bytes", part=exc.part,
                         value=exc.size, maximum=limits.max_part_bytes, on_sheet=name)
            continue
        except Exception:  # noqa: BLE001 - a damaged part: its values were read, only the extras are lost
            extras = None
        note = None
        lines = None if hidden else _hidden_lines(wb, name)
        if lines:
            also = [*extras.formulas, *extras.errors] if extras is not None else ()
            rows, unseen = hide(rows, sheet.start, merged, lines, also)
            if unseen.cells:
                note = ("F012", Hit.at("", variant=unseen.variant(), **unseen.args()).on(name, unseen.first()))
                if extras is not None:
                    extras = SheetExtras(extras.percent,
                                         {k: v for k, v in extras.formulas.items() if not unseen.covers(*k)},
                                         {k: v for k, v in extras.errors.items() if not unseen.covers(*k)})
                grid = Grid(name, rows, sheet.start, book, merged)
                kind, title = detect(grid)
                if kind is None:  # what made it a form is out of sight
                    outcome.hits.append(note)
                    skipped.append((name, "blank" if not grid.cells else "other"))
                    continue
        parts = _forms_on_sheet(grid, kind, title, rows, sheet.start, book, merged)
        for grid, kind, title, (top, end) in parts:
            if extras is not None and extras.errors:
                # an error value is text that is no number: F004 where one is due
                grid.add_values({k: v for k, v in extras.errors.items() if top <= k[0] < end})
            form = SheetForm(grid, kind, title, extras.percent if extras else set())
            try:
                data = form.build()
            except Exception as exc:  # noqa: BLE001 - a reader bug on one sheet leaves the others readable
                outcome.fail("F001", variant="internal", error=f"工作表“{name}”：{type(exc).__name__}: {exc}")
                continue
            if note is not None:
                form.hits.append(note)
                note = None  # said once, on the sheet's first form
            hints = missing_hints(form)
            if options.explain:
                outcome.explanations.append(dict(explain(form), kind=kind))
            f005 = []
            if extras is not None:
                for key, formula in sorted(extras.formulas.items()):
                    if top <= key[0] < end:
                        f005.append(("F005", Hit.at(form.used.get(key, ""), formula=formula).on(name, a1(*key))))
            found.append((name, form, data, f005, hints))
    if not found:
        if any(code in ("F001", "F007") for code, _ in outcome.hits):
            return outcome  # the sheet that could not be read may well be the form: say only that
        checked = "、".join(names) if names else "（无工作表）"
        return outcome.fail("F002", variant="no_form", sheets=checked)
    for name, why in skipped:
        outcome.fail("F008", variant=None if why == "other" else why, sheet=name, on_sheet=name)
    for name, form, data, f005, hints in found:
        mine = [(w, c) for w, c in waivers if _waiver_for(w, name, names, found)]
        if mine:
            data["waivers"] = [w for w, _ in mine]
            for i, (_, cell) in enumerate(mine):
                form.locations[f"/waivers/{i}"] = cell
        norm = Normaliser(form.kind, reported=frozenset(h.pointer for _, h in f005), voc=form.voc)
        data = norm.run(data)
        outcome.documents.append(Document.build(form.kind, data, path=path, sheet=name, locations=form.locations,
                                                reader_hits=form.hits + f005 + norm.hits, hints=hints))
    return outcome


def _hidden_lines(wb: Book, name: str):
    """The sheet's hidden rows and columns; None where they cannot be told (the cells all count)."""
    try:
        return wb.hidden_lines(name)
    except Exception:  # noqa: BLE001 - a part the extras could read but this cannot: read every cell
        return None


def _forms_on_sheet(grid: Grid, kind: str, title, rows: list, start: tuple[int, int], book, merged) -> list:
    """[(grid, kind, title, (first row, end row))] of each form on a sheet: one, or one more for each
    form title below the first form's indicator table that starts a form of its own; each part
    keeps its cells' addresses."""
    whole = [(grid, kind, title, (0, 1 << 62))]
    cuts = later_titles(grid)
    if not cuts:
        return whole
    identity = reader_hints().identity
    r0, c0 = start
    end = r0 + len(rows)
    merged = list(merged or ())

    built: dict[tuple[int, int], tuple] = {}

    def part(top: int, bottom: int):
        # a form whose next title starts a form of its own is the same rows in both passes below
        if (top, bottom) not in built:
            inside = [m for m in merged if top <= _first_row(m) < bottom]
            sub = Grid(grid.name, rows[top - r0:bottom - r0], (top, c0), book, inside)
            built[(top, bottom)] = (sub, *detect(sub))
        return built[(top, bottom)]

    # a title that names no project or department of its own is the form's title repeated over its
    # next printed page: that page stays with the form above it
    tops = [r0]
    for cut, bottom in zip(cuts, cuts[1:] + [end]):
        sub, sub_kind, _ = part(cut, bottom)
        if sub_kind is not None and any(label in sub.by_label for label in identity):
            tops.append(cut)
    if len(tops) == 1:
        return whole
    parts = []
    for top, bottom in zip(tops, tops[1:] + [end]):
        sub, sub_kind, sub_title = part(top, bottom)
        if sub_kind is None:
            return whole
        parts.append((sub, sub_kind, sub_title, (top, bottom)))
    return parts


def _first_row(merge) -> int:
    try:
        return int(merge[0][0])
    except (TypeError, ValueError, IndexError):
        return -1  # malformed: Grid ignores it too


_BARE_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def _waiver_for(waiver: dict, sheet: str, sheets: list[str], forms: list) -> bool:
    """Which document of the workbook a waiver belongs to: the sheet it names (`Sheet1`,
    `Sheet1!C12`); for a bare cell (`C12`) the form that read that cell, or the first form when
    none did (so that an unused waiver is said once); otherwise every form."""
    where = waiver.get("where") or ""
    if "!" in where:
        return where.split("!", 1)[0].strip("'") == sheet
    if where in sheets:
        return where == sheet
    m = _BARE_CELL.match(where)
    if m and len(forms) > 1:
        ref = f"{m.group(1).upper()}{m.group(2)}"
        owners = [name for name, form, _, hits, _h in forms
                  if any(c.cell == ref for c in form.locations.values())
                  or any(h.cell == ref for _, h in form.hits + hits)]
        return sheet in owners if owners else sheet == forms[0][0]
    return True


def _read_waivers(wb: Book, name: str, limits, outcome: ReadOutcome) -> list[tuple[dict, Cell]]:
    try:
        sheet = wb.sheet(name)
    except Exception:  # noqa: BLE001
        return []
    for limit, value in (("max_rows", sheet.height), ("max_columns", sheet.width)):
        if value > getattr(limits, limit):
            outcome.fail("F007", variant=limit, limit=limit, value=value, maximum=getattr(limits, limit),
                         on_sheet=name)
            return []
    try:
        rows = sheet.rows()
    except Exception:  # noqa: BLE001 - an unreadable waiver sheet waives nothing
        return []
    r0, c0 = sheet.start
    header = None
    cols: dict[str, int] = {}
    for i, row in enumerate(rows):
        found = {}
        for j, value in enumerate(row):
            text = normalise_label(value)[0].lower() if isinstance(value, str) else ""
            for key, names in _WAIVER_COLUMNS.items():
                if text in names and key not in found:
                    found[key] = j
        if "rule" in found and "reason" in found:
            header, cols = i, found
            break
    if header is None:
        return []
    out = []
    for i in range(header + 1, len(rows)):
        row = rows[i]

        def cell(key: str) -> str:
            j = cols.get(key)
            v = row[j] if j is not None and j < len(row) else ""
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return str(v).strip() if v not in (None, "") else ""

        rule, where, reason = cell("rule"), cell("where"), cell("reason")
        if not (rule or where or reason):
            continue
        where = re.sub(r"\s+", "", where)
        out.append(({"rule": rule, "where": where, "reason": reason},
                    Cell(name, a1(r0 + i, c0 + cols["rule"]))))
    return out
