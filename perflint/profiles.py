"""Profiles: the policy (indicator tree, weights, thresholds, severities) as validated data."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .catalogue import Catalogue
from .data import DataError, data_dir, load_toml
from .model import SEVERITIES

_PROFILE_KEYS = {"name", "title", "description", "extends", "source", "tree", "mandatory_level1",
                 "mandatory_level2", "weights", "parameters", "severity", "mandatory_rules",
                 "aliases", "disabled", "rules"}
_WEIGHT_KEYS = {"budget", "level1", "count_with", "when_absent"}


def fold_indicator_name(name: Any) -> str:
    """二级/一级 names are written with or without the trailing 指标: fold to the 指标 form."""
    if not isinstance(name, str):
        return ""
    return _fold_text(name)


@lru_cache(maxsize=4096)  # a few dozen category names, asked for on every indicator by several rules
def _fold_text(name: str) -> str:
    text = "".join(name.split())
    if not text:
        return ""
    return text if text.endswith("指标") else text + "指标"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    source: str
    tree: Mapping[str, tuple[str, ...]]
    mandatory_level1: tuple[str, ...]
    mandatory_level2: Mapping[str, tuple[str, ...]]
    budget_weight: float
    level1_weights: Mapping[str, float]
    count_with: Mapping[str, str]
    when_absent: Mapping[str, str]
    parameters: Mapping[str, Any]
    severity: Mapping[str, str]
    mandatory_rules: frozenset[str]
    disabled: frozenset[str]
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    chain: tuple[str, ...] = ()  # the files it was built from, base first
    rules: tuple[Any, ...] = ()  # its own rules ([[rules]], perflint.userrules.UserRule), base's first

    def level2_allowed(self, level1: str, level2: str) -> bool:
        return fold_indicator_name(level2) in self.tree.get(fold_indicator_name(level1), ())

    def param(self, name: str) -> Any:
        return self.parameters[name]

    def switched_off(self, code: str) -> bool:
        """Disabled by the profile; a mandatory rule cannot be."""
        return code in self.disabled and code not in self.mandatory_rules


def _builtin_path(name: str) -> Path:
    return data_dir("rules") / "profiles" / f"{name}.toml"


def builtin_profiles() -> list[str]:
    return sorted(p.stem for p in (data_dir("rules") / "profiles").glob("*.toml"))


def _merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for key, value in child.items():
        if key == "rules":  # a profile adds rules to those of the profile it extends
            out[key] = list(out.get(key) or []) + list(value)
        elif key in ("weights", "parameters", "severity", "aliases", "mandatory_level2") and isinstance(value, dict):
            merged = dict(out.get(key) or {})
            for k, v in value.items():
                if isinstance(v, dict) and isinstance(merged.get(k), dict):
                    merged[k] = {**merged[k], **v}
                else:
                    merged[k] = v
            out[key] = merged
        else:
            out[key] = value  # tree, lists: a child that names them replaces them whole
    return out


def is_profile_path(ref: str) -> bool:
    """A local profile is a path: it has a slash or ends in .toml. Anything else names a built-in, so a
    file called `national` in the current folder can never stand in for the built-in profile."""
    return "/" in ref or "\\" in ref or ref.endswith(".toml")


def _read_chain(ref: str, base_dir: Path | None, seen: tuple[str, ...]) -> tuple[dict, tuple[str, ...]]:
    path = Path(ref)
    if not is_profile_path(ref):
        path = _builtin_path(ref)
        if not path.is_file():
            raise DataError(ref, "", f"no such built-in profile (built-in: {', '.join(builtin_profiles())}; "
                                     "a profile file is named by a path: ./my.toml)")
    elif not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    key = str(path.resolve())
    if key in seen:
        raise DataError(path, "extends", "profiles extend each other in a cycle")
    raw = load_toml(path)
    unknown = set(raw) - _PROFILE_KEYS
    if unknown:
        raise DataError(path, sorted(unknown)[0], f"unknown key (allowed: {', '.join(sorted(_PROFILE_KEYS))})")
    raw.setdefault("name", path.stem)
    if "rules" in raw:
        declared = raw["rules"]
        if not isinstance(declared, list):
            raise DataError(path, "rules", "must be tables: [[rules]] (see `perflint rule` for the format)")
        raw["rules"] = [(str(path), i, spec) for i, spec in enumerate(declared)]
    parent = raw.get("extends")
    if parent is None:
        return raw, (str(path),)
    if not isinstance(parent, str):
        raise DataError(path, "extends", "must be a profile name or path")
    base, chain = _read_chain(parent, path.parent, seen + (key,))
    merged = _merge(base, {k: v for k, v in raw.items() if k != "extends"})
    return merged, chain + (str(path),)


def with_profile_rules(catalogue: Catalogue, profile: Profile) -> Catalogue:
    """The catalogue a run of `profile` uses: the shipped rules and the profile's own, so that
    selection, severities, waivers and reports treat both alike."""
    return _extended(catalogue, profile.rules)


def _extended(catalogue: Catalogue, own: tuple[Any, ...]) -> Catalogue:
    if not own or all(catalogue.rules.get(r.meta.code) is r.meta for r in own):
        return catalogue
    rules = dict(catalogue.rules)
    slugs = dict(catalogue.by_slug)
    for r in own:
        rules[r.meta.code] = r.meta
        slugs[r.meta.slug] = r.meta.code
    return Catalogue(rules, catalogue.parameters, slugs)


def _load_rules(declared: list, catalogue: Catalogue) -> tuple[Any, ...]:
    if not declared:
        return ()
    from .userrules import load_rule

    # a catalogue that already holds a profile's rules (a run's) is taken for the shipped one
    shipped = {code for code, meta in catalogue.rules.items() if meta.origin != "profile"}
    taken = {code: "in the catalogue" for code in shipped}
    slugs = {slug: code for slug, code in catalogue.by_slug.items() if code in shipped}
    out = []
    for src, index, spec in declared:
        rule = load_rule(src, index, spec, taken, slugs)
        taken[rule.code] = f"declared in {src}"
        slugs[rule.meta.slug] = rule.code
        out.append(rule)
    return tuple(out)


def load_profile(ref: str, catalogue: Catalogue, base_dir: Path | None = None) -> Profile:
    raw, chain = _read_chain(ref, base_dir, ())
    src = chain[-1]
    own_rules = _load_rules(raw.get("rules") or [], catalogue)
    # the profile's own codes may be given severities, made mandatory or disabled like any other
    catalogue = _extended(catalogue, own_rules)

    def table(key: str, value: Any) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise DataError(src, key, f"must be a table, got {type(value).__name__} {value!r}")
        return value

    def names(key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise DataError(src, key, "must be a list of strings")
        return tuple(value)

    tree_raw = raw.get("tree")
    if not isinstance(tree_raw, dict) or not tree_raw:
        raise DataError(src, "tree", "missing: a table of 一级指标 = [二级指标, …]")
    tree = {fold_indicator_name(k): tuple(fold_indicator_name(v) for v in names(f"tree.{k}", vs))
            for k, vs in tree_raw.items()}
    mandatory1 = tuple(fold_indicator_name(v) for v in names("mandatory_level1", raw.get("mandatory_level1", [])))
    for l1 in mandatory1:
        if l1 not in tree:
            raise DataError(src, "mandatory_level1", f"{l1} is not a 一级指标 of the tree")
    mandatory2 = {}
    for l1, l2s in table("mandatory_level2", raw.get("mandatory_level2")).items():
        key = fold_indicator_name(l1)
        vals = tuple(fold_indicator_name(v) for v in names(f"mandatory_level2.{l1}", l2s))
        for v in vals:
            if v not in tree.get(key, ()):
                raise DataError(src, f"mandatory_level2.{l1}", f"{v} is not under {key} in the tree")
        mandatory2[key] = vals

    weights = raw.get("weights") or {}
    if not isinstance(weights, dict) or set(weights) - _WEIGHT_KEYS:  # `weights = 5` too
        raise DataError(src, "weights", f"allowed keys: {', '.join(sorted(_WEIGHT_KEYS))}")
    budget = weights.get("budget", 10)
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0:
        raise DataError(src, "weights.budget", "must be a number ≥ 0")
    level1_weights = {}
    for l1, w in table("weights.level1", weights.get("level1")).items():
        if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0:
            raise DataError(src, f"weights.level1.{l1}", "must be a number ≥ 0")
        level1_weights[fold_indicator_name(l1)] = float(w)
    for key in ("count_with", "when_absent"):
        for k, v in table(f"weights.{key}", weights.get(key)).items():
            if not isinstance(v, str):
                raise DataError(src, f"weights.{key}.{k}", "must be the name of a 一级指标")
    count_with = {fold_indicator_name(k): fold_indicator_name(v) for k, v in (weights.get("count_with") or {}).items()}
    when_absent = {fold_indicator_name(k): fold_indicator_name(v) for k, v in (weights.get("when_absent") or {}).items()}

    parameters = {name: p.default for name, p in catalogue.parameters.items()}
    for name, value in table("parameters", raw.get("parameters")).items():
        if name not in catalogue.parameters:
            raise DataError(src, f"parameters.{name}", "unknown parameter (see rules/parameters.toml)")
        parameters[name] = catalogue.parameters[name].check(value, src, f"parameters.{name}")

    severity = {}
    for code, sev in table("severity", raw.get("severity")).items():
        if code not in catalogue:
            raise DataError(src, f"severity.{code}", "unknown rule code")
        if sev not in SEVERITIES:
            raise DataError(src, f"severity.{code}", f"must be one of {', '.join(SEVERITIES)}")
        severity[code] = sev
    mandatory_rules = names("mandatory_rules", raw.get("mandatory_rules", []))
    disabled = names("disabled", raw.get("disabled", []))
    for key, codes in (("mandatory_rules", mandatory_rules), ("disabled", disabled)):
        for code in codes:
            if code not in catalogue:
                raise DataError(src, key, f"unknown rule code {code!r}")
    from .vocabulary import check_profile_aliases

    aliases = check_profile_aliases(raw.get("aliases") or {}, src)
    return Profile(
        name=str(raw["name"]), title=str(raw.get("title", raw["name"])), source=str(raw.get("source", "")),
        tree=tree, mandatory_level1=mandatory1, mandatory_level2=mandatory2,
        budget_weight=float(budget), level1_weights=level1_weights, count_with=count_with,
        when_absent=when_absent, parameters=parameters, severity=severity,
        mandatory_rules=frozenset(mandatory_rules), disabled=frozenset(disabled),
        aliases=aliases, chain=chain, rules=own_rules,
    )
