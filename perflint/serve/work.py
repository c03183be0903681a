"""What the server's worker processes do: check an upload's files, draw their sheets, write the
审核意见 workbook. Nothing here imports the web framework; the worker keeps the catalogue and the
profile from its start, and builds an engine per request (its language, its files' H-rule index)."""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..readers import EXCEL_SUFFIXES

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..model import FileResult, Finding
    from ..readers import Limits
    from ..report import Summary
    from ..run import RunSettings

_STATE: dict[str, Any] = {}
# a file the sniffer refused (or whose check ran out of time or crashed) is never opened again to be drawn
_UNSAFE_TO_DRAW = frozenset({"F001", "F007", "F010", "F011"})


@dataclass(frozen=True)
class ServeSettings:
    """The server's policy, fixed at start: every request is checked with it."""

    profile: str = "national"
    history: tuple[str, ...] = ()
    registry: tuple[str, ...] = ()
    timeout: float = 60.0  # seconds per file (F010 past it)
    limits: Limits | None = None  # None: the defaults (the F007 limits)
    config_root: str | None = None
    extra: dict = field(default_factory=dict)


def serve_worker(conn: Any, settings: ServeSettings) -> None:
    """A server's worker process (started by `lifecycle.start_child`): the policy and the rules loaded
    once, then one task at a time from its pipe, each answered on it with ("done", answer) or
    ("failed", exception), after any ("progress", item) it reports on the way."""
    from ..lifecycle import requests

    init_worker(settings, lambda item: conn.send(("progress", item)))
    conn.send(("ready", os.getpid()))
    for fn, args in requests(conn):
        try:
            answer = ("done", fn(*args))
        except Exception as exc:  # noqa: BLE001 - the request's failure, not the worker's end
            answer = ("failed", exc)
        try:
            conn.send(answer)
        except Exception:  # an exception that does not pickle: its name is what the answer shows
            conn.send(("failed", RuntimeError(type(answer[1]).__name__)))


def init_worker(settings: ServeSettings, progress: Callable[[tuple], None] | None = None) -> None:
    """Load the policy and the rules once per worker process; `progress` takes (job, phase, done,
    total, verdict) as an upload's files are read and checked."""
    from ..checks import load_rules
    from ..run import Run

    _STATE["settings"] = settings
    _STATE["progress"] = progress
    run = Run.load(_run_settings(settings, [], "zh"))
    _STATE["policy"] = run.catalogue, run.profile
    load_rules(run.catalogue)


def _run_settings(settings: ServeSettings, files: list[str], lang: str):
    from ..readers import Limits
    from ..run import RunSettings

    return RunSettings(paths=list(files), profile=settings.profile, lang=lang, history=list(settings.history),
                       registry=list(settings.registry), timeout=settings.timeout,
                       limits=settings.limits or Limits(), jobs=1)


def check_upload(job: str, folder: str, names: list[str], lang: str = "zh", view: bool = False,
                 report_xlsx: bool = False, draw: bool = True) -> dict:
    """Check the files `names` (relative to `folder`) as one run.

    Returns {"report": the JSON report text (schemas/report.schema.json), "xlsx": the 审核意见 workbook's bytes when
    asked} and, for the page (`view`): "departments" (by-department counts), "advice" (each finding's
    整改建议, {name: {"file": [...], "documents": [[...], ...]}} in the report's order), "drawable" (the
    files whose sheets may be drawn) and, when `draw`, "grids" ({name: sheets}). Paths are the names
    as uploaded, never the private folder's.
    """
    from .. import __version__
    from ..formatters.json_report import JsonFormatter
    from ..report import ReportMeta, Summary

    catalogue, profile = _STATE["policy"]
    files = [os.path.join(folder, n) for n in names]
    meta = ReportMeta(__version__, profile.name, lang)
    out = io.StringIO()
    fmt = JsonFormatter(out, None, meta)
    xlsx = None
    xlsx_path = None
    if report_xlsx:
        from ..formatters.xlsx_report import XlsxFormatter

        xlsx_path = os.path.join(folder, ".审核意见.xlsx")
        xlsx = XlsxFormatter(None, xlsx_path, meta, catalogue=catalogue)
    summary = Summary()
    prefix = folder.rstrip(os.sep) + os.sep
    drawable: list[str] = []
    advised: dict[str, dict] = {}
    progress = _STATE.get("progress")
    done = [0]

    def advance(result) -> None:
        done[0] += 1
        if progress is not None and job:
            progress((job, "check", done[0], len(files), result.verdict))

    def reading(count: int, total: int) -> None:
        # where the H rules compare files, each is read and indexed (the slow part) before any is
        # judged: that is the progress to show; the judging after it goes by quickly
        if progress is not None and job:
            progress((job, "read", count, total, None))

    hidden = _private_folders(prefix)
    run, results = _check(files, lang, advance, reading)
    for result in results:
        result = _renamed(result, prefix)
        summary.add(result)
        fmt.file(result)
        if xlsx is not None:
            xlsx.file(result)
        if view:
            advised[result.path] = _advice(result, catalogue, lang, hidden)
            if result.path.lower().endswith(EXCEL_SUFFIXES) and not any(f.code in _UNSAFE_TO_DRAW for f in result.findings):
                drawable.append(result.path)
    fmt.close(summary)
    answer: dict[str, Any] = {"report": _strip(out.getvalue(), hidden)}
    if view:
        answer.update(departments=_departments(summary), advice=advised, drawable=drawable)
    if xlsx is not None:
        xlsx.close(summary)
        with open(xlsx_path, "rb") as fh:
            answer["xlsx"] = fh.read()
        os.remove(xlsx_path)
    if view and draw:
        from .sheetview import workbook_view

        sheets = {name: workbook_view(os.path.join(folder, name), run.limits) for name in drawable}
        answer["grids"] = {name: grid for name, grid in sheets.items() if grid}
    return answer


def _advice(result: FileResult, catalogue: Catalogue, lang: str, folders: list[str]) -> dict:
    """What to do about each finding, worked out from its own values as the 审核意见 workbook says it
    ("F9 应为 2900.00（= 2600.00 + 100.00 + 200.00）"), not the rule's general advice."""
    from ..formatters.labels import advice

    def one(f: Finding) -> str:
        text = advice(catalogue.rules.get(f.code), lang, f)
        for folder in folders:
            text = text.replace(folder, "")
        return text

    return {"file": [one(f) for f in result.findings],
            "documents": [[one(f) for f in d.findings] for d in result.documents]}


def _check(files: list[str], lang: str, advance: Callable[[FileResult], None] | None = None,
           reading: Callable[[int, int], None] | None = None) -> tuple[RunSettings, Iterator[FileResult]]:
    """The run's settings and its results, in order: one run, so the H rules compare the upload's
    files with each other and with the server's history."""
    from ..run import Run, open_batch

    settings: ServeSettings = _STATE["settings"]
    catalogue, profile = _STATE["policy"]
    run = _run_settings(settings, files, lang)
    # nothing of an upload is kept: neither its results nor its records
    batch = open_batch(Run(run, catalogue, profile), files, results=False, keep_run_records=False)
    return run, batch.run(advance, reading)


def annotate_upload(folder: str, name: str, lang: str = "zh") -> dict:
    """The marked-up copy of one uploaded workbook, as `perflint check --annotate` writes it:
    {"data": xlsx bytes, "filename": its name} or {"error": {"zh", "en"}}."""
    from .. import annotate

    path = os.path.join(folder, name)
    _, results = _check([path], lang)
    result = next(iter(results))
    try:
        data = annotate.annotate_workbook(path, result, lang, catalogue=_STATE["policy"][0],
                                          name=os.path.basename(name))
    except annotate.AnnotateError as exc:
        return {"error": {"zh": f"无法生成批注版工作簿：{exc}", "en": f"cannot mark up the workbook: {exc}"}}
    return {"data": data, "filename": annotate.annotated_name(os.path.basename(name))}


def _renamed(result: FileResult, prefix: str) -> FileResult:
    import dataclasses

    if result.path.startswith(prefix):
        return dataclasses.replace(result, path=result.path[len(prefix):].replace(os.sep, "/"))
    return result


def _private_folders(prefix: str) -> list[str]:
    """The folders a department is never shown: the upload's private folder, and the folders the
    server's --history and --registry lie in (their own names stay: 绩效档案/2024/…, 项目库.csv), so
    that a finding compared with the bureau's archive does not tell the server's layout. Longest
    first, so that a folder inside another is taken out whole."""
    settings: ServeSettings = _STATE["settings"]
    folders = {prefix}
    for source in (*settings.history, *settings.registry):
        for form in {source, os.path.abspath(source)}:
            parent = os.path.dirname(form.rstrip(os.sep))
            if parent and parent not in (os.sep, "."):  # never "/": it would take every slash out
                folders.add(parent.rstrip(os.sep) + os.sep)
    return sorted(folders, key=len, reverse=True)


def _strip(text: str, folders: list[str]) -> str:
    """The private folders out of every path in the report (related documents, messages)."""
    import json

    for folder in folders:
        text = text.replace(json.dumps(folder, ensure_ascii=False)[1:-1], "")
    return text


def _departments(summary: Summary) -> list[dict]:
    rows = []
    for name in sorted(summary.by_department):
        c = summary.by_department[name]
        rows.append({"department": name, "documents": c["pass"] + c["return"], "pass": c["pass"],
                     "return": c["return"], "findings": c["findings"]})
    return rows
