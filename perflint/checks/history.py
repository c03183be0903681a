"""H — history and cross-document: prior self-evaluations, ex-ante assessments, targets vs results.

Each rule is an assessment that either yields findings or says what it could not verify; H500
collects the latter, so a rule that cannot be answered is never a silent pass. Every finding
names the other document (or the sources searched) in `related`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from . import rule
from .basic import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from ..history.index import EMPTY
from ..history.records import Record, norm_text
from ..model import DEPT_KINDS, Hit, Related
from ..values import halfwidth, split_inline
from ..vocabulary import GRADES, attribute_kind, grade_of_score

_EPS = 1e-9


class Gap(NamedTuple):
    """A rule that applies but cannot be answered: H500's material."""

    pointer: str
    variant: str
    year: Any
    related: tuple[Related, ...] = ()


class Assessment(NamedTuple):
    hits: list
    gaps: list


def _index(ctx):
    return ctx.history if ctx.history is not None else EMPTY


def _owner_ptr(doc) -> str:
    block = "department" if doc.kind in DEPT_KINDS else "project"
    return f"/{block}/code" if doc.code else f"/{block}/name"


def _related(rec: Record, ptr: str = "", note: str = "", by_name: bool = False) -> Related:
    if rec.from_registry:
        sheet, cell = rec.cells.get("", (None, None))
        return Related(rec.path, "", sheet, cell, _note(f"登记表第{rec.row}行", note, by_name))
    sheet, cell = rec.where(ptr) if ptr else (rec.sheet, None)
    return Related(rec.path, ptr, sheet, cell, _note("", note, by_name))


def _note(*parts: Any) -> str:
    *texts, by_name = parts
    items = [t for t in texts if t]
    if by_name:
        items.append("按部门和项目名称匹配")
    return "；".join(items)


def _sources(index) -> tuple[Related, ...]:
    """Where perflint looked for a document it did not find, and the files there it could not read."""
    searched = tuple(Related(s, "", None, None, "已查找") for s in index.sources)
    return searched + tuple(Related(p, "", None, None, f"无法读取（{why}），未纳入核对") for p, why in index.unreadable)


def _continuing(me: Record) -> bool | None:
    kind = attribute_kind(me.attribute)  # the spellings the B rules accept, 经常性项目 and 一次性项目 too
    if kind is not None:
        return kind == "continuing"
    attr = halfwidth(me.attribute or "")  # else a looser reading: 新增（2024年）, 延续性
    if "新增" in attr or attr == "新":
        return False
    if "延续" in attr:
        return True
    if me.period_start is not None and me.year is not None:
        return me.period_start < me.year
    return None


def _by(variant: str | None, by_name: bool) -> str | None:
    if not by_name:
        return variant
    return f"{variant}_by_name" if variant else "by_name"


def _amount_tolerance(ctx) -> float:
    return ctx.param("amount_tolerance")


def _selfeval_kind(doc) -> str:
    return "dept_selfeval" if doc.kind in DEPT_KINDS else "project_selfeval"


def _target_kind(doc) -> str:
    return "dept_target" if doc.kind in DEPT_KINDS else "project_target"


# ---- prior self-evaluation: H501, H506, H507 -----------------------------------------------------
def _prior(doc, ctx):
    """(me, prior year, matched prior self-evaluations, by_name, applicable) for a budget request."""
    index = _index(ctx)
    me = index.record_of(doc)
    if me.year is None:
        return me, None, [], False, False
    year = me.year - ctx.param("prior_selfeval_offset")
    if doc.kind == "project_target":
        if _continuing(me) is not True:
            return me, year, [], False, False
        if me.period_start is not None and me.period_start > year:
            return me, year, [], False, False  # the project did not exist in that year
    found, by_name = index.match(_selfeval_kind(doc), year, me)
    return me, year, found, by_name, True


def _missing_prior_gap(doc, ctx, year) -> Gap:
    index = _index(ctx)
    return Gap(_owner_ptr(doc), "none" if not index.configured else "selfeval_year", year, _sources(index))


def _prior_found(doc, ctx):
    """For H506 and H507, which judge what last year's self-evaluation says: (me, year, found,
    by_name), or the Assessment when there is none to judge (not applicable; missing, which is
    H501's finding where the sources cover that year, else a gap)."""
    me, year, found, by_name, applies = _prior(doc, ctx)
    if not applies:
        return Assessment([], [])
    if not found:
        if _index(ctx).covers(_selfeval_kind(doc), year):
            return Assessment([], [])  # its absence is H501's finding
        return Assessment([], [_missing_prior_gap(doc, ctx, year)])
    return me, year, found, by_name


# code -> the assessment behind a cross-document rule; the form kinds it applies to and its phase
# are the catalogue's (rules/H.toml)
ASSESSMENTS: dict = {}


def assesses(code: str):
    """Register an assessment as the rule `code`: its findings are the rule's, its gaps H500's."""

    def register(assess):
        ASSESSMENTS[code] = assess
        rule(code)(_hits(code, assess))
        return assess

    return register


def _hits(code: str, assess):
    def run(doc, ctx):
        yield from assessment(code, doc, ctx).hits

    run.__name__ = run.__qualname__ = f"{code.lower()}_{assess.__name__}"
    return run


@assesses("H501")
def assess_h501(doc, ctx) -> Assessment:
    me, year, found, by_name, applies = _prior(doc, ctx)
    if not applies or found:
        return Assessment([], [])
    index = _index(ctx)
    if not index.configured or not index.covers(_selfeval_kind(doc), year):
        # absence is evidence only where the user named an archive: a batch of returns that
        # happens to hold some self-evaluations of that year does not make it the whole record
        return Assessment([], [_missing_prior_gap(doc, ctx, year)])
    return Assessment([Hit.at(_owner_ptr(doc), year=year, fiscal_year=me.year, related=_sources(index))], [])


def _prior_grade(rec: Record) -> str | None:
    grade = (rec.grade or "").strip()
    return grade[:1] if grade[:1] in GRADES else grade_of_score(rec.total_score)


@assesses("H506")
def assess_h506(doc, ctx) -> Assessment:
    got = _prior_found(doc, ctx)
    if isinstance(got, Assessment):
        return got
    me, year, found, by_name = got
    prior = found[0]
    grade = _prior_grade(prior)
    budget_ptr = "/funds/annual/total" if doc.kind == "project_target" else "/funds/total"
    if grade is None:
        return Assessment([], [Gap(budget_ptr, "grade", year, (_related(prior, "/grade", by_name=by_name),))])
    if grade not in ("中", "差"):
        return Assessment([], [])
    prior_budget = me.prior_year_budget if doc.kind == "project_target" else None
    if prior_budget is None:
        prior_budget = prior.adjusted if prior.adjusted is not None else prior.budget
    if me.budget is None or prior_budget is None:
        return Assessment([], [Gap(budget_ptr, "prior_budget", year, (_related(prior, "/grade", by_name=by_name),))])
    if me.budget < prior_budget - _amount_tolerance(ctx):
        return Assessment([], [])
    hit = Hit.at(budget_ptr, variant=_by(None, by_name), grade=grade, year=year, budget=me.budget,
                 prior_budget=prior_budget, related=(_related(prior, "/grade", by_name=by_name),))
    return Assessment([hit], [])


@assesses("H507")
def assess_h507(doc, ctx) -> Assessment:
    got = _prior_found(doc, ctx)
    if isinstance(got, Assessment):
        return got
    _, year, found, by_name = got
    prior = found[0]
    rate_ptr = "/funds/execution_rate"
    if prior.execution_rate is None:
        return Assessment([], [Gap(_owner_ptr(doc), "rate", year, (_related(prior, rate_ptr, by_name=by_name),))])
    limit = ctx.param("low_execution_rate")
    if prior.execution_rate >= limit - _EPS:
        return Assessment([], [])
    hit = Hit.at(_owner_ptr(doc), variant=_by(None, by_name), year=year, rate=prior.execution_rate, limit=limit,
                 related=(_related(prior, rate_ptr, by_name=by_name),))
    return Assessment([hit], [])


# ---- H502 ex-ante assessment ---------------------------------------------------------------------
@assesses("H502")
def assess_h502(doc, ctx) -> Assessment:
    index = _index(ctx)
    me = index.record_of(doc)
    ptr = "/project/ex_ante_assessment"
    if halfwidth(me.ex_ante or "").replace(" ", "") == "已开展":
        return Assessment([], [])
    done = me.ex_ante or "（空）"
    continuing = _continuing(me)
    if continuing is False:
        return Assessment([Hit.at(ptr, variant="new", ex_ante=done)], [])
    if continuing is None or me.year is None:
        return Assessment([], [])  # neither new nor continuing as filed: B106/B107 report the form
    max_years = ctx.param("ex_ante_max_years")
    if me.period_start is not None:
        nth = me.year - me.period_start + 1
        if nth > max_years:
            return Assessment([Hit.at(ptr, variant="years", ex_ante=done, nth=nth, start=me.period_start,
                                      max_years=max_years)], [])
    if me.budget is None:
        return Assessment([], [])
    prior_budget, related, by_name = me.prior_year_budget, (), False
    if prior_budget is None:
        prior_year = me.year - 1
        found, by_name = index.match("project_target", prior_year, me, documents_only=True)
        found = [r for r in found if r.budget is not None]
        if found:
            prior_budget = found[0].budget
            related = (_related(found[0], "/funds/annual/total", "上年绩效目标表的年度资金总额", by_name),)
        else:
            found, by_name = index.match("project_selfeval", prior_year, me, documents_only=True)
            found = [r for r in found if (r.adjusted if r.adjusted is not None else r.budget) is not None]
            if found:
                prior_budget = found[0].adjusted if found[0].adjusted is not None else found[0].budget
                related = (_related(found[0], "/funds/total/adjusted", "上年自评表的全年预算数", by_name),)
    if prior_budget is None:
        variant = "none" if not index.configured else "prior_budget"
        return Assessment([], [Gap("/project/prior_year_budget", variant, me.year - 1, _sources(index))])
    growth = me.budget - prior_budget
    rate = growth / prior_budget * 100 if prior_budget > 0 else None
    by_rate = rate is not None and rate >= ctx.param("ex_ante_growth_rate") - _EPS
    by_amount = growth >= ctx.param("ex_ante_growth_amount") - _EPS
    if by_rate or by_amount:
        return Assessment([Hit.at(ptr, variant="growth", ex_ante=done, budget=me.budget, prior_budget=prior_budget,
                                  growth=growth, rate=rate if rate is not None else 0.0,
                                  limit_rate=ctx.param("ex_ante_growth_rate"),
                                  limit_amount=ctx.param("ex_ante_growth_amount"), related=related)], [])
    return Assessment([], [])


# ---- H503, H504: self-evaluation against its approved target sheet -------------------------------
def _target_for(doc, ctx):
    index = _index(ctx)
    me = index.record_of(doc)
    if me.year is None:
        return me, [], False
    found, by_name = index.match(_target_kind(doc), me.year, me, documents_only=True)
    return me, found, by_name


def _target_gap(doc, ctx, me, ptr: str) -> Gap:
    index = _index(ctx)
    return Gap(ptr, "none" if not index.configured else "target", me.year, _sources(index))


def _comparable(value: Any) -> tuple[str, Any]:
    op, val, unit = split_inline(value) if isinstance(value, str) else (None, value, None)
    if isinstance(val, bool):
        return ("text", str(val))
    if isinstance(val, (int, float)):
        return ("num", float(val))
    return ("text", norm_text(str(val)) if val is not None else "")


def _same_value(a: Any, b: Any) -> bool:
    ka, va = _comparable(a)
    kb, vb = _comparable(b)
    if ka == "num" and kb == "num":
        return abs(va - vb) <= 1e-9 * max(1.0, abs(va), abs(vb))
    return ka == kb and va == vb


@assesses("H503")
def assess_h503(doc, ctx) -> Assessment:
    me, found, by_name = _target_for(doc, ctx)
    if me.year is None:
        return Assessment([], [])
    if not found:
        return Assessment([], [_target_gap(doc, ctx, me, "/indicators")])
    target = found[0]
    mine: dict[str, list] = {}
    for ind in me.indicators:
        mine.setdefault(norm_text(ind.name), []).append(ind)
    hits = []
    for approved in target.indicators:
        key = norm_text(approved.name)
        if not key:
            continue
        candidates = mine.get(key)
        rel = (_related(target, approved.pointer, by_name=by_name),)
        if not candidates:
            hits.append(Hit.at("/indicators", variant=_by("missing", by_name), name=approved.name,
                               value=approved.value, related=rel))
            continue
        ind = next((c for c in candidates if norm_text(c.level2) == norm_text(approved.level2)), candidates[0])
        if not _same_value(ind.value, approved.value):
            hits.append(Hit.at(ind.pointer, variant=_by("changed", by_name), name=approved.name,
                               value=approved.value, found=ind.value, related=rel))
    return Assessment(hits, [])


@assesses("H504")
def assess_h504(doc, ctx) -> Assessment:
    me, found, by_name = _target_for(doc, ctx)
    ptr = "/funds/total/initial" if doc.kind == "project_selfeval" else "/funds/initial"
    if me.year is None or me.budget is None:
        return Assessment([], [])
    found = [r for r in found if r.budget is not None]
    if not found:
        return Assessment([], [_target_gap(doc, ctx, me, ptr)])
    target = found[0]
    if abs(me.budget - target.budget) <= _amount_tolerance(ctx) + _EPS:
        return Assessment([], [])
    tptr = "/funds/annual/total" if target.kind == "project_target" else "/funds/total"
    return Assessment([Hit.at(ptr, variant=_by(None, by_name), initial=me.budget, target=target.budget,
                              related=(_related(target, tptr, by_name=by_name),))], [])


# ---- H505 duplicates, H508 department totals (table-wide, over the run and the history) ----------
def duplicates(index, me: Record) -> tuple[list[Record], bool]:
    found, by_name = index.match(me.kind, me.year, me, documents_only=True)
    return found, by_name


@assesses("H505")
def assess_h505(doc, ctx) -> Assessment:
    index = _index(ctx)
    me = index.record_of(doc)
    if me.year is None or not (me.code_key or me.name_key):
        return Assessment([], [])
    found, by_name = duplicates(index, me)
    if not found:
        return Assessment([], [])
    related = tuple(_related(r, _owner_ptr(doc), by_name=by_name) for r in found)
    return Assessment([Hit.at(_owner_ptr(doc), variant=_by(None, by_name), year=me.year, count=len(found) + 1,
                              related=related)], [])


def department_total(index, me: Record) -> tuple[list[Record], bool, float]:
    """The project targets counted for a department (one per project) and their Σ 年度资金总额."""
    found, by_name = index.department_projects(me.year, me)
    seen: set = set()
    counted: list[Record] = []
    for rec in sorted(found, key=lambda r: (r.path, r.sheet or "")):
        key = rec.code_key or rec.name_key or rec.ident
        if key in seen or rec.budget is None:
            continue  # a duplicate submission (H505) is counted once
        seen.add(key)
        counted.append(rec)
    return counted, by_name, sum(r.budget for r in counted)


@assesses("H508")
def assess_h508(doc, ctx) -> Assessment:
    index = _index(ctx)
    me = index.record_of(doc)
    if me.year is None or me.project_funds is None:
        return Assessment([], [])
    counted, by_name, total = department_total(index, me)
    if not counted:
        variant = "none" if not index.configured else "dept_projects"
        return Assessment([], [Gap("/funds/project", variant, me.year, _sources(index))])
    if total <= me.project_funds + _amount_tolerance(ctx) + _EPS:
        return Assessment([], [])
    related = tuple(_related(r, "/funds/annual/total", by_name=by_name) for r in counted)
    return Assessment([Hit.at("/funds/project", variant=_by(None, by_name), total=total, project=me.project_funds,
                              count=len(counted), related=related)], [])


def assessment(code: str, doc, ctx) -> Assessment:
    """Each assessment once per document: the rule and H500 both read it (through what the engine
    shares among one document's cross-document rules)."""
    done = ctx.shared if ctx.shared is not None else {}
    if code not in done:
        done[code] = ASSESSMENTS[code](doc, ctx)
    return done[code]



@rule("H500")
def history_unavailable(doc, ctx):
    """What the history could not answer: never a silent pass.

    With sources configured, one finding per rule and gap: the archive the user named lacks a year.
    With none configured at all (a one-file check, a pre-commit hook), what the run's own files could
    not answer is no fault of this document: each rule left unverified is handed to the engine as
    a note (`_unverified`), which the run's summary names once instead of a warning on every file.
    """
    index = _index(ctx)
    year = index.record_of(doc).year
    if year is None or not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        return  # no year to look up (B105 returns the document): no history could answer it either
    wanted = index.wanted  # the rules this run selected (--select/--ignore)
    unverified: dict[str, list] = {}
    for code in ASSESSMENTS:
        if doc.kind not in ctx.catalogue[code].kinds or ctx.profile.switched_off(code) or (wanted is not None and code not in wanted):
            continue
        for gap in assessment(code, doc, ctx).gaps:
            if index.configured:
                yield Hit.at(gap.pointer, variant=gap.variant, rule=code, year=gap.year, related=gap.related)
            else:
                unverified.setdefault(code, [])
                if gap.year is not None and gap.year not in unverified[code]:
                    unverified[code].append(gap.year)
    for code, years in unverified.items():
        yield Hit.at(_owner_ptr(doc), variant="none", rule=code, year=tuple(years), _unverified=True)
