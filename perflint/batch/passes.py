"""Checking many files: results in order, in one pass or two.

Results come out in the order of the files whatever the number of workers, one at a time, so a
batch of any size streams to the formatters. At most a bounded window of files is in flight or
waiting for an earlier slow file; nothing holds every result.

A run whose H rules compare its own files with each other goes in two passes over one reading:
each file is read and judged on its own (in the pool), its records indexed and its draft kept
in a temporary file; then, the index complete, the drafts are finished in order (H rules, waivers,
verdict), on several cores by this process and one forked helper. Nothing is parsed twice and
nothing but the index grows with the batch.
"""
from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..history.records import unreadable_reason
from ..model import FileDraft, FileResult
from . import tasks
from .timing import check_one
from .wire import BatchPlan, Drafts, Prepared, dumps, loads, unreadable

if TYPE_CHECKING:
    from ..engine import Engine
    from ..history import HistoryIndex, IndexBuilder, ReadMany
    from ..run import Run
    from ..readers import ReaderOptions
    from .cache import ResultCache


def resolve_jobs(jobs: int | None) -> int:
    if not jobs or jobs < 0:
        if jobs == 0:
            import os

            try:
                return max(1, len(os.sched_getaffinity(0)))
            except (AttributeError, OSError):
                return max(1, os.cpu_count() or 1)
        return 1
    return jobs


_READ_APART_FROM = 16  # history files before reading them in the pool pays for starting it


def records_reader(run: Run, jobs: int) -> ReadMany:
    """How the index reads history files: in the pool when there are cores and files enough, a
    file that crashes or runs out of time being one that gave no record."""

    def read(paths: list[str]) -> list[tuple[list, str | None]]:
        if jobs > 1 and len(paths) >= _READ_APART_FROM:
            try:
                return _records_in_pool(run, paths, jobs)
            except (OSError, RuntimeError):
                pass  # no processes to be had: read them here
        task = tasks.task("records")
        return [task(None, path, run.options) for path in paths]

    return read


def _records_in_pool(run: Run, paths: list[str], jobs: int) -> list[tuple[list, str | None]]:
    from .pool import Scheduler

    plan = BatchPlan(run, None, run.settings.timeout or None, task="records")
    out: list[Any] = [None] * len(paths)
    sched = Scheduler(run.engine(), plan, jobs, max(1, min(32, len(paths) // (jobs * 4))))
    for i, got in sched.run(list(enumerate(paths))):
        out[i] = got if isinstance(got, tuple) else ([], unreadable_reason(f.code for f in got.all_findings()))
    return out


@dataclass
class Batch:
    """One run over many files: cache look-ups, then the pool or this process, results in order."""

    engine: Engine
    plan: BatchPlan
    files: list[str]
    jobs: int = 1
    cache: ResultCache | None = None
    window: int = 0  # most files in flight or finished but waiting for an earlier one; 0: from jobs
    pool: bool | None = None  # None: a pool when jobs > 1 and there is more than one file
    chunk: int = 0  # files sent to a worker at a time; 0: from the batch size
    # the run's files the index still lacks: read in a first pass, then the index is built
    pending: IndexBuilder | None = None

    @property
    def options(self) -> ReaderOptions:
        return self.plan.run.options

    @property
    def index(self) -> HistoryIndex | None:
        """The run's cross-document index (None when no H rule runs); complete once the first pass
        is done, which is before the first result comes out."""
        return self.plan.history

    def run(self, advance: Callable[[FileResult], None] | None = None,
            reading: Callable[[int, int], None] | None = None) -> Iterator[FileResult]:
        """Results of the files in order. `advance` sees each result; `reading` (done, total) follows
        the first pass of a two-pass run."""
        if self.pending is not None:
            builder, self.pending = self.pending, None
            return _frozen_heap(self._two_pass(self.files, builder, advance, reading))
        return _frozen_heap(self._ordered(self.files, advance, Drafts()))

    def _use_pool(self, n: int) -> bool:
        # starting workers costs more than checking a file or two: a pool only where it pays
        return bool(n) and (self.pool if self.pool is not None else self.jobs > 1 and n > 1)

    def _ordered(self, files: list[str], advance, drafts: Drafts) -> Iterator[FileResult]:
        if self._use_pool(len(files)):
            return self._parallel(files, advance, drafts)
        return self._sequential(files, advance, drafts)

    def _lookup(self, index: int, path: str, drafts: Drafts) -> tuple[str | None, FileResult | None]:
        """A result without checking the file: from the cache, else by finishing its first-pass draft
        (or receiving it from the helper that shares the second pass)."""
        key = result = None
        if self.cache is not None:
            key = self.cache.key(path)
            result = self.cache.get(key, path)
        if index in drafts:
            done = drafts.take(index)  # taken even on a cache hit: the draft is not needed again
            if result is None:
                result = _finished(self.engine, done)
                if self.cache is not None:
                    self.cache.put(key, result)
        return key, result

    def _sequential(self, files: list[str], advance, drafts: Drafts) -> Iterator[FileResult]:
        for i, path in enumerate(files):
            key, result = self._lookup(i, path, drafts)
            if result is None:
                result = check_one(self.engine, path, self.options, self.plan.timeout, tasks.task("check"))
                if self.cache is not None:
                    self.cache.put(key, result)
            if advance:
                advance(result)
            yield result

    def _parallel(self, files: list[str], advance, drafts: Drafts) -> Iterator[FileResult]:
        from .pool import Scheduler, chunk_size  # a one-file check never loads the process machinery

        window = self.window or max(64, self.jobs * 32)
        sched = Scheduler(self.engine, self.plan, self.jobs, self.chunk or chunk_size(len(files), self.jobs))
        done: dict[int, FileResult] = {}
        keys: dict[int, str | None] = {}
        submitted = next_out = 0
        total = len(files)
        try:
            while next_out < total:
                while submitted < total and len(done) + sched.outstanding < window:
                    path = files[submitted]
                    key, hit = self._lookup(submitted, path, drafts)
                    if hit is not None:
                        done[submitted] = hit
                    else:
                        keys[submitted] = key
                        sched.submit(submitted, path)
                    submitted += 1
                while next_out in done:
                    result = done.pop(next_out)
                    next_out += 1
                    if advance:
                        advance(result)
                    yield result
                if next_out >= total:
                    break
                if next_out not in done and (next_out < submitted):
                    for index, result in sched.poll():
                        if self.cache is not None:
                            self.cache.put(keys.pop(index, None), result)
                        done[index] = result
        finally:
            sched.close()

    # ---- two passes: the run's files indexed as they are read ---------------------------------
    def _two_pass(self, files: list[str], builder: IndexBuilder, advance, reading) -> Iterator[FileResult]:
        drafts = Drafts()
        try:
            todo = [(i, path) for i, path in enumerate(files) if path in builder]
            # learnt as they finish: the index answers in the order of the files whatever the order
            # of learning, so what the H rules list comes out the same with any number of workers
            for count, (i, path, got) in enumerate(self._first_pass(todo), 1):
                if isinstance(got, Prepared):
                    builder.learn(path, [r for r in got.records if r is not None], got.unreadable)
                    drafts.put(i, got.draft, got.records)
                elif isinstance(got, FileDraft):  # a run of one file: its draft stays as it is
                    builder.learn(path, got.records, unreadable(got))
                    drafts.keep(i, got)
                else:  # the file crashed or ran out of time: that is its result
                    builder.learn(path, [], None, checked=False)
                    drafts.put(i, dumps(got))
                if reading:
                    reading(count, len(todo))
            # every file of the run is in the index: the H rules can judge
            index = builder.build()
            self.engine = self.engine.with_history(index)
            self.plan = replace(self.plan, history=index)
            if self.jobs > 1 and len(drafts) >= _SHARE_FROM and sys.platform.startswith("linux"):
                drafts = _SharedFinish.start(self.engine, drafts)
            yield from self._ordered(files, advance, drafts)
        finally:
            drafts.close()

    def _first_pass(self, todo: list[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
        """(index, path, Prepared, or FileDraft when there is one file, or the FileResult of a crash
        or timeout), in the order they finish."""
        prepare = tasks.task("prepare" if len(todo) > 1 else "draft")
        if not self._use_pool(len(todo)):
            for i, path in todo:
                yield i, path, check_one(self.engine, path, self.options, self.plan.timeout, prepare)
            return
        from .pool import Scheduler, chunk_size

        plan = BatchPlan(self.plan.run, None, self.plan.timeout, task="prepare")
        paths = dict(todo)
        sched = Scheduler(self.engine, plan, self.jobs, self.chunk or chunk_size(len(todo), self.jobs))
        for i, got in sched.run(todo):
            yield i, paths[i], got


def _finished(engine: Engine, done: FileDraft | FileResult) -> FileResult:
    """A taken draft finished; a crash or timeout of the first pass is already its file's result."""
    return engine.finish_file(done) if isinstance(done, FileDraft) else done


_SHARE_FROM = 200  # drafts in a run before a second process helps to finish them (it costs a fork)
_OURS_EVERY = 3  # of the drafts in file order, this process finishes one in this many, the helper the rest


def _finish_part(conn, engine: Engine, drafts: Drafts, indexes: list[int]) -> None:
    try:
        for index in indexes:
            result = _finished(engine, drafts.take(index))
            conn.send_bytes(dumps((index, result)))
    except Exception:  # the parent stopped reading, or a file it will finish itself (and meet the same error)
        pass
    finally:
        conn.close()


class _SharedFinish:
    """The second pass on two cores: a process forked once the index is complete (it has the index,
    the engine and the drafts' file without any of them being sent) finishes two files of every
    three and sends their results in order; this process finishes the third, receives the others and
    writes the report. Receiving a result costs a fraction of finishing it, but writing each file's
    report adds to this side, so this process takes one file in three (bench/README.md has the
    measured split).

    If the helper dies, this process finishes what it had not sent: its drafts are still here."""

    def __init__(self, drafts: Drafts, theirs: set[int], conn: Any, process: Any) -> None:
        self.drafts = drafts
        self.theirs = theirs
        self.conn = conn
        self.process = process

    @classmethod
    def start(cls, engine: Engine, drafts: Drafts) -> "_SharedFinish | Drafts":
        """The drafts shared with a helper, or left as they are when no process can be had."""
        order = drafts.indexes()
        theirs = [order[k] for k in range(len(order)) if k % _OURS_EVERY]
        from ..lifecycle import start_child

        gc.freeze()  # the index too: the helper reads it without copying pages the collector would touch
        try:  # forked on every platform: it works on this process's memory as it is now
            process, conn = start_child(_finish_part, (engine, drafts, theirs), "perflint-finisher",
                                        duplex=False, how="fork")
        except OSError:
            return drafts
        return cls(drafts, set(theirs), conn, process)

    def __contains__(self, index: int) -> bool:
        return index in self.drafts

    def __len__(self) -> int:
        return len(self.drafts)

    def take(self, index: int) -> FileDraft | FileResult:
        if index in self.theirs:
            self.theirs.discard(index)
            try:
                sent, result = loads(self.conn.recv_bytes())
            except Exception:  # the helper is gone (or died mid-result): the rest is finished here
                self.theirs.clear()
            else:
                if sent == index:
                    self.drafts.discard(index)
                    return result
                self.theirs.clear()  # out of step (cannot happen: both go in file order); do not trust it
        return self.drafts.take(index)

    def close(self) -> None:
        self.conn.close()  # a helper still sending (the run was stopped early) meets a closed pipe and ends
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.drafts.close()


def _frozen_heap(results: Iterator[FileResult]) -> Iterator[FileResult]:
    """`results`, with what the process held before the batch (modules, catalogue, engine) left out
    of the collector's full passes: a batch's index grows by the thousand objects, and each full
    pass would walk the start-up heap again. Frozen before the workers fork, it also stays shared
    with them instead of being copied page by page as the collector touches it."""
    gc.freeze()
    try:
        yield from results
    finally:
        gc.unfreeze()
