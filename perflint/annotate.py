"""The submitter's own workbook, marked up: `perflint check … --annotate DIR` and the web page's download.

Each finding's cell is filled (red for an error, amber for a warning) and carries a comment with
the rule, the message and the 整改建议; a first sheet, 审核意见, gives the verdict and lists every
finding with a link to its cell, and those with no cell (a field left out) with where the field
was expected. An .xlsx/.xlsm is loaded with openpyxl and added to, so its values, formulas, merges,
number formats, widths and other sheets stay as they were; an .xls is rebuilt from what the
workbook reader's Book gives (values, merges and percent formats). The result is always an .xlsx (no
macros). The original is only read.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .formatters.safe import cell_text, one_line, sheet_title, taken_titles, text_cell
from .model import DocumentResult, FileResult, Finding
from .readers import EXCEL_SUFFIXES
from .readers.base import OLE2_SIGNATURE

if TYPE_CHECKING:
    from .catalogue import Catalogue
    from .report import Summary

ANNOTATED_SUFFIX = ".审核.xlsx"
FILL = {"error": "FF8B8B", "warning": "FFC000"}  # red, amber
SHEET_TITLE = {"zh": "审核意见", "en": "Review"}
_WORDS = {
    "zh": {"title": "预算绩效审核意见", "file": "文件", "verdict": "审核结论", "grade": "审核等级",
           "head": ("序号", "级别", "规则", "位置", "说明", "整改建议"), "no_cell": "未定位到单元格，应填于：",
           "whole_file": "整个文件", "waived": "已豁免", "none": "未发现问题。", "document": "表",
           "author": "perflint 审核", "link_tip": "单击转到该单元格"},
    "en": {"title": "Budget performance review", "file": "file", "verdict": "verdict", "grade": "review grade",
           "head": ("No.", "severity", "rule", "location", "message", "what to do"),
           "no_cell": "no cell found; expected at: ", "whole_file": "the whole file", "waived": "waived",
           "none": "No findings.", "document": "form", "author": "perflint review", "link_tip": "go to the cell"},
}
_COMMENT_WIDTH_PT, _COMMENT_CHARS_PER_LINE = 360, 28
_WIDTHS = (10, 10, 8, 26, 56, 48)  # the 审核意见 sheet's columns: 序号, 级别, 规则, 位置, 说明, 整改建议


class AnnotateError(Exception):
    """The workbook could not be marked up (not a workbook, damaged): the reason, for people."""


def _append(ws, values: list[Any]) -> None:
    """A row of perflint's sheet: text (a file name, a message quoting the submission) is always a
    string cell, never a formula, and carries no control character."""
    ws.append([cell_text(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            text_cell(cell, cell.value)


def annotated_name(path: str) -> str:
    """营养改善计划.xls → 营养改善计划.审核.xlsx"""
    return Path(path).stem + ANNOTATED_SUFFIX


def can_annotate(path: str) -> bool:
    return Path(path).suffix.lower() in EXCEL_SUFFIXES


def annotate_workbook(source: str | os.PathLike | bytes, result: FileResult, lang: str = "zh", *,
                      catalogue: Catalogue | None = None, detail: str = "department", name: str | None = None) -> bytes:
    """The marked-up copy of `source` (a path, or the workbook's bytes) for its `result`, as .xlsx bytes.

    `detail="department"` (the default) leaves out info notes and H500 (the bureau's own history
    sources); "full" keeps them. `name` is the
    file name shown on the 审核意见 sheet (default: the source's, or the result's path's, base name).
    Raises AnnotateError when the workbook cannot be opened."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    shown = name or (os.path.basename(os.fspath(source)) if not isinstance(source, bytes)
                     else os.path.basename(result.path))
    if catalogue is None:
        from .catalogue import default_catalogue

        catalogue = default_catalogue()
    lang = lang if lang in _WORDS else "zh"
    if data[:4] == b"PK\x03\x04":
        wb = _load_xlsx(data)
        names = {n: n for n in wb.sheetnames}
    elif data.startswith(OLE2_SIGNATURE):
        wb, names = _rebuild_xls(data)
    else:
        raise AnnotateError("not an Excel workbook (.xlsx, .xlsm or .xls)" if lang == "en"
                            else "不是 Excel 工作簿（.xlsx、.xlsm 或 .xls）")
    findings = [(doc, f) for doc, f in _findings(result) if detail == "full" or _department_facing(f)]
    try:
        # the documents a finding was compared with, by their file names (not the bureau's folders)
        marked = _mark_cells(wb, names, findings, catalogue, lang, names_only=detail != "full")
        _review_sheet(wb, names, result, findings, marked, catalogue, lang, shown, names_only=detail != "full")
        out = io.BytesIO()
        wb.save(out)
    except Exception as exc:  # whatever a hostile workbook holds costs its own copy, never the run
        raise AnnotateError(f"{type(exc).__name__}: {one_line(exc)}") from None
    return out.getvalue()


def _findings(result: FileResult) -> Iterable[tuple[DocumentResult | None, Finding]]:
    first = result.documents[0] if result.documents else None
    for f in result.findings:
        yield first if f.location.pointer and first is not None else None, f
    for doc in result.documents:
        for f in doc.findings:
            yield doc, f


def _load_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        # formulas are kept (and recalculated on opening); macros are not: the copy is an .xlsx
        return load_workbook(io.BytesIO(data), rich_text=True)
    except Exception as exc:  # a damaged or encrypted workbook: F001 already says why
        raise AnnotateError(f"{type(exc).__name__}: {exc}") from None


def _rebuild_xls(data: bytes):
    """A legacy .xls as a new workbook: its values, merges, percent formats and estimated widths."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from .readers.excel import open_book

    try:
        book = open_book(data)
    except Exception as exc:
        raise AnnotateError(f"{type(exc).__name__}: {exc}") from None
    wb = Workbook()
    wb.remove(wb.active)
    names: dict[str, str] = {}  # a sheet's name in the .xls → in the copy (a BIFF name Excel would refuse is made safe)
    titles: set[str] = set()
    try:
        for info in book.sheets():
            ws = wb.create_sheet(sheet_title(info.name, titles))
            names[info.name] = ws.title
            try:
                sheet = book.sheet(info.name)
                rows, merges, (r0, c0) = sheet.rows(), list(sheet.merges()), sheet.start
            except Exception:  # a chart sheet or a damaged one: kept, empty, so that sheet names still match
                continue
            try:
                extras = book.extras(info.name)
            except Exception:  # the percent formats are a nicety: their absence shows 0.96 for 96 %
                extras = None
            pct = extras.percent if extras is not None else set()
            widths: dict[int, float] = {}
            for r, row in enumerate(rows, r0 + 1):
                for c, value in enumerate(row, c0 + 1):
                    if value == "" or value is None:
                        continue
                    cell = text_cell(ws.cell(r, c), value)  # the submission's "=…" text stays text
                    if (r - 1, c - 1) in pct:
                        cell.number_format = "0.00%"
                    widths[c] = max(widths.get(c, 0), min(_display_width(str(value)), 40))
            for (r1, c1), (r2, c2) in merges:
                if (r1, c1) != (r2, c2):
                    ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
            merged_starts = {(r1 + 1, c1 + 1) for (r1, c1), (r2, c2) in merges if c2 > c1}
            for c, w in widths.items():  # a merged title does not widen its first column
                if all((r, c) not in merged_starts for r in range(1, r0 + len(rows) + 1)) or w < 20:
                    ws.column_dimensions[get_column_letter(c)].width = max(8, w + 2)
                else:
                    ws.column_dimensions[get_column_letter(c)].width = 14
    finally:
        book.close()
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    return wb, names


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet cell: CJK characters count two."""
    import unicodedata

    longest = max((line for line in text.splitlines() or [""]), key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _target_cell(ws, ref: str):
    """The cell a finding points at, or the first cell of the merged range holding it."""
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    try:
        col, row = coordinate_from_string(ref.replace("$", "").upper())
        c = column_index_from_string(col)
    except Exception:
        return None
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= c <= rng.max_col:
            return ws.cell(rng.min_row, rng.min_col)
    return ws.cell(row, c)


def _mark_cells(wb, names: dict[str, str], findings: list[tuple[DocumentResult | None, Finding]], catalogue: Catalogue | None, lang: str,
                names_only: bool = True) -> dict[int, tuple[str, str]]:
    """Fill and comment every finding's cell; returns, per finding (by id), the (sheet, cell) marked."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from .formatters.labels import advice, finding_message

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    marked: dict[int, tuple[str, str]] = {}
    for _doc, f in findings:
        loc = f.location
        if not loc.sheet or not loc.cell or loc.sheet not in names:
            continue
        cell = _target_cell(wb[names[loc.sheet]], loc.cell)
        if cell is None:
            continue
        key = (names[loc.sheet], cell.coordinate)
        by_cell.setdefault(key, []).append(f)
        marked[id(f)] = key
    w = _WORDS[lang]
    for (sheet, ref), found in by_cell.items():
        cell = wb[sheet][ref]
        live = [f for f in found if not f.waived]
        if live:
            worst = "error" if any(f.severity == "error" for f in live) else (
                "warning" if any(f.severity == "warning" for f in live) else None)
            if worst:
                cell.fill = PatternFill("solid", fgColor=FILL[worst])
        parts = []
        for f in found:
            tip = advice(catalogue.rules.get(f.code), lang, f)
            head = f"[{f.code}{' ' + w['waived'] if f.waived else ''}] {finding_message(f, lang, names_only=names_only)}"
            parts.append(head + (f"\n{'整改建议' if lang == 'zh' else 'What to do'}：{tip}" if lang == "zh" and tip
                                 else f"\nWhat to do: {tip}" if tip else ""))
        text = "\n\n".join(parts)
        if cell.comment is not None and cell.comment.text:  # the submitter's own note stays, above ours
            text = f"{cell.comment.text}\n———\n{text}"
        text = cell_text(text)
        lines = sum(max(1, -(-_display_width(line) // (_COMMENT_CHARS_PER_LINE * 2))) for line in text.splitlines())
        comment = Comment(text, w["author"], width=_COMMENT_WIDTH_PT, height=min(600, 18 + 15 * lines))
        cell.comment = comment
    return marked


def _review_sheet(wb, names: dict[str, str], result: FileResult, findings: list[tuple[DocumentResult | None, Finding]], marked: dict[int, tuple[str, str]],
                  catalogue: Catalogue | None, lang: str, shown: str, names_only: bool = True) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from .formatters.labels import SEVERITY, VERDICT, advice, finding_message, grade_label, kind_label
    from .formatters.xlsx_report import wrapped_lines
    from .schema import field_label

    w = _WORDS[lang]
    # the workbook may have a sheet of that name already (in any case): ours becomes 审核意见(2)
    ws = wb.create_sheet(sheet_title(SHEET_TITLE[lang], taken_titles(wb.sheetnames)), 0)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    red = Font(bold=True, color="C00000", size=13)
    green = Font(bold=True, color="1A7F37", size=13)
    _append(ws, [w["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    block = [(w["file"], shown), (w["verdict"], VERDICT[lang][result.verdict])]
    for doc in result.documents:
        label = " ".join(str(p) for p in (kind_label(doc.kind, lang), doc.fiscal_year or "", doc.name or "") if p)
        block.append((w["document"], f"{label}：{VERDICT[lang][doc.verdict]} · {w['grade']} {grade_label(doc.grade, lang)}"
                      if lang == "zh" else
                      f"{label}: {VERDICT[lang][doc.verdict]} · {w['grade']} {grade_label(doc.grade, lang)}"))
    for key, value in block:  # a value spans the table's width: file names and form titles are long
        _append(ws, [key, value])
        ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=len(_WIDTHS))
        ws.cell(ws.max_row, 1).font = bold
    ws["B3"].font = red if result.verdict == "return" else green
    head_row = ws.max_row + 2  # after a blank row
    for c, text in enumerate(w["head"], 1):
        text_cell(ws.cell(head_row, c), text)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c in ws[head_row]:
        c.font, c.fill, c.alignment = bold, fill, wrap
    if not findings:
        _append(ws, ["", "", "", "", w["none"]])
    for n, (doc, f) in enumerate(findings, 1):
        loc = f.location
        where = marked.get(id(f))
        if where:
            place = f"{where[0]}!{where[1]}"
        else:
            kind = getattr(doc, "kind", None)
            expected = field_label(kind, loc.pointer, lang) if loc.pointer else w["whole_file"]
            place = f"{loc.sheet + ' · ' if loc.sheet else ''}{w['no_cell']}{expected}"
        severity = SEVERITY[lang][f.severity] + (f"（{w['waived']}）" if f.waived else "")
        values = [n, severity, f.code, place, finding_message(f, lang, names_only=names_only),
                  advice(catalogue.rules.get(f.code), lang, f)]
        _append(ws, values)
        row = ws.max_row
        for c in ws[row]:
            c.alignment = wrap
        # a row tall enough for its longest wrapped text: printed or on screen, nothing is clipped
        lines = max(wrapped_lines(v, width) for v, width in zip(values, _WIDTHS))
        if lines > 1:
            ws.row_dimensions[row].height = 15 * lines + 3
        if f.severity in FILL and not f.waived:
            ws.cell(row, 2).fill = PatternFill("solid", fgColor=FILL[f.severity])
        target = where or ((names[loc.sheet], "A1") if loc.sheet in names else None)
        if target:
            link = ws.cell(row, 4)
            sheet = target[0].replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!{target[1]}", tooltip=w["link_tip"])
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEF", _WIDTHS):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(head_row + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{head_row}:{head_row}"


def _department_facing(f: Finding) -> bool:
    """What a department is sent: no info notes, and no note about the bureau's own history sources."""
    return f.severity != "info" and f.code != "H500"


class AnnotateWriter:
    """`--annotate DIR`: a marked-up copy of each workbook as results arrive (in the run's formatter
    protocol); a JSON submission has no workbook to mark, which `close` says once."""

    def __init__(self, folder: str, lang: str, catalogue: Catalogue | None = None, detail: str = "department",
                 inputs: Iterable[str] = ()) -> None:
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise OSError(13, f"no writable folder {folder}", folder)
        self.path = folder
        self.lang = lang
        self.catalogue = catalogue
        self.detail = detail
        self.written: list[str] = []
        self.skipped_json = 0
        self.failed: list[str] = []
        self._names: set[str] = set()
        # every file of the run, read yet or not: a copy never replaces one (nor what a symlink in
        # DIR named like a copy points at: the rename would replace the link, but the name is refused)
        self._inputs: set[str] = {os.path.realpath(f) for f in inputs}

    def file(self, result: FileResult) -> None:
        self._inputs.add(os.path.realpath(result.path))
        if not can_annotate(result.path):
            self.skipped_json += Path(result.path).suffix.lower() == ".json"
            return
        name = annotated_name(result.path)
        stem, n = name[: -len(ANNOTATED_SUFFIX)], 2
        while name in self._names:  # two submissions of one name from different folders
            name, n = f"{stem}_{n}{ANNOTATED_SUFFIX}", n + 1
        target = os.path.join(self.path, name)
        if os.path.realpath(target) in self._inputs:
            self.failed.append(f"{result.path}: {target} is a checked file")
            return
        try:
            data = annotate_workbook(result.path, result, self.lang, catalogue=self.catalogue, detail=self.detail)
        except (AnnotateError, OSError) as exc:
            self.failed.append(f"{result.path}: {exc}")
            return
        from .output import write_file

        write_file(target, data)  # a report: flushed to the disk before it replaces an earlier copy
        self._names.add(name)
        self.written.append(target)

    def close(self, summary: Summary | None = None) -> None:
        import sys

        zh = self.lang == "zh"
        if self.skipped_json:
            sys.stderr.write(f"perflint: {self.skipped_json} 份 JSON 材料没有工作簿，未生成标注副本\n" if zh else
                             f"perflint: {self.skipped_json} JSON submission(s) have no workbook to mark up: no copy written\n")
        for line in self.failed:
            sys.stderr.write(f"perflint: {'未能生成标注副本' if zh else 'could not mark up'} {line}\n")
