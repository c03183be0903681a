"""Where a finding is, as the platforms that show reports beside files want it: the file's path from
the repository's root, and a line and column (a JSON value's own; a workbook cell's row and column)."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from ..model import Finding

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def repository_root(start: str | None = None) -> str:
    """The folder holding `.git` at or above `start` (default: the current folder), where CI checks
    the repository out and where code scanning resolves paths from; the current folder outside git."""
    # cached by the folder itself: a process that changes its folder (scripts, the web service)
    # gets the root of where it is now
    return _repository_root(os.path.abspath(start or os.getcwd()))


@lru_cache(maxsize=64)
def _repository_root(here: str) -> str:
    probe = here
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def repo_path(path: str, root: str) -> str | None:
    """`path` relative to `root` with forward slashes; `../` where the file lies outside it, so the
    path still resolves from the root. None when no relative path exists (another drive)."""
    try:
        rel = os.path.relpath(os.path.abspath(path), root)
    except ValueError:
        return None
    return rel.replace(os.sep, "/")


@lru_cache(maxsize=8192)
def artifact_uri(path: str, root: str) -> str:
    """The file as a URI reference relative to `root` (percent-encoded), or an absolute file URI."""
    rel = repo_path(path, root)
    if rel is None:
        return Path(os.path.abspath(path)).as_uri()
    return quote(rel, safe="/")


def cell_position(cell: str | None) -> tuple[int, int] | None:
    """(row, column) of an A1 reference, both from 1: E9 → (9, 5). A range gives its first cell."""
    m = _CELL.match(cell or "")
    if m is None:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


class Positions:
    """Line and column of findings in one run: JSON files are scanned once each, when first asked."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._json: dict = {}

    def of(self, path: str, f: Finding) -> tuple[int, int] | None:
        loc = f.location
        if f.code == "F001" and isinstance(f.args.get("line"), int) and isinstance(f.args.get("column"), int):
            return f.args["line"], f.args["column"]  # where the JSON syntax broke
        if loc.cell:
            return cell_position(loc.cell)
        if loc.sheet or not path.lower().endswith(".json"):
            return None
        if path != self._path:  # results arrive file by file: keep one file's positions
            from ..json_positions import file_positions

            self._path, self._json = path, file_positions(path)
        from ..json_positions import position

        return position(self._json, loc.pointer)
