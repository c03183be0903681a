"""`perflint rules` and `perflint rule CODE`: the catalogue, readable."""
from __future__ import annotations

import json
import sys

from .catalogue import default_catalogue
from .profiles import load_profile, with_profile_rules

_HEAD = {
    "zh": ("规则", "名称", "级别", "适用表", "检查内容"),
    "en": ("code", "slug", "severity", "forms", "what"),
}
_KIND_SHORT = {"project_target": "项目目标", "dept_target": "部门目标", "project_selfeval": "项目自评", "dept_selfeval": "部门自评"}


def _kinds(meta, lang: str) -> str:
    if len(meta.kinds) == 4:
        return "全部" if lang == "zh" else "all"
    return ("、" if lang == "zh" else ", ").join(_KIND_SHORT[k] if lang == "zh" else k for k in meta.kinds)


def _policy(profile_name: str | None):
    """The catalogue with the profile's own rules, and the profile (None: the shipped catalogue alone)."""
    cat = default_catalogue()
    if profile_name is None:
        return cat, None
    profile = load_profile(profile_name, cat)
    return with_profile_rules(cat, profile), profile


def catalogue_rows(family: str | None, lang: str, profile_name: str | None = None) -> list[tuple[str, str, str, str, str]]:
    cat, profile = _policy(profile_name)
    prefix = (family or "").upper()
    def severity(code: str, default: str) -> str:
        if profile is None:
            return default
        if profile.switched_off(code):
            return "disabled"
        return profile.severity.get(code, default)

    return [(m.code, m.slug, severity(m.code, m.severity), _kinds(m, lang), m.summary[lang])
            for m in cat.rules.values() if m.code.startswith(prefix)]


def markdown_table(lang: str = "zh", family: str | None = None, profile_name: str | None = None) -> str:
    head = _HEAD[lang]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in catalogue_rows(family, lang, profile_name):
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines) + "\n"


def list_rules(family: str | None, lang: str, fmt: str, profile_name: str | None = None) -> None:
    rows = catalogue_rows(family, lang, profile_name)
    if fmt == "json":
        sys.stdout.write(json.dumps([dict(zip(_HEAD["en"], r)) for r in rows], ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "markdown" or not sys.stdout.isatty():
        sys.stdout.write(markdown_table(lang, family, profile_name) if fmt == "markdown" else
                         "".join("\t".join(r) + "\n" for r in rows))
        return
    from rich.console import Console
    from rich.table import Table

    # folded, never cut with "…": a Chinese summary has no spaces to wrap at
    table = Table()
    for i, head in enumerate(_HEAD[lang]):
        table.add_column(head, no_wrap=i in (0, 2), overflow="fold", min_width=4 if i == 0 else None)
    for row in rows:
        table.add_row(*row)
    console = Console()
    if console.is_terminal:  # a line as wide as the terminal makes some terminals add a blank line
        console.width = max(20, console.width - 1)
    console.print(table)


def explain_rule(token: str, lang: str = "zh", profile_name: str = "national") -> bool:
    cat, profile = _policy(profile_name)
    code = cat.resolve(token.strip())
    code = code.upper() if code.upper() in cat else code
    if code not in cat:
        return False
    meta = cat[code]
    zh = lang == "zh"
    severity = profile.severity.get(code, meta.severity)
    out = [f"{meta.code} {meta.slug}  [{severity}]",
           "",
           ("检查内容：" if zh else "What: ") + meta.summary[lang],
           ("适用表：" if zh else "Forms: ") + _kinds(meta, lang)]
    if meta.rationale:
        out.append(("为什么：" if zh else "Why: ") + meta.rationale[lang])
    out.append(("政策依据：" if zh else "Policy basis: ") + meta.source)
    own = next((r for r in profile.rules if r.code == code), None)
    if own is not None:
        from .userrules import describe

        out.extend(describe(own, lang))
    if meta.params:
        out.append("参数：" if zh else "Parameters:")
        for name in meta.params:
            p = cat.parameters[name]
            out.append(f"  {name} = {profile.parameters[name]!r}"
                       f"（{'默认' if zh else 'default'} {p.default!r}）  {p.zh if zh else p.en}")
    if code in profile.mandatory_rules:
        out.append(("本配置中为强制规则，不可豁免。" if zh else "Mandatory in this profile: cannot be waived."))
    out.append(("消息模板：" if zh else "Message: ") + meta.template(lang))
    if meta.advice:
        out.append(("整改建议：" if zh else "What to do: ") + (meta.advice.get(lang) or meta.advice["zh"]))
    if meta.example.get("fail"):
        out.append(("不通过示例：" if zh else "Failing example: ") + meta.example["fail"])
    if meta.example.get("pass"):
        out.append(("通过示例：" if zh else "Passing example: ") + meta.example["pass"])
    sys.stdout.write("\n".join(out) + "\n")
    return True
