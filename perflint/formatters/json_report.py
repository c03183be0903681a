"""The JSON report of CLI.md (report_version 1), written file by file as results arrive."""
from __future__ import annotations

import json
from typing import IO

from ..model import FileResult
from ..report import REPORT_VERSION, ReportMeta, Summary


class JsonFormatter:
    def __init__(self, out: IO[str] | None, path: str | None, meta: ReportMeta, **_: object) -> None:
        self._own = out is None
        self.out = out if out is not None else open(path, "w", encoding="utf-8")
        head = {"perflint": meta.version, "report_version": REPORT_VERSION, "profile": meta.profile}
        self.out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "files": [')
        self._first = True

    def file(self, result: FileResult) -> None:
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2)
        self.out.write(("\n" if self._first else ",\n") + "\n".join("    " + line for line in text.splitlines()))
        self._first = False

    def close(self, summary: Summary) -> None:
        tail = json.dumps(summary.to_json(), ensure_ascii=False, indent=2)
        self.out.write(("\n  " if not self._first else "") + '],\n  "summary": ' + tail.replace("\n", "\n  ") + "\n}\n")
        self.out.flush()
        if self._own:
            self.out.close()
