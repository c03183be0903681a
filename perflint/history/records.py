"""Small plain records of documents and registry rows: what the cross-document rules compare.

A record keeps only the fields the H rules read and the cells they point at, so the index is cheap
to cache on disk and to ship to worker processes (plain data, picklable; never a Document).
"""
from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Iterable

from ..model import DEPT_KINDS, MAPPINGS, PROJECT_KINDS, SELFEVAL_KINDS, TARGET_KINDS, Document, locate

RECORD_VERSION = 2  # part of every cache shard name: a new layout never reads an old shard


@dataclass(slots=True)
class IndicatorRecord:
    level1: str
    level2: str
    name: str
    operator: str | None
    value: Any  # target sheet: 指标值; self-evaluation: 年度指标值 (target)
    unit: str | None
    pointer: str


@dataclass(slots=True)
class Record:
    kind: str
    year: int | None
    code: str | None
    name: str | None
    department: str | None
    department_code: str | None
    path: str  # as the user gave it: what a finding shows
    ident: tuple  # (real path, sheet, ordinal): the same document reached twice is one document
    sheet: str | None = None
    row: int | None = None  # registry rows: the table row (1-based, header = 1)
    attribute: str | None = None
    period_start: int | None = None
    period_end: int | None = None
    ex_ante: str | None = None
    prior_year_budget: float | None = None
    budget: float | None = None  # target: 年度资金总额 (dept: 资金总额); self-eval: 年初预算数
    adjusted: float | None = None  # self-eval 全年预算数
    executed: float | None = None
    project_funds: float | None = None  # dept_target 项目支出
    execution_rate: float | None = None
    total_score: float | None = None
    grade: str | None = None
    indicators: tuple[IndicatorRecord, ...] = ()
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)  # pointer -> (sheet, cell)

    @property
    def from_registry(self) -> bool:
        return self.row is not None

    @property
    def code_key(self) -> str | None:
        return code_key(self.code)

    @property
    def name_key(self) -> tuple[str, str] | None:
        return name_key(self.kind, self.department, self.name)

    def where(self, ptr: str) -> tuple[str | None, str | None]:
        """(sheet, cell) a pointer came from, or the nearest enclosing one that has a cell."""
        found = locate(self.cells, self.sheet, ptr)
        return found.sheet, found.cell

    def describe(self) -> str:
        if self.from_registry:
            return f"{self.path} 第{self.row}行"
        return self.path + (f" [{self.sheet}]" if self.sheet else "")


def unreadable_reason(codes: Iterable[str]) -> str:
    """Why a file gave the index no record, as the H rules report it: the codes of its file-level
    findings (F001 unsafe, F002 unreadable...), or F002 where there are none."""
    return ", ".join(sorted(set(codes))) or "F002"


# ---- sharing what records repeat ----------------------------------------------------------------
_SHARED: dict[Any, Any] = {}


def _share(value: Any) -> Any:
    """One object for equal values that thousands of records repeat (pointers, sheet names, cells,
    category names): the index of a province's batch then costs little per document."""
    if value is None:
        return None
    try:
        return _SHARED.setdefault(value, value)
    except TypeError:  # unhashable: keep it as it is
        return value


def share_strings(rec: Record) -> Record:
    """`rec` with its repeated strings shared (in place: a record is plain data owned by the index)."""
    if len(_SHARED) > 200_000:  # bounded: names that never repeat must not pile up
        _SHARED.clear()
    one = _SHARED.setdefault  # called inline: this runs for every record of a province's batch
    # a (sheet, cell) pair is shared whole: the same layout puts the same field in the same cell
    try:
        rec.cells = {one(p, p): one(where, where) for p, where in rec.cells.items()}
    except TypeError:  # a cell given as a list (a record built by hand): kept as it is
        rec.cells = {_share(p): _share(where) for p, where in rec.cells.items()}
    rec.sheet = _share(rec.sheet)
    rec.department = _share(rec.department)
    for ind in rec.indicators:
        ind.level1, ind.level2, ind.pointer = one(ind.level1, ind.level1), one(ind.level2, ind.level2), \
            one(ind.pointer, ind.pointer)
        if ind.operator is not None:
            ind.operator = one(ind.operator, ind.operator)
        if ind.unit is not None:
            ind.unit = one(ind.unit, ind.unit)
    return rec


# ---- normalisation -----------------------------------------------------------------------------
_PUNCT = re.compile(r"[\s\u3000（）()【】\[\]“”\"'‘’、，,。.·•\-—–_:：;；/]+")
_YEAR_TOKEN = re.compile(r"(?:19|20)\d{2}\s*(?:年度|年)?")
_LEADING_CODE = re.compile(r"^\s*[\[【(（]?\d{5,}[\]】)）]?\s*")


def norm_text(value: Any) -> str:
    """Names as the same project is written in different years: width, spaces, punctuation and
    year tokens ("2024年度…") do not make a different project."""
    if not isinstance(value, str):
        return ""
    return _norm_text(value)


@lru_cache(maxsize=1 << 16)  # every comparison of a batch asks again for the same few thousand names
def _norm_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    text = _LEADING_CODE.sub("", text)
    text = _YEAR_TOKEN.sub("", text)
    return _PUNCT.sub("", text).lower()


def code_key(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    # a JSON document may put anything in a code field: only plain values go through the cache
    return _cached_code_key(value) if isinstance(value, (str, int, float)) else _code_key(value)


def _code_key(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()
    return text or None


_cached_code_key = lru_cache(maxsize=1 << 16)(_code_key)


def name_key(kind: str, department: str | None, name: str | None) -> tuple[str, str] | None:
    dept = norm_text(department)
    if kind in DEPT_KINDS:
        return (dept, "") if dept else None
    own = norm_text(name)
    return (dept, own) if dept and own else None


# ---- from documents ----------------------------------------------------------------------------
def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    n = _num(value)
    return int(n) if n is not None and n.is_integer() else None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, MAPPINGS) else {}


def record_from_document(doc: Document, ordinal: int = 0, real: str | None = None) -> Record:
    data = doc.data
    owner = doc.owner
    kind = doc.kind
    if kind in PROJECT_KINDS:
        dept = _map(owner.get("department"))
        department, department_code = _str(dept.get("name")), _str(dept.get("code"))
    else:
        department, department_code = doc.name, doc.code
    funds = _map(data.get("funds"))
    rec = Record(kind=kind, year=_int(data.get("fiscal_year")), code=doc.code, name=doc.name,
                 department=department, department_code=department_code, path=doc.path,
                 ident=(real or os.path.realpath(doc.path), doc.sheet, ordinal), sheet=doc.sheet)
    pointers: list[str] = ["/fiscal_year", "/project/code", "/department/code", "/project/name", "/department/name"]
    if kind == "project_target":
        project = _map(data.get("project"))
        period = _map(project.get("period"))
        rec.attribute = _str(project.get("attribute"))
        rec.period_start, rec.period_end = _int(period.get("start")), _int(period.get("end"))
        rec.ex_ante = _str(project.get("ex_ante_assessment"))
        rec.prior_year_budget = _num(project.get("prior_year_budget"))
        rec.budget = _num(_map(funds.get("annual")).get("total"))
        pointers += ["/funds/annual/total", "/project/prior_year_budget"]
    elif kind == "dept_target":
        rec.budget = _num(funds.get("total"))
        rec.project_funds = _num(funds.get("project"))
        pointers += ["/funds/total", "/funds/project"]
    elif kind == "project_selfeval":
        total = _map(funds.get("total"))
        rec.budget, rec.adjusted, rec.executed = (_num(total.get(k)) for k in ("initial", "adjusted", "executed"))
        rec.execution_rate = _num(funds.get("execution_rate"))
        pointers += ["/funds/total/initial", "/funds/total/adjusted", "/funds/execution_rate"]
    else:
        rec.budget, rec.adjusted, rec.executed = (_num(funds.get(k)) for k in ("initial", "adjusted", "executed"))
        rec.execution_rate = _num(funds.get("execution_rate"))
        pointers += ["/funds/initial", "/funds/adjusted", "/funds/execution_rate"]
    if kind in SELFEVAL_KINDS:
        if rec.execution_rate is None and rec.adjusted and rec.executed is not None:
            rec.execution_rate = round(rec.executed / rec.adjusted * 100, 2)
        rec.total_score = _num(data.get("total_score"))
        rec.grade = _str(data.get("grade"))
        pointers += ["/total_score", "/grade"]
    value_key = "value" if kind in TARGET_KINDS else "target"
    inds = []
    for i, ind in doc.indicators():
        ptr = f"/indicators/{i}/{value_key}"
        inds.append(IndicatorRecord(str(ind.get("level1") or ""), str(ind.get("level2") or ""),
                                    str(ind.get("name") or ""), _str(ind.get("operator")), ind.get(value_key),
                                    _str(ind.get("unit")), ptr))
        pointers.append(ptr)
    rec.indicators = tuple(inds)
    for ptr in pointers:
        cell = doc.locations.get(ptr)
        if cell is not None:
            rec.cells[ptr] = (cell.sheet, cell.cell)
    return rec
