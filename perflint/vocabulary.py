"""The label knowledge of perflint, as data: rules/aliases.toml, loaded and checked once.

One place for how forms spell things: label aliases, block headings, indicator level names and the
decorations forms add to them, operator spellings, template placeholders and layout hints. The
workbook reader reads forms with it, `perflint template` writes them with it, the shared value
parsing (values.py) reads operators with it. Nothing is loaded until first asked for: a one-file
check runs as a pre-commit hook.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Mapping

# the six operators of the canonical model (FORMS.md); their spellings are data
OPERATORS = ("≥", ">", "=", "≤", "<", "定性")
POSITIVE = ("≥", ">")
REVERSE = ("≤", "<")

# The grade bands of 财预〔2020〕10号, best first: each grade's lowest total score.
GRADE_BANDS = (("优", 90.0), ("良", 80.0), ("中", 60.0), ("差", float("-inf")))
GRADES = tuple(name for name, _ in GRADE_BANDS)

# 项目属性: the two values a form offers, and every spelling in use with its meaning.
# 经常性项目 recur every year and so continue; 一次性项目 are new by nature.
ATTRIBUTES = ("新增", "延续")
ATTRIBUTE_KINDS = {
    "新增": "new", "新增项目": "new", "一次性项目": "new",
    "延续": "continuing", "延续项目": "continuing", "延续性项目": "continuing", "经常性项目": "continuing",
}

# What officers write into a cell they have nothing to put in (after half-width folding, no spaces):
# such a cell is as empty as a blank one.
EMPTY_MARKS = frozenset({"", "-", "--", "—", "——", "/", "\\", "无", "…", "……", "...", "......"})
# An indicator value left for later (after half-width folding, no spaces, lower case: X = x).
VALUE_PLACEHOLDERS = frozenset({"*", "**", "***", "**%", "*%", "x", "xx", "xxx", "x%", "xx%", "待定", "另行确定",
                                "—", "——", "-", "--"})
# A template's spare 三级 name (指标2, ……) is data: rules/aliases.toml [placeholders], is_placeholder_name.

_TABLES = ("labels", "headings", "levels", "operators", "placeholders", "layout")


class Vocabulary:
    """The loaded tables (a plain class: a dataclass costs more to define than the check path
    should pay before any form needs it)."""

    labels: Mapping[str, tuple[str, ...]]       # canonical label → other spellings
    headings: tuple[str, ...]
    level1: tuple[str, ...]
    level2: tuple[str, ...]
    ordinal_prefix: re.Pattern
    weight_suffix: re.Pattern
    trailing: tuple[str, ...]
    value_suffix: str
    operators: Mapping[str, str | None]         # spelling (NFKC, no spaces) → canonical, None for 定量
    suffix_operators: tuple[tuple[str, str], ...]
    cell_only_operators: frozenset[str]
    placeholder_names: frozenset[str]
    placeholder_patterns: tuple[re.Pattern, ...]
    layout: Mapping[str, tuple[str, ...]]
    parent: Mapping[str, str]  # 二级 written in the 一级 column → its 一级

    def __init__(self, **tables: Any) -> None:
        self.__dict__.update(tables)

    @property
    def level_names(self) -> frozenset[str]:
        return frozenset(self.level1 + self.level2)


def _path():
    from .data import data_dir

    return data_dir("rules") / "aliases.toml"


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The shipped vocabulary; a broken rules/aliases.toml is a DataError naming the file and key."""
    from .data import DataError, load_toml

    path = _path()
    raw = load_toml(path)
    unknown = set(raw) - set(_TABLES)
    if unknown:
        raise DataError(path, sorted(unknown)[0], f"unknown table (allowed: {', '.join(_TABLES)})")

    def table(name: str) -> dict:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise DataError(path, name, "must be a table")
        return value

    def strings(where: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
            raise DataError(path, where, "must be a list of non-empty strings")
        return tuple(value)

    def pattern(where: str, value: Any) -> re.Pattern:
        if not isinstance(value, str):
            raise DataError(path, where, "must be a regular expression (a string)")
        try:
            return re.compile(value)
        except re.error as exc:
            raise DataError(path, where, f"not a valid regular expression: {exc}") from None

    labels = {}
    for canon, spellings in table("labels").items():
        labels[canon] = strings(f"labels.{canon}", spellings)
    headings = strings("headings.names", table("headings").get("names", []))
    lv = table("levels")
    ops_raw = dict(table("operators"))
    none = strings("operators.none", ops_raw.pop("none", []))
    suffix = ops_raw.pop("suffix", {})
    if not isinstance(suffix, dict) or any(v not in OPERATORS for v in suffix.values()):
        raise DataError(path, "operators.suffix", f"must map spellings to one of {' '.join(OPERATORS)}")
    cell_only = strings("operators.cell_only", ops_raw.pop("cell_only", []))
    operators: dict[str, str | None] = {}
    for canon, spellings in ops_raw.items():
        if canon not in OPERATORS:
            raise DataError(path, f"operators.{canon}", f"not one of the operators {' '.join(OPERATORS)}")
        for s in strings(f"operators.{canon}", spellings):
            operators.setdefault(fold_operator_text(s), canon)
    for s in none:
        operators.setdefault(fold_operator_text(s), None)
    ph = table("placeholders")
    layout = {k: strings(f"layout.{k}", v) for k, v in table("layout").items()}
    return Vocabulary(
        labels=labels, headings=headings,
        level1=strings("levels.level1", lv.get("level1", [])), level2=strings("levels.level2", lv.get("level2", [])),
        ordinal_prefix=pattern("levels.ordinal_prefix", lv.get("ordinal_prefix", "(?!)")),
        weight_suffix=pattern("levels.weight_suffix", lv.get("weight_suffix", "(?!)")),
        trailing=strings("levels.trailing", lv.get("trailing", [])),
        value_suffix=str(lv.get("value_suffix", "")),
        operators=operators,
        suffix_operators=tuple((fold_operator_text(k), v) for k, v in suffix.items()),
        cell_only_operators=frozenset(fold_operator_text(s) for s in cell_only),
        placeholder_names=frozenset(fold_text(s) for s in strings("placeholders.names", ph.get("names", []))),
        placeholder_patterns=tuple(pattern(f"placeholders.patterns[{i}]", p)
                                   for i, p in enumerate(ph.get("patterns", []))),
        layout=layout,
        parent=_parents(path, lv.get("parent", {})),
    )


def _parents(path, raw: Any) -> dict[str, str]:
    from .data import DataError

    if not isinstance(raw, dict) or any(not isinstance(v, str) for v in raw.values()):
        raise DataError(path, "levels.parent", "must map a 二级 name to its 一级 name")
    return {fold_text(k): v for k, v in raw.items()}


def level_parent(name: str) -> str | None:
    """The 一级 of a 二级 name written in the 一级 column, if the vocabulary knows it."""
    return vocabulary().parent.get(fold_text(name))


def layout(key: str) -> tuple[str, ...]:
    return vocabulary().layout.get(key, ())


# ---- text folding -----------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def fold_text(text: str) -> str:
    """NFKC (full-width, ﹦, ＞, …), spaces and line breaks removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def fold_operator_text(text: str) -> str:
    return fold_text(text)


# ---- operators --------------------------------------------------------------------------------
def operator_of(text: str) -> tuple[bool, str | None]:
    """(known, canonical) for a whole 指标性质 cell; unknown text gives (False, None)."""
    t = fold_text(text)
    ops = vocabulary().operators
    if t in ops:
        return True, ops[t]
    return False, None


@lru_cache(maxsize=1)
def prefix_operators() -> tuple[tuple[str, str], ...]:
    """Spellings that may open a value (≥95%, 不低于90%), longest first so 大于等于 wins over 大于."""
    voc = vocabulary()
    items = [(k, v) for k, v in voc.operators.items()
             if v is not None and k not in voc.cell_only_operators and k not in dict(voc.suffix_operators)]
    return tuple(sorted(items, key=lambda kv: -len(kv[0])))


def suffix_operators() -> tuple[tuple[str, str], ...]:
    return vocabulary().suffix_operators


# ---- levels -----------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def level_name(text: str) -> str:
    """A 一级/二级 cell as the tree names it: 一、产出指标, 产出指标(50分), 产出指标（50）,
    服务对象满意度指标等 and 产出值 all give the plain name. Text that is no decorated level name is
    returned without its spaces only."""
    voc = vocabulary()
    t = fold_text(text)
    if not t:
        return t
    known = voc.level_names
    m = voc.ordinal_prefix.match(t)
    if m and len(t) > m.end():
        t = t[m.end():]
    for _ in range(2):  # 产出指标(50分)等, 产出指标等(50分)
        m = voc.weight_suffix.search(t)
        if m and m.start() > 0:
            t = t[:m.start()]
        for word in voc.trailing:
            if t.endswith(word) and len(t) > len(word):
                stem = t[: -len(word)]
                if stem.endswith("指标") or stem in known or stem + "指标" in known:
                    t = stem
    suffix = voc.value_suffix
    if suffix and t.endswith(suffix) and len(t) > len(suffix):
        stem = t[: -len(suffix)]
        if stem + "指标" in known:
            t = stem + "指标"
    return t


# ---- placeholders -----------------------------------------------------------------------------
def is_placeholder_name(text: Any) -> bool:
    """A template's spare 三级 text: 指标2, 指标2：, ……, …, /, —, 无."""
    if not isinstance(text, str):
        return False
    voc = vocabulary()
    t = fold_text(text).rstrip(":")
    if not t:
        return True
    return t in voc.placeholder_names or any(p.search(t) for p in voc.placeholder_patterns)


# ---- the label table a profile extends --------------------------------------------------------
def alias_line(spelling: str, canonical: str) -> str:
    """The line that teaches perflint a spelling, as a profile's [aliases.labels] entry."""
    return f'"{spelling}" = "{canonical}"'


def render_hint(hint: Mapping[str, Any], lang: str = "zh") -> str:
    """The sentence added to a finding on a field whose label the reader did not find."""
    seen = hint.get("seen") or []
    label = hint.get("label", "")
    if lang == "en":
        out = f" (no label \"{label}\" found"
        out += f"; labels seen: {', '.join(seen)}" if seen else ""
        if hint.get("line"):
            out += f"; if {hint.get('cell')} means it, add to a profile's [aliases.labels]: {hint['line']} " \
                   f"(or add the spelling to \"{label}\" in rules/aliases.toml [labels])"
        return out + ")"
    out = f"（未找到“{label}”标签"
    out += f"；该表中未识别的标签：{'、'.join(seen)}" if seen else ""
    if hint.get("line"):
        out += f"；如 {hint.get('cell')} 即此项，请在 profile 的 [aliases.labels] 中加一行 {hint['line']}" \
               f"（或将其加入 rules/aliases.toml [labels] 中“{label}”的别名）"
    return out + "）"


# ---- grades -----------------------------------------------------------------------------------
def grade_of_score(total: float | None) -> str | None:
    """The grade of a total score (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 < 60); a sum of floats a hair
    under a band's floor (89.999999999) is in the band."""
    if total is None:
        return None
    for name, floor in GRADE_BANDS:
        if total >= floor - 1e-9:
            return name
    return GRADES[-1]


def grade_named(text: Any) -> str | None:
    """The grade a form states (`优`, `优秀`, `良好`, `中等`, `较差`), or None if it states none."""
    if not isinstance(text, str):
        return None
    t = "".join(text.split())
    for name in GRADES:
        if name in t:
            return name
    return None


def grade_band_text() -> str:
    """The bands as the template's notes state them."""
    (best, top), (second, mid), (third, low), (last, _) = GRADE_BANDS
    return (f"{top:g} 分（含）以上为{best}，{mid:g}–{top:g} 为{second}，{low:g}–{mid:g} 为{third}，"
            f"{low:g} 分以下为{last}")
