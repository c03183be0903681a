"""JSON Schema validation of canonical documents: F003, one finding per offending field.

Valid documents (nearly all of them) take a fast path: a fastjsonschema validator compiled once
and kept as Python source in the cache directory. Only a document that fails it pays for
jsonschema, which lists every error rather than the first.
"""
from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from types import CodeType, MappingProxyType
from typing import Any, Iterator

from . import diskcache
from .data import data_dir
from .model import KINDS, pointer, thaw

_TYPE_NAMES = {"number": ("数字", "a number"), "integer": ("整数", "an integer"), "string": ("文本", "text"),
               "object": ("对象", "an object"), "array": ("列表", "a list"), "null": ("空", "null"),
               "boolean": ("是/否", "a boolean")}


@lru_cache(maxsize=None)
def load_schema(kind: str) -> dict:
    with open(data_dir("schemas") / f"{kind}.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=None)
def _fast_validator(kind: str):
    import fastjsonschema

    schema = dict(load_schema(kind))
    schema.pop("$schema", None)  # fastjsonschema knows drafts 4–7; the keywords used here mean the same
    source = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256((fastjsonschema.VERSION + source).encode()).hexdigest()[:16]
    name = f"perflint_schema_{kind}_{digest}"
    private = diskcache.private_cache_dir()
    if private is None:
        return fastjsonschema.compile(schema)  # no private cache: compile in memory
    path = private / "schemas" / f"{name}.py"
    if not path.exists() and not diskcache.store(path, fastjsonschema.compile_to_code(schema).encode("utf-8"), "bytes"):
        return fastjsonschema.compile(schema)  # no writable cache: compile in memory
    namespace: dict[str, Any] = {"__name__": name}
    try:
        exec(_code_of(path), namespace)
        # fastjsonschema names the entry point after the schema's $id: validate_https___…
        return next(v for k, v in namespace.items() if k.startswith("validate") and callable(v))
    except Exception:  # a damaged cache file: rebuild in memory, never fail the run
        return fastjsonschema.compile(schema)


def _code_of(path: Path):
    """The validator's code object, kept marshalled beside its source (compiling it again every run costs more than a whole check of a JSON file)."""
    compiled = path.with_suffix(f".{sys.implementation.cache_tag}.marshal")
    code = diskcache.load(compiled, CodeType, "marshal")
    if code is None:
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
        diskcache.store(compiled, code, "marshal")
    return code


@lru_cache(maxsize=None)
def _full_validator(kind: str):
    import jsonschema

    schema = load_schema(kind)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _plain(data: Any) -> Any:
    return thaw(data) if isinstance(data, (MappingProxyType, tuple)) else data


_EN_WORDS = {"funds": "funds", "annual": "annual", "medium_term": "medium-term", "total": "total",
             "fiscal": "fiscal appropriation", "fiscal_current": "current appropriation", "carryover": "carry-over",
             "other": "other funds", "initial": "initial budget", "adjusted": "adjusted budget",
             "executed": "executed", "execution_rate": "execution rate", "score": "score", "weight": "weight",
             "total_score": "total score", "grade": "grade", "indicators": "indicator", "level1": "level 1",
             "level2": "level 2", "name": "name", "operator": "operator", "target": "target value",
             "actual": "actual value", "unit": "unit", "deviation": "deviation reason", "project": "project",
             "department": "department", "code": "code", "implementing_unit": "implementing unit",
             "goals": "goals", "tasks": "tasks", "fiscal_year": "fiscal year", "period": "period",
             "attribute": "attribute", "ex_ante": "ex-ante assessment", "waivers": "waiver"}


def field_label(kind: str | None, ptr: str, lang: str = "zh") -> str:
    """A field as people read it: /indicators/0/score → 指标 1 · 得分 (indicator 1 · score); the
    names of the canonical model's titles in its JSON Schema."""
    from .model import KINDS, pointer_tokens

    tokens = pointer_tokens(ptr)
    if not tokens:
        return "（整个文档）" if lang == "zh" else "(whole document)"
    schema: dict = load_schema(kind) if kind in KINDS else {}
    node: dict = schema
    parts: list[str] = []
    for token in tokens:
        if token.isdigit() and isinstance(node.get("items"), dict):
            node = node["items"]
            parts[-1:] = [f"{'指标' if lang == 'zh' and tokens[0] == 'indicators' else (parts[-1] if parts else '')} {int(token) + 1}".strip()]
            continue
        node = node.get("properties", {}).get(token, {}) if isinstance(node, dict) else {}
        if lang == "zh":
            parts.append(str(node.get("title") or token).removeprefix("其中："))
        else:
            parts.append(_EN_WORDS.get(token, token.replace("_", " ")))
    if tokens[0] == "indicators" and len(tokens) == 2:
        return parts[-1]
    # 项目资金（万元） · 年度资金总额 · 全年执行数: the block names above a field help only inside grids
    if len(parts) > 2 and tokens[0] != "indicators":
        parts = parts[-2:]
    out: list[str] = []
    for p in parts:
        if p and (not out or out[-1] != p):
            out.append(p)
    return " · ".join(out)


def _title(schema: dict, path: list) -> str:
    node = schema
    title = schema.get("title", "")
    for token in path:
        if isinstance(token, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(token, {})
        title = node.get("title", str(token))
    return title


def validate(kind: str, data: Any) -> Iterator[tuple[str, str, dict]]:
    """Yield (pointer, message variant, message args) for each schema error."""
    if kind not in KINDS:
        return
    plain = _plain(data)
    try:
        _fast_validator(kind)(plain)
        return
    except Exception:
        pass  # fall through to the full report
    schema = load_schema(kind)
    errors = sorted(_full_validator(kind).iter_errors(plain), key=lambda e: list(map(str, e.absolute_path)))
    for err in errors:
        path = list(err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else "?"
            path = path + [missing]
            yield pointer(*path), "required", {"field": _title(schema, path)}
        elif err.validator == "type":
            expected = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            expected = [t for t in expected if t != "null"] or expected
            zh = "或".join(_TYPE_NAMES.get(t, (t, t))[0] for t in expected)
            en = " or ".join(_TYPE_NAMES.get(t, (t, t))[1] for t in expected)
            yield pointer(*path), "type", {"field": _title(schema, path), "expected_zh": zh, "expected_en": en,
                                           "found": _short(err.instance)}
        elif err.validator in ("const", "enum"):
            yield pointer(*path), "enum", {"field": _title(schema, path), "found": _short(err.instance)}
        else:
            yield pointer(*path), None, {"field": _title(schema, path), "problem": err.message}


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "…"


if __name__ == "__main__":  # pragma: no cover - manual check of the schemas
    for k in KINDS:
        _full_validator(k).check_schema(load_schema(k))
    print("schemas ok", file=sys.stderr)
