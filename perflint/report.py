"""The run's results as a stream, and the summary every formatter closes with."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from .model import FileResult

REPORT_VERSION = 1


@dataclass
class ReportMeta:
    version: str
    profile: str
    lang: str = "zh"
    fail_on: str = "error"
    detail: str = "department"  # the 审核意见 workbook: what a department is sent, or "full" for the bureau
    min_severity: str = "info"  # findings below it are hidden (JSON and SARIF: left out, still counted)
    bureau: str | None = None  # the bureau's name on the report's cover sheets (config `bureau`)


@dataclass
class Summary:
    """Counts kept while results stream past, so that nothing holds every document.

    Files and documents are counted by verdict separately: a workbook holds several forms, and a
    file that yields no form at all (F001, F002) is a returned file without any document.
    `passed`/`returned` are the verdicts given (each document's, and each file's that holds no
    document): the report's `pass`/`return` keys of report_version 1, kept as they were.
    """

    files: int = 0
    documents: int = 0
    passed: int = 0
    returned: int = 0
    files_by_verdict: Counter = field(default_factory=Counter)
    documents_by_verdict: Counter = field(default_factory=Counter)
    # H rules that could not run for lack of any history source: code -> [slug, documents, {years}]
    unverified: dict = field(default_factory=dict)
    by_rule: Counter = field(default_factory=Counter)
    rule_slugs: dict = field(default_factory=dict)  # code -> slug, for readable rule tables
    by_severity: Counter = field(default_factory=Counter)
    by_department: dict = field(default_factory=dict)  # name -> Counter(pass, return, findings)
    slowest: list = field(default_factory=list)  # (seconds, path), the 10 slowest
    warnings: int = 0

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.files_by_verdict[result.verdict] += 1
        if result.documents:
            for doc in result.documents:
                self.documents += 1
                self.documents_by_verdict[doc.verdict] += 1
                self._count(doc.verdict, doc.department)
                for f in doc.findings:
                    self._finding(f, doc.department)
                for code, slug, years in getattr(doc, "unverified", ()):
                    entry = self.unverified.setdefault(code, [slug, 0, set()])
                    entry[1] += 1
                    entry[2].update(years)
        else:
            self._count(result.verdict, None, document=False)
        for f in result.findings:
            self._finding(f, result.documents[0].department if result.documents else None)
        self.slowest.append((result.seconds, result.path))
        self.slowest.sort(reverse=True)
        del self.slowest[10:]

    def _count(self, verdict: str, department: str | None, document: bool = True) -> None:
        if verdict == "pass":
            self.passed += 1
        else:
            self.returned += 1
        dep = self.by_department.setdefault(department or "（未填部门）", Counter())
        if document:  # the department tables count documents; a file without one is in files_by_verdict
            dep[verdict] += 1

    def _finding(self, f, department: str | None) -> None:
        if f.waived:
            return
        self.by_rule[f.code] += 1
        self.rule_slugs.setdefault(f.code, f.slug)
        self.by_severity[f.severity] += 1
        self.by_department.setdefault(department or "（未填部门）", Counter())["findings"] += 1

    @property
    def files_passed(self) -> int:
        return self.files_by_verdict["pass"]

    @property
    def files_returned(self) -> int:
        return self.files - self.files_by_verdict["pass"]

    @property
    def documents_passed(self) -> int:
        return self.documents_by_verdict["pass"]

    @property
    def documents_returned(self) -> int:
        return self.documents - self.documents_by_verdict["pass"]

    def unverified_rules(self) -> list[dict]:
        """The H rules no document could have answered, one entry per rule (JSON `summary.unverified`)."""
        return [{"code": code, "slug": slug, "documents": n, "years": sorted(years, key=str),
                 "reason": "no-history-source"}
                for code, (slug, n, years) in sorted(self.unverified.items())]

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "documents": self.documents,
            "files_by_verdict": {"pass": self.files_passed, "return": self.files_returned},
            "documents_by_verdict": {"pass": self.documents_passed, "return": self.documents_returned},
            "pass": self.passed,
            "return": self.returned,
            "by_rule": dict(sorted(self.by_rule.items())),
            "by_severity": {k: self.by_severity[k] for k in ("error", "warning", "info") if self.by_severity.get(k)},
            "unverified": self.unverified_rules(),
        }


class Formatter(Protocol):
    def file(self, result: FileResult) -> None: ...

    def close(self, summary: Summary) -> None: ...
