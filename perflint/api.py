"""The Python API: what the command line does, for scripts and tests."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from .catalogue import default_catalogue
from .config import Config
from .model import FileResult
from .profiles import load_profile
from .run import RunSettings, build_engine, collect_files, reader_options


def check_paths(paths: Iterable[str], *, profile: str = "national", parameters: Mapping[str, Any] | None = None,
                select: Iterable[str] = (), ignore: Iterable[str] = (), lang: str = "zh", waivers: bool = True,
                history: Iterable[str] = (), registry: Iterable[str] = ()) -> list[FileResult]:
    """Check files and folders and return their results (in report order)."""
    catalogue = default_catalogue()
    prof = load_profile(profile, catalogue)
    if parameters:
        for name, value in parameters.items():
            catalogue.parameters[name].check(value, "parameters", name)
        prof = dataclasses.replace(prof, parameters={**prof.parameters, **parameters})
    settings = RunSettings(paths=list(paths), profile=profile, select=list(select), ignore=list(ignore), lang=lang,
                           use_waivers=waivers, history=list(history), registry=list(registry), config=Config())
    from .batch import Batch, BatchPlan
    from .history import for_run

    files = collect_files(settings.paths)
    hist = for_run(settings, catalogue, prof, files)
    engine = build_engine(settings, catalogue, prof, hist)
    batch = Batch(engine, BatchPlan(settings, prof, hist), reader_options(settings, prof))
    return list(batch.run(files))
