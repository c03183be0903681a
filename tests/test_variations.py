"""A department gets the same verdict whichever template it used: each published form of the corpus,
varied the way a county's copy of it varies, reads to the same verdict and findings as the form
itself.

A variation changes how the form is laid out or typed, never what it says: an instructions sheet
first, rows and columns added above and left, labels with spaces, colons, other brackets and line
breaks, amounts typed as text with thousands separators, percentages as percent-formatted numbers,
一级/二级 merged down the table or repeated on every row, zero optional amounts left blank, the
legacy .xls format, a 单位：万元 note, a dropdown's lists in a hidden (or zero-width, zero-height) column and row. Compared: the verdict, the kinds read, and the (code, pointer,
cell) of every error and warning but H, the cell taken back to the unvaried form's address.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pytest

from corpuslib import all_forms, cell_position, write as write_corpus
from excel_workbooks import shrink_lines
from perflint.api import check_paths
from perflint.readers.excel.forms import kind_of_title
from perflint.readers.excel.labels import label_book

FORMS = [f for f in all_forms() if not f.xfail]
Cells = dict[tuple[int, int], Any]  # (row, column), 1-based → value


class Sheet:
    def __init__(self, name: str, cells: Cells, merges: list[tuple[int, int, int, int]],
                 formats: dict[tuple[int, int], str] | None = None) -> None:
        self.name, self.cells, self.merges, self.formats = name, cells, merges, formats or {}
        self.hidden_rows: set[int] = set()
        self.hidden_columns: set[int] = set()
        self.shrunk = False  # hidden by zero width and height rather than marked hidden

    def copy(self) -> "Sheet":
        out = Sheet(self.name, dict(self.cells), list(self.merges), dict(self.formats))
        out.hidden_rows, out.hidden_columns = set(self.hidden_rows), set(self.hidden_columns)
        out.shrunk = self.shrunk
        return out


def _letters(col: int) -> str:
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out or f"?{col}"


def sheets_of(form) -> list[Sheet]:
    out = []
    for sheet in form.sheets:
        cells = {(r, c): v for r, row in enumerate(sheet["rows"], 1) for c, v in enumerate(row, 1) if v != ""}
        merges = [cell_position(a) + cell_position(b) for a, b in (m.split(":") for m in sheet.get("merges", []))]
        out.append(Sheet(sheet["name"], cells, merges))
    return out


def write(sheets: list[Sheet], path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for (r, c), value in sheet.cells.items():
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            if (r, c) in sheet.formats:
                cell.number_format = sheet.formats[(r, c)]
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
        for r in () if sheet.shrunk else sheet.hidden_rows:
            ws.row_dimensions[r].hidden = True
        for c in () if sheet.shrunk else sheet.hidden_columns:
            ws.column_dimensions[_letters(c)].hidden = True
    wb.save(path)
    for i, sheet in enumerate(sheets, 1):
        if sheet.shrunk:
            shrink_lines(path, i, {r - 1 for r in sheet.hidden_rows}, {c - 1 for c in sheet.hidden_columns})
    return path


def _main(sheets: list[Sheet]) -> Sheet:
    return max(sheets, key=lambda s: len(s.cells))


# ---- the variations: sheets -> (varied sheets, the varied form's cell → the form's cell) ---------
Same = Callable[[str], str]


def _same(cell: str) -> str:
    return cell


def instructions_sheet_first(sheets):
    notes = Sheet("填报说明", {(1, 1): "填报说明", (2, 1): "1.本表由项目单位填报，金额单位为万元。",
                            (3, 1): "2.绩效指标应细化、量化，可衡量。"}, [])
    return [notes] + [s.copy() for s in sheets], _same


def _shifted(rows: int, cols: int):
    def shift(sheets):
        out = [s.copy() for s in sheets]
        main = _main(out)
        main.cells = {(r + rows, c + cols): v for (r, c), v in main.cells.items()}
        main.merges = [(a + rows, b + cols, c + rows, d + cols) for a, b, c, d in main.merges]

        def back(cell: str) -> str:
            if not cell.startswith(main.name + "!"):
                return cell
            r, c = cell_position(cell.split("!", 1)[1])
            return f"{main.name}!{_letters(c - cols)}{r - rows}"
        return out, back
    shift.__name__ = f"shifted_{rows}_rows_{cols}_columns"
    return shift


_BOOK = label_book()


def _is_label(value: Any) -> bool:
    info = _BOOK.classify(value) if isinstance(value, str) else None
    return bool(info and info[1] and info[3] is None)


def _relabelled(how: Callable[[str], str], name: str):
    def relabel(sheets):
        out = [s.copy() for s in sheets]
        for sheet in out:
            for key, value in sheet.cells.items():
                if _is_label(value):
                    sheet.cells[key] = how(value)
        return out, _same
    relabel.__name__ = name
    return relabel


def _spaced(label: str) -> str:
    head, tail = re.match(r"^(.*?)([（(].*[)）])?$", label.strip(), re.S).groups()
    return " ".join(head) + (tail or "") if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", head) else label


def amounts_as_text(sheets):
    out = [s.copy() for s in sheets]
    for sheet in out:
        for key, value in sheet.cells.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.cells[key] = f"{value:,.2f}" if isinstance(value, float) and not value.is_integer() \
                    else f"{int(value):,}"
    return out, _same


def percent_formatted_numbers(sheets):
    """"95%" typed as 0.95 in a cell formatted 0% (Excel does this to what one types as 95%)."""
    out = [s.copy() for s in sheets]
    for sheet in out:
        for key, value in sheet.cells.items():
            m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]\s*", value) if isinstance(value, str) else None
            if m:
                sheet.cells[key] = float(m.group(1)) / 100
                sheet.formats[key] = "0.00%" if "." in m.group(1) else "0%"
    return out, _same


def _table(sheet: Sheet) -> tuple[int, int] | None:
    """(row, column) of the 一级指标 header."""
    return next((k for k, v in sorted(sheet.cells.items()) if isinstance(v, str) and _BOOK(v)[0] == "一级指标"),
                None)


def levels_repeated_on_every_row(sheets):
    """一级/二级 merged down the table written again on every row instead (the levels' cells move)."""
    out = [s.copy() for s in sheets]
    main = _main(out)
    head = _table(main)
    if head is None:
        return out, None
    keep = []
    for a, b, c, d in main.merges:
        if a > head[0] and b == d and b in (head[1], head[1] + 1) and c > a and (a, b) in main.cells:
            for r in range(a + 1, c + 1):
                main.cells[(r, b)] = main.cells[(a, b)]
        else:
            keep.append((a, b, c, d))
    main.merges = keep
    return out, None


def optional_zeros_left_blank(sheets):
    out = [s.copy() for s in sheets]
    for sheet in out:
        for (r, c), value in list(sheet.cells.items()):
            if isinstance(value, str) and _BOOK(value)[0] in ("其他资金", "上年结转资金"):
                for (rr, cc), v in list(sheet.cells.items()):
                    if rr == r and cc > c and v == 0 and not isinstance(v, bool):
                        del sheet.cells[(rr, cc)]
    return out, _same


_LISTS = ["产出指标", "效益指标", "成本指标", "满意度指标", "数量指标", "质量指标", "时效指标", "≥", "≤", "=", "定性",
          "个", "%", "人", "万元", "通过", "退回", "优", "差"]


def lists_in_hidden_column_and_row(sheets):
    """A dropdown's source lists kept beside the form in a hidden column, and below it in a hidden
    row (never read as the value of a blank field or as one more indicator)."""
    out = [s.copy() for s in sheets]
    main = _main(out)
    right = max(c for _, c in main.cells) + 2
    below = max(r for r, _ in main.cells) + 1
    for i, value in enumerate(_LISTS):
        main.cells[(i + 1, right)] = value
    for c, value in enumerate(_LISTS[:6] + [100, 10], 1):
        main.cells[(below, c)] = value
    main.hidden_columns.add(right)
    main.hidden_rows.add(below)
    return out, _same


def lists_in_zero_width_column_and_zero_height_row(sheets):
    """The same lists in a column of width 0 and a row of height 0: as hidden to a reviewer."""
    out, same = lists_in_hidden_column_and_row(sheets)
    _main(out).shrunk = True
    return out, same


VARIATIONS = [
    instructions_sheet_first, _shifted(3, 0), _shifted(0, 2), _shifted(2, 1),
    _relabelled(_spaced, "labels_with_spaces"),
    _relabelled(lambda s: s.rstrip("：:") + "：", "labels_with_fullwidth_colons"),
    _relabelled(lambda s: s.translate(str.maketrans("（）()", "()（）")), "labels_with_the_other_brackets"),
    _relabelled(lambda s: s[:2] + "\n" + s[2:] if len(s) >= 4 else s, "labels_with_line_breaks"),
    amounts_as_text, percent_formatted_numbers, levels_repeated_on_every_row, optional_zeros_left_blank,
    lists_in_hidden_column_and_row, lists_in_zero_width_column_and_zero_height_row,
]


def _read(path: Path) -> tuple[str, list[str], set[tuple[str, str, str]]]:
    (result,) = check_paths([str(path)])
    out = set()
    for f in result.all_findings():
        if f.severity in ("error", "warning") and not f.code.startswith("H"):
            loc = f.location
            out.add((f.code, loc.pointer or "", f"{loc.sheet}!{loc.cell}" if loc.cell else ""))
    return result.verdict, [d.kind for d in result.documents], out


@pytest.mark.parametrize("vary", VARIATIONS, ids=lambda v: v.__name__)
@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_a_varied_form_reads_as_the_form(form, vary, tmp_path):
    sheets = sheets_of(form)
    base = _read(write(sheets, tmp_path / "form.xlsx"))
    varied, back = vary(sheets)
    verdict, kinds, found = _read(write(varied, tmp_path / "varied.xlsx"))
    assert (verdict, kinds) == base[:2]
    if back is None:  # the variation moves cells: the same findings on the same fields
        assert {(c, p) for c, p, _ in found} == {(c, p) for c, p, _ in base[2]}
    else:
        assert {(c, p, back(cell)) for c, p, cell in found} == base[2]


@pytest.mark.parametrize("form", [f for f in FORMS if "xls" not in f.formats], ids=lambda f: f.name)
def test_a_form_saved_as_xls_reads_as_the_form(form, tmp_path):
    xls = replace(form, formats=("xls",))
    assert _read(write_corpus(xls, tmp_path, "xls")) == _read(write_corpus(form, tmp_path, "xlsx"))


def _compared(findings) -> set[tuple[str, str, str]]:
    return {(f.code, f.location.pointer or "", f"{f.location.sheet}!{f.location.cell}" if f.location.cell else "")
            for f in findings if f.severity in ("error", "warning") and not f.code.startswith("H")}


def _titled(form) -> bool:
    """A form whose title names its kind (项目支出绩效自评表…): how a second form on a sheet is told
    from the first (a form with no title line is read as one with the form above it)."""
    return any(isinstance(v, str) and kind_of_title(re.sub(r"\s+", "", v)) for row in form.sheets[0]["rows"][:3]
               for v in row)


@pytest.mark.parametrize("form", [f for f in FORMS if _titled(f)], ids=lambda f: f.name)
def test_a_second_form_below_the_first_on_one_sheet_is_read_as_its_own_document(form, tmp_path):
    """Two forms one under the other on one sheet are two documents: the first reads as it does alone,
    the second as the same form at its own rows (never folded into the first, never left unread)."""
    sheets = sheets_of(form)
    (alone,) = check_paths([str(write(sheets, tmp_path / "form.xlsx"))])
    twice = [s.copy() for s in sheets]
    main = _main(twice)
    below = max(r for r, _ in main.cells) + 3
    main.cells.update({(r + below, c): v for (r, c), v in _main(sheets).cells.items()})
    main.merges += [(a + below, b, c + below, d) for a, b, c, d in _main(sheets).merges]
    (result,) = check_paths([str(write(twice, tmp_path / "twice.xlsx"))])
    kinds = [d.kind for d in alone.documents]
    assert [d.kind for d in result.documents] == kinds[:1] + kinds[:1] + kinds[1:]
    assert result.verdict == alone.verdict
    first, second = result.documents[0], result.documents[1]
    assert _compared(first.findings) == _compared(alone.documents[0].findings)

    def up(cell: str) -> str:
        if not cell.startswith(main.name + "!"):
            return cell
        r, c = cell_position(cell.split("!", 1)[1])
        return f"{main.name}!{_letters(c)}{r - below}"
    assert {(c, p, up(cell)) for c, p, cell in _compared(second.findings)} == _compared(alone.documents[0].findings)
