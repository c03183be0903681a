"""GitHub Actions workflow commands: one annotation per finding, shown on the file in the pull request.

`::error file=…,title=…::message`. A workbook cell has no line, so the cell goes into the title
and the message. Waived findings are not annotated. Under Actions, a Markdown summary of the run
is also appended to the job summary ($GITHUB_STEP_SUMMARY) when that file is writable.
"""
from __future__ import annotations

import os
import sys
from typing import IO

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from .safe import strip_controls
from .labels import VERDICT, WORDS, counts_text, finding_message, unverified_text

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return strip_controls(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, quiet: bool = False,
                 **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.lang = meta.lang
        self.quiet = quiet

    def _annotate(self, path: str, f: Finding) -> None:
        where = f.location.display() if (f.location.sheet or f.location.pointer) else ""
        title = f"{f.code} {f.slug}" + (f" @ {where}" if where else "")
        message = finding_message(f, self.lang)
        if where:
            message = f"{where}: {message}"
        self.out.write(f"::{_LEVEL.get(f.severity, 'warning')} file={escape_property(path)},"
                       f"title={escape_property(title)}::{escape_data(message)}\n")

    def file(self, result: FileResult) -> None:
        path = _repo_path(result.path)
        for f in result.all_findings():
            if not f.waived:
                self._annotate(path, f)

    def close(self, summary: Summary) -> None:
        lang = self.lang
        line = f"perflint：{counts_text(summary, lang)}" if lang == "zh" else f"perflint: {counts_text(summary, lang)}"
        unverified = unverified_text(summary, lang)
        if unverified:
            line += "\n" + unverified
        self.out.write(line + "\n")
        self.out.flush()
        step = os.environ.get("GITHUB_STEP_SUMMARY")
        if step and not self._own:
            try:
                with open(step, "a", encoding="utf-8") as fh:
                    fh.write(_markdown(summary, lang))
            except OSError as exc:
                sys.stderr.write(f"perflint: could not write the job summary: {exc}\n")
        if self._own:
            self.out.close()


def _repo_path(path: str) -> str:
    """Annotations attach to files by their path from the repository root (the job's working folder)."""
    full = os.path.abspath(path)
    cwd = os.getcwd()
    if full.startswith(cwd.rstrip(os.sep) + os.sep):
        path = os.path.relpath(full, cwd)
    return path.replace(os.sep, "/")


def _markdown(summary: Summary, lang: str) -> str:
    w = WORDS[lang]
    v = VERDICT[lang]
    rows = ["## perflint\n", f"| | {w['total']} | {v['pass']} | {v['return']} |", "|---|---:|---:|---:|",
            f"| {w['files']} | {summary.files} | {summary.files_passed} | {summary.files_returned} |",
            f"| {w['documents']} | {summary.documents} | {summary.documents_passed} | {summary.documents_returned} |\n"]
    unverified = unverified_text(summary, lang)
    if unverified:
        rows.append(unverified + "\n")
    if summary.by_rule:
        rows += [f"| {w['rule']} | {w['count']} |", "|---|---:|"]
        rows += [f"| {code} {summary.rule_slugs.get(code, '')} | {n} |" for code, n in summary.by_rule.most_common(10)]
        rows.append("")
    return "\n".join(rows) + "\n"
