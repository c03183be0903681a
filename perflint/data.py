"""Where the shipped data (rule catalogue, profiles, schemas) lives, installed or in a checkout."""
from __future__ import annotations

import tomllib
from pathlib import Path

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


def load_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise DataError(path, "", "file not found") from None
    except IsADirectoryError:
        raise DataError(path, "", "is a folder, not a TOML file") from None
    except OSError as exc:
        raise DataError(path, "", f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise DataError(path, "", f"not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(path, "", f"not valid TOML: {exc}") from None


def write_atomically(path: str | Path, data: bytes, *, make_parents: bool = False) -> None:
    """Write through a fresh temporary file and a rename (see perflint.output), so a reader (another
    run, a worker) never sees half a file. Raises OSError; the caches that use it treat that as
    "not cached"."""
    from .output import write_file

    write_file(path, data, make_parents=make_parents, durable=False)  # a cache entry: lost at worst
