"""The compiled code of the methods `dataclasses` writes, kept between runs of the `perflint` command.

Defining a dataclass compiles the source of its __init__, __repr__, __eq__, __hash__ and, frozen,
__setattr__ and __delattr__: the three dozen classes a one-file check defines spent a large share of
its time compiling the same texts on every run (bench/README.md). `dataclasses` runs that source
through `exec`, a name it looks up in its own module first; the command (entry.py, never a program
importing perflint as a library) puts there an `exec` that compiles each distinct text once and
keeps the code objects in the private cache folder, marshalled, keyed by the text itself. The code
is the same as a fresh compile's, so the classes are the same; a missing, damaged or foreign cache
is a fresh compile. Only CPython, and only a cache folder private to the user (the code runs).
"""
from __future__ import annotations

import builtins
import sys
from types import CodeType
from typing import Any

_MAX_ENTRIES = 4000  # past this, the next save keeps only what this run used (a cache of old texts)

_code: dict[str, CodeType] = {}
_used: set[str] = set()
_changed = False
_path = None


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    global _changed
    if type(source) is str:
        code = _code.get(source)
        if code is None:
            code = _code[source] = compile(source, "<string>", "exec")
            _changed = True
        _used.add(source)
        source = code
    builtins.exec(source, globals, locals)


def install() -> bool:
    """Serve the dataclass methods' code from the cache from now on; False where it cannot be kept."""
    global _path
    if _path is not None:
        return True
    if sys.implementation.name != "cpython":
        return False
    import dataclasses

    from . import __version__, diskcache

    private = diskcache.private_cache_dir()
    if private is None:
        return False
    _path = private / f"dataclass-code-{sys.implementation.cache_tag}-{diskcache.entry_key(__version__, sys.version)}.marshal"
    stored = diskcache.load(_path, dict, "marshal")
    if stored and all(type(k) is str and type(v) is CodeType for k, v in stored.items()):
        _code.update(stored)
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    return True


def save() -> None:
    """Keep the code compiled by this run (nothing is written when every text was found)."""
    if _path is None or not _changed:
        return
    from . import diskcache

    keep = _code if len(_code) <= _MAX_ENTRIES else {k: v for k, v in _code.items() if k in _used}
    diskcache.store(_path, keep, "marshal")
