"""The batch as the batch tests drive it: plain settings, no cross-document index (so every file
goes through one pass and its check), and a check of their own in place of the real one (a check
that hangs, crashes or kills its process), put where the workers look it up before they fork."""
from __future__ import annotations

from contextlib import contextmanager

import dataclasses

import perflint.batch.tasks as tasks
from perflint.catalogue import default_catalogue
from perflint.config import Config
from perflint.profiles import load_profile
from perflint.batch import Batch, BatchPlan, resolve_jobs
from perflint.run import Run, RunSettings


@contextmanager
def checking_with(check):
    """`check(engine, path, options) -> FileResult` in place of the engine's own, in this process
    and in every worker forked meanwhile."""
    if check is None:
        yield
        return
    real = tasks.check
    tasks.check = check
    try:
        yield
    finally:
        tasks.check = real


def plain_run(files, settings=None, profile=None, timeout=None) -> Run:
    """The run of plain settings (or `settings`), with the time limit `timeout` (None: none)."""
    settings = settings or RunSettings(paths=list(files), config=Config())
    settings = dataclasses.replace(settings, timeout=timeout or 0)
    catalogue = default_catalogue()
    return Run(settings, catalogue, profile or load_profile(settings.profile, catalogue))


def batch_of(files, settings=None, *, profile=None, jobs=1, timeout=None, cache=None, **tuning) -> Batch:
    """A batch over `files` without the index (no result cache unless `cache`)."""
    run = plain_run(files, settings, profile, timeout)
    return Batch(run.engine(), BatchPlan(run, None, timeout), list(files), resolve_jobs(jobs), cache, **tuning)


def check_files(files, settings=None, *, check=None, **options):
    """Results of `files` in order, through `batch_of`."""
    batch = batch_of(files, settings, **options)
    with checking_with(check):
        return list(batch.run())


def index_read_first(files, options=None, use_cache=True):
    """The reference index of a run: every one of `files` read into it before any is checked."""
    from perflint.history import IndexBuilder, read_records

    builder = IndexBuilder(options, run_files=files, use_cache=use_cache)
    for path in list(builder.pending):
        builder.learn(path, *read_records(path, options))
    return builder.build()
