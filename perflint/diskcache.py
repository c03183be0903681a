"""perflint's disk caches (the compiled schema validators, the parsed catalogue, the history records,
the results of unchanged files): one folder, one way to name, read and write an entry.

Cached pickles and marshalled code run when they are loaded, so an entry is read only from a folder
owned by the user and writable by nobody else. Anything wrong with an entry (absent, truncated,
written by another version, an unwritable disk) is a miss: a cache can make a run faster, never stop
it or change its answer. Every entry is written through a temporary file and a rename, so parallel
runs never read half of one.
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any, Callable

from .output import write_file


def cache_dir() -> Path:
    root = os.environ.get("PERFLINT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "perflint")
    return Path(root)


_TRUSTED: dict[str, bool] = {}


def private_cache_dir() -> Path | None:
    """The cache folder, or None when it is not private to this user.

    Otherwise perflint warns once and runs without its caches (slower, never wrong). A folder not
    made yet is made here by this user, readable and writable by this user only, whatever the umask.
    """
    root = cache_dir()
    key = str(root)
    trusted = _TRUSTED.get(key)
    if trusted is None:
        trusted = True
        try:
            info = os.stat(root)
        except FileNotFoundError:
            info = None
            try:
                os.makedirs(root, mode=0o700, exist_ok=True)
            except OSError:
                pass  # nothing there to load; writes will fail and count as "not cached"
        except OSError:
            trusted = False
            why = "cannot be examined"
        if info is not None and hasattr(os, "getuid"):
            if info.st_uid != os.getuid():
                trusted, why = False, f"is owned by another user (uid {info.st_uid})"
            elif info.st_mode & 0o022:
                trusted, why = False, "can be written by other users"
            elif not os.path.isdir(root):
                trusted, why = False, "is not a folder"
        if not trusted:
            sys.stderr.write(f"perflint: the cache folder {root} {why}: running without the cache "
                             f"(make it private, e.g. chmod go-w, or set PERFLINT_CACHE_DIR)\n")
        _TRUSTED[key] = trusted
    return root if trusted else None


def entry_key(*parts: Any, size: int = 16) -> str:
    """A file name for what an entry depends on (versions, stamps, paths): any change is another entry."""
    return hashlib.sha1(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()[:size]


def _codec(codec: str):
    if codec == "pickle":
        import pickle

        return pickle.loads, lambda value: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if codec == "marshal":
        import marshal

        return marshal.loads, marshal.dumps
    if codec == "bytes":
        return bytes, bytes
    raise ValueError(f"unknown cache codec {codec!r}")


def load(path: Path, expect: type | tuple[type, ...] | None = None, codec: str = "pickle") -> Any:
    """The entry at `path` (inside a folder private_cache_dir() vouched for), or None on a miss."""
    loads, _ = _codec(codec)
    try:
        with open(path, "rb") as fh:
            value = loads(fh.read())
    except Exception:  # absent, truncated, or pickled by another version of a class: a miss
        return None
    if expect is not None and not isinstance(value, expect):
        return None
    return value


def store(path: Path, value: Any, codec: str = "pickle") -> bool:
    """Write an entry atomically, making its folders; False when it could not be written."""
    _, dumps = _codec(codec)
    try:
        write_file(path, dumps(value), make_parents=True, durable=False)  # an entry lost is a miss
    except Exception:  # read-only or full disk, or a value that cannot be serialised: not cached
        return False
    return True


def memo(kind: str, source: bytes, build: Callable[[], Any], expect: type | None = None) -> Any:
    """What `build` makes of `source` (a file's bytes), kept under the digest of those bytes: the
    same bytes are parsed once, whichever path they are read from. Failures are not kept."""
    private = private_cache_dir()
    if private is None:
        return build()
    path = private / "parsed" / f"{kind}-{hashlib.blake2b(source, digest_size=16).hexdigest()}.pickle"
    value = load(path, expect)
    if value is None:
        value = build()
        store(path, value)
    return value
