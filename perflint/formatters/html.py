"""One self-contained HTML page (`-o html:PATH`) for someone who never opens a terminal.

No network, no script: inline CSS (with a print stylesheet), and <details> to fold each file. The
summary and the returned submissions with their main reasons go at the top but are only known at
the end, so the files' sections are spooled to a temporary file as they arrive and copied in after
them. Locations are what people read: the cell of a workbook, the field's name in a JSON
submission (指标 1 · 得分), with the pointer as its tooltip.
"""
from __future__ import annotations

import datetime as _dt
import shutil
from collections import Counter
import tempfile
from typing import IO, TYPE_CHECKING

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from . import UsesCatalogue
from .safe import html_text as escape
from .labels import (SEVERITY, VERDICT, WORDS, advice, document_title, finding_message, grade_label,
                     readable_location, unverified_text)

if TYPE_CHECKING:
    from ..catalogue import Catalogue

_CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",sans-serif;
 margin:0 auto;max-width:1200px;padding:1.5em;color:#222;line-height:1.5}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.meta{color:#666}
.cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1.2em;min-width:7em;text-align:center}
.card b{display:block;font-size:1.8em}
.card.pass b{color:#1a7f37}.card.return b{color:#c62828}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
th,td{border:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#eef3f8}td.n{text-align:right;white-space:nowrap}
.badge{display:inline-block;border-radius:4px;padding:0 .5em;color:#fff;font-weight:bold;white-space:nowrap}
.badge.pass{background:#1a7f37}.badge.return{background:#c62828}
.sev-error{color:#c62828;font-weight:bold}.sev-warning{color:#b26a00}.sev-info{color:#0b6bcb}
tr.waived td{color:#888;text-decoration:line-through}tr.waived td.why{text-decoration:none}
details{border:1px solid #ddd;border-radius:6px;margin:.5em 0;padding:.3em .8em}
details[open]{padding-bottom:.8em}summary{cursor:pointer;font-weight:bold}
.doc{margin:.6em 0 0 .4em}.doc h3{font-size:1.05em;margin:.4em 0}
.ok{color:#1a7f37}.advice{color:#555;font-size:.92em;width:34%}
td.code,td.sev{white-space:nowrap}td.where{min-width:8em;max-width:16em}
td.where[title]{text-decoration:underline dotted #999;cursor:help}
.returned{border:2px solid #c62828;border-radius:6px;padding:.4em 1em;margin:1em 0}
.returned h2{margin-top:.3em;border-bottom-color:#f3c5c5;color:#c62828}
.returned ol{margin:.3em 0;padding-left:1.6em}.returned li{margin:.35em 0}
.returned ul{margin:.1em 0;padding-left:1.2em;color:#444}
.returned a{color:#222;font-weight:bold}
@page{size:A4 landscape;margin:12mm}
@media print{
 body{max-width:none;padding:0;font-size:10pt;color:#000}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .cards{gap:.5em}.card{padding:.2em .8em}
 details{border:none;padding:0;margin:0 0 .8em}details>summary{list-style:none;font-size:1.05em}
 details>summary::-webkit-details-marker{display:none}
 details::details-content{content-visibility:visible;display:contents}
 details:not([open])>:not(summary){display:block}
 h2{break-after:avoid}h3,summary{break-after:avoid}
 thead{display:table-header-group}tr{break-inside:avoid}
 .returned{break-inside:auto}.returned li{break-inside:avoid}
 a{color:#000;text-decoration:none}td.where[title]{text-decoration:none}
}
"""
_REASONS = 3  # main reasons named for each returned submission at the top
_LISTED = 500  # returned submissions listed at the top; the rest are counted, and all are below


class HtmlFormatter(UsesCatalogue):
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, catalogue: Catalogue | None = None,
                 **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.meta = meta
        self.lang = meta.lang
        self._catalogue = catalogue
        self.body = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.returned: list[tuple[int, str, list[tuple[str, int]]]] = []  # (section, path, [(code, count)])
        self.returned_more = 0
        self._n = 0

    def _summary_of(self, code: str) -> str:
        meta = self.catalogue.rules.get(code)
        return (meta.summary.get(self.lang) or meta.summary["zh"]) if meta else ""

    def _badge(self, verdict: str) -> str:
        return f'<span class="badge {verdict}">{escape(VERDICT[self.lang][verdict])}</span>'

    def _head(self, *names: str) -> str:
        return "<thead><tr>" + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr></thead>"

    def _findings(self, findings: tuple[Finding, ...], kind: str | None) -> str:
        lang, w = self.lang, WORDS[self.lang]
        rows = ["<table>" + self._head(w["code"], w["severity"], w["location"], w["message"], w["advice"]) + "<tbody>"]
        for f in findings:
            cls = ' class="waived"' if f.waived else ""
            # people read the cell (表!E9) or the field's name (指标 1 · 得分); the pointer is the tooltip
            tip = f' title="{escape(f.location.pointer)}"' if f.location.pointer else ""
            rows.append(
                f'<tr{cls}><td class="code">{escape(f.code)}<br><small>{escape(f.slug)}</small></td>'
                f'<td class="sev sev-{escape(f.severity)}">{escape(SEVERITY[lang].get(f.severity, f.severity))}</td>'
                f'<td class="where"{tip}>{escape(readable_location(f.location, kind, lang))}</td>'
                f'<td class="why">{escape(finding_message(f, lang))}</td>'
                f'<td class="advice">{escape(advice(self.catalogue.rules.get(f.code), self.lang, f))}</td></tr>')
        rows.append("</tbody></table>")
        return "".join(rows)

    def _note_returned(self, result: FileResult) -> None:
        """The file's main reasons: the rules whose errors returned it, most frequent first."""
        if len(self.returned) >= _LISTED:
            self.returned_more += 1
            return
        live = [f for f in result.all_findings() if not f.waived]
        errors = [f for f in live if f.severity == "error"] or live
        counts = Counter(f.code for f in errors)
        reasons = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:_REASONS]
        self.returned.append((self._n, result.path, reasons))

    def file(self, result: FileResult) -> None:
        lang, w = self.lang, WORDS[self.lang]
        count = sum(1 for f in result.all_findings() if not f.waived)
        if result.verdict == "return":
            self._note_returned(result)
        opened = " open" if result.verdict == "return" else ""
        counted = f"（{count} {w['findings']}）" if lang == "zh" else f"({count} {w['findings']})"
        parts = [f'<details{opened} id="f{self._n}"><summary>{self._badge(result.verdict)} {escape(result.path)}'
                 f' <small>{escape(counted)}</small></summary>']
        self._n += 1
        if result.findings:
            first = result.documents[0].kind if result.documents else None
            parts.append(f'<div class="doc"><h3>{escape(w["file_findings"])}</h3>'
                         f'{self._findings(result.findings, first)}</div>')
        for doc in result.documents:
            dep = f" · {escape(doc.department)}" if doc.department else ""
            parts.append(f'<div class="doc"><h3>{self._badge(doc.verdict)} {escape(document_title(doc, lang))}{dep}'
                         f' · {escape(w["grade"])} {escape(grade_label(doc.grade, lang))}</h3>')
            parts.append(self._findings(doc.findings, doc.kind) if doc.findings else
                         f'<p class="ok">{escape(w["no_findings"])}</p>')
            parts.append("</div>")
        parts.append("</details>\n")
        self.body.write("".join(parts))

    def _returned_list(self) -> str:
        """At the top: every returned submission with its main reasons, linked to its section."""
        if not self.returned:
            return ""
        zh = self.lang == "zh"
        title = "退回的材料" if zh else "Returned submissions"
        out = [f'<section class="returned"><h2>{escape(title)}（{len(self.returned) + self.returned_more}）</h2><ol>'
               if zh else
               f'<section class="returned"><h2>{escape(title)} ({len(self.returned) + self.returned_more})</h2><ol>']
        for n, path, reasons in self.returned:
            items = []
            for code, k in reasons:
                times = (f"（{k} 处）" if zh else f" ({k}×)") if k > 1 else ""
                items.append(f"<li>{escape(code)} {escape(self._summary_of(code))}{escape(times)}</li>")
            out.append(f'<li><a href="#f{n}">{escape(path)}</a><ul>{"".join(items)}</ul></li>')
        out.append("</ol>")
        if self.returned_more:
            more = (f"另有 {self.returned_more} 份退回的材料，见下文逐个文件。" if zh else
                    f"{self.returned_more} more returned submissions: see the files below.")
            out.append(f'<p class="meta">{escape(more)}</p>')
        out.append("</section>")
        return "".join(out)

    def _summary(self, s: Summary) -> str:
        lang, w, v = self.lang, WORDS[self.lang], VERDICT[self.lang]
        out = ['<div class="cards">',
               # files and documents each by verdict: a workbook holds several forms, some files none
               f'<div class="card"><b>{s.files}</b>{escape(w["files"])}<br><small>{escape(v["pass"])} '
               f'{s.files_passed} · {escape(v["return"])} {s.files_returned}</small></div>',
               f'<div class="card"><b>{s.documents}</b>{escape(w["documents"])}<br><small>{escape(v["pass"])} '
               f'{s.documents_passed} · {escape(v["return"])} {s.documents_returned}</small></div>',
               f'<div class="card"><b>{sum(s.by_rule.values())}</b>{escape(w["findings"])}</div></div>']
        unverified = unverified_text(s, lang)
        if unverified:
            out.append(f'<p class="meta">{escape(unverified)}</p>')
        out.append(self._returned_list())
        if s.by_department:
            out.append(f"<h2>{escape(w['by_department'])}</h2><table>"
                       + self._head(w["department"], w["documents"], v["pass"], v["return"], w["findings"]) + "<tbody>")
            for dep in sorted(s.by_department):
                c = s.by_department[dep]
                name = dep if lang == "zh" or dep != "（未填部门）" else w["no_department"]
                out.append(f"<tr><td>{escape(name)}</td><td class='n'>{c['pass'] + c['return']}</td>"
                           f"<td class='n'>{c['pass']}</td><td class='n'>{c['return']}</td>"
                           f"<td class='n'>{c['findings']}</td></tr>")
            out.append("</tbody></table>")
        if s.by_rule:
            out.append(f"<h2>{escape(w['top_rules'])}</h2><table>"
                       + self._head(w["rule"], w["message"], w["count"]) + "<tbody>")
            for code, n in s.by_rule.most_common(15):
                text = self._summary_of(code) or s.rule_slugs.get(code, "")
                out.append(f"<tr><td>{escape(code)}</td><td>{escape(text)}</td><td class='n'>{n}</td></tr>")
            out.append("</tbody></table>")
        return "".join(out)

    def close(self, summary: Summary) -> None:
        lang, w = self.lang, WORDS[self.lang]
        title = w["title"]
        now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        colon = "：" if lang == "zh" else ": "
        self.out.write(f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
                       f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                       f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
                       f"<h1>{escape(title)}</h1><p class='meta'>perflint {escape(self.meta.version)} · "
                       f"{escape(w['profile'])}{colon}{escape(self.meta.profile)} · {escape(w['generated'])} {now}</p>\n")
        self.out.write(self._summary(summary))
        self.out.write(f"<h2>{escape('Files' if lang == 'en' else '逐个文件')}</h2>\n")
        self.body.seek(0)
        shutil.copyfileobj(self.body, self.out)
        self.body.close()
        self.out.write("</body></html>\n")
        self.out.flush()
        if self._own:
            self.out.close()
