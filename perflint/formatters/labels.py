"""Words the human-readable formats share, in both languages."""
from __future__ import annotations

from ..model import FileResult, Finding

VERDICT = {"zh": {"pass": "通过", "return": "退回"}, "en": {"pass": "PASS", "return": "RETURN"}}
SEVERITY = {"zh": {"error": "错误", "warning": "提醒", "info": "信息"}, "en": {"error": "error", "warning": "warning", "info": "info"}}
WORDS = {
    "zh": {"grade": "审核等级", "file": "文件", "findings": "问题", "waived": "已豁免", "summary": "汇总",
           "files": "文件", "documents": "文档", "by_rule": "按规则", "no_findings": "未发现问题",
           "document": "文档", "code": "规则", "severity": "级别", "location": "位置", "message": "说明",
           "department": "部门", "slowest": "最慢文件", "related": "对照"},
    "en": {"grade": "review grade", "file": "file", "findings": "findings", "waived": "waived", "summary": "Summary",
           "files": "files", "documents": "documents", "by_rule": "by rule", "no_findings": "no findings",
           "document": "document", "code": "code", "severity": "severity", "location": "location", "message": "message",
           "department": "department", "slowest": "slowest files", "related": "compared with"},
}
GRADE_EN = {"优": "excellent", "良": "good", "中": "fair", "差": "poor"}


def grade_label(grade: str, lang: str) -> str:
    return grade if lang == "zh" else f"{grade} ({GRADE_EN.get(grade, grade)})"


def document_title(doc, lang: str) -> str:
    from ..model import KIND_NAMES_ZH

    kind = KIND_NAMES_ZH.get(doc.kind, doc.kind) if lang == "zh" else doc.kind
    parts = [kind]
    if doc.fiscal_year is not None:
        parts.append(f"{doc.fiscal_year}{'年度' if lang == 'zh' else ''}")
    if doc.name:
        parts.append(doc.name)
    if doc.sheet:
        parts.append(f"[{doc.sheet}]")
    return " ".join(str(p) for p in parts)


def finding_message(f: Finding, lang: str) -> str:
    text = f.message
    if f.related:
        text += f"（{WORDS[lang]['related']}：{'; '.join(r.display() for r in f.related)}）" if lang == "zh" else \
            f" ({WORDS[lang]['related']}: {'; '.join(r.display() for r in f.related)})"
    if f.waived:
        text += f" [{WORDS[lang]['waived']}: {f.waiver_reason}]"
    return text


def quiet_skip(result: FileResult) -> bool:
    return result.verdict == "pass"
