"""Rich terminal output: a 通过/退回 banner with the grade per file, a findings table, a summary."""
from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..model import FileResult
from ..report import ReportMeta, Summary
from ..output import open_output
from .safe import rich_text, terminal_text
from .labels import (SEVERITY, VERDICT, WORDS, document_title, finding_message, grade_label, quiet_skip,
                     readable_location, unverified_text)

_STYLE = {"pass": "bold white on green", "return": "bold white on red"}
_SEV_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


class RichFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, quiet: bool = False,
                 console: Console | None = None, **_: object) -> None:
        self._fh = open_output(path) if out is None and path else None
        self.console = console or Console(file=self._fh or out, highlight=False, soft_wrap=False)
        if console is not None:
            self.console.highlight = False
        if console is None and self.console.is_terminal:  # as wide as the progress bar's console
            self.console.width = max(20, self.console.width - 1)
        self.lang = meta.lang
        self.quiet = quiet

    def _table(self, findings, kind: str | None = None, title: str | None = None) -> Table:
        # every column folds instead of cutting with "…": a Chinese message has no spaces to wrap
        # at, and what it says last (the evidence it was compared with) matters most
        w = WORDS[self.lang]
        table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False, title=title,
                      title_justify="left", title_style="bold")
        table.add_column(w["code"], no_wrap=True, min_width=4)
        table.add_column(w["severity"], no_wrap=True)
        table.add_column(w["location"], overflow="fold", max_width=24)
        table.add_column(w["message"], overflow="fold", ratio=1)
        for f in findings:
            sev = Text(SEVERITY[self.lang][f.severity], style="dim" if f.waived else _SEV_STYLE[f.severity])
            table.add_row(f.code, sev, rich_text(readable_location(f.location, kind, self.lang)),
                          rich_text(finding_message(f, self.lang)))
        return table

    def file(self, result: FileResult) -> None:
        if self.quiet and quiet_skip(result):
            return
        c, lang, w = self.console, self.lang, WORDS[self.lang]
        c.print(Text(f" {VERDICT[lang][result.verdict]} ", style=_STYLE[result.verdict]), rich_text(result.path, style="bold"))
        if result.findings:
            first = result.documents[0].kind if result.documents else None
            c.print(self._table(result.findings, first, title=w["file_findings"]))
        for doc in result.documents:
            head = Text(f"  {VERDICT[lang][doc.verdict]} ", style="green" if doc.verdict == "pass" else "red")
            head.append(f"{terminal_text(document_title(doc, lang))}  {w['grade']}: {grade_label(doc.grade, lang)}")
            c.print(head)
            if doc.findings:
                c.print(self._table(doc.findings, doc.kind))
            else:
                c.print(Text(f"    {w['no_findings']}", style="green"))
        c.print()

    def close(self, summary: Summary) -> None:
        c, w = self.console, WORDS[self.lang]
        table = Table(title=w["summary"], show_header=False)
        table.add_column()
        table.add_column(justify="right")
        table.add_column(justify="right")
        table.add_column(justify="right")
        v = VERDICT[self.lang]
        # files and documents each by verdict: one workbook holds several forms, some files none
        table.add_row("", "", Text(v["pass"], style="green"), Text(v["return"], style="red"))
        table.add_row(w["files"], str(summary.files), str(summary.files_passed), str(summary.files_returned))
        table.add_row(w["documents"], str(summary.documents), str(summary.documents_passed),
                      str(summary.documents_returned))
        for sev in ("error", "warning", "info"):
            if summary.by_severity.get(sev):
                table.add_row(SEVERITY[self.lang][sev], str(summary.by_severity[sev]))
        c.print(table)
        unverified = unverified_text(summary, self.lang)
        if unverified:
            c.print(Text(unverified, style="yellow"))
        lang = self.lang
        v = VERDICT[lang]
        if len(summary.by_department) > 1 or summary.files > 1 and summary.by_department:
            deps = Table(title=w["by_department"], header_style="bold")
            deps.add_column(w["department"], overflow="fold")
            for head in (w["documents"], v["pass"], v["return"], w["findings"]):
                deps.add_column(head, justify="right")
            for dep in sorted(summary.by_department):
                n = summary.by_department[dep]
                name = dep if lang == "zh" or dep != "（未填部门）" else w["no_department"]
                deps.add_row(rich_text(name), str(n["pass"] + n["return"]), Text(str(n["pass"]), style="green"),
                             Text(str(n["return"]), style="red" if n["return"] else ""), str(n["findings"]))
            c.print(deps)
        if summary.by_rule:
            rules = Table(title=w["top_rules"], header_style="bold")
            rules.add_column(w["rule"], no_wrap=True)
            rules.add_column(w["slug"], overflow="fold")
            rules.add_column(w["count"], justify="right")
            for code, n in summary.by_rule.most_common(10):
                rules.add_row(code, summary.rule_slugs.get(code, ""), str(n))
            c.print(rules)
        if summary.files > 1 and summary.slowest:
            slow = Table(title=w["slowest"], header_style="bold")
            slow.add_column(w["file"], overflow="fold")
            slow.add_column(w["seconds"], justify="right")
            for seconds, path in summary.slowest[:5]:
                slow.add_row(rich_text(path), f"{seconds:.2f}")
            c.print(slow)
        if self._fh:
            self._fh.close()
