"""JUnit XML for CI dashboards: a test suite per file, a test case per document.

A returned document is a failing test case; findings that belong to the file itself (an
unreadable file, a skipped sheet) are their own test case. A test case is named by what the
document is (form, year, project code or name, or department, and sheet), never by its verdict or
grade, so fixing a submission keeps its test and its CI history; the verdict and grade are in its
output. The root element carries the run's totals: suites are kept in a temporary file while the
run streams and written out after the totals.
"""
from __future__ import annotations

import shutil
import tempfile
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from .safe import one_line, strip_controls
from .labels import SEVERITY, VERDICT, WORDS, finding_message, grade_label, kind_label


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters, which a damaged submission may hold
    return strip_controls(text)


def _attr(value) -> str:
    """A name or message attribute: one line, as CI dashboards list it (a file name or project name
    with a line break in it shows `\\n`, never a second line)."""
    return quoteattr(one_line(strip_controls(str(value))))


class JunitFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.lang = meta.lang
        self.suites = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.tests = self.failed_cases = 0
        self.seconds = 0.0

    def _lines(self, findings) -> str:
        lang = self.lang
        return "\n".join(f"{f.location.display()}: {f.code} {f.slug} [{SEVERITY[lang][f.severity]}] "
                         f"{finding_message(f, lang)}" for f in findings)

    def _case(self, classname: str, name: str, seconds: float, failed: bool, findings: tuple[Finding, ...],
              summary: str, verdict: str) -> str:
        out = [f'    <testcase classname={_attr(classname)} name={_attr(name)} time="{seconds:.3f}">']
        live = [f for f in findings if not f.waived]
        if failed:
            errors = [f for f in live if f.severity == "error"]
            first = errors[0] if errors else (live[0] if live else None)
            message = summary if first is None else f"{first.code} {first.message}"
            out.append(f'      <failure message={_attr(message)} type={_attr(first.code if first else "return")}>'
                       f'{escape(_clean(self._lines(findings)))}</failure>')
        text = "\n".join(t for t in (verdict, "" if failed else self._lines(findings)) if t)
        out.append(f"      <system-out>{escape(_clean(text))}</system-out>")
        out.append("    </testcase>")
        return "\n".join(out)

    def _name(self, doc) -> str:
        """What the document is: form, year, project (code, else name) or department, sheet."""
        parts = [kind_label(doc.kind, self.lang)]
        if doc.fiscal_year is not None:
            parts.append(f"{doc.fiscal_year}{'年度' if self.lang == 'zh' else ''}")
        if doc.kind.startswith("project"):
            parts.append(doc.project_code or doc.name or "")
        else:
            parts.append(doc.name or doc.department or "")
        if doc.sheet:
            parts.append(f"[{doc.sheet}]")
        return " ".join(str(p) for p in parts if p != "")

    def file(self, result: FileResult) -> None:
        lang, w = self.lang, WORDS[self.lang]
        cases = []
        failures = 0
        share = result.seconds / max(1, len(result.documents) + (1 if result.findings or not result.documents else 0))
        if result.findings or not result.documents:
            failed = not result.documents or any(f.severity == "error" and not f.waived for f in result.findings)
            failures += failed
            cases.append(self._case(result.path, w["file_level"], share, failed, result.findings,
                                    VERDICT[lang][result.verdict], ""))
        names: dict[str, int] = {}
        for doc in result.documents:
            failed = doc.verdict == "return"
            failures += failed
            name = self._name(doc)
            names[name] = names.get(name, 0) + 1
            if names[name] > 1:  # two documents alike in one file: told apart by their order
                name = f"{name} #{names[name]}"
            verdict = f"{w['verdict']}: {VERDICT[lang][doc.verdict]} · {w['grade']}: {grade_label(doc.grade, lang)}"
            cases.append(self._case(result.path, name, share, failed, doc.findings, VERDICT[lang][doc.verdict],
                                    verdict))
        self.tests += len(cases)
        self.failed_cases += failures
        self.seconds += result.seconds
        self.suites.write(f'  <testsuite name={_attr(result.path)} tests="{len(cases)}" failures="{failures}" '
                          f'errors="0" skipped="0" time="{result.seconds:.3f}">\n')
        self.suites.write("\n".join(cases) + "\n  </testsuite>\n")

    def close(self, summary: Summary) -> None:
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        # the attributes Jenkins' JUnit schema allows on the root (skipped is only a suite's)
        self.out.write(f'<testsuites name={_attr("perflint")} tests="{self.tests}" failures="{self.failed_cases}" '
                       f'errors="0" time="{self.seconds:.3f}">\n')
        self.suites.seek(0)
        shutil.copyfileobj(self.suites, self.out)
        self.suites.close()
        self.out.write("</testsuites>\n")
        self.out.flush()
        if self._own:
            self.out.close()
