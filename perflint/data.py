"""Where the shipped data (rule catalogue, profiles, schemas) lives, installed or in a checkout."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .diskcache import memo

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`rules` or `schemas`: inside the wheel under perflint/_data, in a checkout at the root."""
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name


class DataError(Exception):
    """A broken catalogue, profile or config: perflint cannot run (exit 2)."""

    def __init__(self, source: str | Path, key: str, problem: str) -> None:
        self.source = str(source)
        self.key = key
        self.problem = problem
        where = f"{self.source}: {key}" if key else self.source
        super().__init__(f"{where}: {problem}")


def string_list(source: str | Path, key: str, value: Any) -> tuple[str, ...]:
    """A policy file's list of non-empty strings, or the DataError naming its key."""
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise DataError(source, key, "must be a list of non-empty strings")
    return tuple(value)


def regex(source: str | Path, key: str, value: Any) -> re.Pattern:
    """A policy file's regular expression, compiled, or the DataError naming its key."""
    if not isinstance(value, str) or not value:
        raise DataError(source, key, "must be a regular expression (a string)")
    try:
        return re.compile(value)
    except re.error as exc:
        raise DataError(source, key, f"not a valid regular expression: {exc}") from None


def table(source: str | Path, key: str, value: Any) -> dict:
    """A policy file's table, or the DataError naming its key."""
    if not isinstance(value, dict):
        raise DataError(source, key, "must be a table")
    return value


def load_tables(path: Path, allowed: tuple[str, ...]) -> dict:
    """A shipped policy file's tables; one it does not know is a DataError naming it."""
    raw = load_toml(path)
    unknown = set(raw) - set(allowed)
    if unknown:
        raise DataError(path, sorted(unknown)[0], f"unknown table (allowed: {', '.join(allowed)})")
    return raw


def load_toml(path: Path) -> dict:
    """A TOML file's tables. The parse of the same bytes is kept in the cache: the catalogue's
    vocabulary, the profile and the user's config are read on every run, a one-file check included."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise DataError(path, "", "file not found") from None
    except IsADirectoryError:
        raise DataError(path, "", "is a folder, not a TOML file") from None
    except OSError as exc:
        raise DataError(path, "", f"cannot be read: {exc.strerror or exc}") from None
    return memo("toml", data, lambda: _parse_toml(path, data), dict)


def _parse_toml(path: Path, data: bytes) -> dict:
    import tomllib

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(path, "", f"not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(path, "", f"not valid TOML: {exc}") from None


def write_atomically(path: str | Path, data: bytes, *, make_parents: bool = False) -> None:
    """Write through a fresh temporary file and a rename (see perflint.output), so a reader (another
    run, a worker) never sees half a file. Raises OSError."""
    from .output import write_file

    write_file(path, data, make_parents=make_parents, durable=False)  # a cache entry: lost at worst
