"""The canonical document, findings and locations: the values every stage passes on."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any, Iterator

KINDS = ("project_target", "dept_target", "project_selfeval", "dept_selfeval")
TARGET_KINDS = ("project_target", "dept_target")
SELFEVAL_KINDS = ("project_selfeval", "dept_selfeval")
PROJECT_KINDS = ("project_target", "project_selfeval")
DEPT_KINDS = ("dept_target", "dept_selfeval")

KIND_NAMES_ZH = {
    "project_target": "项目支出绩效目标表",
    "dept_target": "部门整体支出绩效目标表",
    "project_selfeval": "项目支出绩效自评表",
    "dept_selfeval": "部门整体支出绩效自评表",
}

# what a document's tables are: checked on every field access, so not through the Mapping ABC
MAPPINGS = (MappingProxyType, dict)

SEVERITIES = ("error", "warning", "info")


def freeze(value: Any) -> Any:
    """Deep read-only copy: rules see the document but cannot change it."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) if isinstance(v, _CONTAINERS) else v for k, v in value.items()})
    if isinstance(value, list):
        return tuple([freeze(v) if isinstance(v, _CONTAINERS) else v for v in value])
    return value


_CONTAINERS = (dict, list)


def thaw(value: Any) -> Any:
    """Plain JSON-compatible copy of a frozen value."""
    if isinstance(value, MAPPINGS):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    if not tokens:
        return ""
    out = "/" + "/".join(map(str, tokens))
    if "~" in out or out.count("/") != len(tokens):  # rare: only a name holding ~ or / needs escaping
        return "/" + "/".join(escape_pointer_token(t) for t in tokens)
    return out


def pointer_tokens(ptr: str) -> list[str]:
    if not ptr:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]]


def pointer_parent(ptr: str) -> str:
    return ptr.rsplit("/", 1)[0] if ptr else ""


def pointer_within(ptr: str, prefix: str) -> bool:
    """True if `ptr` is `prefix` or lies below it (segment-wise, so /funds1 is not in /funds)."""
    return prefix in ("", "/") or ptr == prefix or ptr.startswith(prefix.rstrip("/") + "/")


@dataclass(frozen=True, slots=True)
class Cell:
    sheet: str
    cell: str  # A1 notation, e.g. "C7"

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}"


@dataclass(frozen=True, slots=True)
class Location:
    pointer: str = ""
    sheet: str | None = None
    cell: str | None = None

    def display(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        if self.sheet:
            return self.sheet
        return self.pointer or "/"

    def to_json(self) -> dict:
        out: dict[str, Any] = {"pointer": self.pointer}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.cell is not None:
            out["cell"] = self.cell
        return out


@dataclass(frozen=True, slots=True)
class Related:
    """Another document a finding was compared with (cross-document rules)."""

    path: str
    pointer: str = ""
    sheet: str | None = None
    cell: str | None = None
    note: str = ""

    def display(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else (self.pointer or "")
        return f"{self.path}{' ' + where if where else ''}"

    def to_json(self) -> dict:
        out: dict[str, Any] = {"path": self.path, "pointer": self.pointer}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.cell is not None:
            out["cell"] = self.cell
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule yields: where, and the values its message template needs."""

    pointer: str
    args: Mapping[str, Any] = field(default_factory=dict)
    related: tuple[Related, ...] = ()
    variant: str | None = None  # picks an alternative message template ("messages.<variant>")
    # a reader's hit about a place that has no pointer of its own (a skipped row, a formula cell,
    # a sheet past the limits): the sheet and cell it is about
    sheet: str | None = None
    cell: str | None = None

    @classmethod
    def at(cls, ptr: str, *, related: tuple[Related, ...] = (), variant: str | None = None, **args: Any) -> "Hit":
        return cls(ptr, MappingProxyType(args), related, variant)

    def on(self, sheet: str | None, cell: str | None = None) -> "Hit":
        """The same hit, located at that sheet (and cell)."""
        return Hit(self.pointer, self.args, self.related, self.variant, sheet, cell)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    slug: str
    severity: str
    message: str
    location: Location
    args: Mapping[str, Any] = field(default_factory=dict)
    related: tuple[Related, ...] = ()
    waived: bool = False
    waiver_reason: str | None = None

    def to_json(self) -> dict:
        out = {
            "code": self.code,
            "slug": self.slug,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.to_json(),
            "waived": self.waived,
            "waiver_reason": self.waiver_reason,
        }
        if self.related:
            out["related"] = [r.to_json() for r in self.related]
        return out


def locate(locations: Mapping[str, Cell | tuple | list], sheet: str | None, ptr: str) -> Location:
    """The cell a pointer came from, or the nearest enclosing one that has a cell. `locations` holds
    Cells, or (sheet, cell) pairs (a draft's or an index record's, which cross processes by the thousand)."""
    probe = ptr
    while True:
        cell = locations.get(probe)
        if cell is not None:
            # a cell "" says: this sheet, no one cell (a field the reader found no place for)
            if type(cell) is Cell:
                return Location(ptr, cell.sheet, cell.cell or None)
            return Location(ptr, cell[0], cell[1] or None)
        if not probe:
            return Location(ptr, sheet, None)
        probe = pointer_parent(probe)


@dataclass(frozen=True, slots=True)
class Document:
    """One canonical document (one form) with where each value came from."""

    kind: str
    data: Mapping[str, Any]
    path: str = ""
    sheet: str | None = None
    locations: Mapping[str, Cell] = field(default_factory=dict)
    # findings the reader made while building this document (F004, F005, skipped rows…)
    reader_hits: tuple[tuple[str, Hit], ...] = ()
    # the plain dict the reader built, for the schema validator (which wants dicts and lists: this
    # spares thawing the frozen copy); rules see `data` only
    plain: Any = field(default=None, compare=False, repr=False)
    # for a field the reader could not find: the labels it saw that might be it, and the alias
    # line that would teach it (appended to the message of the finding at that pointer)
    hints: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # (index, indicator) of every indicator that is a table, worked out on the first ask: a score of
    # rules walk them, and the frozen data cannot change
    _indicators: tuple | None = field(default=None, init=False, compare=False, repr=False)

    @classmethod
    def build(cls, kind: str, data: dict, *, path: str = "", sheet: str | None = None,
              locations: dict[str, Cell] | None = None,
              reader_hits: list[tuple[str, Hit]] | tuple = (), hints: Mapping[str, Any] | None = None) -> "Document":
        return cls(kind, freeze(data), path, sheet, MappingProxyType(dict(locations or {})), tuple(reader_hits),
                   data if isinstance(data, dict) else None, hints or {})

    def get(self, ptr: str, default: Any = None) -> Any:
        node: Any = self.data
        for token in pointer_tokens(ptr):
            if isinstance(node, MAPPINGS):
                if token not in node:
                    return default
                node = node[token]
            elif isinstance(node, tuple):
                try:
                    node = node[int(token)]
                except (ValueError, IndexError):
                    return default
            else:
                return default
        return node

    def locate(self, ptr: str) -> Location:
        return locate(self.locations, self.sheet, ptr)

    # identity fields used by reports and cross-document matching
    @property
    def fiscal_year(self) -> Any:
        return self.data.get("fiscal_year")

    @property
    def owner(self) -> Mapping[str, Any]:
        """The `project` block of project forms, the `department` block of department forms."""
        key = "project" if self.kind in PROJECT_KINDS else "department"
        val = self.data.get(key)
        return val if isinstance(val, MAPPINGS) else MappingProxyType({})

    @property
    def code(self) -> str | None:
        c = self.owner.get("code")
        return str(c) if c not in (None, "") else None

    @property
    def name(self) -> str | None:
        n = self.owner.get("name")
        return str(n) if n not in (None, "") else None

    @property
    def department_name(self) -> str | None:
        if self.kind in PROJECT_KINDS:
            dep = self.owner.get("department")
            if isinstance(dep, MAPPINGS):
                n = dep.get("name")
                return str(n) if n else None
            return None
        return self.name

    def indicators(self) -> Iterator[tuple[int, Mapping[str, Any]]]:
        found = self._indicators
        if found is None:
            inds = self.data.get("indicators")
            found = tuple((i, ind) for i, ind in enumerate(inds) if isinstance(ind, MAPPINGS)) \
                if isinstance(inds, tuple) else ()
            object.__setattr__(self, "_indicators", found)
        return iter(found)


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """A document after the engine: its findings, verdict and review grade."""

    kind: str
    sheet: str | None
    fiscal_year: Any
    project_code: str | None
    name: str | None
    department: str | None
    findings: tuple[Finding, ...]
    verdict: str  # "pass" | "return"
    grade: str  # 优 良 中 差
    # (code, slug, years) of the H rules that could not run for lack of any history source: not
    # findings, but a note the run's summary gathers once (JSON `summary.unverified`)
    unverified: tuple[tuple[str, str, tuple], ...] = ()

    def to_json(self) -> dict:
        return {
            "form": self.kind,
            "sheet": self.sheet,
            "fiscal_year": self.fiscal_year,
            "project_code": self.project_code,
            "name": self.name,
            "department": self.department,
            "verdict": self.verdict,
            "grade": self.grade,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    documents: tuple[DocumentResult, ...]
    findings: tuple[Finding, ...] = ()  # file-level: F001, F002, skipped sheets, F007…
    verdict: str = "return"
    seconds: float = 0.0

    def all_findings(self) -> Iterator[Finding]:
        yield from self.findings
        for d in self.documents:
            yield from d.findings

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "verdict": self.verdict,
            "documents": [d.to_json() for d in self.documents],
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    """A document after every rule that needs no other document.

    The rules that compare documents (H) can only run once the whole run is indexed, so a batch
    reads and judges each file on its own first and keeps this: small and picklable (no document
    data), holding what those rules, the waivers and the verdict still need. `locations` keeps every
    cell outside the indicator rows and, of those rows, the values the H rules point at.
    """

    kind: str
    path: str
    sheet: str | None
    fiscal_year: Any
    code: str | None
    name: str | None
    department_name: str | None
    findings: tuple[Finding, ...]  # stamped, before waivers
    mistyped: tuple[str, ...]  # blocks F003 reports as the wrong type: no rule echoes inside them
    no_indicators: bool
    waivers: tuple[dict, ...] | None
    locations: Mapping[str, tuple[str | None, str]]  # pointer -> (sheet, cell): cheaper to pickle than Cells
    record: Any = None  # its perflint.history Record, when H rules apply to its kind

    def locate(self, ptr: str) -> Location:
        return locate(self.locations, self.sheet, ptr)


@dataclass(frozen=True, slots=True)
class FileDraft:
    """A file after reading and every single-document rule: its documents' drafts and file-level findings."""

    path: str
    documents: tuple[DocumentDraft, ...]
    findings: tuple[Finding, ...]
    seconds: float = 0.0

    @property
    def records(self) -> list:
        return [d.record for d in self.documents if d.record is not None]
