"""Plain text: what a pipe, a pre-commit hook or a log gets (no colour, no heavy imports)."""
from __future__ import annotations

from typing import IO

from ..model import FileResult
from ..report import ReportMeta, Summary
from ..output import open_output
from .safe import one_line
from .labels import (SEVERITY, VERDICT, WORDS, counts_text, document_title, finding_message, grade_label, quiet_skip,
                     unverified_text)


class TextFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, quiet: bool = False, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.lang = meta.lang
        self.quiet = quiet

    def _line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def file(self, result: FileResult) -> None:
        if self.quiet and quiet_skip(result):
            return
        lang = self.lang
        self._line(f"{one_line(result.path)}: {VERDICT[lang][result.verdict]}")
        for f in result.findings:
            self._line(f"  {one_line(f.location.display())}: {f.code} {SEVERITY[lang][f.severity]} {one_line(finding_message(f, lang))}")
        for doc in result.documents:
            self._line(f"  {one_line(document_title(doc, lang))}: {VERDICT[lang][doc.verdict]}"
                       f"（{WORDS[lang]['grade']} {grade_label(doc.grade, lang)}）" if lang == "zh" else
                       f"  {one_line(document_title(doc, lang))}: {VERDICT[lang][doc.verdict]} ({WORDS[lang]['grade']} {grade_label(doc.grade, lang)})")
            for f in doc.findings:
                self._line(f"    {one_line(f.location.display())}: {f.code} {SEVERITY[lang][f.severity]} {one_line(finding_message(f, lang))}")

    def close(self, summary: Summary) -> None:
        lang = self.lang
        w = WORDS[lang]
        counts = " ".join(f"{k}×{v}" for k, v in summary.by_rule.most_common(10))
        unverified = unverified_text(summary, lang)
        if unverified:  # before the counts, which stay the last line (`| tail -1`)
            self._line(unverified)
        if lang == "zh":
            self._line(f"{w['summary']}：{counts_text(summary, lang)}" + (f"；{w['by_rule']}：{counts}" if counts else ""))
        else:
            self._line(f"{w['summary']}: {counts_text(summary, lang)}" + (f"; {w['by_rule']}: {counts}" if counts else ""))
        self.out.flush()
        if self._own:
            self.out.close()
