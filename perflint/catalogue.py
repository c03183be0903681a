"""The rule catalogue (rules/<family>.toml) and rule parameters (rules/parameters.toml), validated at load."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from .data import DataError, data_dir, load_toml
from .model import KINDS, SEVERITIES

FAMILIES = ("F", "B", "A", "I", "S", "H", "W")
CODE_RE = re.compile(r"^[A-Z][0-9]{3}$")
ORIGINS = ("rule", "reader", "engine")
# "document": the rule reads one document; "cross": it compares the document with the run's other
# documents and the history, so it runs once the cross-document index is complete
PHASES = ("document", "cross")
_RULE_KEYS = {"slug", "severity", "kinds", "origin", "params", "summary", "rationale", "source",
              "message", "variants", "example", "advice", "phase"}
_PARAM_TYPES = {"number": (int, float), "integer": (int,), "string": (str,), "boolean": (bool,)}


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    default: Any
    zh: str
    en: str
    minimum: float | None = None
    maximum: float | None = None

    def check(self, value: Any, source: str, key: str) -> Any:
        allowed = _PARAM_TYPES[self.type]
        if isinstance(value, bool) and self.type != "boolean" or not isinstance(value, allowed):
            raise DataError(source, key, f"expected {self.type}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise DataError(source, key, f"{value!r} is below the minimum {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise DataError(source, key, f"{value!r} is above the maximum {self.maximum}")
        return value


@dataclass(frozen=True, slots=True)
class RuleMeta:
    code: str
    slug: str
    severity: str
    kinds: tuple[str, ...]
    origin: str
    params: tuple[str, ...]
    summary: Mapping[str, str]
    rationale: Mapping[str, str]
    source: str
    message: Mapping[str, str]
    variants: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    example: Mapping[str, str] = field(default_factory=dict)
    # 整改建议: what the submitter should do, a template over the hit's args like the message
    advice: Mapping[str, str] = field(default_factory=dict)
    phase: str = "document"

    @property
    def family(self) -> str:
        return self.code[0]

    def template(self, lang: str, variant: str | None = None) -> str:
        table = self.variants.get(variant, self.message) if variant else self.message
        return table.get(lang) or table["zh"]


@dataclass(frozen=True, slots=True)
class Catalogue:
    rules: Mapping[str, RuleMeta]
    parameters: Mapping[str, Parameter]
    by_slug: Mapping[str, str]

    def __getitem__(self, code: str) -> RuleMeta:
        return self.rules[code]

    def __contains__(self, code: str) -> bool:
        return code in self.rules

    def resolve(self, token: str) -> str:
        """A code or slug to its code (slugs are accepted wherever codes are)."""
        return self.by_slug.get(token, token)

    def matching(self, selector: str) -> list[str]:
        """Codes selected by a code, a prefix (`H`, `S40`) or a slug."""
        sel = self.resolve(selector.strip())
        return [c for c in self.rules if c.startswith(sel.upper())] if sel else []

    def cross_codes(self) -> tuple[str, ...]:
        """The rules that compare documents: what the cross-document index is built for."""
        return tuple(code for code, meta in self.rules.items() if meta.phase == "cross")


def check_severity(src: str, key: str, value: Any) -> str:
    """A rule's severity, as the catalogue and a profile's own rules declare it."""
    if value not in SEVERITIES:
        raise DataError(src, key, f"must be one of {', '.join(SEVERITIES)}")
    return value


def check_kinds(src: str, key: str, value: Any) -> tuple[str, ...]:
    """The form kinds a rule applies to: "all" or a list of kinds."""
    kinds = list(KINDS) if value == "all" else value
    if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
        bad = next((k for k in kinds if k not in KINDS), None) if isinstance(kinds, list) else None
        raise DataError(src, key, (f"unknown kind {bad!r}: " if bad is not None else "")
                        + f"must be \"all\" or a list of {', '.join(KINDS)}")
    return tuple(kinds)


def _text_pair(source: str, key: str, value: Any, *, required: bool = True) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("zh"), str) or not isinstance(value.get("en"), str):
        raise DataError(source, key, "needs both `zh` and `en` text")
    return {"zh": value["zh"], "en": value["en"]}


def _load_parameters(path: Path) -> dict[str, Parameter]:
    raw = load_toml(path)
    out = {}
    for name, spec in raw.items():
        src = str(path)
        if not isinstance(spec, dict):
            raise DataError(src, name, "must be a table")
        ptype = spec.get("type")
        if ptype not in _PARAM_TYPES:
            raise DataError(src, f"{name}.type", f"must be one of {sorted(_PARAM_TYPES)}")
        texts = _text_pair(src, name, spec)
        param = Parameter(name, ptype, None, texts["zh"], texts["en"], spec.get("min"), spec.get("max"))
        if "default" not in spec:
            raise DataError(src, f"{name}.default", "missing")
        out[name] = Parameter(name, ptype, param.check(spec["default"], src, f"{name}.default"),
                              texts["zh"], texts["en"], spec.get("min"), spec.get("max"))
    return out


def _load_rule(src: str, code: str, spec: Any, parameters: Mapping[str, Parameter]) -> RuleMeta:
    if not CODE_RE.match(code):
        raise DataError(src, code, "a rule code is one capital letter and three digits")
    if not isinstance(spec, dict):
        raise DataError(src, code, "must be a table")
    unknown = set(spec) - _RULE_KEYS
    if unknown:
        raise DataError(src, f"{code}.{sorted(unknown)[0]}", "unknown key")
    for key in ("slug", "severity", "kinds", "message", "summary", "source"):
        if key not in spec:
            raise DataError(src, f"{code}.{key}", "missing")
    check_severity(src, f"{code}.severity", spec["severity"])
    kinds = check_kinds(src, f"{code}.kinds", spec["kinds"])
    origin = spec.get("origin", "rule")
    if origin not in ORIGINS:
        raise DataError(src, f"{code}.origin", f"must be one of {', '.join(ORIGINS)}")
    phase = spec.get("phase", "document")
    if phase not in PHASES:
        raise DataError(src, f"{code}.phase", f"must be one of {', '.join(PHASES)}")
    params = spec.get("params", [])
    for p in params:
        if p not in parameters:
            raise DataError(src, f"{code}.params", f"unknown parameter {p!r} (see rules/parameters.toml)")
    variants = {}
    for vname, vtext in (spec.get("variants") or {}).items():
        variants[vname] = _text_pair(src, f"{code}.variants.{vname}", vtext)
    example = spec.get("example") or {}
    if not isinstance(example, dict) or any(not isinstance(v, str) for v in example.values()):
        raise DataError(src, f"{code}.example", "must be a table of strings (fail, pass)")
    return RuleMeta(
        code=code,
        slug=str(spec["slug"]),
        severity=spec["severity"],
        kinds=tuple(kinds),
        origin=origin,
        params=tuple(params),
        summary=_text_pair(src, f"{code}.summary", spec["summary"]),
        rationale=_text_pair(src, f"{code}.rationale", spec.get("rationale"), required=False),
        source=str(spec["source"]),
        message=_text_pair(src, f"{code}.message", spec["message"]),
        variants=variants,
        example=dict(example),
        advice=_text_pair(src, f"{code}.advice", spec.get("advice"), required=False),
        phase=phase,
    )


def load_catalogue(directory: Path | None = None) -> Catalogue:
    directory = directory or data_dir("rules")
    parameters = _load_parameters(directory / "parameters.toml")
    rules: dict[str, RuleMeta] = {}
    slugs: dict[str, str] = {}
    for fam in FAMILIES:
        path = directory / f"{fam}.toml"
        if not path.exists():
            continue
        raw = load_toml(path)
        for code, spec in raw.items():
            src = str(path)
            meta = _load_rule(src, code, spec, parameters)
            if not code.startswith(fam):
                raise DataError(src, code, f"family {code[0]} belongs in {code[0]}.toml")
            if code in rules:
                raise DataError(src, code, "duplicate rule code")
            if meta.slug in slugs:
                raise DataError(src, f"{code}.slug", f"slug {meta.slug!r} already used by {slugs[meta.slug]}")
            rules[code] = meta
            slugs[meta.slug] = code
    return Catalogue(rules, parameters, slugs)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped catalogue, kept pickled in the cache: parsing the TOML every run is a large share of a one-file check."""
    from . import __version__, diskcache

    directory = data_dir("rules")
    private = diskcache.private_cache_dir()
    if private is None:
        return load_catalogue(directory)
    try:
        # this module too: the pickle holds its classes, whose fields change with it
        stamp = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                       for p in (*directory.glob("*.toml"), Path(__file__)))
    except OSError:
        return load_catalogue(directory)
    path = private / f"catalogue-{diskcache.entry_key(__version__, str(directory), stamp)}.pickle"
    catalogue = diskcache.load(path, Catalogue)
    if catalogue is None:  # absent or damaged: parse the TOML and write it again
        catalogue = load_catalogue(directory)
        diskcache.store(path, catalogue)
    return catalogue
