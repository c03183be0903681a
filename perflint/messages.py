"""Message templates rendered the way finance officers write numbers (万元, two decimals)."""
from __future__ import annotations

import string
from typing import Any, Mapping


def fmt_amount(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.2f}".replace(",", "")


def fmt_number(value: Any) -> str:
    """A number as written on a form: no trailing zeros, at most four decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "（空）" if value is None else str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, spec: str) -> str:
        if spec == "wan":
            return f"{fmt_amount(value)} 万元" if self.lang == "zh" else f"{fmt_amount(value)} (10k yuan)"
        if spec == "amt":
            return fmt_amount(value)
        if spec == "pct":
            return f"{fmt_amount(value)}%" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        if spec == "num":
            return fmt_number(value)
        if spec == "list":
            sep = "、" if self.lang == "zh" else ", "
            return sep.join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        if value is None:
            return "（空）" if self.lang == "zh" else "(empty)"
        return super().format_field(value, spec)

    def get_value(self, key: Any, args: Any, kwargs: Mapping[str, Any]) -> Any:
        # A template naming a value the rule did not supply must still render, visibly.
        if isinstance(key, str) and key not in kwargs:
            return "{" + key + "}"
        return super().get_value(key, args, kwargs)


_FORMATTERS = {"zh": _Formatter("zh"), "en": _Formatter("en")}
_PARSED: dict[str, tuple | None] = {}


def _parse(template: str) -> tuple | None:
    """The template as (literal, field name, spec) parts, once per template; None where a field
    asks for more than a plain name with a spec (a conversion, an attribute, an index, a nested
    spec): string.Formatter renders those."""
    parts = []
    for literal, name, spec, conversion in _FORMATTERS["zh"].parse(template):
        if name is not None and (conversion or not name.isidentifier() or "{" in (spec or "")):
            return None
        parts.append((literal, name, spec or ""))
    return tuple(parts)


def render(template: str, args: Mapping[str, Any], lang: str = "zh") -> str:
    formatter = _FORMATTERS.get(lang, _FORMATTERS["zh"])
    try:
        parts = _PARSED[template]
    except KeyError:
        parts = _PARSED[template] = _parse(template) if len(_PARSED) < 4096 else None
    if parts is None:
        return formatter.vformat(template, (), args)
    out = []
    for literal, name, spec in parts:
        out.append(literal)
        if name is not None:
            out.append(formatter.format_field(args[name] if name in args else "{" + name + "}", spec))
    return "".join(out)
