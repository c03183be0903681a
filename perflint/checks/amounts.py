"""A — amounts (万元): totals that must add up, and amounts that must not be negative or exceed."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

from . import rule
from ..model import DEPT_KINDS, MAPPINGS, Hit, pointer
from ._util import WRONG, _WrongType, differs, lookup, num, number_at

# A rate typed on a form never carries more than this many decimals; more digits are float noise
# from a conversion (0.862 × 100 = 86.19999999999999), not precision the officer wrote.
_RATE_DECIMALS_MAX = 6

_SELFEVAL_ROWS = ("fiscal_current", "carryover", "other")
_SELFEVAL_COLUMNS = {"initial": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数"}
_SELFEVAL_COLUMNS_EN = {"initial": "initial budget", "adjusted": "adjusted budget", "executed": "executed"}


def amount(doc, ptr: str) -> float | None | _WrongType:
    """The number at `ptr`; None when it or a block above it is absent or null; WRONG for another type.

    A value the reader could not read as a number (F004) was dropped to null: it counts as WRONG,
    not as a blank 0, so that one bad cell is reported once.
    """
    if any(hit.pointer == ptr for _code, hit in doc.reader_hits):
        return WRONG
    node = lookup(doc, ptr)
    if node is None or node is WRONG:
        return node
    value = num(node)
    return WRONG if value is None else value


def _balance(total: Any, parts: list[Any]) -> tuple[float, list[float]] | None:
    """(total, parts with blanks as 0) when there is a total and at least one part to add up.

    A total or part of the wrong type makes the sum unknowable: F003 reports it, not this family.
    """
    if total is None or total is WRONG or any(p is WRONG for p in parts) or all(p is None for p in parts):
        return None
    return total, [p or 0.0 for p in parts]


def _sources_balance(doc, ctx, block: str):
    """年度/中期资金总额 = 财政拨款 + 其他资金, for the project target's `block`."""
    found = _balance(amount(doc, f"/funds/{block}/total"),
                     [amount(doc, f"/funds/{block}/fiscal"), amount(doc, f"/funds/{block}/other")])
    if found is None:
        return
    total, (fiscal, other) = found
    if differs(total, fiscal + other, ctx.param("amount_tolerance")):
        yield Hit.at(f"/funds/{block}/total", total=total, fiscal=fiscal, other=other, diff=total - fiscal - other,
                     expected=fiscal + other, total_ref=f"/funds/{block}/total", fiscal_ref=f"/funds/{block}/fiscal",
                     other_ref=f"/funds/{block}/other")


@rule("A201")
def annual_funds_unbalanced(doc, ctx):
    return _sources_balance(doc, ctx, "annual")


@rule("A202")
def medium_funds_unbalanced(doc, ctx):
    return _sources_balance(doc, ctx, "medium_term")


@rule("A203")
def annual_exceeds_medium(doc, ctx):
    annual, medium = number_at(doc, "/funds/annual/total"), number_at(doc, "/funds/medium_term/total")
    if annual is None or medium is None:
        return
    if annual > medium and differs(annual, medium, ctx.param("amount_tolerance")):
        yield Hit.at("/funds/annual/total", annual=annual, medium=medium, diff=annual - medium)


@rule("A204")
def selfeval_funds_unbalanced(doc, ctx):
    tolerance = ctx.param("amount_tolerance")
    for col, label in _SELFEVAL_COLUMNS.items():
        found = _balance(amount(doc, f"/funds/total/{col}"),
                         [amount(doc, f"/funds/{row}/{col}") for row in _SELFEVAL_ROWS])
        if found is None:
            continue
        total, (fiscal, carryover, other) = found
        if differs(total, fiscal + carryover + other, tolerance):
            yield Hit.at(f"/funds/total/{col}", column=label, column_en=_SELFEVAL_COLUMNS_EN[col], total=total, fiscal=fiscal, carryover=carryover,
                         other=other, diff=total - fiscal - carryover - other, expected=fiscal + carryover + other,
                         total_ref=f"/funds/total/{col}", fiscal_ref=f"/funds/fiscal_current/{col}",
                         carryover_ref=f"/funds/carryover/{col}", other_ref=f"/funds/other/{col}")


def _budget_pointers(doc) -> tuple[str, str]:
    """Where 全年预算数 and 全年执行数 sit: the 年度资金总额 row of a project, the funds of a department."""
    if doc.kind == "project_selfeval":
        return "/funds/total/adjusted", "/funds/total/executed"
    return "/funds/adjusted", "/funds/executed"


@rule("A205")
def executed_exceeds_budget(doc, ctx):
    adjusted_ptr, executed_ptr = _budget_pointers(doc)
    adjusted, executed = number_at(doc, adjusted_ptr), number_at(doc, executed_ptr)
    if adjusted is None or executed is None:
        return
    if executed > adjusted and differs(executed, adjusted, ctx.param("amount_tolerance")):
        yield Hit.at(executed_ptr, executed=executed, adjusted=adjusted, diff=executed - adjusted)


def _written(value: int | float) -> str:
    """A figure as the form wrote it: 86 stays 86, 86.0 stays 86.0."""
    return str(value) if isinstance(value, int) else repr(round(value, _RATE_DECIMALS_MAX))


def rounding_of(value: int | float) -> float:
    """Half a unit of the last decimal the figure was written with: 86 → 0.5, 86.0 → 0.05, 86.25 → 0.005.

    The canonical model keeps a number as written: an int had no decimals, a float's decimals are
    those of its shortest repr (noise beyond _RATE_DECIMALS_MAX digits rounded away first).
    """
    if isinstance(value, int):
        return 0.5
    exponent = Decimal(repr(round(value, _RATE_DECIMALS_MAX))).as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    return 0.5 * 10 ** -decimals


@rule("A206")
def execution_rate_mismatch(doc, ctx):
    raw = doc.get("/funds/execution_rate")
    declared = num(raw)
    adjusted_ptr, executed_ptr = _budget_pointers(doc)
    adjusted, executed = number_at(doc, adjusted_ptr), number_at(doc, executed_ptr)
    if declared is None or adjusted is None or executed is None or adjusted == 0:
        return
    computed = executed / adjusted * 100
    if abs(declared - computed) > rounding_of(raw) + 1e-9:
        yield Hit.at("/funds/execution_rate", declared=_written(raw), computed=computed, executed=executed, adjusted=adjusted,
                     rate_ref="/funds/execution_rate")


# Labels of the amount fields as the forms print them, for A207's message.
_LABELS = {
    "project_target": {
        "/funds/medium_term/total": "中期资金总额", "/funds/medium_term/fiscal": "中期资金·财政拨款",
        "/funds/medium_term/other": "中期资金·其他资金", "/funds/annual/total": "年度资金总额",
        "/funds/annual/fiscal": "年度资金·财政拨款", "/funds/annual/other": "年度资金·其他资金",
    },
    "project_selfeval": {
        f"/funds/{row}/{col}": f"{row_label}（{col_label}）"
        for row, row_label in (("total", "年度资金总额"), ("fiscal_current", "当年财政拨款"),
                               ("carryover", "上年结转资金"), ("other", "其他资金"))
        for col, col_label in _SELFEVAL_COLUMNS.items()
    },
    "dept_target": {"/funds/total": "资金总额", "/funds/fiscal": "财政拨款", "/funds/other": "其他资金",
                    "/funds/basic": "基本支出", "/funds/project": "项目支出"},
    "dept_selfeval": {f"/funds/{col}": label for col, label in _SELFEVAL_COLUMNS.items()},
}
# Numbers in the funds block that are not amounts: the budget-execution row's weight, rate and score.
_NOT_AMOUNTS = frozenset({"weight", "execution_rate", "score"})


def _amounts(doc) -> Iterator[tuple[str, float, str]]:
    """(pointer, value, label) of every amount in the document."""
    labels = _LABELS.get(doc.kind, {})

    def walk(node: Any, ptr: str) -> Iterator[tuple[str, float, str]]:
        for key, value in node.items():
            if key in _NOT_AMOUNTS:
                continue
            here = ptr + pointer(key)
            if isinstance(value, MAPPINGS):
                yield from walk(value, here)
            else:
                amount = num(value)
                if amount is not None:
                    yield here, amount, labels.get(here, key)

    funds = doc.get("/funds")
    if isinstance(funds, MAPPINGS):
        yield from walk(funds, "/funds")
    prior = number_at(doc, "/project/prior_year_budget")
    if prior is not None:
        yield "/project/prior_year_budget", prior, "上年预算数"
    tasks = doc.get("/tasks")
    if isinstance(tasks, tuple):
        for i, task in enumerate(tasks):
            amount = num(task.get("amount")) if isinstance(task, MAPPINGS) else None
            if amount is not None:
                name = task.get("name")
                label = f"年度主要任务“{name.strip()}”金额" if isinstance(name, str) and name.strip() \
                    else f"年度主要任务第{i + 1}项金额"
                yield pointer("tasks", i, "amount"), amount, label


def _label_en(doc, ptr: str) -> str:
    """An amount's field in English, for the messages under --lang en (the label is the form's)."""
    if ptr.startswith("/tasks/"):
        task = lookup(doc, ptr.rsplit("/", 1)[0])
        name = task.get("name") if isinstance(task, MAPPINGS) else None
        index = int(ptr.split("/")[2]) + 1
        return f"amount of annual task “{name.strip()}”" if isinstance(name, str) and name.strip() \
            else f"amount of annual task {index}"
    from ..schema import field_label

    return field_label(doc.kind, ptr, "en")


@rule("A207")
def negative_amount(doc, ctx):
    tolerance = ctx.param("amount_tolerance")
    for ptr, value, label in _amounts(doc):
        if value < 0 and differs(value, 0.0, tolerance):
            yield Hit.at(ptr, field=label, field_en=_label_en(doc, ptr), value=value)


@rule("A208")
def dept_funds_unbalanced(doc, ctx):
    tolerance = ctx.param("amount_tolerance")
    total = amount(doc, "/funds/total")
    found = _balance(total, [amount(doc, "/funds/fiscal"), amount(doc, "/funds/other")])
    if found is not None:
        total, (fiscal, other) = found
        if differs(total, fiscal + other, tolerance):
            yield Hit.at("/funds/total", total=total, fiscal=fiscal, other=other, diff=total - fiscal - other)
    found = _balance(total, [amount(doc, "/funds/basic"), amount(doc, "/funds/project")])
    if found is not None:
        total, (basic, project) = found
        if differs(total, basic + project, tolerance):
            yield Hit.at("/funds/total", variant="uses", total=total, basic=basic, project=project,
                         diff=total - basic - project)


@rule("A209")
def tasks_exceed_funds(doc, ctx):
    project = number_at(doc, "/funds/project")
    tasks = doc.get("/tasks")
    if project is None or not isinstance(tasks, tuple):
        return
    amounts = [num(t.get("amount")) for t in tasks if isinstance(t, MAPPINGS)]
    amounts = [a for a in amounts if a is not None]
    if not amounts:
        return
    summed = sum(amounts)
    if summed > project and differs(summed, project, ctx.param("amount_tolerance")):
        yield Hit.at("/tasks", tasks_total=summed, count=len(amounts), project=project, diff=summed - project)


def _yuan_limit(doc, ptr: str, ctx) -> float:
    """The largest figure in 万元 that is still plausible for the field at `ptr`."""
    if doc.kind in DEPT_KINDS:
        return ctx.param("yuan_suspect_department")
    if ptr.startswith("/funds/medium_term/"):
        return ctx.param("yuan_suspect_medium_term")
    return ctx.param("yuan_suspect_project")


@rule("A210")
def amount_probably_yuan(doc, ctx):
    """An amount ten thousand times what its field plausibly holds in 万元: typed in 元. The funds
    still add up then, so no other rule notices; each such cell is named, as each needs fixing."""
    for ptr, value, label in _amounts(doc):
        limit = _yuan_limit(doc, ptr, ctx)
        if value > limit:
            yield Hit.at(ptr, field=label, field_en=_label_en(doc, ptr), value=value, limit=limit,
                         converted=value / 10000)
