"""The JSON report (report_version 1, the contract in the README), written file by file as results arrive.

Laid out for reading: files and documents open over lines, each finding on one line (easy to
read, grep and diff). Every line is made by the C encoder: Python's indenting encoder costs more
than the rest of a bureau run's output together.
"""
from __future__ import annotations

import json
from typing import IO, Any

from ..model import FileResult
from ..report import REPORT_VERSION, ReportMeta, Summary
from ..output import open_output
from .labels import unverified_message


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_KEYS: dict[str, str] = {}  # a report repeats the same few dozen keys: each encoded once


def _key(k: str) -> str:
    out = _KEYS.get(k)
    if out is None:
        out = _dumps(k)
        if len(_KEYS) < 1000:
            _KEYS[k] = out
    return out


def layout(value: Any, pad: str, key: str | None = None) -> str:
    """`value` as JSON at indentation `pad`: objects and lists over lines, a list of findings one per line."""
    if type(value) is dict and value:
        inner = pad + "  "
        body = ",\n".join([f"{inner}{_key(k)}: {layout(v, inner, k) if type(v) in _NESTED else _dumps(v)}"
                            for k, v in value.items()])
        return "{\n" + body + "\n" + pad + "}"
    if type(value) is list and value:
        inner = pad + "  "
        if key == "findings":
            body = ",\n".join([inner + _dumps(v) for v in value])
        else:
            body = ",\n".join([inner + layout(v, inner) for v in value])
        return "[\n" + body + "\n" + pad + "]"
    return _dumps(value)


_NESTED = (dict, list)


class JsonFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open_output(path)
        self.lang = meta.lang
        head = {"perflint": meta.version, "report_version": REPORT_VERSION, "profile": meta.profile}
        self.out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "files": [')
        self._first = True

    def file(self, result: FileResult) -> None:
        self.out.write(("\n    " if self._first else ",\n    ") + layout(result.to_json(), "    "))
        self._first = False

    def close(self, summary: Summary) -> None:
        data = summary.to_json()
        for entry in data["unverified"]:  # the why, in the report's language, beside its key
            entry["message"] = unverified_message(entry, self.lang)
        tail = json.dumps(data, ensure_ascii=False, indent=2)
        self.out.write(("\n  " if not self._first else "") + '],\n  "summary": ' + tail.replace("\n", "\n  ") + "\n}\n")
        self.out.flush()
        if self._own:
            self.out.close()
