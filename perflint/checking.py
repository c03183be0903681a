"""`perflint check` after its arguments are settled: results streamed to every requested output."""
from __future__ import annotations

import sys
from typing import Any

from . import __version__
from .catalogue import Catalogue
from .formatters import make_formatter
from .profiles import Profile
from .report import ReportMeta, Summary
from .run import RunSettings, build_engine, iter_results, reader_options


def run_check(settings: RunSettings, catalogue: Catalogue, profile: Profile, files: list[str], fmt: str,
              outputs: list[tuple[str, str]], *, quiet: bool = False, report_split: str | None = None,
              ledger: str | None = None, baseline: str | None = None, write_baseline: str | None = None) -> int:
    meta = ReportMeta(__version__, profile.name, settings.lang, settings.fail_on)
    history = None
    if settings.history or settings.registry:
        from .history import build_history

        history = build_history(settings.history, settings.registry, reader_options(settings, profile))
    engine = build_engine(settings, catalogue, profile, history)
    formatters: list[Any] = [make_formatter(fmt, sys.stdout, None, meta, quiet=quiet)]
    for out_fmt, path in outputs:
        formatters.append(make_formatter(out_fmt, None, path, meta, quiet=False, report_split=report_split))
    if write_baseline:
        from .baseline import BaselineWriter

        formatters.append(BaselineWriter(write_baseline))
    known = None
    if baseline:
        from .baseline import load_baseline

        known = load_baseline(baseline)
    summary = Summary()
    for result in iter_results(engine, files, reader_options(settings, profile)):
        if known is not None:
            result = known.filter(result)  # only findings the baseline does not record
        summary.add(result)
        for f in formatters:
            f.file(result)
    for f in formatters:
        f.close(summary)
    return summary.exit_code(settings.fail_on)
