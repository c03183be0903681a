"""Baselines: adopt perflint on a repository full of old submissions, then hear only about new findings.

`perflint check --write-baseline FILE` records every finding of the run; `--baseline FILE` drops the
findings it records. A finding is known by its file (relative to the baseline's folder), its code
and its logical location (JSON pointer, and the sheet when it came from a workbook). Line numbers,
cells and message text play no part: a row inserted above, an amount corrected elsewhere or a
change of --lang leaves the match intact. Each key keeps a count, so a file with two identical
findings that gains a third reports exactly one.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from . import __version__
from .data import DataError
from .model import DocumentResult, FileResult, Finding

if TYPE_CHECKING:
    from .report import Summary

BASELINE_VERSION = 1
Key = tuple[str, str, str, str]  # file, code, pointer, sheet ("" when none)


def _file_key(path: str, folder: Path) -> str:
    """The file as the baseline names it: relative to the baseline's folder, with slashes."""
    return Path(os.path.relpath(os.path.abspath(path), folder)).as_posix()


def _key(file: str, finding: Finding, sheet: str | None) -> Key:
    return (file, finding.code, finding.location.pointer, finding.location.sheet or sheet or "")


def result_keys(result: FileResult, folder: Path) -> Iterable[Key]:
    file = _file_key(result.path, folder)
    for f in result.findings:
        yield _key(file, f, None)
    for doc in result.documents:
        for f in doc.findings:
            yield _key(file, f, doc.sheet)


class BaselineWriter:
    """A sink beside the formatters: counts every finding, writes the baseline when the run closes."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.folder = Path(os.path.abspath(self.path.parent))
        self.counts: Counter[Key] = Counter()

    def file(self, result: FileResult) -> None:
        self.counts.update(result_keys(result, self.folder))

    def close(self, summary: Summary | None = None) -> None:
        entries = []
        for (file, code, ptr, sheet), count in sorted(self.counts.items()):
            entry: dict[str, Any] = {"file": file, "code": code, "pointer": ptr}
            if sheet:
                entry["sheet"] = sheet
            entry["count"] = count
            entries.append(entry)
        doc = {"perflint": __version__, "baseline_version": BASELINE_VERSION, "findings": entries}
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        from .output import write_file

        write_file(self.path, text, make_parents=True)  # whole or not at all, never through a planted symlink
        load_baseline.cache_clear()


@dataclass
class Baseline:
    path: Path
    counts: Counter = field(default_factory=Counter)
    suppressed: int = 0  # findings dropped so far in this run
    by_file: dict[str, Counter] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # a bureau's run looks up thousands of files: index the entries by file once
        for key, n in self.counts.items():
            self.by_file.setdefault(key[0], Counter())[key] += n

    @property
    def folder(self) -> Path:
        return Path(os.path.abspath(self.path.parent))

    def filter(self, result: FileResult) -> FileResult:
        """The result without the findings the baseline records; verdicts drawn again from what is left."""
        file = _file_key(result.path, self.folder)
        known = self.by_file.get(file)
        if not known:
            return result
        budget = Counter(known)

        def keep(findings: Iterable[Finding], sheet: str | None) -> list[Finding]:
            out = []
            for f in findings:
                key = _key(file, f, sheet)
                if budget[key] > 0:
                    budget[key] -= 1
                    self.suppressed += 1
                else:
                    out.append(f)
            return out

        file_findings = keep(result.findings, None)
        docs = tuple(_redraw(d, keep(d.findings, d.sheet)) for d in result.documents)
        if not result.documents:
            # A file that yields no submission is never a pass, unless the baseline accepts every
            # one of its findings: an old unreadable file must not block the whole repository.
            verdict = "pass" if result.findings and not file_findings else "return"
            return FileResult(result.path, (), tuple(file_findings), verdict, result.seconds)
        from .engine import finish_file

        return finish_file(result.path, docs, file_findings, result.seconds)


def _redraw(doc: DocumentResult, findings: list[Finding]) -> DocumentResult:
    if len(findings) == len(doc.findings):
        return doc
    from .engine import FATAL_CODES, judge

    # judge() also rates a target form without indicators 差; DocumentResult does not keep the
    # indicators, but a 差 that no fatal finding explains can only have come from there.
    no_indicators = doc.grade == "差" and not any(f.code in FATAL_CODES and not f.waived for f in doc.findings)
    verdict, grade = judge(findings, no_indicators=no_indicators)
    return DocumentResult(doc.kind, doc.sheet, doc.fiscal_year, doc.project_code, doc.name, doc.department,
                          tuple(findings), verdict, grade, doc.unverified)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> Baseline:
    source = Path(path)
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(source, "", "baseline file not found (write one with --write-baseline)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(source, "", f"not a readable JSON baseline: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("findings"), list):
        raise DataError(source, "findings", "missing: a perflint baseline has a `findings` list")
    version = raw.get("baseline_version")
    if version != BASELINE_VERSION:
        raise DataError(source, "baseline_version", f"{version!r} is not supported (expected {BASELINE_VERSION})")
    counts: Counter[Key] = Counter()
    for i, entry in enumerate(raw["findings"]):
        where = f"findings[{i}]"
        if not isinstance(entry, dict):
            raise DataError(source, where, "must be an object")
        for name in ("file", "code", "pointer"):
            if not isinstance(entry.get(name), str):
                raise DataError(source, f"{where}.{name}", "missing or not a string")
        sheet = entry.get("sheet", "")
        count = entry.get("count", 1)
        if not isinstance(sheet, str):
            raise DataError(source, f"{where}.sheet", "not a string")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise DataError(source, f"{where}.count", "must be a positive whole number")
        counts[(entry["file"], entry["code"], entry["pointer"], sheet)] += count
    return Baseline(source, counts)


def load_baseline(path: str | os.PathLike) -> Baseline:
    """The baseline at `path`, read once: every caller in a run shares one object and its `suppressed`."""
    source = os.path.abspath(path)
    try:
        mtime = os.stat(source).st_mtime_ns
    except OSError:
        mtime = -1
    return _load(source, mtime)


def suppressed_note(baseline: Baseline, lang: str = "zh") -> str:
    if lang == "en":
        return f"{baseline.suppressed} finding(s) recorded in the baseline {baseline.path.name} are not shown\n"
    return f"基线 {baseline.path.name} 已记录的 {baseline.suppressed} 个问题未列出\n"


load_baseline.cache_clear = _load.cache_clear  # type: ignore[attr-defined]
