"""The rules' pages, docs/rules/CODE.md and docs/rules/README.md, generated from the catalogue (as the
README's rule table is): SARIF links every rule to its page (`helpUri`). Regenerate with
`python -m perflint.rule_docs`; a test fails while the pages and the catalogue differ."""
from __future__ import annotations

import sys
from pathlib import Path

from .catalogue import Catalogue, RuleMeta, default_catalogue
from .explain import markdown_table

_KINDS = {"project_target": "项目支出绩效目标表 project target",
          "dept_target": "部门整体支出绩效目标表 department target",
          "project_selfeval": "项目支出绩效自评表 project self-evaluation",
          "dept_selfeval": "部门整体支出绩效自评表 department self-evaluation"}
_SEVERITY = {"error": "error 错误（退回）", "warning": "warning 警告", "info": "info 提示"}


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def rule_page(meta: RuleMeta, cat: Catalogue) -> str:
    out = [f"# {meta.code} {meta.slug}", "",
           "<!-- generated from the rule catalogue (rules/*.toml) by `python -m perflint.rule_docs`: do not edit -->", "",
           f"- 级别 Severity: {_SEVERITY.get(meta.severity, meta.severity)} (profiles may change it)",
           "- 适用表 Forms: " + "; ".join(_KINDS[k] for k in meta.kinds),
           f"- 政策依据 Policy source: {meta.source}", ""]
    for lang, title in (("zh", "## 检查内容"), ("en", "## What it checks")):
        out += [title, "", meta.summary[lang], ""]
        if meta.rationale.get(lang):
            out += [meta.rationale[lang], ""]
    out += ["## 消息 Message", "", "- zh: " + _code(meta.message["zh"]), "- en: " + _code(meta.message["en"]), ""]
    if meta.advice:
        out += ["## 整改建议 What to do", "", "- zh: " + _code(meta.advice["zh"]), "- en: " + _code(meta.advice["en"]), ""]
    if meta.variants:
        out += ["### 其他情形 Variants", ""]
        for name, table in meta.variants.items():
            out += [f"- `{name}`", f"  - zh: {_code(table['zh'])}", f"  - en: {_code(table['en'])}"]
        out.append("")
    if meta.params:
        out += ["## 参数 Parameters", "", "| name | default | 说明 | meaning |", "|---|---|---|---|"]
        for name in meta.params:
            p = cat.parameters[name]
            out.append(f"| `{name}` | `{p.default!r}` | {p.zh} | {p.en} |")
        out.append("")
    if meta.example.get("fail") or meta.example.get("pass"):
        out += ["## 示例 Examples", ""]
        if meta.example.get("fail"):
            out += ["不通过 Failing:", "", "```json", meta.example["fail"], "```", ""]
        if meta.example.get("pass"):
            out += ["通过 Passing:", "", "```json", meta.example["pass"], "```", ""]
    out += [f"`perflint rule {meta.code}` prints this page's content; `perflint rule {meta.code} --lang en` in English.", ""]
    return "\n".join(out)


def index_page(cat: Catalogue) -> str:
    table = markdown_table("zh")
    linked = []
    for line in table.splitlines():
        cells = line.split(" | ")
        code = cells[0].lstrip("| ").strip()
        if code in cat:
            cells[0] = f"| [{code}]({code}.md)"
        linked.append(" | ".join(cells))
    return ("# perflint rules\n\n"
            "<!-- generated from the rule catalogue (rules/*.toml) by `python -m perflint.rule_docs`: do not edit -->\n\n"
            "One page per rule: what it checks, why, its policy source, parameters and examples.\n\n"
            + "\n".join(linked) + "\n")


def pages(cat: Catalogue | None = None) -> dict[str, str]:
    """File name → content of every page."""
    cat = cat or default_catalogue()
    out = {f"{code}.md": rule_page(meta, cat) for code, meta in cat.rules.items()}
    out["README.md"] = index_page(cat)
    return out


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for old in folder.glob("*.md"):
        if old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        (folder / name).write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs" / "rules")
