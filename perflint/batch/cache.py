"""Results of unchanged files, kept between runs.

A result is reused only when everything that could change it is the same: the file's bytes, its
path as given (findings and per-path ignores name it), perflint's version and code, the rule
catalogue, and the effective configuration (profile content, selection, language, waivers,
limits, per-path ignores, the history index). Anything wrong with the cache (unwritable folder,
a damaged or foreign entry) turns into a miss: the cache can make a run faster, never stop it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, diskcache
from ..model import FileResult

if TYPE_CHECKING:
    from ..profiles import Profile
    from ..run import RunSettings

_FORMAT = 1  # bump when the stored layout changes
_MAX_HASHED_BYTES = 64 * 1024 * 1024
_READ_CHUNK = 1 << 20


def _canonical(value: Any) -> Any:
    """A JSON-able, order-independent picture of settings (sets sorted, mappings by key)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict) or hasattr(value, "items") and hasattr(value, "keys"):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def _code_fingerprint() -> str:
    """Size and mtime of perflint's own code and data: an edited rule must not reuse old results."""
    from ..data import data_dir

    package = Path(__file__).resolve().parent.parent  # the whole of perflint, not only this package
    entries = []
    for folder, pattern in ((package, "*.py"), (data_dir("rules"), "*.toml"), (data_dir("schemas"), "*.json")):
        for p in sorted(Path(folder).rglob(pattern)):
            try:
                st = p.stat()
            except OSError:
                continue
            entries.append(f"{p.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def config_fingerprint(settings: RunSettings, profile: Profile, history: str | None = None) -> str:
    """`history`: the fingerprint of the run's index sources (None: no index)."""
    picture = {
        "format": _FORMAT,
        "version": __version__,
        "code": _code_fingerprint(),
        "profile": _canonical(profile),
        "select": sorted(settings.select),
        "ignore": sorted(settings.ignore),
        "lang": settings.lang,
        "waivers": settings.use_waivers,
        "limits": _canonical(settings.limits),
        "per_path_ignores": _canonical(settings.per_path_ignores),
        "config_root": str(settings.config.root) if settings.per_path_ignores else None,
        "history": history,
    }
    return hashlib.sha256(json.dumps(picture, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ResultCache:
    """pickled FileResults under cache_dir()/results, keyed by file content and configuration."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0
        self._writable = True

    @classmethod
    def open(cls, settings: RunSettings, profile: Profile, history: str | None = None) -> "ResultCache | None":
        try:
            private = diskcache.private_cache_dir()
            if private is None:
                return None  # not private to this user: never load what others could have planted
            return cls(private / "results", config_fingerprint(settings, profile, history))
        except Exception:
            return None

    def key(self, path: str) -> str | None:
        try:
            info = os.stat(path)
        except OSError:
            return None  # the reader will report it (F001); nothing to cache
        # a pipe or device named like a submission would block the hash (the reader refuses them),
        # and a file past the size limit is refused (F007) before it is read: neither is hashed
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_HASHED_BYTES:
            return None
        h = hashlib.sha256()
        h.update(self.fingerprint.encode())
        h.update(b"\0" + os.fsencode(path) + b"\0")
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(_READ_CHUNK):
                    h.update(chunk)
        except OSError:
            return None  # the reader will report it (F001); nothing to cache
        return h.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str | None, path: str) -> FileResult | None:
        if key is None:
            return None
        stored = diskcache.load(self._file(key), FileResult)
        if stored is not None and stored.path == path:
            self.hits += 1
            return stored
        self.misses += 1  # missing, truncated, or written by another version: check the file again
        return None

    def put(self, key: str | None, result: FileResult) -> None:
        if key is None or not self._writable:
            return
        if not diskcache.store(self._file(key), result):
            self._writable = False  # read-only or full disk: stop trying, keep checking
