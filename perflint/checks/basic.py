"""B — basic information (项目/部门基本信息): names, department, unit, code, year, attribute, period, goals."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import rule
from ..model import DEPT_KINDS, MAPPINGS, TARGET_KINDS, Hit
from ..values import halfwidth
from ..vocabulary import EMPTY_MARKS, attribute_kind
from ._util import lookup, num

FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 2000, 2100

_LONGEST_MARK = max(map(len, EMPTY_MARKS))


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    # halfwidth maps a character to one character, whitespace (U+3000) to whitespace: spaces taken
    # out first, it folds only what is left (a goal is hundreds of characters, a mark a few)
    squeezed = "".join(value.split())
    return len(squeezed) <= _LONGEST_MARK and halfwidth(squeezed) in EMPTY_MARKS


def _missing(doc, ptr: str, root: str = "") -> bool:
    """True if the field at `ptr` is absent, null or blank.

    `root` names a block the schema requires (/project, /department): when that block itself is
    missing or mistyped, F003 already says so and the fields inside it are not reported again.
    Below the root an absent or null parent means the field is empty; a parent of the wrong type
    is F003's and not reported here.
    """
    if root and not isinstance(doc.get(root), Mapping):
        return False
    node = lookup(doc, ptr)
    if node is None:
        return True
    return isinstance(node, str) and _empty(node)


def _owner(doc) -> str:
    return "/department" if doc.kind in DEPT_KINDS else "/project"


def _fiscal_year(doc) -> int | None:
    year = num(doc.get("/fiscal_year"))
    if year is None or not year.is_integer() or not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        return None
    return int(year)


def _period(doc) -> tuple[float | None, float | None]:
    period = doc.get("/project/period")
    if not isinstance(period, MAPPINGS):
        return None, None
    return num(period.get("start")), num(period.get("end"))


def _reader_reported(doc, ptr: str) -> bool:
    """The reader already reported this field (F004: text where a number belongs) and dropped it."""
    return any(hit.pointer == ptr for _code, hit in doc.reader_hits)


@rule("B101")
def missing_name(doc, ctx):
    owner = _owner(doc)
    if _missing(doc, f"{owner}/name", owner):
        yield Hit.at(f"{owner}/name", variant="department" if owner == "/department" else None)


@rule("B102")
def missing_department(doc, ctx):
    if _missing(doc, "/project/department/name", "/project"):
        yield Hit.at("/project/department/name")


@rule("B103")
def missing_unit(doc, ctx):
    if _missing(doc, "/project/implementing_unit", "/project"):
        yield Hit.at("/project/implementing_unit")


@rule("B104")
def missing_project_code(doc, ctx):
    if _missing(doc, "/project/code", "/project"):
        yield Hit.at("/project/code")


@rule("B105")
def bad_fiscal_year(doc, ctx):
    raw = doc.get("/fiscal_year")
    if _empty(raw):
        if _reader_reported(doc, "/fiscal_year"):
            return
        yield Hit.at("/fiscal_year", variant="missing")
        return
    year = num(raw)
    if year is not None and not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        yield Hit.at("/fiscal_year", year=year, low=FISCAL_YEAR_MIN, high=FISCAL_YEAR_MAX)
    # any other type (text, a list…) is a schema violation: F003 reports it


@rule("B106")
def bad_attribute(doc, ctx):
    project = doc.get("/project")
    if not isinstance(project, MAPPINGS):
        return
    value = project.get("attribute")
    if _empty(value):
        # the target form has a 项目属性 cell; the self-evaluation form does not, so only a
        # target sheet is asked for it
        if doc.kind in TARGET_KINDS:
            yield Hit.at("/project/attribute", variant="missing")
        return
    if isinstance(value, str) and attribute_kind(value) is None:
        yield Hit.at("/project/attribute", value=value.strip())


@rule("B107")
def bad_period(doc, ctx):
    start, end = _period(doc)
    if start is not None and end is not None and start > end:
        yield Hit.at("/project/period", start=start, end=end)
        return
    year = _fiscal_year(doc)
    if year is None:
        return  # B105 reports a missing or impossible year
    if start is not None and year < start or end is not None and year > end:
        yield Hit.at("/project/period", variant="year_outside", year=year,
                     start=start if start is not None else "…", end=end if end is not None else "…")


@rule("B108")
def missing_goal(doc, ctx):
    if doc.kind in TARGET_KINDS:
        if _missing(doc, "/goals/annual"):
            yield Hit.at("/goals/annual")
    elif _missing(doc, "/goals/expected"):
        yield Hit.at("/goals/expected", variant="expected")


@rule("B109")
def missing_medium_term_goal(doc, ctx):
    start, end = _period(doc)
    if start is not None and end is not None and end > start and _missing(doc, "/goals/medium_term"):
        yield Hit.at("/goals/medium_term", start=start, end=end)


@rule("B110")
def missing_goal_result(doc, ctx):
    if _missing(doc, "/goals/actual"):
        yield Hit.at("/goals/actual")
