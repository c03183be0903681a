"""Where each value of a JSON text starts: JSON Pointer → (line, column), both counted from 1.

Reports that platforms show beside the file (SARIF regions, GitHub annotations) need a line; the
readers keep pointers only, so the text is scanned again here, for the few files that have findings
and only when such a report is asked for. Columns count Unicode code points (SARIF's default
`columnKind`). A text that is not valid JSON gives what was scanned before the fault.
"""
from __future__ import annotations

import re

_SPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")


class _Stop(Exception):
    pass


def _token(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def value_positions(text: str) -> dict[str, tuple[int, int]]:
    """Every value's pointer and the (line, column) of its first character. A repeated key keeps its
    last value, as the JSON reader does."""
    starts = [0]  # offset of each line's first character
    for m in re.finditer("\n", text):
        starts.append(m.end())
    found: dict[str, int] = {}
    pos = 0
    if text.startswith("\ufeff"):
        pos = 1

    def space(i: int) -> int:
        return _SPACE.match(text, i).end()

    def value(i: int, ptr: str) -> int:
        i = space(i)
        if i >= len(text):
            raise _Stop
        found[ptr] = i
        ch = text[i]
        if ch == "{":
            i = space(i + 1)
            if text.startswith("}", i):
                return i + 1
            while True:
                m = _STRING.match(text, i)
                if m is None:
                    raise _Stop
                key = _decode(m.group())
                i = space(m.end())
                if not text.startswith(":", i):
                    raise _Stop
                i = space(value(i + 1, f"{ptr}/{_token(key)}"))
                if text.startswith(",", i):
                    i = space(i + 1)
                elif text.startswith("}", i):
                    return i + 1
                else:
                    raise _Stop
        if ch == "[":
            i = space(i + 1)
            if text.startswith("]", i):
                return i + 1
            n = 0
            while True:
                i = space(value(i, f"{ptr}/{n}"))
                n += 1
                if text.startswith(",", i):
                    i += 1
                elif text.startswith("]", i):
                    return i + 1
                else:
                    raise _Stop
        m = (_STRING if ch == '"' else _SCALAR).match(text, i)
        if m is None:
            raise _Stop
        return m.end()

    try:
        value(pos, "")
    except (_Stop, RecursionError):
        pass
    from bisect import bisect_right

    out = {}
    for ptr, offset in found.items():
        line = bisect_right(starts, offset)
        out[ptr] = (line, offset - starts[line - 1] + 1)
    return out


def _decode(quoted: str) -> str:
    if "\\" not in quoted:
        return quoted[1:-1]
    import json

    try:
        return json.loads(quoted)
    except ValueError:
        return quoted[1:-1]


def position(positions: dict[str, tuple[int, int]], ptr: str) -> tuple[int, int] | None:
    """The position of `ptr`, or of its nearest enclosing value that the text has (a pointer into
    the canonical model may name a value the file leaves out, or spells under another key)."""
    probe = ptr
    while True:
        found = positions.get(probe)
        if found is not None or not probe:
            return found
        probe = probe.rsplit("/", 1)[0]


def file_positions(path: str, limit: int = 64 * 1024 * 1024) -> dict[str, tuple[int, int]]:
    """The positions in a JSON file, or none when it cannot be read as UTF-8 text (the reader has
    already said why in a finding)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError:
        return {}
    if len(raw) > limit:
        return {}
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}
    return value_positions(text)
