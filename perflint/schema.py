"""JSON Schema validation of canonical documents: F003, one finding per offending field.

Valid documents (nearly all of them) take a fast path: a fastjsonschema validator compiled once
and kept as Python source in the cache directory. Only a document that fails it pays for
jsonschema, which lists every error rather than the first.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator

from .data import data_dir, write_atomically
from .model import KINDS, pointer, thaw

_TYPE_NAMES = {"number": ("数字", "a number"), "integer": ("整数", "an integer"), "string": ("文本", "text"),
               "object": ("对象", "an object"), "array": ("列表", "a list"), "null": ("空", "null"),
               "boolean": ("是/否", "a boolean")}


def cache_dir() -> Path:
    root = os.environ.get("PERFLINT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "perflint")
    return Path(root)


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
    folder = cache_dir() / "schemas"
    path = folder / f"{name}.py"
    if not path.exists():
        try:
            write_atomically(path, fastjsonschema.compile_to_code(schema).encode("utf-8"), make_parents=True)
        except OSError:
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
    try:
        return marshal.loads(compiled.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
        try:
            write_atomically(compiled, marshal.dumps(code))
        except OSError:
            pass
        return code


@lru_cache(maxsize=None)
def _full_validator(kind: str):
    import jsonschema

    schema = load_schema(kind)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _plain(data: Any) -> Any:
    return thaw(data) if isinstance(data, (MappingProxyType, tuple)) else data


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
