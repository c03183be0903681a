"""The 审核意见 workbook a finance bureau sends back (`--report FILE.xlsx`).

Sheets: 审核意见 (a cover letter for the whole run, in the usual official style, with the bureau's
name and the date), one such cover per department (意见·部门), 汇总 (by department, and the most frequent problems), 问题清单 (a row per finding, with
what to do about it, filterable, header frozen) and 审核结论 (a row per submission). Written with
openpyxl in write-only mode: rows go to temporary files as results arrive, so a batch of
thousands of files does not sit in memory. With `--report-split department`, each department also
gets its own workbook next to the given one (审核意见_示例区教育局.xlsx), holding only its rows.

By default the workbook is what a department is sent (`--report-detail department`): file names
rather than the bureau's paths, and no info notes, H500 or run notes; `full` keeps everything.
Every sheet prints landscape on A4, one page wide, its header repeated, with wrapped text in rows
high enough to show it.
"""
from __future__ import annotations

import datetime as _dt
import os
from collections import Counter
from copy import copy
import re
import weakref
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterable

from ..model import DocumentResult, FileResult, Finding
from ..output import open_output
from ..report import ReportMeta, Summary
from . import UsesCatalogue
from .safe import fold_name, cell_text, sheet_title, taken_titles, text_cell
from .labels import (SEVERITY, VERDICT, WORDS, advice, department_of, finding_message, grade_label,
                     kind_label, readable_location, unverified_text)

if TYPE_CHECKING:
    from ..catalogue import Catalogue

FINDING_COLUMNS = {
    "zh": ("文件", "部门", "项目", "表类型", "审核结论", "规则", "级别", "位置", "说明", "整改建议"),
    "en": ("file", "department", "project", "form", "verdict", "rule", "severity", "location", "message", "what to do"),
}
FINDING_WIDTHS = (22, 14, 18, 12, 7, 7, 6, 22, 44, 38)
DOCUMENT_COLUMNS = {
    "zh": ("文件", "部门", "项目编码", "项目", "表类型", "年度", "审核结论", "审核等级", "问题数"),
    "en": ("file", "department", "project code", "project", "form", "year", "verdict", "review grade", "findings"),
}
DOCUMENT_WIDTHS = (30, 16, 16, 28, 14, 7, 8, 9, 7)
SHEETS = {"zh": ("汇总", "问题清单", "审核结论"), "en": ("Summary", "Findings", "Verdicts")}
COVER = {"zh": "审核意见", "en": "Review letter"}
_WRAP_COLUMNS = {0, 1, 2, 3, 7, 8, 9}  # long text wraps: file, department, project, form, location, message, advice
_DOC_WRAP_COLUMNS = {0, 1, 3, 4}
_LINE_POINTS = 15.0  # the height of one line of 11-point text
_COVER_WIDTH = 100
_TOP_PROBLEMS = 5
_NO_DEPARTMENT = "（未填部门）"
_UNSAFE_NAME = re.compile('[\\\\/:*?"<>|\x00-\x1f\u2028\u2029]+')  # and the line separators no file name should hold


_NAME_BYTES = 200  # of a file name's 255 bytes (most file systems), with room for "_2" and ".xlsx"


def _cut(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, on a character boundary."""
    return text.encode("utf-8", "surrogatepass")[:max(0, limit)].decode("utf-8", "ignore")


def split_path(path: str, department: str, taken: set[str] | None = None) -> str:
    """审核意见.xlsx + 示例区教育局 → 审核意见_示例区教育局.xlsx beside it.

    Distinct departments always get distinct files: a name shortened (long names) or made safe
    (教育局? and 教育局 both give 教育局) that another department already has gets _2, _3, … (`taken`
    holds the names given so far, folded to lower case). A long name is cut and keeps a short
    digest of the whole, so two long names that share a beginning stay apart.
    """
    import hashlib

    p = Path(path)
    suffix = p.suffix or ".xlsx"
    name = _UNSAFE_NAME.sub("_", cell_text(department)).strip(" ._（）()") or "未填部门"
    room = _NAME_BYTES - len(p.stem.encode("utf-8", "surrogatepass")) - 1
    if len(name.encode("utf-8", "surrogatepass")) > min(room, 120):
        digest = hashlib.sha1(department.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = f"{_cut(name, min(room, 120) - 9)}_{digest}"
    candidate = p.with_name(f"{p.stem}_{name}{suffix}")
    n = 2
    # folded as the file systems that compare names loosely do (Windows: case; macOS: case and
    # composed/decomposed forms), and by width: such names are told apart in any case
    while taken is not None and fold_name(candidate.name) in taken:
        candidate = p.with_name(f"{p.stem}_{name}_{n}{suffix}")
        n += 1
    if taken is not None:
        taken.add(fold_name(candidate.name))
    return str(candidate)


_OPEN: "weakref.WeakSet[_Book]" = weakref.WeakSet()  # workbooks begun and not yet saved


def abandon_open_books() -> None:
    """After an interrupt or a fatal error: end every workbook still being written, quietly. Each
    write-only sheet streams into a temporary file through a suspended generator; collected later,
    that generator would write its closing tags into a closed file and print "Exception ignored"."""
    for book in list(_OPEN):
        book.abandon()


class _Book:
    """One write-only workbook: the findings and verdict sheets stream, the summary is written at the end."""

    def abandon(self) -> None:
        _OPEN.discard(self)
        for ws in list(getattr(self.wb, "_sheets", ())):
            try:
                ws.close()
            except Exception:  # noqa: BLE001 - already closed, or its file gone: nothing left to tidy
                pass

    def __init__(self, path: str, lang: str, meta: ReportMeta, department: str | None = None) -> None:
        from collections import Counter

        from openpyxl import Workbook
        from openpyxl.styles import Alignment, PatternFill

        self.path = path
        self.lang = lang
        self.meta = meta
        self.department = department  # the one department of a split workbook
        self.full = meta.detail == "full"
        self.summary = Summary()
        # per department (and "" for the run): files, returned files, and the problems shown
        self.files: Counter = Counter()
        self.returned: Counter = Counter()
        self.problems: dict[str, Counter] = {}
        self.wb = Workbook(write_only=True)
        _OPEN.add(self)
        self._bold = _font(bold=True)
        self._head_fill = PatternFill("solid", fgColor="DDEBF7")
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._top = Alignment(vertical="top")
        self._return_font = _font(color="C00000", bold=True)
        self._styles: dict[str, Any] = {}
        names = SHEETS[lang]
        self.ws_cover = self.wb.create_sheet(COVER[lang])
        self.ws_summary = self.wb.create_sheet(names[0])
        self.ws_findings = self._table(names[1], FINDING_COLUMNS[lang], FINDING_WIDTHS)
        self.ws_docs = self._table(names[2], DOCUMENT_COLUMNS[lang], DOCUMENT_WIDTHS)
        self.rows = {self.ws_findings.title: 1, self.ws_docs.title: 1}
        for col, width in zip("ABCDEF", (24, 10, 10, 10, 10, 50)):
            self.ws_summary.column_dimensions[col].width = width
        self.ws_cover.column_dimensions["A"].width = _COVER_WIDTH
        for ws in (self.ws_cover, self.ws_summary):
            _print_setup(ws, None)

    def _table(self, title: str, header: tuple[str, ...], widths: tuple[int, ...]):
        from openpyxl.utils import get_column_letter

        ws = self.wb.create_sheet(title)
        for i, width in enumerate(widths, 1):  # widths and panes must be set before the first row
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        _print_setup(ws, "1:1")
        ws.append([self._cell(ws, h, head=True) for h in header])
        return ws

    def _cell(self, ws, value: Any, *, head: bool = False, wrap: bool = False, style=None):
        from openpyxl.cell import WriteOnlyCell

        cell = text_cell(WriteOnlyCell(ws), value)  # text from a submission is never a formula in the report
        key = "head" if head else (f"font{id(style)}" if style is not None else ("wrap" if wrap else "top"))
        template = self._styles.get(key)
        if template is None:  # each look of cell is registered with the workbook once, then copied
            if head:
                cell.font = self._bold
                cell.fill = self._head_fill
            elif style is not None:
                cell.font = style
            cell.alignment = self._wrap if (wrap or head) else self._top
            self._styles[key] = copy(cell._style)
        else:
            cell._style = copy(template)
        return cell

    def _row(self, ws, values: list[Any]) -> None:
        returned = VERDICT[self.lang]["return"]
        wrapping, widths = (_WRAP_COLUMNS, FINDING_WIDTHS) if ws is self.ws_findings else (_DOC_WRAP_COLUMNS, DOCUMENT_WIDTHS)
        self.rows[ws.title] += 1
        # a row high enough for its longest wrapped text: printed, nothing is clipped
        lines = max([1] + [wrapped_lines(v, widths[i]) for i, v in enumerate(values) if i in wrapping and isinstance(v, str)])
        if lines > 1:
            ws.row_dimensions[self.rows[ws.title]].height = lines * _LINE_POINTS + 3
        ws.append([self._cell(ws, v, wrap=i in wrapping, style=self._return_font if v == returned else None)
                   for i, v in enumerate(values)])

    def _name(self, result: FileResult) -> str:
        """The file as a department reads it: its name; the bureau's own copy keeps the path."""
        return result.path if self.full else os.path.basename(result.path)

    def shown(self, f: Finding) -> bool:
        return self.full or (f.severity != "info" and f.code != "H500")

    def _shown_only(self, result: FileResult) -> FileResult:
        """The result as this workbook shows it: its summary counts the rows its sheets list."""
        if self.full:
            return result
        import dataclasses

        docs = tuple(dataclasses.replace(d, findings=tuple(f for f in d.findings if self.shown(f)))
                     for d in result.documents)
        return dataclasses.replace(result, documents=docs, findings=tuple(f for f in result.findings if self.shown(f)))

    def add(self, result: FileResult, catalogue: Catalogue) -> None:
        lang = self.lang
        self.summary.add(self._shown_only(result))
        dep = department_of(result, "zh")
        for key in ("", dep):
            self.files[key] += 1
            self.returned[key] += result.verdict == "return"
            problems = self.problems.setdefault(key, Counter())
            problems.update(f.code for f in result.all_findings() if not f.waived and self.shown(f)
                            and f.severity == "error")
        first = result.documents[0] if result.documents else None
        name = self._name(result)
        for f in result.findings:
            if self.shown(f):
                self._finding(name, first, f, result.verdict, catalogue)
        for doc in result.documents:
            for f in doc.findings:
                if self.shown(f):
                    self._finding(name, doc, f, doc.verdict, catalogue)
            live = sum(1 for f in doc.findings if not f.waived and self.shown(f))
            self._row(self.ws_docs, [name, doc.department or "", doc.project_code or "", doc.name or "",
                                     kind_label(doc.kind, lang), doc.fiscal_year, VERDICT[lang][doc.verdict],
                                     grade_label(doc.grade, lang), live])
        if not result.documents:
            self._row(self.ws_docs, [name, "", "", "", "", None, VERDICT[lang][result.verdict], "",
                                     sum(1 for f in result.findings if not f.waived and self.shown(f))])

    def _finding(self, name: str, doc: DocumentResult | None, f: Finding, verdict: str, catalogue: Catalogue) -> None:
        lang = self.lang
        project = " ".join(p for p in ((doc.project_code or "") if doc else "", (doc.name or "") if doc else "") if p)
        severity = SEVERITY[lang][f.severity] + (f"（{WORDS[lang]['waived']}）" if lang == "zh" and f.waived else
                                                 f" ({WORDS[lang]['waived']})" if f.waived else "")
        meta = catalogue.rules.get(f.code) if catalogue is not None else None
        self._row(self.ws_findings, [name, (doc.department if doc else None) or "", project,
                                     kind_label(doc.kind, lang) if doc else "", VERDICT[lang][verdict], f.code,
                                     severity, readable_location(f.location, doc.kind if doc else None, lang),
                                     finding_message(f, lang, names_only=not self.full), advice(meta, lang, f)])

    def _write_summary(self, catalogue: Catalogue) -> None:
        lang, w, v = self.lang, WORDS[self.lang], VERDICT[self.lang]
        ws, s = self.ws_summary, self.summary
        bold = lambda x: self._cell(ws, x, head=True)  # noqa: E731
        ws.append([self._cell(ws, w["title"], style=self._bold)])
        ws.append([w["profile"], self._cell(ws, self.meta.profile)])
        ws.append([w["generated"], _dt.datetime.now().strftime("%Y-%m-%d %H:%M")])
        ws.append([])
        ws.append([bold(w["department"]), bold(w["documents"]), bold(v["pass"]), bold(v["return"]),
                   bold(w["findings"])])
        totals = [0, 0, 0, 0]
        for dep in sorted(s.by_department):
            c = s.by_department[dep]
            row = [c["pass"] + c["return"], c["pass"], c["return"], c["findings"]]
            totals = [a + b for a, b in zip(totals, row)]
            name = dep if lang == "zh" or dep != "（未填部门）" else w["no_department"]
            ws.append([self._cell(ws, name), *row])
        ws.append([bold(w["total"]), *[bold(n) for n in totals]])
        ws.append([])
        # files and documents each by verdict: a workbook holds several forms, some files none
        ws.append([bold(""), bold(w["total"]), bold(v["pass"]), bold(v["return"])])
        ws.append([w["files"], s.files, s.files_passed, s.files_returned])
        ws.append([w["documents"], s.documents, s.documents_passed, s.documents_returned])
        unverified = unverified_text(s, lang) if self.full else None  # a run note is the bureau's own
        if unverified:
            ws.append([self._cell(ws, unverified)])
        ws.append([w["by_rule"] if lang == "en" else "问题合计", sum(s.by_rule.values())])
        if s.by_rule:
            ws.append([])
            ws.append([bold(w["top_rules"])])
            ws.append([bold(w["rule"]), bold(w["count"]), bold(""), bold(""), bold(""), bold(w["message"])])
            for code, n in [(c, n) for c, n in s.by_rule.most_common() if self.full or c != "H500"][:20]:
                meta = catalogue.rules.get(code) if catalogue is not None else None
                text = (meta.summary.get(lang) or meta.summary["zh"]) if meta else s.rule_slugs.get(code, "")
                ws.append([code, n, None, None, None, cell_text(text)])

    def _write_cover(self, ws, department: str | None, catalogue: Catalogue) -> None:
        """The letter: whom it is for, the counts and the main problems, the bureau and the date."""
        from openpyxl.styles import Alignment, Font

        zh = self.lang == "zh"
        key = department or ""
        total, returned = self.files[key], self.returned[key]
        problems = self.problems.get(key) or {}
        lines: list[tuple[str, Any]] = [(WORDS[self.lang]["title"], _font(bold=True, size=16))]
        if department and department != _NO_DEPARTMENT:
            shown = department if zh or department != "（未填部门）" else WORDS["en"]["no_department"]
            lines.append((f"{shown}：" if zh else f"To {shown}:", _font(bold=True, size=12)))
            whose = "你单位报送的" if zh else "Of the"
        else:
            lines.append(("各预算部门（单位）：" if zh else "To the departments:", _font(bold=True, size=12)))
            whose = "本次报送的" if zh else "Of the"
        if zh:
            text = (f"经审核，{whose} {total} 份材料中 {returned} 份需退回修改，主要问题如下：" if returned else
                    f"经审核，{whose} {total} 份材料均符合要求，予以通过。")
        else:
            text = (f"{whose} {total} submission(s) reviewed, {returned} must be revised and submitted again. "
                    f"The main problems:" if returned else f"All {total} submission(s) reviewed pass.")
        lines.append(("　　" + text if zh else text, None))
        if returned:
            for n, (code, count) in enumerate(sorted(problems.items(), key=lambda kv: (-kv[1], kv[0]))[:_TOP_PROBLEMS], 1):
                meta = catalogue.rules.get(code) if catalogue is not None else None
                what = (meta.summary.get(self.lang) or meta.summary["zh"]) if meta else code
                what = re.sub(r"[（(][^（）()]*[）)]$", "", what).strip() or what  # the letter names the problem only
                lines.append((f"　　{n}. {what}（{code}，{count} 处）；" if zh else f"{n}. {what} ({code}, {count})", None))
            lines.append(("　　请对照《问题清单》逐项整改，于规定时间内重新报送。" if zh else
                          "Please put right each item of the Findings sheet and submit again.", None))
        lines.append(("", None))
        if self.meta.bureau:
            lines.append((self.meta.bureau, "right"))
        today = _dt.date.today()
        lines.append((f"{today.year}年{today.month}月{today.day}日" if zh else today.isoformat(), "right"))
        for row, (text, style) in enumerate(lines, 1):
            cell = self._cell(ws, text, wrap=True)
            if isinstance(style, Font):
                cell.font = style
            elif style == "right":
                cell.alignment = Alignment(horizontal="right", vertical="top")
            height = wrapped_lines(text, _COVER_WIDTH) * (_LINE_POINTS + (8 if isinstance(style, Font) else 3))
            ws.row_dimensions[row].height = height  # before the row is written
            ws.append([cell])

    def close(self, catalogue: Catalogue) -> None:
        from openpyxl.utils import get_column_letter

        self._write_cover(self.ws_cover, self.department, catalogue)
        if self.department is None:  # the run's workbook: a letter for each department too
            covers = []
            titles = taken_titles(self.wb.sheetnames)
            for dep in sorted(k for k in self.files if k and k != _NO_DEPARTMENT):  # a letter needs an addressee
                # a name Excel accepts ([ ] : * ? / \ and 31 characters), one per department even when
                # two names differ only past the cut, by case or by width
                title = sheet_title(f"{'意见' if self.lang == 'zh' else 'Letter'}·{dep}", titles)
                ws = self.wb.create_sheet(title)
                ws.column_dimensions["A"].width = _COVER_WIDTH
                _print_setup(ws, None)
                self._write_cover(ws, dep, catalogue)
                covers.append(ws)
            order = [self.ws_cover, *covers]
            self.wb._sheets = order + [w for w in self.wb._sheets if w not in order]
        self._write_summary(catalogue)
        for ws, columns in ((self.ws_findings, FINDING_COLUMNS), (self.ws_docs, DOCUMENT_COLUMNS)):
            last = get_column_letter(len(columns[self.lang]))
            ws.auto_filter.ref = f"A1:{last}{self.rows[ws.title]}"
        # saved beside the target and moved into place: a failed save never leaves half a workbook
        try:
            with open_output(self.path, binary=True) as fh:
                self.wb.save(fh)
        finally:
            self.abandon()


def _font(**style: Any):
    """A font named like the workbook's default one: a font without a name prints in another face
    (LibreOffice takes its own default, a serif)."""
    from openpyxl.styles import Font

    return Font(name="Calibri", **{"size": 11, **style})


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_lines(value: Any, width: float) -> int:
    """How many lines `value` takes wrapped in a column `width` characters wide (CJK counts two)."""
    if not isinstance(value, str) or not value:
        return 1
    usable = max(4.0, width - 1.5)
    return sum(max(1, -(-_display_width(part) // int(usable))) for part in value.split("\n"))


def _print_setup(ws, title_rows: str | None) -> None:
    """Landscape A4, one page wide (as many pages long as it takes), the header on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows


class XlsxFormatter(UsesCatalogue):
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, catalogue: Catalogue | None = None,
                 report_split: str | None = None, inputs: Iterable[str] = (), **_: object) -> None:
        if not path or Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
            from ..data import DataError

            raise DataError("--report", path or "", "the report is an Excel workbook: give a FILE.xlsx")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise OSError(13, f"no writable folder {folder}", path)
        self.path = path
        self.meta = meta
        self.lang = meta.lang
        self._catalogue = catalogue
        self.split = report_split
        self.main = _Book(path, self.lang, meta)
        self.parts: dict[str, _Book] = {}
        # file names given to departments' workbooks so far, and the run's own files beside the report:
        # a department's workbook never lands on a submission (it gets _2 instead)
        self._taken = {fold_name(Path(path).name)} | {
            fold_name(Path(f).name) for f in inputs if os.path.dirname(os.path.abspath(f)) == folder}
        self.failures: list[str] = []  # workbooks that could not be written; the others still are

    def file(self, result: FileResult) -> None:
        self.main.add(result, self.catalogue)
        if self.split == "department":
            dep = department_of(result, "zh")
            book = self.parts.get(dep)
            if book is None:
                book = self.parts[dep] = _Book(split_path(self.path, dep, self._taken), self.lang, self.meta, dep)
            book.add(result, self.catalogue)

    def close(self, summary: Summary) -> None:
        # one workbook that cannot be written (a name the file system refuses, a full disk) never
        # stops the others; each failure names its own file
        for book in (self.main, *self.parts.values()):
            try:
                book.close(self.catalogue)
            except OSError as exc:
                self.failures.append(f"{book.path}: {exc.strerror or exc}")

    @property
    def written(self) -> list[str]:
        return [self.main.path] + [b.path for b in self.parts.values()]
