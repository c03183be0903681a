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
from functools import lru_cache, partial
from typing import Any, Mapping

# the six operators a canonical indicator may hold (指标性质); their spellings are data
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
    placeholder_prefix: re.Pattern  # 指标1: before a placeholder (指标1:/)
    layout: Mapping[str, tuple[str, ...]]
    parent: Mapping[str, str]  # 二级 written in the 一级 column → its 一级

    def __init__(self, **tables: Any) -> None:
        self.__dict__.update(tables)
        self._prefix_operators: tuple[tuple[str, str], ...] | None = None
        self._placeholder_seen: dict[str, bool] = {}  # a bureau's returns repeat their 三级 names
        self._level_names: dict[str, str] = {}

    @property
    def level_names(self) -> frozenset[str]:
        return frozenset(self.level1 + self.level2)

    def layout_of(self, key: str) -> tuple[str, ...]:
        return self.layout.get(key, ())

    def operator_of(self, text: str) -> tuple[bool, str | None]:
        """(known, canonical) for a whole 指标性质 cell; unknown text gives (False, None)."""
        t = fold_text(text)
        if t in self.operators:
            return True, self.operators[t]
        return False, None

    def prefix_operators(self) -> tuple[tuple[str, str], ...]:
        """Spellings that may open a value (≥95%, 不低于90%), longest first so 大于等于 wins over 大于."""
        if self._prefix_operators is None:
            suffix = dict(self.suffix_operators)
            items = [(k, v) for k, v in self.operators.items()
                     if v is not None and k not in self.cell_only_operators and k not in suffix]
            self._prefix_operators = tuple(sorted(items, key=lambda kv: -len(kv[0])))
        return self._prefix_operators

    def level_parent(self, name: str) -> str | None:
        """The 一级 of a 二级 name written in the 一级 column, if the vocabulary knows it."""
        return self.parent.get(fold_text(name))

    def level_name(self, text: str) -> str:
        """A 一级/二级 cell as the tree names it: 一、产出指标, 产出指标(50分), 产出指标（50）,
        服务对象满意度指标等 and 产出值 all give the plain name. Text that is no decorated level name
        is returned without its spaces only."""
        cache = self._level_names
        out = cache.get(text)
        if out is None:
            if len(cache) > 4096:
                cache.clear()
            out = cache[text] = self._level_name(text)
        return out

    def _level_name(self, text: str) -> str:
        t = fold_text(text)
        if not t:
            return t
        known = self.level_names
        m = self.ordinal_prefix.match(t)
        if m and len(t) > m.end():
            t = t[m.end():]
        for _ in range(2):  # 产出指标(50分)等, 产出指标等(50分)
            m = self.weight_suffix.search(t)
            if m and m.start() > 0:
                t = t[:m.start()]
            elif m:  # (50分) alone: the weight of a level whose name was left out
                return ""
            for word in self.trailing:
                if t.endswith(word) and len(t) > len(word):
                    stem = t[: -len(word)]
                    if stem.endswith("指标") or stem in known:
                        t = stem
                    elif stem + "指标" in known:  # 产出类, 效益等: the level's own name
                        t = stem + "指标"
        suffix = self.value_suffix
        if suffix and t.endswith(suffix) and len(t) > len(suffix):
            stem = t[: -len(suffix)]
            if stem + "指标" in known:
                t = stem + "指标"
        return t

    def is_placeholder_name(self, text: Any) -> bool:
        """A template's spare 三级 text: 指标2, 指标2：, ……, …, /, —, 无."""
        if not isinstance(text, str):
            return False
        seen = self._placeholder_seen.get(text)
        if seen is None:
            if len(self._placeholder_seen) >= 20_000:
                self._placeholder_seen.clear()
            seen = self._placeholder_seen[text] = self._is_placeholder_name(text)
        return seen

    def _is_placeholder_name(self, text: str) -> bool:
        t = fold_text(text).rstrip(":")
        m = self.placeholder_prefix.match(t)
        if m:
            t = t[m.end():]
        if not t:
            return True
        return t in self.placeholder_names or any(p.search(t) for p in self.placeholder_patterns)


def _path():
    from .data import data_dir

    return data_dir("rules") / "aliases.toml"


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The shipped vocabulary; a broken rules/aliases.toml is a DataError naming the file and key."""
    from .data import DataError, load_tables, regex, string_list, table as checked_table

    path = _path()
    raw = load_tables(path, _TABLES)

    def table(name: str) -> dict:
        return checked_table(path, name, raw.get(name, {}))

    strings, pattern = partial(string_list, path), partial(regex, path)

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
        placeholder_prefix=pattern("placeholders.prefix", ph.get("prefix", "(?!)")),
        layout=layout,
        parent=_parents(path, lv.get("parent", {})),
    )


# ---- a profile's additions ----------------------------------------------------------------------
# The groups of a profile's [aliases] table: labels, level1 and level2 are alias = canonical tables
# (labels for the reader, level1/level2 for the indicator rules); the others add to the shipped
# vocabulary what a province writes (operators, placeholders, level decorations, headings, layout).
PROFILE_ALIAS_GROUPS = ("labels", "level1", "level2", "operators", "placeholders", "levels", "headings", "layout")
_VOCABULARY_GROUPS = ("operators", "placeholders", "levels", "headings", "layout")
_GROUP_KEYS = {"placeholders": {"names", "patterns"}, "levels": {"trailing", "ordinal_prefix", "weight_suffix", "parent"},
               "headings": {"names"}}


def check_profile_aliases(aliases: Any, source: Any) -> dict[str, dict]:
    """A profile's [aliases] table, checked: a DataError names the file and the key that is wrong."""
    from .data import DataError

    if not isinstance(aliases, dict) or any(not isinstance(v, dict) for v in aliases.values()):
        raise DataError(source, "aliases", "must be tables ([aliases.labels], [aliases.operators], …)")
    for group, table in aliases.items():
        if group not in PROFILE_ALIAS_GROUPS:
            raise DataError(source, f"aliases.{group}", f"unknown table (allowed: {', '.join(PROFILE_ALIAS_GROUPS)})")
        if group in ("labels", "level1", "level2"):
            for alias, canonical in table.items():
                if not isinstance(canonical, str) or not canonical.strip():
                    raise DataError(source, f"aliases.{group}.{alias}", f"must be a label (text), got {canonical!r}")
    if any(g in aliases for g in _VOCABULARY_GROUPS):
        _extend(vocabulary(), {g: aliases[g] for g in _VOCABULARY_GROUPS if g in aliases}, source)
    return {k: dict(v) for k, v in aliases.items()}


_EXTENDED: dict[str, Vocabulary] = {}


def vocabulary_for(aliases: Mapping[str, Any] | None) -> Vocabulary:
    """The shipped vocabulary with a profile's additions (checked when the profile was loaded)."""
    extra = {g: aliases[g] for g in _VOCABULARY_GROUPS if aliases and aliases.get(g)}
    if not extra:
        return vocabulary()
    key = repr(sorted((g, sorted(t.items())) for g, t in extra.items()))
    voc = _EXTENDED.get(key)
    if voc is None:
        voc = _EXTENDED[key] = _extend(vocabulary(), extra, "profile")
    return voc


def _extend(base: Vocabulary, extra: Mapping[str, Mapping[str, Any]], source: Any) -> Vocabulary:
    from .data import DataError, regex, string_list

    def strings(where: str, value: Any) -> tuple[str, ...]:
        return string_list(source, f"aliases.{where}", value)

    def pattern(where: str, value: Any) -> str:
        return regex(source, f"aliases.{where}", value).pattern

    for group, allowed in _GROUP_KEYS.items():
        for key in set(extra.get(group) or {}) - allowed:
            raise DataError(source, f"aliases.{group}.{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    tables = dict(base.__dict__)  # the new vocabulary's __init__ starts its own caches
    operators = dict(base.operators)
    for spelling, canon in (extra.get("operators") or {}).items():
        if canon not in OPERATORS + ("定量",):
            raise DataError(source, f"aliases.operators.{spelling}",
                            f"must be one of {' '.join(OPERATORS)} 定量, got {canon!r}")
        if not fold_operator_text(spelling):
            raise DataError(source, f"aliases.operators.{spelling}", "the spelling is blank")
        operators[fold_operator_text(spelling)] = None if canon == "定量" else canon
    tables["operators"] = operators
    ph = extra.get("placeholders") or {}
    tables["placeholder_names"] = base.placeholder_names | frozenset(
        fold_text(s) for s in strings("placeholders.names", ph.get("names", [])))
    tables["placeholder_patterns"] = base.placeholder_patterns + tuple(
        re.compile(pattern(f"placeholders.patterns[{i}]", p))
        for i, p in enumerate(strings("placeholders.patterns", ph.get("patterns", []))))
    lv = extra.get("levels") or {}
    tables["trailing"] = base.trailing + strings("levels.trailing", lv.get("trailing", []))
    if "ordinal_prefix" in lv:  # anchored at the start, as the shipped one
        tables["ordinal_prefix"] = re.compile(
            f"(?:{base.ordinal_prefix.pattern})|^(?:{pattern('levels.ordinal_prefix', lv['ordinal_prefix'])})")
    if "weight_suffix" in lv:  # anchored at the end
        tables["weight_suffix"] = re.compile(
            f"(?:{base.weight_suffix.pattern})|(?:{pattern('levels.weight_suffix', lv['weight_suffix'])})$")
    parent = lv.get("parent", {})
    if not isinstance(parent, dict) or any(not isinstance(v, str) or v not in base.level1 for v in parent.values()):
        raise DataError(source, "aliases.levels.parent", f"must map a 二级 name to one of {' '.join(base.level1)}")
    tables["parent"] = {**base.parent, **{fold_text(k): v for k, v in parent.items()}}
    tables["headings"] = base.headings + strings("headings.names", (extra.get("headings") or {}).get("names", []))
    layout = dict(base.layout)
    for key, values in (extra.get("layout") or {}).items():
        if key not in base.layout:
            raise DataError(source, f"aliases.layout.{key}", f"unknown hint (known: {', '.join(sorted(base.layout))})")
        layout[key] = base.layout[key] + strings(f"layout.{key}", values)
    tables["layout"] = layout
    return Vocabulary(**tables)


def _parents(path, raw: Any) -> dict[str, str]:
    from .data import DataError

    if not isinstance(raw, dict) or any(not isinstance(v, str) for v in raw.values()):
        raise DataError(path, "levels.parent", "must map a 二级 name to its 一级 name")
    return {fold_text(k): v for k, v in raw.items()}


# ---- text folding -----------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def fold_text(text: str) -> str:
    """NFKC (full-width, ﹦, ＞, …), spaces and line breaks removed."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def fold_operator_text(text: str) -> str:
    return fold_text(text)


# ---- the shipped vocabulary's answers (a profile's own: vocabulary_for(aliases)) -------------
def level_name(text: str) -> str:
    return vocabulary().level_name(text)


def is_placeholder_name(text: Any) -> bool:
    return vocabulary().is_placeholder_name(text)


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


# ---- 项目属性 ----------------------------------------------------------------------------------
def attribute_kind(value: Any) -> str | None:
    """'new', 'continuing', or None for a blank 项目属性 or one no form spells (ATTRIBUTE_KINDS)."""
    return ATTRIBUTE_KINDS.get(fold_text(value)) if isinstance(value, str) else None


# A choice printed with check boxes (新增项目 □ 延续项目 ☑, □已开展 ■未开展): the officer marks one box.
CHECKED_BOXES = "☑☒■√✓✔▣"
UNCHECKED_BOXES = "□☐"
_BOXES = re.compile(f"[{CHECKED_BOXES}{UNCHECKED_BOXES}]")


def checked_choice(value: Any) -> Any:
    """The option ticked in a cell of check boxes; None when no box is ticked (the template left
    as published); the text as written when it holds no box or more than one is ticked."""
    if not isinstance(value, str) or not _BOXES.search(value):
        return value
    text = value.strip()
    parts = _BOXES.split(text)
    marks = _BOXES.findall(text)
    # a box before each option (□新增 ■延续) or after it (新增□ 延续■)
    words = parts[1:] if _BOXES.match(text) else parts[:-1]
    ticked = [w.strip() for w, m in zip(words, marks) if m in CHECKED_BOXES and w.strip()]
    if len(ticked) == 1:
        return ticked[0]
    return None if not ticked else value


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
