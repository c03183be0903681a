"""Words the human-readable formats share, in both languages."""
from __future__ import annotations

from ..model import FileResult, Finding

VERDICT = {"zh": {"pass": "通过", "return": "退回"}, "en": {"pass": "PASS", "return": "RETURN"}}
SEVERITY = {"zh": {"error": "错误", "warning": "提醒", "info": "信息"}, "en": {"error": "error", "warning": "warning", "info": "info"}}
WORDS = {
    "zh": {"grade": "审核等级", "file": "文件", "findings": "问题", "waived": "已豁免", "summary": "汇总",
           "files": "文件", "documents": "文档", "by_rule": "按规则", "no_findings": "未发现问题",
           "document": "文档", "code": "规则", "severity": "级别", "location": "位置", "message": "说明",
           "department": "部门", "slowest": "最慢文件", "related": "对照",
           "project": "项目", "form": "表类型", "verdict": "审核结论", "advice": "整改建议", "passed": "通过",
           "returned": "退回", "top_rules": "最常见问题", "seconds": "秒", "by_department": "按部门",
           "fiscal_year": "年度", "project_code": "项目编码", "file_findings": "文件级问题", "no_department": "（未填部门）",
           "title": "预算绩效审核意见", "generated": "生成", "profile": "审核口径", "source": "依据", "count": "次数",
           "total": "合计", "rule": "规则", "file_level": "文件本身", "slug": "名称"},
    "en": {"grade": "review grade", "file": "file", "findings": "findings", "waived": "waived", "summary": "Summary",
           "files": "files", "documents": "documents", "by_rule": "by rule", "no_findings": "no findings",
           "document": "document", "code": "code", "severity": "severity", "location": "location", "message": "message",
           "department": "department", "slowest": "slowest files", "related": "compared with",
           "project": "project", "form": "form", "verdict": "verdict", "advice": "what to do", "passed": "passed",
           "returned": "returned", "top_rules": "most frequent rules", "seconds": "s", "by_department": "by department",
           "fiscal_year": "year", "project_code": "project code", "file_findings": "file-level findings",
           "no_department": "(no department)", "title": "Budget performance review", "generated": "generated",
           "profile": "profile", "source": "basis", "count": "count", "total": "total", "rule": "rule",
           "file_level": "the file itself", "slug": "name"},
}
GRADE_EN = {"优": "excellent", "良": "good", "中": "fair", "差": "poor"}
KIND_NAMES_EN = {"project_target": "project performance targets", "dept_target": "department performance targets",
                 "project_selfeval": "project self-evaluation", "dept_selfeval": "department self-evaluation"}


def grade_label(grade: str, lang: str) -> str:
    return grade if lang == "zh" else GRADE_EN.get(grade, grade)


def document_title(doc, lang: str) -> str:
    from ..model import KIND_NAMES_ZH

    kind = KIND_NAMES_ZH.get(doc.kind, doc.kind) if lang == "zh" else KIND_NAMES_EN.get(doc.kind, doc.kind)
    parts = [kind]
    if doc.fiscal_year is not None:
        parts.append(f"{doc.fiscal_year}{'年度' if lang == 'zh' else ''}")
    if doc.name:
        parts.append(doc.name)
    if doc.sheet:
        parts.append(f"[{doc.sheet}]")
    return " ".join(str(p) for p in parts)


def finding_message(f: Finding, lang: str, names_only: bool = False) -> str:
    """The message with the documents it was compared with; `names_only` for what a department is
    sent: their file names, not the bureau's folders."""
    text = f.message
    if f.related:
        import os

        shown = "; ".join(os.path.basename(r.path) + (f" {r.display()[len(r.path):].strip()}" if r.display() != r.path else "")
                          if names_only else r.display() for r in f.related)
        text += f"（{WORDS[lang]['related']}：{shown}）" if lang == "zh" else f" ({WORDS[lang]['related']}: {shown})"
    if f.waived:
        text += f" [{WORDS[lang]['waived']}: {f.waiver_reason}]"
    return text


def quiet_skip(result: FileResult) -> bool:
    return result.verdict == "pass"


def kind_label(kind: str | None, lang: str) -> str:
    from ..model import KIND_NAMES_ZH

    if not kind:
        return ""
    return KIND_NAMES_ZH.get(kind, kind) if lang == "zh" else KIND_NAMES_EN.get(kind, kind)


def advice(meta, lang: str, finding: Finding | None = None) -> str:
    """整改建议: what to do about a finding. The rule's advice template over the finding's values
    (where perflint computed the expected figure, it says it: "E8 应为 1300.00（= 1250.00 + 50.00）"),
    else the rule's summary as the thing to put right."""
    if meta is None:
        return ""
    template = meta.advice.get(lang) or meta.advice.get("zh") if meta.advice else ""
    if template:
        from ..messages import render

        import string

        args = dict(finding.args) if finding is not None else {}
        # {doc[/project/name]} (a profile's own rule) needs the finding's `doc`
        names = {name.split("[", 1)[0] for _, name, _, _ in string.Formatter().parse(template) if name}
        if names <= args.keys():  # else a finding stamped before its rule passed these values (an old cache)
            return render(template, args, lang)
    return meta.summary.get(lang) or meta.summary.get("zh") or ""


def department_of(result: FileResult, lang: str = "zh") -> str:
    """The department a file belongs to in reports: its first document's, or the no-department bucket."""
    for doc in result.documents:
        if doc.department:
            return doc.department
    return WORDS[lang]["no_department"] if lang != "zh" else "（未填部门）"


def readable_location(location, kind: str | None, lang: str) -> str:
    """Where a finding is, for people: the cell of a workbook (表!E9), else the field's name on
    the form (指标 1 · 得分); the pointer stays for tooltips and machine formats."""
    if location.sheet and location.cell:
        return f"{location.sheet}!{location.cell}"
    if not location.pointer:
        return location.sheet or ("（整个文件）" if lang == "zh" else "(whole file)")
    from ..schema import field_label

    label = field_label(kind, location.pointer, lang)
    return f"{location.sheet} · {label}" if location.sheet else label


def location_text(location, lang: str) -> str:
    """Where a finding is, for people: Sheet1!E9, a JSON pointer, or the whole file."""
    if not location.sheet and not location.pointer:
        return "（整个文件）" if lang == "zh" else "(whole file)"
    return location.display()


def counts_text(summary, lang: str) -> str:
    """Files and documents, each by verdict: a workbook holds several forms, and a file that yields
    none is a returned file without a document, so the two never add up to one count."""
    if lang == "zh":
        return (f"文件 {summary.files}（通过 {summary.files_passed}，退回 {summary.files_returned}），"
                f"文档 {summary.documents}（通过 {summary.documents_passed}，退回 {summary.documents_returned}）")
    return (f"{summary.files} files ({summary.files_passed} passed, {summary.files_returned} returned), "
            f"{summary.documents} documents ({summary.documents_passed} passed, {summary.documents_returned} returned)")


def unverified_text(summary, lang: str) -> str:
    """The one line naming the H rules no document could answer without a history source, or ""."""
    rules = summary.unverified_rules()
    if not rules:
        return ""
    years = sorted({y for r in rules for y in r["years"]}, key=str)
    if lang == "zh":
        codes = "、".join(r["code"] for r in rules)
        within = f"也没有可对照的 {'、'.join(map(str, years))} 年度文件" if years else "也没有可对照的文件"
        return (f"未核验 {codes}：未配置历史来源（--history、--registry 或配置文件中的 history），"
                f"本次检查的文件中{within}")
    codes = ", ".join(r["code"] for r in rules)
    within = f"hold no {', '.join(map(str, years))} documents to compare with" if years else \
        "hold nothing to compare with"
    return (f"Not verified {codes}: no history source is configured (--history, --registry or history in the "
            f"config) and the files checked {within}")


def unverified_message(entry: dict, lang: str) -> str:
    """Why one rule of `summary.unverified` went unanswered, in words."""
    years = entry.get("years") or []
    if lang == "zh":
        within = f"也没有可对照的 {'、'.join(map(str, years))} 年度文件" if years else "也没有可对照的文件"
        return (f"无法核验 {entry['code']}：未配置历史来源（--history、--registry 或配置文件中的 history），"
                f"本次检查的文件中{within}")
    within = f"hold no {', '.join(map(str, years))} documents to compare with" if years else \
        "hold nothing to compare with"
    return (f"Cannot verify {entry['code']}: no history source is configured (--history, --registry or history "
            f"in the config) and the files checked {within}")
