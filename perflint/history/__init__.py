"""Cross-document history: the index the H rules compare with, built once per run and cached on disk.

Sources, combined into one `HistoryIndex`:
- the run's own files (a pre-pass: a self-evaluation and its target sheet may arrive together);
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
from stat import S_ISLNK, S_ISREG
from typing import Any, Iterable, Iterator

from .. import diskcache
from ..data import DataError
from .index import EMPTY, HISTORY, REGISTRY, RUN, HistoryIndex
from ..files import expand_sources
from .records import RECORD_VERSION, Record, record_from_document, unreadable_reason

__all__ = ["EMPTY", "HistoryIndex", "Record", "build_history", "read_records"]

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


def _fingerprint(options: Any) -> str:
    from .. import __version__

    if options is None:
        return __version__
    aliases = sorted((k, sorted(v.items()) if hasattr(v, "items") else v) for k, v in (options.aliases or {}).items())
    return hashlib.sha1(repr((__version__, options.limits, aliases)).encode()).hexdigest()


def read_records(path: str, options: Any) -> tuple[list[Record], str | None]:
    from ..readers import read_path

    real = os.path.realpath(path)
    outcome = read_path(path, options)
    records = [record_from_document(doc, i, real) for i, doc in enumerate(outcome.documents)]
    unreadable = None
    if not records:
        unreadable = unreadable_reason(code for code, _ in outcome.hits)
    return records, unreadable


_POOL_OPTIONS: Any = None


def _read_records_in_worker(path: str) -> tuple[list[Record], str | None]:
    return read_records(path, _POOL_OPTIONS)


def _real_paths(paths: list[str]) -> Iterator[tuple[str, str]]:
    """(path, its real path if the file itself is no symlink): each folder is resolved once, where
    realpath would check every component of every path of a province's batch again."""
    folders: dict[str, str] = {}
    for path in paths:
        head, tail = os.path.split(path)
        if tail in ("", os.curdir, os.pardir):
            yield path, os.path.realpath(path)
            continue
        real = folders.get(head)
        if real is None:
            real = folders[head] = os.path.realpath(head or os.curdir)
        yield path, os.path.join(real, tail)


def _stat_files(paths: list[str], cache: RecordCache) -> list[tuple[str, str, Any, Any]]:
    """(path, real path, (stat, content stamp) or None, cached (records, unreadable) or None or the
    error) for each file."""
    out = []
    for path, real in _real_paths(paths):
        try:
            stat = os.lstat(real)
            if S_ISLNK(stat.st_mode):
                real = os.path.realpath(real)
                stat = os.stat(real)
        except OSError as exc:
            out.append((path, real, None, ([], exc.strerror or str(exc))))
            continue
        stamp = content_stamp(real, stat)
        cache.seen.append(f"{real}:{stamp}")
        cached = cache.get(real, stat, stamp)
        if cached is not None:
            # the cache holds the path as first given; show this run's spelling of it
            cached = ([_with_path(r, path) for r in cached[0]], cached[1])
        out.append((path, real, (stat, stamp), cached))
    return out


def _records_of_files(paths: list[str], options: Any, cache: RecordCache,
                      jobs: int = 1) -> list[tuple[list[Record], str | None]]:
    """Records of each file, in order: from the cache where fresh, else read (in parallel when worth it)."""
    stated = _stat_files(paths, cache)
    todo = [(slot, path, real, stat) for slot, (path, real, stat, cached) in enumerate(stated) if cached is None]
    out = [cached for _, _, _, cached in stated]
    results = _read_all([path for _, path, _, _ in todo], options, jobs)
    for (slot, _, real, stat), (records, unreadable) in zip(todo, results):
        if stat is not None:
            cache.put(real, *stat, records, unreadable)
        out[slot] = (records, unreadable)
    return out  # type: ignore[return-value]


def _read_all(paths: list[str], options: Any, jobs: int) -> list[tuple[list[Record], str | None]]:
    # many history files: on several cores, read them in parallel
    if jobs > 1 and len(paths) >= 16:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            global _POOL_OPTIONS
            _POOL_OPTIONS = options  # forked workers inherit them; only paths are sent
            try:
                from ..lifecycle import die_with_parent

                with multiprocessing.get_context("fork").Pool(jobs, die_with_parent, (os.getpid(),)) as pool:
                    return pool.map(_read_records_in_worker, paths,
                                    chunksize=max(1, min(32, len(paths) // (jobs * 4))))
            except (OSError, RuntimeError):
                pass  # no processes to be had: read them here
            finally:
                _POOL_OPTIONS = None
    return [read_records(path, options) for path in paths]


class RunFiles:
    """The run's own files whose records the index still lacks: the check reads them, and hands their
    records over (`learn`) before any H rule runs, so a batch parses each file once.

    Lives on the index in the parent process only (it holds the record cache); workers never see it.
    """

    def __init__(self, index: HistoryIndex, cache: RecordCache,
                 pending: dict[str, tuple[str, os.stat_result, int]]) -> None:
        self.index = index
        self.cache = cache
        self.pending = pending  # path as given -> (real path, (stat, stamp) when the run began, place in the run)

    def __contains__(self, path: str) -> bool:
        return path in self.pending

    def __len__(self) -> int:
        return len(self.pending)

    def learn(self, path: str, records: list[Record], unreadable: str | None = None, checked: bool = True) -> None:
        """Index a pending file's records; `checked` False (a crash, a timeout) keeps them out of the cache."""
        entry = self.pending.pop(path, None)
        if entry is None:
            return
        self.index.add_file(records, RUN, entry[2])
        if checked and entry[1] is not None:
            self.cache.put(entry[0], *entry[1], records, unreadable or (None if records else "F002"))

    def read_now(self, options: Any, jobs: int = 1) -> None:
        """Read and index every pending file at once (for a check that cannot hand records over)."""
        paths = list(self.pending)
        for path, (records, unreadable) in zip(paths, _read_all(paths, options, jobs)):
            self.learn(path, records, unreadable)
        self.close()

    def close(self) -> None:
        """Every pending file learnt (or given up on): the index is complete; keep its records for next time."""
        self.pending.clear()
        self.cache.save()


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


def build_history(history: Iterable[str] = (), registry: Iterable[str] = (), options: Any = None, *,
                  run_files: Iterable[str] = (), use_cache: bool = True, jobs: int = 1,
                  read_run_files: bool = True) -> HistoryIndex:
    """One index for the run: the run's files, history files and registry tables.

    With `read_run_files` False the run's files are only looked up in the record cache; those not
    found there are left on `index.run` for the check to read and index (see `RunFiles`).
    """
    history, registry = list(history), list(registry)
    cache = RecordCache(_fingerprint(options), use_cache)
    index = HistoryIndex(configured=bool(history or registry), sources=tuple(history + registry))
    run_files = list(run_files)
    if len(run_files) == 1:
        # a one-file run (a pre-commit hook, an officer's workbook): the check reads the file anyway and
        # hands its documents over before any rule runs, so it is not read a second time here
        index.deferred_run_file = os.path.realpath(run_files[0])
        run_files = []
    if read_run_files:
        for n, (records, _) in enumerate(_records_of_files(run_files, options, cache, jobs)):
            index.add_file(records, RUN, n)
    else:
        pending = {}
        for n, (path, real, stat, cached) in enumerate(_stat_files(run_files, cache)):
            if cached is not None:
                index.add_file(cached[0], RUN, n)
            elif path not in pending:
                pending[path] = (real, stat, n)
        if pending:
            index.run = RunFiles(index, cache, pending)
    sources = expand_sources(history)
    for n, (path, (records, unreadable)) in enumerate(zip(sources, _records_of_files(sources, options, cache, jobs))):
        if unreadable:
            index.unreadable.append((path, unreadable))  # its absence weakens every "not found"
        index.add_file(records, HISTORY, n)
    for n, path in enumerate(registry):
        index.add_file(_records_of_registry(path, cache), REGISTRY, n)
    cache.save()
    index.cache_hits, index.cache_misses = cache.hits, cache.misses
    # what the result cache keys on: a changed history file (or run file) changes every H verdict
    index.fingerprint = hashlib.sha256("\n".join([cache.fingerprint, *cache.seen]).encode("utf-8", "surrogateescape")).hexdigest()
    return index
