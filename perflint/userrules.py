"""A profile's own rules (`[[rules]]`): conditions in JSON Schema over the canonical document.

Each rule walks the items of an array (`for_each`, a JSON Pointer; absent: the whole document);
an item that matches `when` must match `require`, else the rule yields a hit at the item, or at the
property the schema error names. The schemas are checked and compiled when the profile loads, once
per run; a worker process started by fork inherits them, one started by spawn compiles them again
on first use. jsonschema is imported only here, and only for a profile that declares rules.
"""
from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from .catalogue import CODE_RE, FAMILIES, RuleMeta, check_kinds, check_severity
from .data import DataError
from .model import MAPPINGS, Hit, pointer, pointer_tokens, thaw

if TYPE_CHECKING:
    from .engine import Context
    from .model import Document

_RULE_KEYS = {"code", "slug", "severity", "kinds", "message", "source", "for_each", "when", "require",
              "examples", "summary", "rationale", "advice"}
_EXAMPLE_KEYS = {"fail", "pass", "kind", "remove", "expect", "note"}
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_POINTER_RE = re.compile(r"^(?:/(?:[^~/]|~[01])*)*$")
# a message names an item's field ({name}) or a document's value ({doc[/project/name]}), with one of
# the renderer's own specs: nothing that reaches an attribute or a spec that could fail on text
_FIELD_RE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|doc\[(?:/[^\[\]{}:!]*)*\])$")
_SPECS = {"", "num", "pct", "amt", "wan", "list"}
USER_RANGE = range(950, 1000)


@dataclass(frozen=True)
class Example:
    """One document a rule must fail (`fail`) or pass (`pass`): a partial document over the base of its kind."""

    expect_fail: bool
    kind: str
    document: Mapping[str, Any]
    remove: tuple[str, ...] = ()
    expect: tuple[str, ...] | None = None  # the exact pointers of the findings, when given
    note: str = ""


@dataclass(frozen=True, eq=False)
class UserRule:
    """One `[[rules]]` entry: its catalogue-like metadata and its conditions. Called like a rule function."""

    meta: RuleMeta
    for_each: str | None
    when: Mapping[str, Any] | None
    require: Mapping[str, Any]
    file: str  # the profile that declares it
    doc_fields: tuple[str, ...] = ()  # the pointers its messages name as {doc[…]}
    examples: tuple[Example, ...] = ()

    @property
    def code(self) -> str:
        return self.meta.code

    def __getstate__(self) -> dict:
        # compiled validators stay in their process: a spawned worker compiles its own
        return {k: v for k, v in self.__dict__.items() if k != "_compiled"}

    def compiled(self) -> tuple[Any, Any]:
        found = self.__dict__.get("_compiled")
        if found is None:
            found = (None if self.when is None else _compile(self.when, self.file, f"rules.{self.code}.when"),
                     _compile(self.require, self.file, f"rules.{self.code}.require"))
            object.__setattr__(self, "_compiled", found)
        return found

    def items(self, root: Any) -> Iterator[tuple[str, Any]]:
        if self.for_each is None:
            yield "", root
            return
        # not in this document: nothing to check (a missing block is F003's or a B rule's)
        node = _resolve(root, self.for_each)
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield f"{self.for_each}/{i}", item

    def __call__(self, doc: Document, ctx: Context | None = None) -> Iterator[Hit]:
        when, require = self.compiled()
        root = doc.plain if getattr(doc, "plain", None) is not None else thaw(doc.data)
        for ptr, item in self.items(root):
            if when is not None and not when.is_valid(item):
                continue
            where = _failing_pointer(require.iter_errors(item))
            if where is None:
                continue
            args = _item_args(item)
            if self.doc_fields:
                args["doc"] = {f: _scalar(_resolve(root, f)) for f in self.doc_fields}
            yield Hit(ptr + where, args)


def _failing_pointer(errors: Iterator[Any]) -> str | None:
    """The deepest place the schema errors name, relative to the item ("" for the item itself)."""
    best: list | None = None
    for err in errors:
        path = list(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [p for p in err.validator_value if p not in err.instance]
            if missing:
                path.append(missing[0])
        if best is None or len(path) > len(best):
            best = path
    if best is None:
        return None
    return pointer(*best)


def _scalar(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # 85.0 read from a workbook is written 85
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _item_args(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        # the engine reads `_`-names as its own (`_sheet`, `_cell`): a submission's keys never pass as those
        return {k: _scalar(v) for k, v in item.items() if isinstance(k, str) and k.isidentifier() and k[0] != "_"}
    return {"value": _scalar(item)}


_MISSING = object()


def _resolve(root: Any, ptr: str, missing: Any = None) -> Any:
    node = root
    for token in pointer_tokens(ptr):
        if isinstance(node, MAPPINGS) and token in node:
            node = node[token]
        elif isinstance(node, (list, tuple)) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return missing
    return node


# ---- loading -------------------------------------------------------------------------------

def _compile(schema: Any, src: str, key: str) -> Any:
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import Draft202012Validator, validator_for

    if not isinstance(schema, dict):
        raise DataError(src, key, "must be a JSON Schema (a table)")
    try:
        cls = validator_for(schema, default=Draft202012Validator)
        cls.check_schema(schema)
    except SchemaError as exc:
        at = pointer(*exc.path)
        raise DataError(src, f"{key}{_dotted(at)}", f"not a valid JSON Schema: {exc.message}") from None
    except Exception as exc:  # e.g. a $schema naming a draft jsonschema does not know
        raise DataError(src, key, f"not a valid JSON Schema: {exc}") from None
    _local_refs_only(schema, schema, src, key, "")
    return cls(schema)


def _dotted(ptr: str) -> str:
    return "".join(f".{t}" for t in pointer_tokens(ptr))


def _local_refs_only(node: Any, root: dict, src: str, key: str, at: str) -> None:
    # a reference outside the schema would be fetched, or fail, while a submission is checked; one
    # inside it must lead somewhere, or the rule would fail on the first document it meets
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("$ref", "$dynamicRef") and isinstance(v, str):
                if not v.startswith("#"):
                    raise DataError(src, f"{key}{_dotted(at)}.{k}",
                                    f"only references inside the schema (#/…) are allowed, got {v!r}")
                if v.startswith("#/") or v == "#":
                    from urllib.parse import unquote

                    if _resolve(root, unquote(v[1:]), missing=_MISSING) is _MISSING:
                        raise DataError(src, f"{key}{_dotted(at)}.{k}", f"{v!r} leads nowhere in the schema")
            _local_refs_only(v, root, src, key, f"{at}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _local_refs_only(v, root, src, key, f"{at}/{i}")


def _text_pair(src: str, key: str, value: Any, required: bool = True) -> dict[str, str]:
    if value is None and not required:
        return {}
    if value is None:
        raise DataError(src, key, "missing: a table { zh = \"…\", en = \"…\" }")
    if not isinstance(value, dict):
        raise DataError(src, key, "must be a table { zh = \"…\", en = \"…\" }")
    for lang in ("zh", "en"):
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            raise DataError(src, f"{key}.{lang}", "missing: the message needs both zh and en text")
    extra = set(value) - {"zh", "en"}
    if extra:
        raise DataError(src, f"{key}.{sorted(extra)[0]}", "unknown language (zh, en)")
    return {"zh": value["zh"], "en": value["en"]}


def _template_fields(src: str, key: str, template: str) -> set[str]:
    """The {doc[…]} pointers a template names; anything but a plain field or a document pointer is refused."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise DataError(src, key, f"not a message template: {exc} (write {{{{ and }}}} for braces)") from None
    found = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if conversion or not _FIELD_RE.match(name):
            raise DataError(src, key, f"{{{name}}}: a placeholder is a field of the item ({{name}}) or a "
                                      "pointer into the document ({doc[/project/name]})")
        if (spec or "") not in _SPECS:
            raise DataError(src, key, f"{{{name}:{spec}}}: the format is one of {', '.join(sorted(_SPECS - {''}))}")
        if name.startswith("doc["):
            found.add(name[4:-1])
    return found


def check_pointer(src: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _POINTER_RE.match(value):
        raise DataError(src, key, f"not a JSON Pointer: {value!r} (e.g. \"/indicators\"; \"\" is the whole document)")
    return value


def load_rule(src: str, index: int, spec: Any, taken: Mapping[str, str], slugs: Mapping[str, str]) -> UserRule:
    """One `[[rules]]` table of the profile `src`; `taken` and `slugs` hold the codes and slugs in use
    (catalogue and earlier rules), each with where it comes from."""
    where = f"rules[{index}]"
    if not isinstance(spec, dict):
        raise DataError(src, where, "must be a table ([[rules]])")
    code = spec.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code) or code[0] not in FAMILIES \
            or int(code[1:]) not in USER_RANGE:
        raise DataError(src, f"{where}.code", f"{code!r}: a profile's own rule takes a code of 950–999 in a "
                                              f"family ({', '.join(FAMILIES)}), e.g. I951")
    if code in taken:
        raise DataError(src, f"{where}.code", f"duplicate rule code {code} (already {taken[code]})")
    key = f"rules.{code}"
    unknown = set(spec) - _RULE_KEYS
    if unknown:
        raise DataError(src, f"{key}.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(_RULE_KEYS))})")
    for required in ("slug", "severity", "kinds", "message", "source", "require"):
        if required not in spec:
            raise DataError(src, f"{key}.{required}", "missing")
    slug = spec["slug"]
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise DataError(src, f"{key}.slug", "lower-case words joined by hyphens, e.g. satisfaction-below-85")
    if slug in slugs:
        raise DataError(src, f"{key}.slug", f"slug {slug!r} already used by {slugs[slug]}")
    check_severity(src, f"{key}.severity", spec["severity"])
    kinds = check_kinds(src, f"{key}.kinds", spec["kinds"])
    if not isinstance(spec["source"], str) or not spec["source"].strip():
        raise DataError(src, f"{key}.source", "the policy the rule enforces (a document, an article)")
    message = _text_pair(src, f"{key}.message", spec["message"])
    advice = _text_pair(src, f"{key}.advice", spec.get("advice"), required=False)
    doc_fields: set[str] = set()
    for lang in ("zh", "en"):
        doc_fields |= _template_fields(src, f"{key}.message.{lang}", message[lang])
        if advice:
            doc_fields |= _template_fields(src, f"{key}.advice.{lang}", advice[lang])
    summary = _text_pair(src, f"{key}.summary", spec.get("summary"), required=False) or message
    rationale = _text_pair(src, f"{key}.rationale", spec.get("rationale"), required=False)
    for_each = spec.get("for_each")
    if for_each is not None:
        for_each = check_pointer(src, f"{key}.for_each", for_each) or None
    meta = RuleMeta(code=code, slug=slug, severity=spec["severity"], kinds=tuple(kinds), origin="profile",
                    params=(), summary=summary, rationale=rationale, source=spec["source"], message=message,
                    advice=advice)
    rule = UserRule(meta, for_each, spec.get("when"), spec["require"], src, tuple(sorted(doc_fields)))
    rule.compiled()  # a schema that does not compile stops the load, naming its key
    examples = tuple(_load_example(src, f"{key}.examples[{i}]", ex, meta.kinds)
                     for i, ex in enumerate(_list(src, f"{key}.examples", spec.get("examples", []))))
    object.__setattr__(rule, "examples", examples)
    return rule


def _list(src: str, key: str, value: Any) -> list:
    if not isinstance(value, list):
        raise DataError(src, key, "must be a list of tables ([[rules.examples]])")
    return value


def _load_example(src: str, key: str, spec: Any, kinds: tuple[str, ...]) -> Example:
    if not isinstance(spec, dict):
        raise DataError(src, key, "must be a table with `fail = {…}` or `pass = {…}`")
    unknown = set(spec) - _EXAMPLE_KEYS
    if unknown:
        raise DataError(src, f"{key}.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(_EXAMPLE_KEYS))})")
    if ("fail" in spec) == ("pass" in spec):
        raise DataError(src, key, "give one of `fail = {…}` (a document the rule returns) or `pass = {…}`")
    which = "fail" if "fail" in spec else "pass"
    document = spec[which]
    if not isinstance(document, dict):
        raise DataError(src, f"{key}.{which}", "must be a table: a partial document merged over the base")
    for k in document:
        if k.startswith("/"):
            check_pointer(src, f"{key}.{which}.{k}", k.removesuffix("/-"))
    kind = spec.get("kind", kinds[0])
    if kind not in kinds:
        raise DataError(src, f"{key}.kind", f"{kind!r} is not one of the rule's kinds ({', '.join(kinds)})")
    remove = spec.get("remove", [])
    if not isinstance(remove, list):
        raise DataError(src, f"{key}.remove", "must be a list of JSON Pointers")
    for p in remove:
        check_pointer(src, f"{key}.remove", p)
    expect = spec.get("expect")
    if expect is not None:
        if not isinstance(expect, list):
            raise DataError(src, f"{key}.expect", "must be a list of JSON Pointers")
        for p in expect:
            check_pointer(src, f"{key}.expect", p)
        if which == "pass" and expect:
            raise DataError(src, f"{key}.expect", "a `pass` example expects no finding")
        expect = tuple(expect)
    note = spec.get("note", "")
    if not isinstance(note, str):
        raise DataError(src, f"{key}.note", "must be text")
    return Example(which == "fail", kind, document, tuple(remove), expect, note)


def base_document(kind: str) -> dict:
    """The clean document of a kind that examples are written over (rules/bases/<kind>.json)."""
    from .data import data_dir

    with open(data_dir("rules") / "bases" / f"{kind}.json", encoding="utf-8") as fh:
        return json.load(fh)


def example_document(example: Example) -> dict:
    """The base of the example's kind with the example over it: tables merge, anything else replaces;
    a key that is a JSON Pointer sets that one value (`"/indicators/-"` appends an item)."""
    import copy

    doc = copy.deepcopy(base_document(example.kind))
    plain = {k: v for k, v in example.document.items() if not k.startswith("/")}
    doc = _merged(doc, copy.deepcopy(plain))
    edits = [(k, lambda d, k=k, v=v: _set(d, k, copy.deepcopy(v))) for k, v in example.document.items()
             if k.startswith("/")]
    edits += [(p, lambda d, p=p: _remove(d, p)) for p in example.remove]
    for ptr, edit in edits:
        try:
            edit(doc)
        except (LookupError, ValueError, TypeError, AttributeError):
            raise ExampleError(ptr, example.kind) from None
    return doc


class ExampleError(ValueError):
    """An example's pointer that leads nowhere in the base document."""

    def __init__(self, ptr: str, kind: str) -> None:
        self.pointer = ptr
        self.kind = kind
        super().__init__(f"{ptr}: no such place in the base {kind} document")


def _merged(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merged(base[k], v) if k in base else v
        return out
    return over


def _parent(doc: Any, ptr: str) -> tuple[Any, str]:
    tokens = pointer_tokens(ptr)
    node = doc
    for t in tokens[:-1]:
        if isinstance(node, list):
            node = node[int(t)]
        else:
            node = node.setdefault(t, {})
    return node, tokens[-1]


def _set(doc: dict, ptr: str, value: Any) -> None:
    parent, last = _parent(doc, ptr)
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            parent[int(last)] = value
    else:
        parent[last] = value


def _remove(doc: dict, ptr: str) -> None:
    parent, last = _parent(doc, ptr)
    if isinstance(parent, list):
        del parent[int(last)]
    elif isinstance(parent, dict):
        parent.pop(last, None)


def describe(rule: UserRule, lang: str) -> list[str]:
    """How `perflint rule` shows what a rule declares: where, what it walks, its conditions."""
    zh = lang == "zh"

    def schema_text(schema: Any) -> str:
        return "  " + _readable(schema, 2)

    out = [("定义于：" if zh else "Declared in: ") + str(Path(rule.file)),
           ("逐项检查：" if zh else "For each: ") + (rule.for_each or ("整个文档" if zh else "the whole document"))]
    if rule.when is not None:
        out.append(("适用条件（when）：" if zh else "When (JSON Schema): ") + "\n" + schema_text(rule.when))
    out.append(("须满足（require）：" if zh else "Require (JSON Schema): ") + "\n" + schema_text(rule.require))
    if rule.examples:
        fails = sum(e.expect_fail for e in rule.examples)
        out.append((f"示例：{fails} 个不通过、{len(rule.examples) - fails} 个通过（perflint profile test 运行）" if zh else
                    f"Examples: {fails} failing, {len(rule.examples) - fails} passing (run by perflint profile test)"))
    return out



def _readable(value: Any, indent: int, start: int | None = None, width: int = 96) -> str:
    """A schema as JSON, each part on one line when it fits (the way it was written in TOML)."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if (indent if start is None else start) + len(flat) <= width or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        inner = []
        for k, v in value.items():
            head = f"{pad}{json.dumps(k, ensure_ascii=False)}: "
            inner.append(head + _readable(v, indent + 2, len(head), width))
        return "{\n" + ",\n".join(inner) + "\n" + " " * indent + "}"
    inner = [pad + _readable(v, indent + 2, None, width) for v in value]
    return "[\n" + ",\n".join(inner) + "\n" + " " * indent + "]"
