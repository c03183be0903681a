"""Which files a run reads: the paths given, folders walked, include/exclude globs applied, and
the --history sources (folders, files and globs), and where each file really is."""
from __future__ import annotations

import glob
import os
import sys
from pathlib import Path
from stat import S_ISLNK
from typing import Iterable

from .config import glob_match
from .data import DataError
from .readers import SUFFIXES


def collect_files(paths: Iterable[str], include: Iterable[str] = (), exclude: Iterable[str] = (),
                  root: Path | None = None, problems: list[tuple[str, str]] | None = None) -> list[str]:
    """Files in the order given; a folder's files sorted by path (hidden and ~$ lock files skipped).

    include/exclude globs (relative to `root`, the config's folder) apply to named files too: a
    pre-commit hook names every staged .json, and package.json is no submission.

    `problems` collects (path, why) for what must not pass silently: a folder that cannot be read,
    and a folder that holds no submission (a folder named x.xlsx included).
    """
    include, exclude = list(include), list(exclude)
    root = root or Path.cwd()

    def keep(path: str, explicit: bool) -> bool:
        if not include and not exclude:
            return True
        rel = relative(path, root)
        if exclude and any(glob_match(rel, p) for p in exclude):
            return False
        if include:
            return any(glob_match(rel, p) for p in include)
        return True

    out: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            found = []

            def unreadable(exc: OSError) -> None:
                if problems is not None:
                    problems.append((exc.filename or given, f"cannot read the folder: {exc.strerror or exc}"))

            for folder, dirs, files in os.walk(given, onerror=unreadable):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    if name.startswith((".", "~$")) or os.path.splitext(name)[1].lower() not in SUFFIXES:
                        continue
                    full = os.path.normpath(os.path.join(folder, name))  # "./a.json" reads as "a.json"
                    if keep(full, explicit=False):
                        found.append(full)
            out.extend(sorted(found))
            if not found and problems is not None:
                problems.append((given, "no submission (.xlsx .xlsm .xls .json) in this folder"))
        elif keep(given, explicit=True):
            out.append(given)
    return out


def expand_sources(paths: Iterable[str], what: str = "--history", warn: bool = True) -> list[str]:
    """Files of folders (recursive, as `perflint check` finds them), files, and globs. A folder that
    yields nothing (or cannot be read) is named on stderr: an empty archive must not pass silently."""
    out: list[str] = []
    for given in paths:
        if os.path.isdir(given) or os.path.isfile(given):
            problems: list[tuple[str, str]] = []
            out.extend(collect_files([given], problems=problems))
            if warn:
                for where, why in problems:
                    sys.stderr.write(f"perflint: {what} {where}: {why}\n")
            continue
        matched = sorted(glob.glob(given, recursive=True))
        if not matched:
            raise DataError(what, given, "no such file or folder, and no file matches it as a pattern")
        for m in matched:
            if os.path.isdir(m):
                out.extend(collect_files([m]))
            elif os.path.splitext(m)[1].lower() in SUFFIXES and not os.path.basename(m).startswith((".", "~$")):
                out.append(m)
    return out


def relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


_REAL_FOLDERS: dict[str, str] = {}


def real_path(path: str) -> str:
    """os.path.realpath(path), with each folder resolved once: realpath checks every component of
    every path again, and a batch's files share a few folders."""
    head, tail = os.path.split(path)
    if tail in ("", os.curdir, os.pardir):
        return os.path.realpath(path)
    folder = head if os.path.isabs(head) else os.path.join(os.getcwd(), head)
    real = _REAL_FOLDERS.get(folder)
    if real is None:
        if len(_REAL_FOLDERS) >= 4096:
            _REAL_FOLDERS.clear()
        real = _REAL_FOLDERS[folder] = os.path.realpath(folder)
    joined = os.path.join(real, tail)
    try:
        if S_ISLNK(os.lstat(joined).st_mode):
            return os.path.realpath(joined)
    except OSError:
        pass
    return joined
