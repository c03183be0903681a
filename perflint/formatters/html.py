"""One self-contained HTML page (`-o html:PATH`) for someone who never opens a terminal.

No network, no script: inline CSS, and <details> to fold each file. The summary goes at the top
but is only known at the end, so the files' sections are spooled to a temporary file as they
arrive and copied in after it.
"""
from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from typing import IO, Any

from ..model import FileResult, Finding
from ..report import ReportMeta, Summary
from ..output import open_output
from . import UsesCatalogue
from .safe import html_text as escape
from .labels import (SEVERITY, VERDICT, WORDS, advice, document_title, finding_message, grade_label, location_text,
                     unverified_text)

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
.ok{color:#1a7f37}.advice{color:#555;font-size:.92em;width:38%}
td.code,td.sev{white-space:nowrap}td.where{white-space:nowrap;font-family:monospace;font-size:.92em}
@media print{details{border:none}details>summary{list-style:none}}
"""


class HtmlFormatter(UsesCatalogue):
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, catalogue: Any = None,
                 **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.meta = meta
        self.lang = meta.lang
        self._catalogue = catalogue
        self.body = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.advice: dict[str, str] = {}
        self._n = 0

    def _advice(self, code: str) -> str:
        if code not in self.advice:
            self.advice[code] = advice(self.catalogue.rules.get(code), self.lang)
        return self.advice[code]

    def _badge(self, verdict: str) -> str:
        return f'<span class="badge {verdict}">{escape(VERDICT[self.lang][verdict])}</span>'

    def _findings(self, findings: tuple[Finding, ...]) -> str:
        lang, w = self.lang, WORDS[self.lang]
        rows = [f"<table><tr><th>{w['code']}</th><th>{w['severity']}</th><th>{w['location']}</th>"
                f"<th>{w['message']}</th><th>{w['advice']}</th></tr>"]
        for f in findings:
            cls = ' class="waived"' if f.waived else ""
            rows.append(
                f'<tr{cls}><td class="code">{escape(f.code)}<br><small>{escape(f.slug)}</small></td>'
                f'<td class="sev sev-{f.severity}">{escape(SEVERITY[lang][f.severity])}</td>'
                f'<td class="where">{escape(location_text(f.location, lang))}</td>'
                f'<td class="why">{escape(finding_message(f, lang))}</td>'
                f'<td class="advice">{escape(advice(self.catalogue.rules.get(f.code), self.lang, f))}</td></tr>')
        rows.append("</table>")
        return "".join(rows)

    def file(self, result: FileResult) -> None:
        lang, w = self.lang, WORDS[self.lang]
        count = sum(1 for f in result.all_findings() if not f.waived)
        opened = " open" if result.verdict == "return" else ""
        parts = [f'<details{opened} id="f{self._n}"><summary>{self._badge(result.verdict)} {escape(result.path)}'
                 f' <small>（{count} {w["findings"]}）</small></summary>' if lang == "zh" else
                 f'<details{opened} id="f{self._n}"><summary>{self._badge(result.verdict)} {escape(result.path)}'
                 f' <small>({count} {w["findings"]})</small></summary>']
        self._n += 1
        if result.findings:
            parts.append(f'<div class="doc"><h3>{escape(w["file_findings"])}</h3>{self._findings(result.findings)}</div>')
        for doc in result.documents:
            dep = f" · {escape(doc.department)}" if doc.department else ""
            parts.append(f'<div class="doc"><h3>{self._badge(doc.verdict)} {escape(document_title(doc, lang))}{dep}'
                         f' · {escape(w["grade"])} {escape(grade_label(doc.grade, lang))}</h3>')
            parts.append(self._findings(doc.findings) if doc.findings else
                         f'<p class="ok">{escape(w["no_findings"])}</p>')
            parts.append("</div>")
        parts.append("</details>\n")
        self.body.write("".join(parts))

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
        if s.by_department:
            out.append(f"<h2>{escape(w['by_department'])}</h2><table><tr><th>{w['department']}</th>"
                       f"<th>{w['documents']}</th><th>{v['pass']}</th><th>{v['return']}</th><th>{w['findings']}</th></tr>")
            for dep in sorted(s.by_department):
                c = s.by_department[dep]
                name = dep if lang == "zh" or dep != "（未填部门）" else w["no_department"]
                out.append(f"<tr><td>{escape(name)}</td><td class='n'>{c['pass'] + c['return']}</td>"
                           f"<td class='n'>{c['pass']}</td><td class='n'>{c['return']}</td>"
                           f"<td class='n'>{c['findings']}</td></tr>")
            out.append("</table>")
        if s.by_rule:
            out.append(f"<h2>{escape(w['top_rules'])}</h2><table><tr><th>{w['rule']}</th><th>{w['message']}</th>"
                       f"<th>{w['count']}</th></tr>")
            for code, n in s.by_rule.most_common(15):
                meta = self.catalogue.rules.get(code)
                text = (meta.summary.get(lang) or meta.summary["zh"]) if meta else s.rule_slugs.get(code, "")
                out.append(f"<tr><td>{escape(code)}</td><td>{escape(text)}</td><td class='n'>{n}</td></tr>")
            out.append("</table>")
        return "".join(out)

    def close(self, summary: Summary) -> None:
        lang, w = self.lang, WORDS[self.lang]
        title = w["title"]
        now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        self.out.write(f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
                       f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                       f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
                       f"<h1>{escape(title)}</h1><p class='meta'>perflint {escape(self.meta.version)} · "
                       f"{escape(w['profile'])}：{escape(self.meta.profile)} · {escape(w['generated'])} {now}</p>\n"
                       if lang == "zh" else
                       f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                       f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                       f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
                       f"<h1>{escape(title)}</h1><p class='meta'>perflint {escape(self.meta.version)} · "
                       f"{escape(w['profile'])}: {escape(self.meta.profile)} · {escape(w['generated'])} {now}</p>\n")
        self.out.write(self._summary(summary))
        self.out.write(f"<h2>{escape(w['files'] if lang == 'en' else '逐个文件')}</h2>\n")
        self.body.seek(0)
        shutil.copyfileobj(self.body, self.out)
        self.body.close()
        self.out.write("</body></html>\n")
        self.out.flush()
        if self._own:
            self.out.close()
