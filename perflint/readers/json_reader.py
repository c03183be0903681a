"""Canonical JSON submissions: one document per file."""
from __future__ import annotations

import json
import re

from ..model import KINDS, Document
from .base import ReadOutcome, ReaderOptions, read_bytes
from .normalise import Normaliser


class _BadNumber(ValueError):
    def __init__(self, variant: str, value: str) -> None:
        super().__init__(value)
        self.variant, self.value = variant, value


def _reject_constant(name: str):
    raise _BadNumber("json_constant", name)


# Integers are parsed by hand so a 5000-digit number is a finding, not Python's digit-limit error,
# and one too big for a float (which rules compute with) is refused before a rule overflows on it.
_MAX_INT_DIGITS = 300


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _BadNumber("json_number_range", text[:12] + "…")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _BadNumber("json_number_range", text if len(text) <= 24 else text[:20] + "…")
    return value


def _nesting_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "]}":
            depth -= 1
    return deepest


def decode_text(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, why): UTF-8 with or without BOM; anything else is named, not guessed."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "utf16"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        try:
            raw.decode("gb18030")
            return None, "gbk"
        except UnicodeDecodeError:
            return None, "encoding"


_JSON_TYPES = {list: "数组 array", str: "字符串 string", int: "数字 number", float: "数字 number",
               bool: "true/false", type(None): "null"}
# what json's messages mean, for officers who edit JSON by hand; the original stays for the technical
_JSON_ERRORS = (
    ("Expecting value", "此处缺少值或有多余的逗号"),
    ("Expecting property name enclosed in double quotes", "键名须用英文双引号，或最后一项后多了逗号"),
    ("Expecting ',' delimiter", "缺少英文逗号"),
    ("Expecting ':' delimiter", "缺少英文冒号"),
    ("Unterminated string", "字符串缺少结尾的英文双引号"),
    ("Invalid control character", "字符串中有未转义的换行或控制字符"),
    ("Invalid \\escape", "无效的反斜杠转义"),
    ("Extra data", "内容结束后还有多余的字符"),
)


def _explain(msg: str) -> str:
    for start, zh in _JSON_ERRORS:
        if msg.startswith(start):
            return f"{zh}（{msg}）"
    return msg


def parse_json_document(data: object, path: str, outcome: ReadOutcome, aliases=None) -> ReadOutcome:
    if not isinstance(data, dict):
        return outcome.fail("F002", variant="not_object", found=_JSON_TYPES.get(type(data), type(data).__name__))
    form = data.get("form")
    if form not in KINDS:
        return outcome.fail("F002", "/form", variant="json_form", found=str(form) if form is not None else "（无）")
    from ..vocabulary import vocabulary_for

    norm = Normaliser(form, voc=vocabulary_for(aliases))
    data = norm.run(data)
    outcome.documents.append(Document.build(form, data, path=path, reader_hits=norm.hits))
    return outcome


def read_json(path: str, options: ReaderOptions, data: bytes | None = None) -> ReadOutcome:
    """`data`: the file's bytes when the caller has read them."""
    outcome = ReadOutcome()
    raw = data if data is not None else read_bytes(path, options, outcome)
    if raw is None:
        return outcome
    if not raw.strip():
        return outcome.fail("F001", variant="empty")
    text, why = decode_text(raw)
    if text is None:
        return outcome.fail("F001", variant=why)
    depth = _nesting_depth(text)
    if depth > options.limits.max_json_depth:
        return outcome.fail("F007", variant="max_json_depth", limit="max_json_depth", value=depth,
                            maximum=options.limits.max_json_depth)
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int, parse_float=_parse_float)
    except _BadNumber as exc:
        return outcome.fail("F001", variant=exc.variant, value=exc.value)
    except json.JSONDecodeError as exc:
        return outcome.fail("F001", variant="json", line=exc.lineno, column=exc.colno, error=_explain(exc.msg))
    except (ValueError, RecursionError) as exc:
        return outcome.fail("F001", variant="json_value", error=str(exc))
    broken = _broken_text(data, "")
    if broken is not None:
        return outcome.fail("F001", broken, variant="json_surrogate")
    return parse_json_document(data, path, outcome, options.aliases)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _broken_text(value: object, ptr: str) -> str | None:
    """The pointer of the first text holding a lone surrogate (an escaped half of a UTF-16 pair, as
    broken exporters write): no report could print or save it, so the file is refused there."""
    if isinstance(value, str):
        return ptr if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            if _SURROGATE.search(k):
                return ptr
            found = _broken_text(v, f"{ptr}/{k.replace('~', '~0').replace('/', '~1')}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _broken_text(v, f"{ptr}/{i}")
            if found is not None:
                return found
    return None
