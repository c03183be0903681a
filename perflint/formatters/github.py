"""GitHub Actions workflow commands: annotations shown on the files of a pull request.

`::error file=…,line=…,col=…,title=…::message`. GitHub shows at most 10 error and 10 warning
annotations of a step (50 of a job) and silently drops the rest, so perflint chooses which: errors
before warnings, and the first finding of each returned file before a second one of any file (ten
returned files get one annotation each rather than one file ten). Info findings and waived ones are
not annotated. A JSON submission's annotation carries the line and column of the value; a workbook
cell has no line, so the cell goes into the title and the message.

Everything else goes to the job summary ($GITHUB_STEP_SUMMARY, when it is set and the annotations
go to stdout): the counts, the most frequent rules, and every returned file with its main reasons.
"""
from __future__ import annotations

import heapq
import os
import re
import sys
from typing import IO

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from .safe import strip_controls
from .labels import VERDICT, WORDS, counts_text, finding_message, unverified_text
from .places import Positions, repo_path, repository_root

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
LIMITS = {"error": 10, "warning": 10}  # per step, as GitHub shows them
REASONS = 3  # main reasons listed for each returned file in the job summary
MAX_FILES = 500  # returned files listed in the job summary (it holds 1 MiB)


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
        self.root = repository_root()
        self.positions = Positions()
        # per level, the most important annotations so far: a heap of (-rank, -order, command)
        self._kept: dict[str, list] = {level: [] for level in LIMITS}
        self._order = 0
        self.annotatable = 0  # live error and warning findings, shown or not
        self.returned: list[tuple[str, int, list[str]]] = []  # (path, findings, main reasons)
        self.returned_files = 0

    def _command(self, path: str, f: Finding, source: str) -> str:
        where = f.location.display() if (f.location.sheet or f.location.pointer) else ""
        title = f"{f.code} {f.slug}" + (f" @ {where}" if where else "")
        message = finding_message(f, self.lang)
        if where:
            message = f"{where}: {message}"
        props = f"file={escape_property(path)}"
        if not f.location.sheet:  # a workbook's row is no line of the file
            pos = self.positions.of(source, f)
            if pos:
                props += f",line={pos[0]},col={pos[1]}"
        return f"::{_LEVEL[f.severity]} {props},title={escape_property(title)}::{escape_data(message)}\n"

    def file(self, result: FileResult) -> None:
        path = repo_path(result.path, self.root)
        if path is None or path.startswith("../"):  # outside the repository: no file to annotate there
            path = result.path.replace(os.sep, "/")
        live = [f for f in result.all_findings() if not f.waived]
        rank = {level: 0 for level in LIMITS}
        for f in live:
            if f.severity not in LIMITS:
                continue
            self.annotatable += 1
            kept = self._kept[f.severity]
            key = (-rank[f.severity], -self._order)
            rank[f.severity] += 1
            self._order += 1
            if len(kept) < LIMITS[f.severity]:
                heapq.heappush(kept, (key, self._command(path, f, result.path)))
            elif key > kept[0][0]:  # more important than the least important one kept
                heapq.heapreplace(kept, (key, self._command(path, f, result.path)))
        if result.verdict == "return":
            self.returned_files += 1
            if len(self.returned) < MAX_FILES:
                main = sorted(live, key=lambda f: ("error", "warning", "info").index(f.severity)
                              if f.severity in ("error", "warning", "info") else 3)[:REASONS]
                self.returned.append((path, len(live), [f"{f.code} {finding_message(f, self.lang)}" for f in main]))

    def close(self, summary: Summary) -> None:
        lang = self.lang
        shown = 0
        for level in LIMITS:  # errors first, each level most important first
            for _, command in sorted(self._kept[level], reverse=True):
                self.out.write(command)
                shown += 1
        line = f"perflint：{counts_text(summary, lang)}" if lang == "zh" else f"perflint: {counts_text(summary, lang)}"
        if self.annotatable > shown:
            line += (f"；标注了 {shown} 条问题（共 {self.annotatable} 条错误和提醒），其余见作业摘要" if lang == "zh" else
                     f"; {shown} of {self.annotatable} errors and warnings annotated, the rest in the job summary")
        unverified = unverified_text(summary, lang)
        if unverified:
            line += "\n" + unverified
        self.out.write(line + "\n")
        self.out.flush()
        step = os.environ.get("GITHUB_STEP_SUMMARY")
        if step and not self._own:
            try:
                with open(step, "a", encoding="utf-8") as fh:
                    fh.write(self.markdown(summary, shown))
            except OSError as exc:
                sys.stderr.write(f"perflint: could not write the job summary: {exc}\n")
        if self._own:
            self.out.close()

    def markdown(self, summary: Summary, shown: int) -> str:
        lang = self.lang
        w, v = WORDS[lang], VERDICT[lang]
        rows = ["## perflint\n", f"| | {w['total']} | {v['pass']} | {v['return']} |", "|---|---:|---:|---:|",
                f"| {w['files']} | {summary.files} | {summary.files_passed} | {summary.files_returned} |",
                f"| {w['documents']} | {summary.documents} | {summary.documents_passed} | {summary.documents_returned} |\n"]
        unverified = unverified_text(summary, lang)
        if unverified:
            rows.append(_cell(unverified) + "\n")
        if self.annotatable > shown:
            rows.append((f"文件旁标注了 {shown} 条（GitHub 每步最多显示 10 条错误和 10 条提醒），共 {self.annotatable} 条错误和提醒；"
                         "下表列出每个退回的文件及其主要问题。\n") if lang == "zh" else
                        (f"{shown} of {self.annotatable} errors and warnings are annotated on the files (GitHub shows "
                         "10 errors and 10 warnings a step); every returned file and its main reasons are below.\n"))
        if summary.by_rule:
            rows += [f"| {w['rule']} | {w['count']} |", "|---|---:|"]
            rows += [f"| {code} {_cell(summary.rule_slugs.get(code, ''))} | {n} |"
                     for code, n in summary.by_rule.most_common(10)]
            rows.append("")
        if self.returned:
            title = "退回的文件" if lang == "zh" else "Returned files"
            reasons = "主要问题" if lang == "zh" else "main reasons"
            rows += [f"### {title}\n", f"| {w['file']} | {w['findings']} | {reasons} |", "|---|---:|---|"]
            rows += [f"| {_cell(path)} | {n} | {'<br>'.join(_cell(r, 200) for r in main)} |"
                     for path, n, main in self.returned]
            more = self.returned_files - len(self.returned)
            if more:
                rows.append(f"\n… {more} " + ("个退回的文件未列出" if lang == "zh" else "more returned files not listed"))
            rows.append("")
        return "\n".join(rows) + "\n"


_MARKUP = re.compile(r"([\\`*_\[\]<>|~&])")  # a table cell is inline: block markers (# + -) are plain there
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def _cell(text: str, limit: int = 0) -> str:
    """Submission text in a Markdown table cell: one line, no markup, no HTML, no link."""
    text = _CONTROL.sub(" ", str(text))
    if limit and len(text) > limit:
        text = text[:limit - 1] + "…"
    return _MARKUP.sub(r"\\\1", text)
