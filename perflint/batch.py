"""Checking many files: a process pool, a time limit per file, crash containment, ordered results.

Results come out in the order of `files` whatever the number of workers, one at a time, so a
batch of any size streams to the formatters. At most a bounded window of files is in flight or
waiting for an earlier slow file; nothing holds every result.

Each worker is a plain process fed over its own pipe. The parent always knows which file each
worker is on, so a worker that dies (segfault, out of memory, killed) costs that one file an F011
finding and is replaced, and a worker stuck past the time limit (e.g. inside C code that a signal
cannot interrupt) is killed and its file gets F010. Inside a worker a timer signal stops an
over-long check first, so the usual timeout costs no process.

Workers rebuild the engine from picklable settings (documents hold read-only mappings that do not
pickle; FileResult and Finding do). The history index travels to each worker once, at start-up.

A run whose H rules compare its own files with each other goes in two passes over one reading:
each file is read and judged on its own (in the pool), its records indexed and its draft kept
in a temporary file; then, the index complete, the drafts are finished in order (H rules, waivers,
verdict), on several cores by this process and one forked helper. Nothing is parsed twice and
nothing but the index grows with the batch.
"""
from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import time
import traceback
from collections import deque
from operator import attrgetter
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Iterator

from .engine import Engine, finish_file
from .lifecycle import die_with_parent
from .history.records import unreadable_reason
from .model import DocumentDraft, FileDraft, FileResult, Hit

# a check function: (engine, path, reader options) -> FileResult; None means engine.check_file
CheckFn = Callable[[Engine, str, Any], FileResult]

_KILL_GRACE = 1.0  # seconds past the limit before a worker that ignores its timer is killed


class FileTimeout(BaseException):
    """Raised inside a check by the timer; BaseException so that rule-level `except Exception` cannot swallow it."""


@dataclass
class BatchPlan:
    """What a worker needs to rebuild the engine; everything here pickles."""

    settings: Any  # RunSettings
    profile: Any  # Profile
    history: Any = None
    timeout: float | None = None
    check: CheckFn | None = None
    prepare: bool = False  # workers read and judge each file alone and return its draft (first pass)


def resolve_jobs(jobs: int | None) -> int:
    if not jobs or jobs < 0:
        if jobs == 0:
            try:
                return max(1, len(os.sched_getaffinity(0)))
            except (AttributeError, OSError):
                return max(1, os.cpu_count() or 1)
        return 1
    return jobs


def timeout_result(engine: Engine, path: str, seconds: float, limit: float) -> FileResult:
    finding = _stamp(engine, "F010", Hit.at("", seconds=limit), path)
    return finish_file(path, (), [finding] if finding else [], seconds)


def crash_result(engine: Engine, path: str, reason: str, seconds: float = 0.0, variant: str | None = None) -> FileResult:
    finding = _stamp(engine, "F011", Hit.at("", reason=reason, variant=variant), path)
    return finish_file(path, (), [finding] if finding else [], seconds)


def _stamp(engine: Engine, code: str, hit: Hit, path: str):
    # a file that was never checked has no documents, so it is returned even if its code is deselected
    return engine.stamp(code, hit, None, path) if engine.wanted(code, path) else None


# ---- one file, with the timer --------------------------------------------------------------

def _alarm(signum, frame):  # pragma: no cover - runs inside the signal
    raise FileTimeout()


def _timer_usable() -> bool:
    import threading

    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def check_one(engine: Engine, path: str, options: Any, timeout: float | None, check: CheckFn | None) -> FileResult:
    """Check a file under the time limit; an unexpected error is this file's F011, not the run's end."""
    fn = check or _default_check
    started = time.perf_counter()
    timed = bool(timeout) and _timer_usable()
    previous = signal.signal(signal.SIGALRM, _alarm) if timed else None
    try:
        try:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            return fn(engine, path, options)
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except FileTimeout:  # also when the timer fires just as the check returns: the file was at the limit
        return timeout_result(engine, path, time.perf_counter() - started, timeout or 0.0)
    except Exception as exc:  # readers and rules contain their own errors; this is the last net
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"{type(exc).__name__}: {exc} ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
        return crash_result(engine, path, reason, time.perf_counter() - started, variant="exception")
    finally:
        if timed:
            signal.signal(signal.SIGALRM, previous)


def _default_check(engine: Engine, path: str, options: Any) -> FileResult:
    return engine.check_file(path, options)


@dataclass(frozen=True)
class Prepared:
    """A first-pass file as a worker sends it: each document's record for the index, and the draft
    without them, still pickled (the parent stores the bytes as they come, unpickles them when the
    file's turn comes and gives the records back, so no record is pickled twice)."""

    records: list  # one per document of the draft, in order (None where it has none)
    unreadable: str | None
    draft: bytes


# a draft crosses as its fields, each document's without its record (the last field): the parent
# builds each document once, record included, when the file's turn comes
_UNRECORDED = attrgetter(*[f.name for f in fields(DocumentDraft) if f.name != "record"])


def _prepare(engine: Engine, path: str, options: Any) -> Prepared:
    draft = engine.prepare_file(path, options)
    records = [d.record for d in draft.documents]
    unreadable = None if any(records) else unreadable_reason(f.code for f in draft.findings)
    bare = (draft.path, [_UNRECORDED(d) for d in draft.documents], draft.findings, draft.seconds)
    return Prepared(records, unreadable, pickle.dumps(bare, protocol=pickle.HIGHEST_PROTOCOL))


# ---- the worker process --------------------------------------------------------------------

def _worker_main(conn, plan: BatchPlan, parent: int | None = None) -> None:
    from .catalogue import default_catalogue
    from .run import build_engine, reader_options

    die_with_parent(parent if parent is not None else os.getppid())
    engine = build_engine(plan.settings, default_catalogue(), plan.profile, None if plan.prepare else plan.history)
    engine.keep_records = plan.prepare
    check = _prepare if plan.prepare else plan.check
    options = reader_options(plan.settings, plan.profile)
    conn.send(("ready", None, None))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        for index, path in task:
            result = check_one(engine, path, options, plan.timeout, check)
            conn.send(("done", index, result))


def _mp():
    # imported only when a second process is wanted: a one-file check never pays for it
    import multiprocessing

    return multiprocessing


def _context():
    # Linux: fork. Workers start in milliseconds with the engine's modules already imported, and the
    # caller's __main__ is not run again (forkserver and spawn re-import it from its path, which
    # breaks for `python -` and costs time). The parent runs no threads while the pool is up (the
    # progress bar refreshes from the main thread), so forking is safe. Elsewhere: spawn, for which
    # everything in BatchPlan pickles.
    if sys.platform.startswith("linux"):
        return _mp().get_context("fork")
    return _mp().get_context("spawn")


@dataclass
class _Worker:
    process: Any
    conn: Any
    queue: deque = field(default_factory=deque)  # (index, path) sent and not yet answered
    since: float = 0.0  # when the file at the head of the queue started
    ready: bool = False
    poller: Any = None  # a poll object for its pipe alone (see _Waiter.waiting)

    @property
    def busy(self) -> bool:
        return bool(self.queue)


class _Pool:
    def __init__(self, plan: BatchPlan, size: int) -> None:
        self.plan = plan
        self.size = size
        self.ctx = _context()
        self.workers: list[_Worker] = []
        for _ in range(size):
            self._start()

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=_worker_main, args=(child, self.plan, os.getpid()), daemon=True,
                                name="perflint-worker")
        proc.start()
        child.close()
        w = _Worker(proc, parent)
        self.workers.append(w)
        return w

    def replace(self, w: _Worker) -> None:
        self._discard(w)
        self._start()

    def _discard(self, w: _Worker) -> None:
        try:
            w.conn.close()
        except OSError:
            pass
        if w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=5)
        self.workers.remove(w)

    def close(self) -> None:
        for w in list(self.workers):
            try:
                if w.process.is_alive():
                    w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        deadline = time.monotonic() + 2
        for w in list(self.workers):
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._discard(w)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


# the parent wakes at most this often (seconds) and takes every result waiting: with as many workers
# as cores, each wake-up takes a core from a worker (bench/README.md has the measurement), and a
# worker's next chunk is sent while half of the last one is still to do
_COALESCE = 0.006


def _chunk_size(n: int, jobs: int) -> int:
    # small chunks keep the load even and a crash cheap; larger ones save round trips on big batches
    return max(1, min(16, n // (jobs * 8)))


class _Waiter:
    """Which workers have a message or have ended. Where the system has poll(2), one poll object
    is kept across waits: multiprocessing's `wait` builds and fills a new selector on every call,
    which costs the parent more than receiving the file's result."""

    def __init__(self) -> None:
        import select

        self._new_poll = getattr(select, "poll", None)
        self._poll = self._new_poll() if self._new_poll is not None else None
        self._mask = select.POLLIN if self._poll is not None else 0  # not poll's default, which adds "ready to write"
        self._fds: dict[int, tuple[_Worker, bool]] = {}  # fd -> (worker, whether it is its sentinel)

    def ready(self, workers: list[_Worker], timeout: float | None) -> list[tuple[_Worker, bool]]:
        if self._poll is None:
            from multiprocessing.connection import wait

            ends = {w.process.sentinel: w for w in workers}
            conns = {w.conn: w for w in workers}
            return [(ends[o], True) if o in ends else (conns[o], False)
                    for o in wait([*conns, *ends], timeout)]
        wanted = {w.conn.fileno(): (w, False) for w in workers}
        wanted.update({w.process.sentinel: (w, True) for w in workers})
        if wanted != self._fds:
            for fd in self._fds.keys() - wanted.keys():
                self._poll.unregister(fd)
            for fd in wanted.keys() - self._fds.keys():
                self._poll.register(fd, self._mask)
            self._fds = wanted
        events = self._poll.poll(None if timeout is None else max(0, int(timeout * 1000 + 0.999)))
        got = [self._fds[fd] for fd, _ in events if fd in self._fds]
        return sorted(got, key=lambda wt: wt[1])  # messages first: a worker's last results before its end

    def waiting(self, w: _Worker) -> bool:
        """Whether another message from `w` can be received at once."""
        if self._poll is None:
            return w.conn.poll()
        if w.poller is None:
            w.poller = self._new_poll()
            w.poller.register(w.conn.fileno(), self._mask)
        return bool(w.poller.poll(0))


class _Scheduler:
    """Hands files to the workers in chunks and collects (index, result) pairs in any order."""

    def __init__(self, engine: Engine, plan: BatchPlan, jobs: int, chunk: int) -> None:
        self.engine = engine
        self.limit = plan.timeout
        self.chunk = chunk
        self.pending: deque = deque()
        self.plan = plan
        self.jobs = jobs
        self._pool: _Pool | None = None
        self._waiter = _Waiter()
        self._woken = 0.0

    @property
    def pool(self) -> _Pool:
        # started with the first file submitted: none at all when every file is cached or drafted
        if self._pool is None:
            self._pool = _Pool(self.plan, self.jobs)
        return self._pool

    @property
    def outstanding(self) -> int:
        workers = self._pool.workers if self._pool is not None else ()
        return len(self.pending) + sum(len(w.queue) for w in workers)

    def submit(self, index: int, path: str) -> None:
        self.pending.append((index, path))

    def _dispatch(self) -> None:
        now = time.monotonic()
        for w in self.pool.workers:
            # the next chunk goes out while half of the last is still to do: a worker never waits
            # for the parent to notice it has finished
            if w.ready and len(w.queue) <= self.chunk // 2 and self.pending:
                # smaller chunks as the pass runs out, so that the workers finish together
                size = max(1, min(self.chunk, len(self.pending) // (2 * len(self.pool.workers))))
                task = [self.pending.popleft() for _ in range(size)]
                try:
                    w.conn.send(task)
                except OSError:
                    self.pending.extendleft(reversed(task))  # its death shows on the sentinel
                    continue
                if not w.queue:
                    w.since = now
                w.queue.extend(task)

    def _give_back(self, w: _Worker) -> None:
        self.pending.extendleft(reversed(w.queue))  # the rest of its chunk goes to another worker
        w.queue.clear()

    def poll(self) -> list[tuple[int, FileResult]]:
        """Wait until something happens; return the files it finished (crashes and timeouts included)."""
        pause = self._woken + _COALESCE - time.monotonic()
        if pause > 0 and len(self.pending) >= self.chunk * self.jobs and all(w.ready for w in self.pool.workers):
            time.sleep(pause)  # not near the end of a pass, where the last results are awaited
        self._dispatch()
        out: list[tuple[int, FileResult]] = []
        now = time.monotonic()
        timeout = None
        if self.limit:
            heads = [w.since + self.limit + _KILL_GRACE - now for w in self.pool.workers if w.busy]
            timeout = max(0.0, min(heads)) if heads else None
        dead: list[_Worker] = []
        for w, ended in self._waiter.ready(self.pool.workers, timeout):
            if w in dead:
                continue
            try:
                # every message waiting: all of them when the worker has ended, before it is replaced
                while True:
                    kind, index, result = w.conn.recv()
                    if kind == "ready":
                        w.ready = True
                    else:
                        if w.queue and w.queue[0][0] == index:
                            w.queue.popleft()
                        w.since = time.monotonic()
                        out.append((index, result))
                    if not self._waiter.waiting(w):
                        break
            except (EOFError, OSError):
                ended = ended or not w.process.is_alive()
            if ended:
                dead.append(w)
        for w in dead:
            w.process.join(timeout=1)
            if w.queue:
                index, path = w.queue.popleft()
                self._give_back(w)
                out.append((index, crash_result(self.engine, path, _describe_exit(w.process.exitcode),
                                                time.monotonic() - w.since)))
            elif not w.ready:
                raise RuntimeError(f"a worker process failed to start ({_describe_exit(w.process.exitcode)})")
            self.pool.replace(w)
        if self.limit:
            now = time.monotonic()
            for w in list(self.pool.workers):
                if w.busy and now - w.since > self.limit + _KILL_GRACE:
                    index, path = w.queue.popleft()
                    self._give_back(w)
                    seconds = now - w.since
                    self.pool.replace(w)  # stuck where the timer cannot reach (C code): kill it
                    out.append((index, timeout_result(self.engine, path, seconds, self.limit)))
        self._dispatch()
        self._woken = time.monotonic()
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


# ---- the batch ------------------------------------------------------------------------------

@dataclass
class Batch:
    """One run over many files: cache look-ups, then the pool or this process, results in order."""

    engine: Engine
    plan: BatchPlan
    options: Any
    jobs: int = 1
    cache: Any = None  # a perflint.cache.ResultCache, or None
    window: int = 0  # most files in flight or finished but waiting for an earlier one; 0: from jobs
    pool: bool | None = None  # None: a pool when jobs > 1 and there is more than one file
    chunk: int = 0  # files sent to a worker at a time; 0: from the batch size

    def run(self, files: list[str], advance: Callable[[FileResult], None] | None = None,
            reading: Callable[[int, int], None] | None = None) -> Iterator[FileResult]:
        """Results of `files` in order. `advance` sees each result; `reading` (done, total) follows
        the first pass of a two-pass run."""
        run = getattr(self.engine.history, "run", None)
        if run and self.plan.check is not None:
            run.read_now(self.options, self.jobs)  # a custom check returns whole results: index first
            run = None
        if run:
            return _frozen_heap(self._two_pass(files, run, advance, reading))
        return _frozen_heap(self._ordered(files, advance, _Drafts()))

    def _use_pool(self, n: int) -> bool:
        # starting workers costs more than checking a file or two: a pool only where it pays
        return bool(n) and (self.pool if self.pool is not None else self.jobs > 1 and n > 1)

    def _ordered(self, files: list[str], advance, drafts: "_Drafts") -> Iterator[FileResult]:
        if self._use_pool(len(files)):
            return self._parallel(files, advance, drafts)
        return self._sequential(files, advance, drafts)

    def _lookup(self, index: int, path: str, drafts: "_Drafts") -> tuple[str | None, FileResult | None]:
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

    def _sequential(self, files: list[str], advance, drafts: "_Drafts") -> Iterator[FileResult]:
        for i, path in enumerate(files):
            key, result = self._lookup(i, path, drafts)
            if result is None:
                result = check_one(self.engine, path, self.options, self.plan.timeout, self.plan.check)
                if self.cache is not None:
                    self.cache.put(key, result)
            if advance:
                advance(result)
            yield result

    def _parallel(self, files: list[str], advance, drafts: "_Drafts") -> Iterator[FileResult]:
        window = self.window or max(64, self.jobs * 32)
        sched = _Scheduler(self.engine, self.plan, self.jobs, self.chunk or _chunk_size(len(files), self.jobs))
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
    def _two_pass(self, files: list[str], run: Any, advance, reading) -> Iterator[FileResult]:
        drafts = _Drafts()
        try:
            todo = [(i, path) for i, path in enumerate(files) if path in run]
            # learnt as they finish: the index answers in the order of the files whatever the order
            # of learning, so what the H rules list comes out the same with any number of workers
            for count, (i, path, got) in enumerate(self._first_pass(todo), 1):
                if isinstance(got, Prepared):
                    run.learn(path, [r for r in got.records if r is not None], got.unreadable)
                    drafts.put(i, got.draft, got.records)
                else:  # the file crashed or ran out of time: that is its result
                    run.learn(path, [], None, checked=False)
                    drafts.put(i, pickle.dumps(got, protocol=pickle.HIGHEST_PROTOCOL))
                if reading:
                    reading(count, len(todo))
            run.close()  # every file of the run is in the index: the H rules can judge
            if self.jobs > 1 and len(drafts) >= _SHARE_FROM and sys.platform.startswith("linux"):
                drafts = _SharedFinish.start(self.engine, drafts)
            yield from self._ordered(files, advance, drafts)
        finally:
            drafts.close()

    def _first_pass(self, todo: list[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
        """(index, path, Prepared or the FileResult of a crash or timeout), in the order they finish."""
        if not self._use_pool(len(todo)):
            for i, path in todo:
                yield i, path, check_one(self.engine, path, self.options, self.plan.timeout, _prepare)
            return
        plan = BatchPlan(self.plan.settings, self.plan.profile, None, self.plan.timeout, prepare=True)
        sched = _Scheduler(self.engine, plan, self.jobs, self.chunk or _chunk_size(len(todo), self.jobs))
        paths = dict(todo)
        try:
            for i, path in todo:
                sched.submit(i, path)
            left = len(todo)
            while left:
                for i, got in sched.poll():
                    left -= 1
                    yield i, paths[i], got
        finally:
            sched.close()


def _finished(engine: Engine, done: FileDraft | FileResult) -> FileResult:
    """A taken draft finished; a crash or timeout of the first pass is already its file's result."""
    return engine.finish_file(done) if isinstance(done, FileDraft) else done


_SHARE_FROM = 200  # drafts in a run before a second process helps to finish them (it costs a fork)
_OURS_EVERY = 3  # of the drafts in file order, this process finishes one in this many, the helper the rest


_HELPER_PARENT = 0  # set by the parent just before it forks the helper


def _finish_part(conn, engine: Engine, drafts: "_Drafts", indexes: list[int]) -> None:
    die_with_parent(_HELPER_PARENT or os.getppid())
    try:
        for index in indexes:
            result = _finished(engine, drafts.take(index))
            conn.send_bytes(pickle.dumps((index, result), protocol=pickle.HIGHEST_PROTOCOL))
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

    def __init__(self, drafts: "_Drafts", theirs: set[int], conn: Any, process: Any) -> None:
        self.drafts = drafts
        self.theirs = theirs
        self.conn = conn
        self.process = process

    @classmethod
    def start(cls, engine: Engine, drafts: "_Drafts") -> "_SharedFinish | _Drafts":
        """The drafts shared with a helper, or left as they are when no process can be had."""
        order = drafts.indexes()
        theirs = [order[k] for k in range(len(order)) if k % _OURS_EVERY]
        ctx = _mp().get_context("fork")
        try:
            conn, child = ctx.Pipe(duplex=False)
        except OSError:
            return drafts
        gc.freeze()  # the index too: the helper reads it without copying pages the collector would touch
        global _HELPER_PARENT
        _HELPER_PARENT = os.getpid()  # the forked helper inherits it, and ends when this process does
        process = ctx.Process(target=_finish_part, args=(child, engine, drafts, theirs), daemon=True,
                              name="perflint-finisher")
        try:
            process.start()
        except OSError:
            conn.close()
            return drafts
        finally:
            child.close()
        return cls(drafts, set(theirs), conn, process)

    def __contains__(self, index: int) -> bool:
        return index in self.drafts

    def __len__(self) -> int:
        return len(self.drafts)

    def take(self, index: int) -> FileDraft | FileResult:
        if index in self.theirs:
            self.theirs.discard(index)
            try:
                sent, result = pickle.loads(self.conn.recv_bytes())
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


class _Drafts:
    """First-pass drafts by file index, pickled in one anonymous temporary file (gone when closed)."""

    def __init__(self) -> None:
        self._file: Any = None
        self._slots: dict[int, tuple[int, int, list | None]] = {}
        self._held: dict[int, bytes] = {}  # blobs kept in memory when the temporary file cannot take them
        self._end = 0

    def __contains__(self, index: int) -> bool:
        return index in self._slots

    def __len__(self) -> int:
        return len(self._slots)

    def put(self, index: int, blob: bytes, records: list | None = None) -> None:
        """`records`: the documents' records, kept out of the blob (the index holds them anyway)."""
        try:
            if self._file is None:
                import tempfile

                self._file = tempfile.TemporaryFile(prefix="perflint-", buffering=0)
            view, at = memoryview(blob), self._end
            while view:
                written = os.pwrite(self._file.fileno(), view, at)
                view, at = view[written:], at + written
        except OSError:  # no temporary space left: this one stays in memory
            self._held[index] = blob
            self._slots[index] = (-1, len(blob), records)
            return
        self._slots[index] = (self._end, len(blob), records)
        self._end += len(blob)

    def indexes(self) -> list[int]:
        return sorted(self._slots)

    def discard(self, index: int) -> None:
        """Forget a draft finished elsewhere (its bytes stay in the file until it is closed)."""
        self._slots.pop(index, None)
        self._held.pop(index, None)

    def take(self, index: int) -> FileDraft | FileResult:
        offset, size, records = self._slots.pop(index)
        blob = self._held.pop(index) if offset < 0 else os.pread(self._file.fileno(), size, offset)
        got = pickle.loads(blob)
        if type(got) is not tuple:
            return got  # a file's result already (a crash, a timeout)
        path, documents, findings, seconds = got
        records = records or [None] * len(documents)
        return FileDraft(path, tuple([DocumentDraft(*d, record=r) for d, r in zip(documents, records)]), findings, seconds)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._slots.clear()
        self._held.clear()


def check_files(files: list[str], settings: Any = None, *, profile: Any = None, history: Any = None, jobs: int = 1,
                timeout: float | None = None, check: CheckFn | None = None, cache: Any = None,
                pool: bool | None = None) -> Iterator[FileResult]:
    """The batch for scripts and tests: results of `files` in order, with the settings of a plain run."""
    from .catalogue import default_catalogue
    from .config import Config
    from .profiles import load_profile
    from .run import RunSettings, build_engine, reader_options

    settings = settings or RunSettings(paths=list(files), config=Config())
    catalogue = default_catalogue()
    profile = profile or load_profile(settings.profile, catalogue)
    engine = build_engine(settings, catalogue, profile, history)
    plan = BatchPlan(settings, profile, history, timeout, check)
    batch = Batch(engine, plan, reader_options(settings, profile), resolve_jobs(jobs), cache, pool=pool)
    return batch.run(list(files))
