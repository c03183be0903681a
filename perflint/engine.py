"""The engine: a document in, findings, verdict and review grade out.

Readers hand over documents (and file-level hits); rules yield hits; here each hit is stamped with
its code, severity, location and message, waivers are applied and the verdict is drawn.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field, replace
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .catalogue import Catalogue, RuleMeta
from .files import real_path
from .messages import render
from .model import (TARGET_KINDS, Cell, Document, DocumentDraft, DocumentResult, FileDraft, FileResult, Finding,
                    Hit, Location, pointer_within, thaw)
from .profiles import Profile

if TYPE_CHECKING:
    from .history import HistoryIndex
    from .readers import ReaderOptions

FATAL_CODES = frozenset({"F001", "F002"})
_CELL_RE = re.compile(r"^(?:(?P<sheet>.+)!)?\$?(?P<cell>[A-Za-z]{1,3}\$?[0-9]{1,7})$")


@dataclass(frozen=True, slots=True)
class Selection:
    """--select / --ignore by code, prefix or slug; empty select means everything."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __call__(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(s) for s in self.ignore)

    @classmethod
    def build(cls, catalogue: Catalogue, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> "Selection":
        def norm(items: Iterable[str]) -> tuple[str, ...]:
            out = []
            for item in items:
                for token in str(item).split(","):
                    token = token.strip()
                    if token:
                        out.append(catalogue.resolve(token).upper() if token in catalogue.by_slug else token.upper())
            return tuple(out)

        return cls(norm(select), norm(ignore))


@dataclass(frozen=True)
class Context:
    """What a rule may look at besides its document: policy, and other documents."""

    profile: Profile
    history: HistoryIndex | None = None  # when the run's H rules compare documents
    rule: RuleMeta | None = None
    catalogue: Catalogue | None = None
    # what the cross-document rules of one document work out once and share (their assessments);
    # a fresh dict for every document, handed over by the engine
    shared: dict | None = field(default=None, compare=False)

    def param(self, name: str) -> Any:
        return self.profile.parameters[name]

    def for_rule(self, meta: RuleMeta) -> "Context":
        return Context(self.profile, self.history, meta, self.catalogue)

    def sharing(self, shared: dict) -> "Context":
        return Context(self.profile, self.history, self.rule, self.catalogue, shared)


@dataclass
class Engine:
    catalogue: Catalogue
    profile: Profile
    rules: Mapping[str, Callable]
    selection: Selection = field(default_factory=Selection)
    lang: str = "zh"
    use_waivers: bool = True
    history: HistoryIndex | None = None
    extra_ignore: Callable[[str], Iterable[str]] | None = None  # per-path ignores from config
    keep_records: bool = False  # a record of every document for the run's index, H rules or not

    def __post_init__(self) -> None:
        from . import schema

        self._schema = schema
        self._ctx = Context(self.profile, self.history, None, self.catalogue)
        self._plans: dict[str, tuple[list, list]] = {}

    def _plan(self, kind: str) -> tuple[list[tuple[str, Callable, Context]], list[tuple[str, Callable, Context]]]:
        """The rules that apply to a form kind, with their contexts, worked out once: those that read
        one document, and the cross-document rules, which compare it with the run's other documents."""
        plan = self._plans.get(kind)
        if plan is None:
            rules = [(code, fn, self._ctx.for_rule(self.catalogue[code])) for code, fn in self.rules.items()
                     if kind in self.catalogue[code].kinds and self.wanted(code)]
            cross = [r for r in rules if r[2].rule.phase == "cross"]
            plan = ([r for r in rules if r[2].rule.phase != "cross"], cross)
            self._plans[kind] = plan
        return plan

    # ---- stamping -------------------------------------------------------------------------
    def stamp(self, code: str, hit: Hit, doc: Document | DocumentDraft | None = None, path: str = "") -> Finding:
        meta = self.catalogue[code]
        if doc is not None:
            location = doc.locate(hit.pointer)
        else:
            location = Location(hit.pointer)
        if hit.sheet is not None or hit.cell is not None:
            location = Location(hit.pointer, hit.sheet, hit.cell)
        args = {k: v for k, v in hit.args.items() if not k.startswith("_") and not k.endswith("_en")}
        if self.lang != "zh":  # a label the rule names in both languages (`field`, `field_en`)
            args.update({k[:-3]: v for k, v in hit.args.items() if k.endswith("_en") and k[:-3] in args})
        for key, value in args.items():
            if key.endswith("_ref") and isinstance(value, str) and value.startswith("/"):
                args[key] = _reference(doc, value, location, self.lang)
        message = render(meta.template(self.lang, hit.variant), args, self.lang)
        hints = getattr(doc, "hints", None)
        if hints:  # a field the reader could not find: what it saw instead
            probe = hit.pointer
            while probe.count("/") > 1 and probe not in hints:
                probe = probe.rsplit("/", 1)[0]
            if probe in hints:
                from .vocabulary import render_hint

                message += render_hint(hints[probe], self.lang)
        return Finding(code, meta.slug, self.profile.severity.get(code, meta.severity), message, location,
                       args, hit.related)

    def wanted(self, code: str, path: str = "") -> bool:
        if self.profile.switched_off(code):
            return False
        if not self.selection(code):
            return code in self.profile.mandatory_rules
        if self.extra_ignore is not None and path:
            if any(code.startswith(p) for p in self.extra_ignore(path)) and code not in self.profile.mandatory_rules:
                return False
        return True

    # ---- documents ------------------------------------------------------------------------
    def _hits(self, doc: Document | DocumentDraft, rules: list[tuple[str, Callable, Context]],
              shared: dict | None = None) -> list[tuple[str, Hit]]:
        hits: list[tuple[str, Hit]] = []
        per_path = self.extra_ignore is not None and doc.path
        for code, fn, ctx in rules:
            if per_path and not self.wanted(code, doc.path):
                continue
            try:
                produced = list(fn(doc, ctx if shared is None else ctx.sharing(shared)))
            except Exception as exc:  # a broken rule must not take the run down: F006
                import traceback

                frame = traceback.extract_tb(exc.__traceback__)[-1]
                hits.append(("F006", Hit.at("", rule=code, error=f"{type(exc).__name__}: {exc}",
                                             where=f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}")))
                continue
            if produced:  # most rules find nothing in most documents
                hits.extend((code, h) for h in produced)
        return [(c, h) for c, h in hits if self.wanted(c, doc.path)]

    def prepare_document(self, doc: Document, ordinal: int = 0, real: str | None = None) -> DocumentDraft:
        """Every rule that needs only this document; the cross-document rules wait for `finish_document`."""
        hits = [(c, h) for c, h in doc.reader_hits if self.wanted(c, doc.path)]
        for ptr, variant, args in self._schema.validate(doc.kind, doc.data if doc.plain is None else doc.plain):
            if self.wanted("F003", doc.path):
                hits.append(("F003", Hit.at(ptr, variant=variant, **args)))
        single, late = self._plan(doc.kind)
        hits += self._hits(doc, single)
        # a block of the wrong type (indicators written as a table, funds as text) is F003's to
        # report; what the rules then say inside it ("no 产出指标") is only an echo of that
        mistyped = tuple(h.pointer for c, h in hits if c == "F003" and h.variant == "type")
        record = None
        if self.keep_records or late:
            from .history.records import record_from_document

            record = record_from_document(doc, ordinal, real if real is not None
                                          else os.path.realpath(doc.path) if doc.path else "")
        waivers = doc.data.get("waivers")
        return DocumentDraft(
            doc.kind, doc.path, doc.sheet, doc.fiscal_year, doc.code, doc.name, doc.department_name,
            tuple(self.stamp(code, hit, doc) for code, hit in _without_echoes(hits, mistyped)), mistyped,
            doc.kind in TARGET_KINDS and not any(True for _ in doc.indicators()),
            thaw(waivers) if isinstance(waivers, tuple) else None, _draft_locations(doc.locations), record)

    def finish_document(self, draft: DocumentDraft) -> DocumentResult:
        """The cross-document rules (against the run's whole index), waivers, verdict and grade."""
        late = _without_echoes(self._hits(draft, self._plan(draft.kind)[1], {}), draft.mistyped)
        # a hit marked `_unverified` names a rule that no document could answer without a history
        # source: said once for the run (the summary), not as a finding on every document
        unverified = tuple((h.args["rule"], self.catalogue[h.args["rule"]].slug, tuple(h.args.get("year") or ()))
                           for _, h in late if h.args.get("_unverified"))
        findings = list(draft.findings) + [self.stamp(code, hit, draft) for code, hit in late
                                           if not hit.args.get("_unverified")]
        findings = self.apply_waivers(draft, findings)
        findings.sort(key=_finding_order)
        verdict, grade = judge(findings, no_indicators=draft.no_indicators)
        return DocumentResult(draft.kind, draft.sheet, draft.fiscal_year, draft.code, draft.name,
                              draft.department_name, tuple(findings), verdict, grade, unverified)

    def check_document(self, doc: Document) -> DocumentResult:
        return self.finish_document(self.prepare_document(doc))

    # ---- waivers --------------------------------------------------------------------------
    def apply_waivers(self, doc: DocumentDraft, findings: list[Finding]) -> list[Finding]:
        waivers = doc.waivers
        if not self.use_waivers or not waivers:
            return findings
        out = list(findings)
        extra: list[Finding] = []
        for i, waiver in enumerate(waivers):
            if not isinstance(waiver, Mapping):
                continue
            ptr = f"/waivers/{i}"
            code = str(waiver.get("rule") or "").strip()
            where = str(waiver.get("where") or "").strip()
            reason = str(waiver.get("reason") or "").strip()
            codes = set(self.catalogue.matching(code)) if code else set()
            if not reason:
                if self.wanted("W901", doc.path):
                    extra.append(self.stamp("W901", Hit.at(ptr, rule=code or "?", where=where or "—"), doc))
                continue
            matched = False
            for j, f in enumerate(out):
                if f.code in codes and not f.waived and _waiver_covers(where, f.location):
                    matched = True
                    if f.code in self.profile.mandatory_rules:
                        continue
                    out[j] = Finding(f.code, f.slug, f.severity, f.message, f.location, f.args, f.related,
                                     True, reason)
            mandatory_only = matched and all(f.code in self.profile.mandatory_rules for f in out
                                             if f.code in codes and _waiver_covers(where, f.location))
            if (not matched or mandatory_only) and self.wanted("W902", doc.path):
                extra.append(self.stamp("W902", Hit.at(ptr, rule=code or "?", where=where or "—",
                                                       variant="mandatory" if mandatory_only else None), doc))
        return out + extra

    # ---- files ----------------------------------------------------------------------------
    def prepare_file(self, path: str, reader_options: ReaderOptions | None = None) -> FileDraft:
        """Read a file and run every single-document rule on what it holds."""
        from .readers import read_path

        started = time.perf_counter()
        outcome = read_path(path, reader_options)
        real = real_path(path) if outcome.documents else ""
        drafts = tuple(self.prepare_document(d, i, real) for i, d in enumerate(outcome.documents))
        findings = tuple(self.stamp(code, hit, None) for code, hit in outcome.hits if self.wanted(code, path))
        return FileDraft(path, drafts, findings, time.perf_counter() - started)

    def finish_file(self, draft: FileDraft) -> FileResult:
        started = time.perf_counter()
        docs = tuple(self.finish_document(d) for d in draft.documents)
        return finish_file(draft.path, docs, list(draft.findings), draft.seconds + time.perf_counter() - started)

    def check_file(self, path: str, reader_options: ReaderOptions | None = None) -> FileResult:
        return self.finish_file(self.prepare_file(path, reader_options))

    def with_history(self, history: HistoryIndex) -> "Engine":
        """This engine with the run's index complete: what the second pass finishes drafts with."""
        return replace(self, history=history)


def _reference(doc: Document | DocumentDraft | None, ptr: str, near: Location, lang: str) -> str:
    """A field a rule names for the advice (`total_ref="/funds/annual/total"`), as people find it:
    its cell (with the sheet when it is not the finding's), else its name on the form."""
    found = locations_get(doc.locations, ptr) if doc is not None else None
    if found is not None:
        sheet, cell = found
        return cell if sheet in (None, near.sheet) else f"{sheet}!{cell}"
    from .schema import field_label

    return field_label(getattr(doc, "kind", None), ptr, lang)


def locations_get(locations: Mapping[str, Any], ptr: str) -> tuple[str | None, str] | None:
    cell = locations.get(ptr)
    if cell is None:
        return None
    return (cell.sheet, cell.cell) if type(cell) is Cell else (cell[0], cell[1])


def _without_echoes(hits: list[tuple[str, Hit]], mistyped: tuple[str, ...]) -> list[tuple[str, Hit]]:
    if not mistyped:
        return hits
    return [(c, h) for c, h in hits if c[0] in "FW" or not any(pointer_within(h.pointer, p) for p in mistyped)]


def _draft_locations(locations: Mapping[str, Cell]) -> dict[str, tuple[str | None, str]]:
    # the indicator rows hold most cells; of them the H rules point at the values only
    return {p: (c.sheet, c.cell) for p, c in locations.items()
            if not p.startswith("/indicators/") or p.count("/") == 2 or p.endswith(("/value", "/target"))}


def finish_file(path: str, docs: tuple[DocumentResult, ...], file_findings: list[Finding], seconds: float = 0.0) -> FileResult:
    file_findings = sorted(file_findings, key=_finding_order)
    if docs:
        verdict = "return" if any(d.verdict == "return" for d in docs) or _has_error(file_findings) else "pass"
    else:
        verdict = "return"  # a file that yields no submission is never a pass
    return FileResult(path, docs, tuple(file_findings), verdict, seconds)


def _has_error(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" and not f.waived for f in findings)


def judge(findings: Iterable[Finding], no_indicators: bool = False) -> tuple[str, str]:
    """Verdict (pass/return) and the review grade of 财预〔2015〕88号: 优 良 中 差."""
    live = [f for f in findings if not f.waived]
    verdict = "return" if _has_error(live) else "pass"
    if any(f.code in FATAL_CODES for f in live) or no_indicators:
        grade = "差"
    elif verdict == "return":
        grade = "中"
    elif any(f.severity == "warning" for f in live):
        grade = "良"  # info notes (a skipped sheet, a spare template row) do not lower the grade
    else:
        grade = "优"
    return verdict, grade


def _waiver_covers(where: str, location: Location) -> bool:
    if not where:
        return True
    if where.startswith("/"):
        return pointer_within(location.pointer, where)
    m = _CELL_RE.match(where)
    if m and location.cell:
        same_cell = m.group("cell").replace("$", "").upper() == location.cell.upper()
        return same_cell and (m.group("sheet") is None or m.group("sheet") == location.sheet)
    return location.sheet == where


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _finding_order(f: Finding) -> tuple:
    return (_SEVERITY_ORDER.get(f.severity, 3), f.location.pointer, f.code)
