"""SARIF 2.1.0, for code scanning in shared data repositories.

Results are written as they arrive; the rules they use are collected on the way and written in
tool.driver.rules at the end (JSON object members have no order, so `results` may come first).

Every result has a region, which code scanning needs to place and fingerprint an alert:
- a JSON submission: the line and column where the value the finding points at starts (or the
  nearest enclosing value the file has; where its syntax broke for an unreadable one);
- a workbook: `startLine` is the cell's row and `startColumn` its column (E9 → line 9, column 5),
  and the sheet and cell are named in a logical location ("Sheet1!E9") and the result's properties;
- anything else (a file-level finding, a sheet without a cell): line 1.
Paths are relative to the repository's root (the folder holding .git, else the current folder),
with `../` for files outside it. `partialFingerprints` identify a finding by rule, file, sheet and
JSON pointer (never the message, line or cell), so a second run over the same files, or one after an
inserted row, raises no new alerts. Info findings are left out unless asked for: code scanning
turns every result into an alert.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .. import DISTRIBUTION, REPOSITORY
from ..model import DocumentResult, FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from . import UsesCatalogue
from .places import Positions, artifact_uri, repository_root

if TYPE_CHECKING:
    from ..catalogue import Catalogue

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_RANK = {"info": 0, "warning": 1, "error": 2}
_INFO_URI = f"https://pypi.org/project/{DISTRIBUTION}/"
FINGERPRINT = "perflint/v1"


def help_uri(code: str) -> str:
    """The rule's page in the repository (docs/rules/CODE.md, generated from the catalogue)."""
    return f"{REPOSITORY}/blob/main/docs/rules/{code}.md"


def fingerprint(code: str, uri: str, sheet: str | None, pointer: str, nth: int) -> str:
    key = "\0".join((code, uri, sheet or "", pointer, str(nth)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class SarifFormatter(UsesCatalogue):
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, catalogue: Catalogue | None = None,
                 sarif_info: bool = False, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.meta = meta
        self.lang = meta.lang
        self.root = repository_root()
        self._catalogue = catalogue
        self.with_info = sarif_info
        self.positions = Positions()
        self.rule_index: dict[str, int] = {}
        self._first = True
        self.out.write('{\n  "$schema": "%s",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "results": [' % SARIF_SCHEMA)

    def _index(self, code: str) -> int:
        if code not in self.rule_index:
            self.rule_index[code] = len(self.rule_index)
        return self.rule_index[code]

    def _result(self, result: FileResult, f: Finding, doc: DocumentResult | None, uri: str, seen: dict) -> dict:
        loc = f.location
        logical = []
        if loc.sheet:
            name = f"{loc.sheet}!{loc.cell}" if loc.cell else loc.sheet
            logical.append({"name": loc.cell or loc.sheet, "fullyQualifiedName": name,
                            "kind": "element" if loc.cell else "module"})
        if loc.pointer:
            logical.append({"name": loc.pointer.rsplit("/", 1)[-1] or "/", "fullyQualifiedName": loc.pointer,
                            "kind": "member"})
        line, column = self.positions.of(result.path, f) or (1, None)
        region: dict[str, Any] = {"startLine": line}
        if column:
            region["startColumn"] = column
        location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"},
                                                         "region": region}}
        if logical:
            location["logicalLocations"] = logical
        text = f.message
        where = loc.display() if (loc.sheet or loc.pointer) else ""
        if where:
            text += f"（{where}）" if self.lang == "zh" else f" ({where})"
        props: dict[str, Any] = {"slug": f.slug, "pointer": loc.pointer}
        if loc.sheet is not None:
            props["sheet"] = loc.sheet
        if loc.cell is not None:
            props["cell"] = loc.cell
        if doc is not None:
            props.update({"form": doc.kind, "verdict": doc.verdict, "grade": doc.grade})
            if doc.department:
                props["department"] = doc.department
            if doc.project_code:
                props["projectCode"] = doc.project_code
        key = (f.code, loc.sheet, loc.pointer)
        seen[key] = nth = seen.get(key, 0) + 1  # the same rule twice at one place: told apart by order
        digest = fingerprint(f.code, uri, loc.sheet, loc.pointer, nth)
        out: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": self._index(f.code),
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": text},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT: digest, "primaryLocationLineHash": f"{digest}:1"},
            "properties": props,
        }
        if f.related:
            out["relatedLocations"] = [
                {"id": i, "physicalLocation": {"artifactLocation": {"uri": artifact_uri(r.path, self.root),
                                                                    "uriBaseId": "SRCROOT"}},
                 "message": {"text": r.note or r.display()}}
                for i, r in enumerate(f.related)]
        if f.waived:
            out["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                    "justification": f.waiver_reason or ""}]
        return out

    def _wanted(self, f: Finding) -> bool:
        if _RANK.get(f.severity, 1) < _RANK.get(getattr(self.meta, "min_severity", "info"), 0):
            return False  # hidden by --min-severity
        return self.with_info or f.severity != "info"

    def file(self, result: FileResult) -> None:
        uri = artifact_uri(result.path, self.root)
        seen: dict = {}
        first = result.documents[0] if result.documents else None
        items = [self._result(result, f, first, uri, seen) for f in result.findings if self._wanted(f)]
        for doc in result.documents:
            items.extend(self._result(result, f, doc, uri, seen) for f in doc.findings if self._wanted(f))
        for item in items:
            text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
            self.out.write(("\n        " if self._first else ",\n        ") + text)
            self._first = False

    def _rule(self, code: str) -> dict:
        lang = self.lang
        meta = self.catalogue.rules.get(code)
        if meta is None:
            return {"id": code}
        summary = meta.summary.get(lang) or meta.summary["zh"]
        rationale = meta.rationale.get(lang) or meta.rationale.get("zh") or ""
        basis = "依据" if lang == "zh" else "Basis"
        help_text = "\n\n".join(t for t in (summary, rationale, f"{basis}: {meta.source}") if t)
        help_md = f"**{summary}**\n\n{rationale}\n\n*{basis}:* {meta.source}"
        if meta.example:
            if meta.example.get("fail"):
                help_md += f"\n\n✗ `{meta.example['fail']}`"
            if meta.example.get("pass"):
                help_md += f"\n\n✓ `{meta.example['pass']}`"
        out = {
            "id": code,
            "name": meta.slug,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": rationale or summary},
            "help": {"text": help_text, "markdown": help_md},
            "defaultConfiguration": {"level": _LEVEL.get(meta.severity, "warning")},
            "properties": {"family": meta.family, "source": meta.source, "origin": meta.origin,
                           "tags": [meta.family, meta.origin]},
        }
        from ..catalogue import default_catalogue

        if code in default_catalogue():  # a rule a profile declares has no page in the repository
            out["helpUri"] = help_uri(code)
        return out

    def close(self, summary: Summary) -> None:
        rules = [self._rule(code) for code in self.rule_index]  # insertion order is ruleIndex order
        driver = {"name": "perflint", "fullName": f"perflint ({DISTRIBUTION})", "version": self.meta.version,
                  "semanticVersion": self.meta.version, "informationUri": _INFO_URI, "rules": rules,
                  "properties": {"profile": self.meta.profile, "lang": self.lang}}
        tail = {
            "tool": {"driver": driver},
            "automationDetails": {"id": "perflint/"},  # the category; upload-sarif's `category` overrides it
            "originalUriBaseIds": {"SRCROOT": {"uri": Path(self.root).as_uri().rstrip("/") + "/"}},
            "invocations": [{"executionSuccessful": True,
                             "properties": {"files": summary.files, "documents": summary.documents,
                                            "pass": summary.passed, "return": summary.returned,
                                            "files_by_verdict": {"pass": summary.files_passed,
                                                                 "return": summary.files_returned},
                                            "documents_by_verdict": {"pass": summary.documents_passed,
                                                                     "return": summary.documents_returned},
                                            "unverified": summary.unverified_rules()}}],
            "columnKind": "unicodeCodePoints",
        }
        body = json.dumps(tail, ensure_ascii=False, indent=2)[1:-2]  # members only, without the braces
        self.out.write(("\n      " if not self._first else "") + "],"
                       + "\n".join("    " + line for line in body.splitlines()) + "\n    }\n  ]\n}\n")
        self.out.flush()
        if self._own:
            self.out.close()
