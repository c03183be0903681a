"""SARIF 2.1.0, for code scanning in shared data repositories.

Results are written as they arrive; the rules they use are collected on the way and written in
tool.driver.rules at the end (JSON object members have no order, so `results` may come first).
A workbook cell has no line and column, so the cell is named in a logical location
("Sheet1!E9") and in the result's properties; the physical location is the file.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from . import UsesCatalogue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_INFO_URI = "https://pypi.org/project/perflint/"


@lru_cache(maxsize=8192)
def artifact_uri(path: str, root: str | None = None) -> str:
    """The file as a URI reference relative to the run's root (forward slashes, percent-encoded)."""
    full = os.path.abspath(path)
    base = os.path.abspath(root or os.getcwd())
    if full == base or not full.startswith(base.rstrip(os.sep) + os.sep):
        return Path(full).as_uri()
    return quote(os.path.relpath(full, base).replace(os.sep, "/"), safe="/")


class SarifFormatter(UsesCatalogue):
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, catalogue: Any = None,
                 root: str | None = None, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.meta = meta
        self.lang = meta.lang
        self.root = os.path.abspath(root or os.getcwd())
        self._catalogue = catalogue
        self.rule_index: dict[str, int] = {}
        self._first = True
        self.out.write('{\n  "$schema": "%s",\n  "version": "2.1.0",\n  "runs": [\n    {\n      "results": [' % SARIF_SCHEMA)

    def _index(self, code: str) -> int:
        if code not in self.rule_index:
            self.rule_index[code] = len(self.rule_index)
        return self.rule_index[code]

    def _result(self, result: FileResult, f: Finding, doc: Any) -> dict:
        loc = f.location
        logical = []
        if loc.sheet:
            name = f"{loc.sheet}!{loc.cell}" if loc.cell else loc.sheet
            logical.append({"name": loc.cell or loc.sheet, "fullyQualifiedName": name,
                            "kind": "element" if loc.cell else "module"})
        if loc.pointer:
            logical.append({"name": loc.pointer.rsplit("/", 1)[-1] or "/", "fullyQualifiedName": loc.pointer,
                            "kind": "member"})
        location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(result.path, self.root),
                                                                              "uriBaseId": "SRCROOT"}}}
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
        out: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": self._index(f.code),
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": text},
            "locations": [location],
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

    def file(self, result: FileResult) -> None:
        items = [self._result(result, f, result.documents[0] if result.documents else None) for f in result.findings]
        for doc in result.documents:
            items.extend(self._result(result, f, doc) for f in doc.findings)
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
        return {
            "id": code,
            "name": meta.slug,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": rationale or summary},
            "help": {"text": help_text, "markdown": help_md},
            "defaultConfiguration": {"level": _LEVEL.get(meta.severity, "warning")},
            "properties": {"family": meta.family, "source": meta.source, "origin": meta.origin,
                           "tags": [meta.family, meta.origin]},
        }

    def close(self, summary: Summary) -> None:
        rules = [self._rule(code) for code in self.rule_index]  # insertion order is ruleIndex order
        driver = {"name": "perflint", "version": self.meta.version, "semanticVersion": self.meta.version,
                  "informationUri": _INFO_URI, "rules": rules,
                  "properties": {"profile": self.meta.profile, "lang": self.lang}}
        tail = {
            "tool": {"driver": driver},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path(self.root).as_uri() + "/"}},
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
