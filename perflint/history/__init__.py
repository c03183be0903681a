"""Cross-document history: the index the H rules compare with, built once per run and cached on disk.

Sources, combined into one `HistoryIndex`:
- the run's own files (a self-evaluation and its target sheet may arrive together), handed over
  by the batch's first pass as it reads them (`IndexBuilder.learn`);
- `--history PATH` / config `history = [...]`: folders, files or globs in any supported format,
  read through `perflint.readers.read_path`;
- `--registry PATH`: a table exported from the budget system (see `registry.py` for its columns).

Each file's records are cached under `cache_dir()/history/`, one shard per folder, keyed by a
digest of the file's bytes (and the reader settings), so checking one file re-reads that file only;
a changed file is read again, even one edited to the same size with its mtime put back, and a
deleted one dropped from its shard.
"""
from __future__ import annotations

import hashlib
import os
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .. import diskcache
from ..data import DataError
from .index import EMPTY, HISTORY, REGISTRY, RUN, HistoryIndex
from ..files import expand_sources, real_path
from .records import RECORD_VERSION, Record, record_from_document, unreadable_reason

if TYPE_CHECKING:
    from ..readers import ReaderOptions

# reads many files' records at once, in order: (records, why the file gave none or None) for each
ReadMany = Callable[[list[str]], list[tuple[list[Record], "str | None"]]]

__all__ = ["EMPTY", "HistoryIndex", "IndexBuilder", "Record", "build_history", "read_records"]

_HASHED_BYTES = 64 * 1024 * 1024  # past this the reader refuses the file (F007) without reading it


def content_stamp(real: str, stat: os.stat_result) -> str:
    """What a cached entry is keyed by: a digest of the file's bytes. Size and mtime alone let a
    same-size edit with its mtime restored be served stale answers."""
    if not S_ISREG(stat.st_mode) or stat.st_size > _HASHED_BYTES:
        return f"unhashed:{stat.st_mode}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
    h = hashlib.blake2b(digest_size=20)
    try:
        with open(real, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        return f"unreadable:{exc.errno}:{stat.st_mtime_ns}"
    return h.hexdigest()


class RecordCache:
    """Per-folder shards of {file name: (size, content stamp, records)} under cache_dir()/history."""

    def __init__(self, fingerprint: str, enabled: bool = True) -> None:
        self.fingerprint = fingerprint
        self.enabled = enabled and diskcache.private_cache_dir() is not None  # only a private cache is read
        self._shards: dict[str, dict[str, tuple]] = {}
        self._dirty: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.seen: list[str] = []  # every source file with its content stamp: the index's fingerprint

    def _shard_path(self, folder: str):
        key = diskcache.entry_key(RECORD_VERSION, self.fingerprint, folder, size=20)
        return diskcache.cache_dir() / "history" / f"{key}.pickle"

    def _shard(self, folder: str) -> dict[str, tuple]:
        shard = self._shards.get(folder)
        if shard is None:
            shard = {}
            if self.enabled:
                loaded = diskcache.load(self._shard_path(folder), dict)
                if loaded is not None and loaded.get("folder") == folder and isinstance(loaded.get("files"), dict):
                    shard = loaded["files"]  # a missing or stale shard is rebuilt, never an error
            self._shards[folder] = shard
        return shard

    def get(self, real: str, stat: os.stat_result, stamp: str) -> tuple[list[Record], str | None] | None:
        """(records, why the file could not be read or None), or None when not cached or stale."""
        folder, name = os.path.split(real)
        entry = self._shard(folder).get(name)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stamp:
            self.hits += 1
            return entry[2], entry[3]
        self.misses += 1
        return None

    def put(self, real: str, stat: os.stat_result, stamp: str, records: list[Record],
            unreadable: str | None = None) -> None:
        if not self.enabled or stamp.startswith("un"):
            return  # --no-cache: nothing will be saved, so nothing is kept; an unhashed file is not kept
        folder, name = os.path.split(real)
        self._shard(folder)[name] = (stat.st_size, stamp, records, unreadable)
        self._dirty.add(folder)

    def save(self) -> None:
        if not self.enabled:
            return
        for folder in self._dirty:
            files = {n: e for n, e in self._shards[folder].items() if os.path.exists(os.path.join(folder, n))}
            diskcache.store(self._shard_path(folder), {"folder": folder, "files": files})
        self._dirty.clear()


def _fingerprint(options: ReaderOptions | None) -> str:
    from .. import __version__

    if options is None:
        return __version__
    aliases = sorted((k, sorted(v.items()) if hasattr(v, "items") else v) for k, v in (options.aliases or {}).items())
    return hashlib.sha1(repr((__version__, options.limits, aliases)).encode()).hexdigest()


def read_records(path: str, options: ReaderOptions | None) -> tuple[list[Record], str | None]:
    from ..readers import read_path

    real = real_path(path)
    outcome = read_path(path, options)
    records = [record_from_document(doc, i, real) for i, doc in enumerate(outcome.documents)]
    unreadable = None
    if not records:
        unreadable = unreadable_reason(code for code, _ in outcome.hits)
    return records, unreadable


def _stat_files(paths: list[str], cache: RecordCache, stamps: bool = True) -> list[tuple[str, str, Any, Any]]:
    """(path, real path, (stat, content stamp) or None, cached (records, unreadable) or None or the
    error) for each file. `stamps` False: no record cache to look in and no fingerprint wanted, so
    the files are not read for their stamps (the stamp is then "unstamped", which is never kept)."""
    out = []
    for path in paths:
        real = real_path(path)
        try:
            stat = os.stat(real)
        except OSError as exc:
            out.append((path, real, None, ([], exc.strerror or str(exc))))
            continue
        if stamps:
            stamp = content_stamp(real, stat)
            cache.seen.append(f"{real}:{stamp}")
        else:
            stamp = "unstamped"
        cached = cache.get(real, stat, stamp)
        if cached is not None:
            # the cache holds the path as first given; show this run's spelling of it
            cached = ([_with_path(r, path) for r in cached[0]], cached[1])
        out.append((path, real, (stat, stamp), cached))
    return out


def _records_of_files(paths: list[str], cache: RecordCache, read: ReadMany) -> list[tuple[list[Record], str | None]]:
    """Records of each file, in order: from the cache where fresh, else read (`read`, all at once)."""
    stated = _stat_files(paths, cache)
    todo = [(slot, path, real, stat) for slot, (path, real, stat, cached) in enumerate(stated) if cached is None]
    out = [cached for _, _, _, cached in stated]
    results = read([path for _, path, _, _ in todo]) if todo else []
    for (slot, _, real, stat), (records, unreadable) in zip(todo, results):
        if stat is not None:
            cache.put(real, *stat, records, unreadable)
        out[slot] = (records, unreadable)
    return out  # type: ignore[return-value]


def _with_path(rec: Record, path: str) -> Record:
    if rec.path != path:
        rec.path = path
    return rec


def _records_of_registry(path: str, cache: RecordCache) -> list[Record]:
    from .registry import read_registry

    real = os.path.realpath(path)
    try:
        stat = os.stat(real)
    except OSError:
        raise DataError("--registry", path, "文件不存在") from None
    stamp = content_stamp(real, stat)
    cache.seen.append(f"{real}:{stamp}:registry")
    cached = cache.get(real + "|registry", stat, stamp)
    if cached is not None:
        return [_with_path(r, path) for r in cached[0]]
    records = read_registry(path)
    cache.put(real + "|registry", stat, stamp, records)
    return records


class IndexBuilder:
    """The one way records enter the index. History files and registry tables are read when the
    builder is made; the run's own files are looked up in the record cache and the rest left
    `pending`, for the check to read once and hand over (`learn`) before any H rule runs. `build`
    gives the index, complete and unchanging from then on.

    A run of one file (a pre-commit hook, an officer's workbook) keeps it out of the record cache:
    its check reads it anyway, and looking it up would cost a second reading of its bytes.
    `fingerprint` False: no result cache will key on the sources' content, so where the record
    cache is off too the run's files are not read for their stamps.
    """

    def __init__(self, options: ReaderOptions | None = None, *, history: Iterable[str] = (),
                 registry: Iterable[str] = (), run_files: Iterable[str] = (), use_cache: bool = True,
                 keep_run_records: bool = True, wanted: frozenset[str] | None = None,
                 read: ReadMany | None = None, fingerprint: bool = True) -> None:
        history, registry, run_files = list(history), list(registry), list(run_files)
        self._cache = RecordCache(_fingerprint(options), use_cache)
        self._run_cache = self._cache if keep_run_records else RecordCache(self._cache.fingerprint, enabled=False)
        self._ranked: list[tuple[Record, tuple]] = []
        self._unreadable: list[tuple[str, str]] = []
        self._meta = dict(configured=bool(history or registry), sources=tuple(history + registry), wanted=wanted)
        # path as given -> (real path, (stat, content stamp) or None, place among the run's files)
        self.pending: dict[str, tuple[str, Any, int]] = {}
        if len(run_files) == 1:
            self.pending[run_files[0]] = ("", None, 0)
        else:
            # a batch with every cache off (--no-cache) reads each of its files once, for its check
            stamps = fingerprint or self._cache.enabled
            for n, (path, real, stat, cached) in enumerate(_stat_files(run_files, self._cache, stamps)):
                if cached is not None:
                    self._add_file(cached[0], RUN, n)
                elif path not in self.pending:
                    self.pending[path] = (real, stat, n)
        sources = expand_sources(history)
        read = read or _read_here(options)
        for n, (path, (records, unreadable)) in enumerate(zip(sources, _records_of_files(sources, self._cache, read))):
            if unreadable:
                self._unreadable.append((path, unreadable))  # its absence weakens every "not found"
            self._add_file(records, HISTORY, n)
        for n, path in enumerate(registry):
            self._add_file(_records_of_registry(path, self._cache), REGISTRY, n)
        # what the result cache keys on: a changed history file (or run file) changes every H verdict
        self.fingerprint = hashlib.sha256("\n".join([self._cache.fingerprint, *self._cache.seen])
                                          .encode("utf-8", "surrogateescape")).hexdigest()
        self._cache.save()  # the history's records are kept even if the run stops before its index is built

    def __contains__(self, path: str) -> bool:
        return path in self.pending

    def _add_file(self, records: Iterable[Record], source: int, position: int) -> None:
        self._ranked.extend((rec, (source, position, k)) for k, rec in enumerate(records))

    def learn(self, path: str, records: list[Record], unreadable: str | None = None, checked: bool = True) -> None:
        """A pending file's records, as its check read them; `checked` False (a crash, a timeout)
        keeps them out of the record cache. A path not pending (or learnt already) is ignored."""
        entry = self.pending.pop(path, None)
        if entry is None:
            return
        real, stat, position = entry
        self._add_file(records, RUN, position)
        if checked and stat is not None:
            self._run_cache.put(real, *stat, records, unreadable or (None if records else "F002"))

    def build(self) -> HistoryIndex:
        """The index: every source's records, and every run file learnt (or given up on)."""
        self.pending.clear()
        self._cache.save()
        return HistoryIndex(self._ranked, unreadable=self._unreadable, fingerprint=self.fingerprint,
                            cache_hits=self._cache.hits, cache_misses=self._cache.misses, **self._meta)


def _read_here(options: ReaderOptions | None) -> ReadMany:
    return lambda paths: [read_records(path, options) for path in paths]


def build_history(history: Iterable[str] = (), registry: Iterable[str] = (), options: ReaderOptions | None = None,
                  *, use_cache: bool = True, read: ReadMany | None = None) -> HistoryIndex:
    """The index of history files and registry tables alone."""
    return IndexBuilder(options, history=history, registry=registry, use_cache=use_cache, read=read).build()
