"""The batch as the batch tests drive it: plain settings, and a check of their own in place of the
real one (a check that hangs, crashes or kills its process), put where the workers look it up
before they fork."""
from __future__ import annotations

from contextlib import contextmanager

import perflint.batch.tasks as tasks
from perflint.batch import Batch, BatchPlan, resolve_jobs
from perflint.catalogue import default_catalogue
from perflint.config import Config
from perflint.profiles import load_profile
from perflint.run import RunSettings, build_engine, reader_options


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


def check_files(files, settings=None, *, profile=None, history=None, jobs=1, timeout=None, check=None,
                cache=None, pool=None, **options):
    """Results of `files` in order, with the settings of a plain run."""
    files = list(files)
    settings = settings or RunSettings(paths=files, config=Config())
    catalogue = default_catalogue()
    profile = profile or load_profile(settings.profile, catalogue)
    engine = build_engine(settings, catalogue, profile, history)
    plan = BatchPlan(settings, profile, history, timeout)
    batch = Batch(engine, plan, reader_options(settings, profile), resolve_jobs(jobs), cache, pool=pool, **options)
    with checking_with(check):
        return list(batch.run(files))
