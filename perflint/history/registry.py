"""The registry table: results exported from the budget system, for years whose files are not at hand.

Columns (first row, in any order; extra columns are ignored):

| column | meaning |
|---|---|
| 项目编码 | project code (department code for department forms) — required |
| 年度 | fiscal year, e.g. 2024 — required |
| 表类型 | form kind: a kind key (project_selfeval…) or its Chinese name (项目支出绩效自评表, 部门整体支出绩效目标表, 自评表, 目标表…) — required |
| 总分 | self-evaluation total score |
| 等级 | self-evaluation grade 优/良/中/差 (derived from 总分 when empty) |
| 执行率 | budget execution rate in percent: 96.5, "96.5%"; a fraction 0–1 (a percent-formatted cell) is read as ×100 |
| 项目名称, 主管部门 | optional: enable the name fallback for rows without a code |

CSV files are UTF-8 (with or without BOM) or GB18030; workbooks (.xlsx, .xlsm, .xls) are read
from their first sheet. A row that cannot be read is an error naming file, row and column.
"""
from __future__ import annotations

import csv
import io
import os
from typing import Any

from ..data import DataError
from ..model import KINDS
from ..readers import EXCEL_SUFFIXES
from ..values import halfwidth
from ..vocabulary import grade_of_score
from .records import Record

REQUIRED = ("项目编码", "年度", "表类型")
OPTIONAL = ("总分", "等级", "执行率", "项目名称", "主管部门")
_HEADER_ALIASES = {"项目代码": "项目编码", "编码": "项目编码", "年份": "年度", "预算年度": "年度", "类型": "表类型",
                   "自评得分": "总分", "得分": "总分", "评价等级": "等级", "自评等级": "等级", "预算执行率": "执行率",
                   "部门名称": "主管部门"}


def kind_of(text: Any) -> str | None:
    value = halfwidth(str(text or "")).strip().replace(" ", "")
    if value in KINDS:
        return value
    if not value:
        return None
    dept = "部门" in value or "整体" in value or "单位" in value
    if "自评" in value or "评价" in value:
        return "dept_selfeval" if dept else "project_selfeval"
    if "目标" in value or "申报" in value:
        return "dept_target" if dept else "project_target"
    return None


def _number(text: Any, src: str, row: int, column: str) -> float | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise DataError(src, f"第{row}行 {column}", f"不是数字：{text!r}")
    if isinstance(text, (int, float)):
        return float(text)
    raw = halfwidth(str(text)).strip().replace(",", "")
    try:
        return float(raw.rstrip("%").strip())
    except ValueError:
        raise DataError(src, f"第{row}行 {column}", f"不是数字：{text!r}") from None


def _rows_csv(path: str) -> list[list[Any]]:
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_workbook(path: str) -> tuple[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    from ..readers import Limits
    from ..readers.sniff import sniff

    # the same gate as submissions: a hostile workbook can abort python-calamine outright
    sniffed = sniff(path, os.path.splitext(path)[1].lower(), Limits())
    if sniffed.hits or sniffed.read_as not in ("xlsx", "xls"):
        raise DataError(path, "", "登记表不是可读取的 Excel 工作簿：请导出为 .xlsx 或 .csv")
    try:
        wb = CalamineWorkbook.from_path(path)
        sheet = wb.sheet_names[0]
        return sheet, wb.get_sheet_by_index(0).to_python()
    except BaseException as exc:  # calamine raises its own error types, and panics, on corrupt files
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise DataError(path, "", f"登记表无法读取：{type(exc).__name__}: {exc}") from None


def read_registry(path: str) -> list[Record]:
    suffix = os.path.splitext(path)[1].lower()
    sheet = None
    if not os.path.isfile(path):
        raise DataError("--registry", path, "文件不存在")
    if suffix in EXCEL_SUFFIXES:
        sheet, rows = _rows_workbook(path)
    elif suffix in (".csv", ".txt"):
        rows = _rows_csv(path)
    else:
        raise DataError(path, "", "登记表应为 .csv 或 .xlsx/.xls 文件")
    header_row = next((i for i, r in enumerate(rows) if any(str(c).strip() for c in r if c is not None)), None)
    if header_row is None:
        return []
    header = [_HEADER_ALIASES.get(h, h) for h in (halfwidth(str(c or "")).strip().replace(" ", "") for c in rows[header_row])]
    cols = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise DataError(path, f"第{header_row + 1}行", f"登记表缺少列：{'、'.join(missing)}（需要 {'、'.join(REQUIRED)}）")
    real = os.path.realpath(path)
    out: list[Record] = []
    for i in range(header_row + 1, len(rows)):
        row = rows[i]
        n = i + 1

        def cell(name: str) -> Any:
            j = cols.get(name)
            if j is None or j >= len(row):
                return None
            v = row[j]
            return v.strip() if isinstance(v, str) else v

        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        code = cell("项目编码")
        if isinstance(code, float) and code.is_integer():
            code = int(code)
        code = str(code).strip() if code not in (None, "") else None
        year_value = _number(cell("年度"), path, n, "年度")
        if year_value is None or not year_value.is_integer():
            raise DataError(path, f"第{n}行 年度", f"应为年份（如 2024），实际为 {cell('年度')!r}")
        kind = kind_of(cell("表类型"))
        if kind is None:
            raise DataError(path, f"第{n}行 表类型", f"无法识别的表类型 {cell('表类型')!r}（如 项目支出绩效自评表、project_selfeval）")
        name = cell("项目名称")
        dept = cell("主管部门")
        if code is None and not name and not dept:
            raise DataError(path, f"第{n}行 项目编码", "项目编码为空（且无项目名称/主管部门可供匹配）")
        score = _number(cell("总分"), path, n, "总分")
        rate = _number(cell("执行率"), path, n, "执行率")
        if rate is not None and 0 < rate <= 1 and not str(cell("执行率")).strip().endswith("%"):
            rate = rate * 100  # a percent-formatted cell (0.96) or a fraction written as such
        grade = cell("等级")
        grade = str(grade).strip() if grade not in (None, "") else grade_of_score(score)
        dept_kind = kind.startswith("dept_")
        col_cell = f"A{n}"
        out.append(Record(kind=kind, year=int(year_value), code=code,
                          name=(str(dept) if dept else None) if dept_kind else (str(name) if name else None),
                          department=str(dept) if dept else None, department_code=code if dept_kind else None,
                          path=path, ident=(real, sheet, n), sheet=sheet, row=n, total_score=score, grade=grade,
                          execution_rate=rate, cells={"": (sheet, col_cell)} if sheet else {}))
    return out
