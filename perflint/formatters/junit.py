"""JUnit XML for CI dashboards: a test suite per file, a test case per document.

A returned document is a failing test case; findings that belong to the file itself (an
unreadable file, a skipped sheet) are their own test case. Each suite is complete when its file
is, so the report streams; the root element carries no totals for that reason (readers add up
the suites).
"""
from __future__ import annotations

import re
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from .labels import SEVERITY, VERDICT, WORDS, document_title, finding_message, grade_label


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters, which a damaged submission may hold
    return _CONTROL.sub("", text)


def _attr(value) -> str:
    return quoteattr(_clean(str(value)))


class JunitFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.lang = meta.lang
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(f'<testsuites name={_attr("perflint")}>\n')

    def _lines(self, findings) -> str:
        lang = self.lang
        return "\n".join(f"{f.location.display()}: {f.code} {f.slug} [{SEVERITY[lang][f.severity]}] "
                         f"{finding_message(f, lang)}" for f in findings)

    def _case(self, classname: str, name: str, seconds: float, failed: bool, findings: tuple[Finding, ...],
              summary: str) -> str:
        out = [f'    <testcase classname={_attr(classname)} name={_attr(name)} time="{seconds:.3f}">']
        live = [f for f in findings if not f.waived]
        if failed:
            errors = [f for f in live if f.severity == "error"]
            first = errors[0] if errors else (live[0] if live else None)
            message = summary if first is None else f"{first.code} {first.message}"
            out.append(f'      <failure message={_attr(message)} type={_attr(first.code if first else "return")}>'
                       f'{escape(_clean(self._lines(findings)))}</failure>')
        elif findings:
            out.append(f"      <system-out>{escape(_clean(self._lines(findings)))}</system-out>")
        out.append("    </testcase>")
        return "\n".join(out)

    def file(self, result: FileResult) -> None:
        lang, w = self.lang, WORDS[self.lang]
        cases = []
        failures = 0
        share = result.seconds / max(1, len(result.documents) + (1 if result.findings or not result.documents else 0))
        if result.findings or not result.documents:
            failed = not result.documents or any(f.severity == "error" and not f.waived for f in result.findings)
            failures += failed
            cases.append(self._case(result.path, w["file_level"], share, failed, result.findings,
                                    VERDICT[lang][result.verdict]))
        for i, doc in enumerate(result.documents):
            failed = doc.verdict == "return"
            failures += failed
            name = f"{document_title(doc, lang)} · {VERDICT[lang][doc.verdict]} · {w['grade']} {grade_label(doc.grade, lang)}"
            if len(result.documents) > 1 and not doc.sheet:
                name = f"#{i + 1} {name}"
            cases.append(self._case(result.path, name, share, failed, doc.findings, VERDICT[lang][doc.verdict]))
        self.out.write(f'  <testsuite name={_attr(result.path)} tests="{len(cases)}" failures="{failures}" '
                       f'errors="0" skipped="0" time="{result.seconds:.3f}">\n')
        self.out.write("\n".join(cases) + "\n  </testsuite>\n")

    def close(self, summary: Summary) -> None:
        self.out.write("</testsuites>\n")
        self.out.flush()
        if self._own:
            self.out.close()
