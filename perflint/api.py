"""The Python API: what the command line does, for scripts and tests."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from .catalogue import default_catalogue
from .config import Config
from .files import collect_files
from .model import FileResult
from .profiles import load_profile
from .run import Run, RunSettings, open_batch


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
    files = collect_files(settings.paths)
    return list(open_batch(Run(settings, catalogue, prof), files, results=False).run())  # each file really checked
