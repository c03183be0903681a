"""`perflint check` after its arguments are settled: results streamed to every requested output."""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from . import __version__
from .data import DataError
from .exits import EXIT_PIPE, exit_code
from .formatters import make_formatter
from .report import ReportMeta, Summary
from .run import Run, open_batch

if TYPE_CHECKING:
    from .model import FileResult
    from .report import Formatter


def run_check(run: Run, files: list[str], fmt: str,
              outputs: list[tuple[str, str]], *, quiet: bool = False, report_split: str | None = None,
              ledger: str | None = None, baseline: str | None = None, write_baseline: str | None = None,
              annotate: str | None = None, report_detail: str = "department", min_severity: str = "info",
              bureau: str | None = None, sarif_info: bool = False) -> int:
    from .output import discard_pending

    meta = ReportMeta(__version__, run.profile.name, run.settings.lang, run.settings.fail_on, detail=report_detail,
                      min_severity=min_severity, bureau=bureau)
    try:
        return _run(run, files, fmt, outputs, meta, quiet=quiet, report_split=report_split,
                    ledger=ledger, baseline=baseline, write_baseline=write_baseline, annotate=annotate,
                    sarif_info=sarif_info)
    except BaseException:
        discard_pending()  # an interrupt or a crash leaves no partial report: the old files stay as they were
        if "perflint.formatters.xlsx_report" in sys.modules:
            sys.modules["perflint.formatters.xlsx_report"].abandon_open_books()
        raise


class _Stdout:
    """The formatter writing to stdout. When its reader leaves (`perflint check … | head -1`) it falls
    silent; the run goes on only if it still has files to write."""

    def __init__(self, formatter: Formatter) -> None:
        self.formatter = formatter
        self.gone = False

    def _guard(self, call, arg) -> None:
        if self.gone:
            return
        try:
            call(arg)
        except BrokenPipeError:
            self.gone = True
            try:  # whatever is still buffered goes nowhere, and no later flush fails
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass

    def file(self, result) -> None:
        self._guard(self.formatter.file, result)

    def close(self, summary) -> None:
        self._guard(self.formatter.close, summary)


def _run(run: Run, files: list[str], fmt: str,
         outputs: list[tuple[str, str]], meta: ReportMeta, *, quiet: bool, report_split: str | None,
         ledger: str | None, baseline: str | None, write_baseline: str | None, annotate: str | None = None,
         sarif_info: bool = False) -> int:
    settings, catalogue, profile = run.settings, run.catalogue, run.profile
    # the run's own files, --history and --registry in one index (None when no H rule is selected)
    batch = open_batch(run, files, ledger=bool(ledger))
    known = None
    if baseline:
        from .baseline import load_baseline

        known = load_baseline(baseline)
    summary = Summary()
    failed: list[str] = []
    with _progress(len(files), settings.lang) as advance:
        # formatters are made inside the progress display so that their terminal output goes above it
        root = report_root(files)
        # rich output goes through the progress display's own console: a second console on the same
        # terminal writes past the display (rich unwraps its stdout proxy) and leaves stale bars behind
        live = {"console": advance.console} if advance is not None and fmt == "rich" else {}
        stdout = _Stdout(make_formatter(fmt, sys.stdout, None, meta, quiet=quiet, catalogue=catalogue, root=root,
                                        sarif_info=sarif_info, **live))
        formatters: list[Formatter] = [stdout]
        for out_fmt, path in outputs:
            try:
                formatters.append(make_formatter(out_fmt, None, path, meta, quiet=False, report_split=report_split,
                                                 catalogue=catalogue, root=root, sarif_info=sarif_info, inputs=files))
            except OSError as exc:  # a report that cannot be written stops the run before any file is read
                raise DataError(path, "", f"cannot write the {out_fmt} report: {exc.strerror or exc}") from None
        everything: list[Formatter] = []  # what records the run keep every finding, whatever is shown
        if write_baseline:
            from .baseline import BaselineWriter

            everything.append(BaselineWriter(write_baseline))
        if ledger:
            from .ledger import LedgerWriter

            everything.append(LedgerWriter(ledger, lambda: batch.index, profile, lang=settings.lang))
        formatters += everything
        if annotate:
            from .annotate import AnnotateWriter

            try:
                formatters.append(AnnotateWriter(annotate, settings.lang, catalogue, meta.detail, inputs=files))
            except OSError as exc:
                raise DataError(annotate, "", f"cannot write the marked-up copies: {exc.strerror or exc}") from None
        for result in batch.run(advance, getattr(advance, "reading", None)):
            if known is not None:
                result = known.filter(result)  # only findings the baseline does not record
            summary.add(result)  # counts everything, --min-severity or not
            shown = at_least(result, meta.min_severity)
            for f in list(formatters):
                try:
                    f.file(result if f in everything else shown)
                except OSError as exc:  # a full disk under one report: drop it (its old file stays), go on
                    failed.append(f"{exc.filename or getattr(f, 'path', None) or ''}: {exc.strerror or exc}")
                    formatters.remove(f)
            if stdout.gone and len(formatters) == 1:
                raise BrokenPipeError  # nobody reads the rest, and no file waits for it
    for f in formatters:
        try:
            f.close(summary)
        except OSError as exc:  # e.g. the workbook is open in Excel: the other reports still get written
            failed.append(f"{exc.filename or getattr(f, 'path', None) or ''}: {exc.strerror or exc}")
        except DataError as exc:
            failed.append(str(exc))
        more = getattr(f, "failures", ())  # e.g. one department's workbook of several (JUnit's is a count)
        if isinstance(more, (list, tuple)):
            failed.extend(more)
    if failed:
        raise DataError("report", "", "could not be written (the files already there are unchanged): "
                        + "; ".join(failed))
    if stdout.gone:
        return EXIT_PIPE
    _say_written(formatters[1:], [p for _, p in outputs], settings.lang)
    return exit_code(summary, settings.fail_on)


def _say_written(formatters: list[Formatter], given: list[str], lang: str) -> None:
    """After the run, one line per report file written, naming it (on stderr: stdout may be a report)."""
    zh = lang == "zh"
    lines = []
    for i, f in enumerate(formatters):
        paths = getattr(f, "written", None)
        if paths is None:
            paths = [given[i] if i < len(given) else getattr(f, "path", None)]
        if type(f).__name__ == "AnnotateWriter":
            if paths:
                lines.append(f"已写出 {len(paths)} 份标注副本：{f.path}" if zh else
                             f"wrote {len(paths)} marked-up cop{'y' if len(paths) == 1 else 'ies'}: {f.path}")
            continue
        for p in paths:
            if p:
                lines.append(f"已写出：{p}" if zh else f"wrote {p}")
    if lines:
        from .formatters.safe import one_line

        # a department's name is part of its workbook's name: one line per file, control characters shown
        sys.stderr.write("".join(f"perflint: {one_line(line)}\n" for line in lines))


_SHOWN = {"info": ("error", "warning", "info"), "warning": ("error", "warning"), "error": ("error",)}


def at_least(result: FileResult, level: str) -> FileResult:
    """`result` without the findings below `level` (`--min-severity`); verdicts stay as they were."""
    if level == "info" or level not in _SHOWN:
        return result
    import dataclasses

    keep = _SHOWN[level]
    docs = tuple(dataclasses.replace(d, findings=tuple(f for f in d.findings if f.severity in keep))
                 for d in result.documents)
    return dataclasses.replace(result, documents=docs, findings=tuple(f for f in result.findings if f.severity in keep))


def report_root(files: list[str]) -> str:
    """The folder reports make paths relative to: the current one when every file is below it (a
    repository's root in CI), else the deepest folder holding them all."""
    cwd = os.getcwd()
    folders = {os.path.dirname(os.path.abspath(f)) for f in files}
    if not folders:
        return cwd
    try:
        common = os.path.commonpath([cwd, *folders])
        if common == cwd:
            return cwd
        return os.path.commonpath(list(folders))
    except ValueError:  # different drives
        return cwd


def show_progress() -> bool:
    """A progress bar only for a person at a terminal: not when output is piped, not under CI."""
    if os.environ.get("CI"):
        return False
    try:
        return sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def _progress(total: int, lang: str = "zh") -> Iterator[Any]:
    if total < 2 or not show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskProgressColumn,
                               TextColumn, TimeElapsedColumn, TimeRemainingColumn)

    console = Console(file=sys.stdout)
    # one column short of the terminal: a line exactly as wide as the terminal leaves the cursor
    # waiting to wrap, and some terminals then keep the erased bar as a stale line above the output
    console.width = max(20, console.width - 1)
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24),
                        MofNCompleteColumn(), TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True,
                        auto_refresh=False)  # no refresh thread: worker processes are forked from this one
    task = progress.add_task("", total=total, rate="")
    counts = {"pass": 0, "return": 0}
    shown = [0.0]

    def advance(result) -> None:
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
        t = progress.tasks[0]
        speed = t.finished_speed or t.speed
        if lang == "zh":
            text, rate = f"通过 {counts['pass']} · 退回 {counts['return']}", f"{speed:.1f} 个/秒" if speed else ""
        else:
            text, rate = f"pass {counts['pass']} · return {counts['return']}", f"{speed:.1f} files/s" if speed else ""
        progress.update(task, advance=1, description=text, rate=rate)
        _refresh(t.completed >= total)

    def reading(done: int, pending: int) -> None:
        # the first pass of a run whose H rules compare its files: read and index them all
        text = f"读取并建立索引 {done}/{pending}" if lang == "zh" else f"reading and indexing {done}/{pending}"
        progress.update(task, description=text)
        _refresh(done >= pending)

    def _refresh(last: bool) -> None:
        now = time.monotonic()
        if now - shown[0] > 0.1 or last:
            shown[0] = now
            progress.refresh()

    advance.reading = reading  # type: ignore[attr-defined]
    advance.console = console  # type: ignore[attr-defined]
    with progress:
        yield advance
